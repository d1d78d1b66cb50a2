//! Background work started once the initial load is done: leader election, job workers, and
//! the leader-only loops (audit retention, job recovery and retention).

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::state::AppState;

/// Leader election, job workers, and the leader-only loops (EN-82).
pub(crate) fn start(app: &Arc<AppState>, cancel: &CancellationToken) {
    let e = &app.enterprise;
    let identity = if e.ha.identity.is_empty() {
        replica_id()
    } else {
        e.ha.identity.clone()
    };
    let lease: Option<Arc<dyn crate::ha::Lease>> = match (e.ha.enabled, e.ha.backend) {
        (false, _) => None,
        (true, crate::ha::LeaseBackend::Database) => Some(Arc::new(crate::ha::LeaseStore::new(
            app.db.clone(),
            e.ha.lease_name.clone(),
        ))),
        (true, crate::ha::LeaseBackend::Kubernetes) => e.kube_lease.clone(),
    };
    let leadership = match lease {
        Some(lease) => {
            let config = crate::ha::HaConfig {
                identity: identity.clone(),
                ..e.ha.clone()
            };
            crate::ha::spawn_election(lease, config, cancel.child_token())
        }
        None => crate::ha::Leadership::always(),
    };
    let _ = e.leadership.set(leadership.clone());
    if e.jobs.config.enabled {
        let runner = Arc::new(super::job_runner::PluginJobRunner {
            app: Arc::downgrade(app),
        });
        crate::jobs::spawn_workers(e.jobs.clone(), runner, &identity, cancel.child_token());
        let jobs = e.jobs.clone();
        crate::ha::spawn_leader_only(leadership.clone(), cancel.child_token(), move |token| {
            crate::jobs::spawn_maintenance(jobs.clone(), token)
        });
    }
    if e.audit.config.enabled {
        let (store, days) = (e.audit.store.clone(), e.audit.config.retention_days);
        crate::ha::spawn_leader_only(leadership, cancel.child_token(), move |token| {
            crate::audit::spawn_retention(store.clone(), days, token)
        });
    }
}

/// This replica's name for job claims and leader election: hostname plus a random suffix.
fn replica_id() -> String {
    let host = std::env::var("POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "catalog".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}", &suffix[..8])
}
