//! Black-box tests of discovery and the native list/get contract, on SQLite and PostgreSQL.
#![cfg(feature = "mcp")]

mod common;

use common::{Backend, Env, names};
use serde_json::Value;

const MCP: &str = "/api/mcp_catalog/v1alpha1/mcpservers";

on_both_backends!(
    bundled_samples_serve_every_plugin,
    paging_visits_each_entity_once_in_every_order,
    list_parameters_are_validated,
    get_by_name_and_not_found,
    search_and_source_scoping,
);

async fn bundled_samples_serve_every_plugin(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let ready = s.get("/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(
        ready.body["components"]["initial_load"]["status"],
        "complete"
    );
    assert_eq!(ready.body["components"]["database"]["status"], "up");

    let plugins = s.get("/api/plugins").await.body;
    let listed: Vec<&str> = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let expected = catalog_server::registry().unwrap().names();
    assert_eq!(
        listed, expected,
        "every compiled-in plugin, in registry order"
    );
    assert_eq!(plugins["count"], expected.len());
    for p in plugins["plugins"].as_array().unwrap() {
        assert_eq!(p["healthy"], true, "{p}");
        let caps = s
            .get(&format!(
                "/api/plugins/{}/capabilities",
                p["name"].as_str().unwrap()
            ))
            .await;
        assert_eq!(caps.status, 200);
        assert_eq!(
            caps.body, p["capabilitiesV2"],
            "inline and standalone capabilities are identical"
        );
        let list_url = caps.body["entities"][0]["endpoints"]["list"]
            .as_str()
            .unwrap()
            .to_string();
        let list = s.get(&list_url).await;
        assert_eq!(list.status, 200, "{list_url}");
        assert!(
            list.body["totalSize"].as_u64().unwrap() > 0,
            "{} serves its samples",
            p["name"]
        );
    }

    let list = s.get(MCP).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["totalSize"], 6);
    assert_eq!(list.body["size"], 6);
    assert_eq!(list.body["pageSize"], 100);
    assert_eq!(list.body["nextPageToken"], "");
    let got = names(&list.body);
    let mut sorted = got.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(got, sorted, "default order is name ascending");
    assert!(got.contains(&"kubernetes-mcp-server".to_string()));
    let local = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["deploymentMode"] == "local")
        .count();
    assert_eq!(local, 4);
    s.stop().await;
    env.cleanup().await;
}

/// Pages through with `pageSize=1..=4` under several orders; every item appears exactly once.
async fn paging_visits_each_entity_once_in_every_order(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let all = names(&s.get(MCP).await.body);
    for order in [
        "",
        "&orderBy=toolCount",
        "&orderBy=toolCount&sortOrder=DESC",
        "&orderBy=provider&sortOrder=desc",
        "&orderBy=NAME&sortOrder=DESC",
        "&orderBy=license",
    ] {
        for size in 1..=4 {
            let mut seen = Vec::new();
            let mut token = String::new();
            for _ in 0..20 {
                let param = if seen.len() % 2 == 0 {
                    "pageToken"
                } else {
                    "nextPageToken"
                };
                let r = s
                    .get(&format!("{MCP}?pageSize={size}{order}&{param}={token}"))
                    .await;
                assert_eq!(r.status, 200, "{}", r.body);
                assert_eq!(r.body["totalSize"], 6);
                seen.extend(names(&r.body));
                token = r.body["nextPageToken"].as_str().unwrap().to_string();
                if token.is_empty() {
                    break;
                }
            }
            let mut a = seen.clone();
            a.sort();
            let mut b = all.clone();
            b.sort();
            assert_eq!(a, b, "order {order:?} size {size}: {seen:?}");
        }
    }
    let by_tools: Vec<i64> = s
        .get(&format!("{MCP}?orderBy=toolCount&sortOrder=DESC"))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["toolCount"].as_i64())
        .collect();
    assert!(
        by_tools.windows(2).all(|w| w[0] >= w[1]),
        "numeric descending: {by_tools:?}"
    );
    s.stop().await;
    env.cleanup().await;
}

