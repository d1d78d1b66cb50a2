//! The `git` provider (PA §7.3): reads the data files of one branch straight from the commit
//! tree with `gix` (no `git` executable, no working tree, no merge: a force-pushed branch is
//! simply read at its new tip).
//!
//! Local repositories (`file://` URLs and plain paths, bare or not) are read in place. Remote
//! `http(s)` repositories are fetched (only `branch`, depth 1 when `shallowClone`, falling back
//! to a full fetch) into a bare cache under `<data dir>/git-cache/`, one directory per
//! (repoUrl, branch), reused across syncs and restarts and re-created when corrupt. The token
//! is handed to the transport as basic-auth credentials and never written to the cache.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::yaml::MAX_DATA_FILE_BYTES;
use super::{
    DataFile, FetchRequest, Fetched, FieldProblem, PathGlob, SourceError, SourceProvider, SyncMemo,
    string_property, sync_interval,
};

/// Default branch tracked.
pub const DEFAULT_BRANCH: &str = "main";
/// Default data-file glob.
pub const DEFAULT_PATH: &str = "**/*.yaml";
/// Default period of background syncs.
pub const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(3600);
/// Default bound on one sync (fetch and read).
pub const DEFAULT_SYNC_TIMEOUT: Duration = Duration::from_secs(300);

/// The `syncTimeout` property, `Err` naming it when not a positive duration.
fn sync_timeout(properties: Option<&Map<String, Value>>) -> Result<Duration, FieldProblem> {
    match properties.and_then(|p| p.get("syncTimeout")) {
        None | Some(Value::Null) => Ok(DEFAULT_SYNC_TIMEOUT),
        Some(Value::String(s)) => {
            super::parse_duration(s).map_err(|m| FieldProblem::property("syncTimeout", m))
        }
        Some(_) => Err(FieldProblem::property(
            "syncTimeout",
            "must be a duration string like \"5m\"",
        )),
    }
}

/// The `git` source type: `repoUrl`, `branch`, `path` glob, `syncInterval`, `authToken`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitProvider;

