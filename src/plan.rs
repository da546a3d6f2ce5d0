//! The plan: for each package with releasable changes, its tier, current and next version,
//! bump, reasons and commits (DESIGN.md › Vocabulary, Version inference), and the plan hash
//! that an approval binds to (Principle 5).
//!
//! A plan is computed from reads alone; nothing here writes.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use anyhow::Result;
use gix::ObjectId;
use semver::Version;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::conventional::{Classified, classify};
use crate::error::Error;
use crate::git::read::Repo;
use crate::history::{self, Candidate, PathTrie};
use crate::packages::{self, Packages};
use crate::version::{self, Level};

/// What the caller asks of the plan, besides the configuration.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Package names (or paths) to plan; empty = every package.
    pub packages: Vec<String>,
    /// `--bump`: force this level on every planned package.
    pub bump: Option<Level>,
    /// `--pre`: make a prerelease on this channel.
    pub pre: Option<String>,
    /// `--strict`: non-conventional commits and drift are errors.
    pub strict: bool,
}

/// How the next version was decided (the JSON `bump` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BumpKind {
    /// `X+1.0.0`.
    Major,
    /// `X.Y+1.0`.
    Minor,
    /// `X.Y.Z+1`.
    Patch,
    /// A prerelease (`--pre`).
    Prerelease,
    /// A `Release-As:` footer set the version.
    ReleaseAs,
    /// No release tag yet: the version file's version or `initial_version`.
    Initial,
    /// Nothing to release.
    None,
}

impl BumpKind {
    /// The lowercase name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BumpKind::Major => "major",
            BumpKind::Minor => "minor",
            BumpKind::Patch => "patch",
            BumpKind::Prerelease => "prerelease",
            BumpKind::ReleaseAs => "release_as",
            BumpKind::Initial => "initial",
            BumpKind::None => "none",
        }
    }
}

/// Whether a package is released by the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It has releasable commits (or an override).
    Release,
    /// `NOTHING_TO_RELEASE`: no commit asks for a release.
    NothingToRelease,
}

/// One commit of a package's range and what it asked for (the JSON `reasons` entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The full commit id.
    pub commit: String,
    /// The first line of its message.
    pub summary: String,
    /// Its Conventional Commit type, or `null` when the message is not conventional.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Its scope.
    pub scope: Option<String>,
    /// Whether it declares a breaking change.
    pub breaking: bool,
    /// The bump it asks for: `none`, `patch`, `minor`, `major`, or `release_as`.
    pub bump: String,
    /// The change file (`.changeset/*.md`) that asked for the bump, when the reason is a
    /// change file rather than a commit (`commit` is then empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One package's row of the plan (the JSON `packages` entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The package name.
    pub name: String,
    /// Its path.
    pub path: String,
    /// Its depth in the dependency graph of the released packages, from 1.
    pub tier: usize,
    /// `release` or `nothing_to_release`.
    pub status: Status,
    /// The highest released version reachable from HEAD (may be a prerelease).
    pub current_version: Option<String>,
    /// The tag of `current_version`.
    pub current_tag: Option<String>,
    /// The version to release, `null` when nothing is released.
    pub next_version: Option<String>,
    /// The tag to create.
    pub next_tag: Option<String>,
    /// How the next version was decided.
    pub bump: BumpKind,
    /// Commits in the range that touch the package.
    pub commits: usize,
    /// How many of them are Conventional Commits.
    pub conventional: usize,
    /// How many of them declare a breaking change.
    pub breaking: usize,
    /// The packages it depends on.
    pub depends_on: Vec<String>,
    /// One entry per commit, newest first.
    pub reasons: Vec<Reason>,
    /// Why it is released besides its own commits: a version group, or a dependency that is
    /// released (`release.dependents`). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
}

