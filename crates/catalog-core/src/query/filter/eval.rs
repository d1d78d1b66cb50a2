//! The compiled filter and its evaluation over one entity (UA-54, UA-55).
//!
//! Logic is SQL's three-valued logic: a test of a missing or null value (or of a value of
//! another type than the literal) is *unknown*; `NOT unknown` is unknown; `AND`/`OR` are
//! Kleene's; only *true* keeps an entity. So a missing value fails every comparison, `!=`
//! and `NOT (…)` included, while `IS NULL` is always true or false. `!=`, `NOT LIKE` and
//! `NOT IN` are the negations of `=`, `LIKE` and `IN`; on arrays the positive test holds when
//! any element satisfies it (so `tags != 'x'` means "does not contain x").
//!
//! Declared fields are read from `Entity::fields` without allocating; other paths parse the
//! entity's JSON once per entity, and only when the filter reaches such a path.

use std::cell::OnceCell;
use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::Value;

use super::like::LikePattern;
use crate::entity::{Entity, FieldValue};
use crate::index::{Bitset, Columns};

/// A compiled, type-checked filter for one plugin's kind; cheap to evaluate, shareable.
#[derive(Debug, Clone)]
pub struct Filter {
    pub(super) root: Node,
}

static MISSING: FieldValue = FieldValue::Missing;

impl Filter {
    /// Whether `entity` is kept.
    pub fn matches(&self, entity: &Entity) -> bool {
        let ctx = Ctx {
            entity,
            json: OnceCell::new(),
        };
        self.root.eval(&ctx) == Tri::True
    }

    /// Evaluates the filter over every entity of a snapshot at once, column by column: each
    /// leaf is tested over its whole column and the outcomes are combined per node. Rows whose
    /// outcome is already decided are skipped, so JSON paths are parsed only where they still
    /// matter. `entities` and `columns` (see [`Filter::fields_used`]) share the snapshot order;
    /// the result marks the kept positions.
    pub fn evaluate_all(&self, entities: &[Arc<Entity>], columns: &Columns) -> Bitset {
        let all = Bitset::full(entities.len());
        self.root.eval_all(&Rows { entities, columns }, &all).0
    }

