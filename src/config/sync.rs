//! `[[sync]]` entries of `release.toml` (issue 18 item 1; seed 004 › Sync Configuration
//! Schema): what a sync reads, where it writes, which refs or files, and its conflict rule.
//!
//! ```toml
//! [[sync]]
//! id = "mirror"
//! type = "downstream"
//! target = { location = "https://gitlab.com/acme/tool.git" }
//! refs = ["refs/tags/v*", "refs/heads/main"]
//! ```

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::Error;

/// Seed 004's four kinds of sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncType {
    /// Bring an upstream's refs into this repository (or a fork): a git sync.
    Upstream,
    /// Push release refs to a distribution (a mirror): a git sync.
    Downstream,
    /// Copy files into a related repository: a file sync.
    CrossRepo,
    /// Copy configuration or policy files into other repositories: a file sync.
    Config,
}

impl SyncType {
    /// Whether the sync moves refs (`upstream`, `downstream`) rather than files.
    pub fn is_git(self) -> bool {
        matches!(self, Self::Upstream | Self::Downstream)
    }

    /// The name written in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upstream => "upstream",
            Self::Downstream => "downstream",
            Self::CrossRepo => "cross_repo",
            Self::Config => "config",
        }
    }
}

/// What to do when the target already has a different value for a ref or file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Conflict {
    /// Stop: the dry-run reports the conflict and no approval can execute it.
    #[default]
    Fail,
    /// Keep the target's value: the ref or file is left as it is and reported as kept.
    Ours,
    /// Take the source's value: a branch is forced with a lease on the dry-run's id (never a
    /// tag); a file is replaced, and a file only the target has (among the included) deleted.
    Theirs,
}

/// When a sync runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Only through `git release sync`.
    #[default]
    Manual,
    /// Also inside `git release run`, once after every package is published: its dry-run is
    /// shown with the plan and approved by the run's gate (`crate::release::syncs`).
    OnRelease,
}

/// How a file sync lands in its target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LandMode {
    /// A commit on a branch of the target and a pull request through the forge.
    #[default]
    Pr,
    /// A commit pushed straight onto the target's branch (a fast-forward, never forced).
    Direct,
}

/// One side of a sync: a remote name, a URL or a path (relative to the repository root),
/// and for file syncs the branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// What git is given as the repository: `origin`, `https://…`, `../other`, or `.` for
    /// this repository.
    pub location: String,
    /// The branch (file syncs): the source's commit to copy from, the target's to build on.
    pub branch: Option<String>,
}

/// A validated `[[sync]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncEntry {
    /// Its unique id (letters, digits, `-`, `_`, `.`): the folder of its log.
    pub id: String,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: SyncType,
    /// Where it reads; default this repository (`.`) except for `upstream`.
    pub source: Endpoint,
    /// Where it writes; default this repository (`.`) for `upstream` only.
    pub target: Endpoint,
    /// Git syncs: the refs, each a full ref name with at most one `*` (git's refspec glob,
    /// which matches across `/`).
    pub refs: Vec<String>,
    /// File syncs: the files, as globs relative to the repository root (`**` crosses folders).
    pub include: Vec<String>,
    /// File syncs: globs of files left out.
    pub exclude: Vec<String>,
    /// The conflict rule.
    pub conflict: Conflict,
    /// When it runs.
    pub trigger: Trigger,
    /// Whether execution needs `--approve DRYRUN` (default true); when false, `sync ID` does
    /// the dry-run and executes it at once, recording that no approval was required.
    pub approval_required: bool,
    /// File syncs: by pull request or directly.
    pub mode: LandMode,
    /// Where the entry is, as `file:line`.
    pub location: String,
}

/// `[[sync]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncFile {
    id: Spanned<String>,
    #[serde(rename = "type")]
    kind: SyncType,
    source: Option<Spanned<EndpointFile>>,
    target: Option<Spanned<EndpointFile>>,
    #[serde(default)]
    refs: Vec<Spanned<String>>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    conflict: Conflict,
    trigger: Option<Spanned<Trigger>>,
    approval_required: Option<bool>,
    mode: Option<LandMode>,
}

