//! The worker pool (EN-54…62) and the periodic recovery/retention loop (EN-61, EN-63).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::{Fence, Job, JobStore};
use crate::store::now_ms;

/// Counts of a successful run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunResult {
    /// Entities loaded.
    pub loaded: i64,
    /// Entities removed.
    pub removed: i64,
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Retrying cannot help (unknown plugin or source, invalid config).
    Permanent(String),
    /// May succeed later.
    Transient(String),
}

/// Executes a job (a refresh in the job's namespace). Must be idempotent.
#[async_trait]
pub trait JobRunner: Send + Sync {
    /// Runs `job`.
    async fn run(&self, job: &Job) -> Result<RunResult, JobError>;
}

/// A number in [0, 1) for backoff jitter.
fn jitter() -> f64 {
    (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0
}

/// Starts the configured number of workers, named `<replica>/<n>`, until `cancel`.
pub fn spawn_workers(
    store: JobStore,
    runner: Arc<dyn JobRunner>,
    replica: &str,
    cancel: CancellationToken,
) {
    for n in 0..store.config.concurrency {
        let worker = format!("{replica}/{n}");
        let (store, runner, cancel) = (store.clone(), runner.clone(), cancel.clone());
        tokio::spawn(async move { work(store, runner, worker, cancel).await });
    }
}

async fn work(
    store: JobStore,
    runner: Arc<dyn JobRunner>,
    worker: String,
    cancel: CancellationToken,
) {
    while !cancel.is_cancelled() {
        match store.claim(&worker).await {
            Ok(Some(job)) => execute(&store, runner.as_ref(), job, &cancel).await,
            Ok(None) => {
                let wake = store.wake.notified();
                tokio::select! {
                    () = wake => {}
                    () = tokio::time::sleep(store.config.poll_interval) => {}
                    () = cancel.cancelled() => {}
                }
            }
            Err(e) => {
                tracing::warn!(worker, error = %e, "job claim failed");
                tokio::select! {
                    () = tokio::time::sleep(store.config.poll_interval) => {}
                    () = cancel.cancelled() => {}
                }
            }
        }
    }
}

/// Runs one claimed job with heartbeats, cancel checks and fenced outcome writes.
async fn execute(store: &JobStore, runner: &dyn JobRunner, job: Job, cancel: &CancellationToken) {
    let fence = Fence::of(&job);
    let started = Instant::now();
    let run = runner.run(&job);
    tokio::pin!(run);
    let mut beat = tokio::time::interval(store.config.heartbeat_every());
    beat.tick().await;
    let written = loop {
        tokio::select! {
            result = &mut run => {
                break match result {
                    Ok(r) => {
                        let ms = started.elapsed().as_millis() as i64;
                        store.complete(&fence, r.loaded, r.removed, ms).await
                    }
                    Err(JobError::Permanent(e)) => store.fail(&fence, &e, true, jitter()).await,
                    Err(JobError::Transient(e)) => store.fail(&fence, &e, false, jitter()).await,
                };
            }
            _ = beat.tick() => match store.heartbeat(&fence).await {
                Ok(None) => break Ok(false),
                Ok(Some(true)) => break store.mark_canceled(&fence).await,
                Ok(Some(false)) => {}
                Err(e) => tracing::warn!(job = fence.id, error = %e, "heartbeat failed"),
            },
            () = cancel.cancelled() => break store.requeue(&fence).await,
        }
    };
    match written {
        Ok(true) => {}
        Ok(false) => tracing::warn!(job = fence.id, "job claim lost; outcome discarded"),
        Err(e) => tracing::error!(job = fence.id, error = %e, "job outcome not written"),
    }
}

/// Every 60 s until `cancel`: recover stuck jobs and delete old finished ones.
pub fn spawn_maintenance(store: JobStore, cancel: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let now = now_ms();
                    if let Err(e) = store.recover_stuck(now, jitter()).await {
                        tracing::warn!(error = %e, "stuck job recovery failed");
                    }
                    let days = i64::from(store.config.retention_days);
                    if let Err(e) = store.delete_finished_before(now - days * 86_400_000).await {
                        tracing::warn!(error = %e, "job retention failed");
                    }
                }
                () = cancel.cancelled() => break,
            }
        }
    });
}
