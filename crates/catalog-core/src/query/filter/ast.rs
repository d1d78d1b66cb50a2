//! The syntax tree of a `filterQuery` and its canonical printer (`Display`).
//!
//! The printer emits the fewest parentheses that preserve the tree, uppercase keywords,
//! single-quoted strings and back-quotes only where a name needs them, so that
//! `parse(expr.to_string()) == expr` for every tree within the limits.

use std::fmt;

use super::lexer::Keyword;

/// A 1-based character offset into the query. Positions are metadata for error messages: they
/// never take part in equality, so trees parsed from differently spaced text compare equal.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct Span {
    /// 1-based character offset.
    pub offset: usize,
}

impl Span {
    /// A span at `offset`.
    pub const fn at(offset: usize) -> Self {
        Self { offset }
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A boolean expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `left OR right`
    Or(Box<Expr>, Box<Expr>),
    /// `left AND right`
    And(Box<Expr>, Box<Expr>),
    /// `NOT expr`
    Not(Box<Expr>),
    /// One test of one property.
    Predicate(Predicate),
}

/// `property <test>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    /// What is tested.
    pub property: Property,
    /// The test.
    pub test: Test,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// Canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }

    /// Whether it orders (`<`, `<=`, `>`, `>=`).
    pub fn is_ordering(self) -> bool {
        matches!(self, Self::Lt | Self::Le | Self::Gt | Self::Ge)
    }
}

/// The test applied to a property.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `op literal`
    Compare {
        /// Operator.
        op: CmpOp,
        /// Right-hand side.
        value: Literal,
    },
    /// `[NOT] LIKE 'pattern'` / `[NOT] ILIKE 'pattern'`
    Like {
        /// `NOT LIKE`.
        negated: bool,
        /// `ILIKE`.
        case_insensitive: bool,
        /// The pattern, unescaped as a string (LIKE escapes `\%`, `\_`, `\\` still in it).
        pattern: String,
        /// Where the pattern literal is.
        span: Span,
    },
    /// `[NOT] IN (literal, ...)`
    In {
        /// `NOT IN`.
        negated: bool,
        /// The list (may be empty).
        values: Vec<Literal>,
        /// Where the list starts (its `(`).
        span: Span,
    },
    /// `IS [NOT] NULL`
    IsNull {
        /// `IS NOT NULL`.
        negated: bool,
    },
}

/// A `.string_value`-style suffix selecting a custom property's value column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeSuffix {
    /// `.string_value`
    String,
    /// `.int_value`
    Int,
    /// `.double_value`
    Double,
    /// `.bool_value`
    Bool,
}

impl TypeSuffix {
    /// Every suffix.
    pub const ALL: [TypeSuffix; 4] = [Self::String, Self::Int, Self::Double, Self::Bool];

    /// Spelling (also the key inside a custom property value object).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string_value",
            Self::Int => "int_value",
            Self::Double => "double_value",
            Self::Bool => "bool_value",
        }
    }

    /// The suffix spelled exactly `word`.
    pub fn lookup(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// A property reference: `name { . segment } [ . type_suffix ]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Path segments, unquoted (a back-quoted segment is one key even with dots).
    pub segments: Vec<String>,
    /// The type suffix, if the last segment was one.
    pub suffix: Option<TypeSuffix>,
    /// Where the property starts.
    pub span: Span,
}

impl Property {
    /// The segments joined by `.` (without the suffix).
    pub fn dotted(&self) -> String {
        self.segments.join(".")
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A finite float.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
}

impl LiteralValue {
    /// Type name for messages: "string", "numeric", "boolean".
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "string",
            Self::Int(_) | Self::Float(_) => "numeric",
            Self::Bool(_) => "boolean",
        }
    }
}

/// A literal and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The value.
    pub value: LiteralValue,
    /// Its position.
    pub span: Span,
}

