//! `TAGGED`: the annotated tag on the released commit, checked and pushed.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

pub(super) fn tagged(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let tag = job.tag();
    let remote = job.run.remote.clone();
    let target = match job.run.mode {
        Mode::Direct => job.pkg.outputs.commit.clone(),
        Mode::Pr => job.pkg.pr.as_ref().and_then(|p| p.merge_commit.clone()),
    };
    if act == Act::Describe {
        let at = match job.run.mode {
            Mode::Direct => "<release commit>",
            Mode::Pr => "<merge commit>",
        };
        job.describe(
            Phase::Tagged,
            format!("git tag -a {tag} {at} -m 'Release {tag}'"),
            Some(tag_message(&tag, &changes_of(&job.pkg.release.changes))),
        );
        job.describe(
            Phase::Tagged,
            format!("git push {remote} refs/tags/{tag}:refs/tags/{tag}"),
            None,
        );
        return Ok(true);
    }
    let Some(target) = target else {
        return Err(fail(ErrorCode::StepFailed, "the run state has no commit to tag"));
    };
    let git = job.git();
    let remote_tag = ls_remote(&git, &remote, &format!("refs/tags/{tag}"))?;
    let local_tag = rev_parse(&git, &format!("refs/tags/{tag}"));
    if let Some((_, peeled)) = &remote_tag
        && *peeled != target
    {
        return Err(Error::coded(
            ErrorCode::TagConflict,
            format!("tag `{tag}` exists on remote `{remote}` at commit {}, not at the release commit {}", short(peeled), short(&target)),
        )
        .with_hint("a published tag is never moved: find out who created it; release a new version if it stays")
        .into());
    }
    if let Some(local) = &local_tag
        && *local != target
    {
        return Err(Error::coded(
            ErrorCode::TagConflict,
            format!(
                "local tag `{tag}` points at commit {}, not at the release commit {}",
                short(local),
                short(&target)
            ),
        )
        .with_hint(format!(
            "if the local tag was never pushed, delete it (`{}`), then resume",
            crate::ui::command_line(&["git", "tag", "-d", &tag])
        ))
        .into());
    }
    if remote_tag.is_some() && local_tag.is_some() {
        check_tagged_versions(job, &git, &target)?;
        job.pkg.outputs.tagged_commit = Some(target);
        return Ok(true);
    }
    if act == Act::Verify {
        return Ok(false);
    }
    if remote_tag.is_some() {
        git.fetch_tag(&remote, &tag, false)?;
        check_tagged_versions(job, &git, &target)?;
        job.pkg.outputs.tagged_commit = Some(target);
        return Ok(true);
    }
    if local_tag.is_none() {
        if rev_parse(&git, &target).is_none() {
            // The merge commit was made on the forge: fetch the release branch to have it.
            let spec = format!("refs/heads/{}", job.run.branch);
            git.fetch(&remote, &spec).map_err(|e| {
                let text = format!("{e:#}");
                let code = if is_unreachable(&text) {
                    ErrorCode::RemoteUnreachable
                } else {
                    ErrorCode::StepFailed
                };
                fail(code, format!("cannot fetch the merge commit {}: {text}", short(&target)))
            })?;
        }
        check_tagged_versions(job, &git, &target)?;
        let message = tag_message(&tag, &changes_of(&job.pkg.release.changes));
        git.tag_annotated(&tag, &target, &message, false).map_err(|e| {
            fail(ErrorCode::StepFailed, format!("cannot create tag `{tag}`: {e:#}"))
        })?;
    }
    push(&git, &remote, &format!("refs/tags/{tag}"), &format!("refs/tags/{tag}"))?;
    job.pkg.outputs.tagged_commit = Some(target);
    Ok(true)
}

/// Checks that the version files of the package hold the version being tagged at `commit`
/// (issue 12 item 4): a tag is never created, nor a pushed one accepted, on a commit whose
/// bump was lost (two packages sharing a release branch, a command that undid the bump).
pub(super) fn check_tagged_versions(job: &Job<'_>, git: &Git, commit: &str) -> Result<()> {
    let version = job.version().to_owned();
    let mut stale = Vec::new();
    for rel in &job.pkg.release.version_files {
        let Some(text) = git.blob_at(commit, rel)? else {
            stale.push(format!("`{rel}` is missing"));
            continue;
        };
        match edit::set_version(rel, &text, &version) {
            Ok(new) if new == text => {}
            // The version is the workspace's: the workspace file is one of those checked, or
            // BUMPED's own verification covers it.
            Err(edit::EditError::InheritsWorkspace { .. }) => {}
            _ => {
                let found = manifest::parse(rel, &text)
                    .ok()
                    .and_then(|m| m.version)
                    .unwrap_or_else(|| "no version".to_owned());
                stale.push(format!("`{rel}` says `{found}`"));
            }
        }
    }
    if stale.is_empty() {
        return Ok(());
    }
    Err(Error::coded(
        ErrorCode::StepFailed,
        format!(
            "the commit to tag `{}` ({}) does not hold version `{version}`: {}",
            job.tag(),
            short(commit),
            stale.join(", ")
        ),
    )
    .with_hint("the release commit lost its bump: find out why (`git show` the commit), then start a new run")
    .into())
}

/// Checks that no two packages of a run share a release branch or worktree (issue 12 item
/// 4): `a/b` and `a-b` would both be `release/<run>/a-b`. `lanes` are the package names
/// with their own lane.
///
/// # Errors
/// Two names with the same slug: a usage error naming both, with a hint to release them in
/// separate runs.
pub fn check_unique_lanes<'a>(lanes: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for name in lanes {
        if let Some(other) = seen.insert(slug(name), name)
            && other != name
        {
            return Err(crate::error::Error::usage(format!(
                "packages `{other}` and `{name}` would share the release branch `{}`",
                branch_name("<run>", Some(name))
            ))
            .with_hint(format!(
                "release them in separate runs (`git release run {other}`, then `git release run {name}`), or rename one"
            ))
            .into());
        }
    }
    Ok(())
}
