//! `git release run` and `git release resume`: checks → plan → gate → steps → summary
//! (DESIGN.md › Pipeline; seed 002, which this replaces).

use std::fmt::Write as _;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::checks::{self, Status as CheckStatus};
use crate::config::{GitConfig as _, Mode};
use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::redact;
use crate::error::{Error, ErrorCode, Exit};
use crate::forge::{Forge as _, Gh, Request};
use crate::git::cli::Git;
use crate::pipeline::evidence::{self, Evidence, Provenance, RemoteUrl};
use crate::pipeline::exec::{self, Described};
use crate::pipeline::lock::Lock;
use crate::pipeline::state::{
    self, Change, Gate, OnFailure, PackageState, PackageStatus, Release, RunState, RunStatus,
};
use crate::pipeline::steps::Env;
use crate::plan::{self, Plan, Status as PlanStatus};
use crate::version::{Level, PRERELEASE_CHANNELS};
use crate::waivers::{self, Date};

/// Carry out the release plan: bump, changelog, commit, push, PR, tag, publish
///
/// Runs the checks (stops on a FAIL), computes the plan, asks for approval (the gate), then
/// takes each package through its steps in tier order: `WORKTREE`, `BUMPED`, `PINNED`,
/// `CHANGELOG`, `LOCKED`, `LINT`, `COMMITTED`, `PUSHED`, `PR_CREATED`, `MERGED`, `TAGGED`,
/// `PUBLISHED`. The state is
/// saved under the git directory after every step, so a run stopped at any moment goes on
/// with `git release resume RUN`. `--dry-run` prints every change and makes none.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Packages to release, by name or path (default: every package with changes)
    #[arg(value_name = "PKG")]
    pub packages: Vec<String>,

    /// Print every change the run would make (diffs, refs, commands, gh calls); change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Approve the plan without a prompt
    #[arg(long, short = 'y', conflicts_with = "gate_attestation")]
    pub yes: bool,

    /// Approve the plan whose hash is HASH (from `git release plan`); another plan is refused
    #[arg(long, value_name = "HASH")]
    pub gate_attestation: Option<String>,

    /// On a failed package: stop (block everything after it) or quarantine (block only
    /// its dependents)
    #[arg(long, value_enum, default_value = "stop")]
    pub on_failure: OnFailure,

    /// Force the bump level instead of inferring it
    #[arg(long, value_name = "LEVEL", value_parser = ["major", "minor", "patch"])]
    pub bump: Option<String>,

    /// Make a prerelease on this channel
    #[arg(long, value_name = "ID", value_parser = PRERELEASE_CHANNELS)]
    pub pre: Option<String>,

    /// pr: release branch, pull request, squash merge; direct: push the release commit to
    /// the release branch (default: `release.mode`)
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,

    /// Release the repositories a workspace file lists (`[[repo]] name, path, depends_on`),
    /// tier by tier, pinning downstream dependencies to the versions just released
    #[arg(long, value_name = "FILE")]
    pub workspace: Option<PathBuf>,

    /// Resume run RUN instead of starting one (same as `git release resume RUN`)
    #[arg(long, value_name = "RUN", conflicts_with_all = ["packages", "dry_run", "bump", "pre", "mode", "on_failure", "workspace"])]
    pub resume: Option<String>,

    /// Output format of the summary
    #[arg(long, value_enum, default_value = "table")]
    pub format: RunFormat,
}

/// Go on with a stopped or failed run
///
/// Reads the run's state, asks for approval of its plan again, re-verifies every step the
/// state says is done against the repository, the remote and the forge, then goes on from
/// where each package stopped. Packages already released are left alone.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run id, `release-YYYYMMDD-xxxxxx` (`git release status` lists them)
    #[arg(value_name = "RUN")]
    pub run: String,

    /// Approve without a prompt
    #[arg(long, short = 'y', conflicts_with = "gate_attestation")]
    pub yes: bool,

    /// Approve the run's plan hash
    #[arg(long, value_name = "HASH")]
    pub gate_attestation: Option<String>,

    /// Output format of the summary
    #[arg(long, value_enum, default_value = "table")]
    pub format: RunFormat,
}

