//! The forge seam: the operations the pipeline needs from a forge ([`Request`]), run through
//! a [`Forge`]. [`github`] is the one implementation (the `gh` CLI, and the only module that
//! knows its argument vectors); [`mod@retry`] is the policy every call goes through.

pub mod github;
pub mod links;
pub mod retry;

pub use github::{DEFAULT_TIMEOUT, Gh, find_gh};
pub use retry::{
    Failure, FailureKind, Outcome, RetryError, RetryPolicy, classify, delay, retry, sleep,
};

use std::path::Path;
use std::time::Duration;

use crate::error::redact;

pub use crate::config::ForgeKind as Kind;

/// A forge operation the pipeline needs, with its inputs; a [`Forge`] turns it into a call
/// (for GitHub, a `gh` argument vector in [`github`]). Numbers and ids are text so a dry run
/// can show a placeholder such as `<pr>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// Whether the forge client is authenticated.
    AuthStatus,
    /// The forge CLI's own version (`gh --version`), for the features it has.
    Version,
    /// The open issues with `label` (number and title).
    IssueList {
        /// The label.
        label: &'a str,
    },
    /// The open issues with `label` matching `search` (title and URL).
    IssueSearch {
        /// The label.
        label: &'a str,
        /// The search text.
        search: &'a str,
    },
    /// Opens an issue.
    IssueCreate {
        /// Its title.
        title: &'a str,
        /// Its body.
        body: &'a str,
        /// Its label.
        label: &'a str,
    },
    /// Pull requests from `head` (into `base`, when given), in any state (number, URL, state).
    PrList {
        /// The branch the changes come from.
        head: &'a str,
        /// The branch they go into.
        base: Option<&'a str>,
    },
    /// Opens a pull request.
    PrCreate {
        /// The branch the changes go into.
        base: &'a str,
        /// The branch they come from.
        head: &'a str,
        /// Its title.
        title: &'a str,
        /// Its body.
        body: &'a str,
    },
    /// The state of a pull request, and its merge commit when `merge_commit`.
    PrView {
        /// Its number.
        number: &'a str,
        /// Whether the merge commit is asked for too.
        merge_commit: bool,
    },
    /// Waits for the checks of a pull request, failing on the first failure when gh can.
    PrChecksWatch {
        /// Its number.
        number: &'a str,
        /// Whether to stop at the first failure (`--fail-fast`, gh 2.26); without it gh
        /// watches every check to its end.
        fail_fast: bool,
    },
    /// Squash-merges a pull request, and deletes its head branch on the forge when `url`
    /// is given (issue 14, item 3): the pull request's web address names the repository, so
    /// the forge client deletes the remote branch only and leaves the local repository
    /// alone (the release layer tidies that itself).
    PrMerge {
        /// Its number.
        number: &'a str,
        /// The subject of the squashed commit.
        subject: &'a str,
        /// The pull request's web address, when its head branch is to be deleted.
        delete_branch_of: Option<&'a str>,
    },
    /// Closes a pull request with a comment.
    PrClose {
        /// Its number.
        number: &'a str,
        /// The comment.
        comment: &'a str,
    },
    /// The URL of the release of `tag`.
    ReleaseUrl {
        /// The tag.
        tag: &'a str,
    },
    /// The notes of the release of `tag`.
    ReleaseBody {
        /// The tag.
        tag: &'a str,
    },
    /// Creates the release of an existing tag.
    ReleaseCreate {
        /// The tag, which must exist on the remote.
        tag: &'a str,
        /// Its title.
        title: &'a str,
        /// Its notes.
        notes: &'a str,
        /// Whether it is marked as a prerelease.
        prerelease: bool,
    },
    /// Marks a release as a prerelease with new notes.
    ReleaseMarkPrerelease {
        /// The tag.
        tag: &'a str,
        /// The new notes.
        notes: &'a str,
    },
    /// The latest runs of `workflow` on `tag`: only those a push started when `by_event`
    /// (`--event`, gh 2.28); otherwise with their `event` field, for the caller to filter.
    WorkflowRuns {
        /// The workflow's name or file.
        workflow: &'a str,
        /// The tag.
        tag: &'a str,
        /// Whether gh filters by event itself.
        by_event: bool,
    },
    /// The latest workflow runs on `commit` (id, URL, status, conclusion, head commit,
    /// workflow name), newest first: filtered by the forge when `by_commit` (`--commit`,
    /// gh 2.40); otherwise the runs of `branch`, for the caller to filter on `headSha`.
    /// Issue 17 item 7: a minor release needs green CI on the release commit.
    CommitRuns {
        /// The full commit id (gh matches it exactly; an abbreviation finds nothing).
        commit: &'a str,
        /// The branch the commit is on, for a gh without `--commit`.
        branch: &'a str,
        /// Whether gh filters by commit itself.
        by_commit: bool,
    },
    /// The open pull requests into `base` (number, URL, title, head branch): the `open_prs`
    /// check (seed 004's RL-01, "all PRs merged").
    OpenPrs {
        /// The branch they go into (the release branch).
        base: &'a str,
    },
    /// The latest workflow run on `branch`, whatever the workflow (id, URL, status,
    /// conclusion, the commit it ran on): the CI of a release-candidate branch (issue 17).
    BranchRuns {
        /// The branch.
        branch: &'a str,
    },
    /// Every milestone of the repository, open and closed (title, number, state).
    MilestoneList,
    /// Creates the milestone `title` (issue 17: the milestone named after a train).
    MilestoneCreate {
        /// Its title.
        title: &'a str,
    },
    /// The issues of milestone `title`, open and closed (number, title, state, URL).
    MilestoneIssues {
        /// The milestone's title.
        title: &'a str,
    },
    /// Merges a pull request with a merge commit (no squash), so the commits of its head
    /// stay in the base branch's history: how a train's RC branch reaches a branch it cannot
    /// fast-forward (issue 17).
    PrMergeCommit {
        /// Its number.
        number: &'a str,
    },
    /// Waits for a workflow run, failing when it fails.
    WorkflowWatch {
        /// The run's id.
        id: &'a str,
    },
    /// The log of the failed jobs of a workflow run.
    WorkflowFailedLog {
        /// The run's id.
        id: &'a str,
    },
}

