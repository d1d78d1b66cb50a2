//! Async refresh jobs (EN-50…67): 202 + Location over HTTP, dedup, queue limit, fenced claims,
//! stuck recovery, retries, cancel, and exactly-once execution by two replicas' worker pools
//! claiming from one database.
#![cfg(feature = "mcp")]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use catalog_core::jobs::{
    CancelOutcome, Enqueued, Fence, Job, JobError, JobQuery, JobRunner, JobStore, JobsConfig,
    RunResult, spawn_workers,
};
use catalog_core::store::{Database, now_ms};
use common::{Backend, Env, Reply, TestServer};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

const MGMT: &str = "/api/mcp_catalog/v1alpha1/management";

on_both_backends!(
    refresh_is_queued_and_run_by_a_worker,
    queued_jobs_dedupe_limit_cancel_and_stay_in_their_namespace,
    enqueue_deduplicates_and_limits_the_queue,
    claims_are_fenced_recovered_and_retried,
    cancel_covers_every_state,
    two_replicas_run_each_job_exactly_once,
    a_running_job_heartbeats_and_stops_when_canceled,
);

async fn post(s: &TestServer, path: &str) -> Reply {
    s.send(
        s.client
            .post(format!("{}{path}", s.base))
            .header("x-remote-user", "olga"),
    )
    .await
}

/// Polls `path` until `done` holds (a hang guard, not a timing assertion).
async fn wait_for(s: &TestServer, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let r = s.get(path).await;
        if done(&r.body) {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never reached the expected state");
}

async fn refresh_is_queued_and_run_by_a_worker(backend: Backend) {
    let env = Env::new(&backend).await;
    let mut settings = env.settings();
    settings.enterprise.jobs.enabled = true;
    settings.enterprise.jobs.concurrency = 2;
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let accepted = post(&s, &format!("{MGMT}/refresh")).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "queued");
    assert_eq!(accepted.body["deduplicated"], false);
    let id = accepted.body["jobId"].as_str().unwrap().to_string();
    let location = accepted.headers["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/api/jobs/v1alpha1/refresh/{id}"));
    let job = wait_for(&s, &location, |b| b["state"] == "succeeded").await;
    assert_eq!(job["plugin"], "mcp");
    assert_eq!(job["sourceId"], "_all");
    assert_eq!(job["requestedBy"], "olga");
    assert_eq!(job["attemptCount"], 1);
    assert!(
        job["message"].as_str().unwrap().starts_with("Loaded "),
        "{job}"
    );
    assert!(job["finishedAt"].as_str().unwrap().ends_with('Z'));

    // A missing source fails at once (permanent), without retries.
    let missing = post(&s, &format!("{MGMT}/refresh/no-such-source")).await;
    assert_eq!(missing.status, 202);
    let loc = missing.headers["location"].to_str().unwrap().to_string();
    let failed = wait_for(&s, &loc, |b| b["state"] == "failed").await;
    assert_eq!(failed["attemptCount"], 1, "{failed}");
    assert!(!failed["lastError"].as_str().unwrap().is_empty());

    let list = s.get("/api/jobs/v1alpha1/refresh?state=succeeded").await;
    assert_eq!(list.body["totalSize"], 1);
    assert_eq!(list.body["jobs"][0]["id"], id.as_str());
    let bad = s.get("/api/jobs/v1alpha1/refresh?state=done").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["details"][0]["field"], "state");
    let bad_token = s.get("/api/jobs/v1alpha1/refresh?pageToken=zz!").await;
    assert_eq!(bad_token.status, 400);
    // Cancel: terminal → 409; unknown → 404; a bare POST without :cancel → 404.
    assert_eq!(post(&s, &format!("{location}:cancel")).await.status, 409);
    let unknown = post(&s, "/api/jobs/v1alpha1/refresh/nope:cancel").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["message"], "refresh job \"nope\" not found");
    assert_eq!(post(&s, &location).await.status, 404);
    assert_eq!(s.get("/api/jobs/v1alpha1/refresh/nope").await.status, 404);
    s.stop().await;
    env.cleanup().await;
}

