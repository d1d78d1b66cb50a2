//! Policies catalog plugin at `/api/policies_catalog/v1alpha1`.

use catalog_core::schema::{BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec};

/// The plugin's declaration.
pub static SPEC: PluginSpec = PluginSpec {
    name: "policies",
    version: "v1alpha1",
    description: "Governance policies",
    display_name: "Policies",
    icon: "gavel",
    source_key: None,
    source_types: &["yaml"],
    kind: KindSpec {
        kind: "Policy",
        plural: "policies",
        display_name: "Policy",
        noun: "policy",
        description: "Governance policies",
        document_key: "policies",
        fields: &[
            F::string("name", "Name")
                .required()
                .sortable()
                .text_filter()
                .searchable(),
            F::string("description", "Description").searchable(),
        ],
        detail_sections: &[],
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
