//! The source management plane (spec 03) through the real HTTP API, on SQLite and PostgreSQL:
//! CRUD, validation layers, bad input that changes nothing, optimistic concurrency, refresh rate
//! limits and actions, reconciliation of external edits, revisions and rollback.
#![cfg(all(feature = "mcp", feature = "knowledge"))]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{Backend, Env, Reply, TestServer};
use serde_json::{Value, json};

const M: &str = "/api/mcp_catalog/v1alpha1/management";
const LIST: &str = "/api/mcp_catalog/v1alpha1/mcpservers";
const KNOWLEDGE: &str = "/api/knowledge_catalog/v1alpha1/knowledgesources";

on_both_backends!(
    crud_round_trip,
    invalid_input_changes_nothing,
    concurrent_applies_with_one_version_conflict_once,
    refresh_is_rate_limited_and_failures_keep_data,
    source_actions_follow_the_check_order,
    external_edits_are_reconciled,
    rollback_restores_served_data,
    preview_and_path_safety,
    bundled_config_is_editable_and_survives_restart,
    memory_store_modes_never_write_files,
    refresh_outcomes_are_persisted,
    a_sources_path_with_dotdot_is_the_store,
    an_unresolvable_secret_fails_only_its_source,
);

fn servers(names: &[&str]) -> String {
    let mut out = String::from("mcpservers:\n");
    for n in names {
        out.push_str(&format!("  - name: {n}\n    deploymentMode: local\n"));
    }
    out
}

/// A sources.yaml with one MCP source `team` reading `team.yaml` (three servers) beside it.
fn setup(env: &Env) -> PathBuf {
    env.write("conf/team.yaml", &servers(&["t1", "t2", "t3"]));
    env.write(
        "conf/sources.yaml",
        "apiVersion: catalog/v1alpha1\nkind: CatalogSources\ncatalogs:\n  mcp:\n    sources:\n      - id: team\n        name: Team\n        type: yaml\n        properties:\n          yamlCatalogPath: team.yaml\n",
    )
}

