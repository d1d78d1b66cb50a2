//! Commits (SM-21): a change is built on a copy of the document, its secrets resolved, saved by
//! compare-and-swap, and only then made live by reconfiguring the plugins whose section changed.
//! Any failure leaves the stored document, files and served data as they were.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use catalog_config::{CatalogSources, Section};

use super::response::unprocessable;
use super::{ConfigStoreError, Current, Manager};
use crate::error::{ApiError, ErrorCode, FieldProblem};
use crate::plugin::{InitConfig, config_key};
use crate::server::{AppState, PluginEntry, bounded};

/// A data file written as part of a commit, restored when the commit fails.
pub(crate) struct FileUndo {
    /// The file.
    pub path: PathBuf,
    /// Its previous bytes (`None`: it did not exist).
    pub previous: Option<Vec<u8>>,
}

impl FileUndo {
    fn undo(&self) {
        let result = match &self.previous {
            Some(bytes) => super::atomic_write(&self.path, bytes, None),
            None => std::fs::remove_file(&self.path),
        };
        if let Err(e) = result {
            tracing::error!(file = %self.path.display(), error = %e, "could not restore data file after a failed commit");
        }
    }
}

/// Keys of sections that differ between two documents.
pub(crate) fn changed_keys(a: &CatalogSources, b: &CatalogSources) -> BTreeSet<String> {
    a.catalogs
        .keys()
        .chain(b.catalogs.keys())
        .filter(|k| a.catalogs.get(*k) != b.catalogs.get(*k))
        .cloned()
        .collect()
}

/// The 409 answered on a version mismatch, naming the current version.
pub(crate) fn conflict(current: &str) -> ApiError {
    ApiError::new(
        ErrorCode::Conflict,
        format!("config was modified externally, retry the operation (current version {current})"),
    )
}

impl Manager {
    /// The init config of `entry` with `section` (secrets already resolved).
    pub(crate) fn init_config(
        &self,
        app: &AppState,
        entry: &PluginEntry,
        section: Section,
    ) -> InitConfig {
        let name = entry.plugin.name().to_string();
        let has_section = self
            .current()
            .doc
            .catalogs
            .contains_key(&config_key(entry.plugin.as_ref()));
        InitConfig {
            config_paths: if has_section {
                self.options.config_paths.clone()
            } else {
                Vec::new()
            },
            section,
            database: app.db.clone(),
            span: tracing::info_span!("plugin", plugin = %name),
            base_path: entry.base_path.clone(),
            fallback_dir: self.options.fallback_dir.clone(),
            data_dir: app.settings.data_dir.clone(),
            namespace: "default".into(),
            allowed_roots: self.options.read_roots.clone(),
        }
    }

    /// Where relative paths of sources created through the API resolve from.
    pub(crate) fn new_source_origin(&self) -> Option<PathBuf> {
        self.options.origin.clone()
    }

    /// Stops, re-initialises and restarts every active plugin reading one of `keys` with the
    /// section of `doc`. Old data stays served until a new load succeeds. Returns the errors.
    pub(crate) async fn reconfigure(
        &self,
        app: &AppState,
        doc: &CatalogSources,
        keys: &BTreeSet<String>,
    ) -> Vec<String> {
        let limit = app.settings.plugin_init_timeout;
        let mut errors = Vec::new();
        let entries = app.plugins.load_full();
        for entry in entries.iter().filter(|e| e.is_active()) {
            let key = config_key(entry.plugin.as_ref());
            if !keys.contains(&key) {
                continue;
            }
            let name = entry.plugin.name();
            let section = doc.catalogs.get(&key).cloned().unwrap_or_default();
            let resolved = self.resolve_for_plugin(&key, &section);
            let init = self.init_config(app, entry, resolved);
            self.set_reconfiguring(name, true);
            let _ = bounded(limit, "stop", entry.plugin.stop()).await;
            let outcome = bounded(limit, "init", entry.plugin.init(init)).await;
            let started = bounded(limit, "start", entry.plugin.start()).await;
            self.set_reconfiguring(name, false);
            match outcome.and(started) {
                Ok(()) => tracing::info!(plugin = name, "reconfigured"),
                Err(e) => {
                    tracing::error!(plugin = name, error = %self.scrub(&e), "reconfiguration failed; previous data stays served");
                    errors.push(format!("{name}: {}", self.scrub(&e)));
                }
            }
        }
        app.discovery_generation.fetch_add(1, Ordering::SeqCst);
        errors
    }

