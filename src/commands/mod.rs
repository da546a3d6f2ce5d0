//! One module per subcommand, each with its `Args` and a `run`; [`dispatch`] is the single
//! exhaustive match.

pub mod completions;
pub mod init;
pub mod plan;

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
        Command::Completions(args) => completions::run(&args),
    }
}
