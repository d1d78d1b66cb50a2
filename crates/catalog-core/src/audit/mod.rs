//! Audit (EN-40…49): one `management` event per mutating API request (denials included),
//! stored in `audit_events`, listed by `GET /api/audit/v1alpha1/events`, trimmed by age.

mod describe;
mod event;
mod layer;
mod retention;
mod routes;
mod store;

pub use describe::{Described, describe};
pub use event::{AuditEvent, Outcome};
pub use layer::{AuditState, record};
pub use retention::{run_retention, spawn_retention};
pub use routes::{page_size, router};
pub use store::{AuditPage, AuditQuery, AuditStore};

/// Audit settings.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// `CATALOG_AUDIT_ENABLED`.
    pub enabled: bool,
    /// `CATALOG_AUDIT_RETENTION_DAYS`.
    pub retention_days: u32,
    /// `CATALOG_AUDIT_LOG_DENIED`.
    pub log_denied: bool,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            retention_days: 90,
            log_denied: true,
        }
    }
}
