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
pub mod render;

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

/// Every check a waiver may name, in the order they run: DESIGN.md's table, then the three
/// issue 4 adds (`release_blockers`, `required_env`, `changelog_current`).
pub const CHECKS: [&str; 18] = [
    "dirty_working_tree",
    "detached_head",
    "operation_in_progress",
    "wrong_branch",
    "protected_branch",
    "not_pushed",
    "behind_remote",
    "shallow_clone",
    "noreply_email",
    "gh_missing",
    "gh_auth",
    "release_blockers",
    "required_env",
    "tag_exists",
    "version_alignment",
    "missing_tests",
    "stale_docs",
    "changelog_current",
];

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
    /// The check's name, one of [`CHECKS`] (or a `doctor` row name).
    pub check: String,
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
    pub fn pass(check: &str, package: Option<&str>, reason: impl Into<String>) -> Self {
        Self::new(check, package, Status::Pass, &reason.into(), None)
    }

    /// A FAIL with what to do.
    pub fn fail(
        check: &str,
        package: Option<&str>,
        reason: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(check, package, Status::Fail, &reason.into(), Some(fix.into()))
    }

    /// A SKIP.
    pub fn skip(check: &str, package: Option<&str>, reason: impl Into<String>) -> Self {
        Self::new(check, package, Status::Skip, &reason.into(), None)
    }

    fn new(
        check: &str,
        package: Option<&str>,
        status: Status,
        reason: &str,
        fix: Option<String>,
    ) -> Self {
        // One line: git and gh messages may span several; the first says what happened.
        let reason = reason.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_owned();
        Self {
            check: check.to_owned(),
            package: package.map(str::to_owned),
            status,
            reason,
            fix,
            waiver: None,
        }
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
    /// The day waiver expiry is judged on (normally [`Date::today`]).
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

    // Results that needed the child processes, put in their place in the order of CHECKS.
    repo_results.push(dirty_working_tree(status));
    repo_results.extend(branch_sync(config, ahead_behind));
    let mut results = repo_results;
    let mut by_package = package_results;
    for (row, list) in &mut by_package {
        list.insert(0, tag_exists(plan, row, remote_tags.as_ref(), &config.remote));
    }
    results.extend(by_package.into_iter().flat_map(|(_, list)| list));
    let order = |r: &CheckResult| CHECKS.iter().position(|c| *c == r.check).unwrap_or(usize::MAX);
    // Whole-repository results in CHECKS order; package results keep plan order.
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
        let packages: Vec<&str> = match &result.package {
            Some(p) => vec![p.as_str()],
            None => all_packages.to_vec(),
        };
        let applicable: Vec<usize> =
            (0..waivers.len()).filter(|&i| waivers[i].applies(&result.check, &packages)).collect();
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

// ---- whole-repository checks --------------------------------------------------------------

/// The whole-repository checks that need no child process.
fn repo_checks(repo: &Repo, config: &Config, plan: &Plan) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let branch = repo.head_branch();
    let head = plan.head.to_string();
    let short = short_id(&head);

    out.push(match &branch {
        Some(b) => CheckResult::pass("detached_head", None, format!("HEAD is on `{b}`")),
        None => CheckResult::fail(
            "detached_head",
            None,
            format!("HEAD is detached at {short}"),
            format!(
                "switch to the release branch: `{}`",
                command_line(&["git", "switch", &config.branch])
            ),
        ),
    });

    out.push(match repo.operation_in_progress() {
        None => CheckResult::pass(
            "operation_in_progress",
            None,
            "no merge, rebase, cherry-pick or bisect under way",
        ),
        Some((what, fix)) => CheckResult::fail(
            "operation_in_progress",
            None,
            format!("{what} is under way"),
            format!("finish or abort it: `{fix}`"),
        ),
    });

    out.push(match &branch {
        None => CheckResult::skip("wrong_branch", None, "HEAD is not on a branch"),
        Some(b) if *b == config.branch => {
            CheckResult::pass("wrong_branch", None, format!("on the release branch `{b}`"))
        }
        Some(b) => CheckResult::fail(
            "wrong_branch",
            None,
            format!(
                "HEAD is on `{b}`, but releases are made from `{}` (`release.branch`)",
                config.branch
            ),
            format!(
                "`{}`, or set `release.branch`",
                command_line(&["git", "switch", &config.branch])
            ),
        ),
    });

    out.push(match config.mode {
        Mode::Pr => CheckResult::pass(
            "protected_branch",
            None,
            "mode `pr`: the release reaches the branch through a pull request",
        ),
        Mode::Direct if config.protected_branches.contains(&config.branch) => CheckResult::fail(
            "protected_branch",
            None,
            format!(
                "mode `direct` pushes to `{}`, which is a protected branch (`release.protected_branches`)",
                config.branch
            ),
            "use `mode = \"pr\"`, or release from a branch that is not protected",
        ),
        Mode::Direct => CheckResult::pass(
            "protected_branch",
            None,
            format!("mode `direct` and `{}` is not protected", config.branch),
        ),
    });

    out.push(shallow_clone(repo));

    out.push(noreply_email(repo, config));

    // The forge: `gh` is needed when the plan releases something (PR, forge release).
    let needs_forge = plan.releases().next().is_some();
    let gh = crate::forge::find_gh();
    if config.forge.kind == crate::forge::Kind::None {
        // No forge (issue 14, item 5): its checks do not apply, so they SKIP, not FAIL.
        for name in ["gh_missing", "gh_auth", "release_blockers"] {
            out.push(CheckResult::skip(name, None, "no forge: `[forge] kind = \"none\"`"));
        }
        out.push(required_env(config));
        return out;
    }
    if needs_forge {
        match &gh {
            Ok(path) => {
                out.push(CheckResult::pass(
                    "gh_missing",
                    None,
                    format!("`gh` is `{}`", path.display()),
                ));
                out.push(gh_auth(path, &repo.root(), config.forge.timeout()));
            }
            Err(why) => {
                out.push(CheckResult::fail(
                    "gh_missing",
                    None,
                    why.clone(),
                    "install the GitHub CLI (https://cli.github.com) or set `GIT_RELEASE_GH` to its path",
                ));
                out.push(CheckResult::skip("gh_auth", None, "`gh` is not installed"));
            }
        }
    } else {
        out.push(CheckResult::skip(
            "gh_missing",
            None,
            "nothing to release: the forge is not needed",
        ));
        out.push(CheckResult::skip("gh_auth", None, "nothing to release: the forge is not needed"));
    }

    out.push(release_blockers(config, gh.as_deref().map_err(Clone::clone), &repo.root()));
    out.push(required_env(config));
    out
}

