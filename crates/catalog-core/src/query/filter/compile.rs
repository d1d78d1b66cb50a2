//! Name resolution and type checking against a plugin's declared fields (UA-53, UA-56):
//! turns an [`Expr`] into an evaluable [`Filter`].
//!
//! A property resolves, in order, to
//! 1. a declared field by `name`, or by its `path` (`safety.riskLevel`): read from the entity's
//!    pre-extracted fields and typed by the declaration;
//! 2. a custom property: `customProperties.<key>[.<suffix>]`, or `<key>.<suffix>` (the key may
//!    be dotted or back-quoted), when the kind declares `customProperties`;
//! 3. a server-added native key (`id`, `sourceId`, `createTimeSinceEpoch`,
//!    `lastUpdateTimeSinceEpoch`, as the kind's native shape provides);
//! 4. a dotted path into the native JSON (a first segment naming a declared field follows that
//!    field's path); where it reaches nothing, the custom property of the same (dotted) key.
//!
//! An undeclared plain identifier is an error: `unknown filter field "x"`. Undeclared values
//! take the type of the literal they are compared with.

use super::ast::{CmpOp, Expr, Literal, LiteralValue, Predicate, Property, Test, TypeSuffix};
use super::error::FilterError;
use super::eval::{Check, Filter, Leaf, Lit, Node, Num, Positive, Rel, Slot, Source};
use super::like::LikePattern;
use crate::schema::{FieldSpec, FieldType, PluginSpec};

/// Key holding free-form custom properties.
const CUSTOM_PROPERTIES: &str = "customProperties";

/// Compiles a parsed query for `spec`'s kind.
pub fn compile(spec: &PluginSpec, expr: &Expr) -> Result<Filter, FilterError> {
    compile_nested(spec, &[], expr)
}

/// Compiles a parsed query for `spec`'s kind where each key in `nested` holds a list of
/// sub-records with their own custom properties (e.g. a model's `artifacts`), persisted but not
/// served: `<key>.<field>` tests a field of any sub-record, `<key>.<property>.<suffix>` one of
/// its custom properties.
pub fn compile_nested(
    spec: &PluginSpec,
    nested: &[&str],
    expr: &Expr,
) -> Result<Filter, FilterError> {
    Ok(Filter {
        root: node(Scope { spec, nested }, expr)?,
    })
}

/// What names resolve against.
#[derive(Clone, Copy)]
struct Scope<'a> {
    spec: &'a PluginSpec,
    nested: &'a [&'a str],
}

fn node(spec: Scope<'_>, expr: &Expr) -> Result<Node, FilterError> {
    Ok(match expr {
        Expr::And(..) => {
            let mut parts = Vec::new();
            flatten(spec, expr, true, &mut parts)?;
            Node::And(parts.into_boxed_slice())
        }
        Expr::Or(..) => {
            let mut parts = Vec::new();
            flatten(spec, expr, false, &mut parts)?;
            Node::Or(parts.into_boxed_slice())
        }
        Expr::Not(inner) => match node(spec, inner)? {
            Node::Not(twice) => *twice,
            other => Node::Not(Box::new(other)),
        },
        Expr::Predicate(p) => Node::Leaf(leaf(spec, p)?),
    })
}

/// Collects the operands of a chain of `AND`s (or `OR`s) into one list, in order.
fn flatten(
    spec: Scope<'_>,
    expr: &Expr,
    and: bool,
    out: &mut Vec<Node>,
) -> Result<(), FilterError> {
    match expr {
        Expr::And(l, r) if and => {
            flatten(spec, l, and, out)?;
            flatten(spec, r, and, out)
        }
        Expr::Or(l, r) if !and => {
            flatten(spec, l, and, out)?;
            flatten(spec, r, and, out)
        }
        other => {
            out.push(node(spec, other)?);
            Ok(())
        }
    }
}

/// What values a property holds, for type checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A declared field of this type.
    Declared(FieldType),
    /// A custom property value column.
    Suffixed(TypeSuffix),
    /// Unknown: takes the literal's type.
    Dynamic,
}

/// The literal's type class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Str,
    Num,
    Bool,
}

fn class(v: &LiteralValue) -> Class {
    match v {
        LiteralValue::Str(_) => Class::Str,
        LiteralValue::Int(_) | LiteralValue::Float(_) => Class::Num,
        LiteralValue::Bool(_) => Class::Bool,
    }
}

fn article(c: Class) -> &'static str {
    match c {
        Class::Str => "a string",
        Class::Num => "a numeric",
        Class::Bool => "a boolean",
    }
}

