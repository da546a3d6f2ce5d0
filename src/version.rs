//! Semantic versions, bump levels, prereleases and tag formats.
//!
//! Everything here is pure: no git, no files. The rules come from DESIGN.md › Version
//! inference and from <https://semver.org>.

use std::fmt;

use anyhow::{Result, bail};
use semver::{Prerelease, Version};
use serde::{Deserialize, Serialize};

/// How far a version moves, ordered from no change to a major release.
///
/// The order is the one bump inference relies on: the package bump is the maximum of its
/// commits' bumps (DESIGN.md › Version inference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No release.
    None,
    /// `X.Y.Z` → `X.Y.Z+1`.
    Patch,
    /// `X.Y.Z` → `X.Y+1.0`.
    Minor,
    /// `X.Y.Z` → `X+1.0.0`.
    Major,
}

impl Level {
    /// The lowercase name used in config, flags and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }

    /// The level a `--bump` flag names (`major`, `minor`, anything else `patch`; clap has
    /// already refused other values).
    pub fn from_flag(name: &str) -> Self {
        match name {
            "major" => Level::Major,
            "minor" => Level::Minor,
            _ => Level::Patch,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Applies `level` to the release `base`, dropping any prerelease and build metadata.
///
/// ```
/// use git_release::version::{bump, Level};
/// let v = semver::Version::new(1, 4, 2);
/// assert_eq!(bump(&v, Level::Major).to_string(), "2.0.0");
/// assert_eq!(bump(&v, Level::Minor).to_string(), "1.5.0");
/// assert_eq!(bump(&v, Level::Patch).to_string(), "1.4.3");
/// assert_eq!(bump(&v, Level::None).to_string(), "1.4.2");
/// ```
pub fn bump(base: &Version, level: Level) -> Version {
    let mut next = Version::new(base.major, base.minor, base.patch);
    match level {
        Level::None => {}
        Level::Patch => next.patch += 1,
        Level::Minor => {
            next.minor += 1;
            next.patch = 0;
        }
        Level::Major => {
            next.major += 1;
            next.minor = 0;
            next.patch = 0;
        }
    }
    next
}

/// The prerelease channels `--pre` accepts, in semver order (alpha < beta < rc).
pub const PRERELEASE_CHANNELS: [&str; 3] = ["alpha", "beta", "rc"];

/// Splits a prerelease such as `rc.3` into its channel and number.
///
/// Returns `None` for prereleases that are not of the form `<channel>.<n>`.
///
/// ```
/// use git_release::version::split_prerelease;
/// let v = semver::Version::parse("1.2.0-rc.3").unwrap();
/// assert_eq!(split_prerelease(&v.pre), Some(("rc", 3)));
/// ```
pub fn split_prerelease(pre: &Prerelease) -> Option<(&str, u64)> {
    let (channel, number) = pre.as_str().rsplit_once('.')?;
    Some((channel, number.parse().ok()?))
}

/// The next prerelease of `target` on `channel`, given every version already tagged.
///
/// The number is one more than the highest existing `target-<channel>.N`, or 1. Tags on
/// other branches count too, so a new tag never collides with one that exists.
///
/// ```
/// use git_release::version::next_prerelease;
/// use semver::Version;
/// let target = Version::new(1, 2, 0);
/// let tagged = [Version::parse("1.2.0-rc.1").unwrap(), Version::parse("1.2.0-beta.4").unwrap()];
/// assert_eq!(next_prerelease(&target, "rc", tagged.iter()).to_string(), "1.2.0-rc.2");
/// assert_eq!(next_prerelease(&target, "alpha", tagged.iter()).to_string(), "1.2.0-alpha.1");
/// ```
pub fn next_prerelease<'a>(
    target: &Version,
    channel: &str,
    tagged: impl IntoIterator<Item = &'a Version>,
) -> Version {
    let highest = tagged
        .into_iter()
        .filter(|v| v.major == target.major && v.minor == target.minor && v.patch == target.patch)
        .filter_map(|v| split_prerelease(&v.pre))
        .filter(|(c, _)| *c == channel)
        .map(|(_, n)| n)
        .max()
        .unwrap_or(0);
    let mut next = Version::new(target.major, target.minor, target.patch);
    next.pre = Prerelease::new(&format!("{channel}.{}", highest + 1))
        .expect("a channel of letters and a number form a valid prerelease");
    next
}

/// A tag name pattern such as `v{version}` or `core/v{version}`, with `{name}` expanded.
///
/// The pattern has exactly one `{version}`; the text around it is matched literally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFormat {
    prefix: String,
    suffix: String,
}

impl TagFormat {
    /// Parses `pattern`, expanding `{name}` to `package`.
    ///
    /// Fails when `{version}` is missing or repeated, when another `{…}` placeholder is used,
    /// or when the literal text could never be part of a tag name (per
    /// `git check-ref-format`: whitespace, control characters, `~^:?*[\`, `..`, `@{`).
    ///
    /// # Errors
    /// The pattern is refused for one of those reasons; the message quotes it.
    pub fn parse(pattern: &str, package: &str) -> Result<Self> {
        let expanded = pattern.replace("{name}", package);
        let Some((prefix, suffix)) = expanded.split_once("{version}") else {
            bail!("tag format `{pattern}` has no `{{version}}` placeholder");
        };
        if suffix.contains("{version}") {
            bail!("tag format `{pattern}` has `{{version}}` more than once");
        }
        for part in [prefix, suffix] {
            if let Some(start) = part.find('{') {
                let rest = &part[start..];
                let end = rest.find('}').map_or(rest.len(), |i| i + 1);
                bail!(
                    "tag format `{pattern}` has an unknown placeholder `{}`; known: `{{version}}`, `{{name}}`",
                    &rest[..end]
                );
            }
            if let Some(bad) = part
                .chars()
                .find(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(*c))
            {
                bail!(
                    "tag format `{pattern}` contains `{bad}`, which git does not allow in a tag name"
                );
            }
            if part.contains("..") || part.contains("@{") {
                bail!(
                    "tag format `{pattern}` contains `..` or `@{{`, which git does not allow in a tag name"
                );
            }
        }
        if prefix.starts_with('-') || prefix.starts_with('/') {
            bail!("tag format `{pattern}` must not start with `{}`", &prefix[..1]);
        }
        // The whole name, with sample versions in, must pass git's own ref-name rules (issue
        // 12, item 17): they also refuse `.lock` components, a trailing `/` or `.`, `//` and
        // `/.`, which the character checks above cannot see. A format that passes here never
        // names a tag `git tag` refuses.
        for sample in ["1.0.0", "1.0.0-rc.1"] {
            let name = format!("refs/tags/{prefix}{sample}{suffix}");
            if let Err(e) = gix::validate::reference::name(name.as_str().into()) {
                bail!(
                    "tag format `{pattern}` gives tag names git refuses (`{}`): {}",
                    &name["refs/tags/".len()..],
                    e.to_string().to_lowercase()
                );
            }
        }
        Ok(Self { prefix: prefix.to_owned(), suffix: suffix.to_owned() })
    }