/// Output formats of `run`, `resume` and `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// A table, then the report.
    Table,
    /// JSON (schema version 1; see the README).
    Json,
}

/// Runs `git release run`.
///
/// # Errors
/// A configuration or usage error (exit 2); a failed check (exit 1); a declined gate or a
/// mismatched attestation (exit 4); a failed or partial release (exit 1 or 3, after the
/// summary).
pub fn run(global: &GlobalArgs, args: &RunArgs) -> Result<()> {
    let result = run_or_resume(global, args);
    json_error(global, args.format, &result);
    result
}

/// With `--format json`, a run that stops before its summary still prints exactly one JSON
/// document on stdout (issue 12, item 20), whatever stopped it — failed checks, a refused
/// gate, a held lock, a missing state, a configuration error:
/// `{"schema_version": 1, "status": "FAILED", "exit": N, "error": {"code", "message", "hint"}}`.
/// `code` is the pipeline's stable code when the error has one, else `CONFIG_INVALID`,
/// `USAGE_ERROR` or `FAILED` by the kind of error. A silent error means the summary was
/// printed already.
fn json_error(global: &GlobalArgs, format: RunFormat, result: &Result<()>) {
    let Err(err) = result else { return };
    if format != RunFormat::Json || crate::error::is_silent(err) {
        return;
    }
    let code = match crate::error::code_of(err) {
        Some(code) => code.as_str(),
        None => match err.chain().find_map(|e| e.downcast_ref::<Error>()).map(|e| &e.kind) {
            Some(crate::error::Kind::Config) => "CONFIG_INVALID",
            Some(crate::error::Kind::Usage) => "USAGE_ERROR",
            _ => "FAILED",
        },
    };
    let doc = serde_json::json!({
        "schema_version": 1,
        "status": "FAILED",
        "exit": crate::error::exit_code(err) as u8,
        "error": {
            "code": code,
            "message": redact(&err.to_string()),
            "hint": crate::error::hint(err).map(redact),
        },
    });
    let ui = crate::ui::Ui::new(global.quiet, global.verbose, global.color);
    let _ = ui.data(&format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default()));
}

fn run_or_resume(global: &GlobalArgs, args: &RunArgs) -> Result<()> {
    if let Some(id) = &args.resume {
        let resume = ResumeArgs {
            run: id.clone(),
            yes: args.yes,
            gate_attestation: args.gate_attestation.clone(),
            format: args.format,
        };
        return resume_run(global, &resume);
    }
    if let Some(file) = &args.workspace {
        let file = crate::context::start_dir(global)?.join(file);
        let file = std::fs::canonicalize(&file).unwrap_or(file);
        return super::workspace::run(global, args, &file);
    }
    let ctx = Ctx::open(global)?;
    let Some(root) = ctx.repo.workdir().map(Path::to_owned) else {
        return Err(Error::usage("a release needs a work tree; this repository is bare").into());
    };
    let common_dir = ctx.repo.common_dir().to_owned();
    let mode = args.mode.unwrap_or(ctx.config.mode);
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
        let text = crate::commands::check::render_table(&report.results, false);
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
    crate::pipeline::exec::check_lanes(&run_state)?;
    let env = Env::of(&ctx, &root, &ctx.config.remote);

    if args.dry_run {
        let described = exec::describe(&env, &run_state)?;
        let text = match args.format {
            RunFormat::Json => dry_run_json(&run_state, &described, &report),
            RunFormat::Table => dry_run_text(&plan, &run_state, &described),
        };
        ctx.ui.data(&text)?;
        ctx.ui.status("dry run: nothing was changed");
        return Ok(());
    }

    if env.gh.is_none()
        && (mode == Mode::Pr
            || ctx.config.file_blockers
            || ctx.config.forge.wait_workflow.is_some())
    {
        return Err(Error::failed("`gh` is not installed or not on PATH, and this release needs it")
            .with_hint("install GitHub CLI (https://cli.github.com) or set `GIT_RELEASE_GH`; `--mode direct` needs no forge")
            .into());
    }

    let gate = gate(&ctx, &plan_text(&plan), &hash, args.yes, args.gate_attestation.as_deref())?;
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
    ctx.ui.status(&format!("run {run_id}: plan {hash}, {} package(s)", releasing(&run_state)));
    finish_run(&ctx, &env, &mut run_state, &mut evidence, args.format, &lock)
}

