//! Wire documents returned by the optional capabilities (camelCase JSON, FW-1).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Basic capability flags (V1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilitiesV1 {
    /// Kinds served.
    pub entity_kinds: Vec<String>,
    /// A list endpoint exists.
    pub list_entities: bool,
    /// A get endpoint exists.
    pub get_entity: bool,
    /// Sources can be listed.
    pub list_sources: bool,
    /// Artifacts are served.
    pub artifacts: bool,
}

/// The capabilities document (UA §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilitiesV2 {
    /// Currently `v1`.
    pub schema_version: String,
    /// Identity block.
    pub plugin: PluginIdentity,
    /// One entry per kind.
    pub entities: Vec<EntityCapabilities>,
    /// Source management flags; present only when a flag is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<SourceCapabilities>,
    /// Every action of both scopes.
    pub actions: Vec<ActionDefinition>,
}

/// `plugin` block of the capabilities document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginIdentity {
    /// Registry name.
    pub name: String,
    /// API version.
    pub version: String,
    /// One line.
    pub description: String,
    /// UI label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Icon id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// One entity kind in the capabilities document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityCapabilities {
    /// PascalCase kind.
    pub kind: String,
    /// URL segment.
    pub plural: String,
    /// Singular label.
    pub display_name: String,
    /// Tooltip text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Native endpoints.
    pub endpoints: Endpoints,
    /// Columns, filters and detail fields.
    pub fields: EntityFields,
    /// Extended UI hints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ui_hints: Option<Value>,
    /// Asset-scoped action ids.
    pub actions: Vec<String>,
}

/// Native endpoints of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoints {
    /// List path.
    pub list: String,
    /// Get path template with `{name}`.
    pub get: String,
    /// Action path template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// Field descriptions of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityFields {
    /// List columns.
    pub columns: Vec<Column>,
    /// Filterable fields.
    pub filter_fields: Vec<FilterField>,
    /// Detail fields.
    pub detail_fields: Vec<DetailField>,
}

/// A list column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    /// Machine id and `orderBy` key.
    pub name: String,
    /// Header.
    pub display_name: String,
    /// Dot path into the native item.
    pub path: String,
    /// Value type.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Usable as `orderBy`.
    pub sortable: bool,
    /// `sm`, `md` or `lg`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<String>,
}

/// A filterable field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterField {
    /// The `filterQuery` identifier.
    pub name: String,
    /// Label.
    pub display_name: String,
    /// Widget type.
    #[serde(rename = "type")]
    pub filter_type: String,
    /// Choices.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub options: Vec<String>,
    /// Accepted operators.
    pub operators: Vec<String>,
}

/// A detail field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailField {
    /// Machine id.
    pub name: String,
    /// Label.
    pub display_name: String,
    /// Dot path into the native item.
    pub path: String,
    /// Value type.
    #[serde(rename = "type")]
    pub field_type: String,
    /// Section title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// `sources` block of the capabilities document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceCapabilities {
    /// Runtime add/edit/delete/enable.
    pub manageable: bool,
    /// Refresh supported.
    pub refreshable: bool,
    /// Provider types accepted.
    pub types: Vec<String>,
}

/// Scope of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionScope {
    /// Acts on an entity.
    Asset,
    /// Acts on a source.
    Source,
}

/// An action definition (UA §2.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionDefinition {
    /// Stable id.
    pub id: String,
    /// Label.
    pub display_name: String,
    /// Help text.
    pub description: String,
    /// Scope.
    pub scope: ActionScope,
    /// Dry-run accepted.
    pub supports_dry_run: bool,
    /// Repeating yields the same state.
    pub idempotent: bool,
    /// Clients confirm first.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub destructive: bool,
    /// Input description.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub parameters: Vec<Value>,
}

/// An action invocation body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionRequest {
    /// Action id.
    pub action: String,
    /// Report without changing anything.
    #[serde(default)]
    pub dry_run: bool,
    /// Parameters.
    #[serde(default)]
    pub params: serde_json::Map<String, Value>,
}

/// The result of an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResult {
    /// Action id.
    pub action: String,
    /// `completed`, `dry-run` or `error`.
    pub status: String,
    /// Human text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Action-specific data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// Detailed plugin status (`status` in `/api/plugins`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginStatus {
    /// Enabled in config.
    pub enabled: bool,
    /// Init succeeded.
    pub initialized: bool,
    /// Routes answer.
    pub serving: bool,
    /// The last error, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// A source with its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    /// Source id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Provider type.
    #[serde(rename = "type")]
    pub source_type: String,
    /// Enabled flag.
    pub enabled: bool,
    /// Labels.
    pub labels: Vec<String>,
    /// Properties, sensitive values redacted.
    pub properties: serde_json::Map<String, Value>,
    /// Load status.
    pub status: SourceStatus,
}

/// Load status of one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    /// `available`, `error`, `disabled` or `loading`.
    pub state: String,
    /// Entities currently served from it.
    pub entity_count: u64,
    /// Last error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// RFC 3339 time of the last refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_refresh_time: Option<String>,
    /// Nanoseconds (FW-9).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_refresh_duration: Option<u64>,
}

/// The outcome of a refresh (FW-9: `duration` in nanoseconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshResult {
    /// The source refreshed; absent for refresh-all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// Entities loaded.
    pub entities_loaded: u64,
    /// Entities removed.
    pub entities_removed: u64,
    /// Nanoseconds.
    pub duration: u64,
    /// Set when the refresh ran but failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Plugin diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    /// Plugin name.
    pub plugin_name: String,
    /// Per source.
    pub sources: Vec<SourceDiagnostics>,
    /// RFC 3339 time of the last refresh of any source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_refresh: Option<String>,
    /// Recent errors.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<DiagnosticError>,
}

/// Diagnostics of one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceDiagnostics {
    /// Source id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Load state.
    pub state: String,
    /// Entities served.
    pub entity_count: u64,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_refresh_time: Option<String>,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_refresh_duration: Option<u64>,
    /// Last error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// git: the 40-hex commit of the last applied sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_commit: Option<String>,
    /// http: the `ETag` of the last applied response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Cross-asset references of this source's entities that do not resolve (plugins with
    /// reference fields only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolved_references: Option<u64>,
}

/// One recorded error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticError {
    /// Source id, when the error belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What happened.
    pub message: String,
    /// RFC 3339.
    pub time: String,
}

/// Legacy basic UI hints (UA-24).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UiHints {
    /// List columns.
    pub list_columns: Vec<UiColumn>,
    /// Detail fields.
    pub detail_fields: Vec<UiDetailField>,
    /// Identity field.
    pub identity_field: String,
    /// Display-name field.
    pub display_name_field: String,
    /// Description field.
    pub description_field: String,
}

/// A basic list column hint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UiColumn {
    /// Field name.
    pub field: String,
    /// Header.
    pub label: String,
    /// Sortable.
    pub sortable: bool,
    /// Filterable.
    pub filterable: bool,
}

/// A basic detail field hint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UiDetailField {
    /// Field name.
    pub field: String,
    /// Label.
    pub label: String,
    /// Section title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// CLI hints (UA-25).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CliHints {
    /// Columns shown by default.
    pub default_columns: Vec<String>,
    /// Default sort field.
    pub sort_field: String,
    /// Fields usable in `filterQuery`.
    pub filterable_fields: Vec<String>,
}
