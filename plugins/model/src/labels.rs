//! `GET /labels` (PM-55): the configured `catalogs.models.labels`.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use catalog_core::catalog::{CatalogHandle, json_response as respond};
use catalog_core::error::ApiError;
use catalog_core::query::query_pairs;
use serde_json::Value;

use crate::paging::{SimplePage, sort_order};

/// Lists labels; `orderBy` names any key (labels having it first, by its value).
pub async fn list(
    State(handle): State<CatalogHandle>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let desc = sort_order(get("sortOrder"))?;
    let mut labels: Vec<Value> = handle.section()?.labels;
    if let Some(key) = get("orderBy").map(str::trim).filter(|k| !k.is_empty()) {
        let value = |l: &Value| l.get(key).and_then(Value::as_str).map(str::to_string);
        let (mut with, without): (Vec<Value>, Vec<Value>) =
            labels.into_iter().partition(|l| value(l).is_some());
        with.sort_by_key(value);
        if desc {
            with.reverse();
        }
        with.extend(without);
        labels = with;
    }
    Ok(respond(
        SimplePage::new(&pairs, 10)?.render(labels)?.to_string(),
    ))
}
