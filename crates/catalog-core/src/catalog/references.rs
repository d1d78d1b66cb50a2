//! Cross-asset references of a declarative plugin: its entry in the server's reference
//! [`Directory`](crate::references::Directory) and `GET /{plural}/{name}/references`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::Shared;
use super::runtime::Runtime;
use crate::entity::FieldValue;
use crate::error::ApiError;
use crate::index::Snapshot;
use crate::query::query_pairs;
use crate::references::{Found, ReferenceTarget, extract_links, references_of, resolve_links};
use crate::schema::PluginSpec;

/// A declarative plugin seen as a reference target.
pub(crate) struct Target(pub(crate) Arc<Shared>);

impl ReferenceTarget for Target {
    fn find(&self, name: &str) -> Option<Found> {
        let rt = self.0.runtime.load_full()?;
        let snapshot = rt.snapshot.load();
        let in_config_order = rt
            .source_configs()
            .into_iter()
            .find_map(|s| snapshot.get(name, Some(&s.id)).cloned());
        let e = in_config_order.or_else(|| snapshot.get(name, None).cloned())?;
        Some(Found {
            uid: e.uid.to_string(),
            source_id: e.source_id.to_string(),
        })
    }

    fn holders(&self, field: &str, name: &str) -> Vec<(String, String)> {
        let (Some(rt), Some(i)) = (self.0.runtime.load_full(), self.0.spec.field_index(field))
        else {
            return Vec::new();
        };
        let snapshot = rt.snapshot.load();
        snapshot
            .entities()
            .iter()
            .filter(|e| match &e.fields[i] {
                FieldValue::List(items) => items.iter().any(|v| &**v == name),
                FieldValue::Str(v) => &**v == name,
                _ => false,
            })
            .map(|e| (e.name.to_string(), e.source_id.to_string()))
            .collect()
    }
}

/// Unresolved references of the entities of `source_id`; `None` for plugins without
/// reference fields.
pub(crate) fn unresolved_count(
    spec: &PluginSpec,
    rt: &Runtime,
    snapshot: &Snapshot,
    source_id: &str,
) -> Option<u64> {
    let specs = references_of(spec.name);
    if specs.is_empty() {
        return None;
    }
    let mut count = 0;
    for e in snapshot
        .entities()
        .iter()
        .filter(|e| &*e.source_id == source_id)
    {
        let doc: Value = serde_json::from_str(e.json.get()).unwrap_or(Value::Null);
        let links = extract_links(&doc, specs);
        count += resolve_links(&rt.config.directory, links)
            .iter()
            .filter(|r| !r.resolved)
            .count() as u64;
    }
    Some(count)
}

/// `GET /{plural}/{name}/references[?sourceId=]`: outgoing links with their resolution, the
/// unresolved count, and the entities referencing this one (PA-59).
pub(crate) async fn references(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let rt = shared.runtime()?;
    let pairs = query_pairs(raw.as_deref())?;
    let source = pairs
        .iter()
        .find(|(k, _)| k == "sourceId" || k == "source")
        .map(|(_, v)| v.as_str());
    let entity = rt
        .snapshot
        .load()
        .get(&name, source)
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found(format!("{} \"{name}\" not found", shared.spec.kind.noun))
        })?;
    let doc: Value = serde_json::from_str(entity.json.get()).unwrap_or(Value::Null);
    let links = extract_links(&doc, references_of(shared.spec.name));
    let items = resolve_links(&rt.config.directory, links);
    let unresolved = items.iter().filter(|r| !r.resolved).count();
    let incoming = rt.config.directory.incoming(shared.spec.name, &name);
    Ok(Json(json!({
        "items": items,
        "size": items.len(),
        "unresolvedCount": unresolved,
        "incoming": incoming,
    })))
}
