//! File reads and writes on the repository's behalf: never out of the repository through a
//! symbolic link, never half-written, and keeping the file's mode (DESIGN.md › Principles 3
//! and 7; issue 12 items 1 and 12).
//!
//! A contributor can commit a symbolic link where a changelog, a version file or a template
//! is expected. Following it would read (and then commit and push) whatever it points to,
//! `/proc/self/environ` included, or write outside the repository. So [`read_inside`] reads
//! a file only when its real path is inside the repository (and not in its `.git`), and
//! [`write_inside`] refuses any path with a symbolic link on the way, naming the link.

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::Error;

/// Reads the file `rel` (a `/`-separated path relative to `root`) without following a
/// symbolic link out of `root`: `None` when it does not exist (a dangling link included).
///
/// # Errors
/// `rel` escapes `root` (an absolute path, `..`), or resolves, through a symbolic link, to
/// a path outside `root` or inside its `.git`: an error naming `rel` and the link's target,
/// with a hint to replace the link by a regular file. Any other read failure.
pub fn read_inside(root: &Path, rel: &str) -> Result<Option<Vec<u8>>> {
    let full = root.join(relative(rel)?);
    let resolved = match std::fs::canonicalize(&full) {
        Ok(resolved) => resolved,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("failed to read `{rel}`")),
    };
    let resolved_root = std::fs::canonicalize(root)
        .with_context(|| format!("failed to resolve `{}`", root.display()))?;
    let inside = resolved.strip_prefix(&resolved_root).ok();
    let in_git =
        inside.and_then(|p| p.components().next()).is_some_and(|c| c.as_os_str() == ".git");
    if inside.is_none() || in_git {
        return Err(Error::failed(format!(
            "`{rel}` is a symbolic link (or lies under one) that leads out of the repository, to `{}`; it is not read",
            resolved.display()
        ))
        .with_hint(format!("replace `{rel}` with a regular file, commit it, then run again"))
        .into());
    }
    match std::fs::read(&resolved) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("failed to read `{rel}`")),
    }
}

/// [`read_inside`], as UTF-8 text.
///
/// # Errors
/// As [`read_inside`]; or the file is not UTF-8.
pub fn read_text_inside(root: &Path, rel: &str) -> Result<Option<String>> {
    match read_inside(root, rel)? {
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::failed(format!("`{rel}` is not valid UTF-8")).into()),
        None => Ok(None),
    }
}

/// Writes `bytes` to the file `rel` under `root` ([`write_atomically`]), creating its
/// folders, when no part of the path is a symbolic link.
///
/// # Errors
/// `rel` escapes `root`, or the file or a folder on the way is a symbolic link: an error
/// naming the link (nothing is written). Any failure of [`write_atomically`].
pub fn write_inside(root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let full = check_no_link(root, rel)?;
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create the folder of `{rel}`"))?;
    }
    write_atomically(&full, bytes)
}

/// `root/rel` when `rel` stays inside `root` and no existing part of it is a symbolic link.
///
/// # Errors
/// As [`write_inside`].
pub fn check_no_link(root: &Path, rel: &str) -> Result<PathBuf> {
    let rel_path = relative(rel)?;
    let mut at = root.to_owned();
    let mut shown = PathBuf::new();
    for part in rel_path.components() {
        at.push(part);
        shown.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&at).unwrap_or_default();
                return Err(Error::failed(format!(
                    "`{}` is a symbolic link (to `{}`); git-release does not write through links",
                    shown.display(),
                    target.display()
                ))
                .with_hint(format!(
                    "replace `{}` with a regular file (or folder), commit it, then run again",
                    shown.display()
                ))
                .into());
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            Err(e) => return Err(e).with_context(|| format!("failed to inspect `{rel}`")),
        }
    }
    Ok(root.join(rel_path))
}

/// `rel` as a relative path with no `..`, `/` or prefix: the one check that keeps a path
/// inside the folder it is joined to (the configuration validates paths the same way, with
/// [`crate::config::normalize_path`]).
fn relative(rel: &str) -> Result<PathBuf> {
    let path = Path::new(rel);
    if rel.is_empty()
        || path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(Error::failed(format!("path `{rel}` leaves the repository"))
            .with_hint("paths in the configuration and the run state are relative to the repository root, without `..`")
            .into());
    }
    Ok(path.to_owned())
}

