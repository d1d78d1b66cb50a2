//! Property tests: the parser never panics, printing round-trips, and evaluation agrees with a
//! naive reference evaluator written independently here.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::ast::{CmpOp, Expr, Literal, LiteralValue, Predicate, Property, Span, Test, TypeSuffix};
use super::{MAX_QUERY_CHARS, compile, parse};
use crate::entity::{Entity, FieldValue};
use crate::schema::{FieldSpec as F, FieldType, KindSpec, NativeShape, PluginSpec};

static SPEC: PluginSpec = PluginSpec {
    native: NativeShape {
        id: true,
        timestamps: true,
    },
    ..PluginSpec::new(
        "p",
        KindSpec::new(
            "Thing",
            "things",
            "things",
            &[
                F::string("name", "Name"),
                F::string("s", "S"),
                F::integer("n", "N"),
                F::new("x", "X", FieldType::Number),
                F::boolean("b", "B"),
                F::array("tags", "Tags"),
                F::object("customProperties", "Custom"),
            ],
        ),
    )
};

// ---------------------------------------------------------------------------------------------
// (a) The parser never panics.

/// Fragments a grammar-aware fuzzer strings together.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "AND",
            "or",
            "NOT",
            "like",
            "ILIKE",
            "In",
            "IS",
            "null",
            "true",
            "FALSE",
            "(",
            ")",
            ",",
            ".",
            "=",
            "!=",
            "<>",
            "<",
            "<=",
            ">",
            ">=",
            "!",
            "~",
            "'",
            "\"",
            "`",
            "\\",
            "-",
            "+",
            "e",
            "E",
            "%",
            "_",
            ".string_value",
            ".int_value",
            ".bool_value",
            "name",
            "toolCount",
            "customProperties",
            "a.b",
            "`x.y`",
            "'str'",
            "\"dq\"",
            "'esc\\''",
            "1",
            "-2",
            "3.5",
            ".5",
            "1e9",
            "-1e-3",
            "99999999999999999999",
            "1e999",
            "1.2.3",
            "\u{e9}",
            "\u{1F600}",
            "\t",
            "\n",
        ])
        .prop_map(str::to_string),
        "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
        "[0-9]{1,4}",
        prop::collection::vec(any::<u8>(), 0..6)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (fragment(), prop::sample::select(vec!["", " ", "  "])),
        0..40,
    )
    .prop_map(|parts| parts.into_iter().map(|(f, sep)| f + sep).collect())
}

/// Parses and, when that succeeds, compiles; errors must carry sane offsets.
fn never_panics(input: &str) {
    match parse(input) {
        Ok(expr) => {
            let _ = compile(&SPEC, &expr);
            let printed = expr.to_string();
            assert_eq!(
                parse(&printed).as_ref(),
                Ok(&expr),
                "{input:?} → {printed:?}"
            );
        }
        Err(e) => {
            if let Some(offset) = e.offset {
                let len = input.chars().count();
                assert!(offset >= 1 && offset <= len + 1, "{e} for {input:?}");
            }
            assert!(!e.to_string().is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics_on_arbitrary_text(input in any::<String>()) {
        never_panics(&input);
    }

    #[test]
    fn parser_never_panics_on_token_soup(input in token_soup()) {
        never_panics(&input);
    }

    #[test]
    fn parser_never_panics_on_deep_input(
        opens in 0usize..300,
        nots in 0usize..300,
        closes in 0usize..300,
    ) {
        let input = format!(
            "{}{}a = 1{}",
            "NOT ".repeat(nots),
            "(".repeat(opens),
            ")".repeat(closes)
        );
        never_panics(&input);
    }
}

// ---------------------------------------------------------------------------------------------
// (b) print → parse round-trips.

fn any_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z_][a-zA-Z0-9_]{0,5}",
        1 => prop::sample::select(vec![
            "and", "OR", "Not", "like", "ilike", "in", "is", "NULL", "true", "False",
            "string_value", "int_value", "double_value", "bool_value", "customProperties",
        ])
        .prop_map(str::to_string),
        1 => "[^\u{0}]{1,5}",
        1 => "[a`\\\\.\\- '\"]{1,4}",
    ]
}

