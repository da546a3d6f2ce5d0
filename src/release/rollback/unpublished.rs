//! `rollback --run RUN`: remove what a run left that was never published — its worktrees,
//! its local and remote release branches, its open pull requests, tags it made but never
//! pushed. A package whose release reached the release branch or the remote's tags is left
//! alone and named with what to do. The forge is asked about each package's pull request
//! (issue 18, item 7): a pull request merged just before a crash, which the run state does
//! not know of yet, is published work too.

use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context as _, Result};

use super::revert::{self, Landing, RevertPlan};
use super::{Actions, Options, Outcome, approval};
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
    let mut reverted = Vec::new();
    let mut revert_commit = None;
    // What each package reached, asked before anything is done: a revert needs the
    // approval first.
    let reached: Vec<(PackageState, Reached)> = run
        .packages
        .iter()
        .map(|pkg| {
            let branch = steps::branch_name(&run.run_id, run.lane(&pkg.name));
            (pkg.clone(), published(&git, gh.as_ref(), &root, &run, pkg, &branch))
        })
        .collect();
    let reverts: Vec<String> = reached
        .iter()
        .filter_map(|(pkg, r)| match r {
            Reached::MergedUntagged { number, .. } => {
                Some(format!("{}: pull request #{number} was merged but not tagged", pkg.name))
            }
            _ => None,
        })
        .collect();
    let approval = if reverts.is_empty() || dry_run {
        None
    } else {
        let shown = format!("revert under each package's path:\n  {}", reverts.join("\n  "));
        let ask = approval::Ask {
            severity: options.severity,
            yes: options.yes,
            approver: options.approver.as_deref(),
            shown: &shown,
        };
        Some(approval::approve(ctx, &ask)?)
    };
    for (pkg, reached) in reached {
        let lane = run.lane(&pkg.name);
        let branch = steps::branch_name(&run.run_id, lane);
        match reached {
            Reached::Nothing => {}
            Reached::Published(why) => {
                left.push(format!("{}: {why}", pkg.name));
                continue;
            }
            Reached::MergedUntagged { number, merge_commit } => {
                let gh = gh.as_ref().expect("the forge answered, so it exists");
                let made = revert_merged(
                    ctx,
                    gh,
                    &git,
                    &run,
                    &pkg,
                    number,
                    &merge_commit,
                    options,
                    &mut actions,
                )?;
                reverted.push(super::Reverted {
                    commit: merge_commit,
                    subject: format!("pull request #{number}"),
                });
                revert_commit = revert_commit.or(made);
            }
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
        let on_remote = git
            .ls_remote(&run.remote, false, &[&remote_ref])
            .ok()
            .and_then(|o| o.split_whitespace().next().map(str::to_owned));
        if let Some(id) = on_remote {
            if pkg.outputs.commit.as_deref() == Some(id.as_str()) {
                // Deleted only while it still names the run's release commit: the lease is
                // the condition of the delete, so a push in between is not lost.
                actions.act(
                    format!("git push {} --delete {remote_ref}", run.remote),
                    name,
                    || {
                        git.delete_remote_ref_at(&run.remote, &remote_ref, &id)
                            .map_err(anyhow::Error::from)
                    },
                )?;
            } else {
                left.push(format!(
                    "{}: the remote's `{branch}` is at {}, not the run's release commit: left in place (delete it with `git push {} --delete {branch}` once nothing on it is needed)",
                    pkg.name,
                    &id[..id.len().min(12)],
                    run.remote
                ));
            }
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
        reverted_commits: reverted,
        revert_commit,
        diffstat: None,
        approval,
    })
}

/// What package `pkg` of `run` reached that is published.
enum Reached {
    /// Nothing: its work can be removed.
    Nothing,
    /// A pushed tag, the release branch by a direct push, a pull request merged as the state
    /// says: left alone, with what to do.
    Published(String),
    /// A pull request the forge says is merged though the state does not know (a crash
    /// right after the merge), and no tag yet: its merge commit is reverted.
    MergedUntagged {
        /// The pull request's number.
        number: u64,
        /// The commit its merge made on the release branch.
        merge_commit: String,
    },
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
) -> Reached {
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
            return Reached::Published(format!(
                "tag `{tag}` is on the remote; roll it back with `{}`",
                rollback()
            ));
        }
    }
    let resume = crate::ui::command_line(&["git", "release", "resume", &run.run_id]);
    match run.mode {
        Mode::Direct if pkg.phase >= Phase::Pushed => Reached::Published(format!(
            "its release commit was pushed to `{}`; tag it with `{resume}`, then take it back with `{}`",
            run.branch,
            rollback()
        )),
        Mode::Pr if pkg.phase >= Phase::Merged => Reached::Published(format!(
            "its pull request was merged into `{}`; take it back with `{}`",
            run.branch,
            rollback()
        )),
        Mode::Pr => {
            gh.and_then(|gh| merged_pull_request(gh, root, pkg, branch, &run.branch)).map_or(
                Reached::Nothing,
                |(number, merge_commit)| Reached::MergedUntagged { number, merge_commit },
            )
        }
        // A crash right after the push, before the state was saved: the remote's branch is
        // at the release commit.
        Mode::Direct => {
            let pushed = pkg.outputs.commit.as_deref().is_some_and(|commit| {
                git.ls_remote_ref(&run.remote, &format!("refs/heads/{}", run.branch))
                    .ok()
                    .flatten()
                    .is_some_and(|tip| tip.peeled == commit)
            });
            if pushed {
                Reached::Published(format!(
                    "its release commit is on `{}` (pushed after the run last saved its state); tag it with `{resume}`, then take it back with `{}`",
                    run.branch,
                    rollback()
                ))
            } else {
                Reached::Nothing
            }
        }
    }
}