async fn list_parameters_are_validated(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let first = s.get(&format!("{MCP}?pageSize=2")).await.body;
    let token = first["nextPageToken"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let cases: Vec<(String, &str)> = vec![
        (format!("{MCP}?pageSize=0"), "pageSize"),
        (format!("{MCP}?pageSize=-1"), "pageSize"),
        (format!("{MCP}?pageSize=1001"), "pageSize"),
        (format!("{MCP}?pageSize=100000"), "pageSize"),
        (format!("{MCP}?pageSize=ten"), "pageSize"),
        (format!("{MCP}?sortOrder=sideways"), "sortOrder"),
        (format!("{MCP}?orderBy=nonexistent"), "orderBy"),
        (format!("{MCP}?pageToken=not-a-token"), "pageToken"),
        (format!("{MCP}?pageToken=eyJ2IjoxfQ"), "pageToken"),
        (
            format!("{MCP}?pageSize=2&orderBy=toolCount&pageToken={token}"),
            "pageToken",
        ),
        (
            format!("{MCP}?pageSize=2&q=red&pageToken={token}"),
            "pageToken",
        ),
        (
            format!("{MCP}?pageToken={token}&nextPageToken=other"),
            "pageToken",
        ),
        (format!("{MCP}?q={}", "x".repeat(300)), "q"),
        (format!("{MCP}?pageToken={}", "A".repeat(5000)), "pageToken"),
    ];
    for (url, field) in cases {
        let r = s.get(&url).await;
        assert_eq!(r.status, 400, "{url}: {}", r.body);
        assert_eq!(r.body["error"], "bad_request", "{url}");
        assert_eq!(r.body["details"][0]["field"], field, "{url}: {}", r.body);
        assert!(!r.body["requestId"].as_str().unwrap().is_empty());
    }
    // The same token with the same query (another page size) continues the sequence.
    let next = s.get(&format!("{MCP}?pageSize=10&pageToken={token}")).await;
    assert_eq!(next.status, 200);
    assert_eq!(names(&next.body).len(), 4);
    assert_eq!(
        s.get(&format!("{MCP}?pageSize=1000")).await.body["pageSize"],
        1000
    );
    s.stop().await;
    env.cleanup().await;
}

async fn get_by_name_and_not_found(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let r = s.get(&format!("{MCP}/kubernetes-mcp-server")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], "kubernetes-mcp-server");
    assert_eq!(r.body["toolCount"], 12);
    assert_eq!(r.body["verified"], true);
    assert_eq!(r.body["sourceId"], "mcp-default");
    assert!(r.body["id"].as_str().is_some_and(|id| id.len() == 36));
    let missing = s.get(&format!("{MCP}/no-such-server")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"], "not_found");
    assert_eq!(
        missing.body["message"],
        "MCP server \"no-such-server\" not found"
    );
    let by_mgmt = s
        .get("/api/mcp_catalog/v1alpha1/management/entities/kubernetes-mcp-server")
        .await;
    assert_eq!(by_mgmt.status, 200);
    assert_eq!(by_mgmt.body["name"], "kubernetes-mcp-server");
    let wrong_source = s
        .get(&format!("{MCP}/kubernetes-mcp-server?source=other"))
        .await;
    assert_eq!(wrong_source.status, 404);
    s.stop().await;
    env.cleanup().await;
}

async fn search_and_source_scoping(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let r = s.get(&format!("{MCP}?q=RED%20HAT")).await;
    assert_eq!(r.status, 200);
    let found = names(&r.body);
    assert!(!found.is_empty());
    for item in r.body["items"].as_array().unwrap() {
        let text = [
            &item["name"],
            &item["description"],
            &item["provider"],
            &item["category"],
        ]
        .iter()
        .filter_map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
        assert!(text.contains("red hat"), "{item}");
    }
    assert_eq!(r.body["totalSize"].as_u64().unwrap() as usize, found.len());
    let literal = s.get(&format!("{MCP}?q=%25")).await;
    assert_eq!(literal.body["totalSize"], 0, "% is literal in q");
    assert_eq!(
        s.get(&format!("{MCP}?source=mcp-default")).await.body["totalSize"],
        6
    );
    assert_eq!(
        s.get(&format!("{MCP}?source=nope")).await.body["totalSize"],
        0
    );
    let empty: Value = s.get(&format!("{MCP}?source=nope")).await.body;
    assert_eq!(empty["items"], Value::Array(vec![]));
    s.stop().await;
    env.cleanup().await;
}

/// The reference `sources.yaml`, unchanged, in the layout it expects (`<root>/<dir>/sources.yaml`
/// beside `<root>/plugins/<name>/data/`): every yaml source loads; its git source is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_sources_yaml_loads_unchanged() {
    let env = Env::new(&Backend::Sqlite).await;
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = env.dir.path().join("reference");
    for entry in std::fs::read_dir(repo.join("plugins")).unwrap() {
        let plugin = entry.unwrap().path();
        let target = root
            .join("plugins")
            .join(plugin.file_name().unwrap())
            .join("data");
        std::fs::create_dir_all(&target).unwrap();
        for file in std::fs::read_dir(plugin.join("data")).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, target.join(file.file_name().unwrap())).unwrap();
        }
    }
    let sources = root.join("config/sources.yaml");
    std::fs::create_dir_all(sources.parent().unwrap()).unwrap();
    std::fs::copy(
        repo.join("crates/catalog-server/tests/fixtures/reference-sources.yaml"),
        &sources,
    )
    .unwrap();
    let mut settings = env.settings();
    settings.sources = vec![sources];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    // The git source syncs in the background (readiness never waits on it): wait for it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let diag = s
            .get("/api/agents_catalog/v1alpha1/management/diagnostics")
            .await
            .body;
        let git = &diag["sources"].as_array().unwrap()[1];
        if git["state"] != "loading" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "git source never synced"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let expected = [
        ("agents", "agents", 10),
        ("guardrails", "guardrails", 10),
        ("knowledge", "knowledgesources", 7),
        ("mcp", "mcpservers", 6),
        ("model", "models", 14),
        ("policies", "policies", 10),
        ("prompts", "prompttemplates", 12),
        ("skills", "skills", 12),
    ];
    for (plugin, plural, count) in expected {
        let list = s
            .get(&format!("/api/{plugin}_catalog/v1alpha1/{plural}"))
            .await;
        assert_eq!(list.body["totalSize"], count, "{plugin}: {}", list.body);
        let diag = s
            .get(&format!(
                "/api/{plugin}_catalog/v1alpha1/management/diagnostics"
            ))
            .await
            .body;
        for source in diag["sources"].as_array().unwrap() {
            let expected_state = if source["id"] == "agents-git" {
                "error"
            } else {
                "available"
            };
            assert_eq!(source["state"], expected_state, "{plugin}: {source}");
        }
    }
    let diag = s
        .get("/api/agents_catalog/v1alpha1/management/diagnostics")
        .await
        .body;
    let git = diag["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "agents-git")
        .unwrap()
        .clone();
    assert!(
        git["error"]
            .as_str()
            .unwrap()
            .contains("/sample-repos/agents-repo: cannot open repository"),
        "{git}"
    );
    s.stop().await;
}
