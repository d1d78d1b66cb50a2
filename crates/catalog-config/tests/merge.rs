//! Layering rules (FW-48, FW-50) and `load_files`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use catalog_config::{
    CatalogSources, NamedQueryCondition, Section, SourceConfig, load_files, merge, parse_str,
    resolve_path,
};
use serde_json::json;

fn parse(text: &str, origin: &str) -> CatalogSources {
    parse_str(text, Path::new(origin)).unwrap().config
}

fn src(id: &str, origin: &str) -> SourceConfig {
    SourceConfig {
        id: id.into(),
        name: format!("{id} name"),
        source_type: "yaml".into(),
        origin: Some(PathBuf::from(origin)),
        ..SourceConfig::default()
    }
}

fn section(sources: Vec<SourceConfig>) -> Section {
    Section {
        sources,
        ..Section::default()
    }
}

fn config(sections: Vec<(&str, Section)>) -> CatalogSources {
    CatalogSources {
        api_version: String::new(),
        kind: String::new(),
        catalogs: sections
            .into_iter()
            .map(|(k, s)| (k.to_string(), s))
            .collect(),
    }
}

/// Runs `merge` and checks that neither input changed.
fn checked_merge(base: &CatalogSources, over: &CatalogSources) -> CatalogSources {
    let (b, o) = (base.clone(), over.clone());
    let out = merge(base, over);
    assert_eq!(base, &b, "merge modified its base");
    assert_eq!(over, &o, "merge modified its override");
    out
}

fn ids(c: &CatalogSources, key: &str) -> Vec<String> {
    c.catalogs[key]
        .sources
        .iter()
        .map(|s| s.id.clone())
        .collect()
}

#[test]
fn api_version_and_kind_take_non_empty_override() {
    let base = parse(
        "apiVersion: catalog/v1alpha1\nkind: CatalogSources\n",
        "/a.yaml",
    );
    let empty = parse("catalogs: {}\n", "/b.yaml");
    assert_eq!(checked_merge(&base, &empty), base);
    let other = parse("apiVersion: catalog/v2\nkind: Other\n", "/b.yaml");
    let out = checked_merge(&base, &other);
    assert_eq!(
        (out.api_version.as_str(), out.kind.as_str()),
        ("catalog/v2", "Other")
    );
}

#[test]
fn catalogs_are_a_union_and_shared_keys_merge() {
    let base = config(vec![
        ("models", section(vec![src("m1", "/a.yaml")])),
        ("mcp", section(vec![src("p1", "/a.yaml")])),
    ]);
    let over = config(vec![
        ("models", section(vec![src("m2", "/b.yaml")])),
        ("skills", section(vec![src("s1", "/b.yaml")])),
    ]);
    let out = checked_merge(&base, &over);
    assert_eq!(
        out.catalogs.keys().collect::<Vec<_>>(),
        ["mcp", "models", "skills"]
    );
    assert_eq!(ids(&out, "models"), ["m1", "m2"]);
    assert_eq!(ids(&out, "mcp"), ["p1"]);
    assert_eq!(ids(&out, "skills"), ["s1"]);
}

#[test]
fn base_order_is_kept_and_new_sources_append_in_override_order() {
    let base = config(vec![(
        "models",
        section(vec![src("c", "/a"), src("a", "/a"), src("b", "/a")]),
    )]);
    let over = config(vec![(
        "models",
        section(vec![
            src("z", "/b"),
            src("a", "/b"),
            src("y", "/b"),
            src("c", "/b"),
            src("x", "/b"),
        ]),
    )]);
    let out = checked_merge(&base, &over);
    assert_eq!(ids(&out, "models"), ["c", "a", "b", "z", "y", "x"]);
    // Repeating the merge gives the same order (no hash-map ordering).
    assert_eq!(checked_merge(&base, &over), out);
}

