//! Entity action routes under `{basePath}/management` (UA §7.1): `POST
//! entities/{name}:action` and the discovery `GET actions/{asset|source}`. Mounted for every
//! plugin, so one without actions answers 501 and an empty list (UA-40).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::action_request::{check_action_request, parse_action_request};
use crate::error::{ApiError, ErrorCode};
use crate::plugin::{ActionProvider, ActionRequest, ActionResult, ActionScope, CatalogPlugin};

/// Suffix that marks an action on the last path segment (UA-38).
const ACTION_SUFFIX: &str = ":action";

/// The action routes of `plugin`, relative to `{basePath}/management`.
pub fn action_routes<S: Clone + Send + Sync + 'static>(
    plugin: Arc<dyn CatalogPlugin>,
) -> Router<S> {
    let for_post = plugin.clone();
    Router::new()
        .route(
            "/entities/{*name}",
            post(move |Path(name): Path<String>, body: Bytes| {
                entity_action(for_post.clone(), name, body)
            }),
        )
        .route(
            "/actions/{scope}",
            get(move |Path(scope): Path<String>| list_actions(plugin.clone(), scope)),
        )
}

/// `POST entities/{name}:action`: the 501 check, then [`run_entity_action`].
async fn entity_action(
    plugin: Arc<dyn CatalogPlugin>,
    path: String,
    body: Bytes,
) -> Result<Json<ActionResult>, ApiError> {
    let Some(name) = action_target(&path) else {
        return Err(ApiError::not_found("no route matches this path"));
    };
    let provider = plugin.action_provider().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotImplemented,
            format!("plugin \"{}\" does not support actions", plugin.name()),
        )
    })?;
    run_entity_action(provider, name, &body, None).await
}

/// The target of `{name}:action` (the last path segment), or `None` without the suffix.
pub fn action_target(segment: &str) -> Option<&str> {
    segment.strip_suffix(ACTION_SUFFIX)
}

/// UA-41 steps 3–9 for an asset action on `name`; `kind` fixes the kind when the route
/// already names it (UA-39).
pub async fn run_entity_action(
    provider: &dyn ActionProvider,
    name: &str,
    body: &[u8],
    kind: Option<&str>,
) -> Result<Json<ActionResult>, ApiError> {
    let request = parse_action_request(body)?;
    let definitions = provider.list_actions(ActionScope::Asset);
    let (_, params) = check_action_request(&definitions, ActionScope::Asset, &request)?;
    let kind = match (kind, request.kind) {
        (Some(fixed), Some(asked)) if asked != fixed => {
            return Err(ApiError::not_found(format!(
                "no {asked} \"{name}\" on this route"
            )));
        }
        (fixed, asked) => fixed.map(str::to_string).or(asked),
    };
    let request = ActionRequest {
        params,
        kind,
        ..request
    };
    Ok(Json(
        provider
            .handle_action(ActionScope::Asset, name, request)
            .await?,
    ))
}

async fn list_actions(
    plugin: Arc<dyn CatalogPlugin>,
    scope: String,
) -> Result<Json<Value>, ApiError> {
    let scope = match scope.as_str() {
        "asset" => ActionScope::Asset,
        "source" => ActionScope::Source,
        other => {
            return Err(ApiError::not_found(format!(
                "unknown action scope \"{other}\" (use asset or source)"
            )));
        }
    };
    let actions = plugin
        .action_provider()
        .map(|p| p.list_actions(scope))
        .unwrap_or_default();
    Ok(Json(json!({"count": actions.len(), "actions": actions})))
}