/// A computed plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The commit HEAD pointed to.
    pub head: ObjectId,
    /// One row per selected package, in tier order, then configuration order.
    pub rows: Vec<Row>,
    /// Warnings to show (drift, ignored tags, an existing next tag…).
    pub warnings: Vec<String>,
    /// Tags that matched no format or version, for `-v`.
    pub ignored_tags: Vec<String>,
    /// Release-looking tags the walk met that point at a tree or a blob, not a commit.
    pub not_commits: Vec<String>,
    /// How the history walk ordered its queue (for `-v`).
    pub walk_order: history::Order,
    /// Distinct commits the history walk read.
    pub commits_read: usize,
    /// How many of them a second core decoded ahead of the walk (for `-v`).
    pub read_ahead: usize,
    /// The resolved packages (all, not only the selected ones).
    pub packages: Packages,
    /// Every tag ref read for the plan, so later readers (the checks) share the one read.
    pub tags: Vec<crate::git::read::TagRef>,
}

impl Plan {
    /// The rows that release something.
    pub fn releases(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.status == Status::Release)
    }

    /// `sha256:` + the first 12 hex digits of SHA-256 over the release rows as canonical
    /// JSON (sorted keys, no whitespace), per DESIGN.md › Version inference.
    pub fn hash(&self) -> String {
        let rows: Vec<CanonicalRow<'_>> = self.releases().map(CanonicalRow::from).collect();
        let mut hasher = HashWriter(Sha256::new());
        serde_json::to_writer(&mut hasher, &rows).expect("hashing cannot fail");
        let digest = hasher.0.finalize();
        let mut text = String::from("sha256:");
        for byte in digest.iter().take(6) {
            let _ = write!(text, "{byte:02x}");
        }
        text
    }
}

/// A [`Row`] with its fields in sorted order, so `serde_json` writes canonical JSON (sorted
/// keys, no whitespace) straight into the hash without building a `Value` tree, which costs
/// more than the history walk on a 20,000-commit range. `canonical_rows_match_sorted_values`
/// keeps it in step with [`Row`].
#[derive(Serialize)]
struct CanonicalRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    because: &'a Option<String>,
    breaking: usize,
    bump: BumpKind,
    commits: usize,
    conventional: usize,
    current_tag: &'a Option<String>,
    current_version: &'a Option<String>,
    depends_on: &'a [String],
    name: &'a str,
    next_tag: &'a Option<String>,
    next_version: &'a Option<String>,
    path: &'a str,
    reasons: Vec<CanonicalReason<'a>>,
    status: Status,
    tier: usize,
}

/// A [`Reason`] with its fields in sorted order.
#[derive(Serialize)]
struct CanonicalReason<'a> {
    breaking: bool,
    bump: &'a str,
    commit: &'a str,
    scope: &'a Option<String>,
    summary: &'a str,
    #[serde(rename = "type")]
    kind: &'a Option<String>,
}

impl<'a> From<&'a Row> for CanonicalRow<'a> {
    fn from(r: &'a Row) -> Self {
        Self {
            because: &r.because,
            breaking: r.breaking,
            bump: r.bump,
            commits: r.commits,
            conventional: r.conventional,
            current_tag: &r.current_tag,
            current_version: &r.current_version,
            depends_on: &r.depends_on,
            name: &r.name,
            next_tag: &r.next_tag,
            next_version: &r.next_version,
            path: &r.path,
            reasons: r
                .reasons
                .iter()
                .map(|x| CanonicalReason {
                    breaking: x.breaking,
                    bump: &x.bump,
                    commit: &x.commit,
                    scope: &x.scope,
                    summary: &x.summary,
                    kind: &x.kind,
                })
                .collect(),
            status: r.status,
            tier: r.tier,
        }
    }
}

/// Feeds serialised JSON straight into the hash, without building the text.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Computes the plan for the repository at HEAD.
///
/// # Errors
/// An empty repository (no commits); an unknown package name (usage, lists the known
/// ones); a dependency cycle; under `--strict`, drift or a commit that is not conventional;
/// any read failure.
pub fn build(repo: &Repo, config: &Config, options: &Options) -> Result<Plan> {
    let Some(head) = repo.head_commit()? else {
        return Err(Error::failed(
            "the repository has no commits yet, so there is nothing to plan",
        )
        .with_hint("make a first commit, then run `git release plan`")
        .into());
    };
    build_at(repo, config, options, head)
}

