//! Black-box test harness: a real server on 127.0.0.1:0 with its own data directory and, on
//! PostgreSQL, its own database, so tests never see each other's data.
#![allow(dead_code)]

pub mod filters;
pub mod form;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use catalog_core::registry::Registry;
use catalog_core::server::{RunningServer, Settings};
use serde_json::Value;

/// Which database a test runs against.
#[derive(Debug, Clone)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// The server at `CATALOG_TEST_DATABASE_URL`.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `CATALOG_TEST_DATABASE_URL` is set; `None` (test skipped) otherwise.
    pub fn postgres() -> Option<Self> {
        match std::env::var("CATALOG_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Self::Postgres(url)),
            _ => {
                eprintln!("CATALOG_TEST_DATABASE_URL not set: skipping the PostgreSQL variant");
                None
            }
        }
    }
}

/// Runs each named `async fn(Backend)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = $crate::common::Backend::postgres() {
                        super::$name(backend).await
                    }
                }
            )*
        }
    };
}

/// A per-test environment: data directory and database, reusable across restarts.
pub struct Env {
    /// Owns the temporary directory.
    pub dir: tempfile::TempDir,
    /// Database URL (`None`: SQLite in the data directory).
    pub database_url: Option<String>,
    admin: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Env {
    /// A fresh environment on `backend`.
    pub async fn new(backend: &Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Self {
                dir,
                database_url: None,
                admin: None,
            },
            Backend::Postgres(admin_url) => {
                let name = format!(
                    "catalog_t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .subsec_nanos()
                );
                let pool = sqlx::PgPool::connect(admin_url)
                    .await
                    .expect("connect to CATALOG_TEST_DATABASE_URL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&pool)
                    .await
                    .expect("create test database");
                pool.close().await;
                let url = match admin_url.rfind('/') {
                    Some(i) if admin_url[..i].contains("://") && !admin_url[..i].ends_with('/') => {
                        let (base, rest) = admin_url.split_at(i);
                        let query = rest.find('?').map(|q| &rest[q..]).unwrap_or("");
                        format!("{base}/{name}{query}")
                    }
                    _ => format!("{}/{name}", admin_url.trim_end_matches('/')),
                };
                Self {
                    dir,
                    database_url: Some(url),
                    admin: Some((admin_url.clone(), name)),
                }
            }
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Test settings: loopback, ephemeral port, short timeouts.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::with_data_dir(self.data_dir());
        s.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        s.database_url = self.database_url.clone();
        s.plugin_init_timeout = Duration::from_secs(10);
        s.shutdown_grace = Duration::from_secs(5);
        // Tests edit data files and refresh explicitly; watching is tested on its own.
        s.watch_interval = None;
        s
    }

    /// Starts a server with every linked plugin.
    pub async fn start(&self) -> TestServer {
        self.start_with(
            self.settings(),
            catalog_server::registry().expect("registry"),
        )
        .await
    }

    /// Starts a server with explicit settings and registry.
    pub async fn start_with(&self, settings: Settings, registry: Registry) -> TestServer {
        let server = catalog_core::server::start(settings, registry)
            .await
            .expect("server starts");
        TestServer::new(server)
    }

    /// Copies a file into the temp directory (creating parents) and returns its path.
    pub fn write(&self, relative: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Drops the PostgreSQL test database.
    pub async fn cleanup(self) {
        if let Some((admin_url, name)) = &self.admin
            && let Ok(pool) = sqlx::PgPool::connect(admin_url).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await;
            pool.close().await;
        }
    }
}

/// A running server and an HTTP client for it.
pub struct TestServer {
    /// The server.
    pub server: RunningServer,
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// Client.
    pub client: reqwest::Client,
}

/// A response: status, headers and parsed JSON body (`Null` when not JSON).
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body.
    pub body: Value,
}

impl TestServer {
    fn new(server: RunningServer) -> Self {
        let base = format!("http://{}", server.local_addr());
        Self {
            server,
            base,
            client: reqwest::Client::new(),
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.client.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    /// Sends any request.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Stops the server gracefully.
    pub async fn stop(self) {
        self.server.shutdown().await;
    }
}

/// The names of a list response's items, in order.
pub fn names(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items array")
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// Path of a reference fixture shipped with the MCP plugin (a copy of the shared original).
pub fn mcp_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/mcp/data/mcp-servers.yaml")
}

/// A sources.yaml with one MCP yaml source reading `file`.
pub fn mcp_sources(file: &Path) -> String {
    format!(
        "apiVersion: catalog/v1alpha1\nkind: CatalogSources\ncatalogs:\n  mcp:\n    sources:\n      - id: mcp-test\n        name: Test MCP\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n",
        file.display()
    )
}
