//! Onboarding an existing repository (issue 15): the configuration `git release init`
//! proposes, from the packages the work tree declares ([`discover`]) and the release tags
//! that already exist ([`schemes`]).
//!
//! Each release line (tags sharing the text before their version) is matched to a package:
//!
//! 1. by name: the line's name is the package's, or equal once `_`/`-` are normalised, or
//!    the package's npm name without its scope;
//! 2. by path: the tagged commits change the package's directory and no other's;
//! 3. lines without a name (`v{version}`, `{version}`): the package whose manifest carries
//!    the tag's version at the tagged commit. When the same versions are in every package's
//!    manifest (one version line for all), the repository is a fixed-version monorepo: every
//!    package takes the line's format, in one `[[group]] mode = "fixed"`.
//!
//! A package's formats are its lines', the line with the highest version first (it names new
//! tags); older schemes stay as extra formats so their tags are still read. A line that
//! matches no package is reported, never guessed.

pub mod discover;
pub mod render;
pub mod schemes;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use anyhow::Result;
use gix::ObjectId;
use semver::Version;

use crate::git::read::Repo;
use crate::manifest::{self, MANIFEST_NAMES};
pub use discover::{Discovery, Found, Skipped};
use schemes::Line;

/// How many of a line's newest tags are read to match it by path or by manifest version.
const SAMPLE: usize = 5;

/// The name of the `[[group]]` `init` writes for a fixed-version monorepo.
pub const FIXED_GROUP: &str = "all";

/// One package of the proposal.
#[derive(Debug, Clone)]
pub struct Proposed {
    /// What discovery found.
    pub found: Found,
    /// Its tag formats, the first names new tags.
    pub formats: Vec<String>,
    /// Its newest tagged version and that tag, when it has tags (reachable from HEAD or not:
    /// `plan` shows the newest one HEAD reaches).
    pub current: Option<(Version, String)>,
    /// How its tags were matched to it, one phrase per line (`by name`).
    pub matched: Vec<String>,
}

/// A release line that matches no package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// The line's pattern (`axum-debug-v{version}`).
    pub pattern: String,
    /// How many tags it has.
    pub count: usize,
    /// Its newest tag.
    pub newest: String,
}

/// What `init` proposes.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The packages (one at `.` with `single`).
    pub packages: Vec<Proposed>,
    /// A single-package repository: `release.tag_format`, no `[[package]]`.
    pub single: bool,
    /// The shared format of a fixed-version monorepo, whose packages form one fixed group.
    pub fixed: Option<String>,
    /// The manifests left out, and why.
    pub skipped: Vec<Skipped>,
    /// The workspace declarations followed; empty when the tree was scanned.
    pub declarations: Vec<String>,
    /// Release lines that match no package.
    pub unmatched: Vec<Unmatched>,
    /// Tags that do not look like releases.
    pub other_tags: usize,
}

