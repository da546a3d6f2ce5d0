//! Change files as a bump source: the changesets format (`.changeset/*.md`), issue 16 item 3.
//!
//! A change file is markdown with a YAML front matter block that maps package names to a
//! bump, as written by `changeset add`:
//!
//! ```text
//! ---
//! "@acme/core": minor
//! cli: patch
//! ---
//!
//! Add the `--fast` flag.
//! ```
//!
//! `changeset version` deletes the files it consumes when it releases, so the files present in
//! a release's range are the ones added by its commits, and the files present at HEAD are the
//! pending ones. Only the front matter is read; the summary is not.

use anyhow::Result;
use gix::ObjectId;

use crate::git::read::Repo;
use crate::version::Level;

/// The folder change files live in, relative to the repository root.
pub const FOLDER: &str = ".changeset";

/// One change file: where it is and the bump it asks for per package name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeFile {
    /// Its path from the repository root, e.g. `.changeset/brave-dogs-run.md`.
    pub path: String,
    /// `(package name, bump)` pairs from the front matter, in order.
    pub bumps: Vec<(String, Level)>,
}

impl ChangeFile {
    /// The bump it asks of package `name`; when `only_package` (the repository has one
    /// package) every entry counts, whatever name it gives.
    pub fn level_for(&self, name: &str, only_package: bool) -> Level {
        self.bumps
            .iter()
            .filter(|(n, _)| only_package || n == name)
            .map(|(_, level)| *level)
            .max()
            .unwrap_or(Level::None)
    }
}

/// Whether `name` (a file name inside the folder) is a change file: `*.md` except the
/// folder's `README.md`.
pub fn is_change_file(name: &str) -> bool {
    std::path::Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
        && !name.eq_ignore_ascii_case("readme.md")
        && !name.starts_with('.')
}

/// Parses a change file's front matter. A file without one, or with a line that is not
/// `name: level`, gives `None` (it is not a changeset and is ignored, as changesets does).
///
/// ```
/// use git_release::changesets::parse;
/// use git_release::version::Level;
/// let file = parse(".changeset/a.md", "---\n\"@acme/core\": minor\ncli: patch\n---\n\nText\n")
///     .expect("a change file");
/// assert_eq!(file.bumps, vec![("@acme/core".to_owned(), Level::Minor), ("cli".to_owned(), Level::Patch)]);
/// assert!(parse(".changeset/b.md", "no front matter").is_none());
/// ```
pub fn parse(path: &str, text: &str) -> Option<ChangeFile> {
    let text = text.replace("\r\n", "\n");
    let mut lines = text.lines();
    if lines.next()?.trim() != "---" {
        return None;
    }
    let mut bumps = Vec::new();
    for line in lines {
        let line = line.trim();
        if line == "---" {
            return Some(ChangeFile { path: path.to_owned(), bumps });
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, level) = line.rsplit_once(':')?;
        let name = name.trim().trim_matches(|c| c == '"' || c == '\'').to_owned();
        let level = match level.trim().trim_matches(|c| c == '"' || c == '\'') {
            "major" => Level::Major,
            "minor" => Level::Minor,
            "patch" => Level::Patch,
            "none" => Level::None,
            _ => return None,
        };
        if name.is_empty() {
            return None;
        }
        bumps.push((name, level));
    }
    None
}

/// Whether the tree of commit-tree `root` has the change-file folder.
///
/// # Errors
/// A tree is missing or corrupt.
pub fn has_folder(repo: &Repo, root: ObjectId) -> Result<bool> {
    Ok(repo.lookup_path(root, FOLDER)?.is_some_and(|e| e.is_tree))
}

/// The change files in the folder of tree `root` whose names are not in `except` (the names
/// in the parent's folder, to find the files a commit added), parsed; files that do not
/// parse are skipped.
///
/// # Errors
/// A tree or blob is missing or corrupt.
pub fn files_in(repo: &Repo, root: ObjectId, except: &[String]) -> Result<Vec<ChangeFile>> {
    let mut out = Vec::new();
    for name in names_in(repo, root)? {
        if except.contains(&name) {
            continue;
        }
        let path = format!("{FOLDER}/{name}");
        if let Some(bytes) = repo.read_file(root, &path)?
            && let Some(file) = parse(&path, &String::from_utf8_lossy(&bytes))
        {
            out.push(file);
        }
    }
    Ok(out)
}

/// The names of the change files in the folder of tree `root` (empty without the folder).
///
/// # Errors
/// A tree is missing or corrupt.
pub fn names_in(repo: &Repo, root: ObjectId) -> Result<Vec<String>> {
    let Some(entry) = repo.lookup_path(root, FOLDER)?.filter(|e| e.is_tree) else {
        return Ok(Vec::new());
    };
    let mut buf = Vec::new();
    Ok(repo
        .tree_entries(&entry.id, &mut buf)?
        .into_iter()
        .filter(|e| !e.is_tree)
        .map(|e| String::from_utf8_lossy(&e.name).into_owned())
        .filter(|n| is_change_file(n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_forms() {
        let file = parse("x", "---\n'a': major\n\"b\": none\n---\n").expect("parses");
        assert_eq!(file.level_for("a", false), Level::Major);
        assert_eq!(file.level_for("b", false), Level::None);
        assert_eq!(file.level_for("c", false), Level::None);
        assert_eq!(file.level_for("c", true), Level::Major);
        assert!(parse("x", "---\na: huge\n---\n").is_none());
        assert!(parse("x", "---\na: minor\n").is_none(), "an unclosed front matter");
        assert!(is_change_file("brave-dogs.md") && !is_change_file("README.md"));
        assert!(!is_change_file("config.json"));
    }
}
