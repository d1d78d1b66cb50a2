//! Server lifecycle (FW §4): config → database → listener with a startup router → migrations →
//! plugin init → route mounting → start → serve; then graceful shutdown. A plugin that fails any
//! step joins the failed set and answers 503 while every other plugin serves (FW-17, FW-18).

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::Router;
use catalog_config::CatalogSources;
use futures_util::FutureExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::bundled::materialize_bundled;
use super::management;
use super::metrics::Metrics;
use super::router::{app_service, full_router, startup_router};
use super::serve::serve;
use super::settings::Settings;
use super::state::{AppState, Failure, PluginEntry};
use crate::plugin::{CatalogPlugin, InitConfig, PluginError, config_key, default_base_path};
use crate::registry::Registry;
use crate::store::{self, Database, MigrationLock, StoreError, redact_url};

/// Paths no plugin may own (FW-16).
const RESERVED: &[&str] = &[
    "/healthz",
    "/livez",
    "/readyz",
    "/metrics",
    "/api/plugins",
    "/api/assets",
    "/api/tenancy",
    "/api/audit",
    "/api/jobs",
    "/api/governance",
];

/// A fatal startup error (everything else is isolated per plugin).
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The config files could not be loaded.
    #[error("{0}")]
    Config(#[from] catalog_config::ConfigError),
    /// The data directory or bundled samples could not be written.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database is unreachable.
    #[error("database {url}: {source}")]
    Database {
        /// Redacted URL.
        url: String,
        /// Why.
        source: StoreError,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The framework's migrations or the migration lock failed.
    #[error("{0}")]
    Migration(StoreError),
}

/// A running server.
pub struct RunningServer {
    addr: SocketAddr,
    app: Arc<AppState>,
    cancel: CancellationToken,
    serve: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state.
    pub fn state(&self) -> &Arc<AppState> {
        &self.app
    }

    /// Graceful shutdown (FW-35): not ready at once, stop listening and drain, then stop the
    /// active plugins in reverse registry order, all within the grace period.
    pub async fn shutdown(self) {
        let deadline = Instant::now() + self.app.settings.shutdown_grace;
        self.app.shutting_down.store(true, Ordering::SeqCst);
        self.cancel.cancel();
        if tokio::time::timeout_at(deadline.into(), self.serve)
            .await
            .is_err()
        {
            tracing::warn!("in-flight requests did not drain within the grace period");
        }
        for entry in self
            .app
            .plugins
            .load()
            .iter()
            .rev()
            .filter(|e| e.is_active())
        {
            let name = entry.plugin.name().to_string();
            match tokio::time::timeout_at(deadline.into(), guarded(entry.plugin.stop())).await {
                Ok(Ok(())) => tracing::info!(plugin = name, "stopped"),
                Ok(Err(e)) => tracing::warn!(plugin = name, error = %e, "stop failed"),
                Err(_) => {
                    tracing::warn!(plugin = name, "stop did not finish within the grace period")
                }
            }
        }
        self.app.db.close().await;
    }
}

/// Runs a plugin step, turning a panic into an error (FW-6).
async fn guarded<F: Future<Output = Result<(), PluginError>>>(fut: F) -> Result<(), PluginError> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => Err(PluginError::new(format!(
            "panicked: {}",
            panic_text(&*panic)
        ))),
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// A plugin step bounded by the init timeout.
async fn bounded<F: Future<Output = Result<(), PluginError>>>(
    limit: Duration,
    step: &str,
    fut: F,
) -> Result<(), String> {
    match tokio::time::timeout(limit, guarded(fut)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("{step} failed: {e}")),
        Err(_) => Err(format!("{step} timed out after {}s", limit.as_secs())),
    }
}

