//! What a run prints: the plan, the summary, the report (text and JSON), the dry run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::checks::{self};
use crate::config::Mode;
use crate::error::redact;
use crate::plan::{self, Plan, Status};
use crate::release::exec::Described;
use crate::release::preflight::releasing;
use crate::release::state::{OnFailure, PackageState, PackageStatus, RunState, RunStatus};
use comfy_table::{Table, presets};

pub(crate) fn plan_text(plan: &Plan) -> String {
    render_table(plan, false, false)
}

pub(crate) fn resume_text(state: &RunState) -> String {
    let rows = state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).map(|p| {
        [
            p.name.clone(),
            p.tier.to_string(),
            p.current_version.clone().unwrap_or_else(|| "-".to_owned()),
            p.next_version.clone(),
            p.phase.to_string(),
            status_word(p).to_owned(),
        ]
    });
    let mut out =
        crate::ui::plain_table(["package", "tier", "current", "next", "phase", "status"], rows);
    out.push_str(&super::syncs::summary_text(state));
    out
}

pub(crate) fn status_word(p: &PackageState) -> &'static str {
    match p.status {
        PackageStatus::Pending => "PENDING",
        PackageStatus::Done => "DONE",
        PackageStatus::Failed => "FAILED",
        PackageStatus::Blocked => "BLOCKED",
        PackageStatus::Skipped => "SKIPPED",
    }
}

pub(crate) fn status_name(status: RunStatus) -> &'static str {
    match status {
        RunStatus::InProgress => "IN_PROGRESS",
        RunStatus::Success => "SUCCESS",
        RunStatus::Partial => "PARTIAL",
        RunStatus::Failed => "FAILED",
    }
}

/// The summary table and the report (seed 000 § 4), as printed after a run.
pub fn summary_text(state: &RunState) -> String {
    let rows = state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).map(|p| {
        let note = match (&p.error, &p.reason) {
            (Some(e), _) => format!("{} at {}", e.code, e.phase),
            (None, Some(r)) => r.clone(),
            (None, None) => String::new(),
        };
        [
            p.name.clone(),
            p.tier.to_string(),
            p.current_version.clone().unwrap_or_else(|| "-".to_owned()),
            p.next_version.clone(),
            status_word(p).to_owned(),
            p.phase.to_string(),
            p.pr.as_ref().map_or_else(|| "-".to_owned(), |pr| format!("#{}", pr.number)),
            p.tag.clone().unwrap_or_else(|| "-".to_owned()),
            note,
        ]
    });
    let mut out = format!("Release summary (run: {})\n\n", state.run_id);
    out.push_str(&crate::ui::plain_table(
        ["package", "tier", "current", "next", "status", "phase", "pr", "tag", "note"],
        rows,
    ));
    out.push('\n');
    out.push_str(&report_text(state.packages.iter().map(|p| (p.name.clone(), p))));
    let syncs = super::syncs::summary_text(state);
    if !syncs.is_empty() {
        out.push('\n');
        out.push_str(&syncs);
    }
    let released = state.packages.iter().filter(|p| p.status == PackageStatus::Done).count();
    let _ = writeln!(
        out,
        "\nStatus: {} ({released}/{} released)",
        status_name(state.status),
        releasing(state)
    );
    out
}

