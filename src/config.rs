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
    /// `[[sync]]` entries, in file order (issue 18; validated by [`crate::sync::config`]).
    pub syncs: Vec<crate::sync::config::SyncEntry>,
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

/// `[forge]`: how `gh` calls are retried.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Forge {
    /// `forge.kind`: `github` (the default, through `gh`) or `none` (no forge: direct mode
    /// only); see [`crate::forge::Kind`].
    #[serde(default, skip_serializing_if = "crate::forge::Kind::is_github")]
    pub kind: crate::forge::Kind,
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
            kind: crate::forge::Kind::default(),
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

// ---- the file schema -------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    release: ReleaseFile,
    #[serde(default)]
    bump: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    forge: Option<Spanned<ForgeFile>>,
    #[serde(default)]
    commands: Option<Spanned<CommandsFile>>,
    #[serde(default)]
    package: Vec<Spanned<PackageFile>>,
    #[serde(default)]
    waiver: Vec<Spanned<Waiver>>,
    #[serde(default)]
    group: Vec<Spanned<GroupFile>>,
    #[serde(default)]
    changelog: Option<ChangelogSettings>,
    #[serde(default)]
    sync: Vec<Spanned<crate::sync::config::SyncFile>>,
}

/// `[forge]` as written, each number with its place in the file for the bounds check.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForgeFile {
    kind: Option<crate::forge::Kind>,
    retries: Option<Spanned<u64>>,
    base_delay_ms: Option<Spanned<u64>>,
    wait_workflow: Option<String>,
    wait_timeout_secs: Option<Spanned<u64>>,
    timeout_secs: Option<Spanned<u64>>,
}

