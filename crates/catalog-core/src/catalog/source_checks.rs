//! The declarative plugin's source checks for the management plane (SM-18).

use catalog_config::SourceConfig;

use super::DeclarativePlugin;
use super::entry::validate_entries;
use crate::error::FieldProblem;
use crate::plugin::SourceManager;
use crate::provider::{NameFilter, parse_document, read_data_file};

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        message: message.into(),
        layer: None,
    }
}

impl SourceManager for DeclarativePlugin {
    fn source_types(&self) -> Vec<String> {
        self.spec()
            .source_types
            .iter()
            .map(|t| t.to_string())
            .collect()
    }

    fn check_source(&self, source: &SourceConfig, content: Option<&str>) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let path = source
            .properties
            .as_ref()
            .and_then(|p| p.get("yamlCatalogPath"));
        if source.source_type == "yaml" {
            match path {
                Some(serde_json::Value::String(p)) if !p.trim().is_empty() => {}
                _ => out.push(problem(
                    "properties.yamlCatalogPath",
                    "property yamlCatalogPath is required for type yaml",
                )),
            }
        }
        if let Some(text) = content {
            match parse_document(text, std::path::Path::new("content")) {
                Ok(doc) => {
                    if let Err(e) = validate_entries(self.spec(), doc) {
                        out.push(problem("properties.content", e.0));
                    }
                }
                Err(e) => out.push(problem("properties.content", e.0)),
            }
        }
        out
    }

    fn preview_source(
        &self,
        source: &SourceConfig,
        content: Option<&str>,
        path: &std::path::Path,
    ) -> Result<usize, String> {
        let text = match content {
            Some(text) => text.to_string(),
            None => read_data_file(path).map_err(|e| e.0)?,
        };
        let doc = parse_document(&text, path).map_err(|e| e.0)?;
        let entries = validate_entries(self.spec(), doc).map_err(|e| e.0)?;
        let filter = NameFilter::new(
            source.included_items.as_deref().unwrap_or_default(),
            source.excluded_items.as_deref().unwrap_or_default(),
        )
        .map_err(|e| e.0)?;
        Ok(entries
            .iter()
            .filter(|(name, _)| filter.admits(name))
            .count())
    }
}
