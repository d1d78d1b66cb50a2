//! The tenant context (EN-11) as a handler argument: namespace plus caller identity.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::Namespace;
use crate::identity::Identity;

/// Who is calling, and in which namespace. Handlers, stores, audit and job enqueue read the
/// namespace only from here (or [`Namespace::of`]); `default` and anonymous when the layers
/// did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The tenant namespace.
    pub namespace: String,
    /// The caller.
    pub identity: Identity,
}

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            namespace: Namespace::of(&parts.extensions),
            identity: parts
                .extensions
                .get::<Identity>()
                .cloned()
                .unwrap_or_else(Identity::anonymous),
        })
    }
}
