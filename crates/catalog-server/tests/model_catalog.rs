//! Black-box tests of the model catalog (spec 04 §2) over the reference fixtures, on SQLite and
//! PostgreSQL.

mod common;

use common::filters::{check_every_filter_field, urlencode};
use common::{Backend, Env, TestServer, names};
use serde_json::{Value, json};

const BASE: &str = "/api/model_catalog/v1alpha1";
const FIXTURES: [(&str, &str, &str); 3] = [
    (
        "organization_ai_models",
        "Organization AI",
        "dev-organization-models.yaml",
    ),
    (
        "validated_ai_models",
        "Validated AI",
        "dev-validated-models.yaml",
    ),
    (
        "community_custom_models",
        "Community and Custom",
        "dev-community-models.yaml",
    ),
];

/// Copies of the reference fixtures shipped with the model plugin.
fn fixture(file: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins/model/data")
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

/// Writes the three fixtures (and a disabled source) and starts a server reading them.
async fn start(env: &Env) -> TestServer {
    let mut yaml = String::from(
        "apiVersion: catalog/v1alpha1\nkind: CatalogSources\ncatalogs:\n  models:\n    sources:\n",
    );
    for (id, label, file) in FIXTURES {
        let path = env.write(&format!("catalog/{file}"), &fixture(file));
        yaml.push_str(&format!(
            "      - id: {id}\n        name: \"{label} Models\"\n        type: yaml\n        labels: [\"{label}\"]\n        properties:\n          yamlCatalogPath: \"{}\"\n",
            path.display()
        ));
    }
    yaml.push_str("      - id: off\n        name: Switched off\n        type: yaml\n        enabled: false\n        properties:\n          yamlCatalogPath: nowhere.yaml\n");
    yaml.push_str("    labels:\n      - name: Validated AI\n        displayName: Validated\n      - name: Organization AI\n        displayName: Org\n        description: internal\n      - name: null\n        displayName: Unlabelled\n");
    yaml.push_str("    namedQueries:\n      small-gpu:\n        artifacts.hardware_count.int_value: {operator: \"<=\", value: max}\n        license: {operator: \"=\", value: \"Apache 2.0\"}\n");
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &yaml)];
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

async fn list(s: &TestServer, query: &str) -> Value {
    let r = s.get(&format!("{BASE}/models?pageSize=100&{query}")).await;
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    r.body
}

async fn fixtures_load_with_exact_counts_and_typed_properties(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let all = list(&s, "").await;
    assert_eq!(all["totalSize"], 14);
    assert!(names(&all).iter().all(|n| n.contains('/')));
    for (id, count) in [
        ("organization_ai_models", 6),
        ("validated_ai_models", 4),
        ("community_custom_models", 4),
    ] {
        let page = list(&s, &format!("source={id}")).await;
        assert_eq!(page["totalSize"], count, "{id}");
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["source_id"] == id)
        );
    }
    // Repeated and comma-separated sources are a union; an unknown or disabled one is empty.
    let two = list(&s, "source=validated_ai_models,community_custom_models").await;
    assert_eq!(two["totalSize"], 8);
    assert_eq!(list(&s, "source=off").await["totalSize"], 0);
    assert_eq!(list(&s, "sourceLabel=validated%20ai").await["totalSize"], 4);
    assert_eq!(list(&s, "sourceLabel=null").await["totalSize"], 0);
    let both = s
        .get(&format!("{BASE}/models?source=a&sourceLabel=b"))
        .await;
    assert_eq!(both.status, 400);

    let licenses: std::collections::BTreeSet<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["license"].as_str().unwrap().to_string())
        .collect();
    for l in [
        "Apache 2.0",
        "MIT",
        "Creative Commons Attribution Share Alike 4.0 International",
    ] {
        assert!(licenses.contains(l), "{licenses:?}");
    }
    let model = &all["items"][0];
    assert!(
        model.get("artifacts").is_none(),
        "artifacts have their own endpoint"
    );
    assert!(model["customProperties"]["model_type"]["metadataType"].is_string());

    // Artifacts of the validated source: 35 in all, 9 performance and 22 accuracy metrics.
    let mut totals = (0, 0, 0, 0);
    for name in names(&list(&s, "source=validated_ai_models").await) {
        let path =
            format!("{BASE}/sources/validated_ai_models/models/{name}/artifacts?pageSize=100");
        let arts = s.get(&path).await.body;
        for a in arts["items"].as_array().unwrap() {
            totals.0 += 1;
            match (a["artifactType"].as_str(), a["metricsType"].as_str()) {
                (Some("model-artifact"), _) => totals.1 += 1,
                (_, Some("performance-metrics")) => {
                    totals.2 += 1;
                    let count = &a["customProperties"]["hardware_count"];
                    assert_eq!(count["metadataType"], "MetadataIntValue");
                    assert!(count["int_value"].is_string(), "{count}");
                }
                (_, Some("accuracy-metrics")) => totals.3 += 1,
                other => panic!("unexpected artifact {other:?}"),
            }
        }
        let perf = s
            .get(&format!(
                "{BASE}/sources/validated_ai_models/models/{name}/artifacts/performance?recommendations=true"
            ))
            .await;
        assert_eq!(perf.status, 200, "{}", perf.body);
    }
    assert_eq!(totals, (35, 4, 9, 22));
    s.stop().await;
    env.cleanup().await;
}

