//! Parsing and validating list query parameters.

use crate::error::ApiError;
use crate::index::{Order, SortField};
use crate::schema::{LEGACY_ORDER_KEYS, PluginSpec};

/// Default page size (C-2).
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest page size (C-2).
pub const MAX_PAGE_SIZE: usize = 1000;
/// Longest accepted `q` (UA-61).
pub const MAX_Q_LEN: usize = 256;

/// A validated list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListParams {
    /// Effective page size.
    pub page_size: usize,
    /// The raw page token, if any.
    pub page_token: Option<String>,
    /// Sort order.
    pub order: Order,
    /// Normalised `orderBy` (bound into tokens).
    pub order_by: String,
    /// Lowercased free-text search.
    pub q: Option<String>,
    /// Source ids to keep (empty: all).
    pub sources: Vec<String>,
    /// Source labels whose enabled sources to keep (empty: all; PM-30).
    pub source_labels: Vec<String>,
    /// The raw filter expression (bound into tokens).
    pub filter_query: Option<String>,
}

/// The raw `(key, value)` pairs of a query string.
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))
}

fn single<'a>(pairs: &'a [(String, String)], key: &str) -> Result<Option<&'a str>, ApiError> {
    let mut values = pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.any(|v| Some(v) != first) {
        return Err(ApiError::bad_field(
            key,
            "given more than once with different values",
        ));
    }
    Ok(first)
}

impl ListParams {
    /// Parses the list parameters for a plugin's kind.
    pub fn parse(pairs: &[(String, String)], spec: &PluginSpec) -> Result<Self, ApiError> {
        let page_size = match single(pairs, "pageSize")? {
            None | Some("") => DEFAULT_PAGE_SIZE,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if (1..=MAX_PAGE_SIZE as i64).contains(&n) => n as usize,
                Ok(n) if n < 1 => {
                    return Err(ApiError::bad_field(
                        "pageSize",
                        format!("must be at least 1, got {n}"),
                    ));
                }
                Ok(n) => {
                    return Err(ApiError::bad_field(
                        "pageSize",
                        format!("must be at most {MAX_PAGE_SIZE}, got {n}"),
                    ));
                }
                Err(_) => {
                    return Err(ApiError::bad_field(
                        "pageSize",
                        format!("must be an integer, got \"{raw}\""),
                    ));
                }
            },
        };
        let page_token = match (single(pairs, "pageToken")?, single(pairs, "nextPageToken")?) {
            (Some(a), Some(b)) if a != b => {
                return Err(ApiError::bad_field(
                    "pageToken",
                    "pageToken and nextPageToken differ",
                ));
            }
            (a, b) => a.or(b).filter(|t| !t.is_empty()).map(str::to_string),
        };
        let desc = match single(pairs, "sortOrder")? {
            None | Some("") => false,
            Some(s) if s.eq_ignore_ascii_case("asc") => false,
            Some(s) if s.eq_ignore_ascii_case("desc") => true,
            Some(s) => {
                return Err(ApiError::bad_field(
                    "sortOrder",
                    format!("must be ASC or DESC, got \"{s}\""),
                ));
            }
        };
        let (field, order_by) = parse_order_by(single(pairs, "orderBy")?.unwrap_or(""), spec)?;
        let q = match single(pairs, "q")?.map(str::trim) {
            None | Some("") => None,
            Some(q) if q.chars().count() > MAX_Q_LEN => {
                return Err(ApiError::bad_field(
                    "q",
                    format!("must be at most {MAX_Q_LEN} characters"),
                ));
            }
            Some(q) => Some(q.to_lowercase()),
        };
        let sources = multi(pairs, &["source", "sourceId"]);
        let source_labels = multi(pairs, &["sourceLabel"]);
        if !sources.is_empty() && !source_labels.is_empty() {
            return Err(ApiError::bad_field(
                "sourceLabel",
                "source and sourceLabel cannot be used together",
            ));
        }
        let filter_query = single(pairs, "filterQuery")?
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_string);
        Ok(Self {
            page_size,
            page_token,
            order: Order { field, desc },
            order_by,
            q,
            sources,
            source_labels,
            filter_query,
        })
    }
}

/// A multi-valued parameter: repeated keys and comma-separated values, sorted and deduplicated
/// (PM-24).
pub fn multi(pairs: &[(String, String)], keys: &[&str]) -> Vec<String> {
    let mut values: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    values.sort();
    values.dedup();
    values
}

/// Resolves `orderBy` to a sort field: a sortable column name or a legacy key (UA-51).
pub fn parse_order_by(raw: &str, spec: &PluginSpec) -> Result<(SortField, String), ApiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok((SortField::Name, "name".into()));
    }
    let name = LEGACY_ORDER_KEYS
        .iter()
        .find(|(legacy, _)| legacy.eq_ignore_ascii_case(raw))
        .map(|(_, field)| *field)
        .unwrap_or(raw);
    let field = match name {
        "name" => SortField::Name,
        "id" => SortField::Id,
        "createTime" => SortField::CreateTime,
        "lastUpdateTime" => SortField::UpdateTime,
        other => match spec
            .kind
            .fields
            .iter()
            .position(|f| f.sortable && f.name == other)
        {
            Some(i) => SortField::Field(i),
            None => {
                let mut accepted: Vec<&str> = spec
                    .kind
                    .fields
                    .iter()
                    .filter(|f| f.sortable)
                    .map(|f| f.name)
                    .collect();
                accepted.extend(LEGACY_ORDER_KEYS.iter().map(|(k, _)| *k));
                return Err(ApiError::bad_field(
                    "orderBy",
                    format!(
                        "unknown sort field \"{raw}\"; accepted: {}",
                        accepted.join(", ")
                    ),
                ));
            }
        },
    };
    Ok((field, name.to_string()))
}
