//! The live facts of a train and the promotion gates on them (issue 17 items 4 and 5): the
//! RC head on the remote and how far it is from the release branch, CI on the RC head (the
//! latest workflow run of the branch), the milestone's issues, and whether the repositories
//! depended on are promoted. Each gate is PASS, FAIL or WAIVED with its reason; `rc_ci` and
//! `rc_issues` are waived through the usual waivers ([`crate::checks::CheckId`]).

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::manifest::{LinkedIssue, Manifest, RepoEntry};
use crate::checks::Status;
use crate::context::Ctx;
use crate::error::{Error, ErrorCode};
use crate::forge::{Forge as _, Gh, Request};
use crate::git::cli::Git;

/// The gate names of a promotion, in the order they are judged.
pub const GATES: [&str; 4] = ["rc_ci", "rc_issues", "dependencies", "approval"];

/// One gate's outcome for one repository (or the whole train: `repo` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateResult {
    /// The gate: one of [`GATES`].
    pub gate: String,
    /// The repository.
    pub repo: Option<String>,
    /// PASS, FAIL or WAIVED.
    pub status: Status,
    /// Why, in one line (with the waiver's reason when WAIVED).
    pub reason: String,
}

/// CI on an RC head: the latest workflow run of the RC branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ci {
    /// `success`, `failure`, … or `pending` while the run has not finished; `none` when no
    /// run is known.
    pub conclusion: String,
    /// The commit the run ran on.
    pub commit: Option<String>,
    /// The run's address.
    pub url: Option<String>,
}

/// What is true now of one repository of the train.
#[derive(Debug, Clone, Serialize)]
pub struct Live {
    /// The repository.
    pub repo: String,
    /// The RC branch's commit on the remote (`None`: the branch is gone).
    pub rc_head: Option<String>,
    /// Commits on the RC branch not on the release branch of the remote.
    pub ahead: Option<usize>,
    /// Commits on the release branch not on the RC branch.
    pub behind: Option<usize>,
    /// CI on the RC head.
    pub ci: Ci,
}

/// The commit `branch` names on `remote`, fetched into `refs/remotes/<remote>/<branch>` so
/// it can be read; `None` when the remote has no such branch.
///
/// # Errors
/// The remote cannot be reached or the fetch fails.
pub fn remote_branch(git: &Git, remote: &str, branch: &str) -> Result<Option<String>> {
    let found = git.ls_remote_ref(remote, &format!("refs/heads/{branch}")).map_err(|e| {
        Error::coded(ErrorCode::RemoteUnreachable, format!("cannot read `{remote}`: {e}"))
    })?;
    let Some(found) = found else { return Ok(None) };
    if git.commit_of(&found.object).is_none() {
        git.fetch(remote, &format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}"))?;
    }
    Ok(Some(found.object))
}

/// The latest workflow run of `branch` through `gh`; `none` without a forge.
pub fn ci_of(gh: Option<&Gh>, root: &Path, branch: &str) -> Ci {
    #[derive(Deserialize)]
    struct Run {
        status: String,
        conclusion: Option<String>,
        #[serde(rename = "headSha")]
        head_sha: Option<String>,
        url: Option<String>,
    }
    let none = Ci { conclusion: "none".to_owned(), commit: None, url: None };
    let Some(gh) = gh else { return none };
    let Ok(Some(text)) = gh.lookup(root, &Request::BranchRuns { branch }) else { return none };
    let Ok(runs) = crate::forge::answer::<Vec<Run>>("gh run list", &text) else { return none };
    let Some(run) = runs.into_iter().next() else { return none };
    let conclusion = match (run.status.as_str(), run.conclusion) {
        ("completed", Some(c)) if !c.is_empty() => c,
        _ => "pending".to_owned(),
    };
    Ci { conclusion, commit: run.head_sha, url: run.url }
}

/// Makes sure milestone `title` exists on the forge of `root`.
///
/// # Errors
/// The forge fails.
pub fn ensure_milestone(gh: &Gh, root: &Path, title: &str) -> Result<()> {
    #[derive(Deserialize)]
    struct Milestone {
        title: String,
    }
    let listed = gh.call(root, &Request::MilestoneList).map_err(|e| {
        Error::coded(ErrorCode::ForgeFailed, format!("cannot list milestones: {e}"))
    })?;
    if let crate::forge::Outcome::Done(text) = listed {
        let known: Vec<Milestone> = crate::forge::answer("gh api milestones", &text)
            .map_err(|e| Error::coded(ErrorCode::ForgeFailed, e))?;
        if known.iter().any(|m| m.title == title) {
            return Ok(());
        }
    }
    gh.call(root, &Request::MilestoneCreate { title }).map_err(|e| {
        Error::coded(ErrorCode::ForgeFailed, format!("cannot create milestone `{title}`: {e}"))
    })?;
    Ok(())
}

