//! Generic, capability-driven conformance: for every compiled-in plugin, read its capabilities
//! document and exercise what it advertises (columns as `orderBy`, filter fields with each
//! operator, paging, `q`, get, 404s, the asset envelope and every entity action) over HTTP.
//! Nothing here names a plugin.

mod common;

use std::cmp::Ordering;

use common::{Backend, Env, TestServer};
use serde_json::{Value, json};

on_both_backends!(every_plugin_honours_its_capabilities);

/// Percent-encodes everything but unreserved characters.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value at a dot path.
fn at<'a>(item: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(item, |v, seg| v.get(seg))
        .filter(|v| !v.is_null())
}

/// UA-52 order of two present values: numbers numerically, strings case-insensitively.
fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap()
            .partial_cmp(&y.as_f64().unwrap())
            .unwrap(),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => Ordering::Equal,
    }
}

/// Every item of a list, following tokens.
async fn all_items(s: &TestServer, list: &str, query: &str, size: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut token = String::new();
    loop {
        let r = s
            .get(&format!("{list}?pageSize={size}{query}&pageToken={token}"))
            .await;
        assert_eq!(r.status, 200, "{list}{query}: {}", r.body);
        for key in ["items", "size", "pageSize", "nextPageToken", "totalSize"] {
            assert!(r.body.get(key).is_some(), "{list}: {key} missing");
        }
        let page = r.body["items"].as_array().unwrap();
        assert_eq!(r.body["size"], page.len());
        items.extend(page.iter().cloned());
        token = r.body["nextPageToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            return items;
        }
    }
}

/// A literal of the filter field's type, preferring a value the sample item holds.
fn literal(field: &Value, sample: Option<&Value>) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
    match (field["type"].as_str().unwrap(), sample) {
        ("number", Some(Value::Number(n))) => n.to_string(),
        ("number", _) => "0".into(),
        ("boolean", Some(Value::Bool(b))) => b.to_string(),
        ("boolean", _) => "true".into(),
        (_, Some(Value::String(s))) => quote(s),
        (_, Some(Value::Array(a))) if a.first().is_some_and(Value::is_string) => {
            quote(a[0].as_str().unwrap())
        }
        ("select" | "multiselect", _) => quote(field["options"][0].as_str().unwrap_or("x")),
        _ => "'x'".into(),
    }
}

/// Parameters built from an action's declared schema.
fn params_for(definition: &Value) -> Value {
    let mut params = serde_json::Map::new();
    for p in definition["parameters"].as_array().into_iter().flatten() {
        let value = match p["type"].as_str().unwrap() {
            "tags" => json!(["conformance"]),
            "key-value" => json!({"conformance": "yes"}),
            "boolean" => json!(true),
            "number" => json!(1),
            _ => p["enum"]
                .get(0)
                .or(p.get("defaultValue"))
                .cloned()
                .unwrap_or(json!("x")),
        };
        params.insert(p["name"].as_str().unwrap().into(), value);
    }
    Value::Object(params)
}

