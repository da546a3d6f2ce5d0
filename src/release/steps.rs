//! The steps of one package's release (DESIGN.md › Pipeline), each in three modes.
//!
//! Every step is one function taking an [`Act`]:
//!
//! - [`Act::Perform`] checks whether the step's effect is already there (the table's
//!   "already done when" column) and acts only when it is not, so running a step twice, or
//!   after a kill at any instant, ends in the same state;
//! - [`Act::Verify`] only answers that check, changing nothing: `resume` asks it of every
//!   step the state file says is complete before it goes on;
//! - [`Act::Describe`] changes nothing and reads nothing that a run would create; it
//!   records what the step would do (commands, file diffs, forge calls) for `--dry-run`.
//!
//! Git writes go through the `git` binary with an argument vector ([`Git`]); forge calls go
//! through `gh` with retries ([`Gh`]); files are written atomically. Nothing is forced and no
//! tag is moved or deleted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, Result};
use gix::ObjectId;

use super::state::{PackageState, Phase, PullRequest};
use crate::changelog::{self, ReleaseMeta, Templates};
use crate::config::{Config, Mode};
use crate::error::redact;
use crate::error::{Error, ErrorCode};
use crate::forge::{self, FailureKind, Forge as _, Gh, Outcome, Request, RetryError, github};
use crate::fsutil;
use crate::git::cli::{Git, RemoteError, Untracked, is_unreachable};
use crate::git::read::Repo;
use crate::manifest::{self, Kind, edit};
use crate::ui::Ui;

/// What a step function is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Make the step's effect true, unless it already is.
    Perform,
    /// Say whether the effect is there; change nothing.
    Verify,
    /// Record what the step would do; change nothing.
    Describe,
}

/// One thing a dry run would do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Action {
    /// The step.
    pub step: Phase,
    /// What it would do, in one line (a command as it would run, a file it would change).
    pub what: String,
    /// A file diff or a body text, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What every step of a run shares: the repository, the configuration, the forge.
pub struct Env<'a> {
    /// The repository, for reading commits (changelog).
    pub repo: &'a Repo,
    /// The configuration.
    pub config: &'a Config,
    /// Where status lines go.
    pub ui: &'a Ui,
    /// The main work tree.
    pub root: PathBuf,
    /// The git common dir (state, lock and worktrees live under `<it>/release/`).
    pub common_dir: PathBuf,
    /// `gh`, when found; steps that need it fail with `FORGE_FAILED` when it is not.
    pub gh: Option<Gh>,
    /// The forge the remote is on, for changelog links.
    pub links: Option<changelog::Forge>,
}

impl<'a> Env<'a> {
    /// The environment of a run in the repository `ctx` opened, pushing to `remote`: `gh`
    /// located (or `None`), changelog links to the forge `remote`'s URL names.
    pub fn of(ctx: &'a crate::context::Ctx, root: &Path, remote: &str) -> Self {
        use crate::config::GitConfig as _;
        let links = ctx
            .repo
            .value(&format!("remote.{remote}.url"))
            .and_then(|url| changelog::Forge::from_remote_url(&url));
        Env {
            repo: &ctx.repo,
            config: &ctx.config,
            ui: &ctx.ui,
            root: root.to_owned(),
            common_dir: ctx.repo.common_dir().to_owned(),
            gh: Gh::for_forge(&ctx.config.forge).ok(),
            links,
        }
    }
}

/// The run-wide facts a step needs.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The run id.
    pub run_id: String,
    /// How the release reaches the release branch.
    pub mode: Mode,
    /// The remote.
    pub remote: String,
    /// The release branch.
    pub branch: String,
    /// The commit the plan was made at.
    pub head: String,
    /// The plan hash.
    pub plan_hash: String,
    /// When the run started, Unix seconds (the changelog's date).
    pub started_unix: u64,
    /// Whether every package shares one release branch and pull request (`release.pr =
    /// "single"` in mode pr).
    pub shared_pr: bool,
    /// The packages (name, version) in the shared pull request, for its title and body.
    pub pr_packages: Vec<(String, String)>,
}

/// A version released earlier in the run, for the PINNED step.
#[derive(Debug, Clone)]
pub struct Released {
    /// The new version.
    pub version: String,
    /// The name dependents' manifests use.
    pub manifest_name: String,
}

/// One package's release in progress.
pub struct Job<'a> {
    /// The shared environment.
    pub env: &'a Env<'a>,
    /// The run.
    pub run: &'a RunInfo,
    /// The package; steps record their outputs here.
    pub pkg: PackageState,
    /// Packages of this run already released (or, in a dry run, planned before this one).
    pub released: BTreeMap<String, Released>,
    /// Where the release branch starts: the previous release commit of this run in direct
    /// mode (so pushes fast-forward), else the planned commit.
    pub base: String,
    /// What a dry run would do.
    pub actions: Vec<Action>,
    /// Saves the package's state mid-step (after `commands.publish`), so a kill after an
    /// irreversible action does not repeat it.
    pub checkpoint: &'a mut dyn FnMut(&PackageState) -> Result<()>,
}

/// A step failed: its code, and a message naming what failed and how to go on.
fn fail(code: ErrorCode, message: impl AsRef<str>) -> anyhow::Error {
    Error::coded(code, message).into()
}

/// A name safe as a path component and in a ref: letters, digits, `.`, `_` and `-`; anything
/// else becomes `-`.
///
/// ```
/// use git_release::release::steps::slug;
/// assert_eq!(slug("@scope/web ui"), "scope-web-ui");
/// ```
pub fn slug(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' })
        .collect();
    let trimmed = mapped.trim_matches(|c| c == '-' || c == '.');
    let collapsed = trimmed.replace("..", "-");
    if collapsed.is_empty() { "package".to_owned() } else { collapsed }
}

/// `release/<run>/<package>`: the branch a package's release is prepared on; with one pull
/// request for the whole repository (`package` is `None`), `release/<run>`.
pub fn branch_name(run_id: &str, package: Option<&str>) -> String {
    match package {
        Some(package) => format!("release/{run_id}/{}", slug(package)),
        None => format!("release/{run_id}"),
    }
}

