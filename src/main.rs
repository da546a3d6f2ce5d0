//! The `git-release` binary: parse the arguments, run, map the error to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = git_release::cli::Cli::parse();
    match git_release::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if !git_release::error::is_silent(&err) {
                git_release::ui::print_error(&err);
            }
            ExitCode::from(git_release::error::exit_code(&err) as u8)
        }
    }
}
