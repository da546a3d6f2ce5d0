//! The exact ancestry test the date-ordered walk proves its ranges with.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use anyhow::Result;
use gix::ObjectId;
use gix::hashtable::HashMap;

use super::reader::Reader;

/// Whether `ancestor` is reachable from `descendant`, by walking from both down to their
/// merge base (git's `paint_down_to_common`): exact whatever the dates, because the walk
/// only stops once every queued commit is reachable from both. `None` when it would take
/// more than `budget` more commits.
pub(super) fn is_ancestor<T: Send + 'static>(
    reader: &mut Reader<'_, T>,
    ancestor: ObjectId,
    descendant: ObjectId,
    budget: &mut usize,
) -> Result<Option<bool>> {
    const FROM_ANCESTOR: u8 = 1;
    const FROM_DESCENDANT: u8 = 2;
    const BOTH: u8 = 3;
    if ancestor == descendant {
        return Ok(Some(true));
    }
    let mut flags: HashMap<ObjectId, u8> = HashMap::default();
    // (date, sequence, commit, whether it counts in `open`)
    let mut queue: BinaryHeap<(i64, Reverse<u64>, ObjectId, bool)> = BinaryHeap::new();
    let mut seq = 0u64;
    // Queue entries pushed while their commit was reachable from one side only. The walk
    // may stop once none is left: every queued commit is then reachable from both, and so
    // is everything below it.
    let mut open = 0usize;
    for (id, flag) in [(ancestor, FROM_ANCESTOR), (descendant, FROM_DESCENDANT)] {
        flags.insert(id, flag);
        queue.push((reader.time(&id)?, Reverse(seq), id, true));
        seq += 1;
        open += 1;
    }
    let mut parents = Vec::new();
    while open > 0 {
        let Some((_, _, id, counted)) = queue.pop() else { break };
        if counted {
            open -= 1;
        }
        if *budget == 0 {
            return Ok(None);
        }
        *budget -= 1;
        let flag = flags[&id];
        reader.edges(&id, &mut parents)?;
        for parent in &parents {
            let before = flags.get(parent).copied().unwrap_or(0);
            let after = before | flag;
            if after == before {
                continue;
            }
            if *parent == ancestor && after & FROM_DESCENDANT != 0 {
                return Ok(Some(true));
            }
            if *parent == descendant && after & FROM_ANCESTOR != 0 {
                // The descendant is below the ancestor: not the other way round.
                return Ok(Some(false));
            }
            flags.insert(*parent, after);
            let counted = after != BOTH;
            queue.push((reader.time(parent)?, Reverse(seq), *parent, counted));
            seq += 1;
            open += usize::from(counted);
        }
    }
    Ok(Some(false))
}
