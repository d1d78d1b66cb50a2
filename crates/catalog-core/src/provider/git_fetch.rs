//! Fetching one branch of a remote repository into a bare cache repository with `gix` (the
//! `http(s)` transport; no `git` executable).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use gix::remote::Direction;
use gix::remote::fetch::Shallow;

use super::SourceError;

/// One lock per cache directory: plugins sharing a (repoUrl, branch) share its clone, and
/// their fetches take turns instead of racing on the same repository.
fn cache_lock(cache: &Path) -> Arc<Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    locks.entry(cache.to_path_buf()).or_default().clone()
}

/// Fetches `branch` of `url` into the bare repository at `cache` (created, or re-created when
/// unreadable), force-updating `refs/heads/<branch>` so rewritten history is followed.
/// `shown` is the URL without credentials, for messages. `auth` is (user, token).
pub(crate) fn fetch_branch(
    url: &str,
    shown: &str,
    branch: &str,
    cache: &Path,
    auth: Option<(String, String)>,
    shallow: bool,
) -> Result<(), SourceError> {
    let lock = cache_lock(cache);
    let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        SourceError(format!(
            "{shown}: TransientNetwork: {what}: {}",
            strip(&e.to_string(), url, shown)
        ))
    };
    let repo = match gix::open_opts(cache, gix::open::Options::isolated()) {
        Ok(repo) => repo,
        Err(_) => {
            // Missing or corrupt: start over.
            let _ = std::fs::remove_dir_all(cache);
            std::fs::create_dir_all(cache).map_err(|e| fail("cannot create cache", &e))?;
            gix::init_bare(cache).map_err(|e| fail("cannot create cache", &e))?
        }
    };
    let refspec = format!("+refs/heads/{branch}:refs/heads/{branch}");
    let attempt = |depth: Option<NonZeroU32>| -> Result<(), String> {
        let remote = repo
            .remote_at(url)
            .map_err(|e| chain(&e))?
            .with_refspecs([refspec.as_str()], Direction::Fetch)
            .map_err(|e| chain(&e))?;
        let mut connection = remote.connect(Direction::Fetch).map_err(|e| chain(&e))?;
        if let Some((user, token)) = auth.clone() {
            connection = connection.with_credentials(move |action| match action {
                gix::credentials::helper::Action::Get(ctx) => {
                    Ok(Some(gix::credentials::protocol::Outcome {
                        credentials: gix::sec::identity::Credentials::UsernamePassword {
                            username: user.clone(),
                            password: token.clone(),
                            oauth_refresh_token: None,
                        },
                        next: ctx.into(),
                    }))
                }
                _ => Ok(None),
            });
        }
        let mut prepare = connection
            .prepare_fetch(gix::progress::Discard, Default::default())
            .map_err(|e| chain(&e))?;
        if let Some(depth) = depth {
            prepare = prepare.with_shallow(Shallow::DepthAtRemote(depth));
        }
        prepare
            .receive(gix::progress::Discard, &AtomicBool::new(false))
            .map_err(|e| chain(&e))?;
        Ok(())
    };
    let first = attempt(if shallow { NonZeroU32::new(1) } else { None });
    match first {
        Ok(()) => Ok(()),
        // Some transports cannot fetch shallowly: fall back to a full fetch (PA-68).
        Err(_) if shallow => attempt(None).map_err(|e| fail("fetch failed", &e)),
        Err(e) => Err(fail("fetch failed", &e)),
    }
}

/// An error and its causes on one line.
fn chain(e: &dyn std::fmt::Debug) -> String {
    format!("{e:?}")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "Caused by:")
        .collect::<Vec<_>>()
        .join(": ")
}

/// Replaces the full URL (which may carry credentials) by its shown form in a message.
fn strip(message: &str, url: &str, shown: &str) -> String {
    message.replace(url, shown)
}
