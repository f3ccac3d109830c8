//! Development keys kept in files (the JWT signing key, the mail job key), so every local
//! service of `make dev` uses the same one without configuration.

use std::{fs, io::ErrorKind, path::Path};

use secrecy::SecretString;

/// Reads the key at `path`, generating it with `generate` first if absent. Several
/// services may start at once: the key is written to a temporary file and hard-linked into
/// place, so exactly one generated key wins and everyone reads that one. Surrounding
/// whitespace is dropped.
pub fn load_or_create(
    path: &Path,
    generate: impl FnOnce() -> String,
) -> Result<SecretString, String> {
    let read = |path: &Path| fs::read_to_string(path).map(|key| key.trim().to_owned().into());
    match read(path) {
        Ok(key) => return Ok(key),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&temp, generate()).map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
    }
    read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
