//! The history walk: one pass over the commits reachable from HEAD that finds, for every
//! package at once, its last release and the commits since (DESIGN.md › Version inference,
//! Principle 6: one history walk serves every package).
//!
//! ## What it answers, exactly
//!
//! For each package, the *current* release is the highest version among its tags whose
//! commit is reachable from HEAD, and the *boundary* is the highest such stable version. The
//! range is every commit reachable from HEAD and not from the boundary's commit (git's
//! `boundary..HEAD`). Both are exact for any commit graph and any committer dates: a full
//! traversal gives the same answer (the differential test in `tests/it/exact.rs` checks it).
//!
//! ## How
//!
//! Commits are popped from a priority queue; every boundary gets a bit, and bits flow from a
//! commit to its parents, so a commit's bits say which boundaries it is reachable from — the
//! "uninteresting" marks of `git rev-list A..B`, for many ranges in one walk. A commit lacking
//! a package's bit is in that package's range. Each package's tags are decided highest version
//! first: a tag is reachable when the walk pops its commit.
//!
//! The order of the queue is what makes the answer exact, and there are two:
//!
//! - **By generation number** (topological level: 1 for a root, more than every parent).
//!   Popping the highest level first visits every commit after all of its descendants, so a
//!   commit's bits are final when it is popped, and a tag is known to be unreachable as soon
//!   as every queued commit has a lower level than the tag's commit. The levels come from
//!   git's commit-graph when the repository has one (`git gc` writes it); commits newer than
//!   the graph get theirs computed from their parents. Without a commit-graph the levels are
//!   computed by one traversal of everything HEAD reaches, which is what git itself pays for
//!   `git tag --merged` without a commit-graph.
//! - **By committer date**, as `git log` walks, when there is no commit-graph. This is the
//!   fast path: dates only decide the order, never the answer. A tag is reachable when its
//!   commit is popped; a bit that arrives late (clock skew) is passed on at once through
//!   every commit already walked. The walk stops when every queued commit carries every
//!   final bit, and then *proves* its ranges: a range can only be too large at its lowest
//!   commits (those whose parents are all outside it), and each of those is checked not to
//!   be an ancestor of the boundary by a walk from both down to their merge base (git's
//!   `paint_down_to_common`, exact whatever the dates). If a proof fails, a proof grows too
//!   long, or a tag would have to be declared unreachable by its date, the walk starts over
//!   by generation number.
//!
//! Without a commit-graph the walk is a chain: a commit must be inflated before its parents
//! are known. A second core decodes the commits that follow HEAD in its pack (where `git gc`
//! puts them in the order this walk wants them) and hands them over
//! ([`crate::git::ahead`]); the walk reads itself whatever has not arrived, so the answer
//! never depends on it. With a commit-graph the walk reads the graph, and the second core
//! decodes the same commits meanwhile for their messages only.
//!
//! Every message read on the way, on either core, is passed through the caller's digest
//! function (the plan's Conventional Commit classification) right away, and only the digest
//! is kept ([`Walk::take_digest`]): each commit of a range is inflated and classified once.
//!
//! So, without a commit-graph, a plan costs a walk of its ranges plus, per range, a walk
//! from the boundary down to the merge base of each side branch that forked before it; a
//! HEAD that does not reach a package's highest tags (a maintenance branch, an old
//! checkout) costs one traversal of its history.
//!
//! ## Shallow clones
//!
//! A shallow clone's boundary commits have parents that are not in the repository. When the
//! walk needs what lies below them — a package with no release found, a range that runs into
//! the boundary, a tag declared unreachable while the boundary is reachable — it reports it
//! ([`Walk::shallow`]) instead of answering from half a history.
//!
//! Which commits *touch* a package path is decided afterwards ([`touched`]) by comparing
//! the tree entries along the package paths only, never a full diff.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::HashMap as StdHashMap;

