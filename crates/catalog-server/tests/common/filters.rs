//! Checks every filter field a plugin advertises in its capabilities against live data.

use serde_json::Value;

use super::TestServer;

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn at<'v>(item: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(item, |v, seg| &v[seg])
}

/// For each advertised filter field, filters `list` (e.g. `/api/x/v1alpha1/things`) by `=` on
/// a value one served item has, and asserts every match carries it and the non-matching rest
/// does not. Returns the fields checked.
pub async fn check_every_filter_field(s: &TestServer, plugin: &str, list: &str) -> Vec<String> {
    let caps = s
        .get(&format!("/api/plugins/{plugin}/capabilities"))
        .await
        .body;
    let entity = &caps["entities"][0];
    let paths: Vec<(String, String)> = entity["fields"]["detailFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    let all = s.get(&format!("{list}?pageSize=1000")).await.body;
    let items = all["items"].as_array().unwrap();
    let mut checked = Vec::new();
    for field in entity["fields"]["filterFields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap();
        let path = paths
            .iter()
            .find(|(n, _)| n == name)
            .map_or(name, |(_, p)| p.as_str());
        let sample = items
            .iter()
            .map(|i| at(i, path))
            .find(|v| !v.is_null())
            .unwrap_or_else(|| panic!("no item has {path}"))
            .clone();
        let (literal, wanted) = match &sample {
            Value::Array(values) => (values[0].to_string().replace('"', "'"), values[0].clone()),
            Value::String(text) => (format!("'{}'", text.replace('\'', "''")), sample.clone()),
            other => (other.to_string(), other.clone()),
        };
        let query = urlencode(&format!("{name} = {literal}"));
        let r = s
            .get(&format!("{list}?pageSize=1000&filterQuery={query}"))
            .await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        let hits = r.body["items"].as_array().unwrap();
        assert!(!hits.is_empty(), "{name} = {literal} matches nothing");
        let has = |i: &Value| match at(i, path) {
            Value::Array(vs) => vs.contains(&wanted),
            v => *v == wanted,
        };
        assert!(hits.iter().all(has), "{name} = {literal}");
        assert_eq!(
            hits.len(),
            items.iter().filter(|i| has(i)).count(),
            "{name} = {literal} misses matches"
        );
        checked.push(name.to_string());
    }
    checked
}
