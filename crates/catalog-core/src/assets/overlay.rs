//! Overlays (UA §6): user metadata of one entity, stored apart from source data and merged into
//! every read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::time::rfc3339_ms;

/// Lifecycle values an overlay may set (UA-44).
pub const LIFECYCLES: &[&str] = &["active", "deprecated", "retired", "draft"];
/// Most tags one overlay holds.
pub const MAX_TAGS: usize = 64;
/// Most keys one overlay label or annotation map holds.
pub const MAX_MAP_KEYS: usize = 64;
/// Longest tag, label or annotation key.
pub const MAX_KEY_CHARS: usize = 253;
/// Longest label or annotation value.
pub const MAX_VALUE_CHARS: usize = 4096;

/// The user metadata of one entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Overlay {
    /// Tags, deduplicated, in the order set.
    pub tags: Vec<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// Lifecycle override (one of [`LIFECYCLES`]).
    pub lifecycle: Option<String>,
    /// Last change, ms since epoch.
    pub updated_at: i64,
}

impl Overlay {
    /// Whether it holds nothing (an empty overlay is not shown).
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.labels.is_empty()
            && self.annotations.is_empty()
            && self.lifecycle.is_none()
    }

    /// The `overlay` object added to native reads (UA-37).
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "tags": self.tags,
            "labels": self.labels,
            "annotations": self.annotations,
            "updatedAt": rfc3339_ms(self.updated_at),
        });
        if let Some(l) = &self.lifecycle {
            out["lifecycle"] = Value::String(l.clone());
        }
        out
    }

    /// Appends `,"overlay":{…}` before the closing brace of a serialized native object.
    pub fn splice_into(&self, native: &str, out: &mut String) {
        match native.strip_suffix('}') {
            Some(head) => {
                out.push_str(head);
                if head.trim_end() != "{" {
                    out.push(',');
                }
                out.push_str("\"overlay\":");
                out.push_str(&self.to_json().to_string());
                out.push('}');
            }
            None => out.push_str(native),
        }
    }
}

/// Source tags followed by overlay tags not already present (UA-36).
pub fn merge_tags(source: Option<&Value>, overlay: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = source
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for t in overlay {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    tags
}

/// A source string map overridden key by key by the overlay (UA-36).
pub fn merge_map(source: Option<&Value>, overlay: &BTreeMap<String, String>) -> Map<String, Value> {
    let mut out: Map<String, Value> = source
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_string())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    for (k, v) in overlay {
        out.insert(k.clone(), Value::String(v.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splicing_adds_the_overlay_as_the_last_key() {
        let o = Overlay {
            tags: vec!["prod".into()],
            ..Overlay::default()
        };
        let mut out = String::new();
        o.splice_into(r#"{"name":"a"}"#, &mut out);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["name"], "a");
        assert_eq!(v["overlay"]["tags"], json!(["prod"]));
        let mut out = String::new();
        o.splice_into("{}", &mut out);
        assert!(serde_json::from_str::<Value>(&out).is_ok(), "{out}");
    }

    #[test]
    fn merges_keep_source_first_and_let_the_overlay_win() {
        let tags = merge_tags(Some(&json!(["a", "b"])), &["b".into(), "c".into()]);
        assert_eq!(tags, ["a", "b", "c"]);
        let mut overlay = BTreeMap::new();
        overlay.insert("team".to_string(), "ml".to_string());
        let m = merge_map(Some(&json!({"team": "x", "env": "prod", "n": 1})), &overlay);
        assert_eq!(Value::Object(m), json!({"team": "ml", "env": "prod"}));
    }
}
