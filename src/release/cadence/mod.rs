//! Cadence rules (issue 17 item 7; seed 004 › Release Cadence and Pre-Release Checklist):
//! what a release of each bump level needs before it goes out, for `run` and `rc promote`
//! alike.
//!
//! - [`decide`] judges the rule of the highest bump level released (`[cadence]`,
//!   [`crate::config::cadence`]): the checks (already run by the caller), green CI on the
//!   release commit ([`ci`]), the release window, and whether a named person must approve.
//! - [`approve`] settles that approval: `--approve-major "Name <email>"` bound to the plan
//!   by `--gate-attestation`, or, at a terminal, the git identity of whoever answers the
//!   prompt. `--yes` alone never approves it.
//! - [`checklist`] maps seed 004's RL-01 … RL-08 onto the checks, for the evidence.
//!
//! The gate (`release::preflight::cadence_gate`) is the one caller that refuses: a
//! [`Decision`] only says what was found.

pub mod checklist;
pub mod ci;

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::config::cadence::{LevelRule, Requirement, Weekday};
use crate::context::Ctx;
use crate::error::{Error, ErrorCode};
use crate::plan::{BumpKind, Row};
use crate::version::Level;

pub use checklist::RlItem;

/// The verdict on one requirement: `PASS`, `FAIL`, `SKIP` (does not apply, with why),
/// `PENDING` (the approval, until the gate asks), `OVERRIDDEN` (a window with
/// `--outside-window`) or `NA` (the level does not need it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// One of the words above.
    pub status: String,
    /// One line on what was found.
    pub reason: String,
}

impl Verdict {
    fn new(status: &str, reason: impl Into<String>) -> Self {
        Self { status: status.to_owned(), reason: reason.into() }
    }

    /// Whether it stops the release (`FAIL`).
    pub fn failed(&self) -> bool {
        self.status == "FAIL"
    }
}

/// What the cadence rule says about one release (the evidence's and the JSON's `cadence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The highest bump level released, whose rule applies: `patch`, `minor` or `major`.
    pub level: String,
    /// That level's requirements (`checks`, `ci`, `approval`).
    pub requires: Vec<String>,
    /// The preflight checks (the caller stops on a FAIL before asking).
    pub checks: Verdict,
    /// Green CI on the release commit.
    pub ci: Verdict,
    /// The release window of the level.
    pub window: Verdict,
    /// A named person's approval.
    pub approval: Verdict,
    /// Who approved, `Name <email>`, once approved.
    pub approver: Option<String>,
    /// How: `flag` (`--approve-major` with `--gate-attestation`) or `prompt`.
    pub approved_by: Option<String>,
    /// The reason given with `--outside-window`, when the window was overridden.
    pub outside_window: Option<String>,
    /// The release commit CI was asked about.
    pub commit: String,
    /// The time the window was judged at, RFC 3339 UTC.
    pub now: String,
    /// `system`, or `GIT_RELEASE_NOW` when that variable set the clock (tests).
    pub clock: String,
    /// `APPROVED`, `PENDING` (an approval is still to be given) or `REFUSED`.
    pub status: String,
    /// Why it is refused.
    pub refused: Option<String>,
    /// Seed 004's pre-release checklist, RL-01 … RL-08.
    #[serde(default)]
    pub checklist: Vec<RlItem>,
}

impl Decision {
    /// Whether the rule refuses the release (a failed CI, a closed window).
    pub fn is_refused(&self) -> bool {
        self.status == "REFUSED"
    }

    /// One line per requirement, for the dry run and the terminal.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = format!(
            "cadence: {} release, needs {} — {}\n",
            self.level,
            self.requires.join(" + "),
            self.status
        );
        for (name, v) in [
            ("checks", &self.checks),
            ("ci", &self.ci),
            ("window", &self.window),
            ("approval", &self.approval),
        ] {
            let _ = writeln!(out, "  {name:<8} {:<10} {}", v.status, v.reason);
        }
        if let Some(why) = &self.refused {
            let _ = writeln!(out, "  refused: {why}");
        }
        for item in &self.checklist {
            let _ =
                writeln!(out, "  {} {:<6} {} — {}", item.id, item.status, item.title, item.reason);
        }
        out
    }
}

