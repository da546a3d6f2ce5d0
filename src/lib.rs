//! `git-release`: plan and carry out releases from Conventional Commits.
//!
//! The binary is thin: `main.rs` parses the command line and calls [`run`]; everything else
//! lives in this library so tests and the man page generator reach [`cli::Cli`].

pub mod changelog;
pub mod checks;
pub mod child;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod conventional;
pub mod error;
pub mod forge;
pub mod fsutil;
pub mod gh_support;
pub mod git;
pub mod history;
pub mod hooks;
pub mod manifest;
pub mod packages;
pub mod pipeline;
pub mod plan;
pub mod tags;
pub mod ui;
pub mod version;
pub mod waivers;
pub mod workspace;

/// `git-release <version> (<commit>)`: the version line, with the commit the binary was
/// built from so it cannot be mistaken for git-extras' `git-release` script.
pub const VERSION_LINE: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (", env!("GIT_RELEASE_BUILD_COMMIT"), ")");

/// Runs the parsed command line.
///
/// # Errors
/// Whatever the command fails with; [`error::exit_code`] maps it to the process exit code.
pub fn run(cli: cli::Cli) -> anyhow::Result<()> {
    commands::dispatch(cli)
}
