//! The history walk: one pass over the commits reachable from HEAD that finds, for every
//! package at once, its last release and the commits since (DESIGN.md › Version inference,
//! Principle 6: one history walk serves every package).
//!
//! ## How
//!
//! Commits are popped newest first (committer time), as `git rev-list` does. Each package
//! has its release tags sorted by version, highest first; the highest one not yet decided is
//! *pending* until the walk either reaches its commit (it is reachable from HEAD) or has gone
//! [`SLOP`] commits past its time, less a day of allowed clock skew ([`SKEW_SECONDS`]),
//! without meeting it (it is on another branch). The first
//! reachable stable tag is the package's *boundary*: the start of its range.
//!
//! Every boundary gets a bit, and bits flow from a commit to its parents, so a commit's bits
//! say which boundaries it is reachable from — the "uninteresting" marks of `git rev-list
//! A..B`, for many ranges in one walk. A commit lacking a package's bit is in that package's
//! range. When a bit arrives late (a boundary found below commits already walked, or clock
//! skew), the commit is walked again and its bits flow on; so ranges are exact whatever the
//! order, and the walk stops once every queued commit carries every boundary bit (plus
//! [`SLOP`] commits, as git does, against clock skew).
//!
//! Which commits *touch* a package path is decided afterwards ([`touched`]) by comparing
//! the tree entries along the package paths only, never a full diff.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::rc::Rc;

use anyhow::Result;
use gix::ObjectId;
use semver::Version;

use crate::git::read::{CommitInfo, Entry, Repo};

/// Commits walked past a candidate tag's time, or past the moment every range is closed,
/// before the walk believes it (git's `SLOP`, against clock skew).
pub const SLOP: u32 = 5;

/// How far a commit's date may run ahead of its descendants' (clock skew) before the walk
/// stops waiting for it: a pending tag is given up only once the walk has gone [`SLOP`]
/// commits past its date minus this margin. A day costs, at most, a day of extra commits,
/// and only when a higher tag sits on another branch.
pub const SKEW_SECONDS: i64 = 24 * 60 * 60;

/// A release tag of a package: the version it carries under one of the package's formats.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The version parsed from the tag name.
    pub version: Version,
    /// The tag name, without `refs/tags/`.
    pub tag: String,
    /// The object the ref points to.
    pub target: ObjectId,
    /// The peeled commit if already known (from `packed-refs`).
    pub peeled: Option<ObjectId>,
}

/// What the walk found for one package.
#[derive(Debug, Clone, Default)]
pub struct PackageHistory {
    /// The highest reachable release tag (stable or prerelease) and its commit.
    pub current: Option<(Candidate, ObjectId)>,
    /// The highest reachable stable release tag and its commit: where the range starts.
    pub last_stable: Option<(Candidate, ObjectId)>,
    /// Commits reachable from HEAD and not from `last_stable`, newest first (before the
    /// path filter).
    pub range: Vec<ObjectId>,
}

/// A walked commit.
struct Node {
    info: CommitInfo,
    /// Boundary bits this commit is known to be reachable from.
    bits: Bits,
    /// Bits already passed on to the parents.
    sent: Option<Bits>,
    /// Position in the first-visit order (newest first).
    order: usize,
}

/// The result of [`walk`]: per-package histories plus the walked commits' headers.
pub struct Walk {
    /// One entry per package, in the order the candidates were given.
    pub packages: Vec<PackageHistory>,
    nodes: HashMap<ObjectId, Node>,
    /// How many distinct commits were read.
    pub commits_read: usize,
}

impl Walk {
    /// The tree and parents of a walked commit, if it was walked.
    pub fn info(&self, id: &ObjectId) -> Option<&CommitInfo> {
        self.nodes.get(id).map(|n| &n.info)
    }
}

/// A small growable bit set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Bits(Vec<u64>);

impl Bits {
    fn set(&mut self, bit: usize) {
        let word = bit / 64;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (bit % 64);
    }

    fn has(&self, bit: usize) -> bool {
        self.0.get(bit / 64).is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    /// Adds `other`'s bits; returns whether anything was added.
    fn union(&mut self, other: &Bits) -> bool {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        let mut changed = false;
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            let merged = *mine | theirs;
            changed |= merged != *mine;
            *mine = merged;
        }
        changed
    }
}

/// Per-package progress through its candidates.
struct Track {
    /// Candidates, highest version first.
    candidates: Vec<Candidate>,
    /// The next candidate to look at.
    next: usize,
    /// The pending candidate: its commit and time, and how many commits the walk went past it.
    pending: Option<(ObjectId, i64, u32)>,
    /// Decided: the stable boundary was found or the candidates ran out.
    resolved: bool,
    /// The bit of this package's boundary, once found.
    bit: Option<usize>,
    history: PackageHistory,
}

