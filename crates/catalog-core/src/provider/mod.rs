//! Source providers: turn a source's `type` and `properties` into data files. Plugins never
//! read files or networks themselves; the framework looks the provider up by source type in
//! the [provider registry](provider_for) and parses what it returns.
//!
//! Built in: `yaml` (a file or glob), `git` (a branch of a repository) and `http` (one URL).
//! Other crates add providers with [`register_provider!`](crate::register_provider).

mod git;
mod git_fetch;
mod glob;
mod http;
mod interval;
mod name_filter;
mod yaml;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use catalog_config::SourceConfig;
use serde_json::{Map, Value};

pub use git::GitProvider;
pub use glob::PathGlob;
pub use http::HttpProvider;
pub use interval::{MIN_SYNC_INTERVAL, parse_duration, sync_interval};
pub use name_filter::*;
pub use yaml::*;

/// Why a source could not be loaded (recorded on the source, never fatal for the plugin).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// One problem with a source's configuration, naming the property at fault.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    /// Dotted path, e.g. `properties.syncInterval`.
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl FieldProblem {
    /// A problem with `properties.<property>`.
    pub fn property(property: &str, message: impl Into<String>) -> Self {
        Self {
            field: format!("properties.{property}"),
            message: message.into(),
        }
    }
}

/// What a provider remembers between syncs of one source (kept in memory).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncMemo {
    /// Last applied git commit (40 hex).
    pub commit: Option<String>,
    /// `ETag` of the last applied HTTP response.
    pub etag: Option<String>,
    /// `Last-Modified` of the last applied HTTP response.
    pub last_modified: Option<String>,
}

/// Everything a provider needs to fetch one source.
#[derive(Debug, Clone, Copy)]
pub struct FetchRequest<'a> {
    /// The source.
    pub source: &'a SourceConfig,
    /// Base for relative paths of sources without a file origin.
    pub fallback_dir: &'a Path,
    /// The server data directory (clone caches live under it).
    pub data_dir: &'a Path,
    /// What the last successful sync left behind.
    pub memo: &'a SyncMemo,
    /// A manual refresh: re-read even when the remote reports no change.
    pub manual: bool,
}

impl FetchRequest<'_> {
    /// A string property, `None` when absent or blank.
    pub fn property(&self, key: &str) -> Option<&str> {
        string_property(self.source.properties.as_ref(), key)
    }
}

/// One data file a provider read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Where it came from (file path, repository-relative path or URL), for messages.
    pub origin: PathBuf,
    /// Its text.
    pub text: String,
}

/// The result of one fetch.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The data files in load order; empty when `unchanged`.
    pub files: Vec<DataFile>,
    /// The remote reported no change since the memo (HTTP 304, same commit): keep the data.
    pub unchanged: bool,
    /// Whether a file without the plugin's key is worth a warning (PA-24: yes for `yaml`).
    pub warn_missing_key: bool,
    /// The memo to keep once this fetch is applied.
    pub memo: SyncMemo,
}

/// A source type: validates properties and fetches data files.
#[async_trait]
pub trait SourceProvider: Send + Sync + 'static {
    /// The source `type` it serves, e.g. `git`.
    fn source_type(&self) -> &'static str;

    /// Checks the source's properties; an empty list means valid. Never does I/O.
    fn validate(&self, properties: Option<&Map<String, Value>>) -> Vec<FieldProblem>;

    /// How often to re-sync the source in the background; `None` for never. Only called on
    /// properties that passed [`validate`](Self::validate).
    fn sync_interval(
        &self,
        properties: Option<&Map<String, Value>>,
    ) -> Option<std::time::Duration> {
        let _ = properties;
        None
    }

    /// Reads the source's data files. Failing here leaves the stored data untouched (PA-62).
    async fn fetch(&self, request: FetchRequest<'_>) -> Result<Fetched, SourceError>;
}

/// An additional provider contributed by another crate.
pub struct ProviderRegistration(pub &'static dyn SourceProvider);

inventory::collect!(ProviderRegistration);

/// Registers an additional source provider: `register_provider!(MyProvider)` where the
/// expression is a `static`-promotable value implementing [`SourceProvider`].
#[macro_export]
macro_rules! register_provider {
    ($provider:expr) => {
        $crate::inventory::submit! {
            $crate::provider::ProviderRegistration(&$provider)
        }
    };
}

static YAML: YamlProvider = YamlProvider;
static GIT: GitProvider = GitProvider;
static HTTP: HttpProvider = HttpProvider;

/// The provider of a source type: built-ins first, then registered ones.
pub fn provider_for(source_type: &str) -> Option<&'static dyn SourceProvider> {
    let builtins: [&'static dyn SourceProvider; 3] = [&YAML, &GIT, &HTTP];
    builtins
        .into_iter()
        .chain(
            inventory::iter::<ProviderRegistration>
                .into_iter()
                .map(|r| r.0),
        )
        .find(|p| p.source_type() == source_type)
}

/// Validates a source against the types a plugin accepts: the type must be accepted and have a
/// provider, and the provider must accept the properties. Used by the loader and by the
/// management API's validation.
pub fn validate_source(source: &SourceConfig, accepted: &[&str]) -> Vec<FieldProblem> {
    let kind = source.source_type.as_str();
    if !accepted.contains(&kind) {
        return vec![FieldProblem {
            field: "type".into(),
            message: format!(
                "unsupported source type \"{kind}\"; supported types are {}",
                accepted.join(", ")
            ),
        }];
    }
    match provider_for(kind) {
        Some(p) => p.validate(source.properties.as_ref()),
        None => vec![FieldProblem {
            field: "type".into(),
            message: format!("no provider is installed for source type \"{kind}\""),
        }],
    }
}

/// A string property, `None` when absent or blank.
pub fn string_property<'a>(
    properties: Option<&'a Map<String, Value>>,
    key: &str,
) -> Option<&'a str> {
    properties
        .and_then(|p| p.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// Problems as one message: `field: message; field: message`.
pub fn describe(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}