/// How a property resolved: where its value comes from and what it holds.
struct Target {
    source: Source,
    shape: Shape,
    /// `field "toolCount" (integer)` / `custom property "x" (int_value)` / `"a.b"`.
    describe: String,
    /// Custom-property slot still to be chosen from the literal.
    infer_slot: bool,
}

fn segments_match(field: &FieldSpec, segments: &[String]) -> bool {
    field
        .path
        .split('.')
        .eq(segments.iter().map(String::as_str))
}

fn boxed_path<'a>(segments: impl Iterator<Item = &'a str>) -> Box<[Box<str>]> {
    segments.map(Into::into).collect()
}

fn resolve(spec: Scope<'_>, p: &Property) -> Result<Target, FilterError> {
    let fields = spec.spec.kind.fields;
    let segs = &p.segments;
    if segs.len() > 1 && spec.nested.contains(&segs[0].as_str()) {
        return Ok(nested(p));
    }
    let declared = |i: usize| {
        let f = &fields[i];
        Target {
            source: Source::Field(i),
            shape: Shape::Declared(f.field_type),
            describe: format!("field \"{}\" ({})", f.name, f.field_type.as_str()),
            infer_slot: false,
        }
    };
    if p.suffix.is_none() {
        if segs.len() == 1
            && let Some(i) = fields.iter().position(|f| f.name == segs[0])
        {
            return Ok(declared(i));
        }
        if let Some(i) = fields.iter().position(|f| segments_match(f, segs)) {
            return Ok(declared(i));
        }
    }
    let has_custom = fields.iter().any(|f| f.path == CUSTOM_PROPERTIES);
    let custom_key = if segs[0] == CUSTOM_PROPERTIES && segs.len() > 1 {
        Some(segs[1..].join("."))
    } else if p.suffix.is_some() {
        Some(p.dotted())
    } else {
        None
    };
    if let Some(key) = custom_key {
        if !has_custom {
            return Err(unknown(p));
        }
        let (slot, shape) = match p.suffix {
            Some(s) => (slot_of(s), Shape::Suffixed(s)),
            None => (Slot::Any, Shape::Dynamic),
        };
        let describe = match p.suffix {
            Some(s) => format!("custom property \"{key}\" ({})", s.as_str()),
            None => format!("custom property \"{key}\""),
        };
        return Ok(Target {
            source: Source::Custom {
                key: key.into(),
                slot,
            },
            shape,
            describe,
            infer_slot: p.suffix.is_none(),
        });
    }
    if segs.len() == 1 && !segs[0].contains('.') {
        let native = match segs[0].as_str() {
            "sourceId" => true,
            "id" => spec.spec.native.id,
            "createTimeSinceEpoch" | "lastUpdateTimeSinceEpoch" => spec.spec.native.timestamps,
            _ => false,
        };
        if !native {
            return Err(unknown(p));
        }
        return Ok(Target {
            source: Source::Json(boxed_path(std::iter::once(segs[0].as_str()))),
            shape: Shape::Dynamic,
            describe: format!("\"{}\"", segs[0]),
            infer_slot: false,
        });
    }
    // A dotted path; a declared first segment stands for that field's path.
    let head: Vec<&str> = match fields.iter().find(|f| f.name == segs[0]) {
        Some(f) => f.path.split('.').collect(),
        None => vec![segs[0].as_str()],
    };
    let path = boxed_path(head.into_iter().chain(segs[1..].iter().map(String::as_str)));
    let source = if has_custom {
        Source::JsonOrCustom {
            path,
            key: p.dotted().into(),
            slot: Slot::Any,
        }
    } else {
        Source::Json(path)
    };
    Ok(Target {
        source,
        shape: Shape::Dynamic,
        describe: format!("\"{}\"", p.dotted()),
        infer_slot: has_custom,
    })
}

/// A field or typed custom property of any sub-record of a nested list.
fn nested(p: &Property) -> Target {
    let segs = &p.segments;
    let head = segs[0].as_str();
    let rest = segs[1..].join(".");
    match p.suffix {
        Some(s) => Target {
            source: Source::Json(boxed_path(
                [head, CUSTOM_PROPERTIES, rest.as_str(), s.as_str()].into_iter(),
            )),
            shape: Shape::Suffixed(s),
            describe: format!("{head} property \"{rest}\" ({})", s.as_str()),
            infer_slot: false,
        },
        None => Target {
            source: Source::Json(boxed_path(segs.iter().map(String::as_str))),
            shape: Shape::Dynamic,
            describe: format!("\"{}\"", p.dotted()),
            infer_slot: false,
        },
    }
}

