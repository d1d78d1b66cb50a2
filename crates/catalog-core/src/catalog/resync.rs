//! Periodic re-sync of sources whose plugin declares an interval for them
//! ([`Extension::sync_interval`](super::Extension::sync_interval)), e.g. `hf` sources' `syncInterval`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Shared;
use super::ingest::sync_source;
use crate::store::now_ms;

/// How often due sources are looked for.
const TICK: Duration = Duration::from_secs(1);

/// Starts the re-sync loop of a plugin whose extension declares intervals; it ends when the
/// plugin stops.
pub(crate) fn spawn(shared: Arc<Shared>) -> Option<tokio::task::AbortHandle> {
    let interval = shared.ext.sync_interval?;
    let task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(TICK).await;
            if !shared.running.load(Ordering::SeqCst) {
                continue;
            }
            let Ok(rt) = shared.runtime() else { continue };
            for state in rt.source_states() {
                let Some(every) = interval(&state.config) else {
                    continue;
                };
                let last = state.status.last_refresh_at.unwrap_or(0);
                let due = now_ms().saturating_sub(last) >= every.as_millis() as i64;
                if state.config.is_enabled() && due {
                    let _guard = shared.ingest.lock().await;
                    sync_source(shared.spec, &rt, &state.config).await;
                }
            }
        }
    });
    Some(task.abort_handle())
}
