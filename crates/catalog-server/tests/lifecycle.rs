//! Lifecycle: failure isolation of plugins, restart persistence, migrations recorded once,
//! refresh keeping the last good data.
#![cfg(feature = "mcp")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::routing::get;
use catalog_core::catalog::DeclarativePlugin;
use catalog_core::plugin::{CatalogPlugin, InitConfig, PluginError};
use catalog_core::registry::Registry;
use catalog_core::store::Migration;
use common::{Backend, Env, mcp_fixture, mcp_sources, names};

/// How a test plugin misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    InitError,
    StartError,
    InitPanic,
    InitHang,
    BadBasePath,
    BadMigration,
}

struct TestPlugin {
    name: &'static str,
    fault: Fault,
    running: AtomicBool,
}

impl TestPlugin {
    fn arc(name: &'static str, fault: Fault) -> Arc<dyn CatalogPlugin> {
        Arc::new(Self {
            name,
            fault,
            running: AtomicBool::new(false),
        })
    }
}

impl catalog_core::plugin::BasePathProvider for TestPlugin {
    fn base_path(&self) -> String {
        "/api/plugins/hijack".into()
    }
}

#[async_trait]
impl CatalogPlugin for TestPlugin {
    fn name(&self) -> &str {
        self.name
    }
    fn version(&self) -> &str {
        "v1alpha1"
    }
    fn description(&self) -> &str {
        "test plugin"
    }
    async fn init(&self, _config: InitConfig) -> Result<(), PluginError> {
        match self.fault {
            Fault::InitError => Err(PluginError::new("source broken: file not found")),
            Fault::InitPanic => panic!("init exploded"),
            Fault::InitHang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(())
            }
            _ => Ok(()),
        }
    }
    async fn start(&self) -> Result<(), PluginError> {
        if self.fault == Fault::StartError {
            return Err(PluginError::new("cannot start worker"));
        }
        self.running.store(true, Ordering::SeqCst);
        Ok(())
    }
    async fn stop(&self) -> Result<(), PluginError> {
        self.running.store(false, Ordering::SeqCst);
        Ok(())
    }
    fn healthy(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }
    fn routes(&self) -> Result<Router, PluginError> {
        Ok(Router::new()
            .route("/ping", get(|| async { "pong" }))
            .route("/boom", get(boom))
            .route("/slow", get(slow)))
    }
    fn migrations(&self) -> Vec<Migration> {
        let up = match self.fault {
            Fault::None => "CREATE TABLE test_plugin_rows (id BIGINT PRIMARY KEY)",
            Fault::BadMigration => "CREATE TABL broken syntax",
            _ => return Vec::new(),
        };
        vec![Migration {
            version: "001",
            description: "test table",
            up,
            up_postgres: None,
            down: "",
        }]
    }
    fn base_path_provider(&self) -> Option<&dyn catalog_core::plugin::BasePathProvider> {
        (self.fault == Fault::BadBasePath).then_some(self as _)
    }
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "late"
}

async fn boom() -> &'static str {
    panic!("handler exploded")
}

fn mcp() -> Arc<dyn CatalogPlugin> {
    Arc::new(DeclarativePlugin::new(&catalog_plugin_mcp::SPEC))
}

fn registry(extra: Vec<Arc<dyn CatalogPlugin>>) -> Registry {
    let mut entries: Vec<(String, Arc<dyn CatalogPlugin>)> = vec![("mcp".into(), mcp())];
    entries.extend(extra.into_iter().map(|p| ("test".to_string(), p)));
    Registry::new(entries).unwrap()
}

on_both_backends!(
    failing_plugins_are_isolated,
    restart_keeps_data_and_migrations_run_once,
    restart_reuses_unchanged_sources_and_reloads_changed_ones,
    refresh_applies_changes_and_keeps_last_good_data,
);

