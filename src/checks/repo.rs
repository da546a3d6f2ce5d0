//! The whole-repository checks: work tree, branch, remote, identity, forge, blockers.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// The whole-repository checks that need no child process.
pub(super) fn repo_checks(repo: &Repo, config: &Config, plan: &Plan) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let branch = repo.head_branch();
    let head = plan.head.to_string();
    let short = short_id(&head);

    out.push(match &branch {
        Some(b) => CheckResult::pass(CheckId::DetachedHead, None, format!("HEAD is on `{b}`")),
        None => CheckResult::fail(
            CheckId::DetachedHead,
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
            CheckId::OperationInProgress,
            None,
            "no merge, rebase, cherry-pick or bisect under way",
        ),
        Some((what, fix)) => CheckResult::fail(
            CheckId::OperationInProgress,
            None,
            format!("{what} is under way"),
            format!("finish or abort it: `{fix}`"),
        ),
    });

    out.push(match &branch {
        None => CheckResult::skip(CheckId::WrongBranch, None, "HEAD is not on a branch"),
        Some(b) if *b == config.branch => {
            CheckResult::pass(CheckId::WrongBranch, None, format!("on the release branch `{b}`"))
        }
        Some(b) => CheckResult::fail(
            CheckId::WrongBranch,
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
            CheckId::ProtectedBranch,
            None,
            "mode `pr`: the release reaches the branch through a pull request",
        ),
        Mode::Direct if config.protected_branches.contains(&config.branch) => CheckResult::fail(
            CheckId::ProtectedBranch,
            None,
            format!(
                "mode `direct` pushes to `{}`, which is a protected branch (`release.protected_branches`)",
                config.branch
            ),
            "use `mode = \"pr\"`, or release from a branch that is not protected",
        ),
        Mode::Direct => CheckResult::pass(
            CheckId::ProtectedBranch,
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
        for name in
            [CheckId::GhMissing, CheckId::GhAuth, CheckId::ReleaseBlockers, CheckId::OpenPrs]
        {
            out.push(CheckResult::skip(name, None, "no forge: `[forge] kind = \"none\"`"));
        }
        out.push(required_env(config));
        return out;
    }
    if needs_forge {
        match &gh {
            Ok(path) => {
                out.push(CheckResult::pass(
                    CheckId::GhMissing,
                    None,
                    format!("`gh` is `{}`", path.display()),
                ));
                out.push(gh_auth(path, &repo.root(), config.forge.timeout()));
            }
            Err(why) => {
                out.push(CheckResult::fail(
                    CheckId::GhMissing,
                    None,
                    why.clone(),
                    "install the GitHub CLI (https://cli.github.com) or set `GIT_RELEASE_GH` to its path",
                ));
                out.push(CheckResult::skip(CheckId::GhAuth, None, "`gh` is not installed"));
            }
        }
    } else {
        out.push(CheckResult::skip(
            CheckId::GhMissing,
            None,
            "nothing to release: the forge is not needed",
        ));
        out.push(CheckResult::skip(
            CheckId::GhAuth,
            None,
            "nothing to release: the forge is not needed",
        ));
    }

    out.push(release_blockers(config, gh.as_deref().map_err(Clone::clone), &repo.root()));
    out.push(if needs_forge {
        open_prs(config, gh.as_deref().ok(), &repo.root())
    } else {
        CheckResult::skip(CheckId::OpenPrs, None, "nothing to release")
    });
    out.push(required_env(config));
    out
}

/// `open_prs` (seed 004's RL-01, "all PRs merged"; issue 17 item 7): no pull request is open
/// into the release branch, so nothing meant for this release is left out of it. SKIP when
/// `gh` is missing (`gh_missing` FAILs then); FAIL when the forge cannot be asked.
pub(super) fn open_prs(config: &Config, gh: Option<&Path>, dir: &Path) -> CheckResult {
    const NAME: CheckId = CheckId::OpenPrs;
    let base = config.branch.as_str();
    let Some(gh) = gh else {
        return CheckResult::skip(NAME, None, "`gh` is not installed");
    };
    let listing = Listing {
        name: NAME,
        command: format!("gh pr list --base {base}"),
        failed_hint: "check `gh auth status` and the network",
        unrun: |e| {
            (format!("cannot run `gh pr list`: {e:#}"), "check `gh auth status` and the network")
        },
    };
    let prs = match listing.run(gh, dir, &Request::OpenPrs { base }, config.forge.timeout()) {
        Ok(prs) => prs,
        Err(failed) => return *failed,
    };
    if prs.is_empty() {
        return CheckResult::pass(NAME, None, format!("no pull request is open into `{base}`"));
    }
    let list: Vec<String> = prs
        .iter()
        .take(5)
        .map(|p| {
            let title: String = p.title.chars().filter(|c| !c.is_control()).take(60).collect();
            format!("#{} {title}", p.number)
        })
        .collect();
    let more = if prs.len() > 5 { format!(" and {} more", prs.len() - 5) } else { String::new() };
    CheckResult::fail(
        NAME,
        None,
        format!(
            "{} pull request{} open into `{base}`: {}{more}",
            prs.len(),
            plural(prs.len()),
            list.join("; ")
        ),
        "merge or close them first (or waive `open_prs`, e.g. for bots' pull requests)",
    )
}

/// An item of a forge listing (`--json number,title`): a pull request or an issue.
#[derive(serde::Deserialize)]
struct Numbered {
    number: u64,
    title: String,
}

/// A check that lists pull requests or issues through gh (`open_prs`, `release_blockers`):
/// how its failures read.
struct Listing {
    name: CheckId,
    /// The gh command as the failure shows it, e.g. `gh issue list --label blocker`.
    command: String,
    /// The hint when gh ran and failed.
    failed_hint: &'static str,
    /// The message and hint when gh could not be run.
    unrun: fn(&anyhow::Error) -> (String, &'static str),
}

impl Listing {
    /// Runs `request` and reads its JSON list; the FAIL result when gh cannot be run, fails,
    /// or prints something else.
    fn run(
        &self,
        gh: &Path,
        dir: &Path,
        request: &Request<'_>,
        timeout: std::time::Duration,
    ) -> std::result::Result<Vec<Numbered>, Box<CheckResult>> {
        let list = self.command.split(' ').take(3).collect::<Vec<_>>().join(" ");
        match run_gh(gh, dir, request, timeout) {
            Ok((true, stdout, _)) => serde_json::from_str(stdout.trim()).map_err(|e| {
                Box::new(CheckResult::fail(
                    self.name,
                    None,
                    format!("`{list}` printed something that is not the expected JSON: {e}"),
                    "check the `gh` version (`gh --version`)",
                ))
            }),
            Ok((false, stdout, stderr)) => Err(Box::new(CheckResult::fail(
                self.name,
                None,
                format!(
                    "`{}` failed: {}",
                    self.command,
                    first_line(if stderr.trim().is_empty() { &stdout } else { &stderr })
                ),
                self.failed_hint,
            ))),
            Err(e) => {
                let (message, hint) = (self.unrun)(&e);
                Err(Box::new(CheckResult::fail(self.name, None, message, hint)))
            }
        }
    }
}

/// `dirty_working_tree`, from `git status --porcelain=v1 -z` (None: a bare repository).
pub(super) fn dirty_working_tree(status: Option<Result<Vec<String>>>) -> CheckResult {
    const NAME: CheckId = CheckId::DirtyWorkingTree;
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
pub(super) fn porcelain_status(git: &Git) -> Result<Vec<String>> {
    git.status_paths(Untracked::Normal)
}

/// The ref the branch is compared with: its configured upstream, else
/// `refs/remotes/<release.remote>/<branch>`; `None` when neither exists.
pub(super) fn upstream(repo: &Repo, config: &Config, branch: &str) -> Option<String> {
    let configured = repo.upstream_of(branch);
    let fallback = format!("refs/remotes/{}/{branch}", config.remote);
    [configured, Some(fallback)]
        .into_iter()
        .flatten()
        .find(|name| repo.ref_commit(name).ok().flatten().is_some())
}

/// `(ahead, behind)` of HEAD against `upstream`, from `git rev-list --left-right --count`.
pub(super) fn rev_list_counts(git: &Git, upstream: &str) -> Result<(usize, usize)> {
    git.ahead_behind(upstream)
}

type BranchState = (Option<String>, Option<String>, Option<(String, Result<(usize, usize)>)>);

/// `not_pushed` and `behind_remote`, from the branch, its upstream and the counts.
pub(super) fn branch_sync(
    config: &Config,
    (branch, upstream, counts): BranchState,
) -> [CheckResult; 2] {
    let Some(branch) = branch else {
        return [
            CheckResult::skip(CheckId::NotPushed, None, "HEAD is not on a branch"),
            CheckResult::skip(CheckId::BehindRemote, None, "HEAD is not on a branch"),
        ];
    };
    let (Some(upstream), Some((_, counts))) = (upstream, counts) else {
        return [
            CheckResult::fail(
                CheckId::NotPushed,
                None,
                format!("`{branch}` has no remote-tracking branch on `{}`", config.remote),
                format!("`{}`", command_line(&["git", "push", "-u", &config.remote, &branch])),
            ),
            CheckResult::skip(
                CheckId::BehindRemote,
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
                    CheckId::NotPushed,
                    None,
                    reason.clone(),
                    "run `git status` to see why",
                ),
                CheckResult::fail(
                    CheckId::BehindRemote,
                    None,
                    reason,
                    "run `git status` to see why",
                ),
            ]
        }
        Ok((ahead, behind)) => [
            if ahead == 0 {
                CheckResult::pass(
                    CheckId::NotPushed,
                    None,
                    format!("`{branch}` is pushed to `{shown}`"),
                )
            } else {
                CheckResult::fail(
                    CheckId::NotPushed,
                    None,
                    format!("`{branch}` is {ahead} commit{} ahead of `{shown}`", plural(ahead)),
                    "`git push`",
                )
            },
            if behind == 0 {
                CheckResult::pass(
                    CheckId::BehindRemote,
                    None,
                    format!("`{branch}` has every commit of `{shown}` (as of the last fetch)"),
                )
            } else {
                CheckResult::fail(
                    CheckId::BehindRemote,
                    None,
                    format!("`{branch}` is {behind} commit{} behind `{shown}`", plural(behind)),
                    "`git pull --rebase` (or `git merge`), then check again",
                )
            },
        ],
    }
}

/// `noreply_email`: the email commits and tags are made with must match
/// `release.email_pattern` (seed 000 sets it to `*@users.noreply.github.com`). skipped when
/// the pattern is not set: the rule is a team's choice, not a default.
pub(super) fn noreply_email(repo: &Repo, config: &Config) -> CheckResult {
    use crate::config::GitConfig as _;
    const NAME: CheckId = CheckId::NoreplyEmail;
    let Some(pattern) = config.email_pattern.as_deref() else {
        return CheckResult::skip(
            NAME,
            None,
            format!(
                "no `release.email_pattern` is set (seed 000 uses `{}`)",
                crate::config::DEFAULT_EMAIL_PATTERN
            ),
        );
    };
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
            format!("`git config user.email <address>`, an address matching `{pattern}`"),
        ),
        Some((email, source)) if glob_match(pattern, email.trim()) => CheckResult::pass(
            NAME,
            None,
            format!("{source} `{}` matches `{pattern}`", email.trim()),
        ),
        Some((email, source)) => CheckResult::fail(
            NAME,
            None,
            format!(
                "{source} `{}` does not match `release.email_pattern` `{pattern}`",
                email.trim()
            ),
            "set `git config user.email` to an address that matches, or change `release.email_pattern`",
        ),
    }
}

