//! Skill `validate` warnings (PA-54).

use catalog_core::validation::Finding;
use serde_json::Value;

/// Executor fields each skill type needs.
fn required_executor_fields(skill_type: &str) -> &'static [&'static str] {
    match skill_type {
        "mcp_tool" => &["mcpServerRef", "toolName"],
        "openapi_operation" => &["openapiRef", "operationId"],
        "k8s_action" => &["resource", "verb"],
        "shell_command" => &["command"],
        _ => &[],
    }
}

/// Executor type differing from the skill type, executor fields missing for the type, shell
/// commands without approval, and high risk without approval.
pub fn check_skill(doc: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    let skill_type = doc["skillType"].as_str().unwrap_or_default();
    let execution = &doc["execution"];
    if let Some(executor) = execution["executorType"].as_str()
        && executor != skill_type
    {
        out.push(Finding::warning(
            "execution.executorType",
            format!("executorType \"{executor}\" differs from skillType \"{skill_type}\""),
        ));
    }
    for field in required_executor_fields(skill_type) {
        if execution.get(field).is_none_or(Value::is_null) {
            out.push(Finding::warning(
                format!("execution.{field}"),
                format!("{skill_type} skills need execution.{field}"),
            ));
        }
    }
    let approval = doc["safety"]["requiresApproval"].as_bool().unwrap_or(false);
    if skill_type == "shell_command" && !approval {
        out.push(Finding::warning(
            "safety.requiresApproval",
            "shell commands should require approval",
        ));
    }
    if doc["safety"]["riskLevel"] == "high" && !approval {
        out.push(Finding::warning(
            "safety.requiresApproval",
            "high-risk skills should require approval",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_shell_commands_without_approval_are_flagged() {
        let doc = catalog_core::provider::parse_document(
            include_str!("../data/sample-skills.yaml"),
            std::path::Path::new("sample-skills.yaml"),
        )
        .unwrap();
        let mut shell_flagged = Vec::new();
        for entry in doc["skills"].as_array().unwrap() {
            for f in check_skill(entry) {
                if f.message.starts_with("shell commands") {
                    shell_flagged.push(entry["name"].as_str().unwrap().to_string());
                }
            }
        }
        shell_flagged.sort();
        assert_eq!(
            shell_flagged,
            ["code-formatter", "git-commit-info", "image-resize"]
        );
    }

    #[test]
    fn mismatched_executor_and_missing_fields() {
        let doc = serde_json::json!({
            "skillType": "mcp_tool",
            "execution": {"executorType": "shell_command", "mcpServerRef": "m"},
            "safety": {"riskLevel": "high", "requiresApproval": false},
        });
        let fields: Vec<String> = check_skill(&doc).into_iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "execution.executorType",
                "execution.toolName",
                "safety.requiresApproval"
            ]
        );
    }
}