fn any_property() -> impl Strategy<Value = Property> {
    (
        prop::collection::vec(any_segment(), 1..4),
        prop::option::of(prop::sample::select(TypeSuffix::ALL.to_vec())),
    )
        .prop_map(|(segments, suffix)| Property {
            // A suffix needs a dot before it.
            suffix: suffix.filter(|_| !segments.is_empty()),
            segments,
            span: Span::default(),
        })
}

fn any_string() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z%_]{0,5}", "[^\u{0}]{0,6}", "[\\\\'\"%_a]{0,6}"]
}

fn any_literal() -> impl Strategy<Value = LiteralValue> {
    prop_oneof![
        any_string().prop_map(LiteralValue::Str),
        any::<i64>().prop_map(LiteralValue::Int),
        (prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO)
            .prop_map(LiteralValue::Float),
        any::<bool>().prop_map(LiteralValue::Bool),
    ]
}

fn any_op() -> impl Strategy<Value = CmpOp> {
    prop::sample::select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ])
}

fn any_test() -> impl Strategy<Value = Test> {
    prop_oneof![
        (any_op(), any_literal()).prop_map(|(op, v)| Test::Compare {
            op,
            value: Literal::new(v)
        }),
        (any::<bool>(), any::<bool>(), any_string()).prop_map(|(negated, ci, pattern)| {
            Test::Like {
                negated,
                case_insensitive: ci,
                pattern,
                span: Span::default(),
            }
        }),
        (any::<bool>(), prop::collection::vec(any_literal(), 0..4)).prop_map(
            |(negated, values)| Test::In {
                negated,
                values: values.into_iter().map(Literal::new).collect(),
                span: Span::default(),
            }
        ),
        any::<bool>().prop_map(|negated| Test::IsNull { negated }),
    ]
}

/// Trees of depth ≤ 4 from `leaf`.
fn tree(leaf: BoxedStrategy<Expr>) -> impl Strategy<Value = Expr> {
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Expr::or(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Expr::and(l, r)),
            inner.prop_map(Expr::negate),
        ]
    })
}

fn any_expr() -> impl Strategy<Value = Expr> {
    tree(
        (any_property(), any_test())
            .prop_map(|(property, test)| Expr::Predicate(Predicate { property, test }))
            .boxed(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn printing_round_trips(expr in any_expr()) {
        let printed = expr.to_string();
        prop_assume!(printed.chars().count() <= MAX_QUERY_CHARS);
        let parsed = parse(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&expr), "printed: {}", printed);
        prop_assert_eq!(parsed.unwrap().to_string(), printed, "canonical form is a fixpoint");
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Evaluation agrees with a naive reference.

/// One entity of the test kind, as plain data.
#[derive(Debug, Clone)]
struct Row {
    s: Option<String>,
    n: Option<i64>,
    x: Option<f64>,
    b: Option<bool>,
    tags: Option<Vec<String>>,
    level: Option<i64>,
    cp: Option<String>,
}

const WORDS: &[&str] = &[
    "", "a", "b", "ab", "A", "Ab", "ba", "é", "É", "a%", "a_b", "1", "2.5", "true",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS.to_vec()).prop_map(str::to_string)
}

fn small_float() -> impl Strategy<Value = f64> {
    (-6i32..=6).prop_map(|h| f64::from(h) / 2.0)
}

fn row() -> impl Strategy<Value = Row> {
    (
        prop::option::of(word()),
        prop::option::of(-3i64..=3),
        prop::option::of(small_float()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(word(), 0..4)),
        prop::option::of(-3i64..=3),
        prop::option::of(word()),
    )
        .prop_map(|(s, n, x, b, tags, level, cp)| Row {
            s,
            n,
            x,
            b,
            tags,
            level,
            cp,
        })
}

fn entity(row: &Row) -> Entity {
    let mut doc = serde_json::Map::new();
    doc.insert("name".into(), json!("e"));
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            doc.insert(k.into(), v);
        }
    };
    put("s", row.s.clone().map(Value::from));
    put("n", row.n.map(Value::from));
    put("x", row.x.map(Value::from));
    put("b", row.b.map(Value::from));
    put("tags", row.tags.clone().map(Value::from));
    put("meta", row.level.map(|l| json!({"level": l})));
    put(
        "customProperties",
        row.cp
            .clone()
            .map(|c| json!({"cp": {"string_value": c, "metadataType": "MetadataStringValue"}})),
    );
    let doc = Value::Object(doc);
    Entity {
        uid: "u".into(),
        kind: "Thing".into(),
        name: "e".into(),
        sort_name: "e".into(),
        source_id: "src".into(),
        json: serde_json::value::RawValue::from_string(doc.to_string()).unwrap(),
        hidden: None,
        fields: SPEC
            .kind
            .fields
            .iter()
            .map(|f| FieldValue::extract(&doc, f.path))
            .collect(),
        content_hash: "h".into(),
        created_at: 0,
        updated_at: 0,
    }
}

