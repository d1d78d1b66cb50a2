//! Strict parsing, loading, validation and serialization of `sources.yaml`
//! (FW-46, FW-47, FW-48 for multiple files).

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_saphyr::MessageFormatter;

use crate::error::{ConfigError, ConfigErrorKind};
use crate::merge::merge;
use crate::model::{API_VERSION, CatalogSources, KIND};
use crate::node_de::from_node;
use crate::tree::{Node, find_duplicate_key, parse_tree, push_index, push_key};

/// Largest accepted document, in bytes (1 MiB). Larger documents are
/// rejected before parsing.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Upper bound on events replayed through YAML aliases. A legitimate
/// `sources.yaml` replays a handful; an alias bomb is stopped here.
const MAX_ALIAS_REPLAYED_EVENTS: usize = 100_000;

/// Upper bound on YAML nodes (after alias expansion) in one document.
const MAX_NODES: usize = 250_000;

/// A successfully parsed configuration plus non-fatal findings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// The configuration; every source's `origin` is the file it came from.
    pub config: CatalogSources,
    /// Warnings to log, e.g. an unexpected `apiVersion`. Each names its file.
    pub warnings: Vec<String>,
}

/// serde-saphyr options for strict, bounded parsing.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        // Repeated keys reach our tree, where `find_duplicate_key` reports
        // them with their full key path.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        // YAML 1.2 booleans only: `yes`/`on` stay strings and so cannot
        // silently become `enabled: true`.
        strict_booleans: true,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAYED_EVENTS,
            max_replay_stack_depth: 16,
        },
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(MAX_DOCUMENT_BYTES),
            max_nodes: MAX_NODES,
        },
    }
}

/// Parses `sources.yaml` text strictly.
///
/// `origin` names the document in errors and warnings and becomes every
/// source's [`origin`](crate::SourceConfig::origin). An empty document
/// (whitespace and comments only) yields an empty configuration.
///
/// # Errors
///
/// A [`ConfigError`] for a document over [`MAX_DOCUMENT_BYTES`], invalid YAML,
/// an exceeded alias or size limit, an unknown or duplicate key, a value of
/// the wrong type, or a missing, empty or duplicate source id.
pub fn parse_str(text: &str, origin: &Path) -> Result<Parsed, ConfigError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large(origin, text.len()));
    }
    let tree = parse_tree(text, yaml_options()).map_err(|e| yaml_error(origin, &e))?;
    let Some(tree) = tree else {
        return Ok(Parsed::default());
    };

    if let Some(dup) = find_duplicate_key(&tree, "") {
        let message = if dup.key.is_empty() {
            "a mapping key must be a scalar, not a collection".to_string()
        } else {
            format!(
                "duplicate mapping key `{}` (first defined on line {})",
                dup.key, dup.first_line
            )
        };
        return Err(ConfigError::new(ConfigErrorKind::Schema, origin, message)
            .at(dup.line, dup.column)
            .with_path(dup.path));
    }

    let mut config: CatalogSources = from_node(&tree, "").map_err(|e| {
        let err = ConfigError::new(ConfigErrorKind::Schema, origin, e.message);
        match e.location {
            Some((line, column, path)) => err.at(line, column).with_path(path),
            None => err,
        }
    })?;

    validate(&config, &tree, origin)?;

    for section in config.catalogs.values_mut() {
        for source in &mut section.sources {
            source.origin = Some(origin.to_path_buf());
        }
    }

    let mut warnings = Vec::new();
    if !config.api_version.is_empty() && config.api_version != API_VERSION {
        warnings.push(format!(
            "{}: apiVersion {:?} is not {API_VERSION:?}; continuing",
            origin.display(),
            config.api_version
        ));
    }
    if !config.kind.is_empty() && config.kind != KIND {
        warnings.push(format!(
            "{}: kind {:?} is not {KIND:?}; continuing",
            origin.display(),
            config.kind
        ));
    }
    Ok(Parsed { config, warnings })
}

/// Reads and parses one file (see [`parse_str`]).
///
/// At most [`MAX_DOCUMENT_BYTES`] + 1 bytes are read, so an oversized file is
/// rejected without loading it whole.
///
/// # Errors
///
/// A [`ConfigError`] naming `path` when the file cannot be read, is too large,
/// is not UTF-8, or fails [`parse_str`].
pub fn load_file(path: &Path) -> Result<Parsed, ConfigError> {
    let io_err = |e: std::io::Error| {
        ConfigError::new(ConfigErrorKind::Io, path, format!("cannot read file: {e}"))
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        let size = std::fs::metadata(path).map_or(bytes.len(), |m| m.len() as usize);
        return Err(too_large(path, size));
    }
    let text = decode_utf8(&bytes, path)?;
    parse_str(text, path)
}

