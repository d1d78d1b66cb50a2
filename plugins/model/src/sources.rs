//! `GET /sources` (PM-54): every configured model source, disabled ones included, with status.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use catalog_core::catalog::{CatalogHandle, json_response as respond};
use catalog_core::error::ApiError;
use catalog_core::query::query_pairs;
use serde_json::{Value, json};

use crate::paging::{SimplePage, sort_order};

/// Lists model sources.
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
    let by_name = match get("orderBy").map(str::trim) {
        None | Some("") => false,
        Some(o) if o.eq_ignore_ascii_case("ID") => false,
        Some(o) if o.eq_ignore_ascii_case("NAME") => true,
        Some(o) => {
            return Err(ApiError::bad_field(
                "orderBy",
                format!("must be ID or NAME, got \"{o}\""),
            ));
        }
    };
    let needle = get("name").map(str::to_lowercase).unwrap_or_default();
    let mut items: Vec<Value> = handle
        .sources()?
        .into_iter()
        .filter(|s| s.config.name.to_lowercase().contains(&needle))
        .map(|s| {
            let status = if s.config.is_enabled() {
                if s.state == "error" {
                    "error"
                } else {
                    "available"
                }
            } else {
                "disabled"
            };
            let mut item = json!({
                "id": s.config.id,
                "name": s.config.name,
                "enabled": s.config.is_enabled(),
                "labels": s.config.labels.clone().unwrap_or_default(),
                "status": status,
                "error": if status == "error" { Value::from(s.error) } else { Value::Null },
            });
            if let Some(inc) = &s.config.included_items {
                item["includedModels"] = json!(inc);
            }
            if let Some(exc) = &s.config.excluded_items {
                item["excludedModels"] = json!(exc);
            }
            item
        })
        .collect();
    let key = if by_name { "name" } else { "id" };
    items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
    if desc {
        items.reverse();
    }
    Ok(respond(
        SimplePage::new(&pairs, 10)?.render(items)?.to_string(),
    ))
}
