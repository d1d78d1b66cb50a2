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

async fn load_async(ctx: &LoadContext<'_>) -> Result<Loaded, SourceError> {
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
    let hub = Hub::new(&base, token)?;
    hub.check_credentials().await?;

    let mut loaded = Loaded::default();
    let mut ids: Vec<String> = Vec::new();
    let mut wildcard_failures = Vec::new();
    let wildcards = patterns.iter().filter(|p| !p.is_exact()).count();
    for pattern in &patterns {
        match pattern.expand(&hub, max_models).await {
            Ok(found) => ids.extend(found),
            Err(e) if pattern.is_exact() => loaded.failures.push(e.to_string()),
            Err(e) => wildcard_failures.push(e.to_string()),
        }
    }
    if wildcards > 0 && wildcard_failures.len() == wildcards && ids.is_empty() {
        return Err(SourceError(format!(
            "no model found: {}",
            wildcard_failures.join("; ")
        )));
    }
    loaded.failures.extend(wildcard_failures);
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| exclude.admits(id) && seen.insert(id.to_lowercase()));
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
