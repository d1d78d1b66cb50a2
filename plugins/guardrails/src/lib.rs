//! Guardrails catalog plugin at `/api/guardrails_catalog/v1alpha1`.

use catalog_core::schema::{BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec};

/// The plugin's declaration.
pub static SPEC: PluginSpec = PluginSpec {
    name: "guardrails",
    version: "v1alpha1",
    description: "Safety guardrails",
    display_name: "Guardrails",
    icon: "shield",
    source_key: None,
    source_types: &["yaml"],
    kind: KindSpec {
        kind: "Guardrail",
        plural: "guardrails",
        display_name: "Guardrail",
        noun: "guardrail",
        description: "Safety guardrails",
        document_key: "guardrails",
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
        id: "guardrails-default",
        name: "Guardrails",
        labels: &["Guardrails"],
        file_name: "sample-guardrails.yaml",
        content: include_str!("../data/sample-guardrails.yaml"),
    }],
};

catalog_core::declare_plugin!(SPEC);