use anyhow::Result;
use gix::ObjectId;
// Keyed by object id: the id's leading bytes are the hash (gix's hasher), not SipHash.
use gix::hashtable::HashMap;
use semver::Version;

use crate::git::ahead::ReadAhead;
use crate::git::read::{CommitInfo, Repo};

mod bits;
mod proof;
mod reader;
mod touched;

use bits::Bits;
use proof::is_ancestor;
use reader::{Levels, Reader};
pub use touched::{PathTrie, TreeCache, changed, touched, touched_by};

/// Commits the date-ordered walk goes on past a pending tag's date (less [`SKEW_SECONDS`])
/// before it gives up on the cheap path and starts over by generation number. Only a matter
/// of speed: neither constant can change an answer.
pub const SLOP: u32 = 5;

/// How far a tag's commit date may run ahead of the commits below it before the date-ordered
/// walk stops waiting for it (see [`SLOP`]).
pub const SKEW_SECONDS: i64 = 24 * 60 * 60;

/// Most commits the date-ordered walk spends proving its ranges, beyond the commits it
/// walked, before it starts over by generation number instead.
const PROOF_BUDGET: usize = 20_000;

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
    /// Commits reachable from HEAD and not from `last_stable`, newest committer date first
    /// (before the path filter).
    pub range: Vec<ObjectId>,
    /// Tags examined on the way that point at a tree or a blob, not a commit: never a
    /// release.
    pub not_commits: Vec<String>,
}

/// How the walk ordered its queue (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By committer date, with the ranges proven afterwards.
    Date,
    /// By generation numbers from the commit-graph.
    CommitGraph,
    /// By generation numbers computed from a traversal of HEAD's whole history.
    Computed,
}

/// Why a shallow clone cannot be answered from (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shallow {
    /// The shallow boundary commit the walk reached.
    pub commit: ObjectId,
    /// The package (index into the candidates given) whose answer needs what lies below.
    pub package: usize,
}

/// The result of [`walk`]: per-package histories plus the walked commits' headers, and the
/// digests (the plan's classifications) of the messages it read.
pub struct Walk<T> {
    /// One entry per package, in the order the candidates were given.
    pub packages: Vec<PackageHistory>,
    headers: HashMap<ObjectId, CommitInfo>,
    digests: HashMap<ObjectId, T>,
    /// How many distinct commits were read.
    pub commits_read: usize,
    /// How many of them were decoded ahead on a second core (see [`crate::git::ahead`]).
    pub read_ahead: usize,
    /// How the queue was ordered.
    pub order: Order,
    /// Set when the answer would need history a shallow clone does not have.
    pub shallow: Option<Shallow>,
}

impl<T> Walk<T> {
    /// The tree and parents of a walked commit, if it was walked.
    pub fn info(&self, id: &ObjectId) -> Option<&CommitInfo> {
        self.headers.get(id)
    }

    /// Takes the digest of a commit's message (see [`walk`]) if the walk kept it: without a
    /// commit-graph, of every commit it walked by date; with one, of the commits the second
    /// core reached while the walk went. `None` the second time.
    pub fn take_digest(&mut self, id: &ObjectId) -> Option<T> {
        self.digests.remove(id)
    }
}

/// Per-package progress through its candidates.
#[derive(Clone)]
struct Track {
    /// Candidates, highest version first.
    candidates: Vec<Candidate>,
    /// The next candidate to look at.
    next: usize,
    /// The pending candidate: its commit and its key in the queue's order.
    pending: Option<(ObjectId, i64)>,
    /// How many commits the date-ordered walk went past the pending candidate's date.
    passed: u32,
    /// Decided: the stable boundary was found or the candidates ran out.
    resolved: bool,
    /// The bit of this package's boundary, once found.
    bit: Option<usize>,
    history: PackageHistory,
}

/// A commit the walk has met: its boundary bits, and whether it was popped (and when).
struct Node {
    bits: Bits,
    /// Position in the pop order, once popped.
    popped: Option<u32>,
}

