//! SourceInfo and diagnostics views (SM §3, SM-9, SM-11): the framework's document joined with the
//! plugin's load status, redacted and scrubbed of secret values.

use axum::Json;
use axum::extract::{Path, State};
use catalog_config::{SourceConfig, redact_properties};
use serde_json::{Map, Value, json};

use super::Manager;
use super::routes::Ctx;
use crate::error::ApiError;
use crate::plugin::{CatalogPlugin, Diagnostics, SourceDiagnostics};
use crate::store::{Database, RefreshStatusRow};

/// The plugin's diagnostics with every string scrubbed, or `None` when it offers none.
pub(crate) async fn diagnostics(
    manager: &Manager,
    plugin: &dyn CatalogPlugin,
) -> Result<Option<Diagnostics>, ApiError> {
    let Some(provider) = plugin.diagnostics_provider() else {
        return Ok(None);
    };
    let key = crate::plugin::config_key(plugin);
    let mut d = provider.diagnostics().await?;
    for s in &mut d.sources {
        s.error = s.error.as_deref().map(|e| manager.scrub(e));
        if let Some(error) = manager.unresolved(&key, &s.id) {
            s.state = "error".into();
            d.errors.push(crate::plugin::DiagnosticError {
                source: Some(s.id.clone()),
                message: error.clone(),
                time: crate::time::rfc3339_ms(crate::store::now_ms()),
            });
            s.error = Some(error);
        }
    }
    for e in &mut d.errors {
        e.message = manager.scrub(&e.message);
    }
    Ok(Some(d))
}

/// One SourceInfo: configuration (redacted) plus status, enriched from the persisted outcome of
/// its last refresh (SM-9).
pub(crate) fn source_info(
    source: &SourceConfig,
    diag: Option<&SourceDiagnostics>,
    persisted: Option<&RefreshStatusRow>,
) -> Value {
    let mut info = Map::new();
    info.insert("id".into(), source.id.clone().into());
    info.insert("name".into(), source.name.clone().into());
    info.insert("type".into(), source.source_type.clone().into());
    info.insert("enabled".into(), source.is_enabled().into());
    if let Some(labels) = &source.labels {
        info.insert("labels".into(), json!(labels));
    }
    if let Some(props) = &source.properties {
        info.insert("properties".into(), Value::Object(redact_properties(props)));
    }
    if let Some(items) = &source.included_items {
        info.insert("includedItems".into(), json!(items));
    }
    if let Some(items) = &source.excluded_items {
        info.insert("excludedItems".into(), json!(items));
    }
    info.insert("status".into(), status(source, diag, persisted));
    Value::Object(info)
}

fn status(
    source: &SourceConfig,
    diag: Option<&SourceDiagnostics>,
    persisted: Option<&RefreshStatusRow>,
) -> Value {
    let mut status = Map::new();
    let state = match diag {
        _ if !source.is_enabled() => "disabled",
        Some(d) => d.state.as_str(),
        None => "loading",
    };
    status.insert("state".into(), state.into());
    status.insert(
        "entityCount".into(),
        diag.map_or(0, |d| d.entity_count).into(),
    );
    if let Some(d) = diag {
        if let Some(t) = &d.last_refresh_time {
            status.insert("lastRefreshTime".into(), t.clone().into());
            let failed = d.error.is_some() && d.state == "error";
            status.insert(
                "lastRefreshStatus".into(),
                if failed { "error" } else { "success" }.into(),
            );
            let summary = if failed {
                "Refresh failed".to_string()
            } else {
                format!("Loaded {} entities", d.entity_count)
            };
            status.insert("lastRefreshSummary".into(), summary.into());
        }
        if let Some(ns) = d.last_refresh_duration {
            status.insert("lastRefreshDuration".into(), ns.into());
            status.insert("durationMs".into(), (ns / 1_000_000).into());
        }
        if let Some(e) = &d.error {
            status.insert("error".into(), e.clone().into());
        }
    }
    // Live values win; the persisted outcome fills what is missing (SM-9).
    if let Some(p) = persisted {
        let fill = [
            (
                "lastRefreshTime",
                Value::from(crate::time::rfc3339_ms(p.last_refresh_time)),
            ),
            ("lastRefreshStatus", p.last_refresh_status.clone().into()),
            ("lastRefreshSummary", p.last_refresh_summary.clone().into()),
        ];
        for (key, value) in fill {
            status.entry(key).or_insert(value);
        }
        if let Some(e) = &p.last_error {
            status.entry("error").or_insert(e.clone().into());
        }
    }
    Value::Object(status)
}

/// Every source of the plugin's section in document order, or only `only`.
pub(crate) async fn list(
    manager: &Manager,
    db: &Database,
    plugin: &dyn CatalogPlugin,
    key: &str,
    only: Option<&str>,
) -> Result<Vec<Value>, ApiError> {
    let section = manager.section(key);
    let diag = diagnostics(manager, plugin).await?;
    let persisted = super::refresh_record::recorded(db, plugin.name()).await;
    Ok(section
        .sources
        .iter()
        .filter(|s| only.is_none_or(|id| s.id == id))
        .map(|s| {
            let d = diag
                .as_ref()
                .and_then(|d| d.sources.iter().find(|x| x.id == s.id));
            let p = persisted.iter().find(|p| p.source_id == s.id);
            let mut info = source_info(s, d, p);
            if let Some(error) = manager.unresolved(key, &s.id) {
                info["status"]["state"] = "error".into();
                info["status"]["error"] = error.into();
            }
            info
        })
        .collect())
}

/// `GET /diagnostics`: the plugin's diagnostics plus the reconcile error, scrubbed.
pub(super) async fn diagnostics_handler(State(ctx): State<Ctx>) -> Result<Json<Value>, ApiError> {
    let mut d = diagnostics(ctx.manager(), ctx.plugin.as_ref())
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

/// `GET /sources/{id}/diagnostics`: one source and its errors, or 404.
pub(super) async fn source_diagnostics(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let source = ctx.source(&id)?;
    let d = diagnostics(ctx.manager(), ctx.plugin.as_ref()).await?;
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
