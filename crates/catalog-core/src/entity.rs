//! The in-memory entity: immutable, shared by `Arc` between snapshots, pre-serialized for serving.

use serde_json::Value;
use serde_json::value::RawValue;

/// Separates values in [`Entity::search_text`], so a match never spans two values.
pub const SEARCH_SEPARATOR: char = '\u{1f}';

/// A declared field's value, extracted once at load time for sorting, filtering and search.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Absent or null.
    Missing,
    /// A string.
    Str(Box<str>),
    /// An integer.
    Int(i64),
    /// A non-integer number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An array of scalars, rendered as strings.
    List(Box<[Box<str>]>),
    /// Anything else (objects, mixed arrays), as compact JSON.
    Json(Box<str>),
}

impl FieldValue {
    /// Extracts the value at a dot `path` of `doc`.
    pub fn extract(doc: &Value, path: &str) -> Self {
        let mut cur = doc;
        for seg in path.split('.') {
            match cur.get(seg) {
                Some(next) => cur = next,
                None => return Self::Missing,
            }
        }
        Self::from_json(cur)
    }

    /// Converts one JSON value.
    pub fn from_json(value: &Value) -> Self {
        match value {
            Value::Null => Self::Missing,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Self::Int(i),
                None => Self::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Self::Str(s.as_str().into()),
            Value::Array(items) if items.iter().all(|v| !v.is_array() && !v.is_object()) => {
                Self::List(
                    items
                        .iter()
                        .filter(|v| !v.is_null())
                        .map(|v| match v {
                            Value::String(s) => s.as_str().into(),
                            other => other.to_string().into(),
                        })
                        .collect(),
                )
            }
            other => Self::Json(other.to_string().into()),
        }
    }

    /// Appends the value's searchable text, lowercased, to `out`.
    pub fn push_search_text(&self, out: &mut String) {
        match self {
            Self::Str(s) | Self::Json(s) => out.push_str(&s.to_lowercase()),
            Self::List(items) => {
                for item in items.iter() {
                    out.push_str(&item.to_lowercase());
                    out.push(SEARCH_SEPARATOR);
                }
            }
            _ => {}
        }
        out.push(SEARCH_SEPARATOR);
    }

    /// Whether the value is absent.
    pub fn is_missing(&self) -> bool {
        matches!(self, Self::Missing)
    }
}

/// One entity as served.
#[derive(Debug)]
pub struct Entity {
    /// Deterministic id: a name-based UUID of (plugin, kind, source, name).
    pub uid: Box<str>,
    /// Kind.
    pub kind: Box<str>,
    /// Native name (may contain `/`).
    pub name: Box<str>,
    /// Lowercased name, the primary default sort key.
    pub sort_name: Box<str>,
    /// Source id.
    pub source_id: Box<str>,
    /// The native JSON document, serialized once.
    pub json: Box<RawValue>,
    /// Persisted fields kept out of the native document (an object), if the plugin hides any.
    pub hidden: Option<Box<RawValue>>,
    /// Declared field values, in the schema's field order.
    pub fields: Box<[FieldValue]>,
    /// Hash of the source content that produced it.
    pub content_hash: Box<str>,
    /// First insertion, ms since epoch.
    pub created_at: i64,
    /// Last content change, ms since epoch.
    pub updated_at: i64,
}

impl Entity {
    /// The persisted body: the native document plus the hidden fields.
    pub fn stored_body(&self) -> std::borrow::Cow<'_, str> {
        let Some(hidden) = &self.hidden else {
            return self.json.get().into();
        };
        let mut doc: serde_json::Map<String, Value> =
            serde_json::from_str(self.json.get()).unwrap_or_default();
        if let Ok(Value::Object(extra)) = serde_json::from_str(hidden.get()) {
            doc.extend(extra);
        }
        Value::Object(doc).to_string().into()
    }
}

/// Name-based UUID (v5) of an entity's identity.
pub fn entity_uid(plugin: &str, kind: &str, source_id: &str, name: &str) -> String {
    let key = format!("{plugin}\u{1f}{kind}\u{1f}{source_id}\u{1f}{name}");
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extraction_follows_dot_paths_and_types() {
        let doc = json!({"a": {"b": 3}, "s": "x", "f": 1.5, "t": true, "l": ["p", "q"], "n": null});
        assert_eq!(FieldValue::extract(&doc, "a.b"), FieldValue::Int(3));
        assert_eq!(FieldValue::extract(&doc, "s"), FieldValue::Str("x".into()));
        assert_eq!(FieldValue::extract(&doc, "f"), FieldValue::Float(1.5));
        assert_eq!(FieldValue::extract(&doc, "t"), FieldValue::Bool(true));
        assert_eq!(FieldValue::extract(&doc, "n"), FieldValue::Missing);
        assert_eq!(FieldValue::extract(&doc, "a.zz"), FieldValue::Missing);
        let mut text = String::new();
        FieldValue::extract(&doc, "l").push_search_text(&mut text);
        FieldValue::extract(&doc, "s").push_search_text(&mut text);
        assert_eq!(text, "p\u{1f}q\u{1f}\u{1f}x\u{1f}");
        assert!(matches!(
            FieldValue::extract(&doc, "a"),
            FieldValue::Json(_)
        ));
    }

    #[test]
    fn uids_are_deterministic_and_distinct_per_source() {
        let a = entity_uid("mcp", "McpServer", "s1", "x");
        assert_eq!(a, entity_uid("mcp", "McpServer", "s1", "x"));
        assert_ne!(a, entity_uid("mcp", "McpServer", "s2", "x"));
    }
}
