//! After a successful release, the repository as the user expects it (issue 14, item 3): the
//! local release branch caught up with what was released, and no `release/<run>/…` branch
//! left behind, locally or on the remote.
//!
//! Nothing here forces anything. The user's branch only fast-forwards, and only when it is
//! checked out, clean and still at the run's base; otherwise the exact `git pull --ff-only`
//! to run is said. A run's branch is deleted only while it names a commit the run recorded,
//! so a branch someone moved meanwhile is left alone: locally with `update-ref -d <old>`, on
//! the remote with a push whose `--force-with-lease` names the commit read, so the check and
//! the delete are one step.

use std::collections::BTreeSet;
use std::path::Path;

use crate::config::Mode;
use crate::git::cli::{Git, Untracked};
use crate::release::state::{PackageStatus, Phase, RunState};
use crate::release::steps;

/// What became of the user's local release branch after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatchUp {
    /// The run landed nothing on the release branch.
    Nothing,
    /// The branch already names the released commit.
    AlreadyThere,
    /// The branch was fast-forwarded to the released commit.
    FastForwarded {
        /// The branch.
        branch: String,
        /// The commit it now names.
        commit: String,
    },
    /// The branch was left as it is; the sentence says why and the command to run.
    Left(String),
}

/// The commit the run's last package landed on the release branch: its release commit in
/// direct mode, its merge commit in pr mode; `None` when none landed.
pub fn landed(state: &RunState) -> Option<String> {
    state.packages.iter().rev().find_map(|p| match state.mode {
        Mode::Direct if p.phase >= Phase::Pushed => p.outputs.commit.clone(),
        Mode::Pr => p.pr.as_ref().and_then(|pr| pr.merge_commit.clone()),
        Mode::Direct => None,
    })
}

/// Fast-forwards the release branch in the main work tree `root` to what the run landed,
/// when it is checked out there, has no changes and is still at the run's base (the planned
/// commit); otherwise says how to catch up (`git pull --ff-only REMOTE BRANCH`).
pub fn catch_up(root: &Path, state: &RunState) -> CatchUp {
    let Some(target) = landed(state) else { return CatchUp::Nothing };
    let git = Git::new(root);
    let branch = state.branch.as_str();
    let pull = crate::ui::command_line(&["git", "pull", "--ff-only", &state.remote, branch]);
    let left = |why: String| {
        CatchUp::Left(format!("{why}; to bring it up to date, run `{pull}` on `{branch}`"))
    };
    let Some(tip) = git.commit_of(&format!("refs/heads/{branch}")) else {
        return CatchUp::Nothing;
    };
    if tip == target {
        return CatchUp::AlreadyThere;
    }
    if git.head_branch().as_deref() != Some(branch) {
        return left(format!(
            "the local `{branch}` is not checked out here, so it was left at {}",
            steps::short(&tip)
        ));
    }
    if tip != state.head {
        return left(format!(
            "the local `{branch}` moved during the run (it is at {}, the run started at {}), so it was left alone",
            steps::short(&tip),
            steps::short(&state.head)
        ));
    }
    match git.status_paths(Untracked::Normal) {
        Ok(changed) if changed.is_empty() => {}
        Ok(changed) => {
            return left(format!(
                "the work tree has changes ({}), so the local `{branch}` was left at {}",
                changed.join(", "),
                steps::short(&tip)
            ));
        }
        Err(e) => return left(format!("cannot read the work tree's status ({e:#})")),
    }
    // The merge commit of a pull request was made on the forge: the TAGGED step fetched it,
    // but a resumed run may not have.
    if git.commit_of(&target).is_none() {
        let _ = git.fetch(&state.remote, &format!("refs/heads/{branch}"));
    }
    if !git.is_ancestor(&tip, &target) {
        return left(format!(
            "the released commit {} does not descend from the local `{branch}`",
            steps::short(&target)
        ));
    }
    match git.merge_ff_only(&target) {
        Ok(()) => CatchUp::FastForwarded { branch: branch.to_owned(), commit: target },
        Err(e) => left(format!(
            "git could not fast-forward the local `{branch}`: {}",
            format!("{e:#}").lines().next().unwrap_or("")
        )),
    }
}

/// Deletes the run's release branches, `release/<run>/…` (after its worktrees are removed):
/// the local ones, and in pr mode the remote ones the forge did not delete with the merge,
/// each only while it names a commit of the run. Returns what was left, with why.
pub fn delete_release_branches(root: &Path, state: &RunState) -> Vec<String> {
    let git = Git::new(root);
    let ours: BTreeSet<&str> =
        state.packages.iter().filter_map(|p| p.outputs.commit.as_deref()).collect();
    let mut lanes: Vec<Option<&str>> = state
        .packages
        .iter()
        .filter(|p| p.status != PackageStatus::Skipped)
        .map(|p| state.lane(&p.name))
        .collect();
    lanes.dedup();
    let mut problems = Vec::new();
    for lane in lanes {
        let branch = steps::branch_name(&state.run_id, lane);
        let full = format!("refs/heads/{branch}");
        if let Some(tip) = git.rev_parse(&full) {
            if !ours.contains(tip.as_str()) {
                problems.push(format!(
                    "the local branch `{branch}` is at {}, which this run did not make",
                    steps::short(&tip)
                ));
            } else if let Err(e) = git.branch_delete_at(&branch, &tip) {
                problems.push(format!("the local branch `{branch}`: {e:#}"));
            }
        }
        if state.mode != Mode::Pr {
            continue;
        }
        match git.ls_remote_ref(&state.remote, &full) {
            Ok(Some(found)) if ours.contains(found.object.as_str()) => {
                // Deleted only while it still names that commit: a branch moved between the
                // read and the delete is left alone (the lease is the delete's condition).
                if let Err(e) = git.delete_remote_ref_at(&state.remote, &full, &found.object) {
                    problems.push(format!(
                        "the branch `{branch}` on `{}` was not deleted (did it move since {}?): {}",
                        state.remote,
                        steps::short(&found.object),
                        e.to_string().trim()
                    ));
                }
            }
            Ok(Some(found)) => problems.push(format!(
                "the branch `{branch}` on `{}` is at {}, which this run did not make",
                state.remote,
                steps::short(&found.object)
            )),
            Ok(None) => {}
            Err(e) => problems.push(format!("cannot read `{branch}` on `{}`: {e}", state.remote)),
        }
    }
    problems
}
