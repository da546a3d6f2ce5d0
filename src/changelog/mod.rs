//! Changelog sections and release notes from Conventional Commits (issue 5, DESIGN.md ›
//! Pipeline: the CHANGELOG step; seed 004 › Release Notes).
//!
//! The pieces, in the order a command uses them:
//! - [`package_tags`] and [`release_ranges`]: every release of a package rebuilt from history
//!   in one walk, each commit read once;
//! - [`build_release`]: commits grouped into the configured sections, with links to the
//!   forge ([`Links`]), migration notes, and contributors;
//! - [`build_notes`]: the release notes of seed 004 from the same release;
//! - [`Templates`]: both rendered through minijinja templates (built-in or the user's);
//! - [`insert_section`] and [`file_diff`]: the section put into the changelog file,
//!   leaving every other byte as it was.

pub mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use gix::ObjectId;
use minijinja::{Environment, UndefinedBehavior};
use semver::Version;
use serde::Serialize;

use crate::config::ChangelogSettings;
use crate::conventional::classify;
use crate::error::Error;
use crate::forge::links::Links;
use crate::git::read::{CommitDetails, Repo};
use crate::history::{self, PathTrie, TreeCache};
use crate::packages::Package;

mod file;
mod templates;
mod walk;

pub use file::*;
pub use templates::*;
pub use walk::*;

/// The built-in template of one changelog section.
pub const CHANGELOG_TEMPLATE: &str = include_str!("../templates/changelog.md.j2");
/// The built-in template of release notes.
pub const NOTES_TEMPLATE: &str = include_str!("../templates/notes.md.j2");

/// The header a new changelog file starts with.
pub const DEFAULT_HEADER: &str = "# Changelog\n\n";

/// An `#123` reference in a commit subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// The number.
    pub number: u64,
    /// `pull` for a `(#123)` at the end of the subject (a squash merge), else `issue`.
    pub kind: &'static str,
    /// Its page, when the remote is a known forge.
    pub url: Option<String>,
}

/// Finds `#123` references in `text` (not inside a word: `a#1` and `&#12;` are not
/// references) and returns the text with each linked, when `forge` is known, and the
/// references.
///
/// ```
/// use git_release::changelog::link_references;
/// use git_release::forge::links::Links;
/// let f = Links::from_remote_url("https://github.com/o/r").unwrap();
/// let (md, refs) = link_references("fix x, see #4 (#12)", Some(&f));
/// assert_eq!(md, "fix x, see [#4](https://github.com/o/r/issues/4) ([#12](https://github.com/o/r/pull/12))");
/// assert_eq!((refs[0].kind, refs[1].kind), ("issue", "pull"));
/// assert_eq!(link_references("a#1 &#12; #x", Some(&f)).1.len(), 0);
/// ```
pub fn link_references(text: &str, forge: Option<&Links>) -> (String, Vec<Reference>) {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut refs = Vec::new();
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'#' {
            let before_ok = i == 0 || {
                let b = bytes[i - 1];
                !(b.is_ascii_alphanumeric() || b == b'&' || b == b'#' || b == b'_' || b == b'/')
            };
            let digits = bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            let end = i + 1 + digits;
            let after_ok =
                bytes.get(end).is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
            if before_ok && digits > 0 && after_ok {
                let number: u64 = text[i + 1..end].parse().unwrap_or(0);
                let pull =
                    i > 0 && bytes[i - 1] == b'(' && text[end..].trim_end() == ")" && number > 0;
                let url =
                    forge.map(|f| if pull { f.pull_url(number) } else { f.issue_url(number) });
                out.push_str(&text[last..i]);
                match &url {
                    Some(url) => {
                        let _ = write!(out, "[#{number}]({url})");
                    }
                    None => out.push_str(&text[i..end]),
                }
                last = end;
                refs.push(Reference { number, kind: if pull { "pull" } else { "issue" }, url });
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[last..]);
    (out, refs)
}

// ---- dates ---------------------------------------------------------------------------------

/// `YYYY-MM-DD` of `seconds` since the epoch in the time zone `offset` seconds east of UTC
/// (the committer's own, as `git log --date=short` shows it).
///
/// ```
/// use git_release::changelog::short_date;
/// assert_eq!(short_date(1_700_000_000, 0), "2023-11-14");
/// assert_eq!(short_date(1_700_000_000, 10 * 3600), "2023-11-15");
/// assert_eq!(short_date(0, -3600), "1969-12-31");
/// ```
pub fn short_date(seconds: i64, offset: i32) -> String {
    crate::time::date_of(seconds, offset).to_string()
}

// ---- people ----------------------------------------------------------------------------------

/// A commit author or co-author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The name, as written.
    pub name: String,
    /// The email address.
    pub email: String,
    /// The GitHub login, when the email is a GitHub noreply address.
    pub handle: Option<String>,
    /// Whether it is a bot (`[bot]` in the name or email, or a well-known bot name).
    pub bot: bool,
    /// `Name (@handle)` or `Name`.
    pub display: String,
}

