//! The changelog file: where a new section goes, `has_section`, the diff a dry run shows,
//! reading it without following a link out of the repository.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// Where and what [`insert_section`] inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insertion {
    /// The whole new file.
    pub content: String,
    /// The 0-based line of the old file the new text goes before.
    pub at_line: usize,
    /// The inserted text (whole lines).
    pub inserted: String,
}

/// Whether `text` has a release heading naming `version` (as `1.2.0`, `v1.2.0` or `[1.2.0]`;
/// `1.2.0-rc.1` does not name `1.2.0`): an ATX heading (`## …`, any level) or a setext
/// heading (a line underlined with `===` or `---`), outside code fences.
///
/// The one test of "this release has a section": the writer ([`insert_section`]) and the
/// `changelog_current` check both use it, so the check passes exactly when the writer would
/// leave the file alone.
///
/// ```
/// use git_release::changelog::has_section;
/// assert!(has_section("# Changelog\n\n## [1.2.0] - 2024-01-01\n", "1.2.0"));
/// assert!(has_section("v1.2.0\n------\n", "1.2.0"));
/// assert!(!has_section("```\n## 1.2.0\n```\n", "1.2.0"));
/// assert!(!has_section("## [1.2.1]\nsee 1.2.0\n", "1.2.0"));
/// ```
pub fn has_section(text: &str, version: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let mut fenced = false;
    lines.iter().enumerate().any(|(i, line)| {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            return false;
        }
        if fenced {
            return false;
        }
        let atx = trimmed.starts_with('#');
        let setext = !trimmed.is_empty()
            && lines.get(i + 1).is_some_and(|next| {
                let next = next.trim();
                !next.is_empty()
                    && (next.chars().all(|c| c == '=') || next.chars().all(|c| c == '-'))
            });
        (atx || setext)
            && line
                .split(|c: char| !(c.is_ascii_alphanumeric() || ".-+".contains(c)))
                .any(|token| token.strip_prefix('v').unwrap_or(token) == version)
    })
}

/// `(line index, line)` of the `## ` headings of `text` outside code fences.
pub(super) fn headings(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut fenced = false;
    text.split_inclusive('\n').enumerate().filter_map(move |(i, line)| {
        let trimmed = line.trim_end();
        if trimmed.trim_start().starts_with("```") || trimmed.trim_start().starts_with("~~~") {
            fenced = !fenced;
            return None;
        }
        (!fenced && trimmed.starts_with("## ")).then_some((i, trimmed))
    })
}

/// Puts `section` into the changelog `existing` (`None`: no file yet).
///
/// - no file: [`DEFAULT_HEADER`] then the section;
/// - a section for `version` already there: `None`, nothing to do;
/// - otherwise the section goes before the first `## ` heading (after the file's header,
///   before the previous release), or at the end when there is none (a file of free text,
///   or a header only); a blank line separates it from the text around it.
///
/// Every byte of `existing` is kept, in order.
pub fn insert_section(existing: Option<&str>, section: &str, version: &str) -> Option<Insertion> {
    let Some(existing) = existing else {
        let content = format!("{DEFAULT_HEADER}{section}");
        return Some(Insertion { inserted: content.clone(), content, at_line: 0 });
    };
    if has_section(existing, version) {
        return None;
    }
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let at_line = headings(existing).next().map_or(lines.len(), |(i, _)| i);
    let before: String = lines[..at_line].concat();
    let after: String = lines[at_line..].concat();
    let mut inserted = String::new();
    if !before.is_empty() && !before.ends_with('\n') {
        inserted.push('\n');
    }
    if !before.is_empty() && !before.ends_with("\n\n") {
        inserted.push('\n');
    }
    inserted.push_str(section);
    if !after.is_empty() {
        inserted.push('\n');
    }
    let content = format!("{before}{inserted}{after}");
    Some(Insertion { content, at_line, inserted })
}

/// A unified diff from `old` (`None`: the file does not exist) to `new` for the file
/// `name`, with three lines of context, as `git diff` prints it (`similar`'s unified diff).
pub fn file_diff(name: &str, old: Option<&str>, new: &str) -> String {
    let old_name = if old.is_some() { format!("a/{name}") } else { "/dev/null".to_owned() };
    similar::TextDiff::from_lines(old.unwrap_or(""), new)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("b/{name}"))
        .to_string()
}

/// Reads the changelog `shown` (relative to the work tree `root`): `None` when it does not
/// exist. A symbolic link out of the repository is not followed
/// ([`crate::fsutil::read_inside`]).
///
/// # Errors
/// The file cannot be read, leads out of the repository, or is not UTF-8 (named with the
/// byte offset; nothing is written then).
pub fn read_changelog(root: &Path, shown: &str) -> Result<Option<String>> {
    let Some(bytes) = crate::fsutil::read_inside(root, shown)? else { return Ok(None) };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(e) => Err(Error::failed(format!(
            "`{shown}` is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
        .with_hint(
            "convert the file to UTF-8 (`iconv -t UTF-8`), then run again; nothing was written",
        )
        .into()),
    }
}
