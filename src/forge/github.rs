//! GitHub through the `gh` CLI: the only place that knows `gh`, its argument vectors and its
//! environment. Every [`Request`] becomes an argv here.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::retry::{Failure, FailureKind, RetryPolicy};
use super::{Forge, Request};
use crate::error::redact;

/// The time limit of one `gh` call when the configuration sets none (`forge.timeout_secs`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The installed `gh`, run with an argument vector and [`super::retry()`]'s schedule.
///
/// Every call runs `gh ARGS` in a given directory (gh finds the repository from its git
/// remotes there) with prompts, colour and the update notice off, and is killed past its
/// time limit (`forge.timeout_secs`). stdout is the answer; a non-zero exit is a [`Failure`]
/// classified from stderr (and stdout, where gh puts some messages), with credentials
/// redacted before anything is kept or shown.
#[derive(Debug, Clone)]
pub struct Gh {
    program: PathBuf,
    policy: RetryPolicy,
    timeout: Duration,
}

impl Gh {
    /// `gh` as `GIT_RELEASE_GH` names it, else as found on PATH (`which`).
    ///
    /// # Errors
    /// Neither finds it: the message says which and what to do.
    pub fn locate(policy: RetryPolicy) -> anyhow::Result<Self> {
        let program = find_gh().map_err(|reason| {
            crate::error::Error::failed(reason)
                .with_hint("install GitHub CLI (https://cli.github.com) or set `GIT_RELEASE_GH`")
        })?;
        Ok(Self { program, policy, timeout: DEFAULT_TIMEOUT })
    }

    /// `gh` located as [`Gh::locate`] does, with the retries and the time limit of `forge`.
    ///
    /// # Errors
    /// See [`Gh::locate`].
    pub fn for_forge(forge: &crate::config::Forge) -> anyhow::Result<Self> {
        Ok(Self::locate(RetryPolicy::from(forge))?.with_timeout(forge.timeout()))
    }

    /// A `Gh` running `program` with `policy` (tests and callers that located gh already),
    /// with the default time limit.
    pub fn new(program: PathBuf, policy: RetryPolicy) -> Self {
        Self { program, policy, timeout: DEFAULT_TIMEOUT }
    }

