//! `git release rc tag` (issue 17 item 3): the release candidate `X.Y.Z-rc.N` (each
//! package's tag format, `N` the next number after every RC tag of the version that exists
//! in any repository of the train, locally or on its remote) as an annotated tag on each RC
//! head, pushed; the lifecycle moves to `staging`. A tag-triggered CI can then build the
//! candidates. Tags that exist are never moved.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::manifest::{Lifecycle, Manifest};
use super::{Place, gates};
use crate::context::GlobalArgs;
use crate::error::{Error, ErrorCode};
use crate::git::cli::Git;
use crate::version::TagFormat;

/// The RC numbers of `version` among `tags` under `format`.
fn rc_numbers<'a>(
    format: &TagFormat,
    version: &str,
    tags: impl Iterator<Item = &'a str>,
) -> Vec<u32> {
    tags.filter_map(|t| format.parse_tag(t))
        .filter(|v| format!("{}.{}.{}", v.major, v.minor, v.patch) == version)
        .filter_map(|v| v.pre.as_str().strip_prefix("rc.").and_then(|n| n.parse().ok()))
        .collect()
}

/// Runs `git release rc tag [TRAIN]`; returns nothing but prints each tag made.
///
/// # Errors
/// The train is over; an RC branch is gone from its remote; the remote refuses a tag.
pub fn tag(global: &GlobalArgs, place: &Place, train: Option<&str>, dry_run: bool) -> Result<()> {
    let (path, m) = super::locate(place, train)?;
    if !matches!(m.state, Lifecycle::Development | Lifecycle::Staging) {
        return Err(Error::failed(format!(
            "train `{}` is {}, so no release candidate can be tagged",
            m.train_id,
            m.state.as_str()
        ))
        .into());
    }
    let (first, _lock, mut m) = super::open_locked(global, &path, &m)?;
    let ui = first.ui.clone();
    let who = crate::release::preflight::identity(&first);
    // The next number: after every RC tag of the train's packages, local or remote.
    let mut highest = m.rc_number.unwrap_or(0);
    for r in &m.repos {
        let git = Git::new(&r.path);
        let remote = git.ls_remote_tags(&r.remote)?;
        let local: Vec<String> = crate::git::read::Repo::discover(&r.path)?
            .tags()?
            .into_iter()
            .map(|t| t.name)
            .collect();
        for p in &r.packages {
            let format = TagFormat::parse(&p.tag_format, &p.name)?;
            let names = remote.keys().chain(&local).map(String::as_str);
            highest =
                highest.max(rc_numbers(&format, &p.version, names).into_iter().max().unwrap_or(0));
        }
    }
    let n = highest + 1;
    let mut out = String::new();
    let mut made = Vec::new();
    for r in &mut m.repos {
        let git = Git::new(&r.path);
        let head = gates::remote_branch(&git, &r.remote, &r.rc_branch)?.ok_or_else(|| {
            Error::failed(format!("{}: `{}` is not on `{}`", r.name, r.rc_branch, r.remote))
                .with_hint("the RC branch was deleted; abort the train and start a new one")
        })?;
        r.rc_head.clone_from(&head);
        let mut names = Vec::new();
        for p in &r.packages {
            let format = TagFormat::parse(&p.tag_format, &p.name)?;
            let version = semver::Version::parse(&format!("{}-rc.{n}", p.version))?;
            names.push(format.format(&version));
        }
        for name in &names {
            let _ = writeln!(out, "{}: {name} on {}", r.name, &head[..12]);
        }
        if !dry_run {
            push_tags(&git, &r.remote, &names, &head, &m.train_id)?;
            r.rc_tags.extend(names.iter().cloned());
        }
        made.push((r.name.clone(), names));
    }
    if dry_run {
        ui.data(&out)?;
        ui.status("dry run: nothing was changed");
        return Ok(());
    }
    m.rc_number = Some(n);
    m.transition(Lifecycle::Staging, &who, &format!("rc tag: -rc.{n}"));
    save_and_say(&path, &m)?;
    ui.data(&out)?;
    ui.status(&format!("train {} is in staging with release candidate {n}", m.train_id));
    Ok(())
}

fn save_and_say(path: &Path, m: &Manifest) -> Result<()> {
    super::save(path, m)
}

/// Creates each of `names` on `head` (unless it is there already) and pushes them together.
fn push_tags(git: &Git, remote: &str, names: &[String], head: &str, train: &str) -> Result<()> {
    for name in names {
        match git.commit_of(&format!("refs/tags/{name}")) {
            Some(at) if at == head => {}
            Some(at) => {
                return Err(Error::coded(
                    ErrorCode::TagConflict,
                    format!(
                        "the tag `{name}` exists on {}, not on the RC head {}",
                        &at[..12],
                        &head[..12]
                    ),
                )
                .with_hint("tags are never moved; look at that tag, then tag again")
                .into());
            }
            None => git.tag_annotated(
                name,
                head,
                &format!("Release candidate {name} of train {train}"),
                false,
            )?,
        }
    }
    let specs: Vec<String> = names.iter().map(|n| format!("refs/tags/{n}:refs/tags/{n}")).collect();
    git.push_refspecs(remote, &specs, true).map_err(|e| {
        Error::coded(ErrorCode::PushRejected, format!("`{remote}` refused the RC tags: {e}"))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc_numbers_read_only_the_version_s_candidates() {
        let f = TagFormat::parse("v{version}", "x").expect("a format");
        let tags = ["v1.2.0-rc.1", "v1.2.0-rc.3", "v1.2.0", "v1.3.0-rc.7", "v1.2.0-beta.9"];
        assert_eq!(rc_numbers(&f, "1.2.0", tags.into_iter()), [1, 3]);
    }
}
