//! Packages as the plan sees them: the configured `[[package]]` entries (or one package at
//! `.`), with what their manifests at HEAD say — name, version, dependencies — and the drift
//! guard (DESIGN.md › Version inference: tiers and drift).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use gix::ObjectId;
use semver::Version;

use crate::config::Config;
use crate::error::Error;
use crate::git::read::Repo;
use crate::manifest::{self, MANIFEST_NAMES, Manifest};
use crate::version::TagFormat;

/// A package, resolved against the tree at HEAD.
#[derive(Debug, Clone)]
pub struct Package {
    /// Its name (from the config, or the root manifest in a single-package repository).
    pub name: String,
    /// Its path, `.` for the repository root.
    pub path: String,
    /// Its tag formats; the first names new tags.
    pub tag_formats: Vec<TagFormat>,
    /// Its version files, configured or found at its path.
    pub version_files: Vec<String>,
    /// The name its manifest declares (crate, npm or Python name), when it has one.
    pub manifest_name: Option<String>,
    /// The version in its first version file that has one, at HEAD.
    pub file_version: Option<Version>,
    /// Packages it depends on: `depends_on` plus the normal and build dependencies its
    /// manifests declare, by package name. These alone order releases (tiers, cycles).
    pub depends_on: Vec<String>,
    /// Packages its manifests name only as development dependencies (Cargo
    /// `[dev-dependencies]`, npm `devDependencies`, Python dev/test groups) and not in
    /// `depends_on`: shown by `plan --explain`, never used for tiers or cycles (issue 15
    /// item 2; Cargo allows a dev-dependency cycle).
    pub dev_depends_on: Vec<String>,
}

/// A drift finding: a package directory not configured, or a configured path missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// A manifest declares a package in a directory no configured package covers.
    Unconfigured {
        /// The manifest's path.
        manifest: String,
    },
    /// A configured package path does not exist at HEAD.
    MissingPath {
        /// The package.
        package: String,
        /// Its configured path.
        path: String,
    },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Unconfigured { manifest } => write!(
                f,
                "`{manifest}` declares a package that no `[[package]]` entry covers; add one, or ignore it"
            ),
            Drift::MissingPath { package, path } => {
                write!(f, "package `{package}` has path `{path}`, which does not exist at HEAD")
            }
        }
    }
}

/// The packages of a repository at one commit, with drift findings.
#[derive(Debug, Clone)]
pub struct Packages {
    /// The packages, in configuration order.
    pub list: Vec<Package>,
    /// Drift guard findings.
    pub drift: Vec<Drift>,
    /// Whether the packages come from `[[package]]` entries (a monorepo) or the default single package.
    pub configured: bool,
    /// Version files that could not be read, each with why.
    pub warnings: Vec<String>,
}

/// Resolves the packages of `config` against the tree `tree` (HEAD's), reading manifests.
///
/// `fallback_name` names the single package of a repository without `[[package]]` entries
/// when its root manifest has no name (the repository's directory name).
///
/// # Errors
/// A version file that cannot be read or parsed, or whose version is not semver (named by
/// path); a dependency cycle.
pub fn resolve(
    repo: &Repo,
    config: &Config,
    tree: ObjectId,
    fallback_name: &str,
) -> Result<Packages> {
    resolve_inner(repo, config, tree, fallback_name, true)
}

/// Like [`resolve`], without the drift guard's scan of the whole tree: for callers that only
/// need tag formats and version files, such as the pre-push hook.
///
/// # Errors
/// As [`resolve`].
pub fn resolve_without_drift(
    repo: &Repo,
    config: &Config,
    tree: ObjectId,
    fallback_name: &str,
) -> Result<Packages> {
    resolve_inner(repo, config, tree, fallback_name, false)
}

