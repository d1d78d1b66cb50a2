//! `GET /api/audit/v1alpha1/events` and `/events/{id}` (EN-45…48). Results stay in the tenant
//! namespace unless `allNamespaces=true`, which the authorization stage checked at cluster scope.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AuditQuery;
use super::AuditStore;
use crate::error::ApiError;
use crate::query::query_pairs;
use crate::store::decode_keyset;
use crate::tenancy::Tenant;

/// The audit API router.
pub fn router(store: AuditStore) -> Router {
    Router::new()
        .route("/api/audit/v1alpha1/events", get(list))
        .route("/api/audit/v1alpha1/events/{id}", get(get_one))
        .with_state(store)
}

/// `pageSize` of the audit and jobs lists: default 20, ≤0 or unparsable → 20, at most 100.
pub fn page_size(value: Option<&str>) -> i64 {
    match value.and_then(|v| v.trim().parse::<i64>().ok()) {
        Some(n) if n > 100 => 100,
        Some(n) if n > 0 => n,
        _ => 20,
    }
}

/// The tenant namespace, or `None` for `allNamespaces=true` (checked at cluster scope).
fn scope(pairs: &[(String, String)], tenant: Tenant) -> Option<String> {
    let all = pairs
        .iter()
        .any(|(k, v)| k == "allNamespaces" && v.eq_ignore_ascii_case("true"));
    (!all).then_some(tenant.namespace)
}

async fn list(
    State(store): State<AuditStore>,
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
    let after = match param("pageToken").or_else(|| param("nextPageToken")) {
        None => None,
        Some(token) => Some(
            decode_keyset(&token)
                .ok_or_else(|| ApiError::bad_field("pageToken", "malformed page token"))?,
        ),
    };
    let query = AuditQuery {
        namespace: scope(&pairs, tenant),
        actor: param("actor"),
        plugin: param("plugin"),
        action: param("action"),
        event_type: param("eventType"),
        page_size: page_size(param("pageSize").as_deref()),
        after,
    };
    let page = store.list(&query).await.map_err(ApiError::internal)?;
    Ok(Json(json!({
        "events": page.events,
        "nextPageToken": page.next_page_token,
        "totalSize": page.total_size,
    }))
    .into_response())
}

async fn get_one(
    State(store): State<AuditStore>,
    tenant: Tenant,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let namespace = scope(&pairs, tenant);
    match store
        .get(&id, namespace.as_deref())
        .await
        .map_err(ApiError::internal)?
    {
        Some(event) => Ok(Json(event).into_response()),
        None => Err(ApiError::not_found(format!(
            "audit event \"{id}\" not found"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::page_size;

    #[test]
    fn page_size_defaults_and_clamps() {
        assert_eq!(page_size(None), 20);
        assert_eq!(page_size(Some("0")), 20);
        assert_eq!(page_size(Some("-3")), 20);
        assert_eq!(page_size(Some("abc")), 20);
        assert_eq!(page_size(Some("7")), 7);
        assert_eq!(page_size(Some("1000")), 100);
    }
}
