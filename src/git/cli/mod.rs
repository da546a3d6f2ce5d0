//! The `git` binary, for what must honour the user's git setup or that gix does not do:
//! push, fetch, `ls-remote`, annotated and signed tags, worktrees, commits.
//!
//! Every child is built by [`Git::command`]: the `git` found on PATH with `which` (once per
//! process), an argument vector (never a shell string), `-C <dir>`, `core.fsmonitor=false`,
//! `GIT_OPTIONAL_LOCKS=0`, and `LC_ALL` removed with `LC_MESSAGES=C` so git's messages can be
//! matched; each command is logged under `-vv`. The rest of the crate calls the typed
//! operations below and never spells a git argument vector: this module is the only place
//! that starts git. [`check_version`] refuses a git older than [`MIN_GIT`].

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use anyhow::{Context, Result};

use crate::error::{Error, redact};

mod sync;

pub use sync::{AdvertisedRef, RawChange, parse_raw_diff};

/// A way to run git in one repository.
#[derive(Debug, Clone)]
pub struct Git {
    program: PathBuf,
    dir: PathBuf,
}

/// A remote ref as `git ls-remote` reports it: the object, and the peeled commit for an
/// annotated tag (the `^{}` line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRef {
    /// The object the ref points to (a tag object for an annotated tag).
    pub object: String,
    /// The commit it peels to; equal to `object` for a lightweight tag.
    pub peeled: String,
}

impl Git {
    /// Runs git in `dir` (the work tree, or the git dir of a bare repository). The binary is
    /// `git` as `which` finds it on PATH (looked up once per process).
    pub fn new(dir: &Path) -> Self {
        Self { program: program().to_owned(), dir: dir.to_owned() }
    }

    /// A `git` command with the project's fixed settings; add arguments and run it.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(&self.program);
        cmd.arg("-C")
            .arg(&self.dir)
            .args(["-c", "core.fsmonitor=false"])
            .args(args)
            .env_remove("LC_ALL")
            .env("LC_MESSAGES", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            // `git status` and friends refresh `.git/index` when timestamps are stale:
            // read-only commands (`check`, `plan`, `run --dry-run`) must leave `.git`
            // byte-identical (issue 12 item 13).
            .env("GIT_OPTIONAL_LOCKS", "0")
            .stdin(Stdio::null());
        crate::ui::trace(&|| {
            let shown: Vec<String> =
                cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
            format!("running git {}", redact(&shown.join(" ")))
        });
        cmd
    }

    /// Runs `git <args>`, capturing its output.
    ///
    /// # Errors
    /// git cannot be started, or exits non-zero: the error carries the command and git's
    /// stderr, with any credentials in URLs redacted.
    pub fn run<I, S>(&self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let shown =
            args.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
        let out = self
            .command(&args)
            .output()
            .with_context(|| format!("failed to run `git {}`", redact(&shown)))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(Error::failed(crate::error::with_detail(
                &format!("`git {}` failed", redact(&shown)),
                &redact(stderr.trim()),
            ))
            .into());
        }
        Ok(out)
    }

    /// The tags on `remote`, by short name, from one `git ls-remote --tags` call.
    ///
    /// # Errors
    /// The remote cannot be reached or does not exist (git's reason is kept).
    pub fn ls_remote_tags(&self, remote: &str) -> Result<BTreeMap<String, RemoteRef>> {
        let out = self.run(["ls-remote", "--tags", "--", remote]).map_err(|e| {
            Error::failed(format!("cannot read the tags of remote `{remote}`: {e}")).with_hint(
                "check the remote's URL (`git remote -v`) and your network or credentials",
            )
        })?;
        Ok(parse_ls_remote(&String::from_utf8_lossy(&out.stdout)))
    }
}

/// The oldest git this tool is tested with (`status --porcelain=v1 -z`, `worktree add`,
/// `push --atomic`, `rev-parse --git-path` all predate it).
pub const MIN_GIT: (u32, u32) = (2, 25);