/// `<common dir>/release/worktrees/<run>/<package>`: the package's worktree; the shared one
/// (`package` is `None`) is `<run>/_shared`.
pub fn worktree_path(common_dir: &Path, run_id: &str, package: Option<&str>) -> PathBuf {
    let folder = common_dir.join("release").join("worktrees").join(run_id);
    match package {
        Some(package) => folder.join(slug(package)),
        None => folder.join("_shared"),
    }
}

/// `release: <package> v<version>`: the release commit's message (seed 002).
pub fn commit_message(package: &str, version: &str) -> String {
    format!("release: {package} v{version}")
}

impl Job<'_> {
    fn name(&self) -> &str {
        &self.pkg.name
    }

    fn version(&self) -> &str {
        &self.pkg.next_version
    }

    fn tag(&self) -> String {
        self.pkg.tag.clone().unwrap_or_else(|| format!("v{}", self.pkg.next_version))
    }

    /// The package's own lane, or `None` when the run shares one branch and worktree.
    fn lane(&self) -> Option<&str> {
        (!self.run.shared_pr).then_some(self.pkg.name.as_str())
    }

    fn branch(&self) -> String {
        branch_name(&self.run.run_id, self.lane())
    }

    fn worktree(&self) -> PathBuf {
        worktree_path(&self.env.common_dir, &self.run.run_id, self.lane())
    }

    fn git(&self) -> Git {
        Git::new(&self.env.root)
    }

    fn wgit(&self) -> Git {
        Git::new(&self.worktree())
    }

    /// The directory files are read from: the worktree, or for a dry run the main work tree
    /// (which the checks found clean at the planned commit).
    fn files_dir(&self, act: Act) -> PathBuf {
        if act == Act::Describe { self.env.root.clone() } else { self.worktree() }
    }

    fn gh(&self) -> Result<&Gh> {
        self.env.gh.as_ref().ok_or_else(|| {
            fail(ErrorCode::ForgeFailed, "`gh` is not installed or not on PATH")
                .context("install GitHub CLI or set `GIT_RELEASE_GH`, then resume")
        })
    }

    fn describe(&mut self, step: Phase, what: impl Into<String>, detail: Option<String>) {
        self.actions.push(Action { step, what: what.into(), detail });
    }

    fn target_ref(&self) -> String {
        match self.run.mode {
            Mode::Pr => format!("refs/heads/{}", self.branch()),
            Mode::Direct => format!("refs/heads/{}", self.run.branch),
        }
    }

    fn pr_title(&self) -> String {
        if self.run.shared_pr && !self.run.pr_packages.is_empty() {
            let list: Vec<String> =
                self.run.pr_packages.iter().map(|(n, v)| format!("{n} v{v}")).collect();
            return format!("release: {}", list.join(", "));
        }
        commit_message(self.name(), self.version())
    }
}

/// Runs one step in mode `act`; for [`Act::Verify`], whether its effect is there (the other
/// modes return `true`).
///
/// # Errors
/// The step failed: a [`Error`] whose code says how (seed 002's codes and ours).
pub fn run_step(job: &mut Job<'_>, step: Phase, act: Act) -> Result<bool> {
    match step {
        Phase::Planned | Phase::Done => Ok(true),
        Phase::Worktree => worktree(job, act),
        Phase::Bumped => bumped(job, act),
        Phase::Pinned => pinned(job, act),
        Phase::Changelog => changelog_step(job, act),
        Phase::Locked => command_step(job, act, Phase::Locked),
        Phase::Lint => command_step(job, act, Phase::Lint),
        Phase::Committed => committed(job, act),
        Phase::Pushed => pushed(job, act),
        Phase::PrCreated => pr_created(job, act),
        Phase::Merged => merged(job, act),
        Phase::Tagged => tagged(job, act),
        Phase::Published => published(job, act),
    }
}

/// The steps a package goes through in `mode`, in order (direct mode has no pull request).
pub fn steps(mode: Mode) -> Vec<Phase> {
    Phase::ALL
        .iter()
        .copied()
        .filter(|p| *p != Phase::Planned)
        .filter(|p| mode == Mode::Pr || !matches!(p, Phase::PrCreated | Phase::Merged))
        .collect()
}

// ---- git helpers ---------------------------------------------------------------------------

/// The branch checked out in the worktree at `path`, or `None` when `path` is not a worktree.
fn worktree_branch(path: &Path) -> Option<String> {
    if !path.join(".git").exists() {
        return None;
    }
    Git::new(path).head_branch()
}

/// A fingerprint of the file `rel` in the work tree `dir` as it is now: the SHA-256 of its
/// bytes, of a symbolic link's target, or `deleted`.
fn fingerprint(dir: &Path, rel: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let path = dir.join(rel);
    let bytes = match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::read_link(&path)
            .map(|t| format!("link:{}", t.display()).into_bytes())
            .unwrap_or_default(),
        Ok(meta) if meta.is_dir() => b"folder".to_vec(),
        Ok(_) => std::fs::read(&path).unwrap_or_default(),
        Err(_) => return "deleted".to_owned(),
    };
    Sha256::digest(&bytes).iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// Records, in the package's outputs, what every file the worktree has changed holds now:
/// after a configured command, whose changes cannot be known in advance.
fn record_changes(job: &mut Job<'_>) -> Result<()> {
    let dir = job.worktree();
    for rel in job.wgit().status_paths(Untracked::All)? {
        let print = fingerprint(&dir, &rel);
        let known = job.pkg.outputs.files.entry(rel).or_default();
        if !known.contains(&print) {
            known.push(print);
        }
    }
    Ok(())
}

