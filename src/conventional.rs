//! Commit classification: a commit message parsed as a Conventional Commit, and the bump it
//! asks for under the configured rules.
//!
//! Parsing is done by the `git-conventional` crate; this module adds what the spec of this
//! tool says on top (DESIGN.md › Version inference, issue 2):
//! - `type!:` on any type, or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer, is breaking;
//!   the body is never scanned for those words;
//! - a `Release-As: X.Y.Z` footer sets the version outright, on any commit;
//! - a message that is not a Conventional Commit asks for no bump and is reported.

use std::collections::BTreeMap;

use semver::Version;

use crate::version::Level;

/// What one commit message says, once parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// Whether the message parsed as a Conventional Commit.
    pub conventional: bool,
    /// The commit type, lowercased (`feat`, `fix`…), or `None` when not conventional.
    pub kind: Option<String>,
    /// The scope inside the parentheses, if any.
    pub scope: Option<String>,
    /// Whether the commit declares a breaking change (`!` or a breaking footer).
    pub breaking: bool,
    /// The text of the `BREAKING CHANGE:` footer, or the description for `!` alone.
    pub breaking_description: Option<String>,
    /// The description after `type(scope): `, or the first line when not conventional.
    pub description: String,
    /// The first line of the message, as written.
    pub summary: String,
    /// The version of a `Release-As:` footer, when present and a valid semver.
    pub release_as: Option<Version>,
    /// Footers as `(token, value)` pairs, in order (empty when not conventional).
    pub footers: Vec<(String, String)>,
    /// The body between the header and the footers, if any.
    pub body: Option<String>,
    /// Whether a line of the body or footers starts with `BREAKING CHANGE` or
    /// `BREAKING-CHANGE` followed by a colon or a space, as the angular parser of
    /// conventional-changelog accepts; counts only under `[bump] lenient_footers`.
    pub lenient_breaking: bool,
}

/// Parses `message` (the raw commit message, any line endings, possibly lossy UTF-8).
///
/// Never fails: a message that is not a Conventional Commit gives `conventional: false`.
///
/// ```
/// use git_release::conventional::classify;
/// let c = classify("feat(api)!: drop v1 endpoints\n\nBREAKING CHANGE: use /v2\n");
/// assert!(c.conventional && c.breaking);
/// assert_eq!(c.kind.as_deref(), Some("feat"));
/// assert_eq!(c.scope.as_deref(), Some("api"));
/// assert!(!classify("Merge branch 'x'").conventional);
/// // The body is not scanned for the words: only footers count.
/// assert!(!classify("fix: x\n\nthis is not a BREAKING CHANGE: really\nmore text").breaking);
/// ```
pub fn classify(message: &str) -> Classified {
    // Most messages have no carriage return: skip the copy (a quarter of this function's
    // time on a 20,000-commit range when it was unconditional).
    let normalized: std::borrow::Cow<'_, str> =
        if message.contains('\r') { message.replace("\r\n", "\n").into() } else { message.into() };
    let trimmed = normalized.trim();
    let summary = trimmed.lines().next().unwrap_or_default().trim_end().to_owned();
    match git_conventional::Commit::parse(trimmed) {
        Ok(commit) => {
            let footers: Vec<(String, String)> = commit
                .footers()
                .iter()
                .map(|f| (f.token().as_str().to_owned(), f.value().trim().to_owned()))
                .collect();
            let release_as = footers
                .iter()
                .find(|(token, _)| token.eq_ignore_ascii_case("release-as"))
                .and_then(|(_, value)| Version::parse(value.trim().trim_start_matches('v')).ok());
            Classified {
                conventional: true,
                kind: Some(commit.type_().as_str().to_ascii_lowercase()),
                scope: commit.scope().map(|s| s.as_str().to_owned()),
                breaking: commit.breaking(),
                breaking_description: commit.breaking_description().map(str::to_owned),
                description: commit.description().to_owned(),
                summary,
                release_as,
                footers,
                body: commit.body().map(str::to_owned),
                lenient_breaking: lenient_breaking(trimmed),
            }
        }
        Err(_) => Classified {
            conventional: false,
            kind: None,
            scope: None,
            breaking: false,
            breaking_description: None,
            description: summary.clone(),
            release_as: release_as_in_trailers(trimmed),
            summary,
            footers: Vec::new(),
            body: None,
            lenient_breaking: false,
        },
    }
}