/// `[commands]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandsFile {
    lock: Option<String>,
    lint: Option<String>,
    test: Option<String>,
    publish: Option<String>,
    yank: Option<String>,
    timeout_secs: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseFile {
    remote: Option<String>,
    branch: Option<String>,
    mode: Option<Mode>,
    tag_format: Option<Spanned<OneOrMany>>,
    initial_version: Option<Spanned<String>>,
    protected_branches: Option<Vec<String>>,
    changelog: Option<Spanned<String>>,
    first_parent: Option<bool>,
    strict: Option<bool>,
    strict_commits: Option<bool>,
    email_pattern: Option<Spanned<String>>,
    docs: Option<Vec<Spanned<String>>>,
    blocker_label: Option<Spanned<String>>,
    required_env: Option<Vec<Spanned<String>>>,
    file_blockers: Option<bool>,
    dependents: Option<Dependents>,
    pr: Option<PrLayout>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    name: Spanned<String>,
    packages: Vec<Spanned<String>>,
    mode: GroupMode,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageFile {
    name: Spanned<String>,
    #[serde(default)]
    path: Option<Spanned<String>>,
    tag_format: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    version_files: Vec<String>,
    #[serde(default)]
    depends_on: Vec<Spanned<String>>,
    changelog: Option<String>,
    #[serde(default)]
    replace: Vec<Replace>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The keys of `[release]` that git config (`release.<camelCase>`) and the environment
/// (`GIT_RELEASE_<UPPER_SNAKE>`) may set, as `(toml key, git config key)`.
pub const LAYERED_KEYS: [(&str, &str); 10] = [
    ("remote", "release.remote"),
    ("branch", "release.branch"),
    ("mode", "release.mode"),
    ("tag_format", "release.tagFormat"),
    ("initial_version", "release.initialVersion"),
    ("protected_branches", "release.protectedBranches"),
    ("changelog", "release.changelog"),
    ("first_parent", "release.firstParent"),
    ("strict", "release.strict"),
    ("strict_commits", "release.strictCommits"),
];

/// The file names searched at the root of a work tree, in order (DESIGN.md › Configuration):
/// our own name first, then `release.toml`, which is read only when it is ours (issue 15
/// item 4: cargo-release uses the same name).
pub const FILE_NAMES: [&str; 4] =
    ["git-release.toml", ".config/git-release.toml", "release.toml", ".config/release.toml"];

/// The file `init` writes.
pub const DEFAULT_FILE_NAME: &str = "git-release.toml";

/// Top-level keys of cargo-release's `release.toml` (its reference, "Configuration"): a
/// `release.toml` with one of them and none of ours belongs to cargo-release.
const CARGO_RELEASE_KEYS: [&str; 34] = [
    "allow-branch",
    "sign-commit",
    "sign-tag",
    "push-remote",
    "registry",
    "release",
    "publish",
    "verify",
    "owners",
    "push",
    "push-options",
    "shared-version",
    "consolidate-commits",
    "pre-release-commit-message",
    "pre-release-replacements",
    "pre-release-hook",
    "tag-message",
    "tag-prefix",
    "tag-name",
    "tag",
    "enable-features",
    "enable-all-features",
    "dependent-version",
    "metadata",
    "target",
    "certs-source",
    "rate-limit",
    "post-release-commit-message",
    "post-release-replacements",
    "dev-version",
    "dev-version-ext",
    "no-dev-version",
    "disable-push",
    "disable-publish",
];

/// The top-level tables of our file.
const OUR_TABLES: [&str; 8] =
    ["release", "bump", "forge", "commands", "package", "waiver", "group", "changelog"];

/// The configuration file found for a repository, and notes for `-v`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Located {
    /// The file to load; `None` means defaults.
    pub file: Option<PathBuf>,
    /// One line per file passed over and why (a cargo-release `release.toml`).
    pub notes: Vec<String>,
}

/// Finds the configuration file for a repository whose work tree is `workdir`.
///
/// `explicit` (`--config` or `GIT_RELEASE_CONFIG`) must exist and is always read; otherwise
/// [`FILE_NAMES`] are tried in order, a `release.toml` that belongs to cargo-release
/// ([`is_cargo_release`]) is passed over with a note, and none found means defaults.
///
/// # Errors
/// An explicit file that does not exist (exit 2).
pub fn find(workdir: Option<&Path>, explicit: Option<&Path>) -> Result<Located> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(Error::config(format!(
                "configuration file `{}` does not exist",
                path.display()
            ))
            .with_hint("check the path given to `--config` or `GIT_RELEASE_CONFIG`")
            .into());
        }
        return Ok(Located { file: Some(path.to_owned()), notes: Vec::new() });
    }
    let mut located = Located::default();
    let Some(workdir) = workdir else { return Ok(located) };
    for name in FILE_NAMES {
        let path = workdir.join(name);
        if !path.is_file() {
            continue;
        }
        if name.ends_with("/release.toml") || name == "release.toml" {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if is_cargo_release(&text) {
                located.notes.push(format!(
                    "`{name}` is cargo-release's configuration (its keys), not ours; it is ignored"
                ));
                continue;
            }
        }
        located.file = Some(path);
        break;
    }
    Ok(located)
}

/// [`find`]'s file alone.
///
/// # Errors
/// As [`find`].
pub fn locate(workdir: Option<&Path>, explicit: Option<&Path>) -> Result<Option<PathBuf>> {
    Ok(find(workdir, explicit)?.file)
}

/// Whether `text` (a `release.toml`) is cargo-release's configuration rather than ours: it
/// parses as TOML, has at least one top-level key cargo-release knows, and no top-level
/// table of ours (`release = false` is cargo-release's; `[release]` is ours). A file that
/// does not parse, or has neither, is taken as ours so its errors are shown.
pub fn is_cargo_release(text: &str) -> bool {
    let Ok(doc) = toml::from_str::<toml::Table>(text) else { return false };
    let ours = doc.iter().any(|(key, value)| {
        OUR_TABLES.contains(&key.as_str()) && (value.is_table() || value.is_array())
    });
    let theirs = doc.iter().any(|(key, value)| {
        CARGO_RELEASE_KEYS.contains(&key.as_str())
            && !(OUR_TABLES.contains(&key.as_str()) && (value.is_table() || value.is_array()))
    });
    theirs && !ours
}

