//! The release manifest of a train (issue 17 item 2; seed 003's `ReleaseManifest`): what the
//! train is (id, version, packages), where it lives (per repository: path, remote, base
//! commit, RC branch and head), what it waits for (the milestone's issues, the dependencies
//! between repositories), and where it stands (the lifecycle state and its transitions).
//!
//! One JSON file per train, `<git common dir>/release/trains/<train>.json` (or
//! `<workspace state dir>/trains/<train>.json` for a workspace), schema-versioned and
//! written atomically ([`crate::fsutil::write_atomically`]). Its JSON Schema is
//! `schemas/release-manifest.schema.json` in this repository.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};
use crate::release::state::Gate;

/// The manifest layout this `git-release` writes; a newer one is refused.
pub const SCHEMA_VERSION: u32 = 1;

/// Where a train stands (seed 003's lifecycle). The order is the order of the lifecycle;
/// `Aborted` ends it from any state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// The manifest is written; the RC branches are being cut.
    Planning,
    /// Every RC branch is cut and pushed: fixes land on them.
    Development,
    /// A release candidate is tagged (`X.Y.Z-rc.N`) on every RC head.
    Staging,
    /// The promotion's gates passed: the RC branches are being merged and released.
    Validation,
    /// Every repository released its stable versions; the RC branches are gone.
    Ship,
    /// `rc abort` ended the train; its RC tags stay.
    Aborted,
}

impl Lifecycle {
    /// The name written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planning => "planning",
            Self::Development => "development",
            Self::Staging => "staging",
            Self::Validation => "validation",
            Self::Ship => "ship",
            Self::Aborted => "aborted",
        }
    }

    /// Whether the train is over (shipped or aborted).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Ship | Self::Aborted)
    }
}

/// One change of lifecycle state: from what, to what, who (the git identity) and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The state before; `None` for the first.
    pub from: Option<Lifecycle>,
    /// The state after.
    pub to: Lifecycle,
    /// Who: the git identity, as the gate records it.
    pub who: String,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Why, in a few words (`rc tag: -rc.2`, `abort`).
    pub note: String,
}

/// One package of a repository of the train.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageEntry {
    /// The package's name.
    pub name: String,
    /// Its version before the train (`None`: its first release).
    pub current_version: Option<String>,
    /// The stable version the train releases.
    pub version: String,
    /// The stable tag the promotion makes.
    pub tag: String,
    /// Its tag format (`v{version}`), for the RC tags.
    pub tag_format: String,
}

/// A merge the promotion made (or found made) along `[train] flow`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    /// The branch merged into.
    pub into: String,
    /// `fast-forward` or `pull-request`.
    pub how: String,
    /// The commit the branch names after the merge.
    pub commit: String,
    /// The pull request's address, when one was used.
    pub pr: Option<String>,
}

/// The promotion of one repository, step by step, so a killed promotion resumes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    /// The merges done, in flow order.
    pub merges: Vec<Merge>,
    /// The pull request opened for the merge under way, if any (`rc abort` closes it).
    pub open_pr: Option<String>,
    /// The release run of the stable versions (its state is in the repository's git dir).
    pub run_id: Option<String>,
    /// Whether the release run succeeded.
    pub released: bool,
}

/// One repository of the train.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoEntry {
    /// Its name (the workspace file's, or the folder's for a single repository).
    pub name: String,
    /// Its work tree.
    pub path: PathBuf,
    /// The remote the train pushes to.
    pub remote: String,
    /// The release branch the RC branch was cut from and is promoted into at last.
    pub release_branch: String,
    /// Its tier in the workspace graph (1: depends on no other repository of the train).
    pub tier: usize,
    /// The repositories of the train it depends on.
    pub depends_on: Vec<String>,
    /// The commit the RC branch was cut from.
    pub base: String,
    /// The RC branch.
    pub rc_branch: String,
    /// The RC branch's head as last seen on the remote.
    pub rc_head: String,
    /// The RC tags made on it, oldest first.
    pub rc_tags: Vec<String>,
    /// The packages it releases.
    pub packages: Vec<PackageEntry>,
    /// The promotion's progress.
    pub promotion: Promotion,
    /// Whether the RC branch was deleted (after the promotion, or by `rc abort`).
    pub rc_branch_deleted: bool,
}

/// An issue of the train's milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIssue {
    /// The repository whose forge holds it.
    pub repo: String,
    /// Its number.
    pub number: u64,
    /// Its title.
    pub title: String,
    /// `OPEN` or `CLOSED`, as last read.
    pub state: String,
    /// Its address.
    pub url: String,
}

/// Repository `from` waits for the promotion of repository `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// The dependent repository.
    pub from: String,
    /// The repository it depends on.
    pub to: String,
}

