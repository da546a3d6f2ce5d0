//! Release tags: name validation, and reconciliation of local against remote tags
//! (DESIGN.md › Tags; the states come from seed 000, section 1).
//!
//! | status | local | remote | action |
//! |---|---|---|---|
//! | MISSING | no | no | create and push |
//! | `LOCAL_ONLY` | yes | no | push |
//! | BOTH | yes, same object | yes | nothing |
//! | `REMOTE_ONLY` | no | yes | fetch `refs/tags/T:refs/tags/T` |
//! | CONFLICT | yes | yes, another commit | stop |
//!
//! Same commit but another tag object: the remote's tag replaces the local one (the remote
//! is the truth), and this is reported.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::error::Error;
use crate::git::cli::{Git, RemoteRef};
use crate::git::read::Repo;

/// The reconcile status of one tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Neither local nor remote.
    Missing,
    /// Local only: a push creates it.
    LocalOnly,
    /// On both sides, at the same commit.
    Both,
    /// Remote only: fetched.
    RemoteOnly,
    /// On both sides, at different commits.
    Conflict,
}

impl Status {
    /// The name printed in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Missing => "MISSING",
            Status::LocalOnly => "LOCAL_ONLY",
            Status::Both => "BOTH",
            Status::RemoteOnly => "REMOTE_ONLY",
            Status::Conflict => "CONFLICT",
        }
    }
}

/// One tag's local and remote state: objects, and the commits they peel to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The tag name.
    pub tag: String,
    /// Its status.
    pub status: Status,
    /// The local tag's object (tag object for an annotated tag), if any.
    pub local_object: Option<String>,
    /// The commit the local tag peels to.
    pub local_commit: Option<String>,
    /// The remote tag's object, if any.
    pub remote_object: Option<String>,
    /// The commit the remote tag peels to.
    pub remote_commit: Option<String>,
    /// What was done, or would be done under `--dry-run`.
    pub action: String,
}

/// Checks that `name` can be a tag name, before git sees it.
///
/// Refused: an empty name, a leading `-` (it would read as an option), whitespace or control
/// characters, `;` and other shell metacharacters (never needed in a release tag, often a
/// sign of injection), and anything `git check-ref-format` refuses (`..`, `@{`, `~^:?*[\`,
/// a trailing `.lock` or `/`).
///
/// # Errors
/// A usage error naming the tag and the reason.
#[allow(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "git's `.lock` rule is case-sensitive"
)]
pub fn validate_name(name: &str) -> Result<()> {
    let refuse = |why: &str| -> anyhow::Error {
        Error::usage(format!("`{}` is not a valid tag name: {why}", name.escape_debug())).into()
    };
    if name.is_empty() {
        return Err(refuse("it is empty"));
    }
    if name.starts_with('-') {
        return Err(refuse("it starts with `-`"));
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse(&format!("it contains {c:?}")));
    }
    if let Some(c) = name.chars().find(|c| ";&|$`<>()'\"!#~^:?*[\\".contains(*c)) {
        return Err(refuse(&format!("it contains `{c}`")));
    }
    if name.contains("..") || name.contains("@{") || name == "@" {
        return Err(refuse("it contains `..` or `@{`"));
    }
    if name.ends_with('/')
        || name.ends_with('.')
        || name.ends_with(".lock")
        || name.starts_with('/')
    {
        return Err(refuse("it starts or ends with `/`, or ends with `.` or `.lock`"));
    }
    if name.split('/').any(|part| part.is_empty() || part.starts_with('.')) {
        return Err(refuse("a path component is empty or starts with `.`"));
    }
    Ok(())
}

/// The local tags, by name: `(object, peeled commit)`.
///
/// # Errors
/// Refs or tag objects cannot be read.
pub fn local_tags(repo: &Repo) -> Result<BTreeMap<String, (String, String)>> {
    let mut out = BTreeMap::new();
    for tag in repo.tags()? {
        let peeled = match tag.peeled {
            Some(id) => Some(id),
            None => repo.peel(tag.target)?,
        };
        let peeled = peeled.map_or_else(|| tag.target.to_string(), |id| id.to_string());
        out.insert(tag.name, (tag.target.to_string(), peeled));
    }
    Ok(out)
}

