//! `GET /models/filter_options` (PM-50..53): the distinct values and numeric ranges of model
//! fields, custom properties and artifact properties in the served snapshot, plus the
//! configured named queries.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::response::Response;
use catalog_core::catalog::{CatalogHandle, json_response as respond};
use catalog_core::error::ApiError;
use serde_json::{Map, Value, json};

/// Model fields offered, as (storage name, JSON key).
const FIELDS: &[(&str, &str)] = &[
    ("license", "license"),
    ("provider", "provider"),
    ("maturity", "maturity"),
    ("library_name", "libraryName"),
    ("tasks", "tasks"),
    ("language", "language"),
];

/// Most distinct values listed for a string option.
const MAX_VALUES: usize = 50;
/// Longest value listed.
const MAX_VALUE_LEN: usize = 100;

/// Accumulates one option.
#[derive(Default)]
struct Acc {
    strings: BTreeSet<String>,
    too_long: bool,
    range: Option<(f64, f64)>,
}

impl Acc {
    fn string(&mut self, s: &str) {
        if s.chars().count() > MAX_VALUE_LEN {
            self.too_long = true;
        } else if !s.is_empty() {
            self.strings.insert(s.to_string());
        }
    }
    fn number(&mut self, x: f64) {
        self.range = Some(match self.range {
            None => (x, x),
            Some((lo, hi)) => (lo.min(x), hi.max(x)),
        });
    }
    fn render(&self) -> Option<Value> {
        if let Some((min, max)) = self.range {
            return Some(json!({"type": "number", "range": {"min": min, "max": max}}));
        }
        (!self.too_long && !self.strings.is_empty() && self.strings.len() < MAX_VALUES)
            .then(|| json!({"type": "string", "values": self.strings}))
    }
}

fn collect_custom(props: Option<&Value>, prefix: &str, out: &mut BTreeMap<String, Acc>) {
    let Some(Value::Object(props)) = props else {
        return;
    };
    for (name, prop) in props {
        for (key, value) in prop.as_object().into_iter().flatten() {
            let acc = || format!("{prefix}{name}.{key}");
            match (key.as_str(), value) {
                ("string_value", Value::String(s)) => out.entry(acc()).or_default().string(s),
                ("int_value", Value::String(s)) => {
                    if let Ok(i) = s.parse::<i64>() {
                        out.entry(acc()).or_default().number(i as f64)
                    }
                }
                ("double_value", Value::Number(n)) => out
                    .entry(acc())
                    .or_default()
                    .number(n.as_f64().unwrap_or(0.0)),
                _ => {}
            }
        }
    }
}

/// Builds the options from the current snapshot.
pub async fn get(State(handle): State<CatalogHandle>) -> Result<Response, ApiError> {
    let snapshot = handle.snapshot()?;
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    for e in snapshot.entities() {
        let doc: Value = serde_json::from_str(e.json.get()).unwrap_or(Value::Null);
        for (name, key) in FIELDS {
            match doc.get(*key) {
                Some(Value::String(s)) => acc.entry(name.to_string()).or_default().string(s),
                Some(Value::Array(items)) => {
                    for s in items.iter().filter_map(Value::as_str) {
                        acc.entry(name.to_string()).or_default().string(s);
                    }
                }
                _ => {}
            }
        }
        collect_custom(doc.get("customProperties"), "", &mut acc);
        for a in crate::artifacts::documents(e) {
            if let Some(uri) = a.get("uri").and_then(Value::as_str) {
                acc.entry("artifacts.uri".into()).or_default().string(uri);
            }
            collect_custom(a.get("customProperties"), "artifacts.", &mut acc);
        }
    }
    let filters: Map<String, Value> = acc
        .iter()
        .filter_map(|(k, a)| a.render().map(|v| (k.clone(), v)))
        .collect();
    let mut body = json!({"filters": filters});
    let named = named_queries(&handle, &filters)?;
    if !named.is_empty() {
        body["namedQueries"] = Value::Object(named);
    }
    Ok(respond(body.to_string()))
}

/// The configured named queries; `min`/`max` values on ranged fields become the bounds.
fn named_queries(
    handle: &CatalogHandle,
    filters: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let section = handle.section()?;
    let mut out = Map::new();
    for (query, fields) in section.named_queries {
        let mut conditions = Map::new();
        for (field, cond) in fields {
            let mut value = cond.value.clone();
            if let Some(bound @ ("min" | "max")) = value.as_str()
                && let Some(b) = filters.get(&field).and_then(|f| f["range"].get(bound))
            {
                value = b.clone();
            }
            conditions.insert(field, json!({"operator": cond.operator, "value": value}));
        }
        out.insert(query, Value::Object(conditions));
    }
    Ok(out)
}
