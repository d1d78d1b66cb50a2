//! `audit_events` reads and writes on both backends (EN-44…48).

use super::AuditEvent;
use crate::store::{Conditions, Database, StoreError, encode_keyset};
use crate::{bind_all, on_pool};

const COLUMNS: &str = "id, namespace, actor, event_type, request_id, correlation_id, plugin, \
    resource_type, resource_ids, action, action_verb, outcome, status_code, reason, asset_uid, \
    version_id, old_value, new_value, metadata, created_at";

/// A list request: filters, page and scope.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Tenant namespace; `None` = all namespaces.
    pub namespace: Option<String>,
    /// `actor` filter.
    pub actor: Option<String>,
    /// `plugin` filter.
    pub plugin: Option<String>,
    /// `action` filter (matches `action_verb`).
    pub action: Option<String>,
    /// `eventType` filter.
    pub event_type: Option<String>,
    /// Page size (already clamped).
    pub page_size: i64,
    /// Resume strictly after this `(created_at, id)`.
    pub after: Option<(i64, String)>,
}

/// One page of events.
#[derive(Debug, Clone)]
pub struct AuditPage {
    /// Events, newest first.
    pub events: Vec<AuditEvent>,
    /// Token of the next page, empty on the last.
    pub next_page_token: String,
    /// All matches ignoring the token.
    pub total_size: i64,
}

/// The audit table.
#[derive(Clone)]
pub struct AuditStore {
    db: Database,
}

impl AuditStore {
    /// The store over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Appends one event.
    pub async fn insert(&self, e: &AuditEvent) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO audit_events ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        );
        on_pool!(&self.db, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&e.id)
            .bind(&e.namespace)
            .bind(&e.actor)
            .bind(&e.event_type)
            .bind(&e.request_id)
            .bind(&e.correlation_id)
            .bind(&e.plugin)
            .bind(&e.resource_type)
            .bind(&e.resource_ids)
            .bind(&e.action)
            .bind(&e.action_verb)
            .bind(&e.outcome)
            .bind(e.status_code)
            .bind(&e.reason)
            .bind(&e.asset_uid)
            .bind(&e.version_id)
            .bind(&e.old_value)
            .bind(&e.new_value)
            .bind(&e.metadata)
            .bind(e.created_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// One event by id, within `namespace` (`None` = any).
    pub async fn get(
        &self,
        id: &str,
        namespace: Option<&str>,
    ) -> Result<Option<AuditEvent>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_events WHERE id = $1 AND ($2 IS NULL OR namespace = $2)"
        );
        let namespace = namespace.map(String::from);
        Ok(
            on_pool!(&self.db, pool => sqlx::query_as::<_, AuditEvent>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(namespace)
            .fetch_optional(pool)
            .await)?,
        )
    }

    /// A page of events matching `q`, newest first.
    pub async fn list(&self, q: &AuditQuery) -> Result<AuditPage, StoreError> {
        let mut c = Conditions::default();
        c.eq("namespace", q.namespace.as_deref());
        c.eq("actor", q.actor.as_deref());
        c.eq("plugin", q.plugin.as_deref());
        c.eq("action_verb", q.action.as_deref());
        c.eq("event_type", q.event_type.as_deref());
        let count_sql = format!("SELECT COUNT(*) FROM audit_events{}", c.where_sql());
        let total_size: i64 = on_pool!(&self.db, pool =>
            bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)), &c.binds)
                .fetch_one(pool)
                .await)?;
        if let Some((at, id)) = &q.after {
            c.before("created_at", *at, id);
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_events{} ORDER BY created_at DESC, id DESC LIMIT {}",
            c.where_sql(),
            q.page_size + 1
        );
        let mut events: Vec<AuditEvent> = on_pool!(&self.db, pool =>
            bind_all!(sqlx::query_as::<_, AuditEvent>(sqlx::AssertSqlSafe(sql)), &c.binds)
                .fetch_all(pool)
                .await)?;
        let more = events.len() as i64 > q.page_size;
        events.truncate(q.page_size as usize);
        let next_page_token = match events.last() {
            Some(last) if more => encode_keyset(last.created_at, &last.id),
            _ => String::new(),
        };
        Ok(AuditPage {
            events,
            next_page_token,
            total_size,
        })
    }

    /// Deletes events created before `cutoff_ms`; returns how many.
    pub async fn delete_before(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        Ok(on_pool!(&self.db, pool => sqlx::query(
            "DELETE FROM audit_events WHERE created_at < $1"
        )
        .bind(cutoff_ms)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?)
    }
}
