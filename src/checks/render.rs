//! How check results are shown: the table, the JSON document, and the exit they end with.

use std::fmt::Write as _;

use anyhow::Result;
use clap::ValueEnum;
use serde::Serialize;

use crate::checks::{CheckResult, Report, Status};
use crate::error::{Error, Exit};

/// Output formats of `check` and `doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per result, grouped by package, then a summary line.
    Table,
    /// JSON, schema version 1 (see the README).
    Json,
}

/// The exit: 1 when a FAIL remains (silent under JSON, whose `status` says it), with `hint`.
///
/// # Errors
/// The FAILs, as an error naming them.
pub fn finish(report: &Report, format: CheckFormat, hint: &str) -> Result<()> {
    let failed: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| match &r.package {
            Some(p) => format!("`{}` ({p})", r.check),
            None => format!("`{}`", r.check),
        })
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    if format == CheckFormat::Json {
        return Err(Error::silent(Exit::Failure).into());
    }
    Err(Error::failed(format!(
        "{} check{} failed: {}",
        failed.len(),
        if failed.len() == 1 { "" } else { "s" },
        failed.join(", ")
    ))
    .with_hint(hint)
    .into())
}

/// The results as lines grouped by package: `✓ <check> PASS — <reason>`,
/// `✗ <check> FAIL — <reason>` with a `fix:` line, `⊘ <check> WAIVED — <reason>` (seed 000's
/// form), `- <check> SKIP — <reason>`; then a summary line.
pub fn render_table(results: &[CheckResult], color: bool) -> String {
    let mut out = String::new();
    let mut group: Option<Option<&str>> = None;
    for r in results {
        let package = r.package.as_deref();
        if group != Some(package) {
            group = Some(package);
            match package {
                None => out.push_str("repository:\n"),
                Some(p) => {
                    let _ = writeln!(out, "package {p}:");
                }
            }
        }
        let (mark, paint) = match r.status {
            Status::Pass => ("✓", "32"),
            Status::Fail => ("✗", "31"),
            Status::Waived => ("⊘", "33"),
            Status::Skip => ("-", "2"),
        };
        let label = if color {
            format!(
                "\x1b[{paint}m{mark}\x1b[0m {} \x1b[{paint}m{}\x1b[0m",
                r.check,
                r.status.as_str()
            )
        } else {
            format!("{mark} {} {}", r.check, r.status.as_str())
        };
        match (&r.status, &r.waiver) {
            (Status::Waived, Some(w)) => {
                let _ = writeln!(out, "  {label} — {} ({}; {})", w.reason, r.reason, w.source);
            }
            _ => {
                let _ = writeln!(out, "  {label} — {}", r.reason);
            }
        }
        if r.status == Status::Fail
            && let Some(fix) = &r.fix
        {
            let _ = writeln!(out, "      fix: {fix}");
        }
    }
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} waived, {} skipped",
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Waived),
        count(Status::Skip)
    );
    out
}

/// The report as JSON (schema version 1), pretty-printed, with a newline:
/// `{schema_version, status: "pass"|"fail", plan_hash?, summary: {pass, fail, waived, skip},
/// results: [{check, package, status, reason, fix, waiver}], unused_waivers: [...],
/// unchecked: [...]}`.
pub fn render_json(report: &Report, plan_hash: Option<&str>) -> String {
    #[derive(Serialize)]
    struct Summary {
        pass: usize,
        fail: usize,
        waived: usize,
        skip: usize,
    }
    #[derive(Serialize)]
    struct Unused<'a> {
        check: super::CheckId,
        package: &'a str,
        reason: &'a str,
        source: &'a str,
        expires: Option<String>,
    }
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        plan_hash: Option<&'a str>,
        summary: Summary,
        results: &'a [CheckResult],
        unused_waivers: Vec<Unused<'a>>,
        unchecked: &'a [String],
    }
    let document = Document {
        schema_version: 1,
        status: if report.failed() { "fail" } else { "pass" },
        plan_hash,
        summary: Summary {
            pass: report.count(Status::Pass),
            fail: report.count(Status::Fail),
            waived: report.count(Status::Waived),
            skip: report.count(Status::Skip),
        },
        results: &report.results,
        unused_waivers: report
            .unused_waivers
            .iter()
            .map(|w| Unused {
                check: w.check,
                package: &w.package,
                reason: &w.reason,
                source: &w.source,
                expires: w.expires.map(|d| d.to_string()),
            })
            .collect(),
        unchecked: &report.unchecked,
    };
    let mut text = serde_json::to_string_pretty(&document).expect("check results always serialise");
    text.push('\n');
    text
}
