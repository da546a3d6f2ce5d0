//! Configuration: sources, precedence, validation (DESIGN.md › Configuration).
//!
//! Sources, highest first: command-line flags (applied by the commands), environment
//! (`GIT_RELEASE_*`), git config keys under `release.*`, the TOML file (`git-release.toml`
//! at the repository root, or `.config/git-release.toml`, or a `release.toml` that is ours, or
//! `--config FILE`; see [`find`]), built-in defaults. A
//! missing file means defaults. Unknown keys, wrong types and bad values are errors that name
//! the file, the line and the key.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use semver::Version;
use serde::Deserialize;
use toml::Spanned;

use crate::conventional::BumpRules;
use crate::error::Error;
use crate::version::{Level, TagFormat};

pub mod cadence;
mod file;
mod load;
mod locate;
pub mod sync;
pub mod train;
mod values;

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use file::*;
pub use load::*;
pub use locate::*;
#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use values::*;
pub use values::{normalize_file, normalize_path};

/// The default tag format of a single-package repository.
pub const DEFAULT_TAG_FORMAT: &str = "v{version}";
/// The default tag format of a `[[package]]` entry.
pub const DEFAULT_PACKAGE_TAG_FORMAT: &str = "{name}/v{version}";
/// The suggested `release.email_pattern` (seed 000's): a GitHub noreply address,
/// `ID+user@…` or `user@…`. Not a default: unset, `noreply_email` is skipped.
pub const DEFAULT_EMAIL_PATTERN: &str = "*@users.noreply.github.com";

/// How a release reaches the release branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A release branch, a pull request, then a squash merge.
    Pr,
    /// A release commit pushed straight to the release branch.
    Direct,
}

/// `release.dependents`: what a package with no changes of its own gets when a package it
/// depends on is released in the same run (issue 7 item 4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dependents {
    /// Nothing: it is released only for its own commits.
    #[default]
    None,
    /// A patch release, whose reason names the dependency.
    Patch,
}

/// `release.pr`: how many release pull requests a run of a repository opens (issue 7 item 5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrLayout {
    /// One pull request per package.
    #[default]
    PerPackage,
    /// One pull request for every package of the repository.
    Single,
}

/// How a `[[group]]` ties its members' versions (issue 7 item 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupMode {
    /// The members always share one version: the highest bump of any member applies to all,
    /// and all are released together.
    Fixed,
    /// The members share the bump level, only among those released together.
    Linked,
}

/// One `[[group]]` entry, validated: its packages exist and belong to no other group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group's name.
    pub name: String,
    /// Its member packages.
    pub packages: Vec<String>,
    /// How their versions are tied.
    pub mode: GroupMode,
    /// Where the entry is, as `file:line`.
    pub location: String,
}

