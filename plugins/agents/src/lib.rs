//! Agents catalog plugin: `Agent` entries at `/api/agents_catalog/v1alpha1` (spec PA §5.1).

pub mod checks;

use catalog_core::references::ReferenceSpec as R;
use catalog_core::schema::{
    BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec, common,
};

/// Known `agentType` values (open enumeration, PA-35).
const AGENT_TYPES: &[&str] = &[
    "conversational",
    "task_oriented",
    "router",
    "planner",
    "executor",
    "evaluator",
];

/// The plugin's declaration: columns, filters and sections per PA §5.1, common filterable
/// fields per PA-14, `q` fields per PA-18.
pub static SPEC: PluginSpec = PluginSpec {
    name: "agents",
    version: "v1alpha1",
    description: "Catalog of AI agents",
    display_name: "Agents",
    icon: "robot",
    source_key: None,
    source_types: &["yaml", "git", "http"],
    kind: KindSpec {
        kind: "Agent",
        plural: "agents",
        display_name: "Agent",
        noun: "agent",
        description: "Catalog of AI agents",
        document_key: "agents",
        fields: &[
            common::NAME.width("lg"),
            common::DESCRIPTION,
            F::string("agentType", "Agent Type")
                .column_as("Type")
                .width("md")
                .sortable()
                .select(AGENT_TYPES)
                .searchable()
                .section("Overview"),
            F::string("category", "Category")
                .width("md")
                .sortable()
                .text_filter()
                .searchable()
                .section("Overview"),
            common::VERSION.column().width("sm"),
            common::AUTHOR.column().width("md"),
            common::LICENSE,
            common::SOURCE_ID,
            common::EXTERNAL_ID,
            F::string("instructions", "Instructions").section("Instructions"),
            F::object("modelConfig", "Model Configuration").section("Model Configuration"),
            F::array("tools", "Tools").section("Tools & Knowledge"),
            F::array("knowledge", "Knowledge").section("Tools & Knowledge"),
            F::array("promptRefs", "Prompt References").section("Tools & Knowledge"),
            F::array("guardrails", "Guardrails").section("Guardrails & Policies"),
            F::array("policies", "Policies").section("Guardrails & Policies"),
            F::array("dependencies", "Dependencies").section("Dependencies"),
            F::object("inputSchema", "Input Schema").section("Input/Output"),
            F::object("outputSchema", "Output Schema").section("Input/Output"),
            F::array("examples", "Examples").section("Input/Output"),
            F::object("customProperties", "Custom Properties"),
            // Reference filters (PA-60): any-element semantics over every holder item.
            F::array("skillRef", "Skill Reference")
                .at("tools[].skillRef")
                .text_filter()
                .filter_only(),
            F::array("mcpToolRef", "MCP Tool Reference")
                .at("tools[].mcpToolRef")
                .text_filter()
                .filter_only(),
            F::array("knowledgeSourceRef", "Knowledge Source Reference")
                .at("knowledge[].knowledgeSourceRef")
                .text_filter()
                .filter_only(),
            F::array("guardrailRef", "Guardrail Reference")
                .at("guardrails[].guardrailRef")
                .text_filter()
                .filter_only(),
            F::array("policyRef", "Policy Reference")
                .at("policies[].policyRef")
                .text_filter()
                .filter_only(),
            F::array("promptTemplateRef", "Prompt Template Reference")
                .at("promptRefs[].promptTemplateRef")
                .text_filter()
                .filter_only(),
            F::array("agentRef", "Agent Reference")
                .at("dependencies[].agentRef")
                .text_filter()
                .filter_only(),
            F::array("modelRef", "Model Reference")
                .at("modelConfig.preferredModelRef|modelConfig.fallbackModelRefs[]")
                .text_filter()
                .filter_only(),
        ],
        detail_sections: &[
            "Overview",
            "Instructions",
            "Model Configuration",
            "Tools & Knowledge",
            "Guardrails & Policies",
            "Dependencies",
            "Input/Output",
        ],
    },
    native: NativeShape {
        id: false,
        timestamps: false,
    },
    bundled: &[
        BundledSource {
            id: "agents-default",
            name: "Sample Agents",
            labels: &["Agents"],
            file_name: "sample-agents.yaml",
            content: include_str!("../data/sample-agents.yaml"),
        },
        BundledSource {
            id: "research-agents",
            name: "Research Agents",
            labels: &["Agents", "Research"],
            file_name: "research-agents.yaml",
            content: include_str!("../data/research-agents.yaml"),
        },
    ],
};

/// Reference fields in link order (PA-55): tools (per item skill, then MCP), knowledge,
/// guardrails, policies, prompts, dependencies, then models.
static REFERENCES: &[R] = &[
    R::new("tools[].skillRef", "skillRef", "skills", "Skill"),
    R::new("tools[].mcpToolRef", "mcpToolRef", "mcp", "McpServer"),
    R::new(
        "knowledge[].knowledgeSourceRef",
        "knowledgeSourceRef",
        "knowledge",
        "KnowledgeSource",
    ),
    R::new(
        "guardrails[].guardrailRef",
        "guardrailRef",
        "guardrails",
        "Guardrail",
    ),
    R::new("policies[].policyRef", "policyRef", "policies", "Policy"),
    R::new(
        "promptRefs[].promptTemplateRef",
        "promptTemplateRef",
        "prompts",
        "PromptTemplate",
    ),
    R::new("dependencies[].agentRef", "agentRef", "agents", "Agent"),
    R::new(
        "modelConfig.preferredModelRef",
        "modelRef",
        "model",
        "CatalogModel",
    ),
    R::new(
        "modelConfig.fallbackModelRefs[]",
        "modelRef",
        "model",
        "CatalogModel",
    ),
];

catalog_core::declare_plugin!(SPEC);
catalog_core::declare_validator!("agents", checks::check_agent);
catalog_core::declare_references!("agents", REFERENCES);