async fn queued_jobs_dedupe_limit_cancel_and_stay_in_their_namespace(backend: Backend) {
    let env = Env::new(&backend).await;
    let mut settings = env.settings();
    settings.enterprise.jobs.enabled = true;
    settings.enterprise.jobs.concurrency = 0; // enqueue only: jobs stay queued
    settings.enterprise.jobs.max_queued_per_namespace = 1;
    settings.enterprise.tenancy.mode = catalog_core::tenancy::TenancyMode::Namespace;
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let in_ns = |path: &str, ns: &str| {
        format!(
            "{path}{}namespace={ns}",
            if path.contains('?') { "&" } else { "?" }
        )
    };
    let first = post(&s, &in_ns(&format!("{MGMT}/refresh/mcp-a"), "team-a")).await;
    assert_eq!(first.status, 202, "{}", first.body);
    let id = first.body["jobId"].as_str().unwrap().to_string();
    let again = post(&s, &in_ns(&format!("{MGMT}/refresh/mcp-a"), "team-a")).await;
    assert_eq!(again.status, 202);
    assert_eq!(again.body["jobId"], id.as_str());
    assert_eq!(again.body["deduplicated"], true);
    assert_eq!(again.body["status"], "queued");
    let full = post(&s, &in_ns(&format!("{MGMT}/refresh/mcp-b"), "team-a")).await;
    assert_eq!(full.status, 429, "{}", full.body);
    assert_eq!(full.headers["retry-after"], "30");
    // Another namespace has its own queue and cannot see or cancel team-a's job.
    assert_eq!(
        post(&s, &in_ns(&format!("{MGMT}/refresh/mcp-b"), "team-b"))
            .await
            .status,
        202
    );
    let job = format!("/api/jobs/v1alpha1/refresh/{id}");
    assert_eq!(s.get(&in_ns(&job, "team-b")).await.status, 404);
    assert_eq!(
        post(&s, &in_ns(&format!("{job}:cancel"), "team-b"))
            .await
            .status,
        404
    );
    let listed = s.get(&in_ns("/api/jobs/v1alpha1/refresh", "team-b")).await;
    assert_eq!(listed.body["totalSize"], 1);
    assert_ne!(listed.body["jobs"][0]["id"], id.as_str());
    // The owner cancels the queued job.
    let canceled = post(&s, &in_ns(&format!("{job}:cancel"), "team-a")).await;
    assert_eq!(canceled.status, 200);
    assert_eq!(
        canceled.body,
        serde_json::json!({"status": "canceled", "jobId": id})
    );
    let after = s.get(&in_ns(&job, "team-a")).await;
    assert_eq!(after.body["state"], "canceled");
    assert_eq!(after.body["message"], "Canceled by user");
    s.stop().await;
    env.cleanup().await;
}

/// A server that only migrates (jobs disabled, so no workers), and its database.
async fn database(env: &Env) -> (TestServer, Database) {
    let s = env.start().await;
    let db = s.server.state().db.clone();
    (s, db)
}

