//! `{basePath}/management` routes the framework mounts from a plugin's capabilities (FW-21): the
//! source management plane (see [`crate::management`]) and entity lookup.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use super::state::AppState;
use crate::error::ApiError;
use crate::plugin::CatalogPlugin;
use crate::tenancy::Namespace;

type Plugin = Arc<dyn CatalogPlugin>;

/// The management router of `plugin`: the source management plane when it manages sources, entity
/// lookup when it offers it, and the entity action routes every plugin has (one without actions
/// answers 501, UA-40).
pub fn router(plugin: Plugin, app: Arc<AppState>) -> Router {
    let mut entities: Router<Plugin> = crate::assets::action_routes(plugin.clone());
    if plugin.entity_getter().is_some() {
        entities = entities.route("/entities/{*name}", get(entity));
    }
    let entities = entities.with_state(plugin.clone());
    match crate::management::router(app, plugin) {
        Some(sources) => sources.merge(entities),
        None => entities,
    }
}

async fn entity(
    State(plugin): State<Plugin>,
    tenant: Option<Extension<Namespace>>,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let getter = plugin
        .entity_getter()
        .ok_or_else(|| ApiError::not_found("no route matches this path"))?;
    // Plugin data lives in the default namespace; other tenants never see it (EN-15).
    getter
        .get_entity_by_name("", &name)
        .filter(|_| tenant.is_none_or(|t| t.0.0 == crate::tenancy::DEFAULT_NAMESPACE))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("entity \"{name}\" not found")))
}
