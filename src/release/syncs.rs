//! The `trigger = "on_release"` syncs of a run (issue 18 item 4): dry-run before the gate,
//! shown in the run's dry run and gate, approved by the gate, executed once per run after
//! every package is published (and the run's branches tidied), as a resumable run-level step.
//!
//! In a run of several packages the syncs run once, after the last package is published: a
//! mirror gets every release tag in one atomic push. When a package fails, they wait (the
//! run is resumable) and run when the resume has released everything. In a `--workspace`
//! run, each repository's syncs run once, after that repository's packages are published:
//! a sync mirrors its own repository, which the later repositories do not change.
//!
//! The work is [`crate::sync::on_release`]; this module keeps the run state's [`RunSync`]
//! entries and takes each sync's lock ([`Lock::acquire_sync`]) around its execution.

use std::fmt::Write as _;
use std::time::SystemTime;

use anyhow::Result;

use super::exec::Saver;
use super::lock::Lock;
use super::state::{Gate, PackageStatus, RunState, RunStatus, RunSync, canonical_hash};
use super::steps::Env;
use crate::config::Config;
use crate::config::sync::{SyncEntry, Trigger};
use crate::error::Error;
use crate::forge::Gh;
use crate::git::cli::Git;
use crate::sync::log::{RunPart, SyncLog};
use crate::sync::{on_release, report};

/// The configuration's `on_release` syncs, in file order.
pub fn entries(config: &Config) -> Vec<&SyncEntry> {
    config.syncs.iter().filter(|s| s.trigger == Trigger::OnRelease).collect()
}

/// The hash of `entry` as approved, without its place in the file.
fn entry_hash(entry: &SyncEntry) -> String {
    let mut value = serde_json::to_value(entry).expect("a sync entry serialises");
    if let Some(map) = value.as_object_mut() {
        map.remove("location");
    }
    canonical_hash(&value)
}

/// What run `state` makes that `entry` may carry: the release tags and the release branch
/// (git syncs), or the version files and changelogs (file syncs), of the packages it
/// releases.
fn planned(entry: &SyncEntry, state: &RunState) -> Vec<String> {
    let releasing = state.packages.iter().filter(|p| p.status != PackageStatus::Skipped);
    let mut names: Vec<String> = if entry.kind.is_git() {
        releasing
            .filter_map(|p| p.tag.as_ref().map(|t| format!("refs/tags/{t}")))
            .chain((!state.branch.is_empty()).then(|| format!("refs/heads/{}", state.branch)))
            .collect()
    } else {
        releasing
            .flat_map(|p| {
                p.release
                    .version_files
                    .iter()
                    .cloned()
                    .chain(std::iter::once(p.release.changelog.clone()))
            })
            .filter(|path| !path.is_empty())
            .collect()
    };
    names.sort();
    names.dedup();
    names
}

/// Makes and records the dry-run of every `on_release` sync of the configuration for run
/// `state` (the run's planned refs or files included), in file order.
///
/// # Errors
/// A dry-run fails (pre-sync validation: a side cannot be read): the run stops before its
/// gate, nothing released.
pub fn dry_runs(env: &Env<'_>, state: &RunState) -> Result<Vec<SyncLog>> {
    let git = Git::new(&env.root);
    let mut records = Vec::new();
    for entry in entries(env.config) {
        let run = RunPart { run_id: state.run_id.clone(), planned: planned(entry, state) };
        let record = on_release::dry_run(&git, &env.common_dir, entry, run).map_err(|e| {
            e.context(format!(
                "the dry-run of `on_release` sync `{}` failed, so nothing was released",
                entry.id
            ))
        })?;
        records.push(record);
    }
    Ok(records)
}

/// The syncs' dry-runs as text, for the run's dry run and gate; empty without syncs.
pub fn text(records: &[SyncLog]) -> String {
    if records.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\nafter every package is published, these syncs run (trigger = \"on_release\"):\n",
    );
    for record in records {
        out.push_str(&report::dry_run_text(record));
    }
    out
}

/// Refuses a run whose syncs' dry-runs have conflicts: they could not be executed after the
/// release, so nothing is released.
///
/// # Errors
/// A dry-run has conflicts.
pub fn check_conflicts(records: &[SyncLog]) -> Result<()> {
    let stuck: Vec<String> = records
        .iter()
        .filter(|r| r.dry_run.result.conflicts > 0)
        .map(|r| format!("`{}` (dry-run `{}`)", r.sync_id, r.execution_id))
        .collect();
    if stuck.is_empty() {
        return Ok(());
    }
    Err(Error::failed(format!(
        "the `on_release` sync{} {} {} conflicts, so nothing was released",
        if stuck.len() == 1 { "" } else { "s" },
        stuck.join(", "),
        if stuck.len() == 1 { "has" } else { "have" }
    ))
    .with_hint("resolve them on the target, or set the sync's `conflict`, then run again (`git release run --dry-run` shows them)")
    .into())
}

