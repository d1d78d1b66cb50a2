//! Flags and variables of the enterprise layer (spec EN-5): identity, tenancy, authorization,
//! audit, async refresh jobs and leader election. Unknown mode values stop startup.

use std::path::PathBuf;
use std::time::Duration;

use catalog_core::audit::AuditConfig;
use catalog_core::authz::{AuthzConfig, AuthzMode, KubeAccess};
use catalog_core::ha::{HaConfig, LeaseBackend};
use catalog_core::identity::{AuthMode, IdentityConfig, JwtConfig};
use catalog_core::jobs::JobsConfig;
use catalog_core::server::EnterpriseSettings;
use catalog_core::tenancy::{TenancyConfig, TenancyMode};
use clap::Args;
use ipnet::IpNet;

use crate::cli::{parse_bool, parse_cidr};

/// Identity, tenancy, authorization and audit.
#[derive(Debug, Clone, Args)]
pub struct EnterpriseFlags {
    /// Where identity comes from: header (development), proxy or jwt.
    #[arg(long, env = "CATALOG_AUTH_MODE", default_value = "header")]
    pub auth_mode: AuthMode,

    /// Comma-separated CIDRs whose X-Remote-User/X-Remote-Group count in proxy mode.
    #[arg(long, env = "CATALOG_TRUSTED_PROXY_CIDRS", value_parser = parse_cidr, value_delimiter = ',')]
    pub trusted_proxy_cidrs: Vec<IpNet>,

    /// Proxy mode: identity headers also count when X-Proxy-Secret carries this value.
    #[arg(long, env = "CATALOG_PROXY_SECRET", hide_env_values = true)]
    pub proxy_secret: Option<String>,

    /// Comma-separated groups whose members are admins.
    #[arg(long, env = "CATALOG_ADMIN_GROUPS", value_delimiter = ',')]
    pub admin_groups: Vec<String>,

    /// Comma-separated groups whose members are operators.
    #[arg(long, env = "CATALOG_OPERATOR_GROUPS", value_delimiter = ',')]
    pub operator_groups: Vec<String>,

    /// PEM RSA public key verifying bearer tokens (jwt mode).
    #[arg(long, env = "CATALOG_JWT_PUBLIC_KEY_PATH")]
    pub jwt_public_key_path: Option<PathBuf>,

    /// Required token issuer.
    #[arg(long, env = "CATALOG_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Required token audience.
    #[arg(long, env = "CATALOG_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// Dot-path of the role claim.
    #[arg(long, env = "CATALOG_JWT_ROLE_CLAIM", default_value = "role")]
    pub jwt_role_claim: String,

    /// Role-claim value meaning operator.
    #[arg(long, env = "CATALOG_JWT_OPERATOR_VALUE", default_value = "operator")]
    pub jwt_operator_value: String,

    /// Role-claim value meaning admin.
    #[arg(long, env = "CATALOG_JWT_ADMIN_VALUE", default_value = "admin")]
    pub jwt_admin_value: String,

    /// Claim naming the user.
    #[arg(long, env = "CATALOG_JWT_USER_CLAIM", default_value = "sub")]
    pub jwt_user_claim: String,

    /// Claim listing the groups.
    #[arg(long, env = "CATALOG_JWT_GROUPS_CLAIM", default_value = "groups")]
    pub jwt_groups_claim: String,

    /// Accept unsigned/unverified tokens (development only).
    #[arg(long, env = "CATALOG_JWT_ALLOW_UNVERIFIED", value_parser = parse_bool, action = clap::ArgAction::Set, default_value = "false")]
    pub jwt_allow_unverified: bool,

    /// Refuse /api requests without an identity (401).
    #[arg(long, env = "CATALOG_REQUIRE_AUTHENTICATION", value_parser = parse_bool, action = clap::ArgAction::Set, default_value = "false")]
    pub require_authentication: bool,

    /// single or namespace.
    #[arg(long, env = "CATALOG_TENANCY_MODE", default_value = "single")]
    pub tenancy_mode: TenancyMode,

    /// Comma-separated namespaces served in namespace mode (empty: any).
    #[arg(long, env = "CATALOG_NAMESPACES", value_delimiter = ',')]
    pub namespaces: Vec<String>,

    /// noop, role (alias none) or sar.
    #[arg(long, env = "CATALOG_AUTHZ_MODE", default_value = "noop")]
    pub authz_mode: AuthzMode,

    /// Seconds authorization decisions are cached (0 = off).
    #[arg(long, env = "CATALOG_AUTHZ_CACHE_TTL_SECONDS", default_value_t = 10)]
    pub authz_cache_ttl_seconds: u64,

