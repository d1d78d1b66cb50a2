//! The `git` provider against real repositories made with the git CLI in a temp dir and read
//! through `file://` URLs: initial load, new commits on refresh and on periodic sync,
//! force-pushes, deleted files, unreachable repositories and invalid properties.
#![cfg(feature = "agents")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Backend, Env, TestServer, names};
use serde_json::Value;

const BASE: &str = "/api/agents_catalog/v1alpha1";

on_both_backends!(
    git_source_loads_and_follows_the_branch,
    periodic_sync_applies_new_commits,
    invalid_git_properties_are_reported_per_field,
    remote_https_style_repository_is_fetched_into_the_cache,
);

/// Runs git in `dir` with a fixed identity and no user or system config.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=master",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A repository whose `main` holds `research-agents.yaml` at its root while `HEAD` names an
/// unborn `master`, like the reference sample repository.
fn research_repo(env: &Env) -> PathBuf {
    let dir = env.dir.path().join("agents-repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    std::fs::write(dir.join("research-agents.yaml"), RESEARCH).unwrap();
    std::fs::write(dir.join("README.md"), "not data\n").unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "research agents"]);
    git(&dir, &["symbolic-ref", "HEAD", "refs/heads/master"]);
    dir
}

/// Commits `files` (path, content; `None` deletes) on `main` and returns the new commit.
fn commit_on_main(repo: &Path, files: &[(&str, Option<&str>)], message: &str) -> String {
    git(repo, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    git(repo, &["reset", "-q", "--hard"]);
    for (path, content) in files {
        let full = repo.join(path);
        match content {
            Some(text) => {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(&full, text).unwrap();
            }
            None => std::fs::remove_file(&full).unwrap(),
        }
    }
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    let sha = git(repo, &["rev-parse", "HEAD"]);
    git(repo, &["symbolic-ref", "HEAD", "refs/heads/master"]);
    sha
}

const RESEARCH: &str = include_str!("fixtures/research-agents.yaml");
const SAMPLE: &str = include_str!("fixtures/sample-agents.yaml");

fn agent(name: &str) -> String {
    format!("agents:\n  - name: {name}\n    agentType: planner\n    description: added later\n")
}

fn sources(sample: &Path, repo: &Path, interval: &str) -> String {
    format!(
        "catalogs:\n  agents:\n    sources:\n      - id: agents-default\n        name: Sample\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n      - id: agents-git\n        name: Git\n        type: git\n        properties:\n          repoUrl: \"file://{}\"\n          branch: main\n          path: \"**/*.yaml\"\n          syncInterval: \"{interval}\"\n",
        sample.display(),
        repo.display()
    )
}

/// Starts the server and waits (bounded) for the git source's first background sync:
/// readiness does not wait for it (PA-5).
async fn start(env: &Env, config: &str) -> TestServer {
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", config)];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while git_status(&s).await["state"] == "loading" {
        assert!(Instant::now() < deadline, "git source never synced");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s
}

async fn git_names(s: &TestServer) -> Vec<String> {
    names(
        &s.get(&format!(
            "{BASE}/agents?filterQuery=sourceId%3D%27agents-git%27"
        ))
        .await
        .body,
    )
}

async fn git_status(s: &TestServer) -> Value {
    let diag = s.get(&format!("{BASE}/management/diagnostics")).await.body;
    diag["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "agents-git")
        .cloned()
        .unwrap()
}

async fn refresh(s: &TestServer) -> Value {
    let r = s
        .post(
            &format!("{BASE}/management/refresh/agents-git"),
            &Value::Null,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn git_source_loads_and_follows_the_branch(backend: Backend) {
    let env = Env::new(&backend).await;
    let repo = research_repo(&env);
    let sample = env.write("data/sample-agents.yaml", SAMPLE);
    let s = start(&env, &sources(&sample, &repo, "1h")).await;

    // Initial load: both files, 2 agents from git, 12 in all (PA-81).
    let all = s.get(&format!("{BASE}/agents")).await.body;
    assert_eq!(all["totalSize"], 12, "{all}");
    let from_git = git_names(&s).await;
    assert_eq!(from_git.len(), 2, "{from_git:?}");
    let one = s.get(&format!("{BASE}/agents/{}", from_git[0])).await.body;
    assert_eq!(one["sourceId"], "agents-git");
    assert_eq!(git_status(&s).await["state"], "available");

    // A new commit is picked up by refresh; a new file in a subdirectory matches `**/*.yaml`.
    let sha = commit_on_main(
        &repo,
        &[("more/new.yaml", Some(&agent("new-agent")))],
        "add",
    );
    assert_eq!(refresh(&s).await["entitiesLoaded"], 3);
    assert_eq!(git_status(&s).await["lastCommit"], sha.as_str());
    assert!(git_names(&s).await.contains(&"new-agent".to_string()));

    // Force-push: main is rewritten to a history without new-agent but with another agent.
    git(&repo, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    git(&repo, &["reset", "-q", "--hard", "main~1"]);
    git(&repo, &["symbolic-ref", "HEAD", "refs/heads/master"]);
    commit_on_main(
        &repo,
        &[("rewritten.yaml", Some(&agent("rewritten-agent")))],
        "rewrite",
    );
    refresh(&s).await;
    let after = git_names(&s).await;
    assert!(after.contains(&"rewritten-agent".to_string()), "{after:?}");
    assert!(!after.contains(&"new-agent".to_string()), "{after:?}");

    // Deleting the file removes its entities; the other file's stay.
    commit_on_main(&repo, &[("research-agents.yaml", None)], "delete");
    refresh(&s).await;
    assert_eq!(git_names(&s).await, ["rewritten-agent"]);
    assert_eq!(s.get(&format!("{BASE}/agents")).await.body["totalSize"], 11);

    // A file that does not parse fails the sync as a whole: nothing is half-applied.
    commit_on_main(
        &repo,
        &[
            ("a-first.yaml", Some(&agent("never-applied"))),
            ("broken.yaml", Some("agents: [\n")),
        ],
        "broken",
    );
    let r = refresh(&s).await;
    assert!(r["error"].as_str().unwrap().contains("broken.yaml"), "{r}");
    assert_eq!(git_names(&s).await, ["rewritten-agent"]);

    // An unreachable repository keeps the last good data and shows the error on the source.
    std::fs::rename(&repo, env.dir.path().join("moved-away")).unwrap();
    let r = refresh(&s).await;
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("cannot open repository"),
        "{r}"
    );
    assert_eq!(git_names(&s).await, ["rewritten-agent"]);
    let status = git_status(&s).await;
    assert_eq!(status["state"], "error", "{status}");
    assert!(
        status["error"].as_str().unwrap().contains("agents-repo"),
        "{status}"
    );
    assert_eq!(s.get(&format!("{BASE}/agents")).await.body["totalSize"], 11);
    s.stop().await;

    // After a restart with the repository still unreachable, the stored entries are served.
    let s = start(&env, &sources(&sample, &repo, "1h")).await;
    assert_eq!(git_names(&s).await, ["rewritten-agent"]);
    s.stop().await;
    env.cleanup().await;
}

async fn periodic_sync_applies_new_commits(backend: Backend) {
    let env = Env::new(&backend).await;
    let repo = research_repo(&env);
    let sample = env.write("data/sample-agents.yaml", SAMPLE);
    // Below the 10 s floor: the sync runs every 10 s.
    let s = start(&env, &sources(&sample, &repo, "1s")).await;
    assert_eq!(git_names(&s).await.len(), 2);
    commit_on_main(
        &repo,
        &[("periodic.yaml", Some(&agent("periodic-agent")))],
        "add",
    );
    // Wait (bounded) for the background sync; no refresh is requested.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if git_names(&s).await.contains(&"periodic-agent".to_string()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "periodic sync never applied the new commit"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(git_status(&s).await["state"], "available");
    s.stop().await;
    env.cleanup().await;
}

async fn invalid_git_properties_are_reported_per_field(backend: Backend) {
    let env = Env::new(&backend).await;
    let repo = research_repo(&env);
    let sample = env.write("data/sample-agents.yaml", SAMPLE);
    let s = start(&env, &sources(&sample, &repo, "0")).await;
    let status = git_status(&s).await;
    assert_eq!(status["state"], "error", "{status}");
    let err = status["error"].as_str().unwrap();
    assert!(
        err.contains("properties.syncInterval: must be greater than zero"),
        "{err}"
    );
    assert!(git_names(&s).await.is_empty());
    assert_eq!(
        s.get(&format!("{BASE}/agents")).await.body["totalSize"],
        10,
        "the other source still loads"
    );
    s.stop().await;
    env.cleanup().await;
}

/// A smart-HTTP git server on 127.0.0.1: `git http-backend` behind axum (CGI), serving the
/// bare repositories under `root`.
mod smart_http {
    use std::io::Write;
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::sync::Arc;

    use axum::body::Bytes;
    use axum::extract::{Request, State};
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::Response;

    struct Cgi {
        root: PathBuf,
    }

    async fn handle(State(cgi): State<Arc<Cgi>>, req: Request) -> Response {
        let (parts, body) = req.into_parts();
        let body: Bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let mut cmd = Command::new("git");
        cmd.arg("http-backend")
            .env("GIT_PROJECT_ROOT", &cgi.root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("PATH_INFO", parts.uri.path())
            .env("QUERY_STRING", parts.uri.query().unwrap_or(""))
            .env("REQUEST_METHOD", parts.method.as_str())
            .env("CONTENT_TYPE", header("content-type"))
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("HTTP_CONTENT_ENCODING", header("content-encoding"))
            .env("GIT_PROTOCOL", header("git-protocol"))
            .env("REMOTE_ADDR", "127.0.0.1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let out = tokio::task::spawn_blocking(move || {
            let mut child = cmd.spawn().unwrap();
            child.stdin.take().unwrap().write_all(&body).unwrap();
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        let raw = out.stdout;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| (i, 4));
        let split = split.or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
        let (end, sep) = split.expect("CGI headers");
        let mut resp = Response::new(axum::body::Body::from(raw[end + sep..].to_vec()));
        for line in String::from_utf8_lossy(&raw[..end]).lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim();
            if k.eq_ignore_ascii_case("status") {
                let code: u16 = v.split(' ').next().unwrap().parse().unwrap();
                *resp.status_mut() = StatusCode::from_u16(code).unwrap();
            } else {
                resp.headers_mut().append(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                );
            }
        }
        resp
    }

    /// Serves `root`; returns the base URL.
    pub async fn serve(root: PathBuf) -> String {
        let cgi = Arc::new(Cgi { root });
        let app = axum::Router::new().fallback(handle).with_state(cgi);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }
}

/// Files under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_containing(&path, needle));
        } else if std::fs::read(&path)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle)
        {
            out.push(path);
        }
    }
    out
}