/// Loads and validates the configuration from `file` (if any), git config and `env`.
///
/// `env` is the process environment as pairs (injected so tests need not set variables).
///
/// # Errors
/// A file that cannot be read or is not UTF-8, a TOML syntax error, an unknown key, a wrong
/// type or a bad value: a config error (exit 2) naming the file (or git config key or
/// variable), the line and the key.
pub fn load(file: Option<&Path>, git: &dyn GitConfig, env: &[(String, String)]) -> Result<Config> {
    let (parsed, source, shown) = match file {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| {
                format!("failed to read configuration file `{}`", path.display())
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::config(format!("configuration file `{}` is not valid UTF-8", path.display()))
            })?;
            let parsed: FileConfig =
                toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
            (parsed, text, path.display().to_string())
        }
        None => (FileConfig::default(), String::new(), String::new()),
    };
    let at = |span: std::ops::Range<usize>| format!("{shown}:{}", line_of(&source, span.start));
    let layered = Layered { git, env };

    let release = parsed.release;
    let remote = layered.string("remote").or(release.remote).unwrap_or_else(|| "origin".to_owned());
    let branch = layered.string("branch").or(release.branch).unwrap_or_else(|| "main".to_owned());
    let mode = match layered.string("mode") {
        Some(v) => match v.as_str() {
            "pr" => Mode::Pr,
            "direct" => Mode::Direct,
            other => {
                return Err(layered.bad("mode", other, "`pr` or `direct`").into());
            }
        },
        None => release.mode.unwrap_or(Mode::Pr),
    };

    let tag_format_set = layered.list("tag_format").is_some() || release.tag_format.is_some();
    let tag_format = match layered.list("tag_format") {
        Some(list) => {
            validate_formats(&list, "x")
                .map_err(|e| layered.bad_with("tag_format", &e.to_string()))?;
            list
        }
        None => match release.tag_format {
            Some(spanned) => {
                let span = spanned.span();
                let list = spanned.into_inner().into_vec();
                validate_formats(&list, "x").map_err(|e| {
                    Error::config(format!("{}: `release.tag_format`: {e}", at(span)))
                })?;
                list
            }
            None => vec![DEFAULT_TAG_FORMAT.to_owned()],
        },
    };

    let initial_version = match layered.string("initial_version") {
        Some(v) => Version::parse(&v).map_err(|e| {
            layered.bad_with("initial_version", &format!("`{v}` is not a semantic version: {e}"))
        })?,
        None => match release.initial_version {
            Some(v) => Version::parse(v.get_ref()).map_err(|e| {
                Error::config(format!(
                    "{}: `release.initial_version`: `{}` is not a semantic version: {e}",
                    at(v.span()),
                    v.get_ref()
                ))
            })?,
            None => Version::new(0, 1, 0),
        },
    };

    let protected_branches = layered
        .list("protected_branches")
        .or(release.protected_branches)
        .unwrap_or_else(|| vec!["main".to_owned(), "master".to_owned()]);
    // Every source of the changelog path goes through the one check of configured paths
    // (`normalize_file`): relative to the repository, no `..` (issue 12 item 2).
    let changelog = match layered.string("changelog") {
        Some(v) => normalize_file(&v).map_err(|e| layered.bad_with("changelog", &e.to_string()))?,
        None => match release.changelog {
            Some(c) => normalize_file(c.get_ref()).map_err(|e| {
                Error::config(format!("{}: `release.changelog`: {e}", at(c.span())))
                    .with_hint("name a file inside the repository, such as `CHANGELOG.md`")
            })?,
            None => "CHANGELOG.md".to_owned(),
        },
    };
    let first_parent = layered.bool("first_parent")?.or(release.first_parent).unwrap_or(false);
    let strict = layered.bool("strict")?.or(release.strict).unwrap_or(false);
    let strict_commits =
        layered.bool("strict_commits")?.or(release.strict_commits).unwrap_or(false);

    let email_pattern = match release.email_pattern {
        Some(p) if p.get_ref().trim().is_empty() => {
            return Err(Error::config(format!(
                "{}: `release.email_pattern` is empty",
                at(p.span())
            ))
            .with_hint(format!("use a glob such as `{DEFAULT_EMAIL_PATTERN}`"))
            .into());
        }
        Some(p) => Some(p.into_inner().trim().to_owned()),
        None => None,
    };
    let mut docs = Vec::new();
    for doc in release.docs.unwrap_or_default() {
        docs.push(
            normalize_path(doc.get_ref())
                .map_err(|e| Error::config(format!("{}: `release.docs`: {e}", at(doc.span()))))?,
        );
    }
    let blocker_label = match release.blocker_label {
        Some(l) if l.get_ref().trim().is_empty() => {
            return Err(Error::config(format!(
                "{}: `release.blocker_label` is empty",
                at(l.span())
            ))
            .with_hint("remove the key, or name the label that marks release blockers")
            .into());
        }
        Some(l) => Some(l.into_inner().trim().to_owned()),
        None => None,
    };
    let mut required_env = Vec::new();
    for var in release.required_env.unwrap_or_default() {
        let name = var.get_ref().trim();
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(Error::config(format!(
                "{}: `release.required_env`: `{name}` is not an environment variable name",
                at(var.span())
            ))
            .into());
        }
        required_env.push(name.to_owned());
    }

    let mut bump = BumpRules::default();
    for (key, value) in parsed.bump {
        let span = value.span();
        let bad_value = |what: &str| -> anyhow::Error {
            Error::config(format!(
                "{}: `bump.{key}` must be {what}, not `{}`",
                at(span.clone()),
                match value.get_ref() {
                    toml::Value::String(text) => text.clone(),
                    other => format!("a {}", other.type_str()),
                }
            ))
            .into()
        };
        let level = || -> Result<Level> {
            value
                .get_ref()
                .clone()
                .try_into::<Level>()
                .map_err(|_| bad_value("one of `none`, `patch`, `minor`, `major`"))
        };
        match key.as_str() {
            "other" => bump.other = level()?,
            "breaking_before_1_0" => bump.breaking_before_1_0 = level()?,
            "feat_before_1_0" => bump.feat_before_1_0 = level()?,
            "lenient_footers" => {
                bump.lenient_footers =
                    value.get_ref().as_bool().ok_or_else(|| bad_value("`true` or `false`"))?;
            }
            "changesets" => {
                bump.changesets =
                    Some(value.get_ref().as_bool().ok_or_else(|| bad_value("`true` or `false`"))?);
            }
            "rule" => bump.rules = bump_rules(value.get_ref(), &at(span.clone()))?,
            kind if is_commit_type(kind) => {
                bump.types.insert(kind.to_ascii_lowercase(), level()?);
            }
            bad => {
                return Err(Error::config(format!(
                    "{}: `bump.{bad}` is not a commit type: use letters, digits and `-`",
                    at(span)
                ))
                .into());
            }
        }
    }

    let mut packages: Vec<PackageConfig> = Vec::new();
    let mut seen_paths: BTreeMap<String, String> = BTreeMap::new();
    for entry in parsed.package {
        let span = entry.span();
        let entry = entry.into_inner();
        let location = at(span);
        let name = entry.name.get_ref().trim().to_owned();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::config(format!(
                "{}: package name `{}` must be non-empty and have no spaces",
                at(entry.name.span()),
                entry.name.get_ref()
            ))
            .into());
        }
        if let Some(first) = packages.iter().find(|p| p.name == name) {
            return Err(Error::config(format!(
                "{}: package `{name}` is defined twice (first at {})",
                at(entry.name.span()),
                first.location
            ))
            .into());
        }
        let path = match &entry.path {
            Some(p) => normalize_path(p.get_ref())
                .map_err(|e| Error::config(format!("{}: package `{name}`: {e}", at(p.span()))))?,
            None => name.clone(),
        };
        if let Some(other) = seen_paths.insert(path.clone(), name.clone()) {
            return Err(Error::config(format!(
                "{location}: packages `{other}` and `{name}` have the same path `{path}`"
            ))
            .into());
        }
        let (formats, format_at) = match entry.tag_format {
            Some(f) => {
                let span = f.span();
                (f.into_inner().into_vec(), at(span))
            }
            None => (vec![DEFAULT_PACKAGE_TAG_FORMAT.to_owned()], location.clone()),
        };
        let tag_formats = validate_formats(&formats, &name)
            .map_err(|e| Error::config(format!("{format_at}: package `{name}`: {e}")))?;
        let mut version_files = Vec::new();
        for file in entry.version_files {
            version_files.push(normalize_path(&file).map_err(|e| {
                Error::config(format!("{location}: package `{name}`: version file: {e}"))
            })?);
        }
        let changelog = match &entry.changelog {
            Some(c) => Some(normalize_file(c).map_err(|e| {
                Error::config(format!("{location}: package `{name}`: changelog: {e}"))
            })?),
            None => None,
        };
        let mut replace = Vec::new();
        for rule in entry.replace {
            let file = normalize_path(&rule.file).map_err(|e| {
                Error::config(format!("{location}: package `{name}`: replace file: {e}"))
            })?;
            if let Err(e) = regex_lite::Regex::new(&rule.search) {
                return Err(Error::config(format!(
                    "{location}: package `{name}`: replace search `{}` is not a valid regex: {e}",
                    rule.search
                ))
                .into());
            }
            replace.push(Replace { file, ..rule });
        }
        packages.push(PackageConfig {
            name,
            path,
            tag_formats,
            version_files,
            depends_on: entry.depends_on.iter().map(|d| d.get_ref().trim().to_owned()).collect(),
            changelog,
            replace,
            location,
        });
    }
    let names: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    for p in &packages {
        if let Some(unknown) = p.depends_on.iter().find(|d| !names.contains(d.as_str())) {
            return Err(Error::config(format!(
                "{}: package `{}` depends on `{unknown}`, which is not a configured package",
                p.location, p.name
            ))
            .with_hint(format!(
                "known packages: {}",
                names.iter().copied().collect::<Vec<_>>().join(", ")
            ))
            .into());
        }
    }

    let mut groups: Vec<Group> = Vec::new();
    for entry in parsed.group {
        let location = at(entry.span());
        let entry = entry.into_inner();
        let name = entry.name.get_ref().trim().to_owned();
        if name.is_empty() {
            return Err(Error::config(format!("{location}: a group needs a name")).into());
        }
        if let Some(first) = groups.iter().find(|g| g.name == name) {
            return Err(Error::config(format!(
                "{location}: group `{name}` is defined twice (first at {})",
                first.location
            ))
            .into());
        }
        if entry.packages.is_empty() {
            return Err(Error::config(format!("{location}: group `{name}` has no packages")).into());
        }
        let mut members: Vec<String> = Vec::new();
        for member in &entry.packages {
            let member_name = member.get_ref().trim().to_owned();
            if !names.contains(member_name.as_str()) {
                return Err(Error::config(format!(
                    "{}: group `{name}` names `{member_name}`, which is not a configured package",
                    at(member.span())
                ))
                .with_hint(format!(
                    "known packages: {}",
                    names.iter().copied().collect::<Vec<_>>().join(", ")
                ))
                .into());
            }
            if let Some(other) = groups.iter().find(|g| g.packages.contains(&member_name)) {
                return Err(Error::config(format!(
                    "{}: package `{member_name}` is in group `{name}` and in group `{}` (at {}); a package belongs to one group at most",
                    at(member.span()),
                    other.name,
                    other.location
                ))
                .into());
            }
            if !members.contains(&member_name) {
                members.push(member_name);
            }
        }
        groups.push(Group { name, packages: members, mode: entry.mode, location });
    }

    let mut changelog_settings = parsed.changelog.unwrap_or_default();
    for (key, template) in [
        ("template", &mut changelog_settings.template),
        ("notes_template", &mut changelog_settings.notes_template),
    ] {
        if let Some(path) = template.as_mut() {
            *path = normalize_file(path).map_err(|e| {
                Error::config(format!("{shown}: `changelog.{key}`: {e}"))
                    .with_hint("name a template file inside the repository")
            })?;
        }
    }
    let forge = forge_of(parsed.forge.map(Spanned::into_inner), &at, env)?;
    let commands = match parsed.commands.map(Spanned::into_inner) {
        None => Commands::default(),
        Some(c) => Commands {
            timeout_secs: bounded(
                c.timeout_secs,
                "commands.timeout_secs",
                &limits::TIMEOUT_SECS,
                default_command_timeout_secs(),
                &at,
            )?,
            lock: c.lock,
            lint: c.lint,
            test: c.test,
            publish: c.publish,
            yank: c.yank,
        },
    };

    let mut waivers = Vec::new();
    for w in parsed.waiver {
        let location = at(w.span());
        let w = w.into_inner();
        if w.reason.trim().is_empty() {
            return Err(Error::config(format!(
                "{location}: waiver for `{}` has an empty reason",
                w.check
            ))
            .into());
        }
        waivers.push(Waiver { location, ..w });
    }
    let syncs = crate::sync::config::validate(parsed.sync, &at)?;

    Ok(Config {
        file: file.map(Path::to_owned),
        remote,
        branch,
        mode,
        tag_format,
        tag_format_set,
        initial_version,
        protected_branches,
        changelog,
        first_parent,
        strict,
        strict_commits,
        email_pattern,
        docs,
        blocker_label,
        required_env,
        file_blockers: release.file_blockers.unwrap_or(false),
        dependents: release.dependents.unwrap_or_default(),
        pr_layout: release.pr,
        groups,
        bump,
        forge,
        commands,
        packages,
        waivers,
        changelog_settings,
        syncs,
    })
}

