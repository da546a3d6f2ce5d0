//! `git release rc promote` and its resume (issue 17 item 5): the gates (CI green on every
//! RC head, no open issue in the milestone, the approval), then, repository by repository
//! in tier order (a repository only once every one it depends on is released): the merges
//! along `[train] flow` (a fast-forward push where possible, else a pull request merged with
//! a merge commit, so the RC head stays in the branch's history), and the release of the
//! stable versions through the `run` pipeline on the merged commit (changelog, bump, tag,
//! forge release, publish). Every step is saved in the manifest before the next, and the
//! release run keeps its own state, so `git release resume TRAIN` (or `rc promote` again)
//! goes on from where a killed promotion stopped. At the end the RC branches are deleted
//! (only while they still name the promoted RC head) and the train is `ship`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde::Deserialize;

use super::manifest::{Lifecycle, Manifest, Merge, RepoEntry};
use super::{Place, gates};
use crate::context::{Ctx, GlobalArgs};
use crate::error::{Error, ErrorCode};
use crate::forge::{Forge as _, Gh, Request};
use crate::git::cli::Git;
use crate::release::evidence::Evidence;
use crate::release::lock::Lock;
use crate::release::options::RunFormat;
use crate::release::state::{self, Gate, OnFailure, RunStatus};
use crate::release::steps::Env;
use crate::version::Level;

/// The promotion's approval: **the one place** `rc promote` asks for it, through what `run`
/// asks: first the cadence rule (`release::preflight::cadence_gate`, issue 17 item 7) of
/// `levels`, the bump levels of the train's packages from their current to their stable
/// version (a major needs a named person; CI and windows as `[cadence]` says), then the gate
/// (`release::preflight::gate`). Returns the gate and the cadence decision, which the
/// manifest records.
///
/// # Errors
/// The cadence rule refuses (CI not green, outside a window, a major with `--yes` alone), the
/// gate was declined, or the attestation names another hash (exit 4).
pub fn approve(
    ctx: &Ctx,
    m: &Manifest,
    shown: &str,
    hash: &str,
    levels: &[Level],
    ask: &crate::release::cadence::Ask<'_>,
) -> Result<(Gate, crate::release::cadence::Decision)> {
    // The commit CI is judged on: the first repository's RC head (`rc_ci` has judged every
    // repository's already); the branch its runs are listed under.
    let first = &m.repos[0];
    let decision = crate::release::preflight::cadence_gate(
        ctx,
        levels,
        &first.rc_head,
        &first.rc_branch,
        ask,
        hash,
    )?;
    let gate = crate::release::preflight::gate(ctx, shown, hash, ask.yes, ask.attestation)?;
    Ok((gate, decision))
}

/// The bump level from `current` to `next` (`None` current: a first release, minor).
fn level_of(current: Option<&str>, next: &str) -> Level {
    let (Some(cur), Ok(next)) =
        (current.and_then(|c| semver::Version::parse(c).ok()), semver::Version::parse(next))
    else {
        return Level::Minor;
    };
    if next.major != cur.major {
        Level::Major
    } else if next.minor != cur.minor {
        Level::Minor
    } else {
        Level::Patch
    }
}

