//! Executing an approved dry-run (seed 004 › Sync Workflow steps 3–5; DR-01, DR-06): the
//! target is read again and must still have the dry-run's fingerprint; then exactly the
//! dry-run's changes are applied (an atomic push of its refs, or one commit of its files) and
//! the target is read once more to check the result.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::log::{Action, Applied, Change, Execution, PostValidation, SyncLog};
use super::plan::{self, fingerprint};
use crate::config::sync::{LandMode, SyncEntry};
use crate::error::Error;
use crate::forge::{Forge as _, Gh, Outcome, Request};
use crate::git::cli::{Git, RemoteError};

/// What the execution did, before the post-sync validation.
struct Done {
    pushed: Vec<String>,
    commit: Option<String>,
    pull_request: Option<String>,
}

/// Refuses an approval whose target moved since the dry-run: both states, ref by ref.
pub(crate) fn check_fingerprint(record: &SyncLog, now: &BTreeMap<String, String>) -> Result<()> {
    let seen = &record.dry_run.target_state;
    if fingerprint(now) == record.dry_run.target_fingerprint {
        return Ok(());
    }
    let mut text = format!(
        "the target `{}` of sync `{}` changed since dry-run `{}`: the approval was for another state\n",
        record.target, record.sync_id, record.execution_id
    );
    let _ = writeln!(text, "  dry-run saw: {}", record.dry_run.target_fingerprint);
    let _ = writeln!(text, "  now:         {}", fingerprint(now));
    let mut names: Vec<&String> = seen.keys().chain(now.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (before, after) = (seen.get(name), now.get(name));
        if before != after {
            let show = |id: Option<&String>| id.map_or("(absent)".to_owned(), Clone::clone);
            let _ = writeln!(text, "  {name}: {} → {}", show(before), show(after));
        }
    }
    Err(Error::failed(text.trim_end().to_owned())
        .with_hint(format!(
            "nothing was changed; run `git release sync {} --dry-run` again and approve the new dry-run",
            record.sync_id
        ))
        .into())
}

/// Refuses a dry-run that reported conflicts.
pub(crate) fn check_conflicts(record: &SyncLog) -> Result<()> {
    let conflicts: Vec<&Change> =
        record.dry_run.changes.iter().filter(|c| c.action == Action::Conflict).collect();
    if conflicts.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = conflicts.iter().map(|c| format!("`{}`", c.name)).collect();
    Err(Error::failed(format!(
        "dry-run `{}` of sync `{}` has {} conflict(s): {}",
        record.execution_id,
        record.sync_id,
        conflicts.len(),
        names.join(", ")
    ))
    .with_hint("resolve them on the target, or set `conflict = \"ours\"` or `\"theirs\"`, then dry-run again")
    .into())
}

/// The applied counts of `changes`.
fn applied(changes: &[Change]) -> Applied {
    let mut a = Applied::default();
    for c in changes {
        match c.action {
            Action::Add => a.added += 1,
            Action::Update => a.modified += 1,
            Action::Delete => a.deleted += 1,
            Action::Keep | Action::Conflict => {}
        }
    }
    a
}

/// Checks the target against `record` and applies its dry-run; fills `execution` and
/// `post_validation`. `save` is called after the execution, before the post-sync validation.
///
/// # Errors
/// The target changed since the dry-run or the dry-run has conflicts (nothing done, nothing
/// recorded); the push, the commit or the forge failed (recorded as `failed`, then returned).
pub fn execute(
    git: &Git,
    root: &Path,
    entry: &SyncEntry,
    record: &mut SyncLog,
    forge: &dyn Fn() -> Result<Gh>,
    now: &dyn Fn() -> String,
) -> Result<()> {
    check_conflicts(record)?;
    let started_at = now();
    let result = if entry.kind.is_git() {
        let target = plan::read_side(git, entry, "target")?;
        check_fingerprint(record, &plan::git_target_state(entry, &target))?;
        push_refs(git, entry, record)
    } else {
        let target = plan::read_side(git, entry, "target")?;
        let branch = record.dry_run.target_branch.clone().unwrap_or_else(|| "main".to_owned());
        let head = plan::fetch_target_head(git, entry, &target, &branch)?;
        check_fingerprint(record, &plan::file_target_state(git, entry, head.as_deref())?)?;
        commit_files(git, root, entry, record, head.as_deref(), &branch, forge)
    };
    super::failpoint(&entry.id, "after-push");
    let changes = &record.dry_run.changes;
    match result {
        Ok(done) => {
            record.execution = Some(Execution {
                started_at,
                completed_at: now(),
                status: "success".to_owned(),
                changes_applied: applied(changes),
                pushed: done.pushed.clone(),
                commit: done.commit.clone(),
                pull_request: done.pull_request.clone(),
                errors: Vec::new(),
                note: None,
            });
            let mismatches = post_validate(git, entry, record, &done)?;
            record.post_validation = Some(PostValidation {
                checked_at: now(),
                integrity_verified: mismatches.is_empty(),
                mismatches,
            });
            Ok(())
        }
        Err(e) => {
            record.execution = Some(Execution {
                started_at,
                completed_at: now(),
                status: "failed".to_owned(),
                changes_applied: Applied::default(),
                pushed: Vec::new(),
                commit: None,
                pull_request: None,
                errors: vec![format!("{e:#}")],
                note: None,
            });
            Err(e)
        }
    }
}

