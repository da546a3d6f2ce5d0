//! Tag schemes read from the tags a repository already has (issue 15 items 1 and 3): which
//! tags look like releases, which line (same text around the version) each belongs to, and
//! which formats a package's tags follow.
//!
//! A tag looks like a release when it ends with a semantic version that starts the tag or
//! follows `-`, `/`, `@`, `_` or `v` (`v1.2.0`, `1.2.0`, `core-v1.2.0`, `@scope/cli@2.0.0-next.1`).
//! The text before the version is the line's prefix; the prefix names the scheme:
//!
//! | prefix | scheme |
//! |---|---|
//! | empty | `{version}` |
//! | `v` | `v{version}` |
//! | `NAME-v` | `{name}-v{version}` |
//! | `NAME/v` | `{name}/v{version}` |
//! | `NAME@` | `{name}@{version}` (npm scopes included: `@scope/name@`) |
//! | `NAME-` | `{name}-{version}` |
//! | `NAME/` | `{name}/{version}` |

use std::collections::BTreeMap;

use semver::Version;

use crate::version::TagFormat;

/// One release line: the tags that share the text before their version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The text before the version (`axum-core-v`, `v`, empty).
    pub prefix: String,
    /// The package name the prefix carries (`axum-core`, `@changesets/cli`), `None` for `v`
    /// and bare versions, and for a prefix no scheme explains.
    pub name: Option<String>,
    /// The scheme, with `{name}` where the name is (`{name}-v{version}`); `None` for a prefix
    /// no scheme explains (`release_1.0.0`'s `release_`).
    pub scheme: Option<&'static str>,
    /// Its tags with their versions, highest version first.
    pub tags: Vec<(Version, String)>,
}

impl Line {
    /// The highest version of the line.
    pub fn newest(&self) -> &Version {
        &self.tags[0].0
    }

    /// The format that matches this line's tags exactly, for a package called `package`:
    /// the scheme with `{name}` when the line's name is the package's, the literal prefix
    /// otherwise (`release-plz-v{version}` for the crate `release_plz`).
    pub fn format_for(&self, package: &str) -> String {
        match (self.scheme, &self.name) {
            (Some(scheme), Some(name)) if name == package => scheme.to_owned(),
            (Some(scheme), None) => scheme.to_owned(),
            _ => format!("{}{{version}}", self.prefix),
        }
    }

    /// Whether the line's tags carry no package name (`v{version}`, `{version}`).
    pub fn is_nameless(&self) -> bool {
        self.name.is_none() && self.scheme.is_some()
    }
}

/// Splits a tag into the text before its version and the version, when it looks like a
/// release (see the module docs). The leftmost place a version can start wins, so
/// `a-v1.0.0-rc.1` is `a-v` and `1.0.0-rc.1`.
pub fn split(tag: &str) -> Option<(&str, Version)> {
    let bytes = tag.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii_digit() {
            continue;
        }
        if i > 0 && !b"-/@_v".contains(&bytes[i - 1]) {
            continue;
        }
        if let Ok(version) = Version::parse(&tag[i..]) {
            return Some((&tag[..i], version));
        }
    }
    None
}

/// The scheme and package name a prefix stands for (see the module docs).
fn scheme_of(prefix: &str) -> (Option<&'static str>, Option<String>) {
    let named = |rest: &str, scheme: &'static str| {
        if rest.is_empty() { (None, None) } else { (Some(scheme), Some(rest.to_owned())) }
    };
    if prefix.is_empty() {
        (Some("{version}"), None)
    } else if prefix == "v" {
        (Some("v{version}"), None)
    } else if let Some(rest) = prefix.strip_suffix("-v") {
        named(rest, "{name}-v{version}")
    } else if let Some(rest) = prefix.strip_suffix("/v") {
        named(rest, "{name}/v{version}")
    } else if let Some(rest) = prefix.strip_suffix('@') {
        named(rest, "{name}@{version}")
    } else if let Some(rest) = prefix.strip_suffix('-') {
        named(rest, "{name}-{version}")
    } else if let Some(rest) = prefix.strip_suffix('/') {
        named(rest, "{name}/{version}")
    } else {
        (None, None)
    }
}

/// The release lines among `tags`, most tags first; tags that do not look like releases are
/// left out.
pub fn lines<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<Line> {
    let mut by_prefix: BTreeMap<&str, Vec<(Version, String)>> = BTreeMap::new();
    for tag in tags {
        if let Some((prefix, version)) = split(tag) {
            by_prefix.entry(prefix).or_default().push((version, tag.to_owned()));
        }
    }
    let mut out: Vec<Line> = by_prefix
        .into_iter()
        .map(|(prefix, mut tags)| {
            tags.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let (scheme, name) = scheme_of(prefix);
            Line { prefix: prefix.to_owned(), name, scheme, tags }
        })
        .collect();
    out.sort_by(|a, b| b.tags.len().cmp(&a.tags.len()).then_with(|| a.prefix.cmp(&b.prefix)));
    out
}