async fn start(env: &Env, tune: impl FnOnce(&mut catalog_core::server::Settings)) -> TestServer {
    let sources = setup(env);
    let mut settings = env.settings();
    settings.sources = vec![sources];
    tune(&mut settings);
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

fn config_path(env: &Env) -> PathBuf {
    env.dir.path().join("conf/sources.yaml")
}

fn config_bytes(env: &Env) -> Vec<u8> {
    std::fs::read(config_path(env)).unwrap()
}

async fn served(s: &TestServer) -> Vec<String> {
    let mut names = common::names(&s.get(LIST).await.body);
    names.sort();
    names
}

async fn apply(s: &TestServer, body: Value) -> Reply {
    s.post(&format!("{M}/apply-source"), &body).await
}

async fn delete(s: &TestServer, path: &str) -> Reply {
    s.send(s.client.delete(format!("{}{path}", s.base))).await
}

async fn raw_post(s: &TestServer, path: &str, body: impl Into<reqwest::Body>) -> Reply {
    s.send(
        s.client
            .post(format!("{}{path}", s.base))
            .header("content-type", "application/json")
            .body(body),
    )
    .await
}

fn new_source(id: &str, names: &[&str]) -> Value {
    json!({"id": id, "name": format!("Source {id}"), "type": "yaml",
           "properties": {"yamlCatalogPath": format!("{id}.yaml"), "content": servers(names)}})
}

async fn crud_round_trip(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |_| {}).await;

    let plugins = s.get("/api/plugins").await.body;
    let mcp = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "mcp")
        .unwrap();
    assert_eq!(mcp["management"]["sourceManager"], true, "{mcp}");
    let caps = s.get("/api/plugins/mcp/capabilities").await.body;
    assert_eq!(caps["sources"]["manageable"], true, "{caps}");

    let list = s.get(&format!("{M}/sources")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["count"], 1);
    let team = &list.body["sources"][0];
    assert_eq!(team["id"], "team");
    assert_eq!(team["enabled"], true);
    assert_eq!(team["status"]["state"], "available");
    assert_eq!(team["status"]["entityCount"], 3);
    assert_eq!(team["status"]["lastRefreshStatus"], "success");
    assert_eq!(
        s.get(&format!("{M}/sources/team")).await.body["name"],
        "Team"
    );
    assert_eq!(s.get(&format!("{M}/sources/nope")).await.status, 404);

    // Create with inline content: written beside the config, not stored in it.
    let created = apply(&s, new_source("extra", &["e1", "e2"])).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["status"]["entityCount"], 2, "{}", created.body);
    assert_eq!(served(&s).await, ["e1", "e2", "t1", "t2", "t3"]);
    let stored = String::from_utf8(config_bytes(&env)).unwrap();
    assert!(
        stored.contains("id: extra") && !stored.contains("content"),
        "{stored}"
    );
    assert!(env.dir.path().join("conf/extra.yaml").is_file());

    // Update keeps the stored `enabled` when omitted, replaces content.
    let disabled = s
        .post(
            &format!("{M}/sources/extra/enable"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    assert_eq!(disabled.body["status"]["state"], "disabled");
    assert_eq!(served(&s).await, ["t1", "t2", "t3"]);
    let updated = apply(&s, new_source("extra", &["e3"])).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(
        updated.body["enabled"], false,
        "omitting enabled keeps it disabled"
    );
    let enabled = s
        .post(&format!("{M}/sources/extra:enable"), &json!({}))
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    assert_eq!(served(&s).await, ["e3", "t1", "t2", "t3"]);

    let gone = delete(&s, &format!("{M}/sources/extra")).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(gone.body, json!({"status": "deleted"}));
    assert_eq!(s.get(&format!("{M}/sources/extra")).await.status, 404);
    assert_eq!(delete(&s, &format!("{M}/sources/extra")).await.status, 404);
    assert_eq!(served(&s).await, ["t1", "t2", "t3"]);

    // Everything survives a restart: the config file is the truth.
    s.stop().await;
    let s = env
        .start_with(
            {
                let mut st = env.settings();
                st.sources = vec![config_path(&env)];
                st
            },
            catalog_server::registry().unwrap(),
        )
        .await;
    let list = s.get(&format!("{M}/sources")).await.body;
    assert_eq!(list["count"], 1, "{list}");
    assert_eq!(served(&s).await, ["t1", "t2", "t3"]);
    s.stop().await;
    env.cleanup().await;
}

async fn invalid_input_changes_nothing(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |_| {}).await;
    let before = config_bytes(&env);
    let before_list = s.get(&format!("{M}/sources")).await.body;

    // Every layer reports its problems with field paths.
    let v = s
        .post(
            &format!("{M}/validate-source"),
            &json!({"id": "../x", "type": "nope", "enabeld": true,
                    "properties": {"password": "inline-pw"}}),
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.body["valid"], false);
    let fields: Vec<(&str, &str)> = v.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["layer"].as_str().unwrap(),
                e["field"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(fields.contains(&("strict_fields", "enabeld")), "{fields:?}");
    assert!(fields.contains(&("semantic", "id")), "{fields:?}");
    assert!(fields.contains(&("semantic", "name")), "{fields:?}");
    assert!(fields.contains(&("provider", "type")), "{fields:?}");
    assert_eq!(v.body["warnings"][0]["field"], "properties.password");
    let layers: Vec<&str> = v.body["layerResults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect();
    assert_eq!(
        layers,
        [
            "yaml_parse",
            "strict_fields",
            "semantic",
            "security_warnings",
            "provider"
        ]
    );

    // A YAML parse error is critical: later layers do not run.
    let bad_yaml = json!({"id": "y", "name": "Y", "type": "yaml",
        "properties": {"yamlCatalogPath": "y.yaml", "content": "mcpservers: [\n"}});
    let v = s.post(&format!("{M}/validate-source"), &bad_yaml).await;
    assert_eq!(
        v.body["layerResults"].as_array().unwrap().len(),
        1,
        "{}",
        v.body
    );
    assert!(
        v.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("YAML parse error:")
    );
    // A path mismatch is a semantic error on the per-source validate.
    let v = s
        .post(
            &format!("{M}/sources/team:validate"),
            &json!({"id": "other", "name": "T", "type": "yaml", "properties": {"yamlCatalogPath": "team.yaml"}}),
        )
        .await;
    assert_eq!(v.body["valid"], false, "{}", v.body);
    assert_eq!(v.body["errors"][0]["field"], "id");

    let cases = [
        bad_yaml,
        json!({"id": "trav", "name": "T", "type": "yaml", "properties": {"yamlCatalogPath": "../../../../etc/passwd"}}),
        json!({"id": "abs", "name": "T", "type": "yaml", "properties": {"yamlCatalogPath": "/etc/passwd"}}),
        json!({"id": "noprop", "name": "T", "type": "yaml"}),
        json!({"id": "unk", "name": "T", "type": "ftp", "properties": {"yamlCatalogPath": "team.yaml"}}),
        json!({"id": "../x", "name": "T", "type": "yaml", "properties": {"yamlCatalogPath": "team.yaml"}}),
        json!({"id": "schema", "name": "T", "type": "yaml", "properties": {"yamlCatalogPath": "s.yaml", "content": "mcpservers:\n  - name: x\n"}}),
        json!({"id": "team", "name": "T", "type": "yaml", "enabeld": false, "properties": {"yamlCatalogPath": "team.yaml"}}),
        json!({"id": "glob", "name": "T", "type": "yaml", "includedItems": [""], "properties": {"yamlCatalogPath": "team.yaml"}}),
        json!({"id": "secret", "name": "T", "type": "yaml", "properties": {"yamlCatalogPath": "team.yaml", "apiToken": {"name": "missing", "key": "k"}}}),
    ];
    for body in cases {
        let r = apply(&s, body.clone()).await;
        assert_eq!(r.status, 422, "{body} → {}", r.body);
        assert_eq!(r.body["error"], "unprocessable_entity", "{}", r.body);
        assert!(
            !r.body["details"].as_array().unwrap().is_empty(),
            "{}",
            r.body
        );
    }
    assert!(!env.dir.path().join("conf/y.yaml").exists());
    assert!(!env.dir.path().join("conf/s.yaml").exists());

    // Undecodable, oversized and malformed requests on every mutating endpoint.
    for path in [
        "apply-source",
        "validate-source",
        "sources/team/enable",
        "sources/team:action",
        "sources/team:rollback",
        "sources/team:validate",
    ] {
        let r = raw_post(&s, &format!("{M}/{path}"), "{not json").await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert_eq!(r.body["error"], "bad_request");
        let r = raw_post(&s, &format!("{M}/{path}"), "[1]").await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
    }
    // One byte over the default 10 MiB limit, answered before the body is read.
    let head = s
        .post_declaring_length(&format!("{M}/apply-source"), 10 * 1024 * 1024 + 1)
        .await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("payload_too_large"), "{head}");
    let r = raw_post(
        &s,
        &format!("{M}/apply-source"),
        r#"{"id":"x","enabled":"yes"}"#,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    for body in [json!({}), json!({"enabled": "false"})] {
        let r = s.post(&format!("{M}/sources/team/enable"), &body).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.body["details"][0]["field"], "enabled");
    }
    for id in ["nope", "..%2Fx", "%2E%2E", "a%00b"] {
        let r = s
            .post(
                &format!("{M}/sources/{id}/enable"),
                &json!({"enabled": false}),
            )
            .await;
        assert_eq!(r.status, 404, "{id}: {}", r.body);
        assert_eq!(s.get(&format!("{M}/sources/{id}")).await.status, 404);
        assert_eq!(delete(&s, &format!("{M}/sources/{id}")).await.status, 404);
        assert_eq!(
            s.post(&format!("{M}/refresh/{id}"), &json!({}))
                .await
                .status,
            404
        );
    }
    assert_eq!(
        s.post(&format!("{M}/sources/team:bogus"), &json!({}))
            .await
            .status,
        404
    );

    assert_eq!(config_bytes(&env), before, "the config file is untouched");
    let after_list = s.get(&format!("{M}/sources")).await.body;
    assert_eq!(after_list["sources"], before_list["sources"]);
    assert_eq!(after_list["version"], before_list["version"]);
    assert_eq!(served(&s).await, ["t1", "t2", "t3"]);
    assert!(s.get(&format!("{M}/sources/team/revisions")).await.body["count"] == 0);
    s.stop().await;
    env.cleanup().await;
}

