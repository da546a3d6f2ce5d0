//! `git release sync`: dry-run, approve and list syncs (issue 18; seed 004 › Sync
//! Automation). The work lives in [`crate::sync`].

use anyhow::Result;
use clap::Args;

use crate::config::sync::{SyncEntry, is_plain_name};
use crate::context::{Ctx, GlobalArgs};
use crate::error::{Error, redact};
use crate::forge::Gh;
use crate::git::cli::Git;
use crate::release::lock::Lock;
use crate::sync::report::{self, SyncFormat};
use crate::sync::{self as layer, log};

/// Mirror refs or copy files to other repositories, after an approved dry-run
///
/// Each `[[sync]]` of the configuration runs pre-sync validation (both sides answer
/// `git ls-remote`), a dry-run that changes nothing and writes a record to the sync log
/// (`<git common dir>/release/sync/<id>/<execution-id>.json`), then, with
/// `--approve DRYRUN`, executes exactly that dry-run: only while the target still has the
/// state the dry-run saw, with an atomic push (git syncs) or one commit and a pull request
/// (file syncs), then reads the target again to check it. A sync never deletes a ref and
/// never moves a tag; a branch is forced only under `conflict = "theirs"`, with a lease on
/// the id the dry-run saw. Without `--dry-run` or `--approve`, a sync with
/// `approval_required = false` runs its dry-run and executes it at once; any other is refused.
/// A sync with `trigger = "on_release"` also runs inside `git release run`, once after every
/// package is published, approved by the run's gate. Two executions of one sync never
/// overlap: the second is refused, naming the first.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The syncs, by id (default: every configured sync)
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// Show and record what would change; change nothing
    #[arg(long, conflicts_with_all = ["approve", "log"])]
    pub dry_run: bool,

    /// Execute the recorded dry-run DRYRUN of the one sync named
    #[arg(long, value_name = "DRYRUN", conflicts_with = "log")]
    pub approve: Option<String>,

    /// List the executions in the sync log (of the syncs named, or all): dry-run, approval,
    /// status
    #[arg(long)]
    pub log: bool,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: SyncFormat,
}

/// Runs `git release sync`.
///
/// # Errors
/// An unknown sync id or no sync configured (exit 2); execution without a recorded dry-run
/// (exit 2, DR-01); pre-sync validation, a changed target, a conflict or a failed execution
/// (exit 1).
pub fn run(global: &GlobalArgs, args: &SyncArgs) -> Result<()> {
    let ctx = Ctx::open(global)?;
    let root = ctx.repo.root();
    let common_dir = ctx.repo.common_dir().to_owned();
    let git = Git::new(&root);
    let forge = || Gh::for_forge(&ctx.config.forge);
    if args.log {
        // A sync removed from the configuration keeps its log: any plain id may be listed.
        if let Some(bad) = args.ids.iter().find(|id| !is_plain_name(id)) {
            return Err(Error::usage(format!("`{bad}` is not a sync id")).into());
        }
        let (records, bad) = match args.ids.as_slice() {
            [] => log::list(&common_dir, None)?,
            ids => {
                let mut all = (Vec::new(), Vec::new());
                for id in ids {
                    let (r, b) = log::list(&common_dir, Some(id))?;
                    all.0.extend(r);
                    all.1.extend(b);
                }
                all
            }
        };
        for file in bad {
            ctx.ui.warn(&format!("`{}` is not a sync log record; skipped", file.display()));
        }
        return print(&ctx, args.format, &records, &report::log_text(&records));
    }
    let entries: Vec<&SyncEntry> = if args.ids.is_empty() {
        if ctx.config.syncs.is_empty() {
            return Err(Error::usage("no `[[sync]]` is configured")
                .with_hint("add one to `release.toml` (see the README's Sync section)")
                .into());
        }
        ctx.config.syncs.iter().collect()
    } else {
        args.ids.iter().map(|id| entry(&ctx, id)).collect::<Result<_>>()?
    };
    if let Some(dry_run) = &args.approve {
        let [entry] = entries.as_slice() else {
            return Err(Error::usage("`--approve DRYRUN` executes one sync: name its ID").into());
        };
        let _lock = sync_lock(&common_dir, &entry.id, dry_run)?;
        let record = layer::approve(&git, &root, &common_dir, entry, dry_run, &forge, None)?;
        return print(
            &ctx,
            args.format,
            std::slice::from_ref(&record),
            &report::executed_text(&record),
        );
    }
    if !args.dry_run
        && let Some(gated) = entries.iter().find(|e| e.approval_required)
    {
        return Err(Error::usage(format!(
            "sync `{}` executes only an approved dry-run (DR-01)",
            gated.id
        ))
        .with_hint(format!(
            "run `git release sync {} --dry-run`, review it, then `git release sync {} --approve <DRYRUN>`",
            gated.id, gated.id
        ))
        .into());
    }
    let mut records = Vec::new();
    let mut text = String::new();
    let mut conflicts = Vec::new();
    for entry in entries {
        let record = layer::dry_run(&git, &common_dir, entry)?;
        text.push_str(&report::dry_run_text(&record));
        if record.dry_run.result.conflicts > 0 {
            conflicts.push(entry.id.clone());
            records.push(record);
            continue;
        }
        if args.dry_run {
            records.push(record);
            continue;
        }
        let note = "approval_required = false: executed right after its dry-run";
        let id = record.execution_id.clone();
        let _lock = sync_lock(&common_dir, &entry.id, &id)?;
        let record = layer::approve(&git, &root, &common_dir, entry, &id, &forge, Some(note))?;
        text.push_str(&report::executed_text(&record));
        records.push(record);
    }
    print(&ctx, args.format, &records, &text)?;
    if !conflicts.is_empty() {
        return Err(Error::failed(format!(
            "sync {} has conflicts; nothing was changed",
            conflicts.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ))
        .into());
    }
    Ok(())
}

/// Takes the lock of sync `id` (a run's `on_release` step takes the same one), so that two
/// processes never execute it at once; the second is refused, naming the first.
fn sync_lock(common_dir: &std::path::Path, id: &str, dry_run: &str) -> Result<Lock> {
    Lock::acquire_sync(common_dir, id, &format!("sync {id} --approve {dry_run}"))
}

/// The configured sync `id`.
fn entry<'c>(ctx: &'c Ctx, id: &str) -> Result<&'c SyncEntry> {
    ctx.config.syncs.iter().find(|s| s.id == id).ok_or_else(|| {
        let known: Vec<&str> = ctx.config.syncs.iter().map(|s| s.id.as_str()).collect();
        Error::usage(format!("no `[[sync]]` has the id `{id}`"))
            .with_hint(if known.is_empty() {
                "no sync is configured: add a `[[sync]]` to `release.toml`".to_owned()
            } else {
                format!("the configured syncs: {}", known.join(", "))
            })
            .into()
    })
}

/// Prints `records` as JSON, or `text`.
fn print(ctx: &Ctx, format: SyncFormat, records: &[log::SyncLog], text: &str) -> Result<()> {
    match format {
        SyncFormat::Json => ctx.ui.data(&redact(&report::json(records))),
        SyncFormat::Text => ctx.ui.data(&redact(text)),
    }
}
