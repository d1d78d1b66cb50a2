//! The plugin contract (spec FW §1–§2): the core [`CatalogPlugin`] trait and its optional capabilities.
//!
//! Each optional capability is an accessor returning `Option<&dyn Capability>` that defaults to
//! `None`; discovery flags are derived from what these accessors return, never hand-maintained.

mod capabilities;
mod docs;
mod validate;

pub use capabilities::*;
pub use docs::*;
pub use validate::validate_capabilities;

use std::path::PathBuf;

use async_trait::async_trait;
use axum::Router;
use catalog_config::Section;

use crate::store::{Database, Migration};

/// Why a plugin lifecycle step failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct PluginError(pub String);

impl PluginError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Everything a plugin receives at `init` (FW §1 InitConfig).
#[derive(Clone)]
pub struct InitConfig {
    /// The plugin's `catalogs.<key>` section (empty when absent), secrets resolved.
    pub section: Section,
    /// The shared database.
    pub database: Database,
    /// A span tagged `plugin=<name>`; enter it (or use `instrument`) for plugin log lines.
    pub span: tracing::Span,
    /// The effective base path; every advertised URL must be built from it.
    pub base_path: String,
    /// The config files in effect, in precedence order (empty when the plugin has no section).
    pub config_paths: Vec<PathBuf>,
    /// Directory for relative paths of sources that have no file origin.
    pub fallback_dir: PathBuf,
    /// The server's data directory (clones, caches).
    pub data_dir: PathBuf,
    /// `default` in single-tenant mode.
    pub namespace: String,
    /// Server-wide Hugging Face hub base URL (`--hf-base-url`), used when a source sets none.
    pub hf_base_url: Option<String>,
    /// How often data files are checked for changes (`None`: not watched).
    pub watch_interval: Option<std::time::Duration>,
}

/// The core contract every catalog plugin implements.
#[async_trait]
pub trait CatalogPlugin: Send + Sync + 'static {
    /// Unique, stable name matching `^[a-z][a-z0-9-]{0,62}$`.
    fn name(&self) -> &str;
    /// API version token, e.g. `v1alpha1`.
    fn version(&self) -> &str;
    /// One human-readable line.
    fn description(&self) -> &str;

    /// Validates config, prepares state and loads the initial data. Re-entrant (FW-5).
    async fn init(&self, config: InitConfig) -> Result<(), PluginError>;
    /// Spawns background work and returns promptly.
    async fn start(&self) -> Result<(), PluginError>;
    /// Cancels background work; idempotent. Afterwards `healthy` is false.
    async fn stop(&self) -> Result<(), PluginError>;
    /// Cheap health flag; no I/O.
    fn healthy(&self) -> bool;
    /// The plugin's routes, relative to its base path. Called once after a successful init.
    fn routes(&self) -> Result<Router, PluginError>;
    /// Ordered schema migrations, run before `init` (FW §8).
    fn migrations(&self) -> Vec<Migration> {
        Vec::new()
    }
    /// Sample sources served by the bundled default config (FW-68 item 8).
    fn bundled_sources(&self) -> &'static [crate::schema::BundledSource] {
        &[]
    }
    /// Entities currently served (for metrics), when the plugin keeps a count.
    fn entity_count(&self) -> Option<u64> {
        None
    }

    /// Overrides the default base path.
    fn base_path_provider(&self) -> Option<&dyn BasePathProvider> {
        None
    }
    /// Overrides the config key (defaults to the name).
    fn source_key_provider(&self) -> Option<&dyn SourceKeyProvider> {
        None
    }
    /// Basic (V1) capability flags.
    fn capabilities_provider(&self) -> Option<&dyn CapabilitiesProvider> {
        None
    }
    /// The full capabilities document.
    fn capabilities_v2_provider(&self) -> Option<&dyn CapabilitiesV2Provider> {
        None
    }
    /// Detailed status.
    fn status_provider(&self) -> Option<&dyn StatusProvider> {
        None
    }
    /// Runtime source management.
    fn source_manager(&self) -> Option<&dyn SourceManager> {
        None
    }
    /// On-demand reload.
    fn refresh_provider(&self) -> Option<&dyn RefreshProvider> {
        None
    }
    /// Per-source diagnostics.
    fn diagnostics_provider(&self) -> Option<&dyn DiagnosticsProvider> {
        None
    }
    /// Legacy basic UI hints.
    fn ui_hints_provider(&self) -> Option<&dyn UiHintsProvider> {
        None
    }
    /// CLI hints.
    fn cli_hints_provider(&self) -> Option<&dyn CliHintsProvider> {
        None
    }
    /// Name lookup for plugins whose native get route needs several parameters.
    fn entity_getter(&self) -> Option<&dyn EntityGetter> {
        None
    }
    /// Projection to the universal asset envelope.
    fn asset_mapper_provider(&self) -> Option<&dyn AssetMapperProvider> {
        None
    }
    /// Cross-plugin asset listing.
    fn asset_lister(&self) -> Option<&dyn AssetLister> {
        None
    }
    /// Cross-plugin asset get.
    fn asset_getter(&self) -> Option<&dyn AssetGetter> {
        None
    }
    /// Entity and source actions.
    fn action_provider(&self) -> Option<&dyn ActionProvider> {
        None
    }
}

/// The `catalogs` key a plugin reads: `source_key()` when provided, else its name (FW-15).
pub fn config_key(plugin: &dyn CatalogPlugin) -> String {
    plugin
        .source_key_provider()
        .map_or_else(|| plugin.name().to_string(), |p| p.source_key())
}

/// The default base path `/api/{name}_catalog/{version}` (FW-15).
pub fn default_base_path(name: &str, version: &str) -> String {
    format!("/api/{name}_catalog/{version}")
}

/// Checks a plugin name against `^[a-z][a-z0-9-]{0,62}$` (FW §1).
pub fn is_valid_plugin_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::is_valid_plugin_name;

    #[test]
    fn plugin_names_follow_the_pattern() {
        for ok in ["mcp", "model", "a", "agents-2", &"a".repeat(63)] {
            assert!(is_valid_plugin_name(ok), "{ok}");
        }
        for bad in ["", "Mcp", "1mcp", "-x", "mc_p", "m cp", &"a".repeat(64)] {
            assert!(!is_valid_plugin_name(bad), "{bad}");
        }
    }
}
