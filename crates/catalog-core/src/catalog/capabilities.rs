//! The optional capabilities a declarative plugin offers, all derived from its spec and state.

use async_trait::async_trait;
use serde_json::Value;

use super::DeclarativePlugin;
use super::ingest::{sync_source, sync_sources};
use crate::error::ApiError;
use crate::plugin::*;
use crate::time::rfc3339_ms;

impl DeclarativePlugin {
    fn base_path(&self) -> String {
        match self.shared.runtime.load().as_ref() {
            Some(rt) => rt.config.base_path.clone(),
            None => crate::plugin::default_base_path(self.spec().name, self.spec().version),
        }
    }
}

impl SourceKeyProvider for DeclarativePlugin {
    fn source_key(&self) -> String {
        self.spec().config_key().to_string()
    }
}

impl CapabilitiesProvider for DeclarativePlugin {
    fn capabilities(&self) -> CapabilitiesV1 {
        CapabilitiesV1 {
            entity_kinds: vec![self.spec().kind.kind.to_string()],
            list_entities: true,
            get_entity: true,
            list_sources: false,
            artifacts: false,
        }
    }
}

impl CapabilitiesV2Provider for DeclarativePlugin {
    fn capabilities_v2(&self) -> CapabilitiesV2 {
        let base = self.base_path();
        let mut caps = self.spec().capabilities_v2(&base, true);
        if let Some(get) = self.shared.ext.get_path {
            for e in &mut caps.entities {
                e.endpoints.get = format!("{base}{get}");
            }
        }
        caps
    }
}

impl StatusProvider for DeclarativePlugin {
    fn status(&self) -> PluginStatus {
        let initialized = self.shared.runtime.load().is_some();
        PluginStatus {
            enabled: true,
            initialized,
            serving: CatalogPlugin::healthy(self),
            last_error: None,
        }
    }
}

#[async_trait]
impl RefreshProvider for DeclarativePlugin {
    async fn refresh(&self, source_id: &str) -> Result<RefreshResult, ApiError> {
        let rt = self.shared.runtime()?;
        let source = rt
            .source_configs()
            .into_iter()
            .find(|s| s.id == source_id)
            .ok_or_else(|| ApiError::not_found(format!("source \"{source_id}\" not found")))?;
        if !source.is_enabled() {
            return Err(ApiError::new(
                crate::error::ErrorCode::Conflict,
                format!("source \"{source_id}\" is disabled"),
            ));
        }
        let _guard = self.shared.ingest.lock().await;
        Ok(sync_source(self.spec(), &rt, &source).await)
    }

    async fn refresh_all(&self) -> Result<RefreshResult, ApiError> {
        let rt = self.shared.runtime()?;
        let _guard = self.shared.ingest.lock().await;
        let mut total = RefreshResult {
            source_id: None,
            entities_loaded: 0,
            entities_removed: 0,
            duration: 0,
            error: None,
        };
        let mut errors = Vec::new();
        let enabled = rt
            .source_configs()
            .into_iter()
            .filter(|s| s.is_enabled())
            .collect();
        for r in sync_sources(self.spec(), &rt, enabled, false).await {
            total.entities_loaded += r.entities_loaded;
            total.entities_removed += r.entities_removed;
            total.duration += r.duration;
            if let Some(e) = r.error {
                errors.push(format!("{}: {e}", r.source_id.unwrap_or_default()));
            }
        }
        total.error = (!errors.is_empty()).then(|| errors.join("; "));
        Ok(total)
    }
}

#[async_trait]
impl DiagnosticsProvider for DeclarativePlugin {
    async fn diagnostics(&self) -> Result<Diagnostics, ApiError> {
        let rt = self.shared.runtime()?;
        let snapshot = rt.snapshot.load();
        let states = rt.source_states();
        let last = states.iter().filter_map(|s| s.status.last_refresh_at).max();
        Ok(Diagnostics {
            plugin_name: self.spec().name.to_string(),
            sources: states
                .into_iter()
                .map(|s| SourceDiagnostics {
                    entity_count: snapshot.source_count(&s.config.id),
                    id: s.config.id,
                    name: s.config.name,
                    state: s.status.state,
                    last_refresh_time: s.status.last_refresh_at.map(rfc3339_ms),
                    last_refresh_duration: s.status.last_refresh_duration_ns.map(|d| d as u64),
                    error: s.status.error,
                })
                .collect(),
            last_refresh: last.map(rfc3339_ms),
            errors: rt
                .errors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned()
                .collect(),
        })
    }
}

impl UiHintsProvider for DeclarativePlugin {
    fn ui_hints(&self) -> UiHints {
        self.spec().ui_hints()
    }
}

impl CliHintsProvider for DeclarativePlugin {
    fn cli_hints(&self) -> CliHints {
        self.spec().cli_hints()
    }
}

impl EntityGetter for DeclarativePlugin {
    fn get_entity_by_name(&self, kind: &str, name: &str) -> Option<Value> {
        if !kind.is_empty() && kind != self.spec().kind.kind {
            return None;
        }
        let rt = self.shared.runtime.load_full()?;
        let snapshot = rt.snapshot.load();
        snapshot
            .get(name, None)
            .and_then(|e| serde_json::from_str(e.json.get()).ok())
    }
}
