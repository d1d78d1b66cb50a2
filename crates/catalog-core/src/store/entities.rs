//! Durable entity rows (`catalog_entities`): the truth every in-memory snapshot is built from.

use sqlx::{Connection, QueryBuilder};

use super::{Database, StoreError};
use crate::on_pool;

/// One persisted entity (the native document as served, plus bookkeeping).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntityRow {
    /// Kind.
    pub kind: String,
    /// Source it came from.
    pub source_id: String,
    /// Native name.
    pub name: String,
    /// Deterministic id.
    pub uid: String,
    /// Native JSON.
    pub body: String,
    /// Hash of the source content that produced it.
    pub content_hash: String,
    /// First insertion, ms since epoch.
    pub created_at: i64,
    /// Last content change, ms since epoch.
    pub updated_at: i64,
}

/// An entity row to write, borrowed from the entity it persists.
#[derive(Debug, Clone, Copy)]
pub struct NewRow<'a> {
    /// Kind.
    pub kind: &'a str,
    /// Native name.
    pub name: &'a str,
    /// Deterministic id.
    pub uid: &'a str,
    /// Native JSON.
    pub body: &'a str,
    /// Content hash.
    pub content_hash: &'a str,
    /// First insertion, ms.
    pub created_at: i64,
    /// Last change, ms.
    pub updated_at: i64,
}

/// Rows written per statement: keeps bind counts far below both backends' limits.
const BATCH: usize = 500;

/// Every entity of a plugin in a namespace.
pub async fn load_entities(
    db: &Database,
    namespace: &str,
    plugin: &str,
) -> Result<Vec<EntityRow>, StoreError> {
    Ok(on_pool!(db, pool => sqlx::query_as::<_, EntityRow>(
        "SELECT kind, source_id, name, uid, body, content_hash, created_at, updated_at
         FROM catalog_entities WHERE namespace = $1 AND plugin = $2"
    ).bind(namespace).bind(plugin).fetch_all(pool).await)?)
}

/// Atomically applies one source's sync: upserts `changed`, deletes `removed` (kind, name) pairs.
pub async fn apply_source_diff(
    db: &Database,
    namespace: &str,
    plugin: &str,
    source_id: &str,
    changed: &[NewRow<'_>],
    removed: &[(String, String)],
) -> Result<(), StoreError> {
    on_pool!(db, pool => {
        let mut conn = pool.acquire().await?;
        let mut tx = conn.begin().await?;
        for chunk in changed.chunks(BATCH) {
            let mut qb = QueryBuilder::new(
                "INSERT INTO catalog_entities (namespace, plugin, kind, source_id, name, uid, body, content_hash, created_at, updated_at) ",
            );
            qb.push_values(chunk, |mut b, row| {
                b.push_bind(namespace)
                    .push_bind(plugin)
                    .push_bind(row.kind)
                    .push_bind(source_id)
                    .push_bind(row.name)
                    .push_bind(row.uid)
                    .push_bind(row.body)
                    .push_bind(row.content_hash)
                    .push_bind(row.created_at)
                    .push_bind(row.updated_at);
            });
            qb.push(
                " ON CONFLICT (namespace, plugin, kind, source_id, name) DO UPDATE SET \
                 uid = excluded.uid, body = excluded.body, content_hash = excluded.content_hash, \
                 updated_at = excluded.updated_at",
            );
            qb.build().execute(&mut *tx).await?;
        }
        for chunk in removed.chunks(BATCH) {
            let mut qb = QueryBuilder::new("DELETE FROM catalog_entities WHERE namespace = ");
            qb.push_bind(namespace)
                .push(" AND plugin = ")
                .push_bind(plugin)
                .push(" AND source_id = ")
                .push_bind(source_id)
                .push(" AND (kind, name) IN (");
            let mut sep = qb.separated(", ");
            for (kind, name) in chunk {
                sep.push("(");
                sep.push_bind_unseparated(kind);
                sep.push_unseparated(", ");
                sep.push_bind_unseparated(name);
                sep.push_unseparated(")");
            }
            qb.push(")");
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// Deletes every entity of the plugin whose source is not in `keep`; returns how many.
pub async fn delete_sources_except(
    db: &Database,
    namespace: &str,
    plugin: &str,
    keep: &[String],
) -> Result<u64, StoreError> {
    Ok(on_pool!(db, pool => {
        let mut qb = QueryBuilder::new("DELETE FROM catalog_entities WHERE namespace = ");
        push_scope_except(&mut qb, namespace, plugin, keep);
        qb.build().execute(pool).await?.rows_affected()
    }))
}

/// Appends `<namespace> AND plugin = <plugin> [AND source_id NOT IN (<keep>)]` to a statement.
pub(crate) fn push_scope_except<DB: sqlx::Database>(
    qb: &mut QueryBuilder<DB>,
    namespace: &str,
    plugin: &str,
    keep: &[String],
) where
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    qb.push_bind(namespace.to_string())
        .push(" AND plugin = ")
        .push_bind(plugin.to_string());
    if !keep.is_empty() {
        qb.push(" AND source_id NOT IN (");
        let mut sep = qb.separated(", ");
        for id in keep {
            sep.push_bind(id.clone());
        }
        qb.push(")");
    }
}
