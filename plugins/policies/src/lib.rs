//! Policies catalog plugin: `Policy` entries at `/api/policies_catalog/v1alpha1`
//! (spec PA §5.4).

pub mod checks;

use catalog_core::schema::{
    BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec, common,
};

/// Known `policyType` values (open enumeration, PA-35).
const POLICY_TYPES: &[&str] = &[
    "access_control",
    "data_governance",
    "safety",
    "tool_allowlist",
    "model_allowlist",
    "compliance",
];
/// Known `language` values.
const LANGUAGES: &[&str] = &["rego", "yaml_rules", "json_rules", "cel"];
/// Known `enforcementScope` values.
const SCOPES: &[&str] = &["agent", "organization", "namespace", "project"];
/// Known `enforcementMode` values (the fixture spelling `dry-run`, PA-53).
const MODES: &[&str] = &["enforce", "audit", "dry-run"];

/// The plugin's declaration: columns, filters and sections per PA §5.4, common filterable
/// fields per PA-14, `q` fields per PA-18.
pub static SPEC: PluginSpec = PluginSpec {
    name: "policies",
    version: "v1alpha1",
    description: "Governance policies",
    display_name: "Policies",
    icon: "gavel",
    source_key: None,
    source_types: &["yaml", "git", "http"],
    kind: KindSpec {
        kind: "Policy",
        plural: "policies",
        display_name: "Policy",
        noun: "policy",
        description: "Governance policies",
        document_key: "policies",
        fields: &[
            common::NAME.width("lg"),
            common::DESCRIPTION,
            F::string("policyType", "Policy Type")
                .width("md")
                .sortable()
                .select(POLICY_TYPES)
                .searchable()
                .section("Overview"),
            F::string("language", "Language")
                .width("sm")
                .sortable()
                .select(LANGUAGES)
                .searchable()
                .section("Overview"),
            F::string("enforcementScope", "Enforcement Scope")
                .column_as("Scope")
                .width("md")
                .sortable()
                .select(SCOPES)
                .section("Overview"),
            F::string("enforcementMode", "Enforcement Mode")
                .column_as("Mode")
                .width("sm")
                .sortable()
                .select(MODES)
                .section("Overview"),
            common::VERSION,
            common::AUTHOR,
            common::LICENSE,
            common::SOURCE_ID,
            common::EXTERNAL_ID,
            F::string("bundleRef", "Bundle Reference").section("Bundle"),
            F::string("entrypoint", "Entrypoint").section("Bundle"),
            F::object("inputSchema", "Input Schema").section("Input Schema"),
            F::object("customProperties", "Custom Properties"),
        ],
        detail_sections: &["Overview", "Bundle", "Input Schema"],
    },
    native: NativeShape {
        id: false,
        timestamps: false,
    },
    bundled: &[BundledSource {
        id: "policies-default",
        name: "Policies",
        labels: &["Policies"],
        file_name: "sample-policies.yaml",
        content: include_str!("../data/sample-policies.yaml"),
    }],
};

catalog_core::declare_plugin!(SPEC);
catalog_core::declare_validator!("policies", checks::check_policy);
