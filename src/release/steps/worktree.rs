//! `WORKTREE`: the package's worktree on the release branch.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// The branch checked out in the worktree at `path`, or `None` when `path` is not a worktree.
pub(super) fn worktree_branch(path: &Path) -> Option<String> {
    if !path.join(".git").exists() {
        return None;
    }
    Git::new(path).head_branch()
}

pub(super) fn worktree(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let path = job.worktree();
    let branch = job.branch();
    if act == Act::Describe {
        let base = job.base.clone();
        job.describe(
            Phase::Worktree,
            format!("git worktree add -b {branch} {} {}", path.display(), short(&base)),
            None,
        );
        return Ok(true);
    }
    match worktree_branch(&path) {
        Some(current) if current == branch => {
            // On resume too (Verify), the worktree must hold exactly what the state says
            // the steps wrote.
            check_worktree(job)?;
            if act == Act::Verify {
                return Ok(true);
            }
            if job.pkg.outputs.base.is_none() {
                job.pkg.outputs.base = rev_parse(&job.wgit(), "HEAD");
            }
            return Ok(true);
        }
        Some(other) => {
            return Err(Error::coded(
                ErrorCode::WorktreeConflict,
                format!("worktree `{}` exists on branch `{other}`, not `{branch}`", path.display()),
            )
            .with_hint(format!(
                "remove it (`{}`) if it is not needed, then resume",
                crate::ui::command_line(&["git", "worktree", "remove", &path.to_string_lossy()])
            ))
            .into());
        }
        None => {}
    }
    if act == Act::Verify {
        return Ok(false);
    }
    if path.exists() {
        let empty = std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none());
        if !empty {
            return Err(Error::coded(
                ErrorCode::WorktreeConflict,
                format!("`{}` exists and is not a worktree of this repository", path.display()),
            )
            .with_hint("move it away, then resume")
            .into());
        }
        std::fs::remove_dir(&path)
            .with_context(|| format!("failed to remove the empty `{}`", path.display()))?;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let git = job.git();
    // A worktree deleted by hand stays registered until pruned; pruning touches nothing else.
    git.worktree_prune()?;
    let shown = path.display().to_string();
    let existing = rev_parse(&git, &format!("refs/heads/{branch}"));
    let result = match &existing {
        Some(_) => git.worktree_add(&path, &branch, None),
        None => git.worktree_add(&path, &branch, Some(&job.base)),
    };
    result.map_err(|e| {
        fail(ErrorCode::WorktreeConflict, format!("cannot create worktree `{shown}`: {e:#}"))
    })?;
    job.pkg.outputs.base = Some(match existing {
        Some(tip) if job.pkg.outputs.base.is_none() => tip,
        _ => job.pkg.outputs.base.clone().unwrap_or_else(|| job.base.clone()),
    });
    job.pkg.worktree = Some(path.clone());
    job.pkg.branch = Some(branch);
    let dirty = job.wgit().status_paths(Untracked::All)?;
    if !dirty.is_empty() {
        return Err(fail(
            ErrorCode::WorktreeDirty,
            format!("the new worktree `{shown}` is not clean: {}", dirty.join(", ")),
        ));
    }
    Ok(true)
}
