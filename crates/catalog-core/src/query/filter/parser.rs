//! Recursive-descent parser from query text to [`Expr`], enforcing the UA-60 limits.
//!
//! Recursion happens only through parentheses and `NOT`, both counted against
//! [`MAX_DEPTH`], so no input can exhaust the stack.

use super::ast::{Expr, Literal, LiteralValue, Predicate, Property, Span, Test, TypeSuffix};
use super::error::FilterError;
use super::lexer::{Keyword, Lexer, Token, TokenKind};
use super::{MAX_COMPARISONS, MAX_DEPTH, MAX_IN_LIST, MAX_QUERY_CHARS};

/// Parses a whole query. Empty or all-whitespace input is an error here: callers treat it as
/// "no filter" before parsing.
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    // Cheap byte bound first, so huge inputs are never scanned char by char.
    if input.len() > 4 * MAX_QUERY_CHARS || input.chars().count() > MAX_QUERY_CHARS {
        return Err(FilterError::whole(format!(
            "query is longer than the limit of {MAX_QUERY_CHARS} characters ({} characters)",
            input.chars().count()
        )));
    }
    let mut parser = Parser {
        lexer: Lexer::new(input),
        peeked: None,
        depth: 0,
        comparisons: 0,
    };
    let expr = parser.or_expr()?;
    let end = parser.next()?;
    if end.kind != TokenKind::Eof {
        return Err(parser.unexpected(&end, "AND, OR or the end of the query"));
    }
    Ok(expr)
}

struct Parser {
    lexer: Lexer,
    peeked: Option<Token>,
    /// Open parentheses and `NOT`s around the current position.
    depth: usize,
    /// Predicates seen so far.
    comparisons: usize,
}

const OPERATORS: &str = "an operator (=, !=, <>, <, <=, >, >=, LIKE, ILIKE, IN, IS)";

