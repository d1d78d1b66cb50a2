//! Links the plugins chosen by Cargo features; linking a plugin crate is what registers it.

#[cfg(feature = "agents")]
use catalog_plugin_agents as _;
#[cfg(feature = "guardrails")]
use catalog_plugin_guardrails as _;
#[cfg(feature = "knowledge")]
use catalog_plugin_knowledge as _;
#[cfg(feature = "mcp")]
use catalog_plugin_mcp as _;
#[cfg(feature = "model")]
use catalog_plugin_model as _;
#[cfg(feature = "policies")]
use catalog_plugin_policies as _;
#[cfg(feature = "prompts")]
use catalog_plugin_prompts as _;
#[cfg(feature = "skills")]
use catalog_plugin_skills as _;

/// The registry of every plugin compiled into this build.
pub fn registry() -> Result<catalog_core::registry::Registry, catalog_core::registry::RegistryError>
{
    catalog_core::registry::Registry::from_inventory()
}