/// The configuration, resolved from every source.
#[derive(Debug, Clone)]
pub struct Config {
    /// The TOML file that was read, if any.
    pub file: Option<PathBuf>,
    /// `release.remote`: the remote releases are pushed to.
    pub remote: String,
    /// `release.branch`: the release branch.
    pub branch: String,
    /// `release.mode`.
    pub mode: Mode,
    /// `release.tag_format`: the tag formats of a single-package repository, the first names new tags.
    pub tag_format: Vec<String>,
    /// Whether `release.tag_format` was given (flag, environment, git config or file). When
    /// it was not, the single package's formats are detected from the tags present
    /// (`onboard::detect_formats`, issue 15 item 3).
    pub tag_format_set: bool,
    /// `release.initial_version`: the first version of a package with no tag and no version file.
    pub initial_version: Version,
    /// `release.protected_branches`.
    pub protected_branches: Vec<String>,
    /// `release.changelog`: the changelog file, relative to a package.
    pub changelog: String,
    /// `release.first_parent`: walk only first parents of merges.
    pub first_parent: bool,
    /// `release.strict`: non-conventional commits and drift are errors.
    pub strict: bool,
    /// `release.strict_commits`: the commit-msg hook rejects messages that are not
    /// Conventional Commits.
    pub strict_commits: bool,
    /// `release.email_pattern`: a glob (`*`, `?`) the committer's email must match for the
    /// `noreply_email` check (seed 000 › waivable checks, which uses
    /// [`DEFAULT_EMAIL_PATTERN`]); `None` when unset, and the check is skipped: a newcomer
    /// without a noreply address is not failed by a rule they did not ask for.
    pub email_pattern: Option<String>,
    /// `release.docs`: files (relative to the repository root) that the `stale_docs` check
    /// reads for mentions of older versions of a package.
    pub docs: Vec<String>,
    /// `release.blocker_label`: open forge issues with this label block a release
    /// (`release_blockers` check); unset means no such check.
    pub blocker_label: Option<String>,
    /// `release.required_env`: environment variables that must be set and non-empty for a
    /// release (`required_env` check), such as publish tokens (seed 001 › Preconditions).
    pub required_env: Vec<String>,
    /// `release.file_blockers`: when a run fails, open one forge issue per failed package
    /// (`gh issue create --label <blocker_label or release-blocker>`), seed 001's failure
    /// handling.
    pub file_blockers: bool,
    /// `release.dependents`.
    pub dependents: Dependents,
    /// `release.pr`; unset means single in a monorepo (issue 7 item 5), per package otherwise.
    pub pr_layout: Option<PrLayout>,
    /// `[[group]]` entries.
    pub groups: Vec<Group>,
    /// `[bump]`.
    pub bump: BumpRules,
    /// `[forge]`.
    pub forge: Forge,
    /// `[commands]`.
    pub commands: Commands,
    /// `[[package]]` entries, in file order; empty means one package at `.`.
    pub packages: Vec<PackageConfig>,
    /// `[[waiver]]` entries.
    pub waivers: Vec<Waiver>,
    /// `[changelog]`: sections, hidden types and templates of changelogs and release notes.
    pub changelog_settings: ChangelogSettings,
    /// `[[sync]]` entries, in file order (issue 18; validated by [`crate::config::sync`]).
    pub syncs: Vec<crate::config::sync::SyncEntry>,
    /// `[cadence]`: what each bump level needs and when it may go out (issue 17 item 7;
    /// validated by [`crate::config::cadence`]).
    pub cadence: crate::config::cadence::Cadence,
    /// `[train]`: RC branch names and the promotion flow (issue 17; validated by
    /// [`crate::config::train`]).
    pub train: crate::config::train::Train,
}

impl Config {
    /// The changelog file of the package `name` at `path`, relative to the repository root:
    /// its `[[package]] changelog`, else `release.changelog` in its path.
    pub fn changelog_of(&self, name: &str, path: &str) -> String {
        if let Some(file) =
            self.packages.iter().find(|p| p.name == name).and_then(|p| p.changelog.clone())
        {
            return file;
        }
        if path == "." { self.changelog.clone() } else { format!("{path}/{}", self.changelog) }
    }
}

/// `[changelog]`: how changelog sections and release notes are rendered (issue 5).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangelogSettings {
    /// The sections, in order: a title and the commit types listed under it. The type `!`
    /// stands for breaking changes, `*` for every visible type no other section lists.
    #[serde(default = "default_sections")]
    pub sections: Vec<ChangelogSection>,
    /// Commit types never listed (a `chore(release)` commit is never listed either).
    #[serde(default = "default_hidden")]
    pub hidden: Vec<String>,
    /// A minijinja template for one changelog section, relative to the repository root,
    /// instead of the built-in one.
    pub template: Option<String>,
    /// A minijinja template for release notes, relative to the repository root.
    pub notes_template: Option<String>,
}

/// One `[[changelog.sections]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangelogSection {
    /// The heading, e.g. `Features`.
    pub title: String,
    /// Commit types (lowercase) listed under it; `!` = breaking, `*` = the rest.
    pub types: Vec<String>,
}

fn default_sections() -> Vec<ChangelogSection> {
    [
        ("Breaking Changes", "!"),
        ("Features", "feat"),
        ("Bug Fixes", "fix"),
        ("Performance", "perf"),
        ("Reverts", "revert"),
        ("Documentation", "docs"),
        ("Other", "*"),
    ]
    .into_iter()
    .map(|(title, kind)| ChangelogSection { title: title.to_owned(), types: vec![kind.to_owned()] })
    .collect()
}

fn default_hidden() -> Vec<String> {
    ["chore", "ci", "style", "test", "build"].into_iter().map(str::to_owned).collect()
}

impl Default for ChangelogSettings {
    fn default() -> Self {
        Self {
            sections: default_sections(),
            hidden: default_hidden(),
            template: None,
            notes_template: None,
        }
    }
}

/// Which forge a release talks to: `[forge] kind`, or `--forge` on `run`, `resume` and
/// `check` (issue 14, item 5).
///
/// `github` goes through `gh` (`forge::github`). `none` releases with no forge at all, for
/// GitLab, Gitea and self-hosted users: direct mode only, with no pull request, no forge
/// release and no blocker issues, and the forge checks skipped. Another forge (`glab`,
/// `tea`) is a further kind with its own implementation of `forge::Forge`: the release layer
/// speaks only in `forge::Request`s.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Deserialize,
    serde::Serialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    /// GitHub, through the `gh` CLI.
    #[default]
    Github,
    /// No forge: tags and commits go to the remote with git alone.
    None,
}

