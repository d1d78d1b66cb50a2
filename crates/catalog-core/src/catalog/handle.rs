//! Read access to a declarative plugin's live state for its extra routes.

use std::path::PathBuf;
use std::sync::Arc;

use catalog_config::{Section, SourceConfig};
use serde_json::Value;

use super::Shared;
use crate::entity::Entity;
use crate::error::ApiError;
use crate::index::Snapshot;
use crate::provider::SourceError;
use crate::schema::PluginSpec;

/// A cheap, cloneable view of a plugin's state, read at request time.
#[derive(Clone)]
pub struct CatalogHandle {
    pub(crate) shared: Arc<Shared>,
}

/// A configured source with its current status.
#[derive(Debug, Clone)]
pub struct SourceView {
    /// The source as configured.
    pub config: SourceConfig,
    /// `available`, `error`, `disabled` or `loading`.
    pub state: String,
    /// Last error, if any.
    pub error: Option<String>,
    /// Entities currently served from it.
    pub entity_count: u64,
}

impl CatalogHandle {
    /// The plugin's spec.
    pub fn spec(&self) -> &'static PluginSpec {
        self.shared.spec
    }

    /// The snapshot served right now.
    pub fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
        Ok(self.shared.runtime()?.snapshot.load_full())
    }

    /// The plugin's config section (labels, named queries, sources).
    pub fn section(&self) -> Result<Section, ApiError> {
        Ok(self.shared.runtime()?.config.section.clone())
    }

    /// Configured sources in config order, with status and live counts.
    pub fn sources(&self) -> Result<Vec<SourceView>, ApiError> {
        let rt = self.shared.runtime()?;
        let snapshot = rt.snapshot.load();
        Ok(rt
            .source_states()
            .into_iter()
            .map(|s| SourceView {
                entity_count: snapshot.source_count(&s.config.id),
                state: s.status.state,
                error: s.status.error,
                config: s.config,
            })
            .collect())
    }

    /// Server-wide Hugging Face base URL, if set.
    pub fn hf_base_url(&self) -> Result<Option<String>, ApiError> {
        Ok(self.shared.runtime()?.config.hf_base_url.clone())
    }

    /// Directory relative paths of sources without a file origin resolve against.
    pub fn fallback_dir(&self) -> Result<PathBuf, ApiError> {
        Ok(self.shared.runtime()?.config.fallback_dir.clone())
    }

    /// The canonical directories holding configured sources' data files (`yamlCatalogPath`):
    /// the only places a caller-named data file may be read from.
    pub fn data_dirs(&self) -> Result<Vec<PathBuf>, ApiError> {
        let rt = self.shared.runtime()?;
        let mut dirs: Vec<PathBuf> = rt
            .source_configs()
            .iter()
            .filter_map(|s| {
                let value = s.properties.as_ref()?.get("yamlCatalogPath")?.as_str()?;
                let path = catalog_config::resolve_path(s, value, &rt.config.fallback_dir);
                path.parent()?.canonicalize().ok()
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        Ok(dirs)
    }

    /// Validates a parsed data file with the plugin's rules, returning its entries in order.
    pub fn validate(&self, doc: Value) -> Result<Vec<super::entry::Entry>, SourceError> {
        super::entry::validate_entries(self.shared.spec, self.shared.ext, doc)
    }

    /// The namespace served (binds page tokens).
    pub fn namespace(&self) -> Result<String, ApiError> {
        Ok(self.shared.runtime()?.config.namespace.clone())
    }

    /// The plugin's extension.
    pub fn extension(&self) -> &'static super::Extension {
        self.shared.ext
    }

    /// The configured sources (for `sourceLabel`).
    pub fn source_configs(&self) -> Result<Vec<SourceConfig>, ApiError> {
        Ok(self.shared.runtime()?.source_configs())
    }

    /// An entity's hidden fields (persisted, not served), as an object; `Null` when none.
    pub fn hidden(entity: &Entity) -> Value {
        entity
            .hidden
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or(Value::Null)
    }
}

/// Ids of the enabled sources carrying any of `labels` (case-insensitive); the label `null`
/// selects enabled sources without labels (PM-30).
pub fn sources_with_labels(sources: &[SourceConfig], labels: &[String]) -> Vec<String> {
    sources
        .iter()
        .filter(|s| s.is_enabled())
        .filter(|s| {
            let own = s.labels.as_deref().unwrap_or_default();
            labels.iter().any(|want| {
                (want == "null" && own.is_empty())
                    || own.iter().any(|l| l.eq_ignore_ascii_case(want))
            })
        })
        .map(|s| s.id.clone())
        .collect()
}
