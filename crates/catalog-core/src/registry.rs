//! Plugin registry (FW §3): link-time registration through `inventory`, injectable for tests.

use std::sync::Arc;

use crate::plugin::{CatalogPlugin, is_valid_plugin_name};

/// A plugin submitted from its own crate with [`register_plugin!`](crate::register_plugin).
pub struct PluginRegistration {
    /// The module that registered it (named in duplicate errors).
    pub origin: &'static str,
    /// Builds the plugin instance.
    pub factory: fn() -> Arc<dyn CatalogPlugin>,
}

inventory::collect!(PluginRegistration);

/// Registers a plugin from its crate: `register_plugin!(|| Arc::new(MyPlugin::new()))`.
#[macro_export]
macro_rules! register_plugin {
    ($factory:expr) => {
        $crate::inventory::submit! {
            $crate::registry::PluginRegistration { origin: module_path!(), factory: $factory }
        }
    };
}

/// Why the set of plugins cannot be composed (a startup error, FW-13).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    /// Two plugins share a name.
    #[error("duplicate plugin name \"{name}\": registered by {first} and by {second}")]
    Duplicate {
        /// The shared name.
        name: String,
        /// Where the first came from.
        first: String,
        /// Where the second came from.
        second: String,
    },
    /// A name does not match `^[a-z][a-z0-9-]{0,62}$`.
    #[error(
        "invalid plugin name \"{name}\" (registered by {origin}): must match ^[a-z][a-z0-9-]{{0,62}}$"
    )]
    InvalidName {
        /// The name.
        name: String,
        /// Where it came from.
        origin: String,
    },
    /// `CATALOG_ENABLED_PLUGINS` names a plugin that is not compiled in.
    #[error("CATALOG_ENABLED_PLUGINS names unknown plugin \"{0}\"")]
    UnknownEnabled(String),
}

/// The plugins of one server, in registry order (ascending by name, FW-14).
#[derive(Clone, Default)]
pub struct Registry {
    plugins: Vec<Arc<dyn CatalogPlugin>>,
}

impl Registry {
    /// Every plugin linked into this binary.
    pub fn from_inventory() -> Result<Self, RegistryError> {
        Self::new(
            inventory::iter::<PluginRegistration>
                .into_iter()
                .map(|r| (r.origin.to_string(), (r.factory)()))
                .collect(),
        )
    }

    /// A registry of the given `(origin, plugin)` pairs; rejects invalid and duplicate names.
    pub fn new(entries: Vec<(String, Arc<dyn CatalogPlugin>)>) -> Result<Self, RegistryError> {
        let mut entries = entries;
        entries.sort_by(|a, b| a.1.name().cmp(b.1.name()).then_with(|| a.0.cmp(&b.0)));
        for (origin, plugin) in &entries {
            if !is_valid_plugin_name(plugin.name()) {
                return Err(RegistryError::InvalidName {
                    name: plugin.name().to_string(),
                    origin: origin.clone(),
                });
            }
        }
        if let Some(pair) = entries.windows(2).find(|w| w[0].1.name() == w[1].1.name()) {
            return Err(RegistryError::Duplicate {
                name: pair[0].1.name().to_string(),
                first: pair[0].0.clone(),
                second: pair[1].0.clone(),
            });
        }
        Ok(Self {
            plugins: entries.into_iter().map(|(_, p)| p).collect(),
        })
    }

    /// Keeps only the named plugins (`CATALOG_ENABLED_PLUGINS`); unknown names are an error.
    pub fn retain_only(&mut self, names: &[String]) -> Result<(), RegistryError> {
        if let Some(unknown) = names.iter().find(|n| self.get(n).is_none()) {
            return Err(RegistryError::UnknownEnabled(unknown.clone()));
        }
        self.plugins.retain(|p| names.iter().any(|n| n == p.name()));
        Ok(())
    }

    /// All plugins in registry order.
    pub fn all(&self) -> &[Arc<dyn CatalogPlugin>] {
        &self.plugins
    }

    /// The plugin with this name.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn CatalogPlugin>> {
        self.plugins.iter().find(|p| p.name() == name)
    }

    /// Names in registry order.
    pub fn names(&self) -> Vec<String> {
        self.plugins.iter().map(|p| p.name().to_string()).collect()
    }

    /// Number of plugins.
    pub fn count(&self) -> usize {
        self.plugins.len()
    }
}
