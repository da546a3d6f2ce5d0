//! `PUSHED`: the release branch pushed, never forced; remote reads and pushes with typed failures.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// The commit `rev` names, if it names one.
pub(super) fn rev_parse(git: &Git, rev: &str) -> Option<String> {
    git.commit_of(rev)
}

/// The id `ref_name` has on `remote` (`git ls-remote`), with the peeled commit for a tag.
pub(super) fn ls_remote(
    git: &Git,
    remote: &str,
    ref_name: &str,
) -> Result<Option<(String, String)>> {
    match git.ls_remote_ref(remote, ref_name) {
        Ok(found) => Ok(found.map(|r| (r.object, r.peeled))),
        Err(RemoteError::Spawn(..)) => Err(anyhow::anyhow!("failed to run `git ls-remote`")),
        Err(RemoteError::Unreachable(stderr)) => Err(fail(
            ErrorCode::RemoteUnreachable,
            crate::error::with_detail(
                &format!("cannot read `{ref_name}` on remote `{remote}`"),
                &stderr,
            ),
        )),
        Err(RemoteError::Rejected(stderr)) => Err(fail(
            ErrorCode::StepFailed,
            crate::error::with_detail(
                &format!("cannot read `{ref_name}` on remote `{remote}`"),
                &stderr,
            ),
        )),
    }
}

/// `git push <remote> <src>:<dst>`, never forced; a refusal is `PUSH_REJECTED`, an
/// unreachable remote `REMOTE_UNREACHABLE`.
pub(super) fn push(git: &Git, remote: &str, src: &str, dst: &str) -> Result<()> {
    match git.push(remote, src, dst) {
        Ok(()) => Ok(()),
        Err(e @ RemoteError::Spawn(..)) => Err(anyhow::Error::new(e)),
        Err(RemoteError::Unreachable(text)) => Err(Error::coded(
            ErrorCode::RemoteUnreachable,
            format!("cannot reach remote `{remote}` to push `{dst}`:\n{}", last_lines(&text, 6)),
        )
        .with_hint("check the network and the remote's URL, then `git release resume`")
        .into()),
        Err(RemoteError::Rejected(text)) => Err(Error::coded(
            ErrorCode::PushRejected,
            format!("remote `{remote}` refused the push of `{dst}`:\n{}", last_lines(&text, 6)),
        )
        .with_hint("see why the remote refused (protected branch, non-fast-forward, hook), fix it, then `git release resume`")
        .into()),
    }
}

/// The last `n` non-empty lines of `text`, indented, credentials redacted.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    redact(&lines[start..].iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"))
}

pub(super) fn pushed(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let dst = job.target_ref();
    let remote = job.run.remote.clone();
    if act == Act::Describe {
        job.describe(Phase::Pushed, format!("git push {remote} <release commit>:{dst}"), None);
        return Ok(true);
    }
    // Once the pull request is merged, the release branch has done its job (the forge may
    // have deleted it): nothing to push again.
    if act == Act::Verify && job.pkg.pr.as_ref().is_some_and(|p| p.merge_commit.is_some()) {
        return Ok(true);
    }
    let Some(commit) = job.pkg.outputs.commit.clone() else {
        return Err(fail(ErrorCode::StepFailed, "the run state has no release commit to push"));
    };
    let git = job.git();
    let tip = ls_remote(&git, &remote, &dst)?.map(|(id, _)| id);
    let done = match &tip {
        Some(tip) if *tip == commit => true,
        Some(tip) => git.is_ancestor(&commit, tip),
        None => false,
    };
    if done || act == Act::Verify {
        return Ok(done);
    }
    push(&git, &remote, &commit, &dst)?;
    Ok(true)
}
