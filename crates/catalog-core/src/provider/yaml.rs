//! The `yaml` provider: reads a data file (YAML or JSON), or every file matching a glob, with
//! size and structure limits (PA-65, PA-66).

use std::io::Read;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde_json::{Map, Value};
use serde_saphyr::options::DuplicateKeyPolicy;
use serde_saphyr::{Budget, Options};

use super::{
    DataFile, FetchRequest, Fetched, FieldProblem, PathGlob, SourceError, SourceProvider,
    string_property,
};

/// The `yaml` source type: `yamlCatalogPath` (or `path`) names a file or a glob.
#[derive(Debug, Clone, Copy, Default)]
pub struct YamlProvider;

#[async_trait]
impl SourceProvider for YamlProvider {
    fn source_type(&self) -> &'static str {
        "yaml"
    }

    fn validate(&self, properties: Option<&Map<String, Value>>) -> Vec<FieldProblem> {
        match yaml_path(properties) {
            None => vec![FieldProblem::property(
                "yamlCatalogPath",
                "yamlCatalogPath (or path) is required for type yaml",
            )],
            Some(p) if PathGlob::is_pattern(p) => PathGlob::new(p, "yamlCatalogPath")
                .err()
                .into_iter()
                .collect(),
            Some(_) => Vec::new(),
        }
    }

    async fn fetch(&self, request: FetchRequest<'_>) -> Result<Fetched, SourceError> {
        let value = yaml_path(request.source.properties.as_ref()).ok_or_else(|| {
            SourceError("property yamlCatalogPath is required for type yaml".into())
        })?;
        let path = catalog_config::resolve_path(request.source, value, request.fallback_dir);
        let files = tokio::task::spawn_blocking(move || read_path_or_glob(&path))
            .await
            .map_err(|e| SourceError(format!("reading crashed: {e}")))??;
        Ok(Fetched {
            files,
            unchanged: false,
            warn_missing_key: true,
            memo: request.memo.clone(),
        })
    }
}

/// `yamlCatalogPath`, falling back to `path`.
fn yaml_path(properties: Option<&Map<String, Value>>) -> Option<&str> {
    string_property(properties, "yamlCatalogPath").or_else(|| string_property(properties, "path"))
}

/// Reads one file, or every file matching a glob in its final components, in lexical order.
fn read_path_or_glob(path: &Path) -> Result<Vec<DataFile>, SourceError> {
    let text = path.to_string_lossy();
    if !PathGlob::is_pattern(&text) {
        return Ok(vec![DataFile {
            text: read_data_file(path)?,
            origin: path.to_path_buf(),
        }]);
    }
    // The directory part before the first component with a metacharacter is walked.
    let mut root = PathBuf::new();
    let mut pattern = Vec::new();
    for c in path.components() {
        let s = c.as_os_str().to_string_lossy();
        if pattern.is_empty() && !PathGlob::is_pattern(&s) {
            root.push(c);
        } else {
            pattern.push(s.into_owned());
        }
    }
    let glob =
        PathGlob::new(&pattern.join("/"), "yamlCatalogPath").map_err(|p| SourceError(p.message))?;
    let mut matches = Vec::new();
    walk(&root, "", &glob, &mut matches)
        .map_err(|e| SourceError(format!("{}: cannot list: {e}", root.display())))?;
    if matches.is_empty() {
        return Err(SourceError(format!("{}: no file matches", path.display())));
    }
    matches.sort();
    matches
        .into_iter()
        .map(|(_, p)| {
            Ok(DataFile {
                text: read_data_file(&p)?,
                origin: p,
            })
        })
        .collect()
}

/// Collects regular files under `dir` whose relative path matches, never following symlinks.
fn walk(
    dir: &Path,
    prefix: &str,
    glob: &PathGlob,
    out: &mut Vec<(String, PathBuf)>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if kind.is_dir() {
            walk(&entry.path(), &rel, glob, out)?;
        } else if kind.is_file() && glob.matches(&rel) {
            out.push((rel, entry.path()));
        }
    }
    Ok(())
}

