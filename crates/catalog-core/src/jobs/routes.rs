//! `GET /api/jobs/v1alpha1/refresh`, `GET …/refresh/{id}`, `POST …/refresh/{id}:cancel`
//! (EN-64…67), scoped to the tenant namespace.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::store::valid_state;
use super::{CancelOutcome, JobQuery, JobStore};
use crate::error::{ApiError, ErrorCode};
use crate::query::query_pairs;
use crate::store::decode_keyset;
use crate::tenancy::Tenant;

/// The jobs API router.
pub fn router(store: JobStore) -> Router {
    Router::new()
        .route("/api/jobs/v1alpha1/refresh", get(list))
        .route("/api/jobs/v1alpha1/refresh/{id}", get(get_one).post(cancel))
        .with_state(store)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("refresh job \"{id}\" not found"))
}

async fn list(
    State(store): State<JobStore>,
    tenant: Tenant,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let state = param("state");
    if let Some(s) = state.as_deref().filter(|s| !valid_state(s)) {
        return Err(ApiError::bad_field(
            "state",
            format!("unknown state \"{s}\" (use queued, running, succeeded, failed or canceled)"),
        ));
    }
    let after = match param("pageToken").or_else(|| param("nextPageToken")) {
        None => None,
        Some(t) => Some(
            decode_keyset(&t)
                .ok_or_else(|| ApiError::bad_field("pageToken", "malformed page token"))?,
        ),
    };
    let all = param("allNamespaces").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let query = JobQuery {
        namespace: (!all).then_some(tenant.namespace),
        plugin: param("plugin"),
        source_id: param("sourceId"),
        state,
        requested_by: param("requestedBy"),
        page_size: crate::audit::page_size(param("pageSize").as_deref()),
        after,
    };
    let (jobs, token, total) = store.list(&query).await.map_err(ApiError::internal)?;
    let jobs: Vec<Value> = jobs.iter().map(|j| j.to_json()).collect();
    Ok(Json(json!({"jobs": jobs, "nextPageToken": token, "totalSize": total})).into_response())
}

async fn get_one(
    State(store): State<JobStore>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let ns = tenant.namespace;
    match store
        .get(&id, Some(&ns))
        .await
        .map_err(ApiError::internal)?
    {
        Some(job) => Ok(Json(job.to_json()).into_response()),
        None => Err(not_found(&id)),
    }
}

async fn cancel(
    State(store): State<JobStore>,
    tenant: Tenant,
    Path(segment): Path<String>,
) -> Result<Response, ApiError> {
    let Some(id) = segment.strip_suffix(":cancel") else {
        return Err(ApiError::not_found("no route matches this path"));
    };
    let ns = tenant.namespace;
    match store.cancel(id, &ns).await.map_err(ApiError::internal)? {
        CancelOutcome::Canceled => {
            Ok(Json(json!({"status": "canceled", "jobId": id})).into_response())
        }
        CancelOutcome::CancelRequested => Ok((
            StatusCode::ACCEPTED,
            Json(json!({"status": "cancel_requested", "jobId": id})),
        )
            .into_response()),
        CancelOutcome::Terminal => Err(ApiError::new(
            ErrorCode::Conflict,
            format!("refresh job \"{id}\" already finished"),
        )),
        CancelOutcome::NotFound => Err(not_found(id)),
    }
}
