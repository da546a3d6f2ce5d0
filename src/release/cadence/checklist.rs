//! Seed 004's pre-release checklist, RL-01 … RL-08, mapped onto git-release's checks and
//! steps (issue 17 item 7), with the seed's own ids:
//!
//! | id | seed 004 | here |
//! |---|---|---|
//! | RL-01 | all PRs merged | the `open_prs` check (no pull request open into the release branch) |
//! | RL-02 | gates pass | every check passes or is waived, and the cadence rule does not refuse |
//! | RL-03 | changelog updated | the `changelog_current` check; the `CHANGELOG` step writes the new section |
//! | RL-04 | version bumped | the `version_alignment` check; the `BUMPED` step sets the version files |
//! | RL-05 | documentation updated | the `stale_docs` check (`release.docs`) |
//! | RL-06 | security review | NA: git-release scans nothing; run a scanner in `[commands] lint` or `test` |
//! | RL-07 | rollback tested (major only) | the rollback's dry-run planning of each major release succeeds |
//! | RL-08 | release notes drafted | each release's notes list at least one change |

use anyhow::Result;
use gix::ObjectId;
use serde::{Deserialize, Serialize};

use super::Decision;
use crate::checks::{Report, Status};
use crate::context::Ctx;
use crate::git::cli::Git;
use crate::plan::Plan;
use crate::version::Level;

/// One checklist item and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RlItem {
    /// `RL-01` … `RL-08`.
    pub id: String,
    /// Seed 004's name for it.
    pub title: String,
    /// `PASS`, `FAIL`, `WAIVED`, `SKIP` or `NA` (not applicable, with why).
    pub status: String,
    /// What it maps to and what was found.
    pub reason: String,
}

fn item(id: &str, title: &str, status: &str, reason: impl Into<String>) -> RlItem {
    RlItem {
        id: id.to_owned(),
        title: title.to_owned(),
        status: status.to_owned(),
        reason: reason.into(),
    }
}

/// The worst status among the results of `check` (FAIL, WAIVED, PASS, then SKIP), and their
/// reasons; `None` when the check did not run.
fn from_check(report: &Report, check: &str) -> Option<(&'static str, String)> {
    let results: Vec<_> = report.results.iter().filter(|r| r.check.as_str() == check).collect();
    let rank = |s: Status| match s {
        Status::Fail => 3,
        Status::Waived => 2,
        Status::Pass => 1,
        Status::Skip => 0,
    };
    let worst = results.iter().map(|r| r.status).max_by_key(|s| rank(*s))?;
    let reasons: Vec<String> = results
        .iter()
        .filter(|r| r.status == worst)
        .map(|r| match &r.package {
            Some(p) => format!("{p}: {}", r.reason),
            None => r.reason.clone(),
        })
        .collect();
    Some((worst.as_str(), format!("`{check}`: {}", reasons.join("; "))))
}

fn mapped(report: &Report, id: &str, title: &str, check: &str, step: &str) -> RlItem {
    match from_check(report, check) {
        Some((status, reason)) => item(id, title, status, format!("{reason}{step}")),
        None => item(id, title, "SKIP", format!("`{check}` did not run{step}")),
    }
}

/// The checklist of releasing `plan` (its released rows) with the check `report` and the
/// cadence `decision`.
pub fn build(ctx: &Ctx, plan: &Plan, report: &Report, decision: &Decision) -> Vec<RlItem> {
    let failed = report.failed();
    let gates = if failed {
        item("RL-02", "Gates pass", "FAIL", "a check failed")
    } else if decision.is_refused() {
        item(
            "RL-02",
            "Gates pass",
            "FAIL",
            format!("the cadence rule refuses: {}", decision.refused.as_deref().unwrap_or("")),
        )
    } else {
        item(
            "RL-02",
            "Gates pass",
            "PASS",
            format!(
                "every check passed or was waived; the {} rule needs {} ({})",
                decision.level,
                decision.requires.join(" + "),
                decision.status
            ),
        )
    };
    vec![
        mapped(report, "RL-01", "All PRs merged", "open_prs", ""),
        gates,
        mapped(
            report,
            "RL-03",
            "Changelog updated",
            "changelog_current",
            "; the CHANGELOG step writes the new section",
        ),
        mapped(
            report,
            "RL-04",
            "Version bumped",
            "version_alignment",
            "; the BUMPED step sets the version files",
        ),
        mapped(report, "RL-05", "Documentation updated", "stale_docs", ""),
        item(
            "RL-06",
            "Security review",
            "NA",
            "git-release runs no vulnerability scan: run one in `[commands] lint` or `test`, which the run runs",
        ),
        rollback_tested(ctx, plan),
        notes_ready(ctx, plan),
    ]
}