/// `source`/`target` as written: a string, or `{ location, branch }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum EndpointFile {
    Plain(String),
    Table(EndpointTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointTable {
    location: String,
    branch: Option<String>,
}

/// The private namespace syncs fetch into; no pattern may cover it (fetching from this
/// repository would copy it into itself).
pub const PRIVATE: &str = "refs/git-release/";

/// Validates the `[[sync]]` entries; `at` turns a byte span of the file into `file:line`.
///
/// # Errors
/// A configuration error (exit 2) naming the place and the key: an id that is empty, not a
/// plain name or given twice; a git sync without `refs` or with a bad ref pattern; a file sync
/// without `include`, with a glob leaving the repository, or with `refs`; an empty location;
/// an `upstream` without `source` or another kind without `target`; a bad branch name.
pub fn validate(
    entries: Vec<Spanned<SyncFile>>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> anyhow::Result<Vec<SyncEntry>> {
    let mut syncs: Vec<SyncEntry> = Vec::new();
    for entry in entries {
        let location = at(entry.span());
        let entry = entry.into_inner();
        let id = entry.id.get_ref().trim().to_owned();
        let bad = |span: std::ops::Range<usize>, key: &str, why: String| -> anyhow::Error {
            Error::config(format!("{}: `sync.{key}` of `{id}`: {why}", at(span))).into()
        };
        if !is_plain_name(&id) {
            return Err(Error::config(format!(
                "{}: `sync.id` `{}` must be a plain name (letters, digits, `-`, `_`, `.`)",
                at(entry.id.span()),
                entry.id.get_ref()
            ))
            .into());
        }
        if let Some(first) = syncs.iter().find(|s| s.id == id) {
            return Err(Error::config(format!(
                "{}: `sync.id` `{id}` is defined twice (first at {})",
                at(entry.id.span()),
                first.location
            ))
            .into());
        }
        let kind = entry.kind;
        let endpoint = |side: Option<Spanned<EndpointFile>>, key: &str, default: bool| {
            let Some(side) = side else {
                if default {
                    return Ok(Endpoint { location: ".".to_owned(), branch: None });
                }
                return Err(Error::config(format!(
                    "{location}: `sync.{key}` of `{id}` is missing: a `{}` sync needs one",
                    kind.as_str()
                ))
                .with_hint("give a remote name, a URL or a path, e.g. `target = \"mirror\"`")
                .into());
            };
            let span = side.span();
            let (place, branch) = match side.into_inner() {
                EndpointFile::Plain(location) => (location, None),
                EndpointFile::Table(t) => (t.location, t.branch),
            };
            let place = place.trim().to_owned();
            if place.is_empty() || place.starts_with('-') || place.contains(['\0', '\n']) {
                return Err(bad(
                    span,
                    key,
                    format!("location `{place}` is not a remote, URL or path"),
                ));
            }
            if let Some(b) = &branch
                && !is_branch_name(b)
            {
                return Err(bad(span, key, format!("branch `{b}` is not a branch name")));
            }
            Ok(Endpoint { location: place, branch })
        };
        let source = endpoint(entry.source, "source", kind != SyncType::Upstream)?;
        let target = endpoint(entry.target, "target", kind == SyncType::Upstream)?;
        if source.location == target.location && source.branch == target.branch {
            return Err(Error::config(format!(
                "{location}: `sync.target` of `{id}` is its source `{}`",
                source.location
            ))
            .into());
        }
        let mut refs = Vec::new();
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        if kind.is_git() {
            if entry.refs.is_empty() {
                return Err(Error::config(format!(
                    "{location}: `sync.refs` of `{id}` is missing: a git sync names its refs"
                ))
                .with_hint("e.g. `refs = [\"refs/tags/v*\", \"refs/heads/main\"]`")
                .into());
            }
            if let Some(glob) = entry.include.first().or(entry.exclude.first()) {
                return Err(bad(glob.span(), "include", "only file syncs take globs".to_owned()));
            }
            for r in entry.refs {
                let pattern = r.get_ref().trim().to_owned();
                if !is_ref_pattern(&pattern) {
                    return Err(bad(
                        r.span(),
                        "refs",
                        format!(
                            "`{pattern}` is not a full ref name or pattern (`refs/…`, at most one `*`)"
                        ),
                    ));
                }
                let before_star = pattern.split('*').next().unwrap_or_default();
                if pattern.starts_with(PRIVATE) || PRIVATE.starts_with(before_star) {
                    return Err(bad(
                        r.span(),
                        "refs",
                        format!("`{pattern}` covers `{PRIVATE}`, where syncs keep what they fetch"),
                    ));
                }
                refs.push(pattern);
            }
        } else {
            if let Some(r) = entry.refs.first() {
                return Err(bad(r.span(), "refs", "only git syncs take refs".to_owned()));
            }
            if entry.include.is_empty() {
                return Err(Error::config(format!(
                    "{location}: `sync.include` of `{id}` is missing: a file sync names its files"
                ))
                .with_hint("e.g. `include = [\".github/workflows/*.yml\"]`")
                .into());
            }
            for (list, key, out) in
                [(entry.include, "include", &mut include), (entry.exclude, "exclude", &mut exclude)]
            {
                for glob in list {
                    let text = glob.get_ref().trim();
                    match normalize_glob(text) {
                        Some(path) => out.push(path),
                        _ => {
                            return Err(bad(
                                glob.span(),
                                key,
                                format!("`{text}` is not a glob inside the repository"),
                            ));
                        }
                    }
                }
            }
        }
        if entry.mode.is_some() && kind.is_git() {
            return Err(Error::config(format!(
                "{location}: `sync.mode` of `{id}`: only file syncs take a mode"
            ))
            .into());
        }
        syncs.push(SyncEntry {
            id,
            kind,
            source,
            target,
            refs,
            include,
            exclude,
            conflict: entry.conflict,
            trigger: entry.trigger.map(Spanned::into_inner).unwrap_or_default(),
            approval_required: entry.approval_required.unwrap_or(true),
            mode: entry.mode.unwrap_or_default(),
            location,
        });
    }
    Ok(syncs)
}

/// A glob relative to the repository root, normalised (`/` separators, no `./`, no empty
/// part), or `None` when it is absolute, climbs out with `..`, names the root, or starts with
/// `:` (git's pathspec magic is ours to add, not the configuration's).
///
/// ```
/// use git_release::config::sync::normalize_glob;
/// assert_eq!(normalize_glob("./.github//workflows/*.yml").as_deref(), Some(".github/workflows/*.yml"));
/// assert_eq!(normalize_glob("../x"), None);
/// assert_eq!(normalize_glob("/etc/*"), None);
/// assert_eq!(normalize_glob(":(top)x"), None);
/// ```
pub fn normalize_glob(raw: &str) -> Option<String> {
    let raw = raw.trim().replace('\\', "/");
    if raw.starts_with(['/', ':']) || std::path::Path::new(&raw).is_absolute() {
        return None;
    }
    let parts: Vec<&str> = raw.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    (!parts.is_empty() && !parts.contains(&"..")).then(|| parts.join("/"))
}

/// Letters, digits, `-`, `_` and `.`, not starting with `.` or `-`: safe as a folder name.
pub fn is_plain_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(['.', '-'])
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A ref name or refspec pattern git accepts: `refs/…`, at most one `*`, none of the
/// characters `git check-ref-format` refuses.
pub fn is_ref_pattern(text: &str) -> bool {
    text.starts_with("refs/")
        && text.len() > 5
        && text.matches('*').count() <= 1
        && !text.contains("..")
        && !text.contains("@{")
        && !text.ends_with(['/', '.'])
        && !text.contains("//")
        && !text.chars().any(|c| {
            c.is_ascii_control()
                || c.is_whitespace()
                || matches!(c, ':' | '^' | '~' | '?' | '[' | '\\')
        })
}

/// A branch name git accepts (the same rules as a ref, no `*`, not starting with `-`).
fn is_branch_name(text: &str) -> bool {
    !text.starts_with('-') && !text.contains('*') && is_ref_pattern(&format!("refs/heads/{text}"))
}

/// Whether `name` matches the ref pattern `pattern` the way a refspec glob does: the `*`
/// matches any text, `/` included; without `*`, the names are equal.
///
/// ```
/// use git_release::config::sync::ref_matches;
/// assert!(ref_matches("refs/tags/v*", "refs/tags/v1.2.0"));
/// assert!(ref_matches("refs/tags/v*", "refs/tags/v1/rc"));
/// assert!(!ref_matches("refs/tags/v*", "refs/tags/spi/v1.0.0"));
/// assert!(ref_matches("refs/heads/main", "refs/heads/main"));
/// assert!(!ref_matches("refs/heads/main", "refs/heads/main2"));
/// ```
pub fn ref_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix)
                && name.ends_with(suffix)
        }
        None => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Vec<SyncEntry>> {
        #[derive(Deserialize)]
        struct Doc {
            sync: Vec<Spanned<SyncFile>>,
        }
        let doc: Doc = toml::from_str(text)?;
        validate(doc.sync, &|span| format!("release.toml@{}", span.start))
    }

    #[test]
    fn a_downstream_mirror_defaults_its_source_and_rules() {
        let syncs = parse(
            "[[sync]]\nid = \"mirror\"\ntype = \"downstream\"\ntarget = \"mirror\"\nrefs = [\"refs/tags/v*\"]\n",
        )
        .expect("valid");
        let s = &syncs[0];
        assert_eq!(s.source.location, ".");
        assert_eq!(s.target.location, "mirror");
        assert_eq!(
            (s.conflict, s.trigger, s.approval_required),
            (Conflict::Fail, Trigger::Manual, true)
        );
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (
                "id = \"a b\"\ntype = \"downstream\"\ntarget = \"m\"\nrefs = [\"refs/tags/*\"]",
                "`sync.id`",
            ),
            ("id = \"m\"\ntype = \"downstream\"\nrefs = [\"refs/tags/*\"]", "`sync.target`"),
            ("id = \"m\"\ntype = \"downstream\"\ntarget = \"m\"", "`sync.refs`"),
            (
                "id = \"m\"\ntype = \"downstream\"\ntarget = \"m\"\nrefs = [\"tags/*\"]",
                "`sync.refs`",
            ),
            (
                "id = \"m\"\ntype = \"downstream\"\ntarget = \"m\"\nrefs = [\"refs/*/v*\"]",
                "`sync.refs`",
            ),
            ("id = \"m\"\ntype = \"config\"\ntarget = \"m\"", "`sync.include`"),
            (
                "id = \"m\"\ntype = \"config\"\ntarget = \"m\"\ninclude = [\"../x\"]",
                "`sync.include`",
            ),
            (
                "id = \"m\"\ntype = \"config\"\ntarget = { location = \"m\", branch = \"a..b\" }\ninclude = [\"x\"]",
                "`sync.target`",
            ),
            ("id = \"m\"\ntype = \"upstream\"\nrefs = [\"refs/tags/*\"]", "`sync.source`"),
        ];
        for (body, key) in cases {
            let err = parse(&format!("[[sync]]\n{body}\n")).expect_err(body);
            assert!(format!("{err:#}").contains(key), "{body}: {err:#}");
        }
        let twice = "[[sync]]\nid = \"m\"\ntype = \"downstream\"\ntarget = \"x\"\nrefs = [\"refs/tags/*\"]\n";
        let err = parse(&format!("{twice}{twice}")).expect_err("twice");
        assert!(format!("{err:#}").contains("defined twice"), "{err:#}");
    }
}
