//! `git release calibrate`: learn the bump rules from the project's own past releases, report
//! how well they predict what shipped, and optionally write them (issue 16).

use anyhow::Result;
use clap::{Args, ValueEnum};

use crate::calibrate::{self, Selection, render, write};
use crate::context::{Ctx, GlobalArgs};

/// Learn the bump rules from past releases and report how well they fit
///
/// Replays every stable → stable release pair of each package (those whose range has commits
/// of the package and is mostly conventional), compares what the current `[bump]` rules
/// predict with what was shipped, and learns the settings that fit better: the 0.x feature
/// and breaking policies, `other` and per-type bumps, per-scope `[[bump.rule]]` entries,
/// `first_parent` and lenient `BREAKING CHANGE` footers. A change is kept only when the
/// evidence is clear. Agreement is reported in sample and cross-validated (learned on older
/// releases, scored on newer ones), with the releases that still disagree and why. Nothing
/// is written without `--write`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Packages to calibrate, by name or path (default: all, pooled)
    #[arg(value_name = "PKG")]
    pub packages: Vec<String>,

    /// Only learn from releases made after this tag
    #[arg(long, value_name = "TAG")]
    pub since: Option<String>,

    /// Write the learned settings into the configuration file (`git-release.toml`, or the file
    /// given with `--config`), keeping its comments and formatting
    #[arg(long)]
    pub write: bool,

    /// With `--write`, print the file as it would be written (on stderr) and leave it alone
    #[arg(long, requires = "write")]
    pub dry_run: bool,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: CalibrateFormat,
}

/// Output formats of `calibrate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CalibrateFormat {
    /// Aligned tables.
    Table,
    /// JSON, schema version 1 (see the README).
    Json,
}

/// Replays, learns, prints the report and, with `--write`, writes the settings.
///
/// # Errors
/// See [`calibrate::calibrate`] and [`write::write`].
pub fn run(global: &GlobalArgs, args: &CalibrateArgs) -> Result<()> {
    let ctx = Ctx::open(global)?;
    let selection = Selection { packages: args.packages.clone(), since: args.since.clone() };
    let report = calibrate::calibrate(&ctx.repo, &ctx.config, &selection)?;
    let text = match args.format {
        CalibrateFormat::Table => render::table(&report),
        CalibrateFormat::Json => render::json(&report),
    };
    ctx.ui.data(&text)?;
    if args.write {
        let path = ctx
            .config
            .file
            .clone()
            .unwrap_or_else(|| ctx.repo.root().join(crate::config::DEFAULT_FILE_NAME));
        let date = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
        if args.dry_run {
            match write::render(&path, &report, &date)? {
                Some(text) => ctx.ui.status(&format!(
                    "dry run: `{}` would become:\n{}",
                    path.display(),
                    crate::ui::terminal_safe(&text)
                )),
                None => ctx.ui.status("dry run: nothing to write, the current settings are kept"),
            }
        } else if write::write(&path, &report, &date)? {
            ctx.ui.status(&format!("wrote the learned settings to `{}`", path.display()));
        } else {
            ctx.ui.status(&format!(
                "nothing written: the current settings are kept, `{}` is unchanged",
                path.display()
            ));
        }
    }
    Ok(())
}
