//! The generic asset endpoints (UA-32): `GET /api/assets` across plugins and
//! `GET /api/assets/{kind}/{name}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::envelope::{API_VERSION, ASSET_SPEC};
use crate::catalog::search_text;
use crate::error::ApiError;
use crate::index::Snapshot;
use crate::query::{list_page, query_pairs};
use crate::server::AppState;
use crate::tenancy::Namespace;

/// The asset routes, for the framework router.
pub fn asset_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/assets", get(list))
        .route("/api/assets/{kind}/{*name}", get(get_one))
}

/// The one value of a scoping parameter, if given.
fn scope_param<'a>(pairs: &'a [(String, String)], key: &str) -> Result<Option<&'a str>, ApiError> {
    let mut values = pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.trim());
    let first = values.next().filter(|v| !v.is_empty());
    if values.any(|v| Some(v) != first) {
        return Err(ApiError::bad_field(
            key,
            "given more than once with different values",
        ));
    }
    Ok(first)
}

async fn list(
    State(app): State<Arc<AppState>>,
    tenant: Option<Extension<Namespace>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let plugin = scope_param(&pairs, "plugin")?;
    let kind = scope_param(&pairs, "kind")?;
    let entries = app.plugins.load();
    let active: Vec<_> = entries.iter().filter(|e| e.is_active()).collect();
    if let Some(p) = plugin
        && !active.iter().any(|e| e.plugin.name() == p)
    {
        return Err(ApiError::bad_field(
            "plugin",
            format!("unknown plugin \"{p}\""),
        ));
    }
    if let Some(k) = kind
        && !active.iter().any(|e| {
            e.plugin
                .capabilities_provider()
                .is_some_and(|c| c.capabilities().entity_kinds.iter().any(|ek| ek == k))
        })
    {
        return Err(ApiError::bad_field("kind", format!("unknown kind \"{k}\"")));
    }
    let mut assets = Vec::new();
    for entry in active {
        if plugin.is_some_and(|p| p != entry.plugin.name()) {
            continue;
        }
        if let Some(lister) = entry.plugin.asset_lister() {
            assets.extend(
                lister
                    .list_assets()?
                    .into_iter()
                    .filter(|a| kind.is_none_or(|k| *a.kind == *k)),
            );
        }
    }
    let snapshot = Snapshot::new(assets, |e, out| search_text(&ASSET_SPEC, e, out));
    let scope = format!(
        "assets/default/{}/{}",
        plugin.unwrap_or(""),
        kind.unwrap_or("")
    );
    let page = list_page(
        &ASSET_SPEC,
        &snapshot,
        &pairs,
        &scope,
        default_tenant(&tenant),
    )?;
    let body = page.to_json();
    let body = format!(
        "{{\"apiVersion\":\"{API_VERSION}\",\"kind\":\"AssetList\",{}",
        body.strip_prefix('{').unwrap_or(&body)
    );
    Ok(crate::catalog::json_response(body))
}

/// Plugin data lives in the default namespace; other tenants see none of it (EN-15).
fn default_tenant(tenant: &Option<Extension<Namespace>>) -> bool {
    tenant
        .as_ref()
        .is_none_or(|t| t.0.0 == crate::tenancy::DEFAULT_NAMESPACE)
}

async fn get_one(
    State(app): State<Arc<AppState>>,
    tenant: Option<Extension<Namespace>>,
    Path((kind, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let visible = default_tenant(&tenant);
    for entry in app
        .plugins
        .load()
        .iter()
        .filter(|e| visible && e.is_active())
    {
        if let Some(getter) = entry.plugin.asset_getter()
            && let Some(asset) = getter.get_asset(&kind, &name)?
        {
            return Ok(axum::Json(asset).into_response());
        }
    }
    Err(ApiError::not_found(format!(
        "asset {kind} \"{name}\" not found"
    )))
}