#[async_trait]
impl SourceProvider for GitProvider {
    fn source_type(&self) -> &'static str {
        "git"
    }

    fn validate(&self, properties: Option<&Map<String, Value>>) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        match string_property(properties, "repoUrl") {
            None => problems.push(FieldProblem::property(
                "repoUrl",
                "repoUrl is required for type git",
            )),
            Some(url) => {
                if let Err(m) = Location::parse(url) {
                    problems.push(FieldProblem::property("repoUrl", m));
                }
            }
        }
        if let Some(branch) = properties.and_then(|p| p.get("branch")) {
            match branch.as_str() {
                Some(b) if is_valid_branch(b) => {}
                _ => problems.push(FieldProblem::property(
                    "branch",
                    "must be a branch name (no spaces, `..`, `~`, `^`, `:` or leading `-`)",
                )),
            }
        }
        if let Some(path) = properties.and_then(|p| p.get("path")) {
            match path.as_str() {
                Some(p) if !p.trim().is_empty() => {
                    if let Err(e) = PathGlob::new(p, "path") {
                        problems.push(e);
                    }
                }
                _ => problems.push(FieldProblem::property("path", "must be a non-empty glob")),
            }
        }
        if let Some(v) = properties.and_then(|p| p.get("shallowClone"))
            && !v.is_boolean()
        {
            problems.push(FieldProblem::property(
                "shallowClone",
                "must be true or false",
            ));
        }
        if let Some(v) = properties.and_then(|p| p.get("authToken"))
            && !(v.is_string() || catalog_config::secret_ref(v).is_some())
        {
            problems.push(FieldProblem::property(
                "authToken",
                "must be a secret reference {name, key} or a string",
            ));
        }
        if properties.is_some_and(|p| p.contains_key("authToken"))
            && string_property(properties, "repoUrl")
                .is_some_and(|u| !u.trim().starts_with("https://"))
        {
            problems.push(FieldProblem::property(
                "authToken",
                "needs an https:// repoUrl: credentials are never sent in clear text",
            ));
        }
        if let Err(e) = sync_interval(properties, DEFAULT_SYNC_INTERVAL) {
            problems.push(e);
        }
        if let Err(e) = sync_timeout(properties) {
            problems.push(e);
        }
        problems
    }

    fn sync_interval(&self, properties: Option<&Map<String, Value>>) -> Option<Duration> {
        sync_interval(properties, DEFAULT_SYNC_INTERVAL).ok()
    }

    async fn fetch(&self, request: FetchRequest<'_>) -> Result<Fetched, SourceError> {
        let problems = self.validate(request.source.properties.as_ref());
        if !problems.is_empty() {
            return Err(SourceError(super::describe(&problems)));
        }
        let url = request.property("repoUrl").unwrap_or_default().to_string();
        // Plain local paths are relative to the config file declaring the source (PA-65).
        let location = match Location::parse(&url).map_err(SourceError)? {
            Location::Local(dir) if dir.is_relative() => Location::Local(
                catalog_config::resolve_path(request.source, &url, request.fallback_dir),
            ),
            other => other,
        };
        let branch = request
            .property("branch")
            .unwrap_or(DEFAULT_BRANCH)
            .to_string();
        let glob = PathGlob::new(request.property("path").unwrap_or(DEFAULT_PATH), "path")
            .map_err(|p| SourceError(p.message))?;
        let memo = request.memo.clone();
        let manual = request.manual;
        let auth = match request
            .source
            .properties
            .as_ref()
            .and_then(|p| p.get("authToken"))
        {
            Some(Value::String(token)) => Some((
                request
                    .property("authUsername")
                    .unwrap_or("x-access-token")
                    .to_string(),
                token.clone(),
            )),
            Some(v) if catalog_config::secret_ref(v).is_some() => {
                return Err(SourceError(
                    "properties.authToken: AuthError: secret reference was not resolved".into(),
                ));
            }
            _ => None,
        };
        let shallow = request
            .source
            .properties
            .as_ref()
            .and_then(|p| p.get("shallowClone"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let cache = cache_dir(request.data_dir, &url, &branch);
        let limit =
            sync_timeout(request.source.properties.as_ref()).unwrap_or(DEFAULT_SYNC_TIMEOUT);
        let work = tokio::task::spawn_blocking(move || match location {
            Location::Local(dir) => read_branch(&dir, &branch, &glob, &memo, manual),
            Location::Remote(shown) => {
                super::git_fetch::fetch_branch(&url, &shown, &branch, &cache, auth, shallow)?;
                read_branch(&cache, &branch, &glob, &memo, manual)
            }
        });
        match tokio::time::timeout(limit, work).await {
            Ok(done) => done.map_err(|e| SourceError(format!("git reader crashed: {e}")))?,
            Err(_) => Err(SourceError(format!(
                "TransientNetwork: sync did not finish within syncTimeout ({}s)",
                limit.as_secs()
            ))),
        }
    }
}

/// The cache directory of a (repoUrl, branch): a hash, so no credential or path text leaks.
fn cache_dir(data_dir: &std::path::Path, url: &str, branch: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{}\u{1f}{branch}", url.trim()).as_bytes());
    let name: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    data_dir.join("git-cache").join(name)
}

/// Where a repository lives.
enum Location {
    /// A directory on this machine.
    Local(PathBuf),
    /// A network URL, with any credentials removed for display.
    Remote(String),
}

impl Location {
    fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err("file:// URLs need an absolute path (file:///abs/path)".into());
            }
            return Ok(Self::Local(PathBuf::from(path)));
        }
        if let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
        {
            let host_and_path = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            if host_and_path.is_empty() {
                return Err("URL has no host".into());
            }
            return Ok(Self::Remote(format!(
                "{}://{host_and_path}",
                if url.starts_with("https") {
                    "https"
                } else {
                    "http"
                }
            )));
        }
        if url.contains("://") {
            return Err("must be an https://, http:// or file:// URL, or a local path".into());
        }
        Ok(Self::Local(PathBuf::from(url)))
    }
}

/// Git's branch-name rules, the subset that matters for a config value.
fn is_valid_branch(b: &str) -> bool {
    !b.is_empty()
        && !b.starts_with('-')
        && !b.contains("..")
        && !b.ends_with('/')
        && !b.ends_with(".lock")
        && !b
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
}

