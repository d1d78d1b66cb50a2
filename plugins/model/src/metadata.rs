//! Typed custom properties (`MetadataValue`, PM-41): each value names its type in
//! `metadataType` and carries exactly one `*_value` key; ints travel as decimal strings.

use serde_json::{Map, Value};

/// `metadataType` names and their value keys.
const TYPES: &[(&str, &str)] = &[
    ("MetadataStringValue", "string_value"),
    ("MetadataIntValue", "int_value"),
    ("MetadataDoubleValue", "double_value"),
    ("MetadataBoolValue", "bool_value"),
    ("MetadataStructValue", "struct_value"),
    ("MetadataProtoValue", "proto_value"),
];

/// Checks and normalises a `customProperties` map in place: infers a missing `metadataType`,
/// turns a bare integer `int_value` into its string form; problems are reported under `path`.
pub fn normalise_properties(value: &mut Value, path: &str, problems: &mut Vec<(String, String)>) {
    let Value::Object(props) = value else {
        problems.push((path.into(), "must be a mapping of typed values".into()));
        return;
    };
    for (key, prop) in props.iter_mut() {
        if let Err(message) = normalise_value(prop) {
            problems.push((format!("{path}.{key}"), message));
        }
    }
}

fn normalise_value(prop: &mut Value) -> Result<(), String> {
    let Value::Object(map) = prop else {
        return Err("must be a mapping with metadataType and one *_value key".into());
    };
    let value_keys: Vec<&str> = TYPES
        .iter()
        .map(|(_, k)| *k)
        .filter(|k| map.contains_key(*k))
        .collect();
    let allowed =
        |k: &str| k == "metadataType" || k == "type" || TYPES.iter().any(|(_, v)| *v == k);
    if let Some(unknown) = map.keys().find(|k| !allowed(k)) {
        return Err(format!("has unknown key '{unknown}'"));
    }
    let value_key = match value_keys.as_slice() {
        [one] => *one,
        [] => return Err("needs one of string_value, int_value, double_value, bool_value".into()),
        _ => {
            return Err(format!(
                "has conflicting value keys {}",
                value_keys.join(", ")
            ));
        }
    };
    let expected = TYPES
        .iter()
        .find(|(_, k)| *k == value_key)
        .map(|(t, _)| *t)
        .unwrap_or_default();
    match map.get("metadataType") {
        None => {
            map.insert("metadataType".into(), Value::String(expected.into()));
        }
        Some(Value::String(t)) if t == expected => {}
        Some(other) => {
            return Err(format!("metadataType {other} does not match {value_key}"));
        }
    }
    check_value(map, value_key)
}

fn check_value(map: &mut Map<String, Value>, key: &str) -> Result<(), String> {
    let value = map.get_mut(key).expect("present");
    let ok = match (key, &*value) {
        ("int_value", Value::String(s)) => s.trim().parse::<i64>().is_ok(),
        ("int_value", Value::Number(n)) if n.is_i64() => {
            *value = Value::String(n.to_string());
            true
        }
        ("double_value", Value::Number(_)) => true,
        ("double_value", Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                *value = serde_json::json!(x);
                true
            }
            _ => false,
        },
        ("bool_value", Value::Bool(_)) => true,
        ("string_value" | "struct_value" | "proto_value", Value::String(_)) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        let want = match key {
            "int_value" => "a 64-bit integer (or its decimal string)",
            "double_value" => "a number",
            "bool_value" => "a boolean",
            _ => "a string",
        };
        Err(format!("{key} must be {want}"))
    }
}

/// The value of a typed property as a number, if it holds one.
pub fn number(prop: &Value) -> Option<f64> {
    match prop.get("int_value") {
        Some(Value::String(s)) => s.parse::<i64>().ok().map(|i| i as f64),
        _ => prop.get("double_value").and_then(Value::as_f64),
    }
}

/// Value columns a list may be ordered by (`<property>.<value type>`).
pub const SORT_VALUE_TYPES: &[&str] = &["int_value", "double_value", "string_value"];

/// The sort value of a typed property's `vt` column (`Missing` when absent).
pub fn sort_key(prop: Option<&Value>, vt: &str) -> catalog_core::index::SortKey {
    use catalog_core::index::SortKey;
    match (vt, prop.and_then(|p| p.get(vt))) {
        ("string_value", Some(Value::String(s))) => SortKey::Str(s.to_lowercase()),
        (_, Some(_)) => prop.and_then(number).map_or(SortKey::Missing, SortKey::Num),
        _ => SortKey::Missing,
    }
}

/// A typed int property.
pub fn int(value: i64) -> Value {
    serde_json::json!({"metadataType": "MetadataIntValue", "int_value": value.to_string()})
}

/// A typed double property.
pub fn double(value: f64) -> Value {
    serde_json::json!({"metadataType": "MetadataDoubleValue", "double_value": value})
}

/// A typed string property.
pub fn string(value: impl Into<String>) -> Value {
    serde_json::json!({"metadataType": "MetadataStringValue", "string_value": value.into()})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(mut v: Value) -> (Value, Vec<(String, String)>) {
        let mut problems = Vec::new();
        normalise_properties(&mut v, "customProperties", &mut problems);
        (v, problems)
    }

    #[test]
    fn infers_types_and_stringifies_ints() {
        let (v, p) = run(json!({"a": {"int_value": 30000000000i64}, "b": {"bool_value": true}}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            v["a"],
            json!({"int_value": "30000000000", "metadataType": "MetadataIntValue"})
        );
        assert_eq!(v["b"]["metadataType"], "MetadataBoolValue");
    }

    #[test]
    fn rejects_conflicts_wrong_types_and_missing_values() {
        let (_, p) = run(json!({
            "c": {"int_value": "1", "string_value": "x"},
            "w": {"metadataType": "MetadataIntValue", "int_value": "abc"},
            "m": {"metadataType": "MetadataStringValue"},
            "t": {"metadataType": "MetadataBoolValue", "string_value": "x"},
        }));
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "customProperties.c",
                "customProperties.w",
                "customProperties.m",
                "customProperties.t"
            ]
        );
    }
}
