//! Changelog sections and release notes from Conventional Commits (issue 5, DESIGN.md ›
//! Pipeline: the CHANGELOG step; seed 004 › Release Notes).
//!
//! The pieces, in the order a command uses them:
//! - [`package_tags`] and [`release_ranges`]: every release of a package rebuilt from history
//!   in one walk, each commit read once;
//! - [`build_release`]: commits grouped into the configured sections, with links to the
//!   forge ([`Forge`]), migration notes, and contributors;
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
use crate::git::read::{CommitDetails, Repo};
use crate::history::{self, PathTrie, TreeCache};
use crate::packages::Package;

/// The built-in template of one changelog section.
pub const CHANGELOG_TEMPLATE: &str = include_str!("../templates/changelog.md.j2");
/// The built-in template of release notes.
pub const NOTES_TEMPLATE: &str = include_str!("../templates/notes.md.j2");

/// The header a new changelog file starts with.
pub const DEFAULT_HEADER: &str = "# Changelog\n\n";

// ---- forge links --------------------------------------------------------------------------

/// The forges whose URLs are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeKind {
    /// github.com and GitHub Enterprise hosts with `github` in the name.
    GitHub,
    /// gitlab.com and hosts with `gitlab` in the name.
    GitLab,
    /// Gitea and Forgejo: hosts with `gitea` or `forgejo` in the name, and codeberg.org.
    Gitea,
    /// bitbucket.org.
    Bitbucket,
}

/// A repository on a known forge: builds links to commits, issues, pull requests and
/// comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forge {
    /// Which forge.
    pub kind: ForgeKind,
    /// `https://<host>/<owner>/<repo>`, without `.git`.
    pub base: String,
}

