//! The source management plane (spec 03): the framework-owned `sources.yaml` document, its store
//! and revisions, validation, commits that are either persisted-and-live or nothing, refresh
//! with rate limits, diagnostics, secrets and reconciliation of external edits.

mod actions;
pub(crate) use actions::source_action_definitions;
mod apply;
mod commit;
mod rate_limit;
mod reconcile;
mod refresh;
mod refresh_record;
mod response;
mod revisions;
mod routes;
mod secrets;
mod source_info;
mod store;
mod validate;

use std::path::PathBuf;
use std::sync::RwLock;
use std::time::Duration;

use catalog_config::{CatalogSources, Section};

pub use rate_limit::RateLimiter;
pub use reconcile::spawn_reconcile;
pub use routes::router;
pub use secrets::{
    EnvResolver, FileResolver, SecretError, SecretResolver, Unresolved, remember_secrets,
    resolve_section, scrub, scrub_known,
};
pub use store::{
    ConfigStore, ConfigStoreError, DEFAULT_HISTORY, FileStore, MemoryStore, Revision, atomic_write,
    version_of,
};
pub use validate::{LayerResult, Preview, ValidationIssue, ValidationResult};

/// The document in force and the version it was loaded or saved as.
#[derive(Debug, Clone)]
pub struct Current {
    /// The document (SecretRefs unresolved).
    pub doc: CatalogSources,
    /// Its store version.
    pub version: String,
}

/// Management settings the server derives from its flags.
pub struct ManagerOptions {
    /// The config files in effect, in precedence order.
    pub config_paths: Vec<PathBuf>,
    /// Directory relative paths of sources without a file origin resolve against.
    pub fallback_dir: PathBuf,
    /// Where new sources' relative paths resolve from (the store file), if file-backed.
    pub origin: Option<PathBuf>,
    /// Directories files named by sources set through the API must lie in.
    pub allowed_roots: Vec<PathBuf>,
    /// Directories every source read must lie in (`--allowed-roots`); empty: unconfined.
    pub read_roots: Vec<PathBuf>,
    /// Secret resolver; `None` rejects SecretRefs.
    pub resolver: Option<Box<dyn SecretResolver>>,
    /// One refresh per key per this interval.
    pub refresh_interval: Duration,
    /// Concurrent refresh executions server-wide.
    pub refresh_concurrency: usize,
}

/// The management plane's state, shared by every plugin's management routes.
pub struct Manager {
    store: Box<dyn ConfigStore>,
    current: RwLock<Current>,
    /// Serialises mutations and reconciliation (SM-21).
    lock: tokio::sync::Mutex<()>,
    options: ManagerOptions,
    reconcile_error: RwLock<Option<String>>,
    /// Sources whose secrets could not be resolved at the last reconfiguration, by (key, id).
    pub(crate) unresolved: RwLock<std::collections::HashMap<(String, String), String>>,
    /// Plugins between `stop` and `start` of a reconfiguration (still serving their old data).
    reconfiguring: std::sync::Mutex<std::collections::HashSet<String>>,
    /// A stored version a plugin rejected at reconcile (not retried until the store changes).
    rejected: RwLock<Option<String>>,
    /// Refresh rate limits (SM §7.2).
    pub limiter: RateLimiter,
}

impl Manager {
    /// A manager over `store`, starting from its current document.
    pub fn new(
        store: Box<dyn ConfigStore>,
        options: ManagerOptions,
    ) -> Result<Self, ConfigStoreError> {
        let (doc, version) = store.load()?;
        let limiter = RateLimiter::new(options.refresh_interval, options.refresh_concurrency);
        let manager = Self {
            store,
            current: RwLock::new(Current { doc, version }),
            lock: tokio::sync::Mutex::new(()),
            options,
            reconcile_error: RwLock::new(None),
            rejected: RwLock::new(None),
            reconfiguring: Default::default(),
            unresolved: RwLock::default(),
            limiter,
        };
        let doc = manager.current().doc;
        manager.remember_inline(&doc);
        Ok(manager)
    }

    /// The document and version in force.
    pub fn current(&self) -> Current {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The section under `key` (empty when absent).
    pub fn section(&self, key: &str) -> Section {
        self.current()
            .doc
            .catalogs
            .get(key)
            .cloned()
            .unwrap_or_default()
    }

    /// Directories files named by sources set through the API must lie in.
    pub fn allowed_roots(&self) -> &[PathBuf] {
        &self.options.allowed_roots
    }

    /// The fallback directory for relative paths.
    pub fn fallback_dir(&self) -> &PathBuf {
        &self.options.fallback_dir
    }

    /// Why the last reconcile could not apply the stored document, if it could not.
    pub fn reconcile_error(&self) -> Option<String> {
        self.reconcile_error
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// `section` with SecretRefs resolved; the values are remembered for scrubbing.
    pub fn resolve(&self, section: &Section) -> Result<Section, Unresolved> {
        let (resolved, values) = resolve_section(section, self.options.resolver.as_deref())?;
        remember_secrets(values);
        Ok(resolved)
    }

    /// The section handed to the plugin under `key`, resolved source by source (SM-64): a source
    /// whose secret cannot be resolved keeps its place without its SecretRef properties, so it
    /// fails to load and keeps its last good data, and the failure is reported on that source.
    pub fn resolve_for_plugin(&self, key: &str, section: &Section) -> Section {
        let mut out = section.clone();
        let mut failures = Vec::new();
        for source in &mut out.sources {
            let one = Section {
                sources: vec![source.clone()],
                ..Section::default()
            };
            match self.resolve(&one) {
                Ok(mut resolved) => *source = resolved.sources.remove(0),
                Err(e) => {
                    tracing::warn!(
                        plugin_key = key,
                        source = e.source,
                        error = e.message,
                        "source secret not resolved; the source keeps its last good data"
                    );
                    if let Some(props) = source.properties.as_mut() {
                        props.retain(|_, v| catalog_config::secret_ref(v).is_none());
                    }
                    failures.push((e.source, e.message));
                }
            }
        }
        let mut unresolved = self.unresolved.write().unwrap_or_else(|e| e.into_inner());
        unresolved.retain(|(k, _), _| k != key);
        for (id, message) in failures {
            unresolved.insert((key.to_string(), id), message);
        }
        out
    }

    /// Whether plugin `name` is being reconfigured right now: it keeps serving its previous data,
    /// so readiness counts it as healthy.
    pub fn is_reconfiguring(&self, name: &str) -> bool {
        self.reconfiguring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name)
    }

    fn set_reconfiguring(&self, name: &str, on: bool) {
        let mut set = self.reconfiguring.lock().unwrap_or_else(|e| e.into_inner());
        if on {
            set.insert(name.to_string());
        } else {
            set.remove(name);
        }
    }

    /// Why the secrets of source `id` under `key` could not be resolved, if they could not.
    pub fn unresolved(&self, key: &str, id: &str) -> Option<String> {
        self.unresolved
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(key.to_string(), id.to_string()))
            .cloned()
    }

    /// `text` with every known secret value replaced (SM-60).
    pub fn scrub(&self, text: &str) -> String {
        scrub_known(text)
    }

    fn remember_inline(&self, doc: &CatalogSources) {
        for section in doc.catalogs.values() {
            remember_secrets(secrets::inline_secrets(section));
        }
    }

    fn set_current(&self, current: Current) {
        self.remember_inline(&current.doc);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = current;
    }
}