    /// The same `gh` with another time limit per call.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The program that runs.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// A `gh ARGS` command in `dir`, not yet run.
    fn command<S: AsRef<OsStr>>(&self, dir: &Path, args: &[S]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(args)
            .current_dir(dir)
            .env("GH_PROMPT_DISABLED", "1")
            .env("GH_NO_UPDATE_NOTIFIER", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `request` in `dir` once, killed past `limit`, without classifying the answer:
    /// `(success, stdout, stderr)`. For the checks, which report gh's own words.
    ///
    /// # Errors
    /// gh cannot be started, or runs past `limit` (the message says so).
    pub fn raw(
        &self,
        dir: &Path,
        request: &Request<'_>,
        limit: Duration,
    ) -> anyhow::Result<(bool, String, String)> {
        let args = argv(request);
        let mut cmd = self.command(dir, &args);
        match crate::child::output_within(&mut cmd, Some(limit)) {
            Ok(crate::child::Ended::Exited { status, stdout, stderr }) => Ok((
                status.success(),
                String::from_utf8_lossy(&stdout).into_owned(),
                String::from_utf8_lossy(&stderr).into_owned(),
            )),
            Ok(crate::child::Ended::TimedOut { .. }) => Err(anyhow::anyhow!(
                "`gh {}` did not finish within {} s and was stopped",
                args.join(" "),
                limit.as_secs()
            )),
            Err(e) => Err(anyhow::anyhow!("cannot run `{}`: {e}", self.program.display())),
        }
    }
}

impl Forge for Gh {
    fn shown(&self, request: &Request<'_>) -> String {
        shown_request(request)
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn policy(&self) -> RetryPolicy {
        self.policy
    }

    fn once_within(
        &self,
        dir: &Path,
        request: &Request<'_>,
        limit: Duration,
    ) -> Result<String, Failure> {
        let args = argv(request);
        let mut cmd = self.command(dir, &args);
        let (status, stdout, stderr) = match crate::child::output_within(&mut cmd, Some(limit)) {
            Ok(crate::child::Ended::Exited { status, stdout, stderr }) => (status, stdout, stderr),
            Ok(crate::child::Ended::TimedOut { .. }) => {
                let shown = shown("gh", &args);
                return Err(Failure::new(
                    FailureKind::Timeout,
                    format!(
                        "`{shown}` did not finish within {} s and was stopped",
                        limit.as_secs()
                    ),
                ));
            }
            Err(e) => {
                return Err(Failure::new(
                    FailureKind::Transient,
                    format!("cannot run `{}`: {e}", self.program.display()),
                ));
            }
        };
        let stdout = String::from_utf8_lossy(&stdout).into_owned();
        if status.success() {
            return Ok(redact(&stdout));
        }
        let stderr = String::from_utf8_lossy(&stderr);
        let text = if stderr.trim().is_empty() { stdout.clone() } else { stderr.into_owned() };
        let mut failure = Failure::from_stderr(&redact(&text));
        if failure.message.is_empty() {
            failure.message = format!("`gh` exited with {status}");
        }
        Err(failure)
    }
}

/// `request` as the `gh` command line a dry run shows.
pub fn shown_request(request: &Request<'_>) -> String {
    shown("gh", &argv(request))
}

/// What a dry run shows for waiting on the workflow `workflow` that `tag` starts.
pub fn shown_workflow_wait(workflow: &str, tag: &str) -> String {
    format!("gh run list --workflow {workflow} --branch {tag}; gh run watch <run> --exit-status")
}

/// What a dry run shows for waiting on the checks of pull request `number` (`--fail-fast`
/// only when this gh has it).
pub fn shown_checks_watch(number: &str, fail_fast: bool) -> String {
    let flag = if fail_fast { " --fail-fast" } else { "" };
    format!("gh pr checks {number} --watch{flag}")
}

/// What a dry run shows for squash-merging pull request `number` with its branch deleted;
/// `url`, the pull request's address, is not known before it is opened.
pub fn shown_pr_merge(number: &str, subject: &str, url: Option<&str>) -> String {
    let request = Request::PrMerge { number, subject, delete_branch_of: url };
    let shown = shown_request(&request);
    if shown.contains("--delete-branch") {
        shown
    } else {
        format!("{shown} --delete-branch --repo <repo>")
    }
}

/// The `gh` argument vector of `request`.
fn argv(request: &Request<'_>) -> Vec<String> {
    let v: Vec<&str> = match *request {
        Request::AuthStatus => vec!["auth", "status"],
        Request::Version => vec!["--version"],
        Request::IssueList { label } => {
            vec!["issue", "list", "--label", label, "--state", "open", "--json", "number,title"]
        }
        Request::IssueSearch { label, search } => vec![
            "issue",
            "list",
            "--label",
            label,
            "--state",
            "open",
            "--search",
            search,
            "--json",
            "title,url",
        ],
        Request::IssueCreate { title, body, label } => {
            vec!["issue", "create", "--title", title, "--body", body, "--label", label]
        }
        Request::PrList { head, base } => {
            let mut v = vec!["pr", "list", "--head", head];
            if let Some(base) = base {
                v.extend(["--base", base]);
            }
            v.extend(["--state", "all", "--json", "number,url,state"]);
            v
        }
        Request::PrCreate { base, head, title, body } => {
            vec!["pr", "create", "--base", base, "--head", head, "--title", title, "--body", body]
        }
        Request::PrView { number, merge_commit } => {
            let fields = if merge_commit { "state,mergeCommit" } else { "state" };
            vec!["pr", "view", number, "--json", fields]
        }
        Request::PrChecksWatch { number, fail_fast } => {
            let mut v = vec!["pr", "checks", number, "--watch"];
            if fail_fast {
                v.push("--fail-fast");
            }
            v
        }
        Request::PrMerge { number, subject, delete_branch_of } => {
            let mut v = vec!["pr", "merge", number, "--squash", "--subject", subject];
            // `--repo` keeps gh from touching the local repository: without it, gh 2.23
            // deletes the local branch too, and switches a worktree on it to the base
            // branch, which fails where the base branch is checked out elsewhere.
            if let Some(repo) = delete_branch_of.and_then(repo_of_pr_url) {
                v.extend(["--delete-branch", "--repo"]);
                return v.into_iter().map(str::to_owned).chain([repo]).collect();
            }
            v
        }
        Request::PrClose { number, comment } => vec!["pr", "close", number, "--comment", comment],
        Request::ReleaseUrl { tag } => vec!["release", "view", tag, "--json", "url"],
        Request::ReleaseBody { tag } => vec!["release", "view", tag, "--json", "body"],
        Request::ReleaseCreate { tag, title, notes, prerelease } => {
            let mut v =
                vec!["release", "create", tag, "--verify-tag", "--title", title, "--notes", notes];
            if prerelease {
                v.push("--prerelease");
            }
            v
        }
        Request::ReleaseMarkPrerelease { tag, notes } => {
            vec!["release", "edit", tag, "--prerelease", "--notes", notes]
        }
        Request::WorkflowRuns { workflow, tag, by_event } => {
            let mut v = vec!["run", "list", "--workflow", workflow, "--branch", tag];
            if by_event {
                v.extend(["--event", "push", "--json", "databaseId,url,status,conclusion"]);
                v.extend(["--limit", "5"]);
            } else {
                // Other events' runs take places in the list: ask for more.
                v.extend(["--json", "databaseId,url,status,conclusion,event", "--limit", "20"]);
            }
            v
        }
        Request::CommitRuns { commit, branch, by_commit } => {
            let fields = "databaseId,url,status,conclusion,headSha,workflowName";
            if by_commit {
                vec!["run", "list", "--commit", commit, "--json", fields, "--limit", "50"]
            } else {
                vec!["run", "list", "--branch", branch, "--json", fields, "--limit", "100"]
            }
        }
        Request::OpenPrs { base } => vec![
            "pr",
            "list",
            "--base",
            base,
            "--state",
            "open",
            "--json",
            "number,url,title,headRefName",
            "--limit",
            "100",
        ],
        Request::BranchRuns { branch } => vec![
            "run",
            "list",
            "--branch",
            branch,
            "--limit",
            "1",
            "--json",
            "databaseId,url,status,conclusion,headSha",
        ],
        Request::MilestoneList => {
            vec!["api", "repos/{owner}/{repo}/milestones?state=all&per_page=100"]
        }
        Request::MilestoneCreate { title } => {
            // `--raw-field`: the title is text, never `@file` as `--field` would read it.
            return ["api", "--method", "POST", "repos/{owner}/{repo}/milestones", "--raw-field"]
                .into_iter()
                .map(str::to_owned)
                .chain([format!("title={title}")])
                .collect();
        }
        Request::MilestoneIssues { title } => vec![
            "issue",
            "list",
            "--milestone",
            title,
            "--state",
            "all",
            "--limit",
            "500",
            "--json",
            "number,title,state,url",
        ],
        Request::PrMergeCommit { number } => vec!["pr", "merge", number, "--merge"],
        Request::WorkflowWatch { id } => vec!["run", "watch", id, "--exit-status"],
        Request::WorkflowFailedLog { id } => vec!["run", "view", id, "--log-failed"],
    };
    v.into_iter().map(str::to_owned).collect()
}

/// The `[HOST/]OWNER/REPO` gh's `--repo` takes, from a pull request's web address
/// `https://HOST/OWNER/REPO/pull/N`; `None` for any other shape (a forge answer is not
/// trusted: every part must be a plain name).
///
/// ```
/// use git_release::forge::github::repo_of_pr_url;
/// assert_eq!(repo_of_pr_url("https://github.com/o/r/pull/7").as_deref(), Some("github.com/o/r"));
/// assert_eq!(repo_of_pr_url("https://ghe.test:8443/o/r.js/pull/1").as_deref(), Some("ghe.test:8443/o/r.js"));
/// assert_eq!(repo_of_pr_url("https://github.com/o/r/issues/7"), None);
/// assert_eq!(repo_of_pr_url("https://github.com/o/--help/pull/7"), None);
/// ```
pub fn repo_of_pr_url(url: &str) -> Option<String> {
    let rest =
        url.trim().strip_prefix("https://").or_else(|| url.trim().strip_prefix("http://"))?;
    let parts: Vec<&str> = rest.split('/').collect();
    let [host, owner, repo, "pull", number] = parts[..] else { return None };
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with(['-', '.'])
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    };
    let numeric = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
    (plain(host)
        && plain(owner)
        && plain(repo)
        && !owner.contains(':')
        && !repo.contains(':')
        && numeric)
        .then(|| format!("{host}/{owner}/{repo}"))
}

/// Where `gh` is: `GIT_RELEASE_GH` when set, else the first `gh` on PATH (DESIGN.md ›
/// Pipeline, Forge calls).
///
/// # Errors
/// The reason it is missing, as a sentence for the `gh_missing` check.
pub fn find_gh() -> std::result::Result<PathBuf, String> {
    if let Some(given) = std::env::var_os("GIT_RELEASE_GH").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(&given);
        let found = if path.components().count() > 1 {
            Some(path.clone()).filter(|p| p.is_file())
        } else {
            which::which(&given).ok()
        };
        return found.ok_or_else(|| {
            format!("`GIT_RELEASE_GH` names `{}`, which does not exist", path.display())
        });
    }
    which::which("gh").map_err(|_| "`gh` is not on PATH".to_owned())
}

/// `gh ARGS` as one line for display: each argument quoted when it holds spaces or quotes,
/// long arguments (bodies, notes) cut to their first line.
pub fn shown<S: AsRef<str>>(program: &str, args: &[S]) -> String {
    let mut out = String::from(program);
    for arg in args {
        let arg = arg.as_ref();
        let first = arg.lines().next().unwrap_or("");
        let cut = if first.len() < arg.len() { format!("{first}…") } else { first.to_owned() };
        out.push(' ');
        if cut.is_empty() || cut.contains([' ', '"', '\'', '`', '$']) {
            out.push('\'');
            out.push_str(&cut.replace('\'', "'\\''"));
            out.push('\'');
        } else {
            out.push_str(&cut);
        }
    }
    redact(&out)
}
