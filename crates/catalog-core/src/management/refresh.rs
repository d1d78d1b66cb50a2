//! `POST /refresh` and `POST /refresh/{id}` (SM §7): existence check, rate limit, concurrency
//! cap, the plugin's refresh, and the persisted outcome.

use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::rate_limit::RetryAfter;
use super::refresh_record::record;
use super::routes::Ctx;
use crate::error::{ApiError, ErrorCode};
use crate::plugin::RefreshResult;

fn too_many(RetryAfter(secs): RetryAfter) -> Response {
    let mut resp = ApiError::new(
        ErrorCode::TooManyRequests,
        format!("rate limited, retry after {secs} seconds"),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

/// `r` with its error text scrubbed of secrets.
pub(super) fn scrubbed(ctx: &Ctx, mut r: RefreshResult) -> RefreshResult {
    r.error = r.error.map(|e| ctx.manager().scrub(&e));
    r
}

/// Runs one rate-limited refresh (`source` `None` = all); `Err` holds the finished response.
pub(super) async fn limited_refresh(
    ctx: &Ctx,
    source: Option<&str>,
) -> Result<RefreshResult, Response> {
    let provider = ctx
        .plugin
        .refresh_provider()
        .ok_or_else(|| ApiError::not_found("no route matches this path").into_response())?;
    if let Some(id) = source {
        ctx.source(id).map_err(IntoResponse::into_response)?;
    }
    let limiter = &ctx.manager().limiter;
    limiter
        .admit(&ctx.rate_key(source.unwrap_or("*")))
        .map_err(too_many)?;
    let _slot = limiter.slot().map_err(too_many)?;
    let result = match source {
        Some(id) => provider.refresh(id).await,
        None => provider.refresh_all().await,
    };
    ctx.app.discovery_generation.fetch_add(1, Ordering::SeqCst);
    let result = result.map(|r| scrubbed(ctx, r));
    let outcome = result.as_ref().map_err(|e| ctx.manager().scrub(&e.message));
    record(
        &ctx.app.db,
        ctx.plugin.name(),
        source,
        outcome.as_ref().copied().map_err(String::as_str),
    )
    .await;
    result.map_err(|e| {
        let message = ctx.manager().scrub(&e.message);
        match e.code {
            ErrorCode::NotFound | ErrorCode::Conflict | ErrorCode::ServiceUnavailable => {
                ApiError::new(e.code, message).into_response()
            }
            _ => ApiError::new(ErrorCode::Internal, format!("refresh failed: {message}"))
                .into_response(),
        }
    })
}

fn refresh_body(r: RefreshResult) -> Response {
    let mut v = serde_json::to_value(&r).unwrap_or_default();
    v["durationMs"] = (r.duration / 1_000_000).into();
    Json(v).into_response()
}

/// `POST /refresh`.
pub(super) async fn refresh_all(State(ctx): State<Ctx>) -> Response {
    match limited_refresh(&ctx, None).await {
        Ok(r) => refresh_body(r),
        Err(resp) => resp,
    }
}

/// `POST /refresh/{id}`.
pub(super) async fn refresh_one(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    match limited_refresh(&ctx, Some(&id)).await {
        Ok(r) => refresh_body(r),
        Err(resp) => resp,
    }
}
