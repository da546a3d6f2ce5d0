//! `git release doctor`: is the environment ready to release? The binary git runs, git's
//! version, `gh`, the hooks, the configuration, and the repository's history and tags
//! (issue 4 › 3). Same rows and JSON as `git release check`.

use anyhow::Result;
use clap::Args;

use crate::checks::render::{CheckFormat, finish, render_json, render_table};
use crate::checks::{self, CheckId, CheckResult, Report, Subject, environment};
use crate::context::GlobalArgs;
use crate::context::start_dir;
use crate::git::read::Repo;
use crate::ui::Ui;

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
    let mut results = vec![environment::binary(&dir), environment::git_version(&dir)];
    let repo = Repo::discover(&dir);
    let config = repo.as_ref().ok().map(|r| environment::configuration(r, global, &dir));
    // With no forge (issue 14, item 5), a missing gh is no problem.
    let no_forge = matches!(&config, Some(Ok(c)) if c.forge.kind == crate::forge::Kind::None);
    match crate::forge::find_gh() {
        Err(_) if no_forge => {
            for name in [
                CheckId::GhMissing.into(),
                Subject::Environment("gh_version"),
                CheckId::GhAuth.into(),
            ] {
                results.push(CheckResult::skip(name, None, "no forge: `[forge] kind = \"none\"`"));
            }
        }
        Ok(gh) => {
            results.push(CheckResult::pass(
                CheckId::GhMissing,
                None,
                format!("`gh` is `{}`", gh.display()),
            ));
            let limit = std::env::var("GIT_RELEASE_FORGE_TIMEOUT_SECS")
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .map_or(crate::forge::DEFAULT_TIMEOUT, std::time::Duration::from_secs);
            results.push(environment::gh_version(&gh, &dir));
            results.push(checks::gh_auth(&gh, &dir, limit));
        }
        Err(why) => {
            results.push(CheckResult::fail(
                CheckId::GhMissing,
                None,
                why,
                "install the GitHub CLI (https://cli.github.com) or set `GIT_RELEASE_GH`",
            ));
            let gh_version = Subject::Environment("gh_version");
            results.push(CheckResult::skip(gh_version, None, "`gh` is not installed"));
            results.push(CheckResult::skip(CheckId::GhAuth, None, "`gh` is not installed"));
        }
    }
    match repo {
        Err(e) => {
            for name in [
                Subject::Environment("hooks"),
                Subject::Environment("config"),
                CheckId::ShallowClone.into(),
                Subject::Environment("tags_fetched"),
            ] {
                results.push(CheckResult::skip(name, None, format!("{e}")));
            }
        }
        Ok(repo) => {
            results.push(environment::hooks(&repo));
            let config = config.expect("read once the repository was found");
            let remote = config.as_ref().map_or_else(|_| "origin".to_owned(), |c| c.remote.clone());
            results.push(match &config {
                Ok(c) => environment::config_pass(c, &repo),
                Err(row) => (**row).clone(),
            });
            results.push(crate::checks::shallow_clone(&repo));
            results.push(environment::tags_fetched(&repo, &remote));
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
