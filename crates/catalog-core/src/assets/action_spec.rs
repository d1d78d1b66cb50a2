//! Declarative entity actions: a plugin lists [`ActionSpec`]s on its
//! [`PluginSpec`](crate::schema::PluginSpec); the builtins use the same mechanism. A handler is
//! a pure function from the target and its current overlay to the new overlay, so the framework
//! can run it for a dry-run, or inside the overlay's write transaction for a real run.

use serde_json::{Map, Value};

use super::overlay::Overlay;
use crate::error::ApiError;
use crate::plugin::{ActionDefinition, ActionParameter, ActionScope, ParameterType};

/// One declared parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Key in `params`.
    pub name: &'static str,
    /// Value type.
    pub param_type: ParameterType,
    /// Form label.
    pub label: &'static str,
    /// Must be present.
    pub required: bool,
    /// Help text.
    pub description: &'static str,
    /// Allowed values of a string parameter (empty: any).
    pub allowed: &'static [&'static str],
    /// Default of a string parameter.
    pub default: Option<&'static str>,
}

impl ParamSpec {
    /// A parameter with no enum and no default.
    pub const fn new(
        name: &'static str,
        param_type: ParameterType,
        label: &'static str,
        required: bool,
        description: &'static str,
    ) -> Self {
        Self {
            name,
            param_type,
            label,
            required,
            description,
            allowed: &[],
            default: None,
        }
    }
}

/// What a handler sees: the target entity and the validated parameters (defaults applied).
pub struct ActionInput<'a> {
    /// Entity name.
    pub name: &'a str,
    /// The native entity.
    pub entity: &'a Value,
    /// Validated parameters.
    pub params: &'a Map<String, Value>,
}

/// What a handler decides.
pub struct ActionEffect {
    /// The entity's overlay after the action.
    pub overlay: Overlay,
    /// Past-tense summary, e.g. `set 2 tags on x` (a dry-run prefixes `would `).
    pub summary: String,
    /// The result's `data`.
    pub data: Value,
}

/// Computes an action's effect from its input and the current overlay; an error (400, 409, …)
/// aborts the action with nothing changed.
pub type ActionHandler = fn(&ActionInput<'_>, Overlay) -> Result<ActionEffect, ApiError>;

/// A declared entity action.
#[derive(Debug, Clone, Copy)]
pub struct ActionSpec {
    /// Stable id, `[a-z][a-z0-9-]*`.
    pub id: &'static str,
    /// Label.
    pub display_name: &'static str,
    /// Help text.
    pub description: &'static str,
    /// Dry-run accepted.
    pub supports_dry_run: bool,
    /// Repeating yields the same state.
    pub idempotent: bool,
    /// Clients confirm first.
    pub destructive: bool,
    /// Inputs.
    pub parameters: &'static [ParamSpec],
    /// The effect.
    pub handler: ActionHandler,
}

impl ActionSpec {
    /// The wire definition (scope `asset`).
    pub fn definition(&self) -> ActionDefinition {
        ActionDefinition {
            id: self.id.into(),
            display_name: self.display_name.into(),
            description: self.description.into(),
            scope: ActionScope::Asset,
            supports_dry_run: self.supports_dry_run,
            idempotent: self.idempotent,
            destructive: self.destructive,
            parameters: self
                .parameters
                .iter()
                .map(|p| ActionParameter {
                    name: p.name.into(),
                    param_type: p.param_type,
                    label: p.label.into(),
                    required: p.required,
                    description: (!p.description.is_empty()).then(|| p.description.into()),
                    default_value: p.default.map(|d| Value::String(d.into())),
                    allowed: p.allowed.iter().map(|a| a.to_string()).collect(),
                })
                .collect(),
        }
    }
}