/// Writes `bytes` to `path` atomically and durably: a hidden temporary file in the same
/// folder, written and `fsync`ed, renamed over `path`, then the folder `fsync`ed so the
/// rename survives a crash. A reader sees the old content or the new, never a mix.
///
/// The file keeps the permissions of the file it replaces (an executable stays
/// executable); a new file gets `0666` less the umask, as `open(2)` gives.
///
/// # Errors
/// The temporary file cannot be created, written, synced or renamed; the folder cannot be
/// synced.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_inner(path, bytes)
}

/// The file [`write_atomically`] was writing when its temporary file `rel` (a path relative
/// to some folder) was left behind, by a kill between creating and renaming it: `rel` named
/// `.<name>.<6 random letters or digits>.tmp` gives `<name>` in the same folder. `None` for
/// any other name.
pub fn interrupted_write_target(rel: &str) -> Option<String> {
    let (folder, file) = match rel.rsplit_once('/') {
        Some((folder, file)) => (Some(folder), file),
        None => (None, rel),
    };
    let inner = file.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (name, random) = inner.rsplit_once('.')?;
    if name.is_empty() || random.len() != 6 || !random.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(folder.map_or_else(|| name.to_owned(), |f| format!("{f}/{name}")))
}

fn write_atomically_inner(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Created with this mode through `open(2)`, so the umask applies, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(folder)
        .with_context(|| format!("failed to create a file in `{}`", folder.display()))?;
    if let Some(permissions) = existing {
        tmp.as_file()
            .set_permissions(permissions)
            .with_context(|| format!("failed to keep the mode of `{}`", path.display()))?;
    }
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
    fn an_interrupted_write_names_the_file_it_was_writing() {
        assert_eq!(
            interrupted_write_target(".Cargo.toml.Ab3xZ9.tmp").as_deref(),
            Some("Cargo.toml")
        );
        assert_eq!(
            interrupted_write_target("crates/a/.Cargo.toml.000000.tmp").as_deref(),
            Some("crates/a/Cargo.toml")
        );
        for other in [
            "Cargo.toml",
            ".Cargo.toml.tmp",
            ".Cargo.toml.abc.tmp",
            "..ab3xz9.tmp",
            ".x.ab-xz9.tmp",
        ] {
            assert_eq!(interrupted_write_target(other), None, "{other}");
        }
        // What write_atomically really leaves behind has that shape.
        let dir = tempfile::tempdir().expect("temp dir");
        let kept = tempfile::Builder::new()
            .prefix(".CHANGELOG.md.")
            .suffix(".tmp")
            .tempfile_in(dir.path())
            .expect("temp file");
        let name = kept.path().file_name().expect("name").to_string_lossy().into_owned();
        assert_eq!(interrupted_write_target(&name).as_deref(), Some("CHANGELOG.md"));
    }

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

    #[cfg(unix)]
    #[test]
    fn keeps_the_mode_of_the_file_it_replaces() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bump.sh");
        std::fs::write(&path, "old").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        write_atomically(&path, b"new").expect("atomic write");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "an executable stays executable");
        let fresh = dir.path().join("new.txt");
        write_atomically(&fresh, b"x").expect("atomic write");
        let mode = std::fs::metadata(&fresh).expect("stat").permissions().mode() & 0o777;
        assert_ne!(mode, 0o600, "a new file is not private to its owner");
        assert_eq!(mode & 0o044, 0o044, "a new file is readable as any new file is (umask 022)");
    }

    #[cfg(unix)]
    #[test]
    fn never_reads_or_writes_through_a_link_out_of_the_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("docs")).expect("mkdir");
        std::fs::write(dir.path().join("secret"), "TOKEN").expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("CHANGELOG.md"))
            .expect("symlink");
        std::os::unix::fs::symlink("docs/real.md", root.join("inside.md")).expect("symlink");
        std::fs::write(root.join("docs/real.md"), "inside").expect("write");
        let err = read_inside(&root, "CHANGELOG.md").expect_err("a link out is not read");
        assert!(format!("{err:#}").contains("`CHANGELOG.md`"), "{err:#}");
        assert_eq!(read_inside(&root, "inside.md").expect("read").as_deref(), Some(&b"inside"[..]));
        let err = write_inside(&root, "CHANGELOG.md", b"x").expect_err("no write through a link");
        assert!(format!("{err:#}").contains("`CHANGELOG.md` is a symbolic link"), "{err:#}");
        assert_eq!(std::fs::read_to_string(dir.path().join("secret")).expect("read"), "TOKEN");
        assert!(read_inside(&root, "../secret").is_err());
        assert!(write_inside(&root, "/tmp/x", b"x").is_err());
        assert_eq!(read_inside(&root, "missing.md").expect("read"), None);
    }
}
