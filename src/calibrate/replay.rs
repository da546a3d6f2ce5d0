//! The replay of past releases: one read of the history, then every stable → stable pair of
//! each package's release line with the commits of its range (issue 16 item 1).
//!
//! The history below the release tags is read once (headers, then the messages of the
//! commits that fall in some range), and held in memory as a graph with generation numbers.
//! Each pair `P → T` then gets its range, the commits reachable from `T` and not from `P`
//! (git's `P..T`, what `git release plan` walks when `T`'s commit is HEAD and `P` is the last
//! release), by painting down from both in generation order in memory: the work per pair is
//! its range and the side branches that forked below it, and no object is read twice. Both the
//! full range and the first-parent range are kept, so `first_parent` can be learned.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use anyhow::Result;
use gix::ObjectId;
use semver::Version;

use crate::changesets::{self, ChangeFile};
use crate::config::Config;
use crate::conventional::{Classified, classify};
use crate::git::read::{CommitInfo, Repo};
use crate::history::{self, PathTrie, TreeCache};
use crate::packages;
use crate::version::Level;

/// One stable → stable release pair of a package and the commits of its range.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The package name.
    pub package: String,
    /// The release the range starts from (`P`).
    pub from: Version,
    /// The release that shipped (`T`).
    pub to: Version,
    /// `P`'s tag.
    pub from_tag: String,
    /// `T`'s tag.
    pub to_tag: String,
    /// `T`'s committer time, seconds since the epoch: the chronological order.
    pub time: i64,
    /// The range's commits that touch the package (indices into [`History::commits`]),
    /// newest first.
    pub commits: Vec<u32>,
    /// The same under `first_parent`.
    pub first_parent: Vec<u32>,
    /// The change files added in the range that name the package, with their bump.
    pub changesets: Vec<(String, Level)>,
}

impl Pair {
    /// The bump that shipped, from which number changed between `P` and `T`.
    pub fn shipped(&self) -> Level {
        level_between(&self.from, &self.to)
    }
}

/// The level of the step from `from` to `to`, from which number changed.
pub fn level_between(from: &Version, to: &Version) -> Level {
    if to.major != from.major {
        Level::Major
    } else if to.minor != from.minor {
        Level::Minor
    } else if to.patch != from.patch {
        Level::Patch
    } else {
        Level::None
    }
}

/// Why consecutive tags of a line were not scored, counted.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Skipped {
    /// Pairs in which `P` or `T` is a prerelease.
    pub prerelease: usize,
    /// Pairs in which `P` is not reachable from `T` (maintenance lines).
    pub unreachable: usize,
    /// Pairs whose range has no commit of the package and no change file.
    pub empty: usize,
    /// Pairs in which fewer than half the commits are Conventional Commits.
    pub not_conventional: usize,
    /// Pairs before `--since`.
    pub before_since: usize,
}

/// The replayed history: every commit that falls in some range, classified, and the pairs.
#[derive(Debug, Default)]
pub struct History {
    /// Commits of the ranges, parsed once; pairs refer to them by index.
    pub commits: Vec<Classified>,
    /// The scored pairs, oldest `T` first.
    pub pairs: Vec<Pair>,
    /// Pairs left out, and why.
    pub skipped: Skipped,
    /// The packages replayed, in configuration order.
    pub packages: Vec<String>,
    /// How many commits were read.
    pub commits_read: usize,
    /// Whether change files were read as bump sources.
    pub changesets: bool,
}

/// What to replay.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Package names or paths; empty means every package.
    pub packages: Vec<String>,
    /// Only pairs whose `P` is at or after this tag's commit time.
    pub since: Option<String>,
}

/// The commit graph in memory: parents by index and generation numbers.
struct Graph {
    index: HashMap<ObjectId, u32>,
    ids: Vec<ObjectId>,
    infos: Vec<CommitInfo>,
    parents: Vec<Vec<u32>>,
    generation: Vec<u32>,
}

