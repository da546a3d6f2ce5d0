//! Commits read ahead of a history walk, on a second core, in the order a pack stores them.
//!
//! Without a commit-graph, a date-ordered walk must inflate a commit to learn its parents
//! and date before it can go on, so the walk is a chain one core long; inflating is most of
//! its cost. But `git gc` and `git repack` write a pack's commits first and in `rev-list`
//! order, newest first (git's `Documentation/technical/pack-heuristics.txt`: "recency
//! order"), so the commits the walk will want next are the entries that follow HEAD's in
//! the pack. [`ReadAhead`] decodes those entries on its own thread and hands them over in
//! batches of [`RUN`]; the walk reads itself any commit it needs before the read-ahead has
//! delivered it. The walk says how far it has come, and when it catches up, the read-ahead
//! skips to [`GAP`] entries ahead of it instead of decoding what the walk is reading. So two
//! cores share the inflating (and the classifying of the messages) in whatever proportion
//! their speeds give, which on a machine whose second core is busy elsewhere is not half.
//!
//! With a commit-graph the walk reads parents and levels from the graph and takes nothing
//! from the read-ahead; it only collects, when it ends, the messages' digests made meanwhile
//! (the walk never reports its progress then, so nothing is skipped).
//!
//! What the read-ahead delivers is only a cache: each commit is decoded from its own object
//! by the same functions as [`Repo::commit_digest`] (`read::commit_info` and
//! `read::decode_message`), so the walk's answer cannot depend on it; a commit
//! `refs/replace/` replaces is left to the walk, which reads the replacement as git does. It
//! gives up quietly (no pack holds HEAD, an unreadable entry, the end of the pack's commits)
//! and the walk reads on alone; delta-compressed commits are left to the walk.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use gix::ObjectId;
use gix::odb::pack;

use super::read::{self, CommitInfo, Repo};

/// Commits per batch handed to the walk.
pub const RUN: usize = 64;

/// How far ahead of the walk, in pack entries, the read-ahead starts again once the walk has
/// caught up with it: far enough that a batch is complete before the walk gets there. On the
/// single-package benchmark (no commit-graph) the walk then used 97% of what was decoded
/// ahead. Skipping only the entries the walk had passed, it used 35-40%: a batch the walk
/// overtakes while it is being filled is decoded twice. The earlier fixed split (two runs of
/// every three to the read-ahead, no skipping) used 73-80%.
pub const GAP: usize = 4 * RUN;

/// How many commits the read-ahead may decode beyond what the walk has taken, so that a walk
/// that stops early (the last release is near) does not leave it filling memory.
pub const LEAD: usize = 8 * 1024;

/// Pack bytes after HEAD's entry looked at first; each later window is twice as large.
const FIRST_WINDOW: u64 = 1 << 20;

/// One commit decoded ahead: what [`Repo::commit_digest`] gives for it.
pub struct Decoded<T> {
    /// The commit.
    pub id: ObjectId,
    /// Its tree, parents and committer time.
    pub info: CommitInfo,
    /// What the walk's digest function made of its message (decoded as
    /// [`Repo::commit_digest`] does), computed on the read-ahead's core.
    pub digest: T,
}

/// A running read-ahead; dropping it stops the thread and waits for it.
pub struct ReadAhead<T> {
    batches: Receiver<Vec<Decoded<T>>>,
    /// Commits the walk has taken so far (bounds the lead, see [`LEAD`]).
    taken: Arc<AtomicUsize>,
    /// Commits the walk has read so far, from the read-ahead or itself (see [`Self::walked`]).
    walked: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> ReadAhead<T> {
    /// Starts reading ahead of a walk from `head`, or `None` when it cannot help: one CPU, or
    /// no pack in the object directory holds `head` (loose objects are read by the walk).
    /// Each message is passed through `digest` on the read-ahead's core (the plan classifies
    /// it there as a Conventional Commit), so the message itself is never kept.
    pub fn start(repo: &Repo, head: ObjectId, digest: fn(&str) -> T) -> Option<ReadAhead<T>> {
        if std::thread::available_parallelism().map_or(1, std::num::NonZero::get) < 2 {
            return None;
        }
        let super::read::PackSource { objects, hash, shallow, replaced } = repo.pack_source();
        let (sender, batches) = std::sync::mpsc::sync_channel(LEAD / RUN);
        let taken = Arc::new(AtomicUsize::new(0));
        let walked = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = Reader {
            shallow,
            replaced,
            hash,
            sender,
            digest,
            taken: Arc::clone(&taken),
            walked: Arc::clone(&walked),
            stop: Arc::clone(&stop),
            sent: 0,
        };
        let thread = std::thread::Builder::new()
            .name("read-ahead".into())
            .spawn(move || reader.run(&objects, head))
            .ok()?;
        Some(ReadAhead { batches, taken, walked, stop, thread: Some(thread) })
    }

    /// Tells the read-ahead that the walk has read `count` commits in all. Pack order follows
    /// the walk's order, so an entry at a position below `count` is one the walk has most
    /// likely read already: the read-ahead skips it instead of decoding it a second time.
    pub fn walked(&self, count: usize) {
        self.walked.store(count, Ordering::Relaxed);
    }

    /// Hands every batch decoded so far to `take`, without waiting.
    pub fn drain(&mut self, mut take: impl FnMut(Decoded<T>)) {
        loop {
            match self.batches.try_recv() {
                Ok(batch) => {
                    self.taken.fetch_add(batch.len(), Ordering::Relaxed);
                    batch.into_iter().for_each(&mut take);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
            }
        }
    }
}

impl<T> Drop for ReadAhead<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Unblock a send waiting on a full channel, then wait for the thread to see `stop`.
        while self.batches.try_recv().is_ok() {}
        if let Some(thread) = self.thread.take() {
            while !thread.is_finished() {
                while self.batches.try_recv().is_ok() {}
                std::thread::sleep(Duration::from_micros(50));
            }
            let _ = thread.join();
        }
    }
}

