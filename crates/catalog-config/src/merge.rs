//! Layering of configuration files (FW-48, FW-50).

use crate::model::{CatalogSources, Section, SourceConfig};

/// Merges `over` (the later file) onto `base` and returns the result.
///
/// Pure: neither input is modified.
///
/// - `apiVersion`, `kind`: `over`'s value when non-empty.
/// - `catalogs`: union; keys present in both are merged as sections.
/// - `sources`: matched by `id`; a match is merged field by field (see
///   [`merge_source`]). Base sources keep their order; unmatched `over`
///   sources are appended in `over`'s order.
/// - `namedQueries`: union by query name, then by field; `over` wins.
/// - `section.labels`: `over`'s list when it is non-empty. (The model cannot
///   tell an absent list from an empty one here, so an empty list does not
///   clear the base's labels.)
pub fn merge(base: &CatalogSources, over: &CatalogSources) -> CatalogSources {
    let mut out = base.clone();
    if !over.api_version.is_empty() {
        out.api_version.clone_from(&over.api_version);
    }
    if !over.kind.is_empty() {
        out.kind.clone_from(&over.kind);
    }
    for (key, section) in &over.catalogs {
        let merged = match base.catalogs.get(key) {
            Some(base_section) => merge_section(base_section, section),
            None => section.clone(),
        };
        out.catalogs.insert(key.clone(), merged);
    }
    out
}

/// Merges two sections with the rules of [`merge`].
pub fn merge_section(base: &Section, over: &Section) -> Section {
    let mut out = base.clone();
    for source in &over.sources {
        match out.sources.iter_mut().find(|s| s.id == source.id) {
            Some(existing) => *existing = merge_source(existing, source),
            None => out.sources.push(source.clone()),
        }
    }
    if !over.labels.is_empty() {
        out.labels.clone_from(&over.labels);
    }
    for (name, fields) in &over.named_queries {
        let query = out.named_queries.entry(name.clone()).or_default();
        for (field, condition) in fields {
            query.insert(field.clone(), condition.clone());
        }
    }
    out
}

/// Merges two versions of the same source field by field.
///
/// - `name`, `type`: `over`'s value when non-empty.
/// - `enabled`: `over`'s value when present.
/// - `labels`, `includedItems`, `excludedItems`: `over`'s list when present;
///   `Some(vec![])` clears.
/// - `properties`: when `over` has them they replace the base map whole, and
///   the origin becomes `over`'s origin (FW-50); otherwise the base's
///   properties and origin stay.
/// - `id` is the base's (they match).
pub fn merge_source(base: &SourceConfig, over: &SourceConfig) -> SourceConfig {
    let mut out = base.clone();
    if !over.name.is_empty() {
        out.name.clone_from(&over.name);
    }
    if !over.source_type.is_empty() {
        out.source_type.clone_from(&over.source_type);
    }
    if over.enabled.is_some() {
        out.enabled = over.enabled;
    }
    if over.labels.is_some() {
        out.labels.clone_from(&over.labels);
    }
    if over.included_items.is_some() {
        out.included_items.clone_from(&over.included_items);
    }
    if over.excluded_items.is_some() {
        out.excluded_items.clone_from(&over.excluded_items);
    }
    if over.properties.is_some() {
        out.properties.clone_from(&over.properties);
        out.origin.clone_from(&over.origin);
    }
    out
}
