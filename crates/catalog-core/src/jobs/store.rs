//! `refresh_jobs` on both backends: enqueue with dedup, atomic claim, fenced worker writes,
//! cancel, recovery and retention (EN-50…63).

use std::sync::Arc;

use tokio::sync::Notify;

use super::{Job, JobState, JobsConfig};
use crate::store::{Conditions, Database, StoreError, encode_keyset, now_ms};
use crate::{bind_all, on_pool};

const COLUMNS: &str = "id, namespace, plugin, source_id, requested_by, requested_at, state, \
    progress, message, started_at, finished_at, attempt_count, last_error, idempotency_key, \
    entities_loaded, entities_removed, duration_ms, claimed_by, heartbeat_at, next_attempt_at, \
    cancel_requested, request_id";

const TERMINAL: &str = "('succeeded', 'failed', 'canceled')";

/// The claim a worker holds: every worker write is conditional on all three (EN-57).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// Job id.
    pub id: String,
    /// `<replica>/<worker>`.
    pub claimed_by: String,
    /// Attempt the claim is for.
    pub attempt: i64,
}

impl Fence {
    /// The fence of a claimed job.
    pub fn of(job: &Job) -> Self {
        Self {
            id: job.id.clone(),
            claimed_by: job.claimed_by.clone().unwrap_or_default(),
            attempt: job.attempt_count,
        }
    }
}

/// What an enqueue did.
#[derive(Debug, Clone)]
pub enum Enqueued {
    /// A new job, or the identical queued/running one (`deduplicated`).
    Job {
        /// The job.
        job: Box<Job>,
        /// Whether it already existed.
        deduplicated: bool,
    },
    /// The namespace has too many queued jobs (EN-53).
    QueueFull,
}

/// What a cancel did (EN-67).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// Was queued; now canceled.
    Canceled,
    /// Is running; the worker will stop it.
    CancelRequested,
    /// Already terminal.
    Terminal,
    /// No such job in the namespace.
    NotFound,
}

/// A list request.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    /// Tenant namespace; `None` = all.
    pub namespace: Option<String>,
    /// Filter.
    pub plugin: Option<String>,
    /// Filter.
    pub source_id: Option<String>,
    /// Filter.
    pub state: Option<String>,
    /// Filter.
    pub requested_by: Option<String>,
    /// Page size.
    pub page_size: i64,
    /// Resume after `(requested_at, id)`.
    pub after: Option<(i64, String)>,
}

/// The job table plus the local wake-up signal for workers.
#[derive(Clone)]
pub struct JobStore {
    db: Database,
    /// Settings.
    pub config: Arc<JobsConfig>,
    /// Woken on local enqueue.
    pub wake: Arc<Notify>,
}

impl JobStore {
    /// The store over `db`.
    pub fn new(db: Database, config: JobsConfig) -> Self {
        Self {
            db,
            config: Arc::new(config),
            wake: Arc::new(Notify::new()),
        }
    }

