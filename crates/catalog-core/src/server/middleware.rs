//! Global request middleware: request id (FW-25), client address (FW-26), access log, and the
//! single JSON error envelope for every error response, whatever layer produced it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;

use crate::error::{ApiError, ErrorCode, with_request_id};

/// Header carrying the request id.
pub const REQUEST_ID: &str = "x-request-id";

/// The resolved client address of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// What the request-context layer needs to know.
#[derive(Debug, Clone)]
pub struct ContextConfig {
    /// Peers whose forwarding headers are trusted.
    pub trusted_proxies: Vec<IpNet>,
    /// Bodies declaring a larger `Content-Length` are refused up front with 413 (FW-29);
    /// streamed bodies are capped where they are read.
    pub max_body_bytes: usize,
}

/// An incoming id is reused when it is 1–128 visible ASCII characters (FW-25).
fn valid_request_id(v: &HeaderValue) -> Option<String> {
    let bytes = v.as_bytes();
    ((1..=128).contains(&bytes.len()) && bytes.iter().all(|b| (0x21..=0x7e).contains(b)))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

fn new_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static BOOT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let boot = *BOOT.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default()
    });
    format!(
        "{boot:016x}-{:08x}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The client address: forwarding headers only from trusted peers (FW-26).
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return Some(peer);
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    header("true-client-ip")
        .or_else(|| header("x-real-ip"))
        .or_else(|| {
            header("x-forwarded-for")
                .and_then(|v| v.split(',').next())
                .map(str::trim)
        })
        .and_then(|v| v.parse().ok())
        .or(Some(peer))
}

/// The outermost layer.
pub async fn request_context(
    State(cfg): State<Arc<ContextConfig>>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(valid_request_id)
        .unwrap_or_else(new_request_id);
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = client_addr(peer, req.headers(), &cfg.trusted_proxies);
    if let Some(ip) = client {
        req.extensions_mut().insert(ClientAddr(ip));
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = cfg.max_body_bytes;
    let mut response = with_request_id(id.clone(), async move {
        if declared.is_some_and(|n| n > limit as u64) {
            return ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("request body is larger than the {limit}-byte limit"),
            )
            .into_response();
        }
        let response = next.run(req).await;
        envelope_errors(response).await
    })
    .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    tracing::info!(
        target: "access",
        request_id = id,
        method = %method,
        path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        client = client.map(|c| c.to_string()).unwrap_or_default(),
    );
    response
}

/// Rewrites an error response that is not already JSON into the common envelope, keeping a
/// short 4xx text as the message (5xx text is never exposed).
async fn envelope_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let code = ErrorCode::from_status(status);
    let message = match std::str::from_utf8(&text).map(str::trim) {
        Ok(t) if !t.is_empty() && status.is_client_error() => t.to_string(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let mut rewritten = ApiError::new(code, message).into_response();
    *rewritten.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    rewritten
}

/// Panic recovery body (FW-24): logged with the request id, answered as a 500 envelope.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal(format!("handler panicked: {detail}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_reused_only_when_valid() {
        assert_eq!(
            valid_request_id(&HeaderValue::from_static("abc-123")),
            Some("abc-123".into())
        );
        assert_eq!(
            valid_request_id(&HeaderValue::from_static("has space")),
            None
        );
        assert_eq!(
            valid_request_id(&HeaderValue::from_str(&"x".repeat(129)).unwrap()),
            None
        );
        assert_ne!(new_request_id(), new_request_id());
    }

    #[test]
    fn forwarding_headers_are_trusted_only_from_trusted_peers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 10.0.0.1"),
        );
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_addr(Some(proxy), &headers, &trusted),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            client_addr(Some(stranger), &headers, &trusted),
            Some(stranger)
        );
        assert_eq!(client_addr(Some(proxy), &headers, &[]), Some(proxy));
    }
}
