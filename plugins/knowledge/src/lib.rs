//! Knowledge Sources catalog plugin: `KnowledgeSource` entries at
//! `/api/knowledge_catalog/v1alpha1` (spec PM §4).

use catalog_core::catalog::{Extension, UnknownKeys};
use catalog_core::schema::{
    BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec, common,
};

/// Advertised (not enforced) `sourceType` values (§4.2).
const SOURCE_TYPES: &[&str] = &["document", "url", "vector_store", "graph_store"];
/// Advertised (not enforced) `status` values (§4.2).
const STATUSES: &[&str] = &["active", "indexing", "error", "archived"];

/// Knowledge-specific behaviour: unknown entry keys are logged, not fatal (PM-72).
pub static EXTENSION: Extension = Extension {
    unknown_keys: UnknownKeys::Warn,
    // PM-4: `path` is accepted when `yamlCatalogPath` is absent.
    path_properties: &["yamlCatalogPath", "path"],
    ..Extension::NONE
};

/// The plugin's declaration: columns and filters per PM §4.4, `q` fields per PM-29.
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
            common::NAME,
            common::DESCRIPTION,
            F::string("sourceType", "Source Type")
                .sortable()
                .select(SOURCE_TYPES),
            F::string("provider", "Provider")
                .sortable()
                .text_filter()
                .searchable(),
            F::string("status", "Status").sortable().select(STATUSES),
            F::integer("documentCount", "Documents").sortable(),
            F::string("contentType", "Content Type").sortable(),
            F::string("location", "Location")
                .searchable()
                .section("Location"),
            F::string("indexType", "Index Type").section("Index"),
            F::integer("vectorDimensions", "Vector Dimensions").section("Index"),
            F::string("externalId", "External ID").section("Overview"),
            F::object("customProperties", "Custom Properties").section("Metadata"),
        ],
        detail_sections: &["Overview", "Location", "Index", "Metadata"],
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

catalog_core::declare_plugin!(SPEC, EXTENSION);