/// Checks that the worktree holds only what the run's steps wrote (issue 12 item 10): every
/// changed file is one the state records, with content a step gave it. A file dropped into
/// the worktree, or edited, after a failure is `WORKTREE_DIRTY`, and is never released.
fn check_worktree(job: &Job<'_>) -> Result<()> {
    let dir = job.worktree();
    let unknown: Vec<String> = job
        .wgit()
        .status_paths(Untracked::All)?
        .into_iter()
        .filter(|rel| {
            !job.pkg
                .outputs
                .files
                .get(rel)
                .is_some_and(|known| known.contains(&fingerprint(&dir, rel)))
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(Error::coded(
        ErrorCode::WorktreeDirty,
        format!(
            "worktree `{}` holds changes the release did not make: {}",
            dir.display(),
            unknown.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        ),
    )
    .with_hint(format!(
        "inspect `git -C {} status`; restore or remove those files, then resume",
        dir.display()
    ))
    .into())
}

/// The commit `rev` names, if it names one.
fn rev_parse(git: &Git, rev: &str) -> Option<String> {
    git.commit_of(rev)
}

/// The id `ref_name` has on `remote` (`git ls-remote`), with the peeled commit for a tag.
fn ls_remote(git: &Git, remote: &str, ref_name: &str) -> Result<Option<(String, String)>> {
    match git.ls_remote_ref(remote, ref_name) {
        Ok(found) => Ok(found.map(|r| (r.object, r.peeled))),
        Err(RemoteError::Spawn(..)) => Err(anyhow::anyhow!("failed to run `git ls-remote`")),
        Err(RemoteError::Unreachable(stderr)) => Err(fail(
            ErrorCode::RemoteUnreachable,
            format!("cannot read `{ref_name}` on remote `{remote}`: {stderr}"),
        )),
        Err(RemoteError::Rejected(stderr)) => Err(fail(
            ErrorCode::StepFailed,
            format!("cannot read `{ref_name}` on remote `{remote}`: {stderr}"),
        )),
    }
}

/// `git push <remote> <src>:<dst>`, never forced; a refusal is `PUSH_REJECTED`, an
/// unreachable remote `REMOTE_UNREACHABLE`.
fn push(git: &Git, remote: &str, src: &str, dst: &str) -> Result<()> {
    match git.push(remote, src, dst) {
        Ok(()) => Ok(()),
        Err(e @ RemoteError::Spawn(..)) => Err(anyhow::Error::new(e)),
        Err(RemoteError::Unreachable(text)) => Err(Error::coded(
            ErrorCode::RemoteUnreachable,
            format!("cannot reach remote `{remote}` to push `{dst}`:\n{}", last_lines(&text, 6)),
        )
        .with_hint("check the network and the remote's URL, then `git release resume`")
        .into()),
        Err(RemoteError::Rejected(text)) => Err(Error::coded(
            ErrorCode::PushRejected,
            format!("remote `{remote}` refused the push of `{dst}`:\n{}", last_lines(&text, 6)),
        )
        .with_hint("see why the remote refused (protected branch, non-fast-forward, hook), fix it, then `git release resume`")
        .into()),
    }
}

/// The last `n` non-empty lines of `text`, indented, credentials redacted.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    redact(&lines[start..].iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"))
}

// ---- WORKTREE ------------------------------------------------------------------------------

fn worktree(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let path = job.worktree();
    let branch = job.branch();
    if act == Act::Describe {
        let base = job.base.clone();
        job.describe(
            Phase::Worktree,
            format!("git worktree add -b {branch} {} {}", path.display(), short(&base)),
            None,
        );
        return Ok(true);
    }
    match worktree_branch(&path) {
        Some(current) if current == branch => {
            // On resume too (Verify), the worktree must hold exactly what the state says
            // the steps wrote.
            check_worktree(job)?;
            if act == Act::Verify {
                return Ok(true);
            }
            if job.pkg.outputs.base.is_none() {
                job.pkg.outputs.base = rev_parse(&job.wgit(), "HEAD");
            }
            return Ok(true);
        }
        Some(other) => {
            return Err(Error::coded(
                ErrorCode::WorktreeConflict,
                format!("worktree `{}` exists on branch `{other}`, not `{branch}`", path.display()),
            )
            .with_hint(format!(
                "remove it (`{}`) if it is not needed, then resume",
                crate::ui::command_line(&["git", "worktree", "remove", &path.to_string_lossy()])
            ))
            .into());
        }
        None => {}
    }
    if act == Act::Verify {
        return Ok(false);
    }
    if path.exists() {
        let empty = std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none());
        if !empty {
            return Err(Error::coded(
                ErrorCode::WorktreeConflict,
                format!("`{}` exists and is not a worktree of this repository", path.display()),
            )
            .with_hint("move it away, then resume")
            .into());
        }
        std::fs::remove_dir(&path)
            .with_context(|| format!("failed to remove the empty `{}`", path.display()))?;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    let git = job.git();
    // A worktree deleted by hand stays registered until pruned; pruning touches nothing else.
    git.worktree_prune()?;
    let shown = path.display().to_string();
    let existing = rev_parse(&git, &format!("refs/heads/{branch}"));
    let result = match &existing {
        Some(_) => git.worktree_add(&path, &branch, None),
        None => git.worktree_add(&path, &branch, Some(&job.base)),
    };
    result.map_err(|e| {
        fail(ErrorCode::WorktreeConflict, format!("cannot create worktree `{shown}`: {e:#}"))
    })?;
    job.pkg.outputs.base = Some(match existing {
        Some(tip) if job.pkg.outputs.base.is_none() => tip,
        _ => job.pkg.outputs.base.clone().unwrap_or_else(|| job.base.clone()),
    });
    job.pkg.worktree = Some(path.clone());
    job.pkg.branch = Some(branch);
    let dirty = job.wgit().status_paths(Untracked::All)?;
    if !dirty.is_empty() {
        return Err(fail(
            ErrorCode::WorktreeDirty,
            format!("the new worktree `{shown}` is not clean: {}", dirty.join(", ")),
        ));
    }
    Ok(true)
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

// ---- BUMPED, PINNED, CHANGELOG -------------------------------------------------------------

/// Files a step reads and would change: path relative to the root → (old, new).
type Edits = BTreeMap<String, (Option<String>, String)>;

/// The text of `rel` in `dir`, never through a symbolic link out of it (issue 12 item 1).
fn read_text(dir: &Path, rel: &str, code: ErrorCode) -> Result<Option<String>> {
    fsutil::read_text_inside(dir, rel).map_err(|e| step_error(code, &e))
}

/// `err` as a step failure with `code`, keeping its hint.
fn step_error(code: ErrorCode, err: &anyhow::Error) -> anyhow::Error {
    let failure = Error::coded(code, format!("{err:#}"));
    match crate::error::hint(err) {
        Some(hint) => failure.with_hint(hint).into(),
        None => failure.into(),
    }
}

/// The text of `rel` as the step has it so far: an earlier edit of the same step, else the file.
fn current<'e>(
    edits: &'e mut Edits,
    dir: &Path,
    rel: &str,
    code: ErrorCode,
) -> Result<&'e mut (Option<String>, String)> {
    if !edits.contains_key(rel) {
        let text = read_text(dir, rel, code)?
            .ok_or_else(|| fail(code, format!("`{rel}` does not exist")))?;
        edits.insert(rel.to_owned(), (Some(text.clone()), text));
    }
    Ok(edits.get_mut(rel).expect("inserted above"))
}

