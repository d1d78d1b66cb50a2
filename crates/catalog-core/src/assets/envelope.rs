//! The universal asset envelope (UA §5): every entity of every declarative plugin projected to
//! an `AssetResource`, derived from its schema, with its overlay merged (UA-31, UA-36).

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::overlay::{LIFECYCLES, Overlay, merge_map, merge_tags};
use crate::entity::{Entity, FieldValue};
use crate::schema::{FieldSpec as F, KindSpec, PluginSpec};
use crate::time::rfc3339_ms;

/// `apiVersion` of every envelope.
pub const API_VERSION: &str = "catalog/v1alpha1";

/// Health values of `status.health`.
const HEALTH: &[&str] = &["unknown", "healthy", "degraded", "unhealthy"];

/// The envelope's own schema: the fields `/api/assets` filters, sorts and searches on
/// (UA-32 shorthands); `labels.<k>` and `annotations.<k>` follow the map fields' paths.
pub static ASSET_SPEC: PluginSpec = PluginSpec::new(
    "assets",
    KindSpec::new(
        "AssetResource",
        "assets",
        "assets",
        &[
            F::string("name", "Name")
                .at("metadata.name")
                .sortable()
                .text_filter()
                .searchable(),
            F::string("kind", "Kind").sortable().text_filter(),
            F::string("displayName", "Display Name")
                .at("metadata.displayName")
                .searchable(),
            F::string("description", "Description")
                .at("metadata.description")
                .text_filter()
                .searchable(),
            F::array("tags", "Tags")
                .at("metadata.tags")
                .text_filter()
                .searchable(),
            F::string("lifecycle", "Lifecycle")
                .at("status.lifecycle")
                .sortable()
                .select(LIFECYCLES),
            F::string("health", "Health")
                .at("status.health")
                .select(HEALTH),
            F::string("sourceId", "Source ID")
                .at("metadata.sourceRef.sourceId")
                .orderable()
                .text_filter(),
            F::object("labels", "Labels").at("metadata.labels"),
            F::object("annotations", "Annotations").at("metadata.annotations"),
        ],
    ),
);

/// Where an entity's source came from, for `metadata.sourceRef`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SourceRef<'a> {
    /// Source display name.
    pub name: Option<&'a str>,
    /// Provider type (`yaml`, `git`, …).
    pub source_type: Option<&'a str>,
}

/// Native keys the server adds; they are not part of `spec`.
const SERVER_KEYS: &[&str] = &[
    "id",
    "sourceId",
    "createTimeSinceEpoch",
    "lastUpdateTimeSinceEpoch",
];

/// Projects one entity: identity and descriptive fields to `metadata`, the rest to `spec`
/// under native names (UA-30), the overlay merged (UA-36).
pub fn asset_resource(
    entity: &Entity,
    native: &Value,
    overlay: Option<&Overlay>,
    source: SourceRef<'_>,
) -> Value {
    let empty = Overlay::default();
    let overlay = overlay.unwrap_or(&empty);
    let mut metadata = Map::new();
    metadata.insert("uid".into(), json!(entity.uid));
    metadata.insert("name".into(), json!(entity.name));
    let mut spec = Map::new();
    let (mut tags, mut labels, mut annotations) = (None, None, None);
    for (k, v) in native.as_object().into_iter().flatten() {
        match (k.as_str(), v) {
            ("name", _) => {}
            (key, _) if SERVER_KEYS.contains(&key) => {}
            ("displayName" | "description", Value::String(_)) => {
                metadata.insert(k.clone(), v.clone());
            }
            ("owner", Value::Object(_)) => {
                metadata.insert(k.clone(), v.clone());
            }
            ("tags", Value::Array(_)) => tags = Some(v),
            ("labels", Value::Object(_)) => labels = Some(v),
            ("annotations", Value::Object(_)) => annotations = Some(v),
            _ => {
                spec.insert(k.clone(), v.clone());
            }
        }
    }
    let tags = merge_tags(tags, &overlay.tags);
    if !tags.is_empty() {
        metadata.insert("tags".into(), json!(tags));
    }
    for (key, source_map, overlay_map) in [
        ("labels", labels, &overlay.labels),
        ("annotations", annotations, &overlay.annotations),
    ] {
        let merged = merge_map(source_map, overlay_map);
        if !merged.is_empty() {
            metadata.insert(key.into(), Value::Object(merged));
        }
    }
    metadata.insert("createdAt".into(), json!(rfc3339_ms(entity.created_at)));
    metadata.insert(
        "updatedAt".into(),
        json!(rfc3339_ms(entity.updated_at.max(overlay.updated_at))),
    );
    let mut source_ref = json!({"sourceId": entity.source_id});
    if let Some(name) = source.name {
        source_ref["sourceName"] = json!(name);
    }
    if let Some(t) = source.source_type {
        source_ref["sourceType"] = json!(t);
    }
    metadata.insert("sourceRef".into(), source_ref);
    json!({
        "apiVersion": API_VERSION,
        "kind": entity.kind,
        "metadata": metadata,
        "spec": spec,
        "status": {
            "lifecycle": overlay.lifecycle.as_deref().unwrap_or("active"),
            "health": "unknown",
            "conditions": [{"type": "Validated", "status": "True", "reason": "SchemaOK"}],
        },
    })
}

/// The envelope as a listable entity of [`ASSET_SPEC`] (same uid, name, source and times as
/// the native entity), so `/api/assets` runs on the shared list machinery.
pub fn asset_entity(entity: &Entity, resource: &Value) -> Arc<Entity> {
    let fields = ASSET_SPEC
        .kind
        .fields
        .iter()
        .map(|f| FieldValue::extract(resource, f.path))
        .collect();
    let json = serde_json::value::to_raw_value(resource).expect("JSON values always serialize");
    Arc::new(Entity {
        uid: entity.uid.clone(),
        kind: entity.kind.clone(),
        name: entity.name.clone(),
        sort_name: entity.sort_name.clone(),
        source_id: entity.source_id.clone(),
        json,
        fields,
        content_hash: entity.content_hash.clone(),
        created_at: entity.created_at,
        updated_at: entity.updated_at,
    })
}