/// Which value a generated predicate tests.
#[derive(Debug, Clone, Copy)]
enum Col {
    S,
    N,
    X,
    B,
    Tags,
    Level,
    Cp,
}

fn col_property(c: Col) -> Property {
    let (segments, suffix): (&[&str], _) = match c {
        Col::S => (&["s"], None),
        Col::N => (&["n"], None),
        Col::X => (&["x"], None),
        Col::B => (&["b"], None),
        Col::Tags => (&["tags"], None),
        Col::Level => (&["meta", "level"], None),
        Col::Cp => (&["cp"], Some(TypeSuffix::String)),
    };
    Property {
        segments: segments.iter().map(|s| s.to_string()).collect(),
        suffix,
        span: Span::default(),
    }
}

fn str_lit() -> BoxedStrategy<LiteralValue> {
    word().prop_map(LiteralValue::Str).boxed()
}

fn num_lit() -> BoxedStrategy<LiteralValue> {
    prop_oneof![
        (-3i64..=3).prop_map(LiteralValue::Int),
        small_float().prop_map(LiteralValue::Float),
    ]
    .boxed()
}

fn bool_lit() -> BoxedStrategy<LiteralValue> {
    any::<bool>().prop_map(LiteralValue::Bool).boxed()
}

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "b", "A", "é", "É", "%", "_", "\\%", "\\_", "1"]),
        0..4,
    )
    .prop_map(|p| p.concat())
}

/// A well-typed test for a column with literals from `lit`.
fn typed_test(lit: BoxedStrategy<LiteralValue>, ordering: bool, like: bool) -> BoxedStrategy<Test> {
    let ops = if ordering {
        vec![
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ]
    } else {
        vec![CmpOp::Eq, CmpOp::Ne]
    };
    let mut choices: Vec<BoxedStrategy<Test>> = vec![
        (prop::sample::select(ops), lit.clone())
            .prop_map(|(op, v)| Test::Compare {
                op,
                value: Literal::new(v),
            })
            .boxed(),
        (any::<bool>(), prop::collection::vec(lit, 0..4))
            .prop_map(|(negated, values)| Test::In {
                negated,
                values: values.into_iter().map(Literal::new).collect(),
                span: Span::default(),
            })
            .boxed(),
        any::<bool>()
            .prop_map(|negated| Test::IsNull { negated })
            .boxed(),
    ];
    if like {
        choices.push(
            (any::<bool>(), any::<bool>(), pattern())
                .prop_map(|(negated, case_insensitive, pattern)| Test::Like {
                    negated,
                    case_insensitive,
                    pattern,
                    span: Span::default(),
                })
                .boxed(),
        );
    }
    prop::strategy::Union::new(choices).boxed()
}

fn typed_predicate() -> BoxedStrategy<Expr> {
    let with = |c: Col, test: BoxedStrategy<Test>| {
        test.prop_map(move |test| {
            Expr::Predicate(Predicate {
                property: col_property(c),
                test,
            })
        })
        .boxed()
    };
    // IN lists must be homogeneous: one literal class per generated test.
    prop_oneof![
        with(Col::S, typed_test(str_lit(), true, true)),
        with(Col::N, typed_test(num_lit(), true, false)),
        with(Col::X, typed_test(num_lit(), true, false)),
        with(Col::B, typed_test(bool_lit(), false, false)),
        with(Col::Tags, typed_test(str_lit(), true, true)),
        with(Col::Tags, typed_test(num_lit(), true, false)),
        with(Col::Tags, typed_test(bool_lit(), false, false)),
        with(Col::Level, typed_test(num_lit(), true, true)),
        with(Col::Level, typed_test(str_lit(), true, true)),
        with(Col::Level, typed_test(bool_lit(), false, false)),
        with(Col::Cp, typed_test(str_lit(), true, true)),
    ]
    .boxed()
}

