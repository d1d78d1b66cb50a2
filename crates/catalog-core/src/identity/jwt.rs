//! Bearer-token verification (EN-21, EN-24, EN-25): RS256/384/512 with a configured PKIX RSA
//! public key; `iss`/`aud` checked when configured; `exp`/`nbf` enforced when present.

use std::path::PathBuf;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::{Role, split_groups};

/// JWT settings.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// PEM `PUBLIC KEY` file; required unless `allow_unverified`.
    pub public_key_path: Option<PathBuf>,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
    /// Dot-path of the role claim.
    pub role_claim: String,
    /// Role-claim value meaning operator.
    pub operator_value: String,
    /// Role-claim value meaning admin.
    pub admin_value: String,
    /// Claim holding the user.
    pub user_claim: String,
    /// Claim holding the groups (array or comma string).
    pub groups_claim: String,
    /// Accept tokens without checking signatures (development only).
    pub allow_unverified: bool,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            public_key_path: None,
            issuer: None,
            audience: None,
            role_claim: "role".into(),
            operator_value: "operator".into(),
            admin_value: "admin".into(),
            user_claim: "sub".into(),
            groups_claim: "groups".into(),
            allow_unverified: false,
        }
    }
}

/// The identity a valid token carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIdentity {
    /// User claim (`None` when absent or blank).
    pub user: Option<String>,
    /// Groups claim.
    pub groups: Vec<String>,
    /// Role from the role claim.
    pub role: Role,
}

/// Verifies bearer tokens.
pub struct JwtVerifier {
    config: JwtConfig,
    key: Option<DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// Loads the key. An unreadable or invalid key, or no key without `allow_unverified`, is a
    /// startup error (EN-25).
    pub fn new(config: JwtConfig) -> Result<Self, String> {
        let key = match &config.public_key_path {
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("cannot read JWT public key {}: {e}", path.display()))?;
                Some(DecodingKey::from_rsa_pem(&pem).map_err(|e| {
                    format!(
                        "JWT public key {} is not a PEM RSA public key: {e}",
                        path.display()
                    )
                })?)
            }
            None if config.allow_unverified => None,
            None => {
                return Err("auth mode jwt needs CATALOG_JWT_PUBLIC_KEY_PATH \
                     (or CATALOG_JWT_ALLOW_UNVERIFIED=true for development)"
                    .into());
            }
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256, Algorithm::RS384, Algorithm::RS512];
        validation.leeway = 0;
        validation.validate_nbf = true;
        let mut required: Vec<&str> = Vec::new();
        if let Some(iss) = &config.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        match &config.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        if key.is_none() {
            tracing::warn!("JWT signatures are NOT verified (CATALOG_JWT_ALLOW_UNVERIFIED=true)");
        }
        Ok(Self {
            config,
            key,
            validation,
        })
    }

    /// Verifies `token` and extracts the identity; the error names why it was refused.
    pub fn verify(&self, token: &str) -> Result<TokenIdentity, String> {
        let claims: Value = match &self.key {
            Some(key) => {
                jsonwebtoken::decode::<Value>(token, key, &self.validation)
                    .map_err(|e| format!("invalid token: {e}"))?
                    .claims
            }
            None => {
                jsonwebtoken::dangerous::insecure_decode::<Value>(token)
                    .map_err(|e| format!("invalid token: {e}"))?
                    .claims
            }
        };
        Ok(self.identity(&claims))
    }

    fn identity(&self, claims: &Value) -> TokenIdentity {
        let c = &self.config;
        let user = claims
            .get(&c.user_claim)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(String::from);
        let groups = match claims.get(&c.groups_claim) {
            Some(Value::Array(items)) => split_groups(items.iter().filter_map(Value::as_str)),
            Some(Value::String(s)) => split_groups([s.as_str()]),
            _ => Vec::new(),
        };
        let values: Vec<&str> = match dot_path(claims, &c.role_claim) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let has = |wanted: &str| values.iter().any(|v| v.eq_ignore_ascii_case(wanted));
        let role = if has(&c.admin_value) {
            Role::Admin
        } else if has(&c.operator_value) {
            Role::Operator
        } else {
            Role::Viewer
        };
        TokenIdentity { user, groups, role }
    }
}

/// The value at a dot-separated path (`realm_access.roles`).
fn dot_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn verifier() -> JwtVerifier {
        JwtVerifier::new(JwtConfig {
            allow_unverified: true,
            role_claim: "realm_access.roles".into(),
            ..JwtConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn claims_map_to_user_groups_and_role() {
        let v = verifier();
        let id = v.identity(&json!({"sub": "alice", "groups": "a, b,a",
            "realm_access": {"roles": ["x", "ADMIN"]}}));
        assert_eq!(id.user.as_deref(), Some("alice"));
        assert_eq!(id.groups, ["a", "b"]);
        assert_eq!(id.role, Role::Admin);
        let id =
            v.identity(&json!({"groups": ["g1", "g1"], "realm_access": {"roles": "operator"}}));
        assert_eq!(id.user, None);
        assert_eq!(id.groups, ["g1"]);
        assert_eq!(id.role, Role::Operator);
        assert_eq!(v.identity(&json!({"realm_access": 3})).role, Role::Viewer);
    }

    #[test]
    fn jwt_mode_without_a_key_refuses_to_start() {
        let err = JwtVerifier::new(JwtConfig::default()).unwrap_err();
        assert!(err.contains("CATALOG_JWT_PUBLIC_KEY_PATH"), "{err}");
        let err = JwtVerifier::new(JwtConfig {
            public_key_path: Some("/nonexistent/key.pem".into()),
            ..JwtConfig::default()
        })
        .unwrap_err();
        assert!(err.contains("cannot read JWT public key"), "{err}");
    }

    #[test]
    fn garbage_tokens_are_invalid() {
        assert!(verifier().verify("not.a.token").is_err());
        assert!(verifier().verify("").is_err());
    }
}
