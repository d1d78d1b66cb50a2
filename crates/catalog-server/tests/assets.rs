//! Black-box tests of the asset envelope, `/api/assets` and overlays (UA §5–§6), on SQLite and
//! PostgreSQL.
#![cfg(feature = "mcp")]

mod common;

use common::{Backend, Env, TestServer, mcp_fixture, mcp_sources};
use serde_json::{Value, json};

const BASE: &str = "/api/mcp_catalog/v1alpha1";
const K8S: &str = "kubernetes-mcp-server";

on_both_backends!(
    overlays_survive_refresh_reimport_and_restart,
    envelopes_follow_the_schema,
    asset_list_filters_on_envelope_shorthands,
    asset_list_rejects_bad_input,
    unreadable_overlays_are_reported_not_replaced,
);

fn action_path(name: &str) -> String {
    format!("{BASE}/management/entities/{name}:action")
}

async fn act(s: &TestServer, name: &str, body: Value) -> common::Reply {
    s.post(&action_path(name), &body).await
}

async fn overlays_survive_refresh_reimport_and_restart(backend: Backend) {
    let env = Env::new(&backend).await;
    let original = std::fs::read_to_string(mcp_fixture()).unwrap();
    let data = env.write("catalog/mcp.yaml", &original);
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &mcp_sources(&data))];
    let s = env
        .start_with(settings.clone(), catalog_server::registry().unwrap())
        .await;

    let r = act(
        &s,
        K8S,
        json!({"action": "tag", "params": {"tags": ["prod", "gpu", "prod"]}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["data"]["tags"], json!(["prod", "gpu"]));
    let r = act(
        &s,
        K8S,
        json!({"action": "annotate", "params": {"annotations": {"owner": "ml"}}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = act(&s, K8S, json!({"action": "deprecate"})).await;
    assert_eq!(r.body["data"]["lifecycle"], "deprecated", "{}", r.body);

    let listed = s
        .get("/api/assets?kind=McpServer&filterQuery=tags%3D%27gpu%27")
        .await;
    assert_eq!(
        listed.body["items"][0]["spec"]["toolCount"], 12,
        "{}",
        listed.body
    );

    // Re-import: the entity disappears from its source, then returns with changed content.
    let without = remove_entry(&original, K8S);
    assert_ne!(without, original);
    std::fs::write(&data, &without).unwrap();
    assert_eq!(
        s.post(&format!("{BASE}/management/refresh/mcp-test"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(s.get(&format!("{BASE}/mcpservers/{K8S}")).await.status, 404);
    std::fs::write(&data, original.replace("toolCount: 12", "toolCount: 13")).unwrap();
    assert_eq!(
        s.post(&format!("{BASE}/management/refresh/mcp-test"), &json!({}))
            .await
            .status,
        200
    );
    check_overlay_visible(&s, 13).await;
    s.stop().await;

    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    check_overlay_visible(&s, 13).await;
    // Clearing every part of the overlay removes it from reads.
    for body in [
        json!({"action": "tag", "params": {"tags": []}}),
        json!({"action": "annotate", "params": {"annotations": {"owner": null}}}),
    ] {
        assert_eq!(act(&s, K8S, body).await.status, 200);
    }
    let native = s.get(&format!("{BASE}/mcpservers/{K8S}")).await.body;
    assert_eq!(native["overlay"]["tags"], json!([]));
    assert_eq!(native["overlay"]["lifecycle"], "deprecated");
    s.stop().await;
    env.cleanup().await;
}

/// Drops the YAML list entry named `name`.
fn remove_entry(yaml: &str, name: &str) -> String {
    let marker = "\n  - name: ";
    let mut parts = yaml.split(marker);
    let mut out = parts.next().unwrap().to_string();
    for entry in parts.filter(|e| !e.starts_with(&format!("\"{name}\""))) {
        out.push_str(marker);
        out.push_str(entry);
    }
    out
}

async fn check_overlay_visible(s: &TestServer, tool_count: i64) {
    let native = s.get(&format!("{BASE}/mcpservers/{K8S}")).await;
    assert_eq!(native.status, 200, "{}", native.body);
    assert_eq!(native.body["toolCount"], tool_count);
    assert_eq!(native.body["overlay"]["tags"], json!(["prod", "gpu"]));
    assert_eq!(
        native.body["overlay"]["annotations"],
        json!({"owner": "ml"})
    );
    assert_eq!(native.body["overlay"]["lifecycle"], "deprecated");
    let generic = s.get(&format!("{BASE}/management/entities/{K8S}")).await;
    assert_eq!(
        generic.body, native.body,
        "the generic get shows the overlay too"
    );
    let list = s
        .get(&format!("{BASE}/mcpservers?filterQuery=name%3D%27{K8S}%27"))
        .await;
    assert_eq!(
        list.body["items"][0]["overlay"]["tags"],
        json!(["prod", "gpu"]),
        "{}",
        list.body
    );
    let others = s
        .get(&format!("{BASE}/mcpservers?pageSize=1000"))
        .await
        .body;
    for item in others["items"].as_array().unwrap() {
        if item["name"] != K8S {
            assert!(item.get("overlay").is_none(), "{item}");
        }
    }
    let asset = s.get(&format!("/api/assets/McpServer/{K8S}")).await;
    assert_eq!(asset.status, 200, "{}", asset.body);
    let tags = asset.body["metadata"]["tags"].as_array().unwrap();
    assert!(
        tags.contains(&json!("prod")) && tags.contains(&json!("gpu")),
        "{tags:?}"
    );
    assert_eq!(asset.body["metadata"]["annotations"]["owner"], "ml");
    assert_eq!(asset.body["status"]["lifecycle"], "deprecated");
    assert_eq!(asset.body["spec"]["toolCount"], tool_count);
    let tagged = s.get("/api/assets?filterQuery=tags%3D%27gpu%27").await;
    assert_eq!(tagged.status, 200, "{}", tagged.body);
    assert_eq!(tagged.body["size"], 1, "{}", tagged.body);
    assert_eq!(tagged.body["items"][0]["metadata"]["name"], K8S);
    assert_eq!(tagged.body["items"][0]["spec"]["toolCount"], tool_count);
}

async fn envelopes_follow_the_schema(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let list = s.get("/api/assets?pageSize=1000").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["apiVersion"], "catalog/v1alpha1");
    assert_eq!(list.body["kind"], "AssetList");
    assert_eq!(list.body["nextPageToken"], "");
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(list.body["size"], items.len());
    assert_eq!(list.body["totalSize"], items.len());
    // Every plugin's entities are there: the total equals the sum of the native lists.
    let plugins = s.get("/api/plugins").await.body;
    let mut native_total = 0;
    for p in plugins["plugins"].as_array().unwrap() {
        for e in p["capabilitiesV2"]["entities"].as_array().unwrap() {
            let list_path = e["endpoints"]["list"].as_str().unwrap();
            native_total += s.get(&format!("{list_path}?pageSize=1000")).await.body["totalSize"]
                .as_u64()
                .unwrap();
        }
    }
    assert_eq!(items.len() as u64, native_total);
    let mut uids = std::collections::HashSet::new();
    for a in items {
        assert_eq!(a["apiVersion"], "catalog/v1alpha1");
        assert!(a["kind"].as_str().is_some_and(|k| !k.is_empty()));
        assert!(uids.insert(a["metadata"]["uid"].as_str().unwrap().to_string()));
        assert!(a["metadata"]["name"].is_string());
        assert!(a["spec"].is_object());
        assert!(a["spec"].get("name").is_none() && a["spec"].get("sourceId").is_none());
        assert_eq!(a["status"]["lifecycle"], "active");
        assert_eq!(a["status"]["health"], "unknown");
        assert!(a["metadata"]["sourceRef"]["sourceId"].is_string());
        assert!(a["metadata"]["createdAt"].as_str().unwrap().ends_with('Z'));
    }
    // get returns the same envelope as the list, and the uid is stable across restarts.
    let first = &items[0];
    let kind = first["kind"].as_str().unwrap();
    let name = first["metadata"]["name"].as_str().unwrap();
    let got = s.get(&format!("/api/assets/{kind}/{}", enc(name))).await;
    assert_eq!(&got.body, first);
    s.stop().await;
    let s = env.start().await;
    let again = s.get(&format!("/api/assets/{kind}/{}", enc(name))).await;
    assert_eq!(again.body["metadata"]["uid"], first["metadata"]["uid"]);
    for missing in [
        format!("/api/assets/{kind}/no-such-asset"),
        format!("/api/assets/NoSuchKind/{}", enc(name)),
        "/api/assets/McpServer/..%2F..%2Fetc%2Fpasswd".to_string(),
    ] {
        let r = s.get(&missing).await;
        assert_eq!(r.status, 404, "{missing}: {}", r.body);
        assert_eq!(r.body["error"], "not_found");
    }
    s.stop().await;
    env.cleanup().await;
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn asset_list_filters_on_envelope_shorthands(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let r = act(
        &s,
        K8S,
        json!({"action": "label", "params": {"labels": {"team": "infra"}}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let count = |path: String| {
        let s = &s;
        async move {
            let r = s.get(&path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            r.body["totalSize"].as_u64().unwrap()
        }
    };
    assert_eq!(
        count(format!(
            "/api/assets?filterQuery={}",
            enc("labels.team = 'infra'")
        ))
        .await,
        1
    );
    assert_eq!(
        count(format!(
            "/api/assets?filterQuery={}",
            enc("name = 'kubernetes-mcp-server'")
        ))
        .await,
        1
    );
    let mcp_total = s.get(&format!("{BASE}/mcpservers")).await.body["totalSize"]
        .as_u64()
        .unwrap();
    assert_eq!(count("/api/assets?plugin=mcp".into()).await, mcp_total);
    assert_eq!(count("/api/assets?kind=McpServer".into()).await, mcp_total);
    assert_eq!(
        count(format!(
            "/api/assets?filterQuery={}",
            enc("kind = 'McpServer'")
        ))
        .await,
        mcp_total
    );
    assert_eq!(
        count(format!(
            "/api/assets?kind=McpServer&filterQuery={}",
            enc("lifecycle = 'active'")
        ))
        .await,
        mcp_total
    );
    assert_eq!(
        count("/api/assets?kind=McpServer&q=KUBERNETES".into()).await,
        1
    );
    assert_eq!(
        count("/api/assets?kind=McpServer&sourceId=no-such-source".into()).await,
        0
    );
    // Sorted by kind then paged with tokens: every asset exactly once.
    let all = count("/api/assets".into()).await;
    let mut seen = std::collections::HashSet::new();
    let mut token = String::new();
    loop {
        let r = s
            .get(&format!(
                "/api/assets?orderBy=kind&pageSize=7&pageToken={token}"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        for a in r.body["items"].as_array().unwrap() {
            assert!(seen.insert(a["metadata"]["uid"].as_str().unwrap().to_string()));
        }
        token = r.body["nextPageToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len() as u64, all);
    s.stop().await;
    env.cleanup().await;
}

async fn asset_list_rejects_bad_input(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    for (query, field) in [
        ("plugin=nope", "plugin"),
        ("plugin=mcp&plugin=agents", "plugin"),
        ("kind=Nope", "kind"),
        ("kind=mcpserver", "kind"),
        ("pageSize=0", "pageSize"),
        ("pageSize=100000", "pageSize"),
        ("orderBy=toolCount", "orderBy"),
        ("pageToken=forged", "pageToken"),
        ("filterQuery=nosuchfield%3D1", ""),
        ("filterQuery=lifecycle%3D", ""),
        ("filterQuery=lifecycle%3D3", ""),
    ] {
        let r = s.get(&format!("/api/assets?{query}")).await;
        assert_eq!(r.status, 400, "{query}: {}", r.body);
        assert_eq!(r.body["error"], "bad_request", "{query}");
        if !field.is_empty() {
            assert_eq!(r.body["details"][0]["field"], field, "{query}: {}", r.body);
        }
    }
    let big = "x".repeat(20 * 1024);
    let r = s
        .get(&format!("/api/assets?filterQuery=name%3D%27{big}%27"))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    // A token from one query is refused by another.
    let first = s.get("/api/assets?pageSize=1").await.body;
    let token = first["nextPageToken"].as_str().unwrap();
    let r = s
        .get(&format!(
            "/api/assets?pageSize=1&kind=Agent&pageToken={token}"
        ))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    s.stop().await;
    env.cleanup().await;
}

/// Runs one statement against the test's database.
async fn execute(env: &Env, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
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

async fn unreadable_overlays_are_reported_not_replaced(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let r = act(&s, K8S, json!({"action": "tag", "params": {"tags": ["a"]}})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.stop().await;
    execute(&env, "UPDATE catalog_overlays SET body = 'not json'").await;
    let s = env.start().await;
    // Reads skip it; a write refuses to overwrite it.
    let native = s.get(&format!("{BASE}/mcpservers/{K8S}")).await;
    assert_eq!(native.status, 200);
    assert!(native.body.get("overlay").is_none(), "{}", native.body);
    let r = act(&s, K8S, json!({"action": "tag", "params": {"tags": ["b"]}})).await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(r.body["message"], "internal server error");
    let r = act(
        &s,
        K8S,
        json!({"action": "tag", "dryRun": true, "params": {"tags": ["b"]}}),
    )
    .await;
    assert_eq!(r.status, 200, "a dry-run reads memory only: {}", r.body);
    s.stop().await;
    env.cleanup().await;
}