impl Person {
    /// A person from a name and an email.
    ///
    /// ```
    /// use git_release::changelog::Person;
    /// let p = Person::new("Ada", "12+ada@users.noreply.github.com");
    /// assert_eq!((p.handle.as_deref(), p.display.as_str(), p.bot), (Some("ada"), "Ada (@ada)", false));
    /// assert!(Person::new("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com").bot);
    /// ```
    pub fn new(name: &str, email: &str) -> Person {
        let name = name.trim();
        let email = email.trim();
        let handle = email
            .strip_suffix("@users.noreply.github.com")
            .map(|local| local.split_once('+').map_or(local, |(_, h)| h).to_owned())
            .filter(|h| !h.is_empty() && !h.contains("[bot]"));
        let lower = name.to_ascii_lowercase();
        let bot = lower.contains("[bot]")
            || email.to_ascii_lowercase().contains("[bot]")
            || ["dependabot", "renovate", "renovate-bot", "github-actions", "pre-commit-ci"]
                .contains(&lower.as_str());
        let display = match &handle {
            Some(h) => format!("{name} (@{h})"),
            None => name.to_owned(),
        };
        Person { name: name.to_owned(), email: email.to_owned(), handle, bot, display }
    }
}

/// The `Co-authored-by: Name <email>` trailers of `message` (any case of the token).
pub fn co_authors(message: &str) -> Vec<Person> {
    message
        .lines()
        .filter_map(|line| {
            let (token, value) = line.split_once(':')?;
            if !token.trim().eq_ignore_ascii_case("co-authored-by") {
                return None;
            }
            let (name, rest) = value.split_once('<')?;
            let email = rest.split_once('>')?.0;
            Some(Person::new(name, email))
        })
        .collect()
}

// ---- releases ----------------------------------------------------------------------------------

/// One commit as a changelog entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The full commit id.
    pub commit: String,
    /// Its first seven hex digits.
    pub short: String,
    /// Its page on the forge.
    pub url: Option<String>,
    /// The Conventional Commit type, lowercase.
    #[serde(rename = "type")]
    pub kind: String,
    /// The scope.
    pub scope: Option<String>,
    /// The description, as written.
    pub description: String,
    /// Whether it is a breaking change.
    pub breaking: bool,
    /// The text of its `BREAKING CHANGE:` footer, the migration note (`null` for a bare `!`).
    pub migration: Option<String>,
    /// `#123` references in the subject.
    pub refs: Vec<Reference>,
    /// The author.
    pub author: Person,
    /// The short id, linked when the forge is known (markdown).
    pub commit_md: String,
    /// The description with references linked (markdown).
    pub description_md: String,
    /// The `DEPRECATED:` footer's text, or the description of a `deprecate` commit.
    #[serde(skip)]
    pub deprecation: Option<String>,
    /// Whether it is a security fix: a `security` type or scope, or a `CVE-` reference.
    #[serde(skip)]
    pub security: bool,
    /// The first `CVE-YYYY-N` the message names.
    #[serde(skip)]
    pub cve: Option<String>,
}

/// A titled group of entries.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The heading (`Features`…).
    pub title: String,
    /// The entries, newest first.
    pub entries: Vec<Entry>,
}

/// One release (or the unreleased commits) of a package, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    /// The package name.
    pub package: String,
    /// The version, `null` for unreleased commits that ask for no release.
    pub version: Option<String>,
    /// The release tag (`null` when not known).
    pub tag: Option<String>,
    /// The previous release's tag, the start of the range.
    pub previous_tag: Option<String>,
    /// The release commit (the tagged commit, or HEAD for unreleased commits).
    pub commit: String,
    /// The date of that commit, `YYYY-MM-DD` in the committer's time zone.
    pub date: String,
    /// The comparison with the previous release, when both tags and the forge are known.
    pub compare_url: Option<String>,
    /// The non-empty sections, in the configured order.
    pub sections: Vec<Section>,
    /// Authors and co-authors, deduplicated by email, sorted by name; bots apart.
    pub contributors: Vec<Person>,
    /// The bots among the authors.
    pub bots: Vec<Person>,
    /// How many commits the range has (all types, before hiding).
    pub commits: usize,
    /// Every Conventional Commit of the range except `chore(release)`, hidden types
    /// included, newest first: what the release notes are built from.
    #[serde(skip)]
    pub entries: Vec<Entry>,
}

