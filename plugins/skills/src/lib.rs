//! Skills catalog plugin at `/api/skills_catalog/v1alpha1`.

use catalog_core::schema::{BundledSource, FieldSpec as F, KindSpec, NativeShape, PluginSpec};

/// The plugin's declaration.
pub static SPEC: PluginSpec = PluginSpec {
    name: "skills",
    version: "v1alpha1",
    description: "Reusable agent skills",
    display_name: "Skills",
    icon: "wrench",
    source_key: None,
    source_types: &["yaml"],
    kind: KindSpec {
        kind: "Skill",
        plural: "skills",
        display_name: "Skill",
        noun: "skill",
        description: "Reusable agent skills",
        document_key: "skills",
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
        id: "skills-default",
        name: "Skills",
        labels: &["Skills"],
        file_name: "sample-skills.yaml",
        content: include_str!("../data/sample-skills.yaml"),
    }],
};

catalog_core::declare_plugin!(SPEC);
