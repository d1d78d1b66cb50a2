//! The Hugging Face (`hf`) source type (§2.10): expands include patterns through the hub's
//! listing API, fetches each model and maps it to a catalog entry. Failed lookups are recorded
//! on the source without discarding the rest (PM-64).
//!
//! Seam: registered as the model plugin's loader for type `hf` through
//! [`catalog_core::catalog::Extension::loaders`]; a provider registry keyed by source type can
//! call [`load`] directly.

mod client;
mod mapping;
mod patterns;

use catalog_core::catalog::{LoadContext, Loaded};
use catalog_core::provider::{NameFilter, SourceError};
use serde_json::Value;

use client::{Hub, HubError};
use patterns::Pattern;

/// The public hub.
pub const DEFAULT_BASE_URL: &str = "https://huggingface.co";
/// Default re-sync interval.
const DEFAULT_SYNC: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// How often an `hf` source is re-synced: `properties.syncInterval` (`30s`, `10m`, `24h`),
/// default 24 h; an invalid value falls back to the default with a warning (PM-64).
pub fn sync_interval(source: &catalog_config::SourceConfig) -> Option<std::time::Duration> {
    if source.source_type != "hf" {
        return None;
    }
    let raw = source
        .properties
        .as_ref()
        .and_then(|p| p.get("syncInterval"))
        .and_then(Value::as_str);
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Some(DEFAULT_SYNC);
    };
    Some(parse_duration(raw).unwrap_or_else(|| {
        tracing::warn!(
            source = source.id,
            value = raw,
            "invalid syncInterval; using 24h"
        );
        DEFAULT_SYNC
    }))
}

/// `<n>s`, `<n>m` or `<n>h` with n ≥ 1.
fn parse_duration(raw: &str) -> Option<std::time::Duration> {
    let (n, unit) = raw.split_at(raw.len().checked_sub(1)?);
    let n: u64 = n.parse().ok().filter(|n| *n > 0)?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(secs))
}

/// Default models listed per wildcard pattern.
const DEFAULT_MAX_MODELS: usize = 500;

/// Loads an `hf` source (blocking: runs on the loader thread inside the runtime).
pub fn load(ctx: &LoadContext<'_>) -> Result<Loaded, SourceError> {
    tokio::runtime::Handle::current().block_on(load_async(ctx))
}

fn property<'a>(ctx: &'a LoadContext<'_>, key: &str) -> Option<&'a Value> {
    ctx.source.properties.as_ref()?.get(key)
}

fn string_property(ctx: &LoadContext<'_>, key: &str) -> Option<String> {
    property(ctx, key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The effective base URL (PM-58): the source's `url`, else the server-wide setting, else the
/// public hub; a trailing `/` is trimmed.
pub fn base_url(source_url: Option<&str>, server_wide: Option<&str>) -> String {
    source_url
        .or(server_wide)
        .filter(|u| !u.trim().is_empty())
        .unwrap_or(DEFAULT_BASE_URL)
        .trim()
        .trim_end_matches('/')
        .to_string()
}

/// A source's expanded include patterns, exclusions and hub client.
struct Plan {
    hub: Hub,
    patterns: Vec<Pattern>,
    exclude: NameFilter,
    max_models: usize,
}

fn plan(ctx: &LoadContext<'_>) -> Result<Plan, SourceError> {
    let source = ctx.source;
    let org = string_property(ctx, "allowedOrganization");
    let prefix = |p: &String| match &org {
        Some(o) => format!("{o}/{}", p.trim()),
        None => p.trim().to_string(),
    };
    let mut includes: Vec<String> = source.included_items.iter().flatten().map(prefix).collect();
    let excludes: Vec<String> = source.excluded_items.iter().flatten().map(prefix).collect();
    if includes.is_empty() {
        match &org {
            Some(o) => includes.push(format!("{o}/*")),
            None => {
                return Err(SourceError(
                    "includedItems must list at least one model or pattern for type hf".into(),
                ));
            }
        }
    }
    let patterns = includes
        .iter()
        .map(|p| Pattern::parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    let exclude = NameFilter::new(&[], &excludes)?;
    let max_models = match property(ctx, "maxModels").and_then(Value::as_u64) {
        Some(0) => usize::MAX,
        Some(n) => n as usize,
        None => DEFAULT_MAX_MODELS,
    };
    let key_var = string_property(ctx, "apiKeyEnvVar").unwrap_or_else(|| "HF_API_KEY".into());
    let token = std::env::var(&key_var)
        .ok()
        .filter(|t| t.starts_with("hf_"));
    let base = base_url(string_property(ctx, "url").as_deref(), ctx.hf_base_url);
    Ok(Plan {
        hub: Hub::new(&base, token)?,
        patterns,
        exclude,
        max_models,
    })
}

/// Expands the patterns into ids (deduplicated, in pattern order), with the wildcard patterns
/// that failed. All wildcard patterns failing with nothing found is an error.
async fn expand(plan: &Plan) -> Result<(Vec<String>, Vec<String>), SourceError> {
    let mut ids: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    let wildcards = plan.patterns.iter().filter(|p| !p.is_exact()).count();
    for pattern in &plan.patterns {
        match pattern.expand(&plan.hub, plan.max_models).await {
            Ok(found) => ids.extend(found),
            Err(e) => failures.push(e.to_string()),
        }
    }
    if wildcards > 0 && failures.len() == wildcards && ids.is_empty() {
        return Err(SourceError(format!(
            "no model found: {}",
            failures.join("; ")
        )));
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.to_lowercase()));
    Ok((ids, failures))
}

/// The model names an `hf` source would consider, each with whether it is admitted (preview,
/// PM-57: no model is fetched, so unknown exact ids are listed as given).
pub async fn preview(ctx: &LoadContext<'_>) -> Result<Vec<(String, bool)>, SourceError> {
    let plan = plan(ctx)?;
    let (ids, _) = expand(&plan).await?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let admitted = plan.exclude.admits(&id);
            (id, admitted)
        })
        .collect())
}

async fn load_async(ctx: &LoadContext<'_>) -> Result<Loaded, SourceError> {
    let plan = plan(ctx)?;
    plan.hub.check_credentials().await?;
    let (mut ids, failures) = expand(&plan).await?;
    ids.retain(|id| plan.exclude.admits(id));
    let mut loaded = Loaded {
        entries: Vec::new(),
        failures,
    };
    let hub = &plan.hub;
    let synced = catalog_core::store::now_ms();
    for id in ids {
        match hub.model(&id).await {
            Ok(info) => {
                let readme = match mapping::readme_file(&info) {
                    Some(file) => hub.readme(&id, file).await.ok(),
                    None => None,
                };
                let entry = mapping::entry(&id, &info, readme, synced);
                loaded.entries.push((id, entry));
            }
            Err(HubError::NotFound) => loaded.failures.push(format!("{id}: model not found")),
            Err(e) => loaded.failures.push(format!("{id}: {e}")),
        }
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        for bad in ["", "h", "0s", "5d", "x1m", "-1s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
