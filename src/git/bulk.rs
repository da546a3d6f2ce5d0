//! Many commits' messages read straight from their pack, in pack order, on every core.
//!
//! Reading a commit by id costs a binary search of the pack index: about eighteen
//! comparisons of object ids spread over the index file, each a likely cache miss. On the
//! single-package benchmark with a commit-graph (20,000 messages to classify) that search and
//! the object store's bookkeeping around it were more than a quarter of the reading. When most
//! of a pack's commits are wanted, one pass over the index finds them all instead: it looks
//! each index entry up in a table of the wanted ids, and the entries found are then decoded in
//! pack-offset order (which `git gc` makes newest-first, see [`super::ahead`]), split between
//! the cores.
//!
//! Each commit is decoded from its own object with the same function as
//! [`Repo::commit_digest`] (`read::decode_message`), so the messages are the ones the object
//! store gives. What this path does not read — a delta-compressed commit, a loose object, an
//! object `refs/replace/` replaces (git reads its replacement), a pack that cannot be opened —
//! is left for the caller to read by id.

use gix::ObjectId;
use gix::odb::pack;

use super::read::{self, Repo};

/// Below one wanted id in this many index entries, a search per id is cheaper than a pass
/// over the whole index. The pass costs about 12 ns an entry (8-12 ms for the 670,000
/// objects of the benchmark's pack, on one core), a search about 1.5 µs.
const SCAN_RATIO: usize = 64;

/// Fewer ids than this are read by id: opening the packs again is not worth it.
const MIN_IDS: usize = 1024;

/// Maps the message of each of `ids` found as a whole commit in one of the repository's packs
/// through `f`, in parallel. Returns one slot per id, in the order of `ids`: `None` for an id
/// this path did not read (see the module docs), which the caller reads by id.
///
/// Never fails: an unreadable pack or entry leaves its slots `None`.
pub fn map_messages<T, F>(repo: &Repo, ids: &[ObjectId], f: &F) -> Vec<Option<T>>
where
    T: Send,
    F: Fn(&ObjectId, &str) -> T + Sync,
{
    let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(ids.len()).collect();
    if ids.len() < MIN_IDS {
        return out;
    }
    let source = repo.pack_source();
    let Ok(dir) = std::fs::read_dir(source.objects.join("pack")) else { return out };
    let mut wanted: gix::hashtable::HashMap<ObjectId, usize> =
        ids.iter().enumerate().map(|(at, id)| (*id, at)).collect();
    for id in &source.replaced {
        wanted.remove(id);
    }
    let mut indexes: Vec<_> = dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    indexes.sort();
    for path in indexes {
        if wanted.is_empty() {
            break;
        }
        let Ok(bundle) = pack::Bundle::at(&path, source.hash) else { continue };
        if wanted.len().saturating_mul(SCAN_RATIO) < bundle.index.num_objects() as usize {
            continue;
        }
        // Each thread scans a share of the index, then decodes what it found in pack order.
        let total = bundle.index.num_objects();
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 4)
            .min(wanted.len().div_ceil(1024).max(1));
        let share = total.div_ceil(u32::try_from(threads).unwrap_or(1)).max(1);
        let wanted_ref = &wanted;
        let decoded: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..total)
                .step_by(share as usize)
                .map(|low| {
                    let (bundle, hash) = (&bundle, source.hash);
                    scope.spawn(move || {
                        // (pack offset, position in `ids`) of the wanted entries in the share.
                        let mut entries: Vec<(u64, usize)> = (low..total.min(low + share))
                            .filter_map(|at| {
                                let slot = *wanted_ref.get(bundle.index.oid_at_index(at))?;
                                Some((bundle.index.pack_offset_at_index(at), slot))
                            })
                            .collect();
                        entries.sort_unstable();
                        decode(bundle, hash, ids, &entries, f)
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        for (slot, _) in decoded.iter().flatten() {
            wanted.remove(&ids[*slot]);
        }
        for (slot, value) in decoded.into_iter().flatten() {
            out[slot] = Some(value);
        }
    }
    out
}

/// Decodes the commits at `entries` (pack offset, position in `ids`) and maps each message
/// through `f`; an entry that is not a whole commit, or cannot be read, is skipped.
fn decode<T, F>(
    bundle: &pack::Bundle,
    hash: gix::hash::Kind,
    ids: &[ObjectId],
    entries: &[(u64, usize)],
    f: &F,
) -> Vec<(usize, T)>
where
    F: Fn(&ObjectId, &str) -> T,
{
    let mut inflate = gix::zlib::Inflate::default();
    let mut buf = Vec::new();
    let mut out = Vec::with_capacity(entries.len());
    for &(offset, slot) in entries {
        let Ok(entry) = bundle.pack.entry(offset) else { continue };
        if !matches!(entry.header, pack::data::entry::Header::Commit) {
            continue;
        }
        let Ok(size) = usize::try_from(entry.decompressed_size) else { continue };
        buf.resize(size, 0);
        if bundle.pack.decompress_entry(&entry, &mut inflate, &mut buf).is_err() {
            continue;
        }
        let Ok(commit) = gix::objs::CommitRef::from_bytes(&buf, hash) else { continue };
        out.push((slot, f(&ids[slot], &read::decode_message(&commit))));
    }
    out
}
