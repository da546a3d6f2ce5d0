//! `git release run --workspace FILE` and its resume: several repositories released tier by
//! tier, each through its own pipeline, downstream dependencies pinned to what was just
//! released upstream (issue 7 item 2; seeds 002 and 003).
//!
//! Each repository keeps its run state in its own git directory (so `git release status`
//! works from any of them); the workspace run's own state, which lists the repositories,
//! their tiers and outcomes, lives under `$XDG_STATE_HOME/git-release/runs/<run>.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::options::RunFormat;
use crate::checks::{self, Status as CheckStatus};
use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::{Error, ErrorCode, Exit};
use crate::plan::{self, Plan};
use crate::release::cadence;
use crate::release::evidence::{self, Evidence};
use crate::release::exec;
use crate::release::lock::Lock;
use crate::release::state::{self, OnFailure, PackageStatus, RunState, RunStatus, Upstream};
use crate::release::steps::Env;
use crate::workspace;

/// One repository of a workspace run, as the workspace state records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepoRun {
    /// Its name in the workspace file.
    pub name: String,
    /// Its work tree.
    pub path: PathBuf,
    /// Its tier.
    pub tier: usize,
    /// The repositories it depends on.
    pub depends_on: Vec<String>,
    /// `SUCCESS`, `PARTIAL`, `FAILED`, `BLOCKED`, `PENDING` or `NOTHING_TO_RELEASE`.
    pub status: String,
    /// The repository whose failure blocked it.
    #[serde(default)]
    pub blocked_by: Option<String>,
}

/// The workspace run's own state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceRun {
    /// Layout version.
    pub schema_version: u32,
    /// The run id, shared by every repository's state.
    pub run_id: String,
    /// The workspace file.
    pub file: PathBuf,
    /// The hash over every repository's plan hash.
    pub plan_hash: String,
    /// The failure policy.
    pub on_failure: OnFailure,
    /// The overall status.
    pub status: String,
    /// The repositories, in execution order.
    pub repos: Vec<RepoRun>,
}

/// `<state dir>/<run>.json`.
pub fn state_file(run_id: &str) -> PathBuf {
    workspace::state_dir().join(format!("{run_id}.json"))
}

fn save_ws(ws: &WorkspaceRun) -> Result<()> {
    let path = state_file(&ws.run_id);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let mut text =
        serde_json::to_vec_pretty(ws).context("failed to serialise the workspace run")?;
    text.push(b'\n');
    crate::fsutil::write_atomically(&path, &text)
}

