//! Include/exclude name globs (PM-7/PM-8): `*` is the only wildcard, matching is
//! case-insensitive and anchored; include first (empty keeps all), then exclude.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::SourceError;

/// Compiled include/exclude patterns of one source.
#[derive(Debug, Clone)]
pub struct NameFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl NameFilter {
    /// Compiles the patterns; an empty or whitespace-only pattern is an error.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, SourceError> {
        Ok(Self {
            include: compile("includedItems", include)?,
            exclude: compile("excludedItems", exclude)?,
        })
    }

    /// Whether `name` is admitted.
    pub fn admits(&self, name: &str) -> bool {
        self.include.as_ref().is_none_or(|set| set.is_match(name))
            && self.exclude.as_ref().is_none_or(|set| !set.is_match(name))
    }
}

fn compile(field: &str, patterns: &[String]) -> Result<Option<GlobSet>, SourceError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for (i, raw) in patterns.iter().enumerate() {
        let pattern = raw.trim();
        if pattern.is_empty() {
            return Err(SourceError(format!("{field}[{i}]: empty pattern")));
        }
        // Only `*` is a wildcard: every other glob metacharacter is matched literally.
        let escaped: String = pattern
            .chars()
            .map(|c| match c {
                '?' | '[' | ']' | '{' | '}' | '\\' | '!' => format!("[{c}]"),
                c => c.to_string(),
            })
            .collect();
        let glob = GlobBuilder::new(&escaped)
            .case_insensitive(true)
            .literal_separator(false)
            .backslash_escape(false)
            .build()
            .map_err(|e| {
                SourceError(format!("{field}[{i}]: invalid pattern \"{pattern}\": {e}"))
            })?;
        set.add(glob);
    }
    set.build()
        .map(Some)
        .map_err(|e| SourceError(format!("{field}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(inc: &[&str], exc: &[&str]) -> NameFilter {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        NameFilter::new(&v(inc), &v(exc)).unwrap()
    }

    #[test]
    fn include_then_exclude_case_insensitive_and_anchored() {
        let filter = f(&["granite-*"], &["*-draft"]);
        assert!(filter.admits("granite-7b"));
        assert!(filter.admits("GRANITE-7b"));
        assert!(!filter.admits("granite-7b-draft"));
        assert!(!filter.admits("my-granite-7b"));
        assert!(f(&[], &[]).admits("anything"));
    }

    #[test]
    fn star_crosses_slashes_and_other_metacharacters_are_literal() {
        assert!(f(&["acme-ai/*"], &[]).admits("acme-ai/neural-7b"));
        assert!(f(&["a?c"], &[]).admits("a?c"));
        assert!(!f(&["a?c"], &[]).admits("abc"));
        assert!(f(&["[x]"], &[]).admits("[x]"));
    }

    #[test]
    fn empty_patterns_are_rejected() {
        let err = NameFilter::new(&["  ".into()], &[]).unwrap_err();
        assert!(err.0.contains("includedItems[0]"), "{err}");
    }
}
