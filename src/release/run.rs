//! Run and resume: checks → plan → gate → steps → summary (DESIGN.md › Pipeline; seed 002,
//! which this replaces), and the blocker issues filed for failed packages.

use std::fmt::Write as _;
use std::path::Path;
use std::time::SystemTime;

use anyhow::Result;

use crate::checks::{self, Status as CheckStatus};
use crate::config::Mode;
use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::{Error, ErrorCode, Exit};
use crate::forge::{Forge as _, Gh, Request};
use crate::plan::{self, Plan, Status as PlanStatus};
use crate::release::cadence;
use crate::release::evidence::{self, Evidence};
use crate::release::exec::{self};
use crate::release::lock::Lock;
use crate::release::options::{ResumeArgs, RunArgs, RunFormat};
use crate::release::preflight::{
    cadence_gate, gate, preflight, provenance, releasing, waivers_json,
};
use crate::release::report::{
    dry_run_json, dry_run_text, plan_text, result_json, resume_text, summary_text,
};
use crate::release::state::{
    self, Change, OnFailure, PackageState, PackageStatus, Release, RunState, RunStatus,
};
use crate::release::steps::Env;
use crate::release::syncs;
use crate::release::tidy;
use crate::version::Level;

pub(crate) fn run_or_resume(global: &GlobalArgs, args: &RunArgs) -> Result<()> {
    if let Some(id) = &args.resume {
        let resume = ResumeArgs {
            run: id.clone(),
            yes: args.yes,
            gate_attestation: args.gate_attestation.clone(),
            format: args.format,
            forge: args.forge,
        };
        return resume_run(global, &resume);
    }
    if let Some(file) = &args.workspace {
        let file = crate::context::start_dir(global)?.join(file);
        let file = std::fs::canonicalize(&file).unwrap_or(file);
        return crate::release::workspace::run(global, args, &file);
    }
    let mut ctx = Ctx::open(global)?;
    let Some(root) = ctx.repo.workdir().map(Path::to_owned) else {
        return Err(Error::usage("a release needs a work tree; this repository is bare").into());
    };
    let common_dir = ctx.repo.common_dir().to_owned();
    let mode = args.mode.unwrap_or(ctx.config.mode);
    if let Some(kind) = args.forge {
        ctx.config.forge.kind = kind;
    }
    need_forge_for(mode, ctx.config.forge.kind)?;
    // JSON output never mixes with a spinner (issue 14, item 6).
    ctx.ui.set_progress(args.format == RunFormat::Table);
    let options = plan::Options {
        packages: args.packages.clone(),
        bump: args.bump.as_deref().map(Level::from_flag),
        pre: args.pre.clone(),
        strict: false,
    };
    let plan = plan::build(&ctx.repo, &ctx.config, &options)?;
    for warning in &plan.warnings {
        ctx.ui.warn(warning);
    }
    if plan.releases().next().is_none() {
        ctx.ui.status("nothing to release: no package has releasable changes");
        if args.format == RunFormat::Json {
            ctx.ui.data("{\n  \"schema_version\": 1,\n  \"status\": \"NOTHING_TO_RELEASE\",\n  \"packages\": []\n}\n")?;
        }
        return Ok(());
    }

    // Checks: a whole-repository FAIL stops the run; a package's FAIL stops it too, unless
    // quarantine is asked for, which sets that package aside (seed 000 § 4).
    let report = preflight(&ctx, &plan, mode, !args.packages.is_empty())?;
    let failures: Vec<&checks::CheckResult> =
        report.results.iter().filter(|r| r.status == CheckStatus::Fail).collect();
    let stop = failures.iter().any(|r| r.package.is_none() || args.on_failure == OnFailure::Stop);
    if stop {
        let text = crate::checks::render::render_table(&report.results, false);
        ctx.ui.status(text.trim_end());
        let names: Vec<String> = failures
            .iter()
            .map(|r| match &r.package {
                Some(p) => format!("`{}` ({p})", r.check),
                None => format!("`{}`", r.check),
            })
            .collect();
        return Err(Error::coded(
            ErrorCode::CheckFailed,
            format!(
                "{} check{} failed, so nothing was released: {}",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
        )
        .with_hint("fix what each FAIL says (`git release check` shows all), or waive it; `--on-failure quarantine` sets aside only the packages whose checks fail")
        .into());
    }

    let hash = plan.hash();
    let run_id = state::new_run_id(SystemTime::now());
    let mut run_state = new_state(&plan, &ctx, &run_id, &common_dir, mode, args.on_failure, &hash);
    for r in &failures {
        if let Some(p) = r.package.as_deref().and_then(|n| run_state.package_mut(n)) {
            p.fail(ErrorCode::CheckFailed, &format!("check `{}` failed: {}", r.check, r.reason));
        }
    }
    crate::release::exec::check_lanes(&run_state)?;
    let env = Env::of(&ctx, &root, &ctx.config.remote);
    // The cadence rule judges what is released: packages set aside by their checks are not.
    let levels: Vec<Level> = plan
        .releases()
        .filter(|r| !failures.iter().any(|f| f.package.as_deref() == Some(r.name.as_str())))
        .map(cadence::level_of)
        .collect();
    let commit = plan.head.to_string();
    let ask = cadence::Ask {
        yes: args.yes,
        attestation: args.gate_attestation.as_deref(),
        approve_major: args.approve_major.as_deref(),
        outside_window: args.outside_window.as_deref(),
    };

    if args.dry_run {
        let described = exec::describe(&env, &run_state)?;
        let left_out = left_out(&env);
        // The `on_release` syncs' dry-runs, recorded in the sync log as `sync --dry-run`
        // records its own (DR-05); they change nothing on either side (DR-04).
        let syncs = syncs::dry_runs(&env, &run_state)?;
        let mut decision =
            cadence::decide(&ctx, &levels, &commit, &ctx.config.branch, ask.outside_window)?;
        decision.checklist = cadence::checklist::build(&ctx, &plan, &report, &decision);
        let text = match args.format {
            RunFormat::Json => {
                dry_run_json(&run_state, &described, &report, &left_out, &syncs, &decision)
            }
            RunFormat::Table => {
                let mut text = dry_run_text(&plan, &run_state, &described, &left_out);
                text.push_str(&syncs::text(&syncs));
                text.push('\n');
                text.push_str(&decision.text());
                text
            }
        };
        ctx.ui.data(&text)?;
        ctx.ui.status("dry run: nothing was changed");
        return dry_run_refusal(&ctx, &decision);
    }

    if env.has_forge()
        && env.gh.is_none()
        && (mode == Mode::Pr
            || ctx.config.file_blockers
            || ctx.config.forge.wait_workflow.is_some())
    {
        return Err(Error::failed("`gh` is not installed or not on PATH, and this release needs it")
            .with_hint("install GitHub CLI (https://cli.github.com) or set `GIT_RELEASE_GH`; `--mode direct` needs no forge")
            .into());
    }

    let sync_records = syncs::dry_runs(&env, &run_state)?;
    syncs::check_conflicts(&sync_records)?;
    let mut decision = cadence_gate(&ctx, &levels, &commit, &ctx.config.branch, &ask, &hash)?;
    decision.checklist = cadence::checklist::build(&ctx, &plan, &report, &decision);
    let shown = plan_text(&plan) + &syncs::text(&sync_records);
    let gate = gate(&ctx, &shown, &hash, args.yes, args.gate_attestation.as_deref())?;
    syncs::approve(&env, &mut run_state, &sync_records, &gate)?;
    run_state.gates.push(gate);

    let lock = Lock::acquire(&common_dir, &run_id)?;
    if let Some(notice) = lock.notice() {
        ctx.ui.warn(&notice);
    }
    let mut evidence = Evidence::new(
        &run_state,
        serde_json::to_value(&report.results).unwrap_or_default(),
        waivers_json(&report),
        provenance(&ctx, &root, &plan.head.to_string()),
    );
    ctx.ui.status(decision.text().lines().next().unwrap_or_default());
    evidence.cadence = Some(decision);
    ctx.ui.status(&format!("run {run_id}: plan {hash}, {} package(s)", releasing(&run_state)));
    finish_run(&ctx, &env, &mut run_state, &mut evidence, args.format, &lock)
}

pub(crate) fn resume_run(global: &GlobalArgs, args: &ResumeArgs) -> Result<()> {
    // A release train's promotion (issue 17): its id is not a run id.
    if !state::is_run_id(&args.run)
        && let Some((_, path)) = crate::release::train::find_for_resume(global, &args.run)
    {
        let opts = crate::release::train::promote::PromoteOptions {
            yes: args.yes,
            attestation: args.gate_attestation.clone(),
            approve_major: None,
            outside_window: None,
        };
        return crate::release::train::promote::resume(global, &path, &opts);
    }
    if state::is_run_id(&args.run)
        && let Some(ws_run) = crate::release::workspace::load_ws(&args.run)
    {
        return crate::release::workspace::resume(
            global,
            ws_run,
            args.yes,
            args.gate_attestation.as_deref(),
            args.format,
        );
    }
    let mut ctx = Ctx::open(global)?;
    let Some(root) = ctx.repo.workdir().map(Path::to_owned) else {
        return Err(Error::usage("a release needs a work tree; this repository is bare").into());
    };
    let common_dir = ctx.repo.common_dir().to_owned();
    let mut run_state = state::load(&common_dir, &args.run)?;
    restore(&mut ctx, &run_state, true)?;
    let hash = run_state.plan_hash.clone().unwrap_or_default();
    let text = resume_text(&run_state);
    let gate = gate(&ctx, &text, &hash, args.yes, args.gate_attestation.as_deref())?;
    let lock = Lock::acquire(&common_dir, &run_state.run_id)?;
    if let Some(notice) = lock.notice() {
        ctx.ui.warn(&notice);
    }
    // Read again under the lock: another process may have moved it on meanwhile.
    run_state = state::load(&common_dir, &args.run)?;
    restore(&mut ctx, &run_state, true)?;
    if let Some(kind) = args.forge {
        ctx.config.forge.kind = kind;
    }
    need_forge_for(run_state.mode, ctx.config.forge.kind)?;
    ctx.ui.set_progress(args.format == RunFormat::Table);
    run_state.gates.push(gate);
    for pkg in &mut run_state.packages {
        crate::release::exec::reopen(pkg);
    }
    run_state.status = RunStatus::InProgress;
    let env = Env::of(&ctx, &root, &run_state.remote);
    let mut evidence = Evidence::load(&common_dir, &run_state.run_id).unwrap_or_else(|| {
        Evidence::new(
            &run_state,
            serde_json::Value::Null,
            serde_json::Value::Null,
            provenance(&ctx, &root, &run_state.head),
        )
    });
    ctx.ui.status(&format!("resuming run {}: plan {hash}", run_state.run_id));
    finish_run(&ctx, &env, &mut run_state, &mut evidence, args.format, &lock)
}

/// After a dry run's report: what the run would refuse, said, with exit 4 (the report,
/// JSON included, is printed already, so the error itself prints nothing more).
pub(crate) fn dry_run_refusal(ctx: &Ctx, decision: &cadence::Decision) -> Result<()> {
    if let Err(e) = cadence::refuse(decision) {
        ctx.ui.warn(&format!("the run would be refused: {e}"));
        for hint in crate::error::hints(&e) {
            ctx.ui.status(&format!("hint: {hint}"));
        }
        return Err(Error::silent(Exit::Declined).into());
    }
    Ok(())
}

/// What a run with no forge leaves out (issue 14, item 5), for the dry run to say; empty
/// with a forge.
pub(crate) fn left_out(env: &Env<'_>) -> Vec<String> {
    if env.has_forge() {
        return Vec::new();
    }
    let mut out = vec![
        "the pull request (PR_CREATED, MERGED)".to_owned(),
        "the forge release (in PUBLISHED)".to_owned(),
    ];
    if env.config.file_blockers {
        out.push("the blocker issues (`release.file_blockers`)".to_owned());
    }
    if let Some(w) = &env.config.forge.wait_workflow {
        out.push(format!("the wait for workflow `{w}` (`forge.wait_workflow`)"));
    }
    out
}

/// Mode pr opens and merges a pull request on the forge: with `[forge] kind = "none"` that
/// is a usage error (issue 14, item 5), not a run that fails at `PR_CREATED`.
///
/// # Errors
/// `mode` is pr and `kind` is none.
pub(crate) fn need_forge_for(mode: Mode, kind: crate::forge::Kind) -> Result<()> {
    if mode == Mode::Pr && kind == crate::forge::Kind::None {
        return Err(Error::usage(
            "mode `pr` opens and merges a pull request on the forge, but the forge is `none`",
        )
        .with_hint("release with `--mode direct` (or `mode = \"direct\"` in `[release]`), or set `[forge] kind = \"github\"`")
        .into());
    }
    Ok(())
}

/// Checks run state `run` before a resume trusts it ([`state::verify`]; `standalone`: not
/// part of a workspace run), and puts the
/// settings it recorded into `ctx`'s configuration in place of today's.
///
/// # Errors
/// `STATE_CORRUPT`: the state was edited, or records no configuration.
pub(crate) fn restore(ctx: &mut Ctx, run: &RunState, standalone: bool) -> Result<()> {
    let path = state::state_path(ctx.repo.common_dir(), &run.run_id);
    state::verify(run, &path, standalone)?;
    if let Some(settings) = &run.settings {
        settings.apply(&mut ctx.config);
    }
    Ok(())
}

/// Executes, then cleans up a finished run, prints the summary and exits as the status says.
pub(crate) fn finish_run(
    ctx: &Ctx,
    env: &Env<'_>,
    run_state: &mut RunState,
    evidence: &mut Evidence,
    format: RunFormat,
    _lock: &Lock,
) -> Result<()> {
    let common_dir = env.common_dir.clone();
    let mut save = |s: &RunState| -> Result<()> {
        state::save(&common_dir, s)?;
        evidence.update(s);
        evidence.save(&common_dir)
    };
    save(run_state)?;
    exec::execute(env, run_state, &mut save)?;
    if let Some(gh) = &env.gh
        && ctx.config.file_blockers
    {
        file_blockers(ctx, gh, &env.root, run_state);
        save(run_state)?;
    }
    let mut state_file = state::state_path(&common_dir, &run_state.run_id);
    let mut evidence_file = evidence::path(&common_dir, &run_state.run_id);
    if run_state.status == RunStatus::Success {
        for problem in exec::remove_worktrees(&env.root, &common_dir, run_state) {
            ctx.ui.warn(&format!("a worktree was left in place: {problem}"));
        }
        tidy_up(ctx, &env.root, run_state);
        // Once per run, after every package is published and the run's branches are gone
        // and the release branch caught up: the `on_release` syncs.
        syncs::execute(env, run_state, &mut save)?;
    }
    if run_state.status == RunStatus::Success {
        state_file = state::archive(&common_dir, &run_state.run_id)?;
        evidence::archive(&common_dir, &run_state.run_id)?;
        evidence_file = evidence::archived_path(&common_dir, &run_state.run_id);
    }
    let text = match format {
        RunFormat::Json => {
            result_json(run_state, &state_file, &evidence_file, evidence.cadence.as_ref())
        }
        RunFormat::Table => summary_text(run_state),
    };
    ctx.ui.data(&text)?;
    if format == RunFormat::Json {
        ctx.ui.status(summary_text(run_state).trim_end());
    }
    match run_state.status {
        RunStatus::Success | RunStatus::InProgress => Ok(()),
        RunStatus::Partial => {
            ctx.ui.status(&format!(
                "resume with `git release resume {}` once the failures are fixed",
                run_state.run_id
            ));
            Err(Error::silent(Exit::Partial).into())
        }
        RunStatus::Failed => {
            ctx.ui.status(&format!(
                "resume with `git release resume {}` once the failures are fixed",
                run_state.run_id
            ));
            Err(Error::silent(Exit::Failure).into())
        }
    }
}

/// After a successful run: the run's release branches deleted, and the user's release
/// branch caught up with what was released ([`tidy`]), each outcome said on stderr.
pub(crate) fn tidy_up(ctx: &Ctx, root: &Path, run_state: &RunState) {
    for problem in tidy::delete_release_branches(root, run_state) {
        ctx.ui.warn(&format!("a release branch was left in place: {problem}"));
    }
    match tidy::catch_up(root, run_state) {
        tidy::CatchUp::Nothing | tidy::CatchUp::AlreadyThere => {}
        tidy::CatchUp::FastForwarded { branch, commit } => ctx.ui.status(&format!(
            "fast-forwarded the local `{branch}` to the released commit {}",
            crate::release::steps::short(&commit)
        )),
        tidy::CatchUp::Left(why) => ctx.ui.warn(&why),
    }
}

/// The run state for a new run of `plan`: released packages in tier order, the others as
/// SKIPPED (nothing to release).
pub(crate) fn new_state(
    plan: &Plan,
    ctx: &Ctx,
    run_id: &str,
    common_dir: &Path,
    mode: Mode,
    on_failure: OnFailure,
    hash: &str,
) -> RunState {
    let now = SystemTime::now();
    let mut packages = Vec::new();
    for row in &plan.rows {
        let pkg = plan.packages.list.iter().find(|p| p.name == row.name);
        let mut state = PackageState::planned(
            row.name.clone(),
            u32::try_from(row.tier).unwrap_or(u32::MAX),
            row.current_version.clone(),
            row.next_version.clone().unwrap_or_default(),
            now,
        );
        state.tag.clone_from(&row.next_tag);
        state.release = Release {
            path: row.path.clone(),
            bump: row.bump.as_str().to_owned(),
            current_tag: row.current_tag.clone(),
            version_files: pkg.map(|p| p.version_files.clone()).unwrap_or_default(),
            changelog: ctx.config.changelog_of(&row.name, &row.path),
            manifest_name: pkg.and_then(|p| p.manifest_name.clone()),
            depends_on: row.depends_on.clone(),
            replace: ctx
                .config
                .packages
                .iter()
                .find(|p| p.name == row.name)
                .map(|p| p.replace.clone())
                .unwrap_or_default(),
            changes: row
                .reasons
                .iter()
                .map(|r| Change {
                    commit: r.commit.clone(),
                    summary: r.summary.clone(),
                    bump: r.bump.clone(),
                })
                .collect(),
        };
        if row.status != PlanStatus::Release {
            state.skip("nothing to release");
        }
        packages.push(state);
    }
    // Released packages first, in tier order; skipped ones after, for the report.
    packages.sort_by_key(|p| (p.status == PackageStatus::Skipped, p.tier));
    let mut run = RunState::new(run_id, common_dir, packages, now);
    run.plan_hash = Some(hash.to_owned());
    run.mode = mode;
    run.on_failure = on_failure;
    run.remote.clone_from(&ctx.config.remote);
    run.branch.clone_from(&ctx.config.branch);
    run.head = plan.head.to_string();
    // What a resume checks and uses instead of the configuration of the day (issue 12
    // item 11): the approved rows, and the settings the steps use.
    run.plan_rows =
        plan.releases().map(|r| serde_json::to_value(r).expect("a plan row serialises")).collect();
    run.rows_hash = Some(plan.hash());
    run.settings = Some(state::Settings::of(&ctx.config));
    // One release pull request for the whole repository: the default in a monorepo.
    let layout = ctx.config.pr_layout.unwrap_or(if plan.packages.configured {
        crate::config::PrLayout::Single
    } else {
        crate::config::PrLayout::PerPackage
    });
    run.shared_pr = mode == Mode::Pr && layout == crate::config::PrLayout::Single;
    run.config_hash = Some(state::config_hash(&run));
    if let Some(epoch) =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse::<u64>().ok())
    {
        run.started_unix = epoch;
    }
    run
}

