//! The result table and its JSON form.

use serde::Serialize;

use crate::load::Stats;

/// One measured scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Scenario name.
    pub scenario: String,
    /// Its figures.
    pub stats: Stats,
    /// Throughput relative to the baseline measured in the same run.
    pub ratio_to_baseline: f64,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Entities per plugin.
    pub entities_per_plugin: usize,
    /// Plugins loaded.
    pub plugins: Vec<String>,
    /// Concurrent connections.
    pub connections: usize,
    /// Seconds per scenario.
    pub seconds_per_scenario: u64,
    /// Corpus generation time, s.
    pub corpus_seconds: f64,
    /// First start on an empty data directory to `/readyz` = 200, s.
    pub cold_start_seconds: f64,
    /// Restart on the populated data directory (unchanged sources) to `/readyz` = 200, s.
    pub warm_start_seconds: f64,
    /// Peak resident set of the server, MiB.
    pub peak_rss_mib: f64,
    /// Scenarios.
    pub rows: Vec<Row>,
    /// Scenarios not run, with the reason.
    pub skipped: Vec<(String, String)>,
}

impl Report {
    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{} plugins × {} entities, {} connections, {} s per scenario\ncorpus written in {:.1} s; cold start to ready {:.1} s (empty data dir); restart to ready {:.1} s; peak RSS {:.0} MiB\n\n",
            self.plugins.len(),
            self.entities_per_plugin,
            self.connections,
            self.seconds_per_scenario,
            self.corpus_seconds,
            self.cold_start_seconds,
            self.warm_start_seconds,
            self.peak_rss_mib
        );
        out.push_str(&format!(
            "{:<34} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>8}\n",
            "scenario", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "bytes", "ratio"
        ));
        for r in &self.rows {
            let s = &r.stats;
            out.push_str(&format!(
                "{:<34} {:>9.0} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>9} {:>7.0}%\n",
                r.scenario,
                s.rps,
                s.p50_ms,
                s.p95_ms,
                s.p99_ms,
                s.errors,
                s.mean_bytes,
                r.ratio_to_baseline * 100.0
            ));
        }
        for (name, why) in &self.skipped {
            out.push_str(&format!("{name:<34} skipped: {why}\n"));
        }
        out
    }
}