impl Forge {
    /// The forge of a remote URL, in https (`https://github.com/o/r.git`), ssh
    /// (`ssh://git@github.com:22/o/r.git`) or scp-like (`git@github.com:o/r.git`) form;
    /// `None` for a local path or a host that is not a known forge.
    ///
    /// ```
    /// use git_release::changelog::{Forge, ForgeKind};
    /// let f = Forge::from_remote_url("git@github.com:o/r.git").unwrap();
    /// assert_eq!((f.kind, f.base.as_str()), (ForgeKind::GitHub, "https://github.com/o/r"));
    /// let f = Forge::from_remote_url("https://me:token@gitlab.com/g/sub/r").unwrap();
    /// assert_eq!(f.base, "https://gitlab.com/g/sub/r");
    /// let f = Forge::from_remote_url("https://github.com/o/r.git?access_token=t#x").unwrap();
    /// assert_eq!(f.base, "https://github.com/o/r");
    /// assert!(Forge::from_remote_url("/srv/git/r.git").is_none());
    /// assert!(Forge::from_remote_url("https://git.example.com/o/r").is_none());
    /// ```
    pub fn from_remote_url(url: &str) -> Option<Forge> {
        // Links are built from the host and path alone: never a user part, a query or a
        // fragment, where tokens live (`?access_token=…`; issue 12, item 7).
        let url = url.trim();
        let url = url.split(['?', '#']).next().unwrap_or(url);
        let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
            if !matches!(scheme, "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git") {
                return None;
            }
            let (authority, path) = rest.split_once('/')?;
            let host = authority.rsplit('@').next()?;
            (host.split(':').next()?, path)
        } else {
            let (left, path) = url.split_once(':')?;
            if left.contains('/') || left.is_empty() {
                return None;
            }
            (left.rsplit('@').next()?, path)
        };
        let host = host.to_ascii_lowercase();
        let path = path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        if host.is_empty() || !path.contains('/') {
            return None;
        }
        let kind = if host.contains("github") {
            ForgeKind::GitHub
        } else if host.contains("gitlab") {
            ForgeKind::GitLab
        } else if host.contains("bitbucket") {
            ForgeKind::Bitbucket
        } else if host.contains("gitea") || host.contains("forgejo") || host == "codeberg.org" {
            ForgeKind::Gitea
        } else {
            return None;
        };
        // GitHub's ssh-over-443 host serves the same repositories as github.com.
        let host = if host == "ssh.github.com" { "github.com".to_owned() } else { host };
        Some(Forge { kind, base: format!("https://{host}/{path}") })
    }

    /// The page of commit `id`.
    pub fn commit_url(&self, id: &str) -> String {
        match self.kind {
            ForgeKind::GitHub | ForgeKind::Gitea => format!("{}/commit/{id}", self.base),
            ForgeKind::GitLab => format!("{}/-/commit/{id}", self.base),
            ForgeKind::Bitbucket => format!("{}/commits/{id}", self.base),
        }
    }

    /// The page of issue `number` (GitHub and Gitea redirect it to the pull request when
    /// the number is one).
    pub fn issue_url(&self, number: u64) -> String {
        match self.kind {
            ForgeKind::GitLab => format!("{}/-/issues/{number}", self.base),
            _ => format!("{}/issues/{number}", self.base),
        }
    }

    /// The page of pull request `number` (a `(#123)` at the end of a squash-merged
    /// subject); on GitLab `#123` names an issue, so the issue page.
    pub fn pull_url(&self, number: u64) -> String {
        match self.kind {
            ForgeKind::GitHub => format!("{}/pull/{number}", self.base),
            ForgeKind::Gitea => format!("{}/pulls/{number}", self.base),
            ForgeKind::Bitbucket => format!("{}/pull-requests/{number}", self.base),
            ForgeKind::GitLab => self.issue_url(number),
        }
    }

    /// The comparison of `from` (older) and `to` (newer).
    pub fn compare_url(&self, from: &str, to: &str) -> String {
        match self.kind {
            ForgeKind::GitHub | ForgeKind::Gitea => format!("{}/compare/{from}...{to}", self.base),
            ForgeKind::GitLab => format!("{}/-/compare/{from}...{to}", self.base),
            ForgeKind::Bitbucket => format!("{}/branches/compare/{to}%0D{from}", self.base),
        }
    }
}

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
/// use git_release::changelog::{Forge, link_references};
/// let f = Forge::from_remote_url("https://github.com/o/r").unwrap();
/// let (md, refs) = link_references("fix x, see #4 (#12)", Some(&f));
/// assert_eq!(md, "fix x, see [#4](https://github.com/o/r/issues/4) ([#12](https://github.com/o/r/pull/12))");
/// assert_eq!((refs[0].kind, refs[1].kind), ("issue", "pull"));
/// assert_eq!(link_references("a#1 &#12; #x", Some(&f)).1.len(), 0);
/// ```
pub fn link_references(text: &str, forge: Option<&Forge>) -> (String, Vec<Reference>) {
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
    let days = (seconds + i64::from(offset)).div_euclid(86_400);
    crate::waivers::Date::from_days(days).to_string()
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
    forge: Option<&Forge>,
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

// ---- templates --------------------------------------------------------------------------------

/// The changelog and notes templates, compiled, with strict undefined variables.
pub struct Templates {
    env: Environment<'static>,
    changelog: String,
    notes: String,
}

impl Templates {
    /// Compiles the built-in templates, or the user's (`[changelog] template` and
    /// `notes_template`, relative to `root`).
    ///
    /// # Errors
    /// A user template that cannot be read (exit 2), or a syntax error, named by file and
    /// line (exit 2).
    pub fn load(root: &Path, settings: &ChangelogSettings) -> Result<Templates> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        let mut names = Vec::new();
        for (user, builtin, name) in [
            (&settings.template, CHANGELOG_TEMPLATE, "changelog.md.j2"),
            (&settings.notes_template, NOTES_TEMPLATE, "notes.md.j2"),
        ] {
            let (name, source) = match user {
                Some(path) => {
                    let source = match crate::fsutil::read_text_inside(root, path) {
                        Ok(Some(source)) => source,
                        Ok(None) => {
                            return Err(Error::config(format!(
                                "cannot read the template `{path}`: it does not exist"
                            ))
                            .with_hint("fix `[changelog]` in the configuration file")
                            .into());
                        }
                        Err(e) => {
                            return Err(e.context(format!("cannot read the template `{path}`")));
                        }
                    };
                    (path.clone(), source)
                }
                None => (format!("<built-in {name}>"), builtin.to_owned()),
            };
            env.add_template_owned(name.clone(), source)
                .map_err(|e| template_error(&name, &e, Error::config))?;
            names.push(name);
        }
        let notes = names.pop().expect("two templates were added");
        let changelog = names.pop().expect("two templates were added");
        Ok(Templates { env, changelog, notes })
    }

    /// Renders one changelog section; the text ends with one newline.
    ///
    /// # Errors
    /// The template fails (an undefined variable, a bad filter): the error names the
    /// template, the line and the expression.
    pub fn changelog(&self, release: &Release) -> Result<String> {
        self.render(&self.changelog, minijinja::context! { release => minijinja::Value::from(minijinja::value::Serde(release)) })
    }

    /// Renders release notes; the text ends with one newline.
    ///
    /// # Errors
    /// As [`Templates::changelog`].
    pub fn notes(&self, notes: &Notes) -> Result<String> {
        self.render(
            &self.notes,
            minijinja::context! { notes => minijinja::Value::from(minijinja::value::Serde(notes)) },
        )
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String> {
        let template = self.env.get_template(name).expect("the template was added in `load`");
        let text = template.render(ctx).map_err(|e| template_error(name, &e, Error::failed))?;
        // Commit messages may carry terminal escapes; Markdown keeps none (issue 12, item 8).
        Ok(tidy(&crate::ui::markdown_safe(&text)))
    }
}

/// Trailing spaces off every line, at most one blank line in a row, one final newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A template error as ``template `NAME` line N: WHAT``, naming the expression for an
/// undefined variable.
fn template_error(name: &str, err: &minijinja::Error, kind: fn(String) -> Error) -> Error {
    let line = err.line().map(|l| format!(" line {l}")).unwrap_or_default();
    let what = match err.kind() {
        minijinja::ErrorKind::UndefinedError => {
            let expr = err
                .range()
                .and_then(|r| err.template_source().and_then(|s| s.get(r)))
                .map(|s| format!(" `{}`", s.trim()))
                .unwrap_or_default();
            format!("undefined variable{expr}")
        }
        minijinja::ErrorKind::SyntaxError => {
            format!("syntax error: {}", err.detail().unwrap_or("invalid template"))
        }
        other => match err.detail() {
            Some(detail) => format!("{other}: {detail}"),
            None => other.to_string(),
        },
    };
    kind(format!("template `{name}`{line}: {what}")).with_hint(
        "see the template variables in the README (Templates); `release` and `notes` are the roots",
    )
}

// ---- history: every release in one walk ------------------------------------------------------

/// A release tag of a package, peeled to its commit.
#[derive(Debug, Clone)]
pub struct TagVersion {
    /// The tag name.
    pub tag: String,
    /// The version it carries.
    pub version: Version,
    /// The tagged commit.
    pub commit: ObjectId,
}

/// Every tag of `package` that parses under one of its tag formats and points (through
/// annotated tags) at a commit, in ascending version order; a version tagged twice keeps
/// the tag of the first format.
///
/// # Errors
/// The refs or a tag object cannot be read.
pub fn package_tags(repo: &Repo, package: &Package) -> Result<Vec<TagVersion>> {
    let mut found: BTreeMap<Version, (usize, String, ObjectId, Option<ObjectId>)> = BTreeMap::new();
    for tag in repo.tags()? {
        let Some((rank, version)) = package
            .tag_formats
            .iter()
            .enumerate()
            .find_map(|(i, f)| f.parse_tag(&tag.name).map(|v| (i, v)))
        else {
            continue;
        };
        let better =
            found.get(&version).is_none_or(|(r, name, _, _)| (rank, &tag.name) < (*r, name));
        if better {
            found.insert(version, (rank, tag.name, tag.target, tag.peeled));
        }
    }
    let mut out = Vec::with_capacity(found.len());
    for (version, (_, tag, target, peeled)) in found {
        let commit = match peeled {
            Some(id) => Some(id),
            None => repo.peel(target)?,
        };
        if let Some(commit) = commit {
            out.push(TagVersion { tag, version, commit });
        }
    }
    Ok(out)
}

/// The commits of each release: for `starts[k]`, the commits reachable from it and from no
/// `starts[j]` with `j < k` — with `starts` in ascending version order, the commits since
/// the previous releases (`git log A..B` for a linear history). Each commit is read once
/// (from the commit-graph when there is one). Each list is newest first (committer time).
///
/// # Errors
/// A commit cannot be read.
pub fn release_ranges(
    repo: &Repo,
    starts: &[ObjectId],
    first_parent: bool,
) -> Result<Vec<Vec<ObjectId>>> {
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut buf = Vec::new();
    let mut out = Vec::with_capacity(starts.len());
    let mut stack: Vec<ObjectId> = Vec::new();
    for start in starts {
        let mut list: Vec<(i64, usize, ObjectId)> = Vec::new();
        stack.push(*start);
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let info = repo.commit_header(&id, &mut buf)?;
            list.push((info.time, list.len(), id));
            let take = if first_parent { 1 } else { usize::MAX };
            stack.extend(info.parents.iter().take(take).filter(|p| !seen.contains(*p)));
        }
        list.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        out.push(list.into_iter().map(|(_, _, id)| id).collect());
    }
    Ok(out)
}

