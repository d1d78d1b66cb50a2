//! One initialised generation of a declarative plugin: its config, snapshot and source states.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use arc_swap::ArcSwap;
use catalog_config::SourceConfig;

use super::Shared;
use super::entry::{entity_from_row, search_text};
use super::ingest::sync_sources;
use crate::index::Snapshot;
use crate::plugin::{DiagnosticError, InitConfig, PluginError};
use crate::store::{self, SourceStatusRow};

/// Most recent errors kept for diagnostics.
pub(crate) const MAX_RECENT_ERRORS: usize = 50;

/// A configured source and its current status.
#[derive(Debug, Clone)]
pub(crate) struct SourceState {
    pub(crate) config: SourceConfig,
    pub(crate) status: SourceStatusRow,
}

/// The state a set of handlers serves from.
pub(crate) struct Runtime {
    pub(crate) config: InitConfig,
    pub(crate) ext: &'static super::Extension,
    pub(crate) snapshot: ArcSwap<Snapshot>,
    pub(crate) sources: RwLock<Vec<SourceState>>,
    pub(crate) errors: Mutex<VecDeque<DiagnosticError>>,
}

impl Runtime {
    /// Serves the persisted data at once, drops data of sources no longer configured or enabled,
    /// then syncs every enabled source (failures are recorded per source, FW-4).
    pub(crate) async fn load(shared: &Shared, config: InitConfig) -> Result<Self, PluginError> {
        let spec = shared.spec;
        if let Some(check) = shared.ext.check_config {
            check(&config.section).map_err(|e| {
                PluginError::new(format!(
                    "invalid catalogs.{} section: {e}",
                    spec.config_key()
                ))
            })?;
        }
        let db = &config.database;
        let ns = config.namespace.clone();
        let fail = |what: &str, e: store::StoreError| {
            tracing::error!(plugin = spec.name, error = %e, "{what}");
            PluginError::new(format!("{what}: database error"))
        };
        let enabled: Vec<String> = config
            .section
            .sources
            .iter()
            .filter(|s| s.is_enabled())
            .map(|s| s.id.clone())
            .collect();
        let configured: Vec<String> = config
            .section
            .sources
            .iter()
            .map(|s| s.id.clone())
            .collect();
        store::delete_sources_except(db, &ns, spec.name, &enabled)
            .await
            .map_err(|e| fail("removing data of unconfigured sources", e))?;
        store::delete_statuses_except(db, &ns, spec.name, &configured)
            .await
            .map_err(|e| fail("removing status of unconfigured sources", e))?;
        let statuses: HashMap<String, SourceStatusRow> =
            store::load_source_statuses(db, &ns, spec.name)
                .await
                .map_err(|e| fail("loading source status", e))?
                .into_iter()
                .map(|r| (r.source_id.clone(), r))
                .collect();
        let rows = store::load_entities(db, &ns, spec.name)
            .await
            .map_err(|e| fail("loading entities", e))?;
        let entities: Vec<Arc<_>> = rows
            .into_iter()
            .filter_map(|row| {
                let key = (row.source_id.clone(), row.name.clone());
                let entity = entity_from_row(spec, shared.ext, row);
                if entity.is_none() {
                    tracing::warn!(
                        plugin = spec.name,
                        source = key.0,
                        name = key.1,
                        "skipping unreadable stored entity"
                    );
                }
                entity.map(Arc::new)
            })
            .collect();
        let snapshot = Snapshot::new(entities, |e, out| search_text(spec, e, out));
        let sources = config
            .section
            .sources
            .iter()
            .map(|s| SourceState {
                config: s.clone(),
                status: match statuses.get(&s.id) {
                    Some(row) if s.is_enabled() => row.clone(),
                    _ => SourceStatusRow {
                        source_id: s.id.clone(),
                        state: if s.is_enabled() {
                            "loading"
                        } else {
                            "disabled"
                        }
                        .into(),
                        error: None,
                        entity_count: snapshot.source_count(&s.id) as i64,
                        last_refresh_at: None,
                        last_refresh_duration_ns: None,
                        fingerprint: None,
                    },
                },
            })
            .collect();
        let runtime = Self {
            config,
            ext: shared.ext,
            snapshot: ArcSwap::from_pointee(snapshot),
            sources: RwLock::new(sources),
            errors: Mutex::new(VecDeque::new()),
        };
        let _guard = shared.ingest.lock().await;
        let enabled: Vec<SourceConfig> = runtime
            .source_configs()
            .into_iter()
            .filter(SourceConfig::is_enabled)
            .collect();
        sync_sources(spec, &runtime, enabled, true).await;
        Ok(runtime)
    }

    /// The configured sources, in config order.
    pub(crate) fn source_configs(&self) -> Vec<SourceConfig> {
        self.sources
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|s| s.config.clone())
            .collect()
    }

    /// A copy of the source states.
    pub(crate) fn source_states(&self) -> Vec<SourceState> {
        self.sources
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records a source's new status in memory.
    pub(crate) fn set_status(&self, status: SourceStatusRow) {
        let mut sources = self.sources.write().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = sources.iter_mut().find(|s| s.config.id == status.source_id) {
            s.status = status;
        }
    }

    /// Remembers an error for diagnostics.
    pub(crate) fn push_error(&self, error: DiagnosticError) {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        if errors.len() == MAX_RECENT_ERRORS {
            errors.pop_front();
        }
        errors.push_back(error);
    }
}