impl Parser {
    fn peek(&mut self) -> Result<&Token, FilterError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    fn next(&mut self) -> Result<Token, FilterError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next_token(),
        }
    }

    fn peek_keyword(&mut self, k: Keyword) -> Result<bool, FilterError> {
        Ok(self.peek()?.kind == TokenKind::Keyword(k))
    }

    /// "unexpected token "X" at offset N; expected …" (or end of query / character).
    fn unexpected(&self, token: &Token, expected: &'static str) -> FilterError {
        let problem = match &token.kind {
            TokenKind::Eof => "unexpected end of query".to_string(),
            TokenKind::Unknown(c) => format!("unexpected character \"{c}\""),
            _ => format!("unexpected token \"{}\"", self.lexer.text(token)),
        };
        FilterError::at(token.offset, problem).expected(expected)
    }

    fn enter(&mut self, at: &Token) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::at(
                at.offset,
                format!("nesting is deeper than the limit of {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and_expr()?;
        while self.peek_keyword(Keyword::Or)? {
            self.next()?;
            let right = self.and_expr()?;
            left = Expr::or(left, right);
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        while self.peek_keyword(Keyword::And)? {
            self.next()?;
            let right = self.unary()?;
            left = Expr::and(left, right);
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        let token = self.next()?;
        match token.kind {
            TokenKind::Keyword(Keyword::Not) => {
                self.enter(&token)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Expr::negate(inner))
            }
            TokenKind::LParen => {
                self.enter(&token)?;
                let inner = self.or_expr()?;
                let close = self.next()?;
                if close.kind != TokenKind::RParen {
                    return Err(self.unexpected(&close, "\")\", AND or OR"));
                }
                self.depth -= 1;
                Ok(inner)
            }
            _ => {
                let property = self.property(token)?;
                self.comparisons += 1;
                if self.comparisons > MAX_COMPARISONS {
                    return Err(FilterError::at(
                        property.span.offset,
                        format!("query has more than the limit of {MAX_COMPARISONS} comparisons"),
                    ));
                }
                let test = self.test()?;
                Ok(Expr::Predicate(Predicate { property, test }))
            }
        }
    }

    /// `name { "." segment } [ "." type_suffix ]`, starting at `first`.
    fn property(&mut self, first: Token) -> Result<Property, FilterError> {
        let span = Span::at(first.offset);
        let mut segments = vec![match first.kind {
            TokenKind::Ident(s) | TokenKind::QuotedIdent(s) => s,
            _ => return Err(self.unexpected(&first, "a field name")),
        }];
        let mut suffix = None;
        while self.peek()?.kind == TokenKind::Dot {
            self.next()?;
            let token = self.next()?;
            let (segment, bare) = match &token.kind {
                TokenKind::Ident(s) => (s.clone(), true),
                TokenKind::QuotedIdent(s) => (s.clone(), false),
                // After a dot a keyword can only be a key: take it as written.
                TokenKind::Keyword(_) => (self.lexer.text(&token), false),
                _ => return Err(self.unexpected(&token, "a field name after \".\"")),
            };
            let last = self.peek()?.kind != TokenKind::Dot;
            match TypeSuffix::lookup(&segment) {
                Some(s) if bare && last => suffix = Some(s),
                _ => segments.push(segment),
            }
        }
        Ok(Property {
            segments,
            suffix,
            span,
        })
    }

    fn test(&mut self) -> Result<Test, FilterError> {
        let token = self.next()?;
        match token.kind {
            TokenKind::Op(op) => Ok(Test::Compare {
                op,
                value: self.literal(op.as_str())?,
            }),
            TokenKind::Keyword(Keyword::Like) => self.like(false, false),
            TokenKind::Keyword(Keyword::Ilike) => self.like(false, true),
            TokenKind::Keyword(Keyword::In) => self.in_list(false),
            TokenKind::Keyword(Keyword::Not) => {
                let after = self.next()?;
                match after.kind {
                    TokenKind::Keyword(Keyword::Like) => self.like(true, false),
                    TokenKind::Keyword(Keyword::Ilike) => self.like(true, true),
                    TokenKind::Keyword(Keyword::In) => self.in_list(true),
                    _ => Err(self.unexpected(&after, "LIKE, ILIKE or IN after NOT")),
                }
            }
            TokenKind::Keyword(Keyword::Is) => {
                let negated = self.peek_keyword(Keyword::Not)?;
                if negated {
                    self.next()?;
                }
                let null = self.next()?;
                if null.kind != TokenKind::Keyword(Keyword::Null) {
                    return Err(self.unexpected(&null, "NULL"));
                }
                Ok(Test::IsNull { negated })
            }
            _ => Err(self.unexpected(&token, OPERATORS)),
        }
    }

    fn like(&mut self, negated: bool, case_insensitive: bool) -> Result<Test, FilterError> {
        let token = self.next()?;
        let keyword = if case_insensitive { "ILIKE" } else { "LIKE" };
        match token.kind {
            TokenKind::Str(pattern) => Ok(Test::Like {
                negated,
                case_insensitive,
                pattern,
                span: Span::at(token.offset),
            }),
            _ => Err(FilterError::at(
                token.offset,
                format!("{keyword} needs a string literal"),
            )),
        }
    }

    fn in_list(&mut self, negated: bool) -> Result<Test, FilterError> {
        let open = self.next()?;
        if open.kind != TokenKind::LParen {
            return Err(self.unexpected(&open, "\"(\" after IN"));
        }
        let mut values = Vec::new();
        if self.peek()?.kind == TokenKind::RParen {
            self.next()?;
        } else {
            loop {
                let value = self.literal("IN")?;
                if values.len() == MAX_IN_LIST {
                    return Err(FilterError::at(
                        value.span.offset,
                        format!("IN list is longer than the limit of {MAX_IN_LIST} literals"),
                    ));
                }
                values.push(value);
                let sep = self.next()?;
                match sep.kind {
                    TokenKind::Comma => {}
                    TokenKind::RParen => break,
                    _ => return Err(self.unexpected(&sep, "\",\" or \")\"")),
                }
            }
        }
        Ok(Test::In {
            negated,
            values,
            span: Span::at(open.offset),
        })
    }

    fn literal(&mut self, after: &str) -> Result<Literal, FilterError> {
        let token = self.next()?;
        let value = match token.kind {
            TokenKind::Str(s) => LiteralValue::Str(s),
            TokenKind::Int(n) => LiteralValue::Int(n),
            TokenKind::Float(x) => LiteralValue::Float(x),
            TokenKind::Keyword(Keyword::True) => LiteralValue::Bool(true),
            TokenKind::Keyword(Keyword::False) => LiteralValue::Bool(false),
            TokenKind::Keyword(Keyword::Null) => {
                return Err(FilterError::at(
                    token.offset,
                    format!("NULL cannot follow {after}; use IS NULL or IS NOT NULL"),
                ));
            }
            _ => {
                return Err(self.unexpected(
                    &token,
                    "a literal (a quoted string, a number, true or false)",
                ));
            }
        };
        Ok(Literal {
            value,
            span: Span::at(token.offset),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::ast::CmpOp;
    use super::*;

    fn err(input: &str) -> String {
        match parse(input) {
            Ok(e) => panic!("{input:?} parsed as {e:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn pred(name: &str, op: CmpOp, v: LiteralValue) -> Expr {
        Expr::Predicate(Predicate {
            property: Property {
                segments: vec![name.into()],
                suffix: None,
                span: Span::default(),
            },
            test: Test::Compare {
                op,
                value: Literal::new(v),
            },
        })
    }

    fn int(name: &str, n: i64) -> Expr {
        pred(name, CmpOp::Eq, LiteralValue::Int(n))
    }

    #[test]
    fn and_binds_tighter_than_or_and_both_associate_left() {
        assert_eq!(
            parse("a = 1 OR b = 2 AND c = 3").unwrap(),
            Expr::or(int("a", 1), Expr::and(int("b", 2), int("c", 3)))
        );
        assert_eq!(
            parse("a = 1 AND b = 2 OR c = 3").unwrap(),
            Expr::or(Expr::and(int("a", 1), int("b", 2)), int("c", 3))
        );
        assert_eq!(
            parse("a = 1 or b = 2 or c = 3").unwrap(),
            Expr::or(Expr::or(int("a", 1), int("b", 2)), int("c", 3))
        );
        assert_eq!(
            parse("(a = 1 OR b = 2) AND c = 3").unwrap(),
            Expr::and(Expr::or(int("a", 1), int("b", 2)), int("c", 3))
        );
        assert_eq!(parse("((a = 1))").unwrap(), int("a", 1));
    }

    #[test]
    fn not_is_prefix_and_binds_tighter_than_and() {
        assert_eq!(
            parse("NOT a = 1 AND b = 2").unwrap(),
            Expr::and(Expr::negate(int("a", 1)), int("b", 2))
        );
        assert_eq!(
            parse("not (a = 1 OR b = 2)").unwrap(),
            Expr::negate(Expr::or(int("a", 1), int("b", 2)))
        );
        assert_eq!(
            parse("NOT NOT a = 1").unwrap(),
            Expr::negate(Expr::negate(int("a", 1)))
        );
    }

    #[test]
    fn operators_and_literals() {
        use LiteralValue::*;
        for (text, op) in [
            ("=", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<>", CmpOp::Ne),
            ("<", CmpOp::Lt),
            ("<=", CmpOp::Le),
            (">", CmpOp::Gt),
            (">=", CmpOp::Ge),
        ] {
            assert_eq!(
                parse(&format!("n {text} 5")).unwrap(),
                pred("n", op, Int(5))
            );
        }
        assert_eq!(
            parse("x = 'a'").unwrap(),
            pred("x", CmpOp::Eq, Str("a".into()))
        );
        assert_eq!(
            parse("x = \"a\"").unwrap(),
            pred("x", CmpOp::Eq, Str("a".into()))
        );
        assert_eq!(parse("x=-1.5").unwrap(), pred("x", CmpOp::Eq, Float(-1.5)));
        assert_eq!(parse("x = TRUE").unwrap(), pred("x", CmpOp::Eq, Bool(true)));
        assert_eq!(
            parse("x = false").unwrap(),
            pred("x", CmpOp::Eq, Bool(false))
        );
        assert_eq!(
            parse(r"name = 'a;b--c DROP TABLE x'").unwrap(),
            pred("name", CmpOp::Eq, Str("a;b--c DROP TABLE x".into())),
            "no keyword blocklist (UA-58)"
        );
    }

    #[test]
    fn like_in_and_null_tests() {
        let Expr::Predicate(p) = parse("name NOT ILIKE '%git\\%%'").unwrap() else {
            panic!()
        };
        assert_eq!(
            p.test,
            Test::Like {
                negated: true,
                case_insensitive: true,
                pattern: "%git\\%%".into(),
                span: Span::default()
            }
        );
        let Expr::Predicate(p) = parse("t IN ('http', 'sse')").unwrap() else {
            panic!()
        };
        let Test::In {
            negated, values, ..
        } = p.test
        else {
            panic!()
        };
        assert!(!negated);
        assert_eq!(values.len(), 2);
        assert_eq!(values[1].span.offset, 15);
        let Expr::Predicate(p) = parse("t not in ()").unwrap() else {
            panic!()
        };
        assert!(matches!(p.test, Test::In { negated: true, ref values, .. } if values.is_empty()));
        let Expr::Predicate(p) = parse("license IS NULL").unwrap() else {
            panic!()
        };
        assert_eq!(p.test, Test::IsNull { negated: false });
        let Expr::Predicate(p) = parse("license is not null").unwrap() else {
            panic!()
        };
        assert_eq!(p.test, Test::IsNull { negated: true });
    }

    #[test]
    fn properties_paths_backticks_and_suffixes() {
        let prop = |input: &str| match parse(input).unwrap() {
            Expr::Predicate(p) => p.property,
            other => panic!("{other:?}"),
        };
        let p = prop("a.b.c = 1");
        assert_eq!(p.segments, vec!["a", "b", "c"]);
        assert_eq!(p.suffix, None);
        let p = prop("`mlflow.source.type` = 'notebook'");
        assert_eq!(p.segments, vec!["mlflow.source.type"]);
        let p = prop("accuracy.double_value > 0.9");
        assert_eq!(p.segments, vec!["accuracy"]);
        assert_eq!(p.suffix, Some(TypeSuffix::Double));
        let p = prop("customProperties.`a-b`.string_value = 'x'");
        assert_eq!(p.segments, vec!["customProperties", "a-b"]);
        assert_eq!(p.suffix, Some(TypeSuffix::String));
        let p = prop("a.string_value.b = 'x'");
        assert_eq!(p.segments, vec!["a", "string_value", "b"], "only final");
        let p = prop("a.`int_value` = 1");
        assert_eq!(p.segments, vec!["a", "int_value"], "quoted is a key");
        let p = prop("string_value = 'x'");
        assert_eq!(p.segments, vec!["string_value"], "a suffix needs a dot");
        let p = prop("`and` = 1");
        assert_eq!(p.segments, vec!["and"]);
        let p = prop("a.in = 1");
        assert_eq!(p.segments, vec!["a", "in"], "keywords after a dot are keys");
        assert_eq!(prop("  x = 1").span.offset, 3);
    }

    #[test]
    fn syntax_errors_name_the_problem_and_offset() {
        assert_eq!(
            err("name = 'a' AND AND x = 1"),
            "unexpected token \"AND\" at offset 16; expected a field name"
        );
        assert_eq!(
            err("deploymentMode AND x = 1"),
            format!("unexpected token \"AND\" at offset 16; expected {OPERATORS}")
        );
        assert_eq!(
            err("toolCount ~ 3"),
            format!("unexpected character \"~\" at offset 11; expected {OPERATORS}")
        );
        assert_eq!(
            err("name = 'abc"),
            "unterminated string starting at offset 8"
        );
        assert_eq!(
            err("a = 1 b = 2"),
            "unexpected token \"b\" at offset 7; expected AND, OR or the end of the query"
        );
        assert_eq!(
            err("(a = 1"),
            "unexpected end of query at offset 7; expected \")\", AND or OR"
        );
        assert_eq!(
            err("a = 1)"),
            "unexpected token \")\" at offset 6; expected AND, OR or the end of the query"
        );
        assert_eq!(
            err("a ="),
            "unexpected end of query at offset 4; expected a literal (a quoted string, a number, true or false)"
        );
        assert_eq!(
            err("a = b"),
            "unexpected token \"b\" at offset 5; expected a literal (a quoted string, a number, true or false)"
        );
        assert_eq!(err("a LIKE 5"), "LIKE needs a string literal at offset 8");
        assert_eq!(
            err("a ILIKE true"),
            "ILIKE needs a string literal at offset 9"
        );
        assert_eq!(err("a LIKE b"), "LIKE needs a string literal at offset 8");
        assert_eq!(err("a LIKE"), "LIKE needs a string literal at offset 7");
        assert_eq!(
            err("a NOT = 1"),
            "unexpected token \"=\" at offset 7; expected LIKE, ILIKE or IN after NOT"
        );
        assert_eq!(
            err("a IS 1"),
            "unexpected token \"1\" at offset 6; expected NULL"
        );
        assert_eq!(
            err("a = NULL"),
            "NULL cannot follow =; use IS NULL or IS NOT NULL at offset 5"
        );
        assert_eq!(
            err("a IN 'x'"),
            "unexpected token \"'x'\" at offset 6; expected \"(\" after IN"
        );
        assert_eq!(
            err("a IN ('x' 'y')"),
            "unexpected token \"'y'\" at offset 11; expected \",\" or \")\""
        );
        assert_eq!(
            err("a IN ('x',)"),
            "unexpected token \")\" at offset 11; expected a literal (a quoted string, a number, true or false)"
        );
        assert_eq!(
            err("a. = 1"),
            "unexpected token \"=\" at offset 4; expected a field name after \".\""
        );
        assert_eq!(
            err("1 = a"),
            "unexpected token \"1\" at offset 1; expected a field name"
        );
        assert_eq!(
            err("and = 1"),
            "unexpected token \"and\" at offset 1; expected a field name"
        );
        assert_eq!(
            err(""),
            "unexpected end of query at offset 1; expected a field name"
        );
        assert_eq!(
            err("a = 'é' AND ü = 1"),
            "unexpected character \"ü\" at offset 13; expected a field name",
            "offsets count characters, not bytes"
        );
    }

    #[test]
    fn length_limit() {
        let ok = format!("a = '{}'", "x".repeat(MAX_QUERY_CHARS - 6));
        assert_eq!(ok.chars().count(), MAX_QUERY_CHARS);
        assert!(parse(&ok).is_ok());
        let long = format!("a = '{}'", "x".repeat(MAX_QUERY_CHARS - 5));
        assert_eq!(
            err(&long),
            "query is longer than the limit of 1024 characters (1025 characters)"
        );
        let multibyte = format!("a = '{}'", "é".repeat(MAX_QUERY_CHARS - 6));
        assert!(parse(&multibyte).is_ok(), "the limit counts characters");
        assert!(err(&"(".repeat(100_000)).contains("limit of 1024 characters"));
    }

    #[test]
    fn depth_limit() {
        let nested = |n: usize| format!("{}a = 1{}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert_eq!(
            err(&nested(MAX_DEPTH + 1)),
            "nesting is deeper than the limit of 16 levels at offset 17"
        );
        assert!(err(&nested(20)).contains("limit of 16 levels"));
        let nots = |n: usize| format!("{}a = 1", "NOT ".repeat(n));
        assert!(parse(&nots(MAX_DEPTH)).is_ok());
        assert_eq!(
            err(&nots(MAX_DEPTH + 1)),
            "nesting is deeper than the limit of 16 levels at offset 65"
        );
        // Unbalanced deep input fails on the limit, not on the stack.
        assert!(err(&"(".repeat(1000)).contains("limit of 16 levels"));
        assert!(err(&"NOT ".repeat(256)).contains("limit of 16 levels"));
        // Siblings do not add up.
        let siblings = vec![nested(MAX_DEPTH); 3].join(" OR ");
        assert!(parse(&siblings).is_ok());
    }

    #[test]
    fn comparison_limit() {
        let n = |k: usize| vec!["a = 1"; k].join(" AND ");
        assert_eq!(parse(&n(MAX_COMPARISONS)).unwrap().predicate_count(), 50);
        assert_eq!(
            err(&n(MAX_COMPARISONS + 1)),
            "query has more than the limit of 50 comparisons at offset 501"
        );
    }

    #[test]
    fn in_list_limit() {
        let list = |k: usize| {
            format!(
                "a IN ({})",
                (0..k).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
            )
        };
        assert!(parse(&list(MAX_IN_LIST)).is_ok());
        let e = parse(&list(MAX_IN_LIST + 1)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("IN list is longer than the limit of 100 literals at offset "),
            "{e}"
        );
        assert_eq!(e.offset, Some(list(MAX_IN_LIST).len() + 1));
    }
}