/// Runs `request` with the `gh` at `gh` in `dir`, killed past `limit`; `(success, stdout,
/// stderr)`.
///
/// # Errors
/// gh cannot be started, or runs past `limit` (the message says so).
pub(super) fn run_gh(
    gh: &Path,
    dir: &Path,
    request: &Request<'_>,
    limit: std::time::Duration,
) -> Result<(bool, String, String)> {
    Gh::new(gh.to_owned(), RetryPolicy::default()).raw(dir, request, limit)
}

/// The first non-empty line of `text`, with credentials in URLs redacted; `gh` masks tokens
/// itself, but nothing else of its output is shown.
pub(super) fn first_line(text: &str) -> String {
    redact(text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no message"))
}

/// `gh_auth`: `gh auth status` succeeds within `limit` (`forge.timeout_secs`).
pub fn gh_auth(gh: &Path, dir: &Path, limit: std::time::Duration) -> CheckResult {
    const NAME: CheckId = CheckId::GhAuth;
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
pub(super) fn release_blockers(
    config: &Config,
    gh: std::result::Result<&Path, String>,
    dir: &Path,
) -> CheckResult {
    const NAME: CheckId = CheckId::ReleaseBlockers;
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
    let listing = Listing {
        name: NAME,
        command: format!("gh issue list --label {label}"),
        failed_hint: "`gh auth status` shows whether `gh` can reach the repository",
        unrun: |e| (format!("{e:#}"), "check the `gh` installation"),
    };
    let issues = match listing.run(gh, dir, &Request::IssueList { label }, config.forge.timeout()) {
        Ok(issues) => issues,
        Err(failed) => return *failed,
    };
    if issues.is_empty() {
        return CheckResult::pass(NAME, None, format!("no open issue is labelled `{label}`"));
    }
    let list: Vec<String> = issues.iter().map(|i| format!("#{} {}", i.number, i.title)).collect();
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

/// `required_env`: every variable of `release.required_env` is set and not empty. Only the
/// names are ever shown, never a value.
pub(super) fn required_env(config: &Config) -> CheckResult {
    const NAME: CheckId = CheckId::RequiredEnv;
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