/// What a release is, apart from its commits.
#[derive(Debug, Clone)]
pub struct ReleaseMeta {
    /// The package name.
    pub package: String,
    /// Its version, if any.
    pub version: Option<String>,
    /// Its tag, if known.
    pub tag: Option<String>,
    /// The previous release's tag.
    pub previous_tag: Option<String>,
    /// The release commit and its details (for the date).
    pub commit: ObjectId,
    /// Committer time and offset of the release commit.
    pub time: (i64, i32),
}

/// Builds a release from its commits, newest first, grouped under `settings`.
///
/// Rules (issue 5): a breaking change goes under the section listing `!`, whatever its
/// type; a hidden type is left out; a `chore(release)` commit is never listed; a type no
/// section lists goes under the section listing `*`; a message that is not a Conventional
/// Commit is left out of the sections (it still credits its author).
pub fn build_release(
    meta: &ReleaseMeta,
    commits: &[(ObjectId, &CommitDetails)],
    settings: &ChangelogSettings,
    forge: Option<&Links>,
) -> Release {
    let mut entries = Vec::new();
    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    for (id, details) in commits {
        let mut credit = vec![Person::new(&details.author_name, &details.author_email)];
        credit.extend(co_authors(&details.message));
        for person in credit {
            if person.name.is_empty() && person.email.is_empty() {
                continue;
            }
            people.entry(person.email.to_ascii_lowercase()).or_insert(person);
        }
        let c = classify(&details.message);
        let Some(kind) = c.kind.clone() else { continue };
        if kind == "chore" && c.scope.as_deref() == Some("release") {
            continue;
        }
        let id = id.to_string();
        let short = id[..7].to_owned();
        let url = forge.map(|f| f.commit_url(&id));
        let commit_md = match &url {
            Some(url) => format!("[{short}]({url})"),
            None => short.clone(),
        };
        let (description_md, refs) = link_references(&c.description, forge);
        let migration = c
            .breaking_description
            .clone()
            .filter(|text| c.breaking && *text != c.description)
            .map(|text| text.trim().to_owned());
        let deprecation = c
            .footers
            .iter()
            .find(|(token, _)| token.eq_ignore_ascii_case("deprecated"))
            .map(|(_, value)| value.clone())
            .or_else(|| {
                matches!(kind.as_str(), "deprecate" | "deprecated" | "deprecation")
                    .then(|| c.description.clone())
            });
        let cve = find_cve(&details.message);
        let security =
            kind == "security" || c.scope.as_deref() == Some("security") || cve.is_some();
        entries.push(Entry {
            commit: id,
            short,
            url,
            kind,
            scope: c.scope.clone(),
            description: c.description.clone(),
            breaking: c.breaking,
            migration,
            refs,
            author: Person::new(&details.author_name, &details.author_email),
            commit_md,
            description_md,
            deprecation,
            security,
            cve,
        });
    }

    let mut sections: Vec<Section> = settings
        .sections
        .iter()
        .map(|s| Section { title: s.title.clone(), entries: Vec::new() })
        .collect();
    let find =
        |kind: &str| settings.sections.iter().position(|s| s.types.iter().any(|t| t == kind));
    let breaking_slot = find("!");
    let other_slot = find("*");
    for entry in &entries {
        let slot = if entry.breaking && breaking_slot.is_some() {
            breaking_slot
        } else if settings.hidden.contains(&entry.kind) {
            None
        } else {
            find(&entry.kind).or(other_slot)
        };
        if let Some(slot) = slot {
            sections[slot].entries.push(entry.clone());
        }
    }
    sections.retain(|s| !s.entries.is_empty());

    let mut people: Vec<Person> = people.into_values().collect();
    people.sort_by(|a, b| {
        a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.email.cmp(&b.email))
    });
    let (bots, contributors): (Vec<Person>, Vec<Person>) = people.into_iter().partition(|p| p.bot);
    let compare_url = match (forge, &meta.previous_tag, &meta.tag) {
        (Some(f), Some(from), Some(to)) => Some(f.compare_url(from, to)),
        _ => None,
    };
    Release {
        package: meta.package.clone(),
        version: meta.version.clone(),
        tag: meta.tag.clone(),
        previous_tag: meta.previous_tag.clone(),
        commit: meta.commit.to_string(),
        date: short_date(meta.time.0, meta.time.1),
        compare_url,
        sections,
        contributors,
        bots,
        commits: commits.len(),
        entries,
    }
}

