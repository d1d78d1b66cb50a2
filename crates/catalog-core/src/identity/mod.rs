//! Who is calling (EN-19…26): identity headers from trusted proxies, verified JWT bearer
//! tokens, and the effective role. The [`layer`] puts an [`Identity`] on every request.

mod headers;
mod jwt;
mod layer;
mod role;

pub use headers::split_groups;
pub use jwt::{JwtConfig, JwtVerifier, TokenIdentity};
pub use layer::{IdentityState, identify};
pub use role::Role;

use ipnet::IpNet;

/// Where identity comes from (`CATALOG_AUTH_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// `X-Remote-*` headers from anyone (development only).
    #[default]
    Header,
    /// `X-Remote-*` headers only from trusted proxy addresses (or with the shared secret).
    Proxy,
    /// Verified `Authorization: Bearer` tokens only.
    Jwt,
}

impl std::str::FromStr for AuthMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "header" => Ok(Self::Header),
            "proxy" => Ok(Self::Proxy),
            "jwt" => Ok(Self::Jwt),
            other => Err(format!(
                "unknown auth mode \"{other}\" (use header, proxy or jwt)"
            )),
        }
    }
}

/// How the identity of a request was established (`identitySource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitySource {
    /// No credentials.
    Anonymous,
    /// Identity headers in `header` mode.
    Header,
    /// Identity headers from a trusted proxy.
    Proxy,
    /// A verified bearer token.
    Jwt,
}

/// Identity settings.
#[derive(Debug, Clone, Default)]
pub struct IdentityConfig {
    /// Where identity comes from.
    pub mode: AuthMode,
    /// Peers whose identity headers count in `proxy` mode.
    pub trusted_proxy_cidrs: Vec<IpNet>,
    /// In `proxy` mode, identity headers also count when `X-Proxy-Secret` equals this.
    pub proxy_secret: Option<String>,
    /// Members of these groups are admins.
    pub admin_groups: Vec<String>,
    /// Members of these groups are operators.
    pub operator_groups: Vec<String>,
    /// JWT verification settings (`jwt` mode).
    pub jwt: JwtConfig,
    /// Whether `/api/**` requests without an identity are refused with 401.
    pub require_authentication: bool,
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// User name (`anonymous` if none).
    pub user: String,
    /// Groups, ordered and de-duplicated.
    pub groups: Vec<String>,
    /// Effective role.
    pub role: Role,
    /// Whether any credential established the user.
    pub authenticated: bool,
    /// How it was established.
    pub source: IdentitySource,
    /// Set when presented credentials were invalid (the authorization stage answers 401).
    pub invalid_credentials: Option<String>,
}

impl Identity {
    /// The anonymous viewer.
    pub fn anonymous() -> Self {
        Self {
            user: "anonymous".into(),
            groups: Vec::new(),
            role: Role::Viewer,
            authenticated: false,
            source: IdentitySource::Anonymous,
            invalid_credentials: None,
        }
    }
}
