//! `/healthz`, `/livez` and `/readyz` (FW §5).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::state::AppState;

/// Formats an uptime as `0s`, `45s`, `1m0s`, `3h0m7s` (FW-36).
pub fn format_uptime(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m{s}s"),
        (h, m) => format!("{h}h{m}m{s}s"),
    }
}

/// Liveness: always 200, touches neither the database nor the plugins.
pub async fn live(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    Json(json!({"status": "alive", "uptime": format_uptime(app.started.elapsed())}))
}

/// Readiness: 200 exactly when no component gates.
pub async fn ready(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    let mut gating = false;
    let database = match app.db.ping().await {
        Ok(()) => json!({"status": "up"}),
        Err(e) => {
            tracing::warn!(error = %e, "readiness database ping failed");
            gating = true;
            json!({"status": "down", "error": "ping failed"})
        }
    };
    let loaded = app.is_loaded();
    gating |= !loaded;
    let entries = app.plugins.load();
    let total = entries.len();
    let healthy = entries
        .iter()
        .filter(|e| {
            e.is_active() && (e.plugin.healthy() || app.config.is_reconfiguring(e.plugin.name()))
        })
        .count();
    let plugins = if healthy == total {
        json!({"status": "healthy", "details": format!("all {total} plugins healthy")})
    } else {
        gating |= app.settings.readiness_require_all_plugins && loaded;
        json!({"status": "degraded", "details": format!("{healthy} of {total} plugins healthy")})
    };
    let mut components = serde_json::Map::new();
    components.insert("database".into(), database);
    components.insert(
        "initial_load".into(),
        json!({"status": if loaded { "complete" } else { "pending" }}),
    );
    components.insert("plugins".into(), plugins);
    components.insert(
        "config".into(),
        match app.config.reconcile_error() {
            None => json!({"status": "in_sync"}),
            Some(error) => json!({"status": "stale", "error": error}),
        },
    );
    components.insert(
        "leader_election".into(),
        json!({"status": app.enterprise.leader_status()}),
    );
    let mut body = serde_json::Map::new();
    if app.shutting_down.load(Ordering::SeqCst) {
        gating = true;
        components.insert("shutdown".into(), json!({"status": "in_progress"}));
    }
    body.insert(
        "status".into(),
        Value::from(if gating { "not_ready" } else { "ready" }),
    );
    body.insert("components".into(), Value::Object(components));
    let status = if gating {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (status, Json(Value::Object(body)))
}

#[cfg(test)]
mod tests {
    use super::format_uptime;
    use std::time::Duration;

    #[test]
    fn uptime_formats_like_go_durations_rounded_to_seconds() {
        assert_eq!(format_uptime(Duration::from_millis(400)), "0s");
        assert_eq!(format_uptime(Duration::from_secs(45)), "45s");
        assert_eq!(format_uptime(Duration::from_secs(60)), "1m0s");
        assert_eq!(format_uptime(Duration::from_secs(3 * 3600 + 7)), "3h0m7s");
    }
}
