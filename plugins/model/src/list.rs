//! `GET /models` (PM-47..49): the generic list, plus orderings the generic list cannot know —
//! `ACCURACY`, `<property>.<value_type>`, `artifacts.<property>.<value_type>` — and
//! `recommendations=true` (models by their smallest recommended latency).

use catalog_core::catalog::{CatalogHandle, list_page, select};
use catalog_core::entity::Entity;
use catalog_core::error::ApiError;
use catalog_core::index::SortKey;
use catalog_core::query::{Filter, ListParams, run_list_by};
use serde_json::Value;

use crate::artifacts;
use crate::metadata;
use crate::performance::{self, PerformanceParams};

/// An ordering computed per request.
enum Key {
    /// A model custom property's value column.
    Custom(String, &'static str),
    /// A property of the model's artifacts: min ascending, max descending.
    Artifact(String, &'static str),
    /// Smallest latency among the recommended performance configurations.
    Recommended,
}

/// Parses an `orderBy` the generic list does not handle; `None` leaves it to the generic list.
fn special(raw: &str) -> Result<Option<Key>, ApiError> {
    if raw.eq_ignore_ascii_case("ACCURACY") {
        return Ok(Some(Key::Artifact(
            "overall_average".into(),
            "double_value",
        )));
    }
    let Some((path, vt)) = raw.rsplit_once('.') else {
        return Ok(None);
    };
    let Some(vt) = metadata::SORT_VALUE_TYPES.iter().find(|t| **t == vt) else {
        return Ok(None);
    };
    let (artifact, prop) = match path.strip_prefix("artifacts.") {
        Some(p) => (true, p),
        None => (false, path),
    };
    if prop.is_empty() || prop == "artifacts" {
        return Err(ApiError::bad_field(
            "orderBy",
            format!("\"{raw}\" names no property"),
        ));
    }
    Ok(Some(if artifact {
        Key::Artifact(prop.into(), vt)
    } else {
        Key::Custom(prop.into(), vt)
    }))
}

impl Key {
    /// The sort value of model `e`, over its artifacts that satisfy `only`.
    fn of(
        &self,
        e: &Entity,
        desc: bool,
        perf: &PerformanceParams,
        only: Option<&Filter>,
    ) -> SortKey {
        let arts = || {
            artifacts::documents(e)
                .into_iter()
                .filter(|d| only.is_none_or(|f| f.matches(&artifacts::entity_of(e, d))))
        };
        match self {
            Self::Custom(prop, vt) => {
                let doc: Value = serde_json::from_str(e.json.get()).unwrap_or(Value::Null);
                metadata::sort_key(doc.get("customProperties").and_then(|c| c.get(prop)), vt)
            }
            Self::Artifact(prop, vt) => {
                let keys = arts().map(|a| {
                    metadata::sort_key(a.get("customProperties").and_then(|c| c.get(prop)), vt)
                });
                let present = keys.filter(|k| *k != SortKey::Missing);
                let pick = |a: SortKey, b: SortKey| {
                    let a_first = match (&a, &b) {
                        (SortKey::Num(x), SortKey::Num(y)) => x <= y,
                        (SortKey::Str(x), SortKey::Str(y)) => x <= y,
                        _ => true,
                    };
                    if a_first != desc { a } else { b }
                };
                present.reduce(pick).unwrap_or(SortKey::Missing)
            }
            Self::Recommended => {
                let docs: Vec<Value> = arts()
                    .filter(|d| d["metricsType"] == "performance-metrics")
                    .collect();
                performance::apply(docs, perf)
                    .ok()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| {
                        d.get("customProperties")?
                            .get(&perf.latency)
                            .and_then(metadata::number)
                    })
                    .filter(|l| *l > 0.0)
                    .min_by(f64::total_cmp)
                    .map_or(SortKey::Missing, SortKey::Num)
            }
        }
    }
}

/// Serves `GET /models`.
pub fn list(handle: &CatalogHandle, pairs: &[(String, String)]) -> Result<String, ApiError> {
    let spec = handle.spec();
    let snapshot = handle.snapshot()?;
    let scope = format!("{}/{}", handle.namespace()?, spec.kind.kind);
    let sources = handle.source_configs()?;
    let nested = handle.extension().hidden;
    let perf = PerformanceParams::parse(pairs)?;
    let raw_order = pairs
        .iter()
        .find(|(k, _)| k == "orderBy")
        .map_or("", |(_, v)| v.trim());
    let key = if perf.recommendations {
        Some(Key::Recommended)
    } else {
        special(raw_order)?
    };
    let Some(key) = key else {
        return Ok(list_page(spec, nested, &snapshot, pairs, &scope, &sources)?.to_json());
    };
    // The generic parameters without `orderBy`; the ordering is bound into page tokens.
    let rest: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "orderBy")
        .cloned()
        .collect();
    let mut params = ListParams::parse(&rest, spec)?;
    params.order_by = match key {
        Key::Recommended => {
            // `orderBy` is ignored; smallest latency first (PM-49).
            params.order.desc = false;
            format!(
                "recommended:{:?}:{}:{}:{}:{}",
                perf.target_rps, perf.rps, perf.latency, perf.hardware_count, perf.hardware_type
            )
        }
        _ => format!("computed:{raw_order}"),
    };
    let keep = select(spec, nested, &snapshot, &rest, &params, &sources)?;
    let desc = params.order.desc;
    let only = artifacts::conditions(pairs)?;
    let page = run_list_by(&snapshot, &params, &scope, keep.as_ref(), |e| {
        key.of(e, desc, &perf, only.as_ref())
    })?;
    Ok(page.to_json())
}
