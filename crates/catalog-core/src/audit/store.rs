//! `audit_events` reads and writes on both backends (EN-44…48).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::AuditEvent;
use crate::on_pool;
use crate::store::{Database, StoreError};

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

/// Encodes a page token.
pub fn encode_token(created_at: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{created_at}|{id}"))
}

/// Decodes a page token; `None` when malformed.
pub fn decode_token(token: &str) -> Option<(i64, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, id) = text.split_once('|')?;
    let at = at.parse().ok()?;
    (!id.is_empty()).then(|| (at, id.to_string()))
}

/// The audit table.
#[derive(Clone)]
pub struct AuditStore {
    db: Database,
}

enum Bind {
    Text(String),
    Int(i64),
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
        let mut conditions: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let filters = [
            ("namespace", &q.namespace),
            ("actor", &q.actor),
            ("plugin", &q.plugin),
            ("action_verb", &q.action),
            ("event_type", &q.event_type),
        ];
        for (column, value) in filters {
            if let Some(v) = value {
                binds.push(Bind::Text(v.clone()));
                conditions.push(format!("{column} = ${}", binds.len()));
            }
        }
        let filter_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let count_sql = format!("SELECT COUNT(*) FROM audit_events{filter_sql}");
        let total_size: i64 = on_pool!(&self.db, pool => {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql));
            for b in &binds {
                query = match b {
                    Bind::Text(t) => query.bind(t.clone()),
                    Bind::Int(i) => query.bind(*i),
                };
            }
            query.fetch_one(pool).await
        })?;
        if let Some((at, id)) = &q.after {
            binds.push(Bind::Int(*at));
            let at_n = binds.len();
            binds.push(Bind::Text(id.clone()));
            let id_n = binds.len();
            conditions.push(format!(
                "(created_at < ${at_n} OR (created_at = ${at_n} AND id < ${id_n}))"
            ));
        }
        let where_sql = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_events{where_sql} ORDER BY created_at DESC, id DESC \
             LIMIT {}",
            q.page_size + 1
        );
        let mut events: Vec<AuditEvent> = on_pool!(&self.db, pool => {
            let mut query = sqlx::query_as::<_, AuditEvent>(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                query = match b {
                    Bind::Text(t) => query.bind(t.clone()),
                    Bind::Int(i) => query.bind(*i),
                };
            }
            query.fetch_all(pool).await
        })?;
        let more = events.len() as i64 > q.page_size;
        events.truncate(q.page_size as usize);
        let next_page_token = match events.last() {
            Some(last) if more => encode_token(last.created_at, &last.id),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_rejected() {
        let t = encode_token(1_700_000_000_123, "abc-def");
        assert_eq!(
            decode_token(&t),
            Some((1_700_000_000_123, "abc-def".into()))
        );
        assert_eq!(decode_token("!!!"), None);
        assert_eq!(decode_token(&URL_SAFE_NO_PAD.encode("12|")), None);
        assert_eq!(decode_token(&URL_SAFE_NO_PAD.encode("x|id")), None);
    }
}
