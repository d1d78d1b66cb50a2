//! Native read routes of a declarative plugin: `GET /{plural}` and `GET /{plural}/{name}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Shared;
use crate::error::ApiError;
use crate::index::Bitset;
use crate::query::{ListParams, compile_query, query_pairs, run_list};

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
pub(crate) fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn list(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let rt = shared.runtime()?;
    let pairs = query_pairs(raw.as_deref())?;
    let spec = shared.spec;
    let params = ListParams::parse(&pairs, spec)?;
    // Compiled once per request. Offsets in errors count from the value as sent, so the raw
    // parameter is parsed rather than the trimmed copy (leading blanks are only whitespace).
    let filter = match &params.filter_query {
        None => None,
        Some(_) => {
            let raw = pairs
                .iter()
                .find(|(k, _)| k == "filterQuery")
                .map_or("", |(_, v)| v.as_str());
            Some(compile_query(spec, raw.trim_end())?)
        }
    };
    let snapshot = rt.snapshot.load();
    // Every condition becomes a set of snapshot positions; the sets are intersected word-wise.
    let mut keep: Option<Bitset> = None;
    let mut restrict = |set: Bitset| match &mut keep {
        Some(k) => k.and(&set),
        None => keep = Some(set),
    };
    if !params.source_labels.is_empty() {
        let ids = super::sources_with_labels(&rt.source_configs(), &params.source_labels);
        restrict(
            snapshot
                .entities()
                .iter()
                .map(|e| ids.iter().any(|s| **s == *e.source_id))
                .collect(),
        );
    }
    if !params.sources.is_empty() {
        restrict(
            snapshot
                .entities()
                .iter()
                .map(|e| params.sources.iter().any(|s| **s == *e.source_id))
                .collect(),
        );
    }
    if let Some(q) = params.q.as_deref() {
        restrict(snapshot.search(q));
    }
    if let Some(f) = &filter {
        restrict(f.evaluate_all(snapshot.entities(), &snapshot.columns(&f.fields_used())));
    }
    let scope = format!("{}/{}", rt.config.namespace, spec.kind.kind);
    let page = run_list(&snapshot, &params, &scope, keep.as_ref())?;
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
