//! Workspaces of repositories (issue 7 item 2; seed 002's tier graph, seed 003's multi-repo
//! coordination): a `release-workspace.toml` lists repositories that are released together,
//! tier by tier.
//!
//! ```toml
//! [[repo]]
//! name = "spi"
//! path = "../omnibase_spi"        # relative to the workspace file
//!
//! [[repo]]
//! name = "core"
//! path = "../omnibase_core"
//! depends_on = ["spi"]            # optional; also inferred from manifests
//! ```
//!
//! Each repository keeps its own `git-release.toml` and packages. A repository depends on
//! another when `depends_on` says so, or when one of its manifests depends on a package
//! the other releases (by manifest name). Tiers follow from that graph; a cycle is an
//! error naming it. The drift guard reports sibling folders of the repositories whose
//! manifests depend on a workspace package but that the file does not list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;
use crate::manifest::{self, MANIFEST_NAMES};

/// One `[[repo]]` entry, validated.
#[derive(Debug, Clone)]
pub struct RepoEntry {
    /// Its name, unique in the file.
    pub name: String,
    /// Its work tree, absolute.
    pub path: PathBuf,
    /// Repositories it depends on: `depends_on` and what manifests declare.
    pub depends_on: Vec<String>,
    /// `file:line` of the entry.
    pub location: String,
}

/// A loaded workspace file.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The file.
    pub file: PathBuf,
    /// The repositories, in file order.
    pub repos: Vec<RepoEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    repo: Vec<Spanned<RepoFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RepoFile {
    name: String,
    path: Spanned<String>,
    #[serde(default)]
    depends_on: Vec<Spanned<String>>,
}

/// Reads and validates the workspace file at `file`.
///
/// # Errors
/// A config error (exit 2) naming the file and line: the file is missing or not TOML, an
/// unknown key, a duplicate name, a path that does not exist or is not a git work tree,
/// a `depends_on` naming no listed repository.
pub fn load(file: &Path) -> Result<Workspace> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Error::config(format!("cannot read workspace file `{}`: {e}", file.display()))
    })?;
    let parsed: File = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of(&text, s.start));
        Error::config(format!("{}:{line}: {}", file.display(), e.message()))
    })?;
    let dir = file.parent().map_or_else(|| PathBuf::from("."), Path::to_owned);
    let at = |offset: usize| format!("{}:{}", file.display(), line_of(&text, offset));
    let mut repos: Vec<RepoEntry> = Vec::new();
    for entry in parsed.repo {
        let location = at(entry.span().start);
        let entry = entry.into_inner();
        if let Some(first) = repos.iter().find(|r| r.name == entry.name) {
            return Err(Error::config(format!(
                "{location}: repository `{}` is listed twice (first at {})",
                entry.name, first.location
            ))
            .into());
        }
        let path = dir.join(entry.path.get_ref());
        if !path.join(".git").exists() {
            let what = if path.exists() { "is not a git work tree" } else { "does not exist" };
            return Err(Error::config(format!(
                "{}: repository `{}` has path `{}`, which {what}",
                at(entry.path.span().start),
                entry.name,
                path.display()
            ))
            .with_hint(
                "fix the path (relative to the workspace file), or clone the repository there",
            )
            .into());
        }
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        repos.push(RepoEntry {
            name: entry.name,
            path,
            depends_on: entry.depends_on.iter().map(|d| d.get_ref().clone()).collect(),
            location,
        });
    }
    if repos.is_empty() {
        return Err(Error::config(format!(
            "workspace file `{}` lists no `[[repo]]`",
            file.display()
        ))
        .into());
    }
    let names: BTreeSet<String> = repos.iter().map(|r| r.name.clone()).collect();
    for r in &repos {
        if let Some(unknown) = r.depends_on.iter().find(|d| !names.contains(*d)) {
            return Err(Error::config(format!(
                "{}: repository `{}` depends on `{unknown}`, which the workspace does not list",
                r.location, r.name
            ))
            .into());
        }
    }
    Ok(Workspace { file: file.to_owned(), repos })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// What one repository brings to the workspace's dependency graph, from its planned
