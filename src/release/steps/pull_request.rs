//! `PR_CREATED` and `MERGED` (mode pr): the pull request opened, its checks waited for, squash-merged.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

pub(super) fn forge_error(what: &str, err: &RetryError) -> anyhow::Error {
    let hint = match err.failure.kind {
        FailureKind::Auth => "run `gh auth login` (or set `GH_TOKEN`), then `git release resume`",
        FailureKind::Timeout => {
            "check the network and the forge's status (or raise `forge.timeout_secs`), then `git release resume`"
        }
        _ => "fix what gh says, then `git release resume`",
    };
    Error::coded(err.code(), format!("{what}: {err}")).with_hint(hint).into()
}

/// `gh`'s JSON answer read as `T`, the fields the step needs (issue 12, item 5); anything
/// else fails the step with `FORGE_FAILED` and the raw answer.
pub(super) fn json_of<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    forge::answer(what, text).map_err(|e| {
        Error::coded(ErrorCode::ForgeFailed, e)
            .with_hint("check `gh --version` and what the forge answers, then `git release resume`")
            .into()
    })
}

/// A pull request as `gh pr list --json number,url,state` lists it.
#[derive(serde::Deserialize)]
pub(super) struct ListedPr {
    number: u64,
    url: String,
    state: String,
}

/// A pull request as `gh pr view --json state,mergeCommit` shows it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ViewedPr {
    state: String,
    merge_commit: Option<MergeCommit>,
}

/// The `mergeCommit` of [`ViewedPr`].
#[derive(serde::Deserialize)]
pub(super) struct MergeCommit {
    oid: String,
}

/// The open or merged pull request from the release branch, if one exists.
pub(super) fn find_pr(job: &Job<'_>) -> Result<Option<PullRequest>> {
    let gh = job.gh()?;
    let branch = job.branch();
    let request = Request::PrList { head: branch.as_str(), base: Some(job.run.branch.as_str()) };
    let out = match gh.call(&job.env.root, &request) {
        Ok(Outcome::Done(out)) => out,
        Ok(Outcome::AlreadyExists(_)) => String::from("[]"),
        Err(e) => return Err(forge_error("cannot list pull requests", &e)),
    };
    let list: Vec<ListedPr> = json_of(&out, "gh pr list")?;
    Ok(list.into_iter().find(|pr| !pr.state.eq_ignore_ascii_case("closed")).map(|pr| PullRequest {
        number: pr.number,
        url: pr.url,
        merge_commit: None,
    }))
}

pub(super) fn pr_body(job: &Job<'_>) -> String {
    if job.run.shared_pr && !job.run.pr_packages.is_empty() {
        let mut body =
            format!("Release run `{}`, plan `{}`:\n\n", job.run.run_id, job.run.plan_hash);
        for (name, version) in &job.run.pr_packages {
            let _ = writeln!(body, "- `{name}` {version}");
        }
        return body;
    }
    let mut body = format!(
        "Release of `{}` {} → {}, run `{}`, plan `{}`.\n\n",
        job.pkg.name,
        job.pkg.current_version.as_deref().unwrap_or("(first release)"),
        job.pkg.next_version,
        job.run.run_id,
        job.run.plan_hash
    );
    let listed = changes_of(&job.pkg.release.changes);
    if !listed.is_empty() {
        body.push_str("## Changes\n\n");
        body.push_str(&listed);
    }
    body
}

pub(super) fn pr_created(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let branch = job.branch();
    let title = job.pr_title();
    let body = pr_body(job);
    let base = job.run.branch.clone();
    let request = Request::PrCreate {
        base: base.as_str(),
        head: branch.as_str(),
        title: title.as_str(),
        body: body.as_str(),
    };
    if act == Act::Describe {
        job.describe(Phase::PrCreated, github::shown_request(&request), Some(body.clone()));
        return Ok(true);
    }
    if let Some(pr) = find_pr(job)? {
        job.pkg.pr = Some(pr);
        return Ok(true);
    }
    if act == Act::Verify {
        return Ok(false);
    }
    let gh = job.gh()?;
    match gh.call(&job.worktree(), &request) {
        Ok(Outcome::Done(_) | Outcome::AlreadyExists(_)) => {}
        Err(e) => return Err(forge_error("cannot create the pull request", &e)),
    }
    let pr = find_pr(job)?.ok_or_else(|| {
        fail(
            ErrorCode::ForgeFailed,
            format!("`gh pr create` succeeded, but no pull request from `{branch}` is listed"),
        )
    })?;
    job.pkg.pr = Some(pr);
    Ok(true)
}

