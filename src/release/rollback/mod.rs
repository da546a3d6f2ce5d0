//! Rollback (DESIGN.md › Pipeline; seed 004 › Rollback Procedures; issue 18, items 6–7):
//! undo what a run left unpublished ([`unpublished`]), or take back a published release
//! ([`published`]): revert the whole release under the package's path ([`revert`]), mark the
//! forge release, run `[commands] yank`, with the severity's approval ([`approval`]); then
//! write the evidence record ([`record`]).

pub mod approval;
mod published;
pub mod revert;
mod unpublished;

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context as _, Result};
use serde::Serialize;

pub use approval::{Approval, Severity};
pub use published::published;
pub use revert::Reverted;
pub use unpublished::unpublished;

use crate::context::Ctx;
use crate::error::redact;
use crate::release::state;

/// What the user asked for (the command's flags).
#[derive(Debug, Clone)]
pub struct Options {
    /// `--dry-run`: show every action, change nothing.
    pub dry_run: bool,
    /// `--delete-remote-tag`.
    pub delete_remote_tag: bool,
    /// `--reason`: the trigger's description.
    pub reason: String,
    /// `--severity`.
    pub severity: Severity,
    /// `--issue`.
    pub issue: Option<String>,
    /// `--yes`.
    pub yes: bool,
    /// `--approver NAME`.
    pub approver: Option<String>,
}

/// One thing the rollback did, or would do.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    /// The action, as a command line or a sentence.
    pub what: String,
    /// The package it was for, when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

/// What a rollback did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Seed 004's rollback type: `immediate`, `planned` or `partial` (`--run`).
    pub kind: &'static str,
    /// What was rolled back (a tag, or the run's package versions).
    pub from: String,
    /// What it went back to (the previous release tag).
    pub to: String,
    /// Each action, in order.
    pub actions: Vec<Done>,
    /// What was left alone, each with what to do about it.
    pub left_alone: Vec<String>,
    /// The commits reverted (or to revert), newest first.
    pub reverted_commits: Vec<Reverted>,
    /// The revert commit made.
    pub revert_commit: Option<String>,
    /// The revert's diffstat (`rollback TAG`).
    pub diffstat: Option<String>,
    /// The approval, for a published release.
    pub approval: Option<Approval>,
}

/// Collects the actions; in a dry run it only records them.
pub(crate) struct Actions {
    dry_run: bool,
    pub(crate) list: Vec<Done>,
}

impl Actions {
    pub(crate) fn new(dry_run: bool) -> Self {
        Self { dry_run, list: Vec::new() }
    }

    /// Records `what` and, unless this is a dry run, does it with `op`.
    pub(crate) fn act(
        &mut self,
        what: String,
        package: Option<&str>,
        op: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        if !self.dry_run {
            op()?;
        }
        self.list.push(Done { what, package: package.map(str::to_owned) });
        Ok(())
    }
}

/// Writes the evidence record of `outcome` in seed 004's `rollback_evidence` shape to
/// `<git common dir>/release/rollbacks/<rollback id>.json` (atomically, credentials
/// redacted); returns its path. `started`: when the command started; `decided_at`: RFC 3339.
///
/// # Errors
/// The folder or the file cannot be written.
pub fn record(
    ctx: &Ctx,
    outcome: &Outcome,
    options: &Options,
    started: Instant,
    decided_at: &str,
) -> Result<PathBuf> {
    let who = crate::release::preflight::identity(ctx);
    let id = state::new_run_id(SystemTime::now()).replacen("release-", "rollback-", 1);
    let record = serde_json::json!({
        "rollback_evidence": {
            "rollback_id": id,
            "type": outcome.kind,
            "trigger": {
                "issue_id": options.issue,
                "severity": options.severity,
                "description": options.reason,
                "detected_at": decided_at,
                "detected_by": who,
            },
            "versions": {"rolled_back_from": outcome.from, "rolled_back_to": outcome.to},
            "approval": outcome.approval,
            "execution": {
                "decided_at": decided_at,
                "decided_by": outcome.approval.as_ref().map_or(who.as_str(), |a| a.decided_by.as_str()),
                "executed_at": state::timestamp(SystemTime::now()),
                "executed_by": who,
                "duration_minutes": started.elapsed().as_secs().div_ceil(60),
                "actions": outcome.actions,
                "left_alone": outcome.left_alone,
                "reverted_commits": outcome.reverted_commits,
                "revert_commit": outcome.revert_commit,
            },
            "verification": {"smoke_tests": "not_run", "issue_resolved": null, "new_issues": []},
            "follow_up": {"root_cause": null, "prevention": [], "post_mortem_ref": null},
        }
    });
    let path = folder(ctx.repo.common_dir()).join(format!("{id}.json"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let text = format!("{}\n", redact(&serde_json::to_string_pretty(&record)?));
    crate::fsutil::write_atomically(&path, text.as_bytes())?;
    Ok(path)
}

/// `<git common dir>/release/rollbacks`: the evidence records.
pub fn folder(common_dir: &Path) -> PathBuf {
    common_dir.join("release").join("rollbacks")
}
