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

/// Spawns the plugin's re-sync task.
pub(crate) fn spawn(shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last: HashMap<String, Instant> = HashMap::new();
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
                            .is_none_or(|since| now.duration_since(*since) >= interval)
                    })
                })
                .collect();
            if due.is_empty() {
                continue;
            }
            for s in &due {
                last.insert(s.id.clone(), now);
            }
            let _guard = shared.ingest.lock().await;
            sync_sources(shared.spec, &rt, due, SyncMode::Periodic).await;
        }
    })
}
