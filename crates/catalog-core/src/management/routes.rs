//! `{basePath}/management` source routes (SM §2), mounted from what the plugin offers: source
//! management → `/sources*`, `/validate-source`, `/apply-source`, `/actions/source`; refresh →
//! `/refresh*`; diagnostics → `/diagnostics`. Suffix actions (`/sources/{id}:validate`) are
//! dispatched on the last `:` of the segment (SM-4).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::source_info::list;
use super::validate::{SourceInput, run as validate};
use crate::error::{ApiError, ErrorCode};
use crate::plugin::{CatalogPlugin, SourceManager, config_key};
use crate::server::AppState;

/// What every handler needs.
#[derive(Clone)]
pub(super) struct Ctx {
    pub(super) app: Arc<AppState>,
    pub(super) plugin: Arc<dyn CatalogPlugin>,
    pub(super) key: String,
}

impl Ctx {
    pub(super) fn manager(&self) -> &super::Manager {
        &self.app.config
    }

    pub(super) fn sources(&self) -> Result<&dyn SourceManager, ApiError> {
        self.plugin
            .source_manager()
            .ok_or_else(|| ApiError::not_found("no route matches this path"))
    }

    pub(super) fn source(&self, id: &str) -> Result<catalog_config::SourceConfig, ApiError> {
        self.manager()
            .section(&self.key)
            .sources
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| ApiError::not_found(format!("source \"{id}\" not found")))
    }

    pub(super) fn rate_key(&self, source: &str) -> String {
        format!("default:{}:{source}", self.plugin.name())
    }
}

/// The source-management routes of `plugin`, or `None` when it offers none of them.
pub fn router(app: Arc<AppState>, plugin: Arc<dyn CatalogPlugin>) -> Option<Router> {
    let mut r: Router<Ctx> = Router::new();
    let mut any = false;
    if plugin.source_manager().is_some() {
        r = r
            .route("/sources", get(list_sources))
            .route(
                "/sources/{segment}",
                get(get_source).post(source_suffix).delete(delete_source),
            )
            .route("/sources/{id}/enable", post(enable_source))
            .route(
                "/sources/{id}/diagnostics",
                get(super::source_info::source_diagnostics),
            )
            .route("/sources/{id}/revisions", get(super::revisions::revisions))
            .route("/validate-source", post(validate_source))
            .route("/apply-source", post(super::apply::apply_source));
        any = true;
    }
    if plugin.refresh_provider().is_some() {
        r = r
            .route("/refresh", post(super::refresh::refresh_all))
            .route("/refresh/{id}", post(super::refresh::refresh_one));
        any = true;
    }
    if plugin.diagnostics_provider().is_some() {
        r = r.route("/diagnostics", get(super::source_info::diagnostics_handler));
        any = true;
    }
    let key = config_key(plugin.as_ref());
    any.then(|| r.with_state(Ctx { app, plugin, key }))
}

/// Decodes a JSON object body; anything else is a 400 prefixed with `what`.
pub(super) fn decode(body: &Bytes, what: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(format!(
            "{what}: expected a JSON object"
        ))),
        Err(e) => Err(ApiError::bad_request(format!("{what}: {e}"))),
    }
}

pub(super) fn decode_input(raw: &Map<String, Value>) -> Result<SourceInput, ApiError> {
    serde_json::from_value(Value::Object(raw.clone()))
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

/// The `If-Match` version (quotes and weak prefix removed; `*` means any), or a 400 when it is
/// not a config version of at least 8 hex characters.
pub(super) fn if_match(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let raw = value.to_str().unwrap_or_default().trim();
    let raw = raw.strip_prefix("W/").unwrap_or(raw).trim_matches('"');
    if raw == "*" {
        return Ok(None);
    }
    if raw.len() < 8 || raw.len() > 64 || !raw.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(super::response::bad_request_at(
            "If-Match",
            "If-Match must be a config version (at least 8 hex characters)",
        ));
    }
    Ok(Some(raw.to_ascii_lowercase()))
}

async fn list_sources(State(ctx): State<Ctx>) -> Result<Response, ApiError> {
    let sources = list(
        ctx.manager(),
        &ctx.app.db,
        ctx.plugin.as_ref(),
        &ctx.key,
        None,
    )
    .await
    .map_err(|e| ApiError::new(e.code, format!("failed to list sources: {}", e.message)))?;
    let version = ctx.manager().current().version;
    let mut resp = Json(json!({"sources": sources, "count": sources.len(), "version": version}))
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    Ok(resp)
}