async fn failing_plugins_are_isolated(backend: Backend) {
    let env = Env::new(&backend).await;
    let mut settings = env.settings();
    settings.plugin_init_timeout = Duration::from_secs(1);
    let s = env
        .start_with(
            settings,
            registry(vec![
                TestPlugin::arc("healthy-one", Fault::None),
                TestPlugin::arc("init-fails", Fault::InitError),
                TestPlugin::arc("start-fails", Fault::StartError),
                TestPlugin::arc("init-panics", Fault::InitPanic),
                TestPlugin::arc("init-hangs", Fault::InitHang),
                TestPlugin::arc("bad-path", Fault::BadBasePath),
                TestPlugin::arc("bad-migration", Fault::BadMigration),
            ]),
        )
        .await;
    let plugins = s.get("/api/plugins").await.body;
    let list = plugins["plugins"].as_array().unwrap();
    let order: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        [
            "healthy-one",
            "mcp",
            "bad-migration",
            "bad-path",
            "init-fails",
            "init-hangs",
            "init-panics",
            "start-fails"
        ],
        "active first, then failed, each in registry order"
    );
    let entry = |n: &str| list.iter().find(|p| p["name"] == n).unwrap().clone();
    for (name, initialized, error) in [
        ("init-fails", false, "source broken: file not found"),
        ("start-fails", true, "cannot start worker"),
        ("init-panics", false, "init exploded"),
        ("init-hangs", false, "timed out"),
        ("bad-path", false, "reserved path /api/plugins"),
        ("bad-migration", false, "migration bad-migration/001 failed"),
    ] {
        let e = entry(name);
        assert_eq!(e["healthy"], false, "{e}");
        assert_eq!(e["status"]["initialized"], initialized, "{e}");
        assert_eq!(e["status"]["serving"], false);
        assert_eq!(e["status"]["enabled"], true);
        assert!(
            e["status"]["lastError"].as_str().unwrap().contains(error),
            "{e}"
        );
        let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "name",
                "version",
                "description",
                "basePath",
                "healthy",
                "status"
            ],
            "FW-42 shape"
        );
        let caps = s.get(&format!("/api/plugins/{name}/capabilities")).await;
        assert_eq!(caps.status, 503, "{name}");
    }
    for path in [
        "/api/init-fails_catalog/v1alpha1/ping",
        "/api/start-fails_catalog/v1alpha1/ping",
        "/api/start-fails_catalog/v1alpha1",
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status, 503, "{path}");
        assert_eq!(r.body["error"], "service_unavailable");
        assert!(
            r.body["message"].as_str().unwrap().contains("unavailable"),
            "{}",
            r.body
        );
    }
    assert_eq!(
        s.get("/api/healthy-one_catalog/v1alpha1/ping").await.status,
        200
    );
    assert_eq!(
        s.get("/api/mcp_catalog/v1alpha1/mcpservers").await.body["totalSize"],
        6
    );
    assert_eq!(s.get("/api/plugins/unknown/capabilities").await.status, 404);
    assert_eq!(
        s.get("/api/plugins/unknown/capabilities").await.body["message"],
        "plugin \"unknown\" not found"
    );
    let ready = s.get("/readyz").await;
    assert_eq!(
        ready.status, 503,
        "one failed plugin gates readiness by default"
    );
    assert_eq!(
        ready.body["components"]["plugins"]["details"],
        "2 of 8 plugins healthy"
    );

    // A handler panic becomes a 500 envelope with the request id; the server keeps serving.
    let boom = s
        .send(
            s.client
                .get(format!("{}/api/healthy-one_catalog/v1alpha1/boom", s.base))
                .header("x-request-id", "boom-1"),
        )
        .await;
    assert_eq!(boom.status, 500);
    assert_eq!(boom.body["error"], "internal");
    assert_eq!(boom.body["requestId"], "boom-1");
    assert!(
        !boom.body["message"].as_str().unwrap().contains("exploded"),
        "no internal detail leaks"
    );
    assert_eq!(
        s.get("/api/healthy-one_catalog/v1alpha1/ping").await.status,
        200
    );
    s.stop().await;

    let mut relaxed = env.settings();
    relaxed.readiness_require_all_plugins = false;
    let s = env
        .start_with(
            relaxed,
            registry(vec![TestPlugin::arc("init-fails", Fault::InitError)]),
        )
        .await;
    let ready = s.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.body["components"]["plugins"]["status"], "degraded");
    s.stop().await;

    // A request running past the timeout is answered 503 with the envelope.
    let mut timed = env.settings();
    timed.request_timeout = Duration::from_millis(500);
    let s = env
        .start_with(
            timed,
            registry(vec![TestPlugin::arc("healthy-one", Fault::None)]),
        )
        .await;
    let started = std::time::Instant::now();
    let slow = s.get("/api/healthy-one_catalog/v1alpha1/slow").await;
    assert_eq!(slow.status, 503, "{}", slow.body);
    assert_eq!(slow.body["error"], "service_unavailable");
    assert!(started.elapsed() < Duration::from_secs(20));
    s.stop().await;
    env.cleanup().await;
}

