//! The one error type: a kind that decides the exit code, an optional stable code, a message
//! and hints; the exit codes of DESIGN.md; and how an error chain is searched.
//!
//! Most functions return `anyhow::Result` with context; where the exit code, the stable code
//! or a hint depends on what went wrong, they return an [`Error`] inside the `anyhow::Error`,
//! and [`exit_code`], [`code_of`] and [`hints`] find it in the chain.

use std::fmt;

use serde::{Deserialize, Serialize};

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

/// An error whose kind decides the exit code, with an optional stable [`ErrorCode`] and
/// hints on how to fix it.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    /// What decides the exit code.
    pub kind: Kind,
    /// The stable code of a pipeline error, shown as `error[CODE]` and written to the state
    /// file and the JSON result.
    pub code: Option<ErrorCode>,
    /// The message: lowercase, values in backticks, no trailing period.
    pub message: String,
    /// Lines on what to do, each printed as `hint: …`.
    pub hints: Vec<String>,
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
    /// The gate was declined or its attestation did not match (exit 4).
    Declined,
    /// Output was already printed; only the exit code is left to give (no message).
    Silent(Exit),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self { kind, code: None, message: message.into(), hints: Vec::new() }
    }

    /// A configuration error (exit 2).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(Kind::Config, message)
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    /// A failure (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(Kind::Failed, message)
    }

    /// Ends the process with `exit` and prints nothing more.
    pub fn silent(exit: Exit) -> Self {
        Self::new(Kind::Silent(exit), String::new())
    }

    /// A pipeline error with the stable `code`, whose kind follows from the code
    /// ([`ErrorCode::exit`]); URLs in the message lose their credentials.
    pub fn coded(code: ErrorCode, message: impl AsRef<str>) -> Self {
        let kind = match code.exit() {
            Exit::Usage => Kind::Usage,
            Exit::Declined => Kind::Declined,
            _ => Kind::Failed,
        };
        Self { kind, code: Some(code), message: redact(message.as_ref()), hints: Vec::new() }
    }

    /// Adds a `hint:` line (credentials redacted).
    #[must_use]
    pub fn with_hint(mut self, hint: impl AsRef<str>) -> Self {
        self.hints.push(redact(hint.as_ref()));
        self
    }

    /// The first hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hints.first().map(String::as_str)
    }

    /// The exit code this error maps to.
    pub fn exit(&self) -> Exit {
        match self.kind {
            Kind::Config | Kind::Usage => Exit::Usage,
            Kind::Failed => Exit::Failure,
            Kind::Declined => Exit::Declined,
            Kind::Silent(exit) => exit,
        }
    }
}