/// Keeps the commits of `ids` that touch `path` (git log's TREESAME rule for merges: a
/// merge touches the path only when it differs there from every parent). `.` keeps all.
///
/// # Errors
/// A commit or tree cannot be read.
pub fn filter_by_path(repo: &Repo, ids: Vec<ObjectId>, path: &str) -> Result<Vec<ObjectId>> {
    if path == "." || ids.is_empty() {
        return Ok(ids);
    }
    let trie = PathTrie::new([(0, path)]);
    let keep = repo.parallel(&ids, 512, |repo, chunk| {
        let mut cache = TreeCache::default();
        let mut buf = Vec::new();
        chunk
            .iter()
            .map(|id| {
                let info = repo.commit_header(id, &mut buf)?;
                let mut parents = info.parents.iter();
                let Some(first) = parents.next() else {
                    return Ok(!history::changed(repo, &mut cache, &trie, Some(info.tree), None)?
                        .is_empty());
                };
                let mut touched = !history::changed(
                    repo,
                    &mut cache,
                    &trie,
                    Some(info.tree),
                    Some(repo.tree_of(first)?),
                )?
                .is_empty();
                for parent in parents {
                    if !touched {
                        break;
                    }
                    touched = !history::changed(
                        repo,
                        &mut cache,
                        &trie,
                        Some(info.tree),
                        Some(repo.tree_of(parent)?),
                    )?
                    .is_empty();
                }
                Ok(touched)
            })
            .collect()
    })?;
    Ok(ids.into_iter().zip(keep).filter(|(_, k)| *k).map(|(id, _)| id).collect())
}

