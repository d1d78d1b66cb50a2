//! The five asset catalogs on the reference fixtures (loaded unchanged from copies in
//! `tests/fixtures`): counts, filters of PA-82, cross-asset references and their exact dangling
//! counts (PA-57), and bad input (per-entry skips, duplicates, alias bombs).
#![cfg(all(
    feature = "agents",
    feature = "prompts",
    feature = "guardrails",
    feature = "policies",
    feature = "skills",
    feature = "mcp",
    feature = "knowledge",
    feature = "model"
))]

mod common;

use std::path::Path;

use common::{Backend, Env, TestServer, names};

const AGENTS: &str = "/api/agents_catalog/v1alpha1";
const SKILLS: &str = "/api/skills_catalog/v1alpha1";

on_both_backends!(
    fixtures_load_with_expected_counts_and_filters,
    references_resolve_across_plugins_with_exact_dangling_counts,
    bad_entries_are_skipped_and_reported,
    capabilities_follow_spec_05,
);

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// A sources file with every reference fixture of every plugin.
fn all_fixtures() -> String {
    let plugins: &[(&str, &[&str])] = &[
        ("agents", &["sample-agents.yaml", "research-agents.yaml"]),
        ("prompts", &["sample-prompts.yaml"]),
        ("guardrails", &["sample-guardrails.yaml"]),
        ("policies", &["sample-policies.yaml"]),
        ("skills", &["sample-skills.yaml"]),
        ("mcp", &["mcp-servers.yaml"]),
        ("knowledge", &["sample-knowledge-sources.yaml"]),
        (
            "model",
            &[
                "dev-organization-models.yaml",
                "dev-validated-models.yaml",
                "dev-community-models.yaml",
            ],
        ),
    ];
    let mut out = String::from("catalogs:\n");
    for (plugin, files) in plugins {
        out.push_str(&format!("  {plugin}:\n    sources:\n"));
        for file in *files {
            let id = file.trim_end_matches(".yaml");
            out.push_str(&format!(
                "      - id: {id}\n        name: {id}\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n",
                fixture(file)
            ));
        }
    }
    out
}

async fn start(env: &Env, config: &str) -> TestServer {
    let mut settings = env.settings();
    settings.sources = vec![env.write("catalog/sources.yaml", config)];
    env.start_with(settings, catalog_server::registry().unwrap())
        .await
}

async fn count(s: &TestServer, base: &str, plural: &str, filter: &str) -> u64 {
    let url = format!("{base}/{plural}?filterQuery={}", urlencode(filter));
    let r = s.get(&url).await;
    assert_eq!(r.status, 200, "{url}: {}", r.body);
    r.body["totalSize"].as_u64().unwrap()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn fixtures_load_with_expected_counts_and_filters(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, &all_fixtures()).await;
    for (base, plural, total) in [
        (AGENTS, "agents", 12),
        ("/api/prompts_catalog/v1alpha1", "prompttemplates", 12),
        ("/api/guardrails_catalog/v1alpha1", "guardrails", 10),
        ("/api/policies_catalog/v1alpha1", "policies", 10),
        (SKILLS, "skills", 12),
    ] {
        let r = s.get(&format!("{base}/{plural}")).await;
        assert_eq!(r.body["totalSize"], total, "{plural}: {}", r.body);
        let diag = s.get(&format!("{base}/management/diagnostics")).await.body;
        for src in diag["sources"].as_array().unwrap() {
            assert_eq!(src["state"], "available", "{src}");
            assert!(src["error"].is_null(), "no skipped entries: {src}");
        }
    }
    // PA-82.
    assert_eq!(
        count(&s, AGENTS, "agents", "agentType='task_oriented'").await,
        4
    );
    let prompts = "/api/prompts_catalog/v1alpha1";
    assert_eq!(
        count(&s, prompts, "prompttemplates", "format='chat_messages'").await,
        5
    );
    assert_eq!(
        count(&s, prompts, "prompttemplates", "taskTags='development'").await,
        4
    );
    let guardrails = "/api/guardrails_catalog/v1alpha1";
    assert_eq!(
        count(
            &s,
            guardrails,
            "guardrails",
            "enforcementStage='post_generation'"
        )
        .await,
        5
    );
    assert_eq!(
        count(&s, guardrails, "guardrails", "riskCategories='pii'").await,
        2
    );
    let policies = "/api/policies_catalog/v1alpha1";
    assert_eq!(count(&s, policies, "policies", "language='rego'").await, 5);
    let high = s
        .get(&format!(
            "{SKILLS}/skills?filterQuery={}",
            urlencode("riskLevel='high'")
        ))
        .await;
    assert_eq!(names(&high.body), ["deploy-model", "run-pytest"]);
    let page = s
        .get(&format!("{AGENTS}/agents?orderBy=name&pageSize=3"))
        .await
        .body;
    assert_eq!(
        names(&page),
        [
            "code-executor",
            "code-review-agent",
            "customer-support-agent"
        ]
    );
    assert!(!page["nextPageToken"].as_str().unwrap().is_empty());
    // Reference filters (PA-60): "agents using guardrail X".
    assert!(count(&s, AGENTS, "agents", "guardrailRef='pii-detector'").await >= 1);
    assert_eq!(
        count(&s, AGENTS, "agents", "guardrailRef='no-such-guardrail'").await,
        0
    );
    s.stop().await;
    env.cleanup().await;
}