/// A stable error code, serialised `SCREAMING_SNAKE_CASE` in the state file and the JSON
/// result. The first eleven are seed 002's; the rest are ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// `resume` names a run whose state file does not exist.
    StateNotFound,
    /// The state file cannot be parsed, is truncated, is for another run, or is from a newer
    /// `git-release`.
    StateCorrupt,
    /// The package's worktree exists on another branch.
    WorktreeConflict,
    /// The package's worktree has uncommitted changes.
    WorktreeDirty,
    /// The version files could not be set to the new version.
    BumpFailed,
    /// `commands.lock` failed, or another run holds the run lock.
    LockFailed,
    /// `commands.lint` failed.
    LintFailed,
    /// The tag exists on the remote at another commit.
    TagConflict,
    /// Configured packages and the packages found in the repository disagree.
    GraphDrift,
    /// The gate was declined.
    GateRejected,
    /// `--gate-attestation` names another plan hash, or is malformed.
    InvalidGateToken,
    /// The state file belongs to another repository.
    WrongRepository,
    /// The remote refused the push of the release branch or tag.
    PushRejected,
    /// A `gh` call failed (after its retries, or on a validation error).
    ForgeFailed,
    /// `gh` is not authenticated, or its token lacks a permission.
    ForgeAuth,
    /// The forge release or `commands.publish` failed.
    PublishFailed,
    /// The pull request's checks, or the workflow the tag started, failed.
    ChecksFailed,
    /// The remote could not be reached (network, daemon down, bad URL).
    RemoteUnreachable,
    /// A preflight check failed for the package (set aside under `--on-failure quarantine`).
    CheckFailed,
    /// A step found the repository in a state it cannot go on from (e.g. the release
    /// commit is missing, the worktree was removed by hand).
    StepFailed,
    /// A `gh` call or a `[commands]` entry ran past its time limit (`forge.timeout_secs`,
    /// `commands.timeout_secs`) and was killed.
    Timeout,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [Self; 21] = [
        Self::StateNotFound,
        Self::StateCorrupt,
        Self::WorktreeConflict,
        Self::WorktreeDirty,
        Self::BumpFailed,
        Self::LockFailed,
        Self::LintFailed,
        Self::TagConflict,
        Self::GraphDrift,
        Self::GateRejected,
        Self::InvalidGateToken,
        Self::WrongRepository,
        Self::PushRejected,
        Self::ForgeFailed,
        Self::ForgeAuth,
        Self::PublishFailed,
        Self::ChecksFailed,
        Self::RemoteUnreachable,
        Self::CheckFailed,
        Self::StepFailed,
        Self::Timeout,
    ];

    /// The code as written in files and output, e.g. `STATE_CORRUPT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StateNotFound => "STATE_NOT_FOUND",
            Self::StateCorrupt => "STATE_CORRUPT",
            Self::WorktreeConflict => "WORKTREE_CONFLICT",
            Self::WorktreeDirty => "WORKTREE_DIRTY",
            Self::BumpFailed => "BUMP_FAILED",
            Self::LockFailed => "LOCK_FAILED",
            Self::LintFailed => "LINT_FAILED",
            Self::TagConflict => "TAG_CONFLICT",
            Self::GraphDrift => "GRAPH_DRIFT",
            Self::GateRejected => "GATE_REJECTED",
            Self::InvalidGateToken => "INVALID_GATE_TOKEN",
            Self::WrongRepository => "WRONG_REPOSITORY",
            Self::PushRejected => "PUSH_REJECTED",
            Self::ForgeFailed => "FORGE_FAILED",
            Self::ForgeAuth => "FORGE_AUTH",
            Self::PublishFailed => "PUBLISH_FAILED",
            Self::ChecksFailed => "CHECKS_FAILED",
            Self::RemoteUnreachable => "REMOTE_UNREACHABLE",
            Self::CheckFailed => "CHECK_FAILED",
            Self::StepFailed => "STEP_FAILED",
            Self::Timeout => "TIMEOUT",
        }
    }

    /// The process exit code an error with this code ends with (DESIGN.md › Command line):
    /// 2 for bad input on the command line, 4 for a declined gate, 1 otherwise.
    pub fn exit(self) -> Exit {
        match self {
            Self::StateNotFound => Exit::Usage,
            Self::GateRejected | Self::InvalidGateToken => Exit::Declined,
            _ => Exit::Failure,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The exit code for `err`: the first [`Error`] in its chain decides, else 1.
pub fn exit_code(err: &anyhow::Error) -> Exit {
    err.chain().find_map(|cause| cause.downcast_ref::<Error>()).map_or(Exit::Failure, Error::exit)
}

/// The hints of the first [`Error`] in the chain that has any.
pub fn hints(err: &anyhow::Error) -> &[String] {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<Error>())
        .find(|e| !e.hints.is_empty())
        .map_or(&[], |e| e.hints.as_slice())
}

/// The first hint of the first [`Error`] in the chain that has one.
pub fn hint(err: &anyhow::Error) -> Option<&str> {
    hints(err).first().map(String::as_str)
}

/// The stable code of the first coded [`Error`] in `err`'s chain.
pub fn code_of(err: &anyhow::Error) -> Option<ErrorCode> {
    err.chain().filter_map(|cause| cause.downcast_ref::<Error>()).find_map(|e| e.code)
}

/// Whether the error only carries an exit code (its output was already printed).
pub fn is_silent(err: &anyhow::Error) -> bool {
    err.downcast_ref::<Error>().is_some_and(|e| matches!(e.kind, Kind::Silent(_)))
}

/// `what: detail`, or `what` alone when `detail` is empty or blank, so a message never ends
/// in a stray `: ` (issue 15): a git hook or a tool that fails without a word leaves the
/// message whole. `detail` is trimmed.
///
/// ```
/// use git_release::error::with_detail;
/// assert_eq!(with_detail("`git commit` failed", "  \n"), "`git commit` failed");
/// assert_eq!(with_detail("`git commit` failed", "hook said no\n"), "`git commit` failed: hook said no");
/// ```
pub fn with_detail(what: &str, detail: &str) -> String {
    let detail = detail.trim();
    if detail.is_empty() { what.to_owned() } else { format!("{what}: {detail}") }
}

/// Removes credentials from URLs in `text` (issue 12, item 7), in the three places a URL
/// carries them:
///
/// - the user part: `https://user:token@host` and `https://token@host` → `https://***@host`
///   (an ssh user name without a password, `ssh://git@host`, is kept: it is no secret);
/// - the query: `…/x.git?access_token=t` → `…/x.git?***`;
/// - the fragment: `…/x#t` → `…/x#***`.
///
/// A URL runs from its scheme to the first space, quote, backtick, `<`, `>` or `)`.
///
/// ```
/// use git_release::error::redact;
/// assert_eq!(redact("fatal: https://me:s3cret@example.com/x.git"), "fatal: https://***@example.com/x.git");
/// assert_eq!(redact("https://ghp_x@github.com/o/r"), "https://***@github.com/o/r");
/// assert_eq!(redact("ssh://git@example.com/x"), "ssh://git@example.com/x");
/// assert_eq!(redact("(https://h/o/r?access_token=t&a=b#k)"), "(https://h/o/r?***)");
/// assert_eq!(redact("see https://h/o/r#frag."), "see https://h/o/r#***");
/// ```
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let scheme: String = head[..pos]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || "+-.".contains(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let web = matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https");
        let end =
            tail.find(|c: char| c.is_whitespace() || "'\"`<>)".contains(c)).unwrap_or(tail.len());
        let url = &tail[..end];
        let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
        let (authority, path) = url.split_at(authority_end);
        match authority.rfind('@') {
            Some(at) if web || authority[..at].contains(':') => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        match path.find(['?', '#']) {
            Some(cut) => {
                out.push_str(&path[..cut]);
                out.push(path.as_bytes()[cut].into());
                out.push_str("***");
            }
            None => out.push_str(path),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_and_hints_are_redacted() {
        let err = Error::coded(ErrorCode::ForgeFailed, "gh: https://u:secret@h/x failed")
            .with_hint("see https://u:secret@h/x");
        assert_eq!(err.message, "gh: https://***@h/x failed");
        assert_eq!(err.hint(), Some("see https://***@h/x"));
        let err = anyhow::Error::from(Error::coded(ErrorCode::GateRejected, "declined"));
        assert_eq!(exit_code(&err), Exit::Declined);
        assert_eq!(code_of(&err.context("failed to run")), Some(ErrorCode::GateRejected));
    }
}
