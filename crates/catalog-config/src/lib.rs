//! The `sources.yaml` model (spec 01 §7): strict parsing with
//! `file:line:column: key.path: message` errors, validation, layered merge
//! of several files, path resolution against each source's origin, secret
//! references and redaction.
//!
//! ```
//! use std::path::Path;
//!
//! let text = "catalogs:\n  models:\n    sources:\n      - {id: a, name: A, type: yaml}\n";
//! let parsed = catalog_config::parse_str(text, Path::new("sources.yaml")).unwrap();
//! let source = &parsed.config.catalogs["models"].sources[0];
//! assert!(source.is_enabled());
//!
//! let err = catalog_config::parse_str("kinde: x\n", Path::new("sources.yaml")).unwrap_err();
//! assert!(err.to_string().starts_with("sources.yaml:1:1: unknown field `kinde`"));
//! ```

#![warn(missing_docs)]

mod error;
mod merge;
mod model;
mod node_de;
mod parse;
mod paths;
mod redact;
mod tree;

pub use error::{ConfigError, ConfigErrorKind};
pub use merge::{merge, merge_section, merge_source};
pub use model::{API_VERSION, CatalogSources, KIND, NamedQueryCondition, Section, SourceConfig};
pub use parse::{MAX_DOCUMENT_BYTES, Parsed, load_file, load_files, parse_str, to_yaml};
pub use paths::resolve_path;
pub use redact::{REDACTED, SecretRef, is_sensitive_key, redact_properties, secret_ref};
