//! Runs refresh jobs against the mounted plugins (EN-56): the refresh happens in the job's
//! namespace and a success invalidates cached discovery responses.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use async_trait::async_trait;

use super::state::AppState;
use crate::error::ErrorCode;
use crate::jobs::{Job, JobError, JobRunner, RunResult};
use crate::tenancy::DEFAULT_NAMESPACE;

/// The job runner of a server.
pub struct PluginJobRunner {
    /// The server (weak: workers must not keep it alive).
    pub app: Weak<AppState>,
}

#[async_trait]
impl JobRunner for PluginJobRunner {
    async fn run(&self, job: &Job) -> Result<RunResult, JobError> {
        let app: Arc<AppState> = self
            .app
            .upgrade()
            .ok_or_else(|| JobError::Transient("server is shutting down".into()))?;
        // Plugin sources live in the default namespace; another tenant's job must not touch them.
        if job.namespace != DEFAULT_NAMESPACE {
            return Err(JobError::Permanent(format!(
                "plugin \"{}\" has no sources in namespace \"{}\"",
                job.plugin, job.namespace
            )));
        }
        let entry = app
            .plugins
            .load()
            .iter()
            .find(|e| e.plugin.name() == job.plugin && e.is_active())
            .cloned()
            .ok_or_else(|| {
                JobError::Permanent(format!("plugin \"{}\" is not serving", job.plugin))
            })?;
        let provider = entry.plugin.refresh_provider().ok_or_else(|| {
            JobError::Permanent(format!("plugin \"{}\" cannot refresh", job.plugin))
        })?;
        let result = if job.source_id == "_all" {
            provider.refresh_all().await
        } else {
            provider.refresh(&job.source_id).await
        };
        app.discovery_generation.fetch_add(1, Ordering::SeqCst);
        match result {
            Ok(r) => match r.error {
                Some(e) => Err(JobError::Transient(e)),
                None => Ok(RunResult {
                    loaded: r.entities_loaded as i64,
                    removed: r.entities_removed as i64,
                }),
            },
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::NotFound
                        | ErrorCode::BadRequest
                        | ErrorCode::NotImplemented
                        | ErrorCode::UnprocessableEntity
                ) =>
            {
                Err(JobError::Permanent(e.message))
            }
            Err(e) => Err(JobError::Transient(e.message)),
        }
    }
}
