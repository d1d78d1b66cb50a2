//! Strict parsing of real files: the reference document, located errors,
//! limits and serialization.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use catalog_config::{
    CatalogSources, ConfigError, ConfigErrorKind, MAX_DOCUMENT_BYTES, load_file, parse_str, to_yaml,
};
use serde_json::json;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sources.yaml")
}

/// Writes `text` to `sources.yaml` in a fresh temp dir and loads it.
fn load_text(
    text: impl AsRef<[u8]>,
) -> (
    tempfile::TempDir,
    Result<catalog_config::Parsed, ConfigError>,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sources.yaml");
    std::fs::write(&path, text).unwrap();
    let result = load_file(&path);
    (dir, result)
}

fn load_err(text: &str) -> ConfigError {
    let (dir, result) = load_text(text);
    let err = result.expect_err("expected an error");
    // The file name is part of every message.
    assert_eq!(err.file, dir.path().join("sources.yaml"));
    assert!(
        err.to_string()
            .starts_with(&dir.path().join("sources.yaml").display().to_string())
    );
    println!("{err}");
    err
}

#[test]
fn reference_file_parses_unchanged() {
    let path = fixture();
    let parsed = load_file(&path).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let c = &parsed.config;
    assert_eq!(c.api_version, "catalog/v1alpha1");
    assert_eq!(c.kind, "CatalogSources");
    let keys: Vec<&str> = c.catalogs.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "agents",
            "guardrails",
            "knowledge",
            "mcp",
            "models",
            "policies",
            "prompts",
            "skills"
        ]
    );

    let models = &c.catalogs["models"];
    assert_eq!(models.sources.len(), 3);
    let ids: Vec<&str> = models.sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "organization_ai_models",
            "validated_ai_models",
            "community_custom_models"
        ]
    );
    assert_eq!(models.sources[0].name, "Organization AI Models");
    assert_eq!(models.sources[0].source_type, "yaml");
    assert_eq!(
        models.sources[0].labels.as_deref(),
        Some(&["Organization AI".to_string()][..])
    );
    assert_eq!(
        models.sources[0].properties.as_ref().unwrap()["yamlCatalogPath"],
        json!("../plugins/model/data/dev-organization-models.yaml")
    );

    let agents = &c.catalogs["agents"];
    assert_eq!(agents.sources.len(), 2);
    let git = &agents.sources[1];
    assert_eq!(git.id, "agents-git");
    assert_eq!(git.source_type, "git");
    let props = git.properties.as_ref().unwrap();
    assert_eq!(props["syncInterval"], json!("1h"));
    assert_eq!(props["path"], json!("**/*.yaml"));
    assert_eq!(git.labels.as_deref().unwrap(), ["Agents", "Git"]);

    for section in c.catalogs.values() {
        for s in &section.sources {
            assert_eq!(s.enabled, Some(true));
            assert!(s.is_enabled());
            assert_eq!(s.origin.as_deref(), Some(path.as_path()));
            assert!(s.included_items.is_none());
        }
    }
}

#[test]
fn defaults_and_full_source_shape() {
    let text = r##"
catalogs:
  models:
    sources:
      - id: team-models
        name: "Team Models"
        type: yaml
        labels: ["Team"]
        properties: {yamlCatalogPath: "./data/team-models.yaml", nested: {deep: [1, 2.5, null, true]}}
        includedItems: ["granite-*"]
        excludedItems: ["*-draft"]
      - {id: off, name: Off, type: yaml, enabled: false}
    labels:
      - {name: Team, color: "#fff", extra: {anything: [1]}}
    namedQueries:
      big_models: {parameterCount: {operator: ">=", value: 30000000000}}
      small: {parameterCount: {operator: "<", value: -5}, license: {operator: contains, value: apache}}
"##;
    let parsed = parse_str(text, Path::new("mem.yaml")).unwrap();
    let models = &parsed.config.catalogs["models"];
    assert!(models.sources[0].enabled.is_none());
    assert!(models.sources[0].is_enabled());
    assert!(!models.sources[1].is_enabled());
    assert_eq!(
        models.sources[0].included_items.as_deref().unwrap(),
        ["granite-*"]
    );
    assert_eq!(
        models.sources[0].properties.as_ref().unwrap()["nested"],
        json!({"deep": [1, 2.5, null, true]})
    );
    assert_eq!(models.labels[0]["extra"], json!({"anything": [1]}));

    // Integers stay integers.
    let big = &models.named_queries["big_models"]["parameterCount"];
    assert_eq!(big.operator, ">=");
    assert!(big.value.is_u64() || big.value.is_i64(), "{:?}", big.value);
    assert!(!big.value.is_f64());
    assert_eq!(big.value.as_u64(), Some(30_000_000_000));
    assert_eq!(serde_json::to_string(&big.value).unwrap(), "30000000000");
    let small = &models.named_queries["small"]["parameterCount"];
    assert_eq!(small.value.as_i64(), Some(-5));
    assert_eq!(
        models.named_queries["small"]["license"].value,
        json!("apache")
    );
}

