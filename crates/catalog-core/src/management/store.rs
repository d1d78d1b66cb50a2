//! Config stores (SM §8.1–8.2): the editable `sources.yaml` document with a content-hash version,
//! compare-and-swap saves, bounded revision history and rollback.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use catalog_config::CatalogSources;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Revisions kept after each save (SM-44).
pub const DEFAULT_HISTORY: usize = 20;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigStoreError {
    /// The stored bytes changed since the caller's version (409).
    #[error(
        "config was modified externally, retry the operation (expected version {expected}, current {current})"
    )]
    VersionConflict {
        /// First 8 hex chars of the version the caller expected.
        expected: String,
        /// First 8 hex chars of the stored version.
        current: String,
    },
    /// No revision has that short version (404).
    #[error("revision not found")]
    RevisionNotFound,
    /// The stored document (or a snapshot) does not parse strictly.
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing failed.
    #[error("config store I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// One entry of the revision history (SM-38).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// First 8 hex chars of the snapshot's SHA-256.
    pub version: String,
    /// RFC 3339 time of the save that replaced it.
    pub timestamp: String,
    /// Size in bytes.
    pub size: u64,
}

/// Where the editable document lives. Every operation is safe under concurrent use.
pub trait ConfigStore: Send + Sync {
    /// The document and its version (lowercase hex SHA-256 of the stored bytes).
    fn load(&self) -> Result<(CatalogSources, String), ConfigStoreError>;
    /// Saves `doc` if the stored version is still `expected`; returns the new version.
    fn save(&self, doc: &CatalogSources, expected: &str) -> Result<String, ConfigStoreError>;
    /// History, newest first.
    fn revisions(&self) -> Result<Vec<Revision>, ConfigStoreError>;
    /// Saves the revision whose short version matches `version` against `expected`.
    fn rollback(
        &self,
        version: &str,
        expected: &str,
    ) -> Result<(CatalogSources, String), ConfigStoreError>;
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn version_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn short(version: &str) -> String {
    version.chars().take(8).collect()
}

/// Parses stored text strictly; every source's origin becomes `origin`.
fn parse(text: &str, origin: &Path) -> Result<CatalogSources, ConfigStoreError> {
    catalog_config::parse_str(text, origin)
        .map(|p| p.config)
        .map_err(|e| ConfigStoreError::Invalid(e.to_string()))
}

fn serialize(doc: &CatalogSources) -> Result<Vec<u8>, ConfigStoreError> {
    let text =
        catalog_config::to_yaml(doc).map_err(|e| ConfigStoreError::Invalid(e.to_string()))?;
    if text.len() > catalog_config::MAX_DOCUMENT_BYTES {
        return Err(ConfigStoreError::Invalid(format!(
            "document would be {} bytes, larger than the 1 MiB limit",
            text.len()
        )));
    }
    Ok(text.into_bytes())
}

/// The file store: one file, written atomically, with snapshots in a sibling `.history/`.
pub struct FileStore {
    path: PathBuf,
    history: usize,
    lock: Mutex<()>,
}

impl FileStore {
    /// A store for `path`; a path with a `..` component is rejected (SM-42).
    pub fn new(path: PathBuf, history: usize) -> Result<Self, ConfigStoreError> {
        if path.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(ConfigStoreError::Invalid(format!(
                "config path {} must not contain '..'",
                path.display()
            )));
        }
        Ok(Self {
            path,
            history: history.max(1),
            lock: Mutex::new(()),
        })
    }

    /// The document's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn history_dir(&self) -> PathBuf {
        self.dir().join(".history")
    }

    fn dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    fn read(&self) -> Result<Vec<u8>, ConfigStoreError> {
        use std::io::Read;
        let mut bytes = Vec::new();
        std::fs::File::open(&self.path)?
            .take(catalog_config::MAX_DOCUMENT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() > catalog_config::MAX_DOCUMENT_BYTES {
            return Err(ConfigStoreError::Invalid(format!(
                "{}: larger than the 1 MiB limit",
                self.path.display()
            )));
        }
        Ok(bytes)
    }

    fn text(&self, bytes: Vec<u8>) -> Result<String, ConfigStoreError> {
        String::from_utf8(bytes).map_err(|_| {
            ConfigStoreError::Invalid(format!("{}: not valid UTF-8", self.path.display()))
        })
    }

    /// Snapshots the bytes being replaced; failures are logged, never fatal (SM-44).
    fn snapshot(&self, bytes: &[u8], version: &str) {
        let dir = self.history_dir();
        let result = (|| {
            create_private_dir(&dir)?;
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let name = format!("{secs}_{}.yaml", short(version));
            atomic_write(&dir.join(name), bytes, Some(0o600))?;
            self.prune()
        })();
        if let Err(e) = result {
            tracing::error!(dir = %dir.display(), error = %e, "could not write config history snapshot");
        }
    }

    /// Snapshot files, newest first (by modification time, then name: several saves can share
    /// one second).
    fn snapshots(&self) -> std::io::Result<Vec<(String, PathBuf)>> {
        let dir = self.history_dir();
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().to_string();
            if parse_snapshot_name(&name).is_some() {
                let modified = entry.metadata()?.modified()?;
                out.push((modified, name, entry.path()));
            }
        }
        out.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        Ok(out
            .into_iter()
            .map(|(_, name, path)| (name, path))
            .collect())
    }

    fn prune(&self) -> std::io::Result<()> {
        for (_, path) in self.snapshots()?.into_iter().skip(self.history) {
            std::fs::remove_file(path)?;
        }
        Ok(())
    }

    fn save_locked(&self, bytes: &[u8], expected: &str) -> Result<String, ConfigStoreError> {
        let current = self.read()?;
        let current_version = version_of(&current);
        if current_version != expected {
            return Err(ConfigStoreError::VersionConflict {
                expected: short(expected),
                current: short(&current_version),
            });
        }
        self.snapshot(&current, &current_version);
        atomic_write(&self.path, bytes, None)?;
        Ok(version_of(bytes))
    }
}

