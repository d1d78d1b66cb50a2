//! High availability (EN-77…82): leader election over a PostgreSQL lease row or a Kubernetes
//! Lease, and leader-only work (audit retention, job recovery and retention) only while leading.

mod election;
mod kube_lease;
mod leader_only;
mod lease;

pub use election::{Leadership, spawn_election};
pub use kube_lease::KubeLease;
pub use leader_only::spawn_leader_only;
pub use lease::LeaseStore;

use std::time::Duration;

use async_trait::async_trait;

use crate::authz::KubeAccess;

/// A lease some replica holds for a while.
#[async_trait]
pub trait Lease: Send + Sync {
    /// Takes or renews the lease for `identity`; `true` when this replica holds it now.
    async fn try_acquire(&self, identity: &str, duration: Duration) -> Result<bool, String>;
    /// Gives the lease up if `identity` holds it.
    async fn release(&self, identity: &str) -> Result<(), String>;
}

/// `CATALOG_LEADER_ELECTION_BACKEND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeaseBackend {
    /// A Kubernetes `coordination.k8s.io/v1` Lease.
    #[default]
    Kubernetes,
    /// The `leader_lease` table (PostgreSQL).
    Database,
}

impl std::str::FromStr for LeaseBackend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "kubernetes" => Ok(Self::Kubernetes),
            "database" => Ok(Self::Database),
            other => Err(format!(
                "unknown leader election backend \"{other}\" (use kubernetes or database)"
            )),
        }
    }
}

/// Leader election settings.
#[derive(Debug, Clone)]
pub struct HaConfig {
    /// `CATALOG_LEADER_ELECTION_ENABLED`.
    pub enabled: bool,
    /// Lease backend.
    pub backend: LeaseBackend,
    /// Lease name.
    pub lease_name: String,
    /// How long a lease lasts without renewal.
    pub lease_duration: Duration,
    /// A leader that cannot renew for this long steps down.
    pub renew_deadline: Duration,
    /// Time between attempts (acquire or renew).
    pub retry_period: Duration,
    /// This replica's identity (unique per replica).
    pub identity: String,
    /// Namespace of the Kubernetes Lease.
    pub lease_namespace: String,
    /// Kubernetes API access (Lease backend).
    pub kube: KubeAccess,
}

impl Default for HaConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            backend: LeaseBackend::Kubernetes,
            lease_name: "catalog-server-leader".into(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
            identity: String::new(),
            lease_namespace: std::env::var("POD_NAMESPACE")
                .unwrap_or_else(|_| "catalog-system".into()),
            kube: KubeAccess::default(),
        }
    }
}

impl HaConfig {
    /// EN-78 and backend checks; `postgres` tells whether the database is PostgreSQL (EN-4).
    pub fn validate(&self, postgres: bool) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        if !postgres {
            return Err(
                "leader election needs PostgreSQL: SQLite serves a single replica \
                        (unset CATALOG_LEADER_ELECTION_ENABLED or use --database-url postgres://…)"
                    .into(),
            );
        }
        let (d, r, p) = (self.lease_duration, self.renew_deadline, self.retry_period);
        if !(d > r && r > p.mul_f64(1.2) && !p.is_zero()) {
            return Err(format!(
                "leader election timings must satisfy lease duration ({}s) > renew deadline \
                 ({}s) > 1.2 × retry period ({}s) > 0",
                d.as_secs_f64(),
                r.as_secs_f64(),
                p.as_secs_f64()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ha_settings_are_checked() {
        let on = HaConfig {
            enabled: true,
            backend: LeaseBackend::Database,
            ..HaConfig::default()
        };
        assert!(on.validate(true).is_ok());
        assert!(on.validate(false).unwrap_err().contains("needs PostgreSQL"));
        let k8s = HaConfig {
            backend: LeaseBackend::Kubernetes,
            ..on.clone()
        };
        assert!(k8s.validate(true).is_ok());
        assert!(
            k8s.validate(false).is_err(),
            "SQLite refuses every backend (EN-4)"
        );
        let bad = HaConfig {
            renew_deadline: Duration::from_secs(2),
            ..on
        };
        assert!(bad.validate(true).unwrap_err().contains("must satisfy"));
        assert!(HaConfig::default().validate(false).is_ok());
    }
}
