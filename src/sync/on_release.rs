//! `trigger = "on_release"` syncs inside `git release run` (issue 18 item 4; seed 004 ›
//! Sync Types: upstream and downstream syncs run "on release").
//!
//! The run makes the sync's dry-run before its gate: the diff `sync --dry-run` computes,
//! plus what the run itself will make ([`RunPart::planned`]: the release tags and branch, or
//! the version files and changelogs), whose ids nobody knows yet. The gate approves that
//! dry-run (the approval in the log names it, DR-06). After every package is published the
//! run executes it ([`execute`]): the target must still have the fingerprint the dry-run
//! saw, and the source may differ from the dry-run only by what the run planned; then the
//! changes are applied as `sync --approve` applies them. A sync whose target already is as
//! intended is done, so a run killed before, during or after the sync resumes to one end.

use std::path::Path;

use anyhow::Result;

use super::log::{self, Action, Approval, Change, Execution, PostValidation, RunPart, SyncLog};
use super::plan::{self, Diff, fingerprint};
use super::{execute as exec, now};
use crate::config::sync::{SyncEntry, ref_matches};
use crate::error::Error;
use crate::forge::Gh;
use crate::git::cli::Git;

/// The dry-run a run makes of `entry` before its gate (recorded in the sync log with `run`):
/// [`super::dry_run`]'s diff plus the changes `run.planned` will make.
///
/// # Errors
/// As [`super::dry_run`].
pub fn dry_run(git: &Git, common_dir: &Path, entry: &SyncEntry, run: RunPart) -> Result<SyncLog> {
    super::dry_run_of(git, common_dir, entry, Some(run))
}

/// Puts the changes the run will make into a dry-run's `diff`: for a git sync, each planned
/// ref its patterns cover, as an `add` (or an `update` of a branch the target has, or a
/// conflict for a tag it has: a sync never moves a tag) with no new id yet. A file sync's
/// planned paths are not listed (whether the run changes an included file is known only once
/// it has); the execution accepts changes to them.
pub(crate) fn add_planned(entry: &SyncEntry, diff: &mut Diff, run: &RunPart) {
    if !entry.kind.is_git() {
        return;
    }
    for name in run.planned.iter().filter(|n| entry.refs.iter().any(|p| ref_matches(p, n))) {
        diff.changes.retain(|c| &c.name != name);
        let old = diff.target_state.get(name).cloned();
        let branch = name.starts_with("refs/heads/");
        let (action, note) = match (&old, branch) {
            (None, _) => (
                Action::Add,
                format!("made by run `{}`: its id is known once the run makes it", run.run_id),
            ),
            (Some(_), true) => {
                (Action::Update, format!("moved by run `{}` to the released commit", run.run_id))
            }
            (Some(_), false) => (
                Action::Conflict,
                "the target already has this tag, and a sync never moves a tag".to_owned(),
            ),
        };
        diff.changes.push(Change {
            action,
            item: "ref".to_owned(),
            name: name.clone(),
            old,
            new: None,
            mode: None,
            forced: false,
            note: Some(note),
        });
    }
}

/// Records the approval of a run's dry-run `execution_id` given by the run's gate (who,
/// when, `dry_run_ref`; `note` says which run and plan), unless one is recorded already.
///
/// # Errors
/// No such record; the log cannot be written.
pub fn approve(
    common_dir: &Path,
    sync_id: &str,
    execution_id: &str,
    approved_by: &str,
    note: &str,
) -> Result<SyncLog> {
    let mut record = log::load(common_dir, sync_id, execution_id)?;
    if record.approval.is_none() {
        record.approval = Some(Approval {
            approved: true,
            approved_by: approved_by.to_owned(),
            approved_at: now(),
            dry_run_ref: record.execution_id.clone(),
            target_fingerprint: record.dry_run.target_fingerprint.clone(),
            note: Some(note.to_owned()),
        });
        log::save(common_dir, &record)?;
    }
    Ok(record)
}

/// Whether a change still has to be made on the target.
fn pending(c: &Change) -> bool {
    matches!(c.action, Action::Add | Action::Update | Action::Delete | Action::Conflict)
}