/// `{unixSeconds}_{first8hex}.yaml` → (seconds, short version).
fn parse_snapshot_name(name: &str) -> Option<(u64, &str)> {
    let stem = name.strip_suffix(".yaml")?;
    let (secs, hex) = stem.split_once('_')?;
    let secs = secs.parse().ok()?;
    (hex.len() == 8 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some((secs, hex))
}

impl ConfigStore for FileStore {
    fn load(&self) -> Result<(CatalogSources, String), ConfigStoreError> {
        let bytes = self.read()?;
        let version = version_of(&bytes);
        let doc = parse(&self.text(bytes)?, &self.path)?;
        Ok((doc, version))
    }

    fn save(&self, doc: &CatalogSources, expected: &str) -> Result<String, ConfigStoreError> {
        let bytes = serialize(doc)?;
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.save_locked(&bytes, expected)
    }

    fn revisions(&self) -> Result<Vec<Revision>, ConfigStoreError> {
        let mut out = Vec::new();
        for (name, path) in self.snapshots()? {
            let Some((secs, hex)) = parse_snapshot_name(&name) else {
                continue;
            };
            out.push(Revision {
                version: hex.to_string(),
                timestamp: crate::time::rfc3339_ms(secs as i64 * 1000),
                size: std::fs::metadata(&path)?.len(),
            });
        }
        Ok(out)
    }

    fn rollback(
        &self,
        version: &str,
        expected: &str,
    ) -> Result<(CatalogSources, String), ConfigStoreError> {
        let wanted = short(&version.to_ascii_lowercase());
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let (_, path) = self
            .snapshots()?
            .into_iter()
            .find(|(name, _)| parse_snapshot_name(name).is_some_and(|(_, hex)| hex == wanted))
            .ok_or(ConfigStoreError::RevisionNotFound)?;
        let bytes = std::fs::read(path)?;
        let doc = parse(&self.text(bytes.clone())?, &self.path)?;
        let new_version = self.save_locked(&bytes, expected)?;
        Ok((doc, new_version))
    }
}

/// Creates `dir` (mode 0700 on Unix) if missing.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically: unique temp file in the same directory → write → fsync →
/// rename → fsync the directory. The target keeps its permission bits; a new file gets `mode`
/// (0600 by default). On failure the temp file is removed and the target is untouched.
pub fn atomic_write(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stem = path
        .file_stem()
        .map_or("file".into(), |s| s.to_string_lossy().to_string());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(
        ".{stem}-{}-{}-{nanos}.yaml.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let bits = match std::fs::metadata(path) {
                Ok(meta) => meta.permissions().mode() & 0o777,
                Err(_) => mode.unwrap_or(0o600),
            };
            file.set_permissions(std::fs::Permissions::from_mode(bits))?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The in-memory store (`none` mode, or several layered files): mutations live until restart.
pub struct MemoryStore {
    state: Mutex<MemoryState>,
    history: usize,
}

struct MemoryState {
    bytes: Vec<u8>,
    doc: CatalogSources,
    revisions: Vec<(Revision, Vec<u8>, CatalogSources)>,
}

impl MemoryStore {
    /// A store holding `doc`.
    pub fn new(doc: CatalogSources, history: usize) -> Result<Self, ConfigStoreError> {
        Ok(Self {
            state: Mutex::new(MemoryState {
                bytes: serialize(&doc)?,
                doc,
                revisions: Vec::new(),
            }),
            history: history.max(1),
        })
    }

    fn save_locked(
        &self,
        state: &mut MemoryState,
        doc: &CatalogSources,
        bytes: Vec<u8>,
        expected: &str,
    ) -> Result<String, ConfigStoreError> {
        let current = version_of(&state.bytes);
        if current != expected {
            return Err(ConfigStoreError::VersionConflict {
                expected: short(expected),
                current: short(&current),
            });
        }
        let revision = Revision {
            version: short(&current),
            timestamp: crate::time::rfc3339_ms(crate::store::now_ms()),
            size: state.bytes.len() as u64,
        };
        let old_bytes = std::mem::replace(&mut state.bytes, bytes);
        let old_doc = std::mem::replace(&mut state.doc, doc.clone());
        state.revisions.insert(0, (revision, old_bytes, old_doc));
        state.revisions.truncate(self.history);
        Ok(version_of(&state.bytes))
    }
}

impl ConfigStore for MemoryStore {
    fn load(&self) -> Result<(CatalogSources, String), ConfigStoreError> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        Ok((state.doc.clone(), version_of(&state.bytes)))
    }

    fn save(&self, doc: &CatalogSources, expected: &str) -> Result<String, ConfigStoreError> {
        let bytes = serialize(doc)?;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.save_locked(&mut state, doc, bytes, expected)
    }

    fn revisions(&self) -> Result<Vec<Revision>, ConfigStoreError> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        Ok(state.revisions.iter().map(|(r, _, _)| r.clone()).collect())
    }

    fn rollback(
        &self,
        version: &str,
        expected: &str,
    ) -> Result<(CatalogSources, String), ConfigStoreError> {
        let wanted = short(&version.to_ascii_lowercase());
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (_, bytes, doc) = state
            .revisions
            .iter()
            .find(|(r, _, _)| r.version == wanted)
            .cloned()
            .ok_or(ConfigStoreError::RevisionNotFound)?;
        let new_version = self.save_locked(&mut state, &doc, bytes, expected)?;
        Ok((doc, new_version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "apiVersion: catalog/v1alpha1\nkind: CatalogSources\ncatalogs:\n  mcp:\n    sources:\n      - id: a\n        name: A\n        type: yaml\n";

    fn store(dir: &Path, history: usize) -> FileStore {
        let path = dir.join("sources.yaml");
        std::fs::write(&path, DOC).unwrap();
        FileStore::new(path, history).unwrap()
    }

    #[test]
    fn version_is_the_hash_of_the_raw_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path(), 20);
        let (_, v) = s.load().unwrap();
        assert_eq!(v, version_of(DOC.as_bytes()));
        std::fs::write(s.path(), format!("{DOC}# comment\n")).unwrap();
        assert_ne!(s.load().unwrap().1, v, "a comment is a new version");
    }

    #[test]
    fn save_is_compare_and_swap_and_snapshots_the_old_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path(), 20);
        let (mut doc, v1) = s.load().unwrap();
        doc.catalogs.get_mut("mcp").unwrap().sources[0].name = "B".into();
        let v2 = s.save(&doc, &v1).unwrap();
        assert_eq!(s.load().unwrap().1, v2);
        let err = s.save(&doc, &v1).unwrap_err();
        assert!(
            matches!(err, ConfigStoreError::VersionConflict { .. }),
            "{err}"
        );
        let revs = s.revisions().unwrap();
        assert_eq!(revs.len(), 1);
        assert_eq!(revs[0].version, &v1[..8]);
        assert_eq!(revs[0].size, DOC.len() as u64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let hist = dir.path().join(".history");
            assert_eq!(
                std::fs::metadata(&hist).unwrap().permissions().mode() & 0o777,
                0o700
            );
            for e in std::fs::read_dir(hist).unwrap() {
                let mode = e.unwrap().metadata().unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600);
            }
        }
        let (back, v3) = s.rollback(&v1, &v2).unwrap();
        assert_eq!(back.catalogs["mcp"].sources[0].name, "A");
        assert_eq!(v3, v1, "restoring the exact bytes restores the version");
        assert!(matches!(
            s.rollback("deadbeef", &v3),
            Err(ConfigStoreError::RevisionNotFound)
        ));
    }

    #[test]
    fn history_is_bounded_and_no_temp_files_remain() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path(), 3);
        let (mut doc, mut v) = s.load().unwrap();
        for i in 0..6 {
            doc.catalogs.get_mut("mcp").unwrap().sources[0].name = format!("N{i}");
            v = s.save(&doc, &v).unwrap();
        }
        assert!(s.revisions().unwrap().len() <= 3);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn dotdot_paths_are_rejected() {
        assert!(FileStore::new(PathBuf::from("a/../sources.yaml"), 20).is_err());
    }

    #[test]
    fn memory_store_has_the_same_contract() {
        let doc = catalog_config::parse_str(DOC, Path::new("x"))
            .unwrap()
            .config;
        let s = MemoryStore::new(doc, 20).unwrap();
        let (mut doc, v1) = s.load().unwrap();
        doc.catalogs.clear();
        let v2 = s.save(&doc, &v1).unwrap();
        assert!(s.save(&doc, &v1).is_err());
        let (back, _) = s.rollback(&v1, &v2).unwrap();
        assert_eq!(back.catalogs.len(), 1);
    }
}