impl ForgeKind {
    /// Whether this is the default, `github` (not written into a run's state, so the
    /// configuration hash of a state written before the field existed still holds).
    pub fn is_github(&self) -> bool {
        *self == Self::Github
    }

    /// The name the configuration and the command line use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Github => "github",
            Self::None => "none",
        }
    }
}

/// `[forge]`: how `gh` calls are retried.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Forge {
    /// `forge.kind`: `github` (the default, through `gh`) or `none` (no forge: direct mode
    /// only); see [`ForgeKind`].
    #[serde(default, skip_serializing_if = "ForgeKind::is_github")]
    pub kind: ForgeKind,
    /// Attempts per call.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Base of the exponential delay, in milliseconds.
    #[serde(default = "default_base_delay_ms")]
    pub base_delay_ms: u64,
    /// The GitHub Actions workflow a pushed release tag starts (e.g. `release`): the
    /// PUBLISHED step waits for its run and fails when the run fails.
    #[serde(default)]
    pub wait_workflow: Option<String>,
    /// How long to wait for that run to appear and finish, in seconds; also the limit of
    /// `gh pr checks --watch`.
    #[serde(default = "default_wait_timeout_secs")]
    pub wait_timeout_secs: u64,
    /// The time limit of every other `gh` call, in seconds (`GIT_RELEASE_FORGE_TIMEOUT_SECS`
    /// overrides it); a call past it is killed and its step fails with `TIMEOUT`.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

impl Forge {
    /// `timeout_secs` as a duration.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs)
    }

    /// `wait_timeout_secs` as a duration.
    pub fn wait_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.wait_timeout_secs)
    }
}

/// The bounds `load` keeps the numbers of `[forge]` and `[commands]` in (issue 12, item 6):
/// a `base_delay_ms` of `u64::MAX` would sleep for ever, a `retries` of a billion would never
/// give up, and a zero time limit would kill every call at once.
pub mod limits {
    /// `forge.retries`: at most this many attempts per call.
    pub const MAX_RETRIES: u64 = 20;
    /// `forge.base_delay_ms`: at most one minute.
    pub const MAX_BASE_DELAY_MS: u64 = 60_000;
    /// Every `timeout_secs`: at least one second, at most a day.
    pub const TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=86_400;
}

fn default_timeout_secs() -> u64 {
    300
}

fn default_command_timeout_secs() -> u64 {
    3600
}

fn default_wait_timeout_secs() -> u64 {
    1800
}

fn default_retries() -> u32 {
    3
}

fn default_base_delay_ms() -> u64 {
    1000
}

impl Default for Forge {
    fn default() -> Self {
        Self {
            kind: ForgeKind::default(),
            retries: default_retries(),
            base_delay_ms: default_base_delay_ms(),
            wait_workflow: None,
            wait_timeout_secs: default_wait_timeout_secs(),
            timeout_secs: default_timeout_secs(),
        }
    }
}

/// `[commands]`: commands run in a package's worktree, argv split, `{name}` `{version}` `{tag}` expanded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Commands {
    /// Refreshes lock files after the bump.
    pub lock: Option<String>,
    /// Lints the release commit (not auto-fixed).
    pub lint: Option<String>,
    /// Runs the package's tests.
    pub test: Option<String>,
    /// Publishes the package.
    pub publish: Option<String>,
    /// Withdraws a published version from its registry when the release is rolled back
    /// (`git release rollback TAG`), e.g. `cargo yank --version {version}`; run at the
    /// repository root.
    pub yank: Option<String>,
    /// The time limit of each of these commands, in seconds (default an hour): past it the
    /// command is killed and its step fails with `TIMEOUT`.
    #[serde(default = "default_command_timeout_secs")]
    pub timeout_secs: u64,
}

impl Default for Commands {
    fn default() -> Self {
        Self {
            lock: None,
            lint: None,
            test: None,
            publish: None,
            yank: None,
            timeout_secs: default_command_timeout_secs(),
        }
    }
}

impl Commands {
    /// `timeout_secs` as a duration.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs)
    }
}

