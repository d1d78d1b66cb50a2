//! Async refresh jobs (EN-50…67): a `refresh_jobs` table, deduplicated enqueue, a worker pool
//! claiming jobs with one atomic statement, heartbeats and fencing, retries with backoff,
//! cancellation, stuck-job recovery and retention, and the `/api/jobs/v1alpha1` routes.

mod intercept;
mod job;
mod routes;
mod store;
mod worker;

pub use intercept::{AsyncRefresh, async_refresh, enqueue_refresh};
pub use job::{Job, JobState};
pub use routes::router;
pub use store::{CancelOutcome, Enqueued, Fence, JobQuery, JobStore};
pub use worker::{JobError, JobRunner, RunResult, spawn_maintenance, spawn_workers};

use std::time::Duration;

/// Job settings (`CATALOG_JOB_*`).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Whether refresh requests are queued (202) instead of run inline.
    pub enabled: bool,
    /// Workers on this replica (0: this replica only enqueues).
    pub concurrency: usize,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// How often idle workers look for work.
    pub poll_interval: Duration,
    /// A running job without a heartbeat for this long is recovered.
    pub claim_timeout: Duration,
    /// First retry delay.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// Queued jobs a namespace may have.
    pub max_queued_per_namespace: i64,
    /// Days finished jobs are kept.
    pub retention_days: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            concurrency: 3,
            max_retries: 3,
            poll_interval: Duration::from_secs(5),
            claim_timeout: Duration::from_secs(600),
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(300),
            max_queued_per_namespace: 100,
            retention_days: 7,
        }
    }
}

impl JobsConfig {
    /// Attempts in total.
    pub fn max_attempts(&self) -> i64 {
        1 + i64::from(self.max_retries)
    }

    /// Delay before retry number `attempt` (1-based): `min(max, base·2^(attempt−1))` ±20 %.
    pub fn backoff(&self, attempt: i64, jitter_unit: f64) -> Duration {
        let exp = u32::try_from(attempt.clamp(1, 31) - 1).unwrap_or(0);
        let raw = self.retry_base.saturating_mul(2u32.saturating_pow(exp));
        let capped = raw.min(self.retry_max);
        capped.mul_f64(0.8 + 0.4 * jitter_unit.clamp(0.0, 1.0))
    }

    /// How often a running job's heartbeat is written: min(30 s, claim timeout / 3).
    pub fn heartbeat_every(&self) -> Duration {
        (self.claim_timeout / 3).min(Duration::from_secs(30))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let c = JobsConfig::default();
        assert_eq!(c.backoff(1, 0.5), Duration::from_secs(5));
        assert_eq!(c.backoff(2, 0.5), Duration::from_secs(10));
        assert_eq!(c.backoff(3, 0.5), Duration::from_secs(20));
        assert_eq!(c.backoff(20, 0.5), Duration::from_secs(300));
        assert_eq!(c.backoff(1, 0.0), Duration::from_secs(4));
        assert_eq!(c.backoff(1, 1.0), Duration::from_secs(6));
        assert_eq!(c.max_attempts(), 4);
        assert_eq!(c.heartbeat_every(), Duration::from_secs(30));
    }
}
