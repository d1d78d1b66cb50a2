//! Command-line flags and environment variables (spec FW §9). A flag beats its variable, which
//! beats the default; malformed values stop startup with a message naming the accepted ones.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use catalog_core::server::Settings;
use clap::{Parser, ValueEnum};
use ipnet::IpNet;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Parses `true/false/1/0/yes/no` in any case (FW-65).
fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!(
            "\"{s}\" is not a boolean (use true/false, 1/0 or yes/no)"
        )),
    }
}

/// Parses one CIDR (or a bare IP address, taken as a single-host network).
fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("\"{s}\" is not a CIDR or IP address"))
}

/// The catalog-of-catalogs server.
#[derive(Debug, Parser)]
#[command(name = "catalog-server", version, about, long_about = None)]
pub struct Cli {
    /// Address to listen on, `host:port`.
    #[arg(long, env = "CATALOG_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,

    /// Data directory: embedded database, bundled samples, git clones.
    #[arg(long, env = "CATALOG_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// sources.yaml file; repeat to layer several (later files win). Default: the bundled samples
    /// of every compiled-in plugin. The variable takes a comma-separated list.
    #[arg(long = "sources", env = "CATALOG_SOURCES", value_delimiter = ',')]
    pub sources: Vec<PathBuf>,

    /// Database URL, `sqlite://…` or `postgres://…` (default: SQLite in the data directory).
    /// `DATABASE_DSN` is accepted as an alias of the variable.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Log level (or a tracing filter such as `info,catalog_core=debug`).
    #[arg(long, env = "CATALOG_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// Log format.
    #[arg(long, env = "CATALOG_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Seconds each plugin's init and start may take.
    #[arg(long, env = "CATALOG_PLUGIN_INIT_TIMEOUT_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub plugin_init_timeout_seconds: u64,

    /// Seconds allowed for graceful shutdown.
    #[arg(long, env = "CATALOG_SHUTDOWN_GRACE_SECONDS", default_value_t = 30)]
    pub shutdown_grace_seconds: u64,

    /// Largest accepted request body in bytes.
    #[arg(long, env = "CATALOG_MAX_REQUEST_BODY_BYTES", default_value_t = 10 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_request_body_bytes: u64,

    /// Seconds one request may take before it is answered with 503.
    #[arg(long, env = "CATALOG_REQUEST_TIMEOUT_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_seconds: u64,

    /// Comma-separated CIDRs of proxies whose X-Forwarded-For / X-Real-IP are trusted.
    #[arg(long, env = "CATALOG_TRUSTED_PROXIES", value_parser = parse_cidr, value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNet>,

    /// Comma-separated allowed CORS origins (`*` for any http(s) origin); none by default.
    #[arg(long, env = "CATALOG_CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,

    /// Whether one failed plugin makes the server not ready.
    #[arg(long, env = "CATALOG_READINESS_REQUIRE_ALL_PLUGINS", value_parser = parse_bool, action = clap::ArgAction::Set, default_value = "true")]
    pub readiness_require_all_plugins: bool,

    /// Comma-separated plugin names to run (default: every compiled-in plugin).
    #[arg(long, env = "CATALOG_ENABLED_PLUGINS", value_delimiter = ',')]
    pub enabled_plugins: Vec<String>,

    /// Whether migrations run under the cross-replica database lock.
    #[arg(long, env = "CATALOG_MIGRATION_LOCK_ENABLED", value_parser = parse_bool, action = clap::ArgAction::Set, default_value = "true")]
    pub migration_lock_enabled: bool,

    /// Hugging Face hub base URL for `hf` sources that set no `url` (default: the public hub).
    #[arg(long, env = "CATALOG_HF_BASE_URL")]
    pub hf_base_url: Option<String>,

    /// Seconds between checks of yaml data files for changes (0 disables watching).
    #[arg(long, env = "CATALOG_WATCH_INTERVAL_SECONDS", default_value_t = 2)]
    pub watch_interval_seconds: u64,
}

impl Cli {
    /// Parses the process arguments, honouring `DATABASE_DSN` when `DATABASE_URL` is unset.
    pub fn load() -> Self {
        let mut cli = Self::parse();
        if cli.database_url.is_none() {
            cli.database_url = std::env::var("DATABASE_DSN").ok().filter(|v| !v.is_empty());
        }
        cli
    }

    /// The server settings.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::with_data_dir(&self.data_dir);
        s.listen = self.listen;
        s.sources = self.sources.clone();
        s.database_url = self.database_url.clone();
        s.plugin_init_timeout = Duration::from_secs(self.plugin_init_timeout_seconds);
        s.shutdown_grace = Duration::from_secs(self.shutdown_grace_seconds);
        s.max_body_bytes = self.max_request_body_bytes as usize;
        s.request_timeout = Duration::from_secs(self.request_timeout_seconds);
        s.trusted_proxies = self.trusted_proxies.clone();
        s.cors_allowed_origins = self.cors_allowed_origins.clone();
        s.readiness_require_all_plugins = self.readiness_require_all_plugins;
        s.migration_lock = self.migration_lock_enabled;
        s.hf_base_url = self.hf_base_url.clone().filter(|u| !u.is_empty());
        s.watch_interval = (self.watch_interval_seconds > 0)
            .then(|| Duration::from_secs(self.watch_interval_seconds));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_accept_the_documented_spellings_only() {
        for t in ["true", "TRUE", "1", "yes", "Yes"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["false", "0", "no", "NO"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        assert!(parse_bool("maybe").is_err());
        assert!(parse_bool("").is_err());
    }

    #[test]
    fn cidrs_accept_networks_and_addresses() {
        assert_eq!(parse_cidr("10.0.0.0/8").unwrap().prefix_len(), 8);
        assert_eq!(parse_cidr(" 127.0.0.1").unwrap().prefix_len(), 32);
        assert!(parse_cidr("not-an-ip").is_err());
        let cli = Cli::try_parse_from([
            "catalog-server",
            "--trusted-proxies",
            "10.0.0.0/8,127.0.0.1",
        ])
        .unwrap();
        assert_eq!(cli.trusted_proxies.len(), 2);
        assert!(Cli::try_parse_from(["catalog-server", "--trusted-proxies", "nope"]).is_err());
    }

    #[test]
    fn flags_map_to_settings() {
        let cli = Cli::try_parse_from([
            "catalog-server",
            "--listen",
            "127.0.0.1:9000",
            "--sources",
            "a.yaml",
            "--sources",
            "b.yaml",
            "--readiness-require-all-plugins",
            "no",
        ])
        .unwrap();
        let s = cli.settings();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(
            s.sources,
            vec![PathBuf::from("a.yaml"), PathBuf::from("b.yaml")]
        );
        assert!(!s.readiness_require_all_plugins);
        assert!(Cli::try_parse_from(["catalog-server", "--log-format", "xml"]).is_err());
        assert!(
            Cli::try_parse_from(["catalog-server", "--plugin-init-timeout-seconds", "abc"])
                .is_err()
        );
    }
}
