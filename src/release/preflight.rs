//! Before a run: the preflight checks, the gate (approval or attestation), who approved,
//! and the provenance written to the evidence.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;
use std::time::SystemTime;

use anyhow::Result;

use crate::checks::{self};
use crate::config::{GitConfig as _, Mode};
use crate::context::Ctx;
use crate::error::redact;
use crate::error::{Error, ErrorCode};
use crate::git::cli::Git;
use crate::plan::Plan;
use crate::release::cadence;
use crate::release::evidence::{Provenance, RemoteUrl};
use crate::release::state::{self, Gate, PackageStatus, RunState};
use crate::waivers;

/// Runs the checks of `plan` with the waivers of `ctx`'s repository, judging the run as it
/// will be made: the `mode` given by `--mode` overrides `release.mode` (a direct push to a
/// protected branch must fail `protected_branch`). `named`: packages were named.
///
/// # Errors
/// A malformed waiver file.
pub(crate) fn preflight(ctx: &Ctx, plan: &Plan, mode: Mode, named: bool) -> Result<checks::Report> {
    let waivers = waivers::load(ctx.repo.workdir(), &ctx.config)?;
    let config = crate::config::Config { mode, ..ctx.config.clone() };
    Ok(checks::run(
        &ctx.repo,
        &config,
        plan,
        &waivers,
        &checks::Options { named, today: crate::time::today() },
    ))
}

pub(crate) fn releasing(state: &RunState) -> usize {
    state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).count()
}

/// The gate: `--gate-attestation` must name `hash`; `--yes` approves; on a terminal the
/// plan is shown and the answer read; without one, approval must be given by a flag.
pub(crate) fn gate(
    ctx: &Ctx,
    shown: &str,
    hash: &str,
    yes: bool,
    attestation: Option<&str>,
) -> Result<Gate> {
    let who = identity(ctx);
    let at = state::timestamp(SystemTime::now());
    let record = |how: &str| Gate {
        how: how.to_owned(),
        who: who.clone(),
        at: at.clone(),
        plan_hash: hash.to_owned(),
    };
    if let Some(given) = attestation {
        let given = given.trim();
        if given != hash && format!("sha256:{given}") != hash {
            return Err(Error::coded(
                ErrorCode::InvalidGateToken,
                format!("the attestation names plan `{given}`, but the plan to run is `{hash}`"),
            )
            .with_hint("the plan changed since it was approved: review `git release plan` and approve the new hash")
            .into());
        }
        return Ok(record("attestation"));
    }
    if yes {
        return Ok(record("yes"));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::coded(
            ErrorCode::GateRejected,
            format!("no terminal to ask for approval of plan `{hash}`"),
        )
        .with_hint(format!(
            "pass `--yes`, or `--gate-attestation {hash}` to bind the approval to this plan"
        ))
        .into());
    }
    let mut err = std::io::stderr().lock();
    let shown = crate::ui::terminal_safe(shown);
    let _ = write!(err, "{shown}\nplan {hash}\nRelease as planned? [y/N] ");
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        Ok(record("prompt"))
    } else {
        Err(Error::coded(
            ErrorCode::GateRejected,
            format!("plan `{hash}` was not approved; nothing was changed"),
        )
        .into())
    }
}

/// The cadence gate (issue 17 item 7), for `run`, workspace runs and `rc promote` alike:
/// judges the rule of the highest of `levels` (the bump levels of what is released) for the
/// release commit `commit` on `branch`, refuses what it refuses, and settles a named
/// person's approval when the level needs one ([`cadence::approve`]). Call it before
/// [`gate`], which then checks `--gate-attestation` against `plan_hash`. The caller adds the
/// RL checklist ([`cadence::checklist::build`]) and records the decision in the evidence.
///
/// # Errors
/// `GATE_REJECTED` (exit 4): CI not green, outside a window without `--outside-window`, a
/// named approval missing (`--yes` alone) or declined; a malformed flag (exit 2).
pub(crate) fn cadence_gate(
    ctx: &Ctx,
    levels: &[crate::version::Level],
    commit: &str,
    branch: &str,
    ask: &cadence::Ask<'_>,
    plan_hash: &str,
) -> Result<cadence::Decision> {
    let mut decision = cadence::decide(ctx, levels, commit, branch, ask.outside_window)?;
    cadence::refuse(&decision)?;
    cadence::approve(ctx, &mut decision, ask, plan_hash)?;
    Ok(decision)
}

/// Who approves: the git identity the release commits and tags carry (`git var
/// GIT_COMMITTER_IDENT`, which honours `user.name`, `user.email` and the `GIT_COMMITTER_*`
/// variables), and on a terminal the login name too, as `Name <email> (login `me`)` (issue
/// 12, item 21). Without a git identity, `user.name`/`user.email` as configured, then the
/// login name; `unknown` only when none exists.
pub(crate) fn identity(ctx: &Ctx) -> String {
    let ident = git_identity(ctx);
    let login = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()));
    let on_terminal = std::io::stdin().is_terminal();
    match (ident, login) {
        (Some(ident), Some(login)) if on_terminal => format!("{ident} (login `{login}`)"),
        (Some(ident), _) => ident,
        (None, Some(login)) => login,
        (None, None) => "unknown".to_owned(),
    }
}

/// The git identity, `Name <email>`: `git var GIT_COMMITTER_IDENT` without its date, else
/// `user.name`/`user.email` as configured; `None` when git has neither.
pub(crate) fn git_identity(ctx: &Ctx) -> Option<String> {
    let dir = ctx.repo.workdir().map_or_else(|| ctx.repo.common_dir().to_owned(), Path::to_owned);
    let ident = Git::new(&dir).committer_ident().and_then(|text| {
        // `Name <email> 1700000000 +0000`: the date is not part of who.
        let end = text.rfind('>')?;
        Some(text[..=end].to_owned())
    });
    ident.or_else(|| {
        let name = ctx.repo.value("user.name");
        let email = ctx.repo.value("user.email");
        match (name, email) {
            (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
            (Some(n), None) => Some(n),
            (None, Some(e)) => Some(format!("<{e}>")),
            (None, None) => None,
        }
    })
}

/// Provenance: the planned commit, the branch, the remotes (credentials removed).
pub(crate) fn provenance(ctx: &Ctx, root: &Path, head: &str) -> Provenance {
    let git = Git::new(root);
    let names = git.remotes().unwrap_or_default();
    let remotes = names
        .iter()
        .map(|name| RemoteUrl {
            name: name.to_owned(),
            url: redact(&ctx.repo.value(&format!("remote.{name}.url")).unwrap_or_default()),
        })
        .collect();
    Provenance {
        commit: head.to_owned(),
        branch: ctx.repo.head_branch(),
        release_branch: ctx.config.branch.clone(),
        remote: ctx.config.remote.clone(),
        remotes,
    }
}

pub(crate) fn waivers_json(report: &checks::Report) -> serde_json::Value {
    let applied: Vec<serde_json::Value> = report
        .results
        .iter()
        .filter_map(|r| {
            r.waiver
                .as_ref()
                .map(|w| serde_json::json!({"check": r.check, "package": r.package, "waiver": w}))
        })
        .collect();
    let unused: Vec<serde_json::Value> = report
        .unused_waivers
        .iter()
        .map(|w| serde_json::json!({"check": w.check, "package": w.package, "reason": w.reason, "source": w.source}))
        .collect();
    serde_json::json!({"applied": applied, "unused": unused})
}