/// Walks the history from `head` once and returns each package's last release and range.
///
/// `candidates[i]` are package `i`'s release tags in any order. With `first_parent`, merges
/// contribute only their first parent. Tags whose target is not a commit are skipped.
///
/// # Errors
/// A commit or tag object cannot be read.
pub fn walk(
    repo: &Repo,
    head: ObjectId,
    candidates: Vec<Vec<Candidate>>,
    first_parent: bool,
) -> Result<Walk> {
    let mut tracks: Vec<Track> = candidates
        .into_iter()
        .map(|mut c| {
            c.sort_by(|a, b| b.version.cmp(&a.version).then_with(|| a.tag.cmp(&b.tag)));
            Track {
                candidates: c,
                next: 0,
                pending: None,
                resolved: false,
                bit: None,
                history: PackageHistory::default(),
            }
        })
        .collect();
    let mut nodes: HashMap<ObjectId, Node> = HashMap::new();
    let mut queue: BinaryHeap<(i64, Reverse<u64>, ObjectId)> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut bit_of_commit: HashMap<ObjectId, usize> = HashMap::new();
    let mut buf = Vec::new();
    let mut parents: Vec<ObjectId> = Vec::with_capacity(2);

    let head_node = read_node(repo, &head, &mut buf)?;
    queue.push((head_node.info.time, Reverse(seq), head));
    seq += 1;
    nodes.insert(head, head_node);

    for track in &mut tracks {
        advance(repo, track, &nodes, &mut bit_of_commit, &mut Vec::new())?;
    }

    let mut quiet_pops = 0u32;
    let mut order = 0usize;
    loop {
        if tracks.iter().all(|t| t.resolved) {
            let final_bits: Vec<usize> = tracks.iter().filter_map(|t| t.bit).collect();
            let all_bounded = tracks.iter().all(|t| t.bit.is_some());
            let done = all_bounded
                && queue.iter().all(|(_, _, id)| {
                    let bits = nodes.get(id).map(|n| &n.bits);
                    final_bits.iter().all(|b| bits.is_some_and(|bits| bits.has(*b)))
                });
            if done {
                quiet_pops += 1;
                if quiet_pops > SLOP || queue.is_empty() {
                    break;
                }
            } else {
                quiet_pops = 0;
            }
        }
        let Some((time, _, id)) = queue.pop() else {
            // History is exhausted: every pending candidate is unreachable.
            let mut reached = Vec::new();
            for track in &mut tracks {
                while !track.resolved {
                    track.pending = None;
                    advance(repo, track, &nodes, &mut bit_of_commit, &mut reached)?;
                }
            }
            if requeue(&mut reached, &mut nodes, &mut queue, &mut seq) {
                continue;
            }
            break;
        };

        let node = nodes.get_mut(&id).expect("every queued commit has a node");
        if node.order == usize::MAX {
            node.order = order;
            order += 1;
        }

        // Is this commit a pending candidate of some package?
        let mut reached = Vec::new();
        for track in &mut tracks {
            if let Some((commit, cand_time, passed)) = &mut track.pending {
                if *commit == id {
                    track.pending = None;
                    record_reached(track, id, &mut bit_of_commit, &mut reached);
                    advance(repo, track, &nodes, &mut bit_of_commit, &mut reached)?;
                } else if *cand_time > time.saturating_add(SKEW_SECONDS) {
                    *passed += 1;
                    if *passed > SLOP {
                        track.pending = None;
                        advance(repo, track, &nodes, &mut bit_of_commit, &mut reached)?;
                    }
                }
            }
        }
        let node = nodes.get_mut(&id).expect("inserted above");
        for (commit, bit) in &reached {
            if *commit == id {
                node.bits.set(*bit);
            }
        }
        // Boundaries found among commits already walked get their bit and walk again.
        reached.retain(|(commit, _)| *commit != id);
        requeue(&mut reached, &mut nodes, &mut queue, &mut seq);

        let node = nodes.get_mut(&id).expect("inserted above");
        if node.sent.as_ref() == Some(&node.bits) {
            continue;
        }
        node.sent = Some(node.bits.clone());
        let bits = node.bits.clone();
        parents.clear();
        let take = if first_parent { 1 } else { usize::MAX };
        parents.extend(node.info.parents.iter().take(take).copied());
        for &parent in &parents {
            if let Some(p) = nodes.get_mut(&parent) {
                let changed = p.bits.union(&bits);
                if changed {
                    queue.push((p.info.time, Reverse(seq), parent));
                    seq += 1;
                }
            } else {
                // Not walked yet: the node keeps the bits until it is popped.
                let mut node = read_node(repo, &parent, &mut buf)?;
                node.bits = bits.clone();
                queue.push((node.info.time, Reverse(seq), parent));
                seq += 1;
                nodes.insert(parent, node);
            }
        }
    }

    // Fix the visit order of nodes read as parents (placeholders popped later got an order).
    let mut walked: Vec<(&ObjectId, &Node)> =
        nodes.iter().filter(|(_, n)| n.sent.is_some()).collect();
    walked.sort_by_key(|(_, n)| n.order);
    for track in &mut tracks {
        track.history.range = walked
            .iter()
            .filter(|(_, n)| track.bit.is_none_or(|b| !n.bits.has(b)))
            .map(|(id, _)| **id)
            .collect();
    }
    let commits_read = nodes.len();
    Ok(Walk { packages: tracks.into_iter().map(|t| t.history).collect(), nodes, commits_read })
}

