//! The `hf` model source type against a fake Hugging Face hub on 127.0.0.1 that speaks the
//! hub's API shapes: paged listing with a `Link` cursor, model info, README, 429s and 404s.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{Backend, Env, TestServer, names};
use serde_json::{Value, json};

const BASE: &str = "/api/model_catalog/v1alpha1";

/// What the fake hub serves and what it saw.
#[derive(Default)]
struct Hub {
    /// Base URL, for `Link` headers.
    base: String,
    /// `acme` models (ids).
    acme: Vec<String>,
    /// Requests seen: path and query.
    seen: Vec<String>,
    /// 429s still to send before answering the listing and model info.
    throttle_listing: u32,
    throttle_model: u32,
}

type Shared = Arc<Mutex<Hub>>;

async fn list(
    State(hub): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let mut hub = hub.lock().unwrap();
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    hub.seen.push(format!(
        "list author={} search={} cursor={} limit={} ua={}",
        get("author").unwrap_or_default(),
        get("search").unwrap_or_default(),
        get("cursor").unwrap_or_default(),
        get("limit").unwrap_or_default(),
        headers.get(header::USER_AGENT).is_some(),
    ));
    if hub.throttle_listing > 0 {
        hub.throttle_listing -= 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "0")],
            "slow down",
        )
            .into_response();
    }
    if get("author").as_deref() != Some("acme") {
        return axum::Json(json!([])).into_response();
    }
    // Like the real hub, search is case-insensitive.
    let search = get("search").unwrap_or_default().to_lowercase();
    let matching: Vec<&String> = hub
        .acme
        .iter()
        .filter(|id| id.to_lowercase().contains(&search))
        .collect();
    let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
    let start: usize = get("cursor")
        .and_then(|c| c.strip_prefix("c").and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(limit)
        .map(|id| json!({"id": id, "likes": 1}))
        .collect();
    let mut resp = axum::Json(page).into_response();
    if start + limit < matching.len() {
        let next = format!(
            "<{}/api/models?author=acme&limit={limit}&cursor=c{}>; rel=\"next\"",
            hub.base,
            start + limit
        );
        resp.headers_mut()
            .insert(header::LINK, next.parse().unwrap());
    }
    resp
}

async fn model(State(hub): State<Shared>, Path((org, name)): Path<(String, String)>) -> Response {
    let mut hub = hub.lock().unwrap();
    let id = format!("{org}/{name}");
    hub.seen.push(format!("model {id}"));
    if hub.throttle_model > 0 {
        hub.throttle_model -= 1;
        return StatusCode::TOO_MANY_REQUESTS.into_response();
    }
    if !(hub.acme.contains(&id) || id == "other/exact-1") {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "Repository not found"})),
        )
            .into_response();
    }
    axum::Json(json!({
        "id": id,
        "author": org,
        "createdAt": "2024-03-01T10:00:00.000Z",
        "lastModified": "2024-04-01T10:00:00.000Z",
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "tags": ["license:apache-2.0", "safetensors"],
        "private": false,
        "gated": false,
        "cardData": {"description": format!("{name} from the fake hub"), "language": ["en"]},
        "config": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
        "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
    }))
    .into_response()
}

async fn whoami(State(hub): State<Shared>, headers: HeaderMap) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    hub.lock().unwrap().seen.push(format!("whoami {auth}"));
    if auth == "Bearer hf_good" {
        axum::Json(json!({"name": "tester", "type": "user"})).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "Invalid credentials"})),
        )
            .into_response()
    }
}

async fn readme(Path((org, name, _file)): Path<(String, String, String)>) -> String {
    format!("# {org}/{name}\n")
}

async fn fake_hub(models: usize) -> (Shared, String) {
    let hub: Shared = Arc::default();
    let app = Router::new()
        .route("/api/whoami-v2", get(whoami))
        .route("/api/models", get(list))
        .route("/api/models/{org}/{name}", get(model))
        .route("/{org}/{name}/raw/main/{file}", get(readme))
        .with_state(hub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    {
        let mut h = hub.lock().unwrap();
        h.base = base.clone();
        h.acme = (0..models).map(|i| format!("acme/model-{i:03}")).collect();
    }
    (hub, base)
}

async fn start(env: &Env, source: &str, server_wide: Option<&str>) -> TestServer {
    let yaml = format!("catalogs:\n  models:\n    sources:\n{source}");
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &yaml)];
    settings.hf_base_url = server_wide.map(str::to_string);
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

