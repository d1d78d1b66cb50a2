//! A serde [`Deserializer`] over a located [`Node`] tree.
//!
//! The model types keep their ordinary `#[derive(Deserialize)]` (with
//! `deny_unknown_fields`); running them over the tree instead of the raw
//! text means each error can be stamped with the position and the dotted key
//! path of the innermost node that produced it.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::tree::{Node, NodeValue, push_index, push_key};

/// A deserialization error with the innermost known position and key path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeError {
    pub(crate) message: String,
    /// `(line, column, path)` of the node the error was first attached to.
    pub(crate) location: Option<(u64, u64, String)>,
}

impl DeError {
    /// Attaches a location unless a more precise one is already set.
    fn at(mut self, line: u64, column: u64, path: &str) -> Self {
        if self.location.is_none() {
            self.location = Some((line, column, path.to_string()));
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            location: None,
        }
    }
}

/// Deserializes a `T` from `node`, whose key path is `path` (empty for the root).
pub(crate) fn from_node<'de, T: de::Deserialize<'de>>(
    node: &Node,
    path: &str,
) -> Result<T, DeError> {
    T::deserialize(NodeDeserializer {
        node,
        path: path.to_string(),
    })
}

/// Deserializer for one node.
struct NodeDeserializer<'a> {
    node: &'a Node,
    path: String,
}

impl NodeDeserializer<'_> {
    fn locate<T>(&self, r: Result<T, DeError>) -> Result<T, DeError> {
        r.map_err(|e| e.at(self.node.line, self.node.column, &self.path))
    }
}

impl<'de> Deserializer<'de> for NodeDeserializer<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            NodeValue::Null => visitor.visit_unit(),
            NodeValue::Bool(b) => visitor.visit_bool(*b),
            NodeValue::I64(i) => visitor.visit_i64(*i),
            NodeValue::U64(u) => visitor.visit_u64(*u),
            NodeValue::F64(f) => visitor.visit_f64(*f),
            NodeValue::Str(s) => visitor.visit_str(s),
            NodeValue::Seq(items) => visitor.visit_seq(NodeSeqAccess {
                items: items.iter().enumerate(),
                path: &self.path,
            }),
            NodeValue::Map(entries) => visitor.visit_map(NodeMapAccess {
                entries: entries.iter(),
                value: None,
                path: &self.path,
            }),
        };
        self.locate(r)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.value {
            NodeValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    /// A null collection (`sources:` with nothing after it) reads as empty,
    /// as it does in other YAML loaders.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.value {
            NodeValue::Null => {
                let r = visitor.visit_seq(NodeSeqAccess {
                    items: [].iter().enumerate(),
                    path: &self.path,
                });
                self.locate(r)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.value {
            NodeValue::Null => {
                let r = visitor.visit_map(NodeMapAccess {
                    entries: [].iter(),
                    value: None,
                    path: &self.path,
                });
                self.locate(r)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct enum identifier
    }
}

struct NodeSeqAccess<'a, 'p> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
    path: &'p str,
}

impl<'de> SeqAccess<'de> for NodeSeqAccess<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            None => Ok(None),
            Some((i, node)) => seed
                .deserialize(NodeDeserializer {
                    node,
                    path: push_index(self.path, i),
                })
                .map(Some),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct NodeMapAccess<'a, 'p> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    /// Value and key text of the entry whose key was just returned.
    value: Option<(&'a Node, String)>,
    path: &'p str,
}

impl<'de> MapAccess<'de> for NodeMapAccess<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        let Some(text) = key.key_text() else {
            return Err(<DeError as de::Error>::custom(
                "a mapping key must be a scalar, not a collection",
            )
            .at(key.line, key.column, self.path));
        };
        // Errors raised while identifying the key (e.g. "unknown field") point at
        // the key itself, with the path of the enclosing mapping.
        let r = seed
            .deserialize(de::value::StrDeserializer::<DeError>::new(&text))
            .map_err(|e| e.at(key.line, key.column, self.path))?;
        self.value = Some((value, text));
        Ok(Some(r))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((node, key)) = self.value.take() else {
            return Err(de::Error::custom("value requested before key"));
        };
        seed.deserialize(NodeDeserializer {
            node,
            path: push_key(self.path, &key),
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::tree::parse_tree;

    fn tree(text: &str) -> Node {
        parse_tree(text, serde_saphyr::Options::default())
            .unwrap()
            .unwrap()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        flag: Option<bool>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[serde(default)]
        items: Vec<Inner>,
        #[serde(default)]
        free: BTreeMap<String, serde_json::Value>,
    }

    #[test]
    fn unknown_field_points_at_key_with_container_path() {
        let t = tree("items:\n  - flag: true\n  - flg: true\n");
        let e = from_node::<Outer>(&t, "").unwrap_err();
        assert!(e.message.starts_with("unknown field `flg`"), "{e:?}");
        assert_eq!(e.location, Some((3, 5, "items[1]".to_string())));
    }

    #[test]
    fn wrong_type_points_at_value() {
        let t = tree("items:\n  - flag: \"maybe\"\n");
        let e = from_node::<Outer>(&t, "").unwrap_err();
        assert!(e.message.contains("expected a boolean"), "{e:?}");
        assert_eq!(e.location, Some((2, 11, "items[0].flag".to_string())));
    }

    #[test]
    fn null_collections_read_as_empty_and_free_maps_take_anything() {
        let t = tree("items:\nfree: {a: [1, {b: 2}], c: 30000000000}\n");
        let o = from_node::<Outer>(&t, "").unwrap();
        assert!(o.items.is_empty());
        assert_eq!(o.free["c"], serde_json::json!(30000000000_u64));
        assert!(o.free["c"].is_u64());
        assert_eq!(o.free["a"], serde_json::json!([1, {"b": 2}]));
    }
}
