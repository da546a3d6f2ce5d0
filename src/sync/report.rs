//! What `git release sync` prints: the dry-run's diff report (DR-02: readable; DR-03: every
//! add, update, delete, kept item and conflict), the execution, and the log listing; as
//! text or as JSON (the records themselves, seed 004's `sync_log` shape).

use std::fmt::Write as _;

use serde::Serialize;

use super::log::{Action, Change, LogFile, SyncLog};
use crate::ui::{command_line, plain_table};

/// The first 12 characters of an id, for people.
fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// One change as a line: `add      refs/tags/v1.1.0  → 1a2b3c4d5e6f`.
fn change_line(c: &Change) -> [String; 3] {
    let action = match c.action {
        Action::Add => "add",
        Action::Update if c.forced => "force",
        Action::Update if c.item == "file" => "modify",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::Keep => "keep",
        Action::Conflict => "conflict",
    };
    let ids = match (c.old.as_deref(), c.new.as_deref(), c.action) {
        (old, _, Action::Keep) => format!("{} (kept)", old.map_or("(absent)", short)),
        (None, Some(new), _) => format!("(none) → {}", short(new)),
        (Some(old), Some(new), _) => format!("{} → {}", short(old), short(new)),
        (Some(old), None, Action::Delete) => format!("{} → (deleted)", short(old)),
        // A run's dry-run: the run makes the new id (`RunPart::planned`).
        (Some(old), None, _) => format!("{} → (the run's)", short(old)),
        (None, None, _) => "(none) → (the run's)".to_owned(),
    };
    let note = c.note.as_deref().map(|n| format!("  {n}")).unwrap_or_default();
    [action.to_owned(), c.name.clone(), format!("{ids}{note}")]
}

/// The dry-run of one sync, as text.
pub fn dry_run_text(record: &SyncLog) -> String {
    let d = &record.dry_run;
    let mut out = format!(
        "sync `{}` ({}): `{}` → `{}`{}\n",
        record.sync_id,
        record.kind.as_str(),
        record.source,
        record.target,
        d.target_branch.as_deref().map(|b| format!(" branch `{b}`")).unwrap_or_default()
    );
    if d.changes.is_empty() {
        out.push_str("  nothing to change: the target already matches\n");
    } else {
        let table = plain_table(["ACTION", "NAME", "OLD → NEW"], d.changes.iter().map(change_line));
        for line in table.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(out, "{}", d.diff_summary);
    let _ = writeln!(out, "target fingerprint {}", d.target_fingerprint);
    let _ = writeln!(out, "dry-run `{}` recorded; nothing was changed", record.execution_id);
    if let Some(run) = &record.run {
        let _ = writeln!(
            out,
            "run `{}` executes it after every package is published, once its gate approves it (trigger = \"on_release\")",
            run.run_id
        );
        if !record.kind.is_git() && !run.planned.is_empty() {
            let _ = writeln!(
                out,
                "the files the run changes are synced too where included: {}",
                run.planned.join(", ")
            );
        }
        if d.result.conflicts > 0 {
            let _ = writeln!(out, "its conflicts stop the run before anything is released");
        }
    } else if d.result.conflicts > 0 {
        let _ = writeln!(out, "it cannot be approved until its conflicts are resolved");
    } else if d.result.total_changes > 0 {
        let approve = command_line(&[
            "git",
            "release",
            "sync",
            &record.sync_id,
            "--approve",
            &record.execution_id,
        ]);
        let _ = writeln!(out, "approve exactly this with: {approve}");
    }
    out
}

/// The execution of one sync, as text.
pub fn executed_text(record: &SyncLog) -> String {
    let mut out = format!("sync `{}`: executed dry-run `{}`", record.sync_id, record.execution_id);
    if let Some(a) = &record.approval {
        let _ = write!(out, ", approved by {} at {}", a.approved_by, a.approved_at);
    }
    out.push('\n');
    if let Some(e) = &record.execution {
        for spec in &e.pushed {
            let _ = writeln!(out, "  pushed {spec}");
        }
        if let Some(pr) = &e.pull_request {
            let _ = writeln!(out, "  pull request {pr}");
        }
        if let Some(note) = &e.note {
            let _ = writeln!(out, "  {note}");
        }
        let _ = writeln!(
            out,
            "{}: {} added, {} updated, {} deleted",
            e.status,
            e.changes_applied.added,
            e.changes_applied.modified,
            e.changes_applied.deleted
        );
    }
    if let Some(p) = &record.post_validation {
        if p.integrity_verified {
            out.push_str("post-sync validation: the target is as intended\n");
        } else {
            out.push_str("post-sync validation: the target differs from the intended state\n");
            for m in &p.mismatches {
                let _ = writeln!(out, "  {m}");
            }
        }
    }
    out
}

/// Records as JSON: `{"syncs": [{"sync_log": …}, …]}`, pretty, with a newline.
pub fn json(records: &[SyncLog]) -> String {
    #[derive(Serialize)]
    struct Document {
        syncs: Vec<LogFile>,
    }
    let syncs = records.iter().map(|r| LogFile { sync_log: r.clone() }).collect();
    let mut text =
        serde_json::to_string_pretty(&Document { syncs }).expect("sync logs always serialise");
    text.push('\n');
    text
}

/// The log listing: one row per execution, oldest first.
pub fn log_text(records: &[SyncLog]) -> String {
    if records.is_empty() {
        return "no sync has been dry-run yet\n".to_owned();
    }
    plain_table(
        ["EXECUTION", "SYNC", "DRY-RUN AT", "CHANGES", "APPROVED BY", "STATUS"],
        records.iter().map(|r| {
            let status = match (&r.execution, &r.post_validation) {
                (Some(e), Some(p)) if !p.integrity_verified => {
                    format!("{} (not verified)", e.status)
                }
                (Some(e), _) => e.status.clone(),
                (None, _) if r.dry_run.result.conflicts > 0 => "dry-run (conflicts)".to_owned(),
                (None, _) => "dry-run".to_owned(),
            };
            [
                r.execution_id.clone(),
                r.sync_id.clone(),
                r.dry_run.executed_at.clone(),
                r.dry_run.result.total_changes.to_string(),
                r.approval.as_ref().map_or("-".to_owned(), |a| a.approved_by.clone()),
                status,
            ]
        }),
    )
}

/// Output formats of `git release sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncFormat {
    /// The readable report.
    Text,
    /// The sync log records, `{"syncs": [{"sync_log": …}]}`.
    Json,
}
