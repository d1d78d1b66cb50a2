//! Validity rules of a plugin-supplied capabilities document (UA-13, UA-16), checked at startup
//! so an invalid document fails that plugin's init instead of reaching generic clients.

use std::collections::HashSet;

use super::actions::ActionScope;
use super::docs::CapabilitiesV2;
use crate::error::FieldProblem;

fn problem(problems: &mut Vec<FieldProblem>, field: String, message: &str) {
    problems.push(FieldProblem {
        field,
        message: message.to_string(),
        layer: Some("capabilities".into()),
    });
}

/// Whether `id` matches `[a-z][a-z0-9-]*` (UA §2.4).
pub fn is_action_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Every rule `doc` breaks for plugin `name`; empty when valid.
pub fn validate_capabilities(name: &str, doc: &CapabilitiesV2) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let mut require = |field: String, value: &str| {
        if value.trim().is_empty() {
            problem(&mut out, field, "must not be empty");
        }
    };
    require("schemaVersion".into(), &doc.schema_version);
    require("plugin.name".into(), &doc.plugin.name);
    require("plugin.version".into(), &doc.plugin.version);
    require("plugin.description".into(), &doc.plugin.description);
    for (i, e) in doc.entities.iter().enumerate() {
        require(format!("entities[{i}].kind"), &e.kind);
        require(format!("entities[{i}].plural"), &e.plural);
        require(format!("entities[{i}].displayName"), &e.display_name);
        require(format!("entities[{i}].endpoints.list"), &e.endpoints.list);
        require(format!("entities[{i}].endpoints.get"), &e.endpoints.get);
        for (j, c) in e.fields.columns.iter().enumerate() {
            for (key, value) in [
                ("name", &c.name),
                ("displayName", &c.display_name),
                ("path", &c.path),
                ("type", &c.field_type),
            ] {
                require(format!("entities[{i}].fields.columns[{j}].{key}"), value);
            }
        }
        for (j, f) in e.fields.filter_fields.iter().enumerate() {
            require(
                format!("entities[{i}].fields.filterFields[{j}].name"),
                &f.name,
            );
            require(
                format!("entities[{i}].fields.filterFields[{j}].type"),
                &f.filter_type,
            );
        }
        for (j, d) in e.fields.detail_fields.iter().enumerate() {
            require(
                format!("entities[{i}].fields.detailFields[{j}].name"),
                &d.name,
            );
            require(
                format!("entities[{i}].fields.detailFields[{j}].path"),
                &d.path,
            );
        }
    }
    for (i, a) in doc.actions.iter().enumerate() {
        require(format!("actions[{i}].id"), &a.id);
        require(format!("actions[{i}].displayName"), &a.display_name);
        require(format!("actions[{i}].description"), &a.description);
    }
    for (i, a) in doc.actions.iter().enumerate() {
        if !a.id.is_empty() && !is_action_id(&a.id) {
            problem(
                &mut out,
                format!("actions[{i}].id"),
                "must match [a-z][a-z0-9-]*",
            );
        }
    }
    if doc.plugin.name != name {
        problem(
            &mut out,
            "plugin.name".into(),
            &format!("must equal the registry name \"{name}\""),
        );
    }
    if doc.entities.is_empty() {
        problem(
            &mut out,
            "entities".into(),
            "a serving plugin needs at least one entity",
        );
    }
    let (mut kinds, mut plurals) = (HashSet::new(), HashSet::new());
    for (i, e) in doc.entities.iter().enumerate() {
        if e.fields.columns.is_empty() {
            problem(
                &mut out,
                format!("entities[{i}].fields.columns"),
                "needs at least one column",
            );
        }
        if !kinds.insert(&e.kind) {
            problem(&mut out, format!("entities[{i}].kind"), "duplicate kind");
        }
        if !plurals.insert(&e.plural) {
            problem(
                &mut out,
                format!("entities[{i}].plural"),
                "duplicate plural",
            );
        }
        if let Some(hints) = &e.ui_hints {
            out.extend(super::validate_ui_hints(
                &format!("entities[{i}].uiHints"),
                hints,
                &e.actions,
            ));
        }
        for (j, id) in e.actions.iter().enumerate() {
            let defined = doc
                .actions
                .iter()
                .any(|a| &a.id == id && a.scope == ActionScope::Asset);
            if !defined {
                problem(
                    &mut out,
                    format!("entities[{i}].actions[{j}]"),
                    "must name a top-level action with scope \"asset\"",
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{FieldSpec, KindSpec, PluginSpec};

    static SPEC: PluginSpec = PluginSpec {
        description: "Widgets",
        ..PluginSpec::new(
            "widgets",
            KindSpec::new(
                "Widget",
                "widgets",
                "widgets",
                &[FieldSpec::string("name", "Name").sortable()],
            ),
        )
    };

    #[test]
    fn declared_documents_are_valid_and_broken_ones_name_each_problem() {
        let doc = SPEC.capabilities_v2("/api/widgets_catalog/v1alpha1", true);
        assert_eq!(validate_capabilities("widgets", &doc), Vec::new());

        let mut bad = doc.clone();
        bad.plugin.description.clear();
        bad.entities[0].fields.columns.clear();
        bad.entities[0].actions.push("no-such-action".into());
        bad.actions[0].id = "Bad_Id".into();
        bad.entities.push(bad.entities[0].clone());
        let fields: Vec<String> = validate_capabilities("other", &bad)
            .into_iter()
            .map(|p| p.field)
            .collect();
        for expected in [
            "plugin.description",
            "plugin.name",
            "entities[0].fields.columns",
            "entities[0].actions[0]",
            "actions[0].id",
            "entities[1].kind",
            "entities[1].plural",
        ] {
            assert!(
                fields.iter().any(|f| f == expected),
                "{expected} in {fields:?}"
            );
        }
        let mut hints = doc.clone();
        hints.entities[0].ui_hints =
            Some(serde_json::json!({"search": {"facets": [{"field": "x", "display": "pill"}]}}));
        assert_eq!(
            validate_capabilities("widgets", &hints)[0].field,
            "entities[0].uiHints.search.facets[0].display"
        );
        let mut empty = doc;
        empty.entities.clear();
        assert_eq!(
            validate_capabilities("widgets", &empty)[0].field,
            "entities"
        );
    }
}
