//! The sync log (seed 004 › Sync Log Schema; DR-05, DR-06): one JSON record per execution at
//! `<git common dir>/release/sync/<sync id>/<execution id>.json`, written atomically. The
//! dry-run creates it; the approval, the execution and the post-sync validation are added to
//! the same record, so an execution always points at the dry-run it carried out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::config::sync::SyncType;
use crate::error::Error;
use crate::fsutil;

/// The file: `{"sync_log": {…}}`, seed 004's top-level key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogFile {
    /// The record.
    pub sync_log: SyncLog,
}

/// One execution of a sync, from its dry-run on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncLog {
    /// The `[[sync]]` id.
    pub sync_id: String,
    /// This record's id, `sync-YYYYMMDD-HHMMSS-xxxxxx` (UTC): the `DRYRUN` that
    /// `--approve` names.
    pub execution_id: String,
    /// When the record was created (the dry-run), RFC 3339 UTC.
    pub executed_at: String,
    /// Who ran the dry-run: the git identity, `Name <email>`.
    pub executed_by: String,
    /// The kind of sync.
    #[serde(rename = "type")]
    pub kind: SyncType,
    /// The source's location as configured.
    pub source: String,
    /// The target's location as configured.
    pub target: String,
    /// The dry-run: what would change.
    pub dry_run: DryRun,
    /// The approval, once given.
    pub approval: Option<Approval>,
    /// The execution, once started.
    pub execution: Option<Execution>,
    /// The post-sync validation, once done.
    pub post_validation: Option<PostValidation>,
    /// Set when the dry-run was made by `git release run` for a `trigger = "on_release"`
    /// sync: that run's gate approves it and that run executes it, never `--approve`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunPart>,
}

/// The part of a record a run's `on_release` sync adds (issue 18 item 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunPart {
    /// The run, `release-YYYYMMDD-xxxxxx`.
    pub run_id: String,
    /// What the run itself makes, which the dry-run cannot know the ids of: full ref names
    /// (the release tags, the release branch) for git syncs, paths (version files,
    /// changelogs) for file syncs. Their changes carry `new: null` in the dry-run, and the
    /// execution takes their ids from the source as the run left it.
    pub planned: Vec<String>,
}

/// The dry-run part of the record (DR-02, DR-03, DR-05).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DryRun {
    /// When it ran, RFC 3339 UTC.
    pub executed_at: String,
    /// Pre-sync validation: both sides were read (`git ls-remote`) and were reachable.
    pub pre_validation: PreValidation,
    /// The counts.
    pub result: Counts,
    /// One line saying what would change.
    pub diff_summary: String,
    /// Where the full diff is: this record's `changes`, as `<file>#changes`.
    pub diff_ref: String,
    /// Every change, conflict and kept item, in order.
    pub changes: Vec<Change>,
    /// `sha256:<hex>` of the target state the dry-run saw (`target_state`): an approval
    /// executes only while the target still has this fingerprint.
    pub target_fingerprint: String,
    /// The target state the dry-run saw: ref or file name → id (`mode id` for a file).
    pub target_state: BTreeMap<String, String>,
    /// File syncs: the source commit the files come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
    /// File syncs: the target branch the commit goes onto (or the PR into).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_branch: Option<String>,
}

/// What the pre-sync validation found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreValidation {
    /// The source answered `git ls-remote`.
    pub source_reachable: bool,
    /// The target answered `git ls-remote` (so its credentials work for reading).
    pub target_reachable: bool,
}

/// Seed 004's counts, for files and for refs, plus what is left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Files the target does not have.
    pub files_to_add: usize,
    /// Files the target has with other content or mode.
    pub files_to_modify: usize,
    /// Included files only the target has, deleted under `conflict = "theirs"`.
    pub files_to_delete: usize,
    /// Refs the target does not have.
    pub refs_to_add: usize,
    /// Refs the target has at another id.
    pub refs_to_update: usize,
    /// Refs to delete: always 0, a sync never deletes a ref.
    pub refs_to_delete: usize,
    /// The sum of the six above.
    pub total_changes: usize,
    /// Items left as the target has them (`conflict = "ours"`, or only on the target).
    pub kept: usize,
    /// Items that stop the sync (`conflict = "fail"`, or a tag that would move).
    pub conflicts: usize,
}

