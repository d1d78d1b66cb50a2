//! Startup and readiness: probes answer while plugins load, the database gates readiness, and
//! concurrent starts on one PostgreSQL database migrate exactly once.
#![cfg(feature = "mcp")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use catalog_core::catalog::DeclarativePlugin;
use catalog_core::plugin::{CatalogPlugin, InitConfig, PluginError};
use catalog_core::registry::Registry;
use common::{Backend, Env};

/// A plugin whose init takes a while.
struct SlowInit;

#[async_trait]
impl CatalogPlugin for SlowInit {
    fn name(&self) -> &str {
        "slow"
    }
    fn version(&self) -> &str {
        "v1alpha1"
    }
    fn description(&self) -> &str {
        "init takes two seconds"
    }
    async fn init(&self, _config: InitConfig) -> Result<(), PluginError> {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok(())
    }
    async fn start(&self) -> Result<(), PluginError> {
        Ok(())
    }
    async fn stop(&self) -> Result<(), PluginError> {
        Ok(())
    }
    fn healthy(&self) -> bool {
        true
    }
    fn routes(&self) -> Result<Router, PluginError> {
        Ok(Router::new())
    }
}

fn registry(extra: Vec<Arc<dyn CatalogPlugin>>) -> Registry {
    let mut entries: Vec<(String, Arc<dyn CatalogPlugin>)> = vec![(
        "mcp".into(),
        Arc::new(DeclarativePlugin::new(&catalog_plugin_mcp::SPEC)),
    )];
    entries.extend(extra.into_iter().map(|p| ("test".to_string(), p)));
    Registry::new(entries).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_while_plugins_load() {
    let env = Env::new(&Backend::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut settings = env.settings();
    settings.listen = ([127, 0, 0, 1], port).into();
    let starting = tokio::spawn(catalog_core::server::start(
        settings,
        registry(vec![Arc::new(SlowInit)]),
    ));
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut saw_pending = false;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            assert_eq!(r.status(), 503);
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(
                body["components"]["initial_load"]["status"], "pending",
                "{body}"
            );
            assert_eq!(body["status"], "not_ready");
            let live = client.get(format!("{base}/livez")).send().await.unwrap();
            assert_eq!(live.status(), 200, "liveness never waits for plugins");
            let other = client
                .get(format!("{base}/api/plugins"))
                .send()
                .await
                .unwrap();
            assert_eq!(other.status(), 503);
            let other: serde_json::Value = other.json().await.unwrap();
            assert_eq!(other["error"], "service_unavailable");
            saw_pending = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        saw_pending,
        "the listener answers before plugins finish loading"
    );
    let server = starting.await.unwrap().expect("starts");
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_reports_a_lost_database() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let env = Env::new(&backend).await;
    let s = env.start().await;
    assert_eq!(s.get("/readyz").await.status, 200);
    let (admin, name) = match &backend {
        Backend::Postgres(admin) => (admin.clone(), env.database_url.clone().unwrap()),
        Backend::Sqlite => unreachable!(),
    };
    let name = name
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
    let drop = format!("DROP DATABASE {name} WITH (FORCE)");
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let ready = s.get("/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(ready.body["components"]["database"]["status"], "down");
    assert_eq!(
        ready.body["components"]["database"]["error"], "ping failed",
        "no driver detail leaks"
    );
    assert_eq!(s.get("/livez").await.status, 200);
    assert_eq!(
        s.get("/api/mcp_catalog/v1alpha1/mcpservers").await.status,
        200,
        "reads keep being served from memory"
    );
    s.stop().await;
    env.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_starts_on_one_postgres_database_migrate_once() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let env = Env::new(&backend).await;
    let second_dir = tempfile::tempdir().unwrap();
    let mut other = env.settings();
    other.data_dir = second_dir.path().join("data");
    let (a, b) = tokio::join!(
        catalog_core::server::start(env.settings(), registry(vec![])),
        catalog_core::server::start(other, registry(vec![])),
    );
    let (a, b) = (
        a.expect("first replica starts"),
        b.expect("second replica starts"),
    );
    let pool = sqlx::PgPool::connect(env.database_url.as_ref().unwrap())
        .await
        .unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT plugin, version FROM plugin_schema_migrations ORDER BY plugin, version",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let mut expected: Vec<(String, String)> = catalog_core::store::framework_migrations()
        .iter()
        .map(|m| ("_framework".to_string(), m.version.to_string()))
        .collect();
    expected.sort();
    assert_eq!(
        rows, expected,
        "each framework migration recorded exactly once"
    );
    for s in [&a, &b] {
        let r = reqwest::get(format!(
            "http://{}/api/mcp_catalog/v1alpha1/mcpservers",
            s.local_addr()
        ))
        .await
        .unwrap();
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["totalSize"], 6);
    }
    a.shutdown().await;
    b.shutdown().await;
    env.cleanup().await;
}

static NO_COLUMNS: catalog_core::schema::PluginSpec = catalog_core::schema::PluginSpec {
    description: "declares no column",
    ..catalog_core::schema::PluginSpec::new(
        "no-columns",
        catalog_core::schema::KindSpec::new(
            "Gadget",
            "gadgets",
            "gadgets",
            &[catalog_core::schema::FieldSpec::string("name", "Name")],
        ),
    )
};

static SAME_KIND: catalog_core::schema::PluginSpec = catalog_core::schema::PluginSpec {
    name: "mcp-copy",
    ..catalog_plugin_mcp::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_capabilities_fail_only_that_plugin() {
    let env = Env::new(&Backend::Sqlite).await;
    let s = env
        .start_with(
            env.settings(),
            registry(vec![
                Arc::new(DeclarativePlugin::new(&NO_COLUMNS)),
                Arc::new(DeclarativePlugin::new(&SAME_KIND)),
            ]),
        )
        .await;
    let plugins = s.get("/api/plugins").await.body;
    let entry = |n: &str| {
        plugins["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()
            .clone()
    };
    let broken = entry("no-columns");
    assert_eq!(broken["healthy"], false);
    let error = broken["status"]["lastError"].as_str().unwrap();
    assert!(
        error.contains("invalid capabilities document")
            && error.contains("entities[0].fields.columns"),
        "{error}"
    );
    let copy = entry("mcp-copy");
    assert_eq!(copy["healthy"], false);
    assert!(
        copy["status"]["lastError"]
            .as_str()
            .unwrap()
            .contains("\"McpServer\" is already served by plugin \"mcp\""),
        "{copy}"
    );
    assert_eq!(entry("mcp")["healthy"], true);
    assert_eq!(
        s.get("/api/mcp_catalog/v1alpha1/mcpservers").await.body["totalSize"],
        6
    );
    assert_eq!(
        s.get("/api/no-columns_catalog/v1alpha1/gadgets")
            .await
            .status,
        503
    );
    s.stop().await;
}