    /// The declared fields (indices) the filter reads.
    pub fn fields_used(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.root.collect_fields(&mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Three-valued truth, ordered so that `AND` is `min` and `OR` is `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Tri {
    False,
    Unknown,
    True,
}

impl Tri {
    fn from_bool(b: bool) -> Self {
        if b { Self::True } else { Self::False }
    }

    fn not(self) -> Self {
        match self {
            Self::False => Self::True,
            Self::Unknown => Self::Unknown,
            Self::True => Self::False,
        }
    }
}

/// "Any element satisfies": true if one is true, false if there are none or one is false,
/// otherwise unknown.
fn any(results: impl Iterator<Item = Tri>) -> Tri {
    let mut empty = true;
    let mut falsified = false;
    for r in results {
        empty = false;
        match r {
            Tri::True => return Tri::True,
            Tri::False => falsified = true,
            Tri::Unknown => {}
        }
    }
    if empty || falsified {
        Tri::False
    } else {
        Tri::Unknown
    }
}

struct Ctx<'a> {
    entity: &'a Entity,
    json: OnceCell<Option<Value>>,
}

/// A snapshot's entities and the columns of the fields a filter reads.
struct Rows<'a> {
    entities: &'a [Arc<Entity>],
    columns: &'a Columns,
}

/// Per row: whether a node is true, and whether it is false (neither: unknown).
type Marks = (Bitset, Bitset);

impl Ctx<'_> {
    fn field(&self, i: usize) -> &FieldValue {
        self.entity.fields.get(i).unwrap_or(&MISSING)
    }

    fn json(&self) -> Option<&Value> {
        self.json
            // Hidden fields stay filterable: they are read from the persisted body.
            .get_or_init(|| serde_json::from_str(&self.entity.stored_body()).ok())
            .as_ref()
    }
}

/// A node of the compiled tree.
#[derive(Debug, Clone)]
pub(super) enum Node {
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Not(Box<Node>),
    Leaf(Leaf),
}

impl Node {
    fn collect_fields(&self, out: &mut Vec<usize>) {
        match self {
            Self::And(nodes) | Self::Or(nodes) => nodes.iter().for_each(|n| n.collect_fields(out)),
            Self::Not(n) => n.collect_fields(out),
            Self::Leaf(Leaf {
                source: Source::Field(i),
                ..
            }) => out.push(*i),
            Self::Leaf(_) => {}
        }
    }

    /// Outcome marks for the rows where `matters` is set (other rows hold arbitrary values).
    /// Combining is word-wise: a row stops mattering once its outcome is decided.
    fn eval_all(&self, rows: &Rows<'_>, matters: &Bitset) -> Marks {
        let n = matters.len();
        match self {
            Self::And(nodes) => {
                let (mut t, mut f) = (Bitset::full(n), Bitset::empty(n));
                let mut live = matters.clone();
                for node in nodes.iter() {
                    let (nt, nf) = node.eval_all(rows, &live);
                    t.update(&nt, &live, |t, nt, live| t & (nt | !live));
                    f.update(&nf, &live, |f, nf, live| f | (nf & live));
                    live.update(&f, &f, |live, f, _| live & !f);
                }
                (t, f)
            }
            Self::Or(nodes) => {
                let (mut t, mut f) = (Bitset::empty(n), Bitset::full(n));
                let mut live = matters.clone();
                for node in nodes.iter() {
                    let (nt, nf) = node.eval_all(rows, &live);
                    t.update(&nt, &live, |t, nt, live| t | (nt & live));
                    f.update(&nf, &live, |f, nf, live| f & (nf | !live));
                    live.update(&t, &t, |live, t, _| live & !t);
                }
                (t, f)
            }
            Self::Not(node) => {
                let (t, f) = node.eval_all(rows, matters);
                (f, t)
            }
            Self::Leaf(leaf) => {
                let (mut t, mut f) = (Bitset::empty(n), Bitset::empty(n));
                let column = match &leaf.source {
                    Source::Field(i) => rows.columns.get(*i),
                    _ => None,
                };
                for r in matters.ones() {
                    let outcome = match column {
                        Some(values) => leaf.eval_value(&values[r]),
                        None => leaf.eval(&Ctx {
                            entity: &rows.entities[r],
                            json: OnceCell::new(),
                        }),
                    };
                    match outcome {
                        Tri::True => t.set(r),
                        Tri::False => f.set(r),
                        Tri::Unknown => {}
                    }
                }
                (t, f)
            }
        }
    }

    fn eval(&self, ctx: &Ctx<'_>) -> Tri {
        match self {
            Self::And(nodes) => {
                let mut acc = Tri::True;
                for n in nodes.iter() {
                    acc = acc.min(n.eval(ctx));
                    if acc == Tri::False {
                        break;
                    }
                }
                acc
            }
            Self::Or(nodes) => {
                let mut acc = Tri::False;
                for n in nodes.iter() {
                    acc = acc.max(n.eval(ctx));
                    if acc == Tri::True {
                        break;
                    }
                }
                acc
            }
            Self::Not(n) => n.eval(ctx).not(),
            Self::Leaf(leaf) => leaf.eval(ctx),
        }
    }
}

/// One test of one value source.
#[derive(Debug, Clone)]
pub(super) struct Leaf {
    pub(super) source: Source,
    pub(super) check: Check,
}

/// Where the tested value comes from.
#[derive(Debug, Clone)]
pub(super) enum Source {
    /// A declared field, by index into `Entity::fields`.
    Field(usize),
    /// A dot path into the native JSON (arrays on the way are fanned out).
    Json(Box<[Box<str>]>),
    /// `customProperties[key]`, unwrapped to the slot's `*_value`.
    Custom { key: Box<str>, slot: Slot },
    /// A dot path; where it reaches nothing, the custom property `key`.
    JsonOrCustom {
        path: Box<[Box<str>]>,
        key: Box<str>,
        slot: Slot,
    },
}

/// Which value of a custom property (`{"string_value": …, "metadataType": …}`) is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    /// The property itself (presence tests).
    Any,
    /// `string_value`
    Str,
    /// `int_value`, else `double_value`
    Num,
    /// `int_value`
    Int,
    /// `double_value`
    Double,
    /// `bool_value`
    Bool,
}

/// The test.
#[derive(Debug, Clone)]
pub(super) enum Check {
    /// `IS [NOT] NULL`
    IsNull { negated: bool },
    /// A positive test, possibly negated (`!=`, `NOT LIKE`, `NOT IN`).
    Test { test: Positive, negated: bool },
}

/// A test that holds, fails, or is unknown for one scalar.
#[derive(Debug, Clone)]
pub(super) enum Positive {
    Cmp(Rel, Lit),
    Like(LikePattern),
    In(Box<[Lit]>),
}

/// Relation between value and literal (`!=` is negated `Eq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rel {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A literal, pre-converted.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lit {
    Str(Box<str>),
    Num(Num),
    Bool(bool),
}

/// A number, kept exact when integral.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Num {
    Int(i64),
    Float(f64),
}

/// One scalar being tested.
#[derive(Debug, Clone, Copy)]
enum Scalar<'a> {
    Str(&'a str),
    Num(Num),
    Bool(bool),
}

impl Leaf {
    /// The outcome for one declared-field value.
    #[inline]
    fn eval_value(&self, value: &FieldValue) -> Tri {
        match &self.check {
            Check::IsNull { negated } => Tri::from_bool(value.is_missing() != *negated),
            Check::Test { test, negated } => {
                let r = test.on_field(value);
                if *negated { r.not() } else { r }
            }
        }
    }

    fn eval(&self, ctx: &Ctx<'_>) -> Tri {
        match &self.source {
            Source::Field(i) => self.eval_value(ctx.field(*i)),
            Source::Json(path) => self.check.on_json(ctx.json(), path, None),
            Source::Custom { key, slot } => {
                let value = ctx.json().and_then(|doc| custom(doc, key, *slot));
                self.check.on_json(value, &[], None)
            }
            Source::JsonOrCustom { path, key, slot } => {
                let doc = ctx.json();
                self.check.on_json(doc, path, Some((key, *slot)))
            }
        }
    }
}

/// The custom property `key` of `doc`, unwrapped to `slot` when it is a value object.
fn custom<'v>(doc: &'v Value, key: &str, slot: Slot) -> Option<&'v Value> {
    let prop = doc.get("customProperties")?.get(key)?;
    let Value::Object(obj) = prop else {
        // A plain map of scalars (`customProperties: {team: x}`): the value itself.
        return Some(prop);
    };
    match slot {
        Slot::Any => Some(prop),
        Slot::Str => obj.get("string_value"),
        Slot::Num => obj.get("int_value").or_else(|| obj.get("double_value")),
        Slot::Int => obj.get("int_value"),
        Slot::Double => obj.get("double_value"),
        Slot::Bool => obj.get("bool_value"),
    }
}

/// Calls `f` on every non-null value reached by `path` from `value`, fanning out over arrays
/// met on the way (and over arrays at the end, element by element).
fn visit<'v>(value: &'v Value, path: &[Box<str>], f: &mut impl FnMut(&'v Value)) {
    match (value, path.split_first()) {
        (Value::Null, _) => {}
        (Value::Array(items), _) => items.iter().for_each(|v| visit(v, path, f)),
        (_, None) => f(value),
        (Value::Object(map), Some((seg, rest))) => {
            if let Some(next) = map.get(&**seg) {
                visit(next, rest, f);
            }
        }
        _ => {}
    }
}

impl Check {
    /// Evaluates over the values reached by `path` in `doc`; when nothing is reached and a
    /// custom property fallback is given, over that property instead.
    fn on_json(
        &self,
        doc: Option<&Value>,
        path: &[Box<str>],
        fallback: Option<(&str, Slot)>,
    ) -> Tri {
        let mut found: Vec<&Value> = Vec::new();
        if let Some(doc) = doc {
            visit(doc, path, &mut |v| found.push(v));
            if found.is_empty()
                && let Some((key, slot)) = fallback
                && let Some(v) = custom(doc, key, slot)
            {
                visit(v, &[], &mut |v| found.push(v));
            }
        }
        let present = !found.is_empty();
        match self {
            Self::IsNull { negated } => Tri::from_bool(present == *negated),
            Self::Test { .. } if !present => Tri::Unknown,
            Self::Test { test, negated } => {
                let r = any(found.iter().map(|v| match scalar_of(v) {
                    Some(s) => test.on_scalar(s),
                    None => Tri::Unknown,
                }));
                if *negated { r.not() } else { r }
            }
        }
    }
}

fn scalar_of(v: &Value) -> Option<Scalar<'_>> {
    match v {
        Value::String(s) => Some(Scalar::Str(s)),
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Number(n) => Some(Scalar::Num(match n.as_i64() {
            Some(i) => Num::Int(i),
            None => Num::Float(n.as_f64()?),
        })),
        _ => None,
    }
}

