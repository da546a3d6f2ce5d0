//! `CHANGELOG`: the release's section in the changelog file.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// The package's changelog section for this release, rendered from the recorded commits.
pub(super) fn section(job: &Job<'_>, dir: &Path) -> Result<String> {
    let ids: Vec<ObjectId> = job
        .pkg
        .release
        .changes
        .iter()
        .map(|c| ObjectId::from_hex(c.commit.as_bytes()))
        .collect::<Result<_, _>>()
        .context("the run state holds full commit ids")?;
    let details = changelog::details_of(job.env.repo, &ids)?;
    let head = ObjectId::from_hex(job.run.head.as_bytes())
        .context("the run state holds the planned commit")?;
    let meta = ReleaseMeta {
        package: job.pkg.name.clone(),
        version: Some(job.pkg.next_version.clone()),
        tag: Some(job.tag()),
        previous_tag: job.pkg.release.current_tag.clone(),
        commit: head,
        time: (i64::try_from(job.run.started_unix).unwrap_or(i64::MAX), 0),
    };
    let commits: Vec<(ObjectId, &_)> = ids.iter().map(|id| (*id, &details[id])).collect();
    let settings = &job.env.config.changelog_settings;
    let release = changelog::build_release(&meta, &commits, settings, job.env.links.as_ref());
    Templates::load(dir, settings)?.changelog(&release)
}

pub(super) fn changelog_step(job: &mut Job<'_>, act: Act) -> Result<bool> {
    const CODE: ErrorCode = ErrorCode::StepFailed;
    let dir = job.files_dir(act);
    let rel = job.pkg.release.changelog.clone();
    if rel.is_empty() {
        return Ok(true);
    }
    let existing = read_text(&dir, &rel, CODE)?;
    let version = job.version().to_owned();
    if existing.as_deref().is_some_and(|t| changelog::has_section(t, &version)) {
        return Ok(true);
    }
    if act == Act::Verify {
        return Ok(false);
    }
    let text = section(job, &dir)?;
    let Some(insertion) = changelog::insert_section(existing.as_deref(), &text, &version) else {
        return Ok(true);
    };
    let mut edits = Edits::new();
    edits.insert(rel, (existing, insertion.content));
    apply_edits(job, Phase::Changelog, act, &edits, CODE)
}
