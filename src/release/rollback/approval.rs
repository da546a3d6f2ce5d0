//! Who may roll back a published release, and when: seed 004's rollback decision matrix.
//!
//! | severity | rollback type | approval (seed 004)   | what `rollback TAG` asks for                     |
//! |----------|---------------|-----------------------|--------------------------------------------------|
//! | critical | immediate     | post-hoc              | nothing: it acts at once and records a post-hoc approval to give |
//! | high     | immediate     | Director              | `--approver NAME`, or a yes on a terminal; `--yes` alone is refused |
//! | medium   | planned       | Orchestrator          | `--yes`, `--approver NAME` or a yes on a terminal |
//! | low      | planned       | QA Agent              | the same; the seed advises fixing forward, so a warning says so |
//!
//! High severity is the seed's "Director" approval: a named person's decision, so the
//! blanket `--yes` a CI job passes is not enough. A terminal answer counts, recorded with the
//! identity of whoever answered.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::time::SystemTime;

use anyhow::Result;
use clap::ValueEnum;
use serde::Serialize;

use crate::context::Ctx;
use crate::error::{Error, ErrorCode};
use crate::release::state;

/// Seed 004's issue severities (its rollback decision matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Widespread impact: immediate rollback, approved afterwards (post-hoc).
    Critical,
    /// Significant impact: immediate rollback, approved by a named person (the Director).
    High,
    /// Limited impact: a planned rollback, approved by the operator (the Orchestrator).
    Medium,
    /// Minimal impact: the seed advises fixing forward; a rollback is approved like medium.
    Low,
}

impl Severity {
    /// Seed 004's rollback type: `immediate` for critical and high, `planned` otherwise.
    pub fn rollback_type(self) -> &'static str {
        match self {
            Self::Critical | Self::High => "immediate",
            Self::Medium | Self::Low => "planned",
        }
    }

    /// The role seed 004 names as the approver.
    pub fn approver_role(self) -> &'static str {
        match self {
            Self::Critical => "post-hoc",
            Self::High => "Director",
            Self::Medium => "Orchestrator",
            Self::Low => "QA Agent",
        }
    }
}

/// How a rollback was approved, as its evidence records it.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    /// The role seed 004 names for this severity.
    pub role: &'static str,
    /// `post-hoc` (critical: given after the rollback), `approver` (`--approver NAME`),
    /// `yes` (`--yes`) or `prompt` (answered on a terminal).
    pub how: &'static str,
    /// Who approved; for a post-hoc approval, `None` until someone gives it.
    pub approved_by: Option<String>,
    /// When (RFC 3339, UTC); `None` for a post-hoc approval not yet given.
    pub approved_at: Option<String>,
    /// Who decided to roll back (the git identity running it).
    pub decided_by: String,
    /// Whether the approval is still to be given (critical rollbacks).
    pub pending: bool,
}

/// What the gate is given: the severity, the flags and the plan shown on a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// The severity.
    pub severity: Severity,
    /// `--yes`.
    pub yes: bool,
    /// `--approver NAME`.
    pub approver: Option<&'a str>,
    /// What is about to happen, shown before the question.
    pub shown: &'a str,
}

/// Applies the decision matrix (module docs) before a published release is rolled back.
///
/// # Errors
/// `GATE_REJECTED` (exit 4): high severity with only `--yes`, no terminal to ask and no
/// approving flag, or a "no" on the terminal. Nothing has been changed then.
pub fn approve(ctx: &Ctx, ask: &Ask<'_>) -> Result<Approval> {
    let who = crate::release::preflight::identity(ctx);
    let now = || Some(state::timestamp(SystemTime::now()));
    let role = ask.severity.approver_role();
    let record = |how, by: Option<String>, at: Option<String>| Approval {
        role,
        how,
        pending: by.is_none(),
        approved_by: by,
        approved_at: at,
        decided_by: who.clone(),
    };
    if let Some(name) = ask.approver.map(str::trim)
        && (name.is_empty() || name.chars().any(char::is_control))
    {
        return Err(Error::usage("`--approver` needs a person's name").into());
    }
    if ask.severity == Severity::Critical {
        // Seed 004, RB-IMM: act first, approve afterwards. A named approver is recorded
        // as given; otherwise the approval is left pending for the post-mortem.
        return Ok(match ask.approver {
            Some(name) => record("approver", Some(name.trim().to_owned()), now()),
            None => record("post-hoc", None, None),
        });
    }
    if ask.severity == Severity::Low {
        ctx.ui.warn(
            "seed 004 advises fixing forward for a low-severity issue; rolling back as asked",
        );
    }
    if let Some(name) = ask.approver {
        return Ok(record("approver", Some(name.trim().to_owned()), now()));
    }
    if ask.yes && ask.severity != Severity::High {
        return Ok(record("yes", Some(who.clone()), now()));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        let (message, hint) = if ask.yes {
            (
                "`--yes` is not enough to roll back at high severity: seed 004 asks for the Director's approval",
                "name who approved it with `--approver NAME`, or run it on a terminal and answer",
            )
        } else {
            (
                "no terminal to ask for approval of the rollback",
                "pass `--yes` (medium or low severity) or `--approver NAME`",
            )
        };
        return Err(Error::coded(ErrorCode::GateRejected, message).with_hint(hint).into());
    }
    let mut err = std::io::stderr().lock();
    let shown = crate::ui::terminal_safe(ask.shown);
    let _ = write!(
        err,
        "{shown}\nseverity {:?}: approval by the {role} (seed 004)\nRoll back as shown? [y/N] ",
        ask.severity
    );
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        Ok(record("prompt", Some(who.clone()), now()))
    } else {
        Err(Error::coded(
            ErrorCode::GateRejected,
            "the rollback was not approved; nothing was changed",
        )
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_follows_seed_004() {
        assert_eq!(Severity::Critical.rollback_type(), "immediate");
        assert_eq!(Severity::High.rollback_type(), "immediate");
        assert_eq!(Severity::Medium.rollback_type(), "planned");
        assert_eq!(Severity::High.approver_role(), "Director");
        assert_eq!(Severity::Low.approver_role(), "QA Agent");
    }
}
