//! The `sources.yaml` data model (spec 01 §7).
//!
//! These types describe the document only. Strict parsing with located
//! errors lives in [`crate::parse`], layering in [`crate::merge`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The expected value of [`CatalogSources::api_version`].
pub const API_VERSION: &str = "catalog/v1alpha1";

/// The expected value of [`CatalogSources::kind`].
pub const KIND: &str = "CatalogSources";

/// A whole `sources.yaml` document.
///
/// Every field is optional when parsing; an empty `apiVersion` or `kind` is
/// allowed, and any other unexpected value is accepted with a warning.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogSources {
    /// Document version, normally [`API_VERSION`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Document kind, normally [`KIND`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Map from config key (e.g. `models`, `mcp`) to the plugin's section.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub catalogs: BTreeMap<String, Section>,
}

/// One plugin's section: the value under `catalogs.<config key>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Section {
    /// The plugin's sources, in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceConfig>,
    /// Free-form label objects; their content is not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Value>,
    /// Map from query name to a map from field name to condition.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub named_queries: BTreeMap<String, BTreeMap<String, NamedQueryCondition>>,
}

/// One condition of a named query, e.g. `{operator: ">=", value: 30000000000}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamedQueryCondition {
    /// Comparison operator such as `>=`, `==` or `contains`.
    pub operator: String,
    /// The operand; any JSON value (integers stay integers).
    pub value: Value,
}

/// One source entry under `catalogs.<key>.sources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceConfig {
    /// Source id; required and unique within its section (checked after parsing).
    #[serde(default)]
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Provider type (`yaml`, `git`, `http`, `hf`, ...); `type` on the wire.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub source_type: String,
    /// Whether the source is enabled; absent means enabled (see [`SourceConfig::is_enabled`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Labels attached to every item of this source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// Free-form provider properties (`yamlCatalogPath`, `repoUrl`, ...); not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Map<String, Value>>,
    /// Name globs to keep (applied first; empty keeps everything). The model catalog's legacy
    /// spelling `includedModels` is accepted (PM-5).
    #[serde(
        default,
        alias = "includedModels",
        skip_serializing_if = "Option::is_none"
    )]
    pub included_items: Option<Vec<String>>,
    /// Name globs to drop (applied after `included_items`); legacy `excludedModels` accepted.
    #[serde(
        default,
        alias = "excludedModels",
        skip_serializing_if = "Option::is_none"
    )]
    pub excluded_items: Option<Vec<String>>,
    /// The file that defined this source or, after a merge, the file that last
    /// supplied its `properties` (FW-50). Never serialized.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

impl SourceConfig {
    /// Whether the source is enabled: `enabled` when present, otherwise `true`.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_defaults_to_true() {
        let mut s = SourceConfig::default();
        assert!(s.is_enabled());
        s.enabled = Some(false);
        assert!(!s.is_enabled());
        s.enabled = Some(true);
        assert!(s.is_enabled());
    }

    #[test]
    fn origin_is_never_serialized() {
        let s = SourceConfig {
            id: "a".into(),
            origin: Some(PathBuf::from("/secret/dir/sources.yaml")),
            ..SourceConfig::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"id":"a"}"#);
    }

    #[test]
    fn json_round_trip_uses_wire_names() {
        let json = r#"{"id":"a","name":"A","type":"git","enabled":false,"labels":["x"],"properties":{"k":1},"includedItems":["i*"],"excludedItems":["e*"]}"#;
        let s: SourceConfig = serde_json::from_str(json).unwrap();
        assert_eq!(s.source_type, "git");
        assert_eq!(s.included_items.as_deref(), Some(&["i*".to_string()][..]));
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
        let bad = serde_json::from_str::<SourceConfig>(r#"{"id":"a","bogus":1}"#);
        assert!(bad.is_err());
        let legacy: SourceConfig =
            serde_json::from_str(r#"{"id":"a","includedModels":["i*"],"excludedModels":["e*"]}"#)
                .unwrap();
        assert_eq!(legacy.included_items, Some(vec!["i*".to_string()]));
        assert_eq!(legacy.excluded_items, Some(vec!["e*".to_string()]));
    }
}