/// The report: Succeeded, Failed, Blocked, Skipped, each with its packages (given with the
/// name to show) and reasons.
pub fn report_text<'a>(packages: impl IntoIterator<Item = (String, &'a PackageState)>) -> String {
    let packages: Vec<(String, &PackageState)> = packages.into_iter().collect();
    let pick = |status: PackageStatus| -> Vec<(&str, &PackageState)> {
        packages.iter().filter(|(_, p)| p.status == status).map(|(n, p)| (n.as_str(), *p)).collect()
    };
    let list =
        |items: Vec<String>| if items.is_empty() { "—".to_owned() } else { items.join(", ") };
    let succeeded: Vec<String> = pick(PackageStatus::Done)
        .iter()
        .map(|(name, p)| format!("{name} v{}", p.next_version))
        .collect();
    let failed: Vec<String> = pick(PackageStatus::Failed)
        .iter()
        .map(|(name, p)| {
            let (phase, code, first) =
                p.error.as_ref().map_or(("?".to_owned(), String::new(), String::new()), |e| {
                    (
                        e.phase.to_string(),
                        e.code.to_string(),
                        e.message.lines().next().unwrap_or("").to_owned(),
                    )
                });
            format!("{name} v{} — {phase} [{code}]: {first}", p.next_version)
        })
        .collect();
    let blocked: Vec<String> = pick(PackageStatus::Blocked)
        .iter()
        .map(|(name, p)| {
            format!(
                "{name} v{} — blocked by {}",
                p.next_version,
                p.blocked_by.as_deref().unwrap_or("?")
            )
        })
        .collect();
    let pending: Vec<String> = pick(PackageStatus::Pending)
        .iter()
        .map(|(name, p)| format!("{name} v{} (at {})", p.next_version, p.phase))
        .collect();
    let skipped: Vec<String> = pick(PackageStatus::Skipped)
        .iter()
        .map(|(name, p)| {
            format!("{name} — {}", p.reason.as_deref().unwrap_or("nothing to release"))
        })
        .collect();
    let warnings: Vec<String> = packages
        .iter()
        .flat_map(|(name, p)| p.outputs.warnings.iter().map(move |w| format!("{name}: {w}")))
        .collect();
    let mut out = String::from("RELEASE REPORT\n==============\n");
    let _ = writeln!(out, "Succeeded ({}):  {}", succeeded.len(), list(succeeded));
    let _ = writeln!(out, "Failed    ({}):  {}", failed.len(), list(failed));
    let _ = writeln!(out, "Blocked   ({}):  {}", blocked.len(), list(blocked));
    if !pending.is_empty() {
        let _ = writeln!(out, "Pending   ({}):  {}", pending.len(), list(pending));
    }
    let _ = writeln!(out, "Skipped   ({}):  {}", skipped.len(), list(skipped));
    if !warnings.is_empty() {
        let _ = writeln!(out, "Warnings  ({}):  {}", warnings.len(), warnings.join("; "));
    }
    out
}

/// The report of the JSON result: each package under its outcome, with the version, and
/// the step, code and reason of a failure or the package that blocked it.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Report {
    succeeded: Vec<serde_json::Value>,
    failed: Vec<serde_json::Value>,
    blocked: Vec<serde_json::Value>,
    skipped: Vec<serde_json::Value>,
}

impl Report {
    /// The report of `packages`, each given with the name to show (a workspace prefixes
    /// its repository); pending packages are left out.
    pub(crate) fn of<'a>(packages: impl IntoIterator<Item = (String, &'a PackageState)>) -> Self {
        let mut report = Self::default();
        for (name, p) in packages {
            let e = p.error.as_ref();
            match p.status {
                PackageStatus::Done => {
                    let mut row =
                        serde_json::json!({"name": name, "version": p.next_version, "tag": p.tag});
                    if !p.outputs.warnings.is_empty() {
                        row["warnings"] = serde_json::json!(p.outputs.warnings);
                    }
                    report.succeeded.push(row);
                }
                PackageStatus::Failed => report.failed.push(serde_json::json!({
                    "name": name,
                    "version": p.next_version,
                    "phase": e.map(|e| e.phase),
                    "code": e.map(|e| e.code),
                    "reason": e.map(|e| e.message.clone()),
                })),
                PackageStatus::Blocked => report.blocked.push(serde_json::json!({
                    "name": name,
                    "version": p.next_version,
                    "blocked_by": p.blocked_by,
                    "reason": p.reason,
                })),
                PackageStatus::Skipped => {
                    report.skipped.push(serde_json::json!({"name": name, "reason": p.reason}));
                }
                PackageStatus::Pending => {}
            }
        }
        report
    }
}