/// The first `CVE-YYYY-NNNN` in `text`.
fn find_cve(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(pos) = rest.find("CVE-") {
        let tail = &rest[pos + 4..];
        let year = tail.bytes().take_while(u8::is_ascii_digit).count();
        if year == 4 && tail.as_bytes().get(4) == Some(&b'-') {
            let number = tail[5..].bytes().take_while(u8::is_ascii_digit).count();
            if number >= 4 {
                return Some(format!("CVE-{}", &tail[..5 + number]));
            }
        }
        rest = tail;
    }
    None
}

// ---- release notes ----------------------------------------------------------------------------

/// The release notes of seed 004, as its JSON schema (`release_notes: …`) with a few
/// additions: `package`, each item's `commit`, `scope` and markdown forms, `bots`, and
/// `provenance.tag`.
#[derive(Debug, Clone, Serialize)]
pub struct Notes {
    /// The package name.
    pub package: String,
    /// `X.Y.Z`, or `null` when unreleased commits ask for no release.
    pub version: Option<String>,
    /// The date of the release commit, `YYYY-MM-DD`.
    pub release_date: String,
    /// `major`, `minor`, `patch`, `prerelease`, `initial` or `none`.
    pub release_type: String,
    /// A one-line summary of what the release holds.
    pub highlights: Vec<String>,
    /// The changes, per kind.
    pub changes: Changes,
    /// Always empty: known issues are not in the history.
    pub known_issues: Vec<KnownIssue>,
    /// What to do when upgrading, when there are breaking changes or deprecations.
    pub upgrade_notes: Option<String>,
    /// Human contributors, as `Name (@handle)` or `Name`.
    pub contributors: Vec<String>,
    /// Bots, listed apart.
    pub bots: Vec<String>,
    /// Where the release comes from.
    pub provenance: Provenance,
}

/// `changes` of [`Notes`].
#[derive(Debug, Clone, Serialize, Default)]
pub struct Changes {
    /// `feat` commits that are not breaking.
    pub features: Vec<NoteItem>,
    /// `perf` and `refactor` commits that are not breaking.
    pub improvements: Vec<NoteItem>,
    /// `fix` commits that are not breaking.
    pub bug_fixes: Vec<NoteItem>,
    /// Breaking changes of any type, with their migration.
    pub breaking_changes: Vec<NoteItem>,
    /// A `deprecate` type or a `DEPRECATED:` footer.
    pub deprecations: Vec<Deprecation>,
    /// A `security` type or scope, or a `CVE-` reference.
    pub security: Vec<SecurityItem>,
}

/// A feature, improvement, fix or breaking change in the notes.
#[derive(Debug, Clone, Serialize)]
pub struct NoteItem {
    /// The scope, or the description when there is none.
    pub title: String,
    /// The description.
    pub description: String,
    /// The scope.
    pub scope: Option<String>,
    /// The pull request (`(#12)` at the end of a squash-merge subject), as `#12`.
    pub pr_ref: Option<String>,
    /// The pull request, linked (markdown).
    pub pr_ref_md: Option<String>,
    /// The first issue reference (`Fixes #12`, `#12` in the text), as `#12`; never a pull
    /// request, so the notes do not call a pull request an issue.
    pub issue_ref: Option<String>,
    /// The migration note (breaking changes).
    pub migration: Option<String>,
    /// The full commit id.
    pub commit: String,
    /// The short id, linked (markdown).
    pub commit_md: String,
    /// The description with references linked (markdown).
    pub description_md: String,
    /// The issue reference, linked (markdown).
    pub issue_ref_md: Option<String>,
}

/// A deprecation in the notes.
#[derive(Debug, Clone, Serialize)]
pub struct Deprecation {
    /// What is deprecated.
    pub item: String,
    /// When it goes away: not in the history, so `null`.
    pub timeline: Option<String>,
    /// What replaces it: not in the history, so `null`.
    pub replacement: Option<String>,
    /// The full commit id.
    pub commit: String,
    /// The short id, linked (markdown).
    pub commit_md: String,
}

