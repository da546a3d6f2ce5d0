//! The environment checks of `git release doctor` (issue 4 › 3): the binary `git release`
//! runs, git's and gh's versions, the hooks, the configuration and the waivers, and whether
//! the remote's tags were fetched. Each returns one [`CheckResult`] row.

use std::path::Path;

use anyhow::Result;

use super::{CheckResult, Subject};
use crate::config::{self, Config, GitConfig as _};
use crate::context::GlobalArgs;
use crate::gh_support::MIN_GH;
use crate::git::cli::{Git, MIN_GIT};
use crate::git::read::Repo;
use crate::waivers;

/// `gh_version`: gh's version, and whether it is at least [`MIN_GH`] (issue 14, item 1).
pub fn gh_version(gh: &Path, dir: &Path) -> CheckResult {
    const NAME: Subject = Subject::Environment("gh_version");
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
pub fn binary(dir: &Path) -> CheckResult {
    const NAME: Subject = Subject::Environment("git_release_path");
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
pub fn git_version(dir: &Path) -> CheckResult {
    const NAME: Subject = Subject::Environment("git_version");
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
pub fn hooks(repo: &Repo) -> CheckResult {
    const NAME: Subject = Subject::Environment("hooks");
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

/// Loads the configuration and the waivers as `check` would (`-c`/`--config` of `global`,
/// relative to `dir`).
///
/// # Errors
/// The `config` FAIL row naming the file, line and key at fault.
pub fn configuration(
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
        waivers::load(repo.workdir(), &config)?;
        Ok(config)
    };
    load().map_err(|e| {
        let message = format!("{e}");
        let first = message.lines().next().unwrap_or_default().to_owned();
        let hint = crate::error::hint(&e).map_or_else(
            || "fix the file and run `git release doctor` again".to_owned(),
            str::to_owned,
        );
        Box::new(CheckResult::fail(Subject::Environment("config"), None, first, hint))
    })
}

/// The `config` PASS row: which file, how many packages and waivers.
pub fn config_pass(config: &Config, repo: &Repo) -> CheckResult {
    let file = config.file.as_ref().map_or_else(
        || "no configuration file (the defaults apply)".to_owned(),
        |f| format!("`{}` is valid", f.display()),
    );
    let waivers = waivers::load(repo.workdir(), config).map_or(0, |w| w.len());
    CheckResult::pass(
        Subject::Environment("config"),
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
pub fn tags_fetched(repo: &Repo, remote: &str) -> CheckResult {
    const NAME: Subject = Subject::Environment("tags_fetched");
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
