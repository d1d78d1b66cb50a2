//! The declarative plugin's entry validation, for the `validate` entity action (PA-46).

use serde_json::Value;

use super::DeclarativePlugin;
use crate::validation::{Finding, validate_entry};

impl DeclarativePlugin {
    /// Findings for the entity `name` (of `source`, else the first match); `None` when the
    /// plugin is not initialised or no entity has that name. Never changes state.
    pub fn validate(&self, name: &str, source: Option<&str>) -> Option<Vec<Finding>> {
        let rt = self.shared.runtime.load_full()?;
        let entity = rt.snapshot.load().get(name, source).cloned()?;
        let doc: Value = serde_json::from_str(entity.json.get()).ok()?;
        Some(validate_entry(self.spec(), &rt.config.directory, &doc))
    }
}