/// The JSON result of a run (schema version 1).
pub fn result_json(
    state: &RunState,
    state_file: &Path,
    evidence_file: &Path,
    cadence: Option<&crate::release::cadence::Decision>,
) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        run_id: &'a str,
        status: &'static str,
        plan_hash: &'a Option<String>,
        mode: Mode,
        on_failure: OnFailure,
        state_file: PathBuf,
        evidence_file: PathBuf,
        packages: &'a [PackageState],
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        syncs: &'a [super::state::RunSync],
        report: Report,
        #[serde(skip_serializing_if = "Option::is_none")]
        cadence: Option<&'a crate::release::cadence::Decision>,
    }
    let report = Report::of(state.packages.iter().map(|p| (p.name.clone(), p)));
    let doc = Document {
        schema_version: 1,
        run_id: &state.run_id,
        status: status_name(state.status),
        plan_hash: &state.plan_hash,
        mode: state.mode,
        on_failure: state.on_failure,
        state_file: state_file.to_owned(),
        evidence_file: evidence_file.to_owned(),
        packages: &state.packages,
        syncs: &state.syncs,
        report,
        cadence,
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("the result serialises");
    text.push('\n');
    redact(&text)
}

pub(crate) fn dry_run_text(
    plan: &Plan,
    state: &RunState,
    described: &[Described],
    left_out: &[String],
) -> String {
    let mut out = plan_text(plan);
    let _ = writeln!(
        out,
        "\ndry run of run {} ({} mode): every change it would make\n",
        state.run_id,
        match state.mode {
            Mode::Pr => "pr",
            Mode::Direct => "direct",
        }
    );
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "no forge (`[forge] kind = \"none\"`), so these are left out: {}\n",
            left_out.join(", ")
        );
    }
    for d in described {
        let _ = writeln!(
            out,
            "{} {} → {} (tier {}, branch {})",
            d.name,
            d.current_version.as_deref().unwrap_or("(new)"),
            d.next_version,
            d.tier,
            d.branch
        );
        for a in &d.actions {
            let _ = writeln!(out, "  {:<10} {}", a.step.as_str(), a.what);
            if let Some(detail) = &a.detail {
                for line in detail.lines() {
                    let _ = writeln!(out, "             {line}");
                }
            }
        }
        out.push('\n');
    }
    for p in state.packages.iter().filter(|p| p.status == PackageStatus::Failed) {
        let _ = writeln!(
            out,
            "{}: would be set aside: {}",
            p.name,
            p.error.as_ref().map_or("", |e| e.message.as_str())
        );
    }
    redact(&out)
}

pub(crate) fn dry_run_json(
    state: &RunState,
    described: &[Described],
    report: &checks::Report,
    left_out: &[String],
    syncs: &[crate::sync::log::SyncLog],
    cadence: &crate::release::cadence::Decision,
) -> String {
    let syncs: Vec<crate::sync::log::LogFile> =
        syncs.iter().map(|r| crate::sync::log::LogFile { sync_log: r.clone() }).collect();
    let doc = serde_json::json!({
        "schema_version": 1,
        "status": "DRY_RUN",
        "run_id": state.run_id,
        "plan_hash": state.plan_hash,
        "mode": state.mode,
        "on_failure": state.on_failure,
        "checks": report.results,
        "packages": described,
        "left_out": left_out,
        "syncs": syncs,
        "cadence": cadence,
        "set_aside": state.packages.iter().filter(|p| p.status == PackageStatus::Failed).map(|p| serde_json::json!({"name": p.name, "error": p.error})).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("the dry run serialises");
    text.push('\n');
    redact(&text)
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
            out.push_str(&explain_table(row, markdown));
        }
    }
    if explain {
        out.push_str(&render_edges(plan, markdown));
    }
    if !markdown && plan.rows.iter().any(|r| r.status == Status::Release) {
        let _ = writeln!(out, "\nplan {}", plan.hash());
    }
    out
}