fn unknown(p: &Property) -> FilterError {
    FilterError::at(p.span.offset, format!("unknown filter field \"{p}\""))
}

fn slot_of(s: TypeSuffix) -> Slot {
    match s {
        TypeSuffix::String => Slot::Str,
        TypeSuffix::Int => Slot::Int,
        TypeSuffix::Double => Slot::Double,
        TypeSuffix::Bool => Slot::Bool,
    }
}

/// The literal class a shape demands (`None`: any scalar).
fn wanted(shape: Shape) -> Option<Class> {
    match shape {
        Shape::Declared(FieldType::String | FieldType::Date) => Some(Class::Str),
        Shape::Declared(FieldType::Integer | FieldType::Number) => Some(Class::Num),
        Shape::Declared(FieldType::Boolean) => Some(Class::Bool),
        Shape::Declared(FieldType::Array | FieldType::Object) | Shape::Dynamic => None,
        Shape::Suffixed(TypeSuffix::String) => Some(Class::Str),
        Shape::Suffixed(TypeSuffix::Int | TypeSuffix::Double) => Some(Class::Num),
        Shape::Suffixed(TypeSuffix::Bool) => Some(Class::Bool),
    }
}

fn lit(v: &LiteralValue) -> Lit {
    match v {
        LiteralValue::Str(s) => Lit::Str(s.as_str().into()),
        LiteralValue::Int(n) => Lit::Num(Num::Int(*n)),
        LiteralValue::Float(x) => Lit::Num(Num::Float(*x)),
        LiteralValue::Bool(b) => Lit::Bool(*b),
    }
}

/// Checks one literal against the target.
fn check_literal(t: &Target, l: &Literal) -> Result<(), FilterError> {
    let got = class(&l.value);
    match wanted(t.shape) {
        Some(want) if want != got => Err(FilterError::at(
            l.span.offset,
            format!(
                "cannot compare {} with {} literal",
                t.describe,
                article(got)
            ),
        )),
        _ => Ok(()),
    }
}

fn leaf(spec: Scope<'_>, p: &Predicate) -> Result<Leaf, FilterError> {
    let mut target = resolve(spec, &p.property)?;
    let object = target.shape == Shape::Declared(FieldType::Object);
    if object && !matches!(p.test, Test::IsNull { .. }) {
        return Err(FilterError::at(
            p.property.span.offset,
            format!(
                "{} can only be tested with IS NULL or IS NOT NULL; filter on a path inside it",
                target.describe
            ),
        ));
    }
    let (check, slot) = match &p.test {
        Test::IsNull { negated } => (Check::IsNull { negated: *negated }, Slot::Any),
        Test::Compare { op, value } => {
            check_literal(&target, value)?;
            let c = class(&value.value);
            if op.is_ordering() && c == Class::Bool {
                return Err(FilterError::at(
                    value.span.offset,
                    format!("operator \"{}\" cannot order boolean values", op.as_str()),
                ));
            }
            let (rel, negated) = match op {
                CmpOp::Eq => (Rel::Eq, false),
                CmpOp::Ne => (Rel::Eq, true),
                CmpOp::Lt => (Rel::Lt, false),
                CmpOp::Le => (Rel::Le, false),
                CmpOp::Gt => (Rel::Gt, false),
                CmpOp::Ge => (Rel::Ge, false),
            };
            (
                Check::Test {
                    test: Positive::Cmp(rel, lit(&value.value)),
                    negated,
                },
                slot_for(c),
            )
        }
        Test::Like {
            negated,
            case_insensitive,
            pattern,
            span,
        } => {
            if let Some(want) = wanted(target.shape)
                && want != Class::Str
            {
                return Err(FilterError::at(
                    span.offset,
                    format!(
                        "{} needs a string value; {} is not one",
                        if *case_insensitive { "ILIKE" } else { "LIKE" },
                        target.describe
                    ),
                ));
            }
            (
                Check::Test {
                    test: Positive::Like(LikePattern::new(pattern, *case_insensitive)),
                    negated: *negated,
                },
                Slot::Str,
            )
        }
        Test::In {
            negated, values, ..
        } => {
            let first = values.first().map(|v| class(&v.value));
            for v in values {
                check_literal(&target, v)?;
                let c = class(&v.value);
                if Some(c) != first {
                    return Err(FilterError::at(
                        v.span.offset,
                        format!(
                            "IN list mixes {} and {} literals",
                            first.map_or("", class_name),
                            class_name(c)
                        ),
                    ));
                }
            }
            (
                Check::Test {
                    test: Positive::In(values.iter().map(|v| lit(&v.value)).collect()),
                    negated: *negated,
                },
                first.map_or(Slot::Any, slot_for),
            )
        }
    };
    if target.infer_slot {
        match &mut target.source {
            Source::Custom { slot: s, .. } | Source::JsonOrCustom { slot: s, .. } => *s = slot,
            _ => {}
        }
    }
    Ok(Leaf {
        source: target.source,
        check,
    })
}

