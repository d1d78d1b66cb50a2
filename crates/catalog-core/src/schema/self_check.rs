//! Startup self-check of a declarative spec (UA-12): every filter field it advertises accepts
//! each advertised operator with a well-typed value, and every sortable column is accepted as
//! `orderBy`. A spec that breaks this fails its plugin's init instead of answering 400s later.

use super::{FilterKind, PluginSpec};
use crate::query::{compile_query, parse_order_by};

/// Every advertised filter or sort the list endpoint would refuse, as `(field, reason)`.
pub fn self_check(spec: &PluginSpec) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let doc = spec.capabilities_v2("/self-check", false);
    for entity in &doc.entities {
        for f in &entity.fields.filter_fields {
            let literal = match spec
                .kind
                .fields
                .iter()
                .find(|d| d.name == f.name)
                .map(|d| d.filter)
            {
                Some(FilterKind::Number) => "0".to_string(),
                Some(FilterKind::Boolean) => "true".to_string(),
                Some(FilterKind::Select(options)) => {
                    format!("'{}'", options.first().unwrap_or(&"x"))
                }
                _ => "'x'".to_string(),
            };
            for op in &f.operators {
                let query = match op.as_str() {
                    "IN" => format!("`{}` IN ({literal})", f.name),
                    "LIKE" | "ILIKE" => format!("`{}` {op} 'x%'", f.name),
                    _ => format!("`{}` {op} {literal}", f.name),
                };
                if let Err(e) = compile_query(spec, &query) {
                    problems.push((format!("filterFields.{}", f.name), format!("{query}: {e}")));
                }
            }
        }
        for c in entity.fields.columns.iter().filter(|c| c.sortable) {
            if let Err(e) = parse_order_by(&c.name, spec) {
                problems.push((format!("columns.{}", c.name), e.message));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{FieldSpec, KindSpec};

    #[test]
    fn consistent_specs_pass_and_mistyped_filters_are_named() {
        static GOOD: PluginSpec = PluginSpec::new(
            "w",
            KindSpec::new(
                "W",
                "ws",
                "ws",
                &[
                    FieldSpec::string("name", "Name").sortable().text_filter(),
                    FieldSpec::integer("n", "N").sortable().number_filter(),
                    FieldSpec::boolean("b", "B").bool_filter(),
                    FieldSpec::string("s", "S").select(&["a", "b"]),
                    FieldSpec::array("tags", "Tags").text_filter(),
                ],
            ),
        );
        assert_eq!(self_check(&GOOD), Vec::new());
        static BAD: PluginSpec = PluginSpec::new(
            "w",
            KindSpec::new(
                "W",
                "ws",
                "ws",
                &[
                    FieldSpec::string("name", "Name").sortable(),
                    FieldSpec::string("s", "S").number_filter(),
                ],
            ),
        );
        let problems = self_check(&BAD);
        assert!(
            problems.iter().any(|(f, _)| f == "filterFields.s"),
            "{problems:?}"
        );
    }
}
