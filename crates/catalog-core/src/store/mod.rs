//! Storage: one [`Database`] handle over SQLite (embedded default) or PostgreSQL.
//!
//! Queries are written once with `$n` placeholders, which both backends accept, and dispatched
//! with [`on_pool!`](crate::on_pool).

mod conditions;
mod entities;
mod migrate;
mod refresh_status;
mod source_status;

pub use conditions::*;
pub use entities::*;
pub use migrate::*;
pub use refresh_status::*;
pub use source_status::*;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// A storage failure. Its text may hold driver detail: log it, never send it to clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL scheme is neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL scheme in \"{0}\": use sqlite:// or postgres://")]
    UnsupportedUrl(String),
    /// A driver error.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration {plugin}/{version} failed: {message}")]
    Migration {
        /// Owner of the migration.
        plugin: String,
        /// Its version.
        version: String,
        /// What went wrong.
        message: String,
    },
    /// The migration lock could not be taken.
    #[error("could not acquire the migration lock: {0}")]
    Lock(String),
}

/// Which backend a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The shared database handle (cheap to clone).
#[derive(Clone, Debug)]
pub enum Database {
    /// SQLite pool.
    Sqlite(SqlitePool),
    /// PostgreSQL pool.
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of `$db`.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::Database::Sqlite($pool) => $body,
            $crate::store::Database::Postgres($pool) => $body,
        }
    };
}

impl Database {
    /// Connects to `url` (`sqlite://path` — created when missing — or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Self::Postgres(pool))
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// A round trip bounded to 2 s (FW-38).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let query = on_pool!(self, pool => tokio::time::timeout(
            Duration::from_secs(2),
            sqlx::query("SELECT 1").execute(pool),
        ).await.map(|r| r.map(|_| ())));
        match query {
            Ok(result) => result.map_err(StoreError::from),
            Err(_) => Err(StoreError::Sqlx(sqlx::Error::PoolTimedOut)),
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// `url` without its password, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_removed_from_urls() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact_url("sqlite://data/catalog.db"),
            "sqlite://data/catalog.db"
        );
    }
}