/// Applies `edits` as `act` says: writes the changed files, or describes them, or answers
/// whether nothing is left to change.
fn apply_edits(
    job: &mut Job<'_>,
    step: Phase,
    act: Act,
    edits: &Edits,
    code: ErrorCode,
) -> Result<bool> {
    let changed: Vec<(&String, &(Option<String>, String))> =
        edits.iter().filter(|(_, (old, new))| old.as_deref() != Some(new.as_str())).collect();
    match act {
        Act::Verify => Ok(changed.is_empty()),
        Act::Describe => {
            for (rel, (old, new)) in changed {
                job.describe(
                    step,
                    format!("write `{rel}`"),
                    Some(changelog::file_diff(rel, old.as_deref(), new)),
                );
            }
            Ok(true)
        }
        Act::Perform => {
            let dir = job.worktree();
            // Record what each file will hold before writing it, so a resume after a kill
            // between the write and the state's save knows the change is the run's own.
            for (rel, (_, new)) in &changed {
                use sha2::{Digest as _, Sha256};
                let print =
                    Sha256::digest(new.as_bytes()).iter().fold(String::new(), |mut hex, b| {
                        let _ = write!(hex, "{b:02x}");
                        hex
                    });
                let known = job.pkg.outputs.files.entry((*rel).clone()).or_default();
                if !known.contains(&print) {
                    known.push(print);
                }
            }
            if !changed.is_empty() {
                (job.checkpoint)(&job.pkg)?;
            }
            for (rel, (_, new)) in changed {
                fsutil::write_inside(&dir, rel, new.as_bytes())
                    .map_err(|e| step_error(code, &e))?;
            }
            Ok(true)
        }
    }
}

fn bumped(job: &mut Job<'_>, act: Act) -> Result<bool> {
    const CODE: ErrorCode = ErrorCode::BumpFailed;
    let dir = job.files_dir(act);
    let version = job.version().to_owned();
    let mut edits = Edits::new();
    for rel in job.pkg.release.version_files.clone() {
        let entry = current(&mut edits, &dir, &rel, CODE)?;
        match edit::set_version(&rel, &entry.1, &version) {
            Ok(new) => entry.1 = new,
            Err(edit::EditError::InheritsWorkspace { .. }) => {
                let root = workspace_root(&dir, &rel).ok_or_else(|| {
                    fail(CODE, format!("`{rel}` inherits its version from a workspace, but no workspace `Cargo.toml` was found above it"))
                })?;
                let entry = current(&mut edits, &dir, &root, CODE)?;
                entry.1 = edit::set_workspace_version(&root, &entry.1, &version)
                    .map_err(|e| fail(CODE, e.to_string()))?;
            }
            Err(e) => return Err(fail(CODE, e.to_string())),
        }
    }
    // The rules recorded when the run started, not today's configuration.
    let rules = job.pkg.release.replace.clone();
    let tag = job.tag();
    for rule in rules {
        let replacement = rule
            .replace
            .replace("{version}", &version)
            .replace("{name}", &job.pkg.name)
            .replace("{tag}", &tag);
        let entry = current(&mut edits, &dir, &rule.file, CODE)?;
        match edit::replace_regex(&entry.1, &rule.search, &replacement, rule.exactly) {
            Ok(new) => entry.1 = new,
            // A rule written for the old text finds nothing once applied (a resumed run).
            Err(edit::EditError::MatchCount { found: 0, .. })
                if !replacement.contains('$') && entry.1.contains(&replacement) => {}
            Err(e) => return Err(fail(CODE, format!("`{}`: {e}", rule.file))),
        }
    }
    apply_edits(job, Phase::Bumped, act, &edits, CODE)
}

/// The `Cargo.toml` with a `[workspace]` table in a folder above `rel` (relative to `dir`).
fn workspace_root(dir: &Path, rel: &str) -> Option<String> {
    let mut folder = Path::new(rel).parent();
    while let Some(f) = folder {
        let candidate = if f.as_os_str().is_empty() {
            "Cargo.toml".to_owned()
        } else {
            format!("{}/Cargo.toml", f.display())
        };
        if candidate != rel
            && let Ok(Some(text)) = fsutil::read_text_inside(dir, &candidate)
            && text
                .parse::<toml_edit::DocumentMut>()
                .ok()
                .is_some_and(|d| d.get("workspace").is_some())
        {
            return Some(candidate);
        }
        folder = f.parent();
    }
    None
}

fn pinned(job: &mut Job<'_>, act: Act) -> Result<bool> {
    const CODE: ErrorCode = ErrorCode::BumpFailed;
    let dir = job.files_dir(act);
    let deps: Vec<(String, String)> = job
        .pkg
        .release
        .depends_on
        .iter()
        .filter_map(|d| job.released.get(d))
        .map(|r| (r.manifest_name.clone(), r.version.clone()))
        .collect();
    let mut edits = Edits::new();
    if !deps.is_empty() {
        for rel in job.pkg.release.version_files.clone() {
            let kind = manifest::kind_of(&rel);
            if kind == Kind::Plain {
                continue;
            }
            let entry = current(&mut edits, &dir, &rel, CODE)?;
            for (name, version) in &deps {
                let (new, _) =
                    edit::set_dependency(&rel, &entry.1, name, &edit::pin(version, kind))
                        .map_err(|e| fail(CODE, e.to_string()))?;
                entry.1 = new;
            }
        }
    }
    apply_edits(job, Phase::Pinned, act, &edits, CODE)
}