/// Reads the workspace run `run_id`, if there is one.
pub fn load_ws(run_id: &str) -> Option<WorkspaceRun> {
    let text = std::fs::read(state_file(run_id)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// A repository opened for the run: its context, plan and state.
struct Member {
    name: String,
    ctx: Ctx,
    plan: Option<Plan>,
    state: RunState,
    report: Option<checks::Report>,
    /// The cadence decision of this repository's release (issue 17 item 7).
    cadence: Option<cadence::Decision>,
}

fn open(global: &GlobalArgs, path: &Path) -> Result<Ctx> {
    let args = GlobalArgs { dir: Some(path.to_owned()), config: None, ..global.clone() };
    Ctx::open(&args)
}

/// The workspace's plan hash: SHA-256 over each repository's `name=hash` line, sorted.
fn combined_hash(parts: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (name, hash) in parts {
        hasher.update(format!("{name}={hash}\n").as_bytes());
    }
    let digest = hasher.finalize();
    let mut text = String::from("sha256:");
    for byte in digest.iter().take(6) {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// Runs `git release run --workspace FILE`.
///
/// # Errors
/// A bad workspace file (missing path, cycle, unknown repository: exit 2, before anything
/// is written); a failed check; a declined gate; then the run's status as for one repository.
pub fn run(global: &GlobalArgs, args: &super::options::RunArgs, file: &Path) -> Result<()> {
    if !args.packages.is_empty() {
        return Err(Error::usage(
            "with `--workspace`, every repository's packages are planned; name no package",
        )
        .into());
    }
    let mut ws = workspace::load(file)?;
    let options = plan::Options {
        packages: Vec::new(),
        bump: args.bump.as_deref().map(crate::version::Level::from_flag),
        pre: args.pre.clone(),
        strict: false,
    };
    let mut members = Vec::new();
    let mut provides: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut declared: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for repo in &ws.repos {
        let ctx = open(global, &repo.path)?;
        let plan = plan::build(&ctx.repo, &ctx.config, &options)?;
        for warning in &plan.warnings {
            ctx.ui.warn(&format!("{}: {warning}", repo.name));
        }
        let (names, deps) = workspace::provides_and_declares(&repo.path, &plan.packages.list);
        provides.insert(repo.name.clone(), names);
        declared.insert(repo.name.clone(), deps);
        members.push((repo.name.clone(), ctx, plan));
    }
    workspace::infer_edges(&mut ws, &provides, &declared);
    let tiers = workspace::tiers(&ws)?;
    let released_names: BTreeSet<String> = provides.values().flatten().cloned().collect();
    let ui = members[0].1.ui.clone();
    for finding in workspace::drift(&ws, &released_names) {
        ui.warn(&finding);
    }

    // Checks in every repository that releases something.
    let mut opened = Vec::new();
    let mut failed_checks = Vec::new();
    for (name, mut ctx, plan) in members {
        if let Some(kind) = args.forge {
            ctx.config.forge.kind = kind;
        }
        let releasing = plan.releases().next().is_some();
        if releasing {
            let mode = args.mode.unwrap_or(ctx.config.mode);
            super::run::need_forge_for(mode, ctx.config.forge.kind)?;
        }
        let report = if releasing {
            let report = super::preflight::preflight(
                &ctx,
                &plan,
                args.mode.unwrap_or(ctx.config.mode),
                false,
            )?;
            for r in report.results.iter().filter(|r| r.status == CheckStatus::Fail) {
                failed_checks.push(format!(
                    "{name}: `{}`{} — {}",
                    r.check,
                    r.package.as_deref().map(|p| format!(" ({p})")).unwrap_or_default(),
                    r.reason
                ));
            }
            Some(report)
        } else {
            None
        };
        opened.push((name, ctx, plan, report));
    }
    if !failed_checks.is_empty() {
        for line in &failed_checks {
            ui.status(&format!("✗ {line}"));
        }
        return Err(Error::failed(format!(
            "{} check{} failed in the workspace, so nothing was released",
            failed_checks.len(),
            if failed_checks.len() == 1 { "" } else { "s" }
        ))
        .with_hint("run `git release check` in each repository named, fix or waive each FAIL")
        .into());
    }

    let run_id = state::new_run_id(SystemTime::now());
    let hashes: BTreeMap<String, String> = opened
        .iter()
        .filter(|(_, _, plan, _)| plan.releases().next().is_some())
        .map(|(name, _, plan, _)| (name.clone(), plan.hash()))
        .collect();
    let hash = combined_hash(&hashes);
    let mut members: Vec<Member> = Vec::new();
    for (name, ctx, plan, report) in opened {
        let common_dir = ctx.repo.common_dir().to_owned();
        let mode = args.mode.unwrap_or(ctx.config.mode);
        let state =
            super::run::new_state(&plan, &ctx, &run_id, &common_dir, mode, args.on_failure, &hash);
        members.push(Member { name, ctx, plan: Some(plan), state, report, cadence: None });
    }
    // Execution order: tier, then file order.
    let order = |name: &str| ws.repos.iter().position(|r| r.name == name).unwrap_or(usize::MAX);
    members.sort_by_key(|m| (tiers.get(&m.name).copied().unwrap_or(1), order(&m.name)));

    // Each repository's `on_release` syncs: their dry-runs now, shown and approved with the
    // plan; each runs once, after that repository's packages are published.
    let mut sync_records = Vec::new();
    for m in &members {
        let records = if super::preflight::releasing(&m.state) == 0 {
            Vec::new()
        } else {
            super::syncs::dry_runs(&env_of(&m.ctx)?, &m.state)?
        };
        sync_records.push(records);
    }
    let mut shown = String::new();
    for (m, records) in members.iter().zip(&sync_records) {
        let tier = tiers.get(&m.name).copied().unwrap_or(1);
        let _ =
            writeln!(shown, "repository {} (tier {tier}, {})", m.name, m.ctx.repo.root().display());
        if let Some(plan) = &m.plan {
            shown.push_str(&super::report::plan_text(plan));
        }
        shown.push_str(&super::syncs::text(records));
        shown.push('\n');
    }
    // The cadence rule of each repository that releases something (its own `[cadence]`, CI
    // on its own release commit).
    let ask = cadence::Ask {
        yes: args.yes,
        attestation: args.gate_attestation.as_deref(),
        approve_major: args.approve_major.as_deref(),
        outside_window: args.outside_window.as_deref(),
    };
    for m in &mut members {
        let Some(plan) = &m.plan else { continue };
        let levels: Vec<_> = plan.releases().map(cadence::level_of).collect();
        if levels.is_empty() {
            continue;
        }
        let commit = plan.head.to_string();
        let mut decision =
            cadence::decide(&m.ctx, &levels, &commit, &m.ctx.config.branch, ask.outside_window)?;
        if let Some(report) = &m.report {
            decision.checklist = cadence::checklist::build(&m.ctx, plan, report, &decision);
        }
        m.cadence = Some(decision);
    }
    if args.dry_run {
        let mut out =
            format!("dry run of workspace run {run_id} ({}), plan {hash}\n\n", file.display());
        for (m, records) in members.iter().zip(&sync_records) {
            let env = env_of(&m.ctx)?;
            let described = exec::describe(&env, &m.state)?;
            let tier = tiers.get(&m.name).copied().unwrap_or(1);
            let _ = writeln!(out, "== repository {} (tier {tier}) ==", m.name);
            if let Some(plan) = &m.plan {
                let left_out = super::run::left_out(&env);
                out.push_str(&super::report::dry_run_text(plan, &m.state, &described, &left_out));
            }
            out.push_str(&super::syncs::text(records));
            if let Some(decision) = &m.cadence {
                out.push('\n');
                out.push_str(&decision.text());
            }
        }
        ui.data(&out)?;
        ui.status("dry run: nothing was changed");
        for m in &members {
            if let Some(decision) = &m.cadence {
                super::run::dry_run_refusal(&m.ctx, decision)?;
            }
        }
        return Ok(());
    }
    for records in &sync_records {
        super::syncs::check_conflicts(records)?;
    }
    for m in &members {
        if let Some(decision) = &m.cadence {
            cadence::refuse(decision)
                .map_err(|e| e.context(format!("in repository `{}`", m.name)))?;
        }
    }
    // One named approval serves the whole workspace: asked once, recorded in each
    // repository's decision that needs it.
    let mut approved: Option<cadence::Decision> = None;
    for m in &mut members {
        let Some(decision) = &mut m.cadence else { continue };
        match &approved {
            Some(first) if decision.approval.status == "PENDING" => {
                cadence::record_approval(decision, first);
            }
            _ => {
                cadence::approve(&m.ctx, decision, &ask, &hash)?;
                if decision.approver.is_some() {
                    approved = Some(decision.clone());
                }
            }
        }
    }
    let gate = super::preflight::gate(
        &members[0].ctx,
        &shown,
        &hash,
        args.yes,
        args.gate_attestation.as_deref(),
    )?;
    for (m, records) in members.iter_mut().zip(&sync_records) {
        let env = env_of(&m.ctx)?;
        super::syncs::approve(&env, &mut m.state, records, &gate)?;
    }
    let mut ws_run = WorkspaceRun {
        schema_version: 1,
        run_id: run_id.clone(),
        file: std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned()),
        plan_hash: hash.clone(),
        on_failure: args.on_failure,
        status: "IN_PROGRESS".to_owned(),
        repos: members
            .iter()
            .map(|m| RepoRun {
                name: m.name.clone(),
                path: m.ctx.repo.root(),
                tier: tiers.get(&m.name).copied().unwrap_or(1),
                depends_on: ws
                    .repos
                    .iter()
                    .find(|r| r.name == m.name)
                    .map(|r| r.depends_on.clone())
                    .unwrap_or_default(),
                status: if super::preflight::releasing(&m.state) == 0 {
                    "NOTHING_TO_RELEASE".to_owned()
                } else {
                    "PENDING".to_owned()
                },
                blocked_by: None,
            })
            .collect(),
    };
    for m in &mut members {
        m.state.gates.push(gate.clone());
    }
    execute(&ui, &mut members, &mut ws_run, args.format)
}

/// Resumes workspace run `ws_run`.
///
/// # Errors
/// As [`run`]; a repository whose state is missing or corrupt.
pub fn resume(
    global: &GlobalArgs,
    mut ws_run: WorkspaceRun,
    yes: bool,
    attestation: Option<&str>,
    format: RunFormat,
) -> Result<()> {
    let mut members = Vec::new();
    for repo in &ws_run.repos {
        let mut ctx = open(global, &repo.path)?;
        let common_dir = ctx.repo.common_dir().to_owned();
        let state = if repo.status == "NOTHING_TO_RELEASE" {
            // Nothing was planned there, so no state was written.
            RunState::new(ws_run.run_id.clone(), &common_dir, Vec::new(), SystemTime::now())
        } else {
            let state = state::load_any(&common_dir, &ws_run.run_id)?.0;
            if repo.status != "SUCCESS" {
                super::run::restore(&mut ctx, &state, false)?;
            }
            state
        };
        members.push(Member {
            name: repo.name.clone(),
            ctx,
            plan: None,
            state,
            report: None,
            cadence: None,
        });
    }
    // Each repository's rows hash to its recorded part; the parts must make the approved
    // workspace hash (issue 12 item 11).
    let parts: BTreeMap<String, String> = members
        .iter()
        .zip(&ws_run.repos)
        .filter(|(_, r)| r.status != "NOTHING_TO_RELEASE")
        .map(|(m, _)| (m.name.clone(), m.state.rows_hash.clone().unwrap_or_default()))
        .collect();
    let combined = combined_hash(&parts);
    if combined != ws_run.plan_hash {
        return Err(Error::coded(
            ErrorCode::StateCorrupt,
            format!(
                "the state files of workspace run `{}` hash to `{combined}`, not to the approved plan `{}`",
                ws_run.run_id, ws_run.plan_hash
            ),
        )
        .with_hint("the files were left as they are; inspect them, or start a new run")
        .into());
    }
    let mut shown = String::new();
    for m in &members {
        let _ = writeln!(
            shown,
            "repository {}: {}",
            m.name,
            super::report::status_name(m.state.status)
        );
    }
    let gate =
        super::preflight::gate(&members[0].ctx, &shown, &ws_run.plan_hash, yes, attestation)?;
    for (m, r) in members.iter_mut().zip(&mut ws_run.repos) {
        if r.status == "SUCCESS" || r.status == "NOTHING_TO_RELEASE" {
            continue;
        }
        r.status = "PENDING".to_owned();
        r.blocked_by = None;
        m.state.gates.push(gate.clone());
        m.state.status = RunStatus::InProgress;
        for pkg in &mut m.state.packages {
            crate::release::exec::reopen(pkg);
        }
    }
    let ui = members[0].ctx.ui.clone();
    ui.status(&format!("resuming workspace run {}", ws_run.run_id));
    execute(&ui, &mut members, &mut ws_run, format)
}

fn env_of(ctx: &Ctx) -> Result<Env<'_>> {
    let root = ctx.repo.workdir().map(Path::to_owned).ok_or_else(|| {
        Error::usage("a release needs a work tree; a repository of the workspace is bare")
    })?;
    Ok(Env::of(ctx, &root, &ctx.config.remote))
}

/// Whether `name`'s repository must wait: under stop, an earlier repository did not fully
/// succeed; under quarantine, one it depends on (directly or not) did not.
fn blocked_by(ws_run: &WorkspaceRun, index: usize) -> Option<String> {
    let bad = |r: &RepoRun| matches!(r.status.as_str(), "FAILED" | "PARTIAL" | "BLOCKED");
    let root = |r: &RepoRun| r.blocked_by.clone().unwrap_or_else(|| r.name.clone());
    match ws_run.on_failure {
        OnFailure::Stop => ws_run.repos[..index].iter().find(|r| bad(r)).map(root),
        OnFailure::Quarantine => {
            let mut stack = ws_run.repos[index].depends_on.clone();
            let mut seen = BTreeSet::new();
            while let Some(name) = stack.pop() {
                if !seen.insert(name.clone()) {
                    continue;
                }
                if let Some(dep) = ws_run.repos.iter().find(|r| r.name == name) {
                    if bad(dep) {
                        return Some(root(dep));
                    }
                    stack.extend(dep.depends_on.iter().cloned());
                }
            }
            None
        }
    }
}

fn execute(
    ui: &crate::ui::Ui,
    members: &mut [Member],
    ws_run: &mut WorkspaceRun,
    format: RunFormat,
) -> Result<()> {
    // JSON output never mixes with a spinner (issue 14, item 6).
    for m in members.iter_mut() {
        m.ctx.ui.set_progress(format == RunFormat::Table);
    }
    let mut locks = Vec::new();
    for m in members.iter() {
        let lock = Lock::acquire(m.ctx.repo.common_dir(), &ws_run.run_id)?;
        if let Some(notice) = lock.notice() {
            ui.warn(&notice);
        }
        locks.push(lock);
    }
    save_ws(ws_run)?;
    for i in 0..members.len() {
        if ws_run.repos[i].status != "PENDING" {
            continue;
        }
        let name = members[i].name.clone();
        let common_dir = members[i].ctx.repo.common_dir().to_owned();
        if let Some(by) = blocked_by(ws_run, i) {
            for pkg in
                members[i].state.packages.iter_mut().filter(|p| p.status == PackageStatus::Pending)
            {
                pkg.block(&by, &format!("repository `{by}` did not release everything"));
            }
            members[i].state.status = exec::overall(&members[i].state);
            state::save(&common_dir, &members[i].state)?;
            ws_run.repos[i].status = "BLOCKED".to_owned();
            ws_run.repos[i].blocked_by = Some(by);
            save_ws(ws_run)?;
            continue;
        }
        // What upstream repositories released in this run, for the PINNED step.
        let upstream: Vec<Upstream> = members[..i]
            .iter()
            .filter(|u| {
                ws_run.repos[i].depends_on.contains(&u.name) || transitively(ws_run, i, &u.name)
            })
            .flat_map(|u| u.state.packages.iter().filter(|p| p.status == PackageStatus::Done))
            .map(|p| Upstream {
                name: p.name.clone(),
                version: p.next_version.clone(),
                manifest_name: p.release.manifest_name.clone().unwrap_or_else(|| p.name.clone()),
            })
            .collect();
        let names: Vec<String> = upstream.iter().map(|u| u.name.clone()).collect();
        let member = &mut members[i];
        member.state.upstream = upstream;
        for pkg in &mut member.state.packages {
            for n in &names {
                if !pkg.release.depends_on.contains(n) {
                    pkg.release.depends_on.push(n.clone());
                }
            }
        }
        ui.status(&format!("== repository {name} (tier {}) ==", ws_run.repos[i].tier));
        let env = env_of(&member.ctx)?;
        let root = env.root.clone();
        let head = member.state.head.clone();
        let mut evidence = Evidence::load(&common_dir, &ws_run.run_id).unwrap_or_else(|| {
            Evidence::new(
                &member.state,
                member
                    .report
                    .as_ref()
                    .map(|r| serde_json::to_value(&r.results).unwrap_or_default())
                    .unwrap_or_default(),
                member.report.as_ref().map(super::preflight::waivers_json).unwrap_or_default(),
                super::preflight::provenance(&member.ctx, &root, &head),
            )
        });
        if evidence.cadence.is_none() {
            evidence.cadence.clone_from(&member.cadence);
        }
        let mut save = |s: &RunState| -> Result<()> {
            state::save(&common_dir, s)?;
            evidence.update(s);
            evidence.save(&common_dir)
        };
        save(&member.state)?;
        exec::execute(&env, &mut member.state, &mut save)?;
        if let Some(gh) = &env.gh
            && member.ctx.config.file_blockers
        {
            super::run::file_blockers(&member.ctx, gh, &root, &mut member.state);
            save(&member.state)?;
        }
        if member.state.status == RunStatus::Success {
            for problem in exec::remove_worktrees(&root, &common_dir, &member.state) {
                ui.warn(&format!("a worktree was left in place: {problem}"));
            }
            super::run::tidy_up(&member.ctx, &root, &member.state);
            super::syncs::execute(&env, &mut member.state, &mut save)?;
        }
        if member.state.status == RunStatus::Success {
            state::archive(&common_dir, &ws_run.run_id)?;
            evidence::archive(&common_dir, &ws_run.run_id)?;
        }
        ws_run.repos[i].status = super::report::status_name(member.state.status).to_owned();
        save_ws(ws_run)?;
    }
    let all_done = members.iter().all(|m| {
        m.state
            .packages
            .iter()
            .all(|p| matches!(p.status, PackageStatus::Done | PackageStatus::Skipped))
            && m.state.syncs.iter().all(|s| s.status == PackageStatus::Done)
    });
    let any_done =
        members.iter().any(|m| m.state.packages.iter().any(|p| p.status == PackageStatus::Done));
    ws_run.status = if all_done {
        "SUCCESS"
    } else if any_done {
        "PARTIAL"
    } else {
        "FAILED"
    }
    .to_owned();
    save_ws(ws_run)?;
    drop(locks);

    let text = match format {
        RunFormat::Table => summary(members, ws_run),
        RunFormat::Json => {
            let repos: Vec<serde_json::Value> = members
                .iter()
                .zip(&ws_run.repos)
                .map(|(m, r)| serde_json::json!({"name": r.name, "path": r.path, "tier": r.tier, "depends_on": r.depends_on, "status": r.status, "blocked_by": r.blocked_by, "packages": m.state.packages}))
                .collect();
            let doc = serde_json::json!({
                "schema_version": 1,
                "run_id": ws_run.run_id,
                "status": ws_run.status,
                "plan_hash": ws_run.plan_hash,
                "workspace_state": state_file(&ws_run.run_id),
                "repos": repos,
                "report": report_json(members),
            });
            format!("{}\n", crate::error::redact(&serde_json::to_string_pretty(&doc)?))
        }
    };
    ui.data(&text)?;
    match ws_run.status.as_str() {
        "SUCCESS" => Ok(()),
        "PARTIAL" => {
            ui.status(&format!(
                "resume with `git release resume {}` once the failures are fixed",
                ws_run.run_id
            ));
            Err(Error::silent(Exit::Partial).into())
        }
        _ => {
            ui.status(&format!(
                "resume with `git release resume {}` once the failures are fixed",
                ws_run.run_id
            ));
            Err(Error::silent(Exit::Failure).into())
        }
    }
}

/// Whether repository `i` depends on `name` through other repositories.
fn transitively(ws_run: &WorkspaceRun, i: usize, name: &str) -> bool {
    let mut stack = ws_run.repos[i].depends_on.clone();
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if n == name {
            return true;
        }
        if seen.insert(n.clone())
            && let Some(r) = ws_run.repos.iter().find(|r| r.name == n)
        {
            stack.extend(r.depends_on.iter().cloned());
        }
    }
    false
}

fn summary(members: &[Member], ws_run: &WorkspaceRun) -> String {
    let rows = members.iter().zip(&ws_run.repos).flat_map(|(m, r)| {
        m.state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).map(move |p| {
            let note = match (&p.error, &p.reason) {
                (Some(e), _) => format!("{} at {}", e.code, e.phase),
                (None, Some(reason)) => reason.clone(),
                (None, None) => String::new(),
            };
            [
                r.name.clone(),
                r.tier.to_string(),
                p.name.clone(),
                p.current_version.clone().unwrap_or_else(|| "-".to_owned()),
                p.next_version.clone(),
                format!("{:?}", p.status).to_uppercase(),
                p.tag.clone().unwrap_or_else(|| "-".to_owned()),
                note,
            ]
        })
    });
    let mut out = format!("Workspace release summary (run: {})\n\n", ws_run.run_id);
    out.push_str(&crate::ui::plain_table(
        ["repository", "tier", "package", "current", "next", "status", "tag", "note"],
        rows,
    ));
    out.push('\n');
    out.push_str(&super::report::report_text(members.iter().flat_map(|m| {
        m.state.packages.iter().map(move |p| (format!("{}/{}", m.name, p.name), p))
    })));
    let _ = writeln!(out, "\nStatus: {}", ws_run.status);
    out
}

fn report_json(members: &[Member]) -> super::report::Report {
    super::report::Report::of(
        members.iter().flat_map(|m| {
            m.state.packages.iter().map(move |p| (format!("{}/{}", m.name, p.name), p))
        }),
    )
}
