//! A bounded HTTP load driver: a fixed number of connections, a duration and a request cap.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Throughput and latency of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Requests completed.
    pub requests: u64,
    /// Responses with status ≥ 400 or transport failures.
    pub errors: u64,
    /// Requests per second.
    pub rps: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
    /// Mean response body size, bytes.
    pub mean_bytes: u64,
}

/// Drives `connections` concurrent loops over `urls` for `duration` or `max_requests` in total.
pub async fn drive(
    client: &reqwest::Client,
    urls: Arc<Vec<String>>,
    connections: usize,
    duration: Duration,
    max_requests: u64,
) -> Stats {
    let started = Instant::now();
    let deadline = started + duration;
    let per_worker = max_requests.div_ceil(connections as u64);
    let mut workers = Vec::with_capacity(connections);
    for w in 0..connections {
        let client = client.clone();
        let urls = urls.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let (mut errors, mut bytes) = (0u64, 0u64);
            let mut k = 0usize;
            while Instant::now() < deadline && (latencies.len() as u64) < per_worker {
                let url = &urls[(w + k * connections) % urls.len()];
                k += 1;
                let t = Instant::now();
                match client.get(url).send().await {
                    Ok(resp) => {
                        let failed = resp.status().as_u16() >= 400;
                        match resp.bytes().await {
                            Ok(body) if !failed => bytes += body.len() as u64,
                            _ => errors += 1,
                        }
                    }
                    Err(_) => errors += 1,
                }
                latencies.push(t.elapsed().as_micros() as u64);
            }
            (latencies, errors, bytes)
        }));
    }
    let mut all = Vec::new();
    let (mut errors, mut bytes) = (0, 0);
    for w in workers {
        if let Ok((l, e, b)) = w.await {
            all.extend(l);
            errors += e;
            bytes += b;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[i] as f64 / 1000.0
    };
    let requests = all.len() as u64;
    Stats {
        requests,
        errors,
        rps: requests as f64 / elapsed,
        p50_ms: pct(0.50),
        p95_ms: pct(0.95),
        p99_ms: pct(0.99),
        max_ms: all.last().map_or(0.0, |m| *m as f64 / 1000.0),
        mean_bytes: if requests > errors {
            bytes / (requests - errors)
        } else {
            0
        },
    }
}