/// Runs `git release resume RUN`.
///
/// # Errors
/// `STATE_NOT_FOUND`, `STATE_CORRUPT` or `WRONG_REPOSITORY` for the state file; a declined
/// gate; a live lock; then as [`run`].
pub fn resume(global: &GlobalArgs, args: &ResumeArgs) -> Result<()> {
    let result = resume_run(global, args);
    json_error(global, args.format, &result);
    result
}

fn resume_run(global: &GlobalArgs, args: &ResumeArgs) -> Result<()> {
    if state::is_run_id(&args.run)
        && let Some(ws_run) = super::workspace::load_ws(&args.run)
    {
        return super::workspace::resume(
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
    run_state.gates.push(gate);
    for pkg in &mut run_state.packages {
        crate::pipeline::exec::reopen(pkg);
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
fn finish_run(
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
        state_file = state::archive(&common_dir, &run_state.run_id)?;
        evidence::archive(&common_dir, &run_state.run_id)?;
        evidence_file = evidence::archived_path(&common_dir, &run_state.run_id);
    }
    let text = match format {
        RunFormat::Json => result_json(run_state, &state_file, &evidence_file),
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

/// Runs the checks of `plan` with the waivers of `ctx`'s repository, judging the run as it
/// will be made: the `mode` given by `--mode` overrides `release.mode` (a direct push to a
/// protected branch must fail `protected_branch`). `named`: packages were named.
///
/// # Errors
/// A malformed waiver file.
pub(crate) fn preflight(ctx: &Ctx, plan: &Plan, mode: Mode, named: bool) -> Result<checks::Report> {
    let waivers = waivers::load(ctx.repo.workdir(), &ctx.config, &checks::CHECKS)?;
    let config = crate::config::Config { mode, ..ctx.config.clone() };
    Ok(checks::run(
        &ctx.repo,
        &config,
        plan,
        &waivers,
        &checks::Options { named, today: Date::today() },
    ))
}

pub(crate) fn releasing(state: &RunState) -> usize {
    state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).count()
}

/// The gate: `--gate-attestation` must name `hash`; `--yes` approves; on a terminal the
/// plan is shown and the answer read; without one, approval must be given by a flag.
pub(crate) fn gate(
    ctx: &Ctx,
    shown: &str,
    hash: &str,
    yes: bool,
    attestation: Option<&str>,
) -> Result<Gate> {
    let who = identity(ctx);
    let at = state::timestamp(SystemTime::now());
    let record = |how: &str| Gate {
        how: how.to_owned(),
        who: who.clone(),
        at: at.clone(),
        plan_hash: hash.to_owned(),
    };
    if let Some(given) = attestation {
        let given = given.trim();
        if given != hash && format!("sha256:{given}") != hash {
            return Err(Error::coded(
                ErrorCode::InvalidGateToken,
                format!("the attestation names plan `{given}`, but the plan to run is `{hash}`"),
            )
            .with_hint("the plan changed since it was approved: review `git release plan` and approve the new hash")
            .into());
        }
        return Ok(record("attestation"));
    }
    if yes {
        return Ok(record("yes"));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::coded(
            ErrorCode::GateRejected,
            format!("no terminal to ask for approval of plan `{hash}`"),
        )
        .with_hint(format!(
            "pass `--yes`, or `--gate-attestation {hash}` to bind the approval to this plan"
        ))
        .into());
    }
    let mut err = std::io::stderr().lock();
    let shown = crate::ui::terminal_safe(shown);
    let _ = write!(err, "{shown}\nplan {hash}\nRelease as planned? [y/N] ");
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        Ok(record("prompt"))
    } else {
        Err(Error::coded(
            ErrorCode::GateRejected,
            format!("plan `{hash}` was not approved; nothing was changed"),
        )
        .into())
    }
}

/// Who approves: the git identity the release commits and tags carry (`git var
/// GIT_COMMITTER_IDENT`, which honours `user.name`, `user.email` and the `GIT_COMMITTER_*`
/// variables), and on a terminal the login name too, as `Name <email> (login `me`)` (issue
/// 12, item 21). Without a git identity, `user.name`/`user.email` as configured, then the
/// login name; `unknown` only when none exists.
pub(crate) fn identity(ctx: &Ctx) -> String {
    let dir = ctx.repo.workdir().map_or_else(|| ctx.repo.common_dir().to_owned(), Path::to_owned);
    let ident = Git::new(&dir).committer_ident().and_then(|text| {
        // `Name <email> 1700000000 +0000`: the date is not part of who.
        let end = text.rfind('>')?;
        Some(text[..=end].to_owned())
    });
    let ident = ident.or_else(|| {
        let name = ctx.repo.value("user.name");
        let email = ctx.repo.value("user.email");
        match (name, email) {
            (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
            (Some(n), None) => Some(n),
            (None, Some(e)) => Some(format!("<{e}>")),
            (None, None) => None,
        }
    });
    let login = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()));
    let on_terminal = std::io::stdin().is_terminal();
    match (ident, login) {
        (Some(ident), Some(login)) if on_terminal => format!("{ident} (login `{login}`)"),
        (Some(ident), _) => ident,
        (None, Some(login)) => login,
        (None, None) => "unknown".to_owned(),
    }
}

pub(crate) fn plan_text(plan: &Plan) -> String {
    crate::commands::plan::render_table(plan, false, false)
}

fn resume_text(state: &RunState) -> String {
    let rows = state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).map(|p| {
        [
            p.name.clone(),
            p.tier.to_string(),
            p.current_version.clone().unwrap_or_else(|| "-".to_owned()),
            p.next_version.clone(),
            p.phase.to_string(),
            status_word(p).to_owned(),
        ]
    });
    crate::ui::plain_table(["package", "tier", "current", "next", "phase", "status"], rows)
}

