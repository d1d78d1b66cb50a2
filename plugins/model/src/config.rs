//! Checks of the model section's `labels` (PM-55) and `namedQueries` (PM-53).

use std::collections::HashSet;

use catalog_config::Section;
use serde_json::Value;

/// Operators a named query may use (case-insensitive).
const OPERATORS: &[&str] = &[
    "=", "!=", ">", "<", ">=", "<=", "LIKE", "ILIKE", "IN", "NOT IN",
];

/// Every problem of the section's labels and named queries, as one message.
pub fn check(section: &Section) -> Result<(), String> {
    let mut problems = Vec::new();
    let mut names = HashSet::new();
    for (i, label) in section.labels.iter().enumerate() {
        let Value::Object(map) = label else {
            problems.push(format!("labels[{i}]: must be a mapping"));
            continue;
        };
        for (k, v) in map {
            if !(v.is_string() || (k == "name" && v.is_null())) {
                problems.push(format!("labels[{i}].{k}: must be a string"));
            }
        }
        match map.get("name") {
            None => problems.push(format!("labels[{i}]: name is required (it may be null)")),
            Some(name) => {
                if !names.insert(name.to_string()) {
                    problems.push(format!("labels[{i}]: duplicate name {name}"));
                }
            }
        }
    }
    for (query, fields) in &section.named_queries {
        if query.trim().is_empty() {
            problems.push("namedQueries: empty query name".into());
        }
        if fields.is_empty() {
            problems.push(format!("namedQueries.{query}: has no conditions"));
        }
        for (field, cond) in fields {
            let at = format!("namedQueries.{query}.{field}");
            if field.trim().is_empty() {
                problems.push(format!("namedQueries.{query}: empty field name"));
            }
            let op = cond.operator.trim().to_uppercase();
            if !OPERATORS.contains(&op.as_str()) {
                problems.push(format!(
                    "{at}: unknown operator \"{}\" (one of {})",
                    cond.operator,
                    OPERATORS.join(", ")
                ));
            }
            match (&cond.value, op.as_str()) {
                (Value::Null, _) => problems.push(format!("{at}: value must not be null")),
                (Value::Array(_), "IN" | "NOT IN") => {}
                (_, "IN" | "NOT IN") => problems.push(format!("{at}: {op} needs a list")),
                (Value::Array(_) | Value::Object(_), _) => {
                    problems.push(format!("{at}: {op} needs a single value"))
                }
                _ => {}
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(yaml: serde_json::Value) -> Section {
        serde_json::from_value(yaml).unwrap()
    }

    #[test]
    fn accepts_valid_and_reports_each_problem() {
        let ok = section(serde_json::json!({
            "labels": [{"name": "A", "displayName": "a"}, {"name": null}],
            "namedQueries": {"q": {"license": {"operator": "in", "value": ["MIT"]}}}
        }));
        assert_eq!(check(&ok), Ok(()));
        let bad = section(serde_json::json!({
            "labels": [{"name": "A"}, {"name": "A"}, {"displayName": "x"}, {"name": "B", "n": 1}],
            "namedQueries": {
                "q": {"a": {"operator": "~", "value": 1}, "b": {"operator": "IN", "value": "x"},
                      "c": {"operator": "=", "value": null}},
                "empty": {}
            }
        }));
        let err = check(&bad).unwrap_err();
        for part in [
            "labels[1]: duplicate name",
            "labels[2]: name is required",
            "labels[3].n: must be a string",
            "namedQueries.q.a: unknown operator",
            "namedQueries.q.b: IN needs a list",
            "namedQueries.q.c: value must not be null",
            "namedQueries.empty: has no conditions",
        ] {
            assert!(err.contains(part), "{part}: {err}");
        }
    }
}
