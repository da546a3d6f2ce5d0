//! `git release rollback`: undo what a run left unpublished, or take back a published release
//! (DESIGN.md › Pipeline; seed 004 › Rollback Procedures, whose evidence record it writes).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Instant, SystemTime};

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::config::Mode;
use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::Error;
use crate::error::redact;
use crate::forge::{self, Forge as _, Gh, Outcome, Request};
use crate::git::cli::Git;
use crate::release::lock::Lock;
use crate::release::state::{self, PackageState, Phase, RunState};
use crate::release::steps;

/// Undo an unpublished run, or take back a published release
///
/// `--run RUN` removes what the run left that was never published: its worktrees, its local
/// release branches, its release branches on the remote and their open pull requests
/// (closed through gh), and tags it created but never pushed. Packages whose release
/// reached the release branch or the remote's tags are left alone and named. `rollback TAG`
/// opens a pull request reverting the release commit and marks the forge release as a
/// prerelease with a note; it deletes the remote tag only with `--delete-remote-tag`, after
/// showing what depends on it. Every rollback writes an evidence record (seed 004).
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The published release tag to take back
    #[arg(value_name = "TAG", required_unless_present = "run", conflicts_with = "run")]
    pub tag: Option<String>,

    /// The run whose unpublished work to undo
    #[arg(long, value_name = "RUN")]
    pub run: Option<String>,

    /// Print every action; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Also delete the tag on the remote (`rollback TAG` only; never without this flag)
    #[arg(long, requires = "tag")]
    pub delete_remote_tag: bool,

    /// Why: the trigger's description in the evidence record
    #[arg(long, value_name = "TEXT", default_value = "release rolled back")]
    pub reason: String,

    /// How severe the issue is (seed 004's decision matrix)
    #[arg(long, value_enum, default_value = "medium")]
    pub severity: Severity,

    /// The issue that triggered the rollback (a reference or URL)
    #[arg(long, value_name = "REF")]
    pub issue: Option<String>,
}

/// Seed 004's severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Critical.
    Critical,
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

/// One thing the rollback did, or would do.
#[derive(Debug, Clone, Serialize)]
struct Done {
    what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<String>,
}

