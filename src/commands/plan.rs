//! `git release plan`: the next version of every package, with the commits that decided it.

use anyhow::Result;
use clap::{Args, ValueEnum};

use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::{Error, Exit};
use crate::plan::{self, Plan};
use crate::release::report::{render_table, render_versions};
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
    /// Just the next version (`name version` per package in a monorepo); nothing when
    /// nothing is to be released.
    Version,
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
            "walked {} commits ({}{})",
            plan.commits_read,
            match plan.walk_order {
                crate::history::Order::Date => "by committer date, ranges proven",
                crate::history::Order::CommitGraph => "by commit-graph generation number",
                crate::history::Order::Computed =>
                    "by generation numbers computed from the whole history",
            },
            if plan.read_ahead > 0 {
                format!("; {} decoded ahead on a second core", plan.read_ahead)
            } else {
                String::new()
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
    // The `on_release` syncs a run of this plan would carry out afterwards (issue 18 item 4):
    // named only, as `plan` reads nothing remote; `run --dry-run` shows their diffs.
    let syncs: Vec<&str> = if plan.releases().next().is_some() {
        crate::release::syncs::entries(&ctx.config).iter().map(|s| s.id.as_str()).collect()
    } else {
        Vec::new()
    };
    let text = match args.format {
        PlanFormat::Json => render_json_with(&plan, &syncs),
        PlanFormat::Table if !syncs.is_empty() => format!(
            "{}\nafter the release, `git release run` runs the `on_release` sync{} {} (`git release run --dry-run` shows the diff{})\n",
            render_table(&plan, args.explain, false).trim_end(),
            if syncs.len() == 1 { "" } else { "s" },
            syncs.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
            if syncs.len() == 1 { "" } else { "s" },
        ),
        PlanFormat::Table => render_table(&plan, args.explain, false),
        PlanFormat::Markdown => render_table(&plan, args.explain, true),
        PlanFormat::Version => render_versions(&plan),
    };
    ctx.ui.data(&text)?;
    if args.exit_code && plan.releases().next().is_none() {
        return Err(Error::silent(Exit::Failure).into());
    }
    Ok(())
}

/// The plan as the JSON of the README (schema version 1), pretty-printed, with a newline.
pub fn render_json(plan: &Plan) -> String {
    render_json_with(plan, &[])
}

/// [`render_json`], with `"on_release_syncs": [ids…]` last when `syncs` is not empty: the
/// `on_release` syncs a run of the plan carries out after its release.
fn render_json_with(plan: &Plan, syncs: &[&str]) -> String {
    /// The top-level object, in the documented key order.
    #[derive(serde::Serialize)]
    struct Document<'a> {
        schema_version: u32,
        plan_hash: String,
        head: String,
        packages: &'a [plan::Row],
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        on_release_syncs: &'a [&'a str],
    }
    // The hash serialises every row once more, which on a 20,000-commit range costs about as
    // much as the rendering: it is computed on another core meanwhile and then written over
    // a placeholder. `plan_hash` is the second key, so the placeholder's first occurrence is
    // it, whatever the rows contain.
    const PLACEHOLDER: &str = "sha256:(the plan hash)";
    let document = Document {
        schema_version: 1,
        plan_hash: PLACEHOLDER.to_owned(),
        head: plan.head.to_string(),
        packages: &plan.rows,
        on_release_syncs: syncs,
    };
    let (hash, mut text) = std::thread::scope(|scope| {
        let hash = scope.spawn(|| plan.hash());
        // Sized up front (a reason takes about 250 bytes pretty-printed): growing a 5 MB
        // buffer by doubling copied it several times.
        let reasons: usize = plan.rows.iter().map(|r| r.reasons.len()).sum();
        let mut buf = Vec::with_capacity(4096 + 2048 * plan.rows.len() + 320 * reasons);
        serde_json::to_writer_pretty(&mut buf, &document).expect("plan rows always serialise");
        let text = String::from_utf8(buf).expect("serde_json writes UTF-8");
        (hash.join().unwrap_or_else(|_| plan.hash()), text)
    });
    let at = text.find(PLACEHOLDER).expect("the document holds the placeholder");
    text.replace_range(at..at + PLACEHOLDER.len(), &hash);
    text.push('\n');
    text
}
