//! `{basePath}/management` routes the framework mounts from a plugin's capabilities (FW-21).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::error::{ApiError, ErrorCode};
use crate::plugin::CatalogPlugin;

type Plugin = Arc<dyn CatalogPlugin>;

/// The management router of `plugin`, or `None` when it offers none of the capabilities.
pub fn router(plugin: Plugin) -> Option<Router> {
    let mut r: Router<Plugin> = Router::new();
    let mut any = false;
    if plugin.refresh_provider().is_some() {
        r = r
            .route("/refresh", post(refresh_all))
            .route("/refresh/{source_id}", post(refresh_one));
        any = true;
    }
    if plugin.diagnostics_provider().is_some() {
        r = r.route("/diagnostics", get(diagnostics));
        any = true;
    }
    if plugin.entity_getter().is_some() {
        r = r.route("/entities/{*name}", get(entity));
        any = true;
    }
    any.then(|| r.with_state(plugin))
}

fn missing(what: &str) -> ApiError {
    ApiError::new(
        ErrorCode::NotImplemented,
        format!("plugin does not provide {what}"),
    )
}

async fn refresh_all(State(p): State<Plugin>) -> Result<impl IntoResponse, ApiError> {
    let provider = p.refresh_provider().ok_or_else(|| missing("refresh"))?;
    Ok(Json(provider.refresh_all().await?))
}

async fn refresh_one(
    State(p): State<Plugin>,
    Path(source_id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let provider = p.refresh_provider().ok_or_else(|| missing("refresh"))?;
    Ok(Json(provider.refresh(&source_id).await?))
}

async fn diagnostics(State(p): State<Plugin>) -> Result<impl IntoResponse, ApiError> {
    let provider = p
        .diagnostics_provider()
        .ok_or_else(|| missing("diagnostics"))?;
    Ok(Json(provider.diagnostics().await?))
}

async fn entity(
    State(p): State<Plugin>,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let getter = p.entity_getter().ok_or_else(|| missing("entity lookup"))?;
    getter
        .get_entity_by_name("", &name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("entity \"{name}\" not found")))
}
