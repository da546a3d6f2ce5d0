//! `git release rc status` (issue 17 item 4): the manifest plus what is true now, per
//! repository: the RC head and how far it is ahead of or behind the release branch, CI on
//! the RC head, the milestone's issues (read again from the forge), whether the
//! repositories depended on are promoted, and each gate PASS, FAIL or WAIVED with why.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use super::Place;
use super::gates::{self, GateResult, Live};
use super::manifest::Manifest;
use crate::checks::Status;
use crate::context::GlobalArgs;

/// What `rc status` reports: the manifest, where it is, and the live facts and gates.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The document's layout version.
    pub schema_version: u32,
    /// The manifest file.
    pub manifest_path: PathBuf,
    /// The manifest, with the issues read again.
    pub manifest: Manifest,
    /// Per repository, in tier order.
    pub live: Vec<Live>,
    /// Every gate of every repository.
    pub gates: Vec<GateResult>,
}

impl Report {
    /// The gates that FAIL.
    pub fn failing(&self) -> impl Iterator<Item = &GateResult> {
        self.gates.iter().filter(|g| g.status == Status::Fail)
    }
}

/// Reads the live facts of every repository of the manifest at `path` and judges the gates;
/// the milestone's issues are read again (and saved in the manifest, unless `read_only`).
///
/// # Errors
/// A repository cannot be opened or its remote read; a malformed waiver file.
pub fn report(
    global: &GlobalArgs,
    path: PathBuf,
    mut m: Manifest,
    read_only: bool,
) -> Result<Report> {
    let mut ctxs = Vec::new();
    for r in &m.repos {
        ctxs.push(super::open(global, &r.path)?);
    }
    if let Some(title) = m.milestone.clone() {
        let mut issues = Vec::new();
        let mut all_read = true;
        for (r, ctx) in m.repos.iter().zip(&ctxs) {
            let Some(gh) = super::forge_of(ctx) else { continue };
            match gates::milestone_issues(&gh, &r.path, &r.name, &title) {
                Ok(found) => issues.extend(found),
                Err(e) => {
                    ctx.ui.warn(&format!(
                        "{}: the milestone's issues could not be read: {e}",
                        r.name
                    ));
                    all_read = false;
                }
            }
        }
        if all_read {
            m.issues = issues;
            if !read_only {
                super::save(&path, &m)?;
            }
        }
    }
    let mut live = Vec::new();
    let mut gates = Vec::new();
    for (r, ctx) in m.repos.iter().zip(&ctxs) {
        let gh = super::forge_of(ctx);
        let facts = if r.rc_branch_deleted {
            Live {
                repo: r.name.clone(),
                rc_head: None,
                ahead: None,
                behind: None,
                ci: gates::Ci { conclusion: "none".to_owned(), commit: None, url: None },
            }
        } else {
            gates::live(ctx, gh.as_ref(), r)?
        };
        gates.extend(gates::judge(ctx, &m, r, &facts)?);
        live.push(facts);
    }
    Ok(Report { schema_version: 1, manifest_path: path, manifest: m, live, gates })
}

/// The report as text: a table per repository, the gates, the issues, the lifecycle.
pub fn text(report: &Report) -> String {
    let m = &report.manifest;
    let mut out = format!(
        "Release train {} ({}), version {}\nmanifest {}\n\n",
        m.train_id,
        m.state.as_str(),
        m.version,
        report.manifest_path.display()
    );
    let short = |c: &Option<String>| {
        c.as_deref().map_or("-".to_owned(), |c| c[..c.len().min(12)].to_owned())
    };
    let rows = m.repos.iter().zip(&report.live).map(|(r, l)| {
        let promoted = if r.promotion.released { "yes" } else { "no" };
        [
            r.name.clone(),
            r.tier.to_string(),
            r.rc_branch.clone(),
            short(&l.rc_head),
            match (l.ahead, l.behind) {
                (Some(a), Some(b)) => format!("+{a} -{b}"),
                _ => "-".to_owned(),
            },
            l.ci.conclusion.clone(),
            r.rc_tags.last().cloned().unwrap_or_else(|| "-".to_owned()),
            promoted.to_owned(),
        ]
    });
    out.push_str(&crate::ui::plain_table(
        [
            "repository",
            "tier",
            "rc branch",
            "rc head",
            "vs release",
            "ci",
            "last rc tag",
            "promoted",
        ],
        rows,
    ));
    out.push('\n');
    let gate_rows = report.gates.iter().map(|g| {
        [
            g.repo.clone().unwrap_or_default(),
            g.gate.clone(),
            g.status.as_str().to_owned(),
            g.reason.clone(),
        ]
    });
    out.push_str(&crate::ui::plain_table(["repository", "gate", "status", "reason"], gate_rows));
    let open = m.issues.iter().filter(|i| i.state == "OPEN").count();
    let _ = writeln!(
        out,
        "\nissues in milestone {}: {open} open, {} closed",
        m.milestone.as_deref().unwrap_or("(no forge)"),
        m.issues.len() - open
    );
    for i in &m.issues {
        let _ = writeln!(
            out,
            "  {} #{} {} — {}",
            i.repo,
            i.number,
            i.state,
            crate::ui::terminal_safe(&i.title)
        );
    }
    if let Some(t) = m.transitions.last() {
        let _ = writeln!(out, "\nlifecycle: {} since {} ({})", m.state.as_str(), t.at, t.who);
    }
    out
}

/// Runs `git release rc status [TRAIN]`.
///
/// # Errors
/// See [`report`]; no train.
pub fn status(global: &GlobalArgs, place: &Place, train: Option<&str>, json: bool) -> Result<()> {
    let (path, m) = super::locate(place, train)?;
    let ui = super::open(global, &m.repos[0].path)?.ui;
    // A read: the issues are read again for the report, the manifest is left as it is.
    let r = report(global, path, m, true)?;
    if json {
        ui.data(&format!("{}\n", crate::error::redact(&serde_json::to_string_pretty(&r)?)))
    } else {
        ui.data(&text(&r))
    }
}