async fn concurrent_applies_with_one_version_conflict_once(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |_| {}).await;
    let list = s.get(&format!("{M}/sources")).await;
    let version = list.body["version"].as_str().unwrap().to_string();
    let etag = list.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{version}\""));

    let send = |id: &'static str| {
        let req = s
            .client
            .post(format!("{}{M}/apply-source", s.base))
            .header("if-match", etag.clone())
            .json(&new_source(id, &[id]));
        s.send(req)
    };
    let (a, b) = tokio::join!(send("alpha"), send("beta"));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    let loser = if a.status == 409 { &a } else { &b };
    assert_eq!(loser.body["error"], "conflict");
    let winner = if a.status == 200 { "alpha" } else { "beta" };
    let other = if winner == "alpha" { "beta" } else { "alpha" };
    assert_eq!(s.get(&format!("{M}/sources/{other}")).await.status, 404);
    assert!(
        !env.dir.path().join(format!("conf/{other}.yaml")).exists(),
        "the loser's file was restored"
    );

    // The loser retries with the current version: no update is lost.
    let current = s.get(&format!("{M}/sources")).await.body["version"]
        .as_str()
        .unwrap()
        .to_string();
    let retry = s
        .send(
            s.client
                .post(format!("{}{M}/apply-source", s.base))
                .header("if-match", &current[..12])
                .json(&new_source(other, &[other])),
        )
        .await;
    assert_eq!(retry.status, 200, "{}", retry.body);
    let list = s.get(&format!("{M}/sources")).await.body;
    assert_eq!(list["count"], 3, "{list}");
    assert_eq!(served(&s).await, ["alpha", "beta", "t1", "t2", "t3"]);

    // A malformed If-Match is bad input, not a conflict; `*` matches any version.
    for (value, status) in [("abc", 400), ("not-hex-at-all", 400), ("*", 200)] {
        let r = s
            .send(
                s.client
                    .post(format!("{}{M}/sources/team/enable", s.base))
                    .header("if-match", value)
                    .json(&json!({"enabled": true})),
            )
            .await;
        assert_eq!(r.status, status, "{value}: {}", r.body);
        if status == 400 {
            assert_eq!(r.body["details"][0]["field"], "If-Match");
        }
    }
    s.stop().await;
    env.cleanup().await;
}

