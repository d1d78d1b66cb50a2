//! Syncing sources: read → validate → diff against the served snapshot (blocking work, run for
//! several sources in parallel) → persist each diff in one transaction → publish one new
//! snapshot. A failure at any step keeps that source's last good data and records the error on
//! it (FW-4, PA-7).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use catalog_config::SourceConfig;

use super::entry::{build_entity, content_hash, search_text, validate_entries};
use super::extension::{Extension, LoadContext};
use super::runtime::Runtime;
use crate::entity::Entity;
use crate::index::Snapshot;
use crate::plugin::{DiagnosticError, RefreshResult};
use crate::provider::{NameFilter, SourceError, parse_document, read_data_file};
use crate::schema::PluginSpec;
use crate::store::{self, NewRow, SourceStatusRow, now_ms};
use crate::time::rfc3339_ms;

/// The outcome of planning one source.
enum Planned {
    /// Content and config are what was last loaded successfully: nothing to do.
    Unchanged,
    /// What the sync will change.
    Changed(SyncPlan),
}

/// What one sync will change.
struct SyncPlan {
    /// Items the loader could not fetch; the rest is stored and the source reports these.
    failures: Vec<String>,
    /// Every entity the source now yields (unchanged ones reused).
    entities: Vec<Arc<Entity>>,
    /// Indices into `entities` of new or changed ones, to upsert.
    changed: Vec<usize>,
    /// (kind, name) of rows to delete.
    removed: Vec<(String, String)>,
}

/// Syncs one enabled source and publishes the result.
pub(crate) async fn sync_source(
    spec: &'static PluginSpec,
    rt: &Runtime,
    source: &SourceConfig,
) -> RefreshResult {
    sync_sources(spec, rt, vec![source.clone()], false)
        .await
        .pop()
        .expect("one result per source")
}

/// Syncs `sources`: plans them in parallel (bounded by the available cores), persists each diff
/// in turn, then publishes a single snapshot. With `reuse_unchanged` (startup), a source whose
/// fingerprint matches its last successful load keeps its persisted entities without being
/// parsed again. Results come back in input order; errors are in the results and the source
/// statuses, never returned.
pub(crate) async fn sync_sources(
    spec: &'static PluginSpec,
    rt: &Runtime,
    sources: Vec<SourceConfig>,
    reuse_unchanged: bool,
) -> Vec<RefreshResult> {
    let known: HashMap<String, String> = if reuse_unchanged {
        rt.source_states()
            .into_iter()
            .filter(|s| s.status.state == "available")
            .filter_map(|s| s.status.fingerprint.map(|f| (s.config.id, f)))
            .collect()
    } else {
        HashMap::new()
    };
    let current = rt.snapshot.load_full();
    let fallback = rt.config.fallback_dir.clone();
    let ext = rt.ext;
    let hf_base_url = rt.config.hf_base_url.clone();
    let permits = Arc::new(tokio::sync::Semaphore::new(
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    ));
    let planned: Vec<_> = sources
        .into_iter()
        .map(|src| {
            let (current, fallback, permits) = (current.clone(), fallback.clone(), permits.clone());
            let hf_base_url = hf_base_url.clone();
            let source = src.clone();
            let known = known.get(&src.id).cloned();
            let task = tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let started = Instant::now();
                let plan = tokio::task::spawn_blocking(move || {
                    let ctx = LoadContext {
                        source: &source,
                        hf_base_url: hf_base_url.as_deref(),
                        fallback_dir: &fallback,
                    };
                    plan(spec, ext, &current, &ctx, known.as_deref())
                })
                .await
                .unwrap_or_else(|e| Err(SourceError(format!("loader crashed: {e}"))));
                (plan, started)
            });
            (src, task)
        })
        .collect();
    let mut replaced: HashMap<String, Vec<Arc<Entity>>> = HashMap::new();
    let mut results = Vec::with_capacity(planned.len());
    for (source, task) in planned {
        let (plan, started) = task.await.unwrap_or_else(|e| {
            (
                Err(SourceError(format!("loader crashed: {e}"))),
                Instant::now(),
            )
        });
        let outcome = match plan {
            Ok((Planned::Unchanged, fingerprint)) => {
                Ok((current.source_count(&source.id), 0, fingerprint, None))
            }
            Ok((Planned::Changed(plan), fingerprint)) => {
                persist(spec, rt, &source.id, &plan).await.map(|()| {
                    let failed = (!plan.failures.is_empty())
                        .then(|| format!("failed to load: {}", plan.failures.join("; ")));
                    let counts = (
                        plan.entities.len() as u64,
                        plan.removed.len() as u64,
                        fingerprint,
                        failed,
                    );
                    replaced.insert(source.id.clone(), plan.entities);
                    counts
                })
            }
            Err(e) => Err(e),
        };
        results.push((source, outcome, started.elapsed()));
    }
    publish(spec, rt, replaced);
    let snapshot = rt.snapshot.load();
    let mut out = Vec::with_capacity(results.len());
    for (source, outcome, elapsed) in results {
        out.push(
            record(
                spec,
                rt,
                &source,
                outcome,
                elapsed,
                snapshot.source_count(&source.id),
            )
            .await,
        );
    }
    out
}

