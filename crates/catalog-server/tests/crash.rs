//! Crash safety of the config store (SM-69): the real `catalog-server` binary is killed with
//! SIGKILL at random points while applies stream in, 200 applies in all. After every kill the
//! config file parses strictly and holds either the last acknowledged change or a later one that
//! was in flight (never a torn mix, never losing an acknowledged change), and after a restart the
//! server serves exactly what the file says.
#![cfg(all(unix, feature = "mcp"))]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

const TOTAL_APPLIES: usize = 200;
const M: &str = "/api/mcp_catalog/v1alpha1/management";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(dir: &Path, port: u16) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_catalog-server"));
    for var in [
        "DATABASE_URL",
        "DATABASE_DSN",
        "CATALOG_SOURCES",
        "CATALOG_DATA_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--sources")
        .arg(dir.join("conf/sources.yaml"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["--log-level", "warn", "--enabled-plugins", "mcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn catalog-server")
}

async fn wait_ready(client: &reqwest::Client, base: &str, child: &mut Child) {
    for _ in 0..600 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "server exited during startup"
        );
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server never became ready");
}

/// Small deterministic-per-run pseudo random numbers (xorshift), seeded from the clock.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The name of source `crash` in the stored file, which must parse strictly.
fn stored_name(dir: &Path) -> String {
    let path = dir.join("conf/sources.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = catalog_config::parse_str(&text, &path)
        .unwrap_or_else(|e| panic!("torn or invalid config after kill: {e}\n{text}"));
    parsed.config.catalogs["mcp"]
        .sources
        .iter()
        .find(|s| s.id == "crash")
        .expect("source crash is present")
        .name
        .clone()
}

fn apply_body(i: usize) -> Value {
    json!({"id": "crash", "name": format!("N{i}"), "type": "yaml", "labels": [format!("l{i}")],
           "properties": {"yamlCatalogPath": "crash.yaml"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_during_applies_never_tears_or_loses_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::create_dir_all(root.join("conf")).unwrap();
    std::fs::write(
        root.join("conf/crash.yaml"),
        "mcpservers:\n  - name: c1\n    deploymentMode: local\n",
    )
    .unwrap();
    std::fs::write(
        root.join("conf/sources.yaml"),
        "catalogs:\n  mcp:\n    sources:\n      - id: crash\n        name: N0\n        type: yaml\n        properties:\n          yamlCatalogPath: crash.yaml\n",
    )
    .unwrap();
    let client = reqwest::Client::new();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Rng(seed | 1);
    eprintln!("crash test seed {seed}");

    // Names in the order they were sent; index of the last acknowledged one.
    let sent: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(vec!["N0".into()]));
    let acked = Arc::new(Mutex::new(0usize));
    let mut kills = 0;
    loop {
        let next = sent.lock().unwrap().len();
        if next > TOTAL_APPLIES {
            break;
        }
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = spawn(&root, port);
        wait_ready(&client, &base, &mut child).await;

        // After a restart the server serves what the file holds.
        let name = stored_name(&root);
        let got: Value = client
            .get(format!("{base}{M}/sources/crash"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(got["name"], name.as_str(), "served config matches the file");
        assert_eq!(got["status"]["entityCount"], 1, "{got}");

        let start = next;
        let budget = (5 + rng.below(30) as usize).min(TOTAL_APPLIES + 1 - start);
        let (sent2, acked2, client2, base2) =
            (sent.clone(), acked.clone(), client.clone(), base.clone());
        let applies = tokio::spawn(async move {
            for i in start..start + budget {
                sent2.lock().unwrap().push(format!("N{i}"));
                // `sent` grows by exactly one per send, so its length names the next apply.
                let r = client2
                    .post(format!("{base2}{M}/apply-source"))
                    .json(&apply_body(i))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 200 => *acked2.lock().unwrap() = i,
                    Ok(r) => panic!("apply {i} answered {}", r.status()),
                    Err(_) => return,
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(rng.below(400))).await;
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        let _ = applies.await;

        let name = stored_name(&root);
        let sent = sent.lock().unwrap();
        let position = sent
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("stored name {name} was never sent"));
        let acked = *acked.lock().unwrap();
        let acked_position = sent.iter().position(|n| *n == format!("N{acked}")).unwrap();
        assert!(
            position >= acked_position,
            "acknowledged apply N{acked} was lost (file has {name})"
        );
    }
    let acked = *acked.lock().unwrap();
    eprintln!(
        "{kills} kills; {} applies sent; last acknowledged N{acked}",
        sent.lock().unwrap().len() - 1
    );
    assert!(
        kills >= 2,
        "the server was killed mid-stream at least twice"
    );

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = spawn(&root, port);
    wait_ready(&client, &base, &mut child).await;
    let got: Value = client
        .get(format!("{base}{M}/sources/crash"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["name"], stored_name(&root).as_str());
    for entry in std::fs::read_dir(root.join("conf/.history")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        catalog_config::parse_str(&text, &path)
            .unwrap_or_else(|e| panic!("torn history snapshot {}: {e}", path.display()));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
