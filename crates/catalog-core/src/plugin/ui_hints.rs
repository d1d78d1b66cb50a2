//! Validation of extended UI hints (UA-21, UA-22): required keys, the closed set of 11 display
//! types, widths, sort directions, parsable default filters and action ids that exist.

use serde_json::Value;

use crate::error::FieldProblem;

/// The display types clients render (UA §3.2); the set is closed.
pub const DISPLAY_TYPES: &[&str] = &[
    "text",
    "markdown",
    "badge",
    "tags",
    "link",
    "repoRef",
    "imageRef",
    "dateTime",
    "code",
    "json",
    "secretRef",
];

/// Collects problems under a path prefix.
struct Checker<'a> {
    prefix: &'a str,
    out: Vec<FieldProblem>,
}

impl Checker<'_> {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.out.push(FieldProblem {
            field: format!("{}.{path}", self.prefix),
            message: message.into(),
            layer: Some("uiHints".into()),
        });
    }

    /// The array at `key` of `obj` (absent: empty); anything else is a problem.
    fn array<'v>(&mut self, obj: &'v Value, key: &str, path: &str) -> &'v [Value] {
        match obj.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.problem(path, "must be an array");
                &[]
            }
        }
    }

    fn require(&mut self, obj: &Value, key: &str, path: &str) {
        if obj
            .get(key)
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            self.problem(&format!("{path}.{key}"), "is required");
        }
    }

    fn one_of(&mut self, obj: &Value, key: &str, path: &str, allowed: &[&str]) {
        match obj.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => {}
            Some(other) => self.problem(
                &format!("{path}.{key}"),
                format!("must be one of {}, got {other}", allowed.join(", ")),
            ),
        }
    }
}

