//! Tokens of the filter language and the lexer that produces them on demand.
//!
//! Offsets are 1-based character (not byte) positions, as reported in error messages (UA-59).

use super::ast::CmpOp;
use super::error::FilterError;

/// A reserved word (matched case-insensitively; backticks make it a name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `NOT`
    Not,
    /// `LIKE`
    Like,
    /// `ILIKE`
    Ilike,
    /// `IN`
    In,
    /// `IS`
    Is,
    /// `NULL`
    Null,
    /// `true`
    True,
    /// `false`
    False,
}

impl Keyword {
    /// Every keyword, with its canonical spelling.
    pub const ALL: [(Keyword, &'static str); 10] = [
        (Keyword::And, "AND"),
        (Keyword::Or, "OR"),
        (Keyword::Not, "NOT"),
        (Keyword::Like, "LIKE"),
        (Keyword::Ilike, "ILIKE"),
        (Keyword::In, "IN"),
        (Keyword::Is, "IS"),
        (Keyword::Null, "NULL"),
        (Keyword::True, "true"),
        (Keyword::False, "false"),
    ];

    /// The keyword spelled `word` (any case), if it is one.
    pub fn lookup(word: &str) -> Option<Keyword> {
        Self::ALL
            .iter()
            .find(|(_, spelling)| spelling.eq_ignore_ascii_case(word))
            .map(|(k, _)| *k)
    }
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A bare identifier `[A-Za-z_][A-Za-z0-9_]*` that is not a keyword.
    Ident(String),
    /// A back-quoted identifier, unescaped.
    QuotedIdent(String),
    /// A keyword.
    Keyword(Keyword),
    /// A string literal, unescaped.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A float literal (always finite).
    Float(f64),
    /// A comparison operator (`<>` is [`CmpOp::Ne`]).
    Op(CmpOp),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// A character that starts no token; reported by the parser with what it expected.
    Unknown(char),
    /// End of input.
    Eof,
}

/// One token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub kind: TokenKind,
    /// 1-based character offset of its first character.
    pub offset: usize,
    /// Length in characters.
    pub len: usize,
}

