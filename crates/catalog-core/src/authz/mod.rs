//! Authorization (EN-27…39): every routed request is mapped to a (resource, verb) by the one
//! [`table`] and checked by the configured [`Authorizer`] in the tenant namespace.

mod cache;
mod layer;
mod role;
mod sar;
pub mod table;

pub use cache::CachedAuthorizer;
pub use layer::{AuthzState, authorize};
pub use role::RoleAuthorizer;
pub use sar::{KubeAccess, SarAuthorizer};

use std::time::Duration;

use async_trait::async_trait;

use crate::identity::Role;

/// Kubernetes API group the resources belong to.
pub const API_GROUP: &str = "catalog.kubeflow.org";

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),* }
        impl $name {
            /// Its wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire),* }
            }
        }
    };
}

wire_enum!(
    /// A resource of EN-28.
    Resource {
        /// `plugins`
        Plugins => "plugins",
        /// `capabilities`
        Capabilities => "capabilities",
        /// `catalogsources`
        CatalogSources => "catalogsources",
        /// `assets`
        Assets => "assets",
        /// `actions`
        Actions => "actions",
        /// `jobs`
        Jobs => "jobs",
        /// `approvals`
        Approvals => "approvals",
        /// `audit`
        Audit => "audit",
    }
);

wire_enum!(
    /// A verb of EN-28.
    Verb {
        /// `get`
        Get => "get",
        /// `list`
        List => "list",
        /// `create`
        Create => "create",
        /// `update`
        Update => "update",
        /// `delete`
        Delete => "delete",
        /// `execute`
        Execute => "execute",
        /// `approve`
        Approve => "approve",
    }
);

/// One authorization question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzRequest {
    /// User name.
    pub user: String,
    /// Groups.
    pub groups: Vec<String>,
    /// Effective role (role mode).
    pub role: Role,
    /// Whether the user is anonymous.
    pub anonymous: bool,
    /// Resource.
    pub resource: Resource,
    /// Verb.
    pub verb: Verb,
    /// Tenant namespace; empty = cluster scope.
    pub namespace: String,
}

/// An authorizer's answer; errors fail closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allowed,
    /// Denied.
    Denied,
    /// The check itself failed (never cached; answered 500).
    Error(String),
}

/// Decides whether a caller may perform a verb on a resource.
#[async_trait]
pub trait Authorizer: Send + Sync {
    /// The decision for `req`.
    async fn authorize(&self, req: &AuthzRequest) -> Decision;
}

/// Always allows (tests and development only).
pub struct NoopAuthorizer;

#[async_trait]
impl Authorizer for NoopAuthorizer {
    async fn authorize(&self, _: &AuthzRequest) -> Decision {
        Decision::Allowed
    }
}

/// `CATALOG_AUTHZ_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthzMode {
    /// Allow everything (mapped or not).
    #[default]
    Noop,
    /// Role table of EN-37 (`role`, legacy `none`).
    Role,
    /// Kubernetes SubjectAccessReview.
    Sar,
}

impl std::str::FromStr for AuthzMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "noop" => Ok(Self::Noop),
            "" | "role" | "none" => Ok(Self::Role),
            "sar" => Ok(Self::Sar),
            other => Err(format!(
                "unknown authorization mode \"{other}\" (use noop, role, none or sar)"
            )),
        }
    }
}

/// Authorization settings.
#[derive(Debug, Clone)]
pub struct AuthzConfig {
    /// The mode.
    pub mode: AuthzMode,
    /// Decision-cache TTL (zero disables the cache).
    pub cache_ttl: Duration,
    /// Decision-cache bound.
    pub cache_max_entries: u64,
    /// Kubernetes API access (`sar` mode).
    pub kube: KubeAccess,
}

impl Default for AuthzConfig {
    fn default() -> Self {
        Self {
            mode: AuthzMode::Noop,
            cache_ttl: Duration::from_secs(10),
            cache_max_entries: 10_000,
            kube: KubeAccess::default(),
        }
    }
}
