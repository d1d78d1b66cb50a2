//! Audit over real HTTP (EN-40…49): one event per mutating request (denials and failures
//! included, reads never), the listing with filters and cursor paging, get by id, retention.
#![cfg(feature = "mcp")]

mod common;

use std::collections::HashSet;

use catalog_core::audit::{AuditEvent, AuditStore, run_retention};
use catalog_core::authz::AuthzMode;
use common::{Backend, Env, Reply, TestServer};
use serde_json::{Value, json};

const MGMT: &str = "/api/mcp_catalog/v1alpha1/management";
const EVENTS: &str = "/api/audit/v1alpha1/events";
const ADMIN: &[(&str, &str)] = &[("x-remote-user", "ada"), ("x-user-role", "admin")];

on_both_backends!(
    every_mutation_yields_exactly_one_event_and_reads_none,
    events_page_by_cursor_and_filter,
    retention_deletes_only_old_events,
);

async fn send(s: &TestServer, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let url = format!("{}{path}", s.base);
    let mut req = match method {
        "GET" => s.client.get(url),
        "DELETE" => s.client.delete(url),
        _ => s.client.post(url),
    };
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    s.send(req).await
}

async fn start(env: &Env) -> TestServer {
    let mut settings = env.settings();
    settings.enterprise.authz.mode = AuthzMode::Role;
    settings.enterprise.identity.operator_groups = vec!["ops".into()];
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

async fn every_mutation_yields_exactly_one_event_and_reads_none(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let alice = [
        ("x-remote-user", "alice"),
        ("x-remote-group", "ops, ml-eng"),
        ("x-correlation-id", "corr-1"),
        ("x-request-id", "req-alice-1"),
    ];
    let ok = send(&s, "POST", &format!("{MGMT}/refresh"), &alice).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let denied = send(
        &s,
        "POST",
        &format!("{MGMT}/refresh/mcp-x"),
        &[("x-remote-user", "vic")],
    )
    .await;
    assert_eq!(denied.status, 403);
    let failed = send(
        &s,
        "POST",
        &format!("{MGMT}/refresh/no-such-source"),
        &alice[..2],
    )
    .await;
    assert!(
        failed.status >= 400 && failed.status != 403,
        "{}",
        failed.body
    );
    // Reads and probes are never audited.
    for path in ["/api/plugins", "/readyz", &format!("{MGMT}/diagnostics")] {
        send(&s, "GET", path, &alice[..2]).await;
    }
    let list = send(&s, "GET", EVENTS, ADMIN).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["totalSize"], 3, "{}", list.body);
    assert_eq!(list.body["nextPageToken"], "");
    let events = list.body["events"].as_array().unwrap();
    let by_outcome = |o: &str| events.iter().find(|e| e["outcome"] == o).unwrap().clone();

    let success = by_outcome("success");
    assert_eq!(success["actor"], "alice");
    assert_eq!(success["namespace"], "default");
    assert_eq!(success["eventType"], "management");
    assert_eq!(success["plugin"], "mcp");
    assert_eq!(success["resourceType"], "refresh");
    assert_eq!(success["action"], "refresh");
    assert_eq!(success["actionVerb"], "refresh");
    assert_eq!(success["statusCode"], 200);
    assert_eq!(success["requestId"], "req-alice-1");
    assert_eq!(success["correlationId"], "corr-1");
    assert!(success.get("reason").is_none());
    assert!(success.get("resourceIds").is_none());
    assert_eq!(success["metadata"]["method"], "POST");
    assert_eq!(success["metadata"]["path"], format!("{MGMT}/refresh"));
    assert_eq!(success["metadata"]["groups"], json!(["ops", "ml-eng"]));
    let ms = success["metadata"]["durationMs"].as_i64().unwrap();
    assert_eq!(success["metadata"]["duration"], format!("{ms}ms"));
    assert!(success["createdAt"].as_str().unwrap().ends_with('Z'));

    let denial = by_outcome("denied");
    assert_eq!(denial["actor"], "vic");
    assert_eq!(denial["statusCode"], 403);
    assert_eq!(denial["resourceIds"], json!(["mcp-x"]));
    assert_eq!(
        denial["reason"],
        "insufficient permissions for jobs/create in namespace default"
    );
    assert_eq!(denial["correlationId"], denial["requestId"]);

    let failure = by_outcome("failure");
    assert_eq!(failure["resourceIds"], json!(["no-such-source"]));
    assert_eq!(failure["statusCode"], failed.status);
    assert_eq!(failure["reason"], failed.body["message"]);

    // Get by id returns the same event; unknown ids are 404 with the spec's message.
    let id = success["id"].as_str().unwrap();
    let one = send(&s, "GET", &format!("{EVENTS}/{id}"), ADMIN).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body, success);
    let missing = send(&s, "GET", &format!("{EVENTS}/nope"), ADMIN).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["message"], "audit event \"nope\" not found");
    s.stop().await;
    env.cleanup().await;
}