/// The `--explain` table of one package: a row per commit with its short id, Conventional
/// Commit type and scope (`-` when absent or not conventional), `breaking` (`yes` or `-`),
/// the bump it asked for, and its summary line. A change file's row names the file in the
/// commit column and `changeset` as its type.
fn explain_table(row: &plan::Row, markdown: bool) -> String {
    let header = ["commit", "type", "scope", "breaking", "bump", "summary"];
    let rows = row.reasons.iter().map(|r| {
        if let Some(file) = &r.file {
            // A change file (`.changeset/*.md`) set this bump, not a commit.
            let summary = if markdown { r.summary.replace('|', "\\|") } else { r.summary.clone() };
            return [
                file.clone(),
                "changeset".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                r.bump.clone(),
                summary,
            ];
        }
        [
            r.commit[..r.commit.len().min(7)].to_owned(),
            r.kind.clone().unwrap_or_else(|| "-".to_owned()),
            r.scope.clone().unwrap_or_else(|| "-".to_owned()),
            if r.breaking { "yes" } else { "-" }.to_owned(),
            r.bump.clone(),
            if markdown { r.summary.replace('|', "\\|") } else { r.summary.clone() },
        ]
    });
    if markdown {
        let mut table = Table::new();
        table.load_style(presets::ASCII_MARKDOWN);
        table.set_header(header);
        for row in rows {
            table.add_row(row);
        }
        format!("{table}\n")
    } else {
        crate::ui::plain_table(header, rows)
    }
}

/// `plan --format version`: the next version of each package that is released, one a
/// line, for scripts (like `git cliff --bumped-version`). A single-package repository
/// prints the bare version (`1.3.0`); a monorepo prints `name version` lines. Nothing to
/// release prints nothing: the empty output is the answer, and the exit code stays 0
/// (`--exit-code` makes it 1).
pub fn render_versions(plan: &Plan) -> String {
    let several = plan.packages.list.len() > 1;
    let mut out = String::new();
    for row in plan.rows.iter().filter(|r| r.status == Status::Release) {
        let Some(next) = &row.next_version else { continue };
        if several {
            let _ = writeln!(out, "{} {next}", row.name);
        } else {
            let _ = writeln!(out, "{next}");
        }
    }
    out
}

/// The dependency edges between the plan's packages for `--explain` (issue 15 item 2): the
/// normal and build dependencies that order the tiers, then the development-only ones that
/// do not. Empty when there are none.
fn render_edges(plan: &Plan, markdown: bool) -> String {
    let in_plan = |name: &str| plan.rows.iter().any(|r| r.name == name);
    let edges = |dev: bool| -> Vec<String> {
        let mut lines = Vec::new();
        for pkg in plan.packages.list.iter().filter(|p| in_plan(&p.name)) {
            let deps = if dev { &pkg.dev_depends_on } else { &pkg.depends_on };
            for dep in deps.iter().filter(|d| in_plan(d)) {
                lines.push(format!("{} -> {dep}", pkg.name));
            }
        }
        lines
    };
    let mut out = String::new();
    for (dev, title) in [
        (false, "dependencies that order the tiers (normal and build)"),
        (true, "development dependencies, not used for tiers or cycles"),
    ] {
        let lines = edges(dev);
        if lines.is_empty() {
            continue;
        }
        if markdown {
            let _ = writeln!(out, "\n### {title}\n");
            for line in lines {
                let _ = writeln!(out, "- `{line}`");
            }
        } else {
            let _ = writeln!(out, "\n{title}:");
            for line in lines {
                let _ = writeln!(out, "  {line}");
            }
        }
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
                (_, Some(r)) if r.commit.is_empty() => r.summary.clone(),
                (_, Some(r)) => format!("{} ({})", r.summary, &r.commit[..r.commit.len().min(7)]),
                (_, None) => match (&row.current_version, &row.next_version) {
                    // A pending prerelease becomes the stable release (`1.3.0-rc.2` → `1.3.0`).
                    (Some(current), Some(next))
                        if current.contains('-') && current.split('-').next() == Some(next) =>
                    {
                        format!("promote {current} to {next}")
                    }
                    _ => "forced".to_owned(),
                },
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