/// Provenance: the planned commit, the branch, the remotes (credentials removed).
pub(crate) fn provenance(ctx: &Ctx, root: &Path, head: &str) -> Provenance {
    let git = Git::new(root);
    let names = git.remotes().unwrap_or_default();
    let remotes = names
        .iter()
        .map(|name| RemoteUrl {
            name: name.to_owned(),
            url: redact(&ctx.repo.value(&format!("remote.{name}.url")).unwrap_or_default()),
        })
        .collect();
    Provenance {
        commit: head.to_owned(),
        branch: ctx.repo.head_branch(),
        release_branch: ctx.config.branch.clone(),
        remote: ctx.config.remote.clone(),
        remotes,
    }
}

pub(crate) fn waivers_json(report: &checks::Report) -> serde_json::Value {
    let applied: Vec<serde_json::Value> = report
        .results
        .iter()
        .filter_map(|r| {
            r.waiver
                .as_ref()
                .map(|w| serde_json::json!({"check": r.check, "package": r.package, "waiver": w}))
        })
        .collect();
    let unused: Vec<serde_json::Value> = report
        .unused_waivers
        .iter()
        .map(|w| serde_json::json!({"check": w.check, "package": w.package, "reason": w.reason, "source": w.source}))
        .collect();
    serde_json::json!({"applied": applied, "unused": unused})
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

fn status_word(p: &PackageState) -> &'static str {
    match p.status {
        PackageStatus::Pending => "PENDING",
        PackageStatus::Done => "DONE",
        PackageStatus::Failed => "FAILED",
        PackageStatus::Blocked => "BLOCKED",
        PackageStatus::Skipped => "SKIPPED",
    }
}

pub(crate) fn status_name(status: RunStatus) -> &'static str {
    match status {
        RunStatus::InProgress => "IN_PROGRESS",
        RunStatus::Success => "SUCCESS",
        RunStatus::Partial => "PARTIAL",
        RunStatus::Failed => "FAILED",
    }
}

