//! One refresh job row and its JSON (EN-51, EN-65).

use serde_json::{Map, Value};

/// Job states (EN-51).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker.
    Running,
    /// Done.
    Succeeded,
    /// Gave up.
    Failed,
    /// Canceled.
    Canceled,
}

impl JobState {
    /// Every state.
    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::Canceled,
    ];

    /// Its wire and column name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A `refresh_jobs` row (times in epoch milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Job {
    /// UUID.
    pub id: String,
    /// Tenant namespace.
    pub namespace: String,
    /// Plugin name.
    pub plugin: String,
    /// Source id, `_all` for every source.
    pub source_id: String,
    /// Tenant user who asked.
    pub requested_by: String,
    /// When it was asked.
    pub requested_at: i64,
    /// State name.
    pub state: String,
    /// Progress in percent.
    pub progress: Option<i64>,
    /// Human status.
    pub message: Option<String>,
    /// When the current attempt started.
    pub started_at: Option<i64>,
    /// When it reached a terminal state.
    pub finished_at: Option<i64>,
    /// Attempts so far.
    pub attempt_count: i64,
    /// Last error.
    pub last_error: Option<String>,
    /// `{namespace}:{plugin}:{sourceId}` while queued or running.
    pub idempotency_key: Option<String>,
    /// Entities loaded.
    pub entities_loaded: Option<i64>,
    /// Entities removed.
    pub entities_removed: Option<i64>,
    /// Run time.
    pub duration_ms: Option<i64>,
    /// `<replica>/<worker>` holding the claim.
    pub claimed_by: Option<String>,
    /// Last heartbeat.
    pub heartbeat_at: Option<i64>,
    /// Not before (retries).
    pub next_attempt_at: Option<i64>,
    /// 1 when a cancel was asked for while running.
    pub cancel_requested: i64,
    /// Request id of the enqueue.
    pub request_id: Option<String>,
}

impl Job {
    /// The JSON of EN-65 (empty optional fields omitted).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let time = |ms: i64| Value::String(crate::time::rfc3339_ms(ms));
        m.insert("id".into(), self.id.clone().into());
        m.insert("namespace".into(), self.namespace.clone().into());
        m.insert("plugin".into(), self.plugin.clone().into());
        m.insert("sourceId".into(), self.source_id.clone().into());
        m.insert("requestedBy".into(), self.requested_by.clone().into());
        m.insert("requestedAt".into(), time(self.requested_at));
        m.insert("state".into(), self.state.clone().into());
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(v) = value {
                m.insert(key.into(), v);
            }
        };
        put(
            "progress",
            self.progress.filter(|p| *p != 0).map(Value::from),
        );
        put(
            "message",
            self.message
                .clone()
                .filter(|s| !s.is_empty())
                .map(Value::from),
        );
        put("startedAt", self.started_at.map(time));
        put("finishedAt", self.finished_at.map(time));
        put("attemptCount", Some(self.attempt_count.into()));
        put(
            "lastError",
            self.last_error
                .clone()
                .filter(|s| !s.is_empty())
                .map(Value::from),
        );
        put(
            "entitiesLoaded",
            self.entities_loaded.filter(|n| *n != 0).map(Value::from),
        );
        put(
            "entitiesRemoved",
            self.entities_removed.filter(|n| *n != 0).map(Value::from),
        );
        put(
            "durationMs",
            self.duration_ms.filter(|n| *n != 0).map(Value::from),
        );
        Value::Object(m)
    }
}
