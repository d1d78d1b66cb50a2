//! Refresh rate limiting (SM §7.2): one admitted call per key per interval, stale keys evicted,
//! and a server-wide cap on concurrent refresh executions. Limits are per process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Keys tracked before stale ones are swept.
const SWEEP_AT: usize = 1024;

/// Per-key limiter plus a concurrency cap.
pub struct RateLimiter {
    interval: Duration,
    last: Mutex<HashMap<String, Instant>>,
    running: Arc<Semaphore>,
}

/// Why a refresh was not admitted: retry after this many whole seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl RateLimiter {
    /// One call per key per `interval` (zero means 30 s) and at most `concurrency` at once.
    pub fn new(interval: Duration, concurrency: usize) -> Self {
        Self {
            interval: if interval.is_zero() {
                Duration::from_secs(30)
            } else {
                interval
            },
            last: Mutex::new(HashMap::new()),
            running: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// Admits a call on `key` (recording it) or says how long to wait; a rejected call does not
    /// move the window.
    pub fn admit(&self, key: &str) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = last.get(key) {
            let next = *at + self.interval;
            if now < next {
                let wait = next - now;
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return Err(RetryAfter(secs.max(1)));
            }
        }
        if last.len() >= SWEEP_AT {
            let interval = self.interval;
            last.retain(|_, at| now.duration_since(*at) < interval);
        }
        last.insert(key.to_string(), now);
        Ok(())
    }

    /// A slot for one refresh execution, or `RetryAfter(1)` when all are busy.
    pub fn slot(&self) -> Result<OwnedSemaphorePermit, RetryAfter> {
        self.running
            .clone()
            .try_acquire_owned()
            .map_err(|_| RetryAfter(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_independent_and_rejections_do_not_move_the_window() {
        let l = RateLimiter::new(Duration::from_secs(30), 3);
        assert!(l.admit("default:mcp:a").is_ok());
        let RetryAfter(n) = l.admit("default:mcp:a").unwrap_err();
        assert!((1..=30).contains(&n));
        assert!(l.admit("default:mcp:b").is_ok());
        assert!(l.admit("default:mcp:*").is_ok());
        assert!(l.admit("default:model:a").is_ok());
    }

    #[test]
    fn a_zero_interval_means_thirty_seconds() {
        let l = RateLimiter::new(Duration::ZERO, 1);
        l.admit("k").unwrap();
        assert!(l.admit("k").unwrap_err().0 > 1);
    }

    #[test]
    fn slots_are_capped() {
        let l = RateLimiter::new(Duration::from_secs(1), 1);
        let held = l.slot().unwrap();
        assert_eq!(l.slot().unwrap_err(), RetryAfter(1));
        drop(held);
        assert!(l.slot().is_ok());
    }

    #[test]
    fn stale_keys_are_swept() {
        let l = RateLimiter::new(Duration::from_nanos(1), 1);
        for i in 0..(SWEEP_AT * 2) {
            std::thread::sleep(Duration::from_nanos(1));
            l.admit(&format!("k{i}")).unwrap();
        }
        assert!(l.last.lock().unwrap().len() <= SWEEP_AT);
    }
}