/// Checks a base path against FW-16; `taken` holds the base paths of plugins already accepted.
fn check_base_path(path: &str, taken: &[String]) -> Result<(), String> {
    let overlaps = |a: &str, b: &str| {
        a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
    };
    if !path.starts_with('/') || path.ends_with('/') || path.contains("//") {
        return Err(format!(
            "invalid base path \"{path}\": must start with / and not end with /"
        ));
    }
    if let Some(reserved) = RESERVED.iter().find(|r| overlaps(path, r)) {
        return Err(format!(
            "base path \"{path}\" collides with reserved path {reserved}"
        ));
    }
    if let Some(other) = taken.iter().find(|t| overlaps(path, t)) {
        return Err(format!(
            "base path \"{path}\" collides with another plugin's base path {other}"
        ));
    }
    Ok(())
}

/// Starts a server and returns once startup finished (plugins loaded, routes mounted).
pub async fn start(settings: Settings, registry: Registry) -> Result<RunningServer, StartupError> {
    let data_dir = settings.data_dir.clone();
    let dir_error = |source| StartupError::DataDir {
        path: data_dir.clone(),
        source,
    };
    std::fs::create_dir_all(&data_dir).map_err(dir_error)?;
    let config_paths = if settings.sources.is_empty() {
        vec![materialize_bundled(&data_dir, registry.all()).map_err(dir_error)?]
    } else {
        settings.sources.clone()
    };
    tracing::info!(config = ?config_paths, plugins = ?registry.names(), "starting catalog server");
    let parsed = catalog_config::load_files(&config_paths)?;
    for warning in &parsed.warnings {
        tracing::warn!("{warning}");
    }
    warn_unknown_keys(&parsed.config, &registry);

    let url = settings.database_url();
    let db = Database::connect(&url)
        .await
        .map_err(|source| StartupError::Database {
            url: redact_url(&url),
            source,
        })?;
    let listener =
        TcpListener::bind(settings.listen)
            .await
            .map_err(|source| StartupError::Bind {
                addr: settings.listen,
                source,
            })?;
    let addr = listener.local_addr().map_err(|source| StartupError::Bind {
        addr: settings.listen,
        source,
    })?;
    tracing::info!(%addr, database = redact_url(&url), "listening");

    let app = Arc::new(AppState {
        settings,
        started: Instant::now(),
        db: db.clone(),
        plugins: ArcSwap::from_pointee(Vec::new()),
        initial_load_complete: AtomicBool::new(false),
        shutting_down: AtomicBool::new(false),
        metrics: Metrics::default(),
        discovery_generation: Arc::default(),
        discovery_cache: Default::default(),
    });
    let current = Arc::new(ArcSwap::from_pointee(startup_router(app.clone())));
    let cancel = CancellationToken::new();
    let service = app_service(app.clone(), current.clone());
    let serve = tokio::spawn(serve(
        listener,
        service,
        app.settings.header_read_timeout,
        cancel.clone(),
    ));
    let running = RunningServer {
        addr,
        app: app.clone(),
        cancel,
        serve,
    };

    let migration_failures = match migrate(&app, &registry).await {
        Ok(failures) => failures,
        Err(e) => {
            running.shutdown().await;
            return Err(StartupError::Migration(e));
        }
    };
    let entries = init_plugins(
        &app,
        &registry,
        &parsed.config,
        &config_paths,
        migration_failures,
    )
    .await;
    app.plugins.store(Arc::new(entries));
    start_plugins(&app).await;
    current.store(Arc::new(full_router(app.clone())));
    app.discovery_generation.fetch_add(1, Ordering::SeqCst);
    app.initial_load_complete.store(true, Ordering::SeqCst);
    let active = app.plugins.load().iter().filter(|e| e.is_active()).count();
    tracing::info!(
        active,
        failed = registry.count() - active,
        "initial load complete"
    );
    Ok(running)
}