/// `dirty_working_tree`, from `git status --porcelain=v1 -z` (None: a bare repository).
fn dirty_working_tree(status: Option<Result<Vec<String>>>) -> CheckResult {
    const NAME: &str = "dirty_working_tree";
    match status {
        None => CheckResult::skip(NAME, None, "a bare repository has no working tree"),
        Some(Err(e)) => CheckResult::fail(
            NAME,
            None,
            format!("cannot read the working tree's status: {e:#}"),
            "run `git status` to see what is wrong",
        ),
        Some(Ok(paths)) if paths.is_empty() => {
            CheckResult::pass(NAME, None, "no uncommitted or untracked changes")
        }
        Some(Ok(paths)) => {
            let shown: Vec<String> = paths.iter().take(3).map(|p| format!("`{p}`")).collect();
            let more = if paths.len() > 3 {
                format!(" and {} more", paths.len() - 3)
            } else {
                String::new()
            };
            CheckResult::fail(
                NAME,
                None,
                format!(
                    "{} uncommitted or untracked path{}: {}{more}",
                    paths.len(),
                    plural(paths.len()),
                    shown.join(", ")
                ),
                "commit or stash them (`git stash --include-untracked`), or ignore them in `.gitignore`",
            )
        }
    }
}

/// The paths `git status` reports as changed or untracked (not ignored).
fn porcelain_status(git: &Git) -> Result<Vec<String>> {
    git.status_paths(Untracked::Normal)
}

/// The ref the branch is compared with: its configured upstream, else
/// `refs/remotes/<release.remote>/<branch>`; `None` when neither exists.
fn upstream(repo: &Repo, config: &Config, branch: &str) -> Option<String> {
    let configured = repo.upstream_of(branch);
    let fallback = format!("refs/remotes/{}/{branch}", config.remote);
    [configured, Some(fallback)]
        .into_iter()
        .flatten()
        .find(|name| repo.ref_commit(name).ok().flatten().is_some())
}

