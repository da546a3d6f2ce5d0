//! `git release rollback`: undo what a run left unpublished, or take back a published release
//! (DESIGN.md › Pipeline; seed 004 › Rollback Procedures, whose evidence record it writes).
//! The work is in [`crate::release::rollback`].

use std::fmt::Write as _;
use std::time::{Instant, SystemTime};

use anyhow::Result;
use clap::Args;

use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::{Error, redact};
use crate::release::rollback::{self, Options, Outcome, Severity};
use crate::release::state;

/// Undo an unpublished run, or take back a published release
///
/// `--run RUN` removes what the run left that was never published: its worktrees, its local
/// release branches, its release branches on the remote and their open pull requests
/// (closed through gh), and tags it created but never pushed. Packages whose release
/// reached the remote's tags or the release branch are left alone and named, with what to
/// do. The forge is asked about each pull request: one merged after the run last saved its
/// state (a crash) and not yet tagged has its merge reverted under the package's path,
/// after the severity's approval.
///
/// `rollback TAG` reverts the whole release: every commit between the package's previous
/// release tag and TAG that changes the package's path (the release commit included),
/// undone under that path as one `revert:` commit on `rollback/<tag>`, opened as a pull
/// request (pushed to the release branch in direct mode). A conflict stops it with the files
/// named and nothing left behind. It marks the forge release as a prerelease with a note,
/// runs `[commands] yank` when configured, and deletes the remote tag only with
/// `--delete-remote-tag`. The approval follows seed 004's matrix: `critical` acts at once
/// and leaves the approval to be given afterwards; `high` needs `--approver NAME` or a yes
/// on a terminal (`--yes` is not enough); `medium` and `low` accept `--yes`. Every rollback
/// writes an evidence record (seed 004) with the reverted commits and the revert commit.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The published release tag to take back
    #[arg(value_name = "TAG", required_unless_present = "run", conflicts_with = "run")]
    pub tag: Option<String>,

    /// The run whose unpublished work to undo
    #[arg(long, value_name = "RUN")]
    pub run: Option<String>,

    /// Print every action (the commits to revert and the diffstat); change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Also delete the tag on the remote (`rollback TAG` only; never without this flag)
    #[arg(long, requires = "tag")]
    pub delete_remote_tag: bool,

    /// Why: the trigger's description in the evidence record
    #[arg(long, value_name = "TEXT", default_value = "release rolled back")]
    pub reason: String,

    /// How severe the issue is (seed 004's decision matrix: who must approve)
    #[arg(long, value_enum, default_value = "medium")]
    pub severity: Severity,

    /// The issue that triggered the rollback (a reference or URL)
    #[arg(long, value_name = "REF")]
    pub issue: Option<String>,

    /// Approve without asking (medium and low severity only)
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Who approved the rollback (a person's name; required for high severity off a terminal)
    #[arg(long, value_name = "NAME")]
    pub approver: Option<String>,
}

/// Runs `git release rollback`.
///
/// # Errors
/// An unknown run or tag (exit 2); the approval refused (exit 4); a live run holding the
/// lock, a conflicting revert, a git or gh failure (exit 1).
pub fn run(global: &GlobalArgs, args: &RollbackArgs) -> Result<()> {
    let ctx = Ctx::open(global)?;
    let started = Instant::now();
    let decided_at = state::timestamp(SystemTime::now());
    let options = Options {
        dry_run: args.dry_run,
        delete_remote_tag: args.delete_remote_tag,
        reason: args.reason.clone(),
        severity: args.severity,
        issue: args.issue.clone(),
        yes: args.yes,
        approver: args.approver.clone(),
    };
    let outcome = match (&args.run, &args.tag) {
        (Some(run_id), _) => rollback::unpublished(&ctx, run_id, &options)?,
        (None, Some(tag)) => rollback::published(&ctx, tag, &options)?,
        (None, None) => return Err(Error::usage("name a TAG or `--run RUN`").into()),
    };
    ctx.ui.data(&redact(&render(&outcome, args.dry_run)))?;
    if args.dry_run {
        ctx.ui.status("dry run: nothing was changed");
        return Ok(());
    }
    if let Some(approval) = &outcome.approval
        && approval.pending
    {
        ctx.ui.warn("approval pending: seed 004 asks for it after a critical rollback; record it in the post-mortem");
    }
    let path = rollback::record(&ctx, &outcome, &options, started, &decided_at)?;
    ctx.ui.status(&format!("rollback evidence: {}", path.display()));
    Ok(())
}

/// The text report: each action (`did:` or `would:`), the revert commit, what was left alone.
fn render(outcome: &Outcome, dry_run: bool) -> String {
    let verb = if dry_run { "would" } else { "did" };
    let mut out = String::new();
    for a in &outcome.actions {
        let _ = writeln!(out, "{verb}: {}", a.what.trim_end());
    }
    if let Some(commit) = &outcome.revert_commit {
        let _ = writeln!(out, "revert commit: {commit}");
    }
    for l in &outcome.left_alone {
        let _ = writeln!(out, "left alone: {l}");
    }
    if outcome.actions.is_empty() && outcome.left_alone.is_empty() {
        out.push_str("nothing to roll back\n");
    }
    out
}