/// [`build`] as if HEAD were `head`: the plan of a commit that is not checked out, such as
/// the merged RC head a release train promotes (issue 17).
///
/// # Errors
/// As [`build`].
pub fn build_at(repo: &Repo, config: &Config, options: &Options, head: ObjectId) -> Result<Plan> {
    let head_tree = repo.tree_of(&head)?;
    let fallback = repo
        .root()
        .file_name()
        .map_or_else(|| "package".to_owned(), |n| n.to_string_lossy().into_owned());
    let fallback = fallback.strip_suffix(".git").map_or(fallback.clone(), str::to_owned);
    let packages = packages::resolve(repo, config, head_tree, &fallback)?;
    let strict = options.strict || config.strict;

    let mut warnings: Vec<String> = packages.drift.iter().map(ToString::to_string).collect();
    warnings.extend(packages.warnings.iter().cloned());
    if strict && !packages.drift.is_empty() {
        return Err(Error::config(format!(
            "drift between configuration and repository: {}",
            warnings.join("; ")
        ))
        .with_hint("configure the package, fix its path, or run without `--strict`")
        .into());
    }

    let selected: Vec<usize> = if options.packages.is_empty() {
        (0..packages.list.len()).collect()
    } else {
        let mut out = Vec::new();
        for wanted in &options.packages {
            let wanted_path = crate::config::normalize_path(wanted).unwrap_or_default();
            let found =
                packages.list.iter().position(|p| p.name == *wanted || p.path == wanted_path);
            match found {
                Some(i) if !out.contains(&i) => out.push(i),
                Some(_) => {}
                None => {
                    let known: Vec<&str> = packages.list.iter().map(|p| p.name.as_str()).collect();
                    return Err(Error::usage(format!("unknown package `{wanted}`"))
                        .with_hint(format!("known packages: {}", known.join(", ")))
                        .into());
                }
            }
        }
        out
    };

    // Candidates: every tag that parses under one of the package's formats.
    let tags = repo.tags()?;
    let mut candidates: Vec<Vec<Candidate>> = vec![Vec::new(); selected.len()];
    let mut matched: BTreeSet<&str> = BTreeSet::new();
    for tag in &tags {
        for (slot, &pi) in selected.iter().enumerate() {
            let pkg = &packages.list[pi];
            if let Some(version) = pkg.tag_formats.iter().find_map(|f| f.parse_tag(&tag.name)) {
                candidates[slot].push(Candidate {
                    version,
                    tag: tag.name.clone(),
                    target: tag.target,
                    peeled: tag.peeled,
                });
                matched.insert(&tag.name);
            }
        }
    }
    let ignored_tags: Vec<String> = tags
        .iter()
        .filter(|t| !matched.contains(t.name.as_str()))
        .map(|t| t.name.clone())
        .collect();
    let all_versions: Vec<Vec<Version>> =
        candidates.iter().map(|c| c.iter().map(|c| c.version.clone()).collect()).collect();
    let existing_tags: BTreeSet<&str> = tags.iter().map(|t| t.name.as_str()).collect();

    let mut walk = history::walk(repo, head, candidates, config.first_parent, classify)?;
    if let Some(shallow) = &walk.shallow {
        let name = &packages.list[selected[shallow.package]].name;
        return Err(Error::usage(format!(
            "the history is shallow: the walk reached the shallow boundary at commit `{}` \
             before it could find the last release of package `{name}` and the commits since",
            shallow.commit
        ))
        .with_hint(
            "fetch the whole history with `git fetch --unshallow --tags` (in GitHub Actions: \
             `fetch-depth: 0` on actions/checkout)",
        )
        .into());
    }
    let mut not_commits: Vec<String> =
        walk.packages.iter().flat_map(|p| p.not_commits.iter().cloned()).collect();
    not_commits.sort();
    not_commits.dedup();

    // Which commits touch which (non-root) package path: one tree comparison per commit.
    let trie = PathTrie::new(
        selected
            .iter()
            .enumerate()
            .filter(|(_, pi)| packages.list[**pi].path != ".")
            .map(|(slot, pi)| (slot, packages.list[*pi].path.as_str())),
    );
    let mut touched_cache: HashMap<ObjectId, Vec<usize>> = HashMap::new();
    if !trie.is_empty() {
        let mut union: Vec<ObjectId> = Vec::new();
        let mut seen = BTreeSet::new();
        for (slot, pi) in selected.iter().enumerate() {
            if packages.list[*pi].path == "." {
                continue;
            }
            for id in &walk.packages[slot].range {
                if seen.insert(*id) {
                    union.push(*id);
                }
            }
        }
        // Contiguous chunks keep a commit and its parent in one thread's tree cache.
        let touched = repo.parallel(&union, 512, |repo, chunk| {
            let mut trees = history::TreeCache::default();
            chunk.iter().map(|id| history::touched(repo, &mut trees, &walk, &trie, id)).collect()
        })?;
        touched_cache.extend(union.into_iter().zip(touched));
    }

    // Each package's commits: its range, less the commits that do not touch its path.
    let per_package: Vec<Vec<ObjectId>> = selected
        .iter()
        .enumerate()
        .map(|(slot, &pi)| {
            let range = &walk.packages[slot].range;
            if packages.list[pi].path == "." {
                range.clone()
            } else {
                range
                    .iter()
                    .filter(|id| touched_cache.get(*id).is_some_and(|t| t.contains(&slot)))
                    .copied()
                    .collect()
            }
        })
        .collect();
    // Messages are read and classified once per commit, in parallel. `needed` lists each
    // commit once, in the order the packages first list it (newest first), and `index`
    // gives each package's commits as positions in it: the loop below then reads the
    // classifications in order instead of looking up 20,000 commits at random.
    let mut first_seen = gix::hashtable::HashMap::<ObjectId, usize>::default();
    let mut needed: Vec<ObjectId> = Vec::new();
    let index: Vec<Vec<usize>> = per_package
        .iter()
        .map(|ids| {
            ids.iter()
                .map(|id| {
                    *first_seen.entry(*id).or_insert_with(|| {
                        needed.push(*id);
                        needed.len() - 1
                    })
                })
                .collect()
        })
        .collect();
    drop(first_seen);
    // The walk classified them already, on the core that read each (with a commit-graph,
    // those the second core reached during the walk); the rest are read here.
    let mut classified: Vec<Option<Classified>> =
        needed.iter().map(|id| walk.take_digest(id)).collect();
    let unread: Vec<ObjectId> =
        needed.iter().zip(&classified).filter(|(_, c)| c.is_none()).map(|(id, _)| *id).collect();
    let mut read = repo.map_messages(&unread, |_, message| classify(message))?.into_iter();
    let classified: Vec<Classified> = classified
        .iter_mut()
        .map(|c| c.take().or_else(|| read.next()).expect("one classification per unread commit"))
        .collect();

    let change_files = if config
        .bump
        .changesets
        .map_or_else(|| crate::changesets::has_folder(repo, head_tree), Ok)?
    {
        crate::changesets::files_in(repo, head_tree, &[])?
    } else {
        Vec::new()
    };

    // First pass: what each package's own commits (and change files) ask for.
    let mut inputs = Vec::with_capacity(selected.len());
    for (slot, &pi) in selected.iter().enumerate() {
        let pkg = &packages.list[pi];
        let hist = &walk.packages[slot];
        let commits = &per_package[slot];
        let base = hist.last_stable.as_ref().map(|(c, _)| c.version.clone());
        let before_1_0 = base.as_ref().map_or_else(
            || pkg.file_version.as_ref().unwrap_or(&config.initial_version).major == 0,
            |b| b.major == 0,
        );
        let mut reasons = Vec::with_capacity(commits.len());
        let mut level = Level::None;
        let mut release_as: Option<Version> = None;
        let (mut conventional, mut breaking) = (0, 0);
        for (id, &at) in commits.iter().zip(&index[slot]) {
            let c = &classified[at];
            let commit_level = config.bump.level(c, before_1_0);
            conventional += usize::from(c.conventional);
            breaking += usize::from(config.bump.is_breaking(c));
            // The newest `Release-As:` wins (commits come newest first).
            if release_as.is_none() && c.release_as.is_some() {
                release_as.clone_from(&c.release_as);
            }
            level = level.max(commit_level);
            reasons.push(Reason {
                commit: id.to_string(),
                summary: c.summary.clone(),
                kind: c.kind.clone(),
                scope: c.scope.clone(),
                breaking: config.bump.is_breaking(c),
                bump: if c.release_as.is_some() {
                    "release_as".to_owned()
                } else {
                    commit_level.as_str().to_owned()
                },
                file: None,
            });
        }
        // Pending change files (issue 16 item 3): each that names the package is a source.
        for file in &change_files {
            let file_level = file.level_for(&pkg.name, packages.list.len() == 1);
            if !file.bumps.iter().any(|(n, _)| packages.list.len() == 1 || *n == pkg.name) {
                continue;
            }
            level = level.max(file_level);
            reasons.push(Reason {
                commit: String::new(),
                summary: format!("change file {}", file.path),
                kind: Some("changeset".to_owned()),
                scope: None,
                breaking: false,
                bump: file_level.as_str().to_owned(),
                file: Some(file.path.clone()),
            });
        }
        if strict && let Some(bad) = reasons.iter().find(|r| r.kind.is_none()) {
            return Err(Error::failed(format!(
                "commit {} of package `{}` is not a Conventional Commit: `{}`",
                &bad.commit[..12],
                pkg.name,
                bad.summary
            ))
            .with_hint("reword it (`git rebase -i`) or run without `--strict`")
            .into());
        }
        if let Some(forced) = options.bump {
            level = forced;
        }
        inputs.push(Inputs {
            base,
            level,
            release_as,
            no_commits: commits.is_empty(),
            reasons,
            conventional,
            breaking,
            because: None,
        });
    }
    let names: Vec<&str> = selected.iter().map(|&pi| packages.list[pi].name.as_str()).collect();
    let next_of = |slot: usize, input: &Inputs| {
        let pkg = &packages.list[selected[slot]];
        let current = walk.packages[slot].current.as_ref().map(|(c, _)| &c.version);
        next_version(
            input.base.as_ref(),
            current,
            input.level,
            input.release_as.as_ref(),
            options.pre.as_deref(),
            pkg.file_version.as_ref().unwrap_or(&config.initial_version),
            &all_versions[slot],
            input.no_commits,
        )
    };
    let fixed = link_versions(config, &names, &mut inputs, &next_of);
    if config.dependents == crate::config::Dependents::Patch {
        release_dependents(&packages, &selected, &mut inputs, &next_of);
    }

    let mut rows = Vec::new();
    for (slot, &pi) in selected.iter().enumerate() {
        let pkg = &packages.list[pi];
        let hist = &walk.packages[slot];
        // The reasons move into the row; the rest of the inputs is read below.
        let reasons = std::mem::take(&mut inputs[slot].reasons);
        let input = &inputs[slot];
        let current = hist.current.as_ref().map(|(c, _)| c);
        let (mut next, mut kind) = next_of(slot, input);
        if let Some(shared) = fixed.get(&slot)
            && next.is_some()
        {
            next = Some(shared.clone());
            if kind == BumpKind::None {
                kind = BumpKind::Patch;
            }
        }
        let status = if next.is_some() { Status::Release } else { Status::NothingToRelease };
        let next_tag = next.as_ref().map(|v| pkg.tag_formats[0].format(v));
        if let Some(tag) = &next_tag
            && existing_tags.contains(tag.as_str())
        {
            warnings.push(format!(
                    "package `{}`: the next tag `{tag}` already exists (on another branch?); see `git release tag --reconcile`",
                    pkg.name
                ));
        }
        rows.push(Row {
            name: pkg.name.clone(),
            path: pkg.path.clone(),
            tier: 0,
            status,
            current_version: current.map(|c| c.version.to_string()),
            current_tag: current.map(|c| c.tag.clone()),
            next_version: next.map(|v| v.to_string()),
            next_tag,
            bump: kind,
            commits: per_package[slot].len(),
            conventional: input.conventional,
            breaking: input.breaking,
            depends_on: pkg.depends_on.clone(),
            reasons,
            because: if status == Status::Release { input.because.clone() } else { None },
        });
    }

    let releasing: BTreeSet<&str> =
        rows.iter().filter(|r| r.status == Status::Release).map(|r| r.name.as_str()).collect();
    let tiers = packages::tiers(&packages.list, &releasing);
    for row in &mut rows {
        row.tier = tiers.get(&row.name).copied().unwrap_or(1);
    }
    // Tier order, then configuration order (a stable sort keeps the latter).
    rows.sort_by_key(|r| r.tier);

    let (commits_read, read_ahead, walk_order) = (walk.commits_read, walk.read_ahead, walk.order);
    drop_elsewhere((walk, classified, per_package, index, touched_cache));
    Ok(Plan {
        head,
        rows,
        warnings,
        ignored_tags,
        not_commits,
        walk_order,
        commits_read,
        read_ahead,
        packages,
        tags,
    })
}