/// Reads the details of `ids` once each, into a map.
///
/// # Errors
/// A commit cannot be read.
pub fn details_of(repo: &Repo, ids: &[ObjectId]) -> Result<HashMap<ObjectId, CommitDetails>> {
    let mut unique: Vec<ObjectId> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let details = repo.commit_details(&unique)?;
    Ok(unique.into_iter().zip(details).collect())
}

// ---- the changelog file --------------------------------------------------------------------------

/// Where and what [`insert_section`] inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insertion {
    /// The whole new file.
    pub content: String,
    /// The 0-based line of the old file the new text goes before.
    pub at_line: usize,
    /// The inserted text (whole lines).
    pub inserted: String,
}

/// Whether `text` has a release heading naming `version` (as `1.2.0`, `v1.2.0` or `[1.2.0]`;
/// `1.2.0-rc.1` does not name `1.2.0`): an ATX heading (`## …`, any level) or a setext
/// heading (a line underlined with `===` or `---`), outside code fences.
///
/// The one test of "this release has a section": the writer ([`insert_section`]) and the
/// `changelog_current` check both use it, so the check passes exactly when the writer would
/// leave the file alone.
///
/// ```
/// use git_release::changelog::has_section;
/// assert!(has_section("# Changelog\n\n## [1.2.0] - 2024-01-01\n", "1.2.0"));
/// assert!(has_section("v1.2.0\n------\n", "1.2.0"));
/// assert!(!has_section("```\n## 1.2.0\n```\n", "1.2.0"));
/// assert!(!has_section("## [1.2.1]\nsee 1.2.0\n", "1.2.0"));
/// ```
pub fn has_section(text: &str, version: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let mut fenced = false;
    lines.iter().enumerate().any(|(i, line)| {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            return false;
        }
        if fenced {
            return false;
        }
        let atx = trimmed.starts_with('#');
        let setext = !trimmed.is_empty()
            && lines.get(i + 1).is_some_and(|next| {
                let next = next.trim();
                !next.is_empty()
                    && (next.chars().all(|c| c == '=') || next.chars().all(|c| c == '-'))
            });
        (atx || setext)
            && line
                .split(|c: char| !(c.is_ascii_alphanumeric() || ".-+".contains(c)))
                .any(|token| token.strip_prefix('v').unwrap_or(token) == version)
    })
}

/// `(line index, line)` of the `## ` headings of `text` outside code fences.
fn headings(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut fenced = false;
    text.split_inclusive('\n').enumerate().filter_map(move |(i, line)| {
        let trimmed = line.trim_end();
        if trimmed.trim_start().starts_with("```") || trimmed.trim_start().starts_with("~~~") {
            fenced = !fenced;
            return None;
        }
        (!fenced && trimmed.starts_with("## ")).then_some((i, trimmed))
    })
}

