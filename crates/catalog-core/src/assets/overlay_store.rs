//! Durable overlays (`catalog_overlays`, UA-33..UA-35): one row per (namespace, plugin, kind,
//! name), updated atomically per key on both backends.

use sqlx::Connection;

use super::overlay::Overlay;
use crate::error::ApiError;
use crate::on_pool;
use crate::store::{Database, Migration, StoreError, now_ms};

/// The framework migration creating the overlay table.
pub fn overlay_migration() -> Migration {
    Migration {
        version: "010-overlays",
        description: "user overlays (tags, labels, annotations, lifecycle)",
        up: "CREATE TABLE catalog_overlays (
                namespace TEXT NOT NULL,
                plugin TEXT NOT NULL,
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                body TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (namespace, plugin, kind, name))",
        up_postgres: None,
        down: "DROP TABLE catalog_overlays",
    }
}

/// Identifies one overlay.
#[derive(Debug, Clone, Copy)]
pub struct OverlayKey<'a> {
    /// Tenant namespace (`default` without tenancy).
    pub namespace: &'a str,
    /// Plugin name.
    pub plugin: &'a str,
    /// Entity kind.
    pub kind: &'a str,
    /// Entity name.
    pub name: &'a str,
}

/// Every overlay of a plugin in a namespace, as (kind, name, overlay).
pub async fn load_overlays(
    db: &Database,
    namespace: &str,
    plugin: &str,
) -> Result<Vec<(String, String, Overlay)>, StoreError> {
    let rows: Vec<(String, String, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT kind, name, body FROM catalog_overlays WHERE namespace = $1 AND plugin = $2"
    ).bind(namespace).bind(plugin).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, name, body)| match serde_json::from_str(&body) {
            Ok(o) => Some((kind, name, o)),
            Err(e) => {
                tracing::warn!(plugin, kind, name, error = %e, "skipping unreadable overlay");
                None
            }
        })
        .collect())
}

/// Applies `change` to the stored overlay of `key` in one transaction that holds the row's
/// write lock from read to write, so concurrent updates never lose each other (UA-35). An
/// error from `change` rolls back and changes nothing. An empty result deletes the row.
pub async fn update_overlay<T>(
    db: &Database,
    key: OverlayKey<'_>,
    change: impl FnOnce(Overlay) -> Result<(Overlay, T), ApiError>,
) -> Result<(Overlay, T), ApiError> {
    let select = match db {
        Database::Postgres(_) => {
            "SELECT body FROM catalog_overlays WHERE namespace = $1 AND plugin = $2 AND kind = $3 AND name = $4 FOR UPDATE"
        }
        Database::Sqlite(_) => {
            "SELECT body FROM catalog_overlays WHERE namespace = $1 AND plugin = $2 AND kind = $3 AND name = $4"
        }
    };
    let OverlayKey {
        namespace,
        plugin,
        kind,
        name,
    } = key;
    let store = |e: sqlx::Error| ApiError::internal(StoreError::from(e));
    let mut change = Some(change);
    on_pool!(db, pool => {
        let mut conn = pool.acquire().await.map_err(store)?;
        let mut tx = conn.begin().await.map_err(store)?;
        // Writing first takes the write lock (SQLite) and makes the row exist to lock (PostgreSQL).
        sqlx::query(
            "INSERT INTO catalog_overlays (namespace, plugin, kind, name, body, updated_at)
             VALUES ($1, $2, $3, $4, '{}', 0) ON CONFLICT (namespace, plugin, kind, name) DO NOTHING",
        )
        .bind(namespace).bind(plugin).bind(kind).bind(name)
        .execute(&mut *tx).await.map_err(store)?;
        let body: String = sqlx::query_scalar(select)
            .bind(namespace).bind(plugin).bind(kind).bind(name)
            .fetch_one(&mut *tx).await.map_err(store)?;
        // An unreadable stored overlay is never silently replaced.
        let current: Overlay = serde_json::from_str(&body).map_err(ApiError::internal)?;
        let change = change.take().expect("runs once");
        let (mut next, out) = change(current)?;
        next.updated_at = now_ms();
        if next.is_empty() {
            sqlx::query("DELETE FROM catalog_overlays WHERE namespace = $1 AND plugin = $2 AND kind = $3 AND name = $4")
                .bind(namespace).bind(plugin).bind(kind).bind(name)
                .execute(&mut *tx).await.map_err(store)?;
        } else {
            let body = serde_json::to_string(&next).map_err(ApiError::internal)?;
            sqlx::query("UPDATE catalog_overlays SET body = $5, updated_at = $6 WHERE namespace = $1 AND plugin = $2 AND kind = $3 AND name = $4")
                .bind(namespace).bind(plugin).bind(kind).bind(name).bind(body).bind(next.updated_at)
                .execute(&mut *tx).await.map_err(store)?;
        }
        tx.commit().await.map_err(store)?;
        Ok((next, out))
    })
}
