//! The authorization stage (EN-29, EN-30, EN-39): a route layer, so only requests that reach a
//! handler are checked; unmatched paths keep their 404.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Authorizer, AuthzRequest, Decision, table};
use crate::error::{ApiError, ErrorCode};
use crate::identity::Identity;
use crate::tenancy::Namespace;

/// What the authorization stage needs.
pub struct AuthzState {
    /// The decider; `None` allows every request (noop mode).
    pub authorizer: Option<Arc<dyn Authorizer>>,
    /// `CATALOG_REQUIRE_AUTHENTICATION`.
    pub require_authentication: bool,
    /// Plugin base paths, for the table.
    pub bases: Vec<String>,
}

/// Paths never checked: everything outside `/api` (probes, metrics) and the namespace listing.
fn exempt(path: &str) -> bool {
    path == crate::tenancy::NAMESPACES_PATH || !path.starts_with("/api/")
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(ErrorCode::Unauthorized, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

/// Whether the query asks for cluster scope (`allNamespaces=true`).
fn all_namespaces(req: &Request) -> bool {
    req.uri().query().is_some_and(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .unwrap_or_default()
            .iter()
            .any(|(k, v)| k == "allNamespaces" && v.eq_ignore_ascii_case("true"))
    })
}

/// Route layer answering 401/403/500 or passing the request on.
pub async fn authorize(State(state): State<Arc<AuthzState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if exempt(&path) {
        return next.run(req).await;
    }
    let identity = req
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or_else(Identity::anonymous);
    if identity.invalid_credentials.is_some() {
        return unauthorized("invalid bearer token");
    }
    if state.require_authentication && !identity.authenticated {
        return unauthorized("authentication required");
    }
    let Some(authorizer) = &state.authorizer else {
        return next.run(req).await;
    };
    let method = req.method().as_str().to_string();
    let bases = state.bases.iter().map(String::as_str);
    let Some((resource, verb)) = table::resolve(&method, &path, bases) else {
        tracing::warn!(
            method,
            path,
            "no authorization rule: {}",
            table::suggestion(&method, &path, state.bases.iter().map(String::as_str))
        );
        return ApiError::new(ErrorCode::Forbidden, "unknown endpoint, access denied")
            .into_response();
    };
    let namespace = if all_namespaces(&req) {
        String::new()
    } else {
        Namespace::of(req.extensions())
    };
    let ask = AuthzRequest {
        anonymous: !identity.authenticated,
        user: identity.user,
        groups: identity.groups,
        role: identity.role,
        resource,
        verb,
        namespace,
    };
    match authorizer.authorize(&ask).await {
        Decision::Allowed => next.run(req).await,
        Decision::Denied => {
            let scope = if ask.namespace.is_empty() {
                "at cluster scope".to_string()
            } else {
                format!("in namespace {}", ask.namespace)
            };
            ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "insufficient permissions for {}/{} {scope}",
                    resource.as_str(),
                    verb.as_str()
                ),
            )
            .into_response()
        }
        Decision::Error(e) => {
            tracing::error!(
                request_id = crate::error::current_request_id().unwrap_or_default(),
                error = e,
                "authorization check failed"
            );
            ApiError::new(ErrorCode::Internal, "authorization check failed").into_response()
        }
    }
}
