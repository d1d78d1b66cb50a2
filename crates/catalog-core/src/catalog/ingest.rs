//! Syncing one source: read → validate → diff against the served snapshot → persist the diff in
//! one transaction → publish a new snapshot. A failure at any step keeps the last good data and
//! records the error on the source (FW-4, PA-7).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use catalog_config::SourceConfig;

use super::entry::{build_entity, content_hash, row_of, validate_entries};
use super::runtime::Runtime;
use crate::entity::Entity;
use crate::index::Snapshot;
use crate::plugin::{DiagnosticError, RefreshResult};
use crate::provider::{NameFilter, SourceError, parse_document, read_data_file};
use crate::schema::PluginSpec;
use crate::store::{self, EntityRow, SourceStatusRow, now_ms};
use crate::time::rfc3339_ms;

/// What one sync will change.
struct SyncPlan {
    /// Every entity the source now yields (unchanged ones reused).
    entities: Vec<Arc<Entity>>,
    /// Rows to upsert.
    changed: Vec<EntityRow>,
    /// (kind, name) of rows to delete.
    removed: Vec<(String, String)>,
}

/// Syncs one enabled source; never fails as a whole — errors land in the result and the status.
pub(crate) async fn sync_source(
    spec: &'static PluginSpec,
    rt: &Runtime,
    source: &SourceConfig,
) -> RefreshResult {
    let started = Instant::now();
    let current = rt.snapshot.load_full();
    let fallback = rt.config.fallback_dir.clone();
    let src = source.clone();
    let planned = tokio::task::spawn_blocking(move || plan(spec, &current, &src, &fallback))
        .await
        .unwrap_or_else(|e| Err(SourceError(format!("loader crashed: {e}"))));
    let outcome = match planned {
        Ok(plan) => persist_and_publish(spec, rt, &source.id, plan).await,
        Err(e) => Err(e),
    };
    let duration = started.elapsed().as_nanos() as u64;
    let count = rt.snapshot.load().source_count(&source.id);
    let (result, status) = match outcome {
        Ok((loaded, removed)) => (
            RefreshResult {
                source_id: Some(source.id.clone()),
                entities_loaded: loaded,
                entities_removed: removed,
                duration,
                error: None,
            },
            ("available", None),
        ),
        Err(SourceError(message)) => {
            tracing::warn!(
                plugin = spec.name,
                source = source.id,
                error = message,
                "source failed to load; keeping its last good data"
            );
            rt.push_error(DiagnosticError {
                source: Some(source.id.clone()),
                message: message.clone(),
                time: rfc3339_ms(now_ms()),
            });
            (
                RefreshResult {
                    source_id: Some(source.id.clone()),
                    entities_loaded: 0,
                    entities_removed: 0,
                    duration,
                    error: Some(message.clone()),
                },
                ("error", Some(message)),
            )
        }
    };
    let row = SourceStatusRow {
        source_id: source.id.clone(),
        state: status.0.into(),
        error: status.1,
        entity_count: count as i64,
        last_refresh_at: Some(now_ms()),
        last_refresh_duration_ns: Some(duration as i64),
    };
    if let Err(e) =
        store::save_source_status(&rt.config.database, &rt.config.namespace, spec.name, &row).await
    {
        tracing::error!(plugin = spec.name, source = source.id, error = %e, "could not persist source status");
    }
    rt.set_status(row);
    result
}

async fn persist_and_publish(
    spec: &'static PluginSpec,
    rt: &Runtime,
    source_id: &str,
    plan: SyncPlan,
) -> Result<(u64, u64), SourceError> {
    if !plan.changed.is_empty() || !plan.removed.is_empty() {
        store::apply_source_diff(
            &rt.config.database,
            &rt.config.namespace,
            spec.name,
            source_id,
            &plan.changed,
            &plan.removed,
        )
        .await
        .map_err(|e| {
            tracing::error!(plugin = spec.name, source = source_id, error = %e, "persisting sync failed");
            SourceError("database error while saving entities".into())
        })?;
    }
    let loaded = plan.entities.len() as u64;
    let removed = plan.removed.len() as u64;
    publish(rt, source_id, plan.entities);
    Ok((loaded, removed))
}

/// Swaps in a snapshot where `source_id`'s entities are replaced by `entities`.
fn publish(rt: &Runtime, source_id: &str, entities: Vec<Arc<Entity>>) {
    let current = rt.snapshot.load();
    let merged: Vec<Arc<Entity>> = current
        .entities()
        .iter()
        .filter(|e| &*e.source_id != source_id)
        .cloned()
        .chain(entities)
        .collect();
    rt.snapshot.store(Arc::new(Snapshot::new(merged)));
}

/// Reads and validates the source, and diffs it against what `current` serves (blocking work).
fn plan(
    spec: &'static PluginSpec,
    current: &Snapshot,
    source: &SourceConfig,
    fallback: &Path,
) -> Result<SyncPlan, SourceError> {
    if !spec.source_types.contains(&source.source_type.as_str()) {
        return Err(SourceError(format!(
            "unsupported source type \"{}\" (this plugin accepts: {})",
            source.source_type,
            spec.source_types.join(", ")
        )));
    }
    let filter = NameFilter::new(
        source.included_items.as_deref().unwrap_or_default(),
        source.excluded_items.as_deref().unwrap_or_default(),
    )?;
    let path_value = source
        .properties
        .as_ref()
        .and_then(|p| p.get("yamlCatalogPath"))
        .and_then(|v| v.as_str())
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| SourceError("property yamlCatalogPath is required for type yaml".into()))?;
    let path = catalog_config::resolve_path(source, path_value, fallback);
    let text = read_data_file(&path)?;
    let doc = parse_document(&text, &path)?;
    let entries = validate_entries(spec, doc)
        .map_err(|e| SourceError(format!("{}: {}", path.display(), e.0)))?;

    let old: HashMap<&str, &Arc<Entity>> = current
        .entities()
        .iter()
        .filter(|e| *e.source_id == *source.id)
        .map(|e| (&*e.name, e))
        .collect();
    let now = now_ms();
    let mut plan = SyncPlan {
        entities: Vec::with_capacity(entries.len()),
        changed: Vec::new(),
        removed: Vec::new(),
    };
    let mut kept: std::collections::HashSet<String> =
        std::collections::HashSet::with_capacity(entries.len());
    for (name, entry) in entries.into_iter().filter(|(name, _)| filter.admits(name)) {
        let hash = content_hash(&entry);
        kept.insert(name.clone());
        match old.get(name.as_str()) {
            Some(existing) if *existing.content_hash == *hash => {
                plan.entities.push((*existing).clone())
            }
            existing => {
                let created = existing.map_or(now, |e| e.created_at);
                let entity = Arc::new(build_entity(
                    spec, &source.id, name, entry, hash, created, now,
                ));
                plan.changed.push(row_of(&entity));
                plan.entities.push(entity);
            }
        }
    }
    plan.removed = old
        .values()
        .filter(|e| !kept.contains(&*e.name))
        .map(|e| (e.kind.to_string(), e.name.to_string()))
        .collect();
    Ok(plan)
}
