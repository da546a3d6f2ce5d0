//! `git release plan`: the next version of every package, with the commits that decided it.

use std::fmt::Write as _;

use anyhow::Result;
use clap::{Args, ValueEnum};
use comfy_table::{Table, presets};

use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::{Error, Exit};
use crate::plan::{self, Plan, Status};
use crate::version::{Level, PRERELEASE_CHANNELS};

/// Show the next version of each package and why
///
/// Reads the history from HEAD once, finds each package's last release tag, classifies the
/// commits since as Conventional Commits and prints the plan: package, tier, current and
/// next version, bump, commits and the reason. Nothing is written.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Packages to plan, by name or path (default: all)
    #[arg(value_name = "PKG")]
    pub packages: Vec<String>,

    /// Force the bump level instead of inferring it
    #[arg(long, value_name = "LEVEL", value_parser = ["major", "minor", "patch"])]
    pub bump: Option<String>,

    /// Make a prerelease on this channel: `1.3.0-rc.1`, then `rc.2`…
    #[arg(long, value_name = "ID", value_parser = PRERELEASE_CHANNELS)]
    pub pre: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: PlanFormat,

    /// Add one line per commit: id, type, scope, breaking, and the bump it asked for
    #[arg(long)]
    pub explain: bool,

    /// Exit 1 when nothing is to be released (like `git diff --exit-code`)
    #[arg(long)]
    pub exit_code: bool,

    /// Make non-conventional commits and configuration drift errors
    #[arg(long)]
    pub strict: bool,
}

/// Output formats of `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// An aligned table.
    Table,
    /// JSON, schema version 1 (see the README).
    Json,
    /// A markdown table.
    Markdown,
}

/// Computes the plan and prints it.
///
/// # Errors
/// See [`plan::build`]; with `--exit-code`, a silent exit 1 when nothing is released.
pub fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<()> {
    let ctx = Ctx::open(global)?;
    let options = plan::Options {
        packages: args.packages.clone(),
        bump: args.bump.as_deref().map(Level::from_flag),
        pre: args.pre.clone(),
        strict: args.strict,
    };
    let plan = plan::build(&ctx.repo, &ctx.config, &options)?;
    for warning in &plan.warnings {
        ctx.ui.warn(warning);
    }
    if ctx.ui.verbose(1) {
        ctx.ui.debug(&format!(
            "walked {} commits ({})",
            plan.commits_read,
            match plan.walk_order {
                crate::history::Order::Date => "by committer date, ranges proven",
                crate::history::Order::CommitGraph => "by commit-graph generation number",
                crate::history::Order::Computed =>
                    "by generation numbers computed from the whole history",
            }
        ));
        for tag in &plan.not_commits {
            ctx.ui.debug(&format!(
                "ignored tag `{tag}`: it points at a tree or a blob, not a commit"
            ));
        }
        for tag in &plan.ignored_tags {
            ctx.ui.debug(&format!(
                "ignored tag `{tag}`: it matches no tag format of the planned packages"
            ));
        }
    }
    let text = match args.format {
        PlanFormat::Json => render_json(&plan),
        PlanFormat::Table => render_table(&plan, args.explain, false),
        PlanFormat::Markdown => render_table(&plan, args.explain, true),
    };
    ctx.ui.data(&text)?;
    if args.exit_code && plan.releases().next().is_none() {
        return Err(Error::silent(Exit::Failure).into());
    }
    Ok(())
}

/// The plan as the JSON of the README (schema version 1), pretty-printed, with a newline.
pub fn render_json(plan: &Plan) -> String {
    /// The top-level object, in the documented key order.
    #[derive(serde::Serialize)]
    struct Document<'a> {
        schema_version: u32,
        plan_hash: String,
        head: String,
        packages: &'a [plan::Row],
    }
    let document = Document {
        schema_version: 1,
        plan_hash: plan.hash(),
        head: plan.head.to_string(),
        packages: &plan.rows,
    };
    let mut text = serde_json::to_string_pretty(&document).expect("plan rows always serialise");
    text.push('\n');
    text
}

/// The plan as a table (or a markdown table), with `--explain` lines per commit.
pub fn render_table(plan: &Plan, explain: bool, markdown: bool) -> String {
    let header = ["package", "tier", "current", "next", "bump", "commits", "reason"];
    let rows = plan.rows.iter().map(|row| {
        [
            row.name.clone(),
            row.tier.to_string(),
            row.current_version.clone().unwrap_or_else(|| "-".to_owned()),
            row.next_version.clone().unwrap_or_else(|| "-".to_owned()),
            row.bump.as_str().to_owned(),
            row.commits.to_string(),
            reason(row),
        ]
    });
    let mut out = if markdown {
        let mut table = Table::new();
        table.load_style(presets::ASCII_MARKDOWN);
        table.set_header(header);
        for row in rows {
            table.add_row(row);
        }
        format!("{table}\n")
    } else {
        crate::ui::plain_table(header, rows)
    };
    if explain {
        for row in &plan.rows {
            if row.reasons.is_empty() {
                continue;
            }
            let _ = writeln!(out);
            if markdown {
                let _ = writeln!(out, "### {}\n", row.name);
            } else {
                let _ = writeln!(out, "{}:", row.name);
            }
            for r in &row.reasons {
                let short = &r.commit[..r.commit.len().min(7)];
                let kind = r.kind.as_deref().unwrap_or("(not conventional)");
                let scope = r.scope.as_deref().map(|s| format!("({s})")).unwrap_or_default();
                let bang = if r.breaking { " breaking" } else { "" };
                if markdown {
                    let _ = writeln!(
                        out,
                        "- `{short}` {kind}{scope}{bang} → {}: {}",
                        r.bump, r.summary
                    );
                } else {
                    let _ =
                        writeln!(out, "  {short}  {kind}{scope}{bang}  {}  {}", r.bump, r.summary);
                }
            }
        }
    }
    if !markdown && plan.rows.iter().any(|r| r.status == Status::Release) {
        let _ = writeln!(out, "\nplan {}", plan.hash());
    }
    out
}

/// The table's one-line reason: what decided the bump, and what was not conventional.
fn reason(row: &plan::Row) -> String {
    let nonconventional = row.commits - row.conventional;
    let mut text = match row.status {
        Status::NothingToRelease if row.commits == 0 => {
            "no commits since the last release".to_owned()
        }
        Status::NothingToRelease => "no commit asks for a release".to_owned(),
        Status::Release => {
            let decisive = row.reasons.iter().find(|r| r.bump == "release_as").or_else(|| {
                row.reasons
                    .iter()
                    .rev()
                    .filter(|r| r.bump != "none")
                    .max_by_key(|r| level_rank(&r.bump))
            });
            match (row.bump, decisive) {
                (_, _) if row.because.is_some() => row.because.clone().unwrap_or_default(),
                (plan::BumpKind::Initial, _) => format!(
                    "first release ({} commit{})",
                    row.commits,
                    if row.commits == 1 { "" } else { "s" }
                ),
                (_, Some(r)) => format!("{} ({})", r.summary, &r.commit[..r.commit.len().min(7)]),
                (_, None) => "forced".to_owned(),
            }
        }
    };
    if row.breaking > 0 {
        let _ = write!(text, "; {} breaking", row.breaking);
    }
    if nonconventional > 0 {
        let _ = write!(text, "; {nonconventional} not conventional");
    }
    text
}

/// Orders per-commit bump names (`major` highest).
fn level_rank(bump: &str) -> u8 {
    match bump {
        "major" => 3,
        "minor" => 2,
        "patch" => 1,
        _ => 0,
    }
}