fn class_name(c: Class) -> &'static str {
    match c {
        Class::Str => "string",
        Class::Num => "numeric",
        Class::Bool => "boolean",
    }
}

/// The custom property column an unsuffixed comparison reads (UA-56: the literal's type).
fn slot_for(c: Class) -> Slot {
    match c {
        Class::Str => Slot::Str,
        Class::Num => Slot::Num,
        Class::Bool => Slot::Bool,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::schema::{FieldSpec as F, KindSpec, NativeShape};

    pub(crate) static SPEC: PluginSpec = PluginSpec {
        native: NativeShape {
            id: true,
            timestamps: false,
        },
        ..PluginSpec::new(
            "t",
            KindSpec::new(
                "Thing",
                "things",
                "things",
                &[
                    F::string("name", "Name"),
                    F::integer("toolCount", "Tools"),
                    F::new("score", "Score", FieldType::Number),
                    F::boolean("verified", "Verified"),
                    F::array("tags", "Tags"),
                    F::string("risk", "Risk").at("safety.riskLevel"),
                    F::array("task", "Task").at("tasks"),
                    F::object("safety", "Safety"),
                    F::object("customProperties", "Custom"),
                ],
            ),
        )
    };

    static NO_CUSTOM: PluginSpec = PluginSpec {
        kind: KindSpec {
            fields: &[F::string("name", "Name")],
            ..SPEC.kind
        },
        native: NativeShape {
            id: false,
            timestamps: true,
        },
        ..SPEC
    };

    fn compile_str(spec: &PluginSpec, q: &str) -> Result<Filter, FilterError> {
        compile(spec, &parse(q)?)
    }

    fn err(q: &str) -> String {
        match compile_str(&SPEC, q) {
            Ok(f) => panic!("{q:?} compiled to {f:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn source(q: &str) -> Source {
        match compile_str(&SPEC, q).unwrap().root {
            Node::Leaf(l) => l.source,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn declared_names_and_paths_resolve_to_field_indices() {
        assert!(matches!(source("name = 'x'"), Source::Field(0)));
        assert!(matches!(source("toolCount > 1"), Source::Field(1)));
        assert!(matches!(source("risk = 'low'"), Source::Field(5)));
        assert!(matches!(
            source("safety.riskLevel = 'low'"),
            Source::Field(5)
        ));
        assert!(matches!(source("`tasks` = 'x'"), Source::Field(6)));
        assert!(matches!(source("task = 'x'"), Source::Field(6)));
    }

    #[test]
    fn other_names_resolve_to_json_or_custom_properties() {
        match source("customProperties.model_type = 'generative'") {
            Source::Custom { key, slot } => {
                assert_eq!(&*key, "model_type");
                assert_eq!(slot, Slot::Str, "inferred from the literal");
            }
            other => panic!("{other:?}"),
        }
        match source("accuracy.double_value > 0.9") {
            Source::Custom { key, slot } => {
                assert_eq!(&*key, "accuracy");
                assert_eq!(slot, Slot::Double);
            }
            other => panic!("{other:?}"),
        }
        match source("`mlflow.source.type` = 'notebook'") {
            Source::JsonOrCustom { path, key, slot } => {
                assert_eq!(&*path, &["mlflow.source.type".into()] as &[Box<str>]);
                assert_eq!(&*key, "mlflow.source.type");
                assert_eq!(slot, Slot::Str);
            }
            other => panic!("{other:?}"),
        }
        match source("safety.requiresApproval = true") {
            Source::JsonOrCustom { path, slot, .. } => {
                assert_eq!(path.len(), 2);
                assert_eq!(slot, Slot::Bool);
            }
            other => panic!("{other:?}"),
        }
        match source("risk.detail = 'x'") {
            Source::JsonOrCustom { path, .. } => assert_eq!(
                path.iter().map(|s| &**s).collect::<Vec<_>>(),
                vec!["safety", "riskLevel", "detail"],
                "a declared head follows its path"
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(source("id = 'x'"), Source::Json(_)));
        assert!(matches!(source("sourceId = 'x'"), Source::Json(_)));
        match compile_str(&NO_CUSTOM, "a.b = 1").unwrap().root {
            Node::Leaf(Leaf {
                source: Source::Json(_),
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        assert!(compile_str(&NO_CUSTOM, "createTimeSinceEpoch > 5").is_ok());
    }

    #[test]
    fn unknown_names_are_rejected() {
        assert_eq!(
            err("colour = 'red'"),
            "unknown filter field \"colour\" at offset 1"
        );
        assert_eq!(
            err("name = 'x' OR `col our` = 1"),
            "unknown filter field \"`col our`\" at offset 15"
        );
        assert_eq!(
            err("createTimeSinceEpoch > 1"),
            "unknown filter field \"createTimeSinceEpoch\" at offset 1",
            "not part of this kind's native shape"
        );
        let e = compile_str(&NO_CUSTOM, "x.string_value = 'a'").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown filter field \"x.string_value\" at offset 1"
        );
        let e = compile_str(&NO_CUSTOM, "id = 'a'").unwrap_err();
        assert_eq!(e.to_string(), "unknown filter field \"id\" at offset 1");
    }

    #[test]
    fn literal_types_must_match_declared_types() {
        assert_eq!(
            err("toolCount = 'x'"),
            "cannot compare field \"toolCount\" (integer) with a string literal at offset 13"
        );
        assert_eq!(
            err("name = 3"),
            "cannot compare field \"name\" (string) with a numeric literal at offset 8"
        );
        assert_eq!(
            err("verified = 'true'"),
            "cannot compare field \"verified\" (boolean) with a string literal at offset 12"
        );
        assert_eq!(
            err("score < true"),
            "cannot compare field \"score\" (number) with a boolean literal at offset 9"
        );
        assert_eq!(
            err("verified < true"),
            "operator \"<\" cannot order boolean values at offset 12"
        );
        assert_eq!(
            err("x.y >= false"),
            "operator \">=\" cannot order boolean values at offset 8"
        );
        assert_eq!(
            err("toolCount LIKE '1%'"),
            "LIKE needs a string value; field \"toolCount\" (integer) is not one at offset 16"
        );
        assert_eq!(
            err("verified NOT ILIKE 't%'"),
            "ILIKE needs a string value; field \"verified\" (boolean) is not one at offset 20"
        );
        assert_eq!(
            err("toolCount IN (1, 'two')"),
            "cannot compare field \"toolCount\" (integer) with a string literal at offset 18"
        );
        assert_eq!(
            err("tags IN ('a', 2)"),
            "IN list mixes string and numeric literals at offset 15"
        );
        assert_eq!(
            err("x.y IN (true, 'a')"),
            "IN list mixes boolean and string literals at offset 15"
        );
        assert_eq!(
            err("safety = 'x'"),
            "field \"safety\" (object) can only be tested with IS NULL or IS NOT NULL; filter on a path inside it at offset 1"
        );
        assert_eq!(
            err("m.int_value = 'x'"),
            "cannot compare custom property \"m\" (int_value) with a string literal at offset 15"
        );
        assert_eq!(
            err("m.bool_value LIKE 'x'"),
            "LIKE needs a string value; custom property \"m\" (bool_value) is not one at offset 19"
        );
    }

    #[test]
    fn well_typed_queries_compile() {
        for q in [
            "toolCount >= 10 AND verified = true",
            "score > 1 AND score <= 2.5 AND toolCount = 3.0",
            "tags = 'a' OR tags IN ('x', 'y') OR tags LIKE '%z' OR tags = 3",
            "name ILIKE '%GIT%' AND NOT name NOT LIKE 'x%'",
            "safety IS NULL OR customProperties IS NOT NULL",
            "toolCount IN () OR name NOT IN ('a')",
            "m.string_value = 'a' AND m.int_value > 2 AND m.double_value < 1 AND m.bool_value = true",
            "customProperties.`mlflow.x`.string_value ILIKE 'n%'",
            "a.b.c = 1 OR a.b = 'x' OR a.b = true OR a.b LIKE '%'",
        ] {
            compile_str(&SPEC, q).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
    }

    #[test]
    fn chains_flatten_and_double_negation_cancels() {
        let f = compile_str(
            &SPEC,
            "name = 'a' AND name = 'b' AND (name = 'c' AND name = 'd')",
        )
        .unwrap();
        assert!(matches!(f.root, Node::And(ref parts) if parts.len() == 4));
        let f = compile_str(
            &SPEC,
            "name = 'a' OR name = 'b' AND name = 'c' OR name = 'd'",
        )
        .unwrap();
        assert!(matches!(f.root, Node::Or(ref parts) if parts.len() == 3));
        let f = compile_str(&SPEC, "NOT NOT name = 'a'").unwrap();
        assert!(matches!(f.root, Node::Leaf(_)));
    }
}
