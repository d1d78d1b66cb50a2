//! Versioned schema migrations (FW §8): framework tables first, then each plugin's, recorded in
//! `plugin_schema_migrations`, under a PostgreSQL advisory lock so replicas never race.

use std::time::Duration;

use sqlx::Connection;

use super::{Database, StoreError, now_ms};
use crate::on_pool;

/// One schema change. `up` runs on both backends unless `up_postgres` overrides it there.
#[derive(Debug, Clone)]
pub struct Migration {
    /// Unique within its owner, applied in declaration order.
    pub version: &'static str,
    /// What it does.
    pub description: &'static str,
    /// SQL to apply (may hold several statements).
    pub up: &'static str,
    /// PostgreSQL-specific SQL, when the dialects differ.
    pub up_postgres: Option<&'static str>,
    /// SQL to revert; never run automatically.
    pub down: &'static str,
}

/// Name under which the framework's own migrations are recorded.
pub const FRAMEWORK: &str = "_framework";

const LOCK_KEY: i64 = 0x0063_6174_616c_6f67; // "catalog"

const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS plugin_schema_migrations (
    plugin TEXT NOT NULL,
    version TEXT NOT NULL,
    description TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (plugin, version))";

/// The framework's tables.
pub fn framework_migrations() -> Vec<Migration> {
    vec![Migration {
        version: "001",
        description: "entities and source status",
        up: "CREATE TABLE catalog_entities (
                namespace TEXT NOT NULL,
                plugin TEXT NOT NULL,
                kind TEXT NOT NULL,
                source_id TEXT NOT NULL,
                name TEXT NOT NULL,
                uid TEXT NOT NULL,
                body TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (namespace, plugin, kind, source_id, name));
             CREATE INDEX catalog_entities_source ON catalog_entities (namespace, plugin, source_id);
             CREATE TABLE catalog_source_status (
                namespace TEXT NOT NULL,
                plugin TEXT NOT NULL,
                source_id TEXT NOT NULL,
                state TEXT NOT NULL,
                error TEXT,
                entity_count BIGINT NOT NULL,
                last_refresh_at BIGINT,
                last_refresh_duration_ns BIGINT,
                PRIMARY KEY (namespace, plugin, source_id));",
        up_postgres: None,
        down: "DROP TABLE catalog_source_status; DROP TABLE catalog_entities;",
    },
    Migration {
        version: "002",
        description: "source fingerprints (skip re-parsing unchanged sources at startup)",
        up: "ALTER TABLE catalog_source_status ADD COLUMN fingerprint TEXT",
        up_postgres: None,
        down: "ALTER TABLE catalog_source_status DROP COLUMN fingerprint",
    },
    crate::assets::overlay_migration(),
    Migration {
        version: "020-refresh-status",
        description: "refresh outcomes per namespace, plugin and source (SM-35)",
        up: "CREATE TABLE catalog_refresh_status (
                namespace TEXT NOT NULL,
                plugin_name TEXT NOT NULL,
                source_id TEXT NOT NULL,
                last_refresh_time BIGINT NOT NULL,
                last_refresh_status TEXT NOT NULL,
                last_refresh_summary TEXT NOT NULL,
                last_error TEXT,
                entities_loaded BIGINT NOT NULL,
                entities_removed BIGINT NOT NULL,
                duration_ms BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (namespace, plugin_name, source_id))",
        up_postgres: None,
        down: "DROP TABLE catalog_refresh_status",
    },
    Migration {
        version: "050-audit",
        description: "audit events (EN-44)",
        up: AUDIT_EVENTS,
        up_postgres: None,
        down: "DROP TABLE audit_events",
    },
    Migration {
        version: "051-jobs",
        description: "async refresh jobs (EN-50)",
        up: REFRESH_JOBS,
        up_postgres: None,
        down: "DROP TABLE refresh_jobs",
    },
    Migration {
        version: "052-leader-lease",
        description: "leader election lease (EN-80)",
        up: "CREATE TABLE leader_lease (
                name TEXT PRIMARY KEY,
                holder_identity TEXT NOT NULL DEFAULT '',
                acquired_at BIGINT NOT NULL,
                renewed_at BIGINT NOT NULL,
                lease_duration_seconds BIGINT NOT NULL,
                transitions BIGINT NOT NULL DEFAULT 0)",
        up_postgres: None,
        down: "DROP TABLE leader_lease",
    }]
}