pub(super) async fn info_of(ctx: &Ctx, id: &str) -> Result<Value, ApiError> {
    ctx.source(id)?;
    list(
        ctx.manager(),
        &ctx.app.db,
        ctx.plugin.as_ref(),
        &ctx.key,
        Some(id),
    )
    .await?
    .pop()
    .ok_or_else(|| ApiError::not_found(format!("source \"{id}\" not found")))
}

async fn get_source(
    State(ctx): State<Ctx>,
    Path(segment): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(info_of(&ctx, &segment).await?))
}

async fn source_suffix(
    State(ctx): State<Ctx>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some((id, suffix)) = segment.rsplit_once(':') else {
        return Err(ApiError::new(
            ErrorCode::MethodNotAllowed,
            "method not allowed on this path",
        ));
    };
    match suffix {
        "validate" => validate_by_id(&ctx, id, &body),
        "rollback" => super::revisions::rollback(&ctx, &body).await,
        "action" => super::actions::action(&ctx, id, &body, &headers).await,
        "enable" | "disable" => {
            ctx.source(id)?;
            set_enabled(&ctx, id, suffix == "enable", if_match(&headers)?.as_deref()).await
        }
        _ => Err(ApiError::not_found(format!(
            "unknown source operation \"{suffix}\""
        ))),
    }
}

fn validate_by_id(ctx: &Ctx, id: &str, body: &Bytes) -> Result<Response, ApiError> {
    let raw = decode(body, "invalid request body")?;
    let input = decode_input(&raw)?;
    let result = validate(&raw, &input, Some(id), ctx.sources()?, ctx.manager());
    Ok(Json(result).into_response())
}

async fn validate_source(State(ctx): State<Ctx>, body: Bytes) -> Result<Response, ApiError> {
    let raw = decode(&body, "invalid request body")?;
    let input = decode_input(&raw)?;
    let result = validate(&raw, &input, None, ctx.sources()?, ctx.manager());
    Ok(Json(result).into_response())
}

#[derive(Deserialize)]
struct EnableBody {
    enabled: bool,
}

async fn enable_source(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw = decode(&body, "invalid request body")?;
    let parsed: EnableBody = serde_json::from_value(Value::Object(raw))
        .map_err(|_| ApiError::bad_field("enabled", "is required and must be a boolean"))?;
    ctx.source(&id)?;
    set_enabled(&ctx, &id, parsed.enabled, if_match(&headers)?.as_deref()).await
}

pub(super) async fn set_enabled(
    ctx: &Ctx,
    id: &str,
    enabled: bool,
    expected: Option<&str>,
) -> Result<Response, ApiError> {
    let key = ctx.key.clone();
    ctx.manager()
        .commit(&ctx.app, expected, |doc| {
            let source = doc
                .catalogs
                .get_mut(&key)
                .and_then(|s| s.sources.iter_mut().find(|s| s.id == id))
                .ok_or_else(|| ApiError::not_found(format!("source \"{id}\" not found")))?;
            source.enabled = Some(enabled);
            Ok(Vec::new())
        })
        .await?;
    let info = info_of(ctx, id)
        .await
        .unwrap_or_else(|_| json!({"id": id, "enabled": enabled}));
    Ok(Json(info).into_response())
}

async fn delete_source(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    ctx.source(&id)?;
    let key = ctx.key.clone();
    ctx.manager()
        .commit(&ctx.app, if_match(&headers)?.as_deref(), |doc| {
            let section = doc
                .catalogs
                .get_mut(&key)
                .ok_or_else(|| ApiError::not_found(format!("source \"{id}\" not found")))?;
            let before = section.sources.len();
            section.sources.retain(|s| s.id != id);
            if section.sources.len() == before {
                return Err(ApiError::not_found(format!("source \"{id}\" not found")));
            }
            Ok(Vec::new())
        })
        .await?;
    if let Err(e) =
        crate::store::delete_refresh_status(&ctx.app.db, "default", ctx.plugin.name(), &id).await
    {
        tracing::error!(source = id, error = %e, "could not delete refresh status");
    }
    Ok(Json(json!({"status": "deleted"})).into_response())
}