/// The package's changelog section for this release, rendered from the recorded commits.
fn section(job: &Job<'_>, dir: &Path) -> Result<String> {
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

fn changelog_step(job: &mut Job<'_>, act: Act) -> Result<bool> {
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

// ---- LOCKED, LINT, publish: configured commands -----------------------------------------

/// Splits a `[commands]` entry into argv (shell quoting rules, no expansion) and expands
/// `{name}`, `{version}` and `{tag}` in each argument.
///
/// # Errors
/// Unbalanced quotes, or an empty command.
pub fn command_argv(command: &str, name: &str, version: &str, tag: &str) -> Result<Vec<String>> {
    let words = shell_words::split(command)
        .map_err(|e| anyhow::anyhow!("cannot split `{command}` into arguments: {e}"))?;
    anyhow::ensure!(!words.is_empty(), "the command is empty");
    Ok(words
        .into_iter()
        .map(|w| w.replace("{name}", name).replace("{version}", version).replace("{tag}", tag))
        .collect())
}

/// Runs a configured command in `dir`; on failure, `code` with the command and its last lines.
/// Runs a `[commands]` entry in `dir`, killed past `limit` (`commands.timeout_secs`).
///
/// # Errors
/// It cannot start or fails (`code`), or runs past the limit (`TIMEOUT`); the message has
/// its last lines.
fn run_command(
    argv: &[String],
    dir: &Path,
    limit: Duration,
    code: ErrorCode,
    what: &str,
) -> Result<String> {
    let shown = shell_words::join(argv);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).current_dir(dir);
    let ended = crate::child::output_within(&mut cmd, Some(limit))
        .map_err(|e| fail(code, format!("cannot run {what} `{shown}`: {e}")))?;
    let text = |out: &[u8], err: &[u8]| {
        format!("{}{}", String::from_utf8_lossy(out), String::from_utf8_lossy(err))
    };
    match ended {
        crate::child::Ended::TimedOut { stdout, stderr } => Err(Error::coded(
            ErrorCode::Timeout,
            format!(
                "{what} `{shown}` did not finish within {} s and was stopped:\n{}",
                limit.as_secs(),
                last_lines(&text(&stdout, &stderr), 10)
            ),
        )
        .with_hint("raise `commands.timeout_secs` or fix the command, then `git release resume`")
        .into()),
        crate::child::Ended::Exited { status, stdout, stderr } => {
            let text = text(&stdout, &stderr);
            if !status.success() {
                return Err(fail(
                    code,
                    format!("{what} `{shown}` failed ({status}):\n{}", last_lines(&text, 10)),
                ));
            }
            Ok(text)
        }
    }
}

fn command_step(job: &mut Job<'_>, act: Act, step: Phase) -> Result<bool> {
    let (configured, code, what) = match step {
        Phase::Locked => {
            (job.env.config.commands.lock.clone(), ErrorCode::LockFailed, "`commands.lock`")
        }
        _ => (job.env.config.commands.lint.clone(), ErrorCode::LintFailed, "`commands.lint`"),
    };
    let Some(command) = configured else { return Ok(true) };
    let argv = command_argv(&command, job.name(), job.version(), &job.tag())
        .map_err(|e| fail(code, format!("{what}: {e:#}")))?;
    match act {
        // The command leaves no trace to check; its effect is in the release commit.
        Act::Verify => Ok(true),
        Act::Describe => {
            job.describe(step, format!("run {what}: {}", shell_words::join(&argv)), None);
            Ok(true)
        }
        Act::Perform => {
            let result =
                run_command(&argv, &job.worktree(), job.env.config.commands.timeout(), code, what);
            // What the command changed is the run's own, whether it succeeded or not.
            record_changes(job)?;
            result?;
            Ok(true)
        }
    }
}

// ---- COMMITTED, PUSHED ---------------------------------------------------------------------

fn committed(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let message = commit_message(job.name(), job.version());
    if act == Act::Describe {
        job.describe(
            Phase::Committed,
            format!("git commit -m '{message}'  (in the worktree, on `{}`)", job.branch()),
            None,
        );
        return Ok(true);
    }
    let wgit = job.wgit();
    // The release commit is on the branch after its base (on a shared branch, later
    // packages' commits may follow it).
    let base = job.pkg.outputs.base.clone().unwrap_or_default();
    let range = if base.is_empty() { "HEAD".to_owned() } else { format!("{base}..HEAD") };
    let found = wgit.log_subjects(&range)?.into_iter().find(|(_, s)| *s == message);
    if let Some((id, _)) = found {
        job.pkg.outputs.commit = Some(id);
        return Ok(true);
    }
    if act == Act::Verify {
        return Ok(false);
    }
    // Stage exactly the files the steps changed, never `git add -A` (issue 12 item 10).
    check_worktree(job)?;
    let paths: Vec<String> = job.pkg.outputs.files.keys().cloned().collect();
    wgit.add_paths(&paths)?;
    wgit.commit(&message)
        .map_err(|e| fail(ErrorCode::StepFailed, format!("cannot commit the release: {e:#}")))?;
    job.pkg.outputs.commit = rev_parse(&wgit, "HEAD");
    Ok(true)
}

fn pushed(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let dst = job.target_ref();
    let remote = job.run.remote.clone();
    if act == Act::Describe {
        job.describe(Phase::Pushed, format!("git push {remote} <release commit>:{dst}"), None);
        return Ok(true);
    }
    // Once the pull request is merged, the release branch has done its job (the forge may
    // have deleted it): nothing to push again.
    if act == Act::Verify && job.pkg.pr.as_ref().is_some_and(|p| p.merge_commit.is_some()) {
        return Ok(true);
    }
    let Some(commit) = job.pkg.outputs.commit.clone() else {
        return Err(fail(ErrorCode::StepFailed, "the run state has no release commit to push"));
    };
    let git = job.git();
    let tip = ls_remote(&git, &remote, &dst)?.map(|(id, _)| id);
    let done = match &tip {
        Some(tip) if *tip == commit => true,
        Some(tip) => git.is_ancestor(&commit, tip),
        None => false,
    };
    if done || act == Act::Verify {
        return Ok(done);
    }
    push(&git, &remote, &commit, &dst)?;
    Ok(true)
}

// ---- PR_CREATED, MERGED (mode pr) -----------------------------------------------------------

fn forge_error(what: &str, err: &RetryError) -> anyhow::Error {
    let hint = match err.failure.kind {
        FailureKind::Auth => "run `gh auth login` (or set `GH_TOKEN`), then `git release resume`",
        FailureKind::Timeout => {
            "check the network and the forge's status (or raise `forge.timeout_secs`), then `git release resume`"
        }
        _ => "fix what gh says, then `git release resume`",
    };
    Error::coded(err.code(), format!("{what}: {err}")).with_hint(hint).into()
}

/// `gh`'s JSON answer read as `T`, the fields the step needs (issue 12, item 5); anything
/// else fails the step with `FORGE_FAILED` and the raw answer.
fn json_of<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    forge::answer(what, text).map_err(|e| {
        Error::coded(ErrorCode::ForgeFailed, e)
            .with_hint("check `gh --version` and what the forge answers, then `git release resume`")
            .into()
    })
}