/// `(ahead, behind)` of HEAD against `upstream`, from `git rev-list --left-right --count`.
fn rev_list_counts(git: &Git, upstream: &str) -> Result<(usize, usize)> {
    git.ahead_behind(upstream)
}

type BranchState = (Option<String>, Option<String>, Option<(String, Result<(usize, usize)>)>);

/// `not_pushed` and `behind_remote`, from the branch, its upstream and the counts.
fn branch_sync(config: &Config, (branch, upstream, counts): BranchState) -> [CheckResult; 2] {
    let Some(branch) = branch else {
        return [
            CheckResult::skip("not_pushed", None, "HEAD is not on a branch"),
            CheckResult::skip("behind_remote", None, "HEAD is not on a branch"),
        ];
    };
    let (Some(upstream), Some((_, counts))) = (upstream, counts) else {
        return [
            CheckResult::fail(
                "not_pushed",
                None,
                format!("`{branch}` has no remote-tracking branch on `{}`", config.remote),
                format!("`{}`", command_line(&["git", "push", "-u", &config.remote, &branch])),
            ),
            CheckResult::skip(
                "behind_remote",
                None,
                format!("`{branch}` has no remote-tracking branch"),
            ),
        ];
    };
    let shown = upstream.strip_prefix("refs/remotes/").unwrap_or(&upstream).to_owned();
    match counts {
        Err(e) => {
            let reason = format!("cannot compare `{branch}` with `{shown}`: {e:#}");
            [
                CheckResult::fail(
                    "not_pushed",
                    None,
                    reason.clone(),
                    "run `git status` to see why",
                ),
                CheckResult::fail("behind_remote", None, reason, "run `git status` to see why"),
            ]
        }
        Ok((ahead, behind)) => [
            if ahead == 0 {
                CheckResult::pass("not_pushed", None, format!("`{branch}` is pushed to `{shown}`"))
            } else {
                CheckResult::fail(
                    "not_pushed",
                    None,
                    format!("`{branch}` is {ahead} commit{} ahead of `{shown}`", plural(ahead)),
                    "`git push`",
                )
            },
            if behind == 0 {
                CheckResult::pass(
                    "behind_remote",
                    None,
                    format!("`{branch}` has every commit of `{shown}` (as of the last fetch)"),
                )
            } else {
                CheckResult::fail(
                    "behind_remote",
                    None,
                    format!("`{branch}` is {behind} commit{} behind `{shown}`", plural(behind)),
                    "`git pull --rebase` (or `git merge`), then check again",
                )
            },
        ],
    }
}

/// `noreply_email`: the email commits and tags are made with must match
/// `release.email_pattern` (seed 000: `*@users.noreply.github.com`).
fn noreply_email(repo: &Repo, config: &Config) -> CheckResult {
    use crate::config::GitConfig as _;
    const NAME: &str = "noreply_email";
    // git's order for the committer: the environment, `user.email`, then `EMAIL`.
    let from_env = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    let found = from_env("GIT_COMMITTER_EMAIL")
        .map(|e| (e, "`GIT_COMMITTER_EMAIL`"))
        .or_else(|| {
            repo.value("user.email").filter(|v| !v.trim().is_empty()).map(|e| (e, "`user.email`"))
        })
        .or_else(|| from_env("EMAIL").map(|e| (e, "`EMAIL`")));
    match found {
        None => CheckResult::fail(
            NAME,
            None,
            "no email is set for commits and tags",
            "`git config user.email <you>@users.noreply.github.com`",
        ),
        Some((email, source)) if glob_match(&config.email_pattern, email.trim()) => {
            CheckResult::pass(
                NAME,
                None,
                format!("{source} `{}` matches `{}`", email.trim(), config.email_pattern),
            )
        }
        Some((email, source)) => CheckResult::fail(
            NAME,
            None,
            format!(
                "{source} `{}` does not match `release.email_pattern` `{}`",
                email.trim(),
                config.email_pattern
            ),
            "set `git config user.email` to your noreply address, or change `release.email_pattern`",
        ),
    }
}

/// Runs `request` with the `gh` at `gh` in `dir`, killed past `limit`; `(success, stdout,
/// stderr)`.
///
/// # Errors
/// gh cannot be started, or runs past `limit` (the message says so).
fn run_gh(
    gh: &Path,
    dir: &Path,
    request: &Request<'_>,
    limit: std::time::Duration,
) -> Result<(bool, String, String)> {
    Gh::new(gh.to_owned(), RetryPolicy::default()).raw(dir, request, limit)
}

