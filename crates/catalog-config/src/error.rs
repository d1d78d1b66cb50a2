//! The error type of this crate.

use std::fmt;
use std::path::{Path, PathBuf};

/// Broad category of a [`ConfigError`], for callers that map errors to
/// status codes or exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The file could not be read.
    Io,
    /// The document exceeds [`crate::MAX_DOCUMENT_BYTES`].
    TooLarge,
    /// The input is not valid UTF-8.
    InvalidUtf8,
    /// The text is not valid YAML, or a parser limit (aliases, depth, size
    /// budget) was exceeded.
    Syntax,
    /// The YAML does not match the schema: unknown key, duplicate key, wrong type.
    Schema,
    /// The document parsed but breaks a rule such as unique source ids.
    Validation,
    /// The configuration could not be serialized.
    Serialize,
}

/// A configuration error, located as precisely as the parser allows.
///
/// It renders as `<file>:<line>:<column>: <key path>: <message>`; the parts
/// that are unknown (line and column, key path) are left out, e.g.
/// `sources.yaml: catalogs.models.sources[1]: duplicate source id "a"` when
/// no position is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file the error is about (the `origin` passed to the parser).
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column (in characters), when known.
    pub column: Option<u64>,
    /// Dotted key path with `[i]` indices, e.g. `catalogs.mcp.sources[0]`;
    /// empty when the error concerns the whole document.
    pub path: String,
    /// Human-readable message without location.
    pub message: String,
    /// Category of the error.
    pub kind: ConfigErrorKind,
}

impl ConfigError {
    /// Creates an error about `file` without a location or key path.
    pub fn new(kind: ConfigErrorKind, file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: None,
            column: None,
            path: String::new(),
            message: message.into(),
            kind,
        }
    }

    /// Sets the 1-based line and column; a zero line means "unknown" and is ignored.
    #[must_use]
    pub fn at(mut self, line: u64, column: u64) -> Self {
        if line > 0 {
            self.line = Some(line);
            self.column = (column > 0).then_some(column);
        }
        self
    }

    /// Sets the key path.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_location() {
        let e = ConfigError::new(ConfigErrorKind::Schema, Path::new("/x/s.yaml"), "bad")
            .at(7, 9)
            .with_path("catalogs.mcp.sources[0]");
        assert_eq!(e.to_string(), "/x/s.yaml:7:9: catalogs.mcp.sources[0]: bad");
        let e = ConfigError::new(ConfigErrorKind::Io, Path::new("s.yaml"), "gone");
        assert_eq!(e.to_string(), "s.yaml: gone");
        let e = ConfigError::new(ConfigErrorKind::Syntax, Path::new("s.yaml"), "m").at(0, 3);
        assert_eq!(e.line, None);
        assert_eq!(e.to_string(), "s.yaml: m");
    }
}
