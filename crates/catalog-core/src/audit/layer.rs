//! The audit layer (EN-40…42): after the handler (and the authorization stage it wraps), one
//! event per POST/PUT/PATCH/DELETE under `/api`. Writes are best-effort.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};

use super::{AuditConfig, AuditEvent, AuditStore, Outcome, describe};
use crate::error::current_request_id;
use crate::identity::Identity;
use crate::tenancy::Namespace;

/// Longest stored `reason`.
const MAX_REASON: usize = 1024;
/// Largest error body read back for its message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// What the audit layer needs.
pub struct AuditState {
    /// Settings.
    pub config: AuditConfig,
    /// Where events go.
    pub store: AuditStore,
}

fn audited(method: &Method, path: &str) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && path.starts_with("/api/")
}

/// The response's `message`, redacted and bounded.
fn reason_of(body: &[u8]) -> Option<String> {
    let message = match serde_json::from_slice::<Value>(body) {
        Ok(v) => v["message"].as_str().map(String::from),
        Err(_) => Some(String::from_utf8_lossy(body).trim().to_string()),
    }?;
    let redacted = redact_text(&message);
    let mut cut = redacted.len().min(MAX_REASON);
    while !redacted.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(redacted[..cut].to_string()).filter(|r| !r.is_empty())
}

/// Masks the value after any sensitive key (`password=…`, `"token": "…"`) and bearer tokens.
fn redact_text(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut mask_next = false;
    for word in text.split(' ') {
        let lower = word.to_ascii_lowercase();
        if mask_next {
            out.push(catalog_config::REDACTED.into());
            mask_next = false;
            continue;
        }
        match word.split_once(['=', ':']) {
            Some((key, value)) if catalog_config::is_sensitive_key(key) => {
                if value.is_empty() {
                    mask_next = true;
                    out.push(word.to_string());
                } else {
                    let sep = &word[key.len()..=key.len()];
                    out.push(format!("{key}{sep}{}", catalog_config::REDACTED));
                }
            }
            _ if lower == "bearer" => {
                mask_next = true;
                out.push(word.to_string());
            }
            _ => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

/// Middleware recording the event of a mutating request.
pub async fn record(State(state): State<Arc<AuditState>>, req: Request, next: Next) -> Response {
    if !state.config.enabled || !audited(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let started = Instant::now();
    let created_at = crate::store::now_ms();
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let identity = req
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or_else(Identity::anonymous);
    let namespace = Namespace::of(req.extensions());
    let correlation = req
        .headers()
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let outcome = Outcome::of(status);
    if outcome == Outcome::Denied && !state.config.log_denied {
        return response;
    }
    // Only small, bounded error bodies are read back (error envelopes are); others keep
    // streaming untouched and the event has no reason.
    let small = axum::body::HttpBody::size_hint(response.body())
        .upper()
        .is_some_and(|n| n <= MAX_ERROR_BODY as u64);
    let (response, reason) = if outcome == Outcome::Success || !small {
        (response, None)
    } else {
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, MAX_ERROR_BODY).await.unwrap_or_default();
        let reason = reason_of(&bytes);
        (Response::from_parts(parts, Body::from(bytes)), reason)
    };
    let elapsed_ms = started.elapsed().as_millis() as i64;
    let described = describe(&method, &path);
    let request_id = current_request_id();
    let event = AuditEvent {
        id: uuid::Uuid::new_v4().to_string(),
        namespace,
        actor: identity.user,
        event_type: "management".into(),
        correlation_id: correlation.or_else(|| request_id.clone()),
        request_id: request_id.clone(),
        plugin: Some(described.plugin).filter(|p| !p.is_empty()),
        resource_type: Some(described.resource_type).filter(|r| !r.is_empty()),
        resource_ids: (!described.resource_ids.is_empty())
            .then(|| json!(described.resource_ids).to_string()),
        action: Some(described.action.clone()),
        action_verb: Some(described.action),
        outcome: outcome.as_str().into(),
        status_code: Some(i64::from(status)),
        reason,
        asset_uid: None,
        version_id: None,
        old_value: None,
        new_value: None,
        metadata: Some(
            json!({
                "method": method,
                "path": path,
                "durationMs": elapsed_ms,
                "duration": format!("{elapsed_ms}ms"),
                "groups": identity.groups,
            })
            .to_string(),
        ),
        created_at,
    };
    if let Err(e) = state.store.insert(&event).await {
        tracing::error!(
            request_id = request_id.unwrap_or_default(),
            error = %e,
            "audit event could not be written"
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_redacted_and_bounded() {
        let body = json!({"message": "bad password=hunter2 and token: abc and Bearer xyz"});
        let reason = reason_of(body.to_string().as_bytes()).unwrap();
        assert!(!reason.contains("hunter2"), "{reason}");
        assert!(!reason.contains("abc"), "{reason}");
        assert!(!reason.contains("xyz"), "{reason}");
        let long = json!({"message": "é".repeat(2000)});
        assert!(reason_of(long.to_string().as_bytes()).unwrap().len() <= MAX_REASON);
        assert_eq!(reason_of(b"plain text"), Some("plain text".into()));
    }
}