/// Reads the data files of `branch` at its tip, in lexical path order.
fn read_branch(
    dir: &std::path::Path,
    branch: &str,
    glob: &PathGlob,
    memo: &SyncMemo,
    manual: bool,
) -> Result<Fetched, SourceError> {
    let shown = dir.display();
    let repo = gix::open_opts(dir, gix::open::Options::isolated())
        .map_err(|e| SourceError(format!("{shown}: cannot open repository: {e}")))?;
    let mut reference = repo
        .find_reference(format!("refs/heads/{branch}").as_str())
        .map_err(|e| SourceError(format!("{shown}: branch \"{branch}\" not found: {e}")))?;
    let tip = reference
        .peel_to_id()
        .map_err(|e| SourceError(format!("{shown}: cannot resolve branch \"{branch}\": {e}")))?
        .detach();
    let commit_hex = tip.to_string();
    let next_memo = SyncMemo {
        commit: Some(commit_hex.clone()),
        ..SyncMemo::default()
    };
    if !manual && memo.commit.as_deref() == Some(commit_hex.as_str()) {
        return Ok(Fetched {
            unchanged: true,
            memo: next_memo,
            ..Fetched::default()
        });
    }
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        SourceError(format!("{shown}: commit {commit_hex}: {what}: {e}"))
    };
    let tree = repo
        .find_commit(tip)
        .map_err(|e| bad("not a commit", &e))?
        .tree()
        .map_err(|e| bad("cannot read tree", &e))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse()
        .breadthfirst(&mut recorder)
        .map_err(|e| bad("cannot walk tree", &e))?;
    let mut entries: Vec<_> = recorder
        .records
        .into_iter()
        // Symlinks, submodules and trees are skipped: only regular blobs are read (PA-70).
        .filter(|e| e.mode.is_blob() && !e.mode.is_link())
        .filter_map(|e| {
            let path = String::from_utf8(e.filepath.into()).ok()?;
            glob.matches(&path).then_some((path, e.oid))
        })
        .collect();
    entries.sort();
    let mut files = Vec::with_capacity(entries.len());
    for (path, oid) in entries {
        let header = repo.find_header(oid).map_err(|e| bad(&path, &e))?;
        if header.size() > MAX_DATA_FILE_BYTES {
            tracing::warn!(file = path, "skipping data file over 32 MiB");
            continue;
        }
        let blob = repo.find_object(oid).map_err(|e| bad(&path, &e))?;
        let text = String::from_utf8(blob.data.clone())
            .map_err(|_| SourceError(format!("{path}: not valid UTF-8")))?;
        files.push(DataFile {
            origin: PathBuf::from(path),
            text,
        });
    }
    Ok(Fetched {
        files,
        unchanged: false,
        warn_missing_key: false,
        memo: next_memo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(v: Value) -> Vec<String> {
        GitProvider
            .validate(v.as_object())
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn validation_names_each_bad_property() {
        assert!(problems(json!({"repoUrl": "file:///tmp/r"})).is_empty());
        assert_eq!(problems(json!({})), ["properties.repoUrl"]);
        assert_eq!(
            problems(json!({"repoUrl": "ftp://x/y"})),
            ["properties.repoUrl"]
        );
        assert_eq!(
            problems(json!({"repoUrl": "/r", "syncInterval": "0"})),
            ["properties.syncInterval"]
        );
        assert_eq!(
            problems(json!({"repoUrl": "/r", "syncTimeout": "5"})),
            ["properties.syncTimeout"]
        );
        assert_eq!(
            problems(
                json!({"repoUrl": "/r", "branch": "a..b", "shallowClone": "yes", "path": "[", "authToken": 3})
            ),
            [
                "properties.branch",
                "properties.path",
                "properties.shallowClone",
                "properties.authToken",
                "properties.authToken"
            ]
        );
    }

    #[test]
    fn remote_urls_never_show_credentials() {
        match Location::parse("https://user:tok@example.com/r.git").unwrap() {
            Location::Remote(shown) => assert_eq!(shown, "https://example.com/r.git"),
            Location::Local(_) => panic!("remote expected"),
        }
    }
}
