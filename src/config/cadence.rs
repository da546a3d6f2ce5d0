//! `[cadence]` of `release.toml` (issue 17 item 7; seed 004 › Release Cadence): what a
//! release of each bump level needs before it may go out, and the windows it may go out in.
//!
//! ```toml
//! [cadence]
//! patch = ["checks"]                     # the default
//! minor = ["checks", "ci"]               # the default
//! major = ["checks", "ci", "approval"]   # the default
//! major_months = [3, 6, 9, 12]           # quarterly majors (seed 004: Q1=Mar … Q4=Dec)
//! minor_weekdays = ["thu", "fri"]        # seed 004's "Thu: RC cut, Fri: release"
//! ci_workflows = ["CI"]                  # only these workflows' runs count (default: all)
//! ```
//!
//! The requirements are seed 004's "Gate Required" column: `checks` (the preflight checks,
//! which every release needs, so the word may be left out), `ci` (green workflow runs on the
//! release commit) and `approval` (a named person approves: `--approve-major` with
//! `--gate-attestation`, or the git identity at a terminal prompt). Windows are in UTC.

use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;

/// One thing a release of a bump level needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// The preflight checks pass (always required; listed for readability).
    Checks,
    /// The latest workflow run of each workflow on the release commit succeeded.
    Ci,
    /// A named person approves the release (not `--yes` alone).
    Approval,
}

impl Requirement {
    /// The name written in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Checks => "checks",
            Self::Ci => "ci",
            Self::Approval => "approval",
        }
    }
}

/// A day of the week, written `mon` … `sun` (or in full, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// The seven days, Monday first.
    pub const ALL: [Weekday; 7] =
        [Self::Mon, Self::Tue, Self::Wed, Self::Thu, Self::Fri, Self::Sat, Self::Sun];

    /// The three-letter name, `mon` … `sun`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mon => "mon",
            Self::Tue => "tue",
            Self::Wed => "wed",
            Self::Thu => "thu",
            Self::Fri => "fri",
            Self::Sat => "sat",
            Self::Sun => "sun",
        }
    }

    /// Reads `mon` or `monday` (any case); `None` for anything else.
    ///
    /// ```
    /// use git_release::config::cadence::Weekday;
    /// assert_eq!(Weekday::parse("Thu"), Some(Weekday::Thu));
    /// assert_eq!(Weekday::parse("friday"), Some(Weekday::Fri));
    /// assert_eq!(Weekday::parse("fr"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|d| {
            let short = d.as_str();
            text == short || (text.len() > 3 && text.starts_with(short) && text.ends_with("day"))
        })
    }

    /// The day from its number counted from Monday (1) to Sunday (7), as jiff numbers them.
    pub fn from_monday_one(n: i8) -> Option<Self> {
        usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| Self::ALL.get(i))
            .copied()
    }
}

/// What one bump level needs, and when it may be released.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct LevelRule {
    /// Its requirements, sorted, without repeats; `checks` is always among them.
    pub requires: Vec<Requirement>,
    /// The months (1–12) it may be released in; empty = every month.
    pub months: Vec<u8>,
    /// The days of the week it may be released on; empty = every day.
    pub weekdays: Vec<Weekday>,
}

impl LevelRule {
    fn of(requires: &[Requirement]) -> Self {
        Self { requires: requires.to_vec(), months: Vec::new(), weekdays: Vec::new() }
    }

    /// Whether it needs `requirement`.
    pub fn needs(&self, requirement: Requirement) -> bool {
        self.requires.contains(&requirement)
    }

    /// Whether it has a window (months or weekdays).
    pub fn has_window(&self) -> bool {
        !self.months.is_empty() || !self.weekdays.is_empty()
    }
}

/// `[cadence]`, resolved: the rule of each bump level.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cadence {
    /// A patch release (also a prerelease).
    pub patch: LevelRule,
    /// A minor release (also a first release).
    pub minor: LevelRule,
    /// A major release.
    pub major: LevelRule,
    /// The workflows whose runs count for `ci` (by name); empty = every workflow.
    pub ci_workflows: Vec<String>,
    /// Where `[cadence]` is written (`file:line`), when it is.
    #[serde(skip)]
    pub location: Option<String>,
}

impl Default for Cadence {
    /// Seed 004's matrix: patch needs the checks, minor checks and CI, major all of that and
    /// a named person's approval; no windows.
    fn default() -> Self {
        use Requirement::{Approval, Checks, Ci};
        Self {
            patch: LevelRule::of(&[Checks]),
            minor: LevelRule::of(&[Checks, Ci]),
            major: LevelRule::of(&[Checks, Ci, Approval]),
            ci_workflows: Vec::new(),
            location: None,
        }
    }
}

/// `[cadence]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadenceFile {
    patch: Option<Spanned<Vec<Requirement>>>,
    minor: Option<Spanned<Vec<Requirement>>>,
    major: Option<Spanned<Vec<Requirement>>>,
    patch_months: Option<Spanned<Vec<i64>>>,
    minor_months: Option<Spanned<Vec<i64>>>,
    major_months: Option<Spanned<Vec<i64>>>,
    patch_weekdays: Option<Spanned<Vec<String>>>,
    minor_weekdays: Option<Spanned<Vec<String>>>,
    major_weekdays: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    ci_workflows: Vec<Spanned<String>>,
}

