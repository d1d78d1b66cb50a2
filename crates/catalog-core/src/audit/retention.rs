//! Audit retention (EN-49): events older than the limit are deleted at start and every 24 h.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::AuditStore;

const DAY_MS: i64 = 86_400_000;

/// Deletes events older than `days` before `now_ms`; returns how many.
pub async fn run_retention(store: &AuditStore, days: u32, now_ms: i64) -> u64 {
    match store.delete_before(now_ms - i64::from(days) * DAY_MS).await {
        Ok(n) => {
            if n > 0 {
                tracing::info!(deleted = n, days, "audit retention");
            }
            n
        }
        Err(e) => {
            tracing::warn!(error = %e, "audit retention failed");
            0
        }
    }
}

/// Runs retention now and then every 24 h until `cancel`.
pub fn spawn_retention(store: AuditStore, days: u32, cancel: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(86_400));
        loop {
            tokio::select! {
                _ = tick.tick() => { run_retention(&store, days, crate::store::now_ms()).await; }
                () = cancel.cancelled() => break,
            }
        }
    });
}