/// Finds `Release-As: X.Y.Z` in the last paragraph of a message that is not conventional,
/// so the override works on any commit, as the issue asks.
fn release_as_in_trailers(message: &str) -> Option<Version> {
    let last = message.rsplit("\n\n").next()?;
    last.lines().find_map(|line| {
        let (token, value) = line.split_once(':')?;
        token
            .trim()
            .eq_ignore_ascii_case("release-as")
            .then(|| Version::parse(value.trim().trim_start_matches('v')).ok())
            .flatten()
    })
}

/// Whether a line after the header starts with `BREAKING CHANGE` or `BREAKING-CHANGE` and
/// then a colon or whitespace: the angular parser's note keywords (conventional-changelog's
/// `noteKeywords`), which also accept the footer without its colon.
fn lenient_breaking(message: &str) -> bool {
    message.lines().skip(1).any(|line| {
        let line = line.trim_start_matches([' ', '\t', '*']);
        ["BREAKING CHANGE", "BREAKING-CHANGE"].iter().any(|key| {
            line.strip_prefix(key)
                .and_then(|rest| rest.chars().next())
                .is_some_and(|c| c == ':' || c.is_whitespace())
        })
    })
}

/// One `[[bump.rule]]` entry: the bump of a commit type in the scopes a glob matches,
/// e.g. `feat` in scope `ci` → patch. Breaking changes are not affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BumpRule {
    /// The commit type, lowercase.
    pub kind: String,
    /// A glob (`*`, `?`) over the scope; a commit without a scope never matches.
    pub scope: String,
    /// The bump of a matching commit.
    pub bump: Level,
}

impl BumpRule {
    /// Whether the rule applies to a commit of type `kind` (lowercase) with `scope`.
    pub fn matches(&self, kind: &str, scope: Option<&str>) -> bool {
        self.kind == kind
            && scope.is_some_and(|s| crate::glob::glob_match(&self.scope, &s.to_ascii_lowercase()))
    }
}

/// The bump rules of `[bump]` (DESIGN.md › Configuration), with defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BumpRules {
    /// Bump per commit type (lowercase), e.g. `feat` → minor.
    pub types: BTreeMap<String, Level>,
    /// Bump for every type not in `types`.
    pub other: Level,
    /// Bump of a breaking change while the version is `0.y.z`.
    pub breaking_before_1_0: Level,
    /// Bump of a `feat` while the version is `0.y.z`.
    pub feat_before_1_0: Level,
    /// `[[bump.rule]]` entries, in file order: the first that matches a commit decides its
    /// bump (before `feat_before_1_0` and the per-type bumps).
    pub rules: Vec<BumpRule>,
    /// `lenient_footers`: also count `BREAKING CHANGE` without a colon (see
    /// [`Classified::lenient_breaking`]).
    pub lenient_footers: bool,
    /// `changesets`: read `.changeset/*.md` change files as bump sources; `None` means on
    /// when the repository has a `.changeset` folder.
    pub changesets: Option<bool>,
}

impl Default for BumpRules {
    fn default() -> Self {
        let types = [
            ("feat", Level::Minor),
            ("fix", Level::Patch),
            ("perf", Level::Patch),
            ("revert", Level::Patch),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Self {
            types,
            other: Level::None,
            breaking_before_1_0: Level::Minor,
            feat_before_1_0: Level::Minor,
            rules: Vec::new(),
            lenient_footers: false,
            changesets: None,
        }
    }
}

impl BumpRules {
    /// The bump one commit asks for, given whether the package is still on `0.y.z`.
    ///
    /// ```
    /// use git_release::conventional::{classify, BumpRules};
    /// use git_release::version::Level;
    /// let rules = BumpRules::default();
    /// assert_eq!(rules.level(&classify("feat!: x"), false), Level::Major);
    /// assert_eq!(rules.level(&classify("feat!: x"), true), Level::Minor);
    /// assert_eq!(rules.level(&classify("feat: x"), true), Level::Minor);
    /// assert_eq!(rules.level(&classify("fix: x"), false), Level::Patch);
    /// assert_eq!(rules.level(&classify("chore: x"), false), Level::None);
    /// assert_eq!(rules.level(&classify("not conventional"), false), Level::None);
    /// ```
    pub fn level(&self, commit: &Classified, before_1_0: bool) -> Level {
        let Some(kind) = commit.kind.as_deref() else {
            return Level::None;
        };
        if self.is_breaking(commit) {
            return if before_1_0 { self.breaking_before_1_0 } else { Level::Major };
        }
        if let Some(rule) = self.rules.iter().find(|r| r.matches(kind, commit.scope.as_deref())) {
            return rule.bump;
        }
        if kind == "feat" && before_1_0 {
            return self.feat_before_1_0;
        }
        self.types.get(kind).copied().unwrap_or(self.other)
    }

