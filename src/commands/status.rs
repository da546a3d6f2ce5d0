//! `git release status`: the runs of this repository, or one run's resume checklist (seed
//! 001 › Resume Checklist) stated as facts.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use clap::Args;

use crate::config::Mode;
use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::redact;
use crate::forge::{Gh, RetryPolicy};
use crate::git::cli::Git;
use crate::release::checklist;
use crate::release::options::RunFormat;
use crate::release::state::{self, PackageStatus};
use crate::tags;

/// List release runs, or show where one stands and what resume would do
///
/// Without RUN, lists the runs of this repository (in progress and archived). With RUN,
/// prints the resume checklist as facts: each package's local state (phase, worktree,
/// release commit), the remote state of its tag (one `git ls-remote`), its forge state
/// (pull request, release, workflow run, through `gh`), and what `resume` would do next.
/// Reads only.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The run to show (default: list the runs)
    #[arg(value_name = "RUN")]
    pub run: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: RunFormat,
}

/// Runs `git release status`.
///
/// # Errors
/// Not a repository; for RUN, the state errors of [`state::load`] (an archived run is
/// read from the archive).
pub fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<()> {
    let ctx = Ctx::open(global)?;
    let dir = ctx.repo.common_dir().to_owned();
    let Some(run_id) = &args.run else {
        return list(&ctx, &dir, args.format);
    };
    let (run, file) = state::load_any(&dir, run_id)?;
    let archived = file != state::state_path(&dir, run_id);
    let root = ctx.repo.root();
    let git = Git::new(&root);
    let remote_tags = git.ls_remote_tags(&run.remote);
    let local_tags = tags::local_tags(&ctx.repo)?;
    let gh = Gh::locate(RetryPolicy { attempts: 1, base_ms: 0 })
        .ok()
        .map(|gh| gh.with_timeout(ctx.config.forge.timeout()));
    let mut facts = Vec::new();
    for pkg in run.packages.iter().filter(|p| p.status != PackageStatus::Skipped) {
        facts.push(checklist::facts_of(
            &run,
            pkg,
            &dir,
            &root,
            &local_tags,
            remote_tags.as_ref().ok(),
            gh.as_ref(),
        ));
    }
    let local_status = git.status_short().unwrap_or_default();
    match args.format {
        RunFormat::Json => {
            let doc = serde_json::json!({
                "schema_version": 1,
                "run_id": run.run_id,
                "status": run.status,
                "plan_hash": run.plan_hash,
                "mode": run.mode,
                "started_at": run.started_at,
                "updated_at": run.updated_at,
                "archived": archived,
                "local": local_status.lines().next().unwrap_or(""),
                "remote_reachable": remote_tags.is_ok(),
                "packages": facts,
            });
            ctx.ui.data(&format!("{}\n", redact(&serde_json::to_string_pretty(&doc)?)))?;
        }
        RunFormat::Table => {
            let mut out = format!(
                "run {} — {}, plan {}, {} mode, started {}, updated {}\n",
                run.run_id,
                crate::release::report::status_name(run.status),
                run.plan_hash.as_deref().unwrap_or("-"),
                if run.mode == Mode::Pr { "pr" } else { "direct" },
                run.started_at,
                run.updated_at
            );
            let _ = writeln!(
                out,
                "\n1. local state\n   {}",
                local_status.lines().next().unwrap_or("(unknown)")
            );
            for f in &facts {
                let _ = writeln!(
                    out,
                    "   {}: {} at {}; worktree {}; release commit {}",
                    f.name,
                    format!("{:?}", f.status).to_uppercase(),
                    f.phase,
                    match (&f.worktree, f.worktree_exists) {
                        (Some(w), true) => w.clone(),
                        (Some(w), false) => format!("{w} (gone)"),
                        (None, _) => "none".to_owned(),
                    },
                    f.release_commit.as_deref().map_or("none", |c| &c[..c.len().min(12)])
                );
            }
            let _ = writeln!(out, "\n2. remote `{}`", run.remote);
            if let Err(e) = &remote_tags {
                let _ = writeln!(out, "   unreachable: {e:#}");
            }
            for f in &facts {
                let _ = writeln!(
                    out,
                    "   {}: tag {} {}",
                    f.name,
                    f.tag.as_deref().unwrap_or("-"),
                    f.remote_tag
                );
            }
            let _ = writeln!(out, "\n3. forge");
            for f in &facts {
                let _ = writeln!(
                    out,
                    "   {}: pull request {}; release {}{}{}",
                    f.name,
                    f.pull_request.as_deref().unwrap_or("none"),
                    f.forge_release,
                    f.workflow_run
                        .as_deref()
                        .map(|u| format!("; workflow run {u}"))
                        .unwrap_or_default(),
                    f.blocker_issue
                        .as_deref()
                        .map(|u| format!("; blocker issue {u}"))
                        .unwrap_or_default(),
                );
            }
            let _ = writeln!(out, "\n4. next");
            for f in &facts {
                let _ = writeln!(out, "   {}: {}", f.name, f.next);
                if let Some(e) = &f.error {
                    let _ = writeln!(out, "      last error: {}", e.lines().next().unwrap_or(""));
                }
            }
            ctx.ui.data(&redact(&out))?;
        }
    }
    Ok(())
}

fn list(ctx: &Ctx, dir: &Path, format: RunFormat) -> Result<()> {
    let mut runs = state::list(dir)?;
    let archived = state::list_archived(dir)?;
    let tagged: Vec<(&state::RunEntry, bool)> =
        runs.iter().map(|r| (r, false)).chain(archived.iter().map(|r| (r, true))).collect();
    match format {
        RunFormat::Json => {
            let doc: Vec<serde_json::Value> = tagged
                .iter()
                .map(|(r, archived)| serde_json::json!({"run_id": r.run_id, "started_at": r.started_at, "status": r.status, "archived": archived, "path": r.path, "problem": r.problem}))
                .collect();
            ctx.ui.data(&format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
        }
        RunFormat::Table => {
            if tagged.is_empty() {
                ctx.ui.status("no release runs in this repository");
                return Ok(());
            }
            let rows = tagged.iter().map(|(r, archived)| {
                [
                    r.run_id.clone(),
                    r.started_at.clone(),
                    r.status.map_or("UNREADABLE", crate::release::report::status_name).to_owned(),
                    if *archived { "archived".to_owned() } else { "active".to_owned() },
                    r.problem.clone().unwrap_or_default(),
                ]
            });
            ctx.ui.data(&crate::ui::plain_table(
                ["run", "started", "status", "where", "problem"],
                rows,
            ))?;
        }
    }
    runs.clear();
    Ok(())
}