/// The first non-empty line of `text`, with credentials in URLs redacted; `gh` masks tokens
/// itself, but nothing else of its output is shown.
fn first_line(text: &str) -> String {
    redact(text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no message"))
}

/// `gh_auth`: `gh auth status` succeeds within `limit` (`forge.timeout_secs`).
pub fn gh_auth(gh: &Path, dir: &Path, limit: std::time::Duration) -> CheckResult {
    const NAME: &str = "gh_auth";
    match run_gh(gh, dir, &Request::AuthStatus, limit) {
        Ok((true, _, _)) => CheckResult::pass(NAME, None, "`gh auth status` succeeds"),
        Ok((false, stdout, stderr)) => CheckResult::fail(
            NAME,
            None,
            format!(
                "`gh auth status` failed: {}",
                first_line(if stderr.trim().is_empty() { &stdout } else { &stderr })
            ),
            "`gh auth login` (or set `GH_TOKEN`)",
        ),
        Err(e) => CheckResult::fail(NAME, None, format!("{e:#}"), "check the `gh` installation"),
    }
}

/// `release_blockers`: no open issue carries `release.blocker_label`.
fn release_blockers(
    config: &Config,
    gh: std::result::Result<&Path, String>,
    dir: &Path,
) -> CheckResult {
    const NAME: &str = "release_blockers";
    let Some(label) = &config.blocker_label else {
        return CheckResult::skip(NAME, None, "no `release.blocker_label` is set");
    };
    let gh = match gh {
        Ok(gh) => gh,
        Err(why) => {
            return CheckResult::fail(
                NAME,
                None,
                format!("cannot list issues labelled `{label}`: {why}"),
                "install the GitHub CLI (https://cli.github.com) or set `GIT_RELEASE_GH`",
            );
        }
    };
    match run_gh(gh, dir, &Request::IssueList { label }, config.forge.timeout()) {
        Ok((true, stdout, _)) => {
            #[derive(serde::Deserialize)]
            struct Issue {
                number: u64,
                title: String,
            }
            match serde_json::from_str::<Vec<Issue>>(&stdout) {
                Ok(issues) if issues.is_empty() => {
                    CheckResult::pass(NAME, None, format!("no open issue is labelled `{label}`"))
                }
                Ok(issues) => {
                    let list: Vec<String> =
                        issues.iter().map(|i| format!("#{} {}", i.number, i.title)).collect();
                    CheckResult::fail(
                        NAME,
                        None,
                        format!(
                            "{} open issue{} labelled `{label}`: {}",
                            issues.len(),
                            plural(issues.len()),
                            list.join("; ")
                        ),
                        "close or relabel them before releasing",
                    )
                }
                Err(e) => CheckResult::fail(
                    NAME,
                    None,
                    format!("`gh issue list` printed something that is not the expected JSON: {e}"),
                    "check the `gh` version (`gh --version`)",
                ),
            }
        }
        Ok((false, stdout, stderr)) => CheckResult::fail(
            NAME,
            None,
            format!(
                "`gh issue list --label {label}` failed: {}",
                first_line(if stderr.trim().is_empty() { &stdout } else { &stderr })
            ),
            "`gh auth status` shows whether `gh` can reach the repository",
        ),
        Err(e) => CheckResult::fail(NAME, None, format!("{e:#}"), "check the `gh` installation"),
    }
}

/// `required_env`: every variable of `release.required_env` is set and not empty. Only the
/// names are ever shown, never a value.
fn required_env(config: &Config) -> CheckResult {
    const NAME: &str = "required_env";
    if config.required_env.is_empty() {
        return CheckResult::skip(NAME, None, "no `release.required_env` is set");
    }
    let missing: Vec<String> = config
        .required_env
        .iter()
        .filter(|name| std::env::var_os(name).is_none_or(|v: OsString| v.is_empty()))
        .map(|name| format!("`{name}`"))
        .collect();
    if missing.is_empty() {
        CheckResult::pass(
            NAME,
            None,
            format!(
                "{} required variable{} set",
                config.required_env.len(),
                if config.required_env.len() == 1 { " is" } else { "s are" }
            ),
        )
    } else {
        CheckResult::fail(
            NAME,
            None,
            format!("unset or empty: {}", missing.join(", ")),
            "export them in the environment that runs the release",
        )
    }
}

// ---- per-package checks -------------------------------------------------------------------

/// The per-package checks other than `tag_exists` (which needs the remote's tags), for each
/// package that is checked, in plan order.
fn package_checks<'p>(
    repo: &Repo,
    config: &Config,
    plan: &'p Plan,
    options: &Options,
) -> Vec<(&'p Row, Vec<CheckResult>)> {
    let tree = repo.tree_of(&plan.head);
    let mut out = Vec::new();
    for row in &plan.rows {
        if !options.named && row.status != PlanStatus::Release {
            continue;
        }
        let name = Some(row.name.as_str());
        let Some(pkg) = plan.packages.list.iter().find(|p| p.name == row.name) else { continue };
        let tree = match &tree {
            Ok(tree) => *tree,
            Err(e) => {
                let reason = format!("cannot read HEAD's tree: {e:#}");
                let list =
                    ["version_alignment", "missing_tests", "stale_docs", "changelog_current"]
                        .iter()
                        .map(|c| CheckResult::fail(c, name, reason.clone(), "run `git fsck`"))
                        .collect();
                out.push((row, list));
                continue;
            }
        };
        let released = released_versions(plan, pkg);
        out.push((
            row,
            vec![
                version_alignment(repo, tree, pkg, row),
                missing_tests(repo, config, tree, pkg),
                stale_docs(repo, config, tree, pkg, row, &released),
                changelog_current(repo, config, tree, pkg, row),
            ],
        ));
    }
    out
}