    /// Applies `change` to a copy of the document and commits it. `expected` is the client's
    /// `If-Match` version (full or a prefix of at least 8 hex chars).
    pub(crate) async fn commit<F>(
        &self,
        app: &AppState,
        expected: Option<&str>,
        change: F,
    ) -> Result<Current, ApiError>
    where
        F: FnOnce(&mut CatalogSources) -> Result<Vec<FileUndo>, ApiError>,
    {
        let _guard = self.lock.lock().await;
        let before = self.current();
        if let Some(expected) = expected
            && !before.version.starts_with(expected)
        {
            return Err(conflict(&before.version));
        }
        let mut doc = before.doc.clone();
        let undo = change(&mut doc)?;
        let fail = |e: ApiError| {
            undo.iter().for_each(FileUndo::undo);
            e
        };
        let keys = changed_keys(&before.doc, &doc);
        // Sources this change adds or alters must resolve; others are handled source by source.
        for key in &keys {
            let old = before.doc.catalogs.get(key);
            let touched = Section {
                sources: doc
                    .catalogs
                    .get(key)
                    .map(|s| s.sources.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .filter(|s| old.is_none_or(|o| !o.sources.contains(s)))
                    .cloned()
                    .collect(),
                ..Section::default()
            };
            if let Err(e) = self.resolve(&touched) {
                return Err(fail(unprocessable(
                    "failed to resolve secret references",
                    vec![FieldProblem {
                        field: e.field,
                        message: e.message,
                        layer: Some("secrets".into()),
                    }],
                )));
            }
        }
        let version = match self.store.save(&doc, &before.version) {
            Ok(v) => v,
            Err(ConfigStoreError::VersionConflict { current, .. }) => {
                drop(_guard);
                self.reconcile(app).await;
                return Err(fail(conflict(&current)));
            }
            Err(ConfigStoreError::Invalid(m)) => {
                return Err(fail(ApiError::new(ErrorCode::UnprocessableEntity, m)));
            }
            Err(e) => return Err(fail(ApiError::internal(e))),
        };
        let after = Current { doc, version };
        self.set_current(after.clone());
        let errors = self.reconfigure(app, &after.doc, &keys).await;
        if errors.is_empty() {
            tracing::info!(version = &after.version[..8], "config change committed");
            return Ok(after);
        }
        // The plugin rejected the change: put the previous document back (SM-21).
        undo.iter().for_each(FileUndo::undo);
        match self.store.save(&before.doc, &after.version) {
            Ok(version) => {
                self.set_current(Current {
                    doc: before.doc.clone(),
                    version,
                });
                self.reconfigure(app, &before.doc, &keys).await;
            }
            Err(e) => tracing::error!(error = %e, "could not restore the previous config"),
        }
        Err(ApiError::new(
            ErrorCode::Internal,
            format!("failed to apply the change: {}", errors.join("; ")),
        ))
    }
}

impl Manager {
    /// The store's history, newest first.
    pub fn revisions(&self) -> Result<Vec<super::Revision>, ConfigStoreError> {
        self.store.revisions()
    }

    /// Restores revision `version` as a whole (SM-55): saved through the store (so it can be
    /// undone), then every plugin whose section changed is reconfigured. Returns the new version
    /// and any reconfiguration errors.
    pub(crate) async fn rollback(
        &self,
        app: &AppState,
        version: &str,
    ) -> Result<(String, Vec<String>), ApiError> {
        let _guard = self.lock.lock().await;
        let before = self.current();
        let (doc, new_version) = match self.store.rollback(version, &before.version) {
            Ok(found) => found,
            Err(ConfigStoreError::RevisionNotFound) => {
                return Err(ApiError::not_found("revision not found"));
            }
            Err(ConfigStoreError::VersionConflict { current, .. }) => {
                return Err(conflict(&current));
            }
            Err(e) => {
                tracing::error!(error = %e, "rollback failed");
                return Err(ApiError::new(
                    ErrorCode::Internal,
                    format!("rollback failed: {}", self.scrub(&e.to_string())),
                ));
            }
        };
        let keys = changed_keys(&before.doc, &doc);
        let after = Current {
            doc,
            version: new_version.clone(),
        };
        self.set_current(after.clone());
        let errors = self.reconfigure(app, &after.doc, &keys).await;
        tracing::info!(version = &new_version[..8], "rolled back config");
        Ok((new_version, errors))
    }
}

#[cfg(test)]
mod tests {
    use super::changed_keys;

    fn doc(text: &str) -> catalog_config::CatalogSources {
        catalog_config::parse_str(text, std::path::Path::new("s.yaml"))
            .unwrap()
            .config
    }

    #[test]
    fn only_sections_that_differ_are_reconfigured() {
        let a = doc(
            "catalogs:\n  mcp:\n    sources:\n      - {id: a, name: A, type: yaml}\n  models:\n    sources:\n      - {id: m, name: M, type: yaml}\n",
        );
        let b = doc(
            "# a comment changes the version, not a section\ncatalogs:\n  mcp:\n    sources:\n      - {id: a, name: A, type: yaml}\n  models:\n    sources:\n      - {id: m, name: M2, type: yaml}\n  skills: {}\n",
        );
        let keys: Vec<String> = changed_keys(&a, &b).into_iter().collect();
        assert_eq!(keys, ["models", "skills"]);
        assert!(changed_keys(&a, &a).is_empty());
        let removed: Vec<String> = changed_keys(&b, &doc("")).into_iter().collect();
        assert_eq!(removed, ["mcp", "models", "skills"]);
    }
}
