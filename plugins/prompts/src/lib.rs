//! Prompt Templates catalog plugin at `/api/prompts_catalog/v1alpha1`.

use catalog_core::schema::{BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec};

/// The plugin's declaration.
pub static SPEC: PluginSpec = PluginSpec {
    name: "prompts",
    version: "v1alpha1",
    description: "Catalog of prompt templates",
    display_name: "Prompt Templates",
    icon: "file-code",
    source_key: None,
    source_types: &["yaml"],
    kind: KindSpec {
        kind: "PromptTemplate",
        plural: "prompttemplates",
        display_name: "Prompt Template",
        noun: "prompt template",
        description: "Catalog of prompt templates",
        document_key: "prompttemplates",
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
        id: "prompts-default",
        name: "Prompt Templates",
        labels: &["Prompt Templates"],
        file_name: "sample-prompts.yaml",
        content: include_str!("../data/sample-prompts.yaml"),
    }],
};

catalog_core::declare_plugin!(SPEC);