/// Resolves `[cadence]` (absent: [`Cadence::default`]); `at` turns a span into `file:line`.
///
/// # Errors
/// A configuration error (exit 2) naming the place and the key: a month outside 1–12, a day
/// that is not a weekday, an empty window list (it would refuse every release), an empty
/// workflow name.
pub fn validate(
    file: Option<Spanned<CadenceFile>>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> anyhow::Result<Cadence> {
    let mut cadence = Cadence::default();
    let Some(file) = file else { return Ok(cadence) };
    cadence.location = Some(at(file.span()));
    let file = file.into_inner();
    let levels = [
        ("patch", &mut cadence.patch, file.patch, file.patch_months, file.patch_weekdays),
        ("minor", &mut cadence.minor, file.minor, file.minor_months, file.minor_weekdays),
        ("major", &mut cadence.major, file.major, file.major_months, file.major_weekdays),
    ];
    for (level, rule, requires, months, weekdays) in levels {
        if let Some(requires) = requires {
            let mut list = requires.into_inner();
            list.push(Requirement::Checks);
            list.sort();
            list.dedup();
            rule.requires = list;
        }
        if let Some(months) = months {
            let place = at(months.span());
            let months = months.into_inner();
            if months.is_empty() {
                return Err(empty(&place, &format!("{level}_months")));
            }
            for m in months {
                let Some(m) = u8::try_from(m).ok().filter(|m| (1..=12).contains(m)) else {
                    return Err(Error::config(format!(
                        "{place}: `cadence.{level}_months`: `{m}` is not a month (1–12)"
                    ))
                    .into());
                };
                if !rule.months.contains(&m) {
                    rule.months.push(m);
                }
            }
            rule.months.sort_unstable();
        }
        if let Some(days) = weekdays {
            let place = at(days.span());
            let days = days.into_inner();
            if days.is_empty() {
                return Err(empty(&place, &format!("{level}_weekdays")));
            }
            for d in days {
                let Some(day) = Weekday::parse(&d) else {
                    return Err(Error::config(format!(
                        "{place}: `cadence.{level}_weekdays`: `{d}` is not a day of the week"
                    ))
                    .with_hint("write `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`")
                    .into());
                };
                if !rule.weekdays.contains(&day) {
                    rule.weekdays.push(day);
                }
            }
            rule.weekdays.sort_unstable();
        }
    }
    for name in file.ci_workflows {
        let place = at(name.span());
        let name = name.into_inner().trim().to_owned();
        if name.is_empty() || name.contains(['\n', '\r', '\0']) {
            return Err(Error::config(format!(
                "{place}: `cadence.ci_workflows`: `{name}` is not a workflow name"
            ))
            .into());
        }
        cadence.ci_workflows.push(name);
    }
    Ok(cadence)
}

fn empty(place: &str, key: &str) -> anyhow::Error {
    Error::config(format!("{place}: `cadence.{key}` is empty, which would refuse every release"))
        .with_hint("leave the key out for no window")
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Cadence> {
        #[derive(Deserialize)]
        struct Doc {
            cadence: Option<Spanned<CadenceFile>>,
        }
        let doc: Doc = toml::from_str(text)?;
        validate(doc.cadence, &|span| format!("release.toml:{}", span.start))
    }

    #[test]
    fn the_default_is_seed_004s_matrix() {
        let c = parse("").expect("no section is fine");
        assert_eq!(c, Cadence::default());
        assert!(!c.patch.needs(Requirement::Ci));
        assert!(c.minor.needs(Requirement::Ci) && !c.minor.needs(Requirement::Approval));
        assert!(c.major.needs(Requirement::Approval));
    }

    #[test]
    fn windows_and_requirements_are_read() {
        let c = parse(
            "[cadence]\nmajor = [\"ci\"]\nmajor_months = [12, 3, 3]\nminor_weekdays = [\"Fri\", \"thursday\"]\n",
        )
        .expect("valid");
        assert_eq!(c.major.requires, [Requirement::Checks, Requirement::Ci]);
        assert_eq!(c.major.months, [3, 12]);
        assert_eq!(c.minor.weekdays, [Weekday::Thu, Weekday::Fri]);
        assert!(c.location.is_some());
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = parse("[cadence]\nmajor_months = [13]\n").expect_err("13 is no month");
        assert!(e.to_string().contains("`cadence.major_months`: `13`"), "{e}");
        let e = parse("[cadence]\nminor_weekdays = [\"someday\"]\n").expect_err("no day");
        assert!(e.to_string().contains("`someday` is not a day of the week"), "{e}");
        let e = parse("[cadence]\nmajor_weekdays = []\n").expect_err("empty");
        assert!(e.to_string().contains("refuse every release"), "{e}");
        assert!(parse("[cadence]\nmajor = [\"vote\"]\n").is_err());
        assert!(parse("[cadence]\nmonths = [1]\n").is_err(), "unknown keys are errors");
    }
}
