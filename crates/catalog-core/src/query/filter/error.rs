//! The one error type of the filter language: a message that names the problem and, where it has
//! one, the 1-based character offset of the offending input (UA-59).

use std::fmt;

use crate::error::ApiError;

/// A syntax, name, type or limit error in a `filterQuery`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// What is wrong, without the position.
    pub problem: String,
    /// 1-based character offset of the offending input, when the problem has a position.
    pub offset: Option<usize>,
    /// What the parser would have accepted there, when known.
    pub expected: Option<&'static str>,
}

impl FilterError {
    /// A problem at a position.
    pub fn at(offset: usize, problem: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            offset: Some(offset),
            expected: None,
        }
    }

    /// A problem of the whole query (e.g. its length).
    pub fn whole(problem: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            offset: None,
            expected: None,
        }
    }

    /// Adds what would have been accepted.
    pub fn expected(mut self, what: &'static str) -> Self {
        self.expected = Some(what);
        self
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem)?;
        if let Some(offset) = self.offset {
            write!(f, " at offset {offset}")?;
        }
        if let Some(expected) = self.expected {
            write!(f, "; expected {expected}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FilterError {}

impl From<FilterError> for ApiError {
    /// `400` with `details[0].field = "filterQuery"`.
    fn from(e: FilterError) -> Self {
        ApiError::bad_field("filterQuery", e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn renders_problem_offset_and_expectation() {
        let e = FilterError::at(14, "unexpected token \"AND\"").expected("a field name");
        assert_eq!(
            e.to_string(),
            "unexpected token \"AND\" at offset 14; expected a field name"
        );
        assert_eq!(
            FilterError::whole("too long").to_string(),
            "too long",
            "no position, no suffix"
        );
    }

    #[test]
    fn becomes_a_400_on_the_filter_query_field() {
        let api: ApiError = FilterError::at(1, "unknown filter field \"x\"").into();
        assert_eq!(api.code, ErrorCode::BadRequest);
        assert_eq!(
            api.message,
            "filterQuery: unknown filter field \"x\" at offset 1"
        );
        assert_eq!(api.details[0].field, "filterQuery");
    }
}
