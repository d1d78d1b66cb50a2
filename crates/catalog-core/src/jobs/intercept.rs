//! Async refresh (EN-52, EN-53): with jobs enabled, `POST {m}/refresh[/{sourceId}]` is queued
//! as a job and answered `202` with its `Location`, whatever handler the route has. Runs after
//! authorization (it is a route layer inside it).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{Enqueued, JobStore};
use crate::error::{ApiError, ErrorCode, current_request_id};
use crate::identity::Identity;
use crate::tenancy::Namespace;

/// What the interception needs: the store and each plugin's (base path, name).
pub struct AsyncRefresh {
    /// Job table.
    pub store: JobStore,
    /// `(base path, plugin name)` of every mounted plugin.
    pub plugins: Vec<(String, String)>,
}

/// The (plugin, source id) a refresh path names, if it is one.
fn refresh_target<'a>(
    plugins: &'a [(String, String)],
    path: &'a str,
) -> Option<(&'a str, &'a str)> {
    let path = path.strip_suffix('/').unwrap_or(path);
    plugins.iter().find_map(|(base, name)| {
        let rest = path
            .strip_prefix(base.as_str())?
            .strip_prefix("/management/refresh")?;
        match rest {
            "" => Some((name.as_str(), "_all")),
            r => r
                .strip_prefix('/')
                .filter(|id| !id.is_empty() && !id.contains('/'))
                .map(|id| (name.as_str(), id)),
        }
    })
}

/// Route layer queueing refreshes when jobs are enabled.
pub async fn async_refresh(
    State(state): State<Arc<AsyncRefresh>>,
    req: Request,
    next: Next,
) -> Response {
    if !state.store.config.enabled || req.method() != Method::POST {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    let Some((plugin, source)) = refresh_target(&state.plugins, &path) else {
        return next.run(req).await;
    };
    let ns = Namespace::of(req.extensions());
    let user = req
        .extensions()
        .get::<Identity>()
        .map_or_else(|| "anonymous".to_string(), |i| i.user.clone());
    let request_id = current_request_id();
    enqueue_refresh(
        &state.store,
        &ns,
        plugin,
        source,
        &user,
        request_id.as_deref(),
    )
    .await
}

/// Queues a refresh of `source` (`_all` = every source) and answers as EN-52/53 say: `202`
/// with `Location` and `{"status","jobId","deduplicated"}`, or `429` with `Retry-After: 30`.
/// For any handler that starts refreshes (management actions, scheduled syncs).
pub async fn enqueue_refresh(
    store: &JobStore,
    namespace: &str,
    plugin: &str,
    source: &str,
    user: &str,
    request_id: Option<&str>,
) -> Response {
    match store
        .enqueue(namespace, plugin, source, user, request_id)
        .await
    {
        Ok(Enqueued::Job { job, deduplicated }) => {
            let mut response = (
                StatusCode::ACCEPTED,
                Json(json!({"status": job.state, "jobId": job.id, "deduplicated": deduplicated})),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/api/jobs/v1alpha1/refresh/{}", job.id))
            {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response
        }
        Ok(Enqueued::QueueFull) => {
            let mut response = ApiError::new(
                ErrorCode::TooManyRequests,
                format!("namespace \"{namespace}\" has too many queued refresh jobs"),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            response
        }
        Err(e) => ApiError::internal(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::refresh_target;

    #[test]
    fn refresh_paths_name_plugin_and_source() {
        let plugins = vec![("/api/mcp_catalog/v1alpha1".to_string(), "mcp".to_string())];
        let m = "/api/mcp_catalog/v1alpha1/management";
        assert_eq!(
            refresh_target(&plugins, &format!("{m}/refresh")),
            Some(("mcp", "_all"))
        );
        assert_eq!(
            refresh_target(&plugins, &format!("{m}/refresh/")),
            Some(("mcp", "_all"))
        );
        assert_eq!(
            refresh_target(&plugins, &format!("{m}/refresh/s1")),
            Some(("mcp", "s1"))
        );
        assert_eq!(refresh_target(&plugins, &format!("{m}/refresh/s1/x")), None);
        assert_eq!(refresh_target(&plugins, &format!("{m}/refreshx")), None);
        assert_eq!(
            refresh_target(&plugins, "/api/other/management/refresh"),
            None
        );
    }
}
