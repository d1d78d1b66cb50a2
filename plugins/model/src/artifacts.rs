//! A model's artifacts (§2.4, PM-42/43), listed, filtered and paged by catalog-core's generic
//! list machinery under their own kind declaration.

use std::sync::Arc;

use catalog_core::catalog::{CatalogHandle, document_entity, list_page, select};
use catalog_core::entity::Entity;
use catalog_core::error::ApiError;
use catalog_core::index::Snapshot;
use catalog_core::query::filter::{Expr, compile, parse};
use catalog_core::query::{Filter, ListParams, multi, run_list_by};
use catalog_core::schema::{FieldSpec as F, KindSpec, NativeShape, PluginSpec};
use serde_json::Value;

use crate::metadata;
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

/// An artifact document as an entity of [`ARTIFACT_SPEC`], for filtering and listing.
pub fn entity_of(model: &Entity, doc: &Value) -> Entity {
    let ms = |k: &str| doc[k].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
    document_entity(
        &ARTIFACT_SPEC,
        doc["id"].as_str().unwrap_or_default().to_string(),
        doc["name"].as_str().unwrap_or_default().to_string(),
        &model.source_id,
        doc,
        (ms("createTimeSinceEpoch"), ms("lastUpdateTimeSinceEpoch")),
    )
}

/// The `artifacts.*` conditions of a model `filterQuery` as a filter over artifacts: the
/// top-level AND-ed predicates on `artifacts.<…>`, prefix removed (PM-48/49).
pub fn conditions(pairs: &[(String, String)]) -> Result<Option<Filter>, ApiError> {
    let Some(raw) = pairs
        .iter()
        .find(|(k, _)| k == "filterQuery")
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    fn collect(e: &Expr, out: &mut Vec<Expr>) {
        match e {
            Expr::And(l, r) => {
                collect(l, out);
                collect(r, out);
            }
            Expr::Predicate(p)
                if p.property.segments.len() > 1 && p.property.segments[0] == "artifacts" =>
            {
                let mut p = p.clone();
                p.property.segments.remove(0);
                out.push(Expr::Predicate(p));
            }
            _ => {}
        }
    }
    let mut parts = Vec::new();
    collect(&parse(raw)?, &mut parts);
    let Some(expr) = parts
        .into_iter()
        .reduce(|l, r| Expr::And(Box::new(l), Box::new(r)))
    else {
        return Ok(None);
    };
    Ok(Some(compile(&ARTIFACT_SPEC, &expr)?))
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
    let entities: Vec<Arc<Entity>> = docs.iter().map(|d| Arc::new(entity_of(model, d))).collect();
    let snapshot = Snapshot::new(entities, |_, _| {});
    let scope = format!("artifacts/{}/{performance}", model.uid);
    let order = pairs
        .iter()
        .find(|(k, _)| k == "orderBy")
        .map_or("", |(_, v)| v.trim());
    // Generic orderings, else a custom property's value column; artifacts default to id
    // (file) order and a bare unknown word means id (PM-42).
    let mut rest: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "orderBy")
        .cloned()
        .collect();
    let property = match order.rsplit_once('.') {
        Some((prop, vt)) if metadata::SORT_VALUE_TYPES.contains(&vt) => {
            if prop.is_empty() {
                return Err(ApiError::bad_field("orderBy", "names no property"));
            }
            Some((prop.to_string(), vt))
        }
        Some(_) => {
            return Err(ApiError::bad_field(
                "orderBy",
                format!(
                    "\"{order}\": the value type must be int_value, double_value or string_value"
                ),
            ));
        }
        None => None,
    };
    let Some((prop, vt)) = property else {
        let generic = ["ID", "NAME", "CREATE_TIME", "LAST_UPDATE_TIME"];
        let known = generic.iter().any(|g| g.eq_ignore_ascii_case(order));
        rest.push(("orderBy".into(), if known { order } else { "ID" }.into()));
        return Ok(list_page(&ARTIFACT_SPEC, &[], &snapshot, &rest, &scope, &[])?.to_json());
    };
    let mut params = ListParams::parse(&rest, &ARTIFACT_SPEC)?;
    params.order_by = format!("property:{prop}.{vt}");
    let keep = select(&ARTIFACT_SPEC, &[], &snapshot, &rest, &params, &[])?;
    // Artifacts having the property first, the others by id.
    let key = |e: &Entity| {
        let doc: Value = serde_json::from_str(e.json.get()).unwrap_or(Value::Null);
        metadata::sort_key(doc.get("customProperties").and_then(|c| c.get(&prop)), vt)
    };
    Ok(run_list_by(&snapshot, &params, &scope, keep.as_ref(), key)?.to_json())
}