/// The hash an approval of the promotion binds to: each repository's RC head and versions.
fn promotion_hash(m: &Manifest) -> String {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(format!("{}\n", m.train_id).as_bytes());
    for r in &m.repos {
        hasher.update(format!("{}={}\n", r.name, r.rc_head).as_bytes());
        for p in &r.packages {
            hasher.update(format!("  {}={}\n", p.name, p.version).as_bytes());
        }
    }
    let mut text = String::from("sha256:");
    for byte in hasher.finalize().iter().take(6) {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// What `rc promote` (or `resume TRAIN`) was asked.
#[derive(Debug, Clone, Default)]
pub struct PromoteOptions {
    /// `--yes`.
    pub yes: bool,
    /// `--gate-attestation HASH`.
    pub attestation: Option<String>,
    /// `--approve-major "Name <email>"` (`[cadence]`).
    pub approve_major: Option<String>,
    /// `--outside-window REASON` (`[cadence]`).
    pub outside_window: Option<String>,
}

/// Runs `git release rc promote [TRAIN]`, or resumes it.
///
/// # Errors
/// The train is not tagged yet, or over; a gate FAILs (named, exit 1); the approval is
/// declined (exit 4); a merge, a push or the release run fails (resume once fixed).
pub fn promote(
    global: &GlobalArgs,
    place: &Place,
    train: Option<&str>,
    opts: &PromoteOptions,
) -> Result<()> {
    let (path, _) = super::locate(place, train)?;
    run_promotion(global, &path, opts)
}

/// Resumes the promotion of the train whose manifest is `path` (`git release resume TRAIN`).
///
/// # Errors
/// As [`promote`].
pub fn resume(global: &GlobalArgs, path: &Path, opts: &PromoteOptions) -> Result<()> {
    run_promotion(global, path, opts)
}

fn run_promotion(global: &GlobalArgs, path: &Path, opts: &PromoteOptions) -> Result<()> {
    let m = super::manifest::load(path)?;
    let (first, _lock, mut m) = super::open_locked(global, path, &m)?;
    let ui = first.ui.clone();
    match m.state {
        Lifecycle::Ship => {
            ui.status(&format!("train {} has shipped already", m.train_id));
            return Ok(());
        }
        Lifecycle::Aborted => {
            return Err(Error::failed(format!("train `{}` was aborted", m.train_id)).into());
        }
        Lifecycle::Planning | Lifecycle::Development => {
            return Err(Error::failed(format!(
                "train `{}` is in {}: no release candidate is tagged yet",
                m.train_id,
                m.state.as_str()
            ))
            .with_hint("tag one with `git release rc tag`, let CI run on it, then promote")
            .into());
        }
        Lifecycle::Staging | Lifecycle::Validation => {}
    }
    let ask = crate::release::cadence::Ask {
        yes: opts.yes,
        attestation: opts.attestation.as_deref(),
        approve_major: opts.approve_major.as_deref(),
        outside_window: opts.outside_window.as_deref(),
    };
    let levels: Vec<Level> = m
        .repos
        .iter()
        .flat_map(|r| r.packages.iter().map(|p| level_of(p.current_version.as_deref(), &p.version)))
        .collect();
    if m.state == Lifecycle::Staging {
        // The gates, on what is true now.
        let report = super::status::report(global, path.to_owned(), m.clone(), false)?;
        m = report.manifest.clone();
        let mut failing: Vec<String> = report
            .failing()
            .filter(|g| g.gate != "dependencies")
            .map(|g| {
                format!("`{}` ({}): {}", g.gate, g.repo.as_deref().unwrap_or("train"), g.reason)
            })
            .collect();
        // What is promoted is the release candidate tagged last: a branch that moved since
        // (or is gone) needs a new candidate first.
        for (r, live) in m.repos.iter().zip(&report.live) {
            if live.rc_head.as_deref() != Some(r.rc_head.as_str()) {
                failing.push(format!(
                    "`{}` ({}): the RC head is {}, not the candidate tagged last ({}); run `git release rc tag`",
                    r.rc_branch,
                    r.name,
                    live.rc_head.as_deref().map_or("gone", |h| &h[..12]),
                    &r.rc_head[..12]
                ));
            }
        }
        if !failing.is_empty() {
            ui.status(super::status::text(&report).trim_end());
            return Err(Error::coded(
                ErrorCode::CheckFailed,
                format!("{} promotion gate{} failed, so nothing was promoted: {}", failing.len(), if failing.len() == 1 { "" } else { "s" }, failing.join("; ")),
            )
            .with_hint("fix what each FAIL says, or waive `rc_ci` / `rc_issues` with a waiver, then promote again")
            .into());
        }
        let hash = promotion_hash(&m);
        let shown = super::status::text(&report);
        let (gate, decision) = approve(&first, &m, &shown, &hash, &levels, &ask)?;
        let who = gate.who.clone();
        ui.status(decision.text().lines().next().unwrap_or_default());
        m.cadence = Some(decision);
        m.approvals.push(gate);
        m.transition(Lifecycle::Validation, &who, "rc promote: gates passed, approved");
        super::save(path, &m)?;
    } else {
        // A resume: the approval again, bound to the same RC heads.
        let hash = promotion_hash(&m);
        let shown = format!("resume the promotion of train {}", m.train_id);
        let gate = if m.cadence.is_some() {
            // The cadence rule was judged, and a major approved by name, when the promotion
            // began; a resume keeps that decision, as `git release resume` does for a run.
            crate::release::preflight::gate(&first, &shown, &hash, ask.yes, ask.attestation)?
        } else {
            let (gate, decision) = approve(&first, &m, &shown, &hash, &levels, &ask)?;
            m.cadence = Some(decision);
            gate
        };
        m.approvals.push(gate);
        super::save(path, &m)?;
    }
    let approval = m.approvals.last().cloned().expect("an approval was just recorded");

    for i in 0..m.repos.len() {
        if m.repos[i].promotion.released {
            continue;
        }
        let waiting: Vec<String> = m.repos[i]
            .depends_on
            .iter()
            .filter(|d| m.repo(d).is_some_and(|r| !r.promotion.released))
            .cloned()
            .collect();
        if !waiting.is_empty() {
            return Err(Error::failed(format!(
                "{} waits for {} to be promoted first",
                m.repos[i].name,
                waiting.join(", ")
            ))
            .into());
        }
        let mut ctx = super::open(global, &m.repos[i].path)?;
        ui.status(&format!("== promoting {} (tier {}) ==", m.repos[i].name, m.repos[i].tier));
        let flow = ctx.config.train.flow.clone();
        merge_along(&ctx, path, &mut m, i, &flow)?;
        release(&mut ctx, path, &mut m, i, &approval)?;
    }

    let who = approval.who.clone();
    for r in &mut m.repos {
        if !r.rc_branch_deleted {
            for problem in delete_rc_branch(r) {
                ui.warn(&problem);
            }
            r.rc_branch_deleted = true;
        }
    }
    m.transition(Lifecycle::Ship, &who, "rc promote: every repository released");
    super::save(path, &m)?;
    let mut out = format!("train {} shipped\n", m.train_id);
    for r in &m.repos {
        for p in &r.packages {
            let _ = writeln!(out, "  {}: {} {} ({})", r.name, p.name, p.version, p.tag);
        }
    }
    ui.data(&out)
}

/// Merges the RC head of repository `i` along `flow`, each merge saved as it is made.
fn merge_along(ctx: &Ctx, path: &Path, m: &mut Manifest, i: usize, flow: &[String]) -> Result<()> {
    let git = Git::new(&m.repos[i].path);
    let mut source = m.repos[i].rc_head.clone();
    let mut head_branch = m.repos[i].rc_branch.clone();
    for target in flow {
        if let Some(done) = m.repos[i].promotion.merges.iter().find(|g| &g.into == target) {
            source = done.commit.clone();
            head_branch.clone_from(target);
            continue;
        }
        let merge = merge_into(ctx, &git, path, m, i, &source, &head_branch, target)?;
        ctx.ui.status(&format!(
            "{}: `{target}` now at {} ({})",
            m.repos[i].name,
            &merge.commit[..12],
            merge.how
        ));
        source = merge.commit.clone();
        head_branch.clone_from(target);
        m.repos[i].promotion.merges.push(merge);
        m.repos[i].promotion.open_pr = None;
        super::save(path, m)?;
    }
    Ok(())
}

/// Brings `source` (the tip of `head`) into `target` on the remote: already there; a
/// fast-forward push (never forced); or a pull request from `head` merged with a merge
/// commit.
#[allow(clippy::too_many_arguments, reason = "the merge's whole context, kept in one call")]
fn merge_into(
    ctx: &Ctx,
    git: &Git,
    path: &Path,
    m: &mut Manifest,
    i: usize,
    source: &str,
    head: &str,
    target: &str,
) -> Result<Merge> {
    let r = &m.repos[i];
    let remote = r.remote.clone();
    let tip = gates::remote_branch(git, &remote, target)?;
    let done = |how: &str, commit: &str, pr: Option<String>| Merge {
        into: target.to_owned(),
        how: how.to_owned(),
        commit: commit.to_owned(),
        pr,
    };
    match &tip {
        Some(tip) if git.is_ancestor(source, tip) => return Ok(done("already merged", tip, None)),
        Some(tip) if !git.is_ancestor(tip, source) => {}
        _ => {
            git.push(&remote, source, &format!("refs/heads/{target}")).map_err(|e| {
                Error::coded(
                    ErrorCode::PushRejected,
                    format!("{}: `{remote}` refused to fast-forward `{target}`: {e}", r.name),
                )
                .with_hint("resume with `git release resume TRAIN` once the remote accepts it")
            })?;
            return Ok(done("fast-forward", source, None));
        }
    }
    // Not a fast-forward: a pull request from `head` into `target`, merged with a merge
    // commit.
    let gh = super::forge_of(ctx).ok_or_else(|| {
        Error::failed(format!(
            "{}: `{target}` has moved on, so `{head}` needs a pull request, and there is no forge",
            r.name
        ))
        .with_hint(format!("merge `{head}` into `{target}` by hand and push it, then resume"))
    })?;
    let root = r.path.clone();
    let number = open_pr(&gh, &root, m, i, head, target)?;
    super::save(path, m)?;
    let merged = pr_merge_commit(&gh, &root, &number)?;
    let commit = if let Some(c) = merged {
        c
    } else {
        gh.call(&root, &Request::PrMergeCommit { number: &number }).map_err(|e| {
            Error::coded(
                ErrorCode::ForgeFailed,
                format!("cannot merge pull request #{number}: {e}"),
            )
        })?;
        pr_merge_commit(&gh, &root, &number)?.ok_or_else(|| {
            Error::coded(
                ErrorCode::ForgeFailed,
                format!("pull request #{number} is not merged after the merge"),
            )
        })?
    };
    git.fetch(&remote, &format!("+refs/heads/{target}:refs/remotes/{remote}/{target}"))?;
    let url = m.repos[i].promotion.open_pr.clone();
    Ok(done("pull-request", &commit, url))
}

#[derive(Deserialize)]
struct Pr {
    number: u64,
    url: String,
    state: String,
}

/// The open (or merged) pull request from `head` into `target`, opened when there is none;
/// its number. Its address is recorded as the open PR of repository `i`.
fn open_pr(
    gh: &Gh,
    root: &Path,
    m: &mut Manifest,
    i: usize,
    head: &str,
    target: &str,
) -> Result<String> {
    let list = |gh: &Gh| -> Result<Option<Pr>> {
        let text = gh
            .lookup(root, &Request::PrList { head, base: Some(target) })
            .map_err(|e| {
                Error::coded(ErrorCode::ForgeFailed, format!("cannot list pull requests: {e}"))
            })?
            .unwrap_or_else(|| "[]".to_owned());
        let prs: Vec<Pr> = crate::forge::answer("gh pr list", &text)
            .map_err(|e| Error::coded(ErrorCode::ForgeFailed, e))?;
        Ok(prs.into_iter().find(|p| p.state == "OPEN" || p.state == "MERGED"))
    };
    let pr = if let Some(pr) = list(gh)? {
        pr
    } else {
        let title = format!("Release train {}: merge {head} into {target}", m.train_id);
        let body = format!("Opened by `git release rc promote` for train `{}`.", m.train_id);
        gh.call(root, &Request::PrCreate { base: target, head, title: &title, body: &body })
            .map_err(|e| {
                Error::coded(ErrorCode::ForgeFailed, format!("cannot open the pull request: {e}"))
            })?;
        list(gh)?.ok_or_else(|| {
            Error::coded(ErrorCode::ForgeFailed, "the pull request just opened is not listed")
        })?
    };
    m.repos[i].promotion.open_pr = Some(pr.url);
    Ok(pr.number.to_string())
}

/// The merge commit of pull request `number`, or `None` while it is not merged.
fn pr_merge_commit(gh: &Gh, root: &Path, number: &str) -> Result<Option<String>> {
    #[derive(Deserialize)]
    struct Commit {
        oid: String,
    }
    #[derive(Deserialize)]
    struct View {
        state: String,
        #[serde(rename = "mergeCommit")]
        merge_commit: Option<Commit>,
    }
    let text = match gh.call(root, &Request::PrView { number, merge_commit: true }) {
        Ok(crate::forge::Outcome::Done(t)) => t,
        Ok(crate::forge::Outcome::AlreadyExists(_)) => return Ok(None),
        Err(e) => {
            return Err(Error::coded(
                ErrorCode::ForgeFailed,
                format!("cannot read pull request #{number}: {e}"),
            )
            .into());
        }
    };
    let view: View = crate::forge::answer("gh pr view", &text)
        .map_err(|e| Error::coded(ErrorCode::ForgeFailed, e))?;
    Ok((view.state == "MERGED").then_some(view.merge_commit.map(|c| c.oid)).flatten())
}

/// Releases the stable versions of repository `i` with the `run` pipeline, at the commit
/// the last merge left on the release branch; resumes the run recorded in the manifest.
fn release(ctx: &mut Ctx, path: &Path, m: &mut Manifest, i: usize, approval: &Gate) -> Result<()> {
    let root = super::workdir(ctx)?;
    let common_dir = ctx.repo.common_dir().to_owned();
    let mode = ctx.config.mode;
    crate::release::run::need_forge_for(mode, ctx.config.forge.kind)?;
    let mut run_state = if let Some(id) = m.repos[i].promotion.run_id.clone() {
        let (run_state, _) = state::load_any(&common_dir, &id)?;
        if run_state.status == RunStatus::Success {
            m.repos[i].promotion.released = true;
            return super::save(path, m);
        }
        // Pinned upstream dependencies are not in the approved rows: checked as a
        // workspace run's state is.
        let standalone = run_state.upstream.is_empty();
        crate::release::run::restore(ctx, &run_state, standalone)?;
        let mut run_state = run_state;
        for pkg in &mut run_state.packages {
            crate::release::exec::reopen(pkg);
        }
        run_state.status = RunStatus::InProgress;
        run_state
    } else {
        let head = m.repos[i]
            .promotion
            .merges
            .last()
            .map_or_else(|| m.repos[i].rc_head.clone(), |g| g.commit.clone());
        let head_id = gix::ObjectId::from_hex(head.as_bytes())
            .map_err(|e| Error::failed(format!("`{head}` is not a commit id: {e}")))?;
        let names: Vec<String> = m.repos[i].packages.iter().map(|p| p.name.clone()).collect();
        let options =
            crate::plan::Options { packages: names, bump: None, pre: None, strict: false };
        let mut plan = crate::plan::build_at(&ctx.repo, &ctx.config, &options, head_id)?;
        for row in &mut plan.rows {
            let Some(p) = m.repos[i].packages.iter().find(|p| p.name == row.name) else {
                continue;
            };
            if row.status != crate::plan::Status::Release {
                return Err(Error::failed(format!(
                    "{}: package `{}` has nothing to release at the promoted commit",
                    m.repos[i].name, row.name
                ))
                .into());
            }
            row.next_version = Some(p.version.clone());
            row.next_tag = Some(p.tag.clone());
        }
        let run_id = state::new_run_id(std::time::SystemTime::now());
        let hash = plan.hash();
        let upstream = upstream_of(m, i);
        let run_state = crate::release::run::new_state(
            &plan,
            ctx,
            &run_id,
            &common_dir,
            mode,
            OnFailure::Stop,
            &hash,
        );
        let mut run_state = run_state;
        // What the repositories it depends on released, pinned by the PINNED step as a
        // workspace run does (issue 7 item 2).
        let names: Vec<String> = upstream.iter().map(|u| u.name.clone()).collect();
        run_state.upstream = upstream;
        for pkg in &mut run_state.packages {
            for n in &names {
                if !pkg.release.depends_on.contains(n) {
                    pkg.release.depends_on.push(n.clone());
                }
            }
        }
        state::save(&common_dir, &run_state)?;
        m.repos[i].promotion.run_id = Some(run_id);
        super::save(path, m)?;
        run_state
    };
    run_state.gates.push(approval.clone());
    let lock = Lock::acquire(&common_dir, &run_state.run_id)?;
    let env = Env::of(ctx, &root, &run_state.remote);
    let mut evidence = Evidence::load(&common_dir, &run_state.run_id).unwrap_or_else(|| {
        Evidence::new(
            &run_state,
            serde_json::Value::Null,
            serde_json::Value::Null,
            crate::release::preflight::provenance(ctx, &root, &run_state.head),
        )
    });
    ctx.ui.status(&format!("{}: release run {}", m.repos[i].name, run_state.run_id));
    crate::release::run::finish_run(
        ctx,
        &env,
        &mut run_state,
        &mut evidence,
        RunFormat::Table,
        &lock,
    )?;
    drop(lock);
    if run_state.status == RunStatus::Success {
        m.repos[i].promotion.released = true;
        super::save(path, m)?;
    }
    Ok(())
}

/// The packages the repositories `m.repos[i]` depends on (directly or not) released in this
/// train: read from their release runs' state, as `run --workspace` hands them on.
fn upstream_of(m: &Manifest, i: usize) -> Vec<state::Upstream> {
    let mut wanted = m.repos[i].depends_on.clone();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    while let Some(name) = wanted.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(dep) = m.repo(&name) else { continue };
        wanted.extend(dep.depends_on.iter().cloned());
        let Some(run_id) = &dep.promotion.run_id else { continue };
        let Ok(repo) = crate::git::read::Repo::discover(&dep.path) else { continue };
        let Ok((run, _)) = state::load_any(repo.common_dir(), run_id) else { continue };
        out.extend(run.packages.iter().filter(|p| p.status == state::PackageStatus::Done).map(
            |p| state::Upstream {
                name: p.name.clone(),
                version: p.next_version.clone(),
                manifest_name: p.release.manifest_name.clone().unwrap_or_else(|| p.name.clone()),
            },
        ));
    }
    out
}

/// Deletes the RC branch of `r` on its remote and locally, each only while it still names
/// the promoted RC head (a lease); what was left, and why.
pub fn delete_rc_branch(r: &RepoEntry) -> Vec<String> {
    let git = Git::new(&r.path);
    let mut problems = Vec::new();
    let name = format!("refs/heads/{}", r.rc_branch);
    match git.ls_remote_ref(&r.remote, &name) {
        Ok(Some(found)) if found.object == r.rc_head => {
            if let Err(e) = git.push_atomic(
                &r.remote,
                &[format!(":{name}")],
                &[(name.clone(), r.rc_head.clone())],
            ) {
                problems
                    .push(format!("{}: `{}` was left on `{}`: {e}", r.name, r.rc_branch, r.remote));
            }
        }
        Ok(Some(found)) => problems.push(format!(
            "{}: `{}` on `{}` names {}, not the RC head {}; it was left in place",
            r.name,
            r.rc_branch,
            r.remote,
            &found.object[..12],
            &r.rc_head[..12]
        )),
        Ok(None) => {}
        Err(e) => problems.push(format!("{}: cannot read `{}`: {e}", r.name, r.remote)),
    }
    match git.commit_of(&name) {
        Some(at) if at == r.rc_head => {
            if let Err(e) = git.branch_delete_at(&r.rc_branch, &r.rc_head) {
                problems.push(format!("{}: the local `{}` was left: {e}", r.name, r.rc_branch));
            }
        }
        Some(at) => problems.push(format!(
            "{}: the local `{}` names {}, not the RC head; it was left in place",
            r.name,
            r.rc_branch,
            &at[..12]
        )),
        None => {}
    }
    problems
}
