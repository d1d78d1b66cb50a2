//! `{basePath}/management` source routes (SM §2), mounted from what the plugin offers: source
//! management → `/sources*`, `/validate-source`, `/apply-source`, `/actions/source`; refresh →
//! `/refresh*`; diagnostics → `/diagnostics`. Suffix actions (`/sources/{id}:validate`) are
//! dispatched on the last `:` of the segment (SM-4).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::commit::FileUndo;
use super::rate_limit::RetryAfter;
use super::refresh_record::record;
use super::response::{unprocessable, with_extra};
use super::source_info::{diagnostics as plugin_diagnostics, list};
use super::validate::{SourceInput, run as validate};
use crate::error::{ApiError, ErrorCode, FieldProblem};
use crate::plugin::{CatalogPlugin, RefreshResult, SourceManager, config_key};
use crate::provider::confine;
use crate::server::AppState;

/// What every handler needs.
#[derive(Clone)]
struct Ctx {
    app: Arc<AppState>,
    plugin: Arc<dyn CatalogPlugin>,
    key: String,
}

impl Ctx {
    fn manager(&self) -> &super::Manager {
        &self.app.config
    }

    fn sources(&self) -> Result<&dyn SourceManager, ApiError> {
        self.plugin
            .source_manager()
            .ok_or_else(|| ApiError::not_found("no route matches this path"))
    }

    fn source(&self, id: &str) -> Result<catalog_config::SourceConfig, ApiError> {
        self.manager()
            .section(&self.key)
            .sources
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| ApiError::not_found(format!("source \"{id}\" not found")))
    }

    fn rate_key(&self, source: &str) -> String {
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
            .route("/sources/{id}/diagnostics", get(source_diagnostics))
            .route("/sources/{id}/revisions", get(revisions))
            .route("/validate-source", post(validate_source))
            .route("/apply-source", post(apply_source))
            .route("/actions/source", get(source_actions));
        any = true;
    }
    if plugin.refresh_provider().is_some() {
        r = r
            .route("/refresh", post(refresh_all))
            .route("/refresh/{id}", post(refresh_one));
        any = true;
    }
    if plugin.diagnostics_provider().is_some() {
        r = r.route("/diagnostics", get(diagnostics));
        any = true;
    }
    let key = config_key(plugin.as_ref());
    any.then(|| r.with_state(Ctx { app, plugin, key }))
}

/// Decodes a JSON object body; anything else is a 400 prefixed with `what`.
fn decode(body: &Bytes, what: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(format!(
            "{what}: expected a JSON object"
        ))),
        Err(e) => Err(ApiError::bad_request(format!("{what}: {e}"))),
    }
}

fn decode_input(raw: &Map<String, Value>) -> Result<SourceInput, ApiError> {
    serde_json::from_value(Value::Object(raw.clone()))
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

/// The `If-Match` version, quotes and weak prefix removed.
fn if_match(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::IF_MATCH)?.to_str().ok()?.trim();
    let raw = raw.strip_prefix("W/").unwrap_or(raw);
    Some(raw.trim_matches('"').to_ascii_lowercase()).filter(|v| v != "*")
}