/// Frees `value` on another thread. The walk's tables hold one entry per commit it read
/// (tens of thousands of small allocations for a long range); freeing them took about 5%
/// of `plan`'s time on the single-package benchmark, time the answer does not wait for.
/// When the process exits first, the operating system reclaims the memory.
fn drop_elsewhere<T: Send + 'static>(value: T) {
    // Without a thread to be had, the closure (and `value` in it) is freed right here.
    let _ = std::thread::Builder::new().name("drop".into()).spawn(move || drop(value));
}

/// The next version of the package in a slot, given its inputs.
type NextOf<'a> = dyn Fn(usize, &Inputs) -> (Option<Version>, BumpKind) + 'a;

/// One package's own bump inputs, before groups and dependents adjust them.
struct Inputs {
    base: Option<Version>,
    level: Level,
    release_as: Option<Version>,
    no_commits: bool,
    reasons: Vec<Reason>,
    conventional: usize,
    breaking: usize,
    /// Why a package releases besides its own commits (a group, a dependency).
    because: Option<String>,
}

/// Applies `[[group]]` (issue 7 item 3): a fixed group releases all its members together
/// at one version, bumped by the highest level any member asks for (from the highest
/// current version); a linked group gives the highest level to each of its members that
/// release, when more than one does. Returns the shared version of each fixed member.
fn link_versions(
    config: &Config,
    names: &[&str],
    inputs: &mut [Inputs],
    next_of: &NextOf<'_>,
) -> HashMap<usize, Version> {
    let mut shared = HashMap::new();
    for group in &config.groups {
        let members: Vec<usize> =
            (0..names.len()).filter(|&s| group.packages.iter().any(|p| p == names[s])).collect();
        let releasing: Vec<usize> =
            members.iter().copied().filter(|&s| next_of(s, &inputs[s]).0.is_some()).collect();
        if releasing.is_empty() {
            continue;
        }
        let level = members.iter().map(|&s| inputs[s].level).max().unwrap_or(Level::None);
        let who: Vec<&str> = releasing.iter().map(|&s| names[s]).collect();
        match group.mode {
            crate::config::GroupMode::Fixed => {
                for &s in &members {
                    inputs[s].level = level.max(Level::Patch);
                    inputs[s].no_commits = false;
                    if !releasing.contains(&s) {
                        inputs[s].because = Some(format!(
                            "fixed group `{}`: {} released",
                            group.name,
                            who.join(", ")
                        ));
                    }
                }
                let version = members.iter().filter_map(|&s| next_of(s, &inputs[s]).0).max();
                if let Some(version) = version {
                    for &s in &members {
                        shared.insert(s, version.clone());
                    }
                }
            }
            crate::config::GroupMode::Linked if releasing.len() > 1 => {
                for &s in &releasing {
                    if inputs[s].level < level {
                        inputs[s].because =
                            Some(format!("linked group `{}`: {} bump", group.name, level.as_str()));
                    }
                    inputs[s].level = level;
                }
            }
            crate::config::GroupMode::Linked => {}
        }
    }
    shared
}

