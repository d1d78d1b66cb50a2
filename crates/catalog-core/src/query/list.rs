//! One list request against one snapshot: parameters → source scope, `q`, `filterQuery` →
//! page (UA §8–§10). Shared by native plugin lists and the generic asset list.

use super::filter::compile_query;
use super::page::{Page, run_list};
use super::params::ListParams;
use crate::error::ApiError;
use crate::index::{Bitset, Snapshot};
use crate::schema::PluginSpec;

/// Runs the list query `pairs` over `snapshot`, whose entities follow `spec`'s schema. `scope`
/// names what else shapes the sequence (namespace, kind, …) and is bound into page tokens.
/// `visible` is false when the caller's namespace may not see this snapshot: the page is empty.
pub fn list_page(
    spec: &PluginSpec,
    snapshot: &Snapshot,
    pairs: &[(String, String)],
    scope: &str,
    visible: bool,
) -> Result<Page, ApiError> {
    let params = ListParams::parse(pairs, spec)?;
    // Compiled once per request. Offsets in errors count from the value as sent, so the raw
    // parameter is parsed rather than the trimmed copy (leading blanks are only whitespace).
    let filter = match &params.filter_query {
        None => None,
        Some(_) => {
            let raw = pairs
                .iter()
                .find(|(k, _)| k == "filterQuery")
                .map_or("", |(_, v)| v.as_str());
            Some(compile_query(spec, raw.trim_end())?)
        }
    };
    // Every condition becomes a set of snapshot positions; the sets are intersected word-wise.
    let mut keep: Option<Bitset> = None;
    let mut restrict = |set: Bitset| match &mut keep {
        Some(k) => k.and(&set),
        None => keep = Some(set),
    };
    if !visible {
        restrict(snapshot.entities().iter().map(|_| false).collect());
    }
    if !params.sources.is_empty() {
        restrict(
            snapshot
                .entities()
                .iter()
                .map(|e| params.sources.iter().any(|s| **s == *e.source_id))
                .collect(),
        );
    }
    if let Some(q) = params.q.as_deref() {
        restrict(snapshot.search(q));
    }
    if let Some(f) = &filter {
        restrict(f.evaluate_all(snapshot.entities(), &snapshot.columns(&f.fields_used())));
    }
    run_list(snapshot, &params, scope, keep.as_ref())
}
