//! `POST /apply-source` (SM-20, SM-22, SM-24): validate, write inline content, commit, and
//! optionally refresh.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::commit::FileUndo;
use super::refresh::scrubbed;
use super::refresh_record::record;
use super::response::{unprocessable, with_extra};
use super::routes::{Ctx, decode, decode_input, if_match, info_of};
use super::validate::run as validate;
use crate::error::{ApiError, FieldProblem};
use crate::provider::confine;

/// Writes inline `content` to the source's `yamlCatalogPath` inside the allowed roots (SM-24).
fn write_content(
    ctx: &Ctx,
    source: &catalog_config::SourceConfig,
    content: &str,
) -> Result<FileUndo, ApiError> {
    let bad = |message: String| {
        unprocessable(
            &message,
            vec![FieldProblem {
                field: "properties.yamlCatalogPath".into(),
                message: message.clone(),
                layer: Some("provider".into()),
            }],
        )
    };
    let value = source
        .properties
        .as_ref()
        .and_then(|p| p.get("yamlCatalogPath"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("inline content needs a yamlCatalogPath".into()))?;
    let path = catalog_config::resolve_path(source, value, ctx.manager().fallback_dir());
    let real = confine(value, &path, ctx.manager().allowed_roots()).map_err(|e| bad(e.0))?;
    let previous = std::fs::read(&real).ok();
    if let Some(dir) = real.parent() {
        std::fs::create_dir_all(dir).map_err(ApiError::internal)?;
    }
    super::atomic_write(&real, content.as_bytes(), Some(0o600)).map_err(ApiError::internal)?;
    Ok(FileUndo {
        path: real,
        previous,
    })
}

/// `POST /apply-source`.
pub(super) async fn apply_source(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let raw = decode(&body, "invalid request body")?;
    let input = decode_input(&raw)?;
    let result = validate(&raw, &input, None, ctx.sources()?, ctx.manager());
    if !result.valid {
        let error = unprocessable("source validation failed", result.details());
        return Ok(with_extra(
            error,
            serde_json::to_value(&result).unwrap_or_default(),
        ));
    }
    let origin = ctx.manager().new_source_origin();
    let key = ctx.key.clone();
    let content = input.content().map(str::to_string);
    let wrote_content = content.is_some();
    ctx.manager()
        .commit(&ctx.app, if_match(&headers)?.as_deref(), |doc| {
            let section = doc.catalogs.entry(key).or_default();
            let mut source = input.to_config(origin);
            let existing = section.sources.iter().position(|s| s.id == input.id);
            if let Some(i) = existing {
                let old = &section.sources[i];
                source.enabled = source.enabled.or(old.enabled);
                source.included_items = source.included_items.or(old.included_items.clone());
                source.excluded_items = source.excluded_items.or(old.excluded_items.clone());
                source.origin.clone_from(&old.origin);
                keep_redacted(&mut source, old);
            }
            let undo = match &content {
                Some(text) => vec![write_content(&ctx, &source, text)?],
                None => Vec::new(),
            };
            match existing {
                Some(i) => section.sources[i] = source,
                None => section.sources.push(source),
            }
            Ok(undo)
        })
        .await?;
    let mut info = info_of(&ctx, &input.id)
        .await
        .unwrap_or_else(|_| json!({"id": input.id, "name": input.name, "type": input.source_type}));
    if (input.refresh_after_apply || wrote_content)
        && let Some(refresh) = ctx.plugin.refresh_provider()
        && ctx.source(&input.id)?.is_enabled()
    {
        let result = refresh.refresh(&input.id).await.map(|r| scrubbed(&ctx, r));
        let outcome = result.as_ref().map_err(|e| ctx.manager().scrub(&e.message));
        record(
            &ctx.app.db,
            ctx.plugin.name(),
            Some(&input.id),
            outcome.as_ref().copied().map_err(String::as_str),
        )
        .await;
        if input.refresh_after_apply {
            info["refreshResult"] = serde_json::to_value(result?).unwrap_or_default();
        }
        if let Ok(fresh) = info_of(&ctx, &input.id).await {
            info["status"] = fresh["status"].clone();
        }
    }
    Ok(Json(info).into_response())
}

/// A property sent as exactly `***REDACTED***` keeps its stored value (SM-58c).
fn keep_redacted(source: &mut catalog_config::SourceConfig, old: &catalog_config::SourceConfig) {
    let (Some(new), Some(old)) = (source.properties.as_mut(), old.properties.as_ref()) else {
        return;
    };
    for (k, v) in new.iter_mut() {
        if v.as_str() == Some(catalog_config::REDACTED)
            && let Some(stored) = old.get(k)
        {
            *v = stored.clone();
        }
    }
}