/// The status of `tag`, given the local tags and the remote's.
pub fn status_of(
    tag: &str,
    local: &BTreeMap<String, (String, String)>,
    remote: &BTreeMap<String, RemoteRef>,
) -> Row {
    let l = local.get(tag);
    let r = remote.get(tag);
    let status = match (l, r) {
        (None, None) => Status::Missing,
        (Some(_), None) => Status::LocalOnly,
        (None, Some(_)) => Status::RemoteOnly,
        (Some((_, lc)), Some(r)) if *lc == r.peeled => Status::Both,
        (Some(_), Some(_)) => Status::Conflict,
    };
    Row {
        tag: tag.to_owned(),
        status,
        local_object: l.map(|(o, _)| o.clone()),
        local_commit: l.map(|(_, c)| c.clone()),
        remote_object: r.map(|r| r.object.clone()),
        remote_commit: r.map(|r| r.peeled.clone()),
        action: String::new(),
    }
}

/// Settles the remote side of each row: fetches `REMOTE_ONLY` tags (exactly
/// `refs/tags/T:refs/tags/T`), and replaces a local tag that points at the same commit as
/// the remote's but is another object. Fills each row's `action`; with `dry_run` nothing is
/// changed and the actions say what would be done.
///
/// # Errors
/// A fetch fails (git's reason is kept). Conflicts are not errors here: the caller decides.
pub fn settle(git: &Git, remote: &str, rows: &mut [Row], dry_run: bool) -> Result<()> {
    let would = if dry_run { "would " } else { "" };
    for row in rows.iter_mut() {
        match row.status {
            Status::Missing => row.action = "create and push (`git release tag --push`)".to_owned(),
            Status::LocalOnly => row.action = "push (`git release tag --push`)".to_owned(),
            Status::Both if row.local_object != row.remote_object => {
                if !dry_run {
                    git.fetch_tag(remote, &row.tag, true)?;
                }
                row.action = format!(
                    "{would}replace the local tag object {} with the remote's {} (same commit; the remote is the truth)",
                    short(row.local_object.as_deref()),
                    short(row.remote_object.as_deref())
                );
                if !dry_run {
                    row.local_object.clone_from(&row.remote_object);
                }
            }
            Status::Both => row.action = "nothing to do".to_owned(),
            Status::RemoteOnly => {
                if !dry_run {
                    git.fetch_tag(remote, &row.tag, false)?;
                    row.local_object.clone_from(&row.remote_object);
                    row.local_commit.clone_from(&row.remote_commit);
                    row.status = Status::Both;
                }
                let verb = if dry_run { "would fetch" } else { "fetched" };
                row.action = format!("{verb} `refs/tags/{0}:refs/tags/{0}`", row.tag);
            }
            Status::Conflict => {
                let spec = format!("refs/tags/{0}:refs/tags/{0}", row.tag);
                row.action = format!(
                    "stop: local {} is at commit {}, remote at {}; if the remote is right: `{} && {}`; if yours is: release a new version instead (never move a published tag)",
                    row.tag,
                    short(row.local_commit.as_deref()),
                    short(row.remote_commit.as_deref()),
                    crate::ui::command_line(&["git", "tag", "-d", &row.tag]),
                    crate::ui::command_line(&["git", "fetch", remote, &spec]),
                );
            }
        }
    }
    Ok(())
}

/// The first 12 characters of an object id, or `-`.
pub fn short(id: Option<&str>) -> &str {
    id.map_or("-", |s| &s[..s.len().min(12)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused() {
        for bad in [
            "-f",
            "v1.0.0;rm -rf x",
            "v1 .0",
            "a..b",
            "v@{1}",
            "v1\u{7}",
            "",
            "x.lock",
            "a//b",
            ".hidden",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?} should be refused");
        }
        for good in ["v1.0.0", "core/v1.2.3", "web@2.0.0", "release-plz-v0.3.1", "1.0.0-rc.1"] {
            assert!(validate_name(good).is_ok(), "{good:?} should pass");
        }
    }

    #[test]
    fn statuses_follow_the_table() {
        let local: BTreeMap<String, (String, String)> = [
            ("a".to_owned(), ("t1".to_owned(), "c1".to_owned())),
            ("b".to_owned(), ("c2".to_owned(), "c2".to_owned())),
            ("d".to_owned(), ("t4".to_owned(), "c4".to_owned())),
        ]
        .into();
        let remote: BTreeMap<String, RemoteRef> = [
            ("a".to_owned(), RemoteRef { object: "t1".into(), peeled: "c1".into() }),
            ("c".to_owned(), RemoteRef { object: "c3".into(), peeled: "c3".into() }),
            ("d".to_owned(), RemoteRef { object: "t5".into(), peeled: "c5".into() }),
        ]
        .into();
        let s = |t: &str| status_of(t, &local, &remote).status;
        assert_eq!(s("a"), Status::Both);
        assert_eq!(s("b"), Status::LocalOnly);
        assert_eq!(s("c"), Status::RemoteOnly);
        assert_eq!(s("d"), Status::Conflict);
        assert_eq!(s("e"), Status::Missing);
    }
}
