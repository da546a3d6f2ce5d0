//! Green CI on the release commit (`ci` in `[cadence]`; seed 004: "minor with CI"): the
//! latest run of each workflow on the commit, asked of the forge with
//! [`Request::CommitRuns`].

use std::collections::BTreeSet;

use serde::Deserialize;

use super::Verdict;
use crate::context::Ctx;
use crate::forge::{Forge as _, Gh, Outcome, Request};

/// One workflow run, as `gh run list --json` gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    url: String,
    status: String,
    #[serde(default)]
    conclusion: Option<String>,
    head_sha: String,
    workflow_name: String,
}

/// Conclusions that count as green: GitHub's `success`, and the runs that did not run a job
/// (`skipped`, `neutral`).
const GREEN: [&str; 3] = ["success", "skipped", "neutral"];

/// The CI verdict for `commit` on `branch`:
/// - PASS: the latest run of every workflow (of `ci_workflows`, when set) on the commit
///   succeeded;
/// - FAIL: one failed or is still running; or none ran on the commit although CI runs on
///   the branch (or `ci_workflows` names workflows); or the forge cannot be asked;
/// - SKIP: no forge (`[forge] kind = "none"`), or no workflow has ever run on the branch
///   (the repository has no CI to wait for), with the reason.
pub(super) fn verdict(ctx: &Ctx, commit: &str, branch: &str) -> Verdict {
    if ctx.config.forge.kind == crate::forge::Kind::None {
        return Verdict::new("SKIP", "no forge (`[forge] kind = \"none\"`) to ask about CI");
    }
    let gh = match Gh::for_forge(&ctx.config.forge) {
        Ok(gh) => gh,
        Err(e) => return Verdict::new("FAIL", format!("cannot ask the forge about CI: {e:#}")),
    };
    let dir = ctx.repo.root();
    let by_commit = gh.has(&dir, crate::gh_support::Feature::RunListCommit);
    let list = |by_commit: bool| -> Result<Vec<Run>, String> {
        let request = Request::CommitRuns { commit, branch, by_commit };
        match gh.call(&dir, &request) {
            Ok(Outcome::Done(text)) => crate::forge::answer::<Vec<Run>>("gh run list", &text),
            Ok(Outcome::AlreadyExists(_)) => Ok(Vec::new()),
            Err(e) => Err(format!("`{}` failed: {}", gh.shown(&request), e.failure.message)),
        }
    };
    let runs = match list(by_commit) {
        Ok(runs) => runs,
        Err(why) => return Verdict::new("FAIL", format!("cannot list the workflow runs: {why}")),
    };
    judge(ctx, commit, branch, &runs, || {
        if by_commit { list(false).map(|r| !r.is_empty()) } else { Ok(!runs.is_empty()) }
    })
}

/// Judges `runs` (newest first); `branch_has_runs` says whether CI ever ran on the branch,
/// asked only when no run is on the commit.
fn judge(
    ctx: &Ctx,
    commit: &str,
    branch: &str,
    runs: &[Run],
    branch_has_runs: impl FnOnce() -> Result<bool, String>,
) -> Verdict {
    let wanted = &ctx.config.cadence.ci_workflows;
    let short = &commit[..commit.len().min(12)];
    let mut seen = BTreeSet::new();
    let latest: Vec<&Run> = runs
        .iter()
        .filter(|r| r.head_sha == commit)
        .filter(|r| wanted.is_empty() || wanted.contains(&r.workflow_name))
        .filter(|r| seen.insert(r.workflow_name.clone()))
        .collect();
    let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_control()).take(100).collect() };
    let missing: Vec<&String> =
        wanted.iter().filter(|w| !latest.iter().any(|r| &r.workflow_name == *w)).collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|w| format!("`{}`", clean(w))).collect();
        return Verdict::new(
            "FAIL",
            format!("no run of {} on {short} (`cadence.ci_workflows`)", names.join(", ")),
        );
    }
    if latest.is_empty() {
        return match branch_has_runs() {
            Ok(true) => Verdict::new(
                "FAIL",
                format!("no workflow has run on {short} yet (CI runs on `{branch}`)"),
            ),
            Ok(false) => Verdict::new(
                "SKIP",
                format!("no workflow has ever run on `{branch}`: there is no CI to wait for"),
            ),
            Err(why) => Verdict::new("FAIL", format!("cannot list the workflow runs: {why}")),
        };
    }
    let mut bad = Vec::new();
    for run in &latest {
        let name = clean(&run.workflow_name);
        let url = clean(&run.url);
        if run.status != "completed" {
            bad.push(format!("`{name}` is still `{}` ({url})", clean(&run.status)));
        } else if let Some(c) = run.conclusion.as_deref().filter(|c| !GREEN.contains(c)) {
            bad.push(format!("`{name}` ended `{}` ({url})", clean(c)));
        } else if run.conclusion.is_none() {
            bad.push(format!("`{name}` has no conclusion ({url})"));
        }
    }
    if bad.is_empty() {
        let names: Vec<String> =
            latest.iter().map(|r| format!("`{}`", clean(&r.workflow_name))).collect();
        Verdict::new("PASS", format!("green on {short}: {}", names.join(", ")))
    } else {
        Verdict::new("FAIL", format!("on {short}: {}", bad.join("; ")))
    }
}