/// Loads every file and merges them left to right (later files win, see
/// [`merge`]). No files give an empty configuration. Warnings from all files
/// are collected in order.
///
/// # Errors
///
/// The first [`load_file`] error.
pub fn load_files(paths: &[PathBuf]) -> Result<Parsed, ConfigError> {
    let mut out = Parsed::default();
    for path in paths {
        let parsed = load_file(path)?;
        out.config = merge(&out.config, &parsed.config);
        out.warnings.extend(parsed.warnings);
    }
    Ok(out)
}

/// Serializes a configuration back to YAML. `origin`s are not written; the
/// output parses back to an equal value (given the same origin).
///
/// # Errors
///
/// A [`ConfigError`] of kind [`ConfigErrorKind::Serialize`] if serialization
/// fails (it does not for values built by this crate).
pub fn to_yaml(config: &CatalogSources) -> Result<String, ConfigError> {
    serde_saphyr::to_string(config).map_err(|e| {
        ConfigError::new(
            ConfigErrorKind::Serialize,
            Path::new("<memory>"),
            format!("cannot serialize configuration: {e}"),
        )
    })
}

/// FW-47: every source has a non-empty id, unique within its section.
fn validate(config: &CatalogSources, tree: &Node, origin: &Path) -> Result<(), ConfigError> {
    for (key, section) in &config.catalogs {
        let section_path = push_key("catalogs", key);
        let sources_path = push_key(&section_path, "sources");
        let sources_node = tree
            .get("catalogs")
            .and_then(|c| c.get(key))
            .and_then(|s| s.get("sources"));
        let mut seen = HashSet::new();
        for (i, source) in section.sources.iter().enumerate() {
            let source_node = sources_node.and_then(|s| s.index(i));
            let id_node = source_node.and_then(|s| s.get("id"));
            let (line, column) = id_node
                .or(source_node)
                .map_or((0, 0), |n| (n.line, n.column));
            let path = push_index(&sources_path, i);
            let fail = |message: String| {
                Err(
                    ConfigError::new(ConfigErrorKind::Validation, origin, message)
                        .at(line, column)
                        .with_path(path.clone()),
                )
            };
            if source.id.trim().is_empty() {
                return fail(if id_node.is_some() {
                    format!("source in section {key:?} has an empty id {:?}", source.id)
                } else {
                    format!("source in section {key:?} has no id")
                });
            }
            if !seen.insert(source.id.as_str()) {
                return fail(format!(
                    "duplicate source id {:?} in section {key:?}",
                    source.id
                ));
            }
        }
    }
    Ok(())
}

fn too_large(file: &Path, size: usize) -> ConfigError {
    ConfigError::new(
        ConfigErrorKind::TooLarge,
        file,
        format!(
            "document is {size} bytes, larger than the {MAX_DOCUMENT_BYTES}-byte (1 MiB) limit"
        ),
    )
}

/// Decodes UTF-8, reporting the line and column of the first invalid byte.
fn decode_utf8<'a>(bytes: &'a [u8], file: &Path) -> Result<&'a str, ConfigError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        // Columns count characters; the valid prefix of the line is UTF-8.
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count() as u64
            + 1;
        ConfigError::new(
            ConfigErrorKind::InvalidUtf8,
            file,
            format!(
                "file is not valid UTF-8 (invalid byte 0x{:02x} at byte offset {})",
                bytes[e.valid_up_to()],
                e.valid_up_to()
            ),
        )
        .at(line, column)
    })
}

/// Converts a serde-saphyr error into a located [`ConfigError`].
fn yaml_error(file: &Path, err: &serde_saphyr::Error) -> ConfigError {
    let message = match err.without_snippet() {
        serde_saphyr::Error::MultipleDocuments { .. } => {
            "the file must contain a single YAML document, found a second one".into()
        }
        other => serde_saphyr::DefaultMessageFormatter.format_message(other),
    };
    // Keep messages on one line even if the parser quotes odd input.
    let message: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = ConfigError::new(ConfigErrorKind::Syntax, file, message);
    if let Some(loc) = err.location() {
        out = out.at(loc.line(), loc.column());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_error_position() {
        let e = decode_utf8(b"a: 1\nbc: \xff\n", Path::new("f.yaml")).unwrap_err();
        assert_eq!(e.kind, ConfigErrorKind::InvalidUtf8);
        assert_eq!((e.line, e.column), (Some(2), Some(5)));
        assert!(e.message.contains("0xff"), "{e}");
    }

    #[test]
    fn empty_document_is_empty_config() {
        let p = parse_str("", Path::new("f.yaml")).unwrap();
        assert_eq!(p, Parsed::default());
        let p = parse_str("# nothing here\n", Path::new("f.yaml")).unwrap();
        assert_eq!(p, Parsed::default());
    }
}