/// `value` (or `default` when unset), refused with its `file:line` when outside `range`.
fn bounded(
    value: Option<Spanned<u64>>,
    key: &str,
    range: &std::ops::RangeInclusive<u64>,
    default: u64,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<u64> {
    let Some(value) = value else { return Ok(default) };
    let n = *value.get_ref();
    if range.contains(&n) {
        return Ok(n);
    }
    Err(Error::config(format!(
        "{}: `{key}` is {n}, outside {}..={}",
        at(value.span()),
        range.start(),
        range.end()
    ))
    .with_hint(format!("set `{key}` to a value from {} to {}", range.start(), range.end()))
    .into())
}

/// `[forge]` from the file, bounded, with `GIT_RELEASE_FORGE_TIMEOUT_SECS` over
/// `timeout_secs`.
fn forge_of(
    file: Option<ForgeFile>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
    env: &[(String, String)],
) -> Result<Forge> {
    const VAR: &str = "GIT_RELEASE_FORGE_TIMEOUT_SECS";
    let file = file.unwrap_or_default();
    let retries = bounded(
        file.retries,
        "forge.retries",
        &(0..=limits::MAX_RETRIES),
        u64::from(default_retries()),
        at,
    )?;
    let mut timeout_secs =
        bounded(file.timeout_secs, "forge.timeout_secs", &limits::TIMEOUT_SECS, 300, at)?;
    if let Some((_, v)) = env.iter().rev().find(|(k, _)| k == VAR) {
        timeout_secs = v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| limits::TIMEOUT_SECS.contains(n))
            .ok_or_else(|| {
                Error::config(format!(
                    "environment variable `{VAR}`: `{}` is not a number of seconds from {} to {}",
                    v.escape_debug(),
                    limits::TIMEOUT_SECS.start(),
                    limits::TIMEOUT_SECS.end()
                ))
            })?;
    }
    Ok(Forge {
        kind: file.kind.unwrap_or_default(),
        retries: u32::try_from(retries).expect("bounded by MAX_RETRIES"),
        base_delay_ms: bounded(
            file.base_delay_ms,
            "forge.base_delay_ms",
            &(0..=limits::MAX_BASE_DELAY_MS),
            default_base_delay_ms(),
            at,
        )?,
        wait_workflow: file.wait_workflow,
        wait_timeout_secs: bounded(
            file.wait_timeout_secs,
            "forge.wait_timeout_secs",
            &limits::TIMEOUT_SECS,
            default_wait_timeout_secs(),
            at,
        )?,
        timeout_secs,
    })
}

