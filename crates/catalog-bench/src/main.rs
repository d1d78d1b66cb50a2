//! `catalog-bench`: generates a synthetic corpus, starts the real (release) `catalog-server` on it,
//! measures cold start and peak memory, then drives HTTP load scenario by scenario and reports
//! each as a ratio to a baseline endpoint measured in the same run. Exits non-zero on any error
//! response. Every load is bounded in duration and request count and targets loopback only.

mod baseline;
mod corpus;
mod load;
mod report;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;

use load::{Stats, drive};
use report::{Report, Row};

/// Benchmark the catalog server against an in-run baseline.
#[derive(Debug, Parser)]
struct Args {
    /// Entities generated per plugin.
    #[arg(long, default_value_t = 100_000)]
    entities: usize,
    /// Plugins to generate data for (comma-separated); default: all eight.
    #[arg(long, value_delimiter = ',')]
    plugins: Vec<String>,
    /// Concurrent connections.
    #[arg(long, default_value_t = 20)]
    connections: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 8)]
    seconds: u64,
    /// Request cap per scenario.
    #[arg(long, default_value_t = 200_000)]
    max_requests: u64,
    /// The server binary (default: `catalog-server` next to this binary).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Where to write the corpus and the server's data (default: a fresh temp dir).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// JSON results file.
    #[arg(long, default_value = "bench-results.json")]
    out: PathBuf,
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn start_server(
    bin: &PathBuf,
    work: &std::path::Path,
    sources: &std::path::Path,
) -> anyhow::Result<(Server, f64)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let started = Instant::now();
    let child = Command::new(bin)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--log-level",
            "warn",
            "--plugin-init-timeout-seconds",
            "600",
        ])
        .arg("--data-dir")
        .arg(work.join("data"))
        .arg("--sources")
        .arg(sources)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = started + Duration::from_secs(900);
    loop {
        if Instant::now() > deadline {
            bail!("server not ready after 900 s");
        }
        if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await
            && r.status().as_u16() == 200
        {
            return Ok((server, started.elapsed().as_secs_f64()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = match &args.server_bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?.with_file_name("catalog-server"),
    };
    anyhow::ensure!(
        bin.exists(),
        "{} not found: build it with `cargo build --release -p catalog-server`",
        bin.display()
    );
    let tmp = tempfile_dir(&args.work_dir)?;
    let work = tmp.as_path();
    let gens = corpus::generators();
    let selected: Vec<&corpus::Generator> = gens
        .iter()
        .filter(|g| args.plugins.is_empty() || args.plugins.iter().any(|p| p == g.plugin))
        .collect();
    anyhow::ensure!(!selected.is_empty(), "no known plugin in --plugins");

    eprintln!(
        "writing {} entities for each of {} plugins to {}",
        args.entities,
        selected.len(),
        work.display()
    );
    let t = Instant::now();
    let sources = corpus::write(work, &selected, args.entities)?;
    let corpus_seconds = t.elapsed().as_secs_f64();
    eprintln!(
        "corpus written in {corpus_seconds:.1} s; starting {}",
        bin.display()
    );
    let (server, cold_start) = start_server(&bin, work, &sources).await?;
    eprintln!(
        "ready after {cold_start:.1} s, peak RSS {:.0} MiB",
        peak_rss_mib(server.child.id())
    );

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .build()?;
    let base = server.base.clone();
    let has = |p: &str| selected.iter().any(|g| g.plugin == p);
    let (lead, plural) = if has("mcp") {
        ("mcp", "mcpservers")
    } else {
        (selected[0].plugin, selected[0].plural)
    };
    let list = format!("{base}/api/{lead}_catalog/v1alpha1/{plural}");
    let page = client
        .get(format!("{list}?pageSize=100"))
        .send()
        .await?
        .bytes()
        .await?;
    let baseline_url = baseline::serve(page).await?;

    let n = args.entities;
    let mut scenarios: Vec<(String, Vec<String>)> = vec![
        ("baseline (static page)".into(), vec![baseline_url]),
        (
            "list page of 100".into(),
            vec![format!("{list}?pageSize=100")],
        ),
        (
            "list sorted by non-default field".into(),
            vec![format!(
                "{list}?pageSize=100&orderBy=toolCount&sortOrder=DESC"
            )],
        ),
        (
            "list with q".into(),
            (0..50)
                .map(|k| {
                    format!(
                        "{list}?pageSize=100&q=server-{:04}",
                        (k * 37) % (n / 100).max(1)
                    )
                })
                .collect(),
        ),
        (
            "get by name".into(),
            (0..1000)
                .map(|k| format!("{list}/mcp-server-{:06}", (k * 7919) % n))
                .collect(),
        ),
        (
            "discovery /api/plugins".into(),
            vec![format!("{base}/api/plugins")],
        ),
        (
            "capabilities".into(),
            vec![format!("{base}/api/plugins/{lead}/capabilities")],
        ),
    ];
    if lead != "mcp" {
        scenarios.retain(|(name, _)| {
            !name.starts_with("list sorted")
                && !name.starts_with("get")
                && !name.starts_with("list with q")
        });
    }
    let mut skipped = Vec::new();
    let filter = format!(
        "{list}?pageSize=100&filterQuery=toolCount%20%3D%207%20AND%20resourceCount%20%3C%207"
    );
    match client.get(&filter).send().await?.status().as_u16() {
        200 => scenarios.push(("list filtered (~1% match)".into(), vec![filter])),
        status => skipped.push((
            "list filtered (~1% match)".into(),
            format!("server answered {status}: filterQuery not available"),
        )),
    }
    skipped.push((
        "generic asset list".into(),
        "/api/assets is not implemented yet".into(),
    ));

    let duration = Duration::from_secs(args.seconds);
    let mut rows: Vec<Row> = Vec::new();
    let mut baseline_rps = 0.0;
    for (name, urls) in scenarios {
        eprintln!("running: {name}");
        let stats = drive(
            &client,
            Arc::new(urls),
            args.connections,
            duration,
            args.max_requests,
        )
        .await;
        if baseline_rps == 0.0 {
            baseline_rps = stats.rps;
        }
        rows.push(Row {
            ratio_to_baseline: stats.rps / baseline_rps,
            scenario: name,
            stats,
        });
    }

    eprintln!("running: list page of 100 while the plugin refreshes");
    let refresh_url = format!("{base}/api/{lead}_catalog/v1alpha1/management/refresh");
    let refresher = {
        let client = client.clone();
        tokio::spawn(async move {
            let stop = Instant::now() + duration;
            let mut refreshes = 0u32;
            let mut failures = 0u32;
            while Instant::now() < stop {
                match client.post(&refresh_url).send().await {
                    Ok(r) if r.status().is_success() => refreshes += 1,
                    _ => failures += 1,
                }
            }
            (refreshes, failures)
        })
    };
    let stats: Stats = drive(
        &client,
        Arc::new(vec![format!("{list}?pageSize=100")]),
        args.connections,
        duration,
        args.max_requests,
    )
    .await;
    let (refreshes, refresh_failures) = refresher.await?;
    rows.push(Row {
        scenario: format!("list during refresh ({refreshes} refreshes)"),
        ratio_to_baseline: stats.rps / baseline_rps,
        stats,
    });

    let peak_rss = peak_rss_mib(server.child.id());
    eprintln!("restarting on the same data directory");
    drop(server);
    let (server, warm_start) = start_server(&bin, work, &sources).await?;

    let report = Report {
        entities_per_plugin: n,
        plugins: selected.iter().map(|g| g.plugin.to_string()).collect(),
        connections: args.connections,
        seconds_per_scenario: args.seconds,
        corpus_seconds,
        cold_start_seconds: cold_start,
        warm_start_seconds: warm_start,
        peak_rss_mib: peak_rss,
        rows,
        skipped,
    };
    println!("{}", report.table());
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)?)?;
    eprintln!("results written to {}", args.out.display());
    drop(server);
    let errors: u64 = report.rows.iter().map(|r| r.stats.errors).sum();
    if errors > 0 || refresh_failures > 0 {
        bail!("{errors} error responses and {refresh_failures} failed refreshes");
    }
    Ok(())
}

/// The work directory: the given one, or a fresh one under the system temp dir.
fn tempfile_dir(given: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match given {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("catalog-bench-{}", std::process::id())),
    };
    if dir.join("data").exists() {
        std::fs::remove_dir_all(dir.join("data"))?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
