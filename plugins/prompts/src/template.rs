//! Prompt template variables (PA §5.2, PA-52): extraction, validation against
//! `parametersSchema`, and a plain placeholder renderer. Pure functions, no I/O.
//!
//! Variables are the roots of `{{ var }}` / `{{var.path}}` placeholders and the arguments of
//! handlebars blocks (`{{#if var}}`). Helper keywords (`this`, `else`, `@index`), closing tags,
//! comments and partials are not variables, and neither are names bound by jinja2 statements
//! (`{% for f in fields %}` binds `f`; `{% set x = … %}` binds `x`).

use serde_json::{Map, Value};

pub use catalog_core::validation::Finding;

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// Variables the template uses that were not given.
    #[error("missing variables: {}", .0.join(", "))]
    Missing(Vec<String>),
    /// A construct the plain renderer does not evaluate (blocks, statements).
    #[error("unsupported template construct `{0}`: only {{{{ var }}}} placeholders are rendered")]
    Unsupported(String),
    /// A placeholder opened and never closed.
    #[error("unclosed placeholder at byte {0}")]
    Unclosed(usize),
}

/// One `{{ … }}` or `{% … %}` tag: its inner text, trimmed, and where it starts and ends.
struct Tag<'a> {
    statement: bool,
    inner: &'a str,
    start: usize,
    end: usize,
}

/// The tags of a template in order; `Err(offset)` for an unclosed one.
fn tags(template: &str) -> Result<Vec<Tag<'_>>, usize> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(found) = template[pos..].find('{') {
        let start = pos + found;
        let rest = &template[start..];
        let (close, statement) = if rest.starts_with("{{") {
            ("}}", false)
        } else if rest.starts_with("{%") {
            ("%}", true)
        } else {
            pos = start + 1;
            continue;
        };
        let Some(len) = rest[2..].find(close) else {
            return Err(start);
        };
        let inner = rest[2..2 + len].trim_matches(|c: char| c.is_whitespace() || c == '-');
        let end = start + 2 + len + 2;
        out.push(Tag {
            statement,
            inner,
            start,
            end,
        });
        pos = end;
    }
    Ok(out)
}

/// Jinja keywords and literals never taken for variables.
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None",
    "this", "loop",
];

/// Leading identifier path of an expression (`f.name | upper` → `f.name`).
fn root(expr: &str) -> Option<&str> {
    let expr = expr.trim_start_matches(['(', ' ']);
    let end = expr
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(expr.len());
    let name = &expr[..end];
    let first = name.chars().next()?;
    (first.is_alphabetic() || first == '_')
        .then_some(name)
        .filter(|n| !KEYWORDS.contains(n))
}

/// Identifiers of an expression (`a and not b.c` → `a`, `b`).
fn identifiers(expr: &str) -> impl Iterator<Item = &str> {
    expr.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|w| w.split('.').next())
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        })
        .filter(|w| !KEYWORDS.contains(w))
}

/// Variables used by `{{ }}` placeholders and handlebars blocks, in first-use order, without
/// helper keywords and jinja2 loop/set-bound names. An unclosed tag ends extraction there.
pub fn extract_variables(template: &str) -> Vec<String> {
    let tags = match tags(template) {
        Ok(t) => t,
        Err(at) => tags(&template[..at]).unwrap_or_default(),
    };
    let mut bound: Vec<&str> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    let push = |name: &str, out: &mut Vec<String>| {
        if !out.iter().any(|v| v == name) {
            out.push(name.to_string());
        }
    };
    for tag in &tags {
        let inner = tag.inner;
        if tag.statement {
            let mut words = inner.split_whitespace();
            match words.next() {
                Some("for") => {
                    let head = inner[3..].split(" in ").next().unwrap_or("");
                    bound.extend(head.split(',').map(str::trim).filter(|s| !s.is_empty()));
                }
                Some("set") => {
                    if let Some(name) = words.next() {
                        bound.push(name.trim_end_matches('='));
                    }
                }
                _ => {}
            }
            continue;
        }
        if let Some(block) = inner.strip_prefix('#') {
            // `#if var`, `#each items`, `#unless x`, `#with y`: the arguments are variables.
            let args = block.split_once(char::is_whitespace).map_or("", |(_, a)| a);
            for id in identifiers(args) {
                if !bound.contains(&id) {
                    push(id, &mut out);
                }
            }
            continue;
        }
        if inner.starts_with(['/', '!', '>', '@', '^']) || inner == "else" {
            continue;
        }
        if let Some(name) = root(inner)
            && !bound.contains(&name)
        {
            push(name, &mut out);
        }
    }
    out
}