impl Graph {
    /// Reads every commit reachable from `tips`, once.
    fn read(repo: &Repo, tips: &[ObjectId]) -> Result<Graph> {
        let mut graph = Graph {
            index: HashMap::new(),
            ids: Vec::new(),
            infos: Vec::new(),
            parents: Vec::new(),
            generation: Vec::new(),
        };
        let mut buf = Vec::new();
        let mut stack: Vec<ObjectId> = tips.to_vec();
        while let Some(id) = stack.pop() {
            if graph.index.contains_key(&id) {
                continue;
            }
            if repo.is_shallow_boundary(&id) {
                // Nothing below a shallow boundary: the commit is kept without parents.
                let mut info = repo.commit_header(&id, &mut buf)?;
                info.parents.clear();
                graph.add(id, info);
                continue;
            }
            let info = repo.commit_header(&id, &mut buf)?;
            stack.extend(info.parents.iter().filter(|p| !graph.index.contains_key(*p)));
            graph.add(id, info);
        }
        let ids = graph.ids.clone();
        graph.parents = ids
            .iter()
            .enumerate()
            .map(|(i, _)| graph.infos[i].parents.iter().map(|p| graph.index[p]).collect())
            .collect();
        graph.levels();
        Ok(graph)
    }

    fn add(&mut self, id: ObjectId, info: CommitInfo) {
        let n = u32::try_from(self.ids.len()).expect("fewer than 4 billion commits");
        self.index.insert(id, n);
        self.ids.push(id);
        self.infos.push(info);
    }

    /// Generation numbers: 1 for a root, one more than the highest parent otherwise.
    fn levels(&mut self) {
        let n = self.ids.len();
        self.generation = vec![0; n];
        for start in 0..n {
            if self.generation[start] != 0 {
                continue;
            }
            let mut stack = vec![(start, false)];
            while let Some((c, expanded)) = stack.pop() {
                if self.generation[c] != 0 {
                    continue;
                }
                if expanded {
                    let level = self.parents[c].iter().map(|p| self.generation[*p as usize]).max();
                    self.generation[c] = level.unwrap_or(0) + 1;
                } else {
                    stack.push((c, true));
                    stack.extend(
                        self.parents[c]
                            .iter()
                            .filter(|p| self.generation[**p as usize] == 0)
                            .map(|p| (*p as usize, false)),
                    );
                }
            }
        }
    }

    /// The commits reachable from `to` and not from `from`, newest generation first, and
    /// whether `from` is reachable from `to`; only first parents with `first_parent`.
    fn range(&self, from: u32, to: u32, first_parent: bool) -> (Vec<u32>, bool) {
        const TO: u8 = 1;
        const FROM: u8 = 2;
        let mut bits: HashMap<u32, u8> = HashMap::new();
        let mut queue: BinaryHeap<(u32, Reverse<u32>)> = BinaryHeap::new();
        let mut active = 0usize;
        let mut from_popped = false;
        let mut out = Vec::new();
        bits.insert(to, TO);
        queue.push((self.generation[to as usize], Reverse(to)));
        active += 1;
        if from != to {
            bits.insert(from, FROM);
            queue.push((self.generation[from as usize], Reverse(from)));
        }
        while let Some((_, Reverse(c))) = queue.pop() {
            let mine = bits[&c];
            if mine == TO {
                active -= 1;
                out.push(c);
            }
            if c == from {
                from_popped = true;
            }
            let parents = &self.parents[c as usize];
            let take = if first_parent { 1 } else { parents.len() };
            for p in parents.iter().take(take) {
                match bits.get_mut(p) {
                    None => {
                        bits.insert(*p, mine);
                        if mine == TO {
                            active += 1;
                        }
                        queue.push((self.generation[*p as usize], Reverse(*p)));
                    }
                    Some(theirs) => {
                        if *theirs == TO && mine & FROM != 0 {
                            active -= 1;
                        }
                        *theirs |= mine;
                    }
                }
            }
            if active == 0 && (from_popped || from == to) {
                break;
            }
        }
        let reachable = from == to || bits.get(&from).is_some_and(|b| b & TO != 0);
        (out, reachable)
    }
}

/// A pair before the path filter: package slot, `P`, `T`, full range, first-parent range.
type RawPair = (usize, LineTag, LineTag, Vec<u32>, Vec<u32>);

/// One tag of a line, peeled.
struct LineTag {
    version: Version,
    tag: String,
    commit: u32,
}

