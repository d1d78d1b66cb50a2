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
use crate::plugin::{ActionRequest, ActionResult, ActionScope, CatalogPlugin};

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

/// Runs UA-41's checks in order, then the action.
async fn entity_action(
    plugin: Arc<dyn CatalogPlugin>,
    path: String,
    body: Bytes,
) -> Result<Json<ActionResult>, ApiError> {
    let Some(name) = path.strip_suffix(ACTION_SUFFIX) else {
        return Err(ApiError::not_found("no route matches this path"));
    };
    let provider = plugin.action_provider().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotImplemented,
            format!("plugin \"{}\" does not support actions", plugin.name()),
        )
    })?;
    let request = parse_action_request(&body)?;
    let definitions = provider.list_actions(ActionScope::Asset);
    let (_, params) = check_action_request(&definitions, ActionScope::Asset, &request)?;
    let request = ActionRequest { params, ..request };
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