/// The `git` program: the one `which` finds on PATH, else plain `git` (so starting it fails
/// with the usual "not found").
fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| which::which("git").unwrap_or_else(|_| PathBuf::from("git")))
}

/// `(major, minor)` from `git --version`'s answer, e.g. `git version 2.43.0`.
///
/// ```
/// use git_release::git::cli::parse_version;
/// assert_eq!(parse_version("git version 2.43.0"), (2, 43));
/// assert_eq!(parse_version("git version 2.39.3 (Apple Git-146)"), (2, 39));
/// ```
pub fn parse_version(text: &str) -> (u32, u32) {
    let version = text.trim().strip_prefix("git version ").unwrap_or(text.trim());
    let mut parts = version.split(|c: char| !c.is_ascii_digit()).filter_map(|p| p.parse().ok());
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Checks once per process that git is at least [`MIN_GIT`].
///
/// # Errors
/// git cannot be run, or is older (exit 1, with a hint).
pub fn check_version() -> Result<()> {
    static CHECKED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    let checked = CHECKED.get_or_init(|| {
        let text = Git::new(Path::new(".")).version().map_err(|e| format!("{e:#}"))?;
        let version = text.strip_prefix("git version ").unwrap_or(&text).to_owned();
        if parse_version(&text) >= MIN_GIT {
            Ok(())
        } else {
            Err(format!("git {version} is older than {}.{}", MIN_GIT.0, MIN_GIT.1))
        }
    });
    checked.clone().map_err(|message| {
        Error::failed(message)
            .with_hint(format!("install git {}.{} or later", MIN_GIT.0, MIN_GIT.1))
            .into()
    })
}

/// Whether a git failure's text says the remote could not be reached.
pub fn is_unreachable(text: &str) -> bool {
    let text = text.to_lowercase();
    [
        "could not read from remote",
        "unable to access",
        "connection refused",
        "could not resolve host",
        "does not appear to be a git repository",
        "unable to connect",
        "connection reset",
        "timed out",
        "unable to look up",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Why a remote operation failed: the remote could not be reached, or it (or git) refused.
/// Each carries git's output, credentials redacted.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// git could not be started.
    #[error("failed to run `git {0}`")]
    Spawn(&'static str, #[source] std::io::Error),
    /// The network, the daemon or the URL: the remote was not reached.
    #[error("{0}")]
    Unreachable(String),
    /// The remote was reached and refused (protected branch, non-fast-forward, hook), or git
    /// failed otherwise.
    #[error("{0}")]
    Rejected(String),
}

/// A finished `git push`'s outcome: `Ok` on success, else why, from its output (credentials
/// redacted): [`RemoteError::Unreachable`] or [`RemoteError::Rejected`].
///
/// # Errors
/// The push failed.
pub fn push_result(out: &Output) -> std::result::Result<(), RemoteError> {
    if out.status.success() {
        return Ok(());
    }
    Err(remote_error(&format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )))
}

/// Classifies the output of a failed remote operation (`push`, `ls-remote`): credentials
/// redacted, then [`RemoteError::Unreachable`] when [`is_unreachable`] says the remote was
/// not reached, else [`RemoteError::Rejected`]. The one place that decides it.
pub fn remote_error(text: &str) -> RemoteError {
    let text = redact(text);
    if is_unreachable(&text) { RemoteError::Unreachable(text) } else { RemoteError::Rejected(text) }
}

/// Which untracked files [`Git::status_paths`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untracked {
    /// Every untracked file, not only its folder; submodules included.
    All,
    /// Untracked folders as one entry (git's default).
    Normal,
}

/// Parses `git status --porcelain=v1 -z`: the paths, both paths of a rename or copy.
pub fn parse_status(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut entries = text.split('\0').filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        let (status, path) = (entry.get(..2).unwrap_or(""), entry.get(3..).unwrap_or(entry));
        paths.push(path.to_owned());
        if status.contains('R') || status.contains('C') {
            paths.extend(entries.next().map(str::to_owned));
        }
    }
    paths
}