/// Records the outcome of one sync in the result, the recent errors and the persisted status.
async fn record(
    spec: &'static PluginSpec,
    rt: &Runtime,
    source: &SourceConfig,
    outcome: Result<(u64, u64, String, Option<String>), SourceError>,
    elapsed: Duration,
    count: u64,
) -> RefreshResult {
    let duration = elapsed.as_nanos() as u64;
    let mut result = RefreshResult {
        source_id: Some(source.id.clone()),
        entities_loaded: 0,
        entities_removed: 0,
        duration,
        error: None,
    };
    let outcome = match outcome {
        // Partly loaded: what loaded is served, the source reports what failed (PM-64).
        Ok((loaded, removed, _, Some(failed))) => {
            (result.entities_loaded, result.entities_removed) = (loaded, removed);
            Err(SourceError(failed))
        }
        other => other,
    };
    let (state, error, fingerprint) = match outcome {
        Ok((loaded, removed, fingerprint, _)) => {
            (result.entities_loaded, result.entities_removed) = (loaded, removed);
            ("available", None, Some(fingerprint))
        }
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
            result.error = Some(message.clone());
            ("error", Some(message), None)
        }
    };
    let row = SourceStatusRow {
        source_id: source.id.clone(),
        state: state.into(),
        error,
        entity_count: count as i64,
        last_refresh_at: Some(now_ms()),
        last_refresh_duration_ns: Some(duration as i64),
        fingerprint,
    };
    if let Err(e) =
        store::save_source_status(&rt.config.database, &rt.config.namespace, spec.name, &row).await
    {
        tracing::error!(plugin = spec.name, source = source.id, error = %e, "could not persist source status");
    }
    rt.set_status(row);
    result
}

async fn persist(
    spec: &'static PluginSpec,
    rt: &Runtime,
    source_id: &str,
    plan: &SyncPlan,
) -> Result<(), SourceError> {
    if plan.changed.is_empty() && plan.removed.is_empty() {
        return Ok(());
    }
    let bodies: Vec<_> = plan
        .changed
        .iter()
        .map(|i| plan.entities[*i].stored_body())
        .collect();
    let rows: Vec<NewRow<'_>> = plan
        .changed
        .iter()
        .zip(&bodies)
        .map(|(i, body)| {
            let e = &plan.entities[*i];
            NewRow {
                kind: &e.kind,
                name: &e.name,
                uid: &e.uid,
                body,
                content_hash: &e.content_hash,
                created_at: e.created_at,
                updated_at: e.updated_at,
            }
        })
        .collect();
    store::apply_source_diff(&rt.config.database, &rt.config.namespace, spec.name, source_id, &rows, &plan.removed)
        .await
        .map_err(|e| {
            tracing::error!(plugin = spec.name, source = source_id, error = %e, "persisting sync failed");
            SourceError("database error while saving entities".into())
        })
}

/// Swaps in a snapshot where each source in `replaced` serves its new entities.
fn publish(spec: &'static PluginSpec, rt: &Runtime, replaced: HashMap<String, Vec<Arc<Entity>>>) {
    if replaced.is_empty() {
        return;
    }
    let current = rt.snapshot.load();
    let mut merged: Vec<Arc<Entity>> = current
        .entities()
        .iter()
        .filter(|e| !replaced.contains_key(&*e.source_id))
        .cloned()
        .collect();
    merged.extend(replaced.into_values().flatten());
    rt.snapshot.store(Arc::new(Snapshot::new(merged, |e, out| {
        search_text(spec, e, out)
    })));
}