/// Every version tagged for `pkg` under any of its tag formats, from the plan's tag read.
fn released_versions(plan: &Plan, pkg: &Package) -> Vec<Version> {
    plan.tags
        .iter()
        .filter_map(|t| pkg.tag_formats.iter().find_map(|f| f.parse_tag(&t.name)))
        .collect()
}

/// `tag_exists`: the next tag is neither a local tag nor a tag on the remote.
fn tag_exists(
    plan: &Plan,
    row: &Row,
    remote: Option<&Result<BTreeMap<String, RemoteRef>>>,
    remote_name: &str,
) -> CheckResult {
    const NAME: &str = "tag_exists";
    let name = Some(row.name.as_str());
    let Some(tag) = &row.next_tag else {
        return CheckResult::skip(NAME, name, "nothing to release");
    };
    let fix = "`git release tag --reconcile` shows both sides and settles them";
    if let Some(local) = plan.tags.iter().find(|t| t.name == *tag) {
        return CheckResult::fail(
            NAME,
            name,
            format!(
                "the next tag `{tag}` already exists locally ({})",
                short_id(&local.target.to_string())
            ),
            fix,
        );
    }
    match remote {
        Some(Ok(tags)) => match tags.get(tag) {
            Some(r) => CheckResult::fail(
                NAME,
                name,
                format!(
                    "the next tag `{tag}` already exists on `{remote_name}` (at {})",
                    short_id(&r.peeled)
                ),
                fix,
            ),
            None => CheckResult::pass(
                NAME,
                name,
                format!("`{tag}` is free locally and on `{remote_name}`"),
            ),
        },
        Some(Err(e)) => CheckResult::fail(
            NAME,
            name,
            format!("cannot tell whether `{tag}` exists on the remote: {e}"),
            format!(
                "check the remote: `{}`",
                command_line(&["git", "ls-remote", "--tags", remote_name])
            ),
        ),
        None => CheckResult::pass(NAME, name, format!("`{tag}` does not exist locally")),
    }
}

/// The version each of `pkg`'s version files declares at HEAD, as `(file, version)`;
/// `Err` for a file that cannot be read or parsed.
fn file_versions(repo: &Repo, tree: ObjectId, pkg: &Package) -> Vec<(String, Result<String>)> {
    let read = |path: &str| -> Result<Option<manifest::Manifest>> {
        let Some(bytes) = repo.read_file(tree, path)? else { return Ok(None) };
        let text =
            String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("`{path}` is not valid UTF-8"))?;
        manifest::parse(path, &text).map(Some)
    };
    let mut out = Vec::new();
    for file in &pkg.version_files {
        let version = match read(file) {
            Ok(None) => continue,
            Ok(Some(m)) => {
                let mut v = m.version.clone();
                if v.is_none() && m.version_from_workspace {
                    v = read("Cargo.toml").ok().flatten().and_then(|root| root.workspace_version);
                }
                if v.is_none() && !m.is_package {
                    v.clone_from(&m.workspace_version);
                }
                match v {
                    Some(v) => Ok(v.trim().to_owned()),
                    None => continue,
                }
            }
            Err(e) => Err(e),
        };
        out.push((file.clone(), version));
    }
    out
}