/// Produces tokens from a query, one at a time.
pub struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Lexer {
    /// A lexer over `input`.
    pub fn new(input: &str) -> Self {
        Self {
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    /// The source text of a token, shortened for messages.
    pub fn text(&self, token: &Token) -> String {
        if token.kind == TokenKind::Eof {
            return String::new();
        }
        let start = token.offset - 1;
        let end = (start + token.len).min(self.chars.len());
        let text: String = self.chars[start..end].iter().take(32).collect();
        if token.len > 32 {
            format!("{text}…")
        } else {
            text
        }
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// The next token ([`TokenKind::Eof`] at the end, repeatedly).
    pub fn next_token(&mut self) -> Result<Token, FilterError> {
        while self.peek_at(self.pos).is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(c) = self.peek_at(start) else {
            return Ok(Token {
                kind: TokenKind::Eof,
                offset: start + 1,
                len: 0,
            });
        };
        let next = self.peek_at(start + 1);
        let (kind, len) = match c {
            '(' => (TokenKind::LParen, 1),
            ')' => (TokenKind::RParen, 1),
            ',' => (TokenKind::Comma, 1),
            '=' => (TokenKind::Op(CmpOp::Eq), 1),
            '!' if next == Some('=') => (TokenKind::Op(CmpOp::Ne), 2),
            '<' if next == Some('>') => (TokenKind::Op(CmpOp::Ne), 2),
            '<' if next == Some('=') => (TokenKind::Op(CmpOp::Le), 2),
            '<' => (TokenKind::Op(CmpOp::Lt), 1),
            '>' if next == Some('=') => (TokenKind::Op(CmpOp::Ge), 2),
            '>' => (TokenKind::Op(CmpOp::Gt), 1),
            '\'' | '"' => return self.string(c),
            '`' => return self.quoted_ident(),
            '.' if next.is_some_and(|d| d.is_ascii_digit()) => return self.number(),
            '.' => (TokenKind::Dot, 1),
            '-' | '+'
                if next.is_some_and(|d| d.is_ascii_digit())
                    || (next == Some('.')
                        && self.peek_at(start + 2).is_some_and(|d| d.is_ascii_digit())) =>
            {
                return self.number();
            }
            d if d.is_ascii_digit() => return self.number(),
            w if is_ident_start(w) => {
                let mut end = start + 1;
                while self.peek_at(end).is_some_and(is_ident_char) {
                    end += 1;
                }
                let word: String = self.chars[start..end].iter().collect();
                let kind = match Keyword::lookup(&word) {
                    Some(k) => TokenKind::Keyword(k),
                    None => TokenKind::Ident(word),
                };
                (kind, end - start)
            }
            other => (TokenKind::Unknown(other), 1),
        };
        self.pos = start + len;
        Ok(Token {
            kind,
            offset: start + 1,
            len,
        })
    }

    /// A string in `quote`s; `\'`, `\"` and `\\` are escapes, other backslashes stay verbatim.
    fn string(&mut self, quote: char) -> Result<Token, FilterError> {
        let start = self.pos;
        let mut i = start + 1;
        let mut value = String::new();
        loop {
            match self.peek_at(i) {
                None => return Err(FilterError::at(start + 1, "unterminated string starting")),
                Some('\\') => match self.peek_at(i + 1) {
                    Some(e @ ('\'' | '"' | '\\')) => {
                        value.push(e);
                        i += 2;
                    }
                    _ => {
                        value.push('\\');
                        i += 1;
                    }
                },
                Some(c) if c == quote => break,
                Some(c) => {
                    value.push(c);
                    i += 1;
                }
            }
        }
        self.pos = i + 1;
        Ok(Token {
            kind: TokenKind::Str(value),
            offset: start + 1,
            len: self.pos - start,
        })
    }

    /// A back-quoted identifier; `` \` `` and `\\` are escapes, other backslashes stay verbatim.
    fn quoted_ident(&mut self) -> Result<Token, FilterError> {
        let start = self.pos;
        let mut i = start + 1;
        let mut value = String::new();
        loop {
            match self.peek_at(i) {
                None => {
                    return Err(FilterError::at(
                        start + 1,
                        "unterminated quoted identifier starting",
                    ));
                }
                Some('\\') => match self.peek_at(i + 1) {
                    Some(e @ ('`' | '\\')) => {
                        value.push(e);
                        i += 2;
                    }
                    _ => {
                        value.push('\\');
                        i += 1;
                    }
                },
                Some('`') => break,
                Some(c) => {
                    value.push(c);
                    i += 1;
                }
            }
        }
        if value.is_empty() {
            return Err(FilterError::at(start + 1, "empty quoted identifier"));
        }
        self.pos = i + 1;
        Ok(Token {
            kind: TokenKind::QuotedIdent(value),
            offset: start + 1,
            len: self.pos - start,
        })
    }

    /// `[-+]?digits`, `[-+]?digits?.digits([eE][-+]?digits)?` or `[-+]?digits[eE][-+]?digits`.
    fn number(&mut self) -> Result<Token, FilterError> {
        let start = self.pos;
        let digits = |lexer: &Self, mut i: usize| {
            while lexer.peek_at(i).is_some_and(|d| d.is_ascii_digit()) {
                i += 1;
            }
            i
        };
        let mut i = start;
        if matches!(self.peek_at(i), Some('-' | '+')) {
            i += 1;
        }
        let int_end = digits(self, i);
        let mut end = int_end;
        let mut is_float = false;
        if self.peek_at(end) == Some('.')
            && self.peek_at(end + 1).is_some_and(|d| d.is_ascii_digit())
        {
            end = digits(self, end + 1);
            is_float = true;
        }
        if matches!(self.peek_at(end), Some('e' | 'E')) {
            let mut j = end + 1;
            if matches!(self.peek_at(j), Some('-' | '+')) {
                j += 1;
            }
            let exp_end = digits(self, j);
            if exp_end > j {
                end = exp_end;
                is_float = true;
            }
        }
        if self
            .peek_at(end)
            .is_some_and(|c| is_ident_char(c) || c == '.')
        {
            let mut bad_end = end;
            while self
                .peek_at(bad_end)
                .is_some_and(|c| is_ident_char(c) || c == '.')
            {
                bad_end += 1;
            }
            let text: String = self.chars[start..bad_end].iter().take(32).collect();
            return Err(FilterError::at(
                start + 1,
                format!("malformed number \"{text}\""),
            ));
        }
        let text: String = self.chars[start..end].iter().collect();
        let kind = if is_float {
            match text.parse::<f64>() {
                Ok(f) if f.is_finite() => TokenKind::Float(f),
                _ => {
                    return Err(FilterError::at(
                        start + 1,
                        format!("number \"{text}\" is out of range"),
                    ));
                }
            }
        } else {
            match text.parse::<i64>() {
                Ok(n) => TokenKind::Int(n),
                Err(_) => {
                    return Err(FilterError::at(
                        start + 1,
                        format!("integer \"{text}\" is out of range"),
                    ));
                }
            }
        };
        self.pos = end;
        Ok(Token {
            kind,
            offset: start + 1,
            len: end - start,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(input: &str) -> Result<Vec<(TokenKind, usize)>, FilterError> {
        let mut lexer = Lexer::new(input);
        let mut out = Vec::new();
        loop {
            let t = lexer.next_token()?;
            if t.kind == TokenKind::Eof {
                return Ok(out);
            }
            out.push((t.kind, t.offset));
        }
    }

    fn kinds(input: &str) -> Vec<TokenKind> {
        lex(input).unwrap().into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn operators_and_punctuation() {
        use CmpOp::*;
        assert_eq!(
            kinds("= != <> < <= > >= ( ) , ."),
            vec![
                TokenKind::Op(Eq),
                TokenKind::Op(Ne),
                TokenKind::Op(Ne),
                TokenKind::Op(Lt),
                TokenKind::Op(Le),
                TokenKind::Op(Gt),
                TokenKind::Op(Ge),
                TokenKind::LParen,
                TokenKind::RParen,
                TokenKind::Comma,
                TokenKind::Dot,
            ]
        );
        assert_eq!(
            kinds("a<=1"),
            vec![
                TokenKind::Ident("a".into()),
                TokenKind::Op(Le),
                TokenKind::Int(1)
            ]
        );
    }

    #[test]
    fn keywords_are_case_insensitive_and_backticks_make_names() {
        assert_eq!(
            kinds("and Or NOT like ILike in is null TRUE false"),
            vec![
                TokenKind::Keyword(Keyword::And),
                TokenKind::Keyword(Keyword::Or),
                TokenKind::Keyword(Keyword::Not),
                TokenKind::Keyword(Keyword::Like),
                TokenKind::Keyword(Keyword::Ilike),
                TokenKind::Keyword(Keyword::In),
                TokenKind::Keyword(Keyword::Is),
                TokenKind::Keyword(Keyword::Null),
                TokenKind::Keyword(Keyword::True),
                TokenKind::Keyword(Keyword::False),
            ]
        );
        assert_eq!(
            kinds("`and` `a.b-c` `x\\`y\\\\z` `p\\q`"),
            vec![
                TokenKind::QuotedIdent("and".into()),
                TokenKind::QuotedIdent("a.b-c".into()),
                TokenKind::QuotedIdent("x`y\\z".into()),
                TokenKind::QuotedIdent("p\\q".into()),
            ]
        );
        assert_eq!(
            kinds("android order_1 _x"),
            vec![
                TokenKind::Ident("android".into()),
                TokenKind::Ident("order_1".into()),
                TokenKind::Ident("_x".into()),
            ],
            "keywords are whole words only"
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            kinds(r#"'it\'s' "say \"hi\"" 'a\\b' 'a\%b' "mixed 'q'""#),
            vec![
                TokenKind::Str("it's".into()),
                TokenKind::Str("say \"hi\"".into()),
                TokenKind::Str("a\\b".into()),
                TokenKind::Str("a\\%b".into()),
                TokenKind::Str("mixed 'q'".into()),
            ]
        );
        assert!(lex(r"'tail\'").is_err(), "an escaped quote does not close");
        assert_eq!(kinds("''"), vec![TokenKind::Str(String::new())]);
        assert_eq!(kinds("'é€'"), vec![TokenKind::Str("é€".into())]);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("0 42 -7 +3 1.5 -0.25 .5 -.5 1e3 2E-2 3.0e+1"),
            vec![
                TokenKind::Int(0),
                TokenKind::Int(42),
                TokenKind::Int(-7),
                TokenKind::Int(3),
                TokenKind::Float(1.5),
                TokenKind::Float(-0.25),
                TokenKind::Float(0.5),
                TokenKind::Float(-0.5),
                TokenKind::Float(1000.0),
                TokenKind::Float(0.02),
                TokenKind::Float(30.0),
            ]
        );
        assert_eq!(
            kinds("-9223372036854775808"),
            vec![TokenKind::Int(i64::MIN)]
        );
    }

    #[test]
    fn offsets_are_one_based_characters() {
        let tokens = lex("é = 'ü' AND x").unwrap();
        let offsets: Vec<usize> = tokens.iter().map(|(_, o)| *o).collect();
        assert_eq!(tokens[0].0, TokenKind::Unknown('é'));
        assert_eq!(offsets, vec![1, 3, 5, 9, 13]);
    }

    #[test]
    fn lexical_errors_carry_offsets() {
        assert_eq!(
            lex("name = 'abc").unwrap_err().to_string(),
            "unterminated string starting at offset 8"
        );
        assert_eq!(
            lex("a = \"x\\\"").unwrap_err().to_string(),
            "unterminated string starting at offset 5"
        );
        assert_eq!(
            lex("`abc = 1").unwrap_err().to_string(),
            "unterminated quoted identifier starting at offset 1"
        );
        assert_eq!(
            lex("`` = 1").unwrap_err().to_string(),
            "empty quoted identifier at offset 1"
        );
        assert_eq!(
            lex("a = 12abc").unwrap_err().to_string(),
            "malformed number \"12abc\" at offset 5"
        );
        assert_eq!(
            lex("a = 1.2.3").unwrap_err().to_string(),
            "malformed number \"1.2.3\" at offset 5"
        );
        assert_eq!(
            lex("a = 99999999999999999999").unwrap_err().to_string(),
            "integer \"99999999999999999999\" is out of range at offset 5"
        );
        assert_eq!(
            lex("a = 1e999").unwrap_err().to_string(),
            "number \"1e999\" is out of range at offset 5"
        );
    }

    #[test]
    fn unknown_characters_become_tokens() {
        assert_eq!(
            kinds("a ~ 3 ! -"),
            vec![
                TokenKind::Ident("a".into()),
                TokenKind::Unknown('~'),
                TokenKind::Int(3),
                TokenKind::Unknown('!'),
                TokenKind::Unknown('-'),
            ]
        );
    }
}