/// The name as tags and manifests compare it: lowercase, `_` and `.` read as `-` (a crate
/// `release_plz` tagged `release-plz-v…`).
pub fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['_', '.'], "-")
}

/// Orders the formats of one package: the line with the highest version first (it names new
/// tags), then named lines before nameless ones, then the line with more tags.
pub fn order(lines: &mut [&Line]) {
    lines.sort_by(|a, b| compare(a, b));
}

/// The order of [`order`]: `Less` when `a` comes first.
pub fn compare(a: &Line, b: &Line) -> std::cmp::Ordering {
    b.newest()
        .cmp(a.newest())
        .then_with(|| a.is_nameless().cmp(&b.is_nameless()))
        .then_with(|| b.tags.len().cmp(&a.tags.len()))
}

/// What zero-config detection found for a single package (issue 15 item 3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detected {
    /// Its tag formats, the first names new tags; empty when no tag matches any scheme.
    pub formats: Vec<String>,
    /// Tags that look like releases but follow none of the formats.
    pub unmatched: Vec<String>,
}

/// The tag formats of the single package `name` (its manifest name) of a repository with no
/// configuration file, read from `tags`: `{version}`, `v{version}`, `{name}-v{version}`,
/// `{name}@{version}`, `{name}/v{version}` and `{name}-{version}`, where the tag's name is
/// the package's or equal to it once `_`/`-` are normalised. Formats are ordered as
/// [`order`] says.
pub fn detect<'a>(name: &str, tags: impl IntoIterator<Item = &'a str>) -> Detected {
    let all = lines(tags);
    let mut ours: Vec<&Line> = all
        .iter()
        .filter(|line| {
            line.is_nameless()
                || (line.scheme.is_some()
                    && line.name.as_deref().is_some_and(|n| normalize(n) == normalize(name)))
        })
        .filter(|line| TagFormat::parse(&line.format_for(name), name).is_ok())
        .collect();
    order(&mut ours);
    let formats: Vec<String> = ours.iter().map(|line| line.format_for(name)).collect();
    let unmatched = all
        .iter()
        .filter(|line| !ours.iter().any(|o| o.prefix == line.prefix))
        .flat_map(|line| line.tags.iter().map(|(_, tag)| tag.clone()))
        .collect();
    Detected { formats, unmatched }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_release_tags() {
        let v = |s: &str| Version::parse(s).expect("semver");
        assert_eq!(split("v1.2.3"), Some(("v", v("1.2.3"))));
        assert_eq!(split("1.2.3"), Some(("", v("1.2.3"))));
        assert_eq!(split("axum-core-v0.4.0-rc.1"), Some(("axum-core-v", v("0.4.0-rc.1"))));
        assert_eq!(
            split("@changesets/cli@2.0.0-next.1"),
            Some(("@changesets/cli@", v("2.0.0-next.1")))
        );
        assert_eq!(split("h2-1.0.0"), Some(("h2-", v("1.0.0"))));
        assert_eq!(split("release"), None);
        assert_eq!(split("v1.2"), None);
    }

    #[test]
    fn lines_name_their_scheme() {
        let tags =
            ["a-v1.0.0", "a-v1.1.0", "v0.1.0", "@s/b@2.0.0", "c/v3.0.0", "d-0.1.0", "x_1.0.0"];
        let lines = lines(tags);
        let find = |p: &str| lines.iter().find(|l| l.prefix == p).expect("line");
        assert_eq!(find("a-v").scheme, Some("{name}-v{version}"));
        assert_eq!(find("a-v").name.as_deref(), Some("a"));
        assert_eq!(find("a-v").newest(), &Version::new(1, 1, 0));
        assert_eq!(find("v").scheme, Some("v{version}"));
        assert_eq!(find("@s/b@").name.as_deref(), Some("@s/b"));
        assert_eq!(find("c/v").scheme, Some("{name}/v{version}"));
        assert_eq!(find("d-").scheme, Some("{name}-{version}"));
        assert_eq!(find("x_").scheme, None);
        assert_eq!(find("a-v").format_for("a"), "{name}-v{version}");
        assert_eq!(find("a-v").format_for("A_"), "a-v{version}");
    }

    #[test]
    fn detects_a_single_package_scheme() {
        let d = detect("solo", ["1.0.0", "1.1.0", "other-v2.0.0"]);
        assert_eq!(d.formats, ["{version}"]);
        assert_eq!(d.unmatched, ["other-v2.0.0"]);
        let d = detect("my_tool", ["my-tool-v0.3.0", "v0.1.0", "v0.2.0"]);
        assert_eq!(d.formats, ["my-tool-v{version}", "v{version}"]);
        assert!(d.unmatched.is_empty());
        let d = detect("x", ["nothing", "here"]);
        assert!(d.formats.is_empty() && d.unmatched.is_empty());
    }
}
