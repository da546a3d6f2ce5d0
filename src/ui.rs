//! The one place that writes: data to stdout, status and errors to stderr.
//!
//! Commands build strings and hand them here; nothing else in the crate prints. This keeps
//! `--quiet`, colour and the split between data and diagnostics in one spot.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "this module is the crate's only writer"
)]

use std::io::{self, IsTerminal, Write};

use anyhow::{Context, Result};

/// When to colour output (`--color`), like git's `color.ui`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Output handles and verbosity for one invocation.
#[derive(Debug, Clone)]
pub struct Ui {
    quiet: bool,
    verbose: u8,
    color: bool,
}

impl Ui {
    /// Builds the writer from the global flags; `NO_COLOR` turns colour off under `auto`.
    pub fn new(quiet: bool, verbose: u8, color: ColorChoice) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        };
        Self { quiet, verbose, color }
    }

    /// Whether `-v` was given at least `level` times.
    pub fn verbose(&self, level: u8) -> bool {
        self.verbose >= level
    }

    /// Whether `--quiet` was given.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether colour escapes may be used on stdout.
    pub fn color(&self) -> bool {
        self.color
    }

    /// Writes data to stdout, as is. A closed pipe (`| head`) is not an error.
    ///
    /// # Errors
    /// Writing to stdout fails for another reason.
    pub fn data(&self, text: &str) -> Result<()> {
        let mut out = io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("failed to write to stdout"),
        }
    }

    /// A status line on stderr, unless `--quiet`.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }

    /// A warning on stderr (`warning: …`), unless `--quiet`.
    pub fn warn(&self, line: &str) {
        if !self.quiet {
            eprintln!("warning: {line}");
        }
    }

    /// A detail on stderr when `-v` was given.
    pub fn debug(&self, line: &str) {
        if self.verbose > 0 {
            eprintln!("{line}");
        }
    }
}

/// Prints an error with its causes and hint on stderr, the format of STYLE.md:
/// `error: <msg>` (`error[CODE]: <msg>` for a pipeline error with a stable code), then
/// `  caused by: …` lines, then `hint: …`.
pub fn print_error(err: &anyhow::Error) {
    // A pipeline error shows its stable code, as in the state file and the JSON result.
    match crate::pipeline::state::code_of(err) {
        Some(code) => eprintln!("error[{code}]: {err}"),
        None => eprintln!("error: {err}"),
    }
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !text.is_empty() {
            eprintln!("  caused by: {text}");
        }
    }
    if let Some(hint) = crate::error::hint(err) {
        eprintln!("hint: {hint}");
    }
}

/// A borderless, aligned table with trailing spaces trimmed: the table format every
/// command prints. `header` names the columns; each row has one cell per column.
pub fn plain_table<const N: usize>(
    header: [&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) -> String {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::NOTHING);
    table.set_header(header);
    for row in rows {
        table.add_row(row);
    }
    let mut out = String::new();
    for line in table.to_string().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
