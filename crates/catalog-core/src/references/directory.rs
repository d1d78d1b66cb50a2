//! The per-server directory of plugins that can be named by references, and link resolution.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::Serialize;

use super::{Link, all_references};

/// A target entity found by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Its uid.
    pub uid: String,
    /// Its source.
    #[serde(rename = "sourceId")]
    pub source_id: String,
}

/// A plugin whose entities references can name.
pub trait ReferenceTarget: Send + Sync {
    /// The entity called exactly `name`, first source in configuration order (PA-56).
    fn find(&self, name: &str) -> Option<Found>;
    /// Entities whose declared list field `field` contains `name`, as (name, sourceId).
    fn holders(&self, field: &str, name: &str) -> Vec<(String, String)>;
}

/// Plugins of one server by name. Cheap to clone; every plugin of a server shares one.
#[derive(Clone, Default)]
pub struct Directory(Arc<RwLock<HashMap<String, Arc<dyn ReferenceTarget>>>>);

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        f.debug_set().entries(map.keys()).finish()
    }
}

impl Directory {
    /// Adds (or replaces) a plugin.
    pub fn register(&self, plugin: &str, target: Arc<dyn ReferenceTarget>) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        map.insert(plugin.to_string(), target);
    }

    /// Removes a plugin (its targets then resolve as `PluginUnavailable`).
    pub fn unregister(&self, plugin: &str) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        map.remove(plugin);
    }

    /// A registered plugin.
    pub fn get(&self, plugin: &str) -> Option<Arc<dyn ReferenceTarget>> {
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        map.get(plugin).cloned()
    }

    /// Entities of every plugin that reference `name` of `plugin`, in plugin then field order.
    pub fn incoming(&self, plugin: &str, name: &str) -> Vec<IncomingLink> {
        let mut out = Vec::new();
        for holder in all_references() {
            let Some(target) = self.get(holder.plugin) else {
                continue;
            };
            let mut fields: Vec<&'static str> = Vec::new();
            for spec in holder.references.iter().filter(|r| r.plugin == plugin) {
                if !fields.contains(&spec.field) {
                    fields.push(spec.field);
                }
            }
            for field in fields {
                for (holder_name, source_id) in target.holders(field, name) {
                    out.push(IncomingLink {
                        plugin: holder.plugin,
                        field,
                        name: holder_name,
                        source_id,
                    });
                }
            }
        }
        out
    }
}

/// An entity of another (or the same) plugin naming this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncomingLink {
    /// Holder plugin.
    pub plugin: &'static str,
    /// Holder field (filter name), e.g. `guardrailRef`.
    pub field: &'static str,
    /// Holder entity name.
    pub name: String,
    /// Holder source.
    #[serde(rename = "sourceId")]
    pub source_id: String,
}

/// A link and whether it resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// The link.
    #[serde(flatten)]
    pub link: Link,
    /// Whether the target exists.
    pub resolved: bool,
    /// The target, when resolved.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub target: Option<Found>,
    /// Why not, when unresolved: `NotFound` or `PluginUnavailable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// Resolves links by exact name against the plugins of `directory` (at read time, so a target
/// loaded later resolves without reloading the holder).
pub fn resolve_links(directory: &Directory, links: Vec<Link>) -> Vec<Resolution> {
    links
        .into_iter()
        .map(|link| {
            let (target, reason) = match directory.get(link.plugin) {
                None => (None, Some("PluginUnavailable")),
                Some(t) => match t.find(&link.name) {
                    Some(found) => (Some(found), None),
                    None => (None, Some("NotFound")),
                },
            };
            Resolution {
                resolved: target.is_some(),
                link,
                target,
                reason,
            }
        })
        .collect()
}

/// The asset-projection condition of PA-58: `ReferencesResolved` is `"True"` when every link
/// resolves, else `"False"` with reason `DanglingReferences` and the `kind/name` list.
pub fn references_condition(resolutions: &[Resolution]) -> serde_json::Value {
    let dangling: Vec<String> = resolutions
        .iter()
        .filter(|r| !r.resolved)
        .map(|r| format!("{}/{}", r.link.kind, r.link.name))
        .collect();
    if dangling.is_empty() {
        serde_json::json!({"type": "ReferencesResolved", "status": "True"})
    } else {
        serde_json::json!({
            "type": "ReferencesResolved",
            "status": "False",
            "reason": "DanglingReferences",
            "message": dangling.join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct One;
    impl ReferenceTarget for One {
        fn find(&self, name: &str) -> Option<Found> {
            (name == "here").then(|| Found {
                uid: "u".into(),
                source_id: "s".into(),
            })
        }
        fn holders(&self, _: &str, _: &str) -> Vec<(String, String)> {
            Vec::new()
        }
    }

    fn link(plugin: &'static str, name: &str) -> Link {
        Link {
            field: "f".into(),
            kind: "K",
            plugin,
            name: name.into(),
        }
    }

    #[test]
    fn resolution_reasons_and_condition() {
        let dir = Directory::default();
        dir.register("p", Arc::new(One));
        let r = resolve_links(
            &dir,
            vec![link("p", "here"), link("p", "gone"), link("q", "x")],
        );
        assert!(r[0].resolved && r[0].target.as_ref().unwrap().uid == "u");
        assert_eq!(r[1].reason, Some("NotFound"));
        assert_eq!(r[2].reason, Some("PluginUnavailable"));
        let c = references_condition(&r);
        assert_eq!(c["status"], "False");
        assert_eq!(c["message"], "K/gone, K/x");
        assert_eq!(references_condition(&r[..1])["status"], "True");
    }
}
