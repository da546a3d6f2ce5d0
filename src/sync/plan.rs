//! The dry-run of a sync (seed 004 › Sync Workflow steps 1–2; DR-02 to DR-04): pre-sync
//! validation, then the complete diff between the source and the target, read without
//! changing either. The only writes are to this repository's private namespace
//! `refs/git-release/sync/<id>/…`, where the source's objects are fetched so the approval can
//! push exactly the ids the dry-run reported.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;
use sha2::{Digest as _, Sha256};

use super::log::{Action, Change, Counts, PreValidation};
use crate::config::sync::{Conflict, SyncEntry, ref_matches};
use crate::error::Error;
use crate::git::cli::{AdvertisedRef, Git, RemoteError};

/// What a dry-run found: the part of the log record it fills.
#[derive(Debug, Clone)]
pub struct Diff {
    /// Both sides answered.
    pub pre_validation: PreValidation,
    /// Every change, kept item and conflict.
    pub changes: Vec<Change>,
    /// The target state it saw, name → id.
    pub target_state: BTreeMap<String, String>,
    /// File syncs: the source commit.
    pub source_commit: Option<String>,
    /// File syncs: the target branch.
    pub target_branch: Option<String>,
    /// File syncs: the target branch's commit (`None` when the branch does not exist yet).
    pub target_head: Option<String>,
}

/// The private namespace of sync `id` in this repository.
pub fn namespace(id: &str) -> String {
    format!("refs/git-release/sync/{id}")
}