/// Opens one forge issue per failed package (`release.file_blockers`), once: an open issue
/// with the same title, or one recorded in the state, is not opened again.
pub(crate) fn file_blockers(ctx: &Ctx, gh: &Gh, root: &Path, state: &mut RunState) {
    let label = ctx.config.blocker_label.clone().unwrap_or_else(|| "release-blocker".to_owned());
    let run_id = state.run_id.clone();
    for pkg in state.packages.iter_mut().filter(|p| p.status == PackageStatus::Failed) {
        if pkg.outputs.blocker_issue.is_some() {
            continue;
        }
        let Some(error) = &pkg.error else { continue };
        let title = format!(
            "Release blocker: {} v{} failed at {} ({run_id})",
            pkg.name, pkg.next_version, error.phase
        );
        let existing = gh
            .call(root, &Request::IssueSearch { label: label.as_str(), search: title.as_str() })
            .ok()
            .and_then(|o| match o {
                crate::forge::Outcome::Done(text) => {
                    serde_json::from_str::<serde_json::Value>(&text).ok()
                }
                crate::forge::Outcome::AlreadyExists(_) => None,
            })
            .and_then(|v| {
                v.as_array()?
                    .iter()
                    .find(|i| i["title"] == title.as_str())
                    .and_then(|i| i["url"].as_str().map(str::to_owned))
            });
        if let Some(url) = existing {
            pkg.outputs.blocker_issue = Some(url);
            continue;
        }
        let mut body = String::new();
        let _ = writeln!(
            body,
            "Release run `{run_id}` failed for `{}` {} → {}.\n",
            pkg.name,
            pkg.current_version.as_deref().unwrap_or("(new)"),
            pkg.next_version
        );
        let _ = writeln!(body, "- phase: `{}`\n- code: `{}`", error.phase, error.code);
        if let Some(url) = &pkg.outputs.workflow_run {
            let _ = writeln!(body, "- workflow run: {url}");
        }
        let _ = writeln!(
            body,
            "\n### Error and the failing command's last lines\n\n```\n{}\n```\n",
            error.message
        );
        let _ = writeln!(body, "Resume with `git release resume {run_id}` once fixed.");
        match gh.call(
            root,
            &Request::IssueCreate {
                title: title.as_str(),
                body: body.as_str(),
                label: label.as_str(),
            },
        ) {
            Ok(crate::forge::Outcome::Done(out)) => {
                let url = out
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("http"))
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                ctx.ui.status(&format!("opened blocker issue for {}: {url}", pkg.name));
                pkg.outputs.blocker_issue = Some(url);
            }
            Ok(crate::forge::Outcome::AlreadyExists(_)) => {}
            Err(e) => ctx.ui.warn(&format!("could not open a blocker issue for {}: {e}", pkg.name)),
        }
    }
}

// ---- output ----------------------------------------------------------------------------------
