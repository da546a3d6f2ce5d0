//! Reverting a whole release of one package (issue 18, item 6): every commit of the
//! package's range (previous release tag..tag) that changes the package's path, the release
//! commit included, undone under that path as one revert commit.
//!
//! The revert is made in a worktree of its own on `rollback/<tag>`, from the remote's
//! release branch as just fetched, by applying each commit's patch (limited to the
//! package's path) in reverse with a three-way merge, newest first. Limiting it to the path
//! is what keeps a monorepo's other packages as they are: a squash-merged release commit
//! holds every package's version bump, and only this package's is undone. A conflict stops
//! it with the conflicting files named, and the worktree and the branch are removed: nothing
//! is left half-done, nothing is pushed.
//!
//! Merge commits are not reverted themselves (`git log --no-merges`): the commits they
//! bring in are, as far as their changes landed (git's default history simplification).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::error::Error;
use crate::git::cli::Git;

/// One commit a rollback reverts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reverted {
    /// Its full id.
    pub commit: String,
    /// Its subject line.
    pub subject: String,
}

/// What reverting a release takes, from reads alone.
#[derive(Debug, Clone)]
pub struct RevertPlan {
    /// The release tag being taken back.
    pub tag: String,
    /// The release before it, whose state the package's path returns to.
    pub previous: String,
    /// The package's path (`.` for the whole repository).
    pub path: String,
    /// The commits to revert, newest first; the release commit is the first.
    pub commits: Vec<Reverted>,
    /// `git diff --stat` from the tag to the previous release under the path: what the
    /// revert changes when nothing has touched the path since the tag.
    pub diffstat: String,
}

impl RevertPlan {
    /// The commits and the diffstat, for people (one commit a line, short ids).
    pub fn describe(&self) -> String {
        let mut out = format!(
            "revert {} commit(s) of `{}` under `{}` (back to `{}`):\n",
            self.commits.len(),
            self.tag,
            self.path,
            self.previous
        );
        for c in &self.commits {
            let _ = writeln!(out, "  {} {}", short(&c.commit), c.subject);
        }
        for line in self.diffstat.lines() {
            let _ = writeln!(out, "  {line}");
        }
        out
    }

    /// The revert commit's message: a Conventional Commit `revert:` naming every commit.
    pub fn message(&self, reason: &str) -> String {
        let mut text = format!(
            "revert: release {}\n\nReverts the changes under `{}` made since `{}`:\n\n",
            self.tag, self.path, self.previous
        );
        for c in &self.commits {
            let _ = writeln!(text, "- {} {}", short(&c.commit), c.subject);
        }
        let _ = write!(text, "\nReason: {reason}\n");
        text
    }
}

/// A commit id cut to 12 characters.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// The plan to revert `tag` (at commit `tag_commit`) back to `previous` under `path`.
///
/// # Errors
/// git cannot read the range; or nothing in it changes the path (exit 2).
pub fn plan(git: &Git, tag: &str, previous: &str, path: &str) -> Result<RevertPlan> {
    plan_to(git, tag, &format!("refs/tags/{tag}"), previous, path)
}

/// The rollback rehearsal of a release not made yet (seed 004's RL-07, "rollback tested",
/// issue 17 item 7): the plan `rollback --dry-run` would make for `tag` once it is made at
/// `head`, back to `previous` under `path`.
///
/// # Errors
/// As [`plan`].
pub fn rehearse(
    git: &Git,
    tag: &str,
    head: &str,
    previous: &str,
    path: &str,
) -> Result<RevertPlan> {
    plan_to(git, tag, head, previous, path)
}

fn plan_to(git: &Git, tag: &str, at: &str, previous: &str, path: &str) -> Result<RevertPlan> {
    let range = format!("refs/tags/{previous}..{at}");
    let commits: Vec<Reverted> = git
        .log_touching(&range, path)?
        .into_iter()
        .map(|(commit, subject)| Reverted { commit, subject })
        .collect();
    if commits.is_empty() {
        return Err(Error::usage(format!(
            "no commit between `{previous}` and `{tag}` changes `{path}`: nothing to revert"
        ))
        .into());
    }
    let diffstat = git.diff_stat(at, &format!("refs/tags/{previous}"), path)?;
    Ok(RevertPlan {
        tag: tag.to_owned(),
        previous: previous.to_owned(),
        path: path.to_owned(),
        commits,
        diffstat,
    })
}

