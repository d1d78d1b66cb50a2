//! Turning raw data-file entries into served entities (and persisted rows back into entities).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::extension::{Extension, UnknownKeys};
use crate::entity::{Entity, FieldValue, entity_uid};
use crate::provider::SourceError;
use crate::schema::PluginSpec;
use crate::store::EntityRow;

/// Most problems listed in one source error.
const MAX_REPORTED: usize = 5;

/// A validated data-file entry: its name and its fields.
pub type Entry = (String, Map<String, Value>);

/// Keys every entry may carry besides the declared fields (server-managed, taken as given).
const SERVER_KEYS: &[&str] = &[
    "id",
    "sourceId",
    "createTimeSinceEpoch",
    "lastUpdateTimeSinceEpoch",
];

/// Extracts and validates the entry list of a parsed data file; all problems are reported
/// together and any problem rejects the file (its previous data stays served).
pub fn validate_entries(
    spec: &PluginSpec,
    ext: &Extension,
    doc: Value,
) -> Result<Vec<Entry>, SourceError> {
    let key = spec.kind.document_key;
    let Value::Object(mut root) = doc else {
        return Err(SourceError(format!(
            "top level must be a mapping with key `{key}`"
        )));
    };
    if let Some(allowed) = ext.document_keys
        && let Some(unknown) = root
            .keys()
            .find(|k| k.as_str() != key && !allowed.contains(&k.as_str()))
    {
        return Err(SourceError(format!("unknown top-level key `{unknown}`")));
    }
    let list = match root.remove(key) {
        Some(Value::Array(list)) => list,
        Some(Value::Null) | None => {
            return Err(SourceError(format!("missing top-level key `{key}`")));
        }
        Some(_) => return Err(SourceError(format!("`{key}` must be a list"))),
    };
    let mut problems = Vec::new();
    let mut entries: Vec<Entry> = Vec::with_capacity(list.len());
    let mut seen = std::collections::HashMap::new();
    for (i, item) in list.into_iter().enumerate() {
        let Value::Object(mut entry) = item else {
            problems.push(format!("entry {i}: must be a mapping"));
            continue;
        };
        let name = match entry.get("name") {
            Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
            _ => {
                problems.push(format!(
                    "entry {i}: field 'name' is required and must be a non-empty string"
                ));
                continue;
            }
        };
        for field in spec.kind.fields.iter().filter(|f| !f.path.contains('.')) {
            match entry.get(field.path) {
                None | Some(Value::Null) if field.required => {
                    problems.push(format!(
                        "entry {i} ({name}): field '{}' is required",
                        field.path
                    ));
                }
                Some(v) if !field.field_type.accepts(v) => problems.push(format!(
                    "entry {i} ({name}): field '{}' must be of type {}",
                    field.path,
                    field.field_type.as_str()
                )),
                _ => {}
            }
        }
        let before = problems.len();
        check_keys(spec, ext, &mut entry, i, &name, &mut problems);
        if let Some(prepare) = ext.prepare {
            let mut found = Vec::new();
            prepare(&mut entry, &mut found);
            problems.extend(
                found.into_iter().map(|(field, message)| {
                    format!("entry {i} ({name}): field '{field}' {message}")
                }),
            );
        }
        if problems.len() > before {
            continue;
        }
        if let Some(first) = seen.insert(name.clone(), i) {
            problems.push(format!(
                "entry {i} ({name}): duplicate name (first at entry {first})"
            ));
            continue;
        }
        entries.push((name, entry));
    }
    if problems.is_empty() {
        return Ok(entries);
    }
    let more = problems.len().saturating_sub(MAX_REPORTED);
    let mut message = problems
        .into_iter()
        .take(MAX_REPORTED)
        .collect::<Vec<_>>()
        .join("; ");
    if more > 0 {
        message.push_str(&format!("; and {more} more"));
    }
    Err(SourceError(message))
}

/// Applies the plugin's treatment of undeclared entry keys (ignored ones are dropped).
fn check_keys(
    spec: &PluginSpec,
    ext: &Extension,
    entry: &mut Map<String, Value>,
    i: usize,
    name: &str,
    problems: &mut Vec<String>,
) {
    if ext.unknown_keys == UnknownKeys::Ignore {
        return;
    }
    let declared = |k: &str| {
        spec.kind
            .fields
            .iter()
            .any(|f| f.path.split('.').next() == Some(k))
            || ext.hidden.contains(&k)
            || SERVER_KEYS.contains(&k)
            || k == ext.source_id_key
    };
    let unknown: Vec<String> = entry.keys().filter(|k| !declared(k)).cloned().collect();
    for key in unknown {
        let message = format!("entry {i} ({name}): unknown field '{key}'");
        if ext.unknown_keys == UnknownKeys::Reject {
            problems.push(message);
        } else {
            tracing::warn!(plugin = spec.name, "{message} (ignored)");
            entry.remove(&key);
        }
    }
}

