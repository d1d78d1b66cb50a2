//! Black-box tests of the knowledge catalog (spec 04 §4) on SQLite and PostgreSQL.

mod common;

use common::filters::{check_every_filter_field, urlencode};
use common::{Backend, Env, TestServer, names};
use serde_json::{Value, json};

const BASE: &str = "/api/knowledge_catalog/v1alpha1";

fn fixture() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins/knowledge/data/sample-knowledge-sources.yaml");
    std::fs::read_to_string(path).unwrap()
}

const EXTRA: &str = r#"knowledgesources:
  - name: handbook-vectors
    externalId: hb-1
    sourceType: vector_store
    location: "milvus://vectors.internal:19530/handbook"
    status: indexing
    documentCount: 412
    vectorDimensions: 768
    indexType: IVF
    owner: docs-team
    customProperties: {refresh: nightly, shards: 3, tags: [hr, policy]}
"#;

async fn start(env: &Env) -> TestServer {
    start_watching(env, None).await
}

async fn start_watching(env: &Env, watch: Option<std::time::Duration>) -> TestServer {
    let sample = env.write("catalog/knowledge.yaml", &fixture());
    let extra = env.write("catalog/extra.yaml", EXTRA);
    let yaml = format!(
        "catalogs:\n  knowledge:\n    sources:\n      - id: sample\n        name: Sample\n        type: yaml\n        labels: [Samples]\n        properties:\n          yamlCatalogPath: \"{}\"\n      - id: extra\n        name: Extra\n        type: yaml\n        excludedItems: [\"*-draft\"]\n        properties:\n          path: \"{}\"\n",
        sample.display(),
        extra.display()
    );
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &yaml)];
    settings.watch_interval = watch;
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

async fn list(s: &TestServer, query: &str) -> Value {
    let r = s
        .get(&format!("{BASE}/knowledgesources?pageSize=1000&{query}"))
        .await;
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    r.body
}

async fn fixture_fields_filters_and_scoping(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    assert_eq!(list(&s, "source=sample").await["totalSize"], 7);
    assert_eq!(list(&s, "").await["totalSize"], 8);
    // Unknown keys are ignored with a warning; every declared field and custom properties
    // round-trip with their types.
    let h = s
        .get(&format!("{BASE}/knowledgesources/handbook-vectors"))
        .await
        .body;
    assert_eq!(h["vectorDimensions"], 768);
    assert_eq!(h["indexType"], "IVF");
    assert_eq!(h["externalId"], "hb-1");
    assert_eq!(h["sourceId"], "extra");
    assert!(h.get("owner").is_none(), "unknown keys are dropped: {h}");
    assert_eq!(
        h["customProperties"],
        json!({"refresh": "nightly", "shards": 3, "tags": ["hr", "policy"]})
    );
    let missing = s.get(&format!("{BASE}/knowledgesources/none")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body["message"],
        "knowledge source \"none\" not found"
    );

    check_every_filter_field(&s, "knowledge", &format!("{BASE}/knowledgesources")).await;
    // Comparisons are typed and case-sensitive (PM-28); ILIKE is not.
    let q = |f: &str| format!("filterQuery={}", urlencode(f));
    let big = list(&s, &q("documentCount > 1000")).await;
    assert!(
        big["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["documentCount"].as_i64().unwrap() > 1000)
    );
    assert_eq!(list(&s, &q("provider = 'qdrant'")).await["totalSize"], 0);
    assert_eq!(
        list(&s, &q("provider ILIKE 'qdrant'")).await["totalSize"],
        1
    );
    assert_eq!(
        list(&s, &q("customProperties.shards = 3")).await["totalSize"],
        1
    );
    // q over name, description, provider and location.
    assert_eq!(
        names(&list(&s, "q=VECTORS.INTERNAL").await),
        ["handbook-vectors"]
    );
    assert_eq!(list(&s, "sourceLabel=samples").await["totalSize"], 7);
    s.stop().await;
    env.cleanup().await;
}

async fn ordering_paging_and_refresh(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let counts: Vec<i64> = list(&s, "orderBy=documentCount&sortOrder=DESC").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["documentCount"].as_i64())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "numeric: {counts:?}"
    );
    let first = s
        .get(&format!("{BASE}/knowledgesources?pageSize=5&orderBy=NAME"))
        .await
        .body;
    assert_eq!(first["size"], 5);
    let token = first["nextPageToken"].as_str().unwrap();
    let rest = s
        .get(&format!(
            "{BASE}/knowledgesources?pageSize=5&orderBy=NAME&pageToken={token}"
        ))
        .await
        .body;
    assert_eq!(rest["size"], 3);
    assert_eq!(rest["nextPageToken"], "");
    let other_query = s
        .get(&format!(
            "{BASE}/knowledgesources?pageSize=5&orderBy=ID&pageToken={token}"
        ))
        .await;
    assert_eq!(other_query.status, 400, "tokens are bound to their query");

    // An entry without a name invalidates the file; the old data stays. Removal and the
    // exclusion glob are applied on refresh.
    let file = env.dir.path().join("catalog/extra.yaml");
    std::fs::write(&file, "knowledgesources:\n  - sourceType: url\n").unwrap();
    let r = s
        .post(&format!("{BASE}/management/refresh/extra"), &json!({}))
        .await
        .body;
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("field 'name' is required"),
        "{r}"
    );
    assert_eq!(list(&s, "source=extra").await["totalSize"], 1);
    std::fs::write(
        &file,
        "knowledgesources:\n  - name: fresh\n  - name: fresh-draft\n",
    )
    .unwrap();
    let r = s
        .post(&format!("{BASE}/management/refresh/extra"), &json!({}))
        .await
        .body;
    assert_eq!(r["entitiesRemoved"], 1, "{r}");
    assert_eq!(names(&list(&s, "source=extra").await), ["fresh"]);
    s.stop().await;
    env.cleanup().await;
}

/// Watched data files (PM-12): an edit is picked up without a refresh call, keeping ids.
async fn edited_files_reload_without_refresh(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start_watching(&env, Some(std::time::Duration::from_secs(1))).await;
    let file = env.dir.path().join("catalog/extra.yaml");
    let before = s
        .get(&format!("{BASE}/knowledgesources/handbook-vectors"))
        .await
        .body;
    std::fs::write(&file, format!("{EXTRA}    description: rewritten\n")).unwrap();
    let mut reloaded = Value::Null;
    for _ in 0..300 {
        let now = s
            .get(&format!("{BASE}/knowledgesources/handbook-vectors"))
            .await
            .body;
        if now["description"] == "rewritten" {
            reloaded = now;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        reloaded["description"], "rewritten",
        "the edit was never picked up"
    );
    assert_eq!(reloaded["id"], before["id"], "a reload keeps the id");
    s.stop().await;
    env.cleanup().await;
}

on_both_backends!(
    fixture_fields_filters_and_scoping,
    ordering_paging_and_refresh,
    edited_files_reload_without_refresh,
);
