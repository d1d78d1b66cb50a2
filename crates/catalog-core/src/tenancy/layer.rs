//! The tenancy layer and `GET /api/tenancy/v1alpha1/namespaces` (EN-10, EN-12).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{DEFAULT_NAMESPACE, Namespace, TenancyConfig, TenancyMode, validate_namespace};
use crate::error::{ApiError, ErrorCode};

/// Path of the namespace listing (exempt from tenancy).
pub const NAMESPACES_PATH: &str = "/api/tenancy/v1alpha1/namespaces";

const MISSING: &str = "namespace is required in multi-tenant mode \
                       (use ?namespace= query param or X-Namespace header)";

/// Whether a path is exempt: probes, metrics, and the namespace listing; everything outside
/// `/api` too.
fn exempt(path: &str) -> bool {
    path == NAMESPACES_PATH || !(path == "/api" || path.starts_with("/api/"))
}

/// The namespace selected by a request in namespace mode (EN-7, EN-8, EN-9).
fn select(config: &TenancyConfig, req: &Request) -> Result<String, ApiError> {
    let from_query = req.uri().query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, v)| k == "namespace" && !v.is_empty())
            .map(|(_, v)| v)
    });
    let ns = match from_query {
        Some(ns) => ns,
        None => req
            .headers()
            .get("x-namespace")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::bad_field("namespace", MISSING))?,
    };
    validate_namespace(&ns).map_err(|m| ApiError::bad_field("namespace", m))?;
    if !config.namespaces.is_empty() && !config.namespaces.contains(&ns) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("namespace \"{ns}\" is not served by this catalog"),
        ));
    }
    Ok(ns)
}

/// Middleware inserting the request's [`Namespace`].
pub async fn resolve_tenancy(
    State(config): State<Arc<TenancyConfig>>,
    mut req: Request,
    next: Next,
) -> Response {
    let ns = match config.mode {
        TenancyMode::Single => DEFAULT_NAMESPACE.to_string(),
        TenancyMode::Namespace if exempt(req.uri().path()) => DEFAULT_NAMESPACE.to_string(),
        TenancyMode::Namespace => match select(&config, &req) {
            Ok(ns) => ns,
            Err(e) => {
                let mut e = e;
                // EN-8 wants the bare message; the field is in `details`.
                if let Some(d) = e.details.first() {
                    e.message = d.message.clone();
                }
                return e.into_response();
            }
        },
    };
    req.extensions_mut().insert(Namespace(ns));
    next.run(req).await
}

/// `GET /api/tenancy/v1alpha1/namespaces`.
pub async fn namespaces(State(config): State<Arc<TenancyConfig>>) -> impl IntoResponse {
    let listed: Vec<&str> = config
        .namespaces
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    match config.mode {
        TenancyMode::Single => Json(json!({"namespaces": [DEFAULT_NAMESPACE], "mode": "single"})),
        TenancyMode::Namespace if listed.is_empty() => {
            Json(json!({"namespaces": [DEFAULT_NAMESPACE], "mode": "namespace"}))
        }
        TenancyMode::Namespace => Json(json!({"namespaces": listed, "mode": "namespace"})),
    }
}
