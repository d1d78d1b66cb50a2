//! Source providers: read a source's data and hand back raw entries. Plugins never read files
//! themselves; they declare which provider types they accept.

mod name_filter;
mod path_safety;
mod yaml;

pub use name_filter::*;
pub use path_safety::confine;
pub use yaml::*;

/// Why a source could not be loaded (recorded on the source, never fatal for the plugin).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);