/// Every problem of one entity's `uiHints`; `actions` are the entity's action ids. Paths start
/// with `prefix`, e.g. `entities[0].uiHints`.
pub fn validate_ui_hints(prefix: &str, hints: &Value, actions: &[String]) -> Vec<FieldProblem> {
    let mut c = Checker {
        prefix,
        out: Vec::new(),
    };
    if !hints.is_object() {
        c.problem("", "must be an object");
        return c.out;
    }
    if let Some(list) = hints.get("listView") {
        for (i, col) in c
            .array(list, "columns", "listView.columns")
            .iter()
            .enumerate()
        {
            let p = format!("listView.columns[{i}]");
            c.require(col, "field", &p);
            c.require(col, "label", &p);
            c.one_of(col, "display", &p, DISPLAY_TYPES);
            c.one_of(col, "width", &p, &["sm", "md", "lg"]);
        }
        if let Some(sort) = list.get("defaultSort").filter(|v| !v.is_null()) {
            c.require(sort, "field", "listView.defaultSort");
            c.one_of(
                sort,
                "direction",
                "listView.defaultSort",
                &["", "asc", "desc"],
            );
        }
        for (i, f) in c
            .array(list, "defaultFilters", "listView.defaultFilters")
            .iter()
            .enumerate()
        {
            let p = format!("listView.defaultFilters[{i}].filterQuery");
            match f.get("filterQuery").and_then(Value::as_str) {
                Some(q) => {
                    if let Err(e) = crate::query::filter::parse(q) {
                        c.problem(&p, format!("does not parse: {e}"));
                    }
                }
                None => c.problem(&p, "is required"),
            }
        }
    }
    if let Some(detail) = hints.get("detailView") {
        for (i, section) in c
            .array(detail, "sections", "detailView.sections")
            .iter()
            .enumerate()
        {
            let p = format!("detailView.sections[{i}]");
            c.require(section, "title", &p);
            for (j, field) in c
                .array(section, "fields", &format!("{p}.fields"))
                .iter()
                .enumerate()
            {
                let fp = format!("{p}.fields[{j}]");
                c.require(field, "field", &fp);
                c.one_of(field, "display", &fp, DISPLAY_TYPES);
            }
        }
    }
    if let Some(search) = hints.get("search") {
        for (i, facet) in c
            .array(search, "facets", "search.facets")
            .iter()
            .enumerate()
        {
            let p = format!("search.facets[{i}]");
            c.require(facet, "field", &p);
            c.one_of(facet, "display", &p, DISPLAY_TYPES);
        }
        for (i, f) in c
            .array(search, "searchableFields", "search.searchableFields")
            .iter()
            .enumerate()
        {
            if !f.is_string() {
                c.problem(&format!("search.searchableFields[{i}]"), "must be a string");
            }
        }
    }
    if let Some(ah) = hints.get("actionHints") {
        for key in ["primary", "secondary"] {
            for (i, id) in c
                .array(ah, key, &format!("actionHints.{key}"))
                .iter()
                .enumerate()
            {
                if !id
                    .as_str()
                    .is_some_and(|id| actions.iter().any(|a| a == id))
                {
                    c.problem(
                        &format!("actionHints.{key}[{i}]"),
                        format!("{id} is not an action of this entity"),
                    );
                }
            }
        }
        for (i, conf) in c
            .array(ah, "confirmations", "actionHints.confirmations")
            .iter()
            .enumerate()
        {
            let p = format!("actionHints.confirmations[{i}]");
            c.require(conf, "action", &p);
            c.require(conf, "prompt", &p);
            if let Some(id) = conf.get("action").and_then(Value::as_str)
                && !id.is_empty()
                && !actions.iter().any(|a| a == id)
            {
                c.problem(
                    &format!("{p}.action"),
                    format!("\"{id}\" is not an action of this entity"),
                );
            }
        }
    }
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(hints: Value) -> Vec<String> {
        validate_ui_hints("e", &hints, &["tag".into()])
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn valid_hints_pass() {
        let hints = json!({
            "icon": "robot",
            "listView": {"titleField": "name", "columns": [{"field": "name", "label": "Name", "display": "badge", "width": "sm"}],
                         "defaultSort": {"field": "name", "direction": "desc"},
                         "defaultFilters": [{"filterQuery": "a = 1 AND b IN ('x')"}]},
            "detailView": {"sections": [{"title": "Overview", "fields": [{"field": "d", "display": "markdown"}], "panels": ["auditTrail"]}]},
            "search": {"searchableFields": ["name"], "facets": [{"field": "tags", "display": "tags"}]},
            "actionHints": {"primary": ["tag"], "confirmations": [{"action": "tag", "prompt": "Sure?"}]}
        });
        assert_eq!(fields(hints), Vec::<String>::new());
    }

    #[test]
    fn each_broken_rule_is_named_by_path() {
        let hints = json!({
            "listView": {"columns": [{"field": "a", "label": "A"}, {"field": "", "display": "pill", "width": "xl"}],
                         "defaultSort": {"direction": "up"},
                         "defaultFilters": [{"filterQuery": "a = "}]},
            "detailView": {"sections": [{"fields": [{"display": "user"}]}]},
            "search": {"facets": [{"field": "t", "display": "dropdown"}]},
            "actionHints": {"secondary": ["nope"], "confirmations": [{"action": "tag"}]}
        });
        let got = fields(hints);
        for expected in [
            "e.listView.columns[1].field",
            "e.listView.columns[1].label",
            "e.listView.columns[1].display",
            "e.listView.columns[1].width",
            "e.listView.defaultSort.field",
            "e.listView.defaultSort.direction",
            "e.listView.defaultFilters[0].filterQuery",
            "e.detailView.sections[0].title",
            "e.detailView.sections[0].fields[0].field",
            "e.detailView.sections[0].fields[0].display",
            "e.search.facets[0].display",
            "e.actionHints.secondary[0]",
            "e.actionHints.confirmations[0].prompt",
        ] {
            assert!(got.iter().any(|g| g == expected), "{expected} in {got:?}");
        }
        assert_eq!(
            fields(json!({"listView": {"columns": "x"}})),
            ["e.listView.columns"]
        );
    }
}