/// A pull request as `gh pr list --json number,url,state` lists it.
#[derive(serde::Deserialize)]
struct ListedPr {
    number: u64,
    url: String,
    state: String,
}

/// A pull request as `gh pr view --json state,mergeCommit` shows it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ViewedPr {
    state: String,
    merge_commit: Option<MergeCommit>,
}

/// The `mergeCommit` of [`ViewedPr`].
#[derive(serde::Deserialize)]
struct MergeCommit {
    oid: String,
}

/// A release as `gh release view --json url` shows it.
#[derive(serde::Deserialize)]
struct ViewedRelease {
    url: String,
}

/// A workflow run as `gh run list --json databaseId,url,status,conclusion` lists it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedRun {
    database_id: u64,
    url: String,
}

/// The open or merged pull request from the release branch, if one exists.
fn find_pr(job: &Job<'_>) -> Result<Option<PullRequest>> {
    let gh = job.gh()?;
    let branch = job.branch();
    let request = Request::PrList { head: branch.as_str(), base: Some(job.run.branch.as_str()) };
    let out = match gh.call(&job.env.root, &request) {
        Ok(Outcome::Done(out)) => out,
        Ok(Outcome::AlreadyExists(_)) => String::from("[]"),
        Err(e) => return Err(forge_error("cannot list pull requests", &e)),
    };
    let list: Vec<ListedPr> = json_of(&out, "gh pr list")?;
    Ok(list.into_iter().find(|pr| !pr.state.eq_ignore_ascii_case("closed")).map(|pr| PullRequest {
        number: pr.number,
        url: pr.url,
        merge_commit: None,
    }))
}

fn pr_body(job: &Job<'_>) -> String {
    if job.run.shared_pr && !job.run.pr_packages.is_empty() {
        let mut body =
            format!("Release run `{}`, plan `{}`:\n\n", job.run.run_id, job.run.plan_hash);
        for (name, version) in &job.run.pr_packages {
            let _ = writeln!(body, "- `{name}` {version}");
        }
        return body;
    }
    let mut body = format!(
        "Release of `{}` {} → {}, run `{}`, plan `{}`.\n\n",
        job.pkg.name,
        job.pkg.current_version.as_deref().unwrap_or("(first release)"),
        job.pkg.next_version,
        job.run.run_id,
        job.run.plan_hash
    );
    let listed = changes_of(&job.pkg.release.changes);
    if !listed.is_empty() {
        body.push_str("## Changes\n\n");
        body.push_str(&listed);
    }
    body
}

fn pr_created(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let branch = job.branch();
    let title = job.pr_title();
    let body = pr_body(job);
    let base = job.run.branch.clone();
    let request = Request::PrCreate {
        base: base.as_str(),
        head: branch.as_str(),
        title: title.as_str(),
        body: body.as_str(),
    };
    if act == Act::Describe {
        job.describe(Phase::PrCreated, github::shown_request(&request), Some(body.clone()));
        return Ok(true);
    }
    if let Some(pr) = find_pr(job)? {
        job.pkg.pr = Some(pr);
        return Ok(true);
    }
    if act == Act::Verify {
        return Ok(false);
    }
    let gh = job.gh()?;
    match gh.call(&job.worktree(), &request) {
        Ok(Outcome::Done(_) | Outcome::AlreadyExists(_)) => {}
        Err(e) => return Err(forge_error("cannot create the pull request", &e)),
    }
    let pr = find_pr(job)?.ok_or_else(|| {
        fail(
            ErrorCode::ForgeFailed,
            format!("`gh pr create` succeeded, but no pull request from `{branch}` is listed"),
        )
    })?;
    job.pkg.pr = Some(pr);
    Ok(true)
}

/// `(state, merge commit)` of the run's pull request.
fn pr_state(job: &Job<'_>, number: u64) -> Result<(String, Option<String>)> {
    let gh = job.gh()?;
    let n = number.to_string();
    let out =
        match gh.call(&job.env.root, &Request::PrView { number: n.as_str(), merge_commit: true }) {
            Ok(Outcome::Done(out)) => out,
            Ok(Outcome::AlreadyExists(m)) => m,
            Err(e) => return Err(forge_error(&format!("cannot read pull request #{number}"), &e)),
        };
    let view: ViewedPr = json_of(&out, "gh pr view")?;
    Ok((view.state.to_ascii_uppercase(), view.merge_commit.map(|m| m.oid)))
}