async fn references_resolve_across_plugins_with_exact_dangling_counts(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, &all_fixtures()).await;

    // PA-82: customer-support-agent, in link order, all resolved but the model.
    let r = s
        .get(&format!(
            "{AGENTS}/agents/customer-support-agent/references"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "Skill",
            "Skill",
            "KnowledgeSource",
            "KnowledgeSource",
            "Guardrail",
            "Guardrail",
            "Policy",
            "PromptTemplate",
            "CatalogModel"
        ]
    );
    for item in &items[..8] {
        assert_eq!(item["resolved"], true, "{item}");
        assert!(
            item["uid"].is_string() && item["sourceId"].is_string(),
            "{item}"
        );
    }
    assert_eq!(items[8]["name"], "gpt-4o");
    assert_eq!(items[8]["resolved"], false);
    assert_eq!(items[8]["reason"], "NotFound");
    assert_eq!(items[0]["field"], "tools[0].skillRef");
    assert_eq!(r.body["size"], 9);
    assert_eq!(r.body["unresolvedCount"], 1);

    // PA-57: 47 agent references (without models), 15 unresolved; 13 model references, all
    // unresolved; 4 skill → MCP references, all unresolved.
    let (mut total, mut dangling, mut models, mut models_dangling) = (0, 0, 0, 0);
    for agent in names(&s.get(&format!("{AGENTS}/agents")).await.body) {
        let r = s
            .get(&format!("{AGENTS}/agents/{agent}/references"))
            .await
            .body;
        for item in r["items"].as_array().unwrap() {
            let unresolved = item["resolved"] == false;
            if item["kind"] == "CatalogModel" {
                models += 1;
                models_dangling += usize::from(unresolved);
            } else {
                total += 1;
                dangling += usize::from(unresolved);
            }
        }
    }
    assert_eq!((total, dangling), (47, 15));
    assert_eq!((models, models_dangling), (13, 13));
    let (mut mcp, mut mcp_dangling) = (0, 0);
    for skill in names(&s.get(&format!("{SKILLS}/skills")).await.body) {
        let r = s
            .get(&format!("{SKILLS}/skills/{skill}/references"))
            .await
            .body;
        mcp += r["size"].as_u64().unwrap();
        mcp_dangling += r["unresolvedCount"].as_u64().unwrap();
    }
    assert_eq!((mcp, mcp_dangling), (4, 4));
    // The same counts per source in diagnostics (PA-49): 15 + 13 for agents, 4 for skills.
    for (base, expected) in [(AGENTS, 28), (SKILLS, 4)] {
        let diag = s.get(&format!("{base}/management/diagnostics")).await.body;
        let sum: u64 = diag["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["unresolvedReferences"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, expected, "{diag}");
    }

    // Incoming: the skill named by customer-support-agent lists it.
    let first_skill = items[0]["name"].as_str().unwrap();
    let r = s
        .get(&format!("{SKILLS}/skills/{first_skill}/references"))
        .await
        .body;
    let incoming = r["incoming"].as_array().unwrap();
    assert!(
        incoming
            .iter()
            .any(|i| i["name"] == "customer-support-agent"
                && i["plugin"] == "agents"
                && i["field"] == "skillRef"),
        "{r}"
    );
    // A plugin without reference fields: no outgoing links, incoming ones from agents.
    let guardrail = items[4]["name"].as_str().unwrap();
    let r = s
        .get(&format!(
            "/api/guardrails_catalog/v1alpha1/guardrails/{guardrail}/references"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["size"], 0);
    assert_eq!(r.body["items"], serde_json::json!([]));
    let holders: Vec<&str> = r.body["incoming"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    let filtered = names(
        &s.get(&format!(
            "{AGENTS}/agents?filterQuery={}",
            urlencode(&format!("guardrailRef='{guardrail}'"))
        ))
        .await
        .body,
    );
    assert_eq!(
        holders, filtered,
        "incoming = agents filtered by guardrailRef"
    );
    // Not found.
    let r = s.get(&format!("{AGENTS}/agents/nope/references")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["message"], "agent \"nope\" not found");
    s.stop().await;
    env.cleanup().await;
}

async fn bad_entries_are_skipped_and_reported(backend: Backend) {
    let env = Env::new(&backend).await;
    let bad = env.write(
        "data/bad-skills.yaml",
        "skills:\n  - name: ok-skill\n    skillType: not_a_known_type\n  - skillType: mcp_tool\n  - name: \"\"\n  - name: typed\n    timeoutSeconds: \"30s\"\n  - name: ok-skill\n    description: duplicate\n  - name: \"a\\tb\"\n  - just a string\n  - name: second-ok\n",
    );
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for w in ["a", "b", "c", "d", "e", "f", "g", "h", "i"].windows(2) {
        bomb.push_str(&format!(
            "{}: &{} [{}]\n",
            w[1],
            w[1],
            vec![format!("*{}", w[0]); 9].join(",")
        ));
    }
    let bomb = env.write("data/bomb.yaml", &bomb);
    let config = format!(
        "catalogs:\n  skills:\n    sources:\n      - id: bad\n        name: bad\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n      - id: bomb\n        name: bomb\n        type: yaml\n        properties:\n          yamlCatalogPath: \"{}\"\n      - id: nopath\n        name: nopath\n        type: yaml\n",
        bad.display(),
        bomb.display()
    );
    let s = start(&env, &config).await;
    // Unknown enum values load unchanged (PA-35); invalid entries are skipped (PA-27).
    assert_eq!(
        names(&s.get(&format!("{SKILLS}/skills")).await.body),
        ["ok-skill", "second-ok"]
    );
    let one = s.get(&format!("{SKILLS}/skills/ok-skill")).await.body;
    assert_eq!(one["skillType"], "not_a_known_type");
    let diag = s
        .get(&format!("{SKILLS}/management/diagnostics"))
        .await
        .body;
    let by_id = |id: &str| {
        diag["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .cloned()
            .unwrap()
    };
    let bad = by_id("bad");
    assert_eq!(bad["state"], "available", "{bad}");
    let err = bad["error"].as_str().unwrap();
    for expected in [
        "6 warning(s)",
        "entry 1: field 'name' is required",
        "entry 2: field 'name' is required",
        "entry 3 (typed): field 'timeoutSeconds' must be of type integer; skipped",
        "entry 4 (ok-skill): duplicate name (first at entry 0); skipped",
        "entry 5 (a\\tb): field 'name' must not contain control characters",
    ] {
        assert!(err.contains(expected), "{expected} in {err}");
    }
    let bomb = by_id("bomb");
    assert_eq!(bomb["state"], "error", "{bomb}");
    assert!(
        bomb["error"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("budget"),
        "{bomb}"
    );
    let nopath = by_id("nopath");
    assert_eq!(nopath["state"], "error");
    assert!(
        nopath["error"]
            .as_str()
            .unwrap()
            .contains("properties.yamlCatalogPath"),
        "{nopath}"
    );
    s.stop().await;

    // A restart reuses the unchanged file without parsing it; its warnings still show.
    let s = start(&env, &config).await;
    let diag = s
        .get(&format!("{SKILLS}/management/diagnostics"))
        .await
        .body;
    let bad = diag["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "bad")
        .cloned()
        .unwrap();
    assert!(
        bad["error"].as_str().unwrap().starts_with("6 warning(s)"),
        "{bad}"
    );
    assert_eq!(
        names(&s.get(&format!("{SKILLS}/skills")).await.body),
        ["ok-skill", "second-ok"]
    );
    s.stop().await;
    env.cleanup().await;
}

/// A column as (name, displayName, width).
type Column = (&'static str, &'static str, &'static str);

/// Columns (label, width), detail labels, filter fields and source types per PA-40/41, §5.
async fn capabilities_follow_spec_05(backend: Backend) {
    let env = Env::new(&backend).await;
    let s = start(&env, "catalogs: {}\n").await;
    let expected: &[(&str, &[Column])] = &[
        (
            "agents",
            &[
                ("name", "Name", "lg"),
                ("agentType", "Type", "md"),
                ("category", "Category", "md"),
                ("version", "Version", "sm"),
                ("author", "Author", "md"),
            ],
        ),
        (
            "prompts",
            &[
                ("name", "Name", "lg"),
                ("format", "Format", "md"),
                ("taskTags", "Task Tags", "md"),
                ("version", "Version", "sm"),
                ("author", "Author", "md"),
            ],
        ),
        (
            "guardrails",
            &[
                ("name", "Name", "lg"),
                ("guardrailType", "Type", "md"),
                ("enforcementStage", "Stage", "md"),
                ("enforcementMode", "Mode", "sm"),
                ("riskCategories", "Risk Categories", "md"),
            ],
        ),
        (
            "policies",
            &[
                ("name", "Name", "lg"),
                ("policyType", "Policy Type", "md"),
                ("language", "Language", "sm"),
                ("enforcementScope", "Scope", "md"),
                ("enforcementMode", "Mode", "sm"),
            ],
        ),
        (
            "skills",
            &[
                ("name", "Name", "lg"),
                ("skillType", "Type", "md"),
                ("riskLevel", "Risk Level", "sm"),
                ("version", "Version", "sm"),
                ("author", "Author", "md"),
            ],
        ),
    ];
    for (plugin, columns) in expected {
        let caps = s
            .get(&format!("/api/plugins/{plugin}/capabilities"))
            .await
            .body;
        let entity = &caps["entities"][0];
        let got: Vec<(String, String, String)> = entity["fields"]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["displayName"].as_str().unwrap().to_string(),
                    c["width"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String, String)> = columns
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want, "{plugin}");
        assert_eq!(
            caps["sources"]["types"],
            serde_json::json!(["yaml", "git", "http"]),
            "{plugin}"
        );
    }
    let agents = s.get("/api/plugins/agents/capabilities").await.body;
    let detail = agents["entities"][0]["fields"]["detailFields"]
        .as_array()
        .unwrap();
    let agent_type = detail.iter().find(|d| d["name"] == "agentType").unwrap();
    assert_eq!(agent_type["displayName"], "Agent Type");
    assert!(
        detail.iter().all(|d| d["name"] != "skillRef"),
        "reference filters are not details"
    );
    let filters: Vec<&str> = agents["entities"][0]["fields"]["filterFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for f in [
        "name",
        "agentType",
        "category",
        "skillRef",
        "mcpToolRef",
        "knowledgeSourceRef",
        "guardrailRef",
        "policyRef",
        "promptTemplateRef",
        "agentRef",
        "modelRef",
    ] {
        assert!(filters.contains(&f), "{f} in {filters:?}");
    }
    s.stop().await;
    env.cleanup().await;
}
