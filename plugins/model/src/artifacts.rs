//! A model's artifacts (§2.4, PM-42/43), listed, filtered and paged by catalog-core's generic
//! list machinery under their own kind declaration.

use std::sync::Arc;

use catalog_core::catalog::{CatalogHandle, document_entity, list_page};
use catalog_core::entity::Entity;
use catalog_core::error::ApiError;
use catalog_core::index::Snapshot;
use catalog_core::query::multi;
use catalog_core::schema::{FieldSpec as F, KindSpec, NativeShape, PluginSpec};
use serde_json::Value;

use crate::performance::{self, PerformanceParams};

/// The artifact kind: what `filterQuery` and `orderBy` resolve against.
pub static ARTIFACT_SPEC: PluginSpec = PluginSpec {
    native: NativeShape {
        id: true,
        timestamps: true,
    },
    ..PluginSpec::new(
        "model",
        KindSpec::new(
            "CatalogArtifact",
            "artifacts",
            "artifacts",
            &[
                F::string("name", "Name").sortable(),
                F::string("artifactType", "Artifact type").text_filter(),
                F::string("metricsType", "Metrics type").text_filter(),
                F::string("uri", "URI").text_filter(),
                F::string("externalId", "External ID").text_filter(),
                F::string("state", "State").text_filter(),
                F::object("customProperties", "Custom properties"),
            ],
        ),
    )
};

/// Artifact types a client may ask for.
const ARTIFACT_TYPES: &[&str] = &["model-artifact", "metrics-artifact"];

/// The artifacts of `model` as served documents, in file order, with stable ids.
pub fn documents(model: &Entity) -> Vec<Value> {
    let hidden = CatalogHandle::hidden(model);
    let Some(list) = hidden.get("artifacts").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .enumerate()
        .map(|(i, a)| {
            let mut doc = serde_json::Map::new();
            doc.insert("id".into(), Value::String(format!("{}-{i:04}", model.uid)));
            if let Value::Object(fields) = a {
                doc.extend(fields.clone());
            }
            Value::Object(doc)
        })
        .collect()
}

/// `GET …/artifacts` or, with `performance`, `GET …/artifacts/performance`.
pub fn list(
    model: &Entity,
    pairs: &[(String, String)],
    performance: bool,
) -> Result<String, ApiError> {
    let mut docs = documents(model);
    if performance {
        docs.retain(|d| d["metricsType"] == "performance-metrics");
        let params = PerformanceParams::parse(pairs)?;
        docs = performance::apply(docs, &params)?;
    } else {
        let types = multi(pairs, &["artifactType", "artifact_type"]);
        if let Some(bad) = types.iter().find(|t| !ARTIFACT_TYPES.contains(&t.as_str())) {
            return Err(ApiError::bad_field(
                "artifactType",
                format!("unknown artifact type \"{bad}\" (model-artifact or metrics-artifact)"),
            ));
        }
        if !types.is_empty() {
            docs.retain(|d| types.iter().any(|t| d["artifactType"] == t.as_str()));
        }
    }
    let entities: Vec<Arc<Entity>> = docs
        .iter()
        .map(|d| {
            let uid = d["id"].as_str().unwrap_or_default().to_string();
            let ms = |k: &str| d[k].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
            Arc::new(document_entity(
                &ARTIFACT_SPEC,
                uid,
                d["name"].as_str().unwrap_or_default().to_string(),
                &model.source_id,
                d,
                (ms("createTimeSinceEpoch"), ms("lastUpdateTimeSinceEpoch")),
            ))
        })
        .collect();
    let snapshot = Snapshot::new(entities, |_, _| {});
    // Artifacts default to id order (file order), not name order.
    let mut pairs = pairs.to_vec();
    if !pairs
        .iter()
        .any(|(k, v)| k == "orderBy" && !v.trim().is_empty())
    {
        pairs.push(("orderBy".into(), "ID".into()));
    }
    let scope = format!("artifacts/{}/{performance}", model.uid);
    Ok(list_page(&ARTIFACT_SPEC, &[], &snapshot, &pairs, &scope, &[])?.to_json())
}