/// A spinner on stderr while `what` runs, only on a terminal.
fn spinner(job: &Job<'_>, message: String) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() || job.env.ui.quiet() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

fn merged(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let number = job.pkg.pr.as_ref().map(|p| p.number);
    if act == Act::Describe {
        let n = number.map_or_else(|| "<pr>".to_owned(), |n| n.to_string());
        job.describe(Phase::Merged, github::shown_checks_watch(&n), None);
        let subject = format!("{} (#{n})", job.pr_title());
        job.describe(
            Phase::Merged,
            github::shown_request(&Request::PrMerge {
                number: n.as_str(),
                subject: subject.as_str(),
            }),
            None,
        );
        return Ok(true);
    }
    let Some(number) = number else {
        return Err(fail(ErrorCode::StepFailed, "the run state has no pull request to merge"));
    };
    let (state, oid) = pr_state(job, number)?;
    match state.as_str() {
        "MERGED" => {
            let oid = oid.ok_or_else(|| {
                fail(
                    ErrorCode::ForgeFailed,
                    format!("pull request #{number} is merged, but gh gives no merge commit"),
                )
            })?;
            if let Some(pr) = &mut job.pkg.pr {
                pr.merge_commit = Some(oid);
            }
            return Ok(true);
        }
        "CLOSED" => {
            return Err(Error::coded(
                ErrorCode::StepFailed,
                format!("pull request #{number} was closed without being merged"),
            )
            .with_hint("reopen it, or roll the run back with `git release rollback --run`")
            .into());
        }
        _ => {}
    }
    if act == Act::Verify {
        return Ok(false);
    }
    let gh = job.gh()?;
    let n = number.to_string();
    let bar = spinner(job, format!("waiting for the checks of pull request #{number}"));
    let checks = gh.once_within(
        &job.worktree(),
        &Request::PrChecksWatch { number: n.as_str() },
        job.env.config.forge.wait_timeout(),
    );
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Err(failure) = checks {
        let lower = failure.message.to_lowercase();
        if !lower.contains("no checks reported") {
            if matches!(failure.kind, FailureKind::Auth | FailureKind::Timeout) {
                return Err(forge_error(
                    &format!("cannot read the checks of pull request #{number}"),
                    &RetryError { failure, attempts: 1 },
                ));
            }
            return Err(Error::coded(
                ErrorCode::ChecksFailed,
                format!(
                    "the checks of pull request #{number} failed:\n{}",
                    last_lines(&failure.message, 10)
                ),
            )
            .with_hint(format!(
                "fix the failures on `{}` (or re-run the checks), then `git release resume`",
                job.branch()
            ))
            .into());
        }
    }
    let subject = format!("{} (#{number})", job.pr_title());
    match gh
        .call(&job.worktree(), &Request::PrMerge { number: n.as_str(), subject: subject.as_str() })
    {
        Ok(_) => {}
        Err(e) if e.failure.message.to_lowercase().contains("already merged") => {}
        Err(e) => return Err(forge_error(&format!("cannot merge pull request #{number}"), &e)),
    }
    let (state, oid) = pr_state(job, number)?;
    match (state.as_str(), oid) {
        ("MERGED", Some(oid)) => {
            if let Some(pr) = &mut job.pkg.pr {
                pr.merge_commit = Some(oid);
            }
            Ok(true)
        }
        _ => Err(fail(
            ErrorCode::ForgeFailed,
            format!("pull request #{number} is `{state}` after `gh pr merge`, not merged"),
        )),
    }
}

// ---- TAGGED --------------------------------------------------------------------------------

/// The tag message: the tag, then the commits that asked for the release.
///
/// `changes` is a [`change_list`]; an empty one gives the first line only.
pub fn tag_message(tag: &str, changes: &str) -> String {
    if changes.is_empty() {
        format!("Release {tag}\n")
    } else {
        format!("Release {tag}\n\n{changes}")
    }
}

/// `- <summary> (<short id>)`, one line per change that asked for a release (its bump is
/// not `none`), from `(summary, commit id, bump)` triples; empty when none did.
pub fn change_list<'a>(changes: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (summary, commit, bump) in changes {
        if bump != "none" {
            let summary = crate::ui::markdown_safe(summary);
            let _ = writeln!(out, "- {summary} ({})", &commit[..commit.len().min(7)]);
        }
    }
    out
}

/// The [`change_list`] of recorded changes.
fn changes_of(changes: &[super::state::Change]) -> String {
    change_list(changes.iter().map(|c| (c.summary.as_str(), c.commit.as_str(), c.bump.as_str())))
}

fn tagged(job: &mut Job<'_>, act: Act) -> Result<bool> {
    let tag = job.tag();
    let remote = job.run.remote.clone();
    let target = match job.run.mode {
        Mode::Direct => job.pkg.outputs.commit.clone(),
        Mode::Pr => job.pkg.pr.as_ref().and_then(|p| p.merge_commit.clone()),
    };
    if act == Act::Describe {
        let at = match job.run.mode {
            Mode::Direct => "<release commit>",
            Mode::Pr => "<merge commit>",
        };
        job.describe(
            Phase::Tagged,
            format!("git tag -a {tag} {at} -m 'Release {tag}'"),
            Some(tag_message(&tag, &changes_of(&job.pkg.release.changes))),
        );
        job.describe(
            Phase::Tagged,
            format!("git push {remote} refs/tags/{tag}:refs/tags/{tag}"),
            None,
        );
        return Ok(true);
    }
    let Some(target) = target else {
        return Err(fail(ErrorCode::StepFailed, "the run state has no commit to tag"));
    };
    let git = job.git();
    let remote_tag = ls_remote(&git, &remote, &format!("refs/tags/{tag}"))?;
    let local_tag = rev_parse(&git, &format!("refs/tags/{tag}"));
    if let Some((_, peeled)) = &remote_tag
        && *peeled != target
    {
        return Err(Error::coded(
            ErrorCode::TagConflict,
            format!("tag `{tag}` exists on remote `{remote}` at commit {}, not at the release commit {}", short(peeled), short(&target)),
        )
        .with_hint("a published tag is never moved: find out who created it; release a new version if it stays")
        .into());
    }
    if let Some(local) = &local_tag
        && *local != target
    {
        return Err(Error::coded(
            ErrorCode::TagConflict,
            format!(
                "local tag `{tag}` points at commit {}, not at the release commit {}",
                short(local),
                short(&target)
            ),
        )
        .with_hint(format!(
            "if the local tag was never pushed, delete it (`{}`), then resume",
            crate::ui::command_line(&["git", "tag", "-d", &tag])
        ))
        .into());
    }
    if remote_tag.is_some() && local_tag.is_some() {
        check_tagged_versions(job, &git, &target)?;
        job.pkg.outputs.tagged_commit = Some(target);
        return Ok(true);
    }
    if act == Act::Verify {
        return Ok(false);
    }
    if remote_tag.is_some() {
        git.fetch_tag(&remote, &tag, false)?;
        check_tagged_versions(job, &git, &target)?;
        job.pkg.outputs.tagged_commit = Some(target);
        return Ok(true);
    }
    if local_tag.is_none() {
        if rev_parse(&git, &target).is_none() {
            // The merge commit was made on the forge: fetch the release branch to have it.
            let spec = format!("refs/heads/{}", job.run.branch);
            git.fetch(&remote, &spec).map_err(|e| {
                let text = format!("{e:#}");
                let code = if is_unreachable(&text) {
                    ErrorCode::RemoteUnreachable
                } else {
                    ErrorCode::StepFailed
                };
                fail(code, format!("cannot fetch the merge commit {}: {text}", short(&target)))
            })?;
        }
        check_tagged_versions(job, &git, &target)?;
        let message = tag_message(&tag, &changes_of(&job.pkg.release.changes));
        git.tag_annotated(&tag, &target, &message, false).map_err(|e| {
            fail(ErrorCode::StepFailed, format!("cannot create tag `{tag}`: {e:#}"))
        })?;
    }
    push(&git, &remote, &format!("refs/tags/{tag}"), &format!("refs/tags/{tag}"))?;
    job.pkg.outputs.tagged_commit = Some(target);
    Ok(true)
}

