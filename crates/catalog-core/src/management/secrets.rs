//! SecretRef resolution (SM §9.2) and scrubbing of resolved values from text (SM-60).
//!
//! The stored document, history and every response keep the `{name, key, namespace?}` reference;
//! only the copy handed to a plugin carries the resolved value.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use catalog_config::{REDACTED, SecretRef, Section, secret_ref};
use serde_json::{Map, Value};

/// Why a reference could not be resolved. Never carries a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(pub String);

/// Looks up secret values. The Kubernetes variant implements this against the API server.
pub trait SecretResolver: Send + Sync {
    /// The value of `reference`, or why not.
    fn resolve(&self, reference: &SecretRef) -> Result<String, SecretError>;
}

fn describe(r: &SecretRef) -> String {
    match &r.namespace {
        Some(ns) => format!("key \"{}\" of secret {ns}/{}", r.key, r.name),
        None => format!("key \"{}\" of secret {}", r.key, r.name),
    }
}

/// Environment variables `{PREFIX}{NAME}_{KEY}`, upper-cased, runs of non-alphanumerics → `_`.
pub struct EnvResolver {
    /// Variable name prefix.
    pub prefix: String,
}

impl EnvResolver {
    /// The variable that holds `reference`.
    pub fn variable(&self, reference: &SecretRef) -> String {
        let mut out = self.prefix.clone();
        let mut last_sep = false;
        for c in format!("{}_{}", reference.name, reference.key).chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_uppercase());
                last_sep = false;
            } else if !last_sep {
                out.push('_');
                last_sep = true;
            }
        }
        out
    }
}

impl SecretResolver for EnvResolver {
    fn resolve(&self, reference: &SecretRef) -> Result<String, SecretError> {
        std::env::var(self.variable(reference))
            .map_err(|_| SecretError(format!("{} not found", describe(reference))))
    }
}

/// Mounted-secret files `{dir}/{namespace?}/{name}/{key}`; `..` and absolute parts rejected.
pub struct FileResolver {
    /// The secrets directory.
    pub dir: PathBuf,
}

fn plain_component(part: &str) -> bool {
    let mut components = Path::new(part).components();
    matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none()
}

impl SecretResolver for FileResolver {
    fn resolve(&self, reference: &SecretRef) -> Result<String, SecretError> {
        let mut path = self.dir.clone();
        let parts = reference
            .namespace
            .iter()
            .chain([&reference.name, &reference.key]);
        for part in parts {
            if !plain_component(part) {
                return Err(SecretError(format!(
                    "{}: invalid path component \"{part}\"",
                    describe(reference)
                )));
            }
            path.push(part);
        }
        std::fs::read_to_string(&path)
            .map(|v| v.trim_end_matches(['\r', '\n']).to_string())
            .map_err(|_| SecretError(format!("{} not found", describe(reference))))
    }
}

/// A resolution failure at one property path (e.g. `properties.apiToken`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// Source id.
    pub source: String,
    /// Field path.
    pub field: String,
    /// Why (names the secret, never a value).
    pub message: String,
}

/// Returns a copy of `section` with every SecretRef (at any depth of `properties`) replaced by
/// its value, and the set of values used (for scrubbing). The input is not altered.
pub fn resolve_section(
    section: &Section,
    resolver: Option<&dyn SecretResolver>,
) -> Result<(Section, BTreeSet<String>), Unresolved> {
    let mut out = section.clone();
    let mut values = BTreeSet::new();
    for source in &mut out.sources {
        if let Some(props) = &source.properties {
            let resolved = resolve_map(props, "properties", resolver, &mut values).map_err(
                |(field, message)| Unresolved {
                    source: source.id.clone(),
                    field,
                    message,
                },
            )?;
            source.properties = Some(resolved);
        }
    }
    Ok((out, values))
}

fn resolve_map(
    map: &Map<String, Value>,
    path: &str,
    resolver: Option<&dyn SecretResolver>,
    values: &mut BTreeSet<String>,
) -> Result<Map<String, Value>, (String, String)> {
    map.iter()
        .map(|(k, v)| {
            let field = format!("{path}.{k}");
            resolve_value(v, &field, k, resolver, values).map(|v| (k.clone(), v))
        })
        .collect()
}

