//! Knowledge Sources catalog plugin at `/api/knowledge_catalog/v1alpha1`.

use catalog_core::schema::{BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec};

/// The plugin's declaration.
pub static SPEC: PluginSpec = PluginSpec {
    name: "knowledge",
    version: "v1alpha1",
    description: "Catalog of knowledge sources for retrieval",
    display_name: "Knowledge Sources",
    icon: "database",
    source_key: None,
    source_types: &["yaml"],
    kind: KindSpec {
        kind: "KnowledgeSource",
        plural: "knowledgesources",
        display_name: "Knowledge Source",
        noun: "knowledge source",
        description: "Catalog of knowledge sources for retrieval",
        document_key: "knowledgesources",
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
        id: true,
        timestamps: true,
    },
    bundled: &[BundledSource {
        id: "knowledge-default",
        name: "Knowledge Sources",
        labels: &["Knowledge Sources"],
        file_name: "sample-knowledge-sources.yaml",
        content: include_str!("../data/sample-knowledge-sources.yaml"),
    }],
};

catalog_core::declare_plugin!(SPEC);