    async fn active_by_key(&self, key: &str) -> Result<Option<Job>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM refresh_jobs WHERE idempotency_key = $1 \
             AND state IN ('queued', 'running')"
        );
        Ok(
            on_pool!(&self.db, pool => sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(sql))
            .bind(key).fetch_optional(pool).await)?,
        )
    }

    /// Enqueues a refresh of `source_id` (`_all` = every source), returning the identical
    /// queued/running job instead when there is one (EN-52). Check-and-insert is atomic: the
    /// partial unique index on the key decides races, and the loser returns the winner.
    pub async fn enqueue(
        &self,
        namespace: &str,
        plugin: &str,
        source_id: &str,
        requested_by: &str,
        request_id: Option<&str>,
    ) -> Result<Enqueued, StoreError> {
        let key = format!("{namespace}:{plugin}:{source_id}");
        for _ in 0..3 {
            if let Some(job) = self.active_by_key(&key).await? {
                return Ok(Enqueued::Job {
                    job: Box::new(job),
                    deduplicated: true,
                });
            }
            let queued: i64 = on_pool!(&self.db, pool => sqlx::query_scalar(
                "SELECT COUNT(*) FROM refresh_jobs WHERE namespace = $1 AND state = 'queued'"
            ).bind(namespace).fetch_one(pool).await)?;
            if queued >= self.config.max_queued_per_namespace {
                return Ok(Enqueued::QueueFull);
            }
            let sql = format!(
                "INSERT INTO refresh_jobs (id, namespace, plugin, source_id, requested_by, \
                 requested_at, state, attempt_count, idempotency_key, cancel_requested, \
                 request_id) VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, 0, $8) \
                 ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
            );
            let inserted: Option<Job> = on_pool!(&self.db, pool =>
                sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(sql))
                    .bind(uuid::Uuid::new_v4().to_string()).bind(namespace).bind(plugin)
                    .bind(source_id).bind(requested_by).bind(now_ms()).bind(&key)
                    .bind(request_id)
                    .fetch_optional(pool).await)?;
            if let Some(job) = inserted {
                self.wake.notify_waiters();
                return Ok(Enqueued::Job {
                    job: Box::new(job),
                    deduplicated: false,
                });
            }
            // Lost a race: the winner is found by the next lookup (or finished meanwhile).
        }
        Err(StoreError::Sqlx(sqlx::Error::Protocol(
            "job enqueue kept racing".into(),
        )))
    }

    /// One job, within `namespace` (`None` = any).
    pub async fn get(&self, id: &str, namespace: Option<&str>) -> Result<Option<Job>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM refresh_jobs WHERE id = $1 AND ($2 IS NULL OR namespace = $2)"
        );
        let namespace = namespace.map(String::from);
        Ok(
            on_pool!(&self.db, pool => sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(sql))
            .bind(id).bind(namespace).fetch_optional(pool).await)?,
        )
    }

    /// A page of jobs, newest first, with the total ignoring the token.
    pub async fn list(&self, q: &JobQuery) -> Result<(Vec<Job>, String, i64), StoreError> {
        let mut c = Conditions::default();
        c.eq("namespace", q.namespace.as_deref());
        c.eq("plugin", q.plugin.as_deref());
        c.eq("source_id", q.source_id.as_deref());
        c.eq("state", q.state.as_deref());
        c.eq("requested_by", q.requested_by.as_deref());
        let count_sql = format!("SELECT COUNT(*) FROM refresh_jobs{}", c.where_sql());
        let total: i64 = on_pool!(&self.db, pool =>
            bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)), &c.binds)
                .fetch_one(pool).await)?;
        if let Some((at, id)) = &q.after {
            c.before("requested_at", *at, id);
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM refresh_jobs{} ORDER BY requested_at DESC, id DESC LIMIT {}",
            c.where_sql(),
            q.page_size + 1
        );
        let mut jobs: Vec<Job> = on_pool!(&self.db, pool =>
            bind_all!(sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(sql)), &c.binds)
                .fetch_all(pool).await)?;
        let more = jobs.len() as i64 > q.page_size;
        jobs.truncate(q.page_size as usize);
        let token = match jobs.last() {
            Some(last) if more => encode_keyset(last.requested_at, &last.id),
            _ => String::new(),
        };
        Ok((jobs, token, total))
    }

    /// Claims the oldest due queued job for `worker` with one atomic statement (EN-55).
    pub async fn claim(&self, worker: &str) -> Result<Option<Job>, StoreError> {
        let lock = match self.db {
            Database::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Database::Sqlite(_) => "",
        };
        let sql = format!(
            "UPDATE refresh_jobs SET state = 'running', started_at = $1, heartbeat_at = $1, \
             claimed_by = $2, attempt_count = attempt_count + 1 \
             WHERE state = 'queued' AND id = (SELECT id FROM refresh_jobs WHERE state = 'queued' \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
             ORDER BY requested_at, id LIMIT 1{lock}) RETURNING {COLUMNS}"
        );
        Ok(
            on_pool!(&self.db, pool => sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(sql))
            .bind(now_ms()).bind(worker).fetch_optional(pool).await)?,
        )
    }

    /// A fenced update; `false` when the claim was lost.
    async fn fenced(
        &self,
        fence: &Fence,
        set: &str,
        extra: Vec<crate::store::Bind>,
    ) -> Result<bool, StoreError> {
        let n = extra.len();
        let sql = format!(
            "UPDATE refresh_jobs SET {set} WHERE id = ${} AND state = 'running' \
             AND claimed_by = ${} AND attempt_count = ${}",
            n + 1,
            n + 2,
            n + 3
        );
        let mut binds = extra;
        binds.push(crate::store::Bind::Text(fence.id.clone()));
        binds.push(crate::store::Bind::Text(fence.claimed_by.clone()));
        binds.push(crate::store::Bind::Int(fence.attempt));
        let rows = on_pool!(&self.db, pool =>
            bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), &binds)
                .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(rows == 1)
    }

    /// Writes a heartbeat; `None` when the claim is lost, else whether cancel was requested.
    pub async fn heartbeat(&self, fence: &Fence) -> Result<Option<bool>, StoreError> {
        use crate::store::Bind::Int;
        if !self
            .fenced(fence, "heartbeat_at = $1", vec![Int(now_ms())])
            .await?
        {
            return Ok(None);
        }
        let job = self.get(&fence.id, None).await?;
        Ok(job.map(|j| j.cancel_requested != 0))
    }

    /// Marks success (EN-59).
    pub async fn complete(
        &self,
        fence: &Fence,
        loaded: i64,
        removed: i64,
        duration_ms: i64,
    ) -> Result<bool, StoreError> {
        use crate::store::Bind::{Int, Text};
        self.fenced(
            fence,
            "state = 'succeeded', finished_at = $1, entities_loaded = $2, entities_removed = $3, \
             duration_ms = $4, message = $5, progress = 100, last_error = NULL",
            vec![
                Int(now_ms()),
                Int(loaded),
                Int(removed),
                Int(duration_ms),
                Text(format!("Loaded {loaded} entities, removed {removed}")),
            ],
        )
        .await
    }

    /// Records a failure: permanent or out of attempts → `failed`; else back to `queued`
    /// after a backoff (EN-60).
    pub async fn fail(
        &self,
        fence: &Fence,
        error: &str,
        permanent: bool,
        jitter: f64,
    ) -> Result<bool, StoreError> {
        use crate::store::Bind::{Int, Text};
        let now = now_ms();
        if permanent || fence.attempt >= self.config.max_attempts() {
            let message = if permanent {
                error.to_string()
            } else {
                format!("Max retries exceeded: {error}")
            };
            return self
                .fenced(
                    fence,
                    "state = 'failed', finished_at = $1, last_error = $2, message = $3",
                    vec![Int(now), Text(error.into()), Text(message)],
                )
                .await;
        }
        let delay = self.config.backoff(fence.attempt, jitter).as_millis() as i64;
        self.fenced(
            fence,
            "state = 'queued', started_at = NULL, heartbeat_at = NULL, claimed_by = NULL, \
             last_error = $1, next_attempt_at = $2",
            vec![Text(error.into()), Int(now + delay)],
        )
        .await
    }

    /// Marks a running job canceled by its worker (EN-58).
    pub async fn mark_canceled(&self, fence: &Fence) -> Result<bool, StoreError> {
        use crate::store::Bind::Int;
        self.fenced(
            fence,
            "state = 'canceled', finished_at = $1, message = 'Canceled by user'",
            vec![Int(now_ms())],
        )
        .await
    }

    /// Puts a running job back without spending its attempt (shutdown, EN-62).
    pub async fn requeue(&self, fence: &Fence) -> Result<bool, StoreError> {
        self.fenced(
            fence,
            "state = 'queued', started_at = NULL, heartbeat_at = NULL, claimed_by = NULL, \
             attempt_count = attempt_count - 1",
            Vec::new(),
        )
        .await
    }

    /// Cancels a job of `namespace` (EN-67).
    pub async fn cancel(&self, id: &str, namespace: &str) -> Result<CancelOutcome, StoreError> {
        let queued = on_pool!(&self.db, pool => sqlx::query(
            "UPDATE refresh_jobs SET state = 'canceled', finished_at = $1, \
             message = 'Canceled by user' WHERE id = $2 AND namespace = $3 AND state = 'queued'"
        ).bind(now_ms()).bind(id).bind(namespace).execute(pool).await.map(|r| r.rows_affected()))?;
        if queued == 1 {
            return Ok(CancelOutcome::Canceled);
        }
        let running = on_pool!(&self.db, pool => sqlx::query(
            "UPDATE refresh_jobs SET cancel_requested = 1 \
             WHERE id = $1 AND namespace = $2 AND state = 'running'"
        ).bind(id).bind(namespace).execute(pool).await.map(|r| r.rows_affected()))?;
        if running == 1 {
            return Ok(CancelOutcome::CancelRequested);
        }
        Ok(match self.get(id, Some(namespace)).await? {
            Some(_) => CancelOutcome::Terminal,
            None => CancelOutcome::NotFound,
        })
    }

    /// Running jobs whose heartbeat (else start) is older than the claim timeout count as a
    /// transient failure (EN-61). Fenced, so running it twice is harmless. Returns how many.
    pub async fn recover_stuck(&self, now: i64, jitter: f64) -> Result<usize, StoreError> {
        let cutoff = now - self.config.claim_timeout.as_millis() as i64;
        let sql = format!(
            "SELECT {COLUMNS} FROM refresh_jobs WHERE state = 'running' \
             AND COALESCE(heartbeat_at, started_at, 0) < $1"
        );
        let stuck: Vec<Job> = on_pool!(&self.db, pool => sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(sql))
            .bind(cutoff).fetch_all(pool).await)?;
        let mut recovered = 0;
        for job in &stuck {
            if self
                .fail(
                    &Fence::of(job),
                    "Timed out (stuck job recovery)",
                    false,
                    jitter,
                )
                .await?
            {
                recovered += 1;
            }
        }
        Ok(recovered)
    }

    /// Deletes terminal jobs finished before `cutoff` (EN-63).
    pub async fn delete_finished_before(&self, cutoff: i64) -> Result<u64, StoreError> {
        let sql =
            format!("DELETE FROM refresh_jobs WHERE state IN {TERMINAL} AND finished_at < $1");
        Ok(
            on_pool!(&self.db, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(cutoff).execute(pool).await.map(|r| r.rows_affected()))?,
        )
    }
}

/// Whether a state name is one of the five.
pub(crate) fn valid_state(s: &str) -> bool {
    JobState::parse(s).is_some()
}