async fn all(s: &TestServer, source: &str) -> Value {
    let r = s
        .get(&format!("{BASE}/models?source={source}&pageSize=1000"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn listing_paging_patterns_retries_and_missing_models(backend: Backend) {
    let env = Env::new(&backend).await;
    let (hub, base) = fake_hub(120).await;
    {
        let mut h = hub.lock().unwrap();
        h.throttle_listing = 2;
        h.throttle_model = 1;
    }
    let source = format!(
        "      - id: hub\n        name: Hub\n        type: hf\n        includedItems: [\"acme/*\", \"acme/missing\", \"other/exact-1\"]\n        excludedItems: [\"acme/model-00*\"]\n        properties:\n          url: \"{base}/\"\n          apiKeyEnvVar: PATH\n"
    );
    let s = start(&env, &source, None).await;
    let body = all(&s, "hub").await;
    // 120 listed over two pages, 10 excluded, one exact id; the missing one is skipped.
    assert_eq!(body["totalSize"], 111, "{}", body["totalSize"]);
    let listed = names(&body);
    assert!(listed.contains(&"other/exact-1".to_string()));
    assert!(!listed.iter().any(|n| n.starts_with("acme/model-00")));
    let seen = hub.lock().unwrap().seen.clone();
    let listings: Vec<&String> = seen.iter().filter(|l| l.starts_with("list")).collect();
    assert_eq!(
        listings,
        [
            "list author=acme search= cursor= limit=100 ua=true",
            "list author=acme search= cursor= limit=100 ua=true",
            "list author=acme search= cursor= limit=100 ua=true",
            "list author=acme search= cursor=c100 limit=100 ua=true",
        ],
        "two 429s retried, then the Link cursor followed"
    );
    assert!(seen.iter().any(|l| l == "model acme/missing"));

    // The failed lookup is recorded on the source; the rest is served.
    let src = s.get(&format!("{BASE}/sources")).await.body;
    assert_eq!(src["items"][0]["status"], "error");
    let err = src["items"][0]["error"].as_str().unwrap();
    assert!(err.contains("acme/missing: model not found"), "{err}");

    // The mapping: license normalised, timestamps from the hub, typed properties, README,
    // one model artifact.
    let m = s
        .get(&format!("{BASE}/sources/hub/models/acme/model-042"))
        .await
        .body;
    assert_eq!(m["license"], "Apache 2.0");
    assert_eq!(m["provider"], "acme");
    assert_eq!(m["libraryName"], "transformers");
    assert_eq!(m["tasks"], json!(["text-generation"]));
    assert_eq!(m["createTimeSinceEpoch"], "1709287200000");
    assert_eq!(m["readme"], "# acme/model-042\n");
    assert_eq!(
        m["customProperties"]["hf_model_type"]["string_value"],
        "llama"
    );
    assert_eq!(
        m["customProperties"]["hf_tags"]["string_value"],
        "[\"safetensors\"]"
    );
    assert!(
        m["logo"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
    let arts = s
        .get(&format!(
            "{BASE}/sources/hub/models/acme/model-042/artifacts"
        ))
        .await
        .body;
    assert_eq!(arts["items"][0]["uri"], "hf://acme/model-042");
    assert_eq!(arts["items"][0]["name"], "acme/model-042-hf-artifact");
    s.stop().await;
    env.cleanup().await;
}

async fn organisation_prefix_and_server_wide_base_url(backend: Backend) {
    let env = Env::new(&backend).await;
    let (hub, base) = fake_hub(120).await;
    // No `url`: the server-wide base URL is used. `allowedOrganization` prefixes patterns.
    let source = "      - id: org\n        name: Org\n        type: hf\n        includedItems: [\"Model-11*\"]\n        excludedItems: [\"model-119\"]\n        properties:\n          allowedOrganization: acme\n      - id: bad\n        name: Bad\n        type: hf\n        includedItems: [\"*/*\"]\n      - id: empty\n        name: Empty\n        type: hf\n";
    let s = start(&env, source, Some(&base)).await;
    let listed = names(&all(&s, "org").await);
    assert_eq!(listed.len(), 9, "{listed:?}");
    assert!(listed.iter().all(|n| n.starts_with("acme/model-11")));
    assert!(
        hub.lock()
            .unwrap()
            .seen
            .iter()
            .any(|l| l.contains("search=Model-11"))
    );
    let src = s.get(&format!("{BASE}/sources?orderBy=ID")).await.body;
    let by_id = |id: &str| {
        src["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("org")["status"], "available");
    assert!(
        by_id("bad")["error"]
            .as_str()
            .unwrap()
            .contains("invalid hf pattern")
    );
    assert!(
        by_id("empty")["error"]
            .as_str()
            .unwrap()
            .contains("includedItems")
    );
    s.stop().await;
    env.cleanup().await;
}

/// A source with `syncInterval` is re-synced while the server runs: a model the hub adds later
/// appears without a refresh call.
async fn sync_interval_picks_up_hub_changes(backend: Backend) {
    let env = Env::new(&backend).await;
    let (hub, base) = fake_hub(2).await;
    let source = format!(
        "      - id: hub\n        name: Hub\n        type: hf\n        includedItems: [\"acme/*\"]\n        properties:\n          url: \"{base}\"\n          syncInterval: 1s\n"
    );
    let s = start(&env, &source, None).await;
    assert_eq!(all(&s, "hub").await["totalSize"], 2);
    hub.lock().unwrap().acme.push("acme/model-new".into());
    let mut found = false;
    for _ in 0..300 {
        if names(&all(&s, "hub").await).contains(&"acme/model-new".to_string()) {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the re-sync never picked up the new model");
    s.stop().await;
    env.cleanup().await;
}

/// Stops the spawned server even when an assertion fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real binary: `--hf-base-url` points sources without `url` at the hub; a token from the
/// named variable is checked with whoami (401 → the source fails) and sent as a bearer token;
/// a value not starting with `hf_` is ignored.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_flag_and_credentials() {
    let (hub, base) = fake_hub(3).await;
    let dir = tempfile::tempdir().unwrap();
    let source = |id: &str, var: &str| {
        format!(
            "      - id: {id}\n        name: {id}\n        type: hf\n        includedItems: [\"acme/model-001\"]\n        properties:\n          apiKeyEnvVar: {var}\n"
        )
    };
    let yaml = format!(
        "catalogs:\n  models:\n    sources:\n{}{}{}",
        source("good", "TEST_HF_GOOD"),
        source("bad", "TEST_HF_BAD"),
        source("anonymous", "TEST_HF_ANON"),
    );
    let sources = dir.path().join("sources.yaml");
    std::fs::write(&sources, yaml).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_catalog-server"))
        .env_remove("DATABASE_URL")
        .env_remove("CATALOG_HF_BASE_URL")
        .env("TEST_HF_GOOD", "hf_good")
        .env("TEST_HF_BAD", "hf_bad")
        .env("TEST_HF_ANON", "not-a-token")
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--hf-base-url",
            &base,
            "--sources",
        ])
        .arg(&sources)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let child = KillOnDrop(child);
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}{BASE}/sources?orderBy=ID");
    let mut body = Value::Null;
    for _ in 0..600 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status() == 200
        {
            body = client.get(&url).send().await.unwrap().json().await.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(child);
    let state = |id: &str| {
        let item = body["items"]
            .as_array()
            .expect("server answered")
            .iter()
            .find(|i| i["id"] == id)
            .unwrap();
        (
            item["status"].as_str().unwrap().to_string(),
            item["error"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(state("good").0, "available");
    assert_eq!(state("anonymous").0, "available");
    let (bad, error) = state("bad");
    assert_eq!(bad, "error");
    assert!(
        error.contains("invalid Hugging Face credentials"),
        "{error}"
    );
    let seen = hub.lock().unwrap().seen.clone();
    let whoami: Vec<&String> = seen.iter().filter(|l| l.starts_with("whoami")).collect();
    assert_eq!(whoami.len(), 2, "anonymous sources skip whoami: {seen:?}");
    assert!(whoami.iter().any(|l| *l == "whoami Bearer hf_good"));
    assert_eq!(
        seen.iter().filter(|l| *l == "model acme/model-001").count(),
        2
    );
}

on_both_backends!(
    listing_paging_patterns_retries_and_missing_models,
    organisation_prefix_and_server_wide_base_url,
    sync_interval_picks_up_hub_changes,
);
