//! Turning raw data-file entries into served entities (and persisted rows back into entities).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::entity::{Entity, FieldValue, entity_uid};
use crate::provider::SourceError;
use crate::schema::PluginSpec;
use crate::store::EntityRow;

/// Native key under which reads show the user overlay (UA-37); sources may not use it.
const RESERVED_OVERLAY_KEY: &str = "overlay";

/// Most problems listed in one source error.
const MAX_REPORTED: usize = 5;

/// A validated data-file entry: its name and its fields.
pub type Entry = (String, Map<String, Value>);

/// Extracts and validates the entry list of a parsed data file; all problems are reported
/// together and any problem rejects the file (its previous data stays served).
pub fn validate_entries(spec: &PluginSpec, doc: Value) -> Result<Vec<Entry>, SourceError> {
    let key = spec.kind.document_key;
    let Value::Object(mut root) = doc else {
        return Err(SourceError(format!(
            "top level must be a mapping with key `{key}`"
        )));
    };
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
        let Value::Object(entry) = item else {
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
        if entry.contains_key(RESERVED_OVERLAY_KEY) {
            problems.push(format!(
                "entry {i} ({name}): field '{RESERVED_OVERLAY_KEY}' is reserved for user overlays"
            ));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{FieldSpec, KindSpec, PluginSpec};

    static SPEC: PluginSpec = PluginSpec::new(
        "widgets",
        KindSpec::new(
            "Widget",
            "widgets",
            "widgets",
            &[FieldSpec::string("name", "Name")],
        ),
    );

    #[test]
    fn the_overlay_key_is_reserved() {
        let doc = serde_json::json!({"widgets": [{"name": "a", "overlay": {"tags": ["x"]}}]});
        let err = validate_entries(&SPEC, doc).unwrap_err();
        assert!(err.0.contains("'overlay' is reserved"), "{}", err.0);
        let ok = serde_json::json!({"widgets": [{"name": "a"}]});
        assert_eq!(validate_entries(&SPEC, ok).unwrap().len(), 1);
    }
}