/// Parses every format in `list` for the package `name`.
fn validate_formats(list: &[String], name: &str) -> Result<Vec<TagFormat>> {
    if list.is_empty() {
        anyhow::bail!("the tag format list is empty");
    }
    list.iter().map(|f| TagFormat::parse(f, name)).collect()
}

/// Whether `key` can be a Conventional Commit type.
/// `[[bump.rule]]` entries as written: `type`, `scope` (a glob) and `bump`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BumpRuleFile {
    #[serde(rename = "type")]
    kind: String,
    scope: String,
    bump: Level,
}

/// Decodes `[[bump.rule]]` (an array of tables); `at` is where the array starts.
fn bump_rules(value: &toml::Value, at: &str) -> Result<Vec<crate::conventional::BumpRule>> {
    let entries: Vec<BumpRuleFile> = value.clone().try_into().map_err(|e: toml::de::Error| {
        Error::config(format!("{at}: `[[bump.rule]]`: {}", e.message().trim()))
            .with_hint("write each rule as `[[bump.rule]]` with `type = \"feat\"`, `scope = \"ci\"` and `bump = \"patch\"`")
    })?;
    let mut rules = Vec::with_capacity(entries.len());
    for entry in entries {
        let kind = entry.kind.trim().to_ascii_lowercase();
        if !is_commit_type(&kind) {
            return Err(Error::config(format!(
                "{at}: `[[bump.rule]]`: `{}` is not a commit type: use letters, digits and `-`",
                entry.kind
            ))
            .into());
        }
        let scope = entry.scope.trim().to_ascii_lowercase();
        if scope.is_empty() || scope.chars().any(char::is_control) {
            return Err(Error::config(format!(
                "{at}: `[[bump.rule]]`: the scope glob of type `{kind}` is empty"
            ))
            .with_hint("give a scope or a glob such as `ci` or `deps*`")
            .into());
        }
        rules.push(crate::conventional::BumpRule { kind, scope, bump: entry.bump });
    }
    Ok(rules)
}

