//! Native read routes of a declarative plugin: `GET /{plural}` and `GET /{plural}/{name}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Shared;
use super::listing::list_page;
use crate::error::ApiError;
use crate::query::query_pairs;

/// The plugin's router (relative to its base path). Handlers read state per request (FW-5).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let plural = shared.spec.kind.plural;
    let extra = shared.ext.routes.map(|routes| {
        routes(super::CatalogHandle {
            shared: shared.clone(),
        })
    });
    let router = Router::new()
        .route(&format!("/{plural}"), get(list))
        .route(&format!("/{plural}/{{name}}"), get(get_one))
        .with_state(shared);
    match extra {
        Some(extra) => router.merge(extra),
        None => router,
    }
}

/// A JSON response from an already serialized body.
pub fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn list(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let rt = shared.runtime()?;
    let pairs = query_pairs(raw.as_deref())?;
    if let Some(list) = shared.ext.list {
        let handle = super::CatalogHandle {
            shared: shared.clone(),
        };
        return Ok(json_response(list(&handle, &pairs)?));
    }
    let snapshot = rt.snapshot.load();
    let scope = format!("{}/{}", rt.config.namespace, shared.spec.kind.kind);
    let page = list_page(
        shared.spec,
        shared.ext.hidden,
        &snapshot,
        &pairs,
        &scope,
        &rt.source_configs(),
    )?;
    Ok(json_response(page.to_json()))
}

async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let rt = shared.runtime()?;
    let pairs = query_pairs(raw.as_deref())?;
    let source = pairs
        .iter()
        .find(|(k, _)| k == "source" || k == "sourceId")
        .map(|(_, v)| v.as_str());
    let snapshot = rt.snapshot.load();
    match snapshot.get(&name, source) {
        Some(e) => Ok(json_response(e.json.get().to_string())),
        None => Err(ApiError::not_found(format!(
            "{} \"{name}\" not found",
            shared.spec.kind.noun
        ))),
    }
}
