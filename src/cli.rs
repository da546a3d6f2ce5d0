//! Command-line definitions (clap derive). The doc comments are the help text; the man page
//! and the shell completions under `man/` and `completions/` are generated from them.

use clap::{Parser, Subcommand};

use crate::commands;
pub use crate::context::GlobalArgs;

/// Plan and carry out releases from Conventional Commits
///
/// `git release` infers the next semantic version of each package from its Conventional
/// Commits, plans releases of one package, a monorepo or several repositories in dependency
/// order, and carries them out. Run it as `git release <command>` once `git-release` is on
/// PATH.
///
/// Exit codes: 0 success (including a dry run); 1 a check failed, a conflict was found, or a
/// step failed; 2 usage or configuration error; 3 partial release; 4 the gate was declined
/// or the attestation did not match.
#[derive(Debug, Parser)]
#[command(name = "git-release", bin_name = "git-release", version = crate::VERSION_LINE, long_version = crate::VERSION_LINE)]
#[command(propagate_version = true, max_term_width = 100)]
#[allow(missing_docs, reason = "clap would turn doc comments here into help text")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. Their help text is the doc comment of each `Args` struct.
#[derive(Debug, Subcommand)]
#[allow(
    missing_docs,
    reason = "a doc comment on a variant would replace the Args struct's help text"
)]
pub enum Command {
    Plan(commands::plan::PlanArgs),
    Calibrate(commands::calibrate::CalibrateArgs),
    Init(commands::init::InitArgs),
    Tag(commands::tag::TagArgs),
    Hook(commands::hook::HookArgs),
    Changelog(commands::changelog::ChangelogArgs),
    Notes(commands::notes::NotesArgs),
    Check(commands::check::CheckArgs),
    Doctor(commands::doctor::DoctorArgs),
    Run(commands::run::RunArgs),
    Resume(commands::run::ResumeArgs),
    Status(commands::status::StatusArgs),
    Rollback(commands::rollback::RollbackArgs),
    Rc(commands::rc::RcArgs),
    Sync(commands::sync::SyncArgs),
    Completions(commands::completions::CompletionsArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