/// `release.dependents = "patch"` (issue 7 item 4): a package with nothing of its own to
/// release gets a patch release when a package it depends on (directly) is released in the
/// same plan; repeated until nothing changes, so dependents of dependents follow.
fn release_dependents(
    packages: &Packages,
    selected: &[usize],
    inputs: &mut [Inputs],
    next_of: &NextOf<'_>,
) {
    loop {
        let releasing: BTreeSet<&str> = (0..selected.len())
            .filter(|&s| next_of(s, &inputs[s]).0.is_some())
            .map(|s| packages.list[selected[s]].name.as_str())
            .collect();
        let mut changed = false;
        for (slot, &pi) in selected.iter().enumerate() {
            let pkg = &packages.list[pi];
            if releasing.contains(pkg.name.as_str()) {
                continue;
            }
            if let Some(dep) = pkg.depends_on.iter().find(|d| releasing.contains(d.as_str())) {
                inputs[slot].level = Level::Patch;
                inputs[slot].no_commits = false;
                inputs[slot].because = Some(format!("dependency `{dep}` is released"));
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// Decides the next version (DESIGN.md › Version inference).
///
/// - `base`: the last stable release reachable from HEAD; `current`: the highest reachable
///   release, possibly a prerelease above `base`.
/// - `level`: the highest bump of the range's commits (or `--bump`); `release_as`: a
///   `Release-As:` footer's version, which wins.
/// - `pre`: `--pre` channel; `initial`: the version file's or `initial_version`, used when
///   no stable tag exists; `tagged`: every version tagged for the package, reachable or not,
///   so prerelease numbers never collide.
/// - `no_commits`: the range is empty.
///
/// Returns `(None, BumpKind::None)` when there is nothing to release.
#[allow(
    clippy::too_many_arguments,
    reason = "each input is one rule of the spec; a struct would only rename them"
)]
pub fn next_version(
    base: Option<&Version>,
    current: Option<&Version>,
    level: Level,
    release_as: Option<&Version>,
    pre: Option<&str>,
    initial: &Version,
    tagged: &[Version],
    no_commits: bool,
) -> (Option<Version>, BumpKind) {
    if let Some(v) = release_as {
        return (Some(v.clone()), BumpKind::ReleaseAs);
    }
    let pending_pre = current.filter(|c| !c.pre.is_empty() && base.is_none_or(|b| *c > b));
    let pre_target = pending_pre.map(|c| Version::new(c.major, c.minor, c.patch));
    let target = if let Some(base) = base {
        if level == Level::None && pending_pre.is_none() {
            return (None, BumpKind::None);
        }
        let bumped = version::bump(base, level);
        match &pre_target {
            Some(t) if *t > bumped => t.clone(),
            _ if level == Level::None => return (None, BumpKind::None),
            _ => bumped,
        }
    } else {
        if no_commits && pre_target.is_none() {
            return (None, BumpKind::None);
        }
        pre_target
            .clone()
            .unwrap_or_else(|| Version::new(initial.major, initial.minor, initial.patch))
    };
    if let Some(channel) = pre {
        return (Some(version::next_prerelease(&target, channel, tagged)), BumpKind::Prerelease);
    }
    let kind = match base {
        None => BumpKind::Initial,
        Some(b) if target.major > b.major => BumpKind::Major,
        Some(b) if target.minor > b.minor => BumpKind::Minor,
        Some(_) => BumpKind::Patch,
    };
    (Some(target), kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_rows_match_sorted_values() {
        // `CanonicalRow` must write what sorting every key of `Row` would: same keys, same
        // values, sorted, no whitespace.
        let row = Row {
            name: "a".into(),
            path: ".".into(),
            tier: 1,
            status: Status::Release,
            current_version: None,
            current_tag: None,
            next_version: Some("0.1.0".into()),
            next_tag: Some("v0.1.0".into()),
            bump: BumpKind::Initial,
            commits: 0,
            conventional: 0,
            breaking: 0,
            depends_on: vec!["b".into()],
            because: None,
            reasons: vec![Reason {
                commit: "c0ffee".into(),
                summary: "feat(x): y".into(),
                kind: Some("feat".into()),
                scope: Some("x".into()),
                breaking: true,
                bump: "minor".into(),
                file: None,
            }],
        };
        let value = serde_json::to_value(&row).expect("serialises");
        let sorted: std::collections::BTreeMap<String, serde_json::Value> =
            value.as_object().expect("an object").clone().into_iter().collect();
        let mut expected = serde_json::to_string(&sorted).expect("text");
        // Nested objects too: reasons' keys.
        expected = expected.replace(
            r#"{"breaking":true,"bump":"minor","commit":"c0ffee","scope":"x","summary":"feat(x): y","type":"feat"}"#,
            "REASON",
        );
        let actual = serde_json::to_string(&CanonicalRow::from(&row)).expect("text").replace(
            r#"{"breaking":true,"bump":"minor","commit":"c0ffee","scope":"x","summary":"feat(x): y","type":"feat"}"#,
            "REASON",
        );
        assert_eq!(actual, expected);
        assert!(actual.starts_with(r#"{"breaking":0,"bump":"initial","commits":0,"#), "{actual}");
    }

    fn v(s: &str) -> Version {
        Version::parse(s).expect("valid version")
    }

    #[test]
    fn stable_bumps() {
        let init = v("0.1.0");
        assert_eq!(
            next_version(
                Some(&v("1.2.3")),
                Some(&v("1.2.3")),
                Level::Minor,
                None,
                None,
                &init,
                &[],
                false
            ),
            (Some(v("1.3.0")), BumpKind::Minor)
        );
        assert_eq!(
            next_version(
                Some(&v("1.2.3")),
                Some(&v("1.2.3")),
                Level::None,
                None,
                None,
                &init,
                &[],
                false
            ),
            (None, BumpKind::None)
        );
    }

    #[test]
    fn release_as_wins() {
        let init = v("0.1.0");
        assert_eq!(
            next_version(
                Some(&v("1.2.3")),
                None,
                Level::None,
                Some(&v("3.0.0")),
                None,
                &init,
                &[],
                false
            ),
            (Some(v("3.0.0")), BumpKind::ReleaseAs)
        );
    }

    #[test]
    fn prerelease_numbering_and_promotion() {
        let init = v("0.1.0");
        let tagged = [v("1.2.3"), v("1.3.0-rc.1")];
        // --pre rc continues the rc line of the same target.
        assert_eq!(
            next_version(
                Some(&v("1.2.3")),
                Some(&v("1.3.0-rc.1")),
                Level::Minor,
                None,
                Some("rc"),
                &init,
                &tagged,
                false
            ),
            (Some(v("1.3.0-rc.2")), BumpKind::Prerelease)
        );
        // Without --pre the prerelease is promoted, even if later commits only fix.
        assert_eq!(
            next_version(
                Some(&v("1.2.3")),
                Some(&v("1.3.0-rc.1")),
                Level::Patch,
                None,
                None,
                &init,
                &tagged,
                false
            ),
            (Some(v("1.3.0")), BumpKind::Minor)
        );
        // A breaking change after the rc goes past it.
        assert_eq!(
            next_version(
                Some(&v("1.2.3")),
                Some(&v("1.3.0-rc.1")),
                Level::Major,
                None,
                Some("rc"),
                &init,
                &tagged,
                false
            ),
            (Some(v("2.0.0-rc.1")), BumpKind::Prerelease)
        );
    }

    #[test]
    fn untagged_packages_start_at_the_file_version() {
        assert_eq!(
            next_version(None, None, Level::Patch, None, None, &v("0.4.0"), &[], false),
            (Some(v("0.4.0")), BumpKind::Initial)
        );
        assert_eq!(
            next_version(None, None, Level::None, None, None, &v("0.4.0"), &[], true),
            (None, BumpKind::None)
        );
    }
}
