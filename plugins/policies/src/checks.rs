//! Policy `validate` warnings (PA-53).

use catalog_core::validation::Finding;
use serde_json::Value;

/// A `rego` entrypoint that does not start with `data.`.
pub fn check_policy(doc: &Value) -> Vec<Finding> {
    match (doc["language"].as_str(), doc["entrypoint"].as_str()) {
        (Some("rego"), Some(entry)) if !entry.starts_with("data.") => vec![Finding::warning(
            "entrypoint",
            "rego entrypoints start with `data.`",
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rego_entrypoints_start_with_data() {
        let bad = json!({"language": "rego", "entrypoint": "pkg.allow"});
        assert_eq!(check_policy(&bad)[0].field, "entrypoint");
        assert!(
            check_policy(&json!({"language": "rego", "entrypoint": "data.pkg.allow"})).is_empty()
        );
        assert!(check_policy(&json!({"language": "cel", "entrypoint": "x > 1"})).is_empty());
    }
}