    /// The bump of a non-breaking commit of type `kind` (lowercase) on `1.y.z`, before any
    /// `[[bump.rule]]`.
    pub fn level_of_type(&self, kind: &str) -> Level {
        self.types.get(kind).copied().unwrap_or(self.other)
    }

    /// Whether the commit counts as a breaking change under these rules (`lenient_footers`).
    pub fn is_breaking(&self, commit: &Classified) -> bool {
        commit.breaking || (self.lenient_footers && commit.lenient_breaking)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaking_footer_tokens_are_exact() {
        assert!(classify("fix: a\n\nBREAKING CHANGE: b").breaking);
        assert!(classify("fix: a\n\nBREAKING-CHANGE: b").breaking);
        assert!(!classify("fix: a\n\nBreaking change: b").breaking);
        assert!(!classify("fix: a\n\nwe note a BREAKING CHANGE here").breaking);
        assert_eq!(
            classify("refactor: a\n\nBREAKING CHANGE: call b()\ninstead")
                .breaking_description
                .as_deref(),
            Some("call b()\ninstead")
        );
    }

    #[test]
    fn bang_counts_on_any_type() {
        let rules = BumpRules::default();
        for msg in ["chore!: a", "docs(x)!: a", "ci!: a"] {
            let c = classify(msg);
            assert!(c.breaking, "{msg}");
            assert_eq!(rules.level(&c, false), Level::Major, "{msg}");
        }
    }

    #[test]
    fn release_as_footer_on_conventional_and_plain_messages() {
        assert_eq!(
            classify("chore(release): prepare\n\nRelease-As: 2.0.0").release_as,
            Some(Version::new(2, 0, 0))
        );
        assert_eq!(
            classify("Prepare 3.1.0\n\nRelease-As: v3.1.0").release_as,
            Some(Version::new(3, 1, 0))
        );
        assert_eq!(classify("chore: x\n\nRelease-As: soon").release_as, None);
    }

    #[test]
    fn crlf_and_trailing_space_are_tolerated() {
        let c = classify("feat(ui): add\r\n\r\nbody\r\n");
        assert!(c.conventional);
        assert_eq!(c.description, "add");
    }

    #[test]
    fn scope_rules_and_lenient_footers() {
        let rules = BumpRules {
            rules: vec![BumpRule { kind: "feat".into(), scope: "ci*".into(), bump: Level::Patch }],
            ..BumpRules::default()
        };
        assert_eq!(rules.level(&classify("feat(ci): a"), false), Level::Patch);
        assert_eq!(rules.level(&classify("feat(CI-docker): a"), false), Level::Patch);
        assert_eq!(rules.level(&classify("feat(api): a"), false), Level::Minor);
        assert_eq!(rules.level(&classify("feat: a"), false), Level::Minor);
        assert_eq!(rules.level(&classify("feat(ci)!: a"), false), Level::Major);
        let lenient = classify("fix: a\n\nBREAKING CHANGE the flag is gone");
        assert!(!lenient.breaking && lenient.lenient_breaking);
        assert_eq!(rules.level(&lenient, false), Level::Patch);
        let rules = BumpRules { lenient_footers: true, ..rules };
        assert_eq!(rules.level(&lenient, false), Level::Major);
        assert!(!classify("fix: BREAKING CHANGE in title only").lenient_breaking);
    }

    #[test]
    fn configured_rules_apply() {
        let mut rules = BumpRules {
            other: Level::Patch,
            feat_before_1_0: Level::Patch,
            ..BumpRules::default()
        };
        assert_eq!(rules.level(&classify("docs: a"), false), Level::Patch);
        assert_eq!(rules.level(&classify("feat: a"), true), Level::Patch);
        assert_eq!(rules.level(&classify("feat: a"), false), Level::Minor);
        rules.breaking_before_1_0 = Level::Major;
        assert_eq!(rules.level(&classify("fix!: a"), true), Level::Major);
    }
}