/// Largest data file accepted.
pub const MAX_DATA_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Reads a data file, rejecting oversized and non-UTF-8 content with a message naming the file.
pub fn read_data_file(path: &Path) -> Result<String, SourceError> {
    let shown = path.display();
    let file =
        std::fs::File::open(path).map_err(|e| SourceError(format!("{shown}: cannot open: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_DATA_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SourceError(format!("{shown}: cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_DATA_FILE_BYTES {
        return Err(SourceError(format!(
            "{shown}: file is larger than the {} MiB limit",
            MAX_DATA_FILE_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        SourceError(format!(
            "{shown}: not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Parses a YAML/JSON document into JSON values: duplicate keys rejected, aliases bounded.
pub fn parse_document(text: &str, file: &Path) -> Result<Value, SourceError> {
    let mut budget = Budget::default();
    budget.max_events = 40_000_000;
    budget.max_nodes = 20_000_000;
    budget.max_total_scalar_bytes = MAX_DATA_FILE_BYTES as usize;
    budget.max_documents = 1;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    // YAML 1.2 booleans only: `y`, `yes`, `on` stay strings.
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options::<Value>(text, options)
        .map_err(|e| SourceError(format!("{}: {}", file.display(), one_line(&e.to_string()))))
}

/// Collapses a multi-line parser message into one line.
fn one_line(message: &str) -> String {
    message
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yaml_keeping_integer_types() {
        let v = parse_document(
            "a: 30000000000\nb: 1.5\nc: [x, y]\nd: yes\ne: true\n",
            Path::new("f.yaml"),
        )
        .unwrap();
        assert!(v["a"].is_i64() || v["a"].is_u64());
        assert_eq!(v["a"].as_i64(), Some(30_000_000_000));
        assert_eq!(v["b"].as_f64(), Some(1.5));
        assert_eq!(v["c"][1], "y");
        assert_eq!(v["d"], "yes", "YAML 1.1 booleans stay strings");
        assert_eq!(v["e"], true);
    }

    #[test]
    fn rejects_duplicate_keys_and_names_the_file() {
        let err = parse_document("a: 1\na: 2\n", Path::new("dup.yaml")).unwrap_err();
        assert!(err.0.starts_with("dup.yaml: "), "{err}");
    }

    #[test]
    fn alias_bomb_is_stopped_by_the_parse_budget() {
        let mut doc = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            doc.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        let err = parse_document(&doc, Path::new("bomb.yaml")).unwrap_err();
        assert!(err.0.starts_with("bomb.yaml: "), "{}", err.0);
        assert!(err.0.to_lowercase().contains("budget"), "{}", err.0);
    }

    #[test]
    fn globs_load_matches_in_lexical_order_without_following_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (rel, text) in [
            ("d/b.yaml", "b"),
            ("d/a.yaml", "a"),
            ("d/s/c.yaml", "c"),
            ("d/x.json", "x"),
        ] {
            std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            std::fs::write(root.join(rel), text).unwrap();
        }
        std::os::unix::fs::symlink(root.join("d/a.yaml"), root.join("d/link.yaml")).unwrap();
        let texts = |pattern: &str| -> Vec<String> {
            read_path_or_glob(&root.join(pattern))
                .unwrap()
                .into_iter()
                .map(|f| f.text)
                .collect()
        };
        assert_eq!(texts("d/*.yaml"), ["a", "b"]);
        assert_eq!(texts("d/**/*.yaml"), ["a", "b", "c"]);
        let err = read_path_or_glob(&root.join("d/*.yml")).unwrap_err();
        assert!(err.0.contains("no file matches"), "{err}");
        let missing = read_path_or_glob(&root.join("d/none.yaml")).unwrap_err();
        assert!(missing.0.contains("cannot open"), "{missing}");
    }

    #[test]
    fn oversized_and_non_utf8_files_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_DATA_FILE_BYTES + 1).unwrap();
        assert!(read_data_file(&big).unwrap_err().0.contains("larger than"));
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, b"name: \xff\xfe\n").unwrap();
        assert!(read_data_file(&bad).unwrap_err().0.contains("UTF-8"));
    }
}
