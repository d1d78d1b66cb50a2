//! One list request over a snapshot: parameters, source and label scoping, `q`, `filterQuery`,
//! ordering and paging. Shared by the generic list route and plugin routes listing
//! sub-resources.

use catalog_config::SourceConfig;

use super::sources_with_labels;
use crate::error::ApiError;
use crate::index::{Bitset, Snapshot};
use crate::query::{ListParams, Page, compile_query_nested, run_list};
use crate::schema::PluginSpec;

/// Runs the list request `pairs` over `snapshot` for `spec`'s kind. `scope` is bound into page
/// tokens; `sources` resolves `sourceLabel`; `nested` names hidden lists of sub-records that
/// `filterQuery` may test (see [`compile_query_nested`]).
pub fn list_page(
    spec: &PluginSpec,
    nested: &[&str],
    snapshot: &Snapshot,
    pairs: &[(String, String)],
    scope: &str,
    sources: &[SourceConfig],
) -> Result<Page, ApiError> {
    let params = ListParams::parse(pairs, spec)?;
    let keep = select(spec, nested, snapshot, pairs, &params, sources)?;
    run_list(snapshot, &params, scope, keep.as_ref())
}

/// The entities of `snapshot` a list request keeps (`None`: all): source and label scoping,
/// `q` and `filterQuery`. For plugin lists that order by keys of their own
/// ([`crate::query::run_list_by`]).
pub fn select(
    spec: &PluginSpec,
    nested: &[&str],
    snapshot: &Snapshot,
    pairs: &[(String, String)],
    params: &ListParams,
    sources: &[SourceConfig],
) -> Result<Option<Bitset>, ApiError> {
    // Compiled once per request. Offsets in errors count from the value as sent, so the raw
    // parameter is parsed rather than the trimmed copy (leading blanks are only whitespace).
    let filter = match &params.filter_query {
        None => None,
        Some(_) => {
            let raw = pairs
                .iter()
                .find(|(k, _)| k == "filterQuery")
                .map_or("", |(_, v)| v.as_str());
            Some(compile_query_nested(spec, nested, raw.trim_end())?)
        }
    };
    // Every condition becomes a set of snapshot positions; the sets are intersected word-wise.
    let mut keep: Option<Bitset> = None;
    let mut restrict = |set: Bitset| match &mut keep {
        Some(k) => k.and(&set),
        None => keep = Some(set),
    };
    let in_sources = |ids: &[String]| -> Bitset {
        snapshot
            .entities()
            .iter()
            .map(|e| ids.iter().any(|s| **s == *e.source_id))
            .collect()
    };
    if !params.source_labels.is_empty() {
        restrict(in_sources(&sources_with_labels(
            sources,
            &params.source_labels,
        )));
    }
    if !params.sources.is_empty() {
        restrict(in_sources(&params.sources));
    }
    if let Some(q) = params.q.as_deref() {
        restrict(snapshot.search(q));
    }
    if let Some(f) = &filter {
        restrict(f.evaluate_all(snapshot.entities(), &snapshot.columns(&f.fields_used())));
    }
    Ok(keep)
}
