//! Black-box tests of the MCP catalog (spec 04 §3) on SQLite and PostgreSQL.

mod common;

use common::filters::{check_every_filter_field, urlencode};
use common::{Backend, Env, TestServer, mcp_fixture, names};
use serde_json::{Value, json};

const BASE: &str = "/api/mcp_catalog/v1alpha1";

/// An extra file exercising the richer optional fields (§3.5) and a name shared with the
/// reference file.
const EXTENDED: &str = r#"mcpservers:
  - name: weather-tools
    serverUrl: https://mcp.example.net/weather
    transportType: http
    deploymentMode: hybrid
    supportedTransports: "http,sse"
    version: "1.2.0"
    tags: [weather, forecast]
    transports: [http, sse]
    endpoints: {http: "https://mcp.example.net/weather", sse: "https://mcp.example.net/weather/sse"}
    securityIndicators: {verifiedSource: true, secureEndpoint: true, sast: false, readOnlyTools: true}
    artifacts:
      - uri: oci://registry.example.net/weather:1.2.0
    tools:
      - name: forecast
        accessType: read_only
        parameters:
          - {name: city, type: string, required: true}
      - name: alert
        accessType: execute
        revoked: true
        revokedReason: flaky
    customProperties:
      team: forecasting
      tier: 2
      prerequisites: [api-key]
      runtime: {memoryMb: 256}
  - name: github-mcp-server
    deploymentMode: remote
    verified: false
"#;

async fn start(env: &Env, extra_source: &str) -> TestServer {
    let reference = env.write(
        "catalog/mcp.yaml",
        &std::fs::read_to_string(mcp_fixture()).unwrap(),
    );
    let extended = env.write("catalog/extended.yaml", EXTENDED);
    let yaml = format!(
        "catalogs:\n  mcp:\n    sources:\n      - id: reference\n        name: Reference\n        type: yaml\n        labels: [Reference]\n        properties:\n          yamlCatalogPath: \"{}\"\n      - id: extended\n        name: Extended\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n{extra_source}",
        reference.display(),
        extended.display()
    );
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", &yaml)];
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

async fn list(s: &TestServer, query: &str) -> Value {
    let r = s
        .get(&format!("{BASE}/mcpservers?pageSize=1000&{query}"))
        .await;
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    r.body
}

async fn reference_counts_fields_and_filters(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, "").await;
    let reference = list(&s, "source=reference").await;
    assert_eq!(reference["totalSize"], 6);
    let count = |mode: &str| {
        reference["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["deploymentMode"] == mode)
            .count()
    };
    assert_eq!((count("local"), count("remote")), (4, 2));
    for item in reference["items"].as_array().unwrap() {
        assert_eq!(item["sourceId"], "reference");
        assert!(item["id"].is_string() && item["createTimeSinceEpoch"].is_string());
    }
    let transports = list(
        &s,
        &format!(
            "filterQuery={}",
            urlencode("transportType IN ('stdio', 'http')")
        ),
    )
    .await;
    assert_eq!(transports["totalSize"], 7);

    // Same name in two sources: both served; a name lookup takes `source`, else the first id.
    assert_eq!(list(&s, "q=github-mcp").await["totalSize"], 2);
    let first = s.get(&format!("{BASE}/mcpservers/github-mcp-server")).await;
    assert_eq!(first.body["sourceId"], "extended");
    let other = s
        .get(&format!(
            "{BASE}/mcpservers/github-mcp-server?source=reference"
        ))
        .await;
    assert_eq!(other.body["sourceId"], "reference");
    let missing = s.get(&format!("{BASE}/mcpservers/nope")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"], "not_found");

    // The richer fields round-trip with their YAML types; toolCount comes from tools.
    let w = s
        .get(&format!("{BASE}/mcpservers/weather-tools"))
        .await
        .body;
    assert_eq!(w["toolCount"], 2);
    assert_eq!(w["tools"][0]["parameters"][0]["required"], json!(true));
    assert_eq!(w["securityIndicators"]["readOnlyTools"], json!(true));
    assert_eq!(w["endpoints"]["sse"], "https://mcp.example.net/weather/sse");
    assert_eq!(w["customProperties"]["tier"], 2);
    assert_eq!(w["customProperties"]["runtime"], json!({"memoryMb": 256}));
    assert_eq!(w["transports"], json!(["http", "sse"]));

    // Every advertised filter field, booleans included.
    let fields = check_every_filter_field(&s, "mcp", &format!("{BASE}/mcpservers")).await;
    for f in [
        "deploymentMode",
        "transportType",
        "toolCount",
        "verified",
        "certified",
        "category",
    ] {
        assert!(fields.contains(&f.to_string()), "{fields:?}");
    }
    assert!(
        list(&s, "filterQuery=verified%20%3D%20true").await["totalSize"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(
        list(&s, "filterQuery=toolCount%20%3E%3D%2012").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["toolCount"].as_i64().unwrap() >= 12)
    );
    assert_eq!(
        s.get(&format!(
            "{BASE}/mcpservers?filterQuery=verified%20%3D%20'yes'"
        ))
        .await
        .status,
        400
    );

    // q over name, description, provider and category; source labels.
    assert!(list(&s, "q=red%20hat").await["totalSize"].as_u64().unwrap() >= 1);
    assert_eq!(
        list(&s, "q=forecast").await["totalSize"],
        0,
        "tags are not searched"
    );
    assert_eq!(list(&s, "sourceLabel=reference").await["totalSize"], 6);
    assert_eq!(list(&s, "sourceLabel=null").await["totalSize"], 2);
    assert_eq!(
        s.get(&format!("{BASE}/mcpservers?source=a&sourceLabel=b"))
            .await
            .status,
        400
    );
    s.stop().await;
    env.cleanup().await;
}

async fn paging_and_ordering(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, "").await;
    for order in [
        "NAME",
        "toolCount",
        "deploymentMode",
        "provider",
        "CREATE_TIME",
    ] {
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let r = s
                .get(&format!("{BASE}/mcpservers?pageSize=3&orderBy={order}&sortOrder=DESC&nextPageToken={token}"))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            seen.extend(
                names(&r.body).into_iter().zip(
                    r.body["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i["sourceId"].to_string()),
                ),
            );
            token = r.body["nextPageToken"].as_str().unwrap().to_string();
            if token.is_empty() {
                break;
            }
        }
        assert_eq!(seen.len(), 8, "{order}");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 8, "{order}: each exactly once");
    }
    let tools: Vec<i64> = list(&s, "orderBy=toolCount&source=reference").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["toolCount"].as_i64().unwrap())
        .collect();
    assert!(
        tools.windows(2).all(|w| w[0] <= w[1]),
        "numeric order: {tools:?}"
    );
    assert_eq!(
        s.get(&format!("{BASE}/mcpservers?orderBy=colour"))
            .await
            .status,
        400
    );
    assert_eq!(
        s.get(&format!("{BASE}/mcpservers?pageSize=0")).await.status,
        400
    );
    assert_eq!(
        s.get(&format!("{BASE}/mcpservers?pageToken=zzz"))
            .await
            .status,
        400
    );
    s.stop().await;
    env.cleanup().await;
}