async fn remote_https_style_repository_is_fetched_into_the_cache(backend: Backend) {
    let env = Env::new(&backend).await;
    let work = research_repo(&env);
    let root = env.dir.path().join("served");
    std::fs::create_dir_all(&root).unwrap();
    let bare = root.join("agents.git");
    git(
        &root,
        &[
            "clone",
            "-q",
            "--bare",
            "--branch",
            "main",
            work.to_str().unwrap(),
            "agents.git",
        ],
    );
    let base = smart_http::serve(root.clone()).await;
    let sample = env.write("data/sample-agents.yaml", SAMPLE);
    let config = |extra: &str| {
        format!(
            "catalogs:\n  agents:\n    sources:\n      - id: agents-default\n        name: Sample\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n      - id: agents-git\n        name: Git\n        type: git\n        properties:\n          repoUrl: \"{base}/agents.git\"\n          branch: main\n          syncInterval: 1h\n{extra}",
            sample.display()
        )
    };
    let s = start(&env, &config("")).await;
    let status = git_status(&s).await;
    assert_eq!(status["state"], "available", "{status}");
    assert_eq!(git_names(&s).await.len(), 2);
    let cache = env.data_dir().join("git-cache");
    assert!(cache.is_dir(), "clone cached in the data directory");
    let clones: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(clones.len(), 1, "one cache per (repoUrl, branch)");
    assert!(clones[0].join("objects").is_dir(), "a bare repository");
    assert!(
        !clones[0].join("research-agents.yaml").exists(),
        "no checkout"
    );
    assert!(
        files_containing(&cache, base.as_bytes()).is_empty(),
        "the remote is not recorded in the cache"
    );

    // A new commit pushed to the remote, then a force-push, are followed by refresh.
    let sha = commit_on_main(&work, &[("new.yaml", Some(&agent("remote-agent")))], "add");
    git(
        &work,
        &["push", "-q", "--force", bare.to_str().unwrap(), "main:main"],
    );
    refresh(&s).await;
    assert!(git_names(&s).await.contains(&"remote-agent".to_string()));
    assert_eq!(git_status(&s).await["lastCommit"], sha.as_str());
    git(&work, &["symbolic-ref", "HEAD", "refs/heads/main"]);
    git(&work, &["reset", "-q", "--hard", "main~1"]);
    git(&work, &["symbolic-ref", "HEAD", "refs/heads/master"]);
    git(
        &work,
        &["push", "-q", "--force", bare.to_str().unwrap(), "main:main"],
    );
    refresh(&s).await;
    assert!(!git_names(&s).await.contains(&"remote-agent".to_string()));
    s.stop().await;

    // A token is never sent in clear text: over http:// the source is rejected up front, the
    // stored entries stay and the token is never shown.
    let s = start(
        &env,
        &config("          authUsername: bot\n          authToken: s3cret-token\n"),
    )
    .await;
    let status = git_status(&s).await;
    assert_eq!(status["state"], "error", "{status}");
    assert!(
        status["error"].as_str().unwrap().contains("clear text"),
        "{status}"
    );
    assert!(!status.to_string().contains("s3cret-token"), "{status}");
    assert_eq!(git_names(&s).await.len(), 2);
    s.stop().await;
    env.cleanup().await;
}