/// The template text of an entry: `template` as a string, or the `content` of each message
/// of a `chat_messages` array, joined by newlines.
pub fn template_text(entry: &Value) -> Option<String> {
    match entry.get("template")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(messages) => Some(
            messages
                .iter()
                .filter_map(|m| m.get("content").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => None,
    }
}

/// PA-52 warnings for one prompt template entry: placeholders missing from
/// `parametersSchema.properties`, properties never used by a placeholder, and `required`
/// names that are not properties.
pub fn validate_template(entry: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    let warn = |field: String, message: String| Finding::warning(field, message);
    let Some(text) = template_text(entry) else {
        return vec![warn(
            "template".into(),
            "template is missing or not text".into(),
        )];
    };
    if let Err(at) = tags(&text) {
        findings.push(warn(
            "template".into(),
            format!("unclosed placeholder at byte {at}"),
        ));
    }
    let used = extract_variables(&text);
    let schema = entry.get("parametersSchema");
    let empty = Map::new();
    let properties = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for v in &used {
        if !properties.contains_key(v) {
            findings.push(warn(
                "parametersSchema.properties".into(),
                format!("placeholder `{v}` is not declared"),
            ));
        }
    }
    for name in properties.keys() {
        if !used.contains(name) {
            findings.push(warn(
                format!("parametersSchema.properties.{name}"),
                format!("property `{name}` is never used by a placeholder"),
            ));
        }
    }
    let required = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map_or(&[][..], |v| v);
    for name in required.iter().filter_map(Value::as_str) {
        if !properties.contains_key(name) {
            findings.push(warn(
                "parametersSchema.required".into(),
                format!("required `{name}` is not a property"),
            ));
        }
    }
    findings
}

/// Fills `{{ var }}` / `{{ var.path }}` placeholders from `vars` (strings as-is, other values
/// as JSON). Every variable must be given; blocks and statements are refused, never guessed.
pub fn render(template: &str, vars: &Map<String, Value>) -> Result<String, RenderError> {
    let tags = tags(template).map_err(RenderError::Unclosed)?;
    if let Some(t) = tags
        .iter()
        .find(|t| t.statement || t.inner.starts_with(['#', '/', '>', '^']) || t.inner == "else")
    {
        return Err(RenderError::Unsupported(
            template[t.start..t.end].to_string(),
        ));
    }
    let mut missing = Vec::new();
    let mut out = String::with_capacity(template.len());
    let mut pos = 0;
    for tag in &tags {
        out.push_str(&template[pos..tag.start]);
        pos = tag.end;
        if tag.inner.starts_with('!') {
            continue;
        }
        let mut segments = tag.inner.split('.');
        let first = segments.next().unwrap_or_default().trim();
        let value = segments.fold(vars.get(first), |v, seg| v.and_then(|v| v.get(seg.trim())));
        match value {
            Some(Value::String(s)) => out.push_str(s),
            Some(other) => out.push_str(&other.to_string()),
            None => {
                if !missing.contains(&tag.inner.to_string()) {
                    missing.push(tag.inner.to_string());
                }
            }
        }
    }
    out.push_str(&template[pos..]);
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(RenderError::Missing(missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extracts_placeholders_blocks_and_skips_bound_names() {
        assert_eq!(
            extract_variables("Hi {{name}}, {{ name }} {{ x.y }}"),
            ["name", "x"]
        );
        assert_eq!(
            extract_variables("{{#if a}}A {{b}}{{else}}{{/if}}{{! note}}{{> partial}}"),
            ["a", "b"]
        );
        assert_eq!(
            extract_variables("{% for f in fields %}{{ f.name }}{% endfor %}{{ text | upper }}"),
            ["text"]
        );
        assert_eq!(extract_variables("{% set t = 1 %}{{ t }}{{ u }}"), ["u"]);
        assert_eq!(extract_variables("no tags { here }"), Vec::<String>::new());
        assert_eq!(extract_variables("{{a}} {{unclosed"), ["a"]);
    }

    #[test]
    fn only_data_extraction_has_findings_among_the_fixtures() {
        let doc = catalog_core::provider::parse_document(
            include_str!("../data/sample-prompts.yaml"),
            std::path::Path::new("sample-prompts.yaml"),
        )
        .unwrap();
        let mut flagged = Vec::new();
        for entry in doc["prompttemplates"].as_array().unwrap() {
            let findings = validate_template(entry);
            if !findings.is_empty() {
                flagged.push((entry["name"].as_str().unwrap().to_string(), findings));
            }
        }
        assert_eq!(flagged.len(), 1, "{flagged:?}");
        assert_eq!(flagged[0].0, "data-extraction");
        assert_eq!(flagged[0].1[0].field, "parametersSchema.properties.fields");
    }

    #[test]
    fn validation_reports_each_mismatch() {
        let entry = json!({
            "template": "{{a}} {{b}}",
            "parametersSchema": {"properties": {"a": {}, "c": {}}, "required": ["a", "d"]},
        });
        let fields: Vec<String> = validate_template(&entry)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(
            fields,
            [
                "placeholder `b` is not declared",
                "property `c` is never used by a placeholder",
                "required `d` is not a property"
            ]
        );
        let chat = json!({"template": [{"role": "user", "content": "{{q}}"}],
                          "parametersSchema": {"properties": {"q": {}}}});
        assert!(validate_template(&chat).is_empty());
    }

    #[test]
    fn renders_placeholders_and_refuses_what_it_cannot_evaluate() {
        let vars = json!({"name": "Ada", "n": 3, "o": {"k": "v"}});
        let vars = vars.as_object().unwrap();
        assert_eq!(
            render("Hi {{ name }} x{{n}} {{o.k}}{{! c}}", vars).unwrap(),
            "Hi Ada x3 v"
        );
        assert_eq!(
            render("{{name}} {{missing}} {{o.nope}}", vars),
            Err(RenderError::Missing(vec![
                "missing".into(),
                "o.nope".into()
            ]))
        );
        assert!(matches!(
            render("{{#if a}}x{{/if}}", vars),
            Err(RenderError::Unsupported(_))
        ));
        assert!(matches!(
            render("{% for a in b %}", vars),
            Err(RenderError::Unsupported(_))
        ));
        assert_eq!(render("x {{name", vars), Err(RenderError::Unclosed(2)));
    }
}
