//! The `yaml` provider: reads a data file (YAML or JSON) with size and structure limits.

use std::io::Read;
use std::path::Path;

use serde_json::Value;
use serde_saphyr::options::DuplicateKeyPolicy;
use serde_saphyr::{Budget, Options};

use super::SourceError;

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
