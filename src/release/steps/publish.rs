//! `PUBLISHED`: the workflow the tag starts, `commands.publish`, and the forge release.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// A release as `gh release view --json url` shows it.
#[derive(serde::Deserialize)]
pub(super) struct ViewedRelease {
    url: String,
}

/// A workflow run as `gh run list --json databaseId,url,status,conclusion` lists it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListedRun {
    database_id: u64,
    url: String,
    /// What started the run; asked for only when gh has no `--event` (before 2.28).
    #[serde(default)]
    event: Option<String>,
}

pub(super) fn release_url(job: &Job<'_>, tag: &str) -> Result<Option<String>> {
    let gh = job.gh()?;
    match gh.lookup(&job.env.root, &Request::ReleaseUrl { tag }) {
        Ok(Some(out)) => Ok(Some(json_of::<ViewedRelease>(&out, "gh release view")?.url)),
        Ok(None) => Ok(None),
        Err(e) => Err(forge_error(&format!("cannot look up the release `{tag}`"), &e)),
    }
}

/// Waits for the run of `workflow` the tag started, and fails the step when it fails.
pub(super) fn wait_workflow(job: &mut Job<'_>, workflow: &str, tag: &str) -> Result<()> {
    let gh = job.gh()?.clone();
    let dir = job.env.root.clone();
    let timeout = job.env.config.forge.wait_timeout();
    let started = std::time::Instant::now();
    let progress = job.env.ui.progress(&format!("waiting for workflow `{workflow}` on `{tag}`"));
    // `--event` needs gh 2.28; with older gh the runs are filtered here (issue 14, item 1).
    let by_event = gh.has(&dir, crate::gh_support::Feature::RunListEvent);
    let request = Request::WorkflowRuns { workflow, tag, by_event };
    let run = loop {
        let out = match gh.call(&dir, &request) {
            Ok(Outcome::Done(out)) => out,
            Ok(Outcome::AlreadyExists(_)) => "[]".to_owned(),
            Err(e) => {
                return Err(forge_error(
                    &format!("cannot list the runs of workflow `{workflow}`"),
                    &e,
                ));
            }
        };
        let list: Vec<ListedRun> = json_of(&out, "gh run list")?;
        if let Some(run) = list.into_iter().find(|r| by_event || r.event.as_deref() == Some("push"))
        {
            break run;
        }
        if started.elapsed() >= timeout {
            progress.finish();
            return Err(fail(
                ErrorCode::ChecksFailed,
                format!(
                    "no run of workflow `{workflow}` started for `{tag}` within {} s",
                    timeout.as_secs()
                ),
            ));
        }
        std::thread::sleep(Duration::from_secs(5).min(timeout));
    };
    let id = run.database_id.to_string();
    let url = run.url;
    job.pkg.outputs.workflow_run = Some(url.clone());
    let left = timeout.saturating_sub(started.elapsed()).max(Duration::from_secs(1));
    let watched = gh.once_within(&dir, &Request::WorkflowWatch { id: id.as_str() }, left);
    progress.finish();
    if let Err(failure) = watched {
        if failure.kind == FailureKind::Timeout {
            return Err(forge_error(
                &format!("workflow `{workflow}` did not finish for `{tag}`: {url}"),
                &RetryError { failure, attempts: 1 },
            ));
        }
        let log =
            gh.once(&dir, &Request::WorkflowFailedLog { id: id.as_str() }).unwrap_or_default();
        return Err(Error::coded(
            ErrorCode::ChecksFailed,
            format!(
                "workflow `{workflow}` failed for `{tag}`: {url}\n{}",
                last_lines(&format!("{}\n{log}", failure.message), 10)
            ),
        )
        .with_hint("fix the workflow's failure and re-run it, then `git release resume`")
        .into());
    }
    Ok(())
}

