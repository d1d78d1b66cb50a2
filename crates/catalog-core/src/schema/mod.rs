//! Declarative plugin schema: a plugin states its kind and fields once; the framework derives the
//! capabilities document, UI/CLI hints, the sort whitelist and the `q` search fields from it.

pub mod common;

use crate::plugin::{
    CapabilitiesV2, CliHints, Column, DetailField, Endpoints, EntityCapabilities, EntityFields,
    FilterField, PluginIdentity, SourceCapabilities, UiColumn, UiDetailField, UiHints,
};

/// Value type of a field (UA §2.2 column types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text.
    String,
    /// Whole number.
    Integer,
    /// Any number.
    Number,
    /// true/false.
    Boolean,
    /// List.
    Array,
    /// Map.
    Object,
    /// RFC 3339 timestamp or epoch string.
    Date,
}

impl FieldType {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Array => "array",
            Self::Object => "object",
            Self::Date => "date",
        }
    }

    /// Whether a JSON value fits this type (null always fits: it means absent).
    pub fn accepts(self, value: &serde_json::Value) -> bool {
        use serde_json::Value as V;
        match (self, value) {
            (_, V::Null) => true,
            (Self::String | Self::Date, V::String(_)) => true,
            (Self::Integer, V::Number(n)) => n.is_i64() || n.is_u64(),
            (Self::Number, V::Number(_)) => true,
            (Self::Boolean, V::Bool(_)) => true,
            (Self::Array, V::Array(_)) => true,
            (Self::Object, V::Object(_)) => true,
            _ => false,
        }
    }
}

/// How a field can be filtered (UA §2.2 filter types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// Not filterable.
    None,
    /// Free text.
    Text,
    /// One of fixed options.
    Select(&'static [&'static str]),
    /// Numeric.
    Number,
    /// Toggle.
    Boolean,
}

/// One declared field of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Machine name (`orderBy` key, filter identifier).
    pub name: &'static str,
    /// Human label.
    pub label: &'static str,
    /// Dot path into the native document.
    pub path: &'static str,
    /// Value type.
    pub field_type: FieldType,
    /// Shown as a list column.
    pub column: bool,
    /// Usable as `orderBy`.
    pub sortable: bool,
    /// Filter widget.
    pub filter: FilterKind,
    /// Matched by `q`.
    pub searchable: bool,
    /// Every entry must have it.
    pub required: bool,
    /// Detail section title.
    pub section: Option<&'static str>,
    /// Column width hint (`sm`, `md`, `lg`).
    pub width: Option<&'static str>,
    /// Column header when it differs from `label` (e.g. "Type" for "Agent Type").
    pub column_label: Option<&'static str>,
    /// Listed among the detail fields (false for filter-only fields).
    pub detail: bool,
}

impl FieldSpec {
    /// A field at top-level path `name`.
    pub const fn new(name: &'static str, label: &'static str, field_type: FieldType) -> Self {
        Self {
            name,
            label,
            path: name,
            field_type,
            column: false,
            sortable: false,
            filter: FilterKind::None,
            searchable: false,
            required: false,
            section: None,
            width: None,
            column_label: None,
            detail: true,
        }
    }
    /// A string field.
    pub const fn string(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, FieldType::String)
    }
    /// An integer field.
    pub const fn integer(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, FieldType::Integer)
    }
    /// A boolean field.
    pub const fn boolean(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, FieldType::Boolean)
    }
    /// An array field.
    pub const fn array(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, FieldType::Array)
    }
    /// An object field.
    pub const fn object(name: &'static str, label: &'static str) -> Self {
        Self::new(name, label, FieldType::Object)
    }
    /// Reads the value from a nested dot path instead of `name`.
    pub const fn at(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }
    /// Shows it as a list column.
    pub const fn column(mut self) -> Self {
        self.column = true;
        self
    }
    /// Makes it a sortable column.
    pub const fn sortable(mut self) -> Self {
        self.column = true;
        self.sortable = true;
        self
    }
    /// Accepts it as `orderBy` without showing it as a column.
    pub const fn orderable(mut self) -> Self {
        self.sortable = true;
        self
    }
    /// Free-text filter.
    pub const fn text_filter(mut self) -> Self {
        self.filter = FilterKind::Text;
        self
    }
    /// Select filter with options.
    pub const fn select(mut self, options: &'static [&'static str]) -> Self {
        self.filter = FilterKind::Select(options);
        self
    }
    /// Numeric filter.
    pub const fn number_filter(mut self) -> Self {
        self.filter = FilterKind::Number;
        self
    }
    /// Boolean filter.
    pub const fn bool_filter(mut self) -> Self {
        self.filter = FilterKind::Boolean;
        self
    }
    /// Matched by `q`.
    pub const fn searchable(mut self) -> Self {
        self.searchable = true;
        self
    }
    /// Required in every entry.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Detail section.
    pub const fn section(mut self, title: &'static str) -> Self {
        self.section = Some(title);
        self
    }
    /// Column width hint (`sm`, `md`, `lg`).
    pub const fn width(mut self, width: &'static str) -> Self {
        self.width = Some(width);
        self
    }
    /// Column header differing from the detail label.
    pub const fn column_as(mut self, label: &'static str) -> Self {
        self.column_label = Some(label);
        self
    }
    /// Filterable (and sortable if asked) but not listed among detail fields.
    pub const fn filter_only(mut self) -> Self {
        self.detail = false;
        self
    }
    /// The column header.
    pub fn column_header(&self) -> &'static str {
        self.column_label.unwrap_or(self.label)
    }
}