async fn refresh_is_rate_limited_and_failures_keep_data(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |st| st.refresh_rate_limit = Duration::from_secs(30)).await;
    let first = s.post(&format!("{M}/refresh/team"), &json!({})).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["sourceId"], "team");
    let second = s.post(&format!("{M}/refresh/team"), &json!({})).await;
    assert_eq!(second.status, 429, "{}", second.body);
    let retry: u64 = second.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert_eq!(
        second.body["message"],
        format!("rate limited, retry after {retry} seconds")
    );
    // Refresh-all has its own key; an unknown source spends no token.
    assert_eq!(
        s.post(&format!("{M}/refresh/nope"), &json!({}))
            .await
            .status,
        404
    );
    env.write("conf/team.yaml", "mcpservers: [broken\n");
    let all = s.post(&format!("{M}/refresh"), &json!({})).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(
        all.body["error"].as_str().unwrap().contains("team"),
        "{}",
        all.body
    );
    assert_eq!(served(&s).await, ["t1", "t2", "t3"], "last good data stays");
    let team = s.get(&format!("{M}/sources/team")).await.body;
    assert_eq!(team["status"]["state"], "error", "{team}");
    assert_eq!(team["status"]["lastRefreshStatus"], "error");
    assert_eq!(team["status"]["lastRefreshSummary"], "Refresh failed");
    let diag = s.get(&format!("{M}/sources/team/diagnostics")).await.body;
    assert_eq!(diag["state"], "error", "{diag}");
    assert!(!diag["errors"].as_array().unwrap().is_empty(), "{diag}");
    assert_eq!(
        s.get(&format!("{M}/sources/nope/diagnostics")).await.status,
        404
    );

    // The error status is persisted: it survives a restart.
    s.stop().await;
    let mut settings = env.settings();
    settings.sources = vec![config_path(&env)];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let team = s.get(&format!("{M}/sources/team")).await.body;
    assert_eq!(team["status"]["state"], "error", "{team}");
    assert_eq!(served(&s).await, ["t1", "t2", "t3"]);
    s.stop().await;
    env.cleanup().await;
}