/// Reads the history once and builds every pair of the selected packages (see the module
/// docs).
///
/// # Errors
/// An empty repository; an unknown package or `--since` tag (usage); any read failure.
pub fn replay(repo: &Repo, config: &Config, selection: &Selection) -> Result<History> {
    let Some(head) = repo.head_commit()? else {
        return Err(crate::error::Error::failed(
            "the repository has no commits yet, so there is no release to learn from",
        )
        .into());
    };
    let head_tree = repo.tree_of(&head)?;
    let fallback = repo
        .root()
        .file_name()
        .map_or_else(|| "package".to_owned(), |n| n.to_string_lossy().into_owned());
    let resolved = packages::resolve(repo, config, head_tree, &fallback)?;
    let selected = select(&resolved.list, &selection.packages)?;
    let only_package = resolved.list.len() == 1;
    let changesets_on = config.bump.changesets.unwrap_or(changesets::has_folder(repo, head_tree)?);

    // Every tag of every selected line, peeled to its commit.
    let tags = repo.tags()?;
    let mut found: Vec<Vec<(Version, String, ObjectId)>> = vec![Vec::new(); selected.len()];
    let mut tips = Vec::new();
    for tag in &tags {
        for (slot, pkg) in selected.iter().enumerate() {
            let Some(version) = pkg.tag_formats.iter().find_map(|f| f.parse_tag(&tag.name)) else {
                continue;
            };
            let commit = match tag.peeled {
                Some(c) => Some(c),
                None => repo.peel(tag.target)?,
            };
            if let Some(commit) = commit {
                found[slot].push((version, tag.name.clone(), commit));
                tips.push(commit);
            }
        }
    }
    let since_time = match &selection.since {
        Some(name) => {
            let Some(tag) = tags.iter().find(|t| t.name == *name) else {
                return Err(crate::error::Error::usage(format!("no tag `{name}`"))
                    .with_hint("give the name of an existing release tag to `--since`")
                    .into());
            };
            let commit = match tag.peeled {
                Some(c) => Some(c),
                None => repo.peel(tag.target)?,
            };
            let commit = commit.ok_or_else(|| {
                crate::error::Error::usage(format!("tag `{name}` does not point at a commit"))
            })?;
            Some(repo.commit_header(&commit, &mut Vec::new())?.time)
        }
        None => None,
    };
    tips.sort_unstable();
    tips.dedup();
    let graph = Graph::read(repo, &tips)?;

    let mut history = History {
        packages: selected.iter().map(|p| p.name.clone()).collect(),
        commits_read: graph.ids.len(),
        changesets: changesets_on,
        ..History::default()
    };
    // The raw pairs: (slot, P, T, full range, first-parent range), before the path filter.
    let mut raw: Vec<RawPair> = Vec::new();
    for (slot, line) in found.into_iter().enumerate() {
        let mut line: Vec<LineTag> = line
            .into_iter()
            .map(|(version, tag, id)| LineTag { version, tag, commit: graph.index[&id] })
            .collect();
        line.sort_by(|a, b| a.version.cmp(&b.version));
        line.dedup_by(|a, b| a.version == b.version);
        let mut iter = line.into_iter();
        let Some(mut previous) = iter.next() else { continue };
        for current in iter {
            let pair = (previous, current);
            previous = LineTag {
                version: pair.1.version.clone(),
                tag: pair.1.tag.clone(),
                commit: pair.1.commit,
            };
            let (from, to) = pair;
            if !from.version.pre.is_empty() || !to.version.pre.is_empty() {
                history.skipped.prerelease += 1;
                continue;
            }
            let from_time = graph.infos[from.commit as usize].time;
            if since_time.is_some_and(|t| from_time < t) {
                history.skipped.before_since += 1;
                continue;
            }
            let (full, reachable) = graph.range(from.commit, to.commit, false);
            if !reachable {
                history.skipped.unreachable += 1;
                continue;
            }
            let (first, _) = graph.range(from.commit, to.commit, true);
            raw.push((slot, from, to, full, first));
        }
    }

    // Which commits touch which package path: one tree comparison per commit.
    let trie = PathTrie::new(
        selected
            .iter()
            .enumerate()
            .filter(|(_, p)| p.path != ".")
            .map(|(s, p)| (s, p.path.as_str())),
    );
    let mut in_ranges: Vec<u32> = raw.iter().flat_map(|r| r.3.iter().copied()).collect();
    in_ranges.sort_unstable();
    in_ranges.dedup();
    let touched: HashMap<u32, Vec<usize>> = if trie.is_empty() {
        HashMap::new()
    } else {
        let infos = &graph.infos;
        let results = repo.parallel(&in_ranges, 512, |repo, chunk| {
            let mut trees = TreeCache::default();
            chunk
                .iter()
                .map(|c| {
                    history::touched_by(repo, &mut trees, &trie, &infos[*c as usize], |id| {
                        Ok(infos[graph.index[id] as usize].tree)
                    })
                })
                .collect()
        })?;
        in_ranges.iter().copied().zip(results).collect()
    };
    let added =
        if changesets_on { added_change_files(repo, &graph, &in_ranges)? } else { HashMap::new() };

    // Messages, read and classified once per commit that some pair keeps.
    let keeps = |slot: usize, c: u32| {
        selected[slot].path == "." || touched.get(&c).is_some_and(|t| t.contains(&slot))
    };
    let mut needed: Vec<u32> = raw
        .iter()
        .flat_map(|(slot, _, _, full, _)| full.iter().filter(|c| keeps(*slot, **c)).copied())
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let ids: Vec<ObjectId> = needed.iter().map(|c| graph.ids[*c as usize]).collect();
    history.commits = repo.map_messages(&ids, |_, message| classify(message))?;
    let position: HashMap<u32, u32> = needed
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, u32::try_from(i).expect("fewer than 4 billion commits")))
        .collect();

    for (slot, from, to, full, first) in raw {
        let name = &selected[slot].name;
        let commits: Vec<u32> =
            full.iter().filter(|c| keeps(slot, **c)).map(|c| position[c]).collect();
        let first_parent: Vec<u32> = first
            .iter()
            .filter(|c| keeps(slot, **c))
            .filter_map(|c| position.get(c).copied())
            .collect();
        let changesets: Vec<(String, Level)> = full
            .iter()
            .filter_map(|c| added.get(c))
            .flatten()
            .filter_map(|f| {
                let level = f.level_for(name, only_package);
                (f.bumps.iter().any(|(n, _)| only_package || n == name))
                    .then(|| (f.path.clone(), level))
            })
            .collect();
        if commits.is_empty() && changesets.is_empty() {
            history.skipped.empty += 1;
            continue;
        }
        let conventional =
            commits.iter().filter(|c| history.commits[**c as usize].conventional).count();
        if changesets.is_empty() && conventional * 2 < commits.len() {
            history.skipped.not_conventional += 1;
            continue;
        }
        history.pairs.push(Pair {
            package: name.clone(),
            time: graph.infos[to.commit as usize].time,
            from: from.version,
            to: to.version,
            from_tag: from.tag,
            to_tag: to.tag,
            commits,
            first_parent,
            changesets,
        });
    }
    history.pairs.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.to.cmp(&b.to)));
    Ok(history)
}