/// `packages` in the work tree `root`: the names it releases (each package's name and
/// manifest name, as written and normalised (PEP 503), as manifests name a dependency), and
/// the dependency names its manifests declare ([`declared_dependencies`]). For
/// [`infer_edges`].
pub fn provides_and_declares(
    root: &Path,
    packages: &[crate::packages::Package],
) -> (BTreeSet<String>, BTreeSet<String>) {
    let provides = packages
        .iter()
        .flat_map(|p| [Some(p.name.clone()), p.manifest_name.clone()])
        .flatten()
        .flat_map(|n| [manifest::normalize_python_name(&n), n])
        .collect();
    let folders: Vec<String> = packages.iter().map(|p| p.path.clone()).collect();
    (provides, declared_dependencies(root, &folders))
}

/// The dependency names the manifests at the root and in the package folders of the work
/// tree `root` declare (normalised as [`manifest::parse`] gives them).
pub fn declared_dependencies(root: &Path, folders: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for folder in std::iter::once(".".to_owned()).chain(folders.iter().cloned()) {
        for name in MANIFEST_NAMES {
            let rel = if folder == "." { name.to_owned() } else { format!("{folder}/{name}") };
            if !seen.insert(rel.clone()) {
                continue;
            }
            let Ok(Some(text)) = crate::fsutil::read_text_inside(root, &rel) else { continue };
            if let Ok(m) = manifest::parse(&rel, &text) {
                out.extend(m.dependencies);
            }
        }
    }
    out
}

/// Adds to each repository's `depends_on` the repositories whose packages its manifests
/// depend on. `provides[r]` is the set of manifest names repository `r` releases;
/// `declared[r]` what its manifests depend on.
pub fn infer_edges(
    ws: &mut Workspace,
    provides: &BTreeMap<String, BTreeSet<String>>,
    declared: &BTreeMap<String, BTreeSet<String>>,
) {
    for repo in &mut ws.repos {
        let Some(deps) = declared.get(&repo.name) else { continue };
        for (other, names) in provides {
            if *other != repo.name
                && !repo.depends_on.contains(other)
                && deps.iter().any(|d| names.contains(d))
            {
                repo.depends_on.push(other.clone());
            }
        }
    }
}

/// The repositories' tiers (1 = depends on no listed repository).
///
/// # Errors
/// A dependency cycle between repositories: a config error naming it `a -> b -> a`.
pub fn tiers(ws: &Workspace) -> Result<BTreeMap<String, usize>> {
    let as_packages: Vec<crate::packages::Package> = ws
        .repos
        .iter()
        .map(|r| crate::packages::Package {
            name: r.name.clone(),
            path: r.path.display().to_string(),
            tag_formats: Vec::new(),
            version_files: Vec::new(),
            manifest_name: None,
            file_version: None,
            depends_on: r.depends_on.clone(),
            dev_depends_on: Vec::new(),
        })
        .collect();
    crate::packages::check_cycles(&as_packages).map_err(|e| {
        Error::config(format!("workspace `{}`: {e} (between repositories)", ws.file.display()))
            .with_hint("remove one of these `depends_on` entries or manifest dependencies")
    })?;
    let all: BTreeSet<&str> = ws.repos.iter().map(|r| r.name.as_str()).collect();
    Ok(crate::packages::tiers(&as_packages, &all))
}

/// Drift guard: folders beside the workspace's repositories that hold a git work tree whose
/// root manifest depends on one of `provided` (manifest names the workspace releases) but
/// that the workspace does not list. Each finding is a sentence.
pub fn drift(ws: &Workspace, provided: &BTreeSet<String>) -> Vec<String> {
    let listed: BTreeSet<PathBuf> = ws.repos.iter().map(|r| r.path.clone()).collect();
    let parents: BTreeSet<PathBuf> =
        ws.repos.iter().filter_map(|r| r.path.parent().map(Path::to_owned)).collect();
    let mut out = Vec::new();
    for parent in parents {
        let Ok(entries) = std::fs::read_dir(&parent) else { continue };
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
            if listed.contains(&dir) || !dir.join(".git").exists() {
                continue;
            }
            let deps = declared_dependencies(&dir, &[]);
            let hits: Vec<&String> = deps.iter().filter(|d| provided.contains(*d)).collect();
            if !hits.is_empty() {
                out.push(format!(
                    "GRAPH_DRIFT: `{}` depends on {} but is not listed in `{}`",
                    dir.display(),
                    hits.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", "),
                    ws.file.display()
                ));
            }
        }
    }
    out
}

/// `$XDG_STATE_HOME/git-release/runs` (default `~/.local/state/git-release/runs`): where a
/// workspace run's own state lives.
pub fn state_dir() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from(".git-release-state"));
    base.join("git-release").join("runs")
}
