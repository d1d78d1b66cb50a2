//! Entry validation findings (the `validate` action, PA-46): open-enumeration values outside
//! the known ones, unresolved references, and plugin-specific checks registered with
//! [`declare_validator!`](crate::declare_validator). Never changes state; never rejects a load.

use serde::Serialize;
use serde_json::Value;

use crate::entity::FieldValue;
use crate::references::{Directory, extract_links, references_of, resolve_links};
use crate::schema::{FilterKind, PluginSpec};

/// One finding about an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Field path at fault, e.g. `tools[1]`.
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl Finding {
    /// A warning.
    pub fn warning(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: "warning",
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A plugin's own checks of one entry document.
pub struct EntryValidator {
    /// Plugin name.
    pub plugin: &'static str,
    /// The checks.
    pub check: fn(&Value) -> Vec<Finding>,
}

inventory::collect!(EntryValidator);

/// Registers a plugin's entry checks: `declare_validator!("skills", check_skill)`.
#[macro_export]
macro_rules! declare_validator {
    ($plugin:expr, $check:path) => {
        $crate::inventory::submit! {
            $crate::validation::EntryValidator { plugin: $plugin, check: $check }
        }
    };
}

/// Every finding for `doc` (a native entry document) of `spec`'s plugin.
pub fn validate_entry(spec: &PluginSpec, directory: &Directory, doc: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    for field in spec.kind.fields {
        let FilterKind::Select(options) = field.filter else {
            continue;
        };
        let values: Vec<Box<str>> = match FieldValue::extract(doc, field.path) {
            FieldValue::Str(s) => vec![s],
            FieldValue::List(items) => items.into_vec(),
            _ => Vec::new(),
        };
        for v in values.iter().filter(|v| !options.contains(&&***v)) {
            findings.push(Finding::warning(
                field.path,
                format!("\"{v}\" is not a known value ({})", options.join(", ")),
            ));
        }
    }
    let links = extract_links(doc, references_of(spec.name));
    for r in resolve_links(directory, links)
        .into_iter()
        .filter(|r| !r.resolved)
    {
        findings.push(Finding::warning(
            r.link.field,
            format!(
                "{} \"{}\" does not resolve ({})",
                r.link.kind,
                r.link.name,
                r.reason.unwrap_or("NotFound")
            ),
        ));
    }
    for v in inventory::iter::<EntryValidator>
        .into_iter()
        .filter(|v| v.plugin == spec.name)
    {
        findings.extend((v.check)(doc));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::references::ReferenceSpec;
    use crate::schema::{FieldSpec, KindSpec};
    use serde_json::json;

    static SPEC: PluginSpec = PluginSpec::new(
        "validation-test",
        KindSpec::new(
            "Thing",
            "things",
            "things",
            &[
                FieldSpec::string("name", "Name"),
                FieldSpec::string("mode", "Mode").select(&["a", "b"]),
            ],
        ),
    );

    fn no_colour(doc: &Value) -> Vec<Finding> {
        match doc.get("colour") {
            None => vec![Finding::warning("colour", "missing")],
            Some(_) => Vec::new(),
        }
    }

    crate::declare_validator!("validation-test", no_colour);
    crate::declare_references!(
        "validation-test",
        &[ReferenceSpec::new(
            "parts[].ref",
            "ref",
            "elsewhere",
            "Part"
        )]
    );

    #[test]
    fn unknown_values_dangling_references_and_plugin_checks() {
        let doc = json!({"name": "x", "mode": "c", "parts": [{"ref": "p1"}]});
        let got: Vec<(String, String)> = validate_entry(&SPEC, &Directory::default(), &doc)
            .into_iter()
            .map(|f| (f.field, f.message))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "mode".to_string(),
                    "\"c\" is not a known value (a, b)".to_string()
                ),
                (
                    "parts[0].ref".into(),
                    "Part \"p1\" does not resolve (PluginUnavailable)".into()
                ),
                ("colour".into(), "missing".into()),
            ]
        );
        let clean = json!({"name": "x", "mode": "a", "colour": "red"});
        assert!(validate_entry(&SPEC, &Directory::default(), &clean).is_empty());
    }
}
