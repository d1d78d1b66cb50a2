//! The validation pipeline (SM-15, SM-16): `yaml_parse` (critical) → `strict_fields` →
//! `semantic` → `security_warnings` (warning-only) → `provider`. Every problem names its layer,
//! field path and message. Validation has no side effects.

use std::collections::HashSet;

use catalog_config::{SourceConfig, is_sensitive_key, secret_ref};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Manager;
use crate::error::FieldProblem;
use crate::plugin::SourceManager;
use crate::provider::{NameFilter, confine, parse_document};

/// Top-level keys of a source envelope.
const KNOWN_FIELDS: [&str; 9] = [
    "id",
    "name",
    "type",
    "enabled",
    "labels",
    "properties",
    "includedItems",
    "excludedItems",
    "refreshAfterApply",
];

/// Longest accepted display name.
const MAX_NAME_CHARS: usize = 256;

/// The body of validate and apply (SourceConfigInput). Unknown keys are reported by the
/// `strict_fields` layer from the raw JSON, not dropped silently.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SourceInput {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default)]
    pub source_type: String,
    pub enabled: Option<bool>,
    pub labels: Option<Vec<String>>,
    pub properties: Option<Map<String, Value>>,
    pub included_items: Option<Vec<String>>,
    pub excluded_items: Option<Vec<String>>,
    #[serde(default)]
    pub refresh_after_apply: bool,
}

impl SourceInput {
    /// The inline data text, when `properties.content` is a string.
    pub fn content(&self) -> Option<&str> {
        self.properties
            .as_ref()
            .and_then(|p| p.get("content"))
            .and_then(Value::as_str)
    }

    /// The source as it would be configured (content excluded, origin for path resolution).
    pub fn to_config(&self, origin: Option<std::path::PathBuf>) -> SourceConfig {
        let mut properties = self.properties.clone();
        if let Some(p) = properties.as_mut() {
            p.remove("content");
        }
        SourceConfig {
            id: self.id.clone(),
            name: self.name.clone(),
            source_type: self.source_type.clone(),
            enabled: self.enabled,
            labels: self.labels.clone(),
            properties,
            included_items: self.included_items.clone(),
            excluded_items: self.excluded_items.clone(),
            origin,
        }
    }
}

/// One problem found by a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationIssue {
    /// Dotted field path (`id`, `properties.content`), absent for whole-source problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The layer that found it.
    pub layer: &'static str,
}

/// What one layer found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerResult {
    /// Layer name.
    pub layer: &'static str,
    /// No issues.
    pub valid: bool,
    /// Its issues.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ValidationIssue>,
}

/// The DetailedValidationResult.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationResult {
    /// No errors (warnings do not count).
    pub valid: bool,
    /// Errors of every layer that ran.
    pub errors: Vec<ValidationIssue>,
    /// Warning-only findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ValidationIssue>,
    /// Per layer, in order.
    pub layer_results: Vec<LayerResult>,
    /// What a load would yield, when every other layer passed and there is data to read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<Preview>,
}

/// The `preview` layer's finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// Entities the source would serve (after include/exclude filters).
    pub entity_count: usize,
}

impl ValidationResult {
    /// The errors as envelope details.
    pub fn details(&self) -> Vec<FieldProblem> {
        self.errors
            .iter()
            .map(|e| FieldProblem {
                field: e.field.clone().unwrap_or_default(),
                message: e.message.clone(),
                layer: Some(e.layer.to_string()),
            })
            .collect()
    }
}

struct Pipeline {
    result: ValidationResult,
}

impl Pipeline {
    /// Records a layer; returns whether it was clean.
    fn layer(
        &mut self,
        layer: &'static str,
        issues: Vec<(Option<String>, String)>,
        warning_only: bool,
    ) -> bool {
        let errors: Vec<ValidationIssue> = issues
            .into_iter()
            .map(|(field, message)| ValidationIssue {
                field,
                message,
                layer,
            })
            .collect();
        let clean = errors.is_empty();
        if warning_only {
            self.result.warnings.extend(errors.iter().cloned());
        } else if !clean {
            self.result.valid = false;
            self.result.errors.extend(errors.iter().cloned());
        }
        self.result.layer_results.push(LayerResult {
            layer,
            valid: clean,
            errors,
        });
        clean
    }
}

