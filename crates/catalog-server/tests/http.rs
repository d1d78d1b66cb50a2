//! The HTTP surface every route shares: error envelope, body limit, 404/405, request ids,
//! CORS and metrics.
#![cfg(feature = "mcp")]

mod common;

use common::{Backend, Env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_json_envelopes_with_request_ids() {
    let env = Env::new(&Backend::Sqlite).await;
    let s = env.start().await;

    let nf = s.get("/no/such/route").await;
    assert_eq!(nf.status, 404);
    assert_eq!(nf.body["error"], "not_found");
    assert_eq!(
        nf.headers["x-request-id"].to_str().unwrap(),
        nf.body["requestId"].as_str().unwrap()
    );

    let wrong_method = s
        .send(s.client.delete(format!("{}/api/plugins", s.base)))
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.body["error"], "method_not_allowed");

    let echoed = s
        .send(
            s.client
                .get(format!("{}/livez", s.base))
                .header("x-request-id", "abc-123"),
        )
        .await;
    assert_eq!(echoed.headers["x-request-id"], "abc-123");
    let replaced = s
        .send(
            s.client
                .get(format!("{}/livez", s.base))
                .header("x-request-id", "has space"),
        )
        .await;
    assert_ne!(replaced.headers["x-request-id"], "has space");
    assert!(!replaced.headers["x-request-id"].is_empty());

    let live = s.get("/healthz").await;
    assert_eq!(live.body["status"], "alive");
    assert!(live.body["uptime"].as_str().unwrap().ends_with('s'));
    let ns = s.get("/api/tenancy/v1alpha1/namespaces").await;
    assert_eq!(
        ns.body,
        serde_json::json!({"namespaces": ["default"], "mode": "single"})
    );
    s.stop().await;

    // Bodies above the configured limit are refused before any handler runs.
    let mut settings = env.settings();
    settings.max_body_bytes = 4096;
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let before = s
        .get("/api/mcp_catalog/v1alpha1/management/diagnostics")
        .await
        .body;
    let too_large = s
        .send(
            s.client
                .post(format!(
                    "{}/api/mcp_catalog/v1alpha1/management/refresh",
                    s.base
                ))
                .body(vec![b'x'; 16 * 1024]),
        )
        .await;
    assert_eq!(too_large.status, 413);
    assert_eq!(too_large.body["error"], "payload_too_large");
    assert!(too_large.body["message"].as_str().unwrap().contains("4096"));
    let after = s
        .get("/api/mcp_catalog/v1alpha1/management/diagnostics")
        .await
        .body;
    assert_eq!(before, after, "the refresh handler never ran");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_closed_by_default_and_opens_for_listed_origins() {
    let env = Env::new(&Backend::Sqlite).await;
    let preflight = |s: &common::TestServer, origin: &str| {
        s.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/plugins", s.base))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
    };
    let s = env.start().await;
    let r = s.send(preflight(&s, "https://ui.example")).await;
    assert!(r.headers.get("access-control-allow-origin").is_none());
    s.stop().await;

    let mut settings = env.settings();
    settings.cors_allowed_origins = vec!["https://ui.example".into()];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let r = s.send(preflight(&s, "https://ui.example")).await;
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://ui.example"
    );
    assert_eq!(r.headers["access-control-max-age"], "300");
    let other = s.send(preflight(&s, "https://evil.example")).await;
    assert!(other.headers.get("access-control-allow-origin").is_none());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_template_and_entities_per_plugin() {
    let env = Env::new(&Backend::Sqlite).await;
    let s = env.start().await;
    s.get("/api/mcp_catalog/v1alpha1/mcpservers/github-mcp-server")
        .await;
    s.get("/api/mcp_catalog/v1alpha1/mcpservers/nope").await;
    let text = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle) && !l.starts_with('#'))
            .map(str::to_string)
    };
    let ok =
        line(r#"route="/api/mcp_catalog/v1alpha1/mcpservers/{name}",status="200""#).expect(&text);
    assert!(
        ok.starts_with("catalog_http_requests_total") && ok.ends_with(" 1"),
        "{ok}"
    );
    assert!(line(r#"route="/api/mcp_catalog/v1alpha1/mcpservers/{name}",status="404""#).is_some());
    assert!(
        line(r#"catalog_entities{plugin="mcp"} 6"#).is_some(),
        "{text}"
    );
    assert!(line(r#"catalog_plugin_healthy{plugin="mcp"} 1"#).is_some());
    assert!(text.contains("catalog_http_request_duration_seconds_bucket"));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_responses_are_cached_until_something_changes() {
    let env = Env::new(&Backend::Sqlite).await;
    let s = env.start().await;
    for path in ["/api/plugins", "/api/plugins/mcp/capabilities"] {
        let first = s.get(path).await;
        assert_eq!(first.headers["x-cache"], "MISS", "{path}");
        let second = s.get(path).await;
        assert_eq!(second.headers["x-cache"], "HIT", "{path}");
        assert_eq!(
            first.body, second.body,
            "{path}: a hit serves the same document"
        );
        assert_eq!(second.headers["content-type"], "application/json");
    }
    assert_eq!(
        s.get("/api/plugins?x=1").await.headers["x-cache"],
        "HIT",
        "keyed by path and namespace: junk query parameters mint no keys (EN-70)"
    );
    let refreshed = s
        .post(
            "/api/mcp_catalog/v1alpha1/management/refresh",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(refreshed.status, 200);
    assert_eq!(
        s.get("/api/plugins").await.headers["x-cache"],
        "MISS",
        "a refresh invalidates"
    );
    let unknown = s.get("/api/plugins/nope/capabilities").await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.headers.get("x-cache").is_none(),
        "errors are not cached"
    );
    s.stop().await;
}

/// FW-29: a client that never finishes its headers, or holds an idle keep-alive connection, is
/// disconnected once the header-read timeout expires; a prompt client on another connection is
/// served meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_and_idle_connections_are_closed_after_the_header_read_timeout() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let env = Env::new(&Backend::Sqlite).await;
    let mut settings = env.settings();
    settings.header_read_timeout = Duration::from_millis(400);
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let addr = s.base.trim_start_matches("http://").to_string();

    // Half a request line, then silence.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    assert_eq!(s.get("/livez").await.status, 200);
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server never closed the slow connection");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(
        buf.is_empty() || String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"),
        "no response to an incomplete request except a timeout: {:?}",
        String::from_utf8_lossy(&buf)
    );

    // A complete request is answered; the connection then idles and is closed.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), idle.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the idle keep-alive connection stayed open");
    s.stop().await;
    env.cleanup().await;
}