/// `version_alignment`: the version files agree with each other and with the last tag (or
/// already carry the next version, which the pipeline's BUMPED step treats as done).
fn version_alignment(repo: &Repo, tree: ObjectId, pkg: &Package, row: &Row) -> CheckResult {
    const NAME: &str = "version_alignment";
    let name = Some(pkg.name.as_str());
    let files = file_versions(repo, tree, pkg);
    if files.is_empty() {
        return CheckResult::skip(NAME, name, "the package has no version files");
    }
    let mut parsed: Vec<(String, Version)> = Vec::new();
    for (file, version) in files {
        match version.and_then(|v| {
            Version::parse(&v).map_err(|e| anyhow::anyhow!("`{v}` is not a semantic version: {e}"))
        }) {
            Ok(v) => parsed.push((file, v)),
            Err(e) => {
                return CheckResult::fail(
                    NAME,
                    name,
                    format!("`{file}`: {e:#}"),
                    format!("fix the version in `{file}`"),
                );
            }
        }
    }
    let distinct: BTreeSet<&Version> = parsed.iter().map(|(_, v)| v).collect();
    let said = |list: &[(String, Version)]| {
        list.iter().map(|(f, v)| format!("`{f}` says {v}")).collect::<Vec<_>>().join(", ")
    };
    if distinct.len() > 1 {
        return CheckResult::fail(
            NAME,
            name,
            format!("the version files disagree: {}", said(&parsed)),
            "set every version file of the package to the same version",
        );
    }
    let version = &parsed[0].1;
    let current = row.current_version.as_deref().and_then(|v| Version::parse(v).ok());
    let next = row.next_version.as_deref().and_then(|v| Version::parse(v).ok());
    match (&current, &row.current_tag) {
        (Some(c), Some(tag)) if c == version => CheckResult::pass(
            NAME,
            name,
            format!("{} and the last tag `{tag}` say {version}", files_word(parsed.len())),
        ),
        (Some(_), Some(_)) if next.as_ref() == Some(version) => CheckResult::pass(
            NAME,
            name,
            format!("{} already say the next version {version}", files_word(parsed.len())),
        ),
        (Some(c), Some(tag)) => CheckResult::fail(
            NAME,
            name,
            format!("{}, but the last tag `{tag}` is {c}", said(&parsed)),
            format!("set the version files to {c}, or tag the release they describe"),
        ),
        _ => CheckResult::pass(
            NAME,
            name,
            format!("{} say {version}; no release tag yet", files_word(parsed.len())),
        ),
    }
}

fn files_word(n: usize) -> &'static str {
    if n == 1 { "the version file" } else { "the version files" }
}

/// Directory names that hold a test suite.
const TEST_DIRS: [&str; 6] = ["tests", "test", "__tests__", "spec", "specs", "testing"];

/// `missing_tests`: `commands.test` is set, or the package has a test suite: a test
/// directory, test files (`*_test.*`, `test_*.py`, `*.test.*`, `*.spec.*`), a
/// `package.json` `test` script, or Rust unit tests in `src/lib.rs` / `src/main.rs`.
fn missing_tests(repo: &Repo, config: &Config, tree: ObjectId, pkg: &Package) -> CheckResult {
    const NAME: &str = "missing_tests";
    let name = Some(pkg.name.as_str());
    if let Some(cmd) = &config.commands.test {
        return CheckResult::pass(NAME, name, format!("`commands.test` runs `{cmd}`"));
    }
    match find_tests(repo, tree, &pkg.path) {
        Ok(Some(found)) => CheckResult::pass(NAME, name, format!("test suite found: {found}")),
        Ok(None) => CheckResult::fail(
            NAME,
            name,
            format!("no test suite found under `{}` and no `commands.test`", pkg.path),
            "add tests, set `commands.test`, or waive `missing_tests` for this package",
        ),
        Err(e) => CheckResult::fail(
            NAME,
            name,
            format!("cannot read the package's tree: {e:#}"),
            "run `git fsck`",
        ),
    }
}