/// The summary table and the report (seed 000 § 4), as printed after a run.
pub fn summary_text(state: &RunState) -> String {
    let rows = state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).map(|p| {
        let note = match (&p.error, &p.reason) {
            (Some(e), _) => format!("{} at {}", e.code, e.phase),
            (None, Some(r)) => r.clone(),
            (None, None) => String::new(),
        };
        [
            p.name.clone(),
            p.tier.to_string(),
            p.current_version.clone().unwrap_or_else(|| "-".to_owned()),
            p.next_version.clone(),
            status_word(p).to_owned(),
            p.phase.to_string(),
            p.pr.as_ref().map_or_else(|| "-".to_owned(), |pr| format!("#{}", pr.number)),
            p.tag.clone().unwrap_or_else(|| "-".to_owned()),
            note,
        ]
    });
    let mut out = format!("Release summary (run: {})\n\n", state.run_id);
    out.push_str(&crate::ui::plain_table(
        ["package", "tier", "current", "next", "status", "phase", "pr", "tag", "note"],
        rows,
    ));
    out.push('\n');
    out.push_str(&report_text(state.packages.iter().map(|p| (p.name.clone(), p))));
    let released = state.packages.iter().filter(|p| p.status == PackageStatus::Done).count();
    let _ = writeln!(
        out,
        "\nStatus: {} ({released}/{} released)",
        status_name(state.status),
        releasing(state)
    );
    out
}

/// The report: Succeeded, Failed, Blocked, Skipped, each with its packages (given with the
/// name to show) and reasons.
pub fn report_text<'a>(packages: impl IntoIterator<Item = (String, &'a PackageState)>) -> String {
    let packages: Vec<(String, &PackageState)> = packages.into_iter().collect();
    let pick = |status: PackageStatus| -> Vec<(&str, &PackageState)> {
        packages.iter().filter(|(_, p)| p.status == status).map(|(n, p)| (n.as_str(), *p)).collect()
    };
    let list =
        |items: Vec<String>| if items.is_empty() { "—".to_owned() } else { items.join(", ") };
    let succeeded: Vec<String> = pick(PackageStatus::Done)
        .iter()
        .map(|(name, p)| format!("{name} v{}", p.next_version))
        .collect();
    let failed: Vec<String> = pick(PackageStatus::Failed)
        .iter()
        .map(|(name, p)| {
            let (phase, code, first) =
                p.error.as_ref().map_or(("?".to_owned(), String::new(), String::new()), |e| {
                    (
                        e.phase.to_string(),
                        e.code.to_string(),
                        e.message.lines().next().unwrap_or("").to_owned(),
                    )
                });
            format!("{name} v{} — {phase} [{code}]: {first}", p.next_version)
        })
        .collect();
    let blocked: Vec<String> = pick(PackageStatus::Blocked)
        .iter()
        .map(|(name, p)| {
            format!(
                "{name} v{} — blocked by {}",
                p.next_version,
                p.blocked_by.as_deref().unwrap_or("?")
            )
        })
        .collect();
    let pending: Vec<String> = pick(PackageStatus::Pending)
        .iter()
        .map(|(name, p)| format!("{name} v{} (at {})", p.next_version, p.phase))
        .collect();
    let skipped: Vec<String> = pick(PackageStatus::Skipped)
        .iter()
        .map(|(name, p)| {
            format!("{name} — {}", p.reason.as_deref().unwrap_or("nothing to release"))
        })
        .collect();
    let mut out = String::from("RELEASE REPORT\n==============\n");
    let _ = writeln!(out, "Succeeded ({}):  {}", succeeded.len(), list(succeeded));
    let _ = writeln!(out, "Failed    ({}):  {}", failed.len(), list(failed));
    let _ = writeln!(out, "Blocked   ({}):  {}", blocked.len(), list(blocked));
    if !pending.is_empty() {
        let _ = writeln!(out, "Pending   ({}):  {}", pending.len(), list(pending));
    }
    let _ = writeln!(out, "Skipped   ({}):  {}", skipped.len(), list(skipped));
    out
}

