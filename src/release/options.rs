//! The options of a run and a resume: the `run` and `resume` command lines (clap), which the
//! release layer takes as they are.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::config::Mode;
use crate::release::state::OnFailure;
use crate::version::PRERELEASE_CHANNELS;

/// Carry out the release plan: bump, changelog, commit, push, PR, tag, publish
///
/// Runs the checks (stops on a FAIL), computes the plan, asks for approval (the gate), then
/// takes each package through its steps in tier order: `WORKTREE`, `BUMPED`, `PINNED`,
/// `CHANGELOG`, `LOCKED`, `LINT`, `COMMITTED`, `PUSHED`, `PR_CREATED`, `MERGED`, `TAGGED`,
/// `PUBLISHED`. The state is
/// saved under the git directory after every step, so a run stopped at any moment goes on
/// with `git release resume RUN`. `--dry-run` prints every change and makes none.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Packages to release, by name or path (default: every package with changes)
    #[arg(value_name = "PKG")]
    pub packages: Vec<String>,

    /// Print every change the run would make (diffs, refs, commands, gh calls); change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Approve the plan without a prompt
    #[arg(long, short = 'y', conflicts_with = "gate_attestation")]
    pub yes: bool,

    /// Approve the plan whose hash is HASH (from `git release plan`); another plan is refused
    #[arg(long, value_name = "HASH")]
    pub gate_attestation: Option<String>,

    /// Approve a major release as this named person, `"Name <email>"`; needs
    /// `--gate-attestation` (`[cadence]`: `--yes` alone never approves a major)
    #[arg(long, value_name = "NAME <EMAIL>", requires = "gate_attestation")]
    pub approve_major: Option<String>,

    /// Release outside the `[cadence]` window of its bump level; REASON goes into the evidence
    #[arg(long, value_name = "REASON")]
    pub outside_window: Option<String>,

    /// On a failed package: stop (block everything after it) or quarantine (block only
    /// its dependents)
    #[arg(long, value_enum, default_value = "stop")]
    pub on_failure: OnFailure,

    /// Force the bump level instead of inferring it
    #[arg(long, value_name = "LEVEL", value_parser = ["major", "minor", "patch"])]
    pub bump: Option<String>,

    /// Make a prerelease on this channel
    #[arg(long, value_name = "ID", value_parser = PRERELEASE_CHANNELS)]
    pub pre: Option<String>,

    /// pr: release branch, pull request, squash merge; direct: push the release commit to
    /// the release branch (default: `release.mode`)
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,

    /// The forge to release through: github (with `gh`) or none (direct mode with no pull
    /// request, forge release or blocker issues) (default: `forge.kind`)
    #[arg(long, value_enum, value_name = "KIND")]
    pub forge: Option<crate::forge::Kind>,

    /// Release the repositories a workspace file lists (`[[repo]] name, path, depends_on`),
    /// tier by tier, pinning downstream dependencies to the versions just released
    #[arg(long, value_name = "FILE")]
    pub workspace: Option<PathBuf>,

    /// Resume run RUN instead of starting one (same as `git release resume RUN`)
    #[arg(long, value_name = "RUN", conflicts_with_all = ["packages", "dry_run", "bump", "pre", "mode", "on_failure", "workspace", "approve_major", "outside_window"])]
    pub resume: Option<String>,

    /// Output format of the summary
    #[arg(long, value_enum, default_value = "table")]
    pub format: RunFormat,
}

/// Go on with a stopped or failed run
///
/// Reads the run's state, asks for approval of its plan again, re-verifies every step the
/// state says is done against the repository, the remote and the forge, then goes on from
/// where each package stopped. Packages already released are left alone.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run id, `release-YYYYMMDD-xxxxxx` (`git release status` lists them)
    #[arg(value_name = "RUN")]
    pub run: String,

    /// Approve without a prompt
    #[arg(long, short = 'y', conflicts_with = "gate_attestation")]
    pub yes: bool,

    /// Approve the run's plan hash
    #[arg(long, value_name = "HASH")]
    pub gate_attestation: Option<String>,

    /// The forge to go on through: github or none (default: what the run started with)
    #[arg(long, value_enum, value_name = "KIND")]
    pub forge: Option<crate::forge::Kind>,

    /// Output format of the summary
    #[arg(long, value_enum, default_value = "table")]
    pub format: RunFormat,
}

/// Output formats of `run`, `resume` and `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// A table, then the report.
    Table,
    /// JSON (schema version 1; see the README).
    Json,
}
