//! State shared by the framework's handlers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use arc_swap::ArcSwap;
use axum::Router;

use super::discovery_cache::DiscoveryCache;
use super::enterprise::Enterprise;
use super::metrics::Metrics;
use super::settings::Settings;
use crate::plugin::CatalogPlugin;
use crate::store::Database;

/// Why a plugin is in the failed set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Whether its init succeeded (the failure came later).
    pub initialized: bool,
    /// What went wrong.
    pub error: String,
}

/// One registered plugin with its mount point and state.
#[derive(Clone)]
pub struct PluginEntry {
    /// The plugin.
    pub plugin: Arc<dyn CatalogPlugin>,
    /// Effective base path.
    pub base_path: String,
    /// Its routes (with management routes), built once after a successful init.
    pub router: Option<Router>,
    /// Set when the plugin is in the failed set.
    pub failure: Option<Failure>,
}

impl PluginEntry {
    /// Whether it is in the active set.
    pub fn is_active(&self) -> bool {
        self.failure.is_none()
    }
}

/// The server's shared state.
pub struct AppState {
    /// Settings in force.
    pub settings: Settings,
    /// Construction time (uptime base).
    pub started: Instant,
    /// The database.
    pub db: Database,
    /// Plugins in registry order (active and failed).
    pub plugins: ArcSwap<Vec<PluginEntry>>,
    /// Startup step 12 done.
    pub initial_load_complete: AtomicBool,
    /// A shutdown signal arrived.
    pub shutting_down: AtomicBool,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Bumped whenever discovery responses may have changed (invalidates the cache).
    pub discovery_generation: Arc<AtomicU64>,
    /// Cached discovery responses.
    pub discovery_cache: DiscoveryCache,
    /// The source management plane: the editable config document and its store.
    pub config: Arc<crate::management::Manager>,
    /// Identity, tenancy, authorization and audit.
    pub enterprise: Enterprise,
}

impl AppState {
    /// Active entries in registry order, then failed ones (FW-40).
    pub fn entries_for_discovery(&self) -> Vec<PluginEntry> {
        let all = self.plugins.load();
        all.iter()
            .filter(|e| e.is_active())
            .chain(all.iter().filter(|e| !e.is_active()))
            .cloned()
            .collect()
    }

    /// Whether startup completed.
    pub fn is_loaded(&self) -> bool {
        self.initial_load_complete.load(Ordering::SeqCst)
    }
}