/// The report of the JSON result: each package under its outcome, with the version, and
/// the step, code and reason of a failure or the package that blocked it.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Report {
    succeeded: Vec<serde_json::Value>,
    failed: Vec<serde_json::Value>,
    blocked: Vec<serde_json::Value>,
    skipped: Vec<serde_json::Value>,
}

impl Report {
    /// The report of `packages`, each given with the name to show (a workspace prefixes
    /// its repository); pending packages are left out.
    pub(crate) fn of<'a>(packages: impl IntoIterator<Item = (String, &'a PackageState)>) -> Self {
        let mut report = Self::default();
        for (name, p) in packages {
            let e = p.error.as_ref();
            match p.status {
                PackageStatus::Done => report.succeeded.push(
                    serde_json::json!({"name": name, "version": p.next_version, "tag": p.tag}),
                ),
                PackageStatus::Failed => report.failed.push(serde_json::json!({
                    "name": name,
                    "version": p.next_version,
                    "phase": e.map(|e| e.phase),
                    "code": e.map(|e| e.code),
                    "reason": e.map(|e| e.message.clone()),
                })),
                PackageStatus::Blocked => report.blocked.push(serde_json::json!({
                    "name": name,
                    "version": p.next_version,
                    "blocked_by": p.blocked_by,
                    "reason": p.reason,
                })),
                PackageStatus::Skipped => {
                    report.skipped.push(serde_json::json!({"name": name, "reason": p.reason}));
                }
                PackageStatus::Pending => {}
            }
        }
        report
    }
}

/// The JSON result of a run (schema version 1).
pub fn result_json(state: &RunState, state_file: &Path, evidence_file: &Path) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        run_id: &'a str,
        status: &'static str,
        plan_hash: &'a Option<String>,
        mode: Mode,
        on_failure: OnFailure,
        state_file: PathBuf,
        evidence_file: PathBuf,
        packages: &'a [PackageState],
        report: Report,
    }
    let report = Report::of(state.packages.iter().map(|p| (p.name.clone(), p)));
    let doc = Document {
        schema_version: 1,
        run_id: &state.run_id,
        status: status_name(state.status),
        plan_hash: &state.plan_hash,
        mode: state.mode,
        on_failure: state.on_failure,
        state_file: state_file.to_owned(),
        evidence_file: evidence_file.to_owned(),
        packages: &state.packages,
        report,
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("the result serialises");
    text.push('\n');
    redact(&text)
}

pub(crate) fn dry_run_text(plan: &Plan, state: &RunState, described: &[Described]) -> String {
    let mut out = plan_text(plan);
    let _ = writeln!(
        out,
        "\ndry run of run {} ({} mode): every change it would make\n",
        state.run_id,
        match state.mode {
            Mode::Pr => "pr",
            Mode::Direct => "direct",
        }
    );
    for d in described {
        let _ = writeln!(
            out,
            "{} {} → {} (tier {}, branch {})",
            d.name,
            d.current_version.as_deref().unwrap_or("(new)"),
            d.next_version,
            d.tier,
            d.branch
        );
        for a in &d.actions {
            let _ = writeln!(out, "  {:<10} {}", a.step.as_str(), a.what);
            if let Some(detail) = &a.detail {
                for line in detail.lines() {
                    let _ = writeln!(out, "             {line}");
                }
            }
        }
        out.push('\n');
    }
    for p in state.packages.iter().filter(|p| p.status == PackageStatus::Failed) {
        let _ = writeln!(
            out,
            "{}: would be set aside: {}",
            p.name,
            p.error.as_ref().map_or("", |e| e.message.as_str())
        );
    }
    redact(&out)
}

fn dry_run_json(state: &RunState, described: &[Described], report: &checks::Report) -> String {
    let doc = serde_json::json!({
        "schema_version": 1,
        "status": "DRY_RUN",
        "run_id": state.run_id,
        "plan_hash": state.plan_hash,
        "mode": state.mode,
        "on_failure": state.on_failure,
        "checks": report.results,
        "packages": described,
        "set_aside": state.packages.iter().filter(|p| p.status == PackageStatus::Failed).map(|p| serde_json::json!({"name": p.name, "error": p.error})).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("the dry run serialises");
    text.push('\n');
    redact(&text)
}