/// A security fix in the notes.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityItem {
    /// The CVE id, when the message names one.
    pub cve: Option<String>,
    /// Not in the history, so `null`.
    pub severity: Option<String>,
    /// The description.
    pub description: String,
    /// The full commit id.
    pub commit: String,
    /// The short id, linked (markdown).
    pub commit_md: String,
    /// The description with references linked (markdown).
    pub description_md: String,
}

/// A known issue (never filled from history; kept for the schema).
#[derive(Debug, Clone, Serialize)]
pub struct KnownIssue {
    /// The issue.
    pub issue: String,
    /// A workaround.
    pub workaround: Option<String>,
}

/// `provenance` of [`Notes`].
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// The release commit.
    pub commit: String,
    /// The release tag.
    pub tag: Option<String>,
    /// `GITHUB_RUN_ID` or `CI_PIPELINE_ID`, when set.
    pub build_id: Option<String>,
    /// Not checked here, so `null`.
    pub signed_by: Option<String>,
}

/// The release notes of `release`. `release_type` is the plan's bump, or the difference
/// to the previous version; `build_id` comes from the CI environment.
pub fn build_notes(release: &Release, release_type: &str, build_id: Option<String>) -> Notes {
    let item = |e: &Entry| {
        let pull = e.refs.iter().find(|r| r.kind == "pull");
        let issue = e.refs.iter().find(|r| r.kind == "issue");
        let linked = |r: &Reference| match &r.url {
            Some(url) => format!("[#{}]({url})", r.number),
            None => format!("#{}", r.number),
        };
        NoteItem {
            title: e.scope.clone().unwrap_or_else(|| e.description.clone()),
            description: e.description.clone(),
            scope: e.scope.clone(),
            pr_ref: pull.map(|r| format!("#{}", r.number)),
            pr_ref_md: pull.map(linked),
            issue_ref: issue.map(|r| format!("#{}", r.number)),
            migration: e.migration.clone(),
            commit: e.commit.clone(),
            commit_md: e.commit_md.clone(),
            description_md: e.description_md.clone(),
            issue_ref_md: issue.map(linked),
        }
    };
    let mut changes = Changes::default();
    for e in &release.entries {
        if e.breaking {
            changes.breaking_changes.push(item(e));
        } else {
            match e.kind.as_str() {
                "feat" => changes.features.push(item(e)),
                "perf" | "refactor" => changes.improvements.push(item(e)),
                "fix" => changes.bug_fixes.push(item(e)),
                _ => {}
            }
        }
        if let Some(text) = &e.deprecation {
            changes.deprecations.push(Deprecation {
                item: text.clone(),
                timeline: None,
                replacement: None,
                commit: e.commit.clone(),
                commit_md: e.commit_md.clone(),
            });
        }
        if e.security {
            changes.security.push(SecurityItem {
                cve: e.cve.clone(),
                severity: None,
                description: e.description.clone(),
                commit: e.commit.clone(),
                commit_md: e.commit_md.clone(),
                description_md: e.description_md.clone(),
            });
        }
    }
    let mut counts = Vec::new();
    for (n, one, many) in [
        (changes.breaking_changes.len(), "breaking change", "breaking changes"),
        (changes.features.len(), "new feature", "new features"),
        (changes.improvements.len(), "improvement", "improvements"),
        (changes.bug_fixes.len(), "bug fix", "bug fixes"),
        (changes.security.len(), "security fix", "security fixes"),
        (changes.deprecations.len(), "deprecation", "deprecations"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    let mut highlights = Vec::new();
    if !counts.is_empty() {
        let mut line = join_words(&counts);
        if let Some(prev) = &release.previous_tag {
            let _ = write!(line, " since {prev}");
        }
        highlights.push(line);
    }
    let mut upgrade = Vec::new();
    if !changes.breaking_changes.is_empty() {
        let from =
            release.previous_tag.as_deref().map(|p| format!(" from {p}")).unwrap_or_default();
        upgrade.push(format!(
            "Before upgrading{from}, apply the migration of each breaking change above."
        ));
    }
    if !changes.deprecations.is_empty() {
        upgrade.push("Move off the deprecated items before they are removed.".to_owned());
    }
    Notes {
        package: release.package.clone(),
        version: release.version.clone(),
        release_date: release.date.clone(),
        release_type: release_type.to_owned(),
        highlights,
        changes,
        known_issues: Vec::new(),
        upgrade_notes: (!upgrade.is_empty()).then(|| upgrade.join(" ")),
        contributors: release.contributors.iter().map(|p| p.display.clone()).collect(),
        bots: release.bots.iter().map(|p| p.display.clone()).collect(),
        provenance: Provenance {
            commit: release.commit.clone(),
            tag: release.tag.clone(),
            build_id,
            signed_by: None,
        },
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The release type of `version` after `previous` (for a past release).
///
/// ```
/// use git_release::changelog::release_type;
/// let v = |s| semver::Version::parse(s).unwrap();
/// assert_eq!(release_type(&v("2.0.0"), Some(&v("1.9.3"))), "major");
/// assert_eq!(release_type(&v("1.2.0-rc.1"), Some(&v("1.1.0"))), "prerelease");
/// assert_eq!(release_type(&v("0.1.0"), None), "initial");
/// ```
pub fn release_type(version: &Version, previous: Option<&Version>) -> &'static str {
    match previous {
        _ if !version.pre.is_empty() => "prerelease",
        None => "initial",
        Some(p) if version.major != p.major => "major",
        Some(p) if version.minor != p.minor => "minor",
        Some(_) => "patch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_go_after_the_header_and_keep_every_byte() {
        let old =
            "# Changelog\n\nHand-written intro.\n\n## 1.0.0 (2020-01-01)\n\n- a\n\n[link]: x\n";
        let ins =
            insert_section(Some(old), "## 1.1.0 (2020-02-01)\n\n- b\n", "1.1.0").expect("inserts");
        assert_eq!(
            ins.content,
            "# Changelog\n\nHand-written intro.\n\n## 1.1.0 (2020-02-01)\n\n- b\n\n## 1.0.0 (2020-01-01)\n\n- a\n\n[link]: x\n"
        );
        assert!(insert_section(Some(&ins.content), "## 1.1.0\n", "1.1.0").is_none());
        // No header at all: before the first release heading; free text only: at the end.
        let ins = insert_section(Some("## [1.0.0]\n"), "## 1.1.0\n", "1.1.0").expect("inserts");
        assert_eq!(ins.content, "## 1.1.0\n\n## [1.0.0]\n");
        let ins = insert_section(Some("notes"), "## 1.1.0\n", "1.1.0").expect("inserts");
        assert_eq!(ins.content, "notes\n\n## 1.1.0\n");
        // A heading in a code fence is not a release heading.
        assert!(!has_section("```\n## 1.1.0\n```\n", "1.1.0"));
        assert!(has_section("## [v1.1.0](u) (d)\n", "1.1.0"));
        assert!(!has_section("## 1.1.0-rc.1\n", "1.1.0"));
    }

    #[test]
    fn diff_of_a_new_file_and_of_a_missing_final_newline() {
        let diff = file_diff("CHANGELOG.md", None, "# Changelog\n");
        assert_eq!(diff, "--- /dev/null\n+++ b/CHANGELOG.md\n@@ -0,0 +1 @@\n+# Changelog\n");
        let diff = file_diff("CHANGELOG.md", Some("a"), "b\na");
        assert!(diff.ends_with("+b\n a\n\\ No newline at end of file\n"), "{diff}");
    }

    #[test]
    fn diff_shows_the_insertion_with_context() {
        let old = "# Changelog\n\n## 1.0.0\n";
        let ins = insert_section(Some(old), "## 1.1.0\n", "1.1.0").expect("inserts");
        assert_eq!(
            file_diff("CHANGELOG.md", Some(old), &ins.content),
            "--- a/CHANGELOG.md\n+++ b/CHANGELOG.md\n@@ -1,3 +1,5 @@\n # Changelog\n \n+## 1.1.0\n+\n ## 1.0.0\n"
        );
    }

    #[test]
    fn cve_and_co_authors() {
        assert_eq!(find_cve("fix: x\n\nRefs: CVE-2024-12345."), Some("CVE-2024-12345".into()));
        assert_eq!(find_cve("CVE-12"), None);
        let people =
            co_authors("feat: x\n\nCo-authored-by: A B <a@x.org>\nco-authored-by: C <c@x.org>");
        assert_eq!(people.len(), 2);
        assert_eq!(people[1].email, "c@x.org");
    }
}