/// Reads a commit's header into a fresh node.
fn read_node(repo: &Repo, id: &ObjectId, buf: &mut Vec<u8>) -> Result<Node> {
    let info = repo.commit_header(id, buf)?;
    Ok(Node { info, bits: Bits::default(), sent: None, order: usize::MAX })
}

/// Records that the pending candidate at `track.next - 1`, on `commit`, is reachable.
fn record_reached(
    track: &mut Track,
    commit: ObjectId,
    bit_of_commit: &mut HashMap<ObjectId, usize>,
    reached: &mut Vec<(ObjectId, usize)>,
) {
    let cand = track.candidates[track.next - 1].clone();
    let stable = cand.version.pre.is_empty();
    if track.history.current.is_none() {
        track.history.current = Some((cand.clone(), commit));
    }
    if stable {
        let next_bit = bit_of_commit.len();
        let bit = *bit_of_commit.entry(commit).or_insert(next_bit);
        track.bit = Some(bit);
        track.history.last_stable = Some((cand, commit));
        track.resolved = true;
        reached.push((commit, bit));
    }
}

/// Moves `track` to its next undecided candidate: candidates already walked are decided at
/// once; the first one not yet walked becomes pending.
fn advance(
    repo: &Repo,
    track: &mut Track,
    nodes: &HashMap<ObjectId, Node>,
    bit_of_commit: &mut HashMap<ObjectId, usize>,
    reached: &mut Vec<(ObjectId, usize)>,
) -> Result<()> {
    while !track.resolved && track.pending.is_none() {
        let Some(cand) = track.candidates.get(track.next) else {
            track.resolved = true;
            break;
        };
        track.next += 1;
        let commit = match cand.peeled {
            Some(id) => Some(id),
            None => repo.peel(cand.target)?,
        };
        let Some(commit) = commit else { continue };
        if nodes.get(&commit).is_some_and(|n| n.sent.is_some()) {
            record_reached(track, commit, bit_of_commit, reached);
            continue;
        }
        let time = match nodes.get(&commit) {
            Some(n) => n.info.time,
            None => repo.commit_header(&commit, &mut Vec::new())?.time,
        };
        track.pending = Some((commit, time, 0));
    }
    Ok(())
}

/// Gives boundary commits already walked their bit and queues them to walk again.
/// Returns whether anything was queued.
fn requeue(
    reached: &mut Vec<(ObjectId, usize)>,
    nodes: &mut HashMap<ObjectId, Node>,
    queue: &mut BinaryHeap<(i64, Reverse<u64>, ObjectId)>,
    seq: &mut u64,
) -> bool {
    let mut any = false;
    for (commit, bit) in reached.drain(..) {
        if let Some(node) = nodes.get_mut(&commit)
            && !node.bits.has(bit)
        {
            node.bits.set(bit);
            queue.push((node.info.time, Reverse(*seq), commit));
            *seq += 1;
            any = true;
        }
    }
    any
}

/// A prefix tree of package paths, for comparing only the tree entries on those paths.
#[derive(Debug, Default)]
pub struct PathTrie {
    children: Vec<(Vec<u8>, PathTrie)>,
    /// Packages whose path ends here.
    packages: Vec<usize>,
}

impl PathTrie {
    /// Builds the trie from `(package index, path)`; the root path `.` is not allowed here.
    pub fn new<'a>(paths: impl IntoIterator<Item = (usize, &'a str)>) -> Self {
        let mut root = PathTrie::default();
        for (index, path) in paths {
            let mut node = &mut root;
            for part in path.split('/').filter(|p| !p.is_empty()) {
                let pos = if let Some(pos) =
                    node.children.iter().position(|(name, _)| name == part.as_bytes())
                {
                    pos
                } else {
                    node.children.push((part.as_bytes().to_vec(), PathTrie::default()));
                    node.children.len() - 1
                };
                node = &mut node.children[pos].1;
            }
            node.packages.push(index);
        }
        root
    }

    /// Whether no path was added.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty() && self.packages.is_empty()
    }

    fn all_packages(&self, out: &mut Vec<usize>) {
        out.extend(&self.packages);
        for (_, child) in &self.children {
            child.all_packages(out);
        }
    }
}