/// Reverts, under `pkg`'s path, the merge commit of its pull request `number` that was
/// merged but never tagged (approved beforehand, as for `rollback TAG`). Returns the
/// revert commit (`None` in a dry run).
#[allow(clippy::too_many_arguments, reason = "the pieces of one rollback, each used once")]
fn revert_merged(
    ctx: &Ctx,
    gh: &Gh,
    git: &Git,
    run: &RunState,
    pkg: &PackageState,
    number: u64,
    merge_commit: &str,
    options: &Options,
    actions: &mut Actions,
) -> Result<Option<String>> {
    let path = ctx
        .config
        .packages
        .iter()
        .find(|p| p.name == pkg.name)
        .map_or_else(|| ".".to_owned(), |p| p.path.clone());
    let base = &run.branch;
    if !options.dry_run {
        git.fetch(&run.remote, &format!("refs/heads/{base}:refs/remotes/{}/{base}", run.remote))?;
    }
    let subject = format!("pull request #{number} (release {} {})", pkg.name, pkg.next_version);
    let plan = RevertPlan {
        tag: pkg.tag.clone().unwrap_or_else(|| format!("{} v{}", pkg.name, pkg.next_version)),
        previous: format!("{}^", revert::short(merge_commit)),
        path: path.clone(),
        commits: vec![super::Reverted { commit: merge_commit.to_owned(), subject }],
        // In a dry run the merge commit may not be fetched yet.
        diffstat: git
            .diff_stat(merge_commit, &format!("{merge_commit}^"), &path)
            .unwrap_or_else(|_| "(no diffstat: the merge commit is not fetched yet)\n".to_owned()),
    };
    let name = Some(pkg.name.as_str());
    let slug = steps::slug(&format!("{}-{}", run.run_id, pkg.name));
    let landing = Landing {
        remote: run.remote.clone(),
        base: base.clone(),
        branch: format!("rollback/{slug}"),
        worktree: ctx
            .repo
            .common_dir()
            .join("release")
            .join("worktrees")
            .join(format!("rollback-{slug}")),
        direct: run.mode == Mode::Direct,
    };
    let mut made = None;
    actions.act(
        format!("{}and push it to `{}` on `{}`", plan.describe(), landing.branch, landing.remote),
        name,
        || {
            made = Some(revert::apply(git, &plan, &landing, &options.reason)?);
            Ok(())
        },
    )?;
    let title = format!("revert: release {}", plan.tag);
    let body = plan.message(&options.reason);
    let create = Request::PrCreate {
        base: base.as_str(),
        head: landing.branch.as_str(),
        title: title.as_str(),
        body: body.as_str(),
    };
    actions.act(gh.shown(&create), name, || match gh.call(&ctx.repo.root(), &create) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::failed(format!("cannot open the revert pull request: {e}"))
            .with_hint(format!(
                "the revert is pushed as `{}`: open its pull request by hand",
                landing.branch
            ))
            .into()),
    })?;
    Ok(made)
}

/// The number and merge commit of `pkg`'s pull request when the forge says it is merged:
/// the one the state names, or else the one from `branch` into `base` (a crash between
/// opening it and saving the state). `None` when none is merged, or the forge cannot tell.
fn merged_pull_request(
    gh: &Gh,
    root: &Path,
    pkg: &PackageState,
    branch: &str,
    base: &str,
) -> Option<(u64, String)> {
    let number = if let Some(pr) = &pkg.pr {
        pr.number
    } else {
        let text = gh.once(root, &Request::PrList { head: branch, base: Some(base) }).ok()?;
        let list = forge::answer::<Vec<PrListed>>("gh pr list", &text).ok()?;
        list.into_iter().find(|p| p.state == "MERGED")?.number
    };
    let n = number.to_string();
    let text = gh.once(root, &Request::PrView { number: n.as_str(), merge_commit: true }).ok()?;
    let view = forge::answer::<PrState>("gh pr view", &text).ok()?;
    let commit = view.merge_commit?.oid;
    (view.state == "MERGED" && commit.len() >= 40 && commit.chars().all(|c| c.is_ascii_hexdigit()))
        .then_some((number, commit))
}

/// A pull request as `gh pr view --json state,mergeCommit` shows it.
#[derive(serde::Deserialize)]
struct PrState {
    state: String,
    #[serde(rename = "mergeCommit")]
    merge_commit: Option<MergeCommit>,
}

/// `mergeCommit` in gh's answer.
#[derive(serde::Deserialize)]
struct MergeCommit {
    oid: String,
}

/// A pull request as `gh pr list --json number,url,state` shows it.
#[derive(serde::Deserialize)]
struct PrListed {
    number: u64,
    state: String,
}