/// Puts `section` into the changelog `existing` (`None`: no file yet).
///
/// - no file: [`DEFAULT_HEADER`] then the section;
/// - a section for `version` already there: `None`, nothing to do;
/// - otherwise the section goes before the first `## ` heading (after the file's header,
///   before the previous release), or at the end when there is none (a file of free text,
///   or a header only); a blank line separates it from the text around it.
///
/// Every byte of `existing` is kept, in order.
pub fn insert_section(existing: Option<&str>, section: &str, version: &str) -> Option<Insertion> {
    let Some(existing) = existing else {
        let content = format!("{DEFAULT_HEADER}{section}");
        return Some(Insertion { inserted: content.clone(), content, at_line: 0 });
    };
    if has_section(existing, version) {
        return None;
    }
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let at_line = headings(existing).next().map_or(lines.len(), |(i, _)| i);
    let before: String = lines[..at_line].concat();
    let after: String = lines[at_line..].concat();
    let mut inserted = String::new();
    if !before.is_empty() && !before.ends_with('\n') {
        inserted.push('\n');
    }
    if !before.is_empty() && !before.ends_with("\n\n") {
        inserted.push('\n');
    }
    inserted.push_str(section);
    if !after.is_empty() {
        inserted.push('\n');
    }
    let content = format!("{before}{inserted}{after}");
    Some(Insertion { content, at_line, inserted })
}

/// A unified diff from `old` (`None`: the file does not exist) to `new` for the file
/// `name`, with three lines of context, as `git diff` prints it. Made for an insertion:
/// one hunk spans the lines between the common head and the common tail.
pub fn file_diff(name: &str, old: Option<&str>, new: &str) -> String {
    let old_text = old.unwrap_or("");
    let a: Vec<&str> = old_text.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail =
        a[head..].iter().rev().zip(b[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    let from = head.saturating_sub(3);
    let (a_end, b_end) = ((a.len() - tail + 3).min(a.len()), (b.len() - tail + 3).min(b.len()));
    let range = |start: usize, count: usize| {
        if count == 0 { format!("{start},0") } else { format!("{},{count}", start + 1) }
    };
    let mut out = String::new();
    let old_name = if old.is_some() { format!("a/{name}") } else { "/dev/null".to_owned() };
    let _ = writeln!(
        out,
        "--- {old_name}\n+++ b/{name}\n@@ -{} +{} @@",
        range(from, a_end - from),
        range(from, b_end - from)
    );
    let mut line = |prefix: char, text: &str| {
        out.push(prefix);
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    };
    for text in &a[from..head] {
        line(' ', text);
    }
    for text in &a[head..a.len() - tail] {
        line('-', text);
    }
    for text in &b[head..b.len() - tail] {
        line('+', text);
    }
    for text in &a[a.len() - tail..a_end] {
        line(' ', text);
    }
    out
}

/// Reads the changelog `shown` (relative to the work tree `root`): `None` when it does not
/// exist. A symbolic link out of the repository is not followed
/// ([`crate::fsutil::read_inside`]).
///
/// # Errors
/// The file cannot be read, leads out of the repository, or is not UTF-8 (named with the
/// byte offset; nothing is written then).
pub fn read_changelog(root: &Path, shown: &str) -> Result<Option<String>> {
    let Some(bytes) = crate::fsutil::read_inside(root, shown)? else { return Ok(None) };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(e) => Err(Error::failed(format!(
            "`{shown}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
        .with_hint(
            "convert the file to UTF-8 (`iconv -t UTF-8`), then run again; nothing was written",
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_urls_in_every_form() {
        for (url, base) in [
            ("https://github.com/o/r.git", "https://github.com/o/r"),
            ("git@github.com:o/r.git", "https://github.com/o/r"),
            ("ssh://git@ssh.github.com:443/o/r.git", "https://github.com/o/r"),
            ("git@gitlab.com:group/sub/r.git", "https://gitlab.com/group/sub/r"),
            ("https://codeberg.org/o/r", "https://codeberg.org/o/r"),
            ("git@bitbucket.org:o/r.git", "https://bitbucket.org/o/r"),
        ] {
            assert_eq!(Forge::from_remote_url(url).map(|f| f.base), Some(base.to_owned()), "{url}");
        }
        for url in ["file:///srv/r.git", "../r.git", "https://example.com/o/r", "C:\\r"] {
            assert!(Forge::from_remote_url(url).is_none(), "{url}");
        }
        let gl = Forge::from_remote_url("git@gitlab.com:g/r.git").expect("gitlab");
        assert_eq!(gl.commit_url("abc"), "https://gitlab.com/g/r/-/commit/abc");
        assert_eq!(gl.compare_url("v1", "v2"), "https://gitlab.com/g/r/-/compare/v1...v2");
    }

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
