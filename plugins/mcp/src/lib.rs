//! MCP catalog plugin: Model Context Protocol servers at `/api/mcp_catalog/v1alpha1` (spec PM §3).

mod entry;

use catalog_core::catalog::{Extension, UnknownKeys};
use catalog_core::schema::{
    BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec, common,
};

/// Transport types (PM-69: `http` included).
const TRANSPORTS: &[&str] = &["stdio", "http", "sse", "streamable-http"];
/// Deployment modes (PM-68: `hybrid` accepted).
const DEPLOYMENT_MODES: &[&str] = &["local", "remote", "hybrid"];

/// MCP-specific behaviour: strict data files and checked extended metadata.
pub static EXTENSION: Extension = Extension {
    unknown_keys: UnknownKeys::Reject,
    prepare: Some(entry::prepare),
    ..Extension::NONE
};

/// The plugin's declaration.
pub static SPEC: PluginSpec = PluginSpec {
    name: "mcp",
    version: "v1alpha1",
    description: "Catalog of Model Context Protocol servers, tools, and resources",
    display_name: "MCP Servers",
    icon: "server",
    source_key: None,
    source_types: &["yaml"],
    kind: KindSpec {
        kind: "McpServer",
        plural: "mcpservers",
        display_name: "MCP Server",
        noun: "MCP server",
        description: "A Model Context Protocol server",
        document_key: "mcpservers",
        fields: &[
            common::NAME,
            common::DESCRIPTION,
            F::string("provider", "Provider")
                .sortable()
                .text_filter()
                .searchable(),
            F::string("category", "Category")
                .sortable()
                .text_filter()
                .searchable(),
            F::string("deploymentMode", "Deployment")
                .required()
                .sortable()
                .select(DEPLOYMENT_MODES),
            F::string("transportType", "Transport")
                .sortable()
                .select(TRANSPORTS),
            F::string("supportedTransports", "Supported transports").section("Connection"),
            F::string("serverUrl", "Server URL").section("Connection"),
            F::string("endpoint", "Endpoint").section("Connection"),
            F::string("image", "Image").section("Connection"),
            F::string("license", "License").sortable().text_filter(),
            F::integer("toolCount", "Tools").sortable().number_filter(),
            F::integer("resourceCount", "Resources"),
            F::integer("promptCount", "Prompts"),
            F::boolean("verified", "Verified").bool_filter(),
            F::boolean("certified", "Certified").bool_filter(),
            F::string("logo", "Logo"),
            F::string("externalId", "External ID").section("Overview"),
            F::string("version", "Version").section("Overview"),
            F::string("licenseLink", "License link").section("Overview"),
            F::string("documentationUrl", "Documentation").section("Overview"),
            F::string("repositoryUrl", "Repository").section("Overview"),
            F::string("sourceCode", "Source code").section("Overview"),
            F::string("publishedDate", "Published").section("Overview"),
            F::array("tags", "Tags").section("Overview"),
            F::string("readme", "Readme").section("Readme"),
            F::array("transports", "Transports").section("Connection"),
            F::object("endpoints", "Endpoints").section("Connection"),
            F::array("tools", "Tools").section("Tools"),
            F::object("securityIndicators", "Security indicators").section("Security"),
            F::array("artifacts", "Artifacts").section("Connection"),
            F::object("customProperties", "Custom properties").section("Metadata"),
        ],
        detail_sections: &[
            "Overview",
            "Connection",
            "Tools",
            "Security",
            "Readme",
            "Metadata",
        ],
    },
    native: NativeShape {
        id: true,
        timestamps: true,
    },
    bundled: &[BundledSource {
        id: "mcp-default",
        name: "MCP Servers",
        labels: &["MCP Servers"],
        file_name: "mcp-servers.yaml",
        content: include_str!("../data/mcp-servers.yaml"),
    }],
};

catalog_core::declare_plugin!(SPEC, EXTENSION);
