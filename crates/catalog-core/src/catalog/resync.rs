//! A declarative plugin's background loop while it runs:
//! - re-syncs sources whose plugin declares an interval for them
//!   ([`Extension::sync_interval`](super::Extension::sync_interval), e.g. `hf` `syncInterval`);
//! - watches `yaml` data files (PM-12): a changed modification time or size reloads that
//!   source; identical content is recognised by its fingerprint and changes nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use catalog_config::SourceConfig;

use super::Shared;
use super::ingest::{data_file, sync_source, sync_sources};
use super::runtime::Runtime;
use crate::store::now_ms;

/// How often the loop wakes up.
const TICK: Duration = Duration::from_secs(1);

/// What a data file looked like when last seen.
type Stamp = (Option<SystemTime>, u64);

/// The watched data files of enabled `yaml` sources and their current stamps.
fn stamps(shared: &Shared, rt: &Runtime) -> Vec<(SourceConfig, Stamp)> {
    rt.source_configs()
        .into_iter()
        .filter(|s| s.is_enabled() && shared.ext.loader(&s.source_type).is_none())
        .filter_map(|source| {
            let path = data_file(shared.ext, &source, &rt.config.fallback_dir).ok()?;
            let stamp = match std::fs::metadata(&path) {
                Ok(m) => (m.modified().ok(), m.len()),
                Err(_) => (None, 0),
            };
            Some((source, stamp))
        })
        .collect()
}

/// Starts the loop; it is aborted when the plugin stops. Data files are first stamped here, so
/// any later change is seen.
pub(crate) fn spawn(shared: Arc<Shared>) -> tokio::task::AbortHandle {
    let mut seen: HashMap<String, Stamp> = match shared.runtime() {
        Ok(rt) => stamps(&shared, &rt)
            .into_iter()
            .map(|(s, stamp)| (s.id, stamp))
            .collect(),
        Err(_) => HashMap::new(),
    };
    tokio::spawn(async move {
        let mut last_watch = Instant::now();
        loop {
            tokio::time::sleep(TICK).await;
            if !shared.running.load(Ordering::SeqCst) {
                continue;
            }
            let Ok(rt) = shared.runtime() else { continue };
            if let Some(interval) = shared.ext.sync_interval {
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
            let Some(watch) = rt.config.watch_interval else {
                continue;
            };
            if last_watch.elapsed() < watch {
                continue;
            }
            last_watch = Instant::now();
            for (source, stamp) in stamps(&shared, &rt) {
                let changed = seen
                    .insert(source.id.clone(), stamp)
                    .is_none_or(|before| before != stamp);
                if changed {
                    tracing::info!(
                        plugin = shared.spec.name,
                        source = source.id,
                        "data file changed; reloading"
                    );
                    let _guard = shared.ingest.lock().await;
                    sync_sources(shared.spec, &rt, vec![source], true).await;
                }
            }
        }
    })
    .abort_handle()
}
