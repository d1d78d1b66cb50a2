//! Reconciliation (SM-51, SM-52): on every replica, periodically and right after a conflict, load
//! the stored document; when its version changed and it parses strictly, swap it in and
//! reconfigure only the plugins whose section changed. An invalid edit keeps the current document
//! and data, and is reported in diagnostics and `/readyz`.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::commit::changed_keys;
use super::{Current, Manager};
use crate::server::AppState;

impl Manager {
    /// One reconcile pass. A stored document that does not parse, or that a plugin rejects, is
    /// not applied: the document in force and the served data stay, the error is reported until
    /// the stored document changes again, and a rejected version is not retried.
    pub async fn reconcile(&self, app: &AppState) {
        let _guard = self.lock.lock().await;
        let before = self.current();
        let (doc, version) = match self.store.load() {
            Ok(loaded) => loaded,
            Err(e) => {
                let message = self.scrub(&format!("stored config not applied: {e}"));
                tracing::warn!(error = message, "reconcile kept the current config");
                self.set_reconcile_error(Some(message));
                return;
            }
        };
        if version == before.version {
            self.set_reconcile_error(None);
            return;
        }
        if self.rejected_version().as_deref() == Some(version.as_str()) {
            return;
        }
        let keys = changed_keys(&before.doc, &doc);
        tracing::info!(version = &version[..8], sections = ?keys, "config changed in the store; reconfiguring");
        let after = Current { doc, version };
        self.set_current(after.clone());
        let errors = self.reconfigure(app, &after.doc, &keys).await;
        if errors.is_empty() {
            *self.rejected.write().unwrap_or_else(|e| e.into_inner()) = None;
            self.set_reconcile_error(None);
            return;
        }
        let message = format!("stored config not applied: {}", errors.join("; "));
        tracing::warn!(error = message, "reconcile kept the current config");
        self.set_current(before.clone());
        self.reconfigure(app, &before.doc, &keys).await;
        *self.rejected.write().unwrap_or_else(|e| e.into_inner()) = Some(after.version);
        self.set_reconcile_error(Some(message));
    }

    /// Reconfigures plugins with sources whose secrets could not be resolved, once those
    /// secrets resolve (a secret mounted or rotated later takes effect without an edit).
    pub async fn retry_unresolved(&self, app: &AppState) {
        let _guard = self.lock.lock().await;
        let current = self.current();
        let keys: std::collections::BTreeSet<String> = self
            .unresolved
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .map(|(key, _)| key.clone())
            .filter(|key| {
                let section = current.doc.catalogs.get(key).cloned().unwrap_or_default();
                self.resolve(&section).is_ok()
            })
            .collect();
        if !keys.is_empty() {
            tracing::info!(sections = ?keys, "secrets now resolve; reconfiguring");
            self.reconfigure(app, &current.doc, &keys).await;
        }
    }

    fn rejected_version(&self) -> Option<String> {
        self.rejected
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_reconcile_error(&self, error: Option<String>) {
        *self
            .reconcile_error
            .write()
            .unwrap_or_else(|e| e.into_inner()) = error;
    }
}

/// Runs [`Manager::reconcile`] every `interval` until `cancel` fires.
pub fn spawn_reconcile(app: Arc<AppState>, interval: Duration, cancel: CancellationToken) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = ticker.tick() => {
                    app.config.reconcile(&app).await;
                    app.config.retry_unresolved(&app).await;
                }
            }
        }
    });
}