/// The entity kind a plugin serves.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    /// PascalCase kind, e.g. `McpServer`.
    pub kind: &'static str,
    /// URL segment, e.g. `mcpservers`.
    pub plural: &'static str,
    /// Singular label.
    pub display_name: &'static str,
    /// Noun used in messages, e.g. `MCP server`.
    pub noun: &'static str,
    /// Tooltip text.
    pub description: &'static str,
    /// Top-level key of the data file holding the entry list.
    pub document_key: &'static str,
    /// Fields, `name` first.
    pub fields: &'static [FieldSpec],
    /// Ordered detail section titles.
    pub detail_sections: &'static [&'static str],
}

/// Extra fields the server adds to every native document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeShape {
    /// Adds `id` (the entity uid).
    pub id: bool,
    /// Adds `createTimeSinceEpoch` / `lastUpdateTimeSinceEpoch` (ms as strings).
    pub timestamps: bool,
}

/// A sample source shipped with the plugin and served by the bundled default config.
#[derive(Debug, Clone, Copy)]
pub struct BundledSource {
    /// Source id.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Labels.
    pub labels: &'static [&'static str],
    /// File name to materialise.
    pub file_name: &'static str,
    /// File content.
    pub content: &'static str,
}

/// Everything that defines a declarative plugin.
#[derive(Debug, Clone, Copy)]
pub struct PluginSpec {
    /// Registry name.
    pub name: &'static str,
    /// API version.
    pub version: &'static str,
    /// One line.
    pub description: &'static str,
    /// UI label.
    pub display_name: &'static str,
    /// Icon id.
    pub icon: &'static str,
    /// Config key when different from the name.
    pub source_key: Option<&'static str>,
    /// Accepted source types.
    pub source_types: &'static [&'static str],
    /// The kind served.
    pub kind: KindSpec,
    /// Server-added native fields.
    pub native: NativeShape,
    /// Sample data for the bundled default config.
    pub bundled: &'static [BundledSource],
}

/// Legacy ordering keys accepted by every list (UA-51), mapped to field names.
pub const LEGACY_ORDER_KEYS: &[(&str, &str)] = &[
    ("NAME", "name"),
    ("ID", "id"),
    ("CREATE_TIME", "createTime"),
    ("LAST_UPDATE_TIME", "lastUpdateTime"),
];

impl KindSpec {
    /// A kind with the given identity and fields; labels default to the kind, no detail sections.
    pub const fn new(
        kind: &'static str,
        plural: &'static str,
        document_key: &'static str,
        fields: &'static [FieldSpec],
    ) -> Self {
        Self {
            kind,
            plural,
            display_name: kind,
            noun: kind,
            description: "",
            document_key,
            fields,
            detail_sections: &[],
        }
    }
}

impl PluginSpec {
    /// A plugin serving `kind` with defaults: API version `v1alpha1`, `yaml` sources, no extra
    /// native fields, no samples. Override fields with struct update syntax.
    pub const fn new(name: &'static str, kind: KindSpec) -> Self {
        Self {
            name,
            version: "v1alpha1",
            description: "",
            display_name: name,
            icon: "",
            source_key: None,
            source_types: &["yaml"],
            kind,
            native: NativeShape {
                id: false,
                timestamps: false,
            },
            bundled: &[],
        }
    }