/// The typed operations; each is one git command.
impl Git {
    fn text<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Ok(String::from_utf8_lossy(&self.run(args)?.stdout).into_owned())
    }

    /// `git --version`, trimmed.
    ///
    /// # Errors
    /// git cannot be run.
    pub fn version(&self) -> Result<String> {
        Ok(self.text(["--version"])?.trim().to_owned())
    }

    /// `git --exec-path`: where git looks for `git-<name>` programs.
    ///
    /// # Errors
    /// git cannot be run.
    pub fn exec_path(&self) -> Result<PathBuf> {
        Ok(PathBuf::from(self.text(["--exec-path"])?.trim()))
    }

    /// `git rev-parse --git-path <name>`, made absolute against the directory git runs in.
    ///
    /// # Errors
    /// Not a repository.
    pub fn git_path(&self, name: &str) -> Result<PathBuf> {
        let path = PathBuf::from(self.text(["rev-parse", "--git-path", name])?.trim());
        Ok(if path.is_absolute() { path } else { self.dir.join(path) })
    }

    /// The id `rev` names (`rev-parse --verify -q`), or `None`.
    pub fn rev_parse(&self, rev: &str) -> Option<String> {
        let text = self.text(["rev-parse", "--verify", "-q", "--end-of-options", rev]).ok()?;
        Some(text.trim().to_owned())
    }

    /// The commit `rev` names (peeling tags), or `None`.
    pub fn commit_of(&self, rev: &str) -> Option<String> {
        self.rev_parse(&format!("{rev}^{{commit}}"))
    }

    /// Whether `ancestor` is an ancestor of (or equal to) `descendant`; `false` when either is
    /// missing locally.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        self.command(["merge-base", "--is-ancestor", ancestor, descendant])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The branch checked out here (`symbolic-ref -q HEAD`, without `refs/heads/`), or `None`
    /// on a detached HEAD or outside a repository.
    pub fn head_branch(&self) -> Option<String> {
        let text = self.text(["symbolic-ref", "-q", "HEAD"]).ok()?;
        let text = text.trim();
        Some(text.strip_prefix("refs/heads/").unwrap_or(text).to_owned())
    }

    /// The paths `git status` lists as changed or untracked (not ignored).
    ///
    /// # Errors
    /// git fails.
    pub fn status_paths(&self, untracked: Untracked) -> Result<Vec<String>> {
        let mut args = vec!["--no-optional-locks", "status", "--porcelain=v1", "-z"];
        match untracked {
            Untracked::All => {
                args.extend(["--untracked-files=all", "--ignore-submodules=none"]);
            }
            Untracked::Normal => args.push("--untracked-files=normal"),
        }
        Ok(parse_status(&self.text(args)?))
    }

    /// `git status --short --branch`, for people.
    ///
    /// # Errors
    /// git fails.
    pub fn status_short(&self) -> Result<String> {
        self.text(["--no-optional-locks", "status", "--short", "--branch"])
    }

    /// `(ahead, behind)` of HEAD against `upstream`.
    ///
    /// # Errors
    /// git fails or answers something else than two counts.
    pub fn ahead_behind(&self, upstream: &str) -> Result<(usize, usize)> {
        self.ahead_behind_of("HEAD", upstream)
    }

    /// How many commits `rev` has that `other` lacks, and the other way round.
    ///
    /// # Errors
    /// git fails or answers something else than two counts.
    pub fn ahead_behind_of(&self, rev: &str, other: &str) -> Result<(usize, usize)> {
        let text =
            self.text(["rev-list", "--left-right", "--count", &format!("{rev}...{other}")])?;
        let mut parts = text.split_whitespace().map(str::parse::<usize>);
        match (parts.next(), parts.next()) {
            (Some(Ok(ahead)), Some(Ok(behind))) => Ok((ahead, behind)),
            _ => anyhow::bail!("unexpected `git rev-list --count` output `{}`", text.trim()),
        }
    }

    /// `(id, subject)` of the commits in `range`, newest first.
    ///
    /// # Errors
    /// git fails.
    pub fn log_subjects(&self, range: &str) -> Result<Vec<(String, String)>> {
        let text = self.text(["log", "--format=%H%x00%s", range, "--"])?;
        Ok(text
            .lines()
            .filter_map(|l| l.split_once('\0'))
            .map(|(id, s)| (id.to_owned(), s.to_owned()))
            .collect())
    }

    /// The text of `rel` at `commit`, or `None` when it has no such file.
    ///
    /// # Errors
    /// git cannot be started.
    pub fn blob_at(&self, commit: &str, rel: &str) -> Result<Option<String>> {
        let out = self
            .command(["cat-file", "blob", &format!("{commit}:{rel}")])
            .output()
            .context("failed to run `git cat-file`")?;
        Ok(out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned()))
    }

    /// `git var GIT_COMMITTER_IDENT`: `Name <email> <date>`, or `None` without an identity.
    pub fn committer_ident(&self) -> Option<String> {
        self.text(["var", "GIT_COMMITTER_IDENT"]).ok().map(|t| t.trim().to_owned())
    }

    /// The names of the remotes.
    ///
    /// # Errors
    /// git fails.
    pub fn remotes(&self) -> Result<Vec<String>> {
        Ok(self.text(["remote"])?.lines().filter(|n| !n.is_empty()).map(str::to_owned).collect())
    }

    /// Stages exactly `paths` (literal pathspecs), changes and deletions alike.
    ///
    /// # Errors
    /// git fails.
    pub fn add_paths(&self, paths: &[String]) -> Result<()> {
        if paths.is_empty() {
            return Ok(());
        }
        let mut args = vec!["add".to_owned(), "-A".to_owned(), "--".to_owned()];
        args.extend(paths.iter().map(|p| format!(":(literal){p}")));
        self.run(&args).map(drop)
    }

    /// Commits what is staged with `message` (an empty commit when nothing is).
    ///
    /// # Errors
    /// git fails (a hook refused, no identity).
    pub fn commit(&self, message: &str) -> Result<()> {
        self.run(["commit", "--quiet", "--allow-empty", "-m", message]).map(drop)
    }

    /// `git revert --no-edit <commit>`.
    ///
    /// # Errors
    /// git fails (a conflict).
    pub fn revert(&self, commit: &str) -> Result<()> {
        self.run(["revert", "--no-edit", commit]).map(drop)
    }

    /// `(id, subject)` of the non-merge commits in `range` that change something under
    /// `path` (`.` for the whole tree), newest first, with git's default history
    /// simplification: a side branch whose changes to `path` did not land is left out.
    ///
    /// # Errors
    /// git fails (an unknown revision in `range`).
    pub fn log_touching(&self, range: &str, path: &str) -> Result<Vec<(String, String)>> {
        let spec = format!(":(literal){path}");
        let text = self.text(["log", "--no-merges", "--format=%H%x00%s", range, "--", &spec])?;
        Ok(text
            .lines()
            .filter_map(|l| l.split_once('\0'))
            .map(|(id, s)| (id.to_owned(), s.to_owned()))
            .collect())
    }

    /// The binary patch of what `commit` changed under `path` against its first parent
    /// (`git diff --binary --full-index`, no external diff or text conversion), for
    /// [`Git::apply_reverse`].
    ///
    /// # Errors
    /// git fails (a root commit has no parent to compare with).
    pub fn commit_patch(&self, commit: &str, path: &str) -> Result<Vec<u8>> {
        let spec = format!(":(literal){path}");
        let parent = format!("{commit}^");
        Ok(self
            .run([
                "diff",
                "--binary",
                "--full-index",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                &parent,
                commit,
                "--",
                &spec,
            ])?
            .stdout)
    }

    /// Applies `patch` in reverse to the work tree and the index with a three-way merge
    /// (`git apply --reverse --3way --index`, the patch on stdin). Returns the paths left in
    /// conflict (empty when it applied cleanly); the caller must discard the work tree then.
    ///
    /// # Errors
    /// git cannot be started, or the patch does not apply at all (no conflict to report).
    pub fn apply_reverse(&self, patch: &[u8]) -> Result<Vec<String>> {
        use std::io::Write as _;
        if patch.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = self
            .command(["apply", "--reverse", "--3way", "--index", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("failed to run `git apply`")?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(patch).context("failed to write the patch to `git apply`")?;
        }
        let out = child.wait_with_output().context("failed to run `git apply`")?;
        if out.status.success() {
            return Ok(Vec::new());
        }
        let conflicts = self.unmerged_paths()?;
        if conflicts.is_empty() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(Error::failed(format!(
                "`git apply --reverse --3way` failed: {}",
                redact(stderr.trim())
            ))
            .into());
        }
        Ok(conflicts)
    }

    /// The paths with unmerged entries in the index (`git diff --name-only --diff-filter=U`).
    ///
    /// # Errors
    /// git fails.
    pub fn unmerged_paths(&self) -> Result<Vec<String>> {
        let text = self.text(["diff", "--name-only", "-z", "--diff-filter=U"])?;
        Ok(text.split('\0').filter(|p| !p.is_empty()).map(str::to_owned).collect())
    }

    /// `git diff --stat` from `from` to `to` under `path` (`.` for the whole tree), for people.
    ///
    /// # Errors
    /// git fails (an unknown revision).
    pub fn diff_stat(&self, from: &str, to: &str, path: &str) -> Result<String> {
        let spec = format!(":(literal){path}");
        self.text(["diff", "--stat", "--no-color", from, to, "--", &spec])
    }

    /// An annotated (or, with `sign`, signed) tag `tag` on `target` with `message`.
    ///
    /// # Errors
    /// git fails (the tag exists, signing fails).
    pub fn tag_annotated(&self, tag: &str, target: &str, message: &str, sign: bool) -> Result<()> {
        let flag = if sign { "-s" } else { "-a" };
        self.run(["tag", flag, "-m", message, "--end-of-options", tag, target]).map(drop)
    }

    /// Deletes the local tag `tag`.
    ///
    /// # Errors
    /// git fails.
    pub fn tag_delete(&self, tag: &str) -> Result<()> {
        self.run(["tag", "-d", "--", tag]).map(drop)
    }

    /// Creates the local branch `branch` at `start`, with no upstream (`git branch
    /// --no-track`); git refuses when it exists.
    ///
    /// # Errors
    /// git fails (the branch exists, `start` is unknown).
    pub fn branch_create(&self, branch: &str, start: &str) -> Result<()> {
        self.run(["branch", "--no-track", branch, start]).map(drop)
    }

    /// Deletes the local branch `branch` (forced: it may be unmerged).
    ///
    /// # Errors
    /// git fails.
    pub fn branch_delete(&self, branch: &str) -> Result<()> {
        self.run(["branch", "-D", "--", branch]).map(drop)
    }

    /// Deletes the local branch `branch` only while it names `expected` (`update-ref -d` with
    /// the old value): a branch moved since, by hand or by another run, is left alone.
    ///
    /// # Errors
    /// git fails, or the branch no longer names `expected`.
    pub fn branch_delete_at(&self, branch: &str, expected: &str) -> Result<()> {
        self.run(["update-ref", "-d", &format!("refs/heads/{branch}"), expected]).map(drop)
    }

    /// Fast-forwards the branch checked out here to `commit` (`merge --ff-only`), never
    /// making a merge commit; git refuses when local changes or untracked files would be
    /// overwritten.
    ///
    /// # Errors
    /// git fails: not a fast-forward, or changes in the way.
    pub fn merge_ff_only(&self, commit: &str) -> Result<()> {
        self.run(["merge", "--ff-only", "--quiet", commit]).map(drop)
    }

    /// Adds a worktree at `path` on `branch`; with `start`, the branch is created there.
    ///
    /// # Errors
    /// git fails (the path or the branch is taken).
    pub fn worktree_add(&self, path: &Path, branch: &str, start: Option<&str>) -> Result<()> {
        let shown = path.display().to_string();
        match start {
            Some(start) => self.run(["worktree", "add", "--quiet", "-b", branch, &shown, start]),
            None => self.run(["worktree", "add", "--quiet", &shown, branch]),
        }
        .map(drop)
    }

    /// Removes the worktree at `path`; with `force`, even with changes in it.
    ///
    /// # Errors
    /// git fails (changes in it, without `force`).
    pub fn worktree_remove(&self, path: &Path, force: bool) -> Result<()> {
        let shown = path.display().to_string();
        if force {
            self.run(["worktree", "remove", "--force", &shown])
        } else {
            self.run(["worktree", "remove", &shown])
        }
        .map(drop)
    }

    /// Forgets worktrees deleted by hand; touches nothing else.
    ///
    /// # Errors
    /// git fails.
    pub fn worktree_prune(&self) -> Result<()> {
        self.run(["worktree", "prune"]).map(drop)
    }

    /// `git fetch --no-tags <remote> <refspec>`.
    ///
    /// # Errors
    /// git fails; the message carries git's reason ([`is_unreachable`] tells the network).
    pub fn fetch(&self, remote: &str, refspec: &str) -> Result<()> {
        self.run(["fetch", "--no-tags", "--", remote, refspec]).map(drop)
    }

    /// Fetches the tag `tag` from `remote`; with `replace`, a local tag of that name is
    /// replaced (`+`).
    ///
    /// # Errors
    /// See [`Git::fetch`].
    pub fn fetch_tag(&self, remote: &str, tag: &str, replace: bool) -> Result<()> {
        let plus = if replace { "+" } else { "" };
        self.fetch(remote, &format!("{plus}refs/tags/{tag}:refs/tags/{tag}"))
    }

    /// `git push <remote> <refspec>…`, never forced; `atomic` for all or none.
    ///
    /// # Errors
    /// git fails; the message carries git's reason.
    pub fn push_refspecs(&self, remote: &str, refspecs: &[String], atomic: bool) -> Result<()> {
        let mut args = vec!["push".to_owned()];
        if atomic {
            args.push("--atomic".to_owned());
        }
        args.extend(["--".to_owned(), remote.to_owned()]);
        args.extend(refspecs.iter().cloned());
        self.run(&args).map(drop)
    }

    /// `git push --porcelain <remote> <src>:<dst>`, never forced, with the failure typed.
    ///
    /// # Errors
    /// [`RemoteError::Unreachable`] when the remote was not reached,
    /// [`RemoteError::Rejected`] when it refused; both carry git's output.
    pub fn push(&self, remote: &str, src: &str, dst: &str) -> std::result::Result<(), RemoteError> {
        let spec = format!("{src}:{dst}");
        let out = self
            .command(["push", "--porcelain", "--", remote, &spec])
            .output()
            .map_err(|e| RemoteError::Spawn("push", e))?;
        push_result(&out)
    }

    /// Deletes the ref `full` (a full name, `refs/heads/…`) on `remote` only while it names
    /// `expected`: `git push --porcelain --force-with-lease=<full>:<expected> <remote>
    /// :<full>`. The lease is the condition of the delete, checked by the remote as it
    /// deletes; it forces no content. A ref moved since `expected` was read is left alone.
    ///
    /// # Errors
    /// [`RemoteError::Rejected`] when the ref no longer names `expected` (git's "stale
    /// info") or the remote refused; [`RemoteError::Unreachable`] when it was not reached.
    pub fn delete_remote_ref_at(
        &self,
        remote: &str,
        full: &str,
        expected: &str,
    ) -> std::result::Result<(), RemoteError> {
        let lease = format!("--force-with-lease={full}:{expected}");
        let spec = format!(":{full}");
        let out = self
            .command(["push", "--porcelain", &lease, "--", remote, &spec])
            .output()
            .map_err(|e| RemoteError::Spawn("push", e))?;
        push_result(&out)
    }

    /// `git ls-remote <remote> <patterns>…` (only tags with `tags`): the raw listing.
    ///
    /// # Errors
    /// git fails; the message carries git's reason.
    pub fn ls_remote(&self, remote: &str, tags: bool, patterns: &[&str]) -> Result<String> {
        let mut args = vec!["ls-remote"];
        if tags {
            args.push("--tags");
        }
        args.extend(["--", remote]);
        args.extend(patterns);
        self.text(args)
    }

    /// The id `ref_name` has on `remote`, with the commit it peels to for a tag.
    ///
    /// # Errors
    /// [`RemoteError::Unreachable`] when the remote was not reached, else
    /// [`RemoteError::Rejected`], with git's reason.
    pub fn ls_remote_ref(
        &self,
        remote: &str,
        ref_name: &str,
    ) -> std::result::Result<Option<RemoteRef>, RemoteError> {
        // A pattern lists only the refs it names: ask for the tag's peeled `^{}` line too, or
        // an annotated tag's "commit" would be the tag object itself.
        let peeled = format!("{ref_name}^{{}}");
        let out = self
            .command(["ls-remote", "--", remote, ref_name, &peeled])
            .output()
            .map_err(|e| RemoteError::Spawn("ls-remote", e))?;
        if !out.status.success() {
            return Err(remote_error(String::from_utf8_lossy(&out.stderr).trim()));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(tag) = ref_name.strip_prefix("refs/tags/") {
            return Ok(parse_ls_remote(&text).remove(tag));
        }
        Ok(text.lines().find_map(|line| {
            let (id, name) = line.split_once('\t')?;
            (name == ref_name).then(|| RemoteRef { object: id.to_owned(), peeled: id.to_owned() })
        }))
    }
}