/// How one ordered walk ended.
enum Flow {
    Done,
    /// The cheap path cannot prove its answer: walk again by generation number.
    StartOver,
}

/// One walk in one order.
struct Walker<'a, 'r, T> {
    reader: &'a mut Reader<'r, T>,
    levels: &'a mut Levels,
    by_level: bool,
    nodes: HashMap<ObjectId, Node>,
    queue: BinaryHeap<(i64, Reverse<u64>, ObjectId)>,
    seq: u64,
    popped: u32,
    bit_of_commit: HashMap<ObjectId, usize>,
    /// Every final boundary bit, once every package is resolved.
    mask: Option<Bits>,
    /// Queued commits lacking a bit of `mask`.
    lacking: usize,
    /// The first shallow boundary commit popped.
    shallow_hit: Option<ObjectId>,
    /// Whether some tag was declared unreachable.
    unreachable_verdict: bool,
    parents: Vec<ObjectId>,
}

impl<T: Send + 'static> Walker<'_, '_, T> {
    fn key(&mut self, id: ObjectId) -> Result<i64> {
        if self.by_level {
            Ok(i64::from(self.levels.of(self.reader, id)?))
        } else {
            self.reader.time(&id)
        }
    }

    /// Meets `id` with `bits`: queues it when new, passes the bits on when already walked.
    fn push(&mut self, id: ObjectId, bits: &Bits) -> Result<()> {
        match self.nodes.get_mut(&id) {
            None => {
                let key = self.key(id)?;
                if self.mask.as_ref().is_some_and(|m| !bits.contains(m)) {
                    self.lacking += 1;
                }
                self.nodes.insert(id, Node { bits: bits.clone(), popped: None });
                self.queue.push((key, Reverse(self.seq), id));
                self.seq += 1;
                Ok(())
            }
            Some(node) if node.popped.is_none() => {
                let complete_before = self.mask.as_ref().is_some_and(|m| node.bits.contains(m));
                node.bits.union(bits);
                if !complete_before && self.mask.as_ref().is_some_and(|m| node.bits.contains(m)) {
                    self.lacking -= 1;
                }
                Ok(())
            }
            Some(_) => self.add_bits(id, bits),
        }
    }

    /// Adds `bits` to the walked commit `id` and passes them on through every walked
    /// ancestor at once (a boundary found late, or clock skew in the date order).
    fn add_bits(&mut self, id: ObjectId, bits: &Bits) -> Result<()> {
        let mut stack = vec![id];
        let mut parents = Vec::new();
        while let Some(commit) = stack.pop() {
            let node = self.nodes.get_mut(&commit).expect("only walked commits are stacked");
            if !node.bits.union(bits) {
                continue;
            }
            self.reader.edges(&commit, &mut parents)?;
            for parent in &parents {
                if self.nodes.get(parent).is_some_and(|n| n.popped.is_some()) {
                    stack.push(*parent);
                } else {
                    self.push(*parent, bits)?;
                }
            }
        }
        Ok(())
    }

    /// Records that the candidate at `track.next - 1`, on `commit`, is reachable.
    fn reached(&mut self, t: &mut Track, commit: ObjectId) -> Result<()> {
        let candidate = t.candidates[t.next - 1].clone();
        let stable = candidate.version.pre.is_empty();
        if t.history.current.is_none() {
            t.history.current = Some((candidate.clone(), commit));
        }
        if stable {
            let next_bit = self.bit_of_commit.len();
            let bit = *self.bit_of_commit.entry(commit).or_insert(next_bit);
            t.bit = Some(bit);
            t.history.last_stable = Some((candidate, commit));
            t.resolved = true;
            self.add_bits(commit, &Bits::one(bit))?;
        }
        Ok(())
    }

    /// Moves `t` to its next undecided candidate: candidates already walked (or, with the
    /// whole history leveled, not in it) are decided at once; the first other one becomes
    /// pending.
    fn advance(&mut self, t: &mut Track) -> Result<()> {
        while !t.resolved && t.pending.is_none() {
            let Some(candidate) = t.candidates.get(t.next) else {
                t.resolved = true;
                break;
            };
            t.next += 1;
            let commit = match candidate.peeled {
                Some(id) => Some(id),
                None => self.reader.repo.peel(candidate.target)?,
            };
            let Some(commit) = commit else {
                t.history.not_commits.push(candidate.tag.clone());
                continue;
            };
            if self.nodes.get(&commit).is_some_and(|n| n.popped.is_some()) {
                self.reached(t, commit)?;
                continue;
            }
            if self.by_level && self.levels.complete && !self.levels.memo.contains_key(&commit) {
                self.unreachable_verdict = true;
                continue;
            }
            let key = self.key(commit)?;
            t.pending = Some((commit, key));
            t.passed = 0;
        }
        Ok(())
    }

    /// Declares pending candidates unreachable where the queue proves it (by level), or
    /// gives up the date order where only the date would say so.
    fn decide(&mut self, tracks: &mut [Track]) -> Result<Flow> {
        for t in tracks.iter_mut() {
            while let Some((_, key)) = t.pending {
                let top = self.queue.peek().map(|(k, _, _)| *k);
                let unreachable = match top {
                    None => true,
                    Some(top) if self.by_level => top < key,
                    Some(top) => {
                        if key > top.saturating_add(SKEW_SECONDS) {
                            t.passed += 1;
                            if t.passed > SLOP {
                                return Ok(Flow::StartOver);
                            }
                        }
                        false
                    }
                };
                if !unreachable {
                    break;
                }
                self.unreachable_verdict = true;
                t.pending = None;
                self.advance(t)?;
            }
        }
        Ok(Flow::Done)
    }

    fn run(&mut self, head: ObjectId, tracks: &mut [Track]) -> Result<Flow> {
        self.push(head, &Bits::default())?;
        for t in tracks.iter_mut() {
            self.advance(t)?;
        }
        let mut exhaust = false;
        loop {
            if let Flow::StartOver = self.decide(tracks)? {
                return Ok(Flow::StartOver);
            }
            if self.mask.is_none() && tracks.iter().all(|t| t.resolved) {
                let mut mask = Bits::default();
                for bit in tracks.iter().filter_map(|t| t.bit) {
                    mask.set(bit);
                }
                exhaust = tracks.iter().any(|t| t.bit.is_none());
                self.lacking = self
                    .nodes
                    .values()
                    .filter(|n| n.popped.is_none() && !n.bits.contains(&mask))
                    .count();
                self.mask = Some(mask);
            }
            if self.mask.is_some() && !exhaust && self.lacking == 0 {
                break;
            }
            let Some((_, _, id)) = self.queue.pop() else { break };
            let node = self.nodes.get_mut(&id).expect("every queued commit has a node");
            node.popped = Some(self.popped);
            self.popped += 1;
            if self.mask.as_ref().is_some_and(|m| !node.bits.contains(m)) {
                self.lacking -= 1;
            }
            if self.shallow_hit.is_none() && self.reader.repo.is_shallow_boundary(&id) {
                self.shallow_hit = Some(id);
            }
            for t in tracks.iter_mut() {
                if t.pending.is_some_and(|(commit, _)| commit == id) {
                    t.pending = None;
                    self.reached(t, id)?;
                    self.advance(t)?;
                }
            }
            let bits = self.nodes[&id].bits.clone();
            let mut parents = std::mem::take(&mut self.parents);
            self.reader.edges(&id, &mut parents)?;
            for parent in &parents {
                self.push(*parent, &bits)?;
            }
            self.parents = parents;
        }
        Ok(Flow::Done)
    }

    /// The date-ordered walk's proof (module docs): no lowest commit of a range is an
    /// ancestor of its boundary. `false` when a proof fails or runs over its budget.
    fn prove(&mut self, tracks: &[Track]) -> Result<bool> {
        let Some(mask) = self.mask.clone() else { return Ok(true) };
        if mask.is_empty() {
            return Ok(true);
        }
        // The lowest commits of each range: popped, lacking the bit, every parent having it.
        let mut lowest: StdHashMap<usize, Vec<ObjectId>> = StdHashMap::new();
        let popped: Vec<ObjectId> =
            self.nodes.iter().filter(|(_, n)| n.popped.is_some()).map(|(id, _)| *id).collect();
        let mut parents = Vec::new();
        for id in popped {
            let bits = &self.nodes[&id].bits;
            let mut only_parents: Vec<u64> =
                (0..mask.words()).map(|i| mask.word(i) & !bits.word(i)).collect();
            if only_parents.iter().all(|w| *w == 0) {
                continue;
            }
            self.reader.edges(&id, &mut parents)?;
            for parent in &parents {
                let pbits =
                    &self.nodes.get(parent).expect("parents of popped commits are met").bits;
                for (i, w) in only_parents.iter_mut().enumerate() {
                    *w &= pbits.word(i);
                }
            }
            for (i, w) in only_parents.iter().enumerate() {
                let mut w = *w;
                while w != 0 {
                    let bit = i * 64 + w.trailing_zeros() as usize;
                    w &= w - 1;
                    lowest.entry(bit).or_default().push(id);
                }
            }
        }
        let boundary_of: StdHashMap<usize, ObjectId> =
            self.bit_of_commit.iter().map(|(commit, bit)| (*bit, *commit)).collect();
        let used: Vec<usize> = tracks.iter().filter_map(|t| t.bit).collect();
        let mut budget = PROOF_BUDGET + self.popped as usize;
        for (bit, commits) in lowest {
            if !used.contains(&bit) {
                continue;
            }
            let boundary = boundary_of[&bit];
            for commit in commits {
                match is_ancestor(self.reader, commit, boundary, &mut budget)? {
                    Some(false) => {}
                    Some(true) | None => return Ok(false),
                }
            }
        }
        Ok(true)
    }
}