/// A forge the pipeline can talk to: runs [`Request`]s once, within a time limit, or with the
/// retry policy, and shows them for a dry run.
pub trait Forge {
    /// `request` as the command line a dry run shows, credentials redacted.
    fn shown(&self, request: &Request<'_>) -> String;

    /// Runs `request` once in `dir` within `limit`: its answer on success.
    ///
    /// # Errors
    /// A [`Failure`] classified from what the forge said.
    fn once_within(
        &self,
        dir: &Path,
        request: &Request<'_>,
        limit: Duration,
    ) -> Result<String, Failure>;

    /// The time limit of one call.
    fn timeout(&self) -> Duration;

    /// The retry policy.
    fn policy(&self) -> RetryPolicy;

    /// Runs `request` once within [`Forge::timeout`].
    ///
    /// # Errors
    /// See [`Forge::once_within`].
    fn once(&self, dir: &Path, request: &Request<'_>) -> Result<String, Failure> {
        self.once_within(dir, request, self.timeout())
    }

    /// Runs `request` with retries (real sleep, random jitter).
    ///
    /// # Errors
    /// See [`retry()`].
    fn call(&self, dir: &Path, request: &Request<'_>) -> Result<Outcome<String>, RetryError> {
        let mut random = || fastrand::u64(..);
        retry(&self.policy(), &mut sleep, &mut random, |_| self.once(dir, request))
    }

    /// Like [`Forge::call`], for lookups: `Ok(None)` when the forge answers "not found".
    ///
    /// # Errors
    /// See [`retry()`]; "not found" is not an error here.
    fn lookup(&self, dir: &Path, request: &Request<'_>) -> Result<Option<String>, RetryError> {
        match self.call(dir, request) {
            Ok(Outcome::Done(out)) => Ok(Some(out)),
            Ok(Outcome::AlreadyExists(_)) => Ok(None),
            Err(e) if e.failure.kind == FailureKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The JSON `gh COMMAND` printed, read as `T`: the fields a caller needs, with their types
/// (issue 12, item 5). `{}`, `null` or `{"url": 5}` where a release's `url` is needed is not
/// "the release exists" but an error.
///
/// # Errors
/// The text is not JSON, or lacks a needed field, or has one of another type: the message
/// names the command and what is wrong, and quotes the raw answer (cut to 200 characters,
/// control characters escaped, credentials redacted).
pub fn answer<T: serde::de::DeserializeOwned>(command: &str, text: &str) -> Result<T, String> {
    serde_json::from_str(text.trim()).map_err(|e| {
        let raw: String = text.trim().chars().take(200).collect();
        let cut = if raw.len() < text.trim().len() { "…" } else { "" };
        format!(
            "`{command}` gave an answer git-release cannot use ({e}): `{}{cut}`",
            redact(&raw.replace(['\n', '\r'], " "))
        )
    })
}