/// The bump level a planned row counts as for the cadence rule: its own bump; a prerelease
/// as a patch (it goes to testers, not to users); a first release as a minor; a `Release-As`
/// version by what it changes (major, minor or patch component).
pub fn level_of(row: &Row) -> Level {
    match row.bump {
        BumpKind::Major => Level::Major,
        BumpKind::Minor | BumpKind::Initial => Level::Minor,
        BumpKind::Patch | BumpKind::Prerelease => Level::Patch,
        BumpKind::None => Level::None,
        BumpKind::ReleaseAs => {
            let parse = |v: Option<&str>| v.and_then(|v| semver::Version::parse(v).ok());
            match (parse(row.current_version.as_deref()), parse(row.next_version.as_deref())) {
                (Some(from), Some(to)) if to.major != from.major => Level::Major,
                (Some(from), Some(to)) if to.minor != from.minor => Level::Minor,
                (Some(_), Some(_)) => Level::Patch,
                _ => Level::Minor,
            }
        }
    }
}

/// What the caller asks of the gate besides the plan: the command line's approval flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask<'a> {
    /// `--yes`.
    pub yes: bool,
    /// `--gate-attestation HASH`.
    pub attestation: Option<&'a str>,
    /// `--approve-major "Name <email>"`.
    pub approve_major: Option<&'a str>,
    /// `--outside-window "reason"`.
    pub outside_window: Option<&'a str>,
}

/// Judges the cadence rule of a release of `levels` (each released package's level,
/// [`level_of`]) made from `commit` on `branch`: CI on the commit when the rule needs it,
/// the window at [`crate::time::now`] (overridden by `outside_window`, a reason), the
/// approval left `PENDING` for [`approve`]. Prints nothing, changes nothing; at most two
/// read-only forge calls.
///
/// # Errors
/// `GIT_RELEASE_NOW` is malformed; an empty `--outside-window` reason (exit 2).
pub fn decide(
    ctx: &Ctx,
    levels: &[Level],
    commit: &str,
    branch: &str,
    outside_window: Option<&str>,
) -> Result<Decision> {
    let level = levels.iter().copied().max().unwrap_or(Level::None).max(Level::Patch);
    let cadence = &ctx.config.cadence;
    let rule = match level {
        Level::Major => &cadence.major,
        Level::Minor => &cadence.minor,
        _ => &cadence.patch,
    };
    let (now, system) = crate::time::now()?;
    if let Some(reason) = outside_window
        && reason.trim().is_empty()
    {
        return Err(Error::usage(
            "`--outside-window` needs a reason, which goes into the evidence",
        )
        .with_hint("e.g. `--outside-window \"security fix for CVE-2026-1234\"`")
        .into());
    }
    let ci = if rule.needs(Requirement::Ci) {
        ci::verdict(ctx, commit, branch)
    } else {
        Verdict::new("NA", format!("a {} release does not need CI", level.as_str()))
    };
    let window = window_verdict(rule, level, &now, outside_window);
    let overridden = window.status == "OVERRIDDEN";
    let approval = if rule.needs(Requirement::Approval) {
        Verdict::new("PENDING", "a named person must approve (asked at the gate)")
    } else {
        Verdict::new("NA", format!("a {} release needs no named approval", level.as_str()))
    };
    let mut refusals = Vec::new();
    if ci.failed() {
        refusals.push(format!("CI is not green on the release commit: {}", ci.reason));
    }
    if window.failed() {
        refusals.push(window.reason.clone());
    }
    let status = if !refusals.is_empty() {
        "REFUSED"
    } else if approval.status == "PENDING" {
        "PENDING"
    } else {
        "APPROVED"
    };
    Ok(Decision {
        level: level.as_str().to_owned(),
        requires: rule.requires.iter().map(|r| r.as_str().to_owned()).collect(),
        checks: Verdict::new(
            "PASS",
            "the checks ran first; a failed one stops the run (or sets its package aside)",
        ),
        ci,
        window,
        approval,
        approver: None,
        approved_by: None,
        outside_window: outside_window.filter(|_| overridden).map(|r| r.trim().to_owned()),
        commit: commit.to_owned(),
        now: now.timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        clock: if system { "system" } else { crate::time::NOW_VARIABLE }.to_owned(),
        status: status.to_owned(),
        refused: (!refusals.is_empty()).then(|| refusals.join("; ")),
        checklist: Vec::new(),
    })
}

