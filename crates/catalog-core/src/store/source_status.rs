//! Persisted load status per plugin and source (`catalog_source_status`), so it survives restarts
//! and replicas agree.

use super::{Database, StoreError};
use crate::on_pool;

/// The recorded status of one source.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceStatusRow {
    /// Source id.
    pub source_id: String,
    /// `available`, `error`, `disabled` or `loading`.
    pub state: String,
    /// Last error.
    pub error: Option<String>,
    /// Entities served from it after the last load.
    pub entity_count: i64,
    /// Time of the last refresh, ms since epoch.
    pub last_refresh_at: Option<i64>,
    /// Duration of the last refresh in nanoseconds.
    pub last_refresh_duration_ns: Option<i64>,
    /// Fingerprint of the content and config last loaded successfully.
    pub fingerprint: Option<String>,
}

/// Inserts or replaces the status of one source.
pub async fn save_source_status(
    db: &Database,
    namespace: &str,
    plugin: &str,
    row: &SourceStatusRow,
) -> Result<(), StoreError> {
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO catalog_source_status
            (namespace, plugin, source_id, state, error, entity_count, last_refresh_at, last_refresh_duration_ns, fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (namespace, plugin, source_id) DO UPDATE SET
            state = excluded.state, error = excluded.error, entity_count = excluded.entity_count,
            last_refresh_at = excluded.last_refresh_at,
            last_refresh_duration_ns = excluded.last_refresh_duration_ns,
            fingerprint = excluded.fingerprint"
    )
    .bind(namespace)
    .bind(plugin)
    .bind(&row.source_id)
    .bind(&row.state)
    .bind(&row.error)
    .bind(row.entity_count)
    .bind(row.last_refresh_at)
    .bind(row.last_refresh_duration_ns)
    .bind(&row.fingerprint)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Every recorded source status of a plugin.
pub async fn load_source_statuses(
    db: &Database,
    namespace: &str,
    plugin: &str,
) -> Result<Vec<SourceStatusRow>, StoreError> {
    Ok(on_pool!(db, pool => sqlx::query_as::<_, SourceStatusRow>(
        "SELECT source_id, state, error, entity_count, last_refresh_at, last_refresh_duration_ns, fingerprint
         FROM catalog_source_status WHERE namespace = $1 AND plugin = $2"
    ).bind(namespace).bind(plugin).fetch_all(pool).await)?)
}

/// Forgets the status of sources not in `keep`.
pub async fn delete_statuses_except(
    db: &Database,
    namespace: &str,
    plugin: &str,
    keep: &[String],
) -> Result<(), StoreError> {
    on_pool!(db, pool => {
        let mut qb = sqlx::QueryBuilder::new("DELETE FROM catalog_source_status WHERE namespace = ");
        super::entities::push_scope_except(&mut qb, namespace, plugin, keep);
        qb.build().execute(pool).await.map(|_| ())
    })?;
    Ok(())
}
