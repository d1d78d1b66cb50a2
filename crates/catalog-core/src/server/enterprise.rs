//! The enterprise layer's settings and the state built from them at startup: identity,
//! tenancy, authorization, audit, jobs and leader election, validated together (EN-5, EN-18, EN-22, EN-25).

use std::sync::Arc;

use crate::audit::{AuditConfig, AuditState, AuditStore};
use crate::authz::{
    Authorizer, AuthzConfig, AuthzMode, CachedAuthorizer, RoleAuthorizer, SarAuthorizer,
};
use crate::ha::{HaConfig, Leadership};
use crate::identity::{AuthMode, IdentityConfig, IdentityState};
use crate::jobs::{JobStore, JobsConfig};
use crate::store::Database;
use crate::tenancy::{TenancyConfig, TenancyMode};

/// Everything `CATALOG_AUTH_*`, `CATALOG_TENANCY_*`, `CATALOG_AUTHZ_*` and `CATALOG_AUDIT_*`.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseSettings {
    /// Identity.
    pub identity: IdentityConfig,
    /// Tenancy.
    pub tenancy: TenancyConfig,
    /// Authorization.
    pub authz: AuthzConfig,
    /// Audit.
    pub audit: AuditConfig,
    /// Async refresh jobs.
    pub jobs: JobsConfig,
    /// Leader election.
    pub ha: HaConfig,
}

/// The built enterprise layer.
pub struct Enterprise {
    /// Identity resolution.
    pub identity: Arc<IdentityState>,
    /// Tenancy settings.
    pub tenancy: Arc<TenancyConfig>,
    /// The authorizer; `None` in noop mode.
    pub authorizer: Option<Arc<dyn Authorizer>>,
    /// Whether anonymous `/api` requests get 401.
    pub require_authentication: bool,
    /// Audit recording.
    pub audit: Arc<AuditState>,
    /// The refresh job table.
    pub jobs: JobStore,
    /// Leader election settings.
    pub ha: HaConfig,
    /// Set once startup has migrated and loaded (always leader without election).
    pub leadership: std::sync::OnceLock<Leadership>,
    /// The Kubernetes Lease, when that backend is configured (built at startup so a bad API
    /// address fails early).
    pub kube_lease: Option<Arc<dyn crate::ha::Lease>>,
}

impl Enterprise {
    /// Validates `settings` and builds the layer; the error is a startup message.
    pub fn build(settings: &EnterpriseSettings, db: &Database) -> Result<Self, String> {
        settings
            .ha
            .validate(db.backend() == crate::store::Backend::Postgres)?;
        let kube_lease: Option<Arc<dyn crate::ha::Lease>> = match &settings.ha {
            ha if ha.enabled && ha.backend == crate::ha::LeaseBackend::Kubernetes => {
                Some(Arc::new(crate::ha::KubeLease::new(
                    ha.kube.clone(),
                    &ha.lease_namespace,
                    &ha.lease_name,
                )?))
            }
            _ => None,
        };
        let identity = IdentityState::new(settings.identity.clone())?;
        let authz = &settings.authz;
        let inner: Option<Arc<dyn Authorizer>> = match authz.mode {
            AuthzMode::Noop => {
                tracing::warn!("authorization mode noop: every request is allowed");
                None
            }
            AuthzMode::Role => Some(Arc::new(RoleAuthorizer)),
            AuthzMode::Sar => {
                if settings.identity.mode == AuthMode::Header {
                    return Err("authorization mode sar needs auth mode proxy or jwt: \
                                header mode lets any caller choose the subject (EN-22)"
                        .into());
                }
                Some(Arc::new(SarAuthorizer::new(authz.kube.clone())?))
            }
        };
        if settings.tenancy.mode == TenancyMode::Namespace && authz.mode != AuthzMode::Sar {
            tracing::warn!(
                "namespace tenancy without sar authorization: roles are global, so tenants \
                 are partitioned, not isolated"
            );
        }
        let authorizer = inner.map(|a| -> Arc<dyn Authorizer> {
            if authz.cache_ttl.is_zero() {
                a
            } else {
                Arc::new(CachedAuthorizer::new(
                    a,
                    authz.cache_ttl,
                    authz.cache_max_entries,
                ))
            }
        });
        Ok(Self {
            identity: Arc::new(identity),
            tenancy: Arc::new(settings.tenancy.clone()),
            authorizer,
            require_authentication: settings.identity.require_authentication,
            audit: Arc::new(AuditState {
                config: settings.audit.clone(),
                store: AuditStore::new(db.clone()),
            }),
            jobs: JobStore::new(db.clone(), settings.jobs.clone()),
            ha: settings.ha.clone(),
            leadership: std::sync::OnceLock::new(),
            kube_lease,
        })
    }

    /// `leader`, `follower` or `not_configured`.
    pub fn leader_status(&self) -> &'static str {
        self.leadership
            .get()
            .map_or("not_configured", Leadership::status)
    }
}