/// The window verdict of `rule` at `now`: PASS inside, FAIL outside, OVERRIDDEN outside with
/// a reason, NA without a window.
fn window_verdict(
    rule: &LevelRule,
    level: Level,
    now: &jiff::Zoned,
    outside_window: Option<&str>,
) -> Verdict {
    let name = level.as_str();
    if !rule.has_window() {
        return Verdict::new("NA", format!("no window for {name} releases"));
    }
    let month = u8::try_from(now.month()).unwrap_or(0);
    let day = Weekday::from_monday_one(now.weekday().to_monday_one_offset());
    let months_ok = rule.months.is_empty() || rule.months.contains(&month);
    let days_ok = rule.weekdays.is_empty() || day.is_some_and(|d| rule.weekdays.contains(&d));
    let mut window = Vec::new();
    if !rule.months.is_empty() {
        let list: Vec<String> = rule.months.iter().map(|m| month_name(*m).to_owned()).collect();
        window.push(format!("in {}", list.join(", ")));
    }
    if !rule.weekdays.is_empty() {
        let list: Vec<&str> = rule.weekdays.iter().map(|d| d.as_str()).collect();
        window.push(format!("on {}", list.join(", ")));
    }
    let today =
        format!("{} ({}, {})", now.date(), day.map_or("?", Weekday::as_str), month_name(month));
    let window = window.join(" and ");
    if months_ok && days_ok {
        return Verdict::new("PASS", format!("{today} is inside the {name} window ({window})"));
    }
    match outside_window {
        Some(reason) => Verdict::new(
            "OVERRIDDEN",
            format!(
                "{today} is outside the {name} window ({window}); released anyway: {}",
                reason.trim()
            ),
        ),
        None => Verdict::new(
            "FAIL",
            format!("{today} is outside the window of {name} releases ({window}, UTC)"),
        ),
    }
}

fn month_name(m: u8) -> &'static str {
    const NAMES: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    NAMES.get(usize::from(m).wrapping_sub(1)).copied().unwrap_or("?")
}

/// Refuses a release the rule refuses.
///
/// # Errors
/// `GATE_REJECTED` (exit 4), naming every reason and how to override a window.
pub fn refuse(decision: &Decision) -> Result<()> {
    let Some(why) = &decision.refused else { return Ok(()) };
    let mut err = Error::coded(
        ErrorCode::GateRejected,
        format!("the cadence rule of {} releases refuses this release: {why}", decision.level),
    );
    if decision.window.failed() {
        err = err.with_hint(
            "wait for the window, or pass `--outside-window \"reason\"` (the reason goes into the evidence)",
        );
    }
    if decision.ci.failed() {
        err = err.with_hint(
            "wait for CI to finish green on the release commit (`gh run list --commit <sha>`), fix it, or change `[cadence]`",
        );
    }
    Err(err.into())
}

/// Settles the approval `decision` waits for (`PENDING`), with `ask`: `--approve-major
/// "Name <email>"` (which clap only takes with `--gate-attestation`, so the approval is
/// bound to the plan hash the gate then checks); else, at a terminal, a prompt that
/// records the git identity of whoever answers (`user.name`/`user.email`). `plan_hash` is
/// shown in the messages.
///
/// # Errors
/// `GATE_REJECTED` (exit 4): `--yes` alone, or no terminal, with exactly what is needed;
/// the prompt declined; no git identity to record. A malformed `--approve-major` (exit 2).
pub fn approve(ctx: &Ctx, decision: &mut Decision, ask: &Ask<'_>, plan_hash: &str) -> Result<()> {
    if decision.approval.status != "PENDING" {
        if let Some(name) = ask.approve_major
            && decision.approval.status == "NA"
        {
            ctx.ui.warn(&format!(
                "`--approve-major {name}` is not needed: this is a {} release",
                decision.level
            ));
        }
        return Ok(());
    }
    let level = decision.level.clone();
    if let Some(given) = ask.approve_major {
        let who = approver(given)?;
        if ask.attestation.is_none() {
            return Err(needed(
                &level,
                plan_hash,
                "`--approve-major` must come with `--gate-attestation`",
            )
            .into());
        }
        settle(decision, &who, "flag");
        return Ok(());
    }
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !terminal || ask.yes || ask.attestation.is_some() {
        let what = if ask.yes {
            "`--yes` alone does not approve it"
        } else if ask.attestation.is_some() {
            "`--gate-attestation` alone binds the plan but names no approver"
        } else {
            "there is no terminal to ask one"
        };
        return Err(needed(&level, plan_hash, what).into());
    }
    let who = crate::release::preflight::git_identity(ctx).ok_or_else(|| {
        Error::coded(
            ErrorCode::GateRejected,
            format!("a {level} release needs a named approver, and git has no identity to record"),
        )
        .with_hint("set `git config user.name` and `user.email`, or pass `--approve-major \"Name <email>\" --gate-attestation HASH`")
    })?;
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "This is a {level} release: it needs the approval of a named person.\nApprove it as {}? [y/N] ",
        crate::ui::terminal_safe(&who)
    );
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        return Err(Error::coded(
            ErrorCode::GateRejected,
            format!("the {level} release was not approved; nothing was changed"),
        )
        .into());
    }
    settle(decision, &who, "prompt");
    Ok(())
}

