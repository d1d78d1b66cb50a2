//! `{basePath}/management` routes the framework mounts from a plugin's capabilities (FW-21): the
//! source management plane (see [`crate::management`]) and entity lookup.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use super::state::AppState;
use crate::error::ApiError;
use crate::plugin::CatalogPlugin;

type Plugin = Arc<dyn CatalogPlugin>;

/// The management router of `plugin`, or `None` when it offers none of the capabilities.
pub fn router(plugin: Plugin, app: Arc<AppState>) -> Option<Router> {
    let sources = crate::management::router(app, plugin.clone());
    let entities = plugin.entity_getter().is_some().then(|| {
        Router::new()
            .route("/entities/{*name}", get(entity))
            .with_state(plugin)
    });
    match (sources, entities) {
        (Some(s), Some(e)) => Some(s.merge(e)),
        (s, e) => s.or(e),
    }
}

async fn entity(
    State(plugin): State<Plugin>,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let getter = plugin
        .entity_getter()
        .ok_or_else(|| ApiError::not_found("no route matches this path"))?;
    getter
        .get_entity_by_name("", &name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("entity \"{name}\" not found")))
}