/// Proposes a configuration for the repository `repo` whose work tree is `workdir`.
///
/// # Errors
/// A directory of the work tree or an object of the repository cannot be read.
pub fn propose(repo: &Repo, workdir: &Path) -> Result<Proposal> {
    let discovery = discover::discover(workdir)?;
    let tag_refs = repo.tags()?;
    let mut commits: HashMap<String, ObjectId> = HashMap::new();
    for t in &tag_refs {
        let commit = match t.peeled {
            Some(id) => Some(id),
            None => repo.peel(t.target)?,
        };
        if let Some(id) = commit {
            commits.insert(t.name.clone(), id);
        }
    }
    let lines = schemes::lines(tag_refs.iter().map(|t| t.name.as_str()));
    let other_tags = tag_refs.len() - lines.iter().map(|l| l.tags.len()).sum::<usize>();
    let found = discovery.found;
    let single = found.len() <= 1 && found.iter().all(|f| f.path == ".");
    let lookup = Matcher { repo, found: &found, commits: &commits };

    // line index -> (package indexes, how)
    let mut owner: BTreeMap<usize, (Vec<usize>, String)> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if line.scheme.is_none() || line.is_nameless() {
            continue;
        }
        if single {
            let name = found.first().map_or("", |f| f.name.as_str());
            if line
                .name
                .as_deref()
                .is_some_and(|n| schemes::normalize(n) == schemes::normalize(name))
                && !name.is_empty()
            {
                owner.insert(i, (vec![0], "by name".to_owned()));
            }
            continue;
        }
        if let Some(hit) = lookup.by_name(line).or_else(|| lookup.by_path(line)) {
            owner.insert(i, hit);
        }
    }
    let named_owned: BTreeSet<usize> = owner.values().flat_map(|(p, _)| p.clone()).collect();
    let mut fixed: Option<String> = None;
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.is_nameless()) {
        if found.is_empty() {
            owner.insert(i, (Vec::new(), "the repository's".to_owned()));
            continue;
        }
        if found.len() == 1 {
            owner.insert(i, (vec![0], "the only package".to_owned()));
            continue;
        }
        let votes = lookup.by_version(line)?;
        let shared = votes.iter().any(|v| v.len() >= 2)
            || (found.iter().all(|f| f.version.is_some() && f.version == found[0].version)
                && votes.iter().all(BTreeSet::is_empty));
        if named_owned.is_empty() && (fixed.is_none() || fixed.as_deref() == line.scheme) && shared
        {
            fixed = line.scheme.map(str::to_owned);
            owner.insert(i, ((0..found.len()).collect(), "one version for all".to_owned()));
            continue;
        }
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for v in &votes {
            for &p in v {
                *counts.entry(p).or_default() += 1;
            }
        }
        let best = counts.values().copied().max().unwrap_or(0);
        let winners: Vec<usize> =
            counts.iter().filter(|(_, n)| **n == best).map(|(p, _)| *p).collect();
        if let [winner] = winners[..] {
            owner.insert(i, (vec![winner], "by the version in its manifest".to_owned()));
        } else if let Some(root) = found.iter().position(|f| f.path == ".") {
            owner.insert(i, (vec![root], "the root package".to_owned()));
        }
    }

    // A line whose text could not be a tag format (a `{` in a tag name) is let go, so the
    // file always loads; its tags are then reported as unmatched.
    owner.retain(|&i, (ps, _)| {
        ps.iter().all(|&p| {
            let name = &found[p].name;
            crate::version::TagFormat::parse(&lines[i].format_for(name), name).is_ok()
        })
    });
    let house = house_scheme(&lines, &owner, fixed.as_deref());
    let mut packages = Vec::new();
    for (p, f) in found.iter().enumerate() {
        let mut mine: Vec<(&Line, &str)> = owner
            .iter()
            .filter(|(_, (ps, _))| ps.contains(&p))
            .map(|(&i, (_, how))| (&lines[i], how.as_str()))
            .collect();
        mine.sort_by(|a, b| schemes::compare(a.0, b.0));
        let mut formats: Vec<String> = Vec::new();
        for (line, _) in &mine {
            let format = line.format_for(&f.name);
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        if formats.is_empty() {
            formats.push(if single {
                crate::config::DEFAULT_TAG_FORMAT.to_owned()
            } else {
                house.clone()
            });
        }
        // The newest tagged version; on a tie, the tag of the line that names new tags.
        let mut current: Option<(Version, String)> = None;
        for (line, _) in &mine {
            if current.as_ref().is_none_or(|(v, _)| line.tags[0].0 > *v) {
                current = Some(line.tags[0].clone());
            }
        }
        let matched =
            mine.iter().map(|(l, how)| format!("{} {how}", l.format_for(&f.name))).collect();
        packages.push(Proposed { found: f.clone(), formats, current, matched });
    }
    let unmatched = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !owner.contains_key(i))
        .map(|(_, l)| Unmatched {
            pattern: format!("{}{{version}}", l.prefix),
            count: l.tags.len(),
            newest: l.tags[0].1.clone(),
        })
        .collect();
    let single_formats = if found.is_empty() {
        let mut nameless: Vec<&Line> = lines.iter().filter(|l| l.is_nameless()).collect();
        schemes::order(&mut nameless);
        let formats: Vec<String> = nameless.iter().map(|l| l.format_for("")).collect();
        Some(formats)
    } else {
        None
    };
    if let Some(formats) = single_formats {
        let current = lines
            .iter()
            .filter(|l| l.is_nameless())
            .map(|l| l.tags[0].clone())
            .max_by(|a, b| a.0.cmp(&b.0));
        packages.push(Proposed {
            found: Found {
                name: String::new(),
                path: ".".to_owned(),
                manifest: String::new(),
                version: None,
            },
            formats: if formats.is_empty() {
                vec![crate::config::DEFAULT_TAG_FORMAT.to_owned()]
            } else {
                formats
            },
            current,
            matched: Vec::new(),
        });
    }
    Ok(Proposal {
        packages,
        single,
        fixed,
        skipped: discovery.skipped,
        declarations: discovery.declarations,
        unmatched,
        other_tags,
    })
}