/// Records in `decision` (a level that waits for a named approval) the approval already
/// given for `approved`, as a workspace run asks once for all its repositories.
pub fn record_approval(decision: &mut Decision, approved: &Decision) {
    if let (Some(who), Some(how)) = (&approved.approver, &approved.approved_by) {
        settle(decision, who, how);
    }
}

fn settle(decision: &mut Decision, who: &str, how: &str) {
    decision.approval = Verdict::new("PASS", format!("approved by {who} ({how})"));
    decision.approver = Some(who.to_owned());
    decision.approved_by = Some(how.to_owned());
    decision.status = "APPROVED".to_owned();
}

fn needed(level: &str, plan_hash: &str, what: &str) -> Error {
    Error::coded(
        ErrorCode::GateRejected,
        format!("a {level} release needs the approval of a named person, and {what}; nothing was changed"),
    )
    .with_hint(format!(
        "pass `--approve-major \"Name <email>\" --gate-attestation {plan_hash}` (instead of `--yes`), or run on a terminal and answer the prompt"
    ))
    .with_hint(format!(
        "to release {level} versions without a named person, leave `approval` out of `[cadence] {level}` in the configuration"
    ))
}

/// Reads `Name <email>`: a non-empty name, an address with one `@` between non-empty parts,
/// no control characters; returned trimmed.
///
/// # Errors
/// Anything else (exit 2), saying the expected shape.
pub fn approver(given: &str) -> Result<String> {
    let text = given.trim();
    let bad = || {
        Error::usage(format!(
            "`--approve-major` is `{}`, not `Name <email>`",
            crate::ui::terminal_safe(text)
        ))
        .with_hint("e.g. `--approve-major \"Ada Lovelace <ada@example.com>\"`")
    };
    if text.chars().any(char::is_control) {
        return Err(bad().into());
    }
    let (name, rest) = text.split_once('<').ok_or_else(bad)?;
    let email = rest.strip_suffix('>').ok_or_else(bad)?;
    let name = name.trim();
    let parts: Vec<&str> = email.split('@').collect();
    let email_ok =
        parts.len() == 2 && parts.iter().all(|p| !p.is_empty() && !p.contains([' ', '<', '>']));
    if name.is_empty() || name.contains(['<', '>']) || !email_ok {
        return Err(bad().into());
    }
    Ok(format!("{name} <{email}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvers_are_name_and_email() {
        assert_eq!(
            approver(" Ada Lovelace <ada@example.com> ").expect("valid"),
            "Ada Lovelace <ada@example.com>"
        );
        for bad in [
            "ada@example.com",
            "Ada <ada>",
            "<ada@example.com>",
            "Ada <a@b> x",
            "Ada\n <a@b>",
            "A <a@@b>",
        ] {
            assert!(approver(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn windows_pass_fail_and_are_overridden() {
        let rule = LevelRule {
            requires: vec![Requirement::Checks],
            months: vec![3, 6, 9, 12],
            weekdays: vec![Weekday::Thu, Weekday::Fri],
        };
        let at = |s: &str| {
            s.parse::<jiff::Timestamp>().expect("valid").to_zoned(jiff::tz::TimeZone::UTC)
        };
        // 2026-03-12 is a Thursday in March.
        let inside = window_verdict(&rule, Level::Major, &at("2026-03-12T10:00:00Z"), None);
        assert_eq!(inside.status, "PASS", "{}", inside.reason);
        // 2026-03-10 is a Tuesday; 2026-04-09 a Thursday in April.
        for when in ["2026-03-10T10:00:00Z", "2026-04-09T10:00:00Z"] {
            let out = window_verdict(&rule, Level::Major, &at(when), None);
            assert_eq!(out.status, "FAIL", "{when}: {}", out.reason);
            let over = window_verdict(&rule, Level::Major, &at(when), Some("hotfix"));
            assert_eq!(over.status, "OVERRIDDEN");
            assert!(over.reason.ends_with("released anyway: hotfix"), "{}", over.reason);
        }
        let none = LevelRule::default();
        assert_eq!(
            window_verdict(&none, Level::Patch, &at("2026-03-10T10:00:00Z"), None).status,
            "NA"
        );
    }
}