/// Identifies what a load reads: the plugin's kind declaration, the source config, the resolved
/// path and the file's bytes. Equal fingerprints load equal entities.
fn fingerprint(spec: &PluginSpec, source: &SourceConfig, path: &Path, text: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    h.update(format!("{:?}{:?}", spec.kind, spec.native));
    h.update(serde_json::to_vec(source).unwrap_or_default());
    h.update(path.to_string_lossy().as_bytes());
    h.update(text.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The data file of a `yaml` source: the first of the plugin's path properties, resolved
/// against the file that defined the source (or `fallback`).
pub(crate) fn data_file(
    ext: &Extension,
    source: &SourceConfig,
    fallback: &Path,
) -> Result<std::path::PathBuf, SourceError> {
    let value = ext
        .path_properties
        .iter()
        .find_map(|key| source.properties.as_ref()?.get(*key)?.as_str())
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| {
            SourceError(format!(
                "property {} is required for type yaml",
                ext.path_properties.join(" or ")
            ))
        })?;
    Ok(catalog_config::resolve_path(source, value, fallback))
}

/// The source's exclusion patterns, plus the plugin's legacy exclusion property (PM-5).
fn exclusions(ext: &Extension, source: &SourceConfig) -> Result<Vec<String>, SourceError> {
    let mut out = source.excluded_items.clone().unwrap_or_default();
    let Some(key) = ext.exclusions_property else {
        return Ok(out);
    };
    match source.properties.as_ref().and_then(|p| p.get(key)) {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let pattern = item.as_str().ok_or_else(|| {
                    SourceError(format!("properties.{key}[{i}] must be a string"))
                })?;
                out.push(pattern.to_string());
            }
        }
        Some(_) => {
            return Err(SourceError(format!(
                "properties.{key} must be a list of strings"
            )));
        }
    }
    Ok(out)
}

/// Reads and validates the source, and diffs it against what `current` serves (blocking work).
/// When the fingerprint equals `known`, the source is not parsed at all.
fn plan(
    spec: &'static PluginSpec,
    ext: &'static Extension,
    current: &Snapshot,
    ctx: &LoadContext<'_>,
    known: Option<&str>,
) -> Result<(Planned, String), SourceError> {
    let source = ctx.source;
    if !spec.source_types.contains(&source.source_type.as_str()) {
        return Err(SourceError(format!(
            "unsupported source type \"{}\" (this plugin accepts: {})",
            source.source_type,
            spec.source_types.join(", ")
        )));
    }
    let filter = NameFilter::new(
        source.included_items.as_deref().unwrap_or_default(),
        &exclusions(ext, source)?,
    )?;
    let (entries, failures, fingerprint) = match ext.loader(&source.source_type) {
        // Loaders interpret include/exclude patterns themselves (e.g. to expand them).
        Some(load) => {
            let loaded = load(ctx)?;
            let key = spec.kind.document_key;
            let doc = serde_json::json!({
                key: loaded.entries.into_iter().map(|(_, e)| serde_json::Value::Object(e)).collect::<Vec<_>>()
            });
            let text = doc.to_string();
            let fingerprint = fingerprint(spec, source, Path::new(""), &text);
            let entries = validate_entries(spec, ext, doc)?;
            (entries, loaded.failures, fingerprint)
        }
        None => {
            let path = data_file(ext, source, ctx.fallback_dir)?;
            let text = read_data_file(&path)?;
            let fingerprint = fingerprint(spec, source, &path, &text);
            if known == Some(fingerprint.as_str()) {
                return Ok((Planned::Unchanged, fingerprint));
            }
            let doc = parse_document(&text, &path)?;
            drop(text);
            let entries = validate_entries(spec, ext, doc)
                .map_err(|e| SourceError(format!("{}: {}", path.display(), e.0)))?;
            let entries = entries
                .into_iter()
                .filter(|(name, _)| filter.admits(name))
                .collect();
            (entries, Vec::new(), fingerprint)
        }
    };

    let old: HashMap<&str, &Arc<Entity>> = current
        .entities()
        .iter()
        .filter(|e| *e.source_id == *source.id)
        .map(|e| (&*e.name, e))
        .collect();
    let now = now_ms();
    let mut plan = SyncPlan {
        failures,
        entities: Vec::with_capacity(entries.len()),
        changed: Vec::new(),
        removed: Vec::new(),
    };
    let mut kept: HashSet<String> = HashSet::with_capacity(entries.len());
    for (name, entry) in entries {
        let hash = content_hash(&entry);
        kept.insert(name.clone());
        match old.get(name.as_str()) {
            Some(existing) if *existing.content_hash == *hash => {
                plan.entities.push((*existing).clone())
            }
            existing => {
                let created = existing.map_or(now, |e| e.created_at);
                plan.changed.push(plan.entities.len());
                plan.entities.push(Arc::new(build_entity(
                    spec,
                    ext,
                    &source.id,
                    name,
                    entry,
                    hash,
                    (created, now),
                )));
            }
        }
    }
    plan.removed = old
        .values()
        .filter(|e| !kept.contains(&*e.name))
        .map(|e| (e.kind.to_string(), e.name.to_string()))
        .collect();
    Ok((Planned::Changed(plan), fingerprint))
}
