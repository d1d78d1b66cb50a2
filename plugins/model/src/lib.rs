//! Models catalog plugin: `CatalogModel` entries at `/api/model_catalog/v1alpha1` (spec PM §2).

mod artifacts;
mod config;
mod entry;
mod filter_options;
pub mod hf;
mod labels;
mod license;
mod list;
mod metadata;
mod paging;
mod performance;
mod preview;
mod routes;
mod sources;

use catalog_core::catalog::{Extension, UnknownKeys};
use catalog_core::schema::{
    BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec, common,
};

/// Model-specific behaviour: strict data files (PM-44), typed custom properties and artifacts
/// kept with the model but served by their own endpoints, `source_id` in snake case.
pub static EXTENSION: Extension = Extension {
    unknown_keys: UnknownKeys::Reject,
    document_keys: Some(&["source"]),
    prepare: Some(entry::prepare),
    hidden: &["artifacts"],
    source_id_key: "source_id",
    routes: Some(routes::router),
    check_config: Some(config::check),
    list: Some(list::list),
    get_path: Some("/sources/{source_id}/models/{name}"),
    loaders: &[("hf", hf::load)],
    sync_interval: Some(hf::sync_interval),
    exclusions_property: Some("excludedModels"),
    ..Extension::NONE
};

/// The plugin's declaration: columns and filters per PM-65, `q` fields per PM-29.
pub static SPEC: PluginSpec = PluginSpec {
    name: "model",
    version: "v1alpha1",
    description: "Catalog of AI models",
    display_name: "Models",
    icon: "model",
    source_key: Some("models"),
    source_types: &["yaml", "hf"],
    kind: KindSpec {
        kind: "CatalogModel",
        plural: "models",
        display_name: "Model",
        noun: "model",
        description: "Catalog of AI models",
        document_key: "models",
        fields: &[
            common::NAME,
            common::DESCRIPTION,
            F::string("provider", "Provider")
                .sortable()
                .text_filter()
                .searchable(),
            // PM-65 advertises the column and filter as `task` over the `tasks` array.
            F::array("task", "Task")
                .at("tasks")
                .sortable()
                .text_filter()
                .searchable(),
            F::string("license", "License").sortable().text_filter(),
            F::string("source_id", "Source").sortable().text_filter(),
            F::string("libraryName", "Library")
                .orderable()
                .searchable()
                .section("Overview"),
            F::string("maturity", "Maturity")
                .orderable()
                .section("Overview"),
            F::array("language", "Language").section("Overview"),
            F::string("licenseLink", "License Link").section("Overview"),
            F::string("externalId", "External ID").section("Overview"),
            F::string("logo", "Logo"),
            F::string("readme", "Readme").section("Readme"),
            F::object("customProperties", "Custom Properties").section("Metadata"),
        ],
        detail_sections: &["Overview", "Readme", "Metadata"],
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

catalog_core::declare_plugin!(SPEC, EXTENSION);