/// The issues of milestone `title` on the forge of `root`, for repository `repo`.
///
/// # Errors
/// The forge fails or answers something else than the list.
pub fn milestone_issues(gh: &Gh, root: &Path, repo: &str, title: &str) -> Result<Vec<LinkedIssue>> {
    #[derive(Deserialize)]
    struct Issue {
        number: u64,
        title: String,
        state: String,
        url: String,
    }
    let text = gh
        .lookup(root, &Request::MilestoneIssues { title })
        .map_err(|e| {
            Error::coded(
                ErrorCode::ForgeFailed,
                format!("cannot list the issues of milestone `{title}`: {e}"),
            )
        })?
        .unwrap_or_else(|| "[]".to_owned());
    let issues: Vec<Issue> = crate::forge::answer("gh issue list --milestone", &text)
        .map_err(|e| Error::coded(ErrorCode::ForgeFailed, e))?;
    Ok(issues
        .into_iter()
        .map(|i| LinkedIssue {
            repo: repo.to_owned(),
            number: i.number,
            title: i.title,
            state: i.state.to_uppercase(),
            url: i.url,
        })
        .collect())
}

/// The live facts of `entry`, read in the repository `ctx`.
///
/// # Errors
/// The remote cannot be read.
pub fn live(ctx: &Ctx, gh: Option<&Gh>, entry: &RepoEntry) -> Result<Live> {
    let root = super::workdir(ctx)?;
    let git = Git::new(&root);
    let head = remote_branch(&git, &entry.remote, &entry.rc_branch)?;
    let release = remote_branch(&git, &entry.remote, &entry.release_branch)?;
    let (ahead, behind) = match (&head, &release) {
        (Some(h), Some(r)) => match git.ahead_behind_of(h, r) {
            Ok((a, b)) => (Some(a), Some(b)),
            Err(_) => (None, None),
        },
        _ => (None, None),
    };
    let ci = if head.is_some() {
        ci_of(gh, &root, &entry.rc_branch)
    } else {
        Ci { conclusion: "none".to_owned(), commit: None, url: None }
    };
    Ok(Live { repo: entry.name.clone(), rc_head: head, ahead, behind, ci })
}

/// Judges the gates of repository `entry` from its live facts: `rc_ci` (the latest run of
/// the RC branch succeeded on the RC head), `rc_issues` (no open issue of the milestone in
/// this repository), `dependencies` (every repository it depends on is promoted). Waivers
/// from `ctx`'s repository turn a FAIL of `rc_ci` or `rc_issues` into WAIVED.
///
/// # Errors
/// A malformed waiver file.
pub fn judge(ctx: &Ctx, m: &Manifest, entry: &RepoEntry, live: &Live) -> Result<Vec<GateResult>> {
    let waivers = crate::waivers::load(ctx.repo.workdir(), &ctx.config)?;
    let today = crate::time::today();
    let packages: Vec<&str> = entry.packages.iter().map(|p| p.name.as_str()).collect();
    let result = |gate: &str, pass: bool, reason: String| -> GateResult {
        let mut status = if pass { Status::Pass } else { Status::Fail };
        let mut reason = reason;
        if !pass
            && let Some(w) = waivers.iter().find(|w| {
                gate.parse::<crate::checks::CheckId>().is_ok_and(|id| w.applies(id, &packages))
                    && !w.expired(today)
            })
        {
            status = Status::Waived;
            reason = format!("{reason}; waived: {} ({})", w.reason, w.source);
        }
        GateResult { gate: gate.to_owned(), repo: Some(entry.name.clone()), status, reason }
    };
    let mut out = Vec::new();
    let ci = &live.ci;
    let on_head = live.rc_head.is_some() && ci.commit == live.rc_head;
    let short = |c: &Option<String>| c.as_deref().map_or("-", |c| &c[..c.len().min(12)]).to_owned();
    out.push(match (ci.conclusion.as_str(), on_head) {
        ("success", true) => result(
            "rc_ci",
            true,
            format!("CI passed on {} ({})", short(&live.rc_head), ci.url.as_deref().unwrap_or("-")),
        ),
        ("none", _) => {
            result("rc_ci", false, format!("no CI run is known for `{}`", entry.rc_branch))
        }
        (_, false) => result(
            "rc_ci",
            false,
            format!(
                "the latest CI run is on {}, not on the RC head {}",
                short(&ci.commit),
                short(&live.rc_head)
            ),
        ),
        (other, true) => result(
            "rc_ci",
            false,
            format!(
                "CI on the RC head {} is `{other}` ({})",
                short(&live.rc_head),
                ci.url.as_deref().unwrap_or("-")
            ),
        ),
    });
    let open: Vec<String> = m
        .issues
        .iter()
        .filter(|i| i.repo == entry.name && i.state == "OPEN")
        .map(|i| format!("#{}", i.number))
        .collect();
    out.push(if open.is_empty() {
        result("rc_issues", true, "no open issue in the milestone".to_owned())
    } else {
        result(
            "rc_issues",
            false,
            format!("open issues in milestone `{}`: {}", m.train_id, open.join(", ")),
        )
    });
    let waiting: Vec<&str> = entry
        .depends_on
        .iter()
        .filter(|d| m.repo(d).is_some_and(|r| !r.promotion.released))
        .map(String::as_str)
        .collect();
    out.push(GateResult {
        gate: "dependencies".to_owned(),
        repo: Some(entry.name.clone()),
        status: if waiting.is_empty() { Status::Pass } else { Status::Fail },
        reason: if waiting.is_empty() {
            if entry.depends_on.is_empty() {
                "depends on no repository of the train".to_owned()
            } else {
                format!("promoted first: {}", entry.depends_on.join(", "))
            }
        } else {
            format!("waits for the promotion of {}", waiting.join(", "))
        },
    });
    Ok(out)
}