async fn enqueue_deduplicates_and_limits_the_queue(backend: Backend) {
    let env = Env::new(&backend).await;
    let (s, db) = database(&env).await;
    let store = JobStore::new(
        db,
        JobsConfig {
            max_queued_per_namespace: 3,
            ..JobsConfig::default()
        },
    );
    let first = store
        .enqueue("default", "mcp", "s1", "u", None)
        .await
        .unwrap();
    let again = store
        .enqueue("default", "mcp", "s1", "v", None)
        .await
        .unwrap();
    let (
        Enqueued::Job {
            job: a,
            deduplicated: false,
        },
        Enqueued::Job {
            job: b,
            deduplicated: true,
        },
    ) = (&first, &again)
    else {
        panic!("{first:?} / {again:?}");
    };
    assert_eq!(a.id, b.id);
    assert_eq!(a.idempotency_key.as_deref(), Some("default:mcp:s1"));
    // Another namespace is another key.
    assert!(matches!(
        store
            .enqueue("team-a", "mcp", "s1", "u", None)
            .await
            .unwrap(),
        Enqueued::Job {
            deduplicated: false,
            ..
        }
    ));
    store
        .enqueue("default", "mcp", "s2", "u", None)
        .await
        .unwrap();
    store
        .enqueue("default", "mcp", "s3", "u", None)
        .await
        .unwrap();
    assert!(matches!(
        store
            .enqueue("default", "mcp", "s4", "u", None)
            .await
            .unwrap(),
        Enqueued::QueueFull
    ));
    // Once the job is finished, the same key enqueues a fresh job.
    let mut finished = Vec::new();
    while let Some(claimed) = store.claim("w").await.unwrap() {
        assert!(store.complete(&Fence::of(&claimed), 1, 0, 5).await.unwrap());
        finished.push(claimed.id);
    }
    assert_eq!(finished.len(), 4, "every queued job claimed once");
    assert!(finished.contains(&a.id));
    match store
        .enqueue("default", "mcp", "s1", "u", None)
        .await
        .unwrap()
    {
        Enqueued::Job { job, deduplicated } => {
            assert!(!deduplicated);
            assert_ne!(job.id, a.id);
        }
        other => panic!("{other:?}"),
    }
    s.stop().await;
    env.cleanup().await;
}

fn fast(max_retries: u32) -> JobsConfig {
    JobsConfig {
        max_retries,
        claim_timeout: Duration::from_secs(60),
        retry_base: Duration::ZERO,
        retry_max: Duration::ZERO,
        ..JobsConfig::default()
    }
}

fn enqueued(e: Enqueued) -> Job {
    match e {
        Enqueued::Job { job, .. } => *job,
        other => panic!("{other:?}"),
    }
}

async fn claims_are_fenced_recovered_and_retried(backend: Backend) {
    let env = Env::new(&backend).await;
    let (s, db) = database(&env).await;
    let store = JobStore::new(db, fast(1));
    let job = enqueued(
        store
            .enqueue("default", "mcp", "s1", "u", None)
            .await
            .unwrap(),
    );
    let first = store.claim("r1/0").await.unwrap().unwrap();
    assert_eq!((first.state.as_str(), first.attempt_count), ("running", 1));
    assert!(
        store.claim("r1/1").await.unwrap().is_none(),
        "one claim only"
    );
    // The worker vanishes; recovery (as of well past the timeout) requeues it as a retry.
    assert_eq!(
        store.recover_stuck(now_ms() + 120_000, 0.5).await.unwrap(),
        1
    );
    assert_eq!(
        store.recover_stuck(now_ms() + 120_000, 0.5).await.unwrap(),
        0,
        "idempotent"
    );
    let requeued = store.get(&job.id, None).await.unwrap().unwrap();
    assert_eq!(requeued.state, "queued");
    assert_eq!(
        requeued.last_error.as_deref(),
        Some("Timed out (stuck job recovery)")
    );
    // The old worker's late writes are fenced off.
    let stale = Fence::of(&first);
    assert!(!store.complete(&stale, 9, 9, 9).await.unwrap());
    assert_eq!(store.heartbeat(&stale).await.unwrap(), None);
    // Second (last) attempt fails transiently: out of attempts.
    let second = store.claim("r2/0").await.unwrap().unwrap();
    assert_eq!(second.attempt_count, 2);
    assert!(
        store
            .fail(&Fence::of(&second), "boom", false, 0.5)
            .await
            .unwrap()
    );
    let failed = store.get(&job.id, None).await.unwrap().unwrap();
    assert_eq!(failed.state, "failed");
    assert_eq!(
        failed.message.as_deref(),
        Some("Max retries exceeded: boom")
    );
    assert!(failed.finished_at.is_some());

    // With retries left, a transient failure waits for its backoff before the next claim.
    let slow = JobStore::new(
        s.server.state().db.clone(),
        JobsConfig {
            max_retries: 3,
            ..JobsConfig::default()
        },
    );
    let j = enqueued(
        slow.enqueue("default", "mcp", "s2", "u", None)
            .await
            .unwrap(),
    );
    let c = slow.claim("w").await.unwrap().unwrap();
    assert!(
        slow.fail(&Fence::of(&c), "flaky", false, 0.5)
            .await
            .unwrap()
    );
    let waiting = slow.get(&j.id, None).await.unwrap().unwrap();
    assert_eq!(waiting.state, "queued");
    assert!(waiting.next_attempt_at.unwrap() > now_ms());
    assert!(
        slow.claim("w").await.unwrap().is_none(),
        "not before next_attempt_at"
    );
    // Permanent errors fail at once.
    let p = enqueued(
        slow.enqueue("default", "mcp", "s3", "u", None)
            .await
            .unwrap(),
    );
    let c = slow.claim("w").await.unwrap().unwrap();
    assert_eq!(c.id, p.id);
    assert!(
        slow.fail(&Fence::of(&c), "no such source", true, 0.5)
            .await
            .unwrap()
    );
    assert_eq!(
        slow.get(&p.id, None).await.unwrap().unwrap().state,
        "failed"
    );
    s.stop().await;
    env.cleanup().await;
}

