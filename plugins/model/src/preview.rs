//! `POST /sources/preview` (§2.9, PM-56/57): which models a candidate source would admit,
//! from uploaded `catalogData`, a configured data directory, or the hub.

use axum::extract::{Multipart, RawQuery, State};
use axum::response::Response;
use catalog_config::SourceConfig;
use catalog_core::catalog::{CatalogHandle, LoadContext, json_response as respond};
use catalog_core::error::{ApiError, ErrorCode};
use catalog_core::provider::{NameFilter, SourceError, parse_document, read_data_file};
use catalog_core::query::query_pairs;
use serde_json::{Map, Value, json};

use crate::paging::SimplePage;

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::UnprocessableEntity, message)
}

fn invalid(e: SourceError) -> ApiError {
    unprocessable(e.0)
}

/// Previews a source.
pub async fn preview(
    State(handle): State<CatalogHandle>,
    RawQuery(raw): RawQuery,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let page = SimplePage::new(&pairs, 10)?;
    let status = pairs
        .iter()
        .find(|(k, _)| k == "filterStatus")
        .map_or("all", |(_, v)| v.as_str());
    let keep: fn(bool) -> bool = match status {
        "" | "all" => |_| true,
        "included" => |included| included,
        "excluded" => |included| !included,
        other => {
            return Err(ApiError::bad_field(
                "filterStatus",
                format!("must be all, included or excluded, got \"{other}\""),
            ));
        }
    };
    let (mut config, mut data) = (None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("malformed multipart body: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("malformed multipart body: {e}")))?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::bad_field(&name, "must be UTF-8 text"))?;
        match name.as_str() {
            "config" => config = Some(text),
            "catalogData" => data = Some(text),
            _ => {}
        }
    }
    let config = config.ok_or_else(|| ApiError::bad_field("config", "is required"))?;
    let source = source_of(&config)?;
    let names = match source.source_type.as_str() {
        "yaml" => yaml_names(&handle, &source, data)?,
        "hf" | "huggingface" => hf_names(&handle, source).await?,
        "" => return Err(unprocessable("config: type is required")),
        other => {
            return Err(unprocessable(format!(
                "config: unsupported source type \"{other}\" (yaml, hf)"
            )));
        }
    };
    let included = names.iter().filter(|(_, i)| *i).count();
    let items: Vec<Value> = names
        .iter()
        .filter(|(_, i)| keep(*i))
        .map(|(name, i)| json!({"name": name, "included": i}))
        .collect();
    let mut body = page.render(items)?;
    body["summary"] = json!({
        "totalModels": names.len(),
        "includedModels": included,
        "excludedModels": names.len() - included,
    });
    Ok(respond(body.to_string()))
}

/// The source entry: `type`, include/exclude lists under either naming, `properties`.
fn source_of(config: &str) -> Result<SourceConfig, ApiError> {
    let doc = parse_document(config, std::path::Path::new("config")).map_err(invalid)?;
    let Value::Object(map) = doc else {
        return Err(unprocessable("config: must be a mapping"));
    };
    let list = |keys: [&str; 2]| -> Result<Option<Vec<String>>, ApiError> {
        let mut out: Option<Vec<String>> = None;
        for key in keys {
            match map.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for item in items {
                        let s = item.as_str().ok_or_else(|| {
                            unprocessable(format!("config: {key} must list strings"))
                        })?;
                        out.get_or_insert_default().push(s.to_string());
                    }
                }
                Some(_) => return Err(unprocessable(format!("config: {key} must be a list"))),
            }
        }
        Ok(out)
    };
    Ok(SourceConfig {
        id: "preview".into(),
        source_type: map.get("type").and_then(Value::as_str).unwrap_or("").into(),
        included_items: list(["includedItems", "includedModels"])?,
        excluded_items: list(["excludedItems", "excludedModels"])?,
        properties: map.get("properties").and_then(Value::as_object).cloned(),
        ..SourceConfig::default()
    })
}

fn yaml_names(
    handle: &CatalogHandle,
    source: &SourceConfig,
    data: Option<String>,
) -> Result<Vec<(String, bool)>, ApiError> {
    let filter = NameFilter::new(
        source.included_items.as_deref().unwrap_or_default(),
        source.excluded_items.as_deref().unwrap_or_default(),
    )
    .map_err(invalid)?;
    let (text, shown) = match data {
        Some(text) => (text, std::path::PathBuf::from("catalogData")),
        None => {
            let path = source
                .properties
                .as_ref()
                .and_then(|p: &Map<String, Value>| p.get("yamlCatalogPath"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    unprocessable("catalogData or properties.yamlCatalogPath is required")
                })?;
            let path = allowed_path(handle, path)?;
            (read_data_file(&path).map_err(invalid)?, path)
        }
    };
    let doc = parse_document(&text, &shown).map_err(invalid)?;
    let entries = handle.validate(doc).map_err(invalid)?;
    Ok(entries
        .into_iter()
        .map(|(name, _)| {
            let admitted = filter.admits(&name);
            (name, admitted)
        })
        .collect())
}

/// Resolves a caller-named data file, accepting it only inside a directory that holds a
/// configured data file (PM-57).
fn allowed_path(handle: &CatalogHandle, path: &str) -> Result<std::path::PathBuf, ApiError> {
    let joined = handle.fallback_dir()?.join(path);
    let refused = || unprocessable(format!("yamlCatalogPath \"{path}\" is not readable here"));
    let real = joined.canonicalize().map_err(|_| refused())?;
    let dirs = handle.data_dirs()?;
    if real.parent().is_some_and(|p| dirs.iter().any(|d| p == d)) {
        Ok(real)
    } else {
        Err(refused())
    }
}

async fn hf_names(
    handle: &CatalogHandle,
    mut source: SourceConfig,
) -> Result<Vec<(String, bool)>, ApiError> {
    // A request `url` is ignored so a configured token never reaches a caller-chosen host.
    if let Some(props) = source.properties.as_mut() {
        props.remove("url");
    }
    let server_wide = handle.hf_base_url()?;
    let fallback = handle.fallback_dir()?;
    let ctx = LoadContext {
        source: &source,
        hf_base_url: server_wide.as_deref(),
        fallback_dir: &fallback,
    };
    crate::hf::preview(&ctx).await.map_err(invalid)
}
