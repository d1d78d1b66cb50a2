//! Models catalog plugin at `/api/model_catalog/v1alpha1`.

use catalog_core::schema::{BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec};

/// The plugin's declaration.
pub static SPEC: PluginSpec = PluginSpec {
    name: "model",
    version: "v1alpha1",
    description: "Catalog of AI models",
    display_name: "Models",
    icon: "model",
    source_key: Some("models"),
    source_types: &["yaml"],
    kind: KindSpec {
        kind: "CatalogModel",
        plural: "models",
        display_name: "Model",
        noun: "model",
        description: "Catalog of AI models",
        document_key: "models",
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
    bundled: &[
        BundledSource {
            id: "organization_ai_models",
            name: "Organization AI Models",
            labels: &["Organization AI"],
            file_name: "dev-organization-models.yaml",
            content: include_str!("../data/dev-organization-models.yaml"),
        },
        BundledSource {
            id: "validated_ai_models",
            name: "Validated AI Models",
            labels: &["Validated AI"],
            file_name: "dev-validated-models.yaml",
            content: include_str!("../data/dev-validated-models.yaml"),
        },
        BundledSource {
            id: "community_custom_models",
            name: "Community and Custom Models",
            labels: &["Community and Custom"],
            file_name: "dev-community-models.yaml",
            content: include_str!("../data/dev-community-models.yaml"),
        },
    ],
};

catalog_core::declare_plugin!(SPEC);