async fn every_plugin_honours_its_capabilities(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = env.start().await;
    let plugins = s.get("/api/plugins").await.body;
    let plugins = plugins["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), catalog_server::registry().unwrap().count());
    let mut kinds = 0;
    for plugin in plugins {
        let name = plugin["name"].as_str().unwrap();
        let caps = s.get(&format!("/api/plugins/{name}/capabilities")).await;
        assert_eq!(caps.status, 200, "{name}");
        assert_eq!(caps.body, plugin["capabilitiesV2"], "{name}: UA-6");
        let definitions = caps.body["actions"].as_array().unwrap();
        for entity in caps.body["entities"].as_array().unwrap() {
            check_entity(&s, name, entity, definitions).await;
            kinds += 1;
        }
    }
    assert!(
        kinds >= plugins.len(),
        "every plugin serves at least one kind"
    );
    s.stop().await;
    env.cleanup().await;
}

async fn check_entity(s: &TestServer, plugin: &str, entity: &Value, definitions: &[Value]) {
    let kind = entity["kind"].as_str().unwrap();
    let list = entity["endpoints"]["list"].as_str().unwrap();
    let get = entity["endpoints"]["get"].as_str().unwrap();
    let items = all_items(s, list, "", 1000).await;
    assert!(!items.is_empty(), "{kind}: samples are served");
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    let sample = &items[0];
    let sample_name = names[0];

    // Paging one by one visits every item once.
    let one_by_one = all_items(s, list, "", 1).await;
    assert_eq!(one_by_one, items, "{kind}: pageSize=1 paging");

    // Every sortable column orders the list, in both directions, missing values last.
    for column in entity["fields"]["columns"].as_array().unwrap() {
        if column["sortable"] != true {
            continue;
        }
        let (col, path) = (
            column["name"].as_str().unwrap(),
            column["path"].as_str().unwrap(),
        );
        for dir in ["ASC", "DESC"] {
            let sorted = all_items(s, list, &format!("&orderBy={col}&sortOrder={dir}"), 3).await;
            assert_eq!(sorted.len(), items.len(), "{kind} orderBy={col}");
            let values: Vec<Option<&Value>> = sorted.iter().map(|i| at(i, path)).collect();
            for w in values.windows(2) {
                match (w[0], w[1]) {
                    (None, Some(_)) => panic!("{kind} orderBy={col} {dir}: missing before present"),
                    (Some(a), Some(b)) => {
                        let ord = cmp_values(a, b);
                        let ok = if dir == "ASC" {
                            ord != Ordering::Greater
                        } else {
                            ord != Ordering::Less
                        };
                        assert!(ok, "{kind} orderBy={col} {dir}: {a} then {b}");
                    }
                    _ => {}
                }
            }
        }
    }

    // Every filter field accepts each declared operator with a well-typed value (UA-12), and
    // `=` on a value the sample holds finds the sample.
    let path_of = |field: &str| {
        entity["fields"]["detailFields"]
            .as_array()
            .unwrap()
            .iter()
            .chain(entity["fields"]["columns"].as_array().unwrap())
            .find(|d| d["name"] == field)
            .and_then(|d| d["path"].as_str())
            .unwrap_or(field)
            .to_string()
    };
    for field in entity["fields"]["filterFields"].as_array().unwrap() {
        let fname = field["name"].as_str().unwrap();
        let held = at(sample, &path_of(fname));
        let value = literal(field, held);
        for op in field["operators"].as_array().unwrap() {
            let op = op.as_str().unwrap();
            let expr = match op {
                "IN" => format!("{fname} IN ({value})"),
                "LIKE" | "ILIKE" if value.starts_with('\'') => format!("{fname} {op} '%'"),
                "LIKE" | "ILIKE" => continue,
                _ => format!("{fname} {op} {value}"),
            };
            let r = s
                .get(&format!("{list}?pageSize=1000&filterQuery={}", enc(&expr)))
                .await;
            assert_eq!(r.status, 200, "{kind}: {expr}: {}", r.body);
            if held.is_some() && (op == "=" || op == "IN") {
                assert!(
                    common::names(&r.body).contains(&sample_name.to_string()),
                    "{kind}: {expr} finds {sample_name}"
                );
            }
        }
    }
    let r = s
        .get(&format!("{list}?filterQuery={}", enc("noSuchField_ = 1")))
        .await;
    assert_eq!(r.status, 400, "{kind}: unknown filter field");
    let r = s.get(&format!("{list}?orderBy=noSuchField_")).await;
    assert_eq!(r.status, 400, "{kind}: unknown orderBy");

    // `q` on the sample's exact name finds it, case-insensitively.
    let r = s
        .get(&format!(
            "{list}?pageSize=1000&q={}",
            enc(&sample_name.to_uppercase())
        ))
        .await;
    assert!(
        common::names(&r.body).contains(&sample_name.to_string()),
        "{kind}: q"
    );

    // get by name returns the listed item; unknown names are 404 with the common error body.
    for item in &items {
        let n = item["name"].as_str().unwrap();
        let r = s.get(&get.replace("{name}", &enc(n))).await;
        assert_eq!(r.status, 200, "{kind} get {n}");
        if item["sourceId"] == r.body["sourceId"] {
            assert_eq!(&r.body, item, "{kind} get {n}");
        }
    }
    let r = s.get(&get.replace("{name}", "no-such-entity-xyz")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"], "not_found");
    assert!(r.body["requestId"].is_string());

    // The envelope: one asset per native entity, of this kind.
    let assets = s
        .get(&format!("/api/assets?kind={kind}&pageSize=1000"))
        .await
        .body;
    assert_eq!(assets["totalSize"], items.len(), "{kind}: assets");
    let r = s
        .get(&format!("/api/assets/{kind}/{}", enc(sample_name)))
        .await;
    assert_eq!(r.status, 200, "{kind}: asset get");
    assert_eq!(r.body["kind"], kind);
    assert_eq!(r.body["metadata"]["name"], sample_name);

    // Every advertised entity action: defined, dry-runnable as declared, 404 on a missing
    // target, 400 for an unknown id.
    let Some(template) = entity["endpoints"]["action"].as_str() else {
        assert!(entity["actions"].as_array().is_none_or(Vec::is_empty));
        return;
    };
    for id in entity["actions"].as_array().unwrap() {
        let def = definitions
            .iter()
            .find(|d| &d["id"] == id && d["scope"] == "asset")
            .unwrap_or_else(|| panic!("{plugin}: action {id} is defined (UA-16)"));
        let body =
            json!({"action": id, "params": params_for(def), "dryRun": def["supportsDryRun"]});
        let r = s
            .post(&template.replace("{name}", &enc(sample_name)), &body)
            .await;
        assert_eq!(r.status, 200, "{plugin} {id}: {}", r.body);
        if def["supportsDryRun"] == true {
            assert_eq!(r.body["status"], "dry-run", "{plugin} {id}");
        }
        let r = s
            .post(&template.replace("{name}", "no-such-entity-xyz"), &body)
            .await;
        assert_eq!(r.status, 404, "{plugin} {id}: {}", r.body);
    }
    let r = s
        .post(
            &template.replace("{name}", &enc(sample_name)),
            &json!({"action": "no-such-action"}),
        )
        .await;
    assert_eq!(r.status, 400, "{plugin}: unknown action");
}
