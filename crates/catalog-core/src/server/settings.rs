//! Process settings the server runs with (flags and environment are parsed by the binary).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

use super::enterprise::EnterpriseSettings;

/// Everything that shapes one server instance.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address.
    pub listen: SocketAddr,
    /// Data directory (embedded database, bundled samples, clones).
    pub data_dir: PathBuf,
    /// Config files in precedence order; empty means the bundled default.
    pub sources: Vec<PathBuf>,
    /// Database URL; `None` means SQLite in the data directory.
    pub database_url: Option<String>,
    /// Bound on each plugin's `init` and `start`.
    pub plugin_init_timeout: Duration,
    /// Grace period for shutdown.
    pub shutdown_grace: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Bound on handling one request.
    pub request_timeout: Duration,
    /// Bound on receiving a request's headers, counted from when the connection waits for a
    /// request (so it also closes idle keep-alive connections).
    pub header_read_timeout: Duration,
    /// Peers whose forwarding headers are trusted.
    pub trusted_proxies: Vec<IpNet>,
    /// Allowed CORS origins (`*` for any http(s) origin); empty disables CORS.
    pub cors_allowed_origins: Vec<String>,
    /// Whether one unhealthy plugin makes the server not ready.
    pub readiness_require_all_plugins: bool,
    /// Whether migrations run under the cross-replica lock.
    pub migration_lock: bool,
    /// Where the editable source config is kept (SM-40).
    pub config_store: ConfigStoreMode,
    /// How often the stored config is checked for external edits (SM-51).
    pub reconcile_interval: Duration,
    /// One refresh per plugin+source per this interval (SM-32).
    pub refresh_rate_limit: Duration,
    /// Directories every source file must lie in. Empty: files named by the operator's config
    /// are not confined, and sources set through the API are confined to the data directory and
    /// the directories of the sources files.
    pub allowed_roots: Vec<PathBuf>,
    /// How SecretRefs are resolved (SM-63).
    pub secrets: SecretsMode,
    /// Identity, tenancy, authorization and audit (EN-*).
    pub enterprise: EnterpriseSettings,
}

/// Where the editable source config is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigStoreMode {
    /// The sources file itself (or `{data_dir}/sources.yaml` seeded from the bundled samples).
    File,
    /// In memory only: changes are lost at restart.
    None,
}

/// How SecretRefs in source properties are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretsMode {
    /// Not at all: a SecretRef is an error.
    Disabled,
    /// Environment variables `{prefix}{NAME}_{KEY}`.
    Env {
        /// Variable prefix.
        prefix: String,
    },
    /// Files `{dir}/{namespace?}/{name}/{key}`.
    File {
        /// The secrets directory.
        dir: PathBuf,
    },
}

impl Settings {
    /// Defaults of spec FW §9 with the given data directory.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            data_dir: data_dir.into(),
            sources: Vec::new(),
            database_url: None,
            plugin_init_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(10),
            trusted_proxies: Vec::new(),
            cors_allowed_origins: Vec::new(),
            readiness_require_all_plugins: true,
            migration_lock: true,
            config_store: ConfigStoreMode::File,
            reconcile_interval: Duration::from_secs(30),
            refresh_rate_limit: Duration::from_secs(30),
            allowed_roots: Vec::new(),
            secrets: SecretsMode::Env {
                prefix: "CATALOG_SECRET_".into(),
            },
            enterprise: EnterpriseSettings::default(),
        }
    }

    /// The effective database URL.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("catalog.db").display()),
        }
    }
}
