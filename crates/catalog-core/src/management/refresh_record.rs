//! Persisting refresh outcomes (SM-35): every refresh (endpoint, action, apply-then-refresh) is
//! upserted per namespace, plugin and source; a failed write is logged and never fails the refresh.

use crate::plugin::RefreshResult;
use crate::store::{
    Database, REFRESH_ALL, RefreshStatusRow, load_refresh_statuses, now_ms, save_refresh_status,
};

/// The summary of SM-35: `Refresh failed`, `Loaded N entities, removed M` or `Loaded N entities`.
fn summary(result: Result<&RefreshResult, &str>) -> String {
    match result {
        Ok(r) if r.error.is_none() && r.entities_removed > 0 => format!(
            "Loaded {} entities, removed {}",
            r.entities_loaded, r.entities_removed
        ),
        Ok(r) if r.error.is_none() => format!("Loaded {} entities", r.entities_loaded),
        _ => "Refresh failed".into(),
    }
}

/// Records one outcome; `source` is `None` for refresh-all. Error texts are already scrubbed.
pub(crate) async fn record(
    db: &Database,
    plugin: &str,
    source: Option<&str>,
    result: Result<&RefreshResult, &str>,
) {
    let error = match result {
        Ok(r) => r.error.clone(),
        Err(e) => Some(e.to_string()),
    };
    let (loaded, removed, duration) = result.map_or((0, 0, 0), |r| {
        (
            r.entities_loaded,
            r.entities_removed,
            r.duration / 1_000_000,
        )
    });
    let row = RefreshStatusRow {
        source_id: source.unwrap_or(REFRESH_ALL).to_string(),
        last_refresh_time: now_ms(),
        last_refresh_status: if error.is_some() { "error" } else { "success" }.into(),
        last_refresh_summary: summary(result),
        last_error: error,
        entities_loaded: loaded as i64,
        entities_removed: removed as i64,
        duration_ms: duration as i64,
    };
    if let Err(e) = save_refresh_status(db, "default", plugin, &row).await {
        tracing::error!(plugin, source = row.source_id, error = %e, "could not persist refresh status");
    }
}

/// The recorded outcomes of a plugin (empty when they cannot be read; logged).
pub(crate) async fn recorded(db: &Database, plugin: &str) -> Vec<RefreshStatusRow> {
    load_refresh_statuses(db, "default", plugin)
        .await
        .unwrap_or_else(|e| {
            tracing::error!(plugin, error = %e, "could not read refresh status");
            Vec::new()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(loaded: u64, removed: u64, error: Option<&str>) -> RefreshResult {
        RefreshResult {
            source_id: None,
            entities_loaded: loaded,
            entities_removed: removed,
            duration: 0,
            error: error.map(str::to_string),
        }
    }

    #[test]
    fn summaries_follow_the_spec() {
        assert_eq!(summary(Ok(&result(3, 0, None))), "Loaded 3 entities");
        assert_eq!(
            summary(Ok(&result(3, 2, None))),
            "Loaded 3 entities, removed 2"
        );
        assert_eq!(summary(Ok(&result(3, 2, Some("x")))), "Refresh failed");
        assert_eq!(summary(Err("boom")), "Refresh failed");
    }
}
