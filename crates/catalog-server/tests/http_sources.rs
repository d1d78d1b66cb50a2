//! The `http` provider against a local axum server on 127.0.0.1: conditional requests (304
//! keeps the data), new content on the next sync, timeouts, oversized bodies and HTTP errors.
#![cfg(feature = "skills")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{Backend, Env, TestServer, names};
use serde_json::Value;

const BASE: &str = "/api/skills_catalog/v1alpha1";

on_both_backends!(
    etag_304_keeps_data_and_new_content_is_applied,
    timeouts_oversized_bodies_and_http_errors_keep_last_good_data,
);

/// What the fake upstream serves.
struct Upstream {
    /// (ETag, body).
    current: Mutex<(String, String)>,
    /// Requests that carried `If-None-Match`.
    conditional: AtomicUsize,
    /// 304 responses sent.
    not_modified: AtomicUsize,
    /// Requests to `/flaky.yaml` (the first gets a 503).
    flaky: AtomicUsize,
    /// Requests to `/down.yaml` (the first three get a 503).
    down: AtomicUsize,
}

async fn data(State(up): State<Arc<Upstream>>, headers: HeaderMap) -> Response {
    let (etag, body) = up.current.lock().unwrap().clone();
    if let Some(sent) = headers.get(header::IF_NONE_MATCH) {
        up.conditional.fetch_add(1, Ordering::SeqCst);
        if sent.to_str().unwrap() == etag {
            up.not_modified.fetch_add(1, Ordering::SeqCst);
            return StatusCode::NOT_MODIFIED.into_response();
        }
    }
    ([(header::ETAG, etag)], body).into_response()
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(120)).await;
    "skills: []\n"
}

async fn big() -> String {
    format!(
        "skills:\n  - name: big\n    description: \"{}\"\n",
        "x".repeat(4096)
    )
}

async fn flaky(State(up): State<Arc<Upstream>>) -> Response {
    if up.flaky.fetch_add(1, Ordering::SeqCst) == 0 {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    skill("flaky-skill").into_response()
}

/// Fails a whole sync (3 attempts), then serves.
async fn down(State(up): State<Arc<Upstream>>) -> Response {
    if up.down.fetch_add(1, Ordering::SeqCst) < 3 {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    skill("flaky-skill").into_response()
}

async fn gone() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// Starts the fake upstream and returns its base URL.
async fn upstream(up: Arc<Upstream>) -> String {
    let app = Router::new()
        .route("/skills.yaml", get(data))
        .route("/slow.yaml", get(slow))
        .route("/big.yaml", get(big))
        .route("/gone.yaml", get(gone))
        .route("/flaky.yaml", get(flaky))
        .route("/down.yaml", get(down))
        .with_state(up);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn skill(name: &str) -> String {
    format!(
        "skills:\n  - name: {name}\n    skillType: mcp_tool\n    description: served over http\n"
    )
}

fn source(id: &str, url: &str, extra: &str) -> String {
    format!(
        "      - id: {id}\n        name: {id}\n        type: http\n        properties:\n          url: \"{url}\"\n{extra}"
    )
}

/// Starts the server and waits (bounded) until no source is still waiting for its first
/// background sync: readiness does not wait for http sources (PA-5).
async fn start(env: &Env, sources: &[String]) -> TestServer {
    let config = format!("catalogs:\n  skills:\n    sources:\n{}", sources.concat());
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &config)];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    eventually("first background sync", async || {
        let diag = s.get(&format!("{BASE}/management/diagnostics")).await.body;
        diag["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"] != "loading")
    })
    .await;
    s
}

async fn status(s: &TestServer, id: &str) -> Value {
    let diag = s.get(&format!("{BASE}/management/diagnostics")).await.body;
    diag["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no source {id} in {diag}"))
}

async fn of_source(s: &TestServer, id: &str) -> Vec<String> {
    names(
        &s.get(&format!("{BASE}/skills?filterQuery=sourceId%3D%27{id}%27"))
            .await
            .body,
    )
}

