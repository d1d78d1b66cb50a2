//! Repository-relative path globs (PA-69): `*` and `?` stay within a `/`-separated segment,
//! `**` spans zero or more directories, and any number of `**` is allowed.

use globset::{GlobBuilder, GlobMatcher};

use super::FieldProblem;

/// A compiled path glob.
#[derive(Debug, Clone)]
pub struct PathGlob(GlobMatcher);

impl PathGlob {
    /// Compiles `pattern`; `property` names the source property in the error.
    pub fn new(pattern: &str, property: &str) -> Result<Self, FieldProblem> {
        let glob = GlobBuilder::new(pattern.trim().trim_start_matches("./"))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| FieldProblem::property(property, format!("invalid glob: {e}")))?;
        Ok(Self(glob.compile_matcher()))
    }

    /// Whether a `/`-separated relative path matches.
    pub fn matches(&self, path: &str) -> bool {
        self.0.is_match(path)
    }

    /// Whether `text` contains glob metacharacters (`*`, `?`, `[`).
    pub fn is_pattern(text: &str) -> bool {
        text.contains(['*', '?', '['])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        PathGlob::new(pattern, "path").unwrap().matches(path)
    }

    #[test]
    fn matches_the_required_cases() {
        assert!(m("*.yaml", "a.yaml"));
        assert!(!m("*.yaml", "d/a.yaml"));
        assert!(m("data/*.yaml", "data/a.yaml"));
        assert!(!m("data/*.yaml", "other/a.yaml"));
        for p in ["a.yaml", "d/a.yaml", "a/b/c/a.yaml"] {
            assert!(m("**/*.yaml", p), "{p}");
        }
        assert!(!m("**/*.yaml", "a.json"));
        assert!(!m("**/*.yaml", "a.yml"));
        assert!(m("data/**/*.yaml", "data/s/a.yaml"));
        assert!(m("data/**/*.yaml", "data/a/b/a.yaml"));
        assert!(!m("data/**/*.yaml", "other/a.yaml"));
        assert!(m("**/*", "x/y/z"));
        assert!(m("a/**/b/**/*.yaml", "a/x/b/y/z.yaml"));
    }

    #[test]
    fn invalid_patterns_name_the_property() {
        let err = PathGlob::new("a[", "path").unwrap_err();
        assert_eq!(err.field, "properties.path");
    }
}
