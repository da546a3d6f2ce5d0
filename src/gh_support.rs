//! The supported `gh` range (issue 14, item 1): the oldest gh is 2.23 (Debian stable's), and
//! the features of newer gh are used only once `gh --version` shows them, with a fallback
//! that every supported gh parses.
//!
//! | feature | first gh | used as | fallback |
//! |---|---|---|---|
//! | [`Feature::ChecksFailFast`] | 2.26.0 | `gh pr checks N --watch --fail-fast` | `--watch`, then [`failed_checks`] reads the final table |
//! | [`Feature::RunListEvent`] | 2.28.0 | `gh run list … --event push` | `--json …,event`, filtered in our code |
//! | [`Feature::RunListCommit`] | 2.40.0 | `gh run list --commit SHA` | `--branch B --json …,headSha`, filtered in our code |
//!
//! The first versions come from gh's own history: `--fail-fast` arrived in v2.26.0
//! (cli/cli#7203), `--event` in v2.28.0 (cli/cli#7363), `--commit` in v2.40.0 (cli/cli#8350).
//! A gh whose version line cannot be
//! read gets the fallbacks, which work on every version.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use crate::forge::Forge as _;
use crate::forge::Gh;

/// The oldest supported gh: 2.23.0, the one Debian stable ships.
pub const MIN_GH: GhVersion = GhVersion { major: 2, minor: 23, patch: 0 };

/// A gh version, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GhVersion {
    /// The major version.
    pub major: u32,
    /// The minor version.
    pub minor: u32,
    /// The patch version.
    pub patch: u32,
}

impl fmt::Display for GhVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl GhVersion {
    /// The version `gh --version` prints on its first line, `gh version X.Y.Z (date …)`;
    /// `None` when the text holds no such line.
    ///
    /// ```
    /// use git_release::gh_support::GhVersion;
    /// let v = GhVersion::parse("gh version 2.23.0 (2023-02-27 Debian 2.23.0+dfsg1-1)\nhttps://…");
    /// assert_eq!(v.map(|v| v.to_string()).as_deref(), Some("2.23.0"));
    /// assert_eq!(GhVersion::parse("gh version DEV"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let line = text.lines().find(|l| l.trim_start().starts_with("gh version "))?;
        let word = line.trim_start().strip_prefix("gh version ")?.split_whitespace().next()?;
        let word = word.strip_prefix('v').unwrap_or(word);
        // A pre-release or build suffix (`2.40.0-rc.1`, `2.23.0+dfsg1`) does not change the
        // features: they arrive with the minor version.
        let core = word.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = parts.next().unwrap_or(Some(0))?;
        Some(Self { major, minor, patch })
    }

    /// Whether this gh has `feature`.
    ///
    /// ```
    /// use git_release::gh_support::{Feature, GhVersion, MIN_GH};
    /// assert!(!MIN_GH.has(Feature::ChecksFailFast));
    /// let v = GhVersion { major: 2, minor: 28, patch: 0 };
    /// assert!(v.has(Feature::ChecksFailFast) && v.has(Feature::RunListEvent));
    /// ```
    pub fn has(self, feature: Feature) -> bool {
        self >= feature.since()
    }
}

/// A gh feature newer than [`MIN_GH`] that git-release uses when gh has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// `gh pr checks --watch --fail-fast` (gh 2.26.0).
    ChecksFailFast,
    /// `gh run list --event` (gh 2.28.0).
    RunListEvent,
    /// `gh run list --commit` (gh 2.40.0).
    RunListCommit,
}

impl Feature {
    /// The first gh version that has it.
    pub fn since(self) -> GhVersion {
        match self {
            Self::ChecksFailFast => GhVersion { major: 2, minor: 26, patch: 0 },
            Self::RunListEvent => GhVersion { major: 2, minor: 28, patch: 0 },
            Self::RunListCommit => GhVersion { major: 2, minor: 40, patch: 0 },
        }
    }
}

