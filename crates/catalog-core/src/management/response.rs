//! Error bodies of the management plane: the common envelope (C-1), optionally extended with
//! fields such as a validation result (SM-20) or the current config version.

use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorCode, FieldProblem};

/// 400 whose message is exactly `message` (spec wording), with the field in `details`.
pub(crate) fn bad_request_at(field: &str, message: impl Into<String>) -> ApiError {
    let message = message.into();
    ApiError {
        code: ErrorCode::BadRequest,
        message: message.clone(),
        details: vec![FieldProblem {
            field: field.into(),
            message,
            layer: None,
        }],
    }
}

/// 422 with field problems.
pub(crate) fn unprocessable(message: &str, details: Vec<FieldProblem>) -> ApiError {
    ApiError {
        code: ErrorCode::UnprocessableEntity,
        message: message.to_string(),
        details,
    }
}

/// The envelope of `error` with the members of `extra` added.
pub(crate) fn with_extra(error: ApiError, extra: Value) -> Response {
    let status = error.code.status();
    let mut body: Map<String, Value> = Map::new();
    body.insert(
        "error".into(),
        serde_json::to_value(error.code).unwrap_or(Value::Null),
    );
    body.insert("message".into(), error.message.into());
    body.insert(
        "requestId".into(),
        crate::error::current_request_id()
            .unwrap_or_default()
            .into(),
    );
    if !error.details.is_empty() {
        body.insert(
            "details".into(),
            serde_json::to_value(&error.details).unwrap_or(Value::Null),
        );
    }
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            body.entry(k).or_insert(v);
        }
    }
    (status, axum::Json(Value::Object(body))).into_response()
}
