//! Waivers: named exceptions that turn a check's FAIL into WAIVED (DESIGN.md › Checks and
//! waivers; seed 000 › 3. Pre-flight Waiver Config).
//!
//! Two sources, read in this order: `[[waiver]]` entries of the configuration, then
//! `.release-waivers.json` at the root of the work tree, in the seed's form
//! (`{"waivers": [{"check", "plugin", "reason"}]}`, `plugin` being a package name, a glob, or
//! `*`). Both may carry `expires = "YYYY-MM-DD"`, the last day the waiver waives. Nothing here
//! prints; bad input is an error naming the file and line.

use std::fmt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::config::Config;
use crate::error::Error;

/// The waiver file read from the root of the work tree (seed 000 › 3).
pub const FILE: &str = ".release-waivers.json";

/// One waiver, from either source, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The check it waives: one of the names `git release check` lists.
    pub check: String,
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
    pub fn applies(&self, check: &str, packages: &[&str]) -> bool {
        self.check == check
            && (self.package == "*"
                || (!packages.is_empty() && packages.iter().all(|p| glob_match(&self.package, p))))
    }
}

/// A calendar day (proleptic Gregorian), for waiver expiry. Parsed from `YYYY-MM-DD` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// The year, four digits.
    pub year: u16,
    /// The month, 1–12.
    pub month: u8,
    /// The day of the month, 1–31 (checked against the month and leap years).
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`; `None` for anything else, including days a month does not have.
    ///
    /// ```
    /// use git_release::waivers::Date;
    /// assert!(Date::parse("2024-02-29").is_some());
    /// assert!(Date::parse("2023-02-29").is_none());
    /// assert!(Date::parse("2024-1-31").is_none());
    /// assert!(Date::parse("next week").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = &text[range];
            part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
        };
        let year = digits(0..4)?;
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Today, in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The day `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: u16::try_from(year).unwrap_or(0),
            month: u8::try_from(month).expect("a month is 1..=12"),
            day: u8::try_from(day).expect("a day is 1..=31"),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// Whether `text` matches the glob `pattern`: `*` is any run of characters, `?` one.
///
/// ```
/// use git_release::waivers::glob_match;
/// assert!(glob_match("*", "core"));
/// assert!(glob_match("docs-*", "docs-site"));
/// assert!(glob_match("*@users.noreply.github.com", "1+me@users.noreply.github.com"));
/// assert!(!glob_match("docs", "docs-site"));
/// ```
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
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
/// `.release-waivers.json` in `workdir` (absent means none). `known` is the list of check
/// names a waiver may name.
///
/// # Errors
/// A configuration error (exit 2) naming the file and line: a malformed or unreadable
/// waiver file, an unknown check name (the message lists the known ones), an empty reason,
/// or an `expires` that is not a `YYYY-MM-DD` date.
pub fn load(workdir: Option<&Path>, config: &Config, known: &[&str]) -> Result<Vec<Waiver>> {
    let mut out = Vec::new();
    for w in &config.waivers {
        out.push(validate(
            &w.check,
            w.package.trim(),
            &w.reason,
            w.expires.as_deref(),
            &w.location,
            known,
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
        out.push(validate(&w.check, package, &w.reason, w.expires.as_deref(), &location, known)?);
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
    known: &[&str],
) -> Result<Waiver> {
    let check = check.trim();
    if !known.contains(&check) {
        return Err(Error::config(format!("{location}: waiver names an unknown check `{check}`"))
            .with_hint(format!("known checks: {}", known.join(", ")))
            .into());
    }
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
        Some(text) => Some(Date::parse(text.trim()).ok_or_else(|| {
            Error::config(format!(
                "{location}: waiver for `{check}`: `expires = {text:?}` is not a date"
            ))
            .with_hint("write the last day it waives as `YYYY-MM-DD`, such as `2027-01-31`")
        })?),
        None => None,
    };
    Ok(Waiver {
        check: check.to_owned(),
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
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert!(Date::parse("2027-01-31") > Date::parse("2026-12-31"));
    }

    #[test]
    fn expiry_is_inclusive() {
        let w = Waiver {
            check: "missing_tests".into(),
            package: "docs".into(),
            reason: "docs only".into(),
            expires: Date::parse("2027-01-31"),
            source: "release.toml:3".into(),
        };
        assert!(!w.expired(Date::parse("2027-01-31").expect("a date")));
        assert!(w.expired(Date::parse("2027-02-01").expect("a date")));
    }

    #[test]
    fn repository_wide_results_need_a_waiver_covering_every_package() {
        let w = |package: &str| Waiver {
            check: "dirty_working_tree".into(),
            package: package.into(),
            reason: "r".into(),
            expires: None,
            source: String::new(),
        };
        assert!(w("*").applies("dirty_working_tree", &[]));
        assert!(w("demo").applies("dirty_working_tree", &["demo"]));
        assert!(!w("a").applies("dirty_working_tree", &["a", "b"]));
        assert!(!w("a").applies("dirty_working_tree", &[]));
        assert!(!w("*").applies("missing_tests", &["a"]));
    }

    #[test]
    fn key_lines_skip_values() {
        let text = "{\n \"waivers\": [\n  {\"check\": \"a\", \"reason\": \"\\\"check\\\": no\"},\n  {\"check\" : \"b\"}\n ]\n}";
        assert_eq!(key_lines(text, "check"), vec![3, 4]);
    }
}
