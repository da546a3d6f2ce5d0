//! `git release doctor`: is the environment ready to release? The binary git runs, git's
//! version, `gh`, the hooks, the configuration, and the repository's history and tags
//! (issue 4 › 3). Same rows and JSON as `git release check`.

use std::path::Path;

use anyhow::Result;
use clap::Args;

use crate::checks::render::{CheckFormat, finish, render_json, render_table};
use crate::checks::{self, CheckResult, Report};
use crate::config::{self, Config, GitConfig as _};
use crate::context::GlobalArgs;
use crate::context::start_dir;
use crate::gh_support::MIN_GH;
use crate::git::cli::Git;
use crate::git::read::Repo;
use crate::ui::Ui;
use crate::waivers;

use crate::git::cli::MIN_GIT;

/// Check the environment: binary, git, gh, hooks, configuration, history
///
/// Says whether `git release` runs this binary (git-extras ships another `git-release`),
/// whether git is recent enough, whether `gh` is installed and logged in, whether the hooks
/// are installed and current, whether the configuration and waivers are valid, and whether
/// the repository is shallow or misses tags of its remote. Each row is PASS, FAIL or SKIP
/// with what to fix. Exits 1 when something is to fix.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: CheckFormat,
}

/// Runs the environment checks and prints them.
///
/// # Errors
/// A FAIL (exit 1); the current directory cannot be read.
pub fn run(global: &GlobalArgs, args: &DoctorArgs) -> Result<()> {
    let ui = Ui::new(global.quiet, global.verbose, global.color);
    let dir = start_dir(global)?;
    let mut results = vec![binary(&dir), git_version(&dir)];
    let repo = Repo::discover(&dir);
    let config = repo.as_ref().ok().map(|r| configuration(r, global, &dir));
    // With no forge (issue 14, item 5), a missing gh is no problem.
    let no_forge = matches!(&config, Some(Ok(c)) if c.forge.kind == crate::forge::Kind::None);
    match crate::forge::find_gh() {
        Err(_) if no_forge => {
            for name in ["gh_missing", "gh_version", "gh_auth"] {
                results.push(CheckResult::skip(name, None, "no forge: `[forge] kind = \"none\"`"));
            }
        }
        Ok(gh) => {
            results.push(CheckResult::pass(
                "gh_missing",
                None,
                format!("`gh` is `{}`", gh.display()),
            ));
            let limit = std::env::var("GIT_RELEASE_FORGE_TIMEOUT_SECS")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .map_or(crate::forge::DEFAULT_TIMEOUT, std::time::Duration::from_secs);
            results.push(gh_version(&gh, &dir));
            results.push(checks::gh_auth(&gh, &dir, limit));
        }
        Err(why) => {
            results.push(CheckResult::fail(
                "gh_missing",
                None,
                why,
                "install the GitHub CLI (https://cli.github.com) or set `GIT_RELEASE_GH`",
            ));
            results.push(CheckResult::skip("gh_version", None, "`gh` is not installed"));
            results.push(CheckResult::skip("gh_auth", None, "`gh` is not installed"));
        }
    }
    match repo {
        Err(e) => {
            for name in ["hooks", "config", "shallow_clone", "tags_fetched"] {
                results.push(CheckResult::skip(name, None, format!("{e}")));
            }
        }
        Ok(repo) => {
            results.push(hooks(&repo));
            let config = config.expect("read once the repository was found");
            let remote = config.as_ref().map_or_else(|_| "origin".to_owned(), |c| c.remote.clone());
            results.push(match &config {
                Ok(c) => config_pass(c, &repo),
                Err(row) => (**row).clone(),
            });
            results.push(crate::checks::shallow_clone(&repo));
            results.push(tags_fetched(&repo, &remote));
        }
    }
    let report = Report { results, ..Report::default() };
    let text = match args.format {
        CheckFormat::Json => render_json(&report, None),
        CheckFormat::Table => render_table(&report.results, ui.color()),
    };
    ui.data(&text)?;
    finish(&report, args.format, "fix what each FAIL says, then run `git release doctor` again")
}