async fn cancel_covers_every_state(backend: Backend) {
    let env = Env::new(&backend).await;
    let (s, db) = database(&env).await;
    let store = JobStore::new(db, fast(0));
    let queued = enqueued(
        store
            .enqueue("team-a", "mcp", "s1", "u", None)
            .await
            .unwrap(),
    );
    assert_eq!(
        store.cancel(&queued.id, "team-b").await.unwrap(),
        CancelOutcome::NotFound
    );
    assert_eq!(
        store.cancel(&queued.id, "team-a").await.unwrap(),
        CancelOutcome::Canceled
    );
    let done = store.get(&queued.id, None).await.unwrap().unwrap();
    assert_eq!(
        (done.state.as_str(), done.message.as_deref()),
        ("canceled", Some("Canceled by user"))
    );
    assert_eq!(
        store.cancel(&queued.id, "team-a").await.unwrap(),
        CancelOutcome::Terminal
    );

    let running = enqueued(
        store
            .enqueue("team-a", "mcp", "s2", "u", None)
            .await
            .unwrap(),
    );
    let claimed = store.claim("w").await.unwrap().unwrap();
    assert_eq!(claimed.id, running.id);
    assert_eq!(
        store.cancel(&running.id, "team-a").await.unwrap(),
        CancelOutcome::CancelRequested
    );
    let fence = Fence::of(&claimed);
    assert_eq!(store.heartbeat(&fence).await.unwrap(), Some(true));
    assert!(store.mark_canceled(&fence).await.unwrap());
    assert_eq!(
        store.get(&running.id, None).await.unwrap().unwrap().state,
        "canceled"
    );
    assert_eq!(
        store.cancel("nope", "team-a").await.unwrap(),
        CancelOutcome::NotFound
    );
    s.stop().await;
    env.cleanup().await;
}

/// Records every job it runs.
#[derive(Default)]
struct Counting(Mutex<HashMap<String, usize>>);

#[async_trait]
impl JobRunner for Counting {
    async fn run(&self, job: &Job) -> Result<RunResult, JobError> {
        *self.0.lock().unwrap().entry(job.id.clone()).or_default() += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
        Ok(RunResult {
            loaded: 1,
            removed: 0,
        })
    }
}

