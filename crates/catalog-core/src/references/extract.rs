//! Extracting the reference links of one entity document, in declaration order (PA-55).

use serde::Serialize;
use serde_json::Value;

use super::ReferenceSpec;

/// One reference found in an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Concrete location, e.g. `tools[1].skillRef`.
    pub field: String,
    /// Target kind.
    pub kind: &'static str,
    /// Target plugin.
    pub plugin: &'static str,
    /// Target name.
    pub name: String,
}

/// The links of `doc` under `specs`: specs whose path shares a leading array segment
/// (`tools[]`) are interleaved per array item, otherwise declaration order is kept; empty
/// values are skipped and duplicates kept.
pub fn extract_links(doc: &Value, specs: &[ReferenceSpec]) -> Vec<Link> {
    let mut links = Vec::new();
    let mut i = 0;
    while i < specs.len() {
        let head = array_head(specs[i].path);
        let group_len = match head {
            Some(h) => specs[i..]
                .iter()
                .take_while(|s| array_head(s.path) == Some(h))
                .count(),
            None => 1,
        };
        let group = &specs[i..i + group_len];
        match head {
            Some(h) => {
                let items = doc.get(h).and_then(Value::as_array).map_or(&[][..], |v| v);
                for (n, item) in items.iter().enumerate() {
                    for spec in group {
                        let rest = &spec.path[h.len() + 3..];
                        collect(item, rest, &format!("{h}[{n}]."), spec, &mut links);
                    }
                }
            }
            None => collect(doc, group[0].path, "", &group[0], &mut links),
        }
        i += group_len;
    }
    links
}

/// `tools` for `tools[].skillRef`; `None` when the first segment is not an array map.
fn array_head(path: &str) -> Option<&str> {
    let first = path.split('.').next()?;
    first
        .strip_suffix("[]")
        .filter(|_| path.len() > first.len())
}

/// Appends the names at `path` below `value`, recording concrete field locations.
fn collect(value: &Value, path: &str, prefix: &str, spec: &ReferenceSpec, out: &mut Vec<Link>) {
    let (seg, rest) = path.split_once('.').unwrap_or((path, ""));
    let (key, each) = match seg.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (seg, false),
    };
    let Some(next) = value.get(key) else { return };
    let mut visit = |v: &Value, at: String| {
        if rest.is_empty() {
            if let Some(name) = v.as_str().filter(|s| !s.is_empty()) {
                out.push(Link {
                    field: at,
                    kind: spec.kind,
                    plugin: spec.plugin,
                    name: name.to_string(),
                });
            }
        } else {
            collect(v, rest, &format!("{at}."), spec, out);
        }
    };
    if each {
        for (n, item) in next.as_array().map_or(&[][..], |v| v).iter().enumerate() {
            visit(item, format!("{prefix}{key}[{n}]"));
        }
    } else {
        visit(next, format!("{prefix}{key}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPECS: &[ReferenceSpec] = &[
        ReferenceSpec::new("tools[].skillRef", "skillRef", "skills", "Skill"),
        ReferenceSpec::new("tools[].mcpToolRef", "mcpToolRef", "mcp", "McpServer"),
        ReferenceSpec::new(
            "knowledge[].knowledgeSourceRef",
            "knowledgeSourceRef",
            "knowledge",
            "KnowledgeSource",
        ),
        ReferenceSpec::new(
            "modelConfig.preferredModelRef",
            "modelRef",
            "model",
            "CatalogModel",
        ),
        ReferenceSpec::new(
            "modelConfig.fallbackModelRefs[]",
            "modelRef",
            "model",
            "CatalogModel",
        ),
    ];

    #[test]
    fn links_follow_item_order_then_declaration_order() {
        let doc = json!({
            "tools": [{"mcpToolRef": "m1", "toolName": "x"}, {"skillRef": "s1"}, {"skillRef": ""}],
            "knowledge": [{"knowledgeSourceRef": "k1"}],
            "modelConfig": {"preferredModelRef": "p", "fallbackModelRefs": ["f1", "f1"]},
        });
        let got: Vec<(String, &str)> = extract_links(&doc, SPECS)
            .into_iter()
            .map(|l| (l.field, l.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("tools[0].mcpToolRef".to_string(), "McpServer"),
                ("tools[1].skillRef".into(), "Skill"),
                ("knowledge[0].knowledgeSourceRef".into(), "KnowledgeSource"),
                ("modelConfig.preferredModelRef".into(), "CatalogModel"),
                ("modelConfig.fallbackModelRefs[0]".into(), "CatalogModel"),
                ("modelConfig.fallbackModelRefs[1]".into(), "CatalogModel"),
            ]
        );
        assert!(extract_links(&json!({"tools": "oops"}), SPECS).is_empty());
    }
}
