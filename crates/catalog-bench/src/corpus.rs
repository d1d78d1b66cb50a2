//! Synthetic corpus with the field shapes of the reference samples, written as yaml sources.

use std::fmt::Write as _;
use std::path::Path;

/// Entries per source file (keeps each file well under the data-file size cap).
pub const PER_FILE: usize = 10_000;

/// One generated catalog: its config key, data-file key and entry writer.
pub struct Generator {
    /// Plugin name.
    pub plugin: &'static str,
    /// `catalogs` key.
    pub key: &'static str,
    /// List path under the base path.
    pub plural: &'static str,
    /// Top-level key of the data file.
    pub document_key: &'static str,
    /// Writes entry `i` (YAML list item).
    pub entry: fn(&mut String, usize),
}

const PROVIDERS: [&str; 20] = [
    "Red Hat",
    "Acme AI",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Aperture",
    "Soylent",
    "Wonka",
    "Vandelay",
    "Pied Piper",
    "Monarch",
    "Oscorp",
    "Gringotts",
    "Dunder",
    "Massive",
];
const CATEGORIES: [&str; 10] = [
    "devops",
    "data",
    "search",
    "security",
    "productivity",
    "finance",
    "support",
    "research",
    "code",
    "media",
];
const WORDS: [&str; 16] = [
    "cluster",
    "pipeline",
    "retrieval",
    "vector",
    "workflow",
    "ticket",
    "invoice",
    "deploy",
    "monitor",
    "summarize",
    "translate",
    "classify",
    "forecast",
    "audit",
    "schedule",
    "notify",
];

fn words(i: usize, n: usize) -> String {
    (0..n)
        .map(|k| WORDS[(i * 7 + k * 3) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn mcp(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "  - name: \"mcp-server-{i:06}\"\n    description: \"MCP server for {} with tools for {}.\"\n    serverUrl: \"https://mcp{i}.example.net/sse\"\n    transportType: \"{}\"\n    deploymentMode: \"{}\"\n    image: \"quay.io/example/mcp-{i}:latest\"\n    supportedTransports: \"stdio,http\"\n    license: \"{}\"\n    verified: {}\n    certified: {}\n    provider: \"{}\"\n    category: \"{}\"\n    toolCount: {}\n    resourceCount: {}\n    promptCount: {}\n",
        words(i, 3),
        words(i + 1, 4),
        ["stdio", "http", "sse", "streamable-http"][i % 4],
        ["local", "remote"][i % 2],
        ["Apache-2.0", "MIT", "BSD-3-Clause"][i % 3],
        i.is_multiple_of(3),
        i.is_multiple_of(5),
        PROVIDERS[i % PROVIDERS.len()],
        CATEGORIES[i % CATEGORIES.len()],
        i % 50,
        i % 13,
        i % 7,
    );
}

fn model(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "  - name: \"org-{}/model-{i:06}\"\n    provider: \"{}\"\n    description: \"{} model tuned for {}.\"\n    readme: \"# Model {i}\\n\\n{}\"\n    language: [\"en\", \"de\"]\n    license: \"{}\"\n    libraryName: \"transformers\"\n    tasks: [\"{}\", \"text-generation\"]\n    maturity: \"{}\"\n    createTimeSinceEpoch: \"1736899200000\"\n    lastUpdateTimeSinceEpoch: \"1736899200000\"\n",
        i % 100,
        PROVIDERS[i % PROVIDERS.len()],
        words(i, 4),
        words(i + 2, 3),
        words(i, 12),
        ["apache-2.0", "mit", "llama3"][i % 3],
        ["summarization", "translation", "question-answering"][i % 3],
        ["Generally Available", "Technology Preview"][i % 2],
    );
}

fn agent(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "  - name: \"agent-{i:06}\"\n    description: \"Agent that helps with {}.\"\n    agentType: \"{}\"\n    instructions: \"You are a helpful assistant for {}.\"\n    version: \"1.{}.0\"\n    author: \"Team {}\"\n    license: \"Apache-2.0\"\n    category: \"{}\"\n    modelConfig:\n      preferredModelRef: \"gpt-4o\"\n      maxTokens: 4096\n      temperature: 0.7\n    tools:\n      - skillRef: \"skill-{:06}\"\n        required: false\n    guardrails:\n      - guardrailRef: \"guardrail-{:06}\"\n        enforcementMode: required\n",
        words(i, 3),
        ["conversational", "task", "router", "autonomous"][i % 4],
        words(i + 3, 2),
        i % 10,
        i % 40,
        CATEGORIES[i % CATEGORIES.len()],
        i % 1000,
        i % 500,
    );
}

