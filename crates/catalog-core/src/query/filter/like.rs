//! SQL `LIKE` / `ILIKE` patterns (UA-54): `%` any run, `_` one character, `\%` `\_` `\\`
//! literal; anchored at both ends. Matching allocates nothing: `ILIKE` lowercases the pattern
//! once at compile time and the value character by character while matching.

/// One pattern element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// This character.
    Char(char),
    /// `_`: exactly one character.
    One,
    /// `%`: any run, including none.
    Run,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikePattern {
    pieces: Box<[Piece]>,
    case_insensitive: bool,
}

impl LikePattern {
    /// Compiles `pattern`; a backslash before anything but `%`, `_` or `\` is itself literal.
    pub fn new(pattern: &str, case_insensitive: bool) -> Self {
        let mut pieces = Vec::with_capacity(pattern.len());
        let push_char = |pieces: &mut Vec<Piece>, c: char| {
            if case_insensitive {
                pieces.extend(c.to_lowercase().map(Piece::Char));
            } else {
                pieces.push(Piece::Char(c));
            }
        };
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&e @ ('%' | '_' | '\\')) => {
                        chars.next();
                        push_char(&mut pieces, e);
                    }
                    _ => push_char(&mut pieces, '\\'),
                },
                '%' => {
                    if pieces.last() != Some(&Piece::Run) {
                        pieces.push(Piece::Run);
                    }
                }
                '_' => pieces.push(Piece::One),
                c => push_char(&mut pieces, c),
            }
        }
        Self {
            pieces: pieces.into_boxed_slice(),
            case_insensitive,
        }
    }

    /// Whether the whole of `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        if self.case_insensitive {
            match_pieces(&self.pieces, value.chars().flat_map(char::to_lowercase))
        } else {
            match_pieces(&self.pieces, value.chars())
        }
    }
}

/// Greedy wildcard matching with single-point backtracking to the last `%` (linear space,
/// O(n·m) worst case time).
fn match_pieces<I: Iterator<Item = char> + Clone>(pieces: &[Piece], mut rest: I) -> bool {
    let mut p = 0;
    // Pattern index after the last `%`, and the input where that `%` stopped consuming.
    let mut backtrack: Option<(usize, I)> = None;
    loop {
        let mut ahead = rest.clone();
        match ahead.next() {
            Some(c) => {
                match pieces.get(p) {
                    Some(Piece::One) => {
                        p += 1;
                        rest = ahead;
                        continue;
                    }
                    Some(Piece::Char(x)) if *x == c => {
                        p += 1;
                        rest = ahead;
                        continue;
                    }
                    Some(Piece::Run) => {
                        p += 1;
                        backtrack = Some((p, rest.clone()));
                        continue;
                    }
                    _ => {}
                }
                match &mut backtrack {
                    Some((after_run, at)) => {
                        // Let the `%` swallow one more character and retry.
                        at.next();
                        p = *after_run;
                        rest = at.clone();
                    }
                    None => return false,
                }
            }
            None => {
                return pieces[p.min(pieces.len())..]
                    .iter()
                    .all(|x| *x == Piece::Run);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, value: &str) -> bool {
        LikePattern::new(pattern, false).matches(value)
    }

    fn ilike(pattern: &str, value: &str) -> bool {
        LikePattern::new(pattern, true).matches(value)
    }

    #[test]
    fn wildcards_are_anchored() {
        assert!(like("abc", "abc"));
        assert!(!like("abc", "abcd"));
        assert!(!like("abc", "xabc"));
        assert!(like("a%", "a"));
        assert!(like("a%", "abc"));
        assert!(like("%c", "abc"));
        assert!(like("%b%", "abc"));
        assert!(!like("%b%", "ac"));
        assert!(like("%", ""));
        assert!(!like("_", ""));
        assert!(like("a_c", "abc"));
        assert!(!like("a_c", "abbc"));
        assert!(like("%a%b%c%", "xxaxxbxxcxx"));
        assert!(!like("%a%b%c%", "xxcxxbxxaxx"));
        assert!(like("%%%", "anything"));
        assert!(like("a%b%b", "abbb"));
        assert!(like("%ab", "aab"));
        assert!(!like("", "x"));
        assert!(like("", ""));
        assert!(like("_é_", "aéb"), "one character, not one byte");
    }

    #[test]
    fn escapes_make_wildcards_literal() {
        assert!(like("100\\%", "100%"));
        assert!(!like("100\\%", "1000"));
        assert!(like("a\\_b", "a_b"));
        assert!(!like("a\\_b", "axb"));
        assert!(like("a\\\\b", "a\\b"));
        assert!(like("a\\b", "a\\b"), "other backslashes are literal");
        assert!(like("a\\", "a\\"), "a trailing backslash is literal");
    }

    #[test]
    fn case_sensitivity() {
        assert!(!like("%git%", "GitHub"));
        assert!(like("%Git%", "GitHub"));
        assert!(ilike("%GIT%", "github-mcp-server"));
        assert!(ilike("ÉTÉ", "été"));
        assert!(!ilike("%gitlab%", "GitHub"));
    }

    #[test]
    fn worst_case_input_is_fast() {
        let value = "a".repeat(10_000);
        let pattern = format!("{}b", "%a".repeat(50));
        let started = std::time::Instant::now();
        assert!(!like(&pattern, &value));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
