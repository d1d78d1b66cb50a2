//! Model-specific routes (§2.1): a model by source and name, its artifacts, model sources and
//! labels. Listing and paging come from catalog-core.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use catalog_core::catalog::{CatalogHandle, json_response};
use catalog_core::error::ApiError;
use catalog_core::query::query_pairs;

use crate::{artifacts, filter_options, labels, preview, sources};

/// The extra routes of the model plugin.
pub fn router(handle: CatalogHandle) -> Router {
    Router::new()
        .route(
            "/sources/{source_id}/models/{*rest}",
            get(model_or_artifacts),
        )
        .route("/sources", get(sources::list))
        .route("/sources/preview", axum::routing::post(preview::preview))
        .route("/labels", get(labels::list))
        .route("/models/filter_options", get(filter_options::get))
        .with_state(handle)
}

/// `…/models/{name}`, `…/models/{name}/artifacts` and `…/models/{name}/artifacts/performance`
/// (PM-38: the name may contain `/`).
async fn model_or_artifacts(
    State(handle): State<CatalogHandle>,
    Path((source_id, rest)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let (name, view) = if let Some(n) = rest.strip_suffix("/artifacts/performance") {
        (n, View::Performance)
    } else if let Some(n) = rest.strip_suffix("/artifacts") {
        (n, View::Artifacts)
    } else {
        (rest.as_str(), View::Model)
    };
    let snapshot = handle.snapshot()?;
    let model = snapshot
        .get(name, Some(&source_id))
        .filter(|e| *e.source_id == *source_id)
        .ok_or_else(|| {
            ApiError::not_found(format!("No model found '{name}' in source '{source_id}'"))
        })?;
    match view {
        View::Model => Ok(json_response(model.json.get().to_string())),
        View::Artifacts => artifacts::list(model, &pairs, false).map(json_response),
        View::Performance => artifacts::list(model, &pairs, true).map(json_response),
    }
}

enum View {
    Model,
    Artifacts,
    Performance,
}