/// Decoded trees, by id, with entries sorted by name for binary search. A commit's trees
/// are read once as the commit's and once as its child's parent's, so a small cache halves
/// the inflates; it is emptied when full to bound memory.
#[derive(Default)]
pub struct TreeCache {
    trees: HashMap<ObjectId, Rc<Vec<Entry>>>,
    buf: Vec<u8>,
}

impl TreeCache {
    /// Most trees kept at once.
    const CAPACITY: usize = 512;

    fn get(&mut self, repo: &Repo, id: ObjectId) -> Result<Rc<Vec<Entry>>> {
        if let Some(entries) = self.trees.get(&id) {
            return Ok(Rc::clone(entries));
        }
        let mut entries = repo.tree_entries(&id, &mut self.buf)?;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let entries = Rc::new(entries);
        if self.trees.len() >= Self::CAPACITY {
            self.trees.clear();
        }
        self.trees.insert(id, Rc::clone(&entries));
        Ok(entries)
    }
}

/// Packages (indices in the trie) whose path differs between the trees `a` and `b`
/// (`None` = the empty tree). Only the entries along the package paths are read.
///
/// # Errors
/// A tree is missing or corrupt.
pub fn changed(
    repo: &Repo,
    cache: &mut TreeCache,
    trie: &PathTrie,
    a: Option<ObjectId>,
    b: Option<ObjectId>,
) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    diff_level(repo, cache, trie, a, b, &mut out)?;
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn diff_level(
    repo: &Repo,
    cache: &mut TreeCache,
    trie: &PathTrie,
    a: Option<ObjectId>,
    b: Option<ObjectId>,
    out: &mut Vec<usize>,
) -> Result<()> {
    if a == b {
        return Ok(());
    }
    out.extend(&trie.packages);
    if trie.children.is_empty() {
        return Ok(());
    }
    let ea = match a {
        Some(id) => cache.get(repo, id)?,
        None => Rc::new(Vec::new()),
    };
    let eb = match b {
        Some(id) => cache.get(repo, id)?,
        None => Rc::new(Vec::new()),
    };
    let find = |entries: &[Entry], name: &[u8]| {
        entries.binary_search_by(|e| e.name.as_slice().cmp(name)).ok().map(|i| entries[i].clone())
    };
    for (name, child) in &trie.children {
        let x = find(&ea, name);
        let y = find(&eb, name);
        match (x, y) {
            (None, None) => {}
            (Some(x), Some(y)) if x.id == y.id => {}
            (x, y) => {
                let tree_or_none = |e: Option<Entry>| e.filter(|e| e.is_tree).map(|e| e.id);
                let (x_is_blob, y_is_blob) = (
                    x.as_ref().is_some_and(|e| !e.is_tree),
                    y.as_ref().is_some_and(|e| !e.is_tree),
                );
                if x_is_blob || y_is_blob {
                    // A file where a package directory is expected: everything below changed.
                    child.all_packages(out);
                } else {
                    diff_level(repo, cache, child, tree_or_none(x), tree_or_none(y), out)?;
                }
            }
        }
    }
    Ok(())
}

/// Packages (trie indices) that `commit` touches: for a commit with one parent, the paths
/// that differ from it; for a merge, the paths that differ from *every* parent (git log's
/// TREESAME rule: a merge that took a side's version unchanged did not touch the path);
/// for a root commit, the paths it creates.
///
/// # Errors
/// A commit or tree is missing or corrupt.
pub fn touched(
    repo: &Repo,
    cache: &mut TreeCache,
    walk: &Walk,
    trie: &PathTrie,
    commit: &ObjectId,
) -> Result<Vec<usize>> {
    let info = match walk.info(commit) {
        Some(info) => info.clone(),
        None => repo.commit_header(commit, &mut Vec::new())?,
    };
    let tree_of = |id: &ObjectId| -> Result<ObjectId> {
        match walk.info(id) {
            Some(info) => Ok(info.tree),
            None => repo.tree_of(id),
        }
    };
    let mut parents = info.parents.iter();
    let Some(first) = parents.next() else {
        return changed(repo, cache, trie, Some(info.tree), None);
    };
    let mut result = changed(repo, cache, trie, Some(info.tree), Some(tree_of(first)?))?;
    for parent in parents {
        if result.is_empty() {
            break;
        }
        let other = changed(repo, cache, trie, Some(info.tree), Some(tree_of(parent)?))?;
        result.retain(|p| other.contains(p));
    }
    Ok(result)
}