/// How long `gh --version` may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `program --version` in `dir`, with the environment every gh call gets.
///
/// # Errors
/// gh cannot be started, fails, runs past 30 s, or prints no version line: the message says
/// which.
pub fn detect(program: &Path, dir: &Path) -> Result<GhVersion, String> {
    let gh = Gh::new(program.to_owned(), crate::forge::RetryPolicy { attempts: 1, base_ms: 0 });
    let out =
        gh.once_within(dir, &crate::forge::Request::Version, VERSION_TIMEOUT).map_err(|f| {
            crate::error::with_detail(
                &format!("`{} --version` failed", program.display()),
                f.message.lines().next().unwrap_or(""),
            )
        })?;
    GhVersion::parse(&out).ok_or_else(|| {
        let first = out.lines().next().unwrap_or("").trim();
        format!("`{} --version` printed no version: `{first}`", program.display())
    })
}

impl Gh {
    /// This gh's version (`gh --version`, run in `dir`); `None` when it cannot be read, so
    /// the caller takes the fallbacks.
    pub fn version(&self, dir: &Path) -> Option<GhVersion> {
        detect(self.program(), dir).ok()
    }

    /// Whether this gh has `feature`; false when its version cannot be read.
    pub fn has(&self, dir: &Path, feature: Feature) -> bool {
        self.version(dir).is_some_and(|v| v.has(feature))
    }
}

/// The checks that failed, from what `gh pr checks --watch` printed to a pipe: rows of
/// `name<TAB>bucket<TAB>elapsed<TAB>link`, one table per refresh with no separator, so the
/// last row of each check (by name and link) is its final state. Each failed check is given
/// as `name (link)`, or its name when it has no link; in the order of the last table.
///
/// ```
/// use git_release::gh_support::failed_checks;
/// let out = "build\tpending\t0\thttps://ci/1\nlint\tpass\t3s\thttps://ci/2\n\
///            build\tfail\t1m2s\thttps://ci/1\nlint\tpass\t3s\thttps://ci/2\n";
/// assert_eq!(failed_checks(out), ["build (https://ci/1)"]);
/// ```
pub fn failed_checks(stdout: &str) -> Vec<String> {
    let mut last: Vec<((&str, &str), &str)> = Vec::new();
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, bucket, _elapsed, link] = fields[..] else { continue };
        let key = (name, link);
        last.retain(|(k, _)| *k != key);
        last.push((key, bucket));
    }
    last.into_iter()
        .filter(|(_, bucket)| *bucket == "fail")
        .map(
            |((name, link), _)| {
                if link.is_empty() { name.to_owned() } else { format!("{name} ({link})") }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        let v = |s| GhVersion::parse(s);
        assert_eq!(
            v("gh version 2.63.0 (2024-11-27)"),
            Some(GhVersion { major: 2, minor: 63, patch: 0 })
        );
        assert_eq!(
            v("gh version 2.40.0-rc.1 (2023-12-01)"),
            Some(GhVersion { major: 2, minor: 40, patch: 0 })
        );
        assert_eq!(v("gh version 2.4 (x)"), Some(GhVersion { major: 2, minor: 4, patch: 0 }));
        assert_eq!(v("hub version 2.14.2"), None);
        assert_eq!(v(""), None);
        assert!(GhVersion { major: 2, minor: 4, patch: 0 } < MIN_GH);
        assert!(GhVersion { major: 2, minor: 100, patch: 0 } > Feature::RunListEvent.since());
        let at = |minor| GhVersion { major: 2, minor, patch: 0 };
        assert!(!at(25).has(Feature::ChecksFailFast) && at(26).has(Feature::ChecksFailFast));
        assert!(!at(27).has(Feature::RunListEvent) && at(28).has(Feature::RunListEvent));
    }

    #[test]
    fn failed_checks_read_the_final_table() {
        assert!(failed_checks("").is_empty());
        assert!(failed_checks("no checks reported on the 'x' branch\n").is_empty());
        let out = "a\tfail\t1s\t\nb\tpending\t0\tu\na\tpass\t2s\t\nb\tfail\t3s\tu\n";
        assert_eq!(failed_checks(out), ["b (u)"]);
    }
}