/// Looks for a test suite under `path` in `tree`; says what it found.
fn find_tests(repo: &Repo, tree: ObjectId, path: &str) -> Result<Option<String>> {
    const SKIP: [&str; 6] = ["node_modules", "target", "vendor", "dist", "build", ".git"];
    /// Enough to find a suite in a real package; a huge tree is not walked to its end.
    const MAX_TREES: usize = 2000;
    let Some(root) = repo.lookup_path(tree, path)? else { return Ok(None) };
    if !root.is_tree {
        return Ok(None);
    }
    let prefix = |p: &str| if path == "." { p.to_owned() } else { format!("{path}/{p}") };
    let mut buf = Vec::new();
    let mut stack = vec![(root.id, String::new())];
    let mut seen = 0;
    while let Some((id, dir)) = stack.pop() {
        seen += 1;
        if seen > MAX_TREES {
            break;
        }
        for entry in repo.tree_entries(&id, &mut buf)? {
            let file = String::from_utf8_lossy(&entry.name).into_owned();
            let rel = if dir.is_empty() { file.clone() } else { format!("{dir}/{file}") };
            if entry.is_tree {
                if TEST_DIRS.contains(&file.as_str()) {
                    return Ok(Some(format!("`{}/`", prefix(&rel))));
                }
                if !file.starts_with('.') && !SKIP.contains(&file.as_str()) {
                    stack.push((entry.id, rel));
                }
            } else if is_test_file(&file) {
                return Ok(Some(format!("`{}`", prefix(&rel))));
            }
        }
    }
    if let Some(bytes) = repo.read_file(tree, &prefix("package.json"))?
        && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(script) = json["scripts"]["test"].as_str()
        && !script.contains("no test specified")
    {
        return Ok(Some("the `test` script of `package.json`".to_owned()));
    }
    for file in ["src/lib.rs", "src/main.rs"] {
        if let Some(bytes) = repo.read_file(tree, &prefix(file))?
            && (bytes.windows(12).any(|w| w == b"#[cfg(test)]")
                || bytes.windows(7).any(|w| w == b"#[test]"))
        {
            return Ok(Some(format!("unit tests in `{}`", prefix(file))));
        }
    }
    Ok(None)
}

/// Whether a file name is a test file by the usual conventions.
fn is_test_file(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let has_ext = name.contains('.');
    has_ext
        && (stem.ends_with("_test")
            || stem.ends_with("_spec")
            || (stem.starts_with("test_")
                && Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case("py")))
            || name.contains(".test.")
            || name.contains(".spec."))
}

