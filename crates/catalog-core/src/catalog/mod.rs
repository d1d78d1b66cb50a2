//! The declarative catalog plugin: a [`PluginSpec`] becomes a complete plugin (YAML sources,
//! persistence, snapshot read path, list/get routes, refresh, diagnostics, hints, capabilities).
//! Plugin crates only declare their spec and register it with [`declare_plugin!`](crate::declare_plugin).

mod capabilities;
mod entry;
pub mod extension;
mod handle;
mod ingest;
mod listing;
mod resync;
mod routes;
mod runtime;

pub use entry::document_entity;
pub use extension::{Extension, LoadContext, Loaded, UnknownKeys};
pub use handle::{CatalogHandle, SourceView, sources_with_labels};
pub use listing::{list_page, select};
pub use routes::json_response;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arc_swap::ArcSwapOption;
use async_trait::async_trait;
use axum::Router;

use crate::plugin::{CatalogPlugin, InitConfig, PluginError};
use crate::schema::PluginSpec;
use runtime::Runtime;

/// Registers a declarative plugin from its spec: `declare_plugin!(SPEC);`, or with
/// plugin-specific behaviour: `declare_plugin!(SPEC, EXTENSION);`.
#[macro_export]
macro_rules! declare_plugin {
    ($spec:expr) => {
        $crate::register_plugin!(|| ::std::sync::Arc::new(
            $crate::catalog::DeclarativePlugin::new(&$spec)
        ));
    };
    ($spec:expr, $ext:expr) => {
        $crate::register_plugin!(|| ::std::sync::Arc::new(
            $crate::catalog::DeclarativePlugin::with_extension(&$spec, &$ext)
        ));
    };
}

/// A plugin driven entirely by its [`PluginSpec`].
pub struct DeclarativePlugin {
    shared: Arc<Shared>,
}

/// State shared between the plugin object and its route handlers (read at request time, FW-5).
pub(crate) struct Shared {
    pub(crate) spec: &'static PluginSpec,
    pub(crate) ext: &'static Extension,
    pub(crate) runtime: ArcSwapOption<Runtime>,
    pub(crate) running: AtomicBool,
    /// Serialises ingestion so two refreshes never interleave their diffs.
    pub(crate) ingest: tokio::sync::Mutex<()>,
    /// The periodic re-sync task, while running.
    pub(crate) resync: std::sync::Mutex<Option<tokio::task::AbortHandle>>,
}

impl Shared {
    /// The current runtime, or 503 before the first successful init.
    pub(crate) fn runtime(&self) -> Result<Arc<Runtime>, crate::error::ApiError> {
        self.runtime.load_full().ok_or_else(|| {
            crate::error::ApiError::unavailable(format!(
                "plugin \"{}\" is not initialised",
                self.spec.name
            ))
        })
    }
}

impl DeclarativePlugin {
    /// A plugin for `spec`.
    pub fn new(spec: &'static PluginSpec) -> Self {
        Self::with_extension(spec, &Extension::NONE)
    }

    /// A plugin for `spec` with plugin-specific behaviour.
    pub fn with_extension(spec: &'static PluginSpec, ext: &'static Extension) -> Self {
        Self {
            shared: Arc::new(Shared {
                spec,
                ext,
                runtime: ArcSwapOption::empty(),
                running: AtomicBool::new(false),
                ingest: tokio::sync::Mutex::new(()),
                resync: std::sync::Mutex::new(None),
            }),
        }
    }

    /// The spec.
    pub fn spec(&self) -> &'static PluginSpec {
        self.shared.spec
    }
}

#[async_trait]
impl CatalogPlugin for DeclarativePlugin {
    fn name(&self) -> &str {
        self.shared.spec.name
    }

    fn version(&self) -> &str {
        self.shared.spec.version
    }

    fn description(&self) -> &str {
        self.shared.spec.description
    }

    async fn init(&self, config: InitConfig) -> Result<(), PluginError> {
        let runtime = Runtime::load(&self.shared, config).await?;
        self.shared.runtime.store(Some(Arc::new(runtime)));
        Ok(())
    }

    async fn start(&self) -> Result<(), PluginError> {
        self.shared.running.store(true, Ordering::SeqCst);
        let mut resync = self.shared.resync.lock().unwrap_or_else(|e| e.into_inner());
        if resync.is_none() {
            *resync = Some(resync::spawn(self.shared.clone()));
        }
        Ok(())
    }

    async fn stop(&self) -> Result<(), PluginError> {
        self.shared.running.store(false, Ordering::SeqCst);
        if let Some(task) = self
            .shared
            .resync
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
        Ok(())
    }

    fn healthy(&self) -> bool {
        self.shared.running.load(Ordering::SeqCst) && self.shared.runtime.load().is_some()
    }

    fn routes(&self) -> Result<Router, PluginError> {
        Ok(routes::router(self.shared.clone()))
    }

    fn bundled_sources(&self) -> &'static [crate::schema::BundledSource] {
        self.shared.spec.bundled
    }

    fn entity_count(&self) -> Option<u64> {
        Some(
            self.shared
                .runtime
                .load()
                .as_ref()
                .map_or(0, |rt| rt.snapshot.load().len() as u64),
        )
    }

    fn source_key_provider(&self) -> Option<&dyn crate::plugin::SourceKeyProvider> {
        self.shared.spec.source_key.map(|_| self as _)
    }

    fn capabilities_provider(&self) -> Option<&dyn crate::plugin::CapabilitiesProvider> {
        Some(self)
    }

    fn capabilities_v2_provider(&self) -> Option<&dyn crate::plugin::CapabilitiesV2Provider> {
        Some(self)
    }

    fn status_provider(&self) -> Option<&dyn crate::plugin::StatusProvider> {
        Some(self)
    }

    fn refresh_provider(&self) -> Option<&dyn crate::plugin::RefreshProvider> {
        Some(self)
    }

    fn diagnostics_provider(&self) -> Option<&dyn crate::plugin::DiagnosticsProvider> {
        Some(self)
    }

    fn ui_hints_provider(&self) -> Option<&dyn crate::plugin::UiHintsProvider> {
        Some(self)
    }

    fn cli_hints_provider(&self) -> Option<&dyn crate::plugin::CliHintsProvider> {
        Some(self)
    }

    fn entity_getter(&self) -> Option<&dyn crate::plugin::EntityGetter> {
        Some(self)
    }
}
