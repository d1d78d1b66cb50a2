//! Source actions (SM-65, SM-66): `POST /sources/{id}:action` with the builtin `refresh`, `enable` and `disable`.

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::refresh::limited_refresh;
use super::response::{bad_request_at, with_extra};
use super::routes::{Ctx, decode, if_match, set_enabled};
use crate::error::{ApiError, ErrorCode};
use crate::plugin::{ActionDefinition, ActionScope};

/// The builtin source actions (SM-65, SM-66), listed by `GET /actions/source` and in capabilities.
pub(crate) fn source_action_definitions() -> Vec<ActionDefinition> {
    let def = |id: &str, name: &str, description: &str, dry_run: bool, destructive: bool| {
        ActionDefinition {
            id: id.into(),
            display_name: name.into(),
            description: description.into(),
            scope: ActionScope::Source,
            supports_dry_run: dry_run,
            idempotent: true,
            destructive,
            parameters: Vec::new(),
        }
    };
    vec![
        def("refresh", "Refresh", "Reload the source now", false, false),
        def(
            "enable",
            "Enable",
            "Serve the source's entities",
            true,
            false,
        ),
        def(
            "disable",
            "Disable",
            "Stop serving the source's entities",
            true,
            true,
        ),
    ]
}

/// `{action, dryRun?, params?}`; the builtin actions take no `params`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionBody {
    #[serde(default)]
    action: String,
    #[serde(default)]
    dry_run: bool,
}

/// `POST /sources/{id}:action`, checked in the order of SM-65.
pub(super) async fn action(
    ctx: &Ctx,
    id: &str,
    body: &Bytes,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let raw = decode(body, "invalid action request")?;
    let req: ActionBody = serde_json::from_value(Value::Object(raw))
        .map_err(|e| ApiError::bad_request(format!("invalid action request: {e}")))?;
    if req.action.is_empty() {
        return Err(bad_request_at("action", "action field is required"));
    }
    if !matches!(req.action.as_str(), "refresh" | "enable" | "disable") {
        return Err(bad_request_at(
            "action",
            format!("unknown action \"{}\" for scope \"source\"", req.action),
        ));
    }
    if req.dry_run && req.action == "refresh" {
        return Err(bad_request_at(
            "dryRun",
            format!("action \"{}\" does not support dry-run", req.action),
        ));
    }
    let source = ctx.source(id)?;
    let outcome = |status: &str, message: String, data: Option<Value>| {
        let mut v = json!({"action": req.action, "status": status, "message": message});
        if let Some(data) = data {
            v["data"] = data;
        }
        Json(v).into_response()
    };
    match req.action.as_str() {
        "refresh" => match limited_refresh(ctx, Some(id)).await {
            Ok(r) => {
                let data = json!({"entitiesLoaded": r.entities_loaded, "entitiesRemoved": r.entities_removed, "durationMs": r.duration / 1_000_000});
                Ok(match r.error {
                    // A failed action is never a 2xx (UA-42); the body still says what happened.
                    Some(e) => {
                        let error = ApiError::new(
                            ErrorCode::Internal,
                            format!("refresh of source \"{id}\" failed: {e}"),
                        );
                        let mut resp = with_extra(
                            error,
                            json!({"action": "refresh", "status": "error", "data": data}),
                        );
                        *resp.status_mut() = StatusCode::BAD_GATEWAY;
                        resp
                    }
                    None => outcome(
                        "completed",
                        format!("refreshed source \"{id}\""),
                        Some(data),
                    ),
                })
            }
            Err(resp) => Ok(resp),
        },
        verb => {
            let enable = verb == "enable";
            if req.dry_run {
                let change = if source.is_enabled() == enable {
                    "no change"
                } else {
                    "would change"
                };
                return Ok(outcome(
                    "dry-run",
                    format!("{verb} source \"{id}\": {change}"),
                    Some(json!({"enabled": enable})),
                ));
            }
            set_enabled(ctx, id, enable, if_match(headers)?.as_deref()).await?;
            Ok(outcome(
                "completed",
                format!("source \"{id}\" {verb}d"),
                Some(json!({"enabled": enable})),
            ))
        }
    }
}
