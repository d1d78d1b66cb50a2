//! The universal asset framework (UA §5–§7): the `AssetResource` envelope and its endpoints,
//! user overlays merged into every read, and the entity action framework.

mod action_request;
mod action_routes;
mod action_spec;
mod assembled_capabilities;
mod builtin_actions;
mod envelope;
mod overlay;
mod overlay_store;
mod overlays;
mod routes;

pub use action_request::{check_action_request, check_params, parse_action_request};
pub use action_routes::{action_routes, action_target, run_entity_action};
pub use action_spec::{ActionEffect, ActionHandler, ActionInput, ActionSpec, ParamSpec};
pub use assembled_capabilities::assembled_capabilities;
pub use builtin_actions::BUILTIN_ACTIONS;
pub use envelope::{API_VERSION, ASSET_SPEC, SourceRef, asset_entity, asset_resource};
pub use overlay::{LIFECYCLES, Overlay};
pub use overlay_store::{OverlayKey, overlay_migration};
pub use overlays::Overlays;
pub use routes::asset_routes;