/// Pushes exactly the dry-run's added and updated refs, atomically.
fn push_refs(git: &Git, entry: &SyncEntry, record: &SyncLog) -> Result<Done> {
    let mut refspecs = Vec::new();
    let mut leases = Vec::new();
    for c in &record.dry_run.changes {
        if !matches!(c.action, Action::Add | Action::Update) {
            continue;
        }
        let new = c.new.as_deref().expect("an added or updated ref has a new id");
        if !git.has_object(new) {
            return Err(Error::failed(format!(
                "`{new}` ({}) of dry-run `{}` is no longer in this repository",
                c.name, record.execution_id
            ))
            .with_hint(format!("run `git release sync {} --dry-run` again", entry.id))
            .into());
        }
        if c.forced {
            let old = c.old.clone().expect("a forced ref had an old id");
            leases.push((c.name.clone(), old));
        }
        refspecs.push(format!("{new}:{}", c.name));
    }
    if !refspecs.is_empty() {
        git.push_atomic(&entry.target.location, &refspecs, &leases).map_err(|e| {
            let why = match &e {
                RemoteError::Unreachable(t) | RemoteError::Rejected(t) => t.clone(),
                RemoteError::Spawn(..) => e.to_string(),
            };
            Error::failed(format!(
                "the push of sync `{}` to `{}` failed, and moved nothing (it is atomic): {}",
                entry.id,
                entry.target.location,
                why.trim()
            ))
        })?;
    }
    Ok(Done { pushed: refspecs, commit: None, pull_request: None })
}

/// Commits the dry-run's files onto the target branch and lands the commit: a new branch and
/// a pull request, or a fast-forward of the branch (`mode = "direct"`).
fn commit_files(
    git: &Git,
    root: &Path,
    entry: &SyncEntry,
    record: &SyncLog,
    head: Option<&str>,
    branch: &str,
    forge: &dyn Fn() -> Result<Gh>,
) -> Result<Done> {
    let mut edits = Vec::new();
    for c in &record.dry_run.changes {
        match c.action {
            Action::Add | Action::Update => {
                let blob = c.new.clone().expect("an added file has a blob");
                if !git.has_object(&blob) {
                    return Err(Error::failed(format!(
                        "the content of `{}` in dry-run `{}` is no longer in this repository",
                        c.name, record.execution_id
                    ))
                    .with_hint(format!("run `git release sync {} --dry-run` again", entry.id))
                    .into());
                }
                edits.push((c.mode.clone(), blob, c.name.clone()));
            }
            Action::Delete => edits.push((None, String::new(), c.name.clone())),
            Action::Keep | Action::Conflict => {}
        }
    }
    if edits.is_empty() {
        return Ok(Done { pushed: Vec::new(), commit: None, pull_request: None });
    }
    let source_commit = record.dry_run.source_commit.clone().unwrap_or_default();
    let message = format!(
        "chore(sync): {} from {}\n\nSync `{}` ({}), dry-run `{}`, source commit {source_commit}.\n",
        entry.id,
        entry.source.location,
        entry.id,
        entry.kind.as_str(),
        record.execution_id
    );
    let commit = git.commit_tree_with(head, &edits, &message)?;
    let land = match entry.mode {
        LandMode::Direct => branch.to_owned(),
        LandMode::Pr => format!("sync/{}/{}", entry.id, record.execution_id),
    };
    let spec = format!("{commit}:refs/heads/{land}");
    git.push_atomic(&entry.target.location, std::slice::from_ref(&spec), &[]).map_err(|e| {
        Error::failed(format!(
            "the push of sync `{}` to `{}` failed: {}",
            entry.id,
            entry.target.location,
            e.to_string().trim()
        ))
    })?;
    let mut pull_request = None;
    if entry.mode == LandMode::Pr {
        pull_request = Some(open_pr(git, root, entry, record, branch, &land, forge)?);
    }
    Ok(Done { pushed: vec![spec], commit: Some(commit), pull_request })
}