impl Positive {
    #[inline]
    fn on_field(&self, value: &FieldValue) -> Tri {
        match value {
            FieldValue::Missing | FieldValue::Json(_) => Tri::Unknown,
            FieldValue::Str(s) => self.on_scalar(Scalar::Str(s)),
            FieldValue::Int(i) => self.on_scalar(Scalar::Num(Num::Int(*i))),
            FieldValue::Float(x) => self.on_scalar(Scalar::Num(Num::Float(*x))),
            FieldValue::Bool(b) => self.on_scalar(Scalar::Bool(*b)),
            FieldValue::List(items) => any(items.iter().map(|s| self.on_scalar(Scalar::Str(s)))),
        }
    }

    #[inline]
    fn on_scalar(&self, value: Scalar<'_>) -> Tri {
        match self {
            Self::Cmp(rel, lit) => match compare(value, lit) {
                None => Tri::Unknown,
                Some(ord) => Tri::from_bool(match rel {
                    Rel::Eq => ord == Ordering::Equal,
                    Rel::Lt => ord == Ordering::Less,
                    Rel::Le => ord != Ordering::Greater,
                    Rel::Gt => ord == Ordering::Greater,
                    Rel::Ge => ord != Ordering::Less,
                }),
            },
            Self::Like(pattern) => match value {
                Scalar::Str(s) => Tri::from_bool(pattern.matches(s)),
                _ => Tri::Unknown,
            },
            Self::In(lits) => any(lits.iter().map(|lit| match compare(value, lit) {
                None => Tri::Unknown,
                Some(ord) => Tri::from_bool(ord == Ordering::Equal),
            })),
        }
    }
}

