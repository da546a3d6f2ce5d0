//! `git release init`: write a starter `git-release.toml` for the packages the work tree
//! declares and the tag schemes their tags already use (issue 15 item 1). The work is in
//! [`crate::onboard`].

use std::path::Path;

use anyhow::Result;
use clap::Args;

use crate::config::DEFAULT_FILE_NAME;
use crate::context::GlobalArgs;
use crate::context::start_dir;
use crate::error::Error;
use crate::git::read::Repo;
use crate::onboard::{self, render};
use crate::ui::Ui;

/// Write a starter git-release.toml
///
/// Finds the packages of the repository by following its workspace declarations (Cargo
/// `[workspace] members`/`exclude`, npm/yarn `workspaces`, `pnpm-workspace.yaml`, uv
/// `[tool.uv.workspace]`), or by scanning when there is none; leaves out what is never
/// published (`publish = false`, `"private": true`) and undeclared test data and samples.
/// Matches each package to the release tags it already has (`{name}-v{version}`,
/// `{name}-{version}`, `{name}@{version}`, `{name}/v{version}`, `v{version}`, `{version}`),
/// writes one fixed group for a monorepo with one version line for all, checks that the file
/// loads, and prints a summary.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing git-release.toml
    #[arg(long)]
    pub force: bool,

    /// Print the file instead of writing it
    #[arg(long)]
    pub dry_run: bool,
}

/// Writes (or prints) the starter configuration, then the summary on stderr.
///
/// # Errors
/// Not in a repository with a work tree; `git-release.toml` exists and `--force` was not
/// given (exit 2); the proposal does not load (nothing is written); the file cannot be
/// written.
pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<()> {
    let ui = Ui::new(global.quiet, global.verbose, global.color);
    let repo = Repo::discover(&start_dir(global)?)?;
    let Some(workdir) = repo.workdir().map(Path::to_owned) else {
        return Err(
            Error::usage("`git release init` needs a work tree; this repository is bare").into()
        );
    };
    let target = workdir.join(DEFAULT_FILE_NAME);
    // Any configuration file of ours counts: a new `git-release.toml` would shadow an
    // existing `release.toml` or `.config/git-release.toml`.
    let existing = crate::config::find(Some(&workdir), None)?.file;
    if let Some(existing) = existing.as_ref().filter(|_| !args.force && !args.dry_run) {
        return Err(Error::usage(format!("`{}` already exists", existing.display()))
            .with_hint("use `--force` to write a new one, or `--dry-run` to print it")
            .into());
    }
    let proposal = onboard::propose(&repo, &workdir)?;
    let text = render::toml(&proposal);
    render::validate(&text, &proposal).map_err(|e| {
        Error::failed(format!("{e:#}; nothing was written")).with_hint(format!(
            "rename the package in its manifest, or write `{DEFAULT_FILE_NAME}` by hand"
        ))
    })?;
    if args.dry_run {
        ui.data(&text)?;
    } else {
        crate::fsutil::write_atomically(&target, text.as_bytes())?;
        ui.status(&format!("wrote {}", target.display()));
        if let Some(old) = existing.filter(|old| *old != target) {
            ui.warn(&format!(
                "`{}` now takes precedence over `{}`",
                target.display(),
                old.display()
            ));
        }
    }
    for line in render::summary(&proposal, ui.verbose(1)) {
        ui.status(&line);
    }
    if !args.dry_run {
        ui.status("next: `git release plan` shows what each package would release");
    }
    Ok(())
}
