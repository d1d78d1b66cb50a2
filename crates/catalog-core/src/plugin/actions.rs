//! Action wire types (UA §2.4, §7.2, §7.4), shared by entity and source actions.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Scope of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionScope {
    /// Acts on an entity.
    Asset,
    /// Acts on a source.
    Source,
}

impl ActionScope {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asset => "asset",
            Self::Source => "source",
        }
    }
}

/// Type of an action parameter (UA-15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParameterType {
    /// A string.
    String,
    /// true/false.
    Boolean,
    /// A number.
    Number,
    /// A list of non-empty strings.
    Tags,
    /// A map of string (or `null`, meaning delete) values.
    KeyValue,
}

/// One input of an action (UA-15).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionParameter {
    /// Key in `params`.
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub param_type: ParameterType,
    /// Form label.
    pub label: String,
    /// Must be present.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub required: bool,
    /// Help text.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Value used when absent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub default_value: Option<Value>,
    /// Allowed values of a `string` parameter (empty: any).
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty", default)]
    pub allowed: Vec<String>,
}

/// An action definition (UA §2.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionDefinition {
    /// Stable id, `[a-z][a-z0-9-]*`.
    pub id: String,
    /// Label.
    pub display_name: String,
    /// Help text.
    pub description: String,
    /// Scope.
    pub scope: ActionScope,
    /// Dry-run accepted.
    pub supports_dry_run: bool,
    /// Repeating yields the same state.
    pub idempotent: bool,
    /// Clients confirm first.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub destructive: bool,
    /// Input description.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub parameters: Vec<ActionParameter>,
}

/// An action invocation body (UA §7.2). Unknown fields are ignored; `actionId` is accepted
/// for `action`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRequest {
    /// Action id.
    #[serde(default, alias = "actionId")]
    pub action: String,
    /// Report without changing anything.
    #[serde(default)]
    pub dry_run: bool,
    /// Parameters.
    #[serde(default)]
    pub params: Map<String, Value>,
    /// Kind of the target, when a name is ambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The result of an action (UA §7.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResult {
    /// Action id.
    pub action: String,
    /// `completed`, `dry-run` or `accepted`.
    pub status: String,
    /// Human text; clients must not parse it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Action-specific data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}