/// Runs `git release rollback`.
///
/// # Errors
/// An unknown run or tag (exit 2); a live run holding the lock; a git or gh failure (exit 1,
/// after what was done is printed).
pub fn run(global: &GlobalArgs, args: &RollbackArgs) -> Result<()> {
    let ctx = Ctx::open(global)?;
    let root = ctx.repo.root();
    let common_dir = ctx.repo.common_dir().to_owned();
    let started = Instant::now();
    let decided_at = state::timestamp(SystemTime::now());
    let (kind, from, to, actions, left) = match (&args.run, &args.tag) {
        (Some(run_id), _) => {
            let (actions, left, from) =
                rollback_run(&ctx, &root, &common_dir, run_id, args.dry_run)?;
            ("partial", from, "the state before the run".to_owned(), actions, left)
        }
        (None, Some(tag)) => {
            let (actions, from, to) = rollback_tag(&ctx, &root, tag, args)?;
            ("immediate", from, to, actions, Vec::new())
        }
        (None, None) => return Err(Error::usage("name a TAG or `--run RUN`").into()),
    };
    let verb = if args.dry_run { "would" } else { "did" };
    let mut out = String::new();
    for a in &actions {
        let _ = writeln!(out, "{verb}: {}", a.what);
    }
    for l in &left {
        let _ = writeln!(out, "left alone: {l}");
    }
    if actions.is_empty() {
        out.push_str("nothing to roll back\n");
    }
    ctx.ui.data(&redact(&out))?;
    if args.dry_run {
        ctx.ui.status("dry run: nothing was changed");
        return Ok(());
    }
    let who = crate::release::preflight::identity(&ctx);
    let record = serde_json::json!({
        "rollback_evidence": {
            "rollback_id": rollback_id(),
            "type": kind,
            "trigger": {
                "issue_id": args.issue,
                "severity": args.severity,
                "description": args.reason,
                "detected_at": decided_at,
                "detected_by": who,
            },
            "versions": {"rolled_back_from": from, "rolled_back_to": to},
            "execution": {
                "decided_at": decided_at,
                "decided_by": who,
                "executed_at": state::timestamp(SystemTime::now()),
                "executed_by": who,
                "duration_minutes": started.elapsed().as_secs().div_ceil(60),
                "actions": actions,
                "left_alone": left,
            },
            "verification": {"smoke_tests": "not_run", "issue_resolved": null, "new_issues": []},
            "follow_up": {"root_cause": null, "prevention": [], "post_mortem_ref": null},
        }
    });
    let id = record["rollback_evidence"]["rollback_id"].as_str().unwrap_or("rollback").to_owned();
    let path = common_dir.join("release").join("rollbacks").join(format!("{id}.json"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let text = format!("{}\n", redact(&serde_json::to_string_pretty(&record)?));
    crate::fsutil::write_atomically(&path, text.as_bytes())?;
    ctx.ui.status(&format!("rollback evidence: {}", path.display()));
    Ok(())
}

fn rollback_id() -> String {
    state::new_run_id(SystemTime::now()).replacen("release-", "rollback-", 1)
}

/// Whether package `pkg` of `run` reached anything published: the release branch (direct
/// push, merged pull request) or a pushed tag.
fn published(git: &Git, run: &RunState, pkg: &PackageState) -> Option<String> {
    if let Some(tag) = &pkg.tag {
        let out = git.ls_remote(&run.remote, true, &[&format!("refs/tags/{tag}")]).ok();
        if out.is_some_and(|o| !o.is_empty()) {
            return Some(format!(
                "tag `{tag}` is on the remote; roll it back with `{}`",
                crate::ui::command_line(&["git", "release", "rollback", tag])
            ));
        }
    }
    match run.mode {
        Mode::Direct if pkg.phase >= Phase::Pushed => Some(format!(
            "its release commit was pushed to `{}`; revert it with `{}` once tagged, or `git revert`",
            run.branch,
            crate::ui::command_line(&[
                "git",
                "release",
                "rollback",
                pkg.tag.as_deref().unwrap_or("TAG")
            ])
        )),
        Mode::Pr if pkg.phase >= Phase::Merged => Some(format!(
            "its pull request was merged into `{}`; take it back with `{}`",
            run.branch,
            crate::ui::command_line(&[
                "git",
                "release",
                "rollback",
                pkg.tag.as_deref().unwrap_or("TAG")
            ])
        )),
        _ => None,
    }
}

/// Undoes run `run_id`'s unpublished work; returns the actions, what was left alone and the
/// versions rolled back.
fn rollback_run(
    ctx: &Ctx,
    root: &Path,
    common_dir: &Path,
    run_id: &str,
    dry_run: bool,
) -> Result<(Vec<Done>, Vec<String>, String)> {
    let (mut run, path) = state::load_any(common_dir, run_id)?;
    let _lock = if dry_run { None } else { Some(Lock::acquire(common_dir, run_id)?) };
    let git = Git::new(root);
    let gh = Gh::for_forge(&ctx.config.forge).ok();
    let mut actions = Vec::new();
    let mut left = Vec::new();
    let mut versions = Vec::new();
    let mut act = |what: String, package: &str, op: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        if !dry_run {
            op()?;
        }
        actions.push(Done { what, package: Some(package.to_owned()) });
        Ok(())
    };
    for pkg in run.packages.clone() {
        if let Some(why) = published(&git, &run, &pkg) {
            left.push(format!("{}: {why}", pkg.name));
            continue;
        }
        versions.push(format!("{} {}", pkg.name, pkg.next_version));
        let lane = run.lane(&pkg.name);
        let branch = steps::branch_name(&run.run_id, lane);
        let worktree = steps::worktree_path(common_dir, &run.run_id, lane);
        if let (Some(pr), Some(gh)) = (&pkg.pr, &gh) {
            let n = pr.number.to_string();
            let view = gh
                .once(root, &Request::PrView { number: n.as_str(), merge_commit: false })
                .unwrap_or_default();
            if view.contains("OPEN") {
                let comment = format!("Rolled back: release run `{}` was undone.", run.run_id);
                let close = Request::PrClose { number: n.as_str(), comment: comment.as_str() };
                act(gh.shown(&close), &pkg.name, &mut || match gh.call(root, &close) {
                    Ok(Outcome::Done(_) | Outcome::AlreadyExists(_)) => Ok(()),
                    Err(e) => {
                        Err(Error::failed(format!("cannot close pull request #{n}: {e}")).into())
                    }
                })?;
            }
        }
        let remote_ref = format!("refs/heads/{branch}");
        let on_remote =
            git.ls_remote(&run.remote, false, &[&remote_ref]).is_ok_and(|o| !o.is_empty());
        if on_remote {
            act(format!("git push {} --delete {remote_ref}", run.remote), &pkg.name, &mut || {
                git.push_refspecs(&run.remote, &[format!(":{remote_ref}")], false)
            })?;
        }
        if worktree.exists() {
            let shown = worktree.display().to_string();
            act(format!("git worktree remove --force {shown}"), &pkg.name, &mut || {
                git.worktree_remove(&worktree, true)
            })?;
        }
        let has_branch = git.rev_parse(&format!("refs/heads/{branch}")).is_some();
        if has_branch {
            act(format!("git branch -D {branch}"), &pkg.name, &mut || git.branch_delete(&branch))?;
        }
        // A tag the run made but never pushed (not on the remote: checked above), at one of
        // the run's commits.
        if let Some(tag) = &pkg.tag
            && let Some(target) = git.commit_of(&format!("refs/tags/{tag}"))
        {
            let ours = pkg.outputs.commit.as_deref() == Some(target.as_str())
                || pkg.pr.as_ref().and_then(|p| p.merge_commit.as_deref()) == Some(target.as_str());
            if ours {
                act(format!("git tag -d {tag}  (never pushed)"), &pkg.name, &mut || {
                    git.tag_delete(tag)
                })?;
            }
        }
    }
    if !dry_run {
        let folder = common_dir.join("release").join("worktrees").join(&run.run_id);
        let _ = std::fs::remove_dir(&folder);
        let _ = git.worktree_prune();
        run.touch(SystemTime::now());
        for pkg in &mut run.packages {
            if !left.iter().any(|l| l.starts_with(&format!("{}:", pkg.name))) {
                pkg.reason = Some("rolled back".to_owned());
            }
        }
        let text = serde_json::to_vec_pretty(&run).context("failed to serialise the run state")?;
        crate::fsutil::write_atomically(&path, &text)?;
        if path == state::state_path(common_dir, &run.run_id) && left.is_empty() {
            state::archive(common_dir, &run.run_id)?;
            crate::release::evidence::archive(common_dir, &run.run_id)?;
        }
    }
    Ok((actions, left, versions.join(", ")))
}

/// Takes back the published release `tag`: a revert pull request, the forge release marked
/// as a prerelease, and with `--delete-remote-tag` the remote tag deleted.
fn rollback_tag(
    ctx: &Ctx,
    root: &Path,
    tag: &str,
    args: &RollbackArgs,
) -> Result<(Vec<Done>, String, String)> {
    crate::tags::validate_name(tag)?;
    let git = Git::new(root);
    let remote = ctx.config.remote.clone();
    let out = git.ls_remote(&remote, true, &[&format!("refs/tags/{tag}")])?;
    let remote_tags = crate::git::cli::parse_ls_remote(&out);
    let local = git.commit_of(&format!("refs/tags/{tag}"));
    let commit = match (remote_tags.get(tag), local) {
        (Some(r), _) => r.peeled.clone(),
        (None, Some(commit)) => commit,
        (None, None) => {
            return Err(Error::usage(format!(
                "tag `{tag}` exists neither here nor on remote `{remote}`"
            ))
            .into());
        }
    };
    let gh = Gh::for_forge(&ctx.config.forge)?;
    let branch = format!("rollback/{}", steps::slug(tag));
    let title = format!("revert: release {tag}");
    let mut actions = Vec::new();
    let dry = args.dry_run;
    let mut act = |what: String, op: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        if !dry {
            op()?;
        }
        actions.push(Done { what, package: None });
        Ok(())
    };
    // The revert: a worktree on `rollback/<tag>` from the remote's release branch.
    let existing = gh
        .call(root, &Request::PrList { head: branch.as_str(), base: None })
        .ok()
        .and_then(|o| match o {
            Outcome::Done(t) => serde_json::from_str::<serde_json::Value>(&t).ok(),
            Outcome::AlreadyExists(_) => None,
        })
        .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()));
    if existing {
        act(format!("nothing: a revert pull request from `{branch}` exists already"), &mut || {
            Ok(())
        })?;
    } else {
        let worktree =
            ctx.repo.common_dir().join("release").join("rollbacks").join(steps::slug(tag));
        let shown = worktree.display().to_string();
        let base = format!("refs/remotes/{remote}/{}", ctx.config.branch);
        act(format!("git fetch {remote} {}", ctx.config.branch), &mut || {
            git.fetch(
                &remote,
                &format!("refs/heads/{0}:refs/remotes/{remote}/{0}", ctx.config.branch),
            )
        })?;
        act(format!("git worktree add -b {branch} {shown} {base}"), &mut || {
            git.worktree_add(&worktree, &branch, Some(&base))
        })?;
        let wgit = Git::new(&worktree);
        act(format!("git revert --no-edit {}", &commit[..commit.len().min(12)]), &mut || {
            wgit.revert(&commit)
        })?;
        act(format!("git push {remote} {branch}"), &mut || {
            wgit.push_refspecs(
                &remote,
                &[format!("refs/heads/{branch}:refs/heads/{branch}")],
                false,
            )
        })?;
        let body =
            format!("Reverts the release `{tag}` (commit {commit}).\n\nReason: {}\n", args.reason);
        let create = Request::PrCreate {
            base: ctx.config.branch.as_str(),
            head: branch.as_str(),
            title: title.as_str(),
            body: body.as_str(),
        };
        act(gh.shown(&create), &mut || match gh.call(&worktree, &create) {
            Ok(_) => Ok(()),
            Err(e) => {
                Err(Error::failed(format!("cannot open the revert pull request: {e}")).into())
            }
        })?;
        act(format!("git worktree remove {shown}"), &mut || git.worktree_remove(&worktree, false))?;
    }
    // The forge release: a prerelease, with a note on top.
    let note = format!("**Rolled back**: {}\n\n", args.reason);
    let body = match gh.lookup(root, &Request::ReleaseBody { tag }).ok().flatten() {
        Some(text) => Some(
            forge::answer::<ReleaseBody>("gh release view", &text)
                .map_err(|e| Error::failed(e).with_hint("check what `gh release view` answers"))?
                .body,
        ),
        None => None,
    };
    if let Some(body) = body {
        let notes = if body.starts_with("**Rolled back**") {
            body.clone()
        } else {
            format!("{note}{body}")
        };
        let edit = Request::ReleaseMarkPrerelease { tag, notes: notes.as_str() };
        act(gh.shown(&edit), &mut || match gh.call(root, &edit) {
            Ok(_) => Ok(()),
            Err(e) => {
                Err(Error::failed(format!("cannot mark the release `{tag}` as a prerelease: {e}"))
                    .into())
            }
        })?;
    }
    // The packages as the plan resolves them (configured and manifest dependencies): who
    // owns the tag, what depends on it, and the release before it.
    let packages = crate::plan::build(&ctx.repo, &ctx.config, &crate::plan::Options::default())
        .map(|plan| plan.packages.list)
        .unwrap_or_default();
    let owner = packages.iter().find(|p| p.tag_formats.iter().any(|f| f.parse_tag(tag).is_some()));
    if args.delete_remote_tag {
        let dependents: Vec<&str> = owner.map_or_else(Vec::new, |owner| {
            packages
                .iter()
                .filter(|p| p.depends_on.contains(&owner.name))
                .map(|p| p.name.as_str())
                .collect()
        });
        ctx.ui.warn(&format!(
            "deleting tag `{tag}` on `{remote}`; what depends on it: {}",
            if dependents.is_empty() {
                "no configured package".to_owned()
            } else {
                dependents.join(", ")
            }
        ));
        act(format!("git push {remote} --delete refs/tags/{tag}"), &mut || {
            git.push_refspecs(&remote, &[format!(":refs/tags/{tag}")], false)
        })?;
    }
    let previous = owner
        .and_then(|owner| previous_release(ctx, owner, tag))
        .unwrap_or_else(|| "no earlier release".to_owned());
    Ok((actions, tag.to_owned(), previous))
}

/// The release tag of `package` before `tag` (the highest lower stable version, or the
/// highest lower version when `tag` is a prerelease).
fn previous_release(ctx: &Ctx, package: &crate::packages::Package, tag: &str) -> Option<String> {
    let tags = crate::changelog::package_tags(&ctx.repo, package).ok()?;
    let this = package.tag_formats.iter().find_map(|f| f.parse_tag(tag))?;
    tags.iter()
        .filter(|t| t.version < this && (t.version.pre.is_empty() || !this.pre.is_empty()))
        .max_by(|a, b| a.version.cmp(&b.version))
        .map(|t| t.tag.clone())
}

/// A release as `gh release view --json body` shows it.
#[derive(serde::Deserialize)]
struct ReleaseBody {
    body: String,
}