#[test]
fn empty_api_version_and_kind_are_fine_other_values_warn() {
    let p = parse_str("apiVersion: \"\"\nkind: \"\"\n", Path::new("a.yaml")).unwrap();
    assert!(p.warnings.is_empty());
    assert_eq!(p.config, CatalogSources::default());

    let p = parse_str("apiVersion: catalog/v2\nkind: Other\n", Path::new("a.yaml")).unwrap();
    assert_eq!(p.config.api_version, "catalog/v2");
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    assert!(p.warnings[0].contains("a.yaml") && p.warnings[0].contains("catalog/v2"));
    assert!(p.warnings[1].contains("Other"));
}

#[test]
fn null_sections_and_lists_are_empty() {
    let p = parse_str(
        "catalogs:\n  models:\n  mcp:\n    sources:\n",
        Path::new("a.yaml"),
    )
    .unwrap();
    assert_eq!(p.config.catalogs.len(), 2);
    assert!(p.config.catalogs["models"].sources.is_empty());
    assert!(p.config.catalogs["mcp"].sources.is_empty());
}

#[test]
fn unknown_root_key() {
    let e =
        load_err("apiVersion: catalog/v1alpha1\nkind: CatalogSources\ncatalog:\n  models: {}\n");
    assert_eq!(e.kind, ConfigErrorKind::Schema);
    assert_eq!((e.line, e.column), (Some(3), Some(1)));
    assert_eq!(e.path, "");
    assert!(e.message.starts_with("unknown field `catalog`"), "{e}");
}

#[test]
fn unknown_section_key() {
    let e = load_err("catalogs:\n  models:\n    sources: []\n    namedQuery: {}\n");
    assert_eq!((e.line, e.column), (Some(4), Some(5)));
    assert_eq!(e.path, "catalogs.models");
    assert!(e.message.starts_with("unknown field `namedQuery`"), "{e}");
}

#[test]
fn unknown_source_key() {
    let text = "\
apiVersion: catalog/v1alpha1
kind: CatalogSources
catalogs:
  mcp:
    sources:
      - id: mcp-local
        type: yaml
        propertiez: {yamlCatalogPath: x}
";
    let e = load_err(text);
    assert_eq!((e.line, e.column), (Some(8), Some(9)));
    assert_eq!(e.path, "catalogs.mcp.sources[0]");
    assert!(
        e.message
            .starts_with("unknown field `propertiez`, expected one of"),
        "{e}"
    );
    let rendered = e.to_string();
    assert!(
        rendered.ends_with(&format!(
            "sources.yaml:8:9: catalogs.mcp.sources[0]: {}",
            e.message
        )),
        "{rendered}"
    );
}

#[test]
fn unknown_condition_key() {
    let text = "\
catalogs:
  models:
    namedQueries:
      big:
        parameterCount:
          operator: \">=\"
          value: 1
          valeu: 2
";
    let e = load_err(text);
    assert_eq!((e.line, e.column), (Some(8), Some(11)));
    assert_eq!(e.path, "catalogs.models.namedQueries.big.parameterCount");
    assert!(e.message.starts_with("unknown field `valeu`"), "{e}");
}

#[test]
fn condition_missing_value() {
    let e = load_err("catalogs:\n  models:\n    namedQueries:\n      q: {f: {operator: \"==\"}}\n");
    assert_eq!(e.line, Some(4));
    assert_eq!(e.path, "catalogs.models.namedQueries.q.f");
    assert!(e.message.contains("missing field `value`"), "{e}");
}

#[test]
fn free_form_maps_are_not_checked() {
    let text = "catalogs:\n  m:\n    labels: [{whatever: 1, nested: {x: y}}]\n    sources:\n      - id: a\n        properties: {anyKey: 1, another: {deep: true}}\n";
    let p = parse_str(text, Path::new("a.yaml")).unwrap();
    assert_eq!(p.config.catalogs["m"].labels.len(), 1);
}