/// `(state, merge commit)` of the run's pull request.
pub(super) fn pr_state(job: &Job<'_>, number: u64) -> Result<(String, Option<String>)> {
    let gh = job.gh()?;
    let n = number.to_string();
    let out =
        match gh.call(&job.env.root, &Request::PrView { number: n.as_str(), merge_commit: true }) {
            Ok(Outcome::Done(out)) => out,
            Ok(Outcome::AlreadyExists(m)) => m,
            Err(e) => return Err(forge_error(&format!("cannot read pull request #{number}"), &e)),
        };
    let view: ViewedPr = json_of(&out, "gh pr view")?;
    Ok((view.state.to_ascii_uppercase(), view.merge_commit.map(|m| m.oid)))
}

pub(super) fn merged(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let number = job.pkg.pr.as_ref().map(|p| p.number);
    if act == Act::Describe {
        let n = number.map_or_else(|| "<pr>".to_owned(), |n| n.to_string());
        let fail_fast =
            job.env.gh.as_ref().is_some_and(|gh| {
                gh.has(&job.env.root, crate::gh_support::Feature::ChecksFailFast)
            });
        job.describe(Phase::Merged, github::shown_checks_watch(&n, fail_fast), None);
        let subject = format!("{} (#{n})", job.pr_title());
        let url = job.pkg.pr.as_ref().map(|p| p.url.clone());
        job.describe(Phase::Merged, github::shown_pr_merge(&n, &subject, url.as_deref()), None);
        return Ok(true);
    }
    let Some(number) = number else {
        return Err(fail(ErrorCode::StepFailed, "the run state has no pull request to merge"));
    };
    let (state, oid) = pr_state(job, number)?;
    match state.as_str() {
        "MERGED" => {
            let oid = oid.ok_or_else(|| {
                fail(
                    ErrorCode::ForgeFailed,
                    format!("pull request #{number} is merged, but gh gives no merge commit"),
                )
            })?;
            if let Some(pr) = &mut job.pkg.pr {
                pr.merge_commit = Some(oid);
            }
            return Ok(true);
        }
        "CLOSED" => {
            return Err(Error::coded(
                ErrorCode::StepFailed,
                format!("pull request #{number} was closed without being merged"),
            )
            .with_hint("reopen it, or roll the run back with `git release rollback --run`")
            .into());
        }
        _ => {}
    }
    if act == Act::Verify {
        return Ok(false);
    }
    let gh = job.gh()?;
    let n = number.to_string();
    // `--fail-fast` needs gh 2.26; older gh watches every check to its end, and the final
    // table tells which failed (issue 14, item 1).
    let fail_fast = gh.has(&job.env.root, crate::gh_support::Feature::ChecksFailFast);
    let progress =
        job.env.ui.progress(&format!("waiting for the checks of pull request #{number}"));
    let checks = gh.once_within(
        &job.worktree(),
        &Request::PrChecksWatch { number: n.as_str(), fail_fast },
        job.env.config.forge.wait_timeout(),
    );
    progress.finish();
    if let Err(failure) = checks {
        let lower = failure.message.to_lowercase();
        if !lower.contains("no checks reported") {
            if matches!(failure.kind, FailureKind::Auth | FailureKind::Timeout) {
                return Err(forge_error(
                    &format!("cannot read the checks of pull request #{number}"),
                    &RetryError { failure, attempts: 1 },
                ));
            }
            let failed = crate::gh_support::failed_checks(&failure.message);
            let detail = if failed.is_empty() {
                last_lines(&failure.message, 10)
            } else {
                last_lines(&failed.join("\n"), 10)
            };
            return Err(Error::coded(
                ErrorCode::ChecksFailed,
                format!("the checks of pull request #{number} failed:\n{detail}"),
            )
            .with_hint(format!(
                "fix the failures on `{}` (or re-run the checks), then `git release resume`",
                job.branch()
            ))
            .into());
        }
    }
    let subject = format!("{} (#{number})", job.pr_title());
    // The release branch goes with the merge (issue 14, item 3); the local one goes once
    // the run is done (`tidy`), as its worktree is used until then.
    let url = job.pkg.pr.as_ref().map(|p| p.url.clone());
    let merge = Request::PrMerge {
        number: n.as_str(),
        subject: subject.as_str(),
        delete_branch_of: url.as_deref(),
    };
    match gh.call(&job.worktree(), &merge) {
        Ok(_) => {}
        Err(e) if e.failure.message.to_lowercase().contains("already merged") => {}
        Err(e) => return Err(forge_error(&format!("cannot merge pull request #{number}"), &e)),
    }
    let (state, oid) = pr_state(job, number)?;
    match (state.as_str(), oid) {
        ("MERGED", Some(oid)) => {
            if let Some(pr) = &mut job.pkg.pr {
                pr.merge_commit = Some(oid);
            }
            Ok(true)
        }
        _ => Err(fail(
            ErrorCode::ForgeFailed,
            format!("pull request #{number} is `{state}` after `gh pr merge`, not merged"),
        )),
    }
}