fn resolve_inner(
    repo: &Repo,
    config: &Config,
    tree: ObjectId,
    fallback_name: &str,
    drift_guard: bool,
) -> Result<Packages> {
    let mut cache: BTreeMap<String, Option<Manifest>> = BTreeMap::new();
    let mut problems: Vec<String> = Vec::new();
    let mut read = |path: &str| -> Result<Option<Manifest>> {
        if let Some(m) = cache.get(path) {
            return Ok(m.clone());
        }
        let manifest = match repo.read_file(tree, path)? {
            Some(bytes) => {
                // A version file that does not parse is reported and skipped: it matters
                // only to an untagged package, and a history may hold broken manifests.
                let parsed = String::from_utf8(bytes)
                    .map_err(|_| anyhow::anyhow!("`{path}` is not valid UTF-8"))
                    .and_then(|text| manifest::parse(path, &text));
                match parsed {
                    Ok(m) => Some(m),
                    Err(e) => {
                        problems.push(format!("{e:#}; its version and dependencies are ignored"));
                        None
                    }
                }
            }
            None => None,
        };
        cache.insert(path.to_owned(), manifest.clone());
        Ok(manifest)
    };
    let detect = |dir: &str,
                  read: &mut dyn FnMut(&str) -> Result<Option<Manifest>>|
     -> Result<Vec<String>> {
        let mut found = Vec::new();
        for name in MANIFEST_NAMES.iter().chain(&["VERSION"]) {
            let path = if dir == "." { (*name).to_owned() } else { format!("{dir}/{name}") };
            if let Some(m) = read(&path)?
                && (m.version.is_some()
                    || m.version_from_workspace
                    || m.workspace_version.is_some())
            {
                found.push(path);
            }
        }
        Ok(found)
    };

    let configured = !config.packages.is_empty();
    let mut list = Vec::new();
    let mut zero_config_note: Option<String> = None;
    if configured {
        for p in &config.packages {
            let version_files = if p.version_files.is_empty() {
                detect(&p.path, &mut read)?
            } else {
                p.version_files.clone()
            };
            list.push(Package {
                name: p.name.clone(),
                path: p.path.clone(),
                tag_formats: p.tag_formats.clone(),
                version_files,
                manifest_name: None,
                file_version: None,
                depends_on: p.depends_on.clone(),
                dev_depends_on: Vec::new(),
            });
        }
    } else {
        let version_files = detect(".", &mut read)?;
        let mut name = None;
        for file in &version_files {
            if let Some(m) = read(file)?
                && name.is_none()
            {
                name.clone_from(&m.name);
            }
        }
        // The package name comes from a root manifest even when it carries no version
        // (issue 15 item 3); the directory's name is the last resort.
        for file in MANIFEST_NAMES {
            if name.is_none()
                && let Some(m) = read(file)?
                && m.is_package
            {
                name.clone_from(&m.name);
            }
        }
        let name = name.unwrap_or_else(|| fallback_name.to_owned());
        let mut formats = config.tag_format.clone();
        if config.file.is_none() && !config.tag_format_set {
            // Zero configuration: the tag scheme is read from the tags present.
            let tags = repo.tags()?;
            let detected =
                crate::onboard::schemes::detect(&name, tags.iter().map(|t| t.name.as_str()));
            if !detected.formats.is_empty() {
                formats = detected.formats;
            }
            if let Some(example) = detected.unmatched.first() {
                zero_config_note = Some(format!(
                    "{} tag(s) look like releases but match no tag format of `{name}` ({}), such as `{example}`; `git release init` writes a configuration that reads them",
                    detected.unmatched.len(),
                    formats.join(", ")
                ));
            }
        }
        let tag_formats = formats
            .iter()
            .map(|f| TagFormat::parse(f, &name))
            .collect::<Result<Vec<_>>>()
            .context("invalid `release.tag_format`")?;
        list.push(Package {
            name,
            path: ".".to_owned(),
            tag_formats,
            version_files,
            manifest_name: None,
            file_version: None,
            depends_on: Vec::new(),
            dev_depends_on: Vec::new(),
        });
    }

    // Versions, names and declared dependencies from the manifests.
    let mut raw_deps: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for pkg in &mut list {
        let mut deps = Vec::new();
        let mut dev_deps = Vec::new();
        for file in &pkg.version_files {
            let Some(m) = read(file).with_context(|| {
                format!("failed to read version file of package `{}`", pkg.name)
            })?
            else {
                continue;
            };
            if pkg.manifest_name.is_none() {
                pkg.manifest_name.clone_from(&m.name);
            }
            let mut version = m.version.clone();
            if version.is_none() && m.version_from_workspace {
                version = read("Cargo.toml")?.and_then(|root| root.workspace_version);
            }
            if version.is_none() && !m.is_package {
                version.clone_from(&m.workspace_version);
            }
            if pkg.file_version.is_none()
                && let Some(v) = version
            {
                pkg.file_version = Some(Version::parse(v.trim()).map_err(|e| {
                    Error::config(format!(
                        "version `{v}` in `{file}` (package `{}`) is not a semantic version: {e}",
                        pkg.name
                    ))
                })?);
            }
            deps.extend(m.dependencies.iter().cloned());
            dev_deps.extend(m.dev_dependencies.iter().cloned());
        }
        raw_deps.push((deps, dev_deps));
    }
    let by_manifest: BTreeMap<String, String> = list
        .iter()
        .flat_map(|p| {
            let mut keys = vec![(p.name.clone(), p.name.clone())];
            if let Some(m) = &p.manifest_name {
                keys.push((m.clone(), p.name.clone()));
                keys.push((manifest::normalize_python_name(m), p.name.clone()));
            }
            keys
        })
        .collect();
    let local = |dep: &str| {
        by_manifest.get(dep).or_else(|| by_manifest.get(&manifest::normalize_python_name(dep)))
    };
    for (pkg, (deps, dev_deps)) in list.iter_mut().zip(raw_deps) {
        for dep in deps {
            if let Some(target) = local(&dep)
                && *target != pkg.name
                && !pkg.depends_on.contains(target)
            {
                pkg.depends_on.push(target.clone());
            }
        }
        for dep in dev_deps {
            if let Some(target) = local(&dep)
                && *target != pkg.name
                && !pkg.depends_on.contains(target)
                && !pkg.dev_depends_on.contains(target)
            {
                pkg.dev_depends_on.push(target.clone());
            }
        }
    }

    let mut drift = Vec::new();
    if configured && drift_guard {
        for p in &list {
            if p.path != "." && repo.lookup_path(tree, &p.path)?.is_none() {
                drift.push(Drift::MissingPath { package: p.name.clone(), path: p.path.clone() });
            }
        }
        for manifest_path in repo.find_files(tree, &MANIFEST_NAMES)? {
            let dir = manifest_path.rsplit_once('/').map_or(".", |(d, _)| d);
            let covered = list.iter().any(|p| {
                p.path == "." || dir == p.path || dir.starts_with(&format!("{}/", p.path))
            });
            if covered {
                continue;
            }
            // Test data, samples and packages that are never published are not drift
            // (the same rule `init` uses to leave them out).
            if manifest::sample_dir(dir).is_some() {
                continue;
            }
            let is_package = read(&manifest_path)
                .ok()
                .flatten()
                .is_some_and(|m| m.is_package && m.unpublished.is_none());
            if is_package {
                drift.push(Drift::Unconfigured { manifest: manifest_path });
            }
        }
    }

    check_cycles(&list)?;
    problems.extend(zero_config_note);
    problems.sort();
    problems.dedup();
    Ok(Packages { list, drift, configured, warnings: problems })
}

