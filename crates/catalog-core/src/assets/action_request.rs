//! Checks every action request goes through before it reaches its target (UA-41 steps 3–7),
//! shared by entity and source actions.

use serde_json::{Map, Value};

use super::overlay::{MAX_KEY_CHARS, MAX_MAP_KEYS, MAX_TAGS, MAX_VALUE_CHARS};
use crate::error::ApiError;
use crate::plugin::{ActionDefinition, ActionParameter, ActionRequest, ActionScope, ParameterType};

/// Steps 3–4: the body is a JSON object with a non-empty `action`.
pub fn parse_action_request(body: &[u8]) -> Result<ActionRequest, ApiError> {
    let invalid = |why: String| ApiError::bad_request(format!("invalid action request: {why}"));
    let value: Value = serde_json::from_slice(body).map_err(|e| invalid(e.to_string()))?;
    if !value.is_object() {
        return Err(invalid("body must be a JSON object".into()));
    }
    let request: ActionRequest =
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
    if request.action.trim().is_empty() {
        return Err(ApiError::bad_field("action", "action field is required"));
    }
    Ok(request)
}

/// Steps 5–7: the action is defined for `scope`, dry-run is supported if asked for, and the
/// parameters are valid. Returns the definition and the parameters with defaults applied.
pub fn check_action_request<'a>(
    definitions: &'a [ActionDefinition],
    scope: ActionScope,
    request: &ActionRequest,
) -> Result<(&'a ActionDefinition, Map<String, Value>), ApiError> {
    let id = request.action.as_str();
    let definition = definitions
        .iter()
        .find(|d| d.id == id && d.scope == scope)
        .ok_or_else(|| {
            ApiError::bad_field(
                "action",
                format!("unknown action \"{id}\" for scope \"{}\"", scope.as_str()),
            )
        })?;
    if request.dry_run && !definition.supports_dry_run {
        return Err(ApiError::bad_field(
            "dryRun",
            format!("action \"{id}\" does not support dry-run"),
        ));
    }
    let params = check_params(&definition.parameters, &request.params)?;
    Ok((definition, params))
}

fn bad(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_field(&format!("params.{name}"), message)
}