/// Where the revert goes.
#[derive(Debug, Clone)]
pub struct Landing {
    /// The remote.
    pub remote: String,
    /// The release branch the revert is made on (and, in direct mode, pushed to).
    pub base: String,
    /// The branch it is committed on, `rollback/<tag>` (pushed in pull-request mode).
    pub branch: String,
    /// The worktree it is made in.
    pub worktree: PathBuf,
    /// Direct mode: push to `base` itself; otherwise push `branch` for a pull request.
    pub direct: bool,
}

/// Makes the revert commit of `plan` in a new worktree and pushes it as `landing` says;
/// returns the revert commit's id. The worktree is removed afterwards (and, in direct mode,
/// the local branch too).
///
/// # Errors
/// The branch exists already; a conflict (the files are named); a push refused. In every
/// case the worktree and the branch made here are removed and nothing was pushed.
pub fn apply(git: &Git, plan: &RevertPlan, landing: &Landing, reason: &str) -> Result<String> {
    let Landing { remote, base, branch, worktree, direct } = landing;
    if git.rev_parse(&format!("refs/heads/{branch}")).is_some() {
        return Err(Error::usage(format!("branch `{branch}` exists already"))
            .with_hint(format!(
                "an earlier rollback left it: push it and open its pull request, or delete it with `git branch -D {branch}`"
            ))
            .into());
    }
    let tracking = format!("refs/remotes/{remote}/{base}");
    git.fetch(remote, &format!("refs/heads/{base}:{tracking}"))?;
    git.worktree_add(worktree, branch, Some(&tracking))?;
    let made = (|| -> Result<String> {
        let wgit = Git::new(worktree);
        for c in &plan.commits {
            let patch = git.commit_patch(&c.commit, &plan.path)?;
            let conflicts = wgit.apply_reverse(&patch)?;
            if !conflicts.is_empty() {
                return Err(Error::failed(format!(
                    "reverting {} `{}` conflicts with what `{base}` has now in: {}",
                    short(&c.commit),
                    c.subject,
                    conflicts.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                ))
                .with_hint("nothing was changed or pushed; revert by hand with `git revert`, or fix forward")
                .into());
            }
        }
        if wgit.status_paths(crate::git::cli::Untracked::Normal)?.is_empty() {
            return Err(Error::usage(format!(
                "`{base}` has no change of `{}` under `{}` left to revert",
                plan.tag, plan.path
            ))
            .with_hint("it was reverted already")
            .into());
        }
        wgit.commit(&plan.message(reason))?;
        let id =
            wgit.rev_parse("HEAD").ok_or_else(|| Error::failed("the revert commit is missing"))?;
        let target =
            if *direct { format!("refs/heads/{base}") } else { format!("refs/heads/{branch}") };
        wgit.push(remote, "HEAD", &target).map_err(|e| {
            Error::failed(format!("cannot push the revert to `{target}` on `{remote}`: {e}"))
                .with_hint("nothing was pushed; fetch, check the branch protection, and run the rollback again")
        })?;
        Ok(id)
    })();
    match made {
        Ok(id) => {
            git.worktree_remove(worktree, false)?;
            if *direct {
                git.branch_delete(branch)?;
            }
            Ok(id)
        }
        Err(e) => {
            discard(git, worktree, branch);
            Err(e)
        }
    }
}

/// Removes the worktree at `worktree` and the local `branch` made for a revert that did
/// not go through; failures are ignored (the error being reported matters more).
fn discard(git: &Git, worktree: &Path, branch: &str) {
    let _ = git.worktree_remove(worktree, true);
    let _ = git.branch_delete(branch);
    let _ = git.worktree_prune();
}
