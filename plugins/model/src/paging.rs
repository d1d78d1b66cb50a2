//! Paging of small in-memory lists (sources, labels): the page token is an opaque offset bound
//! to the list's length.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use catalog_core::error::ApiError;
use catalog_core::query::MAX_PAGE_SIZE;
use serde_json::{Value, json};

/// Page size and start of one page.
pub struct SimplePage {
    size: usize,
    token: Option<String>,
}

/// Parses `sortOrder` (`ASC`/`DESC`, case-insensitive); `true` is descending.
pub fn sort_order(raw: Option<&str>) -> Result<bool, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(false),
        Some(s) if s.eq_ignore_ascii_case("asc") => Ok(false),
        Some(s) if s.eq_ignore_ascii_case("desc") => Ok(true),
        Some(s) => Err(ApiError::bad_field(
            "sortOrder",
            format!("must be ASC or DESC, got \"{s}\""),
        )),
    }
}

impl SimplePage {
    /// Reads `pageSize` (default `default`) and the token (`pageToken` or `nextPageToken`).
    pub fn new(pairs: &[(String, String)], default: usize) -> Result<Self, ApiError> {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim())
        };
        let size = match get("pageSize") {
            None | Some("") => default,
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if n >= 1 => (n as usize).min(MAX_PAGE_SIZE),
                _ => {
                    return Err(ApiError::bad_field(
                        "pageSize",
                        format!("must be a positive integer, got \"{raw}\""),
                    ));
                }
            },
        };
        let token = get("pageToken")
            .or(get("nextPageToken"))
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        Ok(Self { size, token })
    }

    /// The page of `items` as a list envelope.
    pub fn render(&self, items: Vec<Value>) -> Result<Value, ApiError> {
        let total = items.len();
        let start = match &self.token {
            None => 0,
            Some(t) => decode(t, total)?,
        };
        let page: Vec<Value> = items.into_iter().skip(start).take(self.size).collect();
        let end = start + page.len();
        let next = if end < total {
            encode(end, total)
        } else {
            String::new()
        };
        Ok(json!({
            "items": page,
            "size": end - start,
            "pageSize": self.size,
            "nextPageToken": next,
            "totalSize": total,
        }))
    }
}

fn encode(offset: usize, total: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}:{total}"))
}

fn decode(token: &str, total: usize) -> Result<usize, ApiError> {
    let bad = || ApiError::bad_field("pageToken", "malformed or stale page token");
    let text = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(text).map_err(|_| bad())?;
    let mut parts = text.strip_prefix("o:").ok_or_else(bad)?.split(':');
    let offset: usize = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let bound: usize = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    if bound != total || offset > total {
        return Err(bad());
    }
    Ok(offset)
}
