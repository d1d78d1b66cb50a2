//! One audit event and its JSON shape (EN-44).

use serde::Serialize;
use serde_json::Value;

/// How a request ended (EN-41).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Success,
    /// 401 or 403.
    Denied,
    /// Anything else.
    Failure,
}

impl Outcome {
    /// The outcome of a status code.
    pub fn of(status: u16) -> Self {
        match status {
            200..=299 => Self::Success,
            401 | 403 => Self::Denied,
            _ => Self::Failure,
        }
    }

    /// Its wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
            Self::Failure => "failure",
        }
    }
}

/// A stored event; optional fields are omitted from JSON when empty.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Random UUID.
    pub id: String,
    /// Tenant namespace.
    pub namespace: String,
    /// Tenant user.
    pub actor: String,
    /// `management` for request events.
    pub event_type: String,
    /// Request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// `X-Correlation-ID`, else the request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Plugin or API area.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// Resource type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Target ids (JSON array text in the database).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_json")]
    pub resource_ids: Option<String>,
    /// Action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Same as `action`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_verb: Option<String>,
    /// `success`, `denied` or `failure`.
    pub outcome: String,
    /// HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
    /// Redacted response message of failures and denials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Domain events: asset uid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_uid: Option<String>,
    /// Domain events: version id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Domain events: redacted previous value (JSON text).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_json")]
    pub old_value: Option<String>,
    /// Domain events: redacted new value (JSON text).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_json")]
    pub new_value: Option<String>,
    /// Request metadata (JSON text).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_json")]
    pub metadata: Option<String>,
    /// Request start, epoch milliseconds (RFC 3339 on the wire).
    #[serde(serialize_with = "as_rfc3339")]
    pub created_at: i64,
}

fn as_json<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    let parsed = v
        .as_deref()
        .map(|t| serde_json::from_str::<Value>(t).unwrap_or_else(|_| Value::String(t.into())));
    parsed.serialize(s)
}

fn as_rfc3339<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::rfc3339_ms(*ms))
}