/// One `[[package]]` entry, validated.
#[derive(Debug, Clone)]
pub struct PackageConfig {
    /// The package name, unique.
    pub name: String,
    /// Its path relative to the repository root, `/`-separated, `.` for the root.
    pub path: String,
    /// Its tag formats (`{name}` expanded); the first names new tags, all are read.
    pub tag_formats: Vec<TagFormat>,
    /// Its version files relative to the repository root; empty means "detect".
    pub version_files: Vec<String>,
    /// Names of packages it depends on, besides those its manifests declare.
    pub depends_on: Vec<String>,
    /// Its changelog file relative to the repository root, when set; otherwise
    /// `<path>/<release.changelog>`.
    pub changelog: Option<String>,
    /// `[[package.replace]]` rules the BUMPED step applies, in order.
    pub replace: Vec<Replace>,
    /// Where the entry is, as `file:line`, for error messages.
    pub location: String,
}

/// One `[[package.replace]]` rule: in `file`, replace every match of the regex `search` by
/// `replace` (`{version}`, `{name}` and `{tag}` expanded; `$1`, `${name}` name groups). The
/// rule must match exactly `exactly` times (at least once when unset), else BUMPED fails.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Replace {
    /// The file, relative to the repository root.
    pub file: String,
    /// The regex to find.
    pub search: String,
    /// The replacement.
    pub replace: String,
    /// The required number of matches.
    #[serde(default)]
    pub exactly: Option<usize>,
}

/// One `[[waiver]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The check it waives.
    pub check: String,
    /// A package name or glob; `*` is every package and whole-repository releases.
    #[serde(default = "star")]
    pub package: String,
    /// Why; required.
    pub reason: String,
    /// The last day it waives, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Where the entry is, as `file:line`, for error messages (not a key of the file).
    #[serde(skip)]
    pub location: String,
}

fn star() -> String {
    "*".to_owned()
}

/// Read access to git config, so this module does not depend on gix types.
pub trait GitConfig {
    /// The last value of `key` (`section.name`, case-insensitive), if set.
    fn value(&self, key: &str) -> Option<String>;
    /// Every value of a multi-valued `key`, in order.
    fn values(&self, key: &str) -> Vec<String>;
}

/// A [`GitConfig`] with no values, for contexts with no repository.
pub struct NoGitConfig;

impl GitConfig for NoGitConfig {
    fn value(&self, _key: &str) -> Option<String> {
        None
    }
    fn values(&self, _key: &str) -> Vec<String> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(Vec<(&'static str, &'static str)>);