fn warn_unknown_keys(config: &CatalogSources, registry: &Registry) {
    let keys: Vec<String> = registry
        .all()
        .iter()
        .map(|p| config_key(p.as_ref()))
        .collect();
    for key in config.catalogs.keys().filter(|k| !keys.contains(k)) {
        tracing::warn!(
            key,
            "sources config has a section for \"{key}\", which no compiled-in plugin reads; ignoring it"
        );
    }
    for (i, a) in keys.iter().enumerate() {
        if keys[..i].contains(a) {
            tracing::warn!(key = a, "two plugins read the same config key \"{a}\"");
        }
    }
}

/// Framework migrations (fatal on failure), then each plugin's; returns plugin failures.
async fn migrate(app: &AppState, registry: &Registry) -> Result<Vec<(String, String)>, StoreError> {
    let lock = if app.settings.migration_lock {
        Some(MigrationLock::acquire(&app.db, Duration::from_secs(120)).await?)
    } else {
        None
    };
    let mut failures = Vec::new();
    let result = async {
        store::apply_migrations(&app.db, store::FRAMEWORK, &store::framework_migrations()).await?;
        for plugin in registry.all() {
            if let Err(e) =
                store::apply_migrations(&app.db, plugin.name(), &plugin.migrations()).await
            {
                tracing::error!(plugin = plugin.name(), error = %e, "plugin migration failed");
                failures.push((plugin.name().to_string(), e.to_string()));
            }
        }
        Ok::<_, StoreError>(())
    }
    .await;
    if let Some(lock) = lock {
        lock.release().await?;
    }
    result.map(|()| failures)
}

async fn init_plugins(
    app: &AppState,
    registry: &Registry,
    config: &CatalogSources,
    config_paths: &[PathBuf],
    migration_failures: Vec<(String, String)>,
) -> Vec<PluginEntry> {
    let fallback_dir = config_paths
        .first()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_else(|| app.settings.data_dir.clone());
    let mut entries = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for plugin in registry.all() {
        let name = plugin.name().to_string();
        let base_path = plugin.base_path_provider().map_or_else(
            || default_base_path(&name, plugin.version()),
            |p| p.base_path(),
        );
        let failed = |error: String| {
            tracing::error!(plugin = name, error, "plugin failed");
            PluginEntry {
                plugin: plugin.clone(),
                base_path: base_path.clone(),
                router: None,
                failure: Some(Failure {
                    initialized: false,
                    error,
                }),
            }
        };
        if let Some((_, e)) = migration_failures.iter().find(|(p, _)| *p == name) {
            entries.push(failed(e.clone()));
            continue;
        }
        if let Err(e) = check_base_path(&base_path, &taken) {
            entries.push(failed(e));
            continue;
        }
        let key = config_key(plugin.as_ref());
        let section = config.catalogs.get(&key).cloned();
        if section.is_none() {
            tracing::info!(
                plugin = name,
                key,
                "no config section; starting with no sources"
            );
        }
        let init = InitConfig {
            config_paths: if section.is_some() {
                config_paths.to_vec()
            } else {
                Vec::new()
            },
            section: section.unwrap_or_default(),
            database: app.db.clone(),
            span: tracing::info_span!("plugin", plugin = %name),
            base_path: base_path.clone(),
            fallback_dir: fallback_dir.clone(),
            data_dir: app.settings.data_dir.clone(),
            namespace: "default".into(),
            hf_base_url: app.settings.hf_base_url.clone(),
            watch_interval: app.settings.watch_interval,
        };
        let started = Instant::now();
        if let Err(e) = bounded(app.settings.plugin_init_timeout, "init", plugin.init(init)).await {
            entries.push(failed(e));
            continue;
        }
        let mounted = check_capabilities(plugin.as_ref(), &entries)
            .and_then(|()| mount(plugin.clone(), app.discovery_generation.clone()));
        match mounted {
            Ok(router) => {
                tracing::info!(
                    plugin = name,
                    base_path,
                    ms = started.elapsed().as_millis() as u64,
                    "initialised"
                );
                taken.push(base_path.clone());
                entries.push(PluginEntry {
                    plugin: plugin.clone(),
                    base_path,
                    router: Some(router),
                    failure: None,
                });
            }
            Err(e) => {
                let _ = bounded(app.settings.shutdown_grace, "stop", plugin.stop()).await;
                let mut entry = failed(e);
                entry.failure = entry.failure.map(|f| Failure {
                    initialized: true,
                    ..f
                });
                entries.push(entry);
            }
        }
    }
    entries
}