const REFRESH_JOBS: &str = "CREATE TABLE refresh_jobs (
        id VARCHAR(36) PRIMARY KEY,
        namespace TEXT NOT NULL DEFAULT 'default',
        plugin TEXT NOT NULL,
        source_id TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at BIGINT NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued',
        progress BIGINT,
        message TEXT,
        started_at BIGINT,
        finished_at BIGINT,
        attempt_count BIGINT NOT NULL DEFAULT 0,
        last_error TEXT,
        idempotency_key TEXT,
        entities_loaded BIGINT,
        entities_removed BIGINT,
        duration_ms BIGINT,
        claimed_by TEXT,
        heartbeat_at BIGINT,
        next_attempt_at BIGINT,
        cancel_requested BIGINT NOT NULL DEFAULT 0,
        request_id TEXT);
    CREATE INDEX refresh_jobs_namespace_state ON refresh_jobs (namespace, state);
    CREATE INDEX refresh_jobs_plugin_state ON refresh_jobs (plugin, state);
    CREATE INDEX refresh_jobs_state ON refresh_jobs (state, requested_at);
    CREATE UNIQUE INDEX refresh_jobs_active_key ON refresh_jobs (idempotency_key)
        WHERE state IN ('queued', 'running');";

const AUDIT_EVENTS: &str = "CREATE TABLE audit_events (
        id VARCHAR(36) PRIMARY KEY,
        namespace TEXT NOT NULL DEFAULT 'default',
        actor TEXT NOT NULL,
        event_type TEXT NOT NULL,
        request_id TEXT,
        correlation_id TEXT,
        plugin TEXT,
        resource_type TEXT,
        resource_ids TEXT,
        action TEXT,
        action_verb TEXT,
        outcome TEXT NOT NULL,
        status_code BIGINT,
        reason TEXT,
        asset_uid TEXT,
        version_id TEXT,
        old_value TEXT,
        new_value TEXT,
        metadata TEXT,
        created_at BIGINT NOT NULL);
    CREATE INDEX audit_events_namespace ON audit_events (namespace, created_at);
    CREATE INDEX audit_events_actor ON audit_events (actor, created_at);
    CREATE INDEX audit_events_plugin ON audit_events (plugin, created_at);
    CREATE INDEX audit_events_type ON audit_events (event_type, created_at);
    CREATE INDEX audit_events_asset ON audit_events (asset_uid, created_at);
    CREATE INDEX audit_events_correlation ON audit_events (correlation_id);
    CREATE INDEX audit_events_request ON audit_events (request_id);";

/// Holds the cross-replica migration lock while alive; release with [`MigrationLock::release`].
pub struct MigrationLock {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Postgres>>,
}

impl MigrationLock {
    /// Takes the lock on one dedicated connection (PostgreSQL); a no-op on SQLite.
    pub async fn acquire(db: &Database, timeout: Duration) -> Result<Self, StoreError> {
        let Database::Postgres(pool) = db else {
            return Ok(Self { conn: None });
        };
        let mut conn = pool
            .acquire()
            .await
            .map_err(|e| StoreError::Lock(e.to_string()))?;
        tokio::time::timeout(
            timeout,
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *conn),
        )
        .await
        .map_err(|_| StoreError::Lock(format!("timed out after {timeout:?}")))?
        .map_err(|e| StoreError::Lock(e.to_string()))?;
        Ok(Self { conn: Some(conn) })
    }

    /// Releases the lock. Dropping without release closes the connection, which also frees it.
    pub async fn release(mut self) -> Result<(), StoreError> {
        if let Some(mut conn) = self.conn.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

impl Drop for MigrationLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Detach so the session (and its advisory lock) ends instead of returning to the pool.
            drop(conn.detach());
        }
    }
}

/// Applies `migrations` of `owner` not yet recorded; returns how many ran.
///
/// Each migration runs in its own transaction together with its record. On failure the later
/// migrations of that owner are skipped (FW-61) and the error is returned.
pub async fn apply_migrations(
    db: &Database,
    owner: &str,
    migrations: &[Migration],
) -> Result<usize, StoreError> {
    on_pool!(db, pool => sqlx::query(BOOKKEEPING).execute(pool).await.map(|_| ()))?;
    let applied: Vec<String> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT version FROM plugin_schema_migrations WHERE plugin = $1"
    ).bind(owner).fetch_all(pool).await)?;
    let mut count = 0;
    for migration in migrations
        .iter()
        .filter(|m| !applied.iter().any(|v| v == m.version))
    {
        let sql = match db {
            Database::Postgres(_) => migration.up_postgres.unwrap_or(migration.up),
            Database::Sqlite(_) => migration.up,
        };
        let fail = |e: sqlx::Error| StoreError::Migration {
            plugin: owner.to_string(),
            version: migration.version.to_string(),
            message: e.to_string(),
        };
        on_pool!(db, pool => {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(fail)?;
            sqlx::query(
                "INSERT INTO plugin_schema_migrations (plugin, version, description, applied_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(owner)
            .bind(migration.version)
            .bind(migration.description)
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
            tx.commit().await.map_err(fail)?;
        });
        tracing::info!(
            owner,
            version = migration.version,
            description = migration.description,
            "applied migration"
        );
        count += 1;
    }
    Ok(count)
}
