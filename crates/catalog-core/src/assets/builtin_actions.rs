//! The builtin entity actions every declarative plugin offers (UA §7.6): `tag`, `untag`,
//! `annotate`, `label` and `deprecate`. Each only rewrites the entity's overlay.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::action_spec::{ActionEffect, ActionInput, ActionSpec, ParamSpec};
use super::overlay::{LIFECYCLES, MAX_MAP_KEYS, Overlay};
use crate::error::ApiError;
use crate::plugin::ParameterType;

/// The builtins, in the order they are advertised.
pub const BUILTIN_ACTIONS: &[ActionSpec] = &[TAG, UNTAG, ANNOTATE, LABEL, DEPRECATE];

const TAGS: ParamSpec = ParamSpec::new("tags", ParameterType::Tags, "Tags", true, "");

const TAG: ActionSpec = ActionSpec {
    id: "tag",
    display_name: "Tag",
    description: "Replace the user tags (an empty list clears them)",
    supports_dry_run: true,
    idempotent: true,
    destructive: false,
    parameters: &[TAGS],
    handler: tag,
};

const UNTAG: ActionSpec = ActionSpec {
    id: "untag",
    display_name: "Untag",
    description: "Remove the given user tags",
    supports_dry_run: true,
    idempotent: true,
    destructive: false,
    parameters: &[TAGS],
    handler: untag,
};

const ANNOTATE: ActionSpec = ActionSpec {
    id: "annotate",
    display_name: "Annotate",
    description: "Merge annotations into the user annotations (null deletes a key)",
    supports_dry_run: true,
    idempotent: true,
    destructive: false,
    parameters: &[ParamSpec::new(
        "annotations",
        ParameterType::KeyValue,
        "Annotations",
        true,
        "",
    )],
    handler: annotate,
};

const LABEL: ActionSpec = ActionSpec {
    id: "label",
    display_name: "Label",
    description: "Merge labels into the user labels (null deletes a key)",
    supports_dry_run: true,
    idempotent: true,
    destructive: false,
    parameters: &[ParamSpec::new(
        "labels",
        ParameterType::KeyValue,
        "Labels",
        true,
        "",
    )],
    handler: label,
};

const DEPRECATE: ActionSpec = ActionSpec {
    id: "deprecate",
    display_name: "Deprecate",
    description: "Set the lifecycle phase (active reinstates)",
    supports_dry_run: true,
    idempotent: true,
    destructive: false,
    parameters: &[ParamSpec {
        allowed: LIFECYCLES,
        default: Some("deprecated"),
        ..ParamSpec::new("phase", ParameterType::String, "Phase", false, "")
    }],
    handler: deprecate,
};

/// The validated `tags` parameter, deduplicated in order.
fn tags_param(params: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in params
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(t) = t.as_str()
            && !out.iter().any(|o| o == t)
        {
            out.push(t.to_string());
        }
    }
    out
}

fn tag(input: &ActionInput<'_>, mut overlay: Overlay) -> Result<ActionEffect, ApiError> {
    overlay.tags = tags_param(input.params);
    Ok(ActionEffect {
        summary: format!("set {} tags on {}", overlay.tags.len(), input.name),
        data: json!({"tags": overlay.tags}),
        overlay,
    })
}

fn untag(input: &ActionInput<'_>, mut overlay: Overlay) -> Result<ActionEffect, ApiError> {
    let remove = tags_param(input.params);
    let before = overlay.tags.len();
    overlay.tags.retain(|t| !remove.contains(t));
    Ok(ActionEffect {
        summary: format!(
            "removed {} tags from {}",
            before - overlay.tags.len(),
            input.name
        ),
        data: json!({"tags": overlay.tags}),
        overlay,
    })
}

/// Merges a validated key-value parameter into `target`; `null` deletes.
fn merge(
    param: &str,
    params: &Map<String, Value>,
    target: &mut BTreeMap<String, String>,
) -> Result<(), ApiError> {
    for (k, v) in params
        .get(param)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        match v.as_str() {
            Some(s) => {
                target.insert(k.clone(), s.to_string());
            }
            None => {
                target.remove(k);
            }
        }
    }
    if target.len() > MAX_MAP_KEYS {
        return Err(ApiError::bad_field(
            &format!("params.{param}"),
            format!("the result would hold more than {MAX_MAP_KEYS} keys"),
        ));
    }
    Ok(())
}

fn annotate(input: &ActionInput<'_>, mut overlay: Overlay) -> Result<ActionEffect, ApiError> {
    merge("annotations", input.params, &mut overlay.annotations)?;
    Ok(ActionEffect {
        summary: format!(
            "set {} annotations on {}",
            overlay.annotations.len(),
            input.name
        ),
        data: json!({"annotations": overlay.annotations}),
        overlay,
    })
}

fn label(input: &ActionInput<'_>, mut overlay: Overlay) -> Result<ActionEffect, ApiError> {
    merge("labels", input.params, &mut overlay.labels)?;
    Ok(ActionEffect {
        summary: format!("set {} labels on {}", overlay.labels.len(), input.name),
        data: json!({"labels": overlay.labels}),
        overlay,
    })
}

fn deprecate(input: &ActionInput<'_>, mut overlay: Overlay) -> Result<ActionEffect, ApiError> {
    let phase = input
        .params
        .get("phase")
        .and_then(Value::as_str)
        .unwrap_or("deprecated");
    overlay.lifecycle = Some(phase.to_string());
    Ok(ActionEffect {
        summary: format!("set lifecycle {phase} on {}", input.name),
        data: json!({"lifecycle": phase}),
        overlay,
    })
}