/// Executes the run's approved dry-run `execution_id` of `entry` (the caller holds the
/// sync's lock): done at once when it was executed, or when the target already is as
/// intended; otherwise the target is read again and must have the dry-run's fingerprint,
/// the source may differ from the dry-run only by the run's planned refs or files, and the
/// changes are applied and validated. Every outcome is saved in the record.
///
/// # Errors
/// The record is missing or is not a run's; the sync was reconfigured; the target moved
/// (both states shown); the source changed beyond the run; a conflict; the push, commit or
/// forge failed (recorded as `failed`); the log cannot be written.
pub fn execute(
    git: &Git,
    root: &Path,
    common_dir: &Path,
    entry: &SyncEntry,
    execution_id: &str,
    forge: &dyn Fn() -> Result<Gh>,
) -> Result<SyncLog> {
    let mut record = log::load(common_dir, &entry.id, execution_id)?;
    let Some(run) = record.run.clone() else {
        return Err(Error::failed(format!(
            "dry-run `{execution_id}` of sync `{}` was not made by a run",
            entry.id
        ))
        .into());
    };
    super::same_entry(entry, &record)?;
    if record.execution.as_ref().is_some_and(|e| e.status == "success") {
        return Ok(record);
    }
    if record.approval.is_none() {
        return Err(Error::failed(format!(
            "dry-run `{execution_id}` of sync `{}` has no approval recorded",
            entry.id
        ))
        .with_hint(format!("resume the run: `git release resume {}`", run.run_id))
        .into());
    }
    // A failed attempt is tried again: the approval stands, the execution is redone.
    record.execution = None;
    record.post_validation = None;
    let diff = if entry.kind.is_git() {
        plan::git_diff(git, entry)?
    } else {
        plan::file_diff(git, entry)?
    };
    // A ref the dry-run meant to add or move that the target lacks and the source no longer
    // offers would make an empty push look like success.
    let missing: Vec<String> = if entry.kind.is_git() {
        record
            .dry_run
            .changes
            .iter()
            .filter(|a| matches!(a.action, Action::Add | Action::Update))
            .filter(|a| !diff.target_state.contains_key(&a.name))
            .filter(|a| !diff.changes.iter().any(|c| c.name == a.name && pending(c)))
            .map(|a| format!("`{}`", a.name))
            .collect()
    } else {
        Vec::new()
    };
    if !missing.is_empty() {
        return Err(Error::failed(format!(
            "the source `{}` of sync `{}` no longer has what dry-run `{execution_id}` meant to push: {}",
            entry.source.location,
            entry.id,
            missing.join(", ")
        ))
        .with_hint(format!(
            "nothing was changed; check the source (did run `{}` make them?), then resume with `git release resume {}`",
            run.run_id, run.run_id
        ))
        .into());
    }
    if !diff.changes.iter().any(pending) {
        let at = now();
        record.execution = Some(Execution {
            started_at: at.clone(),
            completed_at: at.clone(),
            status: "success".to_owned(),
            changes_applied: log::Applied::default(),
            pushed: Vec::new(),
            commit: None,
            pull_request: None,
            errors: Vec::new(),
            note: Some(
                "the target already was as intended: nothing left to push (an earlier attempt was stopped after it acted)"
                    .to_owned(),
            ),
        });
        record.post_validation = Some(PostValidation {
            checked_at: at,
            integrity_verified: true,
            mismatches: Vec::new(),
        });
        log::save(common_dir, &record)?;
        return Ok(record);
    }
    let hint = format!(
        "nothing was changed; make the target and source right, then resume with `git release resume {}` (a sync the target already matches is done), or sync by hand with `git release sync {} --dry-run` and `--approve`",
        run.run_id, entry.id
    );
    if fingerprint(&diff.target_state) != record.dry_run.target_fingerprint {
        let err = exec::check_fingerprint(&record, &diff.target_state)
            .expect_err("the fingerprints differ");
        return Err(err.context(
            Error::failed(format!("sync `{}` of run `{}` was not executed", entry.id, run.run_id))
                .with_hint(hint),
        ));
    }
    let approved = |c: &Change| {
        (c.action != Action::Conflict && run.planned.contains(&c.name))
            || record.dry_run.changes.iter().any(|a| {
                a.name == c.name && a.action == c.action && a.new == c.new && a.forced == c.forced
            })
    };
    let unapproved: Vec<String> = diff
        .changes
        .iter()
        .filter(|c| pending(c) && !approved(c))
        .map(|c| format!("{:?} `{}`", c.action, c.name).to_lowercase())
        .collect();
    if !unapproved.is_empty() {
        return Err(Error::failed(format!(
            "the source of sync `{}` changed since dry-run `{execution_id}`, which run `{}` approved, beyond what the run made: {}",
            entry.id,
            run.run_id,
            unapproved.join(", ")
        ))
        .with_hint(hint)
        .into());
    }
    // Exactly the diff just read: the approved changes, the planned ones with their ids.
    let mut effective = record.clone();
    effective.dry_run.changes = diff.changes;
    effective.dry_run.source_commit = diff.source_commit;
    effective.dry_run.target_branch = diff.target_branch;
    let result = exec::execute(git, root, entry, &mut effective, forge, &now);
    record.execution = effective.execution;
    record.post_validation = effective.post_validation;
    log::save(common_dir, &record)?;
    result.map(|()| record)
}