fn resolve_value(
    value: &Value,
    field: &str,
    key: &str,
    resolver: Option<&dyn SecretResolver>,
    values: &mut BTreeSet<String>,
) -> Result<Value, (String, String)> {
    if let Some(reference) = secret_ref(value) {
        let fail = |m: String| {
            (
                field.to_string(),
                format!("failed to resolve secret for property \"{key}\": {m}"),
            )
        };
        let resolver = resolver.ok_or_else(|| fail("no secret resolver is configured".into()))?;
        let secret = resolver.resolve(&reference).map_err(|e| fail(e.0))?;
        if !secret.is_empty() {
            values.insert(secret.clone());
        }
        return Ok(Value::String(secret));
    }
    match value {
        Value::Object(map) => resolve_map(map, field, resolver, values).map(Value::Object),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| resolve_value(v, &format!("{field}[{i}]"), key, resolver, values))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Every inline value under a sensitive key of `section` (scrubbed from text like resolved ones).
pub fn inline_secrets(section: &Section) -> BTreeSet<String> {
    fn walk(value: &Value, sensitive: bool, out: &mut BTreeSet<String>) {
        match value {
            Value::String(s) if sensitive && !s.is_empty() && s != REDACTED => {
                out.insert(s.clone());
            }
            Value::Object(map) if secret_ref(value).is_none() => {
                for (k, v) in map {
                    walk(v, sensitive || catalog_config::is_sensitive_key(k), out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, sensitive, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for props in section.sources.iter().filter_map(|s| s.properties.as_ref()) {
        walk(&Value::Object(props.clone()), false, &mut out);
    }
    out
}

/// Secret values this process has seen (resolved or inline under a sensitive key).
static KNOWN: std::sync::RwLock<BTreeSet<String>> = std::sync::RwLock::new(BTreeSet::new());

/// Adds values to the process-wide set scrubbed by [`scrub_known`].
pub fn remember_secrets(values: impl IntoIterator<Item = String>) {
    KNOWN
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .extend(values);
}

/// `text` with every secret value this process knows replaced (for responses and log lines).
pub fn scrub_known(text: &str) -> String {
    scrub(text, &KNOWN.read().unwrap_or_else(|e| e.into_inner()))
}

/// `text` with every occurrence of a secret replaced by `***REDACTED***`.
pub fn scrub(text: &str, secrets: &BTreeSet<String>) -> String {
    let mut out = text.to_string();
    // Longest first, so a secret containing another is replaced whole.
    let mut by_len: Vec<&String> = secrets.iter().filter(|s| s.len() >= 3).collect();
    by_len.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in by_len {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn section(props: Value) -> Section {
        let src: catalog_config::SourceConfig = serde_json::from_value(
            json!({"id": "s", "name": "S", "type": "yaml", "properties": props}),
        )
        .unwrap();
        Section {
            sources: vec![src],
            ..Section::default()
        }
    }

    #[test]
    fn env_variable_names_follow_the_convention() {
        let r = EnvResolver {
            prefix: "CATALOG_SECRET_".into(),
        };
        let reference = SecretRef {
            name: "hub-creds".into(),
            key: "api.token".into(),
            namespace: None,
        };
        assert_eq!(r.variable(&reference), "CATALOG_SECRET_HUB_CREDS_API_TOKEN");
    }

    #[test]
    fn file_resolver_reads_mounted_layout_and_rejects_traversal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ns/creds")).unwrap();
        std::fs::write(dir.path().join("ns/creds/token"), "s3cr3t\n").unwrap();
        let r = FileResolver {
            dir: dir.path().into(),
        };
        let ok = SecretRef {
            name: "creds".into(),
            key: "token".into(),
            namespace: Some("ns".into()),
        };
        assert_eq!(r.resolve(&ok).unwrap(), "s3cr3t");
        let bad = SecretRef {
            name: "..".into(),
            key: "token".into(),
            namespace: None,
        };
        assert!(r.resolve(&bad).unwrap_err().0.contains("invalid path"));
    }

    #[test]
    fn resolution_copies_and_reports_the_property() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("creds")).unwrap();
        std::fs::write(dir.path().join("creds/token"), "v4lue").unwrap();
        let r = FileResolver {
            dir: dir.path().into(),
        };
        let input = section(json!({"nested": {"apiToken": {"name": "creds", "key": "token"}}}));
        let (out, values) = resolve_section(&input, Some(&r)).unwrap();
        assert_eq!(
            out.sources[0].properties.as_ref().unwrap()["nested"]["apiToken"],
            "v4lue"
        );
        assert!(values.contains("v4lue"));
        assert!(input.sources[0].properties.as_ref().unwrap()["nested"]["apiToken"].is_object());
        let missing = section(json!({"apiToken": {"name": "creds", "key": "nope"}}));
        let err = resolve_section(&missing, Some(&r)).unwrap_err();
        assert_eq!(err.field, "properties.apiToken");
        assert!(err.message.contains("creds"), "{}", err.message);
        assert!(resolve_section(&missing, None).is_err());
    }

    #[test]
    fn scrub_replaces_known_values() {
        let secrets: BTreeSet<String> = ["hunter2".to_string()].into();
        assert_eq!(
            scrub("GET https://u:hunter2@h failed", &secrets),
            "GET https://u:***REDACTED***@h failed"
        );
        let inline = inline_secrets(&section(json!({"password": "pw-123", "url": "x"})));
        assert!(inline.contains("pw-123") && !inline.contains("x"));
    }
}