/// Opens the pull request of `head` into `base` in the target repository: the forge client
/// runs in a scratch repository whose `origin` is the target, so it finds that repository.
fn open_pr(
    git: &Git,
    root: &Path,
    entry: &SyncEntry,
    record: &SyncLog,
    base: &str,
    head: &str,
    forge: &dyn Fn() -> Result<Gh>,
) -> Result<String> {
    let location = &entry.target.location;
    let url = git.remote_url(location).unwrap_or_else(|| {
        let local = root.join(location);
        if !location.contains("://") && !location.contains(':') && local.exists() {
            local.display().to_string()
        } else {
            location.clone()
        }
    });
    let scratch = tempfile::Builder::new()
        .prefix("git-release-sync-")
        .tempdir()
        .map_err(|e| Error::failed(format!("failed to create a scratch folder: {e}")))?;
    Git::init_with_origin(scratch.path(), &url)?;
    let title = format!("chore(sync): {} from {}", entry.id, entry.source.location);
    let mut body = format!(
        "Sync `{}` ({}) from `{}`, dry-run `{}`.\n\n",
        entry.id,
        entry.kind.as_str(),
        entry.source.location,
        record.execution_id
    );
    for c in &record.dry_run.changes {
        let verb = match c.action {
            Action::Add => "add",
            Action::Update => "modify",
            Action::Delete => "delete",
            Action::Keep | Action::Conflict => continue,
        };
        let _ = writeln!(body, "- {verb} `{}`", crate::ui::markdown_safe(&c.name));
    }
    let gh = forge()?;
    let request = Request::PrCreate { base, head, title: &title, body: &body };
    match gh.call(scratch.path(), &request) {
        Ok(Outcome::Done(out) | Outcome::AlreadyExists(out)) => Ok(out.trim().to_owned()),
        Err(e) => Err(Error::failed(format!(
            "the branch `{head}` was pushed, but the pull request could not be opened: {}",
            e.failure.message
        ))
        .with_hint(format!("open it by hand from `{head}` into `{base}`"))
        .into()),
    }
}

/// Reads the target again and lists what differs from the intended state.
fn post_validate(
    git: &Git,
    entry: &SyncEntry,
    record: &SyncLog,
    done: &Done,
) -> Result<Vec<String>> {
    let target = plan::read_side(git, entry, "target")?;
    let remote: BTreeMap<&str, &str> =
        target.iter().map(|r| (r.name.as_str(), r.id.as_str())).collect();
    let mut mismatches = Vec::new();
    for spec in &done.pushed {
        let (id, name) = spec.split_once(':').expect("a refspec has a `:`");
        match remote.get(name) {
            Some(now) if *now == id => {}
            Some(now) => mismatches.push(format!("{name} is at {now}, not {id}")),
            None => mismatches.push(format!("{name} is missing, not at {id}")),
        }
    }
    if let Some(commit) = &done.commit {
        let files = plan::file_target_state(git, entry, Some(commit))?;
        for c in &record.dry_run.changes {
            let want = match c.action {
                Action::Add | Action::Update => Some(format!(
                    "{} {}",
                    c.mode.clone().unwrap_or_default(),
                    c.new.clone().unwrap_or_default()
                )),
                Action::Delete => None,
                Action::Keep | Action::Conflict => continue,
            };
            if files.get(&c.name) != want.as_ref() {
                mismatches.push(format!("{} is not as the dry-run intended", c.name));
            }
        }
    }
    Ok(mismatches)
}