/// A scalar as the reference sees it.
#[derive(Debug, Clone)]
enum RefVal {
    S(String),
    N(f64),
    B(bool),
}

fn ref_values(c: Col, row: &Row) -> Option<Vec<RefVal>> {
    match c {
        Col::S => row.s.clone().map(|s| vec![RefVal::S(s)]),
        Col::N => row.n.map(|n| vec![RefVal::N(n as f64)]),
        Col::X => row.x.map(|x| vec![RefVal::N(x)]),
        Col::B => row.b.map(|b| vec![RefVal::B(b)]),
        Col::Tags => row
            .tags
            .clone()
            .map(|t| t.into_iter().map(RefVal::S).collect()),
        Col::Level => row.level.map(|l| vec![RefVal::N(l as f64)]),
        Col::Cp => row.cp.clone().map(|s| vec![RefVal::S(s)]),
    }
}

fn col_of(p: &Property) -> Col {
    match (p.segments[0].as_str(), p.suffix) {
        ("s", _) => Col::S,
        ("n", _) => Col::N,
        ("x", _) => Col::X,
        ("b", _) => Col::B,
        ("tags", _) => Col::Tags,
        ("meta", _) => Col::Level,
        _ => Col::Cp,
    }
}

/// Textbook recursive LIKE over characters.
fn ref_like(p: &[char], s: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('%', rest)) => (0..=s.len()).any(|i| ref_like(rest, &s[i..])),
        Some(('_', rest)) => !s.is_empty() && ref_like(rest, &s[1..]),
        Some(('\\', rest)) if matches!(rest.first(), Some('%' | '_' | '\\')) => {
            s.first() == rest.first() && ref_like(&rest[1..], &s[1..])
        }
        Some((c, rest)) => s.first() == Some(c) && ref_like(rest, &s[1..]),
    }
}

/// `Some(ordering)` of value vs literal when comparable.
fn ref_cmp(v: &RefVal, l: &LiteralValue) -> Option<std::cmp::Ordering> {
    let num = |l: &LiteralValue| match l {
        LiteralValue::Int(i) => Some(*i as f64),
        LiteralValue::Float(f) => Some(*f),
        _ => None,
    };
    match (v, l) {
        (RefVal::S(a), LiteralValue::Str(b)) => Some(a.as_str().cmp(b.as_str())),
        (RefVal::S(a), LiteralValue::Bool(b)) if a == "true" || a == "false" => {
            Some((a == "true").cmp(b))
        }
        (RefVal::S(a), _) => a.parse::<f64>().ok().and_then(|x| x.partial_cmp(&num(l)?)),
        (RefVal::N(a), _) => a.partial_cmp(&num(l)?),
        (RefVal::B(a), LiteralValue::Bool(b)) => Some(a.cmp(b)),
        (RefVal::B(_), _) => None,
    }
}

/// SQL three-valued truth of a positive test on one scalar.
fn ref_scalar(test: &Test, v: &RefVal) -> Option<bool> {
    use std::cmp::Ordering::*;
    match test {
        Test::Compare { op, value } => {
            let o = ref_cmp(v, &value.value)?;
            Some(match op {
                CmpOp::Eq | CmpOp::Ne => o == Equal,
                CmpOp::Lt => o == Less,
                CmpOp::Le => o != Greater,
                CmpOp::Gt => o == Greater,
                CmpOp::Ge => o != Less,
            })
        }
        Test::Like {
            case_insensitive,
            pattern,
            ..
        } => {
            let RefVal::S(s) = v else { return None };
            let (p, s) = if *case_insensitive {
                (pattern.to_lowercase(), s.to_lowercase())
            } else {
                (pattern.clone(), s.clone())
            };
            let p: Vec<char> = p.chars().collect();
            let s: Vec<char> = s.chars().collect();
            Some(ref_like(&p, &s))
        }
        Test::In { values, .. } => {
            let results: Vec<Option<bool>> = values
                .iter()
                .map(|l| ref_cmp(v, &l.value).map(|o| o == Equal))
                .collect();
            if results.contains(&Some(true)) {
                Some(true)
            } else if results.is_empty() || results.contains(&Some(false)) {
                Some(false)
            } else {
                None
            }
        }
        Test::IsNull { .. } => unreachable!(),
    }
}