/// `gh_version`: gh's version, and whether it is at least [`MIN_GH`] (issue 14, item 1).
fn gh_version(gh: &Path, dir: &Path) -> CheckResult {
    const NAME: &str = "gh_version";
    let hint = format!("install gh {MIN_GH} or newer (https://cli.github.com)");
    match crate::gh_support::detect(gh, dir) {
        Ok(v) if v >= MIN_GH => {
            CheckResult::pass(NAME, None, format!("gh {v} (the minimum is {MIN_GH})"))
        }
        Ok(v) => CheckResult::fail(
            NAME,
            None,
            format!("gh {v} is older than the minimum, {MIN_GH}"),
            hint,
        ),
        Err(why) => CheckResult::fail(NAME, None, format!("{why} (the minimum is {MIN_GH})"), hint),
    }
}

/// Which `git-release` git runs for `git release`: the one in `git --exec-path`, else the
/// first on PATH; it should be this binary.
fn binary(dir: &Path) -> CheckResult {
    const NAME: &str = "git_release_path";
    let me = std::env::current_exe().ok().and_then(|p| p.canonicalize().ok());
    let exec_dir = Git::new(dir).exec_path().ok();
    let found = exec_dir
        .map(|d| d.join("git-release"))
        .filter(|p| p.is_file())
        .or_else(|| which::which("git-release").ok());
    let me_dir = me
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| "the folder of this binary".to_owned(), |d| format!("`{}`", d.display()));
    let Some(found) = found else {
        return CheckResult::fail(
            NAME,
            None,
            "no `git-release` is on PATH, so `git release` does not run this binary",
            format!("`cargo install --locked --path .`, or add {me_dir} to PATH"),
        );
    };
    let canonical = found.canonicalize().unwrap_or_else(|_| found.clone());
    if me.as_ref() == Some(&canonical) {
        return CheckResult::pass(
            NAME,
            None,
            format!("`git release` runs this binary (`{}`)", found.display()),
        );
    }
    let script = std::fs::read(&found).is_ok_and(|b| b.starts_with(b"#!"));
    CheckResult::fail(
        NAME,
        None,
        format!(
            "`git release` runs `{}`{}, not this binary",
            found.display(),
            if script { ", a script (git-extras ships one of that name)" } else { "" }
        ),
        format!("put {me_dir} before `{}` on PATH, or remove the other one", found.display()),
    )
}

/// `git --version`, against [`MIN_GIT`].
fn git_version(dir: &Path) -> CheckResult {
    const NAME: &str = "git_version";
    let out = match Git::new(dir).version() {
        Ok(out) => out,
        Err(e) => {
            return CheckResult::fail(NAME, None, format!("cannot run git: {e:#}"), "install git");
        }
    };
    let version = out.strip_prefix("git version ").unwrap_or(&out);
    let (major, minor) = crate::git::cli::parse_version(&out);
    let need = format!("{}.{}", MIN_GIT.0, MIN_GIT.1);
    if (major, minor) >= MIN_GIT {
        CheckResult::pass(NAME, None, format!("git {version} (at least {need} is needed)"))
    } else {
        CheckResult::fail(
            NAME,
            None,
            format!("git {version} is older than {need}"),
            format!("install git {need} or later"),
        )
    }
}

/// Whether the `pre-push` and `commit-msg` shims are installed and match this version's.
fn hooks(repo: &Repo) -> CheckResult {
    const NAME: &str = "hooks";
    let root = repo.root();
    let dir = match Git::new(&root).git_path("hooks") {
        Ok(path) => path,
        Err(e) => {
            return CheckResult::fail(
                NAME,
                None,
                format!("cannot find the hooks folder: {e:#}"),
                "run `git rev-parse --git-path hooks`",
            );
        }
    };
    let mut problems = Vec::new();
    for (name, shim) in crate::hooks::SHIMS {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Err(_) => problems.push(format!("`{name}` is not installed")),
            Ok(text) if text == shim => {
                if !is_executable(&path) {
                    problems.push(format!("`{name}` is not executable"));
                }
            }
            Ok(text) if text.contains(crate::hooks::MARKER) => {
                problems.push(format!("`{name}` is an older shim"));
            }
            Ok(_) => problems.push(format!("`{name}` is another program's hook")),
        }
    }
    if problems.is_empty() {
        CheckResult::pass(
            NAME,
            None,
            format!("`pre-push` and `commit-msg` are installed and current in `{}`", dir.display()),
        )
    } else {
        CheckResult::fail(
            NAME,
            None,
            format!("{} (in `{}`)", problems.join(", "), dir.display()),
            "`git release hook install` (an existing hook is kept and chained)",
        )
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    true
}

