//! Release tags outside a run (`git release tag`): which tags the plan asks for, creating
//! them as annotated tags, and refusing to move one (DESIGN.md › Tags: a published tag is
//! never moved).

use std::collections::BTreeMap;

use anyhow::Result;
use semver::Version;

use crate::error::Error;
use crate::git::cli::{Git, RemoteRef};
use crate::plan::{self, Status as PlanStatus};
use crate::tags::{self, Row, Status};

/// A tag to create: name, commit, message.
#[derive(Debug, Clone)]
pub struct Target {
    /// The tag's name, e.g. `v1.2.0` or `core/v0.3.1`.
    pub tag: String,
    /// The full id of the commit it tags.
    pub commit: String,
    /// The annotated tag's message (empty for an existing tag kept as it is).
    pub message: String,
}

/// The tags to create for the selected `packages` of `plan` (all when none are named), at
/// `commit`: each package's version is `forced` (`--version`), else its manifest's version
/// when that is ahead of its last tag, else the plan's next version. With `include_current`
/// (the local tags, by name), a package with nothing to release contributes its last
/// release's tag as it is, so reconcile and push cover a tag that is local only. Returns the
/// targets and one line per package with nothing to tag.
///
/// # Errors
/// `forced` is not a semantic version (exit 2).
pub fn targets(
    plan: &plan::Plan,
    packages: &[String],
    forced: Option<&str>,
    commit: &str,
    include_current: Option<&BTreeMap<String, (String, String)>>,
) -> Result<(Vec<Target>, Vec<String>)> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for pkg in &plan.packages.list {
        if !packages.is_empty() && !packages.contains(&pkg.name) {
            continue;
        }
        let row = plan.rows.iter().find(|r| r.name == pkg.name);
        let current =
            row.and_then(|r| r.current_version.as_deref()).and_then(|v| Version::parse(v).ok());
        let from_plan = row
            .filter(|r| r.status == PlanStatus::Release)
            .and_then(|r| r.next_version.as_deref())
            .and_then(|v| Version::parse(v).ok());
        let version = match forced {
            Some(v) => Some(Version::parse(v.trim_start_matches('v')).map_err(|e| {
                Error::usage(format!("`--version {v}` is not a semantic version: {e}"))
            })?),
            None => match (&pkg.file_version, &current) {
                (Some(file), Some(cur)) if file > cur => Some(file.clone()),
                (Some(file), None) if from_plan.is_none() => Some(file.clone()),
                _ => from_plan.clone(),
            },
        };
        let Some(version) = version else {
            // Reconcile and push also cover the last release, which may be local only.
            let current_tag = row.and_then(|r| r.current_tag.clone());
            if let Some((tag, (_, tagged))) = current_tag
                .and_then(|tag| include_current.and_then(|m| m.get(&tag)).map(|t| (tag, t)))
            {
                out.push(Target { tag, commit: tagged.clone(), message: String::new() });
                continue;
            }
            skipped.push(format!(
                "{}: nothing to tag (no release since {})",
                pkg.name,
                current.map_or_else(|| "the start".to_owned(), |c| c.to_string())
            ));
            continue;
        };
        let tag = pkg.tag_formats[0].format(&version);
        // The commits that asked for it, when the version is the plan's.
        let changes = match row.filter(|_| from_plan.as_ref() == Some(&version)) {
            Some(row) => super::steps::change_list(
                row.reasons
                    .iter()
                    .map(|r| (r.summary.as_str(), r.commit.as_str(), r.bump.as_str())),
            ),
            None => String::new(),
        };
        let message = super::steps::tag_message(&tag, &changes);
        out.push(Target { tag, commit: commit.to_owned(), message });
    }
    Ok((out, skipped))
}

/// Creates one annotated tag (signed with `sign`), unless it exists at the same commit (then
/// nothing changes); with `dry_run`, says what it would run. `local` (tag → (object, commit))
/// gains the new tag.
///
/// # Errors
/// The tag exists at another commit (a release tag is never moved); git fails.
pub fn create(
    git: &Git,
    local: &mut BTreeMap<String, (String, String)>,
    target: &Target,
    sign: bool,
    dry_run: bool,
) -> Result<Row> {
    let mut row = Row {
        tag: target.tag.clone(),
        status: Status::LocalOnly,
        local_object: None,
        local_commit: Some(target.commit.clone()),
        remote_object: None,
        remote_commit: None,
        action: String::new(),
    };
    if let Some((object, commit)) = local.get(&target.tag) {
        if *commit != target.commit {
            return Err(moved(&target.tag, commit, &target.commit));
        }
        row.local_object = Some(object.clone());
        row.action = "exists at this commit; unchanged".to_owned();
        return Ok(row);
    }
    if dry_run {
        row.action = format!(
            "would run `{} -m <notes> {} {}`",
            crate::ui::command_line(&["git", "tag", if sign { "-s" } else { "-a" }]),
            crate::ui::command_line(&[&target.tag]),
            tags::short(Some(&target.commit))
        );
        return Ok(row);
    }
    git.tag_annotated(&target.tag, &target.commit, &target.message, sign)?;
    let object = git.rev_parse(&format!("refs/tags/{}", target.tag)).ok_or_else(|| {
        Error::failed(format!("tag `{}` was created but cannot be read back", target.tag))
    })?;
    local.insert(target.tag.clone(), (object.clone(), target.commit.clone()));
    row.local_object = Some(object);
    row.action = format!("created{}", if sign { " (signed)" } else { "" });
    Ok(row)
}

/// The full id of the commit `rev` names.
///
/// # Errors
/// `rev` starts with `-` or names no commit (exit 2).
pub fn resolve_commit(git: &Git, rev: &str) -> Result<String> {
    if rev.starts_with('-') {
        return Err(Error::usage(format!("`{rev}` is not a revision")).into());
    }
    git.commit_of(rev).ok_or_else(|| Error::usage(format!("`{rev}` does not name a commit")).into())
}

/// Refuses to push a target whose tag already exists, locally or on the remote, at another
/// commit (issue 12, item 16): "both, nothing to do" would hide that the release the user
/// asked for was never tagged.
///
/// # Errors
/// The first such tag, with both commits (exit 1).
pub fn refuse_moved(
    targets: &[Target],
    local: &BTreeMap<String, (String, String)>,
    remote_tags: &BTreeMap<String, RemoteRef>,
) -> Result<()> {
    for t in targets {
        let elsewhere = local
            .get(&t.tag)
            .map(|(_, commit)| commit.as_str())
            .or_else(|| remote_tags.get(&t.tag).map(|r| r.peeled.as_str()))
            .filter(|commit| **commit != *t.commit);
        if let Some(commit) = elsewhere {
            return Err(moved(&t.tag, commit, &t.commit));
        }
    }
    Ok(())
}

/// The error for a tag that exists at `at`, not at `wanted`.
fn moved(tag: &str, at: &str, wanted: &str) -> anyhow::Error {
    Error::failed(format!(
        "tag `{tag}` already exists at commit {}, not {}",
        tags::short(Some(at)),
        tags::short(Some(wanted))
    ))
    .with_hint("a release tag is never moved: release a new version, or delete the tag yourself if it was never published")
    .into()
}