/// The scheme a package with no tags yet takes: the one most packages' lines use by name,
/// the fixed format of a fixed-version monorepo, else the default `{name}/v{version}`.
fn house_scheme(
    lines: &[Line],
    owner: &BTreeMap<usize, (Vec<usize>, String)>,
    fixed: Option<&str>,
) -> String {
    if let Some(fixed) = fixed {
        return fixed.to_owned();
    }
    let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
    for (&i, (packages, how)) in owner {
        if how == "by name"
            && let Some(scheme) = lines[i].scheme.filter(|s| s.contains("{name}"))
        {
            *votes.entry(scheme).or_default() += packages.len();
        }
    }
    votes
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map_or(crate::config::DEFAULT_PACKAGE_TAG_FORMAT.to_owned(), |(s, _)| s.to_owned())
}

/// Matches release lines to the packages found.
struct Matcher<'a> {
    repo: &'a Repo,
    found: &'a [Found],
    commits: &'a HashMap<String, ObjectId>,
}

impl Matcher<'_> {
    /// The package whose name is the line's: exactly, once normalised, or without its npm
    /// scope (when only one package fits).
    fn by_name(&self, line: &Line) -> Option<(Vec<usize>, String)> {
        let name = line.name.as_deref()?;
        if let Some(p) = self.found.iter().position(|f| f.name == name) {
            return Some((vec![p], "by name".to_owned()));
        }
        let fits = |test: &dyn Fn(&Found) -> bool| {
            let hits: Vec<usize> =
                self.found.iter().enumerate().filter(|(_, f)| test(f)).map(|(i, _)| i).collect();
            if let [one] = hits[..] { Some(one) } else { None }
        };
        let normal = schemes::normalize(name);
        if let Some(p) = fits(&|f| schemes::normalize(&f.name) == normal) {
            return Some((vec![p], "by name, `_` read as `-`".to_owned()));
        }
        let unscoped = |n: &str| n.rsplit_once('/').map_or(n, |(_, rest)| rest).to_owned();
        fits(&|f| f.name.starts_with('@') && schemes::normalize(&unscoped(&f.name)) == normal)
            .map(|p| (vec![p], "by name without its scope".to_owned()))
    }

    /// The one package whose directory the line's newest tagged commits change, when most of
    /// them change it and no other.
    fn by_path(&self, line: &Line) -> Option<(Vec<usize>, String)> {
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        let mut sampled = 0;
        let mut buf = Vec::new();
        for (_, tag) in line.tags.iter().take(SAMPLE) {
            let Some(commit) = self.commits.get(tag) else { continue };
            let Ok(info) = self.repo.commit_header(commit, &mut buf) else { continue };
            let parent_tree = info.parents.first().and_then(|p| self.repo.tree_of(p).ok());
            sampled += 1;
            let touched: Vec<usize> = self
                .found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.path != ".")
                .filter(|(_, f)| {
                    let now = self.repo.lookup_path(info.tree, &f.path).ok().flatten();
                    let before =
                        parent_tree.and_then(|t| self.repo.lookup_path(t, &f.path).ok().flatten());
                    now.is_some() && now.map(|e| e.id) != before.map(|e| e.id)
                })
                .map(|(i, _)| i)
                .collect();
            if let [one] = touched[..] {
                *counts.entry(one).or_default() += 1;
            }
        }
        let (&p, &n) = counts.iter().max_by_key(|(_, n)| **n)?;
        (counts.len() == 1 && n * 2 > sampled)
            .then(|| (vec![p], "by the paths its tagged commits change".to_owned()))
    }

    /// For each of the line's newest tags, the packages whose manifest carries the tag's
    /// version at the tagged commit (at the package's path, or a root manifest of that name).
    fn by_version(&self, line: &Line) -> Result<Vec<BTreeSet<usize>>> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        for (version, tag) in line.tags.iter().take(SAMPLE) {
            let Some(commit) = self.commits.get(tag) else { continue };
            let tree = self.repo.commit_header(commit, &mut buf)?.tree;
            let read = |path: &str| -> Option<manifest::Manifest> {
                let bytes = self.repo.read_file(tree, path).ok().flatten()?;
                manifest::parse(path, &String::from_utf8(bytes).ok()?).ok()
            };
            let carries = |m: &manifest::Manifest| {
                m.version.as_deref().and_then(|v| Version::parse(v.trim()).ok()).as_ref()
                    == Some(version)
            };
            let mut hits = BTreeSet::new();
            for (p, f) in self.found.iter().enumerate() {
                if read(&f.manifest).is_some_and(|m| carries(&m)) {
                    hits.insert(p);
                }
            }
            for root in MANIFEST_NAMES {
                if let Some(m) = read(root).filter(|m| m.is_package && carries(m))
                    && let Some(name) = &m.name
                    && let Some(p) = self
                        .found
                        .iter()
                        .position(|f| schemes::normalize(&f.name) == schemes::normalize(name))
                {
                    hits.insert(p);
                }
            }
            out.push(hits);
        }
        Ok(out)
    }
}