fn too_many(RetryAfter(secs): RetryAfter) -> Response {
    let mut resp = ApiError::new(
        ErrorCode::TooManyRequests,
        format!("rate limited, retry after {secs} seconds"),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
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

async fn info_of(ctx: &Ctx, id: &str) -> Result<Value, ApiError> {
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
        "rollback" => rollback(&ctx, &body).await,
        "action" => action(&ctx, id, &body, &headers).await,
        "enable" | "disable" => {
            ctx.source(id)?;
            set_enabled(&ctx, id, suffix == "enable", if_match(&headers).as_deref()).await
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

/// Writes inline `content` to the source's `yamlCatalogPath` inside the allowed roots (SM-24).
fn write_content(
    ctx: &Ctx,
    source: &catalog_config::SourceConfig,
    content: &str,
) -> Result<FileUndo, ApiError> {
    let bad = |message: String| {
        unprocessable(
            &message,
            vec![FieldProblem {
                field: "properties.yamlCatalogPath".into(),
                message: message.clone(),
                layer: Some("provider".into()),
            }],
        )
    };
    let value = source
        .properties
        .as_ref()
        .and_then(|p| p.get("yamlCatalogPath"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("inline content needs a yamlCatalogPath".into()))?;
    let path = catalog_config::resolve_path(source, value, ctx.manager().fallback_dir());
    let real = confine(value, &path, ctx.manager().allowed_roots()).map_err(|e| bad(e.0))?;
    let previous = std::fs::read(&real).ok();
    if let Some(dir) = real.parent() {
        std::fs::create_dir_all(dir).map_err(ApiError::internal)?;
    }
    super::atomic_write(&real, content.as_bytes(), Some(0o600)).map_err(ApiError::internal)?;
    Ok(FileUndo {
        path: real,
        previous,
    })
}

async fn apply_source(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw = decode(&body, "invalid request body")?;
    let input = decode_input(&raw)?;
    let result = validate(&raw, &input, None, ctx.sources()?, ctx.manager());
    if !result.valid {
        let error = unprocessable("source validation failed", result.details());
        return Ok(with_extra(
            error,
            serde_json::to_value(&result).unwrap_or_default(),
        ));
    }
    let origin = ctx.manager().new_source_origin();
    let key = ctx.key.clone();
    let content = input.content().map(str::to_string);
    let wrote_content = content.is_some();
    ctx.manager()
        .commit(&ctx.app, if_match(&headers).as_deref(), |doc| {
            let section = doc.catalogs.entry(key).or_default();
            let mut source = input.to_config(origin);
            let existing = section.sources.iter().position(|s| s.id == input.id);
            if let Some(i) = existing {
                let old = &section.sources[i];
                source.enabled = source.enabled.or(old.enabled);
                source.included_items = source.included_items.or(old.included_items.clone());
                source.excluded_items = source.excluded_items.or(old.excluded_items.clone());
                source.origin.clone_from(&old.origin);
                keep_redacted(&mut source, old);
            }
            let undo = match &content {
                Some(text) => vec![write_content(&ctx, &source, text)?],
                None => Vec::new(),
            };
            match existing {
                Some(i) => section.sources[i] = source,
                None => section.sources.push(source),
            }
            Ok(undo)
        })
        .await?;
    let mut info = info_of(&ctx, &input.id)
        .await
        .unwrap_or_else(|_| json!({"id": input.id, "name": input.name, "type": input.source_type}));
    if (input.refresh_after_apply || wrote_content)
        && let Some(refresh) = ctx.plugin.refresh_provider()
        && ctx.source(&input.id)?.is_enabled()
    {
        let result = refresh.refresh(&input.id).await.map(|r| scrubbed(&ctx, r));
        let outcome = result.as_ref().map_err(|e| ctx.manager().scrub(&e.message));
        record(
            &ctx.app.db,
            ctx.plugin.name(),
            Some(&input.id),
            outcome.as_ref().copied().map_err(String::as_str),
        )
        .await;
        if input.refresh_after_apply {
            info["refreshResult"] = serde_json::to_value(result?).unwrap_or_default();
        }
        if let Ok(fresh) = info_of(&ctx, &input.id).await {
            info["status"] = fresh["status"].clone();
        }
    }
    Ok(Json(info).into_response())
}

/// A property sent as exactly `***REDACTED***` keeps its stored value (SM-58c).
fn keep_redacted(source: &mut catalog_config::SourceConfig, old: &catalog_config::SourceConfig) {
    let (Some(new), Some(old)) = (source.properties.as_mut(), old.properties.as_ref()) else {
        return;
    };
    for (k, v) in new.iter_mut() {
        if v.as_str() == Some(catalog_config::REDACTED)
            && let Some(stored) = old.get(k)
        {
            *v = stored.clone();
        }
    }
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
    set_enabled(&ctx, &id, parsed.enabled, if_match(&headers).as_deref()).await
}

async fn set_enabled(
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
        .commit(&ctx.app, if_match(&headers).as_deref(), |doc| {
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

fn scrubbed(ctx: &Ctx, mut r: RefreshResult) -> RefreshResult {
    r.error = r.error.map(|e| ctx.manager().scrub(&e));
    r
}

/// Runs one rate-limited refresh (`source` `None` = all); `Err` holds the finished response.
async fn limited_refresh(ctx: &Ctx, source: Option<&str>) -> Result<RefreshResult, Response> {
    let provider = ctx
        .plugin
        .refresh_provider()
        .ok_or_else(|| ApiError::not_found("no route matches this path").into_response())?;
    if let Some(id) = source {
        ctx.source(id).map_err(IntoResponse::into_response)?;
    }
    let limiter = &ctx.manager().limiter;
    limiter
        .admit(&ctx.rate_key(source.unwrap_or("*")))
        .map_err(too_many)?;
    let _slot = limiter.slot().map_err(too_many)?;
    let result = match source {
        Some(id) => provider.refresh(id).await,
        None => provider.refresh_all().await,
    };
    ctx.app.discovery_generation.fetch_add(1, Ordering::SeqCst);
    let result = result.map(|r| scrubbed(ctx, r));
    let outcome = result.as_ref().map_err(|e| ctx.manager().scrub(&e.message));
    record(
        &ctx.app.db,
        ctx.plugin.name(),
        source,
        outcome.as_ref().copied().map_err(String::as_str),
    )
    .await;
    result.map_err(|e| {
        let message = ctx.manager().scrub(&e.message);
        match e.code {
            ErrorCode::NotFound | ErrorCode::Conflict | ErrorCode::ServiceUnavailable => {
                ApiError::new(e.code, message).into_response()
            }
            _ => ApiError::new(ErrorCode::Internal, format!("refresh failed: {message}"))
                .into_response(),
        }
    })
}

fn refresh_body(r: RefreshResult) -> Response {
    let mut v = serde_json::to_value(&r).unwrap_or_default();
    v["durationMs"] = (r.duration / 1_000_000).into();
    Json(v).into_response()
}

async fn refresh_all(State(ctx): State<Ctx>) -> Response {
    match limited_refresh(&ctx, None).await {
        Ok(r) => refresh_body(r),
        Err(resp) => resp,
    }
}

async fn refresh_one(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    match limited_refresh(&ctx, Some(&id)).await {
        Ok(r) => refresh_body(r),
        Err(resp) => resp,
    }
}

async fn diagnostics(State(ctx): State<Ctx>) -> Result<Json<Value>, ApiError> {
    let mut d = plugin_diagnostics(ctx.manager(), ctx.plugin.as_ref())
        .await
        .map_err(|e| ApiError::new(e.code, format!("failed to get diagnostics: {}", e.message)))?
        .ok_or_else(|| ApiError::not_found("no route matches this path"))?;
    if let Some(error) = ctx.manager().reconcile_error() {
        d.errors.push(crate::plugin::DiagnosticError {
            source: None,
            message: error,
            time: crate::time::rfc3339_ms(crate::store::now_ms()),
        });
    }
    Ok(Json(serde_json::to_value(d).unwrap_or_default()))
}

async fn source_diagnostics(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let source = ctx.source(&id)?;
    let d = plugin_diagnostics(ctx.manager(), ctx.plugin.as_ref()).await?;
    let mut out = match d
        .as_ref()
        .and_then(|d| d.sources.iter().find(|s| s.id == id))
    {
        Some(s) => serde_json::to_value(s).unwrap_or_default(),
        None => {
            json!({"id": source.id, "name": source.name, "state": if source.is_enabled() { "loading" } else { "disabled" }, "entityCount": 0})
        }
    };
    let errors: Vec<_> = d
        .iter()
        .flat_map(|d| d.errors.iter())
        .filter(|e| e.source.as_deref() == Some(id.as_str()))
        .collect();
    out["errors"] = serde_json::to_value(errors).unwrap_or_default();
    Ok(Json(out))
}

async fn revisions(State(ctx): State<Ctx>) -> Result<Json<Value>, ApiError> {
    let revisions = ctx.manager().revisions().map_err(|e| {
        tracing::error!(error = %e, "listing revisions failed");
        ApiError::new(ErrorCode::Internal, "failed to list revisions")
    })?;
    Ok(Json(
        json!({"count": revisions.len(), "revisions": revisions}),
    ))
}

async fn rollback(ctx: &Ctx, body: &Bytes) -> Result<Response, ApiError> {
    let raw = decode(body, "invalid request body")?;
    let version = match raw.get("version") {
        Some(Value::String(v)) if !v.trim().is_empty() => v.trim().to_ascii_lowercase(),
        None | Some(Value::String(_)) => {
            return Err(ApiError::bad_field("version", "version is required"));
        }
        Some(_) => return Err(ApiError::bad_field("version", "must be a string")),
    };
    if version.len() < 8 || !version.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::bad_field(
            "version",
            "must be at least 8 hex characters",
        ));
    }
    let (new_version, errors) = ctx.manager().rollback(&ctx.app, &version).await?;
    let mut out = json!({"status": "rolled_back", "version": new_version});
    if !errors.is_empty() {
        out["reinitError"] = errors.join("; ").into();
    }
    Ok(Json(out).into_response())
}

/// The builtin source actions (SM-65, SM-66).
fn builtin_actions() -> Value {
    json!([
        {"id": "refresh", "displayName": "Refresh", "description": "Reload the source now", "scope": "source", "supportsDryRun": false, "idempotent": true},
        {"id": "enable", "displayName": "Enable", "description": "Serve the source's entities", "scope": "source", "supportsDryRun": true, "idempotent": true},
        {"id": "disable", "displayName": "Disable", "description": "Stop serving the source's entities", "scope": "source", "supportsDryRun": true, "idempotent": true, "destructive": true},
    ])
}

async fn source_actions() -> Json<Value> {
    let actions = builtin_actions();
    let count = actions.as_array().map_or(0, Vec::len);
    Json(json!({"actions": actions, "count": count}))
}

/// `{action, dryRun?, params?}`; the builtin actions take no `params`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionBody {
    #[serde(default)]
    action: String,
    #[serde(default)]
    dry_run: bool,
}

async fn action(
    ctx: &Ctx,
    id: &str,
    body: &Bytes,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let raw = decode(body, "invalid action request")?;
    let req: ActionBody = serde_json::from_value(Value::Object(raw))
        .map_err(|e| ApiError::bad_request(format!("invalid action request: {e}")))?;
    if req.action.is_empty() {
        return Err(ApiError::bad_field("action", "action field is required"));
    }
    if !matches!(req.action.as_str(), "refresh" | "enable" | "disable") {
        return Err(ApiError::bad_field(
            "action",
            format!("unknown action \"{}\" for scope \"source\"", req.action),
        ));
    }
    if req.dry_run && req.action == "refresh" {
        return Err(ApiError::bad_field(
            "dryRun",
            format!("action \"{}\" does not support dry-run", req.action),
        ));
    }
    let source = ctx.source(id)?;
    let outcome = |status: &str, message: String, data: Option<Value>| {
        let mut v = json!({"action": req.action, "status": status, "message": message});
        if let Some(data) = data {
            v["data"] = data;
        }
        Json(v).into_response()
    };
    match req.action.as_str() {
        "refresh" => match limited_refresh(ctx, Some(id)).await {
            Ok(r) => {
                let data = json!({"entitiesLoaded": r.entities_loaded, "entitiesRemoved": r.entities_removed, "durationMs": r.duration / 1_000_000});
                Ok(match r.error {
                    Some(e) => outcome("error", e, Some(data)),
                    None => outcome(
                        "completed",
                        format!("refreshed source \"{id}\""),
                        Some(data),
                    ),
                })
            }
            Err(resp) => Ok(resp),
        },
        verb => {
            let enable = verb == "enable";
            if req.dry_run {
                let change = if source.is_enabled() == enable {
                    "no change"
                } else {
                    "would change"
                };
                return Ok(outcome(
                    "dry-run",
                    format!("{verb} source \"{id}\": {change}"),
                    None,
                ));
            }
            set_enabled(ctx, id, enable, if_match(headers).as_deref()).await?;
            Ok(outcome(
                "completed",
                format!("source \"{id}\" {verb}d"),
                None,
            ))
        }
    }
}
