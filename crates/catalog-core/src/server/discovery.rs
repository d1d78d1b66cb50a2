//! `GET /api/plugins` and `GET /api/plugins/{name}/capabilities` (FW §6).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

use super::state::{AppState, PluginEntry};
use crate::error::ApiError;
use crate::plugin::{CapabilitiesV2, CatalogPlugin};

/// The V2 document: the plugin's own, or one assembled from its flags and hints (FW-45, UA-19).
pub fn effective_capabilities(plugin: &dyn CatalogPlugin, base_path: &str) -> CapabilitiesV2 {
    if let Some(provider) = plugin.capabilities_v2_provider() {
        return provider.capabilities_v2();
    }
    crate::assets::assembled_capabilities(plugin, base_path)
}

/// Management flags derived from the capabilities the plugin really offers (UA-4).
pub fn management_flags(plugin: &dyn CatalogPlugin) -> [(&'static str, bool); 4] {
    [
        ("sourceManager", plugin.source_manager().is_some()),
        ("refresh", plugin.refresh_provider().is_some()),
        ("diagnostics", plugin.diagnostics_provider().is_some()),
        ("actions", plugin.action_provider().is_some()),
    ]
}

fn to_value<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// One `/api/plugins` entry (FW-41 for active, FW-42 for failed).
pub fn plugin_info(entry: &PluginEntry) -> Value {
    let p = &*entry.plugin;
    let mut info = Map::new();
    info.insert("name".into(), p.name().into());
    info.insert("version".into(), p.version().into());
    info.insert("description".into(), p.description().into());
    info.insert("basePath".into(), entry.base_path.clone().into());
    if let Some(failure) = &entry.failure {
        info.insert("healthy".into(), false.into());
        info.insert(
            "status".into(),
            json!({"enabled": true, "initialized": failure.initialized, "serving": false, "lastError": failure.error}),
        );
        return Value::Object(info);
    }
    info.insert("healthy".into(), p.healthy().into());
    let v2 = effective_capabilities(p, &entry.base_path);
    let kinds: Vec<String> = match p.capabilities_provider() {
        Some(v1) => v1.capabilities().entity_kinds,
        None => v2.entities.iter().map(|e| e.kind.clone()).collect(),
    };
    if !kinds.is_empty() {
        info.insert("entityKinds".into(), to_value(kinds));
    }
    if let Some(v1) = p.capabilities_provider() {
        info.insert("capabilities".into(), to_value(v1.capabilities()));
    }
    if let Some(status) = p.status_provider() {
        info.insert("status".into(), to_value(status.status()));
    }
    let flags = management_flags(p);
    if flags.iter().any(|(_, on)| *on) {
        info.insert(
            "management".into(),
            Value::Object(
                flags
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::Bool(*v)))
                    .collect(),
            ),
        );
    }
    if let Some(h) = p.ui_hints_provider() {
        info.insert("uiHints".into(), to_value(h.ui_hints()));
    }
    if let Some(h) = p.cli_hints_provider() {
        info.insert("cliHints".into(), to_value(h.cli_hints()));
    }
    info.insert("capabilitiesV2".into(), to_value(v2));
    Value::Object(info)
}

/// `GET /api/plugins`.
pub async fn list(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    let plugins: Vec<Value> = app
        .entries_for_discovery()
        .iter()
        .map(plugin_info)
        .collect();
    Json(json!({"count": plugins.len(), "plugins": plugins}))
}

/// `GET /api/plugins/{name}/capabilities`: 404 for unknown, 503 for a failed plugin.
pub async fn capabilities(
    State(app): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let entries = app.plugins.load();
    let entry = entries
        .iter()
        .find(|e| e.plugin.name() == name)
        .ok_or_else(|| ApiError::not_found(format!("plugin \"{name}\" not found")))?;
    if let Some(failure) = &entry.failure {
        return Err(ApiError::unavailable(format!(
            "plugin \"{name}\" is unavailable: {}",
            failure.error
        )));
    }
    Ok(Json(effective_capabilities(
        &*entry.plugin,
        &entry.base_path,
    )))
}