    /// Most cached authorization decisions.
    #[arg(long, env = "CATALOG_AUTHZ_CACHE_MAX_ENTRIES", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub authz_cache_max_entries: u64,

    /// Kubernetes API URL (default: in-cluster).
    #[arg(long, env = "CATALOG_KUBE_API_URL")]
    pub kube_api_url: Option<String>,

    /// Service-account token file (default: the pod mount).
    #[arg(long, env = "CATALOG_KUBE_TOKEN_FILE")]
    pub kube_token_file: Option<PathBuf>,

    /// Record an audit event per mutating request.
    #[arg(long, env = "CATALOG_AUDIT_ENABLED", value_parser = parse_bool, action = clap::ArgAction::Set, default_value = "true")]
    pub audit_enabled: bool,

    /// Days audit events are kept.
    #[arg(long, env = "CATALOG_AUDIT_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..))]
    pub audit_retention_days: u32,

    /// Record denied requests too.
    #[arg(long, env = "CATALOG_AUDIT_LOG_DENIED", value_parser = parse_bool, action = clap::ArgAction::Set, default_value = "true")]
    pub audit_log_denied: bool,

    /// Queue refresh requests as async jobs (202) instead of running them inline.
    #[arg(long, env = "CATALOG_JOB_ENABLED", value_parser = parse_bool, action = clap::ArgAction::Set, default_value = "false")]
    pub job_enabled: bool,

    /// Job workers on this replica (0: enqueue only).
    #[arg(long, env = "CATALOG_JOB_CONCURRENCY", default_value_t = 3)]
    pub job_concurrency: usize,

    /// Retries after the first attempt (0 allowed).
    #[arg(long, env = "CATALOG_JOB_MAX_RETRIES", default_value_t = 3)]
    pub job_max_retries: u32,

    /// Seconds between idle polls for work.
    #[arg(long, env = "CATALOG_JOB_POLL_INTERVAL_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub job_poll_interval_seconds: u64,

    /// Minutes without a heartbeat after which a running job is recovered.
    #[arg(long, env = "CATALOG_JOB_CLAIM_TIMEOUT_MINUTES", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub job_claim_timeout_minutes: u64,

    /// Days finished jobs are kept.
    #[arg(long, env = "CATALOG_JOB_RETENTION_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    pub job_retention_days: u32,

    /// First retry delay in seconds.
    #[arg(long, env = "CATALOG_JOB_RETRY_BASE_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub job_retry_base_seconds: u64,

    /// Longest retry delay in seconds.
    #[arg(long, env = "CATALOG_JOB_RETRY_MAX_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub job_retry_max_seconds: u64,

    /// Queued jobs one namespace may have (more: 429).
    #[arg(long, env = "CATALOG_JOB_MAX_QUEUED_PER_NAMESPACE", default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..))]
    pub job_max_queued_per_namespace: i64,

    /// Elect one leader among replicas (PostgreSQL only).
    #[arg(long, env = "CATALOG_LEADER_ELECTION_ENABLED", value_parser = parse_bool, action = clap::ArgAction::Set, default_value = "false")]
    pub leader_election_enabled: bool,

    /// Lease backend: kubernetes or database.
    #[arg(
        long,
        env = "CATALOG_LEADER_ELECTION_BACKEND",
        default_value = "kubernetes"
    )]
    pub leader_election_backend: LeaseBackend,

    /// Lease name.
    #[arg(
        long,
        env = "CATALOG_LEADER_LEASE_NAME",
        default_value = "catalog-server-leader"
    )]
    pub leader_lease_name: String,

    /// Lease duration in seconds.
    #[arg(long, env = "CATALOG_LEADER_LEASE_DURATION", default_value_t = 15)]
    pub leader_lease_duration: u64,

    /// Seconds a leader may fail to renew before stepping down.
    #[arg(long, env = "CATALOG_LEADER_RENEW_DEADLINE", default_value_t = 10)]
    pub leader_renew_deadline: u64,

    /// Seconds between election attempts.
    #[arg(long, env = "CATALOG_LEADER_RETRY_PERIOD", default_value_t = 2)]
    pub leader_retry_period: u64,

    /// This replica's identity (default: POD_NAME, else hostname, plus a random suffix).
    #[arg(long, env = "CATALOG_LEADER_IDENTITY")]
    pub leader_identity: Option<String>,

    /// Namespace of the Kubernetes Lease (default: POD_NAMESPACE, else catalog-system).
    #[arg(long, env = "CATALOG_LEADER_LEASE_NAMESPACE")]
    pub leader_lease_namespace: Option<String>,
}

