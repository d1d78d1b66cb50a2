//! The real `catalog-server` binary: startup errors, warnings, readiness and signal shutdown.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_catalog-server"));
    for var in [
        "DATABASE_URL",
        "DATABASE_DSN",
        "CATALOG_SOURCES",
        "CATALOG_LISTEN",
        "CATALOG_DATA_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("CATALOG_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn malformed_sources_exit_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let sources = dir.path().join("sources.yaml");
    std::fs::write(&sources, "apiVersion: catalog/v1alpha1\ncatalogs:\n  mcp:\n    sources:\n      - id: a\n        name: A\n        type: yaml\n        propertiez: {}\n").unwrap();
    let out = server()
        .args([
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
            "--sources",
        ])
        .arg(&sources)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:8:9", sources.display())),
        "{stderr}"
    );
    assert!(stderr.contains("propertiez"), "{stderr}");
}

#[test]
fn invalid_flag_values_are_rejected_with_the_accepted_ones() {
    let out = server().args(["--log-format", "xml"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("text") && stderr.contains("json"),
        "{stderr}"
    );
    let out = server()
        .env("CATALOG_READINESS_REQUIRE_ALL_PLUGINS", "maybe")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let help = server().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--listen",
        "--data-dir",
        "--sources",
        "--database-url",
        "--log-level",
        "--log-format",
        "CATALOG_DATA_DIR",
    ] {
        assert!(text.contains(flag), "--help documents {flag}");
    }
}

fn wait_ready(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early: {status}");
        }
        if probe::readyz_status(port).is_ok_and(|status| status == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not become ready");
}

mod probe {
    /// Status of `GET /readyz` over a plain HTTP/1.0 exchange (no async runtime needed here).
    pub fn readyz_status(port: u16) -> std::io::Result<u16> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
        let mut reply = String::new();
        stream.read_to_string(&mut reply)?;
        Ok(reply
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }
}

#[test]
fn unknown_config_key_warns_and_sigterm_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let sources = dir.path().join("sources.yaml");
    std::fs::write(&sources, "catalogs:\n  not-a-plugin:\n    sources: []\n").unwrap();
    let port = free_port();
    let mut child = server()
        .args(["--listen", &format!("127.0.0.1:{port}"), "--sources"])
        .arg(&sources)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .spawn()
        .unwrap();
    wait_ready(port, &mut child);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    let log = lines.join("\n");
    assert!(
        log.contains("not-a-plugin") && log.contains("WARN"),
        "{log}"
    );
    assert!(
        log.contains("shutdown signal received") && log.contains("\"stopped\""),
        "{log}"
    );
}
