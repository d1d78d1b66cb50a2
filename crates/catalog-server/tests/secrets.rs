//! Secrets never leak (SM-56–SM-64): the real binary resolves SecretRefs from mounted files, and
//! the test greps every HTTP response, the captured log output, the stored config and every
//! revision snapshot for the secret values. One resolved value is a file path that does not
//! exist, so it also reaches load errors, diagnostics and log lines, where it must be scrubbed.
#![cfg(all(unix, feature = "mcp"))]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const M: &str = "/api/mcp_catalog/v1alpha1/management";
const TOKEN: &str = "tok-S3cr3t-Value-4242";
const PATH_SECRET: &str = "missing-Pr1vate-Path-7777";
const INLINE: &str = "inline-Pa55word-9090";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn leaks(text: &str) -> Vec<&'static str> {
    [TOKEN, PATH_SECRET, INLINE]
        .into_iter()
        .filter(|s| text.contains(s))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_responses_logs_or_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secrets/creds/token", TOKEN);
    write(root, "secrets/paths/file", &format!("{PATH_SECRET}.yaml"));
    write(
        root,
        "conf/ok.yaml",
        "mcpservers:\n  - name: ok1\n    deploymentMode: local\n",
    );
    write(
        root,
        "conf/sources.yaml",
        &format!(
            "catalogs:\n  mcp:\n    sources:\n      - id: good\n        name: Good\n        type: yaml\n        properties:\n          yamlCatalogPath: ok.yaml\n          apiToken: {{name: creds, key: token}}\n          dbPassword: {INLINE}\n      - id: hidden\n        name: Hidden\n        type: yaml\n        properties:\n          yamlCatalogPath: {{name: paths, key: file}}\n"
        ),
    );
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(root.join("server.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_catalog-server"))
        .env_remove("DATABASE_URL")
        .env_remove("CATALOG_SOURCES")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--sources")
        .arg(root.join("conf/sources.yaml"))
        .arg("--data-dir")
        .arg(root.join("data"))
        .arg("--secrets-resolver")
        .arg("file")
        .arg("--secrets-dir")
        .arg(root.join("secrets"))
        .args([
            "--log-level",
            "debug",
            "--log-format",
            "json",
            "--enabled-plugins",
            "mcp",
        ])
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "server never became ready");

    let mut transcript = String::new();
    let mut call = async |method: &str, path: &str, body: Option<Value>| -> Value {
        let url = format!("{base}{path}");
        let req = match method {
            "GET" => client.get(url),
            "DELETE" => client.delete(url),
            _ => client.post(url).json(&body.unwrap_or(json!({}))),
        };
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = format!("{:?}", resp.headers());
        let text = resp.text().await.unwrap();
        transcript.push_str(&format!("{method} {path} {status} {headers}\n{text}\n"));
        serde_json::from_str(&text).unwrap_or(Value::Null)
    };

    let good = call("GET", &format!("{M}/sources/good"), None).await;
    assert_eq!(good["properties"]["dbPassword"], "***REDACTED***", "{good}");
    assert_eq!(
        good["properties"]["apiToken"],
        json!({"name": "creds", "key": "token"}),
        "a resolved value is shown as its reference"
    );
    let hidden = call("GET", &format!("{M}/sources/hidden"), None).await;
    assert_eq!(
        hidden["status"]["state"], "error",
        "the resolved path is read: {hidden}"
    );
    assert!(
        hidden["status"]["error"]
            .as_str()
            .unwrap()
            .contains("***REDACTED***"),
        "{hidden}"
    );
    call("GET", &format!("{M}/sources"), None).await;
    let diag = call("GET", &format!("{M}/diagnostics"), None).await;
    assert!(!diag["errors"].as_array().unwrap().is_empty(), "{diag}");
    call("GET", &format!("{M}/sources/hidden/diagnostics"), None).await;
    call("POST", &format!("{M}/refresh"), None).await;
    call(
        "POST",
        &format!("{M}/sources/hidden:action"),
        Some(json!({"action": "refresh"})),
    )
    .await;
    call(
        "POST",
        &format!("{M}/validate-source"),
        Some(json!({"id": "v", "name": "V", "type": "yaml",
                    "properties": {"yamlCatalogPath": "ok.yaml", "password": INLINE}})),
    )
    .await;
    // A client that saves a listed source back sends the placeholder: the stored value stays.
    let mut edit = good.clone();
    edit.as_object_mut().unwrap().remove("status");
    edit["name"] = "Good again".into();
    let applied = call("POST", &format!("{M}/apply-source"), Some(edit)).await;
    assert_eq!(applied["name"], "Good again", "{applied}");
    let missing = call(
        "POST",
        &format!("{M}/apply-source"),
        Some(json!({"id": "bad", "name": "B", "type": "yaml",
                    "properties": {"yamlCatalogPath": "ok.yaml", "apiToken": {"name": "creds", "key": "nope"}}})),
    )
    .await;
    assert_eq!(missing["error"], "unprocessable_entity", "{missing}");
    assert!(
        missing["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("creds"),
        "the error names the secret: {missing}"
    );
    let revs = call("GET", &format!("{M}/sources/good/revisions"), None).await;
    assert_eq!(revs["count"], 1, "{revs}");
    call("GET", "/api/plugins", None).await;
    call("GET", "/api/plugins/mcp/capabilities", None).await;
    call("GET", "/readyz", None).await;
    call("GET", "/metrics", None).await;

    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(
        leaks(&transcript),
        Vec::<&str>::new(),
        "responses:\n{transcript}"
    );
    let logs = std::fs::read_to_string(root.join("server.log")).unwrap();
    assert!(
        logs.contains("hidden"),
        "the load failure was logged: {logs}"
    );
    assert_eq!(leaks(&logs), Vec::<&str>::new(), "logs:\n{logs}");
    let stored = std::fs::read_to_string(root.join("conf/sources.yaml")).unwrap();
    assert!(
        stored.contains(INLINE),
        "the operator's inline value is kept as written"
    );
    assert!(
        !stored.contains(TOKEN) && !stored.contains(PATH_SECRET),
        "{stored}"
    );
    for entry in std::fs::read_dir(root.join("conf/.history")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(
            !text.contains(TOKEN) && !text.contains(PATH_SECRET),
            "{text}"
        );
    }
}
