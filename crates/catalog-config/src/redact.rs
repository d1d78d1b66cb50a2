//! Secret references and redaction of sensitive properties (FW-53, FW-54).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The text that replaces a redacted value.
pub const REDACTED: &str = "***REDACTED***";

/// Key fragments that mark a property as sensitive (matched case-insensitively).
const SENSITIVE_FRAGMENTS: [&str; 6] = [
    "password",
    "token",
    "secret",
    "apikey",
    "api_key",
    "credential",
];

/// A reference to a Kubernetes Secret data key, used as a property value
/// instead of the secret itself (FW-54).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// Secret name.
    pub name: String,
    /// Data key within the Secret.
    pub key: String,
    /// Namespace; `None` means the configured default namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Whether a property key names a sensitive value: it contains, in any case,
/// `password`, `token`, `secret`, `apikey`, `api_key` or `credential`.
pub fn is_sensitive_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    SENSITIVE_FRAGMENTS.iter().any(|f| lower.contains(f))
}

/// Recognizes a secret reference.
///
/// Accepted shapes:
/// - `{name, key, namespace?}` — `name` and `key` non-empty strings,
///   `namespace` a string (empty means absent);
/// - the wrapper `{secretRef: {name, key, namespace?}}`.
///
/// A map with any other key is not a reference. This keeps a map such as
/// `{name: db, key: k, value: hunter2}` from passing through redaction.
pub fn secret_ref(value: &Value) -> Option<SecretRef> {
    let map = value.as_object()?;
    if map.len() == 1
        && let Some(inner) = map.get("secretRef")
    {
        return plain_secret_ref(inner.as_object()?);
    }
    plain_secret_ref(map)
}

fn plain_secret_ref(map: &Map<String, Value>) -> Option<SecretRef> {
    if map
        .keys()
        .any(|k| !matches!(k.as_str(), "name" | "key" | "namespace"))
    {
        return None;
    }
    let non_empty = |k: &str| {
        map.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let name = non_empty("name")?;
    let key = non_empty("key")?;
    let namespace = match map.get("namespace") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return None,
    };
    Some(SecretRef {
        name,
        key,
        namespace,
    })
}

/// Returns a copy of `props` safe to show in API responses (FW-53).
///
/// - Under a sensitive key (see [`is_sensitive_key`]), a string, number or
///   boolean becomes `"***REDACTED***"`; `null` stays `null`.
/// - Secret references ([`secret_ref`]) pass through unchanged wherever they are.
/// - Nested maps and lists are redacted recursively with the same key rule;
///   a map or list under a sensitive key (e.g. `credentials: {user, pass}`)
///   has all of its scalars redacted.
pub fn redact_properties(props: &Map<String, Value>) -> Map<String, Value> {
    props
        .iter()
        .map(|(k, v)| (k.clone(), redact_value(v, is_sensitive_key(k))))
        .collect()
}

fn redact_value(value: &Value, sensitive: bool) -> Value {
    if secret_ref(value).is_some() {
        return value.clone();
    }
    match value {
        Value::Null => Value::Null,
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            if sensitive {
                Value::String(REDACTED.to_string())
            } else {
                value.clone()
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| redact_value(item, sensitive))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact_value(v, sensitive || is_sensitive_key(k))))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn sensitive_keys() {
        for k in [
            "password",
            "DB_PASSWORD",
            "apiKey",
            "API_KEY",
            "x_api_key",
            "accessToken",
            "clientSecret",
            "credentials",
            "TOKEN",
        ] {
            assert!(is_sensitive_key(k), "{k}");
        }
        for k in [
            "yamlCatalogPath",
            "repoUrl",
            "branch",
            "key",
            "name",
            "api-key-id",
        ] {
            assert!(!is_sensitive_key(k), "{k}");
        }
    }

    #[test]
    fn scalars_under_sensitive_keys_are_redacted() {
        let props = obj(json!({
            "yamlCatalogPath": "./x.yaml",
            "apiKey": "abc",
            "DB_PASSWORD": "hunter2",
            "accessToken": 12345,
            "useSecret": true,
            "tokenFile": null,
        }));
        let out = redact_properties(&props);
        assert_eq!(
            Value::Object(out),
            json!({
                "yamlCatalogPath": "./x.yaml",
                "apiKey": REDACTED,
                "DB_PASSWORD": REDACTED,
                "accessToken": REDACTED,
                "useSecret": REDACTED,
                "tokenFile": null,
            })
        );
        // Input unchanged.
        assert_eq!(props["apiKey"], json!("abc"));
    }

    #[test]
    fn secret_refs_pass_through_even_nested() {
        let props = obj(json!({
            "password": {"name": "db", "key": "pw"},
            "token": {"secretRef": {"name": "gh", "key": "token", "namespace": "ci"}},
            "headers": {
                "Authorization": {"secretRef": {"name": "h", "key": "auth"}},
                "X-Token": "plain",
                "Accept": "application/json",
            },
        }));
        let out = Value::Object(redact_properties(&props));
        assert_eq!(out["password"], json!({"name": "db", "key": "pw"}));
        assert_eq!(
            out["token"],
            json!({"secretRef": {"name": "gh", "key": "token", "namespace": "ci"}})
        );
        assert_eq!(
            out["headers"]["Authorization"],
            json!({"secretRef": {"name": "h", "key": "auth"}})
        );
        assert_eq!(out["headers"]["X-Token"], json!(REDACTED));
        assert_eq!(out["headers"]["Accept"], json!("application/json"));
    }

    #[test]
    fn non_ref_maps_under_sensitive_keys_are_redacted_inside() {
        let props = obj(json!({
            "credentials": {"user": "me", "pass": "pw", "ports": [1, 2]},
            "password": {"name": "db", "key": "k", "value": "leak"},
        }));
        let out = Value::Object(redact_properties(&props));
        assert_eq!(
            out["credentials"],
            json!({"user": REDACTED, "pass": REDACTED, "ports": [REDACTED, REDACTED]})
        );
        assert_eq!(
            out["password"],
            json!({"name": REDACTED, "key": REDACTED, "value": REDACTED})
        );
    }

    #[test]
    fn secret_ref_shapes() {
        assert_eq!(
            secret_ref(&json!({"name": "a", "key": "b"})),
            Some(SecretRef {
                name: "a".into(),
                key: "b".into(),
                namespace: None
            })
        );
        assert_eq!(
            secret_ref(&json!({"secretRef": {"name": "a", "key": "b", "namespace": "ns"}})),
            Some(SecretRef {
                name: "a".into(),
                key: "b".into(),
                namespace: Some("ns".into())
            })
        );
        assert_eq!(
            secret_ref(&json!({"name": "a", "key": "b", "namespace": ""}))
                .unwrap()
                .namespace,
            None
        );
        for bad in [
            json!({"name": "", "key": "b"}),
            json!({"name": "a"}),
            json!({"name": "a", "key": 1}),
            json!({"name": "a", "key": "b", "namespace": 3}),
            json!({"name": "a", "key": "b", "extra": "x"}),
            json!({"secretRef": {"name": "a"}}),
            json!({"secretRef": {"name": "a", "key": "b"}, "other": 1}),
            json!("a"),
            json!(["a", "b"]),
        ] {
            assert_eq!(secret_ref(&bad), None, "{bad}");
        }
    }
}