async fn events_page_by_cursor_and_filter(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let ops = [("x-remote-user", "olga"), ("x-remote-group", "ops")];
    for i in 0..7 {
        let who: &[(&str, &str)] = if i % 3 == 0 {
            &[("x-remote-user", "vic")]
        } else {
            &ops
        };
        send(&s, "POST", &format!("{MGMT}/refresh"), who).await;
    }
    let mut seen: Vec<Value> = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = send(
            &s,
            "GET",
            &format!("{EVENTS}?pageSize=3&pageToken={token}"),
            ADMIN,
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body["totalSize"], 7, "totalSize ignores the token");
        seen.extend(page.body["events"].as_array().unwrap().iter().cloned());
        pages += 1;
        token = page.body["nextPageToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages, 3);
    let ids: HashSet<&str> = seen.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 7, "every event exactly once across pages");
    let keys: Vec<(String, String)> = seen
        .iter()
        .map(|e| {
            (
                e["createdAt"].as_str().unwrap().into(),
                e["id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted, "newest first, ties by id");

    let count = |body: &Value| body["totalSize"].as_i64().unwrap();
    assert_eq!(
        count(
            &send(&s, "GET", &format!("{EVENTS}?actor=vic"), ADMIN)
                .await
                .body
        ),
        3
    );
    assert_eq!(
        count(
            &send(&s, "GET", &format!("{EVENTS}?actor=olga&outcome=x"), ADMIN)
                .await
                .body
        ),
        4
    );
    assert_eq!(
        count(
            &send(
                &s,
                "GET",
                &format!("{EVENTS}?plugin=mcp&action=refresh"),
                ADMIN
            )
            .await
            .body
        ),
        7
    );
    assert_eq!(
        count(
            &send(&s, "GET", &format!("{EVENTS}?eventType=governance"), ADMIN)
                .await
                .body
        ),
        0
    );
    assert_eq!(
        send(&s, "GET", &format!("{EVENTS}?pageSize=500"), ADMIN)
            .await
            .body["events"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    for bad in ["garbage!", "MTIz", "eHx5"] {
        let r = send(&s, "GET", &format!("{EVENTS}?pageToken={bad}"), ADMIN).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.body["error"], "bad_request");
        assert_eq!(r.body["details"][0]["field"], "pageToken");
    }
    s.stop().await;
    env.cleanup().await;
}

fn old_event(id: &str, created_at: i64) -> AuditEvent {
    AuditEvent {
        id: id.into(),
        namespace: "default".into(),
        actor: "old".into(),
        event_type: "management".into(),
        request_id: None,
        correlation_id: None,
        plugin: Some("mcp".into()),
        resource_type: None,
        resource_ids: None,
        action: Some("refresh".into()),
        action_verb: Some("refresh".into()),
        outcome: "success".into(),
        status_code: Some(200),
        reason: None,
        asset_uid: None,
        version_id: None,
        old_value: None,
        new_value: None,
        metadata: None,
        created_at,
    }
}

async fn retention_deletes_only_old_events(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let store = AuditStore::new(s.server.state().db.clone());
    let day = 86_400_000_i64;
    let now = 1_900_000_000_000_i64;
    store
        .insert(&old_event("a-100d", now - 100 * day))
        .await
        .unwrap();
    store
        .insert(&old_event("b-90d", now - 90 * day - 1))
        .await
        .unwrap();
    store
        .insert(&old_event("c-89d", now - 89 * day))
        .await
        .unwrap();
    store.insert(&old_event("d-new", now)).await.unwrap();
    assert_eq!(run_retention(&store, 90, now).await, 2);
    let left = send(&s, "GET", &format!("{EVENTS}?actor=old"), ADMIN).await;
    let ids: Vec<&str> = left.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["d-new", "c-89d"]);
    assert_eq!(run_retention(&store, 90, now).await, 0, "idempotent");
    s.stop().await;
    env.cleanup().await;
}
