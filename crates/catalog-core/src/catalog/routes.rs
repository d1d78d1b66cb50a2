//! Native read routes of a declarative plugin: `GET /{plural}` and `GET /{plural}/{name}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::Shared;
use crate::assets::{Overlays, action_target, run_entity_action};
use crate::entity::Entity;
use crate::error::ApiError;
use crate::plugin::ActionResult;
use crate::query::{list_page, query_pairs};
use crate::tenancy::Namespace;

/// The plugin's router (relative to its base path). Handlers read state per request (FW-5).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let plural = shared.spec.kind.plural;
    Router::new()
        .route(&format!("/{plural}"), get(list))
        .route(&format!("/{plural}/{{name}}"), get(get_one).post(action))
        .with_state(shared)
}

/// A JSON response from an already serialized body.
pub(crate) fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn list(
    State(shared): State<Arc<Shared>>,
    tenant: Option<Extension<Namespace>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let rt = shared.runtime()?;
    let tenant = tenant.map_or_else(|| rt.config.namespace.clone(), |t| t.0.0);
    let pairs = query_pairs(raw.as_deref())?;
    let spec = shared.spec;
    let snapshot = rt.snapshot.load();
    // The snapshot holds one namespace; other tenants see none of it (EN-14, EN-15). The page
    // token scope carries the tenant, so tokens never cross namespaces either.
    let visible = tenant == rt.config.namespace;
    let scope = format!("{tenant}/{}", spec.kind.kind);
    let page = list_page(spec, &snapshot, &pairs, &scope, visible)?;
    if rt.overlays.is_empty() {
        return Ok(json_response(page.to_json()));
    }
    Ok(json_response(page.to_json_with(|e, out| {
        write_with_overlay(&rt.overlays, e, out)
    })))
}

/// Writes an entity's native JSON with its overlay, if any, as a top-level `overlay` (UA-37).
fn write_with_overlay(overlays: &Overlays, e: &Entity, out: &mut String) {
    match overlays.get(&e.kind, &e.name) {
        Some(o) => o.splice_into(e.json.get(), out),
        None => out.push_str(e.json.get()),
    }
}

/// `POST /{plural}/{name}:action`: an asset action with the kind fixed by the route (UA-39).
async fn action(
    State(shared): State<Arc<Shared>>,
    Path(segment): Path<String>,
    body: Bytes,
) -> Result<Json<ActionResult>, ApiError> {
    let name =
        action_target(&segment).ok_or_else(|| ApiError::not_found("no route matches this path"))?;
    run_entity_action(&*shared, name, &body, Some(shared.spec.kind.kind)).await
}

async fn get_one(
    State(shared): State<Arc<Shared>>,
    tenant: Option<Extension<Namespace>>,
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
    let visible = tenant.is_none_or(|t| t.0.0 == rt.config.namespace);
    match snapshot.get(&name, source).filter(|_| visible) {
        Some(e) => {
            let mut out = String::with_capacity(e.json.get().len());
            write_with_overlay(&rt.overlays, e, &mut out);
            Ok(json_response(out))
        }
        None => Err(ApiError::not_found(format!(
            "{} \"{name}\" not found",
            shared.spec.kind.noun
        ))),
    }
}