async fn two_replicas_run_each_job_exactly_once(backend: Backend) {
    let env = Env::new(&backend).await;
    let (s, db) = database(&env).await;
    let url = env.settings().database_url();
    let config = JobsConfig {
        enabled: true,
        concurrency: 4,
        poll_interval: Duration::from_millis(20),
        max_queued_per_namespace: 1000,
        ..JobsConfig::default()
    };
    // Two replicas: separate connection pools, each with its own worker pool.
    let replica_a = JobStore::new(db, config.clone());
    let replica_b = JobStore::new(Database::connect(&url).await.unwrap(), config);
    let runner = Arc::new(Counting::default());
    let cancel = CancellationToken::new();
    spawn_workers(
        replica_a.clone(),
        runner.clone(),
        "replica-a",
        cancel.clone(),
    );
    spawn_workers(
        replica_b.clone(),
        runner.clone(),
        "replica-b",
        cancel.clone(),
    );
    let mut ids = Vec::new();
    for i in 0..100 {
        let store = if i % 2 == 0 { &replica_a } else { &replica_b };
        ids.push(
            enqueued(
                store
                    .enqueue("default", "mcp", &format!("s{i}"), "u", None)
                    .await
                    .unwrap(),
            )
            .id,
        );
    }
    let succeeded = JobQuery {
        state: Some("succeeded".into()),
        page_size: 1,
        ..JobQuery::default()
    };
    let mut total = 0;
    for _ in 0..1200 {
        total = replica_a.list(&succeeded).await.unwrap().2;
        if total == 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    assert_eq!(total, 100, "every job finished");
    let runs = runner.0.lock().unwrap().clone();
    assert_eq!(runs.len(), 100);
    for id in &ids {
        assert_eq!(
            runs.get(id),
            Some(&1),
            "job {id} ran {:?} times",
            runs.get(id)
        );
    }
    s.stop().await;
    env.cleanup().await;
}

/// Never finishes on its own.
struct Hanging;

#[async_trait]
impl JobRunner for Hanging {
    async fn run(&self, _: &Job) -> Result<RunResult, JobError> {
        std::future::pending().await
    }
}

async fn a_running_job_heartbeats_and_stops_when_canceled(backend: Backend) {
    let env = Env::new(&backend).await;
    let (s, db) = database(&env).await;
    let store = JobStore::new(
        db,
        JobsConfig {
            concurrency: 1,
            claim_timeout: Duration::from_millis(1500), // heartbeat every 500 ms
            poll_interval: Duration::from_millis(20),
            ..JobsConfig::default()
        },
    );
    let cancel = CancellationToken::new();
    spawn_workers(store.clone(), Arc::new(Hanging), "r", cancel.clone());
    let job = enqueued(
        store
            .enqueue("default", "mcp", "slow", "u", None)
            .await
            .unwrap(),
    );
    let mut beats = Vec::new();
    for _ in 0..400 {
        let now = store.get(&job.id, None).await.unwrap().unwrap();
        if let Some(hb) = now.heartbeat_at.filter(|_| now.state == "running") {
            if beats.last() != Some(&hb) {
                beats.push(hb);
            }
            if beats.len() >= 3 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(beats.len() >= 3, "the worker keeps heartbeating: {beats:?}");
    // A live, heartbeating job is not "stuck" even though it runs longer than the timeout.
    assert_eq!(store.recover_stuck(now_ms(), 0.5).await.unwrap(), 0);
    assert_eq!(
        store.cancel(&job.id, "default").await.unwrap(),
        CancelOutcome::CancelRequested
    );
    let mut state = String::new();
    for _ in 0..400 {
        state = store.get(&job.id, None).await.unwrap().unwrap().state;
        if state == "canceled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        state, "canceled",
        "the worker saw cancel_requested at its heartbeat"
    );
    cancel.cancel();
    s.stop().await;
    env.cleanup().await;
}
