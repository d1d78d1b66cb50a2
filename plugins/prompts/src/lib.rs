//! Prompt Templates catalog plugin: `PromptTemplate` entries at
//! `/api/prompts_catalog/v1alpha1` (spec PA §5.2).

pub mod template;

use catalog_core::schema::{
    BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec, common,
};

/// Known `format` values (open enumeration, PA-35).
const FORMATS: &[&str] = &["chat_messages", "completion", "jinja2", "handlebars", "raw"];

/// The plugin's declaration: columns, filters and sections per PA §5.2, common filterable
/// fields per PA-14, `q` fields per PA-18.
pub static SPEC: PluginSpec = PluginSpec {
    name: "prompts",
    version: "v1alpha1",
    description: "Catalog of prompt templates",
    display_name: "Prompt Templates",
    icon: "file-code",
    source_key: None,
    source_types: &["yaml", "git", "http"],
    kind: KindSpec {
        kind: "PromptTemplate",
        plural: "prompttemplates",
        display_name: "Prompt Template",
        noun: "prompt template",
        description: "Catalog of prompt templates",
        document_key: "prompttemplates",
        fields: &[
            common::NAME.width("lg"),
            common::DESCRIPTION,
            F::string("format", "Format")
                .width("md")
                .sortable()
                .select(FORMATS)
                .searchable()
                .section("Overview"),
            F::array("taskTags", "Task Tags")
                .column()
                .width("md")
                .text_filter()
                .searchable()
                .section("Overview"),
            common::VERSION.column().width("sm"),
            common::AUTHOR.column().width("md"),
            common::LICENSE,
            common::SOURCE_ID,
            common::EXTERNAL_ID,
            // PA §5.2 MAY also accept a message array for `chat_messages`; all samples are text.
            F::string("template", "Template").section("Template"),
            F::object("parametersSchema", "Parameters Schema").section("Parameters"),
            F::object("outputSchema", "Output Schema").section("Parameters"),
            F::array("examples", "Examples").section("Parameters"),
            F::object("modelConstraints", "Model Constraints").section("Model Constraints"),
            F::object("customProperties", "Custom Properties"),
        ],
        detail_sections: &["Overview", "Template", "Parameters", "Model Constraints"],
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
catalog_core::declare_validator!("prompts", template::validate_template);