async fn source_actions_follow_the_check_order(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |st| st.refresh_rate_limit = Duration::from_secs(30)).await;
    let act = |body: Value| {
        let s = &s;
        async move { s.post(&format!("{M}/sources/team:action"), &body).await }
    };
    let listed = s.get(&format!("{M}/actions/source")).await.body;
    assert_eq!(listed["count"], 3, "{listed}");

    let r = act(json!({})).await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (400, json!("action field is required"))
    );
    assert_eq!(r.body["details"][0]["field"], "action");
    let r = act(json!({"action": "explode"})).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("unknown action \"explode\" for scope \"source\"")
    );
    let r = act(json!({"action": "refresh", "dryRun": true})).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("does not support dry-run")
    );
    let r = s
        .post(
            &format!("{M}/sources/nope:action"),
            &json!({"action": "refresh"}),
        )
        .await;
    assert_eq!(r.status, 404);

    let before = config_bytes(&env);
    let r = act(json!({"action": "disable", "dryRun": true})).await;
    assert_eq!(r.body["status"], "dry-run", "{}", r.body);
    assert_eq!(r.body["data"], json!({"enabled": false}));
    assert_eq!(config_bytes(&env), before, "dry run changes nothing");
    assert_eq!(served(&s).await, ["t1", "t2", "t3"]);

    let r = act(json!({"action": "refresh"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["data"]["entitiesLoaded"], 3);
    // The action shares the refresh endpoint's limiter key.
    let r = s.post(&format!("{M}/refresh/team"), &json!({})).await;
    assert_eq!(r.status, 429);
    assert!(r.headers.contains_key("retry-after"));

    let r = act(json!({"action": "disable"})).await;
    assert_eq!(r.body["status"], "completed", "{}", r.body);
    assert!(served(&s).await.is_empty());
    let r = act(json!({"action": "enable", "params": {}})).await;
    assert_eq!(r.body["status"], "completed", "{}", r.body);
    assert_eq!(served(&s).await, ["t1", "t2", "t3"]);
    s.stop().await;
    env.cleanup().await;
}

/// Polls `check` until it holds (the reconcile loop runs on its own schedule); never asserts a
/// duration, only gives up after a generous bound.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} never happened");
}

async fn external_edits_are_reconciled(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |st| {
        st.reconcile_interval = Duration::from_millis(200)
    })
    .await;
    env.write("conf/more.yaml", &servers(&["m1"]));
    let mut text = String::from_utf8(config_bytes(&env)).unwrap();
    text.push_str("      - id: more\n        name: More\n        type: yaml\n        properties:\n          yamlCatalogPath: more.yaml\n");
    std::fs::write(config_path(&env), &text).unwrap();
    eventually("the external edit taking effect", || async {
        served(&s).await == ["m1", "t1", "t2", "t3"]
    })
    .await;
    assert_eq!(s.get(&format!("{M}/sources/more")).await.status, 200);

    // An invalid edit (duplicate id) is reported and changes nothing that is served.
    text.push_str("      - id: more\n        name: Again\n        type: yaml\n");
    std::fs::write(config_path(&env), &text).unwrap();
    eventually("the invalid edit being reported", || async {
        let diag = s.get(&format!("{M}/diagnostics")).await.body;
        diag["errors"].as_array().is_some_and(|e| {
            e.iter().any(|e| {
                e["message"]
                    .as_str()
                    .unwrap()
                    .contains("duplicate source id")
            })
        })
    })
    .await;
    let ready = s.get("/readyz").await.body;
    assert!(
        ready["components"]["config"]["error"]
            .as_str()
            .unwrap()
            .contains("duplicate"),
        "{ready}"
    );
    assert_eq!(served(&s).await, ["m1", "t1", "t2", "t3"]);
    // Mutations build on the document in force, and the store refuses to overwrite the edit.
    let r = apply(&s, new_source("late", &["l1"])).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(served(&s).await, ["m1", "t1", "t2", "t3"]);
    s.stop().await;
    env.cleanup().await;
}

