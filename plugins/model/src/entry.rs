//! Checking and normalising one model entry of a data file (§2.5): string arrays, timestamps,
//! license, typed custom properties and the artifacts list.

use catalog_core::catalog::extension::check_mapping;
use serde_json::{Map, Value};

use crate::{license, metadata};

/// Keys an artifact may carry.
const ARTIFACT_KEYS: &[&str] = &[
    "artifactType",
    "metricsType",
    "name",
    "uri",
    "externalId",
    "description",
    "state",
    "createTimeSinceEpoch",
    "lastUpdateTimeSinceEpoch",
    "customProperties",
];

/// Metrics types of a `metrics-artifact`.
const METRICS_TYPES: &[&str] = &["performance-metrics", "accuracy-metrics"];

type Problems = Vec<(String, String)>;

/// The model plugin's per-entry preparation.
pub fn prepare(entry: &mut Map<String, Value>, problems: &mut Problems) {
    for key in ["language", "tasks"] {
        match entry.get(key) {
            None | Some(Value::Null) => {
                entry.insert(key.into(), Value::Array(Vec::new()));
            }
            Some(Value::Array(items)) => {
                if let Some(i) = items.iter().position(|v| !v.is_string()) {
                    problems.push((format!("{key}[{i}]"), "must be a string".into()));
                }
            }
            Some(_) => problems.push((key.into(), "must be a list of strings".into())),
        }
    }
    timestamps(entry, "", problems);
    if let Some(Value::String(l)) = entry.get("license") {
        let normalised = license::normalise(l);
        entry.insert("license".into(), Value::String(normalised));
    }
    if let Some(props) = entry.get_mut("customProperties") {
        metadata::normalise_properties(props, "customProperties", problems);
    }
    match entry.get_mut("artifacts") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, artifact) in list.iter_mut().enumerate() {
                prepare_artifact(artifact, &format!("artifacts[{i}]"), problems);
            }
        }
        Some(_) => problems.push(("artifacts".into(), "must be a list".into())),
    }
}

fn prepare_artifact(artifact: &mut Value, path: &str, problems: &mut Problems) {
    if check_mapping(artifact, path, ARTIFACT_KEYS, problems).is_none() {
        return;
    }
    let Value::Object(map) = artifact else {
        return;
    };
    for key in [
        "name",
        "uri",
        "externalId",
        "description",
        "state",
        "metricsType",
    ] {
        catalog_core::catalog::extension::check_string(
            map.get(key),
            &format!("{path}.{key}"),
            problems,
        );
    }
    let kind = match map.get("artifactType") {
        None | Some(Value::Null) => "model-artifact".to_string(),
        Some(Value::String(t)) => t.clone(),
        Some(_) => {
            problems.push((format!("{path}.artifactType"), "must be a string".into()));
            return;
        }
    };
    match kind.as_str() {
        "model-artifact" => {
            if !map.get("uri").is_some_and(Value::is_string) {
                problems.push((
                    format!("{path}.uri"),
                    "is required for a model-artifact".into(),
                ));
            }
        }
        "metrics-artifact" => match map.get("metricsType").and_then(Value::as_str) {
            Some(t) if METRICS_TYPES.contains(&t) => {}
            _ => problems.push((
                format!("{path}.metricsType"),
                "must be performance-metrics or accuracy-metrics".into(),
            )),
        },
        other => {
            problems.push((
                format!("{path}.artifactType"),
                format!("unknown artifact type \"{other}\" (model-artifact or metrics-artifact)"),
            ));
            return;
        }
    }
    map.insert("artifactType".into(), Value::String(kind));
    timestamps(map, &format!("{path}."), problems);
    if let Some(props) = map.get_mut("customProperties") {
        metadata::normalise_properties(props, &format!("{path}.customProperties"), problems);
    }
}

/// Epoch-millisecond fields are decimal strings; bare integers are accepted and converted.
fn timestamps(map: &mut Map<String, Value>, prefix: &str, problems: &mut Problems) {
    for key in ["createTimeSinceEpoch", "lastUpdateTimeSinceEpoch"] {
        match map.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => {}
            Some(Value::Number(n)) if n.is_i64() => {
                let text = n.to_string();
                map.insert(key.into(), Value::String(text));
            }
            Some(_) => problems.push((
                format!("{prefix}{key}"),
                "must be epoch milliseconds as a decimal string".into(),
            )),
        }
    }
}
