//! A test plugin under reconfiguration: one that rejects a change after it was saved (SM-21: the
//! previous document is written back, the plugin runs the previous config again, the client gets
//! a 500), rejects an external edit, or takes a while to load (readiness holds meanwhile).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use catalog_config::SourceConfig;
use catalog_core::error::FieldProblem;
use catalog_core::plugin::{CatalogPlugin, InitConfig, PluginError, SourceManager};
use catalog_core::registry::Registry;
use common::{Backend, Env};
use serde_json::json;

const M: &str = "/api/picky_catalog/v1alpha1/management";

on_both_backends!(
    a_rejected_change_is_rolled_back,
    a_rejected_external_edit_is_reported_and_not_applied,
    readiness_holds_while_a_plugin_reconfigures
);

/// Accepts any section except one holding a source with id `reject`; a source with id `slow`
/// makes `init` wait for `gate` (after signalling `entered`).
#[derive(Default)]
struct Picky {
    live: Mutex<Vec<String>>,
    entered: tokio::sync::Notify,
    gate: tokio::sync::Notify,
    running: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl CatalogPlugin for Picky {
    fn name(&self) -> &str {
        "picky"
    }
    fn version(&self) -> &str {
        "v1alpha1"
    }
    fn description(&self) -> &str {
        "rejects the source id `reject`"
    }
    async fn init(&self, config: InitConfig) -> Result<(), PluginError> {
        let ids: Vec<String> = config
            .section
            .sources
            .iter()
            .map(|s| s.id.clone())
            .collect();
        if ids.iter().any(|id| id == "reject") {
            return Err(PluginError::new("source reject is not acceptable"));
        }
        if ids.iter().any(|id| id == "slow") {
            self.entered.notify_one();
            self.gate.notified().await;
        }
        *self.live.lock().unwrap() = ids;
        Ok(())
    }
    async fn start(&self) -> Result<(), PluginError> {
        self.running
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
    async fn stop(&self) -> Result<(), PluginError> {
        self.running
            .store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
    /// Like a real plugin: unhealthy between `stop` and `start`.
    fn healthy(&self) -> bool {
        self.running.load(std::sync::atomic::Ordering::SeqCst)
    }
    fn routes(&self) -> Result<Router, PluginError> {
        Ok(Router::new())
    }
    fn source_manager(&self) -> Option<&dyn SourceManager> {
        Some(self)
    }
}

impl SourceManager for Picky {
    fn source_types(&self) -> Vec<String> {
        vec!["memory".into()]
    }
    fn check_source(&self, _: &SourceConfig, _: Option<&str>) -> Vec<FieldProblem> {
        Vec::new()
    }
    fn preview_source(
        &self,
        _: &SourceConfig,
        _: Option<&str>,
        _: &std::path::Path,
    ) -> Result<usize, String> {
        Ok(0)
    }
}

async fn a_rejected_change_is_rolled_back(backend: Backend) {
    let env = Env::new(&backend).await;
    let sources = env.write(
        "conf/sources.yaml",
        "catalogs:\n  picky:\n    sources:\n      - id: a\n        name: A\n        type: memory\n",
    );
    let picky = Arc::new(Picky::default());
    let registry = Registry::new(vec![(
        "test".into(),
        picky.clone() as Arc<dyn CatalogPlugin>,
    )])
    .unwrap();
    let mut settings = env.settings();
    settings.sources = vec![sources.clone()];
    let s = env.start_with(settings, registry).await;
    assert_eq!(*picky.live.lock().unwrap(), ["a"]);

    let ok = s
        .post(
            &format!("{M}/apply-source"),
            &json!({"id": "b", "name": "B", "type": "memory"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(*picky.live.lock().unwrap(), ["a", "b"]);
    let before = s.get(&format!("{M}/sources")).await.body;

    let r = s
        .post(
            &format!("{M}/apply-source"),
            &json!({"id": "reject", "name": "R", "type": "memory"}),
        )
        .await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("not acceptable"),
        "{}",
        r.body
    );

    let after = s.get(&format!("{M}/sources")).await.body;
    assert_eq!(
        after["sources"], before["sources"],
        "the document is the previous one"
    );
    assert_eq!(
        *picky.live.lock().unwrap(),
        ["a", "b"],
        "the plugin runs the previous config"
    );
    let text = std::fs::read_to_string(&sources).unwrap();
    let stored = catalog_config::parse_str(&text, &sources).unwrap().config;
    let ids: Vec<&str> = stored.catalogs["picky"]
        .sources
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["a", "b"],
        "the stored file holds the previous config: {text}"
    );
    // The store still accepts changes afterwards (its version is in sync).
    let r = s
        .post(
            &format!("{M}/apply-source"),
            &json!({"id": "c", "name": "C", "type": "memory"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.stop().await;
    env.cleanup().await;
}

async fn a_rejected_external_edit_is_reported_and_not_applied(backend: Backend) {
    let env = Env::new(&backend).await;
    let doc = |ids: &[&str]| {
        let mut out = String::from("catalogs:\n  picky:\n    sources:\n");
        for id in ids {
            out.push_str(&format!(
                "      - id: {id}\n        name: {id}\n        type: memory\n"
            ));
        }
        out
    };
    let sources = env.write("conf/sources.yaml", &doc(&["a"]));
    let picky = Arc::new(Picky::default());
    let registry = Registry::new(vec![(
        "test".into(),
        picky.clone() as Arc<dyn CatalogPlugin>,
    )])
    .unwrap();
    let mut settings = env.settings();
    settings.sources = vec![sources.clone()];
    settings.reconcile_interval = Duration::from_millis(100);
    let s = env.start_with(settings, registry).await;

    std::fs::write(&sources, doc(&["a", "reject"])).unwrap();
    let mut reported = false;
    for _ in 0..300 {
        let ready = s.get("/readyz").await.body;
        if ready["components"]["config"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("not acceptable"))
        {
            reported = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reported, "the rejected edit is reported");
    // Several more passes: the error stays and the plugin keeps the config in force.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let ready = s.get("/readyz").await.body;
        assert_eq!(ready["components"]["config"]["status"], "stale", "{ready}");
    }
    assert_eq!(*picky.live.lock().unwrap(), ["a"]);
    let listed = s.get(&format!("{M}/sources")).await.body;
    assert_eq!(listed["count"], 1, "{listed}");

    std::fs::write(&sources, doc(&["a", "c"])).unwrap();
    let mut applied = false;
    for _ in 0..300 {
        if *picky.live.lock().unwrap() == ["a", "c"] {
            applied = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(applied, "a fixed edit is applied");
    let ready = s.get("/readyz").await.body;
    assert_eq!(
        ready["components"]["config"]["status"], "in_sync",
        "{ready}"
    );
    s.stop().await;
    env.cleanup().await;
}

async fn readiness_holds_while_a_plugin_reconfigures(backend: Backend) {
    let env = Env::new(&backend).await;
    let sources = env.write(
        "conf/sources.yaml",
        "catalogs:\n  picky:\n    sources:\n      - id: a\n        name: A\n        type: memory\n",
    );
    let picky = Arc::new(Picky::default());
    let registry = Registry::new(vec![(
        "test".into(),
        picky.clone() as Arc<dyn CatalogPlugin>,
    )])
    .unwrap();
    let mut settings = env.settings();
    settings.sources = vec![sources];
    let s = Arc::new(env.start_with(settings, registry).await);
    assert_eq!(s.get("/readyz").await.status, 200);

    let applying = {
        let s = s.clone();
        tokio::spawn(async move {
            s.post(
                &format!("{M}/apply-source"),
                &json!({"id": "slow", "name": "S", "type": "memory"}),
            )
            .await
            .status
        })
    };
    picky.entered.notified().await;
    let ready = s.get("/readyz").await;
    assert_eq!(
        ready.status, 200,
        "still serving while init runs: {}",
        ready.body
    );
    assert_eq!(ready.body["components"]["plugins"]["status"], "healthy");
    picky.gate.notify_one();
    assert_eq!(applying.await.unwrap(), 200);
    assert_eq!(*picky.live.lock().unwrap(), ["a", "slow"]);
    assert_eq!(s.get("/readyz").await.status, 200);
    Arc::into_inner(s).unwrap().stop().await;
    env.cleanup().await;
}
