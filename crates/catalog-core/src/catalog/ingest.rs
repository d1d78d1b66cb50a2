//! Syncing sources: read → validate → diff against the served snapshot (blocking work, run for
//! several sources in parallel) → persist each diff in one transaction → publish one new
//! snapshot. A failure at any step keeps that source's last good data and records the error on
//! it (FW-4, PA-7).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use catalog_config::SourceConfig;

use super::entry::{build_entity, content_hash, search_text, validate_entries};
use super::runtime::Runtime;
use crate::entity::Entity;
use crate::index::Snapshot;
use crate::plugin::{DiagnosticError, RefreshResult};
use crate::provider::{
    DataFile, FetchRequest, Fetched, NameFilter, SourceError, describe, parse_document,
    provider_for, validate_source,
};
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

/// Why a sync runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncMode {
    /// Initial load: a source whose content matches its last load keeps its stored entities.
    Startup,
    /// Explicit refresh: re-read and re-apply even when the remote reports no change.
    Manual,
    /// Background re-sync: nothing is done when the remote reports no change.
    Periodic,
}

/// A successful sync, for the source status.
struct Applied {
    /// Entities the source now serves.
    loaded: u64,
    /// Entities removed.
    removed: u64,
    /// Fingerprint of what was loaded.
    fingerprint: String,
    /// Summary of skipped entries and other warnings.
    note: Option<String>,
    /// Whether the content was (re)loaded now, so its warnings are new.
    fresh: bool,
}

/// What one sync will change.
struct SyncPlan {
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
    sync_sources(spec, rt, vec![source.clone()], SyncMode::Manual)
        .await
        .pop()
        .expect("one result per source")
}

