//! `GET /sources/{id}/revisions` and `POST /sources/{id}:rollback` (SM §8.5).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::response::bad_request_at;
use super::routes::{Ctx, decode};
use crate::error::{ApiError, ErrorCode};

/// `GET /sources/{id}/revisions`: the whole document's history (`{id}` does not filter).
pub(super) async fn revisions(State(ctx): State<Ctx>) -> Result<Json<Value>, ApiError> {
    let revisions = ctx.manager().revisions().map_err(|e| {
        tracing::error!(error = %e, "listing revisions failed");
        ApiError::new(ErrorCode::Internal, "failed to list revisions")
    })?;
    Ok(Json(
        json!({"count": revisions.len(), "revisions": revisions}),
    ))
}

/// `POST /sources/{id}:rollback` with `{"version"}`.
pub(super) async fn rollback(ctx: &Ctx, body: &Bytes) -> Result<Response, ApiError> {
    let raw = decode(body, "invalid request body")?;
    let version = match raw.get("version") {
        Some(Value::String(v)) if !v.trim().is_empty() => v.trim().to_ascii_lowercase(),
        None | Some(Value::String(_)) => {
            return Err(bad_request_at("version", "version is required"));
        }
        Some(_) => return Err(bad_request_at("version", "version must be a string")),
    };
    if version.len() < 8 || !version.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad_request_at(
            "version",
            "version must be at least 8 hex characters",
        ));
    }
    let (new_version, errors) = ctx.manager().rollback(&ctx.app, &version).await?;
    let mut out = json!({"status": "rolled_back", "version": new_version});
    if !errors.is_empty() {
        out["reinitError"] = errors.join("; ").into();
    }
    Ok(Json(out).into_response())
}