/// `stale_docs`: no file of `release.docs` mentions a released version of the package
/// older than its current one. A mention is the package's tag of that version (`v1.2.0`,
/// `core/v1.2.0`), or the bare version on a line that names the package.
fn stale_docs(
    repo: &Repo,
    config: &Config,
    tree: ObjectId,
    pkg: &Package,
    row: &Row,
    released: &[Version],
) -> CheckResult {
    const NAME: &str = "stale_docs";
    let name = Some(pkg.name.as_str());
    if config.docs.is_empty() {
        return CheckResult::skip(NAME, name, "no `release.docs` is set");
    }
    let Some(current) = row.current_version.as_deref().and_then(|v| Version::parse(v).ok()) else {
        return CheckResult::skip(NAME, name, "no release yet");
    };
    let older: HashSet<&Version> = released.iter().filter(|v| **v < current).collect();
    let names: Vec<&str> =
        std::iter::once(pkg.name.as_str()).chain(pkg.manifest_name.as_deref()).collect();
    let mut stale = Vec::new();
    let mut missing = Vec::new();
    for doc in &config.docs {
        let bytes = match repo.read_file(tree, doc) {
            Ok(Some(b)) => b,
            Ok(None) => {
                missing.push(format!("`{doc}`"));
                continue;
            }
            Err(e) => {
                return CheckResult::fail(
                    NAME,
                    name,
                    format!("cannot read `{doc}`: {e:#}"),
                    "run `git fsck`",
                );
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            let names_package = names.iter().any(|p| contains_word(line, p));
            for (token, tagged) in version_tokens(line) {
                let Ok(v) = Version::parse(token) else { continue };
                if !older.contains(&v) {
                    continue;
                }
                let as_tag = pkg.tag_formats.iter().any(|f| line.contains(&f.format(&v)));
                if names_package || as_tag || (tagged && pkg.path == ".") {
                    stale.push(format!("`{doc}:{}` mentions {v}", n + 1));
                }
            }
        }
    }
    if !missing.is_empty() {
        return CheckResult::fail(
            NAME,
            name,
            format!(
                "{} in `release.docs` do{} not exist at HEAD",
                missing.join(", "),
                if missing.len() == 1 { "es" } else { "" }
            ),
            "fix the paths in `release.docs`",
        );
    }
    if stale.is_empty() {
        CheckResult::pass(NAME, name, format!("no doc mentions a version older than {current}"))
    } else {
        let more =
            if stale.len() > 3 { format!(" and {} more", stale.len() - 3) } else { String::new() };
        CheckResult::fail(
            NAME,
            name,
            format!(
                "{}{more} (current: {current})",
                stale.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ),
            format!("update the docs to {current}"),
        )
    }
}

/// Version-like tokens of a line (`1.2.3`, `1.2.3-rc.1`), each with whether a `v` led it.
fn version_tokens(line: &str) -> Vec<(&str, bool)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.');
        let tagged =
            i > 0 && bytes[i - 1] == b'v' && (i == 1 || !bytes[i - 2].is_ascii_alphanumeric());
        if bytes[i].is_ascii_digit() && (boundary || tagged) {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || b".-+".contains(&bytes[i]))
            {
                i += 1;
            }
            let token = line[start..i].trim_end_matches(['.', '-', '+']);
            if token.matches('.').count() >= 2 {
                out.push((token, tagged));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `word` occurs in `line` with no letter, digit, `-` or `_` on either side.
fn contains_word(line: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    line.match_indices(word).any(|(at, _)| {
        !line[..at].chars().next_back().is_some_and(is_word)
            && !line[at + word.len()..].chars().next().is_some_and(is_word)
    })
}

/// `changelog_current`: the changelog has a section (a heading) for the current version
/// (seed 004 › RL-03 "Changelog updated").
fn changelog_current(
    repo: &Repo,
    config: &Config,
    tree: ObjectId,
    pkg: &Package,
    row: &Row,
) -> CheckResult {
    const NAME: &str = "changelog_current";
    let name = Some(pkg.name.as_str());
    let Some(current) = row.current_version.as_deref().and_then(|v| Version::parse(v).ok()) else {
        return CheckResult::skip(NAME, name, "no release yet");
    };
    let path = config.changelog_of(&pkg.name, &pkg.path);
    let fix =
        format!("add a section for {current} to `{path}` (`git release changelog` writes one)");
    match repo.read_file(tree, &path) {
        Ok(None) => CheckResult::fail(NAME, name, format!("`{path}` does not exist at HEAD"), fix),
        Err(e) => {
            CheckResult::fail(NAME, name, format!("cannot read `{path}`: {e:#}"), "run `git fsck`")
        }
        Ok(Some(bytes)) => {
            let text = String::from_utf8_lossy(&bytes);
            if crate::changelog::has_section(&text, &current.to_string()) {
                CheckResult::pass(NAME, name, format!("`{path}` has a section for {current}"))
            } else {
                CheckResult::fail(
                    NAME,
                    name,
                    format!("`{path}` has no section for the current version {current}"),
                    fix,
                )
            }
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn short_id(id: &str) -> &str {
    &id[..id.len().min(7)]
}

/// The `shallow_clone` check: FAIL when the repository is shallow, so history and bumps
/// may be wrong (DESIGN.md › Checks). Shared by `check` and `doctor`.
pub fn shallow_clone(repo: &Repo) -> CheckResult {
    if repo.is_shallow() {
        CheckResult::fail(
            "shallow_clone",
            None,
            "the repository is a shallow clone, so the history and the bumps may be wrong",
            "`git fetch --unshallow --tags`",
        )
    } else {
        CheckResult::pass("shallow_clone", None, "the history is complete (not shallow)")
    }
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

    #[test]
    fn every_check_is_listed_once() {
        let set: BTreeSet<&str> = CHECKS.iter().copied().collect();
        assert_eq!(set.len(), CHECKS.len());
    }
}
