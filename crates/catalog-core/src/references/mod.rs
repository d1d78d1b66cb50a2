//! Cross-asset references (PA §6): an entity field naming an entity of another plugin.
//!
//! A plugin declares its reference fields once with
//! [`declare_references!`](crate::declare_references); the framework extracts the links of an
//! entity ([`extract_links`]), resolves them by name against the other plugins of the same
//! server through the [`Directory`], and serves them (outgoing and incoming) at
//! `GET {base}/{plural}/{name}/references`. An unresolved link never blocks loading.

mod directory;
mod extract;

pub use directory::{
    Directory, Found, IncomingLink, ReferenceTarget, Resolution, references_condition,
    resolve_links,
};
pub use extract::{Link, extract_links};

/// One reference field of a plugin's entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceSpec {
    /// Where the name is: a dot path whose `[]` segments map over arrays, e.g.
    /// `tools[].skillRef`, `modelConfig.fallbackModelRefs[]`.
    pub path: &'static str,
    /// The declared (filterable) field holding the same names, for reverse lookups.
    pub field: &'static str,
    /// Target plugin name, e.g. `skills`.
    pub plugin: &'static str,
    /// Target kind, e.g. `Skill`.
    pub kind: &'static str,
}

impl ReferenceSpec {
    /// A reference at `path` to `kind` entities of `plugin`, also filterable as `field`.
    pub const fn new(
        path: &'static str,
        field: &'static str,
        plugin: &'static str,
        kind: &'static str,
    ) -> Self {
        Self {
            path,
            field,
            plugin,
            kind,
        }
    }
}

/// The reference fields of one plugin, registered with
/// [`declare_references!`](crate::declare_references).
pub struct PluginReferences {
    /// Holder plugin name.
    pub plugin: &'static str,
    /// Its reference fields, in link order (PA-55). Fields under the same array (`tools[]`)
    /// are interleaved per item.
    pub references: &'static [ReferenceSpec],
}

inventory::collect!(PluginReferences);

/// Declares a plugin's reference fields: `declare_references!("agents", &[ReferenceSpec::new(..)])`.
#[macro_export]
macro_rules! declare_references {
    ($plugin:expr, $references:expr) => {
        $crate::inventory::submit! {
            $crate::references::PluginReferences { plugin: $plugin, references: $references }
        }
    };
}

/// The reference fields declared for `plugin` (empty when none).
pub fn references_of(plugin: &str) -> &'static [ReferenceSpec] {
    inventory::iter::<PluginReferences>
        .into_iter()
        .find(|r| r.plugin == plugin)
        .map_or(&[], |r| r.references)
}

/// Every plugin's declared reference fields.
pub fn all_references() -> impl Iterator<Item = &'static PluginReferences> {
    inventory::iter::<PluginReferences>.into_iter()
}
