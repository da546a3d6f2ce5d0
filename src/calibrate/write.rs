//! `calibrate --write`: the learned settings into the configuration file, with `toml_edit` so
//! comments, order and formatting stay as they were (issue 16 item 5).
//!
//! Only the keys that changed are written. A comment line above `[bump]` records the
//! agreement and the date; a later calibration replaces its own line, not the user's comments.

use std::path::Path;

use anyhow::{Context, Result};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::error::Error;

use super::{Report, percent};

/// The start of the comment line calibrate writes (and replaces on the next run).
const MARK: &str = "# git release calibrate";

/// Writes the learned settings of `report` into the TOML file at `path` (created when
/// missing), dated `date` (`YYYY-MM-DD`). Returns whether the file changed.
///
/// # Errors
/// The file is a symbolic link, cannot be read, is not valid TOML, or cannot be written
/// (atomically: nothing is half-written).
pub fn write(path: &Path, report: &Report, date: &str) -> Result<bool> {
    let Some(text) = render(path, report, date)? else { return Ok(false) };
    crate::fsutil::write_atomically(path, text.as_bytes())?;
    Ok(true)
}

/// The file at `path` as [`write()`] would write it, or `None` when nothing changes.
///
/// # Errors
/// As [`write()`], less the write itself.
pub fn render(path: &Path, report: &Report, date: &str) -> Result<Option<String>> {
    if report.changes.is_empty() {
        return Ok(None);
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::failed(format!(
            "`{}` is a symbolic link; git-release does not write through links",
            path.display()
        ))
        .with_hint("give the link's target with `--config`")
        .into());
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", path.display())),
    };
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::config(format!("`{}` is not valid TOML: {}", path.display(), e.message()))
    })?;
    apply(&mut doc, report, date);
    Ok(Some(doc.to_string()))
}

/// Sets the changed keys and the comment line in `doc`.
fn apply(doc: &mut DocumentMut, report: &Report, date: &str) {
    let (old, new) = (&report.current, &report.learned);
    if old.first_parent != new.first_parent {
        let release = table(doc, "release");
        release["first_parent"] = value(new.first_parent);
    }
    let bump = table(doc, "bump");
    let (ob, nb) = (&old.bump, &new.bump);
    for (key, before, after) in [
        ("feat_before_1_0", ob.feat_before_1_0, nb.feat_before_1_0),
        ("breaking_before_1_0", ob.breaking_before_1_0, nb.breaking_before_1_0),
        ("other", ob.other, nb.other),
    ] {
        if before != after {
            bump[key] = value(after.as_str());
        }
    }
    for (kind, level) in &nb.types {
        if ob.types.get(kind) != Some(level) {
            bump[kind.as_str()] = value(level.as_str());
        }
    }
    if ob.lenient_footers != nb.lenient_footers {
        bump["lenient_footers"] = value(nb.lenient_footers);
    }
    if ob.rules != nb.rules {
        let mut rules = ArrayOfTables::new();
        for rule in &nb.rules {
            let mut t = Table::new();
            t["type"] = value(rule.kind.as_str());
            t["scope"] = value(rule.scope.as_str());
            t["bump"] = value(rule.bump.as_str());
            rules.push(t);
        }
        bump["rule"] = Item::ArrayOfTables(rules);
    }
    let figure = match &report.cross_validation {
        Some(cv) => format!(
            "cross-validated agreement {:.1}% (current settings {:.1}%)",
            percent(cv.learned, cv.tested),
            percent(cv.current, cv.tested)
        ),
        None => "too few releases to cross-validate".to_owned(),
    };
    let line = format!(
        "{MARK}, {date}: {figure}; in sample {:.1}% of {} releases\n",
        percent(report.learned_agree, report.pairs),
        report.pairs
    );
    let prefix = bump.decor().prefix().and_then(|p| p.as_str()).unwrap_or("").to_owned();
    let kept: String = prefix.split_inclusive('\n').filter(|l| !l.starts_with(MARK)).collect();
    let spacer = if kept.is_empty() && !doc_is_first(doc) { "\n" } else { "" };
    table(doc, "bump").decor_mut().set_prefix(format!("{spacer}{kept}{line}"));
}

/// Whether `[bump]` is the first table of the document (no blank line wanted above it).
fn doc_is_first(doc: &DocumentMut) -> bool {
    doc.as_table().iter().next().is_some_and(|(k, _)| k == "bump")
}

/// The table `name` of `doc`, made a visible `[name]` table when missing or inline.
fn table<'d>(doc: &'d mut DocumentMut, name: &str) -> &'d mut Table {
    let root = doc.as_table_mut();
    let is_table = root.get(name).is_some_and(Item::is_table);
    if !is_table {
        let converted = root
            .get(name)
            .and_then(Item::as_inline_table)
            .map(|t| t.clone().into_table())
            .unwrap_or_default();
        root.insert(name, Item::Table(converted));
    }
    let t = root[name].as_table_mut().expect("made a table above");
    t.set_implicit(false);
    t
}
