//! High availability (EN-77…82): leader election over the PostgreSQL lease row — one leader at
//! a time, takeover when the leader stops renewing, a deposed leader standing again — and HA
//! refused on SQLite.

mod common;

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
        LeaseStore::new(db_a.clone(), "test-leader"),
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
        LeaseStore::new(db_b, "test-leader"),
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