pub(super) fn published(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let tag = job.tag();
    let title = format!("{} v{}", job.pkg.name, job.pkg.next_version);
    let prerelease = job.pkg.next_version.contains('-');
    let notes_dir = job.files_dir(act);
    let notes = section(job, &notes_dir).unwrap_or_default();
    let create = Request::ReleaseCreate {
        tag: tag.as_str(),
        title: title.as_str(),
        notes: notes.as_str(),
        prerelease,
    };
    let workflow = job.env.config.forge.wait_workflow.clone();
    let publish = job.env.config.commands.publish.clone();
    let forge = job.env.has_forge();
    if act == Act::Describe {
        if let Some(w) = &workflow {
            if forge {
                job.describe(Phase::Published, github::shown_workflow_wait(w, &tag), None);
            } else {
                job.describe(
                    Phase::Published,
                    format!("left out (no forge): waiting for workflow `{w}`"),
                    None,
                );
            }
        }
        if let Some(command) = &publish {
            let argv = command_argv(command, &job.pkg.name, &job.pkg.next_version, &tag)?;
            job.describe(
                Phase::Published,
                format!("run `commands.publish`: {}", shell_words::join(&argv)),
                None,
            );
        }
        if forge {
            job.describe(Phase::Published, github::shown_request(&create), Some(notes));
        } else {
            job.describe(
                Phase::Published,
                format!("left out (no forge): the forge release of `{tag}`"),
                None,
            );
        }
        return Ok(true);
    }
    if !forge {
        // No forge (issue 14, item 5): publishing is `commands.publish` alone, done once it
        // ran (the state records it before the step is saved, see `checkpoint`).
        if publish.is_none() || job.pkg.outputs.published {
            return Ok(true);
        }
        if act == Act::Verify {
            return Ok(false);
        }
        if let Some(command) = &publish {
            run_publish(job, command, &tag)?;
        }
        return Ok(true);
    }
    if let Some(url) = release_url(job, &tag)? {
        job.pkg.outputs.release_url = Some(url);
        return Ok(true);
    }
    if act == Act::Verify {
        return Ok(false);
    }
    if let Some(w) = &workflow {
        wait_workflow(job, w, &tag)?;
    }
    if let Some(command) = &publish
        && !job.pkg.outputs.published
    {
        run_publish(job, command, &tag)?;
    }
    let gh = job.gh()?;
    match gh.call(&job.worktree(), &create) {
        Ok(_) => {}
        Err(e) => return Err(forge_error(&format!("cannot create the forge release `{tag}`"), &e)),
    }
    // The release exists once `gh release create` succeeded: a view that fails right after
    // it (a replica not caught up, a blip) is a warning in the report, not a failed publish
    // (seed 000, section 4; issue 14, item 4).
    let why = match release_url(job, &tag) {
        Ok(Some(url)) => {
            job.pkg.outputs.release_url = Some(url);
            None
        }
        Ok(None) => Some("does not find it".to_owned()),
        Err(e) => Some(format!("failed: {}", format!("{e:#}").lines().next().unwrap_or(""))),
    };
    if let Some(why) = why {
        let warning = format!(
            "`gh release create {tag}` succeeded, but verifying it with `gh release view {tag}` {why}"
        );
        job.env.ui.warn(&format!("{}: {warning}", job.pkg.name));
        job.pkg.outputs.warnings.push(warning);
    }
    Ok(true)
}

/// Runs `commands.publish` for the job's package in its worktree, once: a registry that
/// already has the version counts as published; the state is saved right after, so a kill
/// does not publish twice.
fn run_publish(job: &mut Job<'_>, command: &str, tag: &str) -> Result<()> {
    let argv = command_argv(command, &job.pkg.name, &job.pkg.next_version, tag)
        .map_err(|e| fail(ErrorCode::PublishFailed, format!("`commands.publish`: {e:#}")))?;
    let limit = job.env.config.commands.timeout();
    match run_command(&argv, &job.worktree(), limit, ErrorCode::PublishFailed, "`commands.publish`")
    {
        Ok(_) => {}
        Err(e)
            if format!("{e:#}").to_lowercase().contains("already exists")
                || format!("{e:#}").to_lowercase().contains("already uploaded") =>
        {
            job.env.ui.warn(&format!(
                "{}: the registry already has {}; counted as published",
                job.pkg.name, job.pkg.next_version
            ));
        }
        Err(e) => return Err(e),
    }
    job.pkg.outputs.published = true;
    (job.checkpoint)(&job.pkg)?;
    Ok(())
}