#[test]
fn name_and_type_take_non_empty_override() {
    let base = config(vec![("m", section(vec![src("a", "/a")]))]);
    let mut partial = src("a", "/b");
    partial.name.clear();
    partial.source_type.clear();
    let out = checked_merge(&base, &config(vec![("m", section(vec![partial]))]));
    let s = &out.catalogs["m"].sources[0];
    assert_eq!(
        (s.name.as_str(), s.source_type.as_str()),
        ("a name", "yaml")
    );

    let mut renamed = src("a", "/b");
    renamed.name = "New".into();
    renamed.source_type = "git".into();
    let out = checked_merge(&base, &config(vec![("m", section(vec![renamed]))]));
    let s = &out.catalogs["m"].sources[0];
    assert_eq!((s.name.as_str(), s.source_type.as_str()), ("New", "git"));
}

#[test]
fn enabled_takes_override_when_present() {
    let mut b = src("a", "/a");
    b.enabled = Some(false);
    let base = config(vec![("m", section(vec![b]))]);

    let out = checked_merge(&base, &config(vec![("m", section(vec![src("a", "/b")]))]));
    assert_eq!(out.catalogs["m"].sources[0].enabled, Some(false));

    let mut o = src("a", "/b");
    o.enabled = Some(true);
    let out = checked_merge(&base, &config(vec![("m", section(vec![o]))]));
    assert_eq!(out.catalogs["m"].sources[0].enabled, Some(true));
}

#[test]
fn lists_take_override_when_present_and_empty_clears() {
    let mut b = src("a", "/a");
    b.labels = Some(vec!["L".into()]);
    b.included_items = Some(vec!["inc*".into()]);
    b.excluded_items = Some(vec!["exc*".into()]);
    let base = config(vec![("m", section(vec![b.clone()]))]);

    // Absent: base kept.
    let out = checked_merge(&base, &config(vec![("m", section(vec![src("a", "/b")]))]));
    assert_eq!(out.catalogs["m"].sources[0].labels, b.labels);
    assert_eq!(
        out.catalogs["m"].sources[0].included_items,
        b.included_items
    );
    assert_eq!(
        out.catalogs["m"].sources[0].excluded_items,
        b.excluded_items
    );

    // Present: replaced, not appended.
    let mut o = src("a", "/b");
    o.labels = Some(vec!["X".into(), "Y".into()]);
    o.included_items = Some(vec!["new*".into()]);
    o.excluded_items = Some(vec!["old*".into()]);
    let out = checked_merge(&base, &config(vec![("m", section(vec![o]))]));
    let s = &out.catalogs["m"].sources[0];
    assert_eq!(s.labels.as_deref().unwrap(), ["X", "Y"]);
    assert_eq!(s.included_items.as_deref().unwrap(), ["new*"]);
    assert_eq!(s.excluded_items.as_deref().unwrap(), ["old*"]);

    // Some(empty): cleared.
    let mut o = src("a", "/b");
    o.labels = Some(vec![]);
    o.included_items = Some(vec![]);
    o.excluded_items = Some(vec![]);
    let out = checked_merge(&base, &config(vec![("m", section(vec![o]))]));
    let s = &out.catalogs["m"].sources[0];
    assert_eq!(s.labels, Some(vec![]));
    assert_eq!(s.included_items, Some(vec![]));
    assert_eq!(s.excluded_items, Some(vec![]));
}