impl Literal {
    /// A literal without a meaningful position (for building trees in code).
    pub fn new(value: LiteralValue) -> Self {
        Self {
            value,
            span: Span::default(),
        }
    }
}

/// Writes `s` in `quote`s, escaping the quote and backslashes.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str, quote: char) -> fmt::Result {
    use fmt::Write;
    f.write_char(quote)?;
    for c in s.chars() {
        if c == quote || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char(quote)
}

/// Whether a segment can be written bare.
fn is_bare(segment: &str) -> bool {
    let mut chars = segment.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && Keyword::lookup(segment).is_none()
        && TypeSuffix::lookup(segment).is_none()
}

impl fmt::Display for LiteralValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Str(s) => write_quoted(f, s, '\''),
            Self::Int(n) => write!(f, "{n}"),
            // `Debug` always has a `.` or an exponent and round-trips exactly.
            Self::Float(x) => write!(f, "{x:?}"),
            Self::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            if is_bare(segment) {
                f.write_str(segment)?;
            } else {
                write_quoted(f, segment, '`')?;
            }
        }
        if let Some(suffix) = self.suffix {
            write!(f, ".{}", suffix.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Compare { op, value } => write!(f, "{} {value}", op.as_str()),
            Self::Like {
                negated,
                case_insensitive,
                pattern,
                ..
            } => {
                if *negated {
                    f.write_str("NOT ")?;
                }
                f.write_str(if *case_insensitive { "ILIKE " } else { "LIKE " })?;
                write_quoted(f, pattern, '\'')
            }
            Self::In {
                negated, values, ..
            } => {
                if *negated {
                    f.write_str("NOT ")?;
                }
                f.write_str("IN (")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    v.fmt(f)?;
                }
                f.write_str(")")
            }
            Self::IsNull { negated: false } => f.write_str("IS NULL"),
            Self::IsNull { negated: true } => f.write_str("IS NOT NULL"),
        }
    }
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.property, self.test)
    }
}

impl Expr {
    /// Binding strength: OR 1, AND 2, NOT 3, predicates 4.
    fn precedence(&self) -> u8 {
        match self {
            Self::Or(..) => 1,
            Self::And(..) => 2,
            Self::Not(_) => 3,
            Self::Predicate(_) => 4,
        }
    }

    /// Writes `self`, parenthesised when it binds weaker than `min`.
    fn write_at(&self, f: &mut fmt::Formatter<'_>, min: u8) -> fmt::Result {
        let parens = self.precedence() < min;
        if parens {
            f.write_str("(")?;
        }
        match self {
            // Left-associative: the right operand needs parentheses at the same level.
            Self::Or(l, r) => {
                l.write_at(f, 1)?;
                f.write_str(" OR ")?;
                r.write_at(f, 2)?;
            }
            Self::And(l, r) => {
                l.write_at(f, 2)?;
                f.write_str(" AND ")?;
                r.write_at(f, 3)?;
            }
            Self::Not(e) => {
                f.write_str("NOT ")?;
                e.write_at(f, 3)?;
            }
            Self::Predicate(p) => fmt::Display::fmt(p, f)?,
        }
        if parens {
            f.write_str(")")?;
        }
        Ok(())
    }

    /// Number of predicates.
    pub fn predicate_count(&self) -> usize {
        match self {
            Self::Or(l, r) | Self::And(l, r) => l.predicate_count() + r.predicate_count(),
            Self::Not(e) => e.predicate_count(),
            Self::Predicate(_) => 1,
        }
    }

    /// `l OR r`.
    pub fn or(l: Expr, r: Expr) -> Expr {
        Expr::Or(Box::new(l), Box::new(r))
    }

    /// `l AND r`.
    pub fn and(l: Expr, r: Expr) -> Expr {
        Expr::And(Box::new(l), Box::new(r))
    }

