//! Waivers: named exceptions that turn a check's FAIL into WAIVED (DESIGN.md › Checks and
//! waivers; seed 000 › 3. Pre-flight Waiver Config).
//!
//! Two sources, read in this order: `[[waiver]]` entries of the configuration, then
//! `.release-waivers.json` at the root of the work tree, in the seed's form
//! (`{"waivers": [{"check", "plugin", "reason"}]}`, `plugin` being a package name, a glob, or
//! `*`). Both may carry `expires = "YYYY-MM-DD"`, the last day the waiver waives. Nothing here
//! prints; bad input is an error naming the file and line.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::check_id::CheckId;
use crate::config::Config;
use crate::error::Error;
pub use crate::glob::glob_match;
pub use crate::time::Date;

/// The waiver file read from the root of the work tree (seed 000 › 3).
pub const FILE: &str = ".release-waivers.json";

/// One waiver, from either source, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The check it waives.
    pub check: CheckId,
    /// The package it applies to: a name or a glob (`*`, `?`); `*` is every package and
    /// whole-repository releases.
    pub package: String,
    /// Why; never empty.
    pub reason: String,
    /// The last day it waives (inclusive), if it expires.
    pub expires: Option<Date>,
    /// Where it is written, as `file:line`.
    pub source: String,
}

impl Waiver {
    /// Whether the waiver no longer waives on `today` (the day after `expires` and later).
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|last| today > last)
    }

    /// Whether the waiver applies to a result of `check` about `packages`: one package for
    /// a per-package check; every checked package for a whole-repository check, which only a
    /// waiver matching all of them (such as `*`) applies to, as in seed 000 where `"*"`
    /// covers full-repo releases.
    pub fn applies(&self, check: CheckId, packages: &[&str]) -> bool {
        self.check == check
            && (self.package == "*"
                || (!packages.is_empty() && packages.iter().all(|p| glob_match(&self.package, p))))
    }
}

/// `.release-waivers.json` as seed 000 writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonFile {
    waivers: Vec<JsonWaiver>,
}

/// One entry of `.release-waivers.json`; `package` is accepted for `plugin`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonWaiver {
    check: String,
    #[serde(alias = "package")]
    plugin: Option<String>,
    reason: String,
    expires: Option<String>,
}

/// Loads and validates every waiver: the configuration's `[[waiver]]` entries, then
/// `.release-waivers.json` in `workdir` (absent means none). A waiver may name any check of
/// [`CheckId::ALL`].
///
/// # Errors
/// A configuration error (exit 2) naming the file and line: a malformed or unreadable
/// waiver file, an unknown check name (the message lists the known ones), an empty reason,
/// or an `expires` that is not a `YYYY-MM-DD` date.
pub fn load(workdir: Option<&Path>, config: &Config) -> Result<Vec<Waiver>> {
    let mut out = Vec::new();
    for w in &config.waivers {
        out.push(validate(
            &w.check,
            w.package.trim(),
            &w.reason,
            w.expires.as_deref(),
            &w.location,
        )?);
    }
    let Some(workdir) = workdir else { return Ok(out) };
    let path = workdir.join(FILE);
    let text = match crate::fsutil::read_inside(workdir, FILE)
        .with_context(|| format!("failed to read waiver file `{}`", path.display()))?
    {
        Some(bytes) => String::from_utf8(bytes).map_err(|_| {
            Error::config(format!("waiver file `{}` is not valid UTF-8", path.display()))
        })?,
        None => return Ok(out),
    };
    let file: JsonFile = serde_json::from_str(&text).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        let line_text = text.lines().nth(e.line().saturating_sub(1)).unwrap_or_default();
        Error::config(format!(
            "{}:{}:{}: {message}\n  {} | {}",
            path.display(),
            e.line(),
            e.column(),
            e.line(),
            line_text.trim_end()
        ))
        .with_hint(format!(
            r#"`{FILE}` holds {{"waivers": [{{"check": "…", "plugin": "…", "reason": "…"}}]}}"#
        ))
    })?;
    // serde_json keeps no positions: the n-th `"check":` key is the n-th waiver's, since a
    // key cannot occur inside a string (its quotes would be escaped) and nothing else in the
    // file (unknown keys are refused) has a `check` key.
    let lines = key_lines(&text, "check");
    for (i, w) in file.waivers.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        let location = format!("{}:{line}", path.display());
        let package = w.plugin.as_deref().map_or("*", str::trim);
        out.push(validate(&w.check, package, &w.reason, w.expires.as_deref(), &location)?);
    }
    Ok(out)
}