async fn globs_refresh_and_strictness(backend: Backend) {
    let env = Env::new(&backend).await;
    let globbed = "      - id: globbed\n        name: Globbed\n        type: yaml\n        includedItems: [\"*-MCP-server\"]\n        excludedItems: [\"git*\"]\n        properties:\n          yamlCatalogPath: mcp.yaml\n";
    let s = start(&env, globbed).await;
    let g = names(&list(&s, "source=globbed").await);
    assert_eq!(g.len(), 5, "{g:?}");
    assert!(
        g.iter()
            .all(|n| n.ends_with("-mcp-server") && !n.starts_with("git"))
    );

    let file = env.dir.path().join("catalog/extended.yaml");
    let refresh = || async {
        s.post(&format!("{BASE}/management/refresh/extended"), &json!({}))
            .await
            .body
    };
    // Unknown keys (top level of an entry or nested) and bad nested types reject the file.
    for (content, expected) in [
        (
            EXTENDED.replace("    version:", "    colour: red\n    version:"),
            "unknown field 'colour'",
        ),
        (
            EXTENDED.replace("accessType: execute", "accessType: delete"),
            "field 'tools[1].accessType' must be one of",
        ),
        (
            EXTENDED.replace("sast: false", "sast: 'no'"),
            "field 'securityIndicators.sast' must be true or false",
        ),
        (
            EXTENDED.replace("deploymentMode: remote", "deploymentMode: cloud"),
            "field 'deploymentMode' must be one of",
        ),
    ] {
        std::fs::write(&file, content).unwrap();
        let r = refresh().await;
        let err = r["error"].as_str().unwrap_or_default();
        assert!(
            err.contains("extended.yaml") && err.contains(expected),
            "{expected}: {r}"
        );
        assert_eq!(list(&s, "source=extended").await["totalSize"], 2);
    }
    // Removing an entry removes it; renaming leaves no ghost.
    std::fs::write(
        &file,
        EXTENDED
            .replace(
                "  - name: github-mcp-server\n    deploymentMode: remote\n    verified: false\n",
                "",
            )
            .replace("weather-tools", "weather-tools-2"),
    )
    .unwrap();
    let r = refresh().await;
    assert_eq!(
        (r["entitiesLoaded"].as_u64(), r["entitiesRemoved"].as_u64()),
        (Some(1), Some(2)),
        "{r}"
    );
    assert_eq!(
        names(&list(&s, "source=extended").await),
        ["weather-tools-2"]
    );
    s.stop().await;
    env.cleanup().await;
}

on_both_backends!(
    reference_counts_fields_and_filters,
    paging_and_ordering,
    globs_refresh_and_strictness,
);
