//! The election loop (EN-79…81): campaign every retry period; a leader renews every retry
//! period and steps down when no renewal succeeded within the renew deadline, then stands
//! again like any follower.

use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use super::{HaConfig, Lease};

/// Whether this replica leads right now (watchable).
#[derive(Clone)]
pub struct Leadership {
    rx: watch::Receiver<bool>,
    configured: bool,
}

impl Leadership {
    /// Always leader (election disabled, EN-77).
    pub fn always() -> Self {
        let (_, rx) = watch::channel(true);
        Self {
            rx,
            configured: false,
        }
    }

    /// Whether this replica leads.
    pub fn is_leader(&self) -> bool {
        *self.rx.borrow()
    }

    /// `leader`, `follower` or `not_configured` (readiness component).
    pub fn status(&self) -> &'static str {
        match (self.configured, self.is_leader()) {
            (false, _) => "not_configured",
            (true, true) => "leader",
            (true, false) => "follower",
        }
    }

    /// A receiver of changes.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.rx.clone()
    }
}

fn jittered(period: Duration) -> Duration {
    let unit = (uuid::Uuid::new_v4().as_u128() % 1000) as f64 / 1000.0;
    period.mul_f64(1.0 + 0.2 * unit)
}

/// Starts campaigning; on `cancel` a leader releases the lease.
pub fn spawn_election(
    store: Arc<dyn Lease>,
    config: HaConfig,
    cancel: CancellationToken,
) -> Leadership {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let mut last_renewal: Option<Instant> = None;
        loop {
            let held = match store
                .try_acquire(&config.identity, config.lease_duration)
                .await
            {
                Ok(held) => held,
                Err(e) => {
                    tracing::warn!(error = %e, "leader lease attempt failed");
                    false
                }
            };
            let leading = *tx.borrow();
            if held {
                last_renewal = Some(Instant::now());
                if !leading {
                    tracing::info!(identity = config.identity, "became leader");
                    let _ = tx.send(true);
                }
            } else if leading && last_renewal.is_none_or(|t| t.elapsed() >= config.renew_deadline) {
                tracing::warn!(
                    identity = config.identity,
                    "lost leadership; standing again"
                );
                let _ = tx.send(false);
            }
            let wait = if *tx.borrow() {
                config.retry_period
            } else {
                jittered(config.retry_period)
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = cancel.cancelled() => break,
            }
        }
        if *tx.borrow() {
            let _ = tx.send(false);
            if let Err(e) = store.release(&config.identity).await {
                tracing::warn!(error = %e, "leader lease release failed");
            }
        }
    });
    Leadership {
        rx,
        configured: true,
    }
}