/// The read-ahead thread's state.
struct Reader<T> {
    shallow: Vec<ObjectId>,
    /// Objects `refs/replace/` replaces: the walk reads their replacements itself.
    replaced: Vec<ObjectId>,
    hash: gix::hash::Kind,
    sender: SyncSender<Vec<Decoded<T>>>,
    digest: fn(&str) -> T,
    taken: Arc<AtomicUsize>,
    walked: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    /// Commits sent so far.
    sent: usize,
}

impl<T> Reader<T> {
    fn run(mut self, objects: &std::path::Path, head: ObjectId) {
        let Some(bundle) = bundle_holding(objects, self.hash, &head) else { return };
        let Some(index) = bundle.index.lookup(head) else { return };
        let start = bundle.index.pack_offset_at_index(index);
        let mut inflate = gix::zlib::Inflate::default();
        let mut buf = Vec::new();
        let mut low = start;
        let mut window = FIRST_WINDOW;
        // Position of the next entry in pack order, counted from HEAD's.
        let mut position = 0usize;
        let mut batch = Vec::with_capacity(RUN);
        loop {
            let high = low.saturating_add(window);
            let entries = entries_between(&bundle.index, low, high, &self.stop);
            if entries.is_empty() {
                return;
            }
            for (offset, at) in entries {
                position += 1;
                if self.stop.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(entry) = bundle.pack.entry(offset) else { return };
                match entry.header {
                    pack::data::entry::Header::Commit => {}
                    // Deltas are left to the walk; the commits end where the trees begin.
                    pack::data::entry::Header::OfsDelta { .. }
                    | pack::data::entry::Header::RefDelta { .. } => continue,
                    _ => return,
                }
                // The walk has passed this entry, or will before a batch could reach it: it reads
                // the commit itself (see `ReadAhead::walked`).
                if position <= self.walked.load(Ordering::Relaxed) + GAP {
                    continue;
                }
                let Ok(size) = usize::try_from(entry.decompressed_size) else { return };
                buf.resize(size, 0);
                if bundle.pack.decompress_entry(&entry, &mut inflate, &mut buf).is_err() {
                    return;
                }
                let id = bundle.index.oid_at_index(at).to_owned();
                if self.replaced.binary_search(&id).is_ok() {
                    continue;
                }
                let Ok(commit) = gix::objs::CommitRef::from_bytes(&buf, self.hash) else {
                    return;
                };
                let info = read::commit_info(&id, &commit, &self.shallow);
                let digest = (self.digest)(&read::decode_message(&commit));
                batch.push(Decoded { id, info, digest });
                if batch.len() == RUN && !self.send(&mut batch) {
                    return;
                }
            }
            if !batch.is_empty() && !self.send(&mut batch) {
                return;
            }
            low = high;
            window = window.saturating_mul(2);
        }
    }

    /// Sends `batch` once the walk is within [`LEAD`]; `false` when the walk is done.
    fn send(&mut self, batch: &mut Vec<Decoded<T>>) -> bool {
        while self.sent > self.taken.load(Ordering::Relaxed) + LEAD {
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        self.sent += batch.len();
        let full = std::mem::replace(batch, Vec::with_capacity(RUN));
        self.sender.send(full).is_ok() && !self.stop.load(Ordering::Relaxed)
    }
}

/// The pack of `objects/pack/` whose index holds `id`, if any.
fn bundle_holding(
    objects: &std::path::Path,
    hash: gix::hash::Kind,
    id: &ObjectId,
) -> Option<pack::Bundle> {
    let dir = std::fs::read_dir(objects.join("pack")).ok()?;
    dir.filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .filter_map(|p| pack::Bundle::at(&p, hash).ok())
        .find(|b| b.index.lookup(id).is_some())
}

/// The index's entries whose pack offset is in `low..high`, as `(offset, index position)`,
/// in pack order. The pass stops early once `stop` is set (the caller stops too), so a walk
/// that ends early does not wait for a pass over a large index.
fn entries_between(
    index: &pack::index::File,
    low: u64,
    high: u64,
    stop: &AtomicBool,
) -> Vec<(u64, u32)> {
    let mut out: Vec<(u64, u32)> = (0..index.num_objects())
        .take_while(|at| !(at % 4096 == 0 && stop.load(Ordering::Relaxed)))
        .filter_map(|at| {
            let offset = index.pack_offset_at_index(at);
            (low..high).contains(&offset).then_some((offset, at))
        })
        .collect();
    out.sort_unstable();
    out
}
