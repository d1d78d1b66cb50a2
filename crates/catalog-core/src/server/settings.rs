//! Process settings the server runs with (flags and environment are parsed by the binary).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

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
    /// Hugging Face hub base URL for `hf` sources that set no `url` (default: the public hub).
    pub hf_base_url: Option<String>,
    /// How often `yaml` data files are checked for changes (`None`: not watched).
    pub watch_interval: Option<Duration>,
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
            hf_base_url: None,
            watch_interval: Some(Duration::from_secs(2)),
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