/// RL-07: for each major release, the rollback's dry-run planning (the revert of everything
/// since the previous release under the package's path) succeeds.
fn rollback_tested(ctx: &Ctx, plan: &Plan) -> RlItem {
    const ID: &str = "RL-07";
    const TITLE: &str = "Rollback tested";
    let majors: Vec<_> = plan.releases().filter(|r| super::level_of(r) == Level::Major).collect();
    if majors.is_empty() {
        return item(ID, TITLE, "NA", "major releases only");
    }
    let git = Git::new(&ctx.repo.root());
    let head = plan.head.to_string();
    let mut found = Vec::new();
    let mut failed = false;
    for row in majors {
        let tag = row.next_tag.clone().unwrap_or_default();
        let Some(previous) = &row.current_tag else {
            failed = true;
            found.push(format!(
                "{}: a first release has no earlier release to roll back to",
                row.name
            ));
            continue;
        };
        match crate::release::rollback::revert::rehearse(&git, &tag, &head, previous, &row.path) {
            Ok(p) => found.push(format!(
                "{}: `rollback {tag} --dry-run` would revert {} commit(s) back to `{previous}`",
                row.name,
                p.commits.len()
            )),
            Err(e) => {
                failed = true;
                found.push(format!("{}: the rollback's dry run fails: {e:#}", row.name));
            }
        }
    }
    item(ID, TITLE, if failed { "FAIL" } else { "PASS" }, found.join("; "))
}

/// RL-08: each release's notes (built as the CHANGELOG step builds them) list a change.
fn notes_ready(ctx: &Ctx, plan: &Plan) -> RlItem {
    const ID: &str = "RL-08";
    const TITLE: &str = "Release notes drafted";
    let mut empty = Vec::new();
    let mut ready = Vec::new();
    for row in plan.releases() {
        match listed_changes(ctx, plan, row) {
            Ok(0) => empty.push(row.name.clone()),
            Ok(n) => ready.push(format!("{} ({n} section(s))", row.name)),
            Err(e) => empty.push(format!("{} ({e:#})", row.name)),
        }
    }
    if empty.is_empty() {
        item(ID, TITLE, "PASS", format!("notes list changes: {}", ready.join(", ")))
    } else {
        item(
            ID,
            TITLE,
            "FAIL",
            format!(
                "no change would be listed in the notes of {}: every commit is of a hidden type or not conventional",
                empty.join(", ")
            ),
        )
    }
}

fn listed_changes(ctx: &Ctx, plan: &Plan, row: &crate::plan::Row) -> Result<usize> {
    let ids: Vec<ObjectId> = row
        .reasons
        .iter()
        .map(|r| ObjectId::from_hex(r.commit.as_bytes()))
        .collect::<Result<_, _>>()?;
    let details = crate::changelog::details_of(&ctx.repo, &ids)?;
    let commits: Vec<(ObjectId, &_)> =
        ids.iter().filter_map(|id| details.get(id).map(|d| (*id, d))).collect();
    let meta = crate::changelog::ReleaseMeta {
        package: row.name.clone(),
        version: row.next_version.clone(),
        tag: row.next_tag.clone(),
        previous_tag: row.current_tag.clone(),
        commit: plan.head,
        time: (0, 0),
    };
    let release =
        crate::changelog::build_release(&meta, &commits, &ctx.config.changelog_settings, None);
    Ok(release.sections.len())
}