/// A minimal asset entry: name, description, version, author.
fn asset(out: &mut String, i: usize, prefix: &str, about: &str, author: &str) {
    let _ = write!(
        out,
        "  - name: \"{prefix}-{i:06}\"\n    description: \"{about} {}.\"\n    version: \"1.0.0\"\n    author: \"{author}\"\n",
        words(i, 3)
    );
}

fn guardrail(out: &mut String, i: usize) {
    asset(out, i, "guardrail", "Guardrail for", "Safety");
}

fn policy(out: &mut String, i: usize) {
    asset(out, i, "policy", "Policy on", "Governance");
}

fn skill(out: &mut String, i: usize) {
    asset(out, i, "skill", "Skill that can", "Platform");
}

fn prompt(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "  - name: \"prompt-{i:06}\"\n    description: \"Prompt to {}.\"\n    template: \"Please {} the following: {{{{input}}}}\"\n    version: \"1.0.0\"\n",
        words(i, 3),
        words(i, 1)
    );
}

fn knowledge(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "  - name: \"knowledge-{i:06}\"\n    description: \"Knowledge about {}.\"\n    sourceType: \"document\"\n    location: \"s3://docs/{i}\"\n    documentCount: {}\n",
        words(i, 3),
        i % 5000
    );
}

/// Every catalog the corpus can cover, in plugin-name order.
pub fn generators() -> Vec<Generator> {
    vec![
        Generator {
            plugin: "agents",
            key: "agents",
            plural: "agents",
            document_key: "agents",
            entry: agent,
        },
        Generator {
            plugin: "guardrails",
            key: "guardrails",
            plural: "guardrails",
            document_key: "guardrails",
            entry: guardrail,
        },
        Generator {
            plugin: "knowledge",
            key: "knowledge",
            plural: "knowledgesources",
            document_key: "knowledgesources",
            entry: knowledge,
        },
        Generator {
            plugin: "mcp",
            key: "mcp",
            plural: "mcpservers",
            document_key: "mcpservers",
            entry: mcp,
        },
        Generator {
            plugin: "model",
            key: "models",
            plural: "models",
            document_key: "models",
            entry: model,
        },
        Generator {
            plugin: "policies",
            key: "policies",
            plural: "policies",
            document_key: "policies",
            entry: policy,
        },
        Generator {
            plugin: "prompts",
            key: "prompts",
            plural: "prompttemplates",
            document_key: "prompttemplates",
            entry: prompt,
        },
        Generator {
            plugin: "skills",
            key: "skills",
            plural: "skills",
            document_key: "skills",
            entry: skill,
        },
    ]
}

/// Writes `n` entries per generator under `dir` (files of [`PER_FILE`] entries, one source each)
/// and a `sources.yaml` naming them; returns its path.
pub fn write(dir: &Path, gens: &[&Generator], n: usize) -> std::io::Result<std::path::PathBuf> {
    let mut sources =
        String::from("apiVersion: catalog/v1alpha1\nkind: CatalogSources\ncatalogs:\n");
    for g in gens {
        let _ = writeln!(sources, "  {}:\n    sources:", g.key);
        for (part, start) in (0..n).step_by(PER_FILE).enumerate() {
            let file = format!("{}-{part:03}.yaml", g.plugin);
            let mut text = format!("{}:\n", g.document_key);
            for i in start..(start + PER_FILE).min(n) {
                (g.entry)(&mut text, i);
            }
            std::fs::write(dir.join(&file), text)?;
            let _ = writeln!(
                sources,
                "      - {{id: {0}-{part:03}, name: \"{0} part {part}\", type: yaml, properties: {{yamlCatalogPath: \"{file}\"}}}}",
                g.plugin
            );
        }
    }
    let path = dir.join("sources.yaml");
    std::fs::write(&path, sources)?;
    Ok(path)
}