/// Checks one waiver's values and builds it.
fn validate(
    check: &str,
    package: &str,
    reason: &str,
    expires: Option<&str>,
    location: &str,
) -> Result<Waiver> {
    let check = check.trim();
    let Ok(id) = check.parse::<CheckId>() else {
        let known: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        return Err(Error::config(format!("{location}: waiver names an unknown check `{check}`"))
            .with_hint(format!("known checks: {}", known.join(", ")))
            .into());
    };
    if reason.trim().is_empty() {
        return Err(Error::config(format!("{location}: waiver for `{check}` has an empty reason"))
            .with_hint("say why the check does not apply: the reason is shown wherever it waives")
            .into());
    }
    if package.is_empty() {
        return Err(Error::config(format!(
            "{location}: waiver for `{check}` names an empty package"
        ))
        .with_hint("name a package, a glob, or `*` for every package")
        .into());
    }
    let expires = match expires {
        Some(text) => Some(crate::time::parse_date(text.trim()).ok_or_else(|| {
            Error::config(format!(
                "{location}: waiver for `{check}`: `expires = {text:?}` is not a date"
            ))
            .with_hint("write the last day it waives as `YYYY-MM-DD`, such as `2027-01-31`")
        })?),
        None => None,
    };
    Ok(Waiver {
        check: id,
        package: package.to_owned(),
        reason: reason.trim().to_owned(),
        expires,
        source: location.to_owned(),
    })
}

/// The 1-based lines on which the JSON key `"key"` (followed by `:`) occurs, in order.
fn key_lines(text: &str, key: &str) -> Vec<usize> {
    let needle = format!("\"{key}\"");
    let mut lines = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find(&needle) {
        let at = from + pos;
        from = at + needle.len();
        if text[from..].trim_start().starts_with(':') {
            lines.push(text[..at].matches('\n').count() + 1);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_map_to_dates() {
        assert_eq!(crate::time::date_of(0, 0).to_string(), "1970-01-01");
        assert_eq!(crate::time::date_of(19_782 * 86_400, 0).to_string(), "2024-02-29");
        assert_eq!(crate::time::date_of(11_016 * 86_400, 0).to_string(), "2000-02-29");
        assert!(crate::time::parse_date("2027-01-31") > crate::time::parse_date("2026-12-31"));
    }

    #[test]
    fn expiry_is_inclusive() {
        let w = Waiver {
            check: CheckId::MissingTests,
            package: "docs".into(),
            reason: "docs only".into(),
            expires: crate::time::parse_date("2027-01-31"),
            source: "release.toml:3".into(),
        };
        assert!(!w.expired(crate::time::parse_date("2027-01-31").expect("a date")));
        assert!(w.expired(crate::time::parse_date("2027-02-01").expect("a date")));
    }

    #[test]
    fn repository_wide_results_need_a_waiver_covering_every_package() {
        let w = |package: &str| Waiver {
            check: CheckId::DirtyWorkingTree,
            package: package.into(),
            reason: "r".into(),
            expires: None,
            source: String::new(),
        };
        assert!(w("*").applies(CheckId::DirtyWorkingTree, &[]));
        assert!(w("demo").applies(CheckId::DirtyWorkingTree, &["demo"]));
        assert!(!w("a").applies(CheckId::DirtyWorkingTree, &["a", "b"]));
        assert!(!w("a").applies(CheckId::DirtyWorkingTree, &[]));
        assert!(!w("*").applies(CheckId::MissingTests, &["a"]));
    }

    #[test]
    fn key_lines_skip_values() {
        let text = "{\n \"waivers\": [\n  {\"check\": \"a\", \"reason\": \"\\\"check\\\": no\"},\n  {\"check\" : \"b\"}\n ]\n}";
        assert_eq!(key_lines(text, "check"), vec![3, 4]);
    }
}