async fn migration_rows(env: &Env) -> i64 {
    match &env.database_url {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM plugin_schema_migrations")
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        }
        None => {
            let url = format!("sqlite://{}", env.data_dir().join("catalog.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM plugin_schema_migrations")
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        }
    }
}

async fn restart_keeps_data_and_migrations_run_once(backend: Backend) {
    let env = Env::new(&backend).await;
    let data = env.write(
        "catalog/mcp.yaml",
        &std::fs::read_to_string(mcp_fixture()).unwrap(),
    );
    let sources = env.write("catalog/sources.yaml", &mcp_sources(&data));
    let mut settings = env.settings();
    settings.sources = vec![sources];
    let s = env
        .start_with(
            settings.clone(),
            registry(vec![TestPlugin::arc("healthy-one", Fault::None)]),
        )
        .await;
    let first = s
        .get("/api/mcp_catalog/v1alpha1/mcpservers/github-mcp-server")
        .await
        .body;
    s.stop().await;
    let applied = migration_rows(&env).await;
    assert_eq!(
        applied, 3,
        "framework 001 and 002, and the test plugin's 001"
    );

    // The data file disappears: the restarted server still serves the persisted entities.
    std::fs::remove_file(&data).unwrap();
    let s = env
        .start_with(
            settings,
            registry(vec![TestPlugin::arc("healthy-one", Fault::None)]),
        )
        .await;
    assert_eq!(
        migration_rows(&env).await,
        applied,
        "a second start runs no migration"
    );
    let again = s
        .get("/api/mcp_catalog/v1alpha1/mcpservers/github-mcp-server")
        .await
        .body;
    assert_eq!(
        again, first,
        "same entity, same id and timestamps after restart"
    );
    assert_eq!(
        s.get("/api/mcp_catalog/v1alpha1/mcpservers").await.body["totalSize"],
        6
    );
    let diag = s
        .get("/api/mcp_catalog/v1alpha1/management/diagnostics")
        .await
        .body;
    assert_eq!(diag["sources"][0]["state"], "error", "{diag}");
    assert!(
        diag["sources"][0]["error"]
            .as_str()
            .unwrap()
            .contains("cannot open"),
        "{diag}"
    );
    assert_eq!(diag["sources"][0]["entityCount"], 6);
    s.stop().await;
    env.cleanup().await;
}

