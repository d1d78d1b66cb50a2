//! Resolution of path-valued source properties (FW-51).

use std::path::{Component, Path, PathBuf};

use crate::model::SourceConfig;

/// Resolves a path-valued property of `source` (e.g. `yamlCatalogPath`).
///
/// - An absolute `value` is used as given.
/// - A relative `value` resolves against the directory of `source.origin`,
///   the file that defined the source or last supplied its properties.
/// - When the source has no origin (it came from a ConfigMap or the API),
///   it resolves against `fallback_dir`, normally the directory of the first
///   `--sources` file.
///
/// `.` components are dropped; `..` components are kept, since removing them
/// lexically could change the meaning under symlinks. This function does not
/// touch the file system and does not confine the result to any directory.
pub fn resolve_path(source: &SourceConfig, value: &str, fallback_dir: &Path) -> PathBuf {
    let value = Path::new(value);
    if value.is_absolute() {
        return value.to_path_buf();
    }
    let base = source.origin.as_deref().map_or(fallback_dir, |origin| {
        origin.parent().unwrap_or(Path::new(""))
    });
    base.join(value)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(origin: Option<&str>) -> SourceConfig {
        SourceConfig {
            id: "s".into(),
            origin: origin.map(PathBuf::from),
            ..SourceConfig::default()
        }
    }

    #[test]
    fn relative_to_origin_directory() {
        let s = source(Some("/etc/catalog/sources.yaml"));
        assert_eq!(
            resolve_path(&s, "./data/models.yaml", Path::new("/fallback")),
            PathBuf::from("/etc/catalog/data/models.yaml")
        );
        assert_eq!(
            resolve_path(&s, "../plugins/x.yaml", Path::new("/fallback")),
            PathBuf::from("/etc/catalog/../plugins/x.yaml")
        );
    }

    #[test]
    fn absolute_is_kept() {
        let s = source(Some("/etc/catalog/sources.yaml"));
        assert_eq!(
            resolve_path(&s, "/data/x.yaml", Path::new("/fallback")),
            PathBuf::from("/data/x.yaml")
        );
        assert_eq!(
            resolve_path(&source(None), "/data/x.yaml", Path::new("/fallback")),
            PathBuf::from("/data/x.yaml")
        );
    }

    #[test]
    fn no_origin_uses_fallback() {
        assert_eq!(
            resolve_path(&source(None), "data/x.yaml", Path::new("/srv/conf")),
            PathBuf::from("/srv/conf/data/x.yaml")
        );
    }

    #[test]
    fn bare_file_name_origin_resolves_relative() {
        let s = source(Some("sources.yaml"));
        assert_eq!(
            resolve_path(&s, "./data/x.yaml", Path::new("/fallback")),
            PathBuf::from("data/x.yaml")
        );
    }
}