/// A plugin-supplied capabilities document must be valid (UA-13, UA-16) and its kinds unique
/// among the active plugins (UA-14). Synthesized documents (UA-19) are not checked.
fn check_capabilities(plugin: &dyn CatalogPlugin, active: &[PluginEntry]) -> Result<(), String> {
    let Some(provider) = plugin.capabilities_v2_provider() else {
        return Ok(());
    };
    let doc = provider.capabilities_v2();
    let problems = crate::plugin::validate_capabilities(plugin.name(), &doc);
    if !problems.is_empty() {
        let list: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        return Err(format!(
            "invalid capabilities document: {}",
            list.join("; ")
        ));
    }
    for entry in active.iter().filter(|e| e.is_active()) {
        if let Some(other) = entry.plugin.capabilities_v2_provider() {
            let theirs = other.capabilities_v2();
            if let Some(kind) = doc
                .entities
                .iter()
                .find(|e| theirs.entities.iter().any(|t| t.kind == e.kind))
            {
                return Err(format!(
                    "entity kind \"{}\" is already served by plugin \"{}\"",
                    kind.kind,
                    entry.plugin.name()
                ));
            }
        }
    }
    Ok(())
}

/// The plugin's routes with the framework's management routes nested under `/management`.
fn mount(
    plugin: Arc<dyn CatalogPlugin>,
    generation: Arc<std::sync::atomic::AtomicU64>,
) -> Result<Router, String> {
    let built = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let router = plugin
            .routes()
            .map_err(|e| format!("route registration failed: {e}"))?;
        Ok(match management::router(plugin.clone(), generation) {
            Some(m) => router.nest("/management", m),
            None => router,
        })
    }));
    match built {
        Ok(result) => result,
        Err(panic) => Err(format!(
            "route registration failed: {}",
            panic_text(&*panic)
        )),
    }
}

async fn start_plugins(app: &AppState) {
    let mut entries: Vec<PluginEntry> = app.plugins.load().as_ref().clone();
    for entry in entries.iter_mut().filter(|e| e.is_active()) {
        if let Err(error) = bounded(
            app.settings.plugin_init_timeout,
            "start",
            entry.plugin.start(),
        )
        .await
        {
            tracing::error!(
                plugin = entry.plugin.name(),
                error,
                "plugin failed to start"
            );
            let _ = bounded(app.settings.shutdown_grace, "stop", entry.plugin.stop()).await;
            entry.failure = Some(Failure {
                initialized: true,
                error,
            });
            entry.router = None;
        }
    }
    app.plugins.store(Arc::new(entries));
}

#[cfg(test)]
mod tests {
    use super::check_base_path;

    #[test]
    fn base_paths_must_not_collide() {
        assert!(check_base_path("/api/mcp_catalog/v1alpha1", &[]).is_ok());
        assert!(check_base_path("/api/plugins/x", &[]).is_err());
        assert!(check_base_path("/healthz", &[]).is_err());
        assert!(check_base_path("/api/x/", &[]).is_err());
        assert!(check_base_path("api/x", &[]).is_err());
        let taken = vec!["/api/a".to_string()];
        assert!(check_base_path("/api/a", &taken).is_err());
        assert!(check_base_path("/api/a/b", &taken).is_err());
        assert!(check_base_path("/api", &taken).is_err());
        assert!(check_base_path("/api/ab", &taken).is_ok());
    }
}