fn ref_eval(e: &Expr, row: &Row) -> Option<bool> {
    match e {
        Expr::And(l, r) => match (ref_eval(l, row), ref_eval(r, row)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Expr::Or(l, r) => match (ref_eval(l, row), ref_eval(r, row)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Expr::Not(x) => ref_eval(x, row).map(|b| !b),
        Expr::Predicate(p) => {
            let values = ref_values(col_of(&p.property), row);
            let negated = match &p.test {
                Test::IsNull { negated } => return Some(values.is_none() != *negated),
                Test::Compare { op, .. } => *op == CmpOp::Ne,
                Test::Like { negated, .. } | Test::In { negated, .. } => *negated,
            };
            let values = values?;
            let per: Vec<Option<bool>> = values.iter().map(|v| ref_scalar(&p.test, v)).collect();
            let positive = if per.contains(&Some(true)) {
                Some(true)
            } else if per.is_empty() || per.contains(&Some(false)) {
                Some(false)
            } else {
                None
            };
            positive.map(|b| b != negated)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn evaluation_matches_the_reference(
        expr in tree(typed_predicate()),
        rows in prop::collection::vec(row(), 1..6),
    ) {
        let filter = compile(&SPEC, &expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        for row in &rows {
            let expected = ref_eval(&expr, row) == Some(true);
            prop_assert_eq!(filter.matches(&entity(row)), expected, "{} on {:?}", expr, row);
        }
        // Whole-set evaluation, column by column, agrees with per-entity evaluation.
        let entities: Vec<std::sync::Arc<Entity>> = rows.iter().map(|r| std::sync::Arc::new(entity(r))).collect();
        let columns = crate::index::Columns::new(
            filter
                .fields_used()
                .into_iter()
                .map(|i| (i, entities.iter().map(|e| e.fields[i].clone()).collect()))
                .collect(),
        );
        let per_entity: Vec<bool> = entities.iter().map(|e| filter.matches(e)).collect();
        let whole: Vec<bool> = (0..entities.len()).map(|i| filter.evaluate_all(&entities, &columns).get(i)).collect();
        prop_assert_eq!(whole, per_entity, "{}", expr);
        // The printed form means the same.
        let reparsed = compile(&SPEC, &parse(&expr.to_string()).unwrap()).unwrap();
        for row in &rows {
            prop_assert_eq!(reparsed.matches(&entity(row)), filter.matches(&entity(row)));
        }
    }
}

#[test]
fn reference_sanity() {
    let row = Row {
        s: Some("Ab".into()),
        n: None,
        x: Some(1.5),
        b: Some(true),
        tags: Some(vec!["a".into(), "1".into()]),
        level: Some(2),
        cp: Some("é".into()),
    };
    let e = entity(&row);
    for (q, want) in [
        ("s = 'Ab'", true),
        ("s = 'ab'", false),
        ("s ILIKE 'ab'", true),
        ("s LIKE 'a%'", false),
        ("n = 1", false),
        ("n != 1", false),
        ("NOT n = 1", false),
        ("n IS NULL", true),
        ("x > 1 AND x < 2", true),
        ("b = true", true),
        ("b != true", false),
        ("tags = 'a'", true),
        ("tags != 'a'", false),
        ("tags != 'z'", true),
        ("tags = 1", true),
        ("tags > 0", true),
        ("tags IN ('q', 'a')", true),
        ("tags NOT IN ('q')", true),
        ("meta.level >= 2", true),
        ("meta.level = '2'", false),
        ("meta.level != '2'", false),
        ("cp.string_value = 'é'", true),
        ("cp.string_value ILIKE 'É'", true),
        ("n = 1 OR s = 'Ab'", true),
        ("n = 1 AND s = 'Ab'", false),
        ("NOT (n = 1 AND s = 'x')", true),
        ("NOT (n = 1 OR s = 'x')", false),
    ] {
        let expr = parse(q).unwrap();
        let got = compile(&SPEC, &expr).unwrap().matches(&e);
        assert_eq!(got, want, "{q}");
        assert_eq!(ref_eval(&expr, &row) == Some(true), want, "reference: {q}");
    }
}