async fn get_by_source_and_name_and_404s(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let name = names(&list(&s, "source=validated_ai_models").await)[0].clone();
    let raw = s
        .get(&format!("{BASE}/sources/validated_ai_models/models/{name}"))
        .await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body["name"], name.as_str());
    let encoded = name.replace('/', "%2F");
    let enc = s
        .get(&format!(
            "{BASE}/sources/validated_ai_models/models/{encoded}"
        ))
        .await;
    assert_eq!(enc.body, raw.body);
    let wrong_source = s
        .get(&format!(
            "{BASE}/sources/organization_ai_models/models/{name}"
        ))
        .await;
    assert_eq!(wrong_source.status, 404);
    assert_eq!(
        wrong_source.body["message"],
        format!("No model found '{name}' in source 'organization_ai_models'")
    );
    for suffix in ["", "/artifacts", "/artifacts/performance"] {
        let r = s
            .get(&format!("{BASE}/sources/nope/models/x/y{suffix}"))
            .await;
        assert_eq!(r.status, 404, "{suffix}");
    }
    let bad_type = s
        .get(&format!(
            "{BASE}/sources/validated_ai_models/models/{name}/artifacts?artifactType=weights"
        ))
        .await;
    assert_eq!(bad_type.status, 400);
    let models_only = s
        .get(&format!(
            "{BASE}/sources/validated_ai_models/models/{name}/artifacts?artifactType=model-artifact"
        ))
        .await;
    assert_eq!(models_only.body["totalSize"], 1);
    // Artifact filters and paging use the framework's filter language and tokens.
    let filtered = s
        .get(&format!(
            "{BASE}/sources/validated_ai_models/models/{name}/artifacts?filterQuery=metricsType%3D'accuracy-metrics'&pageSize=2"
        ))
        .await;
    assert_eq!(filtered.status, 200, "{}", filtered.body);
    assert!(
        filtered.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["metricsType"] == "accuracy-metrics")
    );
    // Ordering by a property's value column: artifacts having it first, then by id.
    let arts = |q: &str| {
        let path =
            format!("{BASE}/sources/validated_ai_models/models/{name}/artifacts?pageSize=100&{q}");
        let s = &s;
        async move { s.get(&path).await }
    };
    let by_ttft = arts("orderBy=ttft_p90.double_value&sortOrder=DESC")
        .await
        .body;
    let items = by_ttft["items"].as_array().unwrap();
    let values: Vec<Option<f64>> = items
        .iter()
        .map(|a| a["customProperties"]["ttft_p90"]["double_value"].as_f64())
        .collect();
    let present: Vec<f64> = values.iter().map_while(|v| *v).collect();
    assert!(
        !present.is_empty() && present.windows(2).all(|w| w[0] >= w[1]),
        "{values:?}"
    );
    assert!(
        values[present.len()..].iter().all(Option::is_none),
        "missing last: {values:?}"
    );
    let by_id = arts("orderBy=whatever").await.body;
    let ids: Vec<&str> = by_id["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "a bare unknown word orders by id");
    for bad in ["orderBy=.double_value", "orderBy=ttft_p90.float_value"] {
        assert_eq!(arts(bad).await.status, 400, "{bad}");
    }
    // The management entity lookup takes names with `/` (PM-36).
    let managed = s.get(&format!("{BASE}/management/entities/{name}")).await;
    assert_eq!(managed.status, 200, "{}", managed.body);
    assert_eq!(managed.body["name"], name.as_str());
    s.stop().await;
    env.cleanup().await;
}

