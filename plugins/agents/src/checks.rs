//! Agent `validate` warnings (PA-51).

use catalog_core::validation::Finding;
use serde_json::Value;

/// Guardrail enforcement modes.
const GUARDRAIL_MODES: &[&str] = &["advisory", "required"];
/// Policy enforcement modes.
const POLICY_MODES: &[&str] = &["enforce", "audit", "dry-run"];

fn items<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc[key].as_array().map_or(&[], Vec::as_slice)
}

/// Tools with neither or both of `skillRef`/`mcpToolRef`, a dependency on the agent itself,
/// and enforcement modes outside the guardrail and policy vocabularies.
pub fn check_agent(doc: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, tool) in items(doc, "tools").iter().enumerate() {
        let has = |k: &str| tool[k].as_str().is_some_and(|s| !s.is_empty());
        match (has("skillRef"), has("mcpToolRef")) {
            (true, true) => out.push(Finding::warning(
                format!("tools[{i}]"),
                "set only one of skillRef and mcpToolRef",
            )),
            (false, false) => out.push(Finding::warning(
                format!("tools[{i}]"),
                "set skillRef or mcpToolRef",
            )),
            _ => {}
        }
    }
    for (i, dep) in items(doc, "dependencies").iter().enumerate() {
        if dep["agentRef"].as_str().is_some() && dep["agentRef"] == doc["name"] {
            out.push(Finding::warning(
                format!("dependencies[{i}].agentRef"),
                "an agent cannot depend on itself",
            ));
        }
    }
    for (key, modes) in [("guardrails", GUARDRAIL_MODES), ("policies", POLICY_MODES)] {
        for (i, item) in items(doc, key).iter().enumerate() {
            if let Some(mode) = item["enforcementMode"].as_str()
                && !modes.contains(&mode)
            {
                out.push(Finding::warning(
                    format!("{key}[{i}].enforcementMode"),
                    format!("\"{mode}\" is not one of {}", modes.join(", ")),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_tools_self_dependencies_and_modes() {
        let doc = json!({
            "name": "a",
            "tools": [{"skillRef": "s"}, {"skillRef": "s", "mcpToolRef": "m"}, {"required": true}],
            "dependencies": [{"agentRef": "b"}, {"agentRef": "a"}],
            "guardrails": [{"guardrailRef": "g", "enforcementMode": "enforce"}],
            "policies": [{"policyRef": "p", "enforcementMode": "dry-run"}],
        });
        let fields: Vec<String> = check_agent(&doc).into_iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "tools[1]",
                "tools[2]",
                "dependencies[1].agentRef",
                "guardrails[0].enforcementMode"
            ]
        );
    }
}
