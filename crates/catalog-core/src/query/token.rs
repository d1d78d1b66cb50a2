//! Opaque page tokens: a keyset cursor plus a fingerprint of the query it belongs to (UA-50).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::params::ListParams;
use crate::error::ApiError;
use crate::index::Position;

/// Longest token accepted before decoding.
const MAX_TOKEN_LEN: usize = 4096;

#[derive(Serialize, Deserialize)]
struct TokenBody {
    /// Format version.
    v: u8,
    /// Query fingerprint.
    f: String,
    /// Last position served.
    p: Position,
}

/// Fingerprint of everything that shapes a result sequence, except the page size.
pub fn fingerprint(params: &ListParams, scope: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        scope,
        params.order_by.as_str(),
        if params.order.desc { "desc" } else { "asc" },
        params.q.as_deref().unwrap_or(""),
        params.filter_query.as_deref().unwrap_or(""),
        &params.sources.join(","),
        &params.source_labels.join(","),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Encodes a cursor after `last` for the query with fingerprint `f`.
pub fn encode_token(f: &str, last: Position) -> String {
    let body = TokenBody {
        v: 1,
        f: f.to_string(),
        p: last,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap_or_default())
}

/// Decodes a token, checking that it belongs to the query with fingerprint `f`.
pub fn decode_token(token: &str, f: &str) -> Result<Position, ApiError> {
    let invalid = || ApiError::bad_field("pageToken", "invalid page token");
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let body: TokenBody = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if body.v != 1 {
        return Err(invalid());
    }
    if body.f != f {
        return Err(ApiError::bad_field(
            "pageToken",
            "page token belongs to a different query (filter, order, search or scope changed)",
        ));
    }
    Ok(body.p)
}