async fn paging_ordering_filters_and_q(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    // Paging enumerates every model exactly once.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let r = s
            .get(&format!(
                "{BASE}/models?pageSize=4&orderBy=provider&sortOrder=desc&pageToken={token}"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        seen.extend(names(&r.body));
        token = r.body["nextPageToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 14);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 14);
    let by_name = names(&list(&s, "orderBy=NAME&sortOrder=DESC").await);
    let mut sorted = by_name.clone();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(by_name, sorted);
    assert_eq!(
        s.get(&format!("{BASE}/models?orderBy=bogus")).await.status,
        400
    );

    // Every advertised filter field works.
    let fields = check_every_filter_field(&s, "model", &format!("{BASE}/models")).await;
    let caps = s.get("/api/plugins/model/capabilities").await.body;
    assert_eq!(
        caps["entities"][0]["endpoints"]["get"],
        format!("{BASE}/sources/{{source_id}}/models/{{name}}")
    );
    for f in ["name", "provider", "task", "license", "source_id"] {
        assert!(fields.contains(&f.to_string()), "{fields:?}");
    }
    let q = |f: &str| format!("filterQuery={}", urlencode(f));
    assert_eq!(
        list(&s, &q("source_id = 'validated_ai_models'")).await["totalSize"],
        4
    );
    assert!(
        list(&s, &q("license = 'MIT'")).await["totalSize"]
            .as_u64()
            .unwrap()
            > 0
    );
    let gen_ = list(&s, &q("task = 'text-generation'")).await;
    assert!(gen_["items"].as_array().unwrap().iter().all(|m| {
        m["tasks"]
            .as_array()
            .unwrap()
            .contains(&json!("text-generation"))
    }));
    let prov = list(&s, &q("provider LIKE 'Valid%'")).await;
    assert!(prov["totalSize"].as_u64().unwrap() > 0);
    let name = list(&s, &q("name = 'certified/production-llm-8b'")).await;
    assert_eq!(names(&name), ["certified/production-llm-8b"]);
    let custom = list(&s, &q("validated.string_value = ''")).await;
    assert_eq!(custom["totalSize"], 4);
    // Artifact fields and typed artifact properties: any artifact of the model matches.
    let perf = list(&s, &q("artifacts.metricsType = 'performance-metrics'")).await;
    assert_eq!(
        perf["totalSize"], 4,
        "the validated models carry performance metrics"
    );
    let h100 = list(&s, &q("artifacts.hardware_type.string_value = 'H100'")).await;
    let h100_names = names(&h100);
    assert!(
        !h100_names.is_empty() && h100_names.len() < 4,
        "{h100_names:?}"
    );
    let big = list(&s, &q("artifacts.hardware_count.int_value >= 2")).await;
    let small = list(&s, &q("artifacts.hardware_count.int_value < 2")).await;
    assert!(big["totalSize"].as_u64().unwrap() >= 1 && small["totalSize"].as_u64().unwrap() >= 1);
    let bad = s
        .get(&format!(
            "{BASE}/models?{}",
            q("artifacts.hardware_count.int_value = 'x'")
        ))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(
        s.get(&format!("{BASE}/models?filterQuery=name%20%3D"))
            .await
            .status,
        400
    );
    // q: name, description, provider, library name, tasks.
    assert!(
        list(&s, "q=PRODUCTION-LLM").await["totalSize"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert!(
        list(&s, "q=transformers").await["totalSize"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert_eq!(list(&s, "q=zzz-no-such").await["totalSize"], 0);
    s.stop().await;
    env.cleanup().await;
}

async fn sources_labels_and_filter_options(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let r = s.get(&format!("{BASE}/sources?pageSize=2")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totalSize"], 4);
    assert_eq!(r.body["items"][0]["id"], "community_custom_models");
    let token = r.body["nextPageToken"].as_str().unwrap();
    let next = s
        .get(&format!("{BASE}/sources?pageSize=2&pageToken={token}"))
        .await;
    let ids: Vec<&str> = next.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["organization_ai_models", "validated_ai_models"]);
    assert_eq!(next.body["nextPageToken"], "");
    let off = s.get(&format!("{BASE}/sources?name=switched")).await.body;
    assert_eq!(off["items"][0]["status"], "disabled");
    assert_eq!(off["items"][0]["labels"], json!([]));
    let ok = s.get(&format!("{BASE}/sources?name=validated")).await.body;
    assert_eq!(ok["items"][0]["status"], "available");
    assert_eq!(ok["items"][0]["error"], Value::Null);
    assert_eq!(
        s.get(&format!("{BASE}/sources?orderBy=label")).await.status,
        400
    );
    assert_eq!(
        s.get(&format!("{BASE}/sources?pageToken=garbage"))
            .await
            .status,
        400
    );

    let labels = s
        .get(&format!("{BASE}/labels?orderBy=description"))
        .await
        .body;
    assert_eq!(labels["totalSize"], 3);
    assert_eq!(labels["items"][0]["name"], "Organization AI");

    let opts = s.get(&format!("{BASE}/models/filter_options")).await;
    assert_eq!(opts.status, 200);
    let f = &opts.body["filters"];
    assert!(
        f["license"]["values"]
            .as_array()
            .unwrap()
            .contains(&json!("Apache 2.0"))
    );
    assert_eq!(f["artifacts.hardware_count.int_value"]["type"], "number");
    assert!(f["artifacts.hardware_type.string_value"]["values"].is_array());
    assert!(f.get("source_id").is_none() && f.get("logo").is_none());
    let named = &opts.body["namedQueries"]["small-gpu"];
    assert_eq!(
        named["artifacts.hardware_count.int_value"]["value"],
        f["artifacts.hardware_count.int_value"]["range"]["max"]
    );
    s.stop().await;
    env.cleanup().await;
}

/// Orderings over custom and artifact properties, and recommendations (PM-48, PM-49).
async fn computed_orderings_and_recommendations(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    // Expected: each validated model's min/max ttft_p90 over its artifacts (and the min over
    // its H200 artifacts only).
    let mut bounds = Vec::new();
    let mut h200 = Vec::new();
    for name in names(&list(&s, "source=validated_ai_models").await) {
        let arts = s
            .get(&format!(
                "{BASE}/sources/validated_ai_models/models/{name}/artifacts?pageSize=100"
            ))
            .await
            .body;
        let values: Vec<f64> = arts["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["customProperties"]["ttft_p90"]["double_value"].as_f64())
            .collect();
        let on_h200 = arts["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["customProperties"]["hardware_type"]["string_value"] == "H200")
            .filter_map(|a| a["customProperties"]["ttft_p90"]["double_value"].as_f64())
            .fold(f64::INFINITY, f64::min);
        if on_h200.is_finite() {
            h200.push((name.clone(), on_h200));
        }
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        bounds.push((name, min, max));
    }
    let mut asc = bounds.clone();
    asc.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut desc = bounds.clone();
    desc.sort_by(|a, b| b.2.total_cmp(&a.2));
    for (order, expected) in [("ASC", &asc), ("DESC", &desc)] {
        let got = names(
            &list(
                &s,
                &format!("orderBy=artifacts.ttft_p90.double_value&sortOrder={order}"),
            )
            .await,
        );
        let want: Vec<String> = expected.iter().map(|b| b.0.clone()).collect();
        assert_eq!(got[..4], want[..], "{order}");
        let mut rest = got[4..].to_vec();
        let mut by_name = rest.clone();
        by_name.sort_by_key(|n| n.to_lowercase());
        assert_eq!(rest, by_name, "models without the property follow by name");
        rest.clear();
    }
    // Only artifacts meeting the query's `artifacts.*` conditions count.
    h200.sort_by(|a, b| a.1.total_cmp(&b.1));
    let filter = urlencode("artifacts.hardware_type.string_value = 'H200'");
    let got = names(
        &list(
            &s,
            &format!("orderBy=artifacts.ttft_p90.double_value&filterQuery={filter}"),
        )
        .await,
    );
    let want: Vec<String> = h200.iter().map(|h| h.0.clone()).collect();
    assert!(want.len() >= 2, "{want:?}");
    assert_eq!(got, want);
    // Paging a computed ordering enumerates every model once, tokens bound to it.
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let r = s
            .get(&format!(
                "{BASE}/models?pageSize=5&recommendations=true&pageToken={token}"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        seen.extend(names(&r.body));
        token = r.body["nextPageToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 14);
    let validated: Vec<String> = bounds.iter().map(|b| b.0.clone()).collect();
    assert!(
        seen[..4].iter().all(|n| validated.contains(n)),
        "recommended models first: {seen:?}"
    );
    let first = s
        .get(&format!("{BASE}/models?pageSize=5&recommendations=true"))
        .await
        .body;
    let token = first["nextPageToken"].as_str().unwrap();
    let other = s
        .get(&format!(
            "{BASE}/models?pageSize=5&orderBy=NAME&pageToken={token}"
        ))
        .await;
    assert_eq!(
        other.status, 400,
        "tokens are bound to the computed ordering"
    );
    let custom = names(
        &list(
            &s,
            "orderBy=model_type.string_value&source=validated_ai_models",
        )
        .await,
    );
    assert_eq!(custom.len(), 4);
    for bad in ["artifacts..double_value", ".int_value", "nope"] {
        let r = s.get(&format!("{BASE}/models?orderBy={bad}")).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    assert_eq!(
        s.get(&format!("{BASE}/models?targetRPS=many")).await.status,
        400
    );
    s.stop().await;
    env.cleanup().await;
}

/// Invalid labels or named queries fail the model plugin's init with the reason; the other
/// plugins keep serving.
async fn invalid_labels_fail_only_the_model_plugin(backend: Backend) {
    let env = Env::new(&backend).await;
    let yaml = "catalogs:\n  models:\n    labels:\n      - name: A\n      - name: A\n    namedQueries:\n      q:\n        license: {operator: \"~\", value: x}\n";
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", yaml)];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let plugins = s.get("/api/plugins").await.body;
    let model = plugins["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "model")
        .unwrap()
        .clone();
    assert_eq!(model["healthy"], false, "{model}");
    let text = model.to_string();
    assert!(
        text.contains("duplicate name") && text.contains("unknown operator"),
        "{text}"
    );
    assert_eq!(s.get(&format!("{BASE}/models")).await.status, 503);
    assert_eq!(
        s.get("/api/mcp_catalog/v1alpha1/mcpservers").await.status,
        200
    );
    s.stop().await;
    env.cleanup().await;
}

/// A legacy `properties.excludedModels` list adds to the exclusions (PM-5); a malformed one
/// fails only that source.
async fn legacy_excluded_models_property(backend: Backend) {
    let env = Env::new(&backend).await;
    let file = env.write(
        "catalog/community.yaml",
        &fixture("dev-community-models.yaml"),
    );
    let source = |id: &str, extra: &str| {
        format!(
            "      - id: {id}\n        name: {id}\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n{extra}",
            file.display()
        )
    };
    let yaml = format!(
        "catalogs:\n  models:\n    sources:\n{}{}",
        source("legacy", "          excludedModels: [\"*falcon*\"]\n"),
        source("broken", "          excludedModels: [1]\n"),
    ) + &source("twin", "")
        + &source("spelled", "        includedModels: [\"*falcon*\"]\n");
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &yaml)];
    let s = env
        .start_with(settings, catalog_server::registry().unwrap())
        .await;
    let legacy = names(&list(&s, "source=legacy").await);
    assert_eq!(legacy.len(), 3, "{legacy:?}");
    assert!(!legacy.iter().any(|n| n.contains("falcon")));
    // The legacy spelling of the include list (PM-5).
    assert_eq!(list(&s, "source=spelled").await["totalSize"], 1);
    // The same names in two sources coexist, each reachable by its source.
    assert_eq!(list(&s, "source=twin").await["totalSize"], 4);
    for id in ["legacy", "twin"] {
        let m = s
            .get(&format!("{BASE}/sources/{id}/models/{}", legacy[0]))
            .await
            .body;
        assert_eq!(m["source_id"], id);
    }
    let src = s.get(&format!("{BASE}/sources?name=broken")).await.body;
    assert_eq!(src["items"][0]["status"], "error");
    assert!(
        src["items"][0]["error"]
            .as_str()
            .unwrap()
            .contains("excludedModels[0]")
    );
    s.stop().await;
    env.cleanup().await;
}

async fn preview(s: &TestServer, query: &str, parts: &[(&str, &str)]) -> common::Reply {
    common::form::post_form(s, &format!("{BASE}/sources/preview?{query}"), parts).await
}

async fn preview_uploaded_and_configured_files(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let data = "models:\n  - name: a/keep-1\n  - name: a/drop-1\n  - name: b/keep-2\n";
    let config = "type: yaml\nexcludedModels: [\"*drop*\"]\n";
    let r = preview(
        &s,
        "pageSize=2",
        &[("config", config), ("catalogData", data)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["items"],
        json!([{"name": "a/keep-1", "included": true}, {"name": "a/drop-1", "included": false}])
    );
    assert_eq!(
        r.body["summary"],
        json!({"totalModels": 3, "includedModels": 2, "excludedModels": 1})
    );
    let token = r.body["nextPageToken"].as_str().unwrap();
    let next = preview(
        &s,
        &format!("pageSize=2&nextPageToken={token}"),
        &[("config", config), ("catalogData", data)],
    )
    .await;
    assert_eq!(
        next.body["items"],
        json!([{"name": "b/keep-2", "included": true}])
    );
    let excluded = preview(
        &s,
        "filterStatus=excluded",
        &[("config", config), ("catalogData", data)],
    )
    .await;
    assert_eq!(
        excluded.body["items"],
        json!([{"name": "a/drop-1", "included": false}])
    );
    assert_eq!(
        excluded.body["summary"]["totalModels"], 3,
        "the summary ignores filterStatus"
    );

    // A configured data directory may be read; anything else may not.
    let inside = env.dir.path().join("catalog/dev-validated-models.yaml");
    let ok = preview(
        &s,
        "",
        &[(
            "config",
            &format!(
                "type: yaml\nproperties:\n  yamlCatalogPath: \"{}\"\n",
                inside.display()
            ),
        )],
    )
    .await;
    assert_eq!(ok.body["summary"]["totalModels"], 4, "{}", ok.body);
    let outside = env.write("elsewhere/secret.yaml", data);
    let refused = preview(
        &s,
        "",
        &[(
            "config",
            &format!(
                "type: yaml\nproperties:\n  yamlCatalogPath: \"{}\"\n",
                outside.display()
            ),
        )],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);

    for (parts, status) in [
        (vec![("catalogData", data)], 400),
        (
            vec![("config", "includedItems: [x]\n"), ("catalogData", data)],
            422,
        ),
        (vec![("config", "type: git\n"), ("catalogData", data)], 422),
        (
            vec![
                ("config", "type: yaml\nincludedItems: [\" \"]\n"),
                ("catalogData", data),
            ],
            422,
        ),
        (
            vec![
                ("config", config),
                ("catalogData", "models:\n  - name: x\n    bogus: 1\n"),
            ],
            422,
        ),
    ] {
        let r = preview(&s, "", &parts).await;
        assert_eq!(r.status, status, "{parts:?}: {}", r.body);
    }
    assert_eq!(
        preview(&s, "filterStatus=some", &[("config", config)])
            .await
            .status,
        400
    );
    s.stop().await;
    env.cleanup().await;
}

/// Bad files are rejected whole, naming the file and the field; the last good data stays.
async fn bad_input_keeps_last_good_data(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env).await;
    let file = env.dir.path().join("catalog/dev-community-models.yaml");
    let good = fixture("dev-community-models.yaml");
    let refresh = || async {
        s.post(
            &format!("{BASE}/management/refresh/community_custom_models"),
            &json!({}),
        )
        .await
        .body
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            good.replacen(
                "string_value: \"generative\"",
                "string_value: [generative]",
                1,
            )
            .into_bytes(),
            "field 'customProperties.model_type' string_value must be a string",
        ),
        (
            good.replacen(
                "      - uri: oci",
                "      - artifactType: weights\n        uri: oci",
                1,
            )
            .into_bytes(),
            "field 'artifacts[0].artifactType' unknown artifact type",
        ),
        (
            good.replacen("models:", "extra: 1\nmodels:", 1)
                .into_bytes(),
            "unknown top-level key `extra`",
        ),
        (
            good.replacen("    provider:", "    colour: blue\n    provider:", 1)
                .into_bytes(),
            "unknown field 'colour'",
        ),
        (
            good.replacen("language: [\"en\", \"es\", \"fr\"]", "language: [1]", 1)
                .into_bytes(),
            "field 'language[0]' must be a string",
        ),
        (b"models:\n  - name: \xff\xfe\n".to_vec(), "UTF-8"),
    ];
    for (content, expected) in cases {
        std::fs::write(&file, &content).unwrap();
        let r = refresh().await;
        let err = r["error"].as_str().unwrap_or_default();
        assert!(err.contains("dev-community-models.yaml"), "{r}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert_eq!(
            list(&s, "source=community_custom_models").await["totalSize"],
            4
        );
    }
    // A 50 MB file is refused before parsing.
    let big = std::fs::File::create(&file).unwrap();
    big.set_len(50 * 1024 * 1024).unwrap();
    let err = refresh().await["error"].as_str().unwrap().to_string();
    assert!(
        err.contains("dev-community-models.yaml") && err.contains("larger than"),
        "{err}"
    );
    assert_eq!(
        list(&s, "source=community_custom_models").await["totalSize"],
        4
    );
    let src = s.get(&format!("{BASE}/sources?name=community")).await.body;
    assert_eq!(src["items"][0]["status"], "error");

    // Removing one entry removes exactly that model; renaming leaves no ghost.
    let first = names(&list(&s, "source=community_custom_models").await)[0].clone();
    let renamed = good.replacen(&format!("name: {first}"), &format!("name: {first}-v2"), 1);
    assert_ne!(renamed, good, "fixture names appear as plain scalars");
    std::fs::write(&file, &renamed).unwrap();
    let r = refresh().await;
    assert_eq!(r["entitiesRemoved"], 1, "{r}");
    let now = names(&list(&s, "source=community_custom_models").await);
    assert!(
        now.contains(&format!("{first}-v2")) && !now.contains(&first),
        "{now:?}"
    );
    s.stop().await;
    env.cleanup().await;
}

on_both_backends!(
    fixtures_load_with_exact_counts_and_typed_properties,
    get_by_source_and_name_and_404s,
    paging_ordering_filters_and_q,
    sources_labels_and_filter_options,
    bad_input_keeps_last_good_data,
    preview_uploaded_and_configured_files,
    legacy_excluded_models_property,
    computed_orderings_and_recommendations,
    invalid_labels_fail_only_the_model_plugin,
);