/// What happens to one ref or file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Created on the target.
    Add,
    /// Moved (a ref) or rewritten (a file) on the target.
    Update,
    /// Deleted on the target (files under `conflict = "theirs"` only).
    Delete,
    /// Left as the target has it.
    Keep,
    /// Stops the sync.
    Conflict,
}

/// One ref or file of the diff report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What happens.
    pub action: Action,
    /// `ref` or `file`.
    pub item: String,
    /// The full ref name, or the file's path.
    pub name: String,
    /// The target's id before (`None`: absent).
    pub old: Option<String>,
    /// The id after (`None`: absent or unchanged; or, in a run's dry-run, made by the run:
    /// see [`RunPart::planned`]).
    pub new: Option<String>,
    /// Files: the mode after (`100644`, `100755`, `120000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// A branch moved with `--force-with-lease=<ref>:<old>` (`conflict = "theirs"`).
    #[serde(default)]
    pub forced: bool,
    /// Why it is kept or conflicting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The approval (DR-06).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approval {
    /// Always true in a record: a refused approval executes nothing and is not recorded.
    pub approved: bool,
    /// Who: the git identity, `Name <email>`.
    pub approved_by: String,
    /// When, RFC 3339 UTC.
    pub approved_at: String,
    /// The dry-run it approves: `<execution id>` (this record's `dry_run`).
    pub dry_run_ref: String,
    /// The target fingerprint it was checked against.
    pub target_fingerprint: String,
    /// Set when the sync has `approval_required = false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The execution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    /// When it started, RFC 3339 UTC.
    pub started_at: String,
    /// When it ended.
    pub completed_at: String,
    /// `success` or `failed` (a push is atomic: nothing is ever partial).
    pub status: String,
    /// What was applied.
    pub changes_applied: Applied,
    /// The refspecs pushed, exactly.
    pub pushed: Vec<String>,
    /// File syncs: the commit made on the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// File syncs in PR mode: the pull request's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<String>,
    /// What went wrong.
    pub errors: Vec<String>,
    /// Set when the target was found already as intended, so nothing was pushed (a process
    /// stopped after its push and before recording it, then resumed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Seed 004's applied counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Applied {
    /// Refs or files added.
    pub added: usize,
    /// Refs or files updated.
    pub modified: usize,
    /// Files deleted.
    pub deleted: usize,
}

/// The post-sync validation: the target read again and compared with the intended state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostValidation {
    /// When, RFC 3339 UTC.
    pub checked_at: String,
    /// Every changed ref or file is as intended.
    pub integrity_verified: bool,
    /// What differs, one line each.
    pub mismatches: Vec<String>,
}

/// The folder of a sync's records: `<common dir>/release/sync/<id>`.
pub fn folder(common_dir: &Path, sync_id: &str) -> PathBuf {
    common_dir.join("release").join("sync").join(sync_id)
}

/// The file of one record.
pub fn path(common_dir: &Path, sync_id: &str, execution_id: &str) -> PathBuf {
    folder(common_dir, sync_id).join(format!("{execution_id}.json"))
}

/// A new execution id for `now`: `sync-YYYYMMDD-HHMMSS-xxxxxx`, six random hex digits
/// (fastrand); sorts by time.
pub fn new_execution_id(now: jiff::Timestamp) -> String {
    format!("sync-{}-{:06x}", now.strftime("%Y%m%d-%H%M%S"), fastrand::u32(..0x0100_0000))
}