/// Validates `params` against the declared parameters: no unknown keys, required ones
/// present, values of the declared type and enum, sizes bounded.
pub fn check_params(
    declared: &[ActionParameter],
    params: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    if let Some(unknown) = params
        .keys()
        .find(|k| !declared.iter().any(|p| &p.name == *k))
    {
        let known: Vec<&str> = declared.iter().map(|p| p.name.as_str()).collect();
        return Err(bad(
            unknown,
            format!(
                "unknown parameter; accepted: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    let mut out = Map::new();
    for p in declared {
        let value = match (params.get(&p.name), &p.default_value) {
            (Some(v), _) => v.clone(),
            (None, Some(default)) => default.clone(),
            (None, None) if p.required => return Err(bad(&p.name, "is required")),
            (None, None) => continue,
        };
        check_value(p, &value)?;
        out.insert(p.name.clone(), value);
    }
    Ok(out)
}

fn check_value(p: &ActionParameter, value: &Value) -> Result<(), ApiError> {
    let name = p.name.as_str();
    match p.param_type {
        ParameterType::String => {
            let Some(s) = value.as_str() else {
                return Err(bad(name, "must be a string"));
            };
            if s.chars().count() > MAX_VALUE_CHARS {
                return Err(bad(
                    name,
                    format!("must be at most {MAX_VALUE_CHARS} characters"),
                ));
            }
            if !p.allowed.is_empty() && !p.allowed.iter().any(|a| a == s) {
                return Err(bad(
                    name,
                    format!("must be one of {}, got \"{s}\"", p.allowed.join(", ")),
                ));
            }
        }
        ParameterType::Boolean if !value.is_boolean() => {
            return Err(bad(name, "must be true or false"));
        }
        ParameterType::Number if !value.is_number() => return Err(bad(name, "must be a number")),
        ParameterType::Tags => {
            let Some(items) = value.as_array() else {
                return Err(bad(name, "must be a list of strings"));
            };
            if items.len() > MAX_TAGS {
                return Err(bad(name, format!("must hold at most {MAX_TAGS} tags")));
            }
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) if !s.trim().is_empty() && s.chars().count() <= MAX_KEY_CHARS => {}
                    _ => {
                        return Err(bad(
                            &format!("{name}[{i}]"),
                            format!(
                                "must be a non-empty string of at most {MAX_KEY_CHARS} characters"
                            ),
                        ));
                    }
                }
            }
        }
        ParameterType::KeyValue => {
            let Some(map) = value.as_object() else {
                return Err(bad(name, "must be an object of string values"));
            };
            if map.len() > MAX_MAP_KEYS {
                return Err(bad(name, format!("must hold at most {MAX_MAP_KEYS} keys")));
            }
            for (k, v) in map {
                if k.trim().is_empty() || k.chars().count() > MAX_KEY_CHARS {
                    return Err(bad(
                        name,
                        format!("keys must be non-empty and at most {MAX_KEY_CHARS} characters"),
                    ));
                }
                match v {
                    Value::Null => {}
                    Value::String(s) if s.chars().count() <= MAX_VALUE_CHARS => {}
                    _ => {
                        return Err(bad(
                            &format!("{name}.{k}"),
                            format!(
                                "must be a string of at most {MAX_VALUE_CHARS} characters, or null"
                            ),
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def() -> ActionDefinition {
        ActionDefinition {
            id: "tag".into(),
            display_name: "Tag".into(),
            description: "d".into(),
            scope: ActionScope::Asset,
            supports_dry_run: false,
            idempotent: true,
            destructive: false,
            parameters: vec![ActionParameter {
                name: "tags".into(),
                param_type: ParameterType::Tags,
                label: "Tags".into(),
                required: true,
                description: None,
                default_value: None,
                allowed: vec![],
            }],
        }
    }

    fn err(body: &str) -> String {
        let defs = [def()];
        match parse_action_request(body.as_bytes())
            .and_then(|r| check_action_request(&defs, ActionScope::Asset, &r).map(|_| ()))
        {
            Ok(()) => "ok".into(),
            Err(e) => e.message,
        }
    }

    #[test]
    fn each_check_names_its_problem_in_order() {
        assert!(err("{").starts_with("invalid action request:"));
        assert!(err("[]").contains("JSON object"));
        assert!(err(r#"{"params": []}"#).starts_with("invalid action request:"));
        assert!(err("{}").contains("action field is required"));
        assert!(
            err(r#"{"action": "nope"}"#).contains(r#"unknown action "nope" for scope "asset""#)
        );
        assert!(err(r#"{"action": "tag", "dryRun": true}"#).contains("does not support dry-run"));
        assert!(err(r#"{"action": "tag"}"#).contains("params.tags: is required"));
        assert!(err(r#"{"action": "tag", "params": {"tags": [""]}}"#).contains("params.tags[0]"));
        assert!(err(r#"{"action": "tag", "params": {"tags": [], "x": 1}}"#).contains("params.x"));
        assert_eq!(
            err(r#"{"actionId": "tag", "params": {"tags": ["a"]}, "extra": 1}"#),
            "ok"
        );
    }

    fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-z ]{0,8}".prop_map(Value::String),
            prop_oneof![
                Just("tag"),
                Just("tags"),
                Just("action"),
                Just("params"),
                Just("dryRun")
            ]
            .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("action".to_string()),
                        Just("params".to_string()),
                        Just("dryRun".to_string()),
                        Just("tags".to_string()),
                        "[a-z]{1,4}"
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Any body is either accepted or refused with a 400; nothing panics.
        #[test]
        fn arbitrary_bodies_never_panic(body in any_json()) {
            let defs = [def()];
            let bytes = serde_json::to_vec(&body).unwrap();
            if let Err(e) = parse_action_request(&bytes)
                .and_then(|r| check_action_request(&defs, ActionScope::Asset, &r).map(|_| ()))
            {
                proptest::prop_assert_eq!(e.code, crate::error::ErrorCode::BadRequest);
            }
        }
    }

    #[test]
    fn defaults_fill_absent_parameters() {
        let p = ActionParameter {
            name: "phase".into(),
            param_type: ParameterType::String,
            label: "Phase".into(),
            required: false,
            description: None,
            default_value: Some(json!("deprecated")),
            allowed: vec!["active".into(), "deprecated".into()],
        };
        let params = check_params(std::slice::from_ref(&p), &Map::new()).unwrap();
        assert_eq!(params["phase"], "deprecated");
        let mut given = Map::new();
        given.insert("phase".into(), Value::Null);
        assert!(check_params(&[p], &given).is_err());
    }
}
