//! Which configuration file a repository uses: `--config`/`GIT_RELEASE_CONFIG`, else the
//! first of [`FILE_NAMES`] that is ours (a cargo-release `release.toml` is not).

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// The file names searched at the root of a work tree, in order (DESIGN.md › Configuration):
/// our own name first, then `release.toml`, which is read only when it is ours (issue 15
/// item 4: cargo-release uses the same name).
pub const FILE_NAMES: [&str; 4] =
    ["git-release.toml", ".config/git-release.toml", "release.toml", ".config/release.toml"];

/// The file `init` writes.
pub const DEFAULT_FILE_NAME: &str = "git-release.toml";

/// Top-level keys of cargo-release's `release.toml` (its reference, "Configuration"): a
/// `release.toml` with one of them and none of ours belongs to cargo-release.
pub(super) const CARGO_RELEASE_KEYS: [&str; 34] = [
    "allow-branch",
    "sign-commit",
    "sign-tag",
    "push-remote",
    "registry",
    "release",
    "publish",
    "verify",
    "owners",
    "push",
    "push-options",
    "shared-version",
    "consolidate-commits",
    "pre-release-commit-message",
    "pre-release-replacements",
    "pre-release-hook",
    "tag-message",
    "tag-prefix",
    "tag-name",
    "tag",
    "enable-features",
    "enable-all-features",
    "dependent-version",
    "metadata",
    "target",
    "certs-source",
    "rate-limit",
    "post-release-commit-message",
    "post-release-replacements",
    "dev-version",
    "dev-version-ext",
    "no-dev-version",
    "disable-push",
    "disable-publish",
];

/// The top-level tables of our file.
pub(super) const OUR_TABLES: [&str; 8] =
    ["release", "bump", "forge", "commands", "package", "waiver", "group", "changelog"];

/// The configuration file found for a repository, and notes for `-v`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Located {
    /// The file to load; `None` means defaults.
    pub file: Option<PathBuf>,
    /// One line per file passed over and why (a cargo-release `release.toml`).
    pub notes: Vec<String>,
}

/// Finds the configuration file for a repository whose work tree is `workdir`.
///
/// `explicit` (`--config` or `GIT_RELEASE_CONFIG`) must exist and is always read; otherwise
/// [`FILE_NAMES`] are tried in order, a `release.toml` that belongs to cargo-release
/// ([`is_cargo_release`]) is passed over with a note, and none found means defaults.
///
/// # Errors
/// An explicit file that does not exist (exit 2).
pub fn find(workdir: Option<&Path>, explicit: Option<&Path>) -> Result<Located> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(Error::config(format!(
                "configuration file `{}` does not exist",
                path.display()
            ))
            .with_hint("check the path given to `--config` or `GIT_RELEASE_CONFIG`")
            .into());
        }
        return Ok(Located { file: Some(path.to_owned()), notes: Vec::new() });
    }
    let mut located = Located::default();
    let Some(workdir) = workdir else { return Ok(located) };
    for name in FILE_NAMES {
        let path = workdir.join(name);
        if !path.is_file() {
            continue;
        }
        if name.ends_with("/release.toml") || name == "release.toml" {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if is_cargo_release(&text) {
                located.notes.push(format!(
                    "`{name}` is cargo-release's configuration (its keys), not ours; it is ignored"
                ));
                continue;
            }
        }
        located.file = Some(path);
        break;
    }
    Ok(located)
}

/// [`find`]'s file alone.
///
/// # Errors
/// As [`find`].
pub fn locate(workdir: Option<&Path>, explicit: Option<&Path>) -> Result<Option<PathBuf>> {
    Ok(find(workdir, explicit)?.file)
}

/// Whether `text` (a `release.toml`) is cargo-release's configuration rather than ours: it
/// parses as TOML, has at least one top-level key cargo-release knows, and no top-level
/// table of ours (`release = false` is cargo-release's; `[release]` is ours). A file that
/// does not parse, or has neither, is taken as ours so its errors are shown.
pub fn is_cargo_release(text: &str) -> bool {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else { return false };
    let ours = doc.iter().any(|(key, value)| {
        OUR_TABLES.contains(&key.as_str()) && (value.is_table() || value.is_array())
    });
    let theirs = doc.iter().any(|(key, value)| {
        CARGO_RELEASE_KEYS.contains(&key.as_str())
            && !(OUR_TABLES.contains(&key.as_str()) && (value.is_table() || value.is_array()))
    });
    theirs && !ours
}
