//! Skills catalog plugin: `Skill` entries at `/api/skills_catalog/v1alpha1` (spec PA §5.5).

pub mod checks;

use catalog_core::schema::{
    BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec, common,
};

/// Known `skillType` values (open enumeration, PA-35).
const SKILL_TYPES: &[&str] = &[
    "mcp_tool",
    "openapi_operation",
    "k8s_action",
    "shell_command",
];
/// Known `safety.riskLevel` values.
const RISK_LEVELS: &[&str] = &["low", "medium", "high"];

/// The plugin's declaration: columns, filters and sections per PA §5.5, common filterable
/// fields per PA-14, `q` fields per PA-18, reference filter `mcpServerRef` per PA-60.
pub static SPEC: PluginSpec = PluginSpec {
    name: "skills",
    version: "v1alpha1",
    description: "Reusable agent skills",
    display_name: "Skills",
    icon: "wrench",
    source_key: None,
    source_types: &["yaml", "git", "http"],
    kind: KindSpec {
        kind: "Skill",
        plural: "skills",
        display_name: "Skill",
        noun: "skill",
        description: "Reusable agent skills",
        document_key: "skills",
        fields: &[
            common::NAME.width("lg"),
            common::DESCRIPTION,
            F::string("skillType", "Skill Type")
                .column_as("Type")
                .width("md")
                .sortable()
                .select(SKILL_TYPES)
                .searchable()
                .section("Overview"),
            F::string("riskLevel", "Risk Level")
                .at("safety.riskLevel")
                .width("sm")
                .sortable()
                .select(RISK_LEVELS)
                .filter_only(),
            common::VERSION.column().width("sm"),
            common::AUTHOR.column().width("md"),
            common::LICENSE,
            common::SOURCE_ID,
            common::EXTERNAL_ID,
            F::object("inputSchema", "Input Schema").section("Input/Output Schema"),
            F::object("outputSchema", "Output Schema").section("Input/Output Schema"),
            F::object("execution", "Execution").section("Execution"),
            F::string("mcpServerRef", "MCP Server Reference")
                .at("execution.mcpServerRef")
                .text_filter()
                .filter_only(),
            F::object("safety", "Safety").section("Safety & Constraints"),
            F::boolean("requiresApproval", "Requires Approval")
                .at("safety.requiresApproval")
                .bool_filter()
                .filter_only(),
            F::object("rateLimit", "Rate Limit").section("Safety & Constraints"),
            F::integer("timeoutSeconds", "Timeout (seconds)")
                .number_filter()
                .section("Safety & Constraints"),
            F::object("retryPolicy", "Retry Policy").section("Safety & Constraints"),
            F::object("compatibility", "Compatibility").section("Safety & Constraints"),
            F::object("customProperties", "Custom Properties"),
        ],
        detail_sections: &[
            "Overview",
            "Input/Output Schema",
            "Execution",
            "Safety & Constraints",
        ],
    },
    native: NativeShape {
        id: false,
        timestamps: false,
    },
    bundled: &[BundledSource {
        id: "skills-default",
        name: "Skills",
        labels: &["Skills"],
        file_name: "sample-skills.yaml",
        content: include_str!("../data/sample-skills.yaml"),
    }],
};

catalog_core::declare_plugin!(SPEC);
catalog_core::declare_validator!("skills", checks::check_skill);
catalog_core::declare_references!(
    "skills",
    &[catalog_core::references::ReferenceSpec::new(
        "execution.mcpServerRef",
        "mcpServerRef",
        "mcp",
        "McpServer",
    )]
);
