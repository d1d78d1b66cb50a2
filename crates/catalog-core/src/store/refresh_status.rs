//! Refresh outcomes per namespace, plugin and source (`catalog_refresh_status`, SM-35–SM-37):
//! what the last refresh of each source (and `_all` for refresh-all) did, kept across restarts.

use super::{Database, StoreError};
use crate::on_pool;

/// The `source_id` of refresh-all outcomes.
pub const REFRESH_ALL: &str = "_all";

/// One recorded refresh outcome.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefreshStatusRow {
    /// Source id, or [`REFRESH_ALL`].
    pub source_id: String,
    /// When it ran, ms since epoch.
    pub last_refresh_time: i64,
    /// `success` or `error`.
    pub last_refresh_status: String,
    /// `Loaded N entities[, removed M]` or `Refresh failed`.
    pub last_refresh_summary: String,
    /// The error, redacted.
    pub last_error: Option<String>,
    /// Entities loaded.
    pub entities_loaded: i64,
    /// Entities removed.
    pub entities_removed: i64,
    /// Duration in milliseconds.
    pub duration_ms: i64,
}

/// Inserts or replaces the outcome of one refresh.
pub async fn save_refresh_status(
    db: &Database,
    namespace: &str,
    plugin: &str,
    row: &RefreshStatusRow,
) -> Result<(), StoreError> {
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO catalog_refresh_status
            (namespace, plugin_name, source_id, last_refresh_time, last_refresh_status,
             last_refresh_summary, last_error, entities_loaded, entities_removed, duration_ms, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (namespace, plugin_name, source_id) DO UPDATE SET
            last_refresh_time = excluded.last_refresh_time,
            last_refresh_status = excluded.last_refresh_status,
            last_refresh_summary = excluded.last_refresh_summary,
            last_error = excluded.last_error, entities_loaded = excluded.entities_loaded,
            entities_removed = excluded.entities_removed, duration_ms = excluded.duration_ms,
            updated_at = excluded.updated_at"
    )
    .bind(namespace)
    .bind(plugin)
    .bind(&row.source_id)
    .bind(row.last_refresh_time)
    .bind(&row.last_refresh_status)
    .bind(&row.last_refresh_summary)
    .bind(&row.last_error)
    .bind(row.entities_loaded)
    .bind(row.entities_removed)
    .bind(row.duration_ms)
    .bind(super::now_ms())
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Every recorded outcome of a plugin.
pub async fn load_refresh_statuses(
    db: &Database,
    namespace: &str,
    plugin: &str,
) -> Result<Vec<RefreshStatusRow>, StoreError> {
    Ok(on_pool!(db, pool => sqlx::query_as::<_, RefreshStatusRow>(
        "SELECT source_id, last_refresh_time, last_refresh_status, last_refresh_summary, last_error,
                entities_loaded, entities_removed, duration_ms
         FROM catalog_refresh_status WHERE namespace = $1 AND plugin_name = $2"
    ).bind(namespace).bind(plugin).fetch_all(pool).await)?)
}

/// Forgets the outcome of one source (it was deleted).
pub async fn delete_refresh_status(
    db: &Database,
    namespace: &str,
    plugin: &str,
    source_id: &str,
) -> Result<(), StoreError> {
    on_pool!(db, pool => sqlx::query(
        "DELETE FROM catalog_refresh_status WHERE namespace = $1 AND plugin_name = $2 AND source_id = $3"
    ).bind(namespace).bind(plugin).bind(source_id).execute(pool).await.map(|_| ()))?;
    Ok(())
}
