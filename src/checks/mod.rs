//! Preflight checks: every reason a release would fail, found at once, before anything is
//! written (DESIGN.md › Checks and waivers; seed 000 › 3, seed 001 › Preconditions, seed 004 ›
//! Pre-Release Checklist).
//!
//! [`run`] takes the opened repository, the configuration, the plan and the waivers, and
//! returns one [`CheckResult`] per check (per package for the checks about a package). It
//! prints nothing: `git release check` renders the results, and `git release run` calls the
//! same function and stops on a FAIL. A check that cannot decide (git fails, the remote is
//! unreachable) FAILs with the reason, so one broken check never hides the others.
//!
//! The checks share the plan's reads: its history walk (HEAD, current and next versions),
//! its tag refs ([`Plan::tags`]) and its resolved packages. What they add is one
//! `git status`, one `git rev-list --count`, one `git ls-remote --tags` (only when something
//! is released), a few tree lookups at HEAD, and `gh` only when the plan needs the forge.

pub mod environment;
mod package;
pub mod render;
mod repo;

pub use crate::check_id::{CheckId, Subject, UnknownCheck};
pub use package::*;
pub use repo::*;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::OsString;
use std::path::Path;

use anyhow::Result;
use gix::ObjectId;
use semver::Version;
use serde::Serialize;

use crate::config::{Config, Mode};
use crate::error::redact;
use crate::forge::{Gh, Request, RetryPolicy};
use crate::git::cli::{Git, RemoteRef, Untracked};
use crate::git::read::Repo;
use crate::manifest;
use crate::packages::Package;
use crate::plan::{Plan, Row, Status as PlanStatus};
use crate::ui::command_line;
use crate::waivers::{Date, Waiver, glob_match};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// The condition holds.
    Pass,
    /// It does not, and no (unexpired) waiver covers it: the release must not go on.
    Fail,
    /// It does not, and a waiver covers it: counts as a pass, with the waiver's reason.
    Waived,
    /// It does not apply here (nothing to release, not configured, no branch…).
    Skip,
}

impl Status {
    /// `PASS`, `FAIL`, `WAIVED` or `SKIP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Waived => "WAIVED",
            Status::Skip => "SKIP",
        }
    }
}

/// The waiver that applied to a result (the JSON `waiver` object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedWaiver {
    /// The waiver's reason.
    pub reason: String,
    /// The package (glob) it names.
    pub package: String,
    /// Where it is written, `file:line`.
    pub source: String,
    /// Its last day, `YYYY-MM-DD`, if it expires.
    pub expires: Option<String>,
    /// Whether it has expired: then the result stays FAIL and says so.
    pub expired: bool,
}

/// One check's result for one package (or for the repository, `package: null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// The check (or the `doctor` row) it is about; JSON: its name.
    pub check: Subject,
    /// The package it is about; `None` for whole-repository checks.
    pub package: Option<String>,
    /// PASS, FAIL, WAIVED or SKIP.
    pub status: Status,
    /// One line on what was found.
    pub reason: String,
    /// For a FAIL: what to do about it.
    pub fix: Option<String>,
    /// The waiver that applied (WAIVED), or one that would have but expired (FAIL).
    pub waiver: Option<AppliedWaiver>,
}

impl CheckResult {
    /// A PASS.
    pub fn pass(
        check: impl Into<Subject>,
        package: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(check.into(), package, Status::Pass, &reason.into(), None)
    }

    /// A FAIL with what to do.
    pub fn fail(
        check: impl Into<Subject>,
        package: Option<&str>,
        reason: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(check.into(), package, Status::Fail, &reason.into(), Some(fix.into()))
    }

    /// A SKIP.
    pub fn skip(
        check: impl Into<Subject>,
        package: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(check.into(), package, Status::Skip, &reason.into(), None)
    }

    fn new(
        check: Subject,
        package: Option<&str>,
        status: Status,
        reason: &str,
        fix: Option<String>,
    ) -> Self {
        // One line: git and gh messages may span several; the first says what happened.
        let reason = reason.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_owned();
        Self { check, package: package.map(str::to_owned), status, reason, fix, waiver: None }
    }
}

/// What [`run`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every result: whole-repository checks first, then each package's, in plan order.
    pub results: Vec<CheckResult>,
    /// Waivers that waived nothing (no matching FAIL), to report as unused.
    pub unused_waivers: Vec<Waiver>,
    /// Packages with nothing to release that were not checked (none were named).
    pub unchecked: Vec<String>,
}

impl Report {
    /// How many results have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }

    /// Whether any FAIL remains (`git release check` exits 1).
    pub fn failed(&self) -> bool {
        self.count(Status::Fail) > 0
    }
}

/// What the caller decides besides the plan.
#[derive(Debug, Clone)]
pub struct Options {
    /// Whether packages were named on the command line: then every planned package is
    /// checked, even one with nothing to release; otherwise only those the plan releases.
    pub named: bool,
    /// The day waiver expiry is judged on (normally [`crate::time::today`]).
    pub today: Date,
}