/// Runs one statement on the test's database.
async fn execute(env: &Env, sql: &'static str) {
    match &env.database_url {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        None => {
            let url = format!("sqlite://{}", env.data_dir().join("catalog.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

async fn restart_reuses_unchanged_sources_and_reloads_changed_ones(backend: Backend) {
    let env = Env::new(&backend).await;
    let original = std::fs::read_to_string(mcp_fixture()).unwrap();
    let data = env.write("catalog/mcp.yaml", &original);
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &mcp_sources(&data))];
    let list = "/api/mcp_catalog/v1alpha1/mcpservers";
    let s = env.start_with(settings.clone(), registry(vec![])).await;
    assert_eq!(s.get(list).await.body["totalSize"], 6);
    s.stop().await;

    // Unchanged file: startup serves the persisted rows without parsing the file again, so a
    // row removed behind the server's back stays removed (the database is the truth).
    execute(
        &env,
        "DELETE FROM catalog_entities WHERE name = 'github-mcp-server'",
    )
    .await;
    let s = env.start_with(settings.clone(), registry(vec![])).await;
    assert_eq!(
        s.get(list).await.body["totalSize"],
        5,
        "unchanged source was not re-parsed"
    );
    let diag = s
        .get("/api/mcp_catalog/v1alpha1/management/diagnostics")
        .await
        .body;
    assert_eq!(diag["sources"][0]["state"], "available");
    // An explicit refresh always re-reads the file.
    s.post(
        "/api/mcp_catalog/v1alpha1/management/refresh",
        &serde_json::json!({}),
    )
    .await;
    assert_eq!(s.get(list).await.body["totalSize"], 6);
    s.stop().await;

    // A file edited while the server was down is loaded at the next start.
    std::fs::write(
        &data,
        original.replacen("toolCount: 12", "toolCount: 13", 1),
    )
    .unwrap();
    let s = env.start_with(settings, registry(vec![])).await;
    let k8s = s.get(&format!("{list}/kubernetes-mcp-server")).await.body;
    assert_eq!(k8s["toolCount"], 13);
    s.stop().await;
    env.cleanup().await;
}

async fn refresh_applies_changes_and_keeps_last_good_data(backend: Backend) {
    let env = Env::new(&backend).await;
    let original = std::fs::read_to_string(mcp_fixture()).unwrap();
    let data = env.write("catalog/mcp.yaml", &original);
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &mcp_sources(&data))];
    let s = env.start_with(settings, registry(vec![])).await;
    let base = "/api/mcp_catalog/v1alpha1";
    let before = s
        .get(&format!("{base}/mcpservers/github-mcp-server"))
        .await
        .body;

    // Remove one entry and change another: refresh reflects exactly that.
    let edited = original
        .replacen(
            "  - name: \"kubernetes-mcp-server\"",
            "  - name: \"kubernetes-mcp-server-renamed\"",
            1,
        )
        .replacen("toolCount: 8", "toolCount: 9", 1);
    std::fs::write(&data, &edited).unwrap();
    let r = s
        .post(
            &format!("{base}/management/refresh/mcp-test"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["entitiesRemoved"], 1);
    assert_eq!(r.body["entitiesLoaded"], 6);
    assert!(r.body["duration"].as_u64().unwrap() > 0);
    let listed = names(&s.get(&format!("{base}/mcpservers")).await.body);
    assert!(listed.contains(&"kubernetes-mcp-server-renamed".to_string()));
    assert!(
        !listed.contains(&"kubernetes-mcp-server".to_string()),
        "no ghost after rename"
    );
    let unchanged = s
        .get(&format!("{base}/mcpservers/github-mcp-server"))
        .await
        .body;
    assert_eq!(unchanged, before, "unchanged entries keep their timestamps");

    // A broken file keeps the last good data and records the error.
    std::fs::write(&data, "mcpservers:\n  - name: [unterminated\n").unwrap();
    let r = s
        .post(
            &format!("{base}/management/refresh"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["error"].as_str().unwrap().contains("mcp.yaml"),
        "{}",
        r.body
    );
    assert_eq!(
        s.get(&format!("{base}/mcpservers")).await.body["totalSize"],
        6
    );
    // A wrong field type skips that entry only, naming entry and field in the source status.
    std::fs::write(
        &data,
        "mcpservers:\n  - name: a\n    deploymentMode: local\n    toolCount: many\n  - name: b\n    deploymentMode: local\n",
    )
    .unwrap();
    let r = s
        .post(
            &format!("{base}/management/refresh/mcp-test"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let diag = s.get(&format!("{base}/management/diagnostics")).await.body;
    let err = diag["sources"][0]["error"].as_str().unwrap();
    assert!(
        err.contains("entry 0 (a): field 'toolCount' must be of type integer; skipped"),
        "{err}"
    );
    assert_eq!(diag["sources"][0]["state"], "available");
    assert_eq!(
        names(&s.get(&format!("{base}/mcpservers")).await.body),
        ["b"]
    );
    assert_eq!(
        s.post(
            &format!("{base}/management/refresh/unknown"),
            &serde_json::json!({})
        )
        .await
        .status,
        404
    );
    s.stop().await;
    env.cleanup().await;
}

#[test]
fn duplicate_plugin_names_refuse_to_compose() {
    let err = Registry::new(vec![
        ("crate_a".into(), TestPlugin::arc("dup", Fault::None)),
        ("crate_b".into(), TestPlugin::arc("dup", Fault::None)),
    ])
    .err()
    .unwrap();
    let text = err.to_string();
    assert!(
        text.contains("\"dup\"") && text.contains("crate_a") && text.contains("crate_b"),
        "{text}"
    );
    assert!(Registry::new(vec![("x".into(), TestPlugin::arc("Bad_Name", Fault::None))]).is_err());
}
