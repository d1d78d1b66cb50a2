//! Turning raw data-file entries into served entities (and persisted rows back into entities).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::entity::{Entity, FieldValue, entity_uid};
use crate::provider::SourceError;
use crate::schema::PluginSpec;
use crate::store::EntityRow;

/// A validated data-file entry: its name and its fields.
pub type Entry = (String, Map<String, Value>);

/// The entries of one data file and the problems of the entries that were skipped.
#[derive(Debug, Default)]
pub struct FileEntries {
    /// Valid entries, in document order, first occurrence of each name only.
    pub entries: Vec<Entry>,
    /// One line per skipped entry or ignored oddity: `file: entry i (name): problem`.
    pub warnings: Vec<String>,
}

/// Extracts the entry list of a parsed data file (PA-24, PA-27, PA-29). A file whose top level
/// is not a mapping, or whose key is not a list, is an error (its previous data stays served);
/// a file without the key yields no entries (a warning when `warn_missing_key`). Each invalid
/// entry is skipped with a warning naming index, name and field; the rest load.
pub fn validate_entries(
    spec: &PluginSpec,
    doc: Value,
    file: &str,
    warn_missing_key: bool,
) -> Result<FileEntries, SourceError> {
    let key = spec.kind.document_key;
    let mut out = FileEntries::default();
    let mut root = match doc {
        Value::Object(root) => root,
        Value::Null => Map::new(),
        _ => {
            return Err(SourceError(format!(
                "{file}: top level must be a mapping with key `{key}`"
            )));
        }
    };
    let list = match root.remove(key) {
        Some(Value::Array(list)) => list,
        Some(Value::Null) => Vec::new(),
        None => {
            if warn_missing_key {
                out.warnings
                    .push(format!("{file}: no top-level key `{key}`; nothing loaded"));
            }
            return Ok(out);
        }
        Some(_) => return Err(SourceError(format!("{file}: `{key}` must be a list"))),
    };
    let mut seen = std::collections::HashMap::new();
    for (i, item) in list.into_iter().enumerate() {
        let mut skip = |problem: String| out.warnings.push(format!("{file}: entry {i}{problem}"));
        let Value::Object(entry) = item else {
            skip(": must be a mapping; skipped".into());
            continue;
        };
        let name = match entry.get("name") {
            Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                skip(": field 'name' is required and must be a non-empty string; skipped".into());
                continue;
            }
        };
        if name.chars().any(char::is_control) {
            skip(format!(
                " ({}): field 'name' must not contain control characters; skipped",
                name.escape_debug()
            ));
            continue;
        }
        let problem = spec
            .kind
            .fields
            .iter()
            .filter(|f| !f.path.contains(['.', '[']))
            .find_map(|field| match entry.get(field.path) {
                None | Some(Value::Null) if field.required => {
                    Some(format!("field '{}' is required", field.path))
                }
                Some(v) if !field.field_type.accepts(v) && !accepts_scalar_text(field, v) => {
                    Some(format!(
                        "field '{}' must be of type {}",
                        field.path,
                        field.field_type.as_str()
                    ))
                }
                _ => None,
            });
        if let Some(problem) = problem {
            skip(format!(" ({name}): {problem}; skipped"));
            continue;
        }
        if let Some(first) = seen.insert(name.clone(), i) {
            seen.insert(name.clone(), first);
            skip(format!(
                " ({name}): duplicate name (first at entry {first}); skipped"
            ));
            continue;
        }
        out.entries.push((name, normalise_scalars(spec, entry)));
    }
    Ok(out)
}

/// String fields accept any scalar and keep its literal text (PA-26: `version: 1.10`).
fn accepts_scalar_text(field: &crate::schema::FieldSpec, v: &Value) -> bool {
    field.field_type == crate::schema::FieldType::String && (v.is_number() || v.is_boolean())
}

/// Turns scalar values of top-level string fields into their text.
fn normalise_scalars(spec: &PluginSpec, mut entry: Map<String, Value>) -> Map<String, Value> {
    for field in spec.kind.fields.iter().filter(|f| {
        f.field_type == crate::schema::FieldType::String && !f.path.contains(['.', '['])
    }) {
        if let Some(v) = entry.get_mut(field.path)
            && (v.is_number() || v.is_boolean())
        {
            *v = Value::String(v.to_string());
        }
    }
    entry
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
    source_id: &str,
    name: String,
    entry: Map<String, Value>,
    content_hash: String,
    created_at: i64,
    updated_at: i64,
) -> Entity {
    let kind = spec.kind.kind;
    let uid = entity_uid(spec.name, kind, source_id, &name);
    let mut doc = Map::with_capacity(entry.len() + 4);
    if spec.native.id {
        doc.insert("id".into(), Value::String(uid.clone()));
    }
    for (k, v) in entry {
        if k != "sourceId" && k != "id" && !v.is_null() {
            doc.insert(k, v);
        }
    }
    doc.insert("sourceId".into(), Value::String(source_id.into()));
    if spec.native.timestamps {
        doc.insert(
            "createTimeSinceEpoch".into(),
            Value::String(created_at.to_string()),
        );
        doc.insert(
            "lastUpdateTimeSinceEpoch".into(),
            Value::String(updated_at.to_string()),
        );
    }
    let doc = Value::Object(doc);
    let json = serde_json::value::to_raw_value(&doc).expect("JSON values always serialize");
    finish(
        spec,
        uid,
        name,
        source_id,
        &doc,
        json,
        content_hash,
        created_at,
        updated_at,
    )
}

/// Rebuilds an entity from its persisted row; `None` when the stored body is unreadable.
pub fn entity_from_row(spec: &PluginSpec, row: EntityRow) -> Option<Entity> {
    let doc: Value = serde_json::from_str(&row.body).ok()?;
    let json = serde_json::value::RawValue::from_string(row.body).ok()?;
    Some(finish(
        spec,
        row.uid,
        row.name,
        &row.source_id,
        &doc,
        json,
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
    json: Box<serde_json::value::RawValue>,
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
