//! Names a run gives things: branches, worktree paths, commit and tag messages.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// A name safe as a path component and in a ref: letters, digits, `.`, `_` and `-`; anything
/// else becomes `-`.
///
/// ```
/// use git_release::release::steps::slug;
/// assert_eq!(slug("@scope/web ui"), "scope-web-ui");
/// ```
pub fn slug(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' })
        .collect();
    let trimmed = mapped.trim_matches(|c| c == '-' || c == '.');
    let collapsed = trimmed.replace("..", "-");
    if collapsed.is_empty() { "package".to_owned() } else { collapsed }
}

/// `release/<run>/<package>`: the branch a package's release is prepared on; with one pull
/// request for the whole repository (`package` is `None`), `release/<run>`.
pub fn branch_name(run_id: &str, package: Option<&str>) -> String {
    match package {
        Some(package) => format!("release/{run_id}/{}", slug(package)),
        None => format!("release/{run_id}"),
    }
}

/// `<common dir>/release/worktrees/<run>/<package>`: the package's worktree; the shared one
/// (`package` is `None`) is `<run>/_shared`.
pub fn worktree_path(common_dir: &Path, run_id: &str, package: Option<&str>) -> PathBuf {
    let folder = common_dir.join("release").join("worktrees").join(run_id);
    match package {
        Some(package) => folder.join(slug(package)),
        None => folder.join("_shared"),
    }
}

/// `release: <package> v<version>`: the release commit's message (seed 002).
pub fn commit_message(package: &str, version: &str) -> String {
    format!("release: {package} v{version}")
}

/// The first 12 hex digits of a commit id, as messages show it.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// The tag message: the tag, then the commits that asked for the release.
///
/// `changes` is a [`change_list`]; an empty one gives the first line only.
pub fn tag_message(tag: &str, changes: &str) -> String {
    if changes.is_empty() {
        format!("Release {tag}\n")
    } else {
        format!("Release {tag}\n\n{changes}")
    }
}

/// `- <summary> (<short id>)`, one line per change that asked for a release (its bump is
/// not `none`), from `(summary, commit id, bump)` triples; empty when none did.
pub fn change_list<'a>(changes: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (summary, commit, bump) in changes {
        if bump != "none" {
            let summary = crate::ui::markdown_safe(summary);
            let _ = writeln!(out, "- {summary} ({})", &commit[..commit.len().min(7)]);
        }
    }
    out
}

/// The [`change_list`] of recorded changes.
pub(super) fn changes_of(changes: &[crate::release::state::Change]) -> String {
    change_list(changes.iter().map(|c| (c.summary.as_str(), c.commit.as_str(), c.bump.as_str())))
}
