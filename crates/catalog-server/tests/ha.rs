//! High availability (EN-77…82): leader election over the PostgreSQL lease row — one leader at
//! a time, takeover when the leader stops renewing, a deposed leader standing again — and HA
//! refused on SQLite.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use catalog_core::ha::{HaConfig, Leadership, LeaseBackend, LeaseStore, spawn_election};
use catalog_core::store::Database;
use common::{Backend, Env};
use tokio_util::sync::CancellationToken;

fn config(identity: &str) -> HaConfig {
    HaConfig {
        enabled: true,
        backend: LeaseBackend::Database,
        lease_name: "test-leader".into(),
        lease_duration: Duration::from_secs(3),
        renew_deadline: Duration::from_secs(2),
        retry_period: Duration::from_millis(300),
        identity: identity.into(),
        ..HaConfig::default()
    }
}

/// Waits until `cond` holds, checking every 50 ms that never both replicas lead.
async fn until(a: &Leadership, b: &Leadership, what: &str, cond: impl Fn() -> bool) {
    for _ in 0..400 {
        assert!(
            !(a.is_leader() && b.is_leader()),
            "two leaders at once during: {what}"
        );
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never reached: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_leader_at_a_time_with_takeover_and_reelection() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let env = Env::new(&backend).await;
    let server = env.start().await; // migrates
    let url = env.settings().database_url();
    let db_a = Database::connect(&url).await.unwrap();
    let db_b = Database::connect(&url).await.unwrap();
    let cancel_a = CancellationToken::new();
    let cancel_b = CancellationToken::new();
    let a = spawn_election(
        Arc::new(LeaseStore::new(db_a.clone(), "test-leader")),
        config("replica-a"),
        cancel_a.clone(),
    );
    for _ in 0..100 {
        if a.is_leader() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(a.status(), "leader");
    let b = spawn_election(
        Arc::new(LeaseStore::new(db_b, "test-leader")),
        config("replica-b"),
        cancel_b.clone(),
    );
    assert_eq!(b.status(), "follower");
    // B never takes over while A renews.
    for _ in 0..20 {
        until(&a, &b, "steady", || true).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(a.is_leader() && !b.is_leader());

    // Someone else grabs the row: A cannot renew, steps down, and stands again; after the
    // intruder's lease expires exactly one of A and B leads.
    let lease = LeaseStore::new(server.server.state().db.clone(), "test-leader");
    let Database::Postgres(pool) = &server.server.state().db else {
        unreachable!()
    };
    sqlx::query(
        "UPDATE leader_lease SET holder_identity = 'intruder', \
         renewed_at = (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT WHERE name = 'test-leader'",
    )
    .execute(pool)
    .await
    .unwrap();
    until(&a, &b, "a steps down", || !a.is_leader()).await;
    until(&a, &b, "a new leader", || a.is_leader() || b.is_leader()).await;
    let (holder, transitions) = lease.holder().await.unwrap().unwrap();
    assert!(holder == "replica-a" || holder == "replica-b", "{holder}");
    assert!(
        transitions >= 2,
        "'' → a, then (intruder →) new holder: {transitions}"
    );

    // The leader stops (and releases): the other takes over within the lease time.
    let (leader, follower, leader_cancel) = if a.is_leader() {
        (&a, &b, &cancel_a)
    } else {
        (&b, &a, &cancel_b)
    };
    leader_cancel.cancel();
    until(&a, &b, "takeover", || follower.is_leader()).await;
    assert!(!leader.is_leader());
    cancel_a.cancel();
    cancel_b.cancel();
    server.stop().await;
    env.cleanup().await;
}

#[tokio::test]
async fn leader_election_on_sqlite_fails_startup() {
    let env = Env::new(&Backend::Sqlite).await;
    let mut settings = env.settings();
    settings.enterprise.ha = config("x");
    let err = catalog_core::server::start(settings, catalog_server::registry().unwrap())
        .await
        .err()
        .expect("startup must fail");
    assert!(
        err.to_string().contains("leader election needs PostgreSQL"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_reports_the_leader_state() {
    let env = Env::new(&Backend::Sqlite).await;
    let s = env.start().await;
    let ready = s.get("/readyz").await;
    assert_eq!(
        ready.body["components"]["leader_election"]["status"],
        "not_configured"
    );
    s.stop().await;
    if let Some(backend) = Backend::postgres() {
        let env = Env::new(&backend).await;
        let mut settings = env.settings();
        settings.enterprise.ha = config("solo");
        let s = env
            .start_with(settings, catalog_server::registry().unwrap())
            .await;
        let mut status = String::new();
        for _ in 0..100 {
            status = s.get("/readyz").await.body["components"]["leader_election"]["status"]
                .as_str()
                .unwrap()
                .to_string();
            if status == "leader" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(status, "leader");
        s.stop().await;
        env.cleanup().await;
    }
}

/// Two full servers on one PostgreSQL database: migrations run once, one leads, and when the
/// leader stops the other takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_elect_one_leader_and_fail_over() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let env = Env::new(&backend).await;
    let start = |identity: &'static str| {
        let mut settings = env.settings();
        settings.enterprise.ha = HaConfig {
            lease_name: "catalog-server-leader".into(),
            ..config(identity)
        };
        env.start_with(settings, catalog_server::registry().unwrap())
    };
    let (one, two) = tokio::join!(start("server-one"), start("server-two"));
    let status = |s: &common::TestServer| {
        let url = format!("{}/readyz", s.base);
        let client = s.client.clone();
        async move {
            let body: serde_json::Value =
                client.get(url).send().await.unwrap().json().await.unwrap();
            body["components"]["leader_election"]["status"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let mut states = (String::new(), String::new());
    for _ in 0..200 {
        states = (status(&one).await, status(&two).await);
        assert!(states != ("leader".into(), "leader".into()), "two leaders");
        if states.0 == "leader" || states.1 == "leader" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let Database::Postgres(pool) = &one.server.state().db else {
        unreachable!()
    };
    let runs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM plugin_schema_migrations WHERE plugin = '_framework' AND version = '052-leader-lease'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(runs, 1, "each migration recorded once");
    let (leader, follower) = if states.0 == "leader" {
        (one, two)
    } else {
        (two, one)
    };
    assert_eq!(status(&follower).await, "follower");
    leader.stop().await;
    let mut took_over = false;
    for _ in 0..200 {
        if status(&follower).await == "leader" {
            took_over = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(took_over, "the follower took over after the leader stopped");
    follower.stop().await;
    env.cleanup().await;
}

/// A fake Kubernetes API server holding one Lease with optimistic concurrency.
#[derive(Default)]
struct FakeLeases {
    lease: Mutex<Option<serde_json::Value>>,
    version: Mutex<u64>,
    tokens: Mutex<Vec<String>>,
}

type Fake = axum::extract::State<Arc<FakeLeases>>;

fn remember_token(fake: &FakeLeases, headers: &axum::http::HeaderMap) {
    let token = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    fake.tokens.lock().unwrap().push(token);
}

async fn get_lease(
    axum::extract::State(fake): Fake,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    remember_token(&fake, &headers);
    match fake.lease.lock().unwrap().clone() {
        Some(lease) => axum::Json(lease).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// Stores `lease` with a new resourceVersion if `expected` matches the current one.
fn store_lease(fake: &FakeLeases, mut lease: serde_json::Value, expected: Option<&str>) -> u16 {
    let mut current = fake.lease.lock().unwrap();
    let current_version = current.as_ref().map(|l| {
        l["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string()
    });
    if current_version.as_deref() != expected {
        return 409;
    }
    let mut version = fake.version.lock().unwrap();
    *version += 1;
    lease["metadata"]["resourceVersion"] = version.to_string().into();
    *current = Some(lease);
    200
}

async fn create_lease(
    axum::extract::State(fake): Fake,
    headers: axum::http::HeaderMap,
    axum::Json(lease): axum::Json<serde_json::Value>,
) -> axum::http::StatusCode {
    remember_token(&fake, &headers);
    match store_lease(&fake, lease, None) {
        200 => axum::http::StatusCode::CREATED,
        code => axum::http::StatusCode::from_u16(code).unwrap(),
    }
}

async fn replace_lease(
    axum::extract::State(fake): Fake,
    headers: axum::http::HeaderMap,
    axum::Json(lease): axum::Json<serde_json::Value>,
) -> axum::http::StatusCode {
    remember_token(&fake, &headers);
    let expected = lease["metadata"]["resourceVersion"]
        .as_str()
        .map(String::from);
    let code = match expected {
        Some(v) => store_lease(&fake, lease, Some(&v)),
        None => 409,
    };
    axum::http::StatusCode::from_u16(code).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_lease_elects_one_leader_and_hands_over() {
    let fake = Arc::new(FakeLeases::default());
    let leases = "/apis/coordination.k8s.io/v1/namespaces/catalog-system/leases";
    let app = axum::Router::new()
        .route(leases, axum::routing::post(create_lease))
        .route(
            &format!("{leases}/{{name}}"),
            axum::routing::get(get_lease).put(replace_lease),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "sa-token").unwrap();
    let kube = catalog_core::authz::KubeAccess {
        api_url: Some(url),
        token_file: Some(token),
    };
    let elector = |identity: &str| {
        let lease = catalog_core::ha::KubeLease::new(
            kube.clone(),
            "catalog-system",
            "catalog-server-leader",
        )
        .unwrap();
        let cancel = CancellationToken::new();
        let config = HaConfig {
            lease_namespace: "catalog-system".into(),
            ..config(identity)
        };
        (
            spawn_election(Arc::new(lease), config, cancel.clone()),
            cancel,
        )
    };
    let (a, cancel_a) = elector("pod-a");
    for _ in 0..100 {
        if a.is_leader() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(a.is_leader());
    let (b, cancel_b) = elector("pod-b");
    for _ in 0..20 {
        until(&a, &b, "steady", || true).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(a.is_leader() && !b.is_leader());
    {
        let lease = fake.lease.lock().unwrap().clone().unwrap();
        assert_eq!(lease["spec"]["holderIdentity"], "pod-a");
        assert_eq!(lease["spec"]["leaseDurationSeconds"], 3);
        assert!(
            lease["spec"]["renewTime"]
                .as_str()
                .unwrap()
                .ends_with("000Z")
        );
    }
    // A stops and releases: B takes over and the transition is counted.
    cancel_a.cancel();
    until(&a, &b, "b takes over", || b.is_leader()).await;
    let lease = fake.lease.lock().unwrap().clone().unwrap();
    assert_eq!(lease["spec"]["holderIdentity"], "pod-b");
    assert_eq!(lease["spec"]["leaseTransitions"], 1);
    assert!(
        fake.tokens
            .lock()
            .unwrap()
            .iter()
            .all(|t| t == "Bearer sa-token")
    );
    cancel_b.cancel();
}