fn is_commit_type(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Normalises a repository-relative path: `/` separators, no `./`, no trailing `/`, `.` for
/// the root.
///
/// # Errors
/// An absolute path or one with `..`.
pub fn normalize_path(raw: &str) -> Result<String> {
    let raw = raw.trim().replace('\\', "/");
    if raw.starts_with('/') || Path::new(&raw).is_absolute() {
        anyhow::bail!("path `{raw}` must be relative to the repository root");
    }
    let parts: Vec<&str> = raw.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.contains(&"..") {
        anyhow::bail!("path `{raw}` must not contain `..`");
    }
    Ok(if parts.is_empty() { ".".to_owned() } else { parts.join("/") })
}

/// [`normalize_path`] for a path that names a file: the repository root itself (`.`) is
/// refused too. The one check every configured file path goes through, whatever its source
/// (file, git config, environment).
///
/// ```
/// use git_release::config::normalize_file;
/// assert_eq!(normalize_file("./docs//NEWS.md").unwrap(), "docs/NEWS.md");
/// assert!(normalize_file("/etc/passwd").is_err());
/// assert!(normalize_file("docs/../../x").is_err());
/// assert!(normalize_file(".").is_err());
/// ```
///
/// # Errors
/// An absolute path, one with `..`, or the root.
pub fn normalize_file(raw: &str) -> Result<String> {
    let path = normalize_path(raw)?;
    if path == "." {
        anyhow::bail!("path `{}` names the repository root, not a file", raw.trim());
    }
    Ok(path)
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].lines().count().max(1)
        + usize::from(text[..offset.min(text.len())].ends_with('\n'))
}

