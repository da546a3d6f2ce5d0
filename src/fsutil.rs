//! File writes that never leave a file half-written (DESIGN.md › Principles 3 and 7).

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` atomically and durably: a hidden temporary file in the same
/// folder, written and `fsync`ed, renamed over `path`, then the folder `fsync`ed so the
/// rename survives a crash. A reader sees the old content or the new, never a mix.
///
/// # Errors
/// The temporary file cannot be created, written, synced or renamed; the folder cannot be
/// synced.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(folder)
        .with_context(|| format!("failed to create a file in `{}`", folder.display()))?;
    tmp.write_all(bytes).with_context(|| format!("failed to write `{}`", path.display()))?;
    tmp.as_file().sync_all().with_context(|| format!("failed to sync `{}`", path.display()))?;
    tmp.persist(path).with_context(|| format!("failed to write `{}`", path.display()))?;
    sync_dir(folder)
}

/// `fsync`s a folder so renames in it are durable; a no-op where folders cannot be opened
/// as files (Windows).
///
/// # Errors
/// The folder cannot be opened or synced.
pub fn sync_dir(folder: &Path) -> Result<()> {
    if cfg!(unix) {
        std::fs::File::open(folder)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("failed to sync `{}`", folder.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "old").expect("write");
        write_atomically(&path, b"new").expect("atomic write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(names.len(), 1, "only the file itself is left");
    }
}