impl EnterpriseFlags {
    /// The settings these flags describe.
    pub fn settings(&self) -> EnterpriseSettings {
        let trimmed = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let kube = KubeAccess {
            api_url: self.kube_api_url.clone().filter(|s| !s.is_empty()),
            token_file: self.kube_token_file.clone(),
        };
        EnterpriseSettings {
            identity: IdentityConfig {
                mode: self.auth_mode,
                trusted_proxy_cidrs: self.trusted_proxy_cidrs.clone(),
                proxy_secret: self.proxy_secret.clone().filter(|s| !s.is_empty()),
                admin_groups: trimmed(&self.admin_groups),
                operator_groups: trimmed(&self.operator_groups),
                jwt: JwtConfig {
                    public_key_path: self.jwt_public_key_path.clone(),
                    issuer: self.jwt_issuer.clone().filter(|s| !s.is_empty()),
                    audience: self.jwt_audience.clone().filter(|s| !s.is_empty()),
                    role_claim: self.jwt_role_claim.clone(),
                    operator_value: self.jwt_operator_value.clone(),
                    admin_value: self.jwt_admin_value.clone(),
                    user_claim: self.jwt_user_claim.clone(),
                    groups_claim: self.jwt_groups_claim.clone(),
                    allow_unverified: self.jwt_allow_unverified,
                },
                require_authentication: self.require_authentication,
            },
            tenancy: TenancyConfig {
                mode: self.tenancy_mode,
                namespaces: trimmed(&self.namespaces),
            },
            authz: AuthzConfig {
                mode: self.authz_mode,
                cache_ttl: Duration::from_secs(self.authz_cache_ttl_seconds),
                cache_max_entries: self.authz_cache_max_entries,
                kube: kube.clone(),
            },
            audit: AuditConfig {
                enabled: self.audit_enabled,
                retention_days: self.audit_retention_days,
                log_denied: self.audit_log_denied,
            },
            jobs: JobsConfig {
                enabled: self.job_enabled,
                concurrency: self.job_concurrency,
                max_retries: self.job_max_retries,
                poll_interval: Duration::from_secs(self.job_poll_interval_seconds),
                claim_timeout: Duration::from_secs(self.job_claim_timeout_minutes * 60),
                retry_base: Duration::from_secs(self.job_retry_base_seconds),
                retry_max: Duration::from_secs(self.job_retry_max_seconds),
                max_queued_per_namespace: self.job_max_queued_per_namespace,
                retention_days: self.job_retention_days,
            },
            ha: HaConfig {
                enabled: self.leader_election_enabled,
                backend: self.leader_election_backend,
                lease_name: self.leader_lease_name.clone(),
                lease_duration: Duration::from_secs(self.leader_lease_duration),
                renew_deadline: Duration::from_secs(self.leader_renew_deadline),
                retry_period: Duration::from_secs(self.leader_retry_period),
                identity: self.leader_identity.clone().unwrap_or_default(),
                lease_namespace: self
                    .leader_lease_namespace
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| HaConfig::default().lease_namespace),
                kube: kube.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::Cli;
    use catalog_core::authz::AuthzMode;
    use catalog_core::identity::AuthMode;
    use catalog_core::tenancy::TenancyMode;
    use clap::Parser;

    #[test]
    fn enterprise_flags_map_to_settings_and_unknown_modes_fail() {
        let cli = Cli::try_parse_from([
            "catalog-server",
            "--auth-mode",
            "proxy",
            "--trusted-proxy-cidrs",
            "10.0.0.0/8",
            "--authz-mode",
            "none",
            "--tenancy-mode",
            "namespace",
            "--namespaces",
            "team-a, ,team-b",
            "--admin-groups",
            "admins",
        ])
        .unwrap();
        let s = cli.settings().enterprise;
        assert_eq!(s.identity.mode, AuthMode::Proxy);
        assert_eq!(s.authz.mode, AuthzMode::Role);
        assert_eq!(s.tenancy.mode, TenancyMode::Namespace);
        assert_eq!(s.tenancy.namespaces, ["team-a", "team-b"]);
        assert_eq!(s.identity.admin_groups, ["admins"]);
        for (flag, value) in [
            ("--auth-mode", "kerberos"),
            ("--authz-mode", "yolo"),
            ("--tenancy-mode", "multi"),
        ] {
            assert!(
                Cli::try_parse_from(["catalog-server", flag, value]).is_err(),
                "{flag} {value}"
            );
        }
    }
}