/// `sha256:<hex>` of a target state (`name id` lines in name order).
pub fn fingerprint(state: &BTreeMap<String, String>) -> String {
    let mut hash = Sha256::new();
    for (name, id) in state {
        hash.update(format!("{name} {id}\n").as_bytes());
    }
    let mut text = String::from("sha256:");
    for byte in hash.finalize() {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The counts of `changes`.
pub fn count(changes: &[Change]) -> Counts {
    let mut c = Counts::default();
    for ch in changes {
        let file = ch.item == "file";
        match (ch.action, file) {
            (Action::Add, true) => c.files_to_add += 1,
            (Action::Update, true) => c.files_to_modify += 1,
            (Action::Delete, true) => c.files_to_delete += 1,
            (Action::Add, false) => c.refs_to_add += 1,
            (Action::Update, false) => c.refs_to_update += 1,
            (Action::Delete, false) => c.refs_to_delete += 1,
            (Action::Keep, _) => c.kept += 1,
            (Action::Conflict, _) => c.conflicts += 1,
        }
    }
    c.total_changes = c.files_to_add
        + c.files_to_modify
        + c.files_to_delete
        + c.refs_to_add
        + c.refs_to_update
        + c.refs_to_delete;
    c
}

/// One line: `2 refs to add, 1 to update, 0 to delete; 1 kept; no conflict`.
pub fn summary(entry: &SyncEntry, c: &Counts) -> String {
    let (what, add, update, delete) = if entry.kind.is_git() {
        ("refs", c.refs_to_add, c.refs_to_update, c.refs_to_delete)
    } else {
        ("files", c.files_to_add, c.files_to_modify, c.files_to_delete)
    };
    let verb = if entry.kind.is_git() { "update" } else { "modify" };
    let conflicts = match c.conflicts {
        0 => "no conflict".to_owned(),
        1 => "1 conflict".to_owned(),
        n => format!("{n} conflicts"),
    };
    format!(
        "{add} {what} to add, {update} to {verb}, {delete} to delete ({} changes); {} kept; {conflicts}",
        c.total_changes, c.kept
    )
}

/// Reads one side with `git ls-remote` (pre-sync validation: reachable, credentials work).
///
/// # Errors
/// The side cannot be read: an error naming the sync, the side and the location, with git's
/// reason and a hint.
pub fn read_side(git: &Git, entry: &SyncEntry, side: &str) -> Result<Vec<AdvertisedRef>> {
    let location = if side == "source" { &entry.source.location } else { &entry.target.location };
    git.ls_remote_all(location).map_err(|e| {
        let why = match &e {
            RemoteError::Unreachable(text) | RemoteError::Rejected(text) => text.clone(),
            RemoteError::Spawn(..) => e.to_string(),
        };
        Error::failed(format!(
            "pre-sync validation of `{}`: cannot read the {side} `{location}`: {why}",
            entry.id
        ))
        .with_hint(
            "check the location, the network and the credentials (`git ls-remote` must work)",
        )
        .into()
    })
}

/// The target state of a git sync: its refs matching the sync's patterns.
pub fn git_target_state(entry: &SyncEntry, target: &[AdvertisedRef]) -> BTreeMap<String, String> {
    target
        .iter()
        .filter(|r| entry.refs.iter().any(|p| ref_matches(p, &r.name)))
        .map(|r| (r.name.clone(), r.id.clone()))
        .collect()
}

/// The dry-run of a git sync (`upstream`, `downstream`).
///
/// # Errors
/// Either side cannot be read; the source's refs cannot be fetched.
pub fn git_diff(git: &Git, entry: &SyncEntry) -> Result<Diff> {
    let source = read_side(git, entry, "source")?;
    let target = read_side(git, entry, "target")?;
    let ns = format!("{}/source", namespace(&entry.id));
    // A pattern without `*` that the source lacks would make the fetch fail: fetch only
    // those it has. Globs that match nothing are fine.
    let refspecs: Vec<String> = entry
        .refs
        .iter()
        .filter(|p| p.contains('*') || source.iter().any(|r| &r.name == *p))
        .map(|p| format!("+{p}:{ns}/{}", p.trim_start_matches("refs/")))
        .collect();
    if !refspecs.is_empty() {
        git.fetch_refspecs(&entry.source.location, &refspecs).map_err(|e| {
            Error::failed(format!(
                "cannot fetch the refs of sync `{}` from `{}`: {e:#}",
                entry.id, entry.source.location
            ))
        })?;
    }
    let fetched: BTreeMap<String, String> = git
        .refs_under(&format!("{ns}/"))?
        .into_iter()
        .map(|r| (format!("refs/{}", r.name.trim_start_matches(&format!("{ns}/"))), r.id))
        .filter(|(name, _)| entry.refs.iter().any(|p| ref_matches(p, name)))
        .filter(|(name, _)| source.iter().any(|r| &r.name == name))
        .collect();
    let target_state = git_target_state(entry, &target);
    let mut changes = Vec::new();
    for (name, new) in &fetched {
        let change = |action, old: Option<&String>, forced, note: Option<&str>| Change {
            action,
            item: "ref".to_owned(),
            name: name.clone(),
            old: old.cloned(),
            new: Some(new.clone()),
            mode: None,
            forced,
            note: note.map(str::to_owned),
        };
        match target_state.get(name) {
            None => changes.push(change(Action::Add, None, false, None)),
            Some(old) if old == new => {}
            Some(old) => {
                let branch = name.starts_with("refs/heads/");
                if branch && git.is_ancestor(old, new) {
                    changes.push(change(Action::Update, Some(old), false, None));
                } else if branch && entry.conflict == Conflict::Theirs {
                    changes.push(change(
                        Action::Update,
                        Some(old),
                        true,
                        Some("not a fast-forward: forced with a lease on the old id (conflict = \"theirs\")"),
                    ));
                } else if entry.conflict == Conflict::Ours {
                    changes.push(change(
                        Action::Keep,
                        Some(old),
                        false,
                        Some("the target's differs and is kept (conflict = \"ours\")"),
                    ));
                } else if branch {
                    changes.push(change(
                        Action::Conflict,
                        Some(old),
                        false,
                        Some("the branches diverged; set `conflict = \"theirs\"` to force it with a lease, or `\"ours\"` to keep the target's"),
                    ));
                } else {
                    changes.push(change(
                        Action::Conflict,
                        Some(old),
                        false,
                        Some("the target has it at another id, and a sync never moves a tag or other ref"),
                    ));
                }
            }
        }
    }
    for (name, old) in &target_state {
        if !fetched.contains_key(name) {
            changes.push(Change {
                action: Action::Keep,
                item: "ref".to_owned(),
                name: name.clone(),
                old: Some(old.clone()),
                new: None,
                mode: None,
                forced: false,
                note: Some("only on the target; a sync never deletes a ref".to_owned()),
            });
        }
    }
    Ok(Diff {
        pre_validation: PreValidation { source_reachable: true, target_reachable: true },
        changes,
        target_state,
        source_commit: None,
        target_branch: None,
        target_head: None,
    })
}

/// The pathspecs of a file sync: each `include` as `:(glob)`, each `exclude` as
/// `:(glob,exclude)`; git does the matching.
pub fn pathspecs(entry: &SyncEntry) -> Vec<String> {
    let mut specs: Vec<String> = entry.include.iter().map(|g| format!(":(glob){g}")).collect();
    specs.extend(entry.exclude.iter().map(|g| format!(":(glob,exclude){g}")));
    specs
}

/// The branch a file sync writes to: the configured one, else the target's default branch
/// (its `HEAD`), else `main`.
fn target_branch(git: &Git, entry: &SyncEntry) -> String {
    entry.target.branch.clone().unwrap_or_else(|| {
        git.remote_default_branch(&entry.target.location).unwrap_or_else(|| "main".to_owned())
    })
}

/// Fetches the target branch of a file sync into the private namespace; its commit, or
/// `None` when the target has no such branch yet.
///
/// # Errors
/// The fetch fails.
pub fn fetch_target_head(
    git: &Git,
    entry: &SyncEntry,
    target: &[AdvertisedRef],
    branch: &str,
) -> Result<Option<String>> {
    let full = format!("refs/heads/{branch}");
    if !target.iter().any(|r| r.name == full) {
        return Ok(None);
    }
    let private = format!("{}/target", namespace(&entry.id));
    git.fetch_refspecs(&entry.target.location, &[format!("+{full}:{private}")]).map_err(|e| {
        Error::failed(format!(
            "cannot fetch `{branch}` of `{}` for sync `{}`: {e:#}",
            entry.target.location, entry.id
        ))
    })?;
    Ok(git.rev_parse(&private))
}

/// The target state of a file sync: its included files at `head` (`path` → `mode id`).
///
/// # Errors
/// git fails.
pub fn file_target_state(
    git: &Git,
    entry: &SyncEntry,
    head: Option<&str>,
) -> Result<BTreeMap<String, String>> {
    let Some(head) = head else { return Ok(BTreeMap::new()) };
    let empty = git.empty_tree()?;
    Ok(git
        .diff_tree(&empty, head, &pathspecs(entry))?
        .into_iter()
        .map(|c| (c.path, format!("{} {}", c.new_mode, c.new_id)))
        .collect())
}

/// The dry-run of a file sync (`cross_repo`, `config`).
///
/// # Errors
/// Either side cannot be read or fetched; git fails.
pub fn file_diff(git: &Git, entry: &SyncEntry) -> Result<Diff> {
    let source = read_side(git, entry, "source")?;
    let target = read_side(git, entry, "target")?;
    let wanted = entry
        .source
        .branch
        .as_ref()
        .map_or_else(|| "HEAD".to_owned(), |b| format!("refs/heads/{b}"));
    if !source.iter().any(|r| r.name == wanted) && wanted != "HEAD" {
        return Err(Error::failed(format!(
            "sync `{}`: the source `{}` has no branch `{}`",
            entry.id,
            entry.source.location,
            entry.source.branch.as_deref().unwrap_or_default()
        ))
        .into());
    }
    let private = format!("{}/source", namespace(&entry.id));
    git.fetch_refspecs(&entry.source.location, &[format!("+{wanted}:{private}")]).map_err(|e| {
        Error::failed(format!(
            "cannot fetch `{wanted}` of `{}` for sync `{}`: {e:#}",
            entry.source.location, entry.id
        ))
    })?;
    let source_commit = git.rev_parse(&private).ok_or_else(|| {
        Error::failed(format!("sync `{}`: the source's `{wanted}` was not fetched", entry.id))
    })?;
    let branch = target_branch(git, entry);
    let head = fetch_target_head(git, entry, &target, &branch)?;
    let target_state = file_target_state(git, entry, head.as_deref())?;
    let from = match &head {
        Some(head) => head.clone(),
        None => git.empty_tree()?,
    };
    let mut changes = Vec::new();
    for raw in git.diff_tree(&from, &source_commit, &pathspecs(entry))? {
        let old = (raw.status != 'A').then(|| raw.old_id.clone());
        let new = (raw.status != 'D').then(|| raw.new_id.clone());
        let mode = (raw.status != 'D').then(|| raw.new_mode.clone());
        let (action, note) = match (raw.status, entry.conflict) {
            ('A', _) if raw.new_mode == "160000" => {
                (Action::Conflict, Some("a submodule is not copied"))
            }
            ('A', _) => (Action::Add, None),
            ('D', Conflict::Theirs) => (Action::Delete, None),
            ('D', _) => {
                (Action::Keep, Some("only in the target; deleted only under conflict = \"theirs\""))
            }
            (_, Conflict::Theirs) if raw.new_mode == "160000" => {
                (Action::Conflict, Some("a submodule is not copied"))
            }
            (_, Conflict::Theirs) => (Action::Update, None),
            (_, Conflict::Ours) => {
                (Action::Keep, Some("the target's differs and is kept (conflict = \"ours\")"))
            }
            (_, Conflict::Fail) => (
                Action::Conflict,
                Some(
                    "the target's differs; set `conflict = \"theirs\"` to replace it, or `\"ours\"` to keep it",
                ),
            ),
        };
        changes.push(Change {
            action,
            item: "file".to_owned(),
            name: raw.path,
            old,
            new,
            mode,
            forced: false,
            note: note.map(str::to_owned),
        });
    }
    Ok(Diff {
        pre_validation: PreValidation { source_reachable: true, target_reachable: true },
        changes,
        target_state,
        source_commit: Some(source_commit),
        target_branch: Some(branch),
        target_head: head,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_depends_on_every_ref() {
        let a: BTreeMap<String, String> = [("refs/tags/v1".to_owned(), "aa".to_owned())].into();
        let mut b = a.clone();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        b.insert("refs/tags/v2".to_owned(), "bb".to_owned());
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert!(fingerprint(&BTreeMap::new()).starts_with("sha256:"));
    }
}
