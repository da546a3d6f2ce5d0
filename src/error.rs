//! Error kinds callers match on, the exit codes of DESIGN.md, and how errors are printed.
//!
//! Most functions return `anyhow::Result` with context; where the exit code or a hint
//! depends on what went wrong, they return an [`Error`] inside the `anyhow::Error`, and
//! [`exit_code`] finds it in the chain.

use std::fmt;

/// The process exit codes of DESIGN.md › Command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success, including a dry run.
    Success = 0,
    /// A check failed, a conflict was found, or a step failed.
    Failure = 1,
    /// A usage or configuration error.
    Usage = 2,
    /// A partial release: some packages released, some failed or blocked.
    Partial = 3,
    /// The gate was declined or the attestation did not match.
    Declined = 4,
}

/// An error whose kind decides the exit code, with an optional hint on how to fix it.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    /// What decides the exit code.
    pub kind: Kind,
    /// The message: lowercase, values in backticks, no trailing period.
    pub message: String,
    /// One line on what to do, printed as `hint: …`.
    pub hint: Option<String>,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad configuration: a file, a key, a value (exit 2).
    Config,
    /// Bad command-line use: an unknown package, conflicting flags, not a repository (exit 2).
    Usage,
    /// The operation ran and failed or found a problem (exit 1).
    Failed,
    /// Output was already printed; only the exit code is left to give (no message).
    Silent(Exit),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    /// A configuration error (exit 2).
    pub fn config(message: impl Into<String>) -> Self {
        Self { kind: Kind::Config, message: message.into(), hint: None }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self { kind: Kind::Usage, message: message.into(), hint: None }
    }

    /// A failure (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self { kind: Kind::Failed, message: message.into(), hint: None }
    }

    /// Ends the process with `exit` and prints nothing more.
    pub fn silent(exit: Exit) -> Self {
        Self { kind: Kind::Silent(exit), message: String::new(), hint: None }
    }

    /// Adds a `hint:` line.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The exit code this error maps to.
    pub fn exit(&self) -> Exit {
        match self.kind {
            Kind::Config | Kind::Usage => Exit::Usage,
            Kind::Failed => Exit::Failure,
            Kind::Silent(exit) => exit,
        }
    }
}

/// The exit code for `err`: the first [`Error`] in its chain decides, else 1.
pub fn exit_code(err: &anyhow::Error) -> Exit {
    err.chain().find_map(|cause| cause.downcast_ref::<Error>()).map_or(Exit::Failure, Error::exit)
}

/// The hint of the first [`Error`] in the chain that has one.
pub fn hint(err: &anyhow::Error) -> Option<&str> {
    err.chain().filter_map(|cause| cause.downcast_ref::<Error>()).find_map(|e| e.hint.as_deref())
}

/// Whether the error only carries an exit code (its output was already printed).
pub fn is_silent(err: &anyhow::Error) -> bool {
    err.downcast_ref::<Error>().is_some_and(|e| matches!(e.kind, Kind::Silent(_)))
}