#[test]
fn duplicate_mapping_keys_are_rejected() {
    // In a fixed-level mapping.
    let e = load_err(
        "catalogs:\n  models:\n    sources:\n      - id: a\n        name: A\n        name: B\n",
    );
    assert_eq!(e.kind, ConfigErrorKind::Schema);
    assert_eq!((e.line, e.column), (Some(6), Some(9)));
    assert_eq!(e.path, "catalogs.models.sources[0]");
    assert!(e.message.contains("duplicate mapping key `name`"), "{e}");
    assert!(e.message.contains("line 5"), "{e}");

    // At the root.
    let e = load_err("kind: CatalogSources\nkind: CatalogSources\n");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("duplicate mapping key `kind`"), "{e}");

    // Also inside free-form maps.
    let e = load_err(
        "catalogs:\n  m:\n    sources:\n      - id: a\n        properties: {x: 1, x: 2}\n",
    );
    assert_eq!(e.line, Some(5));
    assert_eq!(e.path, "catalogs.m.sources[0].properties");
    assert!(e.message.contains("duplicate mapping key `x`"), "{e}");

    // Duplicate section keys.
    let e = load_err("catalogs:\n  models: {}\n  models: {}\n");
    assert_eq!((e.line, e.path.as_str()), (Some(3), "catalogs"));
}

#[test]
fn wrong_types_are_rejected_with_line() {
    let e =
        load_err("catalogs:\n  models:\n    sources:\n      - id: a\n        enabled: \"maybe\"\n");
    assert_eq!((e.line, e.column), (Some(5), Some(18)));
    assert_eq!(e.path, "catalogs.models.sources[0].enabled");
    assert!(e.message.contains("expected a boolean"), "{e}");

    // YAML 1.1 booleans are not booleans here.
    let e = load_err("catalogs:\n  models:\n    sources:\n      - id: a\n        enabled: yes\n");
    assert_eq!(e.line, Some(5));

    let e = load_err("catalogs:\n  models:\n    sources: {}\n");
    assert_eq!((e.line, e.column), (Some(3), Some(14)));
    assert_eq!(e.path, "catalogs.models.sources");
    assert!(e.message.contains("expected a sequence"), "{e}");

    let e = load_err("catalogs:\n  m:\n    sources:\n      - id: a\n        labels: [x, [y]]\n");
    assert_eq!(e.line, Some(5));
    assert_eq!(e.path, "catalogs.m.sources[0].labels[1]");

    let e = load_err("catalogs: [a]\n");
    assert_eq!((e.line, e.path.as_str()), (Some(1), "catalogs"));

    let e = load_err("catalogs:\n  m:\n    sources:\n      - id: a\n        properties: [1]\n");
    assert_eq!(e.path, "catalogs.m.sources[0].properties");
}

#[test]
fn missing_or_empty_id_is_rejected() {
    let e = load_err(
        "catalogs:\n  models:\n    sources:\n      - id: a\n      - name: No Id\n        type: yaml\n",
    );
    assert_eq!(e.kind, ConfigErrorKind::Validation);
    assert_eq!(e.path, "catalogs.models.sources[1]");
    assert_eq!(e.line, Some(5));
    assert!(e.message.contains("\"models\""), "{e}");
    assert!(e.message.contains("has no id"), "{e}");

    let e = load_err("catalogs:\n  mcp:\n    sources:\n      - id: \"\"\n");
    assert_eq!(e.path, "catalogs.mcp.sources[0]");
    assert_eq!(e.line, Some(4));
    assert!(e.message.contains("\"mcp\""), "{e}");
    assert!(e.message.contains("empty id"), "{e}");

    let e = load_err("catalogs:\n  mcp:\n    sources:\n      - id: \"  \"\n");
    assert!(e.message.contains("empty id \"  \""), "{e}");
}

#[test]
fn duplicate_id_is_rejected() {
    let text = "\
catalogs:
  models:
    sources:
      - id: team-models
        name: A
      - id: team-models
        name: B
  mcp:
    sources:
      - id: team-models
";
    let e = load_err(text);
    assert_eq!(e.kind, ConfigErrorKind::Validation);
    assert_eq!(e.path, "catalogs.models.sources[1]");
    assert_eq!((e.line, e.column), (Some(6), Some(13)));
    assert!(
        e.message.contains("duplicate source id \"team-models\""),
        "{e}"
    );
    assert!(e.message.contains("\"models\""), "{e}");

    // The same id in different sections is fine.
    let ok = "catalogs:\n  a:\n    sources: [{id: x}]\n  b:\n    sources: [{id: x}]\n";
    assert!(parse_str(ok, Path::new("a.yaml")).is_ok());
}