/// Walks the history from `head` and returns each package's last release and range, exact
/// for any graph and any commit dates (see the module docs).
///
/// `candidates[i]` are package `i`'s release tags in any order. With `first_parent`, merges
/// contribute only their first parent. Tags whose target is not a commit are skipped and
/// listed in [`PackageHistory::not_commits`].
///
/// `digest` is applied to the message of each commit the walk inflates anyway (all it walks
/// when there is no commit-graph), on whichever core decoded the commit; the results are
/// kept for [`Walk::take_digest`], so the caller reads no commit twice. The plan passes
/// `conventional::classify`.
///
/// # Errors
/// A commit or tag object cannot be read.
pub fn walk<T: Send + 'static>(
    repo: &Repo,
    head: ObjectId,
    candidates: Vec<Vec<Candidate>>,
    first_parent: bool,
    digest: fn(&str) -> T,
) -> Result<Walk<T>> {
    let tracks: Vec<Track> = candidates
        .into_iter()
        .map(|mut c| {
            c.sort_by(|a, b| b.version.cmp(&a.version).then_with(|| a.tag.cmp(&b.tag)));
            Track {
                candidates: c,
                next: 0,
                pending: None,
                passed: 0,
                resolved: false,
                bit: None,
                history: PackageHistory::default(),
            }
        })
        .collect();
    let graph = repo.has_commit_graph();
    let mut reader = Reader {
        repo,
        headers: HashMap::default(),
        digests: HashMap::default(),
        // Without a commit-graph the date-ordered walk inflates each commit anyway.
        keep_digests: !graph,
        digest,
        buf: Vec::new(),
        first_parent,
        // A second core decodes the commits that follow HEAD in its pack while the walk goes
        // (see `git::ahead`). Without a commit-graph the walk takes them; with one it reads
        // the graph, and the digests made meanwhile are collected at the end.
        ahead: ReadAhead::start(repo, head, digest),
        take_ahead: !graph,
        delivered: HashMap::default(),
        taken_ahead: 0,
    };
    let mut levels = Levels { memo: HashMap::default(), graph, complete: false };

    let mut order = if graph { Order::CommitGraph } else { Order::Date };
    loop {
        let mut attempt = tracks.clone();
        if order == Order::Computed {
            // The whole history is traversed: keep no digests beyond the ones made so far.
            reader.keep_digests = false;
            reader.ahead = None;
            reader.delivered = HashMap::default();
            levels.of(&mut reader, head)?;
            levels.complete = true;
        }
        let mut walker = Walker {
            reader: &mut reader,
            levels: &mut levels,
            by_level: order != Order::Date,
            nodes: HashMap::default(),
            queue: BinaryHeap::new(),
            seq: 0,
            popped: 0,
            bit_of_commit: HashMap::default(),
            mask: None,
            lacking: 0,
            shallow_hit: None,
            unreachable_verdict: false,
            parents: Vec::new(),
        };
        let flow = walker.run(head, &mut attempt)?;
        let proven = match flow {
            Flow::StartOver => false,
            Flow::Done => order != Order::Date || walker.prove(&attempt)?,
        };
        if !proven {
            order = Order::Computed;
            continue;
        }
        let shallow = shallow_problem(&walker, &attempt, order);
        let nodes = walker.nodes;
        // Each walked commit with its bits, so the ranges below need no lookup per package.
        let mut popped: Vec<(Reverse<i64>, u32, ObjectId, &Bits)> = nodes
            .iter()
            .filter_map(|(id, n)| {
                n.popped.map(|p| (Reverse(reader.headers[id].time), p, *id, &n.bits))
            })
            .collect();
        // Newest committer date first, as `git log` lists them; the walk order breaks ties.
        popped.sort_unstable_by_key(|(time, order, _, _)| (*time, *order));
        let mut packages = Vec::with_capacity(attempt.len());
        for mut t in attempt {
            t.history.range = popped
                .iter()
                .filter(|(_, _, _, bits)| t.bit.is_none_or(|b| !bits.has(b)))
                .map(|(_, _, id, _)| *id)
                .collect();
            packages.push(t.history);
        }
        let commits_read = reader.headers.len();
        let harvested = reader.harvest();
        if graph {
            reader.taken_ahead += harvested;
        }
        return Ok(Walk {
            packages,
            headers: reader.headers,
            digests: reader.digests,
            commits_read,
            read_ahead: reader.taken_ahead,
            order,
            shallow,
        });
    }
}

/// Whether the answer needs history below a shallow boundary (module docs, Shallow clones).
fn shallow_problem<T: Send + 'static>(
    walker: &Walker<'_, '_, T>,
    tracks: &[Track],
    order: Order,
) -> Option<Shallow> {
    let repo = walker.reader.repo;
    if !repo.is_shallow() {
        return None;
    }
    // The first shallow boundary HEAD reaches, if the walk knows of one.
    let boundary = match order {
        Order::Computed => {
            let mut reachable: Vec<ObjectId> = walker
                .levels
                .memo
                .keys()
                .filter(|id| repo.is_shallow_boundary(id))
                .copied()
                .collect();
            reachable.sort_unstable();
            reachable.first().copied().or(walker.shallow_hit)
        }
        Order::Date | Order::CommitGraph => walker.shallow_hit,
    }?;
    for (package, t) in tracks.iter().enumerate() {
        let range_reaches = match t.bit {
            None => true,
            Some(bit) => walker.nodes.iter().any(|(id, n)| {
                n.popped.is_some() && !n.bits.has(bit) && repo.is_shallow_boundary(id)
            }),
        };
        if range_reaches || walker.unreachable_verdict {
            return Some(Shallow { commit: boundary, package });
        }
    }
    None
}
