//! `git-release`: plan and carry out releases from Conventional Commits.
//!
//! The binary is thin: `main.rs` parses the command line and calls [`run`]; everything else
//! lives in this library so tests and the man page generator reach [`cli::Cli`].

pub mod calibrate;
pub mod changelog;
pub mod changesets;
pub mod check_id;
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
pub mod glob;
pub mod history;
pub mod hooks;
pub mod manifest;
pub mod onboard;
pub mod packages;
pub mod plan;
pub mod release;
pub mod sync;
pub mod tags;
pub mod time;
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
    use clap::CommandFactory as _;

    use crate::cli::Command;
    use crate::commands::{
        calibrate, changelog, check, completions, doctor, hook, init, notes, plan, rc, rollback,
        run, status, sync, tag,
    };
    match cli.command {
        Command::Plan(args) => plan::run(&cli.global, &args),
        Command::Calibrate(args) => calibrate::run(&cli.global, &args),
        Command::Init(args) => init::run(&cli.global, &args),
        Command::Tag(args) => tag::run(&cli.global, &args),
        Command::Hook(args) => hook::run(&cli.global, &args),
        Command::Changelog(args) => changelog::run(&cli.global, &args),
        Command::Notes(args) => notes::run(&cli.global, &args),
        Command::Check(args) => check::run(&cli.global, &args),
        Command::Doctor(args) => doctor::run(&cli.global, &args),
        Command::Run(args) => run::run(&cli.global, &args),
        Command::Resume(args) => run::resume(&cli.global, &args),
        Command::Status(args) => status::run(&cli.global, &args),
        Command::Rollback(args) => rollback::run(&cli.global, &args),
        Command::Completions(args) => completions::run(&cli.global, &args, cli::Cli::command()),
        Command::Rc(args) => rc::run(&cli.global, &args),
        Command::Sync(args) => sync::run(&cli.global, &args),
    }
}
