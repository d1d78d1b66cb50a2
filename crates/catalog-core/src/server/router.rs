//! Router assembly: framework routes, plugin sub-routers at their base paths, 503 for failed
//! plugins, JSON 404/405 fallbacks, and the global middleware stack (FW-23, EN-1): request id →
//! panic recovery → CORS → identity → tenancy → audit → routing → authorization → async refresh → cache → handler.

use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::routing::{any, get};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use super::middleware::{ContextConfig, panic_response, request_context};
use super::state::AppState;
use super::{discovery, discovery_cache, health, metrics};
use crate::audit::record;
use crate::authz::{AuthzState, authorize};
use crate::error::{ApiError, ErrorCode};
use crate::identity::identify;
use crate::jobs::AsyncRefresh;
use crate::tenancy::resolve_tenancy;

/// The router while startup runs: probes answer, everything else is 503 (FW startup step 6).
pub fn startup_router(app: Arc<AppState>) -> Router {
    probes()
        .fallback(|| async { ApiError::unavailable("the server is starting") })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            metrics::track,
        ))
        .with_state(app)
}

fn probes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/healthz", get(health::live))
        .route("/livez", get(health::live))
        .route("/readyz", get(health::ready))
}

/// The complete router for the current plugin set.
pub fn full_router(app: Arc<AppState>) -> Router {
    let mut router: Router = probes()
        .route("/metrics", get(metrics::render))
        .merge(
            Router::new()
                .route("/api/plugins", get(discovery::list))
                .route(
                    "/api/plugins/{name}/capabilities",
                    get(discovery::capabilities),
                )
                .route_layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    discovery_cache::cached,
                )),
        )
        .with_state(app.clone())
        .route(
            crate::tenancy::NAMESPACES_PATH,
            get(crate::tenancy::namespaces).with_state(app.enterprise.tenancy.clone()),
        )
        .merge(crate::assets::asset_routes().with_state(app.clone()))
        .merge(crate::audit::router(app.enterprise.audit.store.clone()))
        .merge(crate::jobs::router(app.enterprise.jobs.clone()));
    for entry in app.plugins.load().iter() {
        let base = entry.base_path.as_str();
        match (&entry.failure, &entry.router) {
            (None, Some(plugin_router)) => router = router.nest(base, plugin_router.clone()),
            (failure, _) => {
                let message = format!(
                    "plugin \"{}\" is unavailable: {}",
                    entry.plugin.name(),
                    failure.as_ref().map_or("not mounted", |f| f.error.as_str())
                );
                let unavailable = move || {
                    let message = message.clone();
                    async move { ApiError::unavailable(message) }
                };
                router = router
                    .route(base, any(unavailable.clone()))
                    .route(&format!("{base}/{{*rest}}"), any(unavailable));
            }
        }
    }
    let authz = Arc::new(AuthzState {
        authorizer: app.enterprise.authorizer.clone(),
        require_authentication: app.enterprise.require_authentication,
        bases: app
            .plugins
            .load()
            .iter()
            .map(|e| e.base_path.clone())
            .collect(),
    });
    let async_refresh = Arc::new(AsyncRefresh {
        store: app.enterprise.jobs.clone(),
        plugins: app
            .plugins
            .load()
            .iter()
            .map(|e| (e.base_path.clone(), e.plugin.name().to_string()))
            .collect(),
    });
    router
        .route_layer(axum::middleware::from_fn_with_state(
            async_refresh,
            crate::jobs::async_refresh,
        ))
        .route_layer(axum::middleware::from_fn_with_state(authz, authorize))
        .fallback(|| async { ApiError::not_found("no route matches this path") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                "method not allowed on this path",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(app.settings.max_body_bytes))
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::predicate(|origin: &HeaderValue, _| {
            origin
                .to_str()
                .is_ok_and(|o| o.starts_with("http://") || o.starts_with("https://"))
        })
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let headers = [
        "accept",
        "authorization",
        "content-type",
        "x-csrf-token",
        "x-pingother",
        "x-namespace",
        "x-correlation-id",
        "x-request-id",
    ];
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers(headers.map(HeaderName::from_static))
            .expose_headers([
                HeaderName::from_static("link"),
                HeaderName::from_static("x-cache"),
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("retry-after"),
                HeaderName::from_static("location"),
            ])
            .max_age(std::time::Duration::from_secs(300)),
    )
}

/// The served app: global layers around a router that can be swapped at runtime.
pub fn app_service(app: Arc<AppState>, current: Arc<ArcSwap<Router>>) -> Router {
    let dispatch = tower::service_fn(move |req| {
        let router = current.load_full();
        async move { tower::ServiceExt::oneshot((*router).clone(), req).await }
    });
    let context = Arc::new(ContextConfig {
        trusted_proxies: app.settings.trusted_proxies.clone(),
        max_body_bytes: app.settings.max_body_bytes,
    });
    Router::new().fallback_service(dispatch).layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn_with_state(
                context,
                request_context,
            ))
            .layer(CatchPanicLayer::custom(panic_response))
            .option_layer(cors_layer(&app.settings.cors_allowed_origins))
            .layer(axum::middleware::from_fn_with_state(
                app.enterprise.identity.clone(),
                identify,
            ))
            .layer(axum::middleware::from_fn_with_state(
                app.enterprise.tenancy.clone(),
                resolve_tenancy,
            ))
            .layer(axum::middleware::from_fn_with_state(
                app.enterprise.audit.clone(),
                record,
            ))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                app.settings.request_timeout,
            )),
    )
}
