//! The universal-asset capabilities of a declarative plugin: entity actions (builtins plus the
//! spec's own), and projection of its entities to asset envelopes with overlays merged.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::runtime::Runtime;
use super::{DeclarativePlugin, Shared};
use crate::assets::{ActionInput, OverlayKey, SourceRef, asset_entity, asset_resource};
use crate::entity::Entity;
use crate::error::ApiError;
use crate::index::Snapshot;
use crate::plugin::{
    ActionDefinition, ActionProvider, ActionRequest, ActionResult, ActionScope, AssetGetter,
    AssetLister,
};

impl Shared {
    fn not_found(&self, name: &str) -> ApiError {
        ApiError::not_found(format!("{} \"{name}\" not found", self.spec.kind.noun))
    }
}

/// The envelope of one served entity, with its overlay.
fn envelope(rt: &Runtime, e: &Entity, sources: &HashMap<String, (String, String)>) -> Value {
    let native: Value = serde_json::from_str(e.json.get()).unwrap_or(Value::Null);
    let overlay = rt.overlays.get(&e.kind, &e.name);
    let source = sources.get(&*e.source_id);
    asset_resource(
        e,
        &native,
        overlay.as_deref(),
        SourceRef {
            name: source.map(|s| s.0.as_str()),
            source_type: source.map(|s| s.1.as_str()),
        },
    )
}

/// Source id → (display name, type).
fn source_refs(rt: &Runtime) -> HashMap<String, (String, String)> {
    rt.source_configs()
        .into_iter()
        .map(|s| (s.id, (s.name, s.source_type)))
        .collect()
}

/// On the shared state, so the native routes can run actions too (UA-39).
#[async_trait]
impl ActionProvider for Shared {
    fn list_actions(&self, scope: ActionScope) -> Vec<ActionDefinition> {
        match scope {
            ActionScope::Asset => self.spec.entity_actions().map(|a| a.definition()).collect(),
            ActionScope::Source => crate::management::source_action_definitions(),
        }
    }

    /// Runs a checked asset action (UA-41 steps 8–9): the target must exist; a dry-run computes
    /// the effect from the current overlay and stores nothing; a real run computes it inside
    /// the overlay's write transaction.
    async fn handle_action(
        &self,
        scope: ActionScope,
        target: &str,
        request: ActionRequest,
    ) -> Result<ActionResult, ApiError> {
        let spec = self.spec;
        let action = spec
            .entity_actions()
            .find(|a| scope == ActionScope::Asset && a.id == request.action)
            .ok_or_else(|| {
                ApiError::bad_field(
                    "action",
                    format!(
                        "unknown action \"{}\" for scope \"{}\"",
                        request.action,
                        scope.as_str()
                    ),
                )
            })?;
        let rt = self.runtime()?;
        let kind = spec.kind.kind;
        if request.kind.as_deref().is_some_and(|k| k != kind) {
            return Err(self.not_found(target));
        }
        let entity = rt
            .snapshot
            .load()
            .get(target, None)
            .cloned()
            .ok_or_else(|| self.not_found(target))?;
        let native: Value = serde_json::from_str(entity.json.get()).map_err(ApiError::internal)?;
        let input = ActionInput {
            name: &entity.name,
            entity: &native,
            params: &request.params,
        };
        let (status, effect) = if request.dry_run {
            let current = rt
                .overlays
                .get(kind, &entity.name)
                .map(|o| (*o).clone())
                .unwrap_or_default();
            let effect = (action.handler)(&input, current)?;
            (
                "dry-run",
                (format!("would {}", effect.summary), effect.data),
            )
        } else {
            let key = OverlayKey {
                namespace: &rt.config.namespace,
                plugin: spec.name,
                kind,
                name: &entity.name,
            };
            let (_, out) = rt
                .overlays
                .update(&rt.config.database, key, |current| {
                    let effect = (action.handler)(&input, current)?;
                    Ok((effect.overlay, (effect.summary, effect.data)))
                })
                .await?;
            ("completed", out)
        };
        Ok(ActionResult {
            action: action.id.to_string(),
            status: status.to_string(),
            message: Some(effect.0),
            data: Some(effect.1),
        })
    }
}

/// The envelopes of one snapshot and overlay generation, reused until either changes.
pub(crate) struct AssetCache {
    snapshot: Arc<Snapshot>,
    overlays: u64,
    items: Vec<Arc<Entity>>,
}

impl AssetLister for DeclarativePlugin {
    fn list_assets(&self) -> Result<Vec<Arc<Entity>>, ApiError> {
        let rt = self.shared.runtime()?;
        let snapshot = rt.snapshot.load_full();
        let overlays = rt.overlays.generation();
        let mut cache = rt.assets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref()
            && Arc::ptr_eq(&c.snapshot, &snapshot)
            && c.overlays == overlays
        {
            return Ok(c.items.clone());
        }
        let sources = source_refs(&rt);
        let items: Vec<Arc<Entity>> = snapshot
            .entities()
            .iter()
            .map(|e| asset_entity(e, &envelope(&rt, e, &sources)))
            .collect();
        *cache = Some(AssetCache {
            snapshot,
            overlays,
            items: items.clone(),
        });
        Ok(items)
    }
}

impl AssetGetter for DeclarativePlugin {
    fn get_asset(&self, kind: &str, name: &str) -> Result<Option<Value>, ApiError> {
        if kind != self.spec().kind.kind {
            return Ok(None);
        }
        let rt = self.shared.runtime()?;
        let snapshot = rt.snapshot.load();
        Ok(snapshot
            .get(name, None)
            .map(|e| envelope(&rt, e, &source_refs(&rt))))
    }
}