/// Polls `check` until it holds, failing after a generous bound (never a timing assertion).
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn etag_304_keeps_data_and_new_content_is_applied(backend: Backend) {
    let env = Env::new(&backend).await;
    let up = Arc::new(Upstream {
        current: Mutex::new(("\"v1\"".into(), skill("http-skill"))),
        conditional: AtomicUsize::new(0),
        not_modified: AtomicUsize::new(0),
        flaky: AtomicUsize::new(0),
        down: AtomicUsize::new(0),
    });
    let url = upstream(up.clone()).await;
    let s = start(
        &env,
        &[source(
            "web",
            &format!("{url}/skills.yaml"),
            "          syncInterval: \"1s\"\n",
        )],
    )
    .await;
    assert_eq!(of_source(&s, "web").await, ["http-skill"]);
    let before = s.get(&format!("{BASE}/skills/http-skill")).await.body;

    // The background sync sends the ETag back; the 304 keeps the data as it was.
    eventually("a 304 answer", async || {
        up.not_modified.load(Ordering::SeqCst) > 0
    })
    .await;
    assert_eq!(of_source(&s, "web").await, ["http-skill"]);
    assert_eq!(
        s.get(&format!("{BASE}/skills/http-skill")).await.body,
        before
    );
    let st = status(&s, "web").await;
    assert_eq!(st["state"], "available");
    assert_eq!(st["etag"], "\"v1\"");

    // New content under a new ETag is applied by the next background sync.
    *up.current.lock().unwrap() = ("\"v2\"".into(), skill("renamed-skill"));
    eventually("the new content", async || {
        of_source(&s, "web").await == ["renamed-skill"]
    })
    .await;

    // A manual refresh sends no validators and re-reads the body.
    let conditional = up.conditional.load(Ordering::SeqCst);
    let r = s
        .post(&format!("{BASE}/management/refresh/web"), &Value::Null)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["entitiesLoaded"], 1, "{}", r.body);
    assert_eq!(up.conditional.load(Ordering::SeqCst), conditional);
    s.stop().await;
    env.cleanup().await;
}

async fn timeouts_oversized_bodies_and_http_errors_keep_last_good_data(backend: Backend) {
    let env = Env::new(&backend).await;
    let up = Arc::new(Upstream {
        current: Mutex::new(("\"v1\"".into(), skill("good-skill"))),
        conditional: AtomicUsize::new(0),
        not_modified: AtomicUsize::new(0),
        flaky: AtomicUsize::new(0),
        down: AtomicUsize::new(0),
    });
    let url = upstream(up.clone()).await;
    let s = start(
        &env,
        &[
            source("good", &format!("{url}/skills.yaml"), ""),
            source(
                "slow",
                &format!("{url}/slow.yaml"),
                "          timeout: \"1s\"\n",
            ),
            source(
                "big",
                &format!("{url}/big.yaml"),
                "          maxBytes: 1000\n",
            ),
            source("gone", &format!("{url}/gone.yaml"), ""),
            source("bad", "not a url", ""),
            source("flaky", &format!("{url}/flaky.yaml"), ""),
            source("down", &format!("{url}/down.yaml"), ""),
        ],
    )
    .await;
    assert_eq!(of_source(&s, "good").await, ["good-skill"]);
    // A 503 is retried within the same sync.
    assert_eq!(of_source(&s, "flaky").await, ["flaky-skill"]);
    assert_eq!(up.flaky.load(Ordering::SeqCst), 2);
    // A sync that fails transiently (3 attempts, all 503) is retried with backoff, long before
    // the 24 h interval: the 4th request, in a second sync, succeeds.
    eventually("the retried sync", async || {
        of_source(&s, "down").await == ["flaky-skill"]
    })
    .await;
    assert_eq!(up.down.load(Ordering::SeqCst), 4);
    assert_eq!(status(&s, "down").await["state"], "available");
    for (id, expected) in [
        ("slow", "TransientNetwork: timed out"),
        (
            "big",
            "ValidationError: body is larger than maxBytes (1000 bytes)",
        ),
        ("gone", "NotFound: HTTP 404"),
        (
            "bad",
            "properties.url: must be an absolute http:// or https:// URL",
        ),
    ] {
        let st = status(&s, id).await;
        assert_eq!(st["state"], "error", "{id}: {st}");
        assert!(
            st["error"].as_str().unwrap().contains(expected),
            "{id}: {st}"
        );
        assert!(of_source(&s, id).await.is_empty());
    }

    // The good source now goes bad (oversized) on refresh: its last good data stays.
    *up.current.lock().unwrap() = ("\"v2\"".into(), format!("# {}\n", "y".repeat(40 << 20)));
    let r = s
        .post(&format!("{BASE}/management/refresh/good"), &Value::Null)
        .await;
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .contains("larger than maxBytes"),
        "{}",
        r.body
    );
    assert_eq!(of_source(&s, "good").await, ["good-skill"]);
    assert_eq!(status(&s, "good").await["state"], "error");
    s.stop().await;
    env.cleanup().await;
}
