//! The capabilities document of a plugin that does not supply one (UA-19, UA-20), assembled
//! from its basic flags, hints and actions so it still passes the validity rules (UA-13).

use crate::plugin::{
    ActionScope, CapabilitiesV2, CatalogPlugin, Column, DetailField, Endpoints, EntityCapabilities,
    EntityFields, FilterField, PluginIdentity, SourceCapabilities,
};

/// Lowercased plural of a kind: consonant+`y` → `ies`, `s`/`x`/`ch`/`sh` → `es`, else `s`.
fn pluralize(kind: &str) -> String {
    let lower = kind.to_lowercase();
    let mut chars = lower.chars().rev();
    let (last, before) = (chars.next(), chars.next());
    match (before, last) {
        (Some(b), Some('y')) if !"aeiou".contains(b) => format!("{}ies", &lower[..lower.len() - 1]),
        (_, Some('s' | 'x')) => format!("{lower}es"),
        (Some('c' | 's'), Some('h')) => format!("{lower}es"),
        _ => format!("{lower}s"),
    }
}

/// A PascalCase kind split into words: `McpServer` → `Mcp Server`.
fn words(kind: &str) -> String {
    let mut out = String::with_capacity(kind.len() + 4);
    for (i, c) in kind.chars().enumerate() {
        if i > 0 && c.is_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn text_column(name: &str, label: &str, sortable: bool) -> Column {
    Column {
        name: name.into(),
        display_name: label.into(),
        path: name.into(),
        field_type: "string".into(),
        sortable,
        width: None,
    }
}

fn text_filter(name: &str) -> FilterField {
    FilterField {
        name: name.into(),
        display_name: name.into(),
        filter_type: "text".into(),
        options: Vec::new(),
        operators: ["=", "!=", "LIKE", "ILIKE"].map(String::from).to_vec(),
    }
}

/// The assembled document for `plugin` mounted at `base_path`.
pub fn assembled_capabilities(plugin: &dyn CatalogPlugin, base_path: &str) -> CapabilitiesV2 {
    let ui = plugin.ui_hints_provider().map(|p| p.ui_hints());
    let cli = plugin.cli_hints_provider().map(|p| p.cli_hints());
    let (asset_actions, source_actions) = match plugin.action_provider() {
        Some(p) => (
            p.list_actions(ActionScope::Asset),
            p.list_actions(ActionScope::Source),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let mut columns: Vec<Column> = match (&ui, &cli) {
        (Some(ui), _) if !ui.list_columns.is_empty() => ui
            .list_columns
            .iter()
            .map(|c| text_column(&c.field, &c.label, c.sortable))
            .collect(),
        (_, Some(cli)) => cli
            .default_columns
            .iter()
            .map(|c| text_column(c, c, false))
            .collect(),
        _ => Vec::new(),
    };
    if columns.is_empty() {
        columns.push(text_column("name", "Name", true));
    }
    let filter_fields: Vec<FilterField> = match (&ui, &cli) {
        (Some(ui), _) if ui.list_columns.iter().any(|c| c.filterable) => ui
            .list_columns
            .iter()
            .filter(|c| c.filterable)
            .map(|c| text_filter(&c.field))
            .collect(),
        (_, Some(cli)) => cli
            .filterable_fields
            .iter()
            .map(|f| text_filter(f))
            .collect(),
        _ => Vec::new(),
    };
    let detail_fields: Vec<DetailField> = ui
        .iter()
        .flat_map(|ui| &ui.detail_fields)
        .map(|d| DetailField {
            name: d.field.clone(),
            display_name: d.label.clone(),
            path: d.field.clone(),
            field_type: "string".into(),
            section: d.section.clone(),
        })
        .collect();
    let v1 = plugin.capabilities_provider().map(|p| p.capabilities());
    let entities = v1
        .iter()
        .flat_map(|v1| v1.entity_kinds.iter().map(move |kind| (v1, kind)))
        .map(|(v1, kind)| {
            let plural = pluralize(kind);
            EntityCapabilities {
                kind: kind.clone(),
                plural: plural.clone(),
                display_name: words(kind),
                description: None,
                endpoints: Endpoints {
                    list: if v1.list_entities {
                        format!("{base_path}/{plural}")
                    } else {
                        String::new()
                    },
                    get: if v1.get_entity {
                        format!("{base_path}/{plural}/{{name}}")
                    } else {
                        String::new()
                    },
                    action: (!asset_actions.is_empty())
                        .then(|| format!("{base_path}/management/entities/{{name}}:action")),
                },
                fields: EntityFields {
                    columns: columns.clone(),
                    filter_fields: filter_fields.clone(),
                    detail_fields: detail_fields.clone(),
                },
                ui_hints: None,
                actions: asset_actions.iter().map(|a| a.id.clone()).collect(),
            }
        })
        .collect();
    let manageable = plugin.source_manager().is_some();
    let refreshable = plugin.refresh_provider().is_some();
    CapabilitiesV2 {
        schema_version: "v1".into(),
        plugin: PluginIdentity {
            name: plugin.name().into(),
            version: plugin.version().into(),
            description: plugin.description().into(),
            display_name: None,
            icon: None,
        },
        entities,
        sources: (manageable || refreshable).then(|| SourceCapabilities {
            manageable,
            refreshable,
            types: Vec::new(),
        }),
        actions: asset_actions.into_iter().chain(source_actions).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_words_follow_ua_20() {
        for (kind, plural) in [
            ("Policy", "policies"),
            ("McpServer", "mcpservers"),
            ("Key", "keys"),
            ("Index", "indexes"),
            ("Bus", "buses"),
            ("Batch", "batches"),
            ("Mesh", "meshes"),
            ("Agent", "agents"),
        ] {
            assert_eq!(pluralize(kind), plural, "{kind}");
        }
        assert_eq!(words("McpServer"), "Mcp Server");
        assert_eq!(words("Agent"), "Agent");
    }
}