/// Hash of an entry's source content.
pub fn content_hash(entry: &Map<String, Value>) -> String {
    let bytes = serde_json::to_vec(entry).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds the served entity for an entry of `source_id`.
pub fn build_entity(
    spec: &PluginSpec,
    ext: &Extension,
    source_id: &str,
    name: String,
    entry: Map<String, Value>,
    content_hash: String,
    (created_at, updated_at): (i64, i64),
) -> Entity {
    let kind = spec.kind.kind;
    let uid = entity_uid(spec.name, kind, source_id, &name);
    let mut doc = Map::with_capacity(entry.len() + 4);
    let mut hidden = Map::new();
    if spec.native.id {
        doc.insert("id".into(), Value::String(uid.clone()));
    }
    for (k, v) in entry {
        if k == ext.source_id_key || k == "sourceId" || k == "id" || v.is_null() {
            continue;
        }
        if ext.hidden.contains(&k.as_str()) {
            hidden.insert(k, v);
        } else {
            doc.insert(k, v);
        }
    }
    doc.insert(ext.source_id_key.into(), Value::String(source_id.into()));
    if spec.native.timestamps {
        // Timestamps given in the data file are kept as given (PM-17).
        for (key, ms) in [
            ("createTimeSinceEpoch", created_at),
            ("lastUpdateTimeSinceEpoch", updated_at),
        ] {
            doc.entry(key)
                .or_insert_with(|| Value::String(ms.to_string()));
        }
    }
    let stamp = |key: &str, default: i64| {
        match doc.get(key) {
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(Value::Number(n)) => n.as_i64(),
            _ => None,
        }
        .unwrap_or(default)
    };
    let (created_at, updated_at) = (
        stamp("createTimeSinceEpoch", created_at),
        stamp("lastUpdateTimeSinceEpoch", updated_at),
    );
    let doc = Value::Object(doc);
    let json = serde_json::value::to_raw_value(&doc).expect("JSON values always serialize");
    let hidden = (!hidden.is_empty())
        .then(|| serde_json::value::to_raw_value(&hidden).expect("JSON values always serialize"));
    finish(
        spec,
        uid,
        name,
        source_id,
        &doc,
        (json, hidden),
        content_hash,
        created_at,
        updated_at,
    )
}

/// An entity for an already-shaped native document, e.g. a sub-resource (a model's artifacts)
/// listed, filtered and paged with the generic list machinery under its own `spec`.
pub fn document_entity(
    spec: &PluginSpec,
    uid: String,
    name: String,
    source_id: &str,
    doc: &Value,
    (created_at, updated_at): (i64, i64),
) -> Entity {
    let json = serde_json::value::to_raw_value(doc).expect("JSON values always serialize");
    finish(
        spec,
        uid,
        name,
        source_id,
        doc,
        (json, None),
        String::new(),
        created_at,
        updated_at,
    )
}

/// Rebuilds an entity from its persisted row; `None` when the stored body is unreadable.
pub fn entity_from_row(spec: &PluginSpec, ext: &Extension, row: EntityRow) -> Option<Entity> {
    let Value::Object(mut doc) = serde_json::from_str(&row.body).ok()? else {
        return None;
    };
    let hidden: Map<String, Value> = ext
        .hidden
        .iter()
        .filter_map(|k| doc.remove(*k).map(|v| (k.to_string(), v)))
        .collect();
    let hidden = (!hidden.is_empty())
        .then(|| serde_json::value::to_raw_value(&hidden).expect("JSON values always serialize"));
    let doc = Value::Object(doc);
    let json = serde_json::value::to_raw_value(&doc).ok()?;
    Some(finish(
        spec,
        row.uid,
        row.name,
        &row.source_id,
        &doc,
        (json, hidden),
        row.content_hash,
        row.created_at,
        row.updated_at,
    ))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    spec: &PluginSpec,
    uid: String,
    name: String,
    source_id: &str,
    doc: &Value,
    (json, hidden): (
        Box<serde_json::value::RawValue>,
        Option<Box<serde_json::value::RawValue>>,
    ),
    content_hash: String,
    created_at: i64,
    updated_at: i64,
) -> Entity {
    let fields: Box<[FieldValue]> = spec
        .kind
        .fields
        .iter()
        .map(|f| FieldValue::extract(doc, f.path))
        .collect();
    Entity {
        uid: uid.into(),
        kind: spec.kind.kind.into(),
        sort_name: name.to_lowercase().into(),
        name: name.into(),
        source_id: source_id.into(),
        json,
        hidden,
        fields,
        content_hash: content_hash.into(),
        created_at,
        updated_at,
    }
}

/// Appends an entity's lowercased searchable text: its name and its searchable fields (UA-61).
pub fn search_text(spec: &PluginSpec, e: &Entity, out: &mut String) {
    out.push_str(&e.sort_name);
    out.push(crate::entity::SEARCH_SEPARATOR);
    for (field, value) in spec.kind.fields.iter().zip(e.fields.iter()) {
        if field.searchable && field.name != "name" {
            value.push_search_text(out);
        }
    }
}
