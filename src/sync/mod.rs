//! Sync automation with required dry-runs (issue 18; seed 004 › Sync Automation): mirror
//! release refs to another remote (`downstream`), bring an upstream's refs in (`upstream`),
//! or copy files into related repositories (`cross_repo`, `config`).
//!
//! Every sync goes pre-sync validation → dry-run → approval naming the dry-run → execution →
//! post-sync validation, and each stage is written to the sync log ([`log`]). The rules of
//! seed 004: a sync executes only a recorded dry-run (DR-01); the dry-run is readable and
//! complete (DR-02, DR-03, [`report`]) and changes nothing on either side (DR-04); it is
//! logged (DR-05); and the approval references it (DR-06). [`plan`] computes the dry-run,
//! [`execute`] carries it out.

pub mod execute;
pub mod log;
pub mod plan;
pub mod report;

use std::path::Path;

use anyhow::Result;

use self::log::{Approval, DryRun, SyncLog};
use crate::config::sync::SyncEntry;
use crate::error::Error;
use crate::git::cli::Git;

/// `Name <email>` of whoever runs git here (`git var GIT_COMMITTER_IDENT` without its date),
/// or `unknown` without an identity.
pub fn who(git: &Git) -> String {
    git.committer_ident()
        .and_then(|ident| ident.rfind('>').map(|end| ident[..=end].to_owned()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The current time as RFC 3339 UTC.
pub fn now() -> String {
    log::timestamp(jiff::Timestamp::now())
}

/// Runs the dry-run of `entry` and writes its record to the sync log.
///
/// # Errors
/// Pre-sync validation fails (a side cannot be read); git fails; the log cannot be written.
pub fn dry_run(git: &Git, common_dir: &Path, entry: &SyncEntry) -> Result<SyncLog> {
    let started = jiff::Timestamp::now();
    let diff = if entry.kind.is_git() {
        plan::git_diff(git, entry)?
    } else {
        plan::file_diff(git, entry)?
    };
    let counts = plan::count(&diff.changes);
    let execution_id = log::new_execution_id(started);
    let file = log::path(common_dir, &entry.id, &execution_id);
    let record = SyncLog {
        sync_id: entry.id.clone(),
        execution_id,
        executed_at: log::timestamp(started),
        executed_by: who(git),
        kind: entry.kind,
        source: entry.source.location.clone(),
        target: entry.target.location.clone(),
        dry_run: DryRun {
            executed_at: log::timestamp(started),
            pre_validation: diff.pre_validation,
            diff_summary: plan::summary(entry, &counts),
            result: counts,
            diff_ref: format!("{}#changes", file.display()),
            changes: diff.changes,
            target_fingerprint: plan::fingerprint(&diff.target_state),
            target_state: diff.target_state,
            source_commit: diff.source_commit,
            target_branch: diff.target_branch,
        },
        approval: None,
        execution: None,
        post_validation: None,
    };
    log::save(common_dir, &record)?;
    Ok(record)
}

/// Executes the recorded dry-run `execution_id` of `entry`: records the approval (who,
/// when, `dry_run_ref`), then executes and validates, saving the record after each stage.
/// `note` marks an approval given by configuration (`approval_required = false`); `forge`
/// gives the forge client, asked for only when a pull request is opened.
///
/// # Errors
/// No such dry-run (DR-01); it was already executed; its target changed; it has conflicts;
/// the execution failed (recorded, then returned); the log cannot be written.
pub fn approve(
    git: &Git,
    root: &Path,
    common_dir: &Path,
    entry: &SyncEntry,
    execution_id: &str,
    forge: &dyn Fn() -> Result<crate::forge::Gh>,
    note: Option<&str>,
) -> Result<SyncLog> {
    let mut record = log::load(common_dir, &entry.id, execution_id)?;
    if let Some(done) = &record.execution {
        return Err(Error::failed(format!(
            "dry-run `{execution_id}` of sync `{}` was already executed at {} ({})",
            entry.id, done.started_at, done.status
        ))
        .with_hint(format!("run `git release sync {} --dry-run` for a new one", entry.id))
        .into());
    }
    if record.kind != entry.kind
        || record.source != entry.source.location
        || record.target != entry.target.location
    {
        return Err(Error::failed(format!(
            "sync `{}` was reconfigured since dry-run `{execution_id}` (then {} `{}` → `{}`): the approval would be for something else",
            entry.id,
            record.kind.as_str(),
            record.source,
            record.target
        ))
        .with_hint(format!("run `git release sync {} --dry-run` again", entry.id))
        .into());
    }
    let approval = Approval {
        approved: true,
        approved_by: who(git),
        approved_at: now(),
        dry_run_ref: record.execution_id.clone(),
        target_fingerprint: record.dry_run.target_fingerprint.clone(),
        note: note.map(str::to_owned),
    };
    let previous = record.approval.replace(approval);
    let result = execute::execute(git, root, entry, &mut record, forge, &now);
    if record.execution.is_none() {
        // Refused before acting (the target moved, conflicts): the dry-run stays unapproved.
        record.approval = previous;
    }
    log::save(common_dir, &record)?;
    result.map(|()| record)
}
