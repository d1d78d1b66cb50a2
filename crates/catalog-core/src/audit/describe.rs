//! What a mutating request targets, read from its path (EN-44): plugin, resource type,
//! resource ids and action.

/// Path-derived audit fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// Plugin (`mcp_catalog` → `mcp`), or the API area (`jobs`, `governance`).
    pub plugin: String,
    /// Resource type (`sources`, `entities`, `refresh`, …).
    pub resource_type: String,
    /// Target route parameters, action suffix stripped.
    pub resource_ids: Vec<String>,
    /// Action verb.
    pub action: String,
}

const RESOURCE_TYPES: &[&str] = &[
    "sources",
    "entities",
    "actions",
    "refresh",
    "diagnostics",
    "apply-source",
    "validate-source",
    "revisions",
    "approvals",
    "assets",
    "bindings",
    "versions",
    "policies",
];

const SUFFIXES: &[(&str, &str)] = &[
    (":action", "execute-action"),
    (":validate", "validate"),
    (":rollback", "rollback"),
    (":cancel", "cancel-job"),
];

fn strip_suffix(segment: &str) -> &str {
    SUFFIXES
        .iter()
        .find_map(|(s, _)| segment.strip_suffix(s))
        .unwrap_or(segment)
}

/// Describes a `method` request to `path`.
pub fn describe(method: &str, path: &str) -> Described {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let area = segments.get(1).copied().unwrap_or_default();
    let plugin = area.split("_catalog").next().unwrap_or(area).to_string();
    let (type_at, resource_type) = match segments.iter().position(|s| *s == "management") {
        Some(i) if i + 1 < segments.len() => (i + 1, strip_suffix(segments[i + 1]).to_string()),
        _ => segments
            .iter()
            .enumerate()
            .skip(2)
            .find(|(_, s)| RESOURCE_TYPES.contains(&strip_suffix(s)))
            .map_or((segments.len(), String::new()), |(i, s)| {
                (i, strip_suffix(s).to_string())
            }),
    };
    let after: Vec<&str> = segments.iter().skip(type_at + 1).copied().collect();
    let resource_ids = match resource_type.as_str() {
        "entities" if !after.is_empty() => vec![strip_suffix(&after.join("/")).to_string()],
        _ => after
            .first()
            .map(|id| vec![strip_suffix(id).to_string()])
            .unwrap_or_default(),
    };
    let last = segments.last().copied().unwrap_or_default();
    let action = SUFFIXES
        .iter()
        .find(|(s, _)| last.ends_with(s))
        .map(|(_, a)| a.to_string())
        .or_else(|| {
            segments.iter().find_map(|s| match *s {
                "apply-source" | "validate-source" | "refresh" => Some(s.to_string()),
                "enable" => Some("enable-source".into()),
                "disable" => Some("disable-source".into()),
                _ => None,
            })
        })
        .unwrap_or_else(|| {
            match method {
                "POST" => "create",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                other => other,
            }
            .to_string()
        });
    Described {
        plugin,
        resource_type,
        resource_ids,
        action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(method: &str, path: &str) -> (String, String, Vec<String>, String) {
        let x = describe(method, path);
        (x.plugin, x.resource_type, x.resource_ids, x.action)
    }

    #[test]
    fn management_paths() {
        let m = "/api/mcp_catalog/v1alpha1/management";
        assert_eq!(
            d("POST", &format!("{m}/apply-source")),
            (
                "mcp".into(),
                "apply-source".into(),
                vec![],
                "apply-source".into()
            )
        );
        assert_eq!(
            d("POST", &format!("{m}/sources/s1:rollback")),
            (
                "mcp".into(),
                "sources".into(),
                vec!["s1".into()],
                "rollback".into()
            )
        );
        assert_eq!(
            d("POST", &format!("{m}/entities/org/model-a:action")),
            (
                "mcp".into(),
                "entities".into(),
                vec!["org/model-a".into()],
                "execute-action".into()
            )
        );
        assert_eq!(
            d("POST", &format!("{m}/sources/s1/enable")).3,
            "enable-source"
        );
        assert_eq!(
            d("DELETE", &format!("{m}/sources/s1")),
            (
                "mcp".into(),
                "sources".into(),
                vec!["s1".into()],
                "delete".into()
            )
        );
        assert_eq!(
            d("POST", &format!("{m}/refresh/s1")),
            (
                "mcp".into(),
                "refresh".into(),
                vec!["s1".into()],
                "refresh".into()
            )
        );
    }

    #[test]
    fn framework_paths() {
        assert_eq!(
            d("POST", "/api/jobs/v1alpha1/refresh/j-1:cancel"),
            (
                "jobs".into(),
                "refresh".into(),
                vec!["j-1".into()],
                "cancel-job".into()
            )
        );
        assert_eq!(d("PATCH", "/api/governance/v1alpha1/x").3, "patch");
    }
}
