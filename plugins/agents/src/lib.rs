//! Agents catalog plugin at `/api/agents_catalog/v1alpha1`.

use catalog_core::schema::{BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec};

/// The plugin's declaration.
pub static SPEC: PluginSpec = PluginSpec {
    name: "agents",
    version: "v1alpha1",
    description: "Catalog of AI agents",
    display_name: "Agents",
    icon: "robot",
    source_key: None,
    source_types: &["yaml"],
    kind: KindSpec {
        kind: "Agent",
        plural: "agents",
        display_name: "Agent",
        noun: "agent",
        description: "Catalog of AI agents",
        document_key: "agents",
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

catalog_core::declare_plugin!(SPEC);
