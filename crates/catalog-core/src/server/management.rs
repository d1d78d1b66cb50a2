//! `{basePath}/management` routes the framework mounts from a plugin's capabilities (FW-21).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Extension, Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::error::{ApiError, ErrorCode};
use crate::plugin::CatalogPlugin;
use crate::tenancy::Namespace;

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

/// The management router of `plugin`, or `None` when it offers none of the capabilities.
pub fn router(plugin: Plugin, generation: Arc<AtomicU64>) -> Option<Router> {
    let mut r: Router<Ctx> = Router::new();
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
    any.then(|| r.with_state(Ctx { plugin, generation }))
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
    tenant: Option<Extension<Namespace>>,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let getter = ctx
        .plugin
        .entity_getter()
        .ok_or_else(|| missing("entity lookup"))?;
    // Plugin data lives in the default namespace; other tenants never see it (EN-15).
    getter
        .get_entity_by_name("", &name)
        .filter(|_| tenant.is_none_or(|t| t.0.0 == crate::tenancy::DEFAULT_NAMESPACE))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("entity \"{name}\" not found")))
}
