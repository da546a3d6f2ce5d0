//! The steps of a package's release in order ([`Phase`]), and the statuses of a package and a run.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// The steps of a package's release, in DESIGN.md › Pipeline's order; a package's `phase` is
/// the last step it completed (`PLANNED` before the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Phase {
    /// In the plan; no step done yet.
    Planned,
    /// The worktree exists on the release branch.
    Worktree,
    /// The version files carry the new version.
    Bumped,
    /// In-run dependencies are pinned.
    Pinned,
    /// The changelog has the release section.
    Changelog,
    /// `commands.lock` ran (or is not configured).
    Locked,
    /// `commands.lint` ran (or is not configured).
    Lint,
    /// The release commit exists.
    Committed,
    /// The release branch is pushed.
    Pushed,
    /// The pull request exists (mode pr).
    PrCreated,
    /// The pull request is merged (mode pr).
    Merged,
    /// The tag exists locally and on the remote.
    Tagged,
    /// The forge release exists and `commands.publish` ran.
    Published,
    /// Everything is done.
    Done,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Self; 14] = [
        Self::Planned,
        Self::Worktree,
        Self::Bumped,
        Self::Pinned,
        Self::Changelog,
        Self::Locked,
        Self::Lint,
        Self::Committed,
        Self::Pushed,
        Self::PrCreated,
        Self::Merged,
        Self::Tagged,
        Self::Published,
        Self::Done,
    ];

    /// The step after this one, or `None` after `DONE`. Steps a mode skips (`PR_CREATED` and
    /// `MERGED` in direct mode) are still returned; the executor records them as it passes.
    pub fn next(self) -> Option<Self> {
        let at = Self::ALL.iter().position(|p| *p == self).expect("every phase is in `ALL`");
        Self::ALL.get(at + 1).copied()
    }

    /// The name as written in files, e.g. `PR_CREATED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "PLANNED",
            Self::Worktree => "WORKTREE",
            Self::Bumped => "BUMPED",
            Self::Pinned => "PINNED",
            Self::Changelog => "CHANGELOG",
            Self::Locked => "LOCKED",
            Self::Lint => "LINT",
            Self::Committed => "COMMITTED",
            Self::Pushed => "PUSHED",
            Self::PrCreated => "PR_CREATED",
            Self::Merged => "MERGED",
            Self::Tagged => "TAGGED",
            Self::Published => "PUBLISHED",
            Self::Done => "DONE",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a package stands in the run, beside the last step it completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PackageStatus {
    /// Not finished: not started yet, or stopped between steps (resume goes on).
    Pending,
    /// Released (`phase` is `DONE`).
    Done,
    /// A step failed; `error` says which and why.
    Failed,
    /// Not attempted because a package it depends on (or, under `--on-failure stop`, an
    /// earlier one) failed; `reason` names it.
    Blocked,
    /// Left out on purpose; `reason` says why.
    Skipped,
}

/// The whole run's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// Started and not finished (or killed; resume goes on).
    InProgress,
    /// Every package released.
    Success,
    /// Some packages released, some failed or blocked.
    Partial,
    /// No package released.
    Failed,
}

/// One entry of a package's phase history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseEntry {
    /// The phase reached.
    pub phase: Phase,
    /// When, RFC 3339 UTC (`2026-02-25T10:00:00Z`).
    pub at: String,
}
