//! `git release rc`: release trains (issue 17; seed 003). The work lives in
//! [`crate::release::train`].

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::context::GlobalArgs;
use crate::release::options::RunFormat;
use crate::release::train::{self, promote::PromoteOptions, start::StartOptions};

/// Run release trains: release-candidate branches across repositories, promoted together
///
/// A train cuts `rc/<version>` (`[train] branch`) from the release branch in every
/// repository of the train (one repository, or a workspace file's), records it in a
/// release manifest (`<git common dir>/release/trains/<train>.json`, or beside the
/// workspace state), tags release candidates `X.Y.Z-rc.N` on the RC heads, and promotes:
/// gates (CI green on every RC head, no open issue in the milestone named after the train,
/// dependencies first, the approval), merges along `[train] flow`, then the stable release
/// through the `run` pipeline. The lifecycle goes planning → development → staging →
/// validation → ship (or aborted). A killed promotion resumes with
/// `git release resume TRAIN`.
#[derive(Debug, Args)]
#[allow(missing_docs, reason = "clap would turn a doc comment here into help text")]
pub struct RcArgs {
    #[command(subcommand)]
    pub action: RcAction,
}

/// What to do with the train.
#[derive(Debug, Subcommand)]
pub enum RcAction {
    /// Plan the train, ask the gate, cut and push the RC branches, write the manifest
    Start(StartArgs),
    /// Tag the next release candidate `X.Y.Z-rc.N` on every RC head and push it
    Tag(TrainArgs),
    /// Show the manifest with the RC heads, CI, issues, dependencies and gates
    Status(StatusArgs),
    /// Check the gates, merge along the flow and release the stable versions
    Promote(PromoteArgs),
    /// Close the train's pull requests, delete its RC branches (RC tags are kept)
    Abort(TrainArgs),
}

/// `rc start`.
#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
pub struct StartArgs {
    /// The packages (default: every package with releasable changes)
    #[arg(value_name = "PKG")]
    pub packages: Vec<String>,

    /// The train's version, given to every package (default: as `plan` infers)
    #[arg(long, value_name = "X.Y.Z", conflicts_with = "bump")]
    pub version: Option<String>,

    /// Force the bump level instead of inferring it
    #[arg(long, value_name = "LEVEL", value_parser = ["major", "minor", "patch"])]
    pub bump: Option<String>,

    /// The workspace file listing the repositories of the train
    #[arg(long, value_name = "FILE")]
    pub workspace: Option<PathBuf>,

    /// Approve the plan without a prompt
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Approve only if the plan hash is HASH
    #[arg(long, value_name = "HASH", conflicts_with = "yes")]
    pub gate_attestation: Option<String>,

    /// Show what would be done; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: RunFormat,
}

/// A train named, or the one under way.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The train id (`v1.4.0`; default: the train under way)
    #[arg(value_name = "TRAIN")]
    pub train: Option<String>,

    /// The workspace file of a workspace train
    #[arg(long, value_name = "FILE")]
    pub workspace: Option<PathBuf>,

    /// Show what would be done; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `rc status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The train id (default: the train under way, else the last one)
    #[arg(value_name = "TRAIN")]
    pub train: Option<String>,

    /// The workspace file of a workspace train
    #[arg(long, value_name = "FILE")]
    pub workspace: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: RunFormat,
}

/// `rc promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The train id (default: the train under way)
    #[arg(value_name = "TRAIN")]
    pub train: Option<String>,

    /// The workspace file of a workspace train
    #[arg(long, value_name = "FILE")]
    pub workspace: Option<PathBuf>,

    /// Approve the promotion without a prompt
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Approve only if the promotion hash is HASH
    #[arg(long, value_name = "HASH", conflicts_with = "yes")]
    pub gate_attestation: Option<String>,

    /// Approve a major release as this named person, `"Name <email>"`; needs
    /// `--gate-attestation` (`[cadence]`: `--yes` alone never approves a major)
    #[arg(long, value_name = "NAME <EMAIL>", requires = "gate_attestation")]
    pub approve_major: Option<String>,

    /// Promote outside the `[cadence]` window of its bump level; REASON is recorded
    #[arg(long, value_name = "REASON")]
    pub outside_window: Option<String>,
}

/// Runs `git release rc`.
///
/// # Errors
/// See each action in [`crate::release::train`].
pub fn run(global: &GlobalArgs, args: &RcArgs) -> Result<()> {
    match &args.action {
        RcAction::Start(a) => {
            let place = train::place(global, a.workspace.as_deref())?;
            let opts = StartOptions {
                version: a.version.clone(),
                bump: a.bump.clone(),
                packages: a.packages.clone(),
                yes: a.yes,
                attestation: a.gate_attestation.clone(),
                dry_run: a.dry_run,
                json: a.format == RunFormat::Json,
            };
            train::start::start(global, &place, &opts)
        }
        RcAction::Tag(a) => {
            let place = train::place(global, a.workspace.as_deref())?;
            train::tag::tag(global, &place, a.train.as_deref(), a.dry_run)
        }
        RcAction::Status(a) => {
            let place = train::place(global, a.workspace.as_deref())?;
            train::status::status(global, &place, a.train.as_deref(), a.format == RunFormat::Json)
        }
        RcAction::Promote(a) => {
            let place = train::place(global, a.workspace.as_deref())?;
            let opts = PromoteOptions {
                yes: a.yes,
                attestation: a.gate_attestation.clone(),
                approve_major: a.approve_major.clone(),
                outside_window: a.outside_window.clone(),
            };
            train::promote::promote(global, &place, a.train.as_deref(), &opts)
        }
        RcAction::Abort(a) => {
            let place = train::place(global, a.workspace.as_deref())?;
            train::abort::abort(global, &place, a.train.as_deref(), a.dry_run)
        }
    }
}