/// Checks that the version files of the package hold the version being tagged at `commit`
/// (issue 12 item 4): a tag is never created, nor a pushed one accepted, on a commit whose
/// bump was lost (two packages sharing a release branch, a command that undid the bump).
fn check_tagged_versions(job: &Job<'_>, git: &Git, commit: &str) -> Result<()> {
    let version = job.version().to_owned();
    let mut stale = Vec::new();
    for rel in &job.pkg.release.version_files {
        let Some(text) = git.blob_at(commit, rel)? else {
            stale.push(format!("`{rel}` is missing"));
            continue;
        };
        match edit::set_version(rel, &text, &version) {
            Ok(new) if new == text => {}
            // The version is the workspace's: the workspace file is one of those checked, or
            // BUMPED's own verification covers it.
            Err(edit::EditError::InheritsWorkspace { .. }) => {}
            _ => {
                let found = manifest::parse(rel, &text)
                    .ok()
                    .and_then(|m| m.version)
                    .unwrap_or_else(|| "no version".to_owned());
                stale.push(format!("`{rel}` says `{found}`"));
            }
        }
    }
    if stale.is_empty() {
        return Ok(());
    }
    Err(Error::coded(
        ErrorCode::StepFailed,
        format!(
            "the commit to tag `{}` ({}) does not hold version `{version}`: {}",
            job.tag(),
            short(commit),
            stale.join(", ")
        ),
    )
    .with_hint("the release commit lost its bump: find out why (`git show` the commit), then start a new run")
    .into())
}

/// Checks that no two packages of a run share a release branch or worktree (issue 12 item
/// 4): `a/b` and `a-b` would both be `release/<run>/a-b`. `lanes` are the package names
/// with their own lane.
///
/// # Errors
/// Two names with the same slug: a usage error naming both, with a hint to release them in
/// separate runs.
pub fn check_unique_lanes<'a>(lanes: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for name in lanes {
        if let Some(other) = seen.insert(slug(name), name)
            && other != name
        {
            return Err(crate::error::Error::usage(format!(
                "packages `{other}` and `{name}` would share the release branch `{}`",
                branch_name("<run>", Some(name))
            ))
            .with_hint(format!(
                "release them in separate runs (`git release run {other}`, then `git release run {name}`), or rename one"
            ))
            .into());
        }
    }
    Ok(())
}

// ---- PUBLISHED -----------------------------------------------------------------------------

fn release_url(job: &Job<'_>, tag: &str) -> Result<Option<String>> {
    let gh = job.gh()?;
    match gh.lookup(&job.env.root, &Request::ReleaseUrl { tag }) {
        Ok(Some(out)) => Ok(Some(json_of::<ViewedRelease>(&out, "gh release view")?.url)),
        Ok(None) => Ok(None),
        Err(e) => Err(forge_error(&format!("cannot look up the release `{tag}`"), &e)),
    }
}

/// Waits for the run of `workflow` the tag started, and fails the step when it fails.
fn wait_workflow(job: &mut Job<'_>, workflow: &str, tag: &str) -> Result<()> {
    let gh = job.gh()?.clone();
    let dir = job.env.root.clone();
    let timeout = job.env.config.forge.wait_timeout();
    let started = std::time::Instant::now();
    let bar = spinner(job, format!("waiting for workflow `{workflow}` on `{tag}`"));
    let request = Request::WorkflowRuns { workflow, tag };
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
        if let Some(run) = list.into_iter().next() {
            break run;
        }
        if started.elapsed() >= timeout {
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
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
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
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

fn published(job: &mut Job<'_>, act: Act) -> Result<bool> {
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
    if act == Act::Describe {
        if let Some(w) = &workflow {
            job.describe(Phase::Published, github::shown_workflow_wait(w, &tag), None);
        }
        if let Some(command) = &publish {
            let argv = command_argv(command, &job.pkg.name, &job.pkg.next_version, &tag)?;
            job.describe(
                Phase::Published,
                format!("run `commands.publish`: {}", shell_words::join(&argv)),
                None,
            );
        }
        job.describe(Phase::Published, github::shown_request(&create), Some(notes));
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
        let argv = command_argv(command, &job.pkg.name, &job.pkg.next_version, &tag)
            .map_err(|e| fail(ErrorCode::PublishFailed, format!("`commands.publish`: {e:#}")))?;
        let limit = job.env.config.commands.timeout();
        match run_command(
            &argv,
            &job.worktree(),
            limit,
            ErrorCode::PublishFailed,
            "`commands.publish`",
        ) {
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
    }
    let gh = job.gh()?;
    match gh.call(&job.worktree(), &create) {
        Ok(_) => {}
        Err(e) => return Err(forge_error(&format!("cannot create the forge release `{tag}`"), &e)),
    }
    job.pkg.outputs.release_url = release_url(job, &tag)?;
    if job.pkg.outputs.release_url.is_none() {
        return Err(fail(
            ErrorCode::PublishFailed,
            format!(
                "`gh release create {tag}` succeeded, but `gh release view {tag}` does not find it"
            ),
        ));
    }
    Ok(true)
}
