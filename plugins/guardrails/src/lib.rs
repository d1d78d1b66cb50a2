//! Guardrails catalog plugin: `Guardrail` entries at `/api/guardrails_catalog/v1alpha1`
//! (spec PA §5.3).

use catalog_core::schema::{
    BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec, common,
};

/// Known `guardrailType` values (open enumeration, PA-35).
const GUARDRAIL_TYPES: &[&str] = &[
    "nemo_guardrails",
    "guardrails_ai",
    "regex_rules",
    "content_filter",
    "moderation_profile",
];
/// Known `enforcementStage` values.
const STAGES: &[&str] = &[
    "pre_prompt",
    "post_generation",
    "tool_use",
    "retrieval",
    "output_format",
];
/// Known `enforcementMode` values.
const MODES: &[&str] = &["advisory", "required"];

/// The plugin's declaration: columns, filters and sections per PA §5.3, common filterable
/// fields per PA-14, `q` fields per PA-18.
pub static SPEC: PluginSpec = PluginSpec {
    name: "guardrails",
    version: "v1alpha1",
    description: "Safety guardrails",
    display_name: "Guardrails",
    icon: "shield",
    source_key: None,
    source_types: &["yaml", "git", "http"],
    kind: KindSpec {
        kind: "Guardrail",
        plural: "guardrails",
        display_name: "Guardrail",
        noun: "guardrail",
        description: "Safety guardrails",
        document_key: "guardrails",
        fields: &[
            common::NAME.width("lg"),
            common::DESCRIPTION,
            F::string("guardrailType", "Guardrail Type")
                .column_as("Type")
                .width("md")
                .sortable()
                .select(GUARDRAIL_TYPES)
                .searchable()
                .section("Overview"),
            F::string("enforcementStage", "Enforcement Stage")
                .column_as("Stage")
                .width("md")
                .sortable()
                .select(STAGES)
                .section("Overview"),
            F::string("enforcementMode", "Enforcement Mode")
                .column_as("Mode")
                .width("sm")
                .sortable()
                .select(MODES)
                .section("Overview"),
            F::array("riskCategories", "Risk Categories")
                .column()
                .width("md")
                .text_filter()
                .searchable()
                .section("Risk Categories"),
            common::VERSION,
            common::AUTHOR,
            common::LICENSE,
            common::SOURCE_ID,
            common::EXTERNAL_ID,
            F::array("modalities", "Modalities")
                .text_filter()
                .section("Risk Categories"),
            F::object("configRef", "Configuration Reference").section("Configuration"),
            F::object("customProperties", "Custom Properties"),
        ],
        detail_sections: &["Overview", "Risk Categories", "Configuration"],
    },
    native: NativeShape {
        id: false,
        timestamps: false,
    },
    bundled: &[BundledSource {
        id: "guardrails-default",
        name: "Guardrails",
        labels: &["Guardrails"],
        file_name: "sample-guardrails.yaml",
        content: include_str!("../data/sample-guardrails.yaml"),
    }],
};

catalog_core::declare_plugin!(SPEC);