/// Syncs `sources`: fetches them through their providers and plans them in parallel (bounded by
/// the available cores), persists each diff in turn, then publishes a single snapshot. Except
/// in [`SyncMode::Manual`], a source whose fingerprint matches its last successful load keeps
/// its persisted entities without being parsed again. Results come back in input order; errors
/// are in the results and the source statuses, never returned.
pub(crate) async fn sync_sources(
    spec: &'static PluginSpec,
    rt: &Runtime,
    sources: Vec<SourceConfig>,
    mode: SyncMode,
) -> Vec<RefreshResult> {
    let known: HashMap<String, String> = if mode != SyncMode::Manual {
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
    let data_dir = rt.config.data_dir.clone();
    let permits = Arc::new(tokio::sync::Semaphore::new(
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    ));
    let planned: Vec<_> = sources
        .into_iter()
        .map(|src| {
            let (current, fallback, permits) = (current.clone(), fallback.clone(), permits.clone());
            let data_dir = data_dir.clone();
            let source = src.clone();
            let known = known.get(&src.id).cloned();
            let memo = rt.memo(&src.id);
            let task = tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let started = Instant::now();
                let request = FetchRequest {
                    source: &source,
                    fallback_dir: &fallback,
                    data_dir: &data_dir,
                    memo: &memo,
                    manual: mode == SyncMode::Manual,
                };
                let plan = match fetch(spec, request).await {
                    Err(e) => Err(e),
                    Ok(fetched) if fetched.unchanged => Ok((
                        Planned::Unchanged,
                        known.unwrap_or_default(),
                        Vec::new(),
                        fetched.memo,
                    )),
                    Ok(fetched) => {
                        let memo = fetched.memo.clone();
                        tokio::task::spawn_blocking(move || {
                            plan(spec, &current, &source, fetched, known.as_deref())
                        })
                        .await
                        .unwrap_or_else(|e| Err(SourceError(format!("loader crashed: {e}"))))
                        .map(|(p, f, w)| (p, f, w, memo))
                    }
                };
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
            Ok((Planned::Unchanged, fingerprint, _, memo)) => {
                rt.set_memo(&source.id, memo);
                // Same content: the warnings of the load that produced it still hold.
                let note = rt
                    .source_states()
                    .into_iter()
                    .find(|s| s.config.id == source.id && s.status.state == "available")
                    .and_then(|s| s.status.error);
                Ok(Applied {
                    loaded: current.source_count(&source.id),
                    removed: 0,
                    fingerprint,
                    note,
                    fresh: false,
                })
            }
            Ok((Planned::Changed(plan), fingerprint, warnings, memo)) => {
                persist(spec, rt, &source.id, &plan).await.map(|()| {
                    rt.set_memo(&source.id, memo);
                    let applied = Applied {
                        loaded: plan.entities.len() as u64,
                        removed: plan.removed.len() as u64,
                        fingerprint,
                        note: summarise_warnings(&warnings),
                        fresh: true,
                    };
                    replaced.insert(source.id.clone(), plan.entities);
                    applied
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
    outcome: Result<Applied, SourceError>,
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
    let (state, error, fingerprint) = match outcome {
        Ok(Applied {
            loaded,
            removed,
            fingerprint,
            note,
            fresh,
        }) => {
            (result.entities_loaded, result.entities_removed) = (loaded, removed);
            if let Some(note) = note.as_ref().filter(|_| fresh) {
                tracing::warn!(
                    plugin = spec.name,
                    source = source.id,
                    warnings = note,
                    "source loaded with skipped entries"
                );
                rt.push_error(DiagnosticError {
                    source: Some(source.id.clone()),
                    message: note.clone(),
                    time: rfc3339_ms(now_ms()),
                });
            }
            ("available", note, Some(fingerprint))
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
    let rows: Vec<NewRow<'_>> = plan
        .changed
        .iter()
        .map(|i| {
            let e = &plan.entities[*i];
            NewRow {
                kind: &e.kind,
                name: &e.name,
                uid: &e.uid,
                body: e.json.get(),
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

/// Most warnings spelled out in a source's status.
const MAX_REPORTED: usize = 5;

/// One line for a source's status: how many entries were skipped and the first reasons.
fn summarise_warnings(warnings: &[String]) -> Option<String> {
    if warnings.is_empty() {
        return None;
    }
    let mut text = format!("{} warning(s): ", warnings.len());
    text.push_str(&warnings[..warnings.len().min(MAX_REPORTED)].join("; "));
    if warnings.len() > MAX_REPORTED {
        text.push_str(&format!("; and {} more", warnings.len() - MAX_REPORTED));
    }
    Some(text)
}

/// Validates the source and fetches its data files through the provider of its type.
async fn fetch(spec: &PluginSpec, request: FetchRequest<'_>) -> Result<Fetched, SourceError> {
    let problems = validate_source(request.source, spec.source_types);
    if !problems.is_empty() {
        return Err(SourceError(describe(&problems)));
    }
    let provider = provider_for(&request.source.source_type)
        .ok_or_else(|| SourceError("no provider for this source type".into()))?;
    provider.fetch(request).await
}

/// Identifies what a load reads: the plugin's kind declaration, the source config and every
/// file's origin and bytes. Equal fingerprints load equal entities.
fn fingerprint(spec: &PluginSpec, source: &SourceConfig, files: &[DataFile]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    h.update(format!("{:?}{:?}", spec.kind, spec.native));
    h.update(serde_json::to_vec(source).unwrap_or_default());
    for file in files {
        h.update(file.origin.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(file.text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses and validates the fetched files and diffs them against what `current` serves
/// (blocking work). When the fingerprint equals `known`, nothing is parsed. A file that does
/// not parse fails the whole sync, so the source keeps its last good data (nothing is
/// half-applied); invalid entries are skipped with warnings.
fn plan(
    spec: &'static PluginSpec,
    current: &Snapshot,
    source: &SourceConfig,
    fetched: Fetched,
    known: Option<&str>,
) -> Result<(Planned, String, Vec<String>), SourceError> {
    let filter = NameFilter::new(
        source.included_items.as_deref().unwrap_or_default(),
        source.excluded_items.as_deref().unwrap_or_default(),
    )?;
    let fingerprint = fingerprint(spec, source, &fetched.files);
    if known == Some(fingerprint.as_str()) {
        return Ok((Planned::Unchanged, fingerprint, Vec::new()));
    }
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for file in fetched.files {
        let shown = file.origin.display().to_string();
        let doc = parse_document(&file.text, &file.origin)?;
        drop(file.text);
        let parsed = validate_entries(spec, doc, &shown, fetched.warn_missing_key)?;
        warnings.extend(parsed.warnings);
        for (name, entry) in parsed.entries {
            if let Some(first) = seen.get(&name) {
                warnings.push(format!(
                    "{shown}: entry {name}: duplicate of the entry in {first}; skipped"
                ));
                continue;
            }
            seen.insert(name.clone(), shown.clone());
            entries.push((name, entry));
        }
    }

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
    let mut kept: HashSet<String> = HashSet::with_capacity(entries.len());
    for (name, entry) in entries.into_iter().filter(|(name, _)| filter.admits(name)) {
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
                    spec, &source.id, name, entry, hash, created, now,
                )));
            }
        }
    }
    plan.removed = old
        .values()
        .filter(|e| !kept.contains(&*e.name))
        .map(|e| (e.kind.to_string(), e.name.to_string()))
        .collect();
    Ok((Planned::Changed(plan), fingerprint, warnings))
}
