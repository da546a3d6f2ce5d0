//! `git release check`: every preflight check, per package where it applies, with waivers
//! (DESIGN.md › Checks and waivers). The checks themselves live in [`crate::checks`].

use anyhow::Result;
use clap::Args;

pub use crate::checks::render::CheckFormat;
use crate::checks::render::{finish, render_json, render_table};
use crate::checks::{self};
use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::plan;
use crate::waivers::{self, Waiver};
/// Run the preflight checks and show what would stop a release
///
/// Runs every check of the release (clean working tree, on the release branch and pushed,
/// no operation under way, a noreply email, the next tags free locally and on the remote,
/// version files aligned, tests, docs and changelog current, `gh` ready when the forge is
/// needed, no open release blockers, required variables set) and prints PASS, FAIL, WAIVED
/// or SKIP for each, with a one-line reason and, for a FAIL, what to do. Waivers come from
/// `[[waiver]]` in `git-release.toml` and from `.release-waivers.json`. Exits 1 when a FAIL
/// remains. Nothing is written.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Packages to check, by name or path (default: every package with something to release)
    #[arg(value_name = "PKG")]
    pub packages: Vec<String>,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: CheckFormat,

    /// The forge the release goes through: github or none (its checks then SKIP)
    /// (default: `forge.kind`)
    #[arg(long, value_enum, value_name = "KIND")]
    pub forge: Option<crate::forge::Kind>,
}

/// Runs the checks and prints the results.
///
/// # Errors
/// A configuration or waiver error (exit 2); a plan error (see [`plan::build`]); a FAIL
/// that no waiver covers (exit 1).
pub fn run(global: &GlobalArgs, args: &CheckArgs) -> Result<()> {
    let mut ctx = Ctx::open(global)?;
    if let Some(kind) = args.forge {
        ctx.config.forge.kind = kind;
    }
    let waivers = waivers::load(ctx.repo.workdir(), &ctx.config)?;
    let options = plan::Options { packages: args.packages.clone(), ..plan::Options::default() };
    let plan = plan::build(&ctx.repo, &ctx.config, &options)?;
    for warning in &plan.warnings {
        ctx.ui.warn(warning);
    }
    let report = checks::run(
        &ctx.repo,
        &ctx.config,
        &plan,
        &waivers,
        &checks::Options { named: !args.packages.is_empty(), today: crate::time::today() },
    );
    for w in &report.unused_waivers {
        ctx.ui.warn(&unused_warning(w));
    }
    if !report.unchecked.is_empty() {
        ctx.ui.status(&format!(
            "not checked (nothing to release): {}; name a package to check it anyway",
            report.unchecked.join(", ")
        ));
    }
    let text = match args.format {
        CheckFormat::Json => render_json(&report, Some(&plan.hash())),
        CheckFormat::Table => render_table(&report.results, ctx.ui.color()),
    };
    ctx.ui.data(&text)?;
    finish(
        &report,
        args.format,
        "fix what each FAIL says, or waive a check with a `[[waiver]]` in `git-release.toml`",
    )
}

/// The warning for a waiver that waived nothing.
pub fn unused_warning(w: &Waiver) -> String {
    format!(
        "unused waiver at {}: `{}` for `{}` waived nothing (the check passed, was skipped, or names no such package)",
        w.source, w.check, w.package
    )
}
