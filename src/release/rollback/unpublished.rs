//! `rollback --run RUN`: remove what a run left that was never published — its worktrees,
//! its local and remote release branches, its open pull requests, tags it made but never
//! pushed. A package whose release reached the release branch or the remote's tags is left
//! alone and named with what to do. The forge is asked about each package's pull request
//! (issue 18, item 7): a pull request merged just before a crash, which the run state does
//! not know of yet, is published work too.

use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context as _, Result};

use super::{Actions, Options, Outcome};
use crate::config::Mode;
use crate::context::Ctx;
use crate::error::Error;
use crate::forge::{self, Forge as _, Gh, Outcome as Answer, Request};
use crate::git::cli::Git;
use crate::release::lock::Lock;
use crate::release::state::{self, PackageState, Phase, RunState};
use crate::release::steps;

/// Undoes run `run_id`'s unpublished work.
///
/// # Errors
/// An unknown run (exit 2); a live run holding the lock; a git or gh failure (exit 1).
pub fn unpublished(ctx: &Ctx, run_id: &str, options: &Options) -> Result<Outcome> {
    let root = ctx.repo.root();
    let common_dir = ctx.repo.common_dir().to_owned();
    let dry_run = options.dry_run;
    let (mut run, path) = state::load_any(&common_dir, run_id)?;
    let _lock = if dry_run { None } else { Some(Lock::acquire(&common_dir, run_id)?) };
    let git = Git::new(&root);
    let gh = Gh::for_forge(&ctx.config.forge).ok();
    let mut actions = Actions::new(dry_run);
    let mut left = Vec::new();
    let mut versions = Vec::new();
    for pkg in run.packages.clone() {
        let lane = run.lane(&pkg.name);
        let branch = steps::branch_name(&run.run_id, lane);
        if let Some(why) = published(&git, gh.as_ref(), &root, &run, &pkg, &branch) {
            left.push(format!("{}: {why}", pkg.name));
            continue;
        }
        versions.push(format!("{} {}", pkg.name, pkg.next_version));
        let worktree = steps::worktree_path(&common_dir, &run.run_id, lane);
        let name = Some(pkg.name.as_str());
        if let (Some(pr), Some(gh)) = (&pkg.pr, &gh) {
            let n = pr.number.to_string();
            let view = gh
                .once(&root, &Request::PrView { number: n.as_str(), merge_commit: false })
                .unwrap_or_default();
            if view.contains("OPEN") {
                let comment = format!("Rolled back: release run `{}` was undone.", run.run_id);
                let close = Request::PrClose { number: n.as_str(), comment: comment.as_str() };
                actions.act(gh.shown(&close), name, || match gh.call(&root, &close) {
                    Ok(Answer::Done(_) | Answer::AlreadyExists(_)) => Ok(()),
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
            actions.act(format!("git push {} --delete {remote_ref}", run.remote), name, || {
                git.push_refspecs(&run.remote, &[format!(":{remote_ref}")], false)
            })?;
        }
        if worktree.exists() {
            let shown = worktree.display().to_string();
            actions.act(format!("git worktree remove --force {shown}"), name, || {
                git.worktree_remove(&worktree, true)
            })?;
        }
        if git.rev_parse(&format!("refs/heads/{branch}")).is_some() {
            actions.act(format!("git branch -D {branch}"), name, || git.branch_delete(&branch))?;
        }
        // A tag the run made but never pushed (not on the remote: checked above), at one of
        // the run's commits.
        if let Some(tag) = &pkg.tag
            && let Some(target) = git.commit_of(&format!("refs/tags/{tag}"))
        {
            let ours = pkg.outputs.commit.as_deref() == Some(target.as_str())
                || pkg.pr.as_ref().and_then(|p| p.merge_commit.as_deref()) == Some(target.as_str());
            if ours {
                actions.act(format!("git tag -d {tag}  (never pushed)"), name, || {
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
        if path == state::state_path(&common_dir, &run.run_id) && left.is_empty() {
            state::archive(&common_dir, &run.run_id)?;
            crate::release::evidence::archive(&common_dir, &run.run_id)?;
        }
    }
    Ok(Outcome {
        kind: "partial",
        from: versions.join(", "),
        to: "the state before the run".to_owned(),
        actions: actions.list,
        left_alone: left,
        reverted_commits: Vec::new(),
        revert_commit: None,
        diffstat: None,
        approval: None,
    })
}

/// Whether package `pkg` of `run` reached anything published — a pushed tag, the release
/// branch by a direct push, a merged pull request (as the state says, or as the forge says
/// when the state was not saved after the merge) — and if so what to do about it.
fn published(
    git: &Git,
    gh: Option<&Gh>,
    root: &Path,
    run: &RunState,
    pkg: &PackageState,
    branch: &str,
) -> Option<String> {
    let rollback = || {
        crate::ui::command_line(&[
            "git",
            "release",
            "rollback",
            pkg.tag.as_deref().unwrap_or("TAG"),
        ])
    };
    if let Some(tag) = &pkg.tag {
        let out = git.ls_remote(&run.remote, true, &[&format!("refs/tags/{tag}")]).ok();
        if out.is_some_and(|o| !o.is_empty()) {
            return Some(format!(
                "tag `{tag}` is on the remote; roll it back with `{}`",
                rollback()
            ));
        }
    }
    let resume = crate::ui::command_line(&["git", "release", "resume", &run.run_id]);
    match run.mode {
        Mode::Direct if pkg.phase >= Phase::Pushed => Some(format!(
            "its release commit was pushed to `{}`; tag it with `{resume}`, then take it back with `{}`",
            run.branch,
            rollback()
        )),
        Mode::Pr if pkg.phase >= Phase::Merged => Some(format!(
            "its pull request was merged into `{}`; take it back with `{}`",
            run.branch,
            rollback()
        )),
        Mode::Pr => {
            let number = merged_pull_request(gh?, root, pkg, branch, &run.branch)?;
            Some(format!(
                "its pull request #{number} was merged into `{}` (after the run last saved its state); tag it with `{resume}`, then take it back with `{}`",
                run.branch,
                rollback()
            ))
        }
        // A crash right after the push, before the state was saved: the remote's branch is
        // at the release commit.
        Mode::Direct => {
            let commit = pkg.outputs.commit.as_deref()?;
            let tip =
                git.ls_remote_ref(&run.remote, &format!("refs/heads/{}", run.branch)).ok()??;
            (tip.peeled == commit).then(|| {
                format!(
                    "its release commit is on `{}` (pushed after the run last saved its state); tag it with `{resume}`, then take it back with `{}`",
                    run.branch,
                    rollback()
                )
            })
        }
    }
}

/// The number of `pkg`'s pull request when the forge says it is merged: the one the state
/// names, or else the one from `branch` into `base` (a crash between opening it and saving
/// the state). `None` when none is merged, or the forge cannot tell.
fn merged_pull_request(
    gh: &Gh,
    root: &Path,
    pkg: &PackageState,
    branch: &str,
    base: &str,
) -> Option<u64> {
    if let Some(pr) = &pkg.pr {
        let n = pr.number.to_string();
        let text =
            gh.once(root, &Request::PrView { number: n.as_str(), merge_commit: false }).ok()?;
        let view = forge::answer::<PrState>("gh pr view", &text).ok()?;
        return (view.state == "MERGED").then_some(pr.number);
    }
    let text = gh.once(root, &Request::PrList { head: branch, base: Some(base) }).ok()?;
    let list = forge::answer::<Vec<PrListed>>("gh pr list", &text).ok()?;
    list.into_iter().find(|p| p.state == "MERGED").map(|p| p.number)
}

/// A pull request's state as `gh pr view --json state` shows it.
#[derive(serde::Deserialize)]
struct PrState {
    state: String,
}

/// A pull request as `gh pr list --json number,url,state` shows it.
#[derive(serde::Deserialize)]
struct PrListed {
    number: u64,
    state: String,
}