/// Fails with the packages of the first dependency cycle found, in order.
///
/// # Errors
/// A cycle: a config error naming it as `a -> b -> a`.
#[allow(
    clippy::items_after_statements,
    reason = "the recursive helper reads best next to its state"
)]
pub fn check_cycles(list: &[Package]) -> Result<()> {
    let index: BTreeMap<&str, usize> =
        list.iter().enumerate().map(|(i, p)| (p.name.as_str(), i)).collect();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; list.len()];
    let mut stack: Vec<usize> = Vec::new();
    fn visit(
        i: usize,
        list: &[Package],
        index: &BTreeMap<&str, usize>,
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[i] = 1;
        stack.push(i);
        for dep in &list[i].depends_on {
            let Some(&j) = index.get(dep.as_str()) else { continue };
            if state[j] == 1 {
                let start = stack.iter().position(|&k| k == j).expect("on the stack");
                let mut cycle = stack[start..].to_vec();
                cycle.push(j);
                return Some(cycle);
            }
            if state[j] == 0
                && let Some(c) = visit(j, list, index, state, stack)
            {
                return Some(c);
            }
        }
        stack.pop();
        state[i] = 2;
        None
    }
    for i in 0..list.len() {
        if state[i] == 0
            && let Some(cycle) = visit(i, list, &index, &mut state, &mut stack)
        {
            let names: Vec<&str> = cycle.iter().map(|&k| list[k].name.as_str()).collect();
            return Err(Error::config(format!("dependency cycle: {}", names.join(" -> ")))
                .with_hint("remove one of these dependencies, or its `depends_on` entry")
                .into());
        }
    }
    Ok(())
}

/// Tiers: 1 for a package none of whose dependencies is in `members`, else one more than
/// its deepest dependency in `members`. Packages outside `members` get a tier too, computed
/// the same way, so a reader sees where they would go.
#[allow(
    clippy::items_after_statements,
    reason = "the recursive helper reads best next to its state"
)]
pub fn tiers(list: &[Package], members: &BTreeSet<&str>) -> BTreeMap<String, usize> {
    let index: BTreeMap<&str, &Package> = list.iter().map(|p| (p.name.as_str(), p)).collect();
    let mut memo: BTreeMap<String, usize> = BTreeMap::new();
    fn tier(
        name: &str,
        index: &BTreeMap<&str, &Package>,
        members: &BTreeSet<&str>,
        memo: &mut BTreeMap<String, usize>,
    ) -> usize {
        if let Some(t) = memo.get(name) {
            return *t;
        }
        let deps = index.get(name).map(|p| p.depends_on.clone()).unwrap_or_default();
        let t = 1 + deps
            .iter()
            .filter(|d| members.contains(d.as_str()))
            .map(|d| tier(d, index, members, memo))
            .max()
            .unwrap_or(0);
        memo.insert(name.to_owned(), t);
        t
    }
    for p in list {
        tier(&p.name, &index, members, &mut memo);
    }
    memo
}
