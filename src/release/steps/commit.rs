//! `COMMITTED`: the release commit, staging exactly the files the steps changed.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

pub(super) fn committed(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let message = commit_message(job.name(), job.version());
    if act == Act::Describe {
        job.describe(
            Phase::Committed,
            format!("git commit -m '{message}'  (in the worktree, on `{}`)", job.branch()),
            None,
        );
        return Ok(true);
    }
    let wgit = job.wgit();
    // The release commit is on the branch after its base (on a shared branch, later
    // packages' commits may follow it).
    let base = job.pkg.outputs.base.clone().unwrap_or_default();
    let range = if base.is_empty() { "HEAD".to_owned() } else { format!("{base}..HEAD") };
    let found = wgit.log_subjects(&range)?.into_iter().find(|(_, s)| *s == message);
    if let Some((id, _)) = found {
        job.pkg.outputs.commit = Some(id);
        return Ok(true);
    }
    if act == Act::Verify {
        return Ok(false);
    }
    // Stage exactly the files the steps changed, never `git add -A` (issue 12 item 10).
    check_worktree(job)?;
    let paths: Vec<String> = job.pkg.outputs.files.keys().cloned().collect();
    wgit.add_paths(&paths)?;
    wgit.commit(&message)
        .map_err(|e| fail(ErrorCode::StepFailed, format!("cannot commit the release: {e:#}")))?;
    job.pkg.outputs.commit = rev_parse(&wgit, "HEAD");
    Ok(true)
}