/// Orders `value` against `lit`; `None` when they are not comparable. Strings holding a number
/// compare with numeric literals, and `"true"`/`"false"` with boolean ones (array elements are
/// kept as text; JSON timestamps are numeric strings).
#[inline]
fn compare(value: Scalar<'_>, lit: &Lit) -> Option<Ordering> {
    match (value, lit) {
        (Scalar::Str(s), Lit::Str(l)) => Some(s.cmp(l)),
        (Scalar::Num(a), Lit::Num(b)) => cmp_num(a, *b),
        (Scalar::Bool(a), Lit::Bool(b)) => Some(a.cmp(b)),
        (Scalar::Str(s), Lit::Num(b)) => cmp_num(parse_num(s)?, *b),
        (Scalar::Str(s), Lit::Bool(b)) => match s {
            "true" => Some(true.cmp(b)),
            "false" => Some(false.cmp(b)),
            _ => None,
        },
        _ => None,
    }
}

/// A number written in a string, if it is one (finite).
pub(super) fn parse_num(s: &str) -> Option<Num> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Num::Int(i));
    }
    let starts_numeric = s
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.');
    match s.parse::<f64>() {
        Ok(x) if starts_numeric && x.is_finite() => Some(Num::Float(x)),
        _ => None,
    }
}

/// Exact numeric order, also between integers and floats; `None` with NaN.
pub(super) fn cmp_num(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
        (Num::Int(x), Num::Float(y)) => cmp_int_float(x, y),
        (Num::Float(x), Num::Int(y)) => cmp_int_float(y, x).map(Ordering::reverse),
    }
}

fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return None;
    }
    if f >= TWO_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_63 {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    match i.cmp(&(whole as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(f - whole)),
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene_logic() {
        use Tri::*;
        assert_eq!(False.min(Unknown), False);
        assert_eq!(True.min(Unknown), Unknown);
        assert_eq!(True.max(Unknown), True);
        assert_eq!(False.max(Unknown), Unknown);
        assert_eq!(Unknown.not(), Unknown);
        assert_eq!(any([].into_iter()), False);
        assert_eq!(any([Unknown, Unknown].into_iter()), Unknown);
        assert_eq!(any([Unknown, False].into_iter()), False);
        assert_eq!(any([False, Unknown, True].into_iter()), True);
    }

    #[test]
    fn numbers_compare_exactly_across_int_and_float() {
        use Num::*;
        assert_eq!(cmp_num(Int(3), Float(3.0)), Some(Ordering::Equal));
        assert_eq!(cmp_num(Int(3), Float(3.5)), Some(Ordering::Less));
        assert_eq!(cmp_num(Int(-3), Float(-3.5)), Some(Ordering::Greater));
        assert_eq!(cmp_num(Float(2.5), Int(2)), Some(Ordering::Greater));
        assert_eq!(
            cmp_num(Int(i64::MAX), Float(9_223_372_036_854_775_808.0)),
            Some(Ordering::Less),
            "2^63 as f64 is above i64::MAX"
        );
        assert_eq!(
            cmp_num(Int(9_007_199_254_740_993), Float(9_007_199_254_740_992.0)),
            Some(Ordering::Greater),
            "no precision loss through f64"
        );
        assert_eq!(cmp_num(Int(1), Float(f64::NAN)), None);
        assert_eq!(cmp_num(Float(f64::NAN), Float(1.0)), None);
        assert_eq!(
            cmp_num(Int(i64::MIN), Float(-1e300)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn numeric_strings() {
        assert_eq!(parse_num("42"), Some(Num::Int(42)));
        assert_eq!(parse_num("-1.5"), Some(Num::Float(-1.5)));
        assert_eq!(parse_num("1e3"), Some(Num::Float(1000.0)));
        assert_eq!(parse_num("NaN"), None);
        assert_eq!(parse_num("inf"), None);
        assert_eq!(parse_num("-infinity"), None);
        assert_eq!(parse_num("abc"), None);
        assert_eq!(parse_num(""), None);
    }

    #[test]
    fn json_paths_fan_out_over_arrays() {
        let doc = serde_json::json!({
            "tools": [{"name": "a"}, {"name": "b"}, {"other": 1}],
            "n": null,
            "deep": {"x": [[1, 2], 3]},
        });
        let path = |p: &str| -> Box<[Box<str>]> { p.split('.').map(Into::into).collect() };
        let mut seen = Vec::new();
        visit(&doc, &path("tools.name"), &mut |v| seen.push(v.clone()));
        assert_eq!(seen, vec![serde_json::json!("a"), serde_json::json!("b")]);
        seen.clear();
        visit(&doc, &path("n"), &mut |v| seen.push(v.clone()));
        assert!(seen.is_empty(), "null is absent");
        visit(&doc, &path("deep.x"), &mut |v| seen.push(v.clone()));
        assert_eq!(seen.len(), 3, "nested arrays flatten");
    }

    #[test]
    fn custom_property_slots() {
        let doc = serde_json::json!({"customProperties": {
            "s": {"string_value": "v", "metadataType": "MetadataStringValue"},
            "i": {"int_value": "7"},
            "d": {"double_value": 0.5},
            "b": {"bool_value": true},
            "plain": "x",
        }});
        assert_eq!(custom(&doc, "s", Slot::Str), Some(&serde_json::json!("v")));
        assert_eq!(custom(&doc, "s", Slot::Num), None);
        assert_eq!(custom(&doc, "i", Slot::Num), Some(&serde_json::json!("7")));
        assert_eq!(custom(&doc, "d", Slot::Num), Some(&serde_json::json!(0.5)));
        assert_eq!(custom(&doc, "d", Slot::Int), None);
        assert_eq!(
            custom(&doc, "b", Slot::Bool),
            Some(&serde_json::json!(true))
        );
        assert_eq!(
            custom(&doc, "plain", Slot::Bool),
            Some(&serde_json::json!("x"))
        );
        assert!(custom(&doc, "s", Slot::Any).is_some());
        assert_eq!(custom(&doc, "missing", Slot::Any), None);
    }
}
