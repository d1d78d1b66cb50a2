//! The `leader_lease` row (EN-80): acquire and renew are one conditional `UPDATE` on the
//! database clock, succeeding when the holder is this replica, nobody, or expired.

use std::time::Duration;

use async_trait::async_trait;

use super::Lease;
use crate::store::{Database, StoreError};

const NOW_MS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

/// Lease operations for one lease name (PostgreSQL).
#[derive(Clone)]
pub struct LeaseStore {
    db: Database,
    name: String,
}

impl LeaseStore {
    /// The lease `name` in `db`.
    pub fn new(db: Database, name: impl Into<String>) -> Self {
        Self {
            db,
            name: name.into(),
        }
    }

    /// Takes or renews the lease for `identity`; `true` when this replica holds it now.
    pub async fn try_acquire(
        &self,
        identity: &str,
        duration: Duration,
    ) -> Result<bool, StoreError> {
        let Database::Postgres(pool) = &self.db else {
            return Ok(true);
        };
        sqlx::query(
            "INSERT INTO leader_lease (name, holder_identity, acquired_at, renewed_at, \
             lease_duration_seconds, transitions) VALUES ($1, '', 0, 0, 0, 0) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&self.name)
        .execute(pool)
        .await?;
        let sql = format!(
            "UPDATE leader_lease SET \
             acquired_at = CASE WHEN holder_identity = $2 THEN acquired_at ELSE {NOW_MS} END, \
             transitions = CASE WHEN holder_identity = $2 THEN transitions ELSE transitions + 1 END, \
             holder_identity = $2, renewed_at = {NOW_MS}, lease_duration_seconds = $3 \
             WHERE name = $1 AND (holder_identity = $2 OR holder_identity = '' \
             OR renewed_at + lease_duration_seconds * 1000 < {NOW_MS})"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&self.name)
            .bind(identity)
            .bind(duration.as_secs() as i64)
            .execute(pool)
            .await?
            .rows_affected();
        Ok(rows == 1)
    }

    /// Gives the lease up if `identity` holds it.
    pub async fn release(&self, identity: &str) -> Result<(), StoreError> {
        if let Database::Postgres(pool) = &self.db {
            sqlx::query(
                "UPDATE leader_lease SET holder_identity = '' \
                 WHERE name = $1 AND holder_identity = $2",
            )
            .bind(&self.name)
            .bind(identity)
            .execute(pool)
            .await?;
        }
        Ok(())
    }

    /// The current holder (empty when none) and the transition count.
    pub async fn holder(&self) -> Result<Option<(String, i64)>, StoreError> {
        let Database::Postgres(pool) = &self.db else {
            return Ok(None);
        };
        Ok(
            sqlx::query_as("SELECT holder_identity, transitions FROM leader_lease WHERE name = $1")
                .bind(&self.name)
                .fetch_optional(pool)
                .await?,
        )
    }
}

#[async_trait]
impl Lease for LeaseStore {
    async fn try_acquire(&self, identity: &str, duration: Duration) -> Result<bool, String> {
        LeaseStore::try_acquire(self, identity, duration)
            .await
            .map_err(|e| e.to_string())
    }

    async fn release(&self, identity: &str) -> Result<(), String> {
        LeaseStore::release(self, identity)
            .await
            .map_err(|e| e.to_string())
    }
}