fn field(path: &str) -> Option<String> {
    Some(path.to_string())
}

/// Whether `id` matches `^[a-z0-9][a-z0-9_-]*$`.
pub(crate) fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('a'..='z' | '0'..='9'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '-'))
        && id.len() <= 253
}

/// Runs the pipeline over the raw body `raw` (already known to decode as `input`). `path_id` is
/// the `{id}` of `/sources/{id}:validate`.
pub(crate) fn run(
    raw: &Map<String, Value>,
    input: &SourceInput,
    path_id: Option<&str>,
    plugin: &dyn SourceManager,
    manager: &Manager,
) -> ValidationResult {
    let mut p = Pipeline {
        result: ValidationResult {
            valid: true,
            errors: Vec::new(),
            warnings: Vec::new(),
            layer_results: Vec::new(),
            preview: None,
        },
    };
    let mut yaml = Vec::new();
    if let Some(content) = input.content()
        && !content.trim().is_empty()
        && let Err(e) = parse_document(content, std::path::Path::new("content"))
    {
        yaml.push((
            field("properties.content"),
            format!("YAML parse error: {e}"),
        ));
    }
    if !p.layer("yaml_parse", yaml, false) {
        return p.result;
    }

    let unknown = raw
        .keys()
        .filter(|k| !KNOWN_FIELDS.contains(&k.as_str()))
        .map(|k| (field(k), format!("unknown field \"{k}\"")))
        .collect();
    p.layer("strict_fields", unknown, false);

    p.layer("semantic", semantic(input, path_id), false);
    p.layer(
        "security_warnings",
        inline_credentials(input.properties.as_ref()),
        true,
    );
    p.layer("provider", provider(input, plugin, manager), false);
    if p.result.valid {
        preview(&mut p, input, plugin, manager);
    }
    p.result
}

/// The `preview` layer: loads the source's data (inline content or its existing file) the way a
/// refresh would and counts what it would serve. Runs only when every other layer passed.
fn preview(p: &mut Pipeline, input: &SourceInput, plugin: &dyn SourceManager, manager: &Manager) {
    let source = input.to_config(manager.new_source_origin());
    let Some(value) = source
        .properties
        .as_ref()
        .and_then(|props| props.get("yamlCatalogPath"))
        .and_then(Value::as_str)
    else {
        return;
    };
    let path = catalog_config::resolve_path(&source, value, manager.fallback_dir());
    let Ok(path) = confine(value, &path, manager.allowed_roots()) else {
        return;
    };
    let field_name = if input.content().is_some() {
        "properties.content"
    } else {
        "properties.yamlCatalogPath"
    };
    match plugin.preview_source(&source, input.content(), &path) {
        Ok(entity_count) => {
            p.layer("preview", Vec::new(), false);
            p.result.preview = Some(Preview { entity_count });
        }
        Err(message) => {
            p.layer(
                "preview",
                vec![(field(field_name), manager.scrub(&message))],
                false,
            );
        }
    }
}