    /// The tag name for `version`.
    ///
    /// ```
    /// use git_release::version::TagFormat;
    /// let f = TagFormat::parse("{name}/v{version}", "core").unwrap();
    /// assert_eq!(f.format(&semver::Version::new(1, 4, 0)), "core/v1.4.0");
    /// ```
    pub fn format(&self, version: &Version) -> String {
        format!("{}{version}{}", self.prefix, self.suffix)
    }

    /// The version a tag name carries under this format, or `None` when it does not match
    /// or the middle is not a semantic version.
    ///
    /// ```
    /// use git_release::version::TagFormat;
    /// let f = TagFormat::parse("v{version}", "x").unwrap();
    /// assert_eq!(f.parse_tag("v1.2.3-rc.1").unwrap().to_string(), "1.2.3-rc.1");
    /// assert!(f.parse_tag("v1.2").is_none());
    /// assert!(f.parse_tag("core/v1.2.3").is_none());
    /// ```
    pub fn parse_tag(&self, tag: &str) -> Option<Version> {
        let middle = tag.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?;
        // An empty prefix must not let `core-1.0.0` parse under `{version}`: semver rejects it.
        Version::parse(middle).ok()
    }

    /// Whether `tag` has this format's text around the version, whatever is between: a tag
    /// that does but whose middle is not semver looks like a release tag gone wrong.
    ///
    /// ```
    /// use git_release::version::TagFormat;
    /// let f = TagFormat::parse("v{version}", "x").unwrap();
    /// assert!(f.matches_affixes("v1.2") && !f.matches_affixes("release-1"));
    /// ```
    pub fn matches_affixes(&self, tag: &str) -> bool {
        tag.len() > self.prefix.len() + self.suffix.len()
            && tag.starts_with(&self.prefix)
            && tag.ends_with(&self.suffix)
            && !self.prefix.is_empty()
    }

    /// The pattern as written, with `{name}` expanded.
    pub fn pattern(&self) -> String {
        format!("{}{{version}}{}", self.prefix, self.suffix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_format_rejects_bad_patterns() {
        for bad in [
            "v",
            "{version}{version}",
            "v {version}",
            "{nme}/v{version}",
            "-v{version}",
            "a..b{version}",
            // git's ref-name rules (issue 12, item 17)
            "{version}.lock",
            "v{version}/",
            "v{version}.",
            "a//v{version}",
            "a/.v{version}",
            "a.lock/v{version}",
        ] {
            assert!(TagFormat::parse(bad, "p").is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn tag_format_expands_name_and_matches_exactly() {
        let f = TagFormat::parse("{name}@{version}", "web").expect("valid format");
        assert_eq!(f.parse_tag("web@2.0.0"), Some(Version::new(2, 0, 0)));
        assert_eq!(f.parse_tag("web@2.0.0x"), None);
        assert_eq!(f.parse_tag("api@2.0.0"), None);
        let bare = TagFormat::parse("{version}", "x").expect("valid format");
        assert_eq!(bare.parse_tag("cocogitto-1.0.0"), None);
    }

    #[test]
    fn prerelease_numbering_continues_per_channel() {
        let target = Version::new(2, 0, 0);
        let tagged: Vec<Version> = ["2.0.0-rc.1", "2.0.0-rc.2", "1.0.0-rc.9"]
            .iter()
            .map(|s| Version::parse(s).expect("valid"))
            .collect();
        assert_eq!(next_prerelease(&target, "rc", &tagged).to_string(), "2.0.0-rc.3");
        assert_eq!(next_prerelease(&target, "beta", &tagged).to_string(), "2.0.0-beta.1");
    }

    #[test]
    fn levels_order_for_max() {
        assert!(
            Level::Major > Level::Minor
                && Level::Minor > Level::Patch
                && Level::Patch > Level::None
        );
    }
}
