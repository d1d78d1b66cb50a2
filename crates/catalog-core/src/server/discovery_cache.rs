//! Response cache for the discovery routes only (FW-44, EN-68…70): keyed by the path and the
//! tenant namespace (other query parameters cannot mint keys), the discovery generation
//! (bumped whenever plugins, sources or capabilities may have changed) and a fingerprint of
//! every plugin's health, so a cached body is never staler than its key. It runs after
//! authorization, so it never answers a caller who would be denied.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use moka::sync::Cache;

use super::state::AppState;

type Key = (String, String, u64, u64);

/// The discovery caches: `/api/plugins` (60 s) and capabilities (30 s), 1000 entries each.
pub struct DiscoveryCache {
    plugins: Cache<Key, Bytes>,
    capabilities: Cache<Key, Bytes>,
}

impl Default for DiscoveryCache {
    fn default() -> Self {
        let build = |ttl| {
            Cache::builder()
                .max_capacity(1000)
                .time_to_live(Duration::from_secs(ttl))
                .build()
        };
        Self {
            plugins: build(60),
            capabilities: build(30),
        }
    }
}

/// A cheap fingerprint of which plugins are healthy right now.
fn health_fingerprint(app: &AppState) -> u64 {
    app.plugins
        .load()
        .iter()
        .enumerate()
        .fold(0xcbf2_9ce4_8422_2325, |h, (i, e)| {
            let bit = u64::from(e.is_active() && e.plugin.healthy());
            (h ^ (bit << (i % 64)) ^ i as u64).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Route layer serving discovery responses from the cache (`X-Cache: HIT|MISS`).
pub async fn cached(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let namespace = crate::tenancy::Namespace::of(req.extensions());
    let cache = if req.uri().path() == "/api/plugins" {
        &app.discovery_cache.plugins
    } else {
        &app.discovery_cache.capabilities
    };
    let key = (
        path,
        namespace,
        app.discovery_generation.load(Ordering::SeqCst),
        health_fingerprint(&app),
    );
    if let Some(body) = cache.get(&key) {
        return respond(body, "HIT");
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    match to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            cache.insert(key, bytes.clone());
            let mut response = Response::from_parts(parts, Body::from(bytes));
            response
                .headers_mut()
                .insert("x-cache", HeaderValue::from_static("MISS"));
            response
        }
        Err(e) => crate::error::ApiError::internal(e).into_response(),
    }
}

fn respond(body: Bytes, state: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    response
        .headers_mut()
        .insert("x-cache", HeaderValue::from_static(state));
    response
}
