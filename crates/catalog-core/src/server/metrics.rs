//! Prometheus metrics on `/metrics`: requests by route template and status, latency, plugin
//! health and entities per plugin.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PluginLabels {
    plugin: String,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The server's metric families (one registry per server, so tests stay isolated).
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    plugin_healthy: Family<PluginLabels, Gauge>,
    entities: Family<PluginLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("catalog");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        let plugin_healthy = Family::<PluginLabels, Gauge>::default();
        let entities = Family::<PluginLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "plugin_healthy",
            "1 when the plugin is active and healthy",
            plugin_healthy.clone(),
        );
        registry.register("entities", "Entities served per plugin", entities.clone());
        Self {
            registry,
            requests,
            latency,
            plugin_healthy,
            entities,
        }
    }
}

/// Route layer recording every request under its route template (`unmatched` otherwise).
pub async fn track(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(req).await;
    let m = &app.metrics;
    m.requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics` in Prometheus text format.
pub async fn render(State(app): State<Arc<AppState>>) -> Response {
    for entry in app.plugins.load().iter() {
        let labels = PluginLabels {
            plugin: entry.plugin.name().to_string(),
        };
        let healthy = entry.is_active() && entry.plugin.healthy();
        app.metrics
            .plugin_healthy
            .get_or_create(&labels)
            .set(i64::from(healthy));
        if let Some(n) = entry.plugin.entity_count() {
            app.metrics.entities.get_or_create(&labels).set(n as i64);
        }
    }
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &app.metrics.registry) {
        return crate::error::ApiError::internal(e).into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