    impl GitConfig for Fake {
        fn value(&self, key: &str) -> Option<String> {
            self.0
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| (*v).to_owned())
        }
        fn values(&self, key: &str) -> Vec<String> {
            self.0
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| (*v).to_owned())
                .collect()
        }
    }

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("release.toml");
        std::fs::write(&path, text).expect("write config");
        (dir, path)
    }

    fn err_text(text: &str) -> String {
        let (_dir, path) = write(text);
        let err = load(Some(&path), &NoGitConfig, &[]).expect_err("should fail");
        format!("{err:#}")
    }

    #[test]
    fn defaults_without_a_file() {
        let c = load(None, &NoGitConfig, &[]).expect("defaults load");
        assert_eq!(c.remote, "origin");
        assert_eq!(c.tag_format, vec!["v{version}"]);
        assert_eq!(c.initial_version, Version::new(0, 1, 0));
        assert_eq!(c.bump, BumpRules::default());
        assert!(c.packages.is_empty());
    }

    #[test]
    fn precedence_env_over_git_over_file() {
        let (_d, path) =
            write("[release]\nremote = \"file\"\nbranch = \"file\"\nchangelog = \"file.md\"\n");
        let git = Fake(vec![("release.remote", "git"), ("release.branch", "git")]);
        let env = vec![("GIT_RELEASE_REMOTE".to_owned(), "env".to_owned())];
        let c = load(Some(&path), &git, &env).expect("loads");
        assert_eq!(c.remote, "env");
        assert_eq!(c.branch, "git");
        assert_eq!(c.changelog, "file.md");
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let msg = err_text("[release]\nremote = \"o\"\ntag_fromat = \"v{version}\"\n");
        assert!(msg.contains("release.toml:3:"), "{msg}");
        assert!(msg.contains("tag_fromat"), "{msg}");
    }

    #[test]
    fn wrong_type_and_bad_level_are_located() {
        let msg = err_text("[bump]\nfeat = \"huge\"\n");
        assert!(msg.contains(":2:") && msg.contains("huge"), "{msg}");
        let msg = err_text("[release]\nfirst_parent = \"yes\"\n");
        assert!(msg.contains(":2:"), "{msg}");
    }

    #[test]
    fn tag_format_without_version_is_refused_with_line() {
        let msg = err_text("[[package]]\nname = \"a\"\npath = \"a\"\ntag_format = \"a-v\"\n");
        assert!(msg.contains(":4") && msg.contains("{version}"), "{msg}");
    }

    #[test]
    fn packages_default_and_list_formats() {
        let (_d, path) = write(
            "[[package]]\nname = \"core\"\npath = \"./crates/core/\"\ntag_format = [\"core-v{version}\", \"v{version}\"]\n\
             [[package]]\nname = \"cli\"\npath = \"crates/cli\"\ndepends_on = [\"core\"]\n",
        );
        let c = load(Some(&path), &NoGitConfig, &[]).expect("loads");
        assert_eq!(c.packages[0].path, "crates/core");
        assert_eq!(c.packages[0].tag_formats.len(), 2);
        assert_eq!(c.packages[1].tag_formats[0].pattern(), "cli/v{version}");
    }

    #[test]
    fn unknown_dependency_and_duplicate_name() {
        assert!(err_text("[[package]]\nname = \"a\"\ndepends_on = [\"b\"]\n").contains("`b`"));
        assert!(
            err_text("[[package]]\nname = \"a\"\n[[package]]\nname = \"a\"\npath = \"x\"\n")
                .contains("twice")
        );
    }

    #[test]
    fn changelog_section_defaults_and_overrides() {
        let c = load(None, &NoGitConfig, &[]).expect("defaults load");
        let titles: Vec<&str> =
            c.changelog_settings.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Breaking Changes",
                "Features",
                "Bug Fixes",
                "Performance",
                "Reverts",
                "Documentation",
                "Other"
            ]
        );
        assert_eq!(c.changelog_settings.hidden, ["chore", "ci", "style", "test", "build"]);
        let (_d, path) = write(
            "[changelog]\nhidden = []\ntemplate = \"cl.j2\"\n\
             [[changelog.sections]]\ntitle = \"New\"\ntypes = [\"feat\", \"!\"]\n\
             [[package]]\nname = \"a\"\nchangelog = \"./a/NEWS.md\"\n",
        );
        let c = load(Some(&path), &NoGitConfig, &[]).expect("loads");
        assert_eq!(c.changelog_settings.sections.len(), 1);
        assert_eq!(c.changelog_settings.sections[0].types, ["feat", "!"]);
        assert!(c.changelog_settings.hidden.is_empty());
        assert_eq!(c.changelog_settings.template.as_deref(), Some("cl.j2"));
        assert_eq!(c.packages[0].changelog.as_deref(), Some("a/NEWS.md"));
        let msg = err_text("[changelog]\nhiden = [\"chore\"]\n");
        assert!(msg.contains(":2:") && msg.contains("hiden"), "{msg}");
    }

    #[test]
    fn check_keys_load_and_are_validated() {
        let c = load(None, &NoGitConfig, &[]).expect("defaults load");
        assert_eq!(c.email_pattern, None, "unset: `noreply_email` is skipped");
        assert!(c.docs.is_empty() && c.required_env.is_empty() && c.blocker_label.is_none());
        let (_d, path) = write(
            "[release]\nemail_pattern = \"*@example.com\"\ndocs = [\"./README.md\"]\n\
             blocker_label = \"blocker\"\nrequired_env = [\"NPM_TOKEN\"]\n\
             [[waiver]]\ncheck = \"missing_tests\"\nreason = \"docs only\"\n",
        );
        let c = load(Some(&path), &NoGitConfig, &[]).expect("loads");
        assert_eq!(c.email_pattern.as_deref(), Some("*@example.com"));
        assert_eq!(c.docs, vec!["README.md"]);
        assert_eq!(c.blocker_label.as_deref(), Some("blocker"));
        assert_eq!(c.required_env, vec!["NPM_TOKEN"]);
        assert!(c.waivers[0].location.ends_with("release.toml:6"), "{}", c.waivers[0].location);
        let msg = err_text("[release]\nrequired_env = [\"A=B\"]\n");
        assert!(msg.contains(":2") && msg.contains("`A=B`"), "{msg}");
        let msg = err_text("[release]\ndocs = [\"../x.md\"]\n");
        assert!(msg.contains(":2") && msg.contains("release.docs"), "{msg}");
        let msg = err_text("[release]\n\nblocker_label = \" \"\n");
        assert!(msg.contains(":3") && msg.contains("blocker_label"), "{msg}");
    }

    #[test]
    fn git_config_values_are_validated() {
        let git = Fake(vec![("release.mode", "sideways")]);
        let err = load(None, &git, &[]).expect_err("bad mode");
        assert!(format!("{err}").contains("release.mode"), "{err}");
    }
}