/// Parses `git ls-remote --tags` output: `<oid>\trefs/tags/<name>` lines, plus
/// `<oid>\trefs/tags/<name>^{}` for the commit an annotated tag peels to.
pub fn parse_ls_remote(text: &str) -> BTreeMap<String, RemoteRef> {
    let mut tags: BTreeMap<String, RemoteRef> = BTreeMap::new();
    let mut peeled: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let Some((oid, name)) = line.split_once('\t') else { continue };
        let Some(name) = name.strip_prefix("refs/tags/") else { continue };
        if let Some(base) = name.strip_suffix("^{}") {
            peeled.insert(base.to_owned(), oid.to_owned());
        } else {
            tags.insert(
                name.to_owned(),
                RemoteRef { object: oid.to_owned(), peeled: oid.to_owned() },
            );
        }
    }
    for (name, commit) in peeled {
        if let Some(r) = tags.get_mut(&name) {
            r.peeled = commit;
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_remote_peels_annotated_tags() {
        let text = "aaa\trefs/tags/v1.0.0\nbbb\trefs/tags/v1.0.0^{}\nccc\trefs/tags/v1.1.0\n";
        let tags = parse_ls_remote(text);
        assert_eq!(tags["v1.0.0"], RemoteRef { object: "aaa".into(), peeled: "bbb".into() });
        assert_eq!(tags["v1.1.0"], RemoteRef { object: "ccc".into(), peeled: "ccc".into() });
    }

    #[test]
    fn remote_errors_are_classified_and_redacted_in_one_place() {
        let down = "fatal: unable to access 'https://u:s3cret@example.com/r.git/': Could not resolve host: example.com";
        match remote_error(down) {
            RemoteError::Unreachable(text) => {
                assert!(!text.contains("s3cret"), "{text}");
                assert!(text.contains("Could not resolve host"), "{text}");
            }
            other => panic!("{other:?}"),
        }
        let refused = " ! [remote rejected] main -> main (protected branch hook declined)";
        assert!(matches!(remote_error(refused), RemoteError::Rejected(t) if t == refused));
    }

    #[test]
    fn raw_diff_reads_adds_modifications_and_deletions() {
        let text = ":000000 100644 0000 aaaa A\0ci/x.yml\0:100644 100755 bbbb cccc M\0a b\0\
                    :100644 000000 dddd 0000 D\0gone\0";
        let changes = parse_raw_diff(text);
        let shown: Vec<_> = changes.iter().map(|c| (c.status, c.path.as_str())).collect();
        assert_eq!(shown, [('A', "ci/x.yml"), ('M', "a b"), ('D', "gone")]);
        assert_eq!(changes[1].new_mode, "100755");
        assert_eq!(changes[2].old_id, "dddd");
    }
}
