//! The in-memory overlays of one plugin in one namespace, loaded at init and updated after
//! each committed write, so reads never touch the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::overlay::Overlay;
use super::overlay_store::{OverlayKey, load_overlays, update_overlay};
use crate::error::ApiError;
use crate::store::{Database, StoreError};

type ByName = HashMap<String, Arc<Overlay>>;

/// Overlays by kind and name.
pub struct Overlays {
    map: RwLock<HashMap<String, ByName>>,
    /// Serialises this process's writes so memory follows the database's commit order.
    write: tokio::sync::Mutex<()>,
    /// Bumped on every change (lets derived views know they are stale).
    generation: AtomicU64,
}

impl Overlays {
    /// Loads the stored overlays of `plugin` in `namespace`.
    pub async fn load(db: &Database, namespace: &str, plugin: &str) -> Result<Self, StoreError> {
        let mut map: HashMap<String, ByName> = HashMap::new();
        for (kind, name, overlay) in load_overlays(db, namespace, plugin).await? {
            map.entry(kind).or_default().insert(name, Arc::new(overlay));
        }
        Ok(Self {
            map: RwLock::new(map),
            write: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        })
    }

    /// Changes so far.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Whether no overlay is set (reads can skip the lookups).
    pub fn is_empty(&self) -> bool {
        self.read().values().all(HashMap::is_empty)
    }

    /// The overlay of one entity.
    pub fn get(&self, kind: &str, name: &str) -> Option<Arc<Overlay>> {
        self.read().get(kind).and_then(|m| m.get(name)).cloned()
    }

    /// Applies `change` durably (see [`update_overlay`]), then publishes the result.
    pub async fn update<T>(
        &self,
        db: &Database,
        key: OverlayKey<'_>,
        change: impl FnOnce(Overlay) -> Result<(Overlay, T), ApiError>,
    ) -> Result<(Overlay, T), ApiError> {
        let _guard = self.write.lock().await;
        let (next, out) = update_overlay(db, key, change).await?;
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        let by_name = map.entry(key.kind.to_string()).or_default();
        if next.is_empty() {
            by_name.remove(key.name);
        } else {
            by_name.insert(key.name.to_string(), Arc::new(next.clone()));
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok((next, out))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, ByName>> {
        self.map.read().unwrap_or_else(|e| e.into_inner())
    }
}