/// After the gate: records its approval of each dry-run in the sync log (DR-06: the approval
/// names the dry-run; a sync with `approval_required = false` says so) and the syncs in the
/// run state, pending.
///
/// # Errors
/// The log cannot be written.
pub fn approve(
    env: &Env<'_>,
    state: &mut RunState,
    records: &[SyncLog],
    gate: &Gate,
) -> Result<()> {
    for record in records {
        let Some(entry) = entries(env.config).into_iter().find(|e| e.id == record.sync_id) else {
            continue;
        };
        let how = if entry.approval_required {
            format!(
                "approved by the gate of run `{}` ({}, plan {})",
                state.run_id, gate.how, gate.plan_hash
            )
        } else {
            format!(
                "approval_required = false: executed by run `{}` after its gate ({}, plan {})",
                state.run_id, gate.how, gate.plan_hash
            )
        };
        on_release::approve(&env.common_dir, &entry.id, &record.execution_id, &gate.who, &how)?;
        state.syncs.push(RunSync {
            id: entry.id.clone(),
            dry_run: record.execution_id.clone(),
            entry_hash: entry_hash(entry),
            status: PackageStatus::Pending,
            error: None,
        });
    }
    Ok(())
}

/// Runs the pending syncs of `state`, once every package is done, each under its lock,
/// saving the state after each; a failed sync is recorded (`FAILED`, its error) and makes the
/// run `PARTIAL`: the releases are out, the sync is not, and a resume retries it.
///
/// # Errors
/// Only when the state cannot be saved.
pub fn execute(env: &Env<'_>, state: &mut RunState, save: &mut Saver<'_>) -> Result<()> {
    let released = state
        .packages
        .iter()
        .all(|p| matches!(p.status, PackageStatus::Done | PackageStatus::Skipped));
    if !released || state.syncs.iter().all(|s| s.status == PackageStatus::Done) {
        return Ok(());
    }
    let git = Git::new(&env.root);
    let forge = || Gh::for_forge(&env.config.forge);
    for i in 0..state.syncs.len() {
        if state.syncs[i].status == PackageStatus::Done {
            continue;
        }
        let id = state.syncs[i].id.clone();
        crate::sync::failpoint(&id, "before");
        env.ui.status(&format!("sync {id} (on_release)"));
        match execute_one(env, &git, &forge, state, &state.syncs[i]) {
            Ok(record) => {
                for line in report::executed_text(&record).lines() {
                    env.ui.status(&format!("  {line}"));
                }
                state.syncs[i].status = PackageStatus::Done;
                state.syncs[i].error = None;
            }
            Err(err) => {
                let message = format!("{err:#}");
                env.ui.status(&format!("  ✗ sync {id} failed: {message}"));
                if let Some(hint) = crate::error::hints(&err).first() {
                    env.ui.status(&format!("  hint: {hint}"));
                }
                state.syncs[i].status = PackageStatus::Failed;
                state.syncs[i].error = Some(message);
            }
        }
        crate::sync::failpoint(&id, "before-save");
        state.touch(SystemTime::now());
        save(state)?;
        crate::sync::failpoint(&id, "after-save");
    }
    if state.syncs.iter().any(|s| s.status != PackageStatus::Done) {
        state.status = RunStatus::Partial;
        state.touch(SystemTime::now());
        save(state)?;
    }
    Ok(())
}

/// One sync: its entry as approved, its lock, its execution.
fn execute_one(
    env: &Env<'_>,
    git: &Git,
    forge: &dyn Fn() -> Result<Gh>,
    state: &RunState,
    sync: &RunSync,
) -> Result<SyncLog> {
    let entry = entries(env.config).into_iter().find(|e| e.id == sync.id).ok_or_else(|| {
        Error::failed(format!(
            "sync `{}` is no longer an `on_release` sync of the configuration",
            sync.id
        ))
        .with_hint("put it back as it was approved, and resume")
    })?;
    if entry_hash(entry) != sync.entry_hash {
        return Err(Error::failed(format!(
            "sync `{}` was reconfigured since the gate of run `{}` approved it",
            sync.id, state.run_id
        ))
        .with_hint("put it back as it was approved and resume, or sync by hand with `git release sync ID --dry-run` and `--approve`")
        .into());
    }
    let _lock = Lock::acquire_sync(&env.common_dir, &sync.id, &state.run_id)?;
    on_release::execute(git, &env.root, &env.common_dir, entry, &sync.dry_run, forge)
}

/// The syncs of the run for its summary: one line each; empty without syncs.
pub fn summary_text(state: &RunState) -> String {
    let mut out = String::new();
    for s in &state.syncs {
        let status = match s.status {
            PackageStatus::Done => "done".to_owned(),
            PackageStatus::Failed => {
                format!("FAILED: {}", s.error.as_deref().unwrap_or("").lines().next().unwrap_or(""))
            }
            _ => "pending (after every package is published)".to_owned(),
        };
        let _ = writeln!(out, "sync {} (on_release, dry-run {}): {status}", s.id, s.dry_run);
    }
    out
}
