//! Tenancy (EN-6…12): which namespace a request acts in. Single mode always uses `default`;
//! namespace mode takes `?namespace=`, else `X-Namespace`, validated as a DNS label.

mod context;
mod layer;
mod namespace;

pub use context::Tenant;
pub use layer::{NAMESPACES_PATH, namespaces, resolve_tenancy};
pub use namespace::{DEFAULT_NAMESPACE, validate_namespace};

/// `CATALOG_TENANCY_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TenancyMode {
    /// One namespace, `default`.
    #[default]
    Single,
    /// Callers select a namespace per request.
    Namespace,
}

impl std::str::FromStr for TenancyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "single" => Ok(Self::Single),
            "namespace" => Ok(Self::Namespace),
            other => Err(format!(
                "unknown tenancy mode \"{other}\" (use single or namespace)"
            )),
        }
    }
}

/// Tenancy settings.
#[derive(Debug, Clone, Default)]
pub struct TenancyConfig {
    /// The mode.
    pub mode: TenancyMode,
    /// Namespaces served (namespace mode); empty serves any valid namespace.
    pub namespaces: Vec<String>,
}

/// The namespace a request acts in (a request extension, set by [`resolve_tenancy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(pub String);

impl Namespace {
    /// The namespace of a request, `default` when tenancy did not run.
    pub fn of(extensions: &axum::http::Extensions) -> String {
        extensions
            .get::<Self>()
            .map_or_else(|| DEFAULT_NAMESPACE.to_string(), |n| n.0.clone())
    }
}