/// The change files each commit of `commits` added (compared with its first parent).
fn added_change_files(
    repo: &Repo,
    graph: &Graph,
    commits: &[u32],
) -> Result<HashMap<u32, Vec<ChangeFile>>> {
    let mut out = HashMap::new();
    let mut folder_of: HashMap<ObjectId, Option<ObjectId>> = HashMap::new();
    let mut folder = |repo: &Repo, tree: ObjectId| -> Result<Option<ObjectId>> {
        if let Some(known) = folder_of.get(&tree) {
            return Ok(*known);
        }
        let found = repo.lookup_path(tree, changesets::FOLDER)?.filter(|e| e.is_tree).map(|e| e.id);
        folder_of.insert(tree, found);
        Ok(found)
    };
    for c in commits {
        let info = &graph.infos[*c as usize];
        let Some(mine) = folder(repo, info.tree)? else { continue };
        let parent_tree = info.parents.first().map(|p| graph.infos[graph.index[p] as usize].tree);
        let theirs = match parent_tree {
            Some(t) => folder(repo, t)?,
            None => None,
        };
        if theirs == Some(mine) {
            continue;
        }
        let except = match parent_tree {
            Some(t) => changesets::names_in(repo, t)?,
            None => Vec::new(),
        };
        let files = changesets::files_in(repo, info.tree, &except)?;
        if !files.is_empty() {
            out.insert(*c, files);
        }
    }
    Ok(out)
}

/// The packages named (by name or path), or all; an unknown one is a usage error.
fn select<'p>(
    list: &'p [packages::Package],
    wanted: &[String],
) -> Result<Vec<&'p packages::Package>> {
    if wanted.is_empty() {
        return Ok(list.iter().collect());
    }
    let mut out: Vec<&packages::Package> = Vec::new();
    for name in wanted {
        let path = crate::config::normalize_path(name).unwrap_or_default();
        let Some(pkg) = list.iter().find(|p| p.name == *name || p.path == path) else {
            let known: Vec<&str> = list.iter().map(|p| p.name.as_str()).collect();
            return Err(crate::error::Error::usage(format!("unknown package `{name}`"))
                .with_hint(format!("known packages: {}", known.join(", ")))
                .into());
        };
        if !out.iter().any(|p| p.name == pkg.name) {
            out.push(pkg);
        }
    }
    Ok(out)
}
