//! `catalog-server`: one process hosting every compiled-in catalog plugin.

use anyhow::Context;
use catalog_server::cli;
use tracing_subscriber::EnvFilter;

/// Standard output with every secret value the server knows replaced, so no log line carries
/// one (SM-60). The formatter writes each event with one call, so a value is never split.
struct ScrubbedStdout(std::io::Stdout);

impl std::io::Write for ScrubbedStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let clean = catalog_core::management::scrub_known(&text);
        self.0.write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn init_logging(cli: &cli::Cli) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&cli.log_level)
        .with_context(|| format!("invalid log level \"{}\"", cli.log_level))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| ScrubbedStdout(std::io::stdout()));
    match cli.log_format {
        cli::LogFormat::Json => builder.json().flatten_event(true).init(),
        cli::LogFormat::Text => builder.init(),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::load();
    init_logging(&cli)?;
    let mut registry = catalog_server::registry()?;
    if !cli.enabled_plugins.is_empty() {
        registry.retain_only(&cli.enabled_plugins)?;
    }
    let server = catalog_core::server::start(cli.settings(), registry).await?;
    shutdown_signal().await;
    tracing::info!("shutdown signal received");
    server.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}
