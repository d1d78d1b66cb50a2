//! `{basePath}/management` routes the framework mounts from a plugin's capabilities (FW-21).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::error::{ApiError, ErrorCode};
use crate::plugin::CatalogPlugin;

type Plugin = Arc<dyn CatalogPlugin>;

/// What management handlers share: the plugin and the discovery generation they bump.
#[derive(Clone)]
struct Ctx {
    plugin: Plugin,
    generation: Arc<AtomicU64>,
}

impl Ctx {
    /// Invalidates cached discovery responses after a change.
    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// The management router of `plugin`: the routes of the capabilities it offers, plus the
/// entity action routes every plugin has.
pub fn router(plugin: Plugin, generation: Arc<AtomicU64>) -> Router {
    // Entity actions are mounted for every plugin: one without actions answers 501 (UA-40).
    let mut r: Router<Ctx> = crate::assets::action_routes(plugin.clone());
    if plugin.refresh_provider().is_some() {
        r = r
            .route("/refresh", post(refresh_all))
            .route("/refresh/{source_id}", post(refresh_one));
    }
    if plugin.diagnostics_provider().is_some() {
        r = r.route("/diagnostics", get(diagnostics));
    }
    if plugin.entity_getter().is_some() {
        r = r.route("/entities/{*name}", get(entity));
    }
    r.with_state(Ctx { plugin, generation })
}

fn missing(what: &str) -> ApiError {
    ApiError::new(
        ErrorCode::NotImplemented,
        format!("plugin does not provide {what}"),
    )
}

async fn refresh_all(State(ctx): State<Ctx>) -> Result<impl IntoResponse, ApiError> {
    let provider = ctx
        .plugin
        .refresh_provider()
        .ok_or_else(|| missing("refresh"))?;
    let result = provider.refresh_all().await;
    ctx.changed();
    Ok(Json(result?))
}

async fn refresh_one(
    State(ctx): State<Ctx>,
    Path(source_id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let provider = ctx
        .plugin
        .refresh_provider()
        .ok_or_else(|| missing("refresh"))?;
    let result = provider.refresh(&source_id).await;
    ctx.changed();
    Ok(Json(result?))
}

async fn diagnostics(State(ctx): State<Ctx>) -> Result<impl IntoResponse, ApiError> {
    let provider = ctx
        .plugin
        .diagnostics_provider()
        .ok_or_else(|| missing("diagnostics"))?;
    Ok(Json(provider.diagnostics().await?))
}

async fn entity(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let getter = ctx
        .plugin
        .entity_getter()
        .ok_or_else(|| missing("entity lookup"))?;
    getter
        .get_entity_by_name("", &name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("entity \"{name}\" not found")))
}
