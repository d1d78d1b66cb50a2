//! A located YAML tree: the first stage of strict parsing.
//!
//! serde-saphyr parses the text into [`Node`]s that remember where each value
//! (and each mapping key) came from. Working on this tree, rather than
//! deserializing the model directly, lets every later error carry both the
//! line/column and the dotted key path, and lets us detect duplicate keys
//! ourselves with the full path.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A YAML node with its 1-based source position (0 when unknown).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: u64,
    pub(crate) column: u64,
    pub(crate) value: NodeValue,
}

/// The content of a [`Node`]. Mapping entries keep document order and
/// duplicates (see [`find_duplicate_key`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeValue {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// Wraps a spanned value, taking the position where it is referenced.
    fn from_spanned(s: Spanned<NodeValue>) -> Self {
        Node {
            line: s.referenced.line(),
            column: s.referenced.column(),
            value: s.value,
        }
    }

    /// The mapping key text of this node, or `None` for a collection key.
    ///
    /// Scalar keys of any type are mapped to their text (`1` → `"1"`).
    pub(crate) fn key_text(&self) -> Option<String> {
        match &self.value {
            NodeValue::Null => Some("null".to_string()),
            NodeValue::Bool(b) => Some(b.to_string()),
            NodeValue::I64(i) => Some(i.to_string()),
            NodeValue::U64(u) => Some(u.to_string()),
            NodeValue::F64(f) => Some(f.to_string()),
            NodeValue::Str(s) => Some(s.clone()),
            NodeValue::Seq(_) | NodeValue::Map(_) => None,
        }
    }

    /// The value under mapping key `key`, if this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.key_text().as_deref() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Element `index`, if this is a sequence long enough.
    pub(crate) fn index(&self, index: usize) -> Option<&Node> {
        match &self.value {
            NodeValue::Seq(items) => items.get(index),
            _ => None,
        }
    }
}

/// Appends a mapping key to a dotted path. Keys that would be ambiguous in a
/// dotted path are quoted: `catalogs["a.b"]`.
pub(crate) fn push_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | '$' | '@'));
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{key:?}]"),
    }
}

/// Appends a sequence index to a dotted path.
pub(crate) fn push_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// A duplicate mapping key found by [`find_duplicate_key`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DuplicateKey {
    /// Path of the mapping that holds the key twice.
    pub(crate) path: String,
    /// The repeated key.
    pub(crate) key: String,
    /// Position of the second occurrence.
    pub(crate) line: u64,
    pub(crate) column: u64,
    /// Line of the first occurrence.
    pub(crate) first_line: u64,
}

/// Finds the first repeated key in any mapping of the tree (document order),
/// or a collection used as a key (reported with an empty `key`).
pub(crate) fn find_duplicate_key(node: &Node, path: &str) -> Option<DuplicateKey> {
    match &node.value {
        NodeValue::Seq(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_duplicate_key(item, &push_index(path, i))),
        NodeValue::Map(entries) => {
            let mut seen: Vec<(String, u64)> = Vec::with_capacity(entries.len());
            for (k, _) in entries {
                let Some(text) = k.key_text() else {
                    return Some(DuplicateKey {
                        path: path.to_string(),
                        key: String::new(),
                        line: k.line,
                        column: k.column,
                        first_line: 0,
                    });
                };
                if let Some((_, first_line)) = seen.iter().find(|(t, _)| *t == text) {
                    return Some(DuplicateKey {
                        path: path.to_string(),
                        key: text,
                        line: k.line,
                        column: k.column,
                        first_line: *first_line,
                    });
                }
                seen.push((text, k.line));
            }
            entries.iter().find_map(|(k, v)| {
                let key = k.key_text().unwrap_or_default();
                find_duplicate_key(v, &push_key(path, &key))
            })
        }
        _ => None,
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::I64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeValue, E> {
        Ok(NodeValue::U64(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<NodeValue, E> {
        if let Ok(i) = i64::try_from(v) {
            return Ok(NodeValue::I64(i));
        }
        if let Ok(u) = u64::try_from(v) {
            return Ok(NodeValue::U64(u));
        }
        Err(E::custom(format_args!(
            "integer {v} is out of range (quote it to use it as a string)"
        )))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<NodeValue, E> {
        match u64::try_from(v) {
            Ok(u) => Ok(NodeValue::U64(u)),
            Err(_) => Err(E::custom(format_args!(
                "integer {v} is out of range (quote it to use it as a string)"
            ))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::F64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, _v: &[u8]) -> Result<NodeValue, E> {
        Err(E::custom("binary values are not supported"))
    }

    fn visit_none<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<NodeValue>>()? {
            items.push(Node::from_spanned(item));
        }
        Ok(NodeValue::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<NodeValue>>()? {
            let value = map.next_value::<Spanned<NodeValue>>()?;
            entries.push((Node::from_spanned(key), Node::from_spanned(value)));
        }
        Ok(NodeValue::Map(entries))
    }
}

/// Parses YAML text into a located tree with the given serde-saphyr options.
///
/// An empty document (only whitespace and comments) yields `Ok(None)`.
pub(crate) fn parse_tree(
    text: &str,
    options: serde_saphyr::Options,
) -> Result<Option<Node>, serde_saphyr::Error> {
    let root: Option<Spanned<NodeValue>> = serde_saphyr::from_str_with_options(text, options)?;
    Ok(root.map(Node::from_spanned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> serde_saphyr::Options {
        serde_saphyr::options! {
            duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        }
    }

    #[test]
    fn tree_keeps_positions_and_duplicates() {
        let root = parse_tree("a: 1\nb:\n  - x\n  - {c: 2}\na: 3\n", opts())
            .unwrap()
            .unwrap();
        let NodeValue::Map(entries) = &root.value else {
            panic!("not a map")
        };
        assert_eq!(entries.len(), 3);
        assert_eq!((entries[2].0.line, entries[2].0.column), (5, 1));
        let b = root.get("b").unwrap();
        let c = b.index(1).unwrap().get("c").unwrap();
        assert_eq!(c.value, NodeValue::U64(2));
        assert_eq!((c.line, c.column), (4, 9));
        let dup = find_duplicate_key(&root, "").unwrap();
        assert_eq!(dup.key, "a");
        assert_eq!((dup.line, dup.first_line), (5, 1));
    }

    #[test]
    fn nested_duplicate_has_path() {
        let root = parse_tree("a:\n  - b: {x: 1, x: 2}\n", opts())
            .unwrap()
            .unwrap();
        let dup = find_duplicate_key(&root, "").unwrap();
        assert_eq!(dup.path, "a[0].b");
        assert_eq!(dup.key, "x");
        assert_eq!(dup.line, 2);
    }

    #[test]
    fn empty_document_is_none() {
        assert_eq!(parse_tree("", opts()).unwrap(), None);
        assert_eq!(parse_tree("# just a comment\n", opts()).unwrap(), None);
    }

    #[test]
    fn paths_quote_odd_keys() {
        assert_eq!(push_key("", "catalogs"), "catalogs");
        assert_eq!(push_key("catalogs", "models"), "catalogs.models");
        assert_eq!(push_key("catalogs", "a.b"), "catalogs[\"a.b\"]");
        assert_eq!(
            push_index("catalogs.models.sources", 2),
            "catalogs.models.sources[2]"
        );
    }
}
