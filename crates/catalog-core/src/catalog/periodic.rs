//! Background sync (PA-5, PA-73, PA-74): one task per plugin wakes every second and syncs
//! each enabled source whose provider has an interval (git, http): at once when the runtime
//! has not synced it yet (`init` leaves them here so readiness never waits on a remote), then
//! whenever its interval has elapsed. Sources added or changed at run time are picked up on the
//! next tick; `stop` aborts the task.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::Shared;
use super::ingest::{SyncMode, sync_sources};
use super::runtime::{Runtime, background_interval};

/// How often the task checks for due sources.
const TICK: Duration = Duration::from_secs(1);

/// Longest wait before retrying a transient failure.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// When a background source is next due.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    /// Start of the last sync.
    at: Instant,
    /// Consecutive transient failures (0 after a success).
    failures: u32,
}

impl Schedule {
    /// The wait after `at`: the interval, or after a transient failure an exponential backoff
    /// from 1 s capped at the interval and 5 minutes (PA-63).
    fn wait(&self, interval: Duration) -> Duration {
        if self.failures == 0 {
            return interval;
        }
        let backoff = Duration::from_secs(1u64 << (self.failures - 1).min(16));
        backoff.min(interval).min(MAX_BACKOFF)
    }
}

/// Whether a sync error is worth retrying early: not for credentials or content problems,
/// which only a configuration or content change can fix (PA-63 categories in the message).
fn is_transient(error: &str) -> bool {
    !["AuthError", "ValidationError", "ConfigError", "properties."]
        .iter()
        .any(|c| error.contains(c))
}

/// Spawns the plugin's re-sync task.
pub(crate) fn spawn(shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last: HashMap<String, Schedule> = HashMap::new();
        let mut generation: Option<Arc<Runtime>> = None;
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let Ok(rt) = shared.runtime() else { continue };
            if generation.as_ref().is_none_or(|g| !Arc::ptr_eq(g, &rt)) {
                // A new `init`: every background source is due again.
                last.clear();
                generation = Some(rt.clone());
            }
            let now = Instant::now();
            let due: Vec<_> = rt
                .source_configs()
                .into_iter()
                .filter(|s| s.is_enabled())
                .filter(|s| {
                    background_interval(s).is_some_and(|interval| {
                        last.get(&s.id)
                            .is_none_or(|l| now.duration_since(l.at) >= l.wait(interval))
                    })
                })
                .collect();
            if due.is_empty() {
                continue;
            }
            let _guard = shared.ingest.lock().await;
            for result in sync_sources(shared.spec, &rt, due, SyncMode::Periodic).await {
                let id = result.source_id.unwrap_or_default();
                let failures = match &result.error {
                    Some(e) if is_transient(e) => last.get(&id).map_or(0, |l| l.failures) + 1,
                    _ => 0,
                };
                last.insert(id, Schedule { at: now, failures });
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_capped_by_interval_and_five_minutes() {
        let at = Instant::now();
        let wait = |failures, interval| Schedule { at, failures }.wait(interval);
        let hour = Duration::from_secs(3600);
        assert_eq!(wait(0, hour), hour);
        assert_eq!(wait(1, hour), Duration::from_secs(1));
        assert_eq!(wait(4, hour), Duration::from_secs(8));
        assert_eq!(wait(20, hour), MAX_BACKOFF);
        assert_eq!(wait(5, Duration::from_secs(10)), Duration::from_secs(10));
        assert!(is_transient("x: TransientNetwork: timed out"));
        assert!(!is_transient("x: AuthError: HTTP 401"));
    }
}