#[test]
fn oversized_document_is_rejected_before_parsing() {
    // Exactly 1 MiB of valid YAML is accepted...
    let mut text = String::from("kind: CatalogSources\n");
    text.push_str(&"#".repeat(MAX_DOCUMENT_BYTES - text.len()));
    assert_eq!(text.len(), MAX_DOCUMENT_BYTES);
    let (_dir, result) = load_text(&text);
    result.unwrap();

    // ...one more byte is not, and the file is named.
    text.push('#');
    let (dir, result) = load_text(&text);
    let e = result.unwrap_err();
    println!("{e}");
    assert_eq!(e.kind, ConfigErrorKind::TooLarge);
    assert_eq!(e.file, dir.path().join("sources.yaml"));
    assert!(e.message.contains("1 MiB"), "{e}");
    assert!(e.to_string().contains("sources.yaml"), "{e}");

    // parse_str applies the same limit; even garbage is not parsed.
    let garbage = format!("{{{{[[: {}", "x".repeat(MAX_DOCUMENT_BYTES));
    let e = parse_str(&garbage, Path::new("mem.yaml")).unwrap_err();
    assert_eq!(e.kind, ConfigErrorKind::TooLarge);
}

#[test]
fn invalid_utf8_is_rejected() {
    let (_dir, result) = load_text(b"kind: CatalogSources\nname: caf\xe9\n");
    let e = result.unwrap_err();
    println!("{e}");
    assert_eq!(e.kind, ConfigErrorKind::InvalidUtf8);
    assert_eq!((e.line, e.column), (Some(2), Some(10)));
    assert!(e.message.contains("not valid UTF-8"), "{e}");
}

#[test]
fn alias_bomb_fails_fast() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let (prev, cur) = (w[0], w[1]);
        let items = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{cur}: &{cur} [{items}]\n"));
    }
    assert_eq!(text.lines().count(), 9);
    let start = Instant::now();
    let (_dir, result) = load_text(&text);
    let e = result.unwrap_err();
    let elapsed = start.elapsed();
    println!("{e} ({elapsed:?})");
    assert_eq!(e.kind, ConfigErrorKind::Syntax);
    assert!(e.message.to_lowercase().contains("alias"), "{e}");
    assert!(e.line.is_some(), "{e}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

#[test]
fn small_alias_use_is_fine() {
    let text = "catalogs:\n  m:\n    sources:\n      - id: a\n        labels: &l [x, y]\n      - id: b\n        labels: *l\n";
    let p = parse_str(text, Path::new("a.yaml")).unwrap();
    assert_eq!(
        p.config.catalogs["m"].sources[1].labels.as_deref().unwrap(),
        ["x", "y"]
    );
}

#[test]
fn syntax_error_is_located() {
    let e = load_err("catalogs:\n  models:\n    sources: [\n");
    assert_eq!(e.kind, ConfigErrorKind::Syntax);
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn multiple_documents_are_rejected() {
    let e = load_err("kind: CatalogSources\n---\nkind: CatalogSources\n");
    assert_eq!(e.kind, ConfigErrorKind::Syntax);
    assert!(e.message.contains("single YAML document"), "{e}");
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn missing_file_is_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = load_file(&dir.path().join("nope.yaml")).unwrap_err();
    assert_eq!(e.kind, ConfigErrorKind::Io);
    assert!(e.to_string().contains("nope.yaml"));
}

#[test]
fn to_yaml_round_trips_the_reference_file() {
    let path = fixture();
    let original = load_file(&path).unwrap().config;
    let yaml = to_yaml(&original).unwrap();
    let again = parse_str(&yaml, &path).unwrap();
    assert!(again.warnings.is_empty());
    assert_eq!(again.config, original);
}

#[test]
fn to_yaml_round_trips_tricky_values() {
    let text = r#"
catalogs:
  "odd key":
    sources:
      - id: "123"
        name: "true"
        type: "null"
        enabled: false
        labels: []
        properties: {n: 30000000000, neg: -7, f: 1.5, s: "0x1F", y: "yes", empty: "", multi: "a\nb", star: "*x", nul: null}
        includedItems: ["granite-*"]
        excludedItems: ["*-draft"]
    labels: [{a: 1}]
    namedQueries:
      big: {parameterCount: {operator: ">=", value: 30000000000}}
"#;
    let original = parse_str(text, Path::new("x.yaml")).unwrap().config;
    let yaml = to_yaml(&original).unwrap();
    let again = parse_str(&yaml, Path::new("x.yaml")).unwrap().config;
    assert_eq!(again, original, "serialized:\n{yaml}");
    let s = &again.catalogs["odd key"].sources[0];
    assert_eq!(s.labels, Some(vec![]));
    assert_eq!(s.id, "123");
    assert!(s.properties.as_ref().unwrap()["n"].is_u64());
}
