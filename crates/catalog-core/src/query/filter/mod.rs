//! The `filterQuery` language (UA §9): lexer → parser → syntax tree → compiled filter.
//!
//! ```text
//! query      = or_expr ;
//! or_expr    = and_expr { "OR" and_expr } ;                  (* left-associative *)
//! and_expr   = unary { "AND" unary } ;                       (* binds tighter than OR *)
//! unary      = "NOT" unary | "(" or_expr ")" | predicate ;   (* NOT binds tighter than AND *)
//! predicate  = property ( cmp_op literal
//!                       | [ "NOT" ] ( "LIKE" | "ILIKE" ) string
//!                       | [ "NOT" ] "IN" "(" [ literal { "," literal } ] ")"
//!                       | "IS" [ "NOT" ] "NULL" ) ;
//! cmp_op     = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" ;
//! property   = name { "." segment } [ "." type_suffix ] ;    (* a final bare suffix word is the suffix *)
//! name       = ident | quoted_ident ;
//! segment    = ident | quoted_ident | keyword ;              (* after a dot a keyword is a key *)
//! type_suffix= "string_value" | "int_value" | "double_value" | "bool_value" ;
//! literal    = string | integer | float | "true" | "false" ;
//! ident        = /[A-Za-z_][A-Za-z0-9_]*/ - keyword ;
//! keyword      = AND | OR | NOT | LIKE | ILIKE | IN | IS | NULL | TRUE | FALSE ;  (* any case *)
//! quoted_ident = "`" { char - ("`" | "\") | "\`" | "\\" | "\" other } "`" ;    (* non-empty *)
//! string       = "'" … "'" | '"' … '"' ;   (* \' \" \\ are escapes; other backslashes verbatim *)
//! integer      = /[-+]?[0-9]+/ ;                                               (* i64 *)
//! float        = /[-+]?[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?/ | /[-+]?[0-9]+[eE][-+]?[0-9]+/ ;
//! ```
//!
//! Limits (UA-60): [`MAX_QUERY_CHARS`] characters, [`MAX_DEPTH`] levels of parentheses and
//! `NOT`, [`MAX_COMPARISONS`] predicates, [`MAX_IN_LIST`] literals per `IN` list. Every error
//! is a [`FilterError`] naming the problem and, where positional, the 1-based character offset.
//!
//! Use: [`compile_query`] (or [`parse`] then [`compile`]) once per request, then
//! [`Filter::matches`] per entity.
//!
//! Semantics (UA-54..UA-57): `=` is exact and case-sensitive, `!=`/`<>` its negation; ordering
//! is numeric on numbers and code-point order on strings; `LIKE`/`ILIKE` are anchored SQL
//! patterns; `IN ()` matches nothing. Logic is SQL's three-valued logic: any test of a missing
//! value is unknown (so `!=` and `NOT (…)` do not match it either), `IS NULL` is never unknown.
//! On arrays a test holds when any element satisfies it; `!=`, `NOT LIKE`, `NOT IN` negate the
//! whole test ("contains no such element").

mod ast;
mod compile;
mod error;
mod eval;
mod lexer;
mod like;
mod parser;

#[cfg(test)]
mod proptests;

pub use ast::{CmpOp, Expr, Literal, LiteralValue, Predicate, Property, Span, Test, TypeSuffix};
pub use compile::{compile, compile_nested};
pub use error::FilterError;
pub use eval::Filter;
pub use like::LikePattern;
pub use parser::parse;

use crate::schema::PluginSpec;

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 1024;
/// Deepest nesting of parentheses and `NOT`.
pub const MAX_DEPTH: usize = 16;
/// Most predicates in one query.
pub const MAX_COMPARISONS: usize = 50;
/// Most literals in one `IN` list.
pub const MAX_IN_LIST: usize = 100;

/// Parses and compiles `query` for `spec`'s kind.
pub fn compile_query(spec: &PluginSpec, query: &str) -> Result<Filter, FilterError> {
    compile(spec, &parse(query)?)
}

/// Parses and compiles `query` for `spec`'s kind with nested lists (see [`compile_nested`]).
pub fn compile_query_nested(
    spec: &PluginSpec,
    nested: &[&str],
    query: &str,
) -> Result<Filter, FilterError> {
    compile_nested(spec, nested, &parse(query)?)
}