async fn rollback_restores_served_data(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |_| {}).await;
    let v0 = s.get(&format!("{M}/sources")).await.body["version"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(apply(&s, new_source("one", &["o1"])).await.status, 200);
    let v1 = s.get(&format!("{M}/sources")).await.body["version"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(apply(&s, new_source("two", &["w1"])).await.status, 200);
    assert_eq!(served(&s).await, ["o1", "t1", "t2", "t3", "w1"]);
    // A second plugin's section changes in the same document.
    let knowledge = |s: &TestServer| {
        let url = format!("{}{KNOWLEDGE}", s.base);
        let client = s.client.clone();
        async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            common::names(&body)
        }
    };
    let r = s
        .post(
            "/api/knowledge_catalog/v1alpha1/management/apply-source",
            &json!({"id": "kb", "name": "KB", "type": "yaml",
                    "properties": {"yamlCatalogPath": "kb.yaml", "content": "knowledgesources:\n  - name: k1\n"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(knowledge(&s).await, ["k1"]);

    let revs = s.get(&format!("{M}/sources/team/revisions")).await.body;
    assert_eq!(revs["count"], 3, "{revs}");
    assert_eq!(revs["revisions"][1]["version"], &v1[..8], "newest first");
    assert_eq!(revs["revisions"][2]["version"], &v0[..8]);

    let r = s
        .post(
            &format!("{M}/sources/team:rollback"),
            &json!({"version": &v1[..8]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "rolled_back");
    assert_eq!(served(&s).await, ["o1", "t1", "t2", "t3"]);
    assert_eq!(s.get(&format!("{M}/sources/two")).await.status, 404);
    assert!(
        knowledge(&s).await.is_empty(),
        "rolling back through the mcp URL also restores the knowledge plugin"
    );

    let r = s
        .post(
            &format!("{M}/sources/team:rollback"),
            &json!({"version": v0}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(served(&s).await, ["t1", "t2", "t3"]);
    assert_eq!(
        r.body["version"], v0,
        "restoring the exact bytes restores the version"
    );

    for (body, status) in [
        (json!({"version": "deadbeef"}), 404),
        (json!({"version": ""}), 400),
        (json!({}), 400),
        (json!({"version": 7}), 400),
        (json!({"version": "../../x"}), 400),
    ] {
        let r = s.post(&format!("{M}/sources/team:rollback"), &body).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    s.stop().await;
    env.cleanup().await;
}

async fn preview_and_path_safety(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |_| {}).await;
    let v = s
        .post(
            &format!("{M}/validate-source"),
            &new_source("p", &["a", "b", "c"]),
        )
        .await;
    assert_eq!(v.body["valid"], true, "{}", v.body);
    assert_eq!(v.body["preview"]["entityCount"], 3, "{}", v.body);
    assert_eq!(v.body["layerResults"][5]["layer"], "preview");
    let mut filtered = new_source("p", &["a", "b", "c"]);
    filtered["excludedItems"] = json!(["b"]);
    let v = s.post(&format!("{M}/validate-source"), &filtered).await;
    assert_eq!(v.body["preview"]["entityCount"], 2, "{}", v.body);

    // An existing file that would not load is caught before it is applied.
    env.write("conf/broken.yaml", "mcpservers:\n  - name: x\n");
    let body = json!({"id": "broken", "name": "B", "type": "yaml", "properties": {"yamlCatalogPath": "broken.yaml"}});
    let v = s.post(&format!("{M}/validate-source"), &body).await;
    assert_eq!(v.body["valid"], false, "{}", v.body);
    assert_eq!(v.body["errors"][0]["layer"], "preview");
    assert_eq!(v.body["errors"][0]["field"], "properties.yamlCatalogPath");
    assert_eq!(apply(&s, body).await.status, 422);

    // A symlink out of the roots is rejected, for reads and for inline content writes.
    let outside = env.write("elsewhere/secret.yaml", &servers(&["leak"]));
    std::os::unix::fs::symlink(&outside, env.dir.path().join("conf/link.yaml")).unwrap();
    std::os::unix::fs::symlink(
        outside.parent().unwrap(),
        env.dir.path().join("conf/linkdir"),
    )
    .unwrap();
    for path in ["link.yaml", "linkdir/secret.yaml", "linkdir/new.yaml"] {
        let mut body = json!({"id": "sym", "name": "S", "type": "yaml", "properties": {"yamlCatalogPath": path}});
        let r = apply(&s, body.clone()).await;
        assert_eq!(r.status, 422, "{path}: {}", r.body);
        assert!(
            r.body["details"][0]["message"]
                .as_str()
                .unwrap()
                .contains("outside the allowed roots"),
            "{}",
            r.body
        );
        body["properties"]["content"] = servers(&["x"]).into();
        assert_eq!(apply(&s, body).await.status, 422, "{path}");
    }
    assert!(!outside.parent().unwrap().join("new.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        servers(&["leak"])
    );
    s.stop().await;

    // With --allowed-roots, even the operator's own file cannot read outside them.
    let mut settings = env.settings();
    settings.sources = vec![config_path(&env)];
    settings.allowed_roots = vec![env.dir.path().join("elsewhere")];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let team = s.get(&format!("{M}/sources/team")).await.body;
    assert!(
        team["status"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("outside the allowed roots"),
        "{team}"
    );
    s.stop().await;
    env.cleanup().await;
}

async fn bundled_config_is_editable_and_survives_restart(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let before = s.get(&format!("{M}/sources")).await.body;
    assert_eq!(before["count"], 1, "{before}");
    let r = apply(
        &s,
        json!({"id": "mine", "name": "Mine", "type": "yaml",
        "properties": {"yamlCatalogPath": "mcp/mine.yaml", "content": servers(&["my-server"])}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(env.data_dir().join("bundled/mcp/mine.yaml").is_file());
    s.stop().await;
    let s = env.start().await;
    let after = s.get(&format!("{M}/sources")).await.body;
    assert_eq!(
        after["count"], 2,
        "the generated config is not regenerated: {after}"
    );
    assert!(served(&s).await.contains(&"my-server".to_string()));
    s.stop().await;
    env.cleanup().await;
}

async fn memory_store_modes_never_write_files(backend: Backend) {
    let env = Env::new(&backend).await;
    // `none` mode: changes are live but the file is untouched.
    let s = start(&env, |st| {
        st.config_store = catalog_core::server::ConfigStoreMode::None;
    })
    .await;
    let before = config_bytes(&env);
    let r = apply(&s, json!({"id": "mem", "name": "Mem", "type": "yaml", "properties": {"yamlCatalogPath": "team.yaml"}})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(s.get(&format!("{M}/sources")).await.body["count"], 2);
    assert_eq!(
        s.get(&format!("{M}/sources/team/revisions")).await.body["count"],
        1
    );
    assert_eq!(config_bytes(&env), before);
    s.stop().await;

    // Layered files: the merged document is kept in memory; neither file is rewritten.
    let overlay = env.write(
        "conf/overlay.yaml",
        "catalogs:\n  mcp:\n    sources:\n      - id: team\n        name: Overlaid\n",
    );
    let overlay_before = std::fs::read(&overlay).unwrap();
    let mut settings = env.settings();
    settings.sources = vec![config_path(&env), overlay.clone()];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    assert_eq!(
        s.get(&format!("{M}/sources/team")).await.body["name"],
        "Overlaid"
    );
    let r = s
        .post(
            &format!("{M}/sources/team/enable"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(served(&s).await.is_empty());
    assert_eq!(config_bytes(&env), before);
    assert_eq!(std::fs::read(&overlay).unwrap(), overlay_before);
    s.stop().await;
    env.cleanup().await;
}

/// `(source_id, last_refresh_status, last_refresh_summary)` rows of `catalog_refresh_status`.
async fn refresh_rows(env: &Env) -> Vec<(String, String, String)> {
    let sql =
        "SELECT source_id, last_refresh_status, last_refresh_summary FROM catalog_refresh_status
               WHERE namespace = 'default' AND plugin_name = 'mcp' ORDER BY source_id";
    match &env.database_url {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
        None => {
            let url = format!("sqlite://{}", env.data_dir().join("catalog.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
    }
}

async fn refresh_outcomes_are_persisted(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, |_| {}).await;
    env.write("conf/team.yaml", &servers(&["t1", "t2"]));
    let r = s.post(&format!("{M}/refresh/team"), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["entitiesRemoved"], 1);
    let r = s.post(&format!("{M}/refresh"), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let row = |id: &str, status: &str, summary: &str| {
        (id.to_string(), status.to_string(), summary.to_string())
    };
    assert_eq!(
        refresh_rows(&env).await,
        [
            row("_all", "success", "Loaded 2 entities"),
            row("team", "success", "Loaded 2 entities, removed 1"),
        ]
    );
    env.write("conf/team.yaml", "mcpservers: [broken\n");
    let failed = s
        .post(
            &format!("{M}/sources/team:action"),
            &json!({"action": "refresh"}),
        )
        .await;
    assert_eq!(
        failed.status, 502,
        "a failed action is not a 2xx: {}",
        failed.body
    );
    assert_eq!(failed.body["status"], "error");
    assert_eq!(failed.body["action"], "refresh");
    assert_eq!(
        refresh_rows(&env).await[1],
        row("team", "error", "Refresh failed")
    );
    env.write("conf/team.yaml", &servers(&["t1", "t2"]));
    s.post(&format!("{M}/refresh/team"), &json!({})).await;
    s.stop().await;

    // After a restart, a source with no live refresh (disabled) shows its persisted outcome.
    let mut settings = env.settings();
    settings.sources = vec![config_path(&env)];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let r = s
        .post(
            &format!("{M}/sources/team/enable"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.body["status"]["state"], "disabled", "{}", r.body);
    assert_eq!(r.body["status"]["entityCount"], 0);
    assert_eq!(
        r.body["status"]["lastRefreshSummary"], "Loaded 2 entities",
        "the last explicit refresh, from the database: {}",
        r.body
    );
    assert_eq!(delete(&s, &format!("{M}/sources/team")).await.status, 200);
    assert_eq!(
        refresh_rows(&env).await,
        [row("_all", "success", "Loaded 2 entities")]
    );
    s.stop().await;
    env.cleanup().await;
}

async fn a_sources_path_with_dotdot_is_the_store(backend: Backend) {
    let env = Env::new(&backend).await;
    setup(&env);
    std::fs::create_dir_all(env.dir.path().join("other")).unwrap();
    let mut settings = env.settings();
    settings.sources = vec![env.dir.path().join("other/../conf/sources.yaml")];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    assert_eq!(apply(&s, new_source("dd", &["d1"])).await.status, 200);
    let stored = String::from_utf8(config_bytes(&env)).unwrap();
    assert!(stored.contains("id: dd"), "{stored}");
    s.stop().await;
    env.cleanup().await;
}

async fn an_unresolvable_secret_fails_only_its_source(backend: Backend) {
    let env = Env::new(&backend).await;
    setup(&env);
    env.write("conf/locked.yaml", &servers(&["l1"]));
    let mut text = String::from_utf8(config_bytes(&env)).unwrap();
    text.push_str("      - id: locked\n        name: Locked\n        type: yaml\n        properties:\n          yamlCatalogPath: {name: paths, key: locked}\n");
    std::fs::write(config_path(&env), &text).unwrap();
    let secrets = env.dir.path().join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    let mut settings = env.settings();
    settings.sources = vec![config_path(&env)];
    settings.secrets = catalog_core::server::SecretsMode::File {
        dir: secrets.clone(),
    };
    settings.reconcile_interval = Duration::from_millis(100);
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    assert_eq!(
        served(&s).await,
        ["t1", "t2", "t3"],
        "the plugin and its other sources serve"
    );
    let locked = s.get(&format!("{M}/sources/locked")).await.body;
    assert_eq!(locked["status"]["state"], "error", "{locked}");
    assert!(
        locked["status"]["error"]
            .as_str()
            .unwrap()
            .contains("failed to resolve secret for property \"yamlCatalogPath\""),
        "{locked}"
    );
    assert_eq!(
        locked["properties"]["yamlCatalogPath"],
        json!({"name": "paths", "key": "locked"})
    );
    let diag = s.get(&format!("{M}/sources/locked/diagnostics")).await.body;
    assert_eq!(diag["state"], "error", "{diag}");
    // Changing another source of the plugin is not blocked by the unresolved one.
    let r = apply(&s, new_source("other", &["o1"])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(served(&s).await, ["o1", "t1", "t2", "t3"]);

    // Once the secret is mounted, the reconcile loop resolves it without any edit.
    std::fs::create_dir_all(secrets.join("paths")).unwrap();
    std::fs::write(secrets.join("paths/locked"), "locked.yaml").unwrap();
    eventually("the source resolving", || async {
        served(&s).await == ["l1", "o1", "t1", "t2", "t3"]
    })
    .await;
    s.stop().await;
    env.cleanup().await;
}