/// The release manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The train id, `v<version>`: the manifest's file name and the milestone's title.
    pub train_id: String,
    /// The train's version (the RC branches carry it).
    pub version: String,
    /// The workspace file, for a workspace train.
    pub workspace: Option<PathBuf>,
    /// The plan hash approved at `rc start`.
    pub plan_hash: String,
    /// The milestone named after the train (`None`: no forge).
    pub milestone: Option<String>,
    /// The milestone's issues, as last read.
    pub issues: Vec<LinkedIssue>,
    /// The repositories, in tier order.
    pub repos: Vec<RepoEntry>,
    /// Cross-repository dependencies, from the workspace graph.
    pub dependencies: Vec<Dependency>,
    /// The lifecycle state.
    pub state: Lifecycle,
    /// Every change of state, oldest first.
    pub transitions: Vec<Transition>,
    /// The approvals given (`rc start`, `rc promote`).
    pub approvals: Vec<Gate>,
    /// The last RC number tagged (`-rc.N`).
    pub rc_number: Option<u32>,
    /// The cadence rule's decision on the promotion (issue 17 item 7: what the bump levels
    /// need, CI, the window, the named approver of a major), once `rc promote` judged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence: Option<crate::release::cadence::Decision>,
}

impl Manifest {
    /// Moves the lifecycle to `to`, recording who and when; nothing when already there.
    pub fn transition(&mut self, to: Lifecycle, who: &str, note: &str) {
        if self.state == to && !self.transitions.is_empty() {
            return;
        }
        let from = if self.transitions.is_empty() { None } else { Some(self.state) };
        self.transitions.push(Transition {
            from,
            to,
            who: who.to_owned(),
            at: crate::release::state::timestamp(std::time::SystemTime::now()),
            note: note.to_owned(),
        });
        self.state = to;
    }

    /// The repository named `name`.
    pub fn repo(&self, name: &str) -> Option<&RepoEntry> {
        self.repos.iter().find(|r| r.name == name)
    }
}

/// Whether `id` is a train id we accept as a file name: `[A-Za-z0-9._+-]`, not starting
/// with `.` or `-`.
pub fn is_train_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && !id.starts_with(['.', '-'])
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
}

/// The folder of the manifests under `dir` (a git common dir, or the workspace state dir).
pub fn trains_dir(dir: &Path, workspace: bool) -> PathBuf {
    if workspace { dir.join("trains") } else { dir.join("release").join("trains") }
}

/// `<trains dir>/<id>.json`.
pub fn path_in(trains: &Path, id: &str) -> PathBuf {
    trains.join(format!("{id}.json"))
}

/// Writes `manifest` to `path` atomically.
///
/// # Errors
/// The folder cannot be made or the file written.
pub fn save(path: &Path, manifest: &Manifest) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let mut text =
        serde_json::to_vec_pretty(manifest).context("failed to serialise the manifest")?;
    text.push(b'\n');
    crate::fsutil::write_atomically(path, &text)
}

/// Reads the manifest at `path`.
///
/// # Errors
/// `STATE_NOT_FOUND` when missing; `STATE_CORRUPT` when it does not parse or is from a newer
/// `git-release` (the file is left as it is).
pub fn load(path: &Path) -> Result<Manifest> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::coded(
                ErrorCode::StateNotFound,
                format!("no release manifest at `{}`", path.display()),
            )
            .with_hint(
                "`git release rc status` lists the trains; `git release rc start` begins one",
            )
            .into());
        }
        Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", path.display())),
    };
    let value: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
        Error::coded(
            ErrorCode::StateCorrupt,
            format!("the release manifest `{}` is not JSON: {e}", path.display()),
        )
        .with_hint("the file was left as it is; restore it from a backup, or abort the train")
    })?;
    let version = value.get("schema_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if version > u64::from(SCHEMA_VERSION) {
        return Err(Error::coded(
            ErrorCode::StateCorrupt,
            format!(
                "the release manifest `{}` has schema version {version}, newer than this git-release reads ({SCHEMA_VERSION})",
                path.display()
            ),
        )
        .with_hint("use the newer git-release that wrote it")
        .into());
    }
    let manifest: Manifest = serde_json::from_value(value).map_err(|e| {
        Error::coded(
            ErrorCode::StateCorrupt,
            format!("the release manifest `{}` is malformed: {e}", path.display()),
        )
        .with_hint("the file was left as it is; restore it from a backup, or abort the train")
    })?;
    if manifest.repos.is_empty() || !is_train_id(&manifest.train_id) {
        return Err(Error::coded(
            ErrorCode::StateCorrupt,
            format!(
                "the release manifest `{}` names no repository or a malformed train id",
                path.display()
            ),
        )
        .with_hint("the file was left as it is; restore it from a backup")
        .into());
    }
    Ok(manifest)
}

/// Every manifest in `trains`, by file name; unreadable ones are left out.
pub fn list(trains: &Path) -> Vec<(PathBuf, Manifest)> {
    let Ok(entries) = std::fs::read_dir(trains) else { return Vec::new() };
    let mut out: Vec<(PathBuf, Manifest)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| load(&p).ok().map(|m| (p, m)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn train_ids_are_plain_file_names() {
        assert!(is_train_id("v1.2.0") && is_train_id("v1.2.0-beta.1+x"));
        for bad in ["", "../x", "a/b", ".hidden", "-x", "a b"] {
            assert!(!is_train_id(bad), "{bad}");
        }
    }

    #[test]
    fn lifecycle_order_is_seed_003s() {
        assert!(Lifecycle::Planning < Lifecycle::Development);
        assert!(
            Lifecycle::Staging < Lifecycle::Validation && Lifecycle::Validation < Lifecycle::Ship
        );
        assert!(Lifecycle::Aborted.is_final() && !Lifecycle::Staging.is_final());
    }
}