/// Loads the configuration and the waivers as `check` would; a FAIL row on error.
fn configuration(
    repo: &Repo,
    global: &GlobalArgs,
    dir: &Path,
) -> std::result::Result<Config, Box<CheckResult>> {
    let load = || -> Result<Config> {
        let explicit =
            global.config.as_ref().map(|p| if p.is_absolute() { p.clone() } else { dir.join(p) });
        let file = config::locate(repo.workdir(), explicit.as_deref())?;
        let env: Vec<(String, String)> =
            std::env::vars().filter(|(k, _)| k.starts_with("GIT_RELEASE_")).collect();
        let config = config::load(file.as_deref(), repo, &env)?;
        waivers::load(repo.workdir(), &config, &checks::CHECKS)?;
        Ok(config)
    };
    load().map_err(|e| {
        let message = format!("{e}");
        let first = message.lines().next().unwrap_or_default().to_owned();
        let hint = crate::error::hint(&e).map_or_else(
            || "fix the file and run `git release doctor` again".to_owned(),
            str::to_owned,
        );
        Box::new(CheckResult::fail("config", None, first, hint))
    })
}

/// The `config` PASS row: which file, how many packages and waivers.
fn config_pass(config: &Config, repo: &Repo) -> CheckResult {
    let file = config.file.as_ref().map_or_else(
        || "no configuration file (the defaults apply)".to_owned(),
        |f| format!("`{}` is valid", f.display()),
    );
    let waivers = waivers::load(repo.workdir(), config, &checks::CHECKS).map_or(0, |w| w.len());
    CheckResult::pass(
        "config",
        None,
        format!(
            "{file}: {} configured package{}, {waivers} waiver{}",
            config.packages.len(),
            if config.packages.len() == 1 { "" } else { "s" },
            if waivers == 1 { "" } else { "s" }
        ),
    )
}

/// Whether the remote's tags are all fetched (one `git ls-remote --tags`).
fn tags_fetched(repo: &Repo, remote: &str) -> CheckResult {
    const NAME: &str = "tags_fetched";
    if repo.value(&format!("remote.{remote}.url")).is_none() {
        return CheckResult::skip(NAME, None, format!("no remote `{remote}` is configured"));
    }
    let local = match repo.tags() {
        Ok(tags) => tags.into_iter().map(|t| t.name).collect::<std::collections::BTreeSet<_>>(),
        Err(e) => {
            return CheckResult::fail(
                NAME,
                None,
                format!("cannot read tags: {e:#}"),
                "run `git fsck`",
            );
        }
    };
    match Git::new(&repo.root()).ls_remote_tags(remote) {
        Err(e) => CheckResult::fail(
            NAME,
            None,
            format!("{e}"),
            crate::error::hint(&e).unwrap_or("check the remote's URL").to_owned(),
        ),
        Ok(remote_tags) => {
            let missing: Vec<&String> =
                remote_tags.keys().filter(|t| !local.contains(*t)).collect();
            if missing.is_empty() {
                CheckResult::pass(
                    NAME,
                    None,
                    format!(
                        "all {} tag{} of `{remote}` are fetched ({} local)",
                        remote_tags.len(),
                        if remote_tags.len() == 1 { "" } else { "s" },
                        local.len()
                    ),
                )
            } else {
                let shown: Vec<String> = missing.iter().take(3).map(|t| format!("`{t}`")).collect();
                CheckResult::fail(
                    NAME,
                    None,
                    format!(
                        "{} tag{} of `{remote}` {} not fetched: {}{}",
                        missing.len(),
                        if missing.len() == 1 { "" } else { "s" },
                        if missing.len() == 1 { "is" } else { "are" },
                        shown.join(", "),
                        if missing.len() > 3 { ", …" } else { "" }
                    ),
                    format!("`{}`", crate::ui::command_line(&["git", "fetch", "--tags", remote])),
                )
            }
        }
    }
}
