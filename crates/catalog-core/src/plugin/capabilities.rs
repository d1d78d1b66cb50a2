//! The 15 optional capability traits (FW §2). Any method may be called concurrently after init.

use async_trait::async_trait;
use serde_json::Value;

use super::actions::*;
use super::docs::*;
use crate::error::ApiError;

/// Overrides the default `/api/{name}_catalog/{version}` base path.
pub trait BasePathProvider: Send + Sync {
    /// Absolute path without a trailing `/`.
    fn base_path(&self) -> String;
}

/// Overrides the `catalogs` key the plugin reads (plugin `model` reads `models`).
pub trait SourceKeyProvider: Send + Sync {
    /// The config key.
    fn source_key(&self) -> String;
}

/// Basic capability flags (V1).
pub trait CapabilitiesProvider: Send + Sync {
    /// The flags; cheap, no I/O.
    fn capabilities(&self) -> CapabilitiesV1;
}

/// The full capabilities document (V2).
pub trait CapabilitiesV2Provider: Send + Sync {
    /// The document; cheap, no I/O. URLs are built from the effective base path.
    fn capabilities_v2(&self) -> CapabilitiesV2;
}

/// Detailed plugin status.
pub trait StatusProvider: Send + Sync {
    /// The status; cheap, no I/O.
    fn status(&self) -> PluginStatus;
}

/// Runtime management of a plugin's sources (spec part 03). The framework owns the source list
/// and its persistence; the plugin states which provider types it reads and checks one source.
pub trait SourceManager: Send + Sync {
    /// Provider types the plugin accepts (`yaml`, ...).
    fn source_types(&self) -> Vec<String>;
    /// Plugin checks of one source (SM-18): required properties, and the inline data `content`
    /// (when sent) decoded against the entity schema. Each problem names its field path.
    fn check_source(
        &self,
        source: &catalog_config::SourceConfig,
        content: Option<&str>,
    ) -> Vec<crate::error::FieldProblem>;
    /// How many entities the source would serve, read from `content` when sent, else from the
    /// data file at `path` (already confined); `Err` says why it would not load.
    fn preview_source(
        &self,
        source: &catalog_config::SourceConfig,
        content: Option<&str>,
        path: &std::path::Path,
    ) -> Result<usize, String>;
}

/// On-demand reload of sources.
#[async_trait]
pub trait RefreshProvider: Send + Sync {
    /// Reloads one source.
    async fn refresh(&self, source_id: &str) -> Result<RefreshResult, ApiError>;
    /// Reloads every enabled source.
    async fn refresh_all(&self) -> Result<RefreshResult, ApiError>;
}

/// Per-source diagnostics.
#[async_trait]
pub trait DiagnosticsProvider: Send + Sync {
    /// The plugin's diagnostics.
    async fn diagnostics(&self) -> Result<Diagnostics, ApiError>;
}

/// Legacy basic UI hints.
pub trait UiHintsProvider: Send + Sync {
    /// The hints; cheap, no I/O.
    fn ui_hints(&self) -> UiHints;
}

/// CLI hints.
pub trait CliHintsProvider: Send + Sync {
    /// The hints; cheap, no I/O.
    fn cli_hints(&self) -> CliHints;
}

/// Lookup of a native entity by kind and name (`kind` is empty when unknown).
pub trait EntityGetter: Send + Sync {
    /// The native JSON, or `None` when absent.
    fn get_entity_by_name(&self, kind: &str, name: &str) -> Option<Value>;
}

/// Projection of native entities to the universal asset envelope.
pub trait AssetMapperProvider: Send + Sync {
    /// Kinds the mapper accepts.
    fn supported_kinds(&self) -> Vec<String>;
    /// Maps one native entity.
    fn map_to_asset(&self, native: &Value) -> Result<Value, ApiError>;
}

/// Cross-plugin asset listing (`GET /api/assets`).
pub trait AssetLister: Send + Sync {
    /// Every asset of the plugin, overlays merged, as entities of
    /// [`ASSET_SPEC`](crate::assets::ASSET_SPEC) ready for the shared list machinery.
    fn list_assets(&self) -> Result<Vec<std::sync::Arc<crate::entity::Entity>>, ApiError>;
}

/// Cross-plugin asset get (`GET /api/assets/{kind}/{name}`).
pub trait AssetGetter: Send + Sync {
    /// One asset with its overlay merged, or `None` when the plugin has no such entity.
    fn get_asset(&self, kind: &str, name: &str) -> Result<Option<Value>, ApiError>;
}

/// Entity and source actions (behaviour owned by spec part 02 §7).
#[async_trait]
pub trait ActionProvider: Send + Sync {
    /// Runs an action on a target of `scope`.
    async fn handle_action(
        &self,
        scope: ActionScope,
        target: &str,
        request: ActionRequest,
    ) -> Result<ActionResult, ApiError>;
    /// The actions of one scope.
    fn list_actions(&self, scope: ActionScope) -> Vec<ActionDefinition>;
}
