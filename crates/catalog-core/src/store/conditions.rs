//! Dynamic `WHERE` clauses with bound parameters, and keyset page tokens, for the listing
//! endpoints that read the database directly (audit events, refresh jobs).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// One bound value.
#[derive(Debug, Clone)]
pub enum Bind {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
}

/// `AND`-ed conditions with `$n` placeholders, numbered in bind order.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    parts: Vec<String>,
    /// Values in placeholder order.
    pub binds: Vec<Bind>,
}

impl Conditions {
    /// `column = value` when `value` is set.
    pub fn eq(&mut self, column: &'static str, value: Option<&str>) {
        if let Some(v) = value {
            self.binds.push(Bind::Text(v.to_string()));
            self.parts.push(format!("{column} = ${}", self.binds.len()));
        }
    }

    /// Rows strictly after `(at, id)` in `at DESC, id DESC` order.
    pub fn before(&mut self, at_column: &'static str, at: i64, id: &str) {
        self.binds.push(Bind::Int(at));
        let a = self.binds.len();
        self.binds.push(Bind::Text(id.to_string()));
        let i = self.binds.len();
        self.parts.push(format!(
            "({at_column} < ${a} OR ({at_column} = ${a} AND id < ${i}))"
        ));
    }

    /// ` WHERE …`, or nothing.
    pub fn where_sql(&self) -> String {
        if self.parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.parts.join(" AND "))
        }
    }
}

/// Binds every value of a [`Conditions`] onto a sqlx query, in order.
#[macro_export]
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::store::Bind::Text(t) => query.bind(t.clone()),
                $crate::store::Bind::Int(i) => query.bind(*i),
            };
        }
        query
    }};
}

/// An opaque keyset token for `(at, id)`.
pub fn encode_keyset(at: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at}|{id}"))
}

/// Decodes [`encode_keyset`]; `None` when malformed.
pub fn decode_keyset(token: &str) -> Option<(i64, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, id) = text.split_once('|')?;
    let at = at.parse().ok()?;
    (!id.is_empty()).then(|| (at, id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_rejected() {
        let t = encode_keyset(1_700_000_000_123, "abc-def");
        assert_eq!(
            decode_keyset(&t),
            Some((1_700_000_000_123, "abc-def".into()))
        );
        assert_eq!(decode_keyset("!!!"), None);
        assert_eq!(decode_keyset(&URL_SAFE_NO_PAD.encode("12|")), None);
        assert_eq!(decode_keyset(&URL_SAFE_NO_PAD.encode("x|id")), None);
    }

    #[test]
    fn placeholders_follow_bind_order() {
        let mut c = Conditions::default();
        c.eq("a", Some("x"));
        c.eq("b", None);
        c.before("t", 5, "id");
        assert_eq!(
            c.where_sql(),
            " WHERE a = $1 AND (t < $2 OR (t = $2 AND id < $3))"
        );
        assert_eq!(c.binds.len(), 3);
    }
}
