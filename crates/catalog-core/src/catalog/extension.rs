//! Optional plugin-specific behaviour layered on a declarative plugin: stricter data files,
//! per-entry normalisation, fields kept out of the served document, extra routes and loaders
//! for source types other than `yaml`. Everything else stays generic.

use std::path::Path;

use axum::Router;
use catalog_config::SourceConfig;
use serde_json::{Map, Value};

use super::handle::CatalogHandle;
use crate::provider::SourceError;

/// How a data file treats keys it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownKeys {
    /// Ignored silently (the default of plain declarative plugins).
    Ignore,
    /// Logged as a warning and dropped; the entry still loads.
    Warn,
    /// The whole file is rejected.
    Reject,
}

/// Checks and normalises one entry in place; each problem is `(field path, message)`.
pub type PrepareFn = fn(&mut Map<String, Value>, &mut Vec<(String, String)>);

/// How often a source is re-synced (`None`: only on start and refresh).
pub type SyncIntervalFn = fn(&SourceConfig) -> Option<std::time::Duration>;

/// Checks a plugin's config section; the error names every problem.
pub type CheckConfigFn = fn(&catalog_config::Section) -> Result<(), String>;

/// Builds the plugin's extra routes (relative to its base path).
pub type RoutesFn = fn(CatalogHandle) -> Router;

/// Serves `GET /{plural}` instead of the generic list, given the query pairs; returns the
/// JSON body. For lists with parameters of their own (e.g. model recommendations).
pub type ListFn = fn(&CatalogHandle, &[(String, String)]) -> Result<String, crate::error::ApiError>;

/// What a non-yaml loader produced: entries plus per-item failures that did not stop the load.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Entries `(name, fields)`, before include/exclude filtering.
    pub entries: Vec<(String, Map<String, Value>)>,
    /// Items that failed; when non-empty the source is reported `error` but successes are kept.
    pub failures: Vec<String>,
}

/// What a loader may read besides the source config.
#[derive(Debug, Clone)]
pub struct LoadContext<'a> {
    /// The source.
    pub source: &'a SourceConfig,
    /// Server-wide Hugging Face base URL, if set.
    pub hf_base_url: Option<&'a str>,
    /// Directory for relative paths.
    pub fallback_dir: &'a Path,
}

/// Loads the entries of one source of a non-yaml type, applying the source's include/exclude
/// patterns itself. Runs on a blocking thread inside the runtime, so it may use
/// `tokio::runtime::Handle::current().block_on`.
pub type LoadFn = fn(&LoadContext<'_>) -> Result<Loaded, SourceError>;

/// Plugin-specific behaviour of a declarative plugin.
#[derive(Debug, Clone, Copy)]
pub struct Extension {
    /// Treatment of undeclared keys in entries.
    pub unknown_keys: UnknownKeys,
    /// Top-level keys accepted besides the entry list; `None` accepts any.
    pub document_keys: Option<&'static [&'static str]>,
    /// Per-entry check and normalisation.
    pub prepare: Option<PrepareFn>,
    /// Entry keys persisted but not served in the native document (e.g. model artifacts).
    pub hidden: &'static [&'static str],
    /// JSON key carrying the source id in the native document (default `sourceId`).
    pub source_id_key: &'static str,
    /// Extra routes.
    pub routes: Option<RoutesFn>,
    /// Checks the plugin's config section at init; an error fails the plugin's init with it.
    pub check_config: Option<CheckConfigFn>,
    /// Replacement for the generic list handler.
    pub list: Option<ListFn>,
    /// The advertised get endpoint relative to the base path, when not `/{plural}/{name}`.
    pub get_path: Option<&'static str>,
    /// Loaders by source type (`yaml` is built in).
    pub loaders: &'static [(&'static str, LoadFn)],
    /// Per-source re-sync interval while the plugin runs.
    pub sync_interval: Option<SyncIntervalFn>,
    /// Source properties naming the data file of a `yaml` source, first present wins.
    pub path_properties: &'static [&'static str],
    /// A source property whose string list is added to the exclusions (legacy spelling).
    pub exclusions_property: Option<&'static str>,
}

impl Extension {
    /// No extra behaviour.
    pub const NONE: Self = Self {
        unknown_keys: UnknownKeys::Ignore,
        document_keys: None,
        prepare: None,
        hidden: &[],
        source_id_key: "sourceId",
        routes: None,
        check_config: None,
        list: None,
        get_path: None,
        loaders: &[],
        sync_interval: None,
        path_properties: &["yamlCatalogPath"],
        exclusions_property: None,
    };

    /// The loader for a source type, if the plugin has one.
    pub fn loader(&self, source_type: &str) -> Option<LoadFn> {
        self.loaders
            .iter()
            .find(|(t, _)| *t == source_type)
            .map(|(_, f)| *f)
    }
}

/// Expects `value` to be a mapping whose keys are all in `allowed`; reports problems under
/// `path` (shared by plugins validating nested structures strictly).
pub fn check_mapping<'v>(
    value: &'v Value,
    path: &str,
    allowed: &[&str],
    problems: &mut Vec<(String, String)>,
) -> Option<&'v Map<String, Value>> {
    let Value::Object(map) = value else {
        problems.push((path.into(), "must be a mapping".into()));
        return None;
    };
    for key in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
        problems.push((format!("{path}.{key}"), "unknown key".into()));
    }
    Some(map)
}

/// Expects `value` (when present) to be a string; reports a problem under `path` otherwise.
pub fn check_string(value: Option<&Value>, path: &str, problems: &mut Vec<(String, String)>) {
    if let Some(v) = value
        && !v.is_string()
        && !v.is_null()
    {
        problems.push((path.into(), "must be a string".into()));
    }
}

/// Expects `value` (when present) to be a boolean.
pub fn check_bool(value: Option<&Value>, path: &str, problems: &mut Vec<(String, String)>) {
    if let Some(v) = value
        && !v.is_boolean()
        && !v.is_null()
    {
        problems.push((path.into(), "must be true or false".into()));
    }
}

/// Expects `value` (when present) to be one of `options`.
pub fn check_one_of(
    value: Option<&Value>,
    path: &str,
    options: &[&str],
    problems: &mut Vec<(String, String)>,
) {
    match value {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if options.contains(&s.as_str()) => {}
        Some(other) => problems.push((
            path.into(),
            format!("must be one of {}, got {other}", options.join(", ")),
        )),
    }
}

/// Expects `value` (when present) to be a list, checking each item with `item` under
/// `path[i]`; returns the number of items.
pub fn check_list(
    value: Option<&Value>,
    path: &str,
    problems: &mut Vec<(String, String)>,
    mut item: impl FnMut(&Value, &str, &mut Vec<(String, String)>),
) -> Option<usize> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                item(v, &format!("{path}[{i}]"), problems);
            }
            Some(items.len())
        }
        Some(_) => {
            problems.push((path.into(), "must be a list".into()));
            None
        }
    }
}