    /// The config key.
    pub fn config_key(&self) -> &'static str {
        self.source_key.unwrap_or(self.name)
    }

    /// Position of a declared field.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.kind.fields.iter().position(|f| f.name == name)
    }

    /// The capabilities document for a plugin mounted at `base_path`.
    pub fn capabilities_v2(&self, base_path: &str, refreshable: bool) -> CapabilitiesV2 {
        let k = &self.kind;
        let fields = k.fields;
        CapabilitiesV2 {
            schema_version: "v1".into(),
            plugin: PluginIdentity {
                name: self.name.into(),
                version: self.version.into(),
                description: self.description.into(),
                display_name: Some(self.display_name.into()),
                icon: Some(self.icon.into()),
            },
            entities: vec![EntityCapabilities {
                kind: k.kind.into(),
                plural: k.plural.into(),
                display_name: k.display_name.into(),
                description: Some(k.description.into()),
                endpoints: Endpoints {
                    list: format!("{base_path}/{}", k.plural),
                    get: format!("{base_path}/{}/{{name}}", k.plural),
                    action: None,
                },
                fields: EntityFields {
                    columns: fields
                        .iter()
                        .filter(|f| f.column)
                        .map(|f| Column {
                            name: f.name.into(),
                            display_name: f.column_header().into(),
                            path: f.path.into(),
                            field_type: f.field_type.as_str().into(),
                            sortable: f.sortable,
                            width: f.width.map(Into::into),
                        })
                        .collect(),
                    filter_fields: fields.iter().filter_map(filter_field).collect(),
                    detail_fields: fields
                        .iter()
                        .filter(|f| f.detail)
                        .map(|f| DetailField {
                            name: f.name.into(),
                            display_name: f.label.into(),
                            path: f.path.into(),
                            field_type: f.field_type.as_str().into(),
                            section: f.section.map(Into::into),
                        })
                        .collect(),
                },
                ui_hints: Some(serde_json::json!({
                    "icon": self.icon,
                    "nameField": "name",
                    "detailSections": k.detail_sections,
                    "search": {"searchableFields": self.search_fields()},
                })),
                actions: Vec::new(),
            }],
            sources: refreshable.then(|| SourceCapabilities {
                manageable: false,
                refreshable,
                types: self.source_types.iter().map(|t| t.to_string()).collect(),
            }),
            actions: Vec::new(),
        }
    }

    /// Names of the fields matched by `q`.
    pub fn search_fields(&self) -> Vec<&'static str> {
        self.kind
            .fields
            .iter()
            .filter(|f| f.searchable)
            .map(|f| f.name)
            .collect()
    }

    /// Basic UI hints.
    pub fn ui_hints(&self) -> UiHints {
        let fields = self.kind.fields;
        UiHints {
            list_columns: fields
                .iter()
                .filter(|f| f.column)
                .map(|f| UiColumn {
                    field: f.name.into(),
                    label: f.column_header().into(),
                    sortable: f.sortable,
                    filterable: f.filter != FilterKind::None,
                })
                .collect(),
            detail_fields: fields
                .iter()
                .filter(|f| f.detail)
                .map(|f| UiDetailField {
                    field: f.name.into(),
                    label: f.label.into(),
                    section: f.section.map(Into::into),
                })
                .collect(),
            identity_field: "name".into(),
            display_name_field: "name".into(),
            description_field: "description".into(),
        }
    }

    /// CLI hints.
    pub fn cli_hints(&self) -> CliHints {
        let fields = self.kind.fields;
        CliHints {
            default_columns: fields
                .iter()
                .filter(|f| f.column)
                .map(|f| f.name.into())
                .collect(),
            sort_field: "name".into(),
            filterable_fields: fields
                .iter()
                .filter(|f| f.filter != FilterKind::None)
                .map(|f| f.name.into())
                .collect(),
        }
    }
}

fn filter_field(f: &FieldSpec) -> Option<FilterField> {
    let (filter_type, options, operators): (&str, &[&str], &[&str]) = match f.filter {
        FilterKind::None => return None,
        FilterKind::Text => ("text", &[], &["=", "!=", "LIKE", "ILIKE"]),
        FilterKind::Select(options) => ("select", options, &["=", "!=", "IN"]),
        FilterKind::Number => ("number", &[], &["=", "!=", "<", "<=", ">", ">="]),
        FilterKind::Boolean => ("boolean", &[], &["="]),
    };
    Some(FilterField {
        name: f.name.into(),
        display_name: f.label.into(),
        filter_type: filter_type.into(),
        options: options.iter().map(|o| o.to_string()).collect(),
        operators: operators.iter().map(|o| o.to_string()).collect(),
    })
}
