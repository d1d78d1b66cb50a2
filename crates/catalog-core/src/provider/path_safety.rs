//! Confinement of source file paths to allowed roots.
//!
//! The path is resolved through `..` and symlinks (for a file that does not exist yet, through its
//! nearest existing ancestor) and must then lie inside one of the roots, so `..` that climbs out,
//! a symlink pointing out and an absolute path elsewhere are all rejected.

use std::path::{Path, PathBuf};

use super::SourceError;

/// Checks the property `value` (as written in the config) and its resolved `path` against
/// `roots`, returning the path with symlinks resolved. No roots means no confinement.
pub fn confine(value: &str, path: &Path, roots: &[PathBuf]) -> Result<PathBuf, SourceError> {
    if roots.is_empty() {
        return Ok(path.to_path_buf());
    }
    let real = real_path(path)
        .map_err(|e| SourceError(format!("path \"{value}\" cannot be resolved: {e}")))?;
    let inside = roots
        .iter()
        .any(|root| std::fs::canonicalize(root).is_ok_and(|root| real.starts_with(root)));
    if inside {
        Ok(real)
    } else {
        Err(SourceError(format!(
            "path \"{value}\" is outside the allowed roots (see --allowed-roots)"
        )))
    }
}

/// `path` with symlinks resolved; a missing tail is appended to its nearest existing ancestor.
fn real_path(path: &Path) -> std::io::Result<PathBuf> {
    let mut missing = Vec::new();
    let mut cursor = path.to_path_buf();
    loop {
        match std::fs::canonicalize(&cursor) {
            Ok(real) => {
                return Ok(missing.iter().rev().fold(real, |acc, part| acc.join(part)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let name = cursor.file_name().map(|n| n.to_os_string());
                match (name, cursor.parent()) {
                    (Some(name), Some(parent)) if !parent.as_os_str().is_empty() => {
                        missing.push(name);
                        cursor = parent.to_path_buf();
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_outside_dotdot_and_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("a.yaml"), "x").unwrap();
        std::fs::write(dir.path().join("outside.yaml"), "x").unwrap();
        let roots = vec![root.clone()];
        assert!(confine("a.yaml", &root.join("a.yaml"), &roots).is_ok());
        assert!(confine("new/b.yaml", &root.join("new/b.yaml"), &roots).is_ok());
        let abs = dir.path().join("outside.yaml");
        let err = confine(abs.to_str().unwrap(), &abs, &roots).unwrap_err();
        assert!(err.0.contains("outside the allowed roots"), "{err}");
        let err = confine("../outside.yaml", &root.join("../outside.yaml"), &roots).unwrap_err();
        assert!(err.0.contains("outside the allowed roots"), "{err}");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        assert!(confine("sub/../a.yaml", &root.join("sub/../a.yaml"), &roots).is_ok());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&abs, root.join("link.yaml")).unwrap();
            assert!(confine("link.yaml", &root.join("link.yaml"), &roots).is_err());
        }
        assert!(confine("x", &abs, &[]).is_ok(), "no roots: unconfined");
    }
}