#[test]
fn properties_replace_whole_and_move_the_origin() {
    let mut b = src("a", "/base/sources.yaml");
    b.properties = Some(
        json!({"yamlCatalogPath": "./a.yaml", "extra": 1})
            .as_object()
            .unwrap()
            .clone(),
    );
    let base = config(vec![("m", section(vec![b]))]);

    // No properties in the override: base map and origin stay.
    let mut o = src("a", "/over/sources.yaml");
    o.enabled = Some(false);
    let out = checked_merge(&base, &config(vec![("m", section(vec![o]))]));
    let s = &out.catalogs["m"].sources[0];
    assert_eq!(s.origin.as_deref(), Some(Path::new("/base/sources.yaml")));
    assert_eq!(s.properties.as_ref().unwrap()["extra"], json!(1));

    // Properties in the override: replaced whole (no key-level merge), origin moves.
    let mut o = src("a", "/over/sources.yaml");
    o.properties = Some(
        json!({"yamlCatalogPath": "./b.yaml"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let out = checked_merge(&base, &config(vec![("m", section(vec![o]))]));
    let s = &out.catalogs["m"].sources[0];
    assert_eq!(
        serde_json::Value::Object(s.properties.clone().unwrap()),
        json!({"yamlCatalogPath": "./b.yaml"})
    );
    assert_eq!(s.origin.as_deref(), Some(Path::new("/over/sources.yaml")));
    assert_eq!(
        resolve_path(s, "./b.yaml", Path::new("/fallback")),
        PathBuf::from("/over/b.yaml")
    );
}

#[test]
fn new_sources_keep_their_own_origin() {
    let base = config(vec![("m", section(vec![src("a", "/a.yaml")]))]);
    let over = config(vec![("m", section(vec![src("b", "/b.yaml")]))]);
    let out = checked_merge(&base, &over);
    let origins: Vec<_> = out.catalogs["m"]
        .sources
        .iter()
        .map(|s| s.origin.clone().unwrap())
        .collect();
    assert_eq!(
        origins,
        [PathBuf::from("/a.yaml"), PathBuf::from("/b.yaml")]
    );
}

fn cond(op: &str, v: serde_json::Value) -> NamedQueryCondition {
    NamedQueryCondition {
        operator: op.into(),
        value: v,
    }
}

#[test]
fn named_queries_union_by_name_then_field() {
    let mut b = Section::default();
    b.named_queries.insert(
        "big".into(),
        BTreeMap::from([
            ("params".to_string(), cond(">=", json!(30))),
            ("license".to_string(), cond("==", json!("mit"))),
        ]),
    );
    b.named_queries.insert(
        "onlyBase".into(),
        BTreeMap::from([("f".to_string(), cond("==", json!(1)))]),
    );
    let mut o = Section::default();
    o.named_queries.insert(
        "big".into(),
        BTreeMap::from([
            ("params".to_string(), cond(">=", json!(70))),
            ("tasks".to_string(), cond("contains", json!("chat"))),
        ]),
    );
    o.named_queries.insert(
        "onlyOver".into(),
        BTreeMap::from([("g".to_string(), cond("==", json!(2)))]),
    );

    let base = config(vec![("m", b)]);
    let over = config(vec![("m", o)]);
    let out = checked_merge(&base, &over);
    let q = &out.catalogs["m"].named_queries;
    assert_eq!(
        q.keys().collect::<Vec<_>>(),
        ["big", "onlyBase", "onlyOver"]
    );
    assert_eq!(q["big"].len(), 3);
    assert_eq!(q["big"]["params"], cond(">=", json!(70)));
    assert_eq!(q["big"]["license"], cond("==", json!("mit")));
    assert_eq!(q["big"]["tasks"], cond("contains", json!("chat")));
    // The base's named queries are not touched (the reference mutates them).
    assert_eq!(
        base.catalogs["m"].named_queries["big"]["params"],
        cond(">=", json!(30))
    );
}

#[test]
fn section_labels_take_non_empty_override() {
    let b = Section {
        labels: vec![json!({"name": "base"})],
        ..Section::default()
    };
    let base = config(vec![("m", b)]);

    let out = checked_merge(&base, &config(vec![("m", Section::default())]));
    assert_eq!(out.catalogs["m"].labels, [json!({"name": "base"})]);

    let o = Section {
        labels: vec![json!({"name": "o1"}), json!({"name": "o2"})],
        ..Section::default()
    };
    let out = checked_merge(&base, &config(vec![("m", o)]));
    assert_eq!(
        out.catalogs["m"].labels,
        [json!({"name": "o1"}), json!({"name": "o2"})]
    );
}

#[test]
fn merge_with_empty_is_identity() {
    let base = parse(
        "catalogs:\n  m:\n    sources:\n      - {id: a, name: A, type: yaml, enabled: false, properties: {p: 1}}\n",
        "/a.yaml",
    );
    let empty = CatalogSources::default();
    assert_eq!(checked_merge(&base, &empty), base);
    assert_eq!(checked_merge(&empty, &base), base);
}

#[test]
fn load_files_merges_real_files_left_to_right() {
    let dir = tempfile::tempdir().unwrap();
    let base_dir = dir.path().join("base");
    let over_dir = dir.path().join("over");
    std::fs::create_dir_all(&base_dir).unwrap();
    std::fs::create_dir_all(&over_dir).unwrap();
    let base_path = base_dir.join("sources.yaml");
    let over_path = over_dir.join("local.yaml");
    std::fs::write(
        &base_path,
        "\
apiVersion: catalog/v1alpha1
kind: CatalogSources
catalogs:
  models:
    sources:
      - id: team
        name: Team
        type: yaml
        labels: [Team]
        properties: {yamlCatalogPath: ./data/team.yaml}
      - id: community
        name: Community
        type: yaml
        properties: {yamlCatalogPath: ./data/community.yaml}
    namedQueries:
      big: {parameterCount: {operator: \">=\", value: 30000000000}}
  mcp:
    sources:
      - {id: mcp-default, name: MCP, type: yaml}
",
    )
    .unwrap();
    std::fs::write(
        &over_path,
        "\
apiVersion: catalog/v9
catalogs:
  models:
    sources:
      - id: extra
        name: Extra
        type: git
        properties: {repoUrl: \"https://example.com/r.git\"}
      - id: team
        enabled: false
        labels: []
        properties: {yamlCatalogPath: ./local-team.yaml}
    namedQueries:
      big: {license: {operator: \"==\", value: apache-2.0}}
  skills:
    sources:
      - {id: skills-default, name: Skills, type: yaml}
",
    )
    .unwrap();

    let parsed = load_files(&[base_path.clone(), over_path.clone()]).unwrap();
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    assert!(parsed.warnings[0].contains("local.yaml"));
    let c = &parsed.config;
    assert_eq!(c.api_version, "catalog/v9");
    assert_eq!(c.kind, "CatalogSources");
    assert_eq!(
        c.catalogs.keys().collect::<Vec<_>>(),
        ["mcp", "models", "skills"]
    );
    assert_eq!(ids(c, "models"), ["team", "community", "extra"]);

    let team = &c.catalogs["models"].sources[0];
    assert_eq!(team.name, "Team");
    assert_eq!(team.source_type, "yaml");
    assert!(!team.is_enabled());
    assert_eq!(team.labels, Some(vec![]));
    assert_eq!(team.origin.as_deref(), Some(over_path.as_path()));
    assert_eq!(
        resolve_path(team, "./local-team.yaml", Path::new("/unused")),
        over_dir.join("local-team.yaml")
    );

    let community = &c.catalogs["models"].sources[1];
    assert_eq!(community.origin.as_deref(), Some(base_path.as_path()));
    assert_eq!(
        resolve_path(community, "./data/community.yaml", Path::new("/unused")),
        base_dir.join("data/community.yaml")
    );
    assert_eq!(
        c.catalogs["models"].sources[2].origin.as_deref(),
        Some(over_path.as_path())
    );

    let big = &c.catalogs["models"].named_queries["big"];
    assert_eq!(big.len(), 2);
    assert_eq!(big["parameterCount"].value, json!(30_000_000_000_u64));
    assert_eq!(big["license"].value, json!("apache-2.0"));

    // Reversed order: the other file wins.
    let reversed = load_files(&[over_path.clone(), base_path.clone()]).unwrap();
    assert_eq!(reversed.config.api_version, "catalog/v1alpha1");
    assert_eq!(
        ids(&reversed.config, "models"),
        ["extra", "team", "community"]
    );
    let team = &reversed.config.catalogs["models"].sources[1];
    assert_eq!(team.labels.as_deref().unwrap(), ["Team"]);
    assert!(!team.is_enabled());
    assert_eq!(team.origin.as_deref(), Some(base_path.as_path()));
}

#[test]
fn load_files_with_no_files_is_empty() {
    let parsed = load_files(&[]).unwrap();
    assert_eq!(parsed.config, CatalogSources::default());
    assert!(parsed.warnings.is_empty());
}

#[test]
fn load_files_stops_at_the_first_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&good, "kind: CatalogSources\n").unwrap();
    std::fs::write(&bad, "kind: CatalogSources\nbogus: 1\n").unwrap();
    let e = load_files(&[good, bad.clone()]).unwrap_err();
    assert_eq!(e.file, bad);
    assert_eq!(e.line, Some(2));
}