/// Whether `id` has the form of an execution id (and so is safe as a file name).
pub fn is_execution_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("sync-") else { return false };
    let parts: Vec<&str> = rest.split('-').collect();
    matches!(parts[..], [d, t, h]
        if d.len() == 8 && t.len() == 6 && h.len() == 6
            && d.bytes().chain(t.bytes()).all(|b| b.is_ascii_digit())
            && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// `now` as RFC 3339 UTC to the second ([`crate::time::timestamp`], the run state's format).
pub fn timestamp(now: jiff::Timestamp) -> String {
    let seconds = u64::try_from(now.as_second()).unwrap_or(0);
    crate::time::timestamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds))
}

/// Writes `record` to its file atomically, creating the folders.
///
/// # Errors
/// The folder cannot be created or the file written.
pub fn save(common_dir: &Path, record: &SyncLog) -> Result<PathBuf> {
    let file = path(common_dir, &record.sync_id, &record.execution_id);
    let dir = file.parent().expect("a record's file has a folder");
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    let mut text = serde_json::to_string_pretty(&LogFile { sync_log: record.clone() })
        .expect("a sync log always serialises");
    text.push('\n');
    fsutil::write_atomically(&file, text.as_bytes())?;
    Ok(file)
}

/// Reads the record `execution_id` of sync `sync_id`.
///
/// # Errors
/// Not an execution id, or no such record (exit 2, DR-01: execution needs a dry-run); a record
/// that is not valid JSON of this shape (exit 1, naming the file).
pub fn load(common_dir: &Path, sync_id: &str, execution_id: &str) -> Result<SyncLog> {
    if !is_execution_id(execution_id) {
        return Err(Error::usage(format!(
            "`{execution_id}` is not a dry-run id (`sync-YYYYMMDD-HHMMSS-xxxxxx`)"
        ))
        .with_hint(format!("list the dry-runs with `git release sync --log {sync_id}`"))
        .into());
    }
    let file = path(common_dir, sync_id, execution_id);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::usage(format!(
                "sync `{sync_id}` has no dry-run `{execution_id}`: a sync executes only a recorded dry-run (DR-01)"
            ))
            .with_hint(format!("run `git release sync {sync_id} --dry-run` first"))
            .into());
        }
        Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", file.display())),
    };
    let parsed: LogFile = serde_json::from_str(&text).map_err(|e| {
        Error::failed(format!("sync log `{}` is not a valid record: {e}", file.display()))
    })?;
    Ok(parsed.sync_log)
}

/// Every record of `sync_id` (every sync when `None`), oldest first; files that do not parse
/// are skipped and named in the second list.
///
/// # Errors
/// A folder that exists but cannot be read.
pub fn list(common_dir: &Path, sync_id: Option<&str>) -> Result<(Vec<SyncLog>, Vec<PathBuf>)> {
    let root = common_dir.join("release").join("sync");
    let ids: Vec<String> = match sync_id {
        Some(id) => vec![id.to_owned()],
        None => match std::fs::read_dir(&root) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(e).with_context(|| format!("failed to read `{}`", root.display()));
            }
        },
    };
    let mut records = Vec::new();
    let mut bad = Vec::new();
    for id in ids {
        let dir = folder(common_dir, &id);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", dir.display())),
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(execution) = name.strip_suffix(".json") else { continue };
            if !is_execution_id(execution) {
                continue;
            }
            match std::fs::read_to_string(entry.path())
                .ok()
                .and_then(|t| serde_json::from_str::<LogFile>(&t).ok())
            {
                Some(file) => records.push(file.sync_log),
                None => bad.push(entry.path()),
            }
        }
    }
    records.sort_by(|a, b| {
        (a.execution_id.get(5..), &a.sync_id).cmp(&(b.execution_id.get(5..), &b.sync_id))
    });
    Ok((records, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_ids_are_recognised() {
        let id = new_execution_id(jiff::Timestamp::from_second(1_740_477_600).expect("valid"));
        assert!(id.starts_with("sync-20250225-100000-"), "{id}");
        assert!(is_execution_id(&id));
        for bad in [
            "sync-20250225-100000",
            "../x",
            "sync-2025022-100000-abcdef",
            "sync-20250225-100000-ABCDEF",
        ] {
            assert!(!is_execution_id(bad), "{bad}");
        }
    }
}
