//! One module per subcommand, each with its `Args` and a `run`; [`dispatch`] is the single
//! exhaustive match.

pub mod changelog;
pub mod check;
pub mod completions;
pub mod doctor;
pub mod hook;
pub mod init;
pub mod notes;
pub mod plan;
pub mod rollback;
pub mod run;
pub mod status;
pub mod tag;
pub mod workspace;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Runs the subcommand of `cli`.
///
/// # Errors
/// Whatever the subcommand fails with.
pub fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Plan(args) => plan::run(&cli.global, &args),
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
        Command::Completions(args) => completions::run(&args),
    }
}
