//! The calibrate report as text (a table) and as JSON (schema version 1).

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::ui::{plain_table, terminal_safe};

use super::{Report, Settings, percent};

/// Most disagreeing releases the table lists (JSON lists them all).
const SHOWN_DISAGREEMENTS: usize = 30;

/// The report as text: agreement before and after, in sample and cross-validated; the
/// changes with their evidence; each package; the releases that still disagree.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "calibrated on {} release pairs of {} package(s); {} commits read in {} ms{}",
        report.pairs,
        report.packages.len(),
        report.commits_read,
        report.elapsed_ms,
        if report.changesets { "; change files read" } else { "" }
    );
    let _ = writeln!(out);
    let fig = |part: usize, whole: usize| format!("{:.1}% ({part}/{whole})", percent(part, whole));
    let mut rows = vec![[
        "in sample".to_owned(),
        fig(report.current_agree, report.pairs),
        fig(report.learned_agree, report.pairs),
    ]];
    match &report.cross_validation {
        Some(cv) => rows.push([
            "cross-validated".to_owned(),
            fig(cv.current, cv.tested),
            fig(cv.learned, cv.tested),
        ]),
        None => rows.push([
            "cross-validated".to_owned(),
            "-".to_owned(),
            format!("- (fewer than {} pairs)", super::learn::MIN_CV_PAIRS),
        ]),
    }
    out.push_str(&plain_table(["agreement with what shipped", "current", "learned"], rows));
    if report.cross_validation.is_some() {
        let _ = writeln!(
            out,
            "(cross-validated: each fifth of the releases, oldest first, predicted by rules learned on the releases before it)"
        );
    }
    let _ = writeln!(out);
    if report.changes.is_empty() {
        let _ = writeln!(
            out,
            "no change: the history gives no clear evidence against the current settings"
        );
    } else {
        let _ = writeln!(
            out,
            "changes (each alters at least {} ranges and gains at least {} net):",
            super::learn::MIN_RANGES,
            super::learn::MIN_GAIN
        );
        let rows = report.changes.iter().map(|c| {
            [
                c.key.clone(),
                format!("{} → {}", c.from, c.to),
                format!("+{} of {} ranges", c.gain, c.ranges),
            ]
        });
        out.push_str(&plain_table(["key", "value", "evidence"], rows));
    }
    let _ = writeln!(out);
    let rows = report.packages.iter().map(|p| {
        [
            p.name.clone(),
            p.pairs.to_string(),
            format!("{:.1}%", percent(p.current, p.pairs)),
            format!("{:.1}%", percent(p.learned, p.pairs)),
        ]
    });
    out.push_str(&plain_table(["package", "pairs", "current", "learned"], rows));
    let s = &report.skipped;
    let _ = writeln!(
        out,
        "\nnot scored: {} pairs with a prerelease, {} unreachable (maintenance lines), {} with no commit of the package, {} mostly not conventional{}",
        s.prerelease,
        s.unreachable,
        s.empty,
        s.not_conventional,
        if s.before_since > 0 {
            format!(", {} before --since", s.before_since)
        } else {
            String::new()
        }
    );
    if !report.disagreements.is_empty() {
        let _ = writeln!(
            out,
            "\nreleases the learned rules still do not predict ({}):",
            report.disagreements.len()
        );
        let rows = report.disagreements.iter().take(SHOWN_DISAGREEMENTS).map(|d| {
            [
                terminal_safe(&format!("{} → {}", d.from_tag, d.to_tag)).into_owned(),
                d.shipped.clone(),
                d.predicted.clone(),
                d.reason.clone(),
            ]
        });
        out.push_str(&plain_table(["release", "shipped", "predicted", "likely reason"], rows));
        if report.disagreements.len() > SHOWN_DISAGREEMENTS {
            let _ = writeln!(
                out,
                "… and {} more (`--format json` lists them all)",
                report.disagreements.len() - SHOWN_DISAGREEMENTS
            );
        }
    }
    out
}

/// The settings as JSON: the `[bump]` keys and `first_parent`.
pub fn settings_json(settings: &Settings) -> Value {
    let b = &settings.bump;
    json!({
        "feat_before_1_0": b.feat_before_1_0.as_str(),
        "breaking_before_1_0": b.breaking_before_1_0.as_str(),
        "other": b.other.as_str(),
        "types": b.types.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<serde_json::Map<_, _>>(),
        "rules": b.rules.iter().map(|r| json!({"type": r.kind, "scope": r.scope, "bump": r.bump.as_str()})).collect::<Vec<_>>(),
        "lenient_footers": b.lenient_footers,
        "changesets": b.changesets,
        "first_parent": settings.first_parent,
    })
}

/// The report as JSON.
pub fn json(report: &Report) -> String {
    let doc = json!({
        "schema_version": 1,
        "pairs": report.pairs,
        "in_sample": {
            "current": report.current_agree,
            "learned": report.learned_agree,
            "current_percent": percent(report.current_agree, report.pairs),
            "learned_percent": percent(report.learned_agree, report.pairs),
        },
        "cross_validated": report.cross_validation.map(|cv| json!({
            "tested": cv.tested,
            "current": cv.current,
            "learned": cv.learned,
            "current_percent": percent(cv.current, cv.tested),
            "learned_percent": percent(cv.learned, cv.tested),
        })),
        "current": settings_json(&report.current),
        "learned": settings_json(&report.learned),
        "changes": report.changes,
        "packages": report.packages,
        "skipped": report.skipped,
        "disagreements": report.disagreements,
        "scored": report.scored,
        "changesets": report.changesets,
        "commits_read": report.commits_read,
        "elapsed_ms": report.elapsed_ms,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("the report serialises");
    text.push('\n');
    text
}