fn semantic(input: &SourceInput, path_id: Option<&str>) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let id = if input.id.is_empty() {
        path_id.unwrap_or_default()
    } else {
        &input.id
    };
    if id.is_empty() {
        out.push((field("id"), "source ID is required".into()));
    } else if !valid_id(id) {
        out.push((
            field("id"),
            "source ID must contain only lowercase alphanumerics, '-' or '_' and start with a letter or digit".into(),
        ));
    }
    if let Some(path_id) = path_id
        && !input.id.is_empty()
        && input.id != path_id
    {
        out.push((
            field("id"),
            format!(
                "body id \"{}\" does not match the path id \"{path_id}\"",
                input.id
            ),
        ));
    }
    if input.name.trim().is_empty() {
        out.push((field("name"), "name is required".into()));
    } else if input.name.chars().count() > MAX_NAME_CHARS {
        out.push((
            field("name"),
            format!("name is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if input.source_type.trim().is_empty() {
        out.push((field("type"), "type is required".into()));
    }
    let mut seen = HashSet::new();
    for (i, label) in input.labels.iter().flatten().enumerate() {
        if label.trim().is_empty() {
            out.push((
                field(&format!("labels[{i}]")),
                "label must not be empty".into(),
            ));
        } else if !seen.insert(label.as_str()) {
            out.push((
                field(&format!("labels[{i}]")),
                format!("duplicate label \"{label}\""),
            ));
        }
    }
    out
}

fn inline_credentials(props: Option<&Map<String, Value>>) -> Vec<(Option<String>, String)> {
    fn walk(map: &Map<String, Value>, path: &str, out: &mut Vec<(Option<String>, String)>) {
        for (k, v) in map {
            let here = format!("{path}.{k}");
            match v {
                Value::String(s) if is_sensitive_key(k) && s != catalog_config::REDACTED => out
                    .push((
                        Some(here),
                        "inline credential; use a SecretRef ({\"name\", \"key\"})".into(),
                    )),
                Value::Object(inner) if secret_ref(v).is_none() => walk(inner, &here, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some(props) = props {
        walk(props, "properties", &mut out);
    }
    out
}

fn provider(
    input: &SourceInput,
    plugin: &dyn SourceManager,
    manager: &Manager,
) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let types = plugin.source_types();
    if !input.source_type.is_empty() && !types.contains(&input.source_type) {
        out.push((
            field("type"),
            format!(
                "unknown provider type \"{}\" (this plugin accepts: {})",
                input.source_type,
                types.join(", ")
            ),
        ));
        return out;
    }
    let source = input.to_config(manager.new_source_origin());
    for problem in plugin.check_source(&source, input.content()) {
        out.push((
            Some(problem.field).filter(|f| !f.is_empty()),
            problem.message,
        ));
    }
    if let Err(e) = NameFilter::new(
        input.included_items.as_deref().unwrap_or_default(),
        input.excluded_items.as_deref().unwrap_or_default(),
    ) {
        out.push((field("includedItems"), e.0));
    }
    for (key, value) in input.properties.iter().flatten() {
        let Some(text) = value.as_str() else { continue };
        let here = format!("properties.{key}");
        if key.ends_with("Path") {
            let path = catalog_config::resolve_path(&source, text, manager.fallback_dir());
            match confine(text, &path, manager.allowed_roots()) {
                Err(e) => out.push((Some(here), e.0)),
                Ok(real) if input.content().is_none() && !real.is_file() => {
                    out.push((Some(here), format!("file \"{text}\" does not exist")))
                }
                Ok(_) => {}
            }
        } else if key.to_ascii_lowercase().ends_with("url")
            && let Err(message) = check_url(text)
        {
            out.push((Some(here), message));
        }
    }
    out
}

/// A well-formed absolute http(s) URL with a host and no whitespace.
fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("\"{url}\" is not an http(s) URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err(format!("\"{url}\" is not a well-formed URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_pattern() {
        for ok in ["a", "0x", "team-tools", "a_b"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in ["", "-a", "A", "a:b", "../x", "a/b", "a b"] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn urls_need_scheme_and_host() {
        assert!(check_url("https://example.com/x").is_ok());
        assert!(check_url("http://u:p@h:80").is_ok());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https://a b").is_err());
    }

    #[test]
    fn semantic_reports_every_problem_with_its_field() {
        let input = SourceInput {
            id: "Bad".into(),
            labels: Some(vec!["x".into(), "x".into()]),
            ..SourceInput::default()
        };
        let fields: Vec<_> = semantic(&input, Some("other"))
            .into_iter()
            .map(|(f, _)| f.unwrap())
            .collect();
        assert_eq!(fields, ["id", "id", "name", "type", "labels[1]"]);
    }
}