/// Turns a TOML error into `file:line:column: message`, with the offending line quoted.
fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> Error {
    let mut msg = format!("invalid configuration in `{}`", path.display());
    if let Some(span) = err.span() {
        let line = line_of(text, span.start);
        let line_start = text[..span.start.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let column = span.start - line_start + 1;
        let line_text = text.lines().nth(line - 1).unwrap_or_default();
        msg = format!("{}:{line}:{column}: {}", path.display(), err.message().trim());
        let _ = write!(msg, "\n  {line} | {line_text}");
    } else {
        let _ = write!(msg, ": {}", err.message().trim());
    }
    Error::config(msg).with_hint(
        "see the configuration reference in the README (`[release]`, `[bump]`, `[[package]]`…)",
    )
}

/// The git config and environment layers above the file.
struct Layered<'a> {
    git: &'a dyn GitConfig,
    env: &'a [(String, String)],
}

impl Layered<'_> {
    fn env_name(key: &str) -> String {
        format!("GIT_RELEASE_{}", key.to_ascii_uppercase())
    }

    fn git_key(key: &str) -> &'static str {
        LAYERED_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, g)| *g)
            .expect("every layered key is listed in LAYERED_KEYS")
    }

    /// Where a value came from, for error messages.
    fn origin(&self, key: &str) -> String {
        let var = Self::env_name(key);
        if self.env.iter().any(|(k, _)| *k == var) {
            format!("environment variable `{var}`")
        } else {
            format!("git config `{}`", Self::git_key(key))
        }
    }

    fn string(&self, key: &str) -> Option<String> {
        let var = Self::env_name(key);
        if let Some((_, v)) = self.env.iter().rev().find(|(k, _)| *k == var) {
            return Some(v.clone());
        }
        self.git.value(Self::git_key(key))
    }

    /// A list: comma-separated in the environment, repeated keys (or commas) in git config.
    fn list(&self, key: &str) -> Option<Vec<String>> {
        let var = Self::env_name(key);
        let split = |s: &str| -> Vec<String> {
            s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        if let Some((_, v)) = self.env.iter().rev().find(|(k, _)| *k == var) {
            return Some(split(v));
        }
        let values = self.git.values(Self::git_key(key));
        (!values.is_empty()).then(|| values.iter().flat_map(|v| split(v)).collect())
    }

    fn bool(&self, key: &str) -> Result<Option<bool>> {
        let Some(v) = self.string(key) else { return Ok(None) };
        match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(Some(true)),
            "false" | "no" | "off" | "0" | "" => Ok(Some(false)),
            other => Err(self.bad(key, other, "`true` or `false`").into()),
        }
    }

    fn bad(&self, key: &str, value: &str, expected: &str) -> Error {
        Error::config(format!("{}: unknown value `{value}`, expected {expected}", self.origin(key)))
    }

    fn bad_with(&self, key: &str, what: &str) -> Error {
        Error::config(format!("{}: {what}", self.origin(key)))
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