    /// `NOT e`.
    pub fn negate(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_at(f, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(segments: &[&str]) -> Property {
        Property {
            segments: segments.iter().map(|s| s.to_string()).collect(),
            suffix: None,
            span: Span::default(),
        }
    }

    fn eq(name: &str, n: i64) -> Expr {
        Expr::Predicate(Predicate {
            property: prop(&[name]),
            test: Test::Compare {
                op: CmpOp::Eq,
                value: Literal::new(LiteralValue::Int(n)),
            },
        })
    }

    #[test]
    fn spans_do_not_affect_equality() {
        assert_eq!(Span::at(1), Span::at(99));
        let mut a = prop(&["x"]);
        a.span = Span::at(7);
        assert_eq!(a, prop(&["x"]));
    }

    #[test]
    fn prints_minimal_parentheses() {
        let (a, b, c) = (eq("a", 1), eq("b", 2), eq("c", 3));
        assert_eq!(
            Expr::or(a.clone(), Expr::and(b.clone(), c.clone())).to_string(),
            "a = 1 OR b = 2 AND c = 3"
        );
        assert_eq!(
            Expr::and(Expr::or(a.clone(), b.clone()), c.clone()).to_string(),
            "(a = 1 OR b = 2) AND c = 3"
        );
        assert_eq!(
            Expr::or(a.clone(), Expr::or(b.clone(), c.clone())).to_string(),
            "a = 1 OR (b = 2 OR c = 3)",
            "right-nested keeps its shape"
        );
        assert_eq!(
            Expr::or(Expr::or(a.clone(), b.clone()), c.clone()).to_string(),
            "a = 1 OR b = 2 OR c = 3"
        );
        assert_eq!(
            Expr::negate(Expr::and(a.clone(), b.clone())).to_string(),
            "NOT (a = 1 AND b = 2)"
        );
        assert_eq!(
            Expr::and(Expr::negate(a.clone()), Expr::negate(Expr::negate(b))).to_string(),
            "NOT a = 1 AND NOT NOT b = 2"
        );
    }

    #[test]
    fn prints_names_and_literals_canonically() {
        let mut p = prop(&["a", "and", "x-y", "string_value", "b"]);
        p.suffix = Some(TypeSuffix::Double);
        assert_eq!(p.to_string(), "a.`and`.`x-y`.`string_value`.b.double_value");
        assert_eq!(prop(&["we`ird\\"]).to_string(), "`we\\`ird\\\\`");
        assert_eq!(
            LiteralValue::Str("it's a \\ \"q\"".into()).to_string(),
            "'it\\'s a \\\\ \"q\"'"
        );
        assert_eq!(LiteralValue::Float(1.0).to_string(), "1.0");
        assert_eq!(LiteralValue::Float(1e300).to_string(), "1e300");
        assert_eq!(LiteralValue::Float(-2.5e-9).to_string(), "-2.5e-9");
        assert_eq!(LiteralValue::Int(-3).to_string(), "-3");
        assert_eq!(LiteralValue::Bool(false).to_string(), "false");
        let tests = [
            (
                Test::In {
                    negated: true,
                    values: vec![
                        Literal::new(LiteralValue::Str("a".into())),
                        Literal::new(LiteralValue::Str("b".into())),
                    ],
                    span: Span::default(),
                },
                "x NOT IN ('a', 'b')",
            ),
            (
                Test::In {
                    negated: false,
                    values: vec![],
                    span: Span::default(),
                },
                "x IN ()",
            ),
            (
                Test::Like {
                    negated: false,
                    case_insensitive: true,
                    pattern: "%g\\_t%".into(),
                    span: Span::default(),
                },
                "x ILIKE '%g\\\\_t%'",
            ),
            (Test::IsNull { negated: true }, "x IS NOT NULL"),
        ];
        for (test, printed) in tests {
            let e = Expr::Predicate(Predicate {
                property: prop(&["x"]),
                test,
            });
            assert_eq!(e.to_string(), printed);
        }
    }
}