/// Runs every check, applies `waivers`, and returns the results (DESIGN.md › Checks and
/// waivers). Prints nothing, writes nothing; the only network call is one
/// `git ls-remote --tags` when the plan releases something, and `gh` runs only when the
/// plan needs the forge or `release.blocker_label` is set.
pub fn run(
    repo: &Repo,
    config: &Config,
    plan: &Plan,
    waivers: &[Waiver],
    options: &Options,
) -> Report {
    let git = Git::new(&repo.root());
    let releasing = plan.releases().next().is_some();
    // The three child processes run while the in-process checks read trees (gix handles
    // stay on this thread; the others only run `git`).
    let bare = repo.workdir().is_none();
    let branch = repo.head_branch();
    let upstream = branch.as_deref().and_then(|b| upstream(repo, config, b));
    let (status, counts, remote_tags, (mut repo_results, package_results)) =
        std::thread::scope(|scope| {
            let status = scope.spawn(|| (!bare).then(|| porcelain_status(&git)));
            let counts =
                scope.spawn(|| upstream.as_ref().map(|u| (u.clone(), rev_list_counts(&git, u))));
            let tags = scope.spawn(|| releasing.then(|| git.ls_remote_tags(&config.remote)));
            let local =
                (repo_checks(repo, config, plan), package_checks(repo, config, plan, options));
            (
                status.join().expect("the status thread does not panic"),
                counts.join().expect("the rev-list thread does not panic"),
                tags.join().expect("the ls-remote thread does not panic"),
                local,
            )
        });
    let ahead_behind = (branch, upstream, counts);

    // Results that needed the child processes, put in their place in the order of ALL.
    repo_results.push(dirty_working_tree(status));
    repo_results.extend(branch_sync(config, ahead_behind));
    let mut results = repo_results;
    let mut by_package = package_results;
    for (row, list) in &mut by_package {
        list.insert(0, tag_exists(plan, row, remote_tags.as_ref(), &config.remote));
    }
    results.extend(by_package.into_iter().flat_map(|(_, list)| list));
    let order = |r: &CheckResult| {
        CheckId::ALL.iter().position(|c| Some(*c) == r.check.check()).unwrap_or(usize::MAX)
    };
    // Whole-repository results in the order of `CheckId::ALL`; package results keep plan order.
    let split = results.iter().position(|r| r.package.is_some()).unwrap_or(results.len());
    results[..split].sort_by_key(order);

    let unchecked = if options.named {
        Vec::new()
    } else {
        plan.rows
            .iter()
            .filter(|r| r.status != PlanStatus::Release)
            .map(|r| r.name.clone())
            .collect()
    };
    let all: Vec<&str> = plan.rows.iter().map(|r| r.name.as_str()).collect();
    let unused = apply_waivers(&mut results, waivers, &all, options.today);
    Report { results, unused_waivers: unused, unchecked }
}

/// Turns each FAIL a waiver covers into WAIVED (the first unexpired waiver that applies), or
/// notes an expired one on the FAIL; returns the waivers that waived nothing.
fn apply_waivers(
    results: &mut [CheckResult],
    waivers: &[Waiver],
    all_packages: &[&str],
    today: Date,
) -> Vec<Waiver> {
    let mut used = vec![false; waivers.len()];
    for result in results.iter_mut().filter(|r| r.status == Status::Fail) {
        let Some(check) = result.check.check() else { continue };
        let packages: Vec<&str> = match &result.package {
            Some(p) => vec![p.as_str()],
            None => all_packages.to_vec(),
        };
        let applicable: Vec<usize> =
            (0..waivers.len()).filter(|&i| waivers[i].applies(check, &packages)).collect();
        let chosen = applicable
            .iter()
            .find(|&&i| !waivers[i].expired(today))
            .or_else(|| applicable.first())
            .copied();
        let Some(i) = chosen else { continue };
        used[i] = true;
        let w = &waivers[i];
        let expired = w.expired(today);
        result.waiver = Some(AppliedWaiver {
            reason: w.reason.clone(),
            package: w.package.clone(),
            source: w.source.clone(),
            expires: w.expires.map(|d| d.to_string()),
            expired,
        });
        if expired {
            let last = w.expires.map(|d| d.to_string()).unwrap_or_default();
            result.reason =
                format!("{}; the waiver at {} expired on {last}", result.reason, w.source);
        } else {
            result.status = Status::Waived;
        }
    }
    waivers.iter().zip(used).filter(|(_, u)| !u).map(|(w, _)| w.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_tokens_and_words() {
        let tokens = version_tokens("install core v1.2.0 (or 1.10.3-rc.1), not 2.0 or x1.2.3");
        assert_eq!(tokens, vec![("1.2.0", true), ("1.10.3-rc.1", false)]);
        assert!(contains_word("use core 1.2.0", "core"));
        assert!(!contains_word("use core-utils 1.2.0", "core"));
    }

    #[test]
    fn sections_are_headings_naming_the_version() {
        let v = Version::new(1, 2, 0);
        let has_section =
            |text: &str, v: &Version| crate::changelog::has_section(text, &v.to_string());
        assert!(has_section("# Changelog\n\n## [1.2.0] - 2024-01-01\n", &v));
        assert!(has_section("v1.2.0\n------\n", &v));
        assert!(!has_section("## [1.2.1]\nsee 1.2.0\n", &v));
        assert!(!has_section("## 1.2.0-rc.1\n", &v));
    }

    #[test]
    fn test_files_by_convention() {
        for yes in ["parser_test.go", "test_cli.py", "app.test.ts", "x.spec.js", "a_spec.rb"] {
            assert!(is_test_file(yes), "{yes}");
        }
        for no in ["latest.rs", "contest.py", "test", "README.md"] {
            assert!(!is_test_file(no), "{no}");
        }
    }
}
