//! The identity layer: resolves an [`Identity`] for every request from the TCP peer, the
//! identity headers and the bearer token, according to the auth mode.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use super::{AuthMode, Identity, IdentityConfig, IdentitySource, JwtVerifier, Role, headers};

/// Header carrying the proxy shared secret in `proxy` mode.
pub const PROXY_SECRET: &str = "x-proxy-secret";

/// What the identity layer needs: its settings and, in `jwt` mode, the verifier.
#[derive(Debug)]
pub struct IdentityState {
    /// Settings.
    pub config: IdentityConfig,
    /// Token verifier (`jwt` mode only).
    pub verifier: Option<JwtVerifier>,
}

impl IdentityState {
    /// Validates the settings (EN-20, EN-25) and loads the JWT key.
    pub fn new(config: IdentityConfig) -> Result<Self, String> {
        let verifier = match config.mode {
            AuthMode::Jwt => Some(JwtVerifier::new(config.jwt.clone())?),
            AuthMode::Proxy
                if config.trusted_proxy_cidrs.is_empty() && config.proxy_secret.is_none() =>
            {
                return Err("auth mode proxy needs CATALOG_TRUSTED_PROXY_CIDRS \
                            (or CATALOG_PROXY_SECRET)"
                    .into());
            }
            AuthMode::Header => {
                tracing::warn!(
                    "auth mode header: identity headers are accepted from any client \
                     (development only; use proxy or jwt in production)"
                );
                None
            }
            AuthMode::Proxy => None,
        };
        Ok(Self { config, verifier })
    }

    /// The identity of a request from `peer` with `headers`.
    pub fn resolve(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Identity {
        let c = &self.config;
        let mut id = Identity::anonymous();
        let header_role = match c.mode {
            AuthMode::Jwt => {
                let Some(token) = bearer(headers) else {
                    return id;
                };
                let Some(verifier) = &self.verifier else {
                    return id;
                };
                match verifier.verify(token) {
                    Ok(t) => {
                        id.authenticated = true;
                        id.source = IdentitySource::Jwt;
                        if let Some(user) = t.user {
                            id.user = user;
                        }
                        id.groups = t.groups;
                        id.role = t.role;
                    }
                    Err(reason) => id.invalid_credentials = Some(reason),
                }
                None
            }
            AuthMode::Header | AuthMode::Proxy => {
                if c.mode == AuthMode::Proxy && !self.trusted(peer, headers) {
                    return id;
                }
                let (user, groups, role) = headers::read(headers);
                if let Some(user) = user {
                    id.user = user;
                    id.authenticated = true;
                    id.source = if c.mode == AuthMode::Proxy {
                        IdentitySource::Proxy
                    } else {
                        IdentitySource::Header
                    };
                }
                id.groups = groups;
                role
            }
        };
        let from_groups = Role::from_groups(&id.groups, &c.admin_groups, &c.operator_groups);
        id.role = id
            .role
            .max(from_groups)
            .max(header_role.unwrap_or_default());
        id
    }

    fn trusted(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        let by_address = peer.is_some_and(|ip| {
            self.config
                .trusted_proxy_cidrs
                .iter()
                .any(|net| net.contains(&ip))
        });
        let by_secret = self.config.proxy_secret.as_deref().is_some_and(|secret| {
            headers
                .get(PROXY_SECRET)
                .is_some_and(|v| constant_time_eq(v.as_bytes(), secret.as_bytes()))
        });
        by_address || by_secret
    }
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Middleware inserting the request's [`Identity`] as an extension.
pub async fn identify(
    State(state): State<Arc<IdentityState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let identity = state.resolve(peer, req.headers());
    req.extensions_mut().insert(identity);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn state(mode: AuthMode) -> IdentityState {
        IdentityState {
            config: IdentityConfig {
                mode,
                trusted_proxy_cidrs: vec!["10.0.0.0/8".parse().unwrap()],
                proxy_secret: Some("s3cret".into()),
                admin_groups: vec!["admins".into()],
                ..IdentityConfig::default()
            },
            verifier: None,
        }
    }

    fn spoof() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-remote-user", HeaderValue::from_static("admin"));
        h.insert("x-remote-group", HeaderValue::from_static("admins"));
        h.insert("x-user-role", HeaderValue::from_static("admin"));
        h
    }

    #[test]
    fn proxy_mode_trusts_headers_only_from_proxies_or_with_the_secret() {
        let s = state(AuthMode::Proxy);
        let stranger = Some("192.0.2.1".parse().unwrap());
        assert_eq!(s.resolve(stranger, &spoof()), Identity::anonymous());
        let id = s.resolve(Some("10.2.3.4".parse().unwrap()), &spoof());
        assert_eq!((id.user.as_str(), id.role), ("admin", Role::Admin));
        assert_eq!(id.source, IdentitySource::Proxy);
        let mut h = spoof();
        h.insert(PROXY_SECRET, HeaderValue::from_static("wrong"));
        assert_eq!(s.resolve(stranger, &h), Identity::anonymous());
        h.insert(PROXY_SECRET, HeaderValue::from_static("s3cret"));
        assert!(s.resolve(stranger, &h).authenticated);
    }

    #[test]
    fn header_mode_takes_headers_from_anyone_and_jwt_mode_ignores_them() {
        let id = state(AuthMode::Header).resolve(None, &spoof());
        assert_eq!(id.source, IdentitySource::Header);
        assert_eq!(id.role, Role::Admin);
        assert_eq!(
            state(AuthMode::Jwt).resolve(None, &spoof()),
            Identity::anonymous()
        );
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bEaReR abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }
}
