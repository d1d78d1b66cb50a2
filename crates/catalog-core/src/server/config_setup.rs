//! Choosing and opening the config store at startup (SM-40, SM-42).
//!
//! - `file` mode with one `--sources` file: that file is the editable document.
//! - `file` mode with no `--sources`: the bundled `{data_dir}/bundled/sources.yaml`, seeded once.
//! - several layered files, or `none` mode: the merged document in memory (changes are lost at
//!   restart; a warning says so).

use std::path::PathBuf;

use catalog_config::CatalogSources;

use super::lifecycle::StartupError;
use super::settings::{ConfigStoreMode, SecretsMode, Settings};
use crate::management::{
    ConfigStore, DEFAULT_HISTORY, EnvResolver, FileResolver, FileStore, Manager, ManagerOptions,
    MemoryStore, SecretResolver,
};

/// Concurrent refresh executions server-wide (SM-34 d).
const REFRESH_CONCURRENCY: usize = 3;

/// The management plane for `config_paths` (already parsed as `merged`).
pub(crate) fn build_manager(
    settings: &Settings,
    config_paths: &[PathBuf],
    merged: &CatalogSources,
) -> Result<Manager, StartupError> {
    let fail = |e: crate::management::ConfigStoreError| StartupError::ConfigStore(e.to_string());
    let (store, origin): (Box<dyn ConfigStore>, Option<PathBuf>) = match (
        settings.config_store,
        config_paths,
    ) {
        (ConfigStoreMode::File, [only]) => {
            // The operator's `../conf/sources.yaml` names a real file; the store itself refuses
            // `..` components, so it gets the resolved path.
            let path = std::fs::canonicalize(only).unwrap_or_else(|_| only.clone());
            (
                Box::new(FileStore::new(path.clone(), DEFAULT_HISTORY).map_err(fail)?),
                Some(path),
            )
        }
        (mode, _) => {
            if mode == ConfigStoreMode::File {
                tracing::warn!(
                    "several sources files are layered: source changes made through the API are kept in memory only"
                );
            }
            (
                Box::new(MemoryStore::new(merged.clone(), DEFAULT_HISTORY).map_err(fail)?),
                None,
            )
        }
    };
    let fallback_dir = config_paths
        .first()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_else(|| settings.data_dir.clone());
    let allowed_roots = if settings.allowed_roots.is_empty() {
        std::iter::once(settings.data_dir.clone())
            .chain(
                config_paths
                    .iter()
                    .filter_map(|p| p.parent().map(PathBuf::from)),
            )
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p
                }
            })
            .collect()
    } else {
        settings.allowed_roots.clone()
    };
    let resolver: Option<Box<dyn SecretResolver>> = match &settings.secrets {
        SecretsMode::Disabled => None,
        SecretsMode::Env { prefix } => Some(Box::new(EnvResolver {
            prefix: prefix.clone(),
        })),
        SecretsMode::File { dir } => Some(Box::new(FileResolver { dir: dir.clone() })),
    };
    Manager::new(
        store,
        ManagerOptions {
            config_paths: config_paths.to_vec(),
            fallback_dir,
            origin,
            allowed_roots,
            read_roots: settings.allowed_roots.clone(),
            resolver,
            refresh_interval: settings.refresh_rate_limit,
            refresh_concurrency: REFRESH_CONCURRENCY,
        },
    )
    .map_err(fail)
}
