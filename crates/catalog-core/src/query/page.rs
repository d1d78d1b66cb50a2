//! Running a list request against a snapshot and rendering the list envelope (C-2).

use std::cmp::Ordering;
use std::sync::Arc;

use super::params::ListParams;
use super::token::{decode_token, encode_token, fingerprint};
use crate::entity::Entity;
use crate::error::ApiError;
use crate::index::{Bitset, Position, Snapshot, SortKey};

/// One page of results.
pub struct Page {
    /// Entities of this page, in order.
    pub items: Vec<Arc<Entity>>,
    /// Token for the next page; empty on the last.
    pub next_page_token: String,
    /// All matches.
    pub total_size: usize,
    /// Effective page size.
    pub page_size: usize,
}

impl Page {
    /// The C-2 envelope, writing each entity's pre-serialized JSON.
    pub fn to_json(&self) -> String {
        let body_len: usize = self.items.iter().map(|e| e.json.get().len() + 1).sum();
        let mut out = String::with_capacity(body_len + 128);
        out.push_str("{\"items\":[");
        for (i, e) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(e.json.get());
        }
        out.push_str("],\"size\":");
        out.push_str(&self.items.len().to_string());
        out.push_str(",\"pageSize\":");
        out.push_str(&self.page_size.to_string());
        out.push_str(",\"nextPageToken\":");
        out.push_str(&serde_json::to_string(&self.next_page_token).unwrap_or_default());
        out.push_str(",\"totalSize\":");
        out.push_str(&self.total_size.to_string());
        out.push('}');
        out
    }
}

/// Runs `params` over `snapshot`, keeping the entities whose positions in
/// [`Snapshot::entities`] are set in `keep` (None: all).
///
/// `scope` names everything else that shapes the sequence (namespace, kind) and is bound into
/// page tokens together with the query.
pub fn run_list(
    snapshot: &Snapshot,
    params: &ListParams,
    scope: &str,
    keep: Option<&Bitset>,
) -> Result<Page, ApiError> {
    let field = params.order.field;
    let ordering = snapshot.ordering(params.order);
    run_ordered(snapshot, params, scope, keep, ordering.as_deref(), &|e| {
        Position::of(e, field)
    })
}

/// Like [`run_list`], but ordered by a key computed per request (e.g. from a plugin's custom
/// properties or sub-records): `key` gives each entity's sort value, sorted per
/// `params.order.desc` with missing values last and ties broken as in every ordering. The
/// caller binds whatever `key` depends on into `params.order_by` so page tokens stay bound to it.
pub fn run_list_by(
    snapshot: &Snapshot,
    params: &ListParams,
    scope: &str,
    keep: Option<&Bitset>,
    key: impl Fn(&Entity) -> SortKey,
) -> Result<Page, ApiError> {
    let entities = snapshot.entities();
    let positions: Vec<Position> = entities
        .iter()
        .map(|e| Position::keyed(e, key(e)))
        .collect();
    let mut idx: Vec<u32> = (0..entities.len() as u32).collect();
    let desc = params.order.desc;
    idx.sort_unstable_by(|a, b| positions[*a as usize].compare(&positions[*b as usize], desc));
    run_ordered(snapshot, params, scope, keep, Some(&idx), &|e| {
        Position::keyed(e, key(e))
    })
}

fn run_ordered(
    snapshot: &Snapshot,
    params: &ListParams,
    scope: &str,
    keep: Option<&Bitset>,
    order: Option<&[u32]>,
    position: &dyn Fn(&Entity) -> Position,
) -> Result<Page, ApiError> {
    let fp = fingerprint(params, scope);
    let cursor = params
        .page_token
        .as_deref()
        .map(|t| decode_token(t, &fp))
        .transpose()?;
    let entities = snapshot.entities();
    let len = entities.len();
    let index = |i: usize| -> usize {
        match order {
            Some(o) => o[i] as usize,
            None => i,
        }
    };
    let at = |i: usize| -> &Arc<Entity> { &entities[index(i)] };
    let desc = params.order.desc;
    let start = match &cursor {
        None => 0,
        Some(pos) => partition(len, |i| {
            position(at(i)).compare(pos, desc) == Ordering::Greater
        }),
    };
    let mut items = Vec::with_capacity(params.page_size.min(len));
    let mut more = false;
    let total_size = match keep {
        None => {
            for i in start..len {
                if items.len() == params.page_size {
                    more = true;
                    break;
                }
                items.push(at(i).clone());
            }
            len
        }
        // The total is a population count; the page is collected after the cursor.
        Some(keep) => {
            for i in start..len {
                if !keep.get(index(i)) {
                    continue;
                }
                if items.len() == params.page_size {
                    more = true;
                    break;
                }
                items.push(at(i).clone());
            }
            keep.count()
        }
    };
    let next_page_token = match (more, items.last()) {
        (true, Some(last)) => encode_token(&fp, position(last)),
        _ => String::new(),
    };
    Ok(Page {
        items,
        next_page_token,
        total_size,
        page_size: params.page_size,
    })
}

/// First index in `0..len` for which `is_after` holds (it is monotone over the ordering).
fn partition(len: usize, is_after: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if is_after(mid) {
            hi = mid
        } else {
            lo = mid + 1
        }
    }
    lo
}
