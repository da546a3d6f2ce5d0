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
pub mod on_release;
pub mod plan;
pub mod report;

use std::path::Path;

use anyhow::Result;

use self::log::{Approval, DryRun, RunPart, SyncLog};
use crate::config::sync::SyncEntry;
use crate::error::Error;
use crate::git::cli::Git;

/// Refuses a record made when `entry` had another kind, source or target.
///
/// # Errors
/// The sync was reconfigured since the dry-run.
pub(crate) fn same_entry(entry: &SyncEntry, record: &SyncLog) -> Result<()> {
    if record.kind != entry.kind
        || record.source != entry.source.location
        || record.target != entry.target.location
    {
        return Err(Error::failed(format!(
            "sync `{}` was reconfigured since dry-run `{}` (then {} `{}` → `{}`): the approval would be for something else",
            entry.id,
            record.execution_id,
            record.kind.as_str(),
            record.source,
            record.target
        ))
        .with_hint(format!("run `git release sync {} --dry-run` again", entry.id))
        .into());
    }
    Ok(())
}

/// A crash injection point for the kill-and-resume tests of `on_release` syncs: when
/// `GIT_RELEASE_FAILPOINT` is `sync:<id>:<when>`, the process aborts there, as a kill would
/// stop it. Compiled only with the test-only `failpoints` feature.
#[cfg(feature = "failpoints")]
pub fn failpoint(sync_id: &str, when: &str) {
    if std::env::var_os("GIT_RELEASE_FAILPOINT")
        .is_some_and(|w| w.to_string_lossy() == format!("sync:{sync_id}:{when}"))
    {
        std::process::abort();
    }
}

/// Without the `failpoints` feature, nothing: see the other `failpoint`.
#[cfg(not(feature = "failpoints"))]
pub fn failpoint(_sync_id: &str, _when: &str) {}

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
    dry_run_of(git, common_dir, entry, None)
}

/// [`dry_run`], for a run when `run` is given ([`on_release::dry_run`]).
fn dry_run_of(
    git: &Git,
    common_dir: &Path,
    entry: &SyncEntry,
    run: Option<RunPart>,
) -> Result<SyncLog> {
    let started = jiff::Timestamp::now();
    let mut diff = if entry.kind.is_git() {
        plan::git_diff(git, entry)?
    } else {
        plan::file_diff(git, entry)?
    };
    if let Some(run) = &run {
        on_release::add_planned(entry, &mut diff, run);
    }
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
        run,
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
    if let Some(run) = &record.run {
        return Err(Error::failed(format!(
            "dry-run `{execution_id}` of sync `{}` was made by run `{}` for its release: that run's gate approves it and that run executes it",
            entry.id, run.run_id
        ))
        .with_hint(format!(
            "resume the run with `git release resume {}`, or run `git release sync {} --dry-run` for a dry-run of your own",
            run.run_id, entry.id
        ))
        .into());
    }
    same_entry(entry, &record)?;
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
