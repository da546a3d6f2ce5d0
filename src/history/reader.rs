//! Commit headers read once, and generation numbers (from the commit-graph or computed).

use anyhow::Result;
use gix::ObjectId;
use gix::hashtable::HashMap;

use crate::git::ahead::ReadAhead;
use crate::git::read::{CommitInfo, Repo};

/// Reads commit headers once and keeps them; while `keep_digests`, also the digest of each
/// message it had to inflate anyway (the plan's classification), so the plan does not read
/// those commits a second time.
pub(super) struct Reader<'r, T> {
    pub(super) repo: &'r Repo,
    pub(super) headers: HashMap<ObjectId, CommitInfo>,
    pub(super) digests: HashMap<ObjectId, T>,
    pub(super) keep_digests: bool,
    /// What a kept message is turned into.
    pub(super) digest: fn(&str) -> T,
    pub(super) buf: Vec<u8>,
    pub(super) first_parent: bool,
    /// Commits decoded on another core ahead of the walk.
    pub(super) ahead: Option<ReadAhead<T>>,
    /// Whether the walk takes its commits from `ahead` (no commit-graph). With one, the walk
    /// reads the graph and `ahead` only makes digests, collected when the walk ends.
    pub(super) take_ahead: bool,
    /// What `ahead` delivered that the walk has not asked for yet.
    pub(super) delivered: HashMap<ObjectId, (CommitInfo, T)>,
    /// How many of the commits read came from `ahead`.
    pub(super) taken_ahead: usize,
}

impl<T: Send + 'static> Reader<'_, T> {
    pub(super) fn load(&mut self, id: &ObjectId) -> Result<&CommitInfo> {
        if !self.headers.contains_key(id) {
            if self.take_ahead
                && let Some(ahead) = &mut self.ahead
                && !self.delivered.contains_key(id)
            {
                let delivered = &mut self.delivered;
                ahead.drain(|d| {
                    delivered.insert(d.id, (d.info, d.digest));
                });
            }
            if let Some((info, digest)) = self.delivered.remove(id) {
                self.taken_ahead += 1;
                if self.keep_digests {
                    self.digests.insert(*id, digest);
                }
                self.headers.insert(*id, info);
                if let Some(ahead) = &self.ahead {
                    ahead.walked(self.headers.len());
                }
                return Ok(&self.headers[id]);
            }
            let info = if self.keep_digests {
                let (info, digest) = self.repo.commit_digest(id, &mut self.buf, self.digest)?;
                self.digests.insert(*id, digest);
                info
            } else {
                self.repo.commit_header(id, &mut self.buf)?
            };
            self.headers.insert(*id, info);
            if self.take_ahead
                && let Some(ahead) = &self.ahead
            {
                ahead.walked(self.headers.len());
            }
        }
        Ok(&self.headers[id])
    }

    /// Stops the read-ahead and keeps the digests of everything it decoded that the walk did
    /// not take; returns how many it kept. With a commit-graph these are the digests the plan
    /// would otherwise read the commits again for.
    pub(super) fn harvest(&mut self) -> usize {
        let before = self.digests.len();
        let digests = &mut self.digests;
        if let Some(mut ahead) = self.ahead.take() {
            ahead.drain(|d| {
                digests.entry(d.id).or_insert(d.digest);
            });
        }
        for (id, (_, digest)) in self.delivered.drain() {
            digests.entry(id).or_insert(digest);
        }
        self.digests.len() - before
    }

    pub(super) fn time(&mut self, id: &ObjectId) -> Result<i64> {
        Ok(self.load(id)?.time)
    }

    /// The parents the walk follows (only the first with `first_parent`), into `out`.
    pub(super) fn edges(&mut self, id: &ObjectId, out: &mut Vec<ObjectId>) -> Result<()> {
        let first_parent = self.first_parent;
        let info = self.load(id)?;
        out.clear();
        out.extend(info.parents.iter().take(if first_parent { 1 } else { usize::MAX }));
        Ok(())
    }
}

/// Generation numbers, from the commit-graph or computed.
pub(super) struct Levels {
    pub(super) memo: HashMap<ObjectId, u32>,
    /// Whether the commit-graph gives them.
    pub(super) graph: bool,
    /// Whether `memo` holds exactly the commits HEAD reaches (no commit-graph: one traversal).
    pub(super) complete: bool,
}

impl Levels {
    /// The level of `id`, computing it from its parents' where no commit-graph covers it.
    pub(super) fn of<T: Send + 'static>(
        &mut self,
        reader: &mut Reader<'_, T>,
        id: ObjectId,
    ) -> Result<u32> {
        if let Some(level) = self.known(reader.repo, &id) {
            return Ok(level);
        }
        let mut stack = vec![(id, false)];
        let mut parents = Vec::new();
        while let Some((commit, expanded)) = stack.pop() {
            if self.known(reader.repo, &commit).is_some() {
                continue;
            }
            reader.edges(&commit, &mut parents)?;
            if expanded {
                let mut level = 0;
                for parent in &parents {
                    let parent_level =
                        self.known(reader.repo, parent).expect("parents are leveled first");
                    level = level.max(parent_level);
                }
                self.memo.insert(commit, level + 1);
            } else {
                stack.push((commit, true));
                for parent in &parents {
                    if self.known(reader.repo, parent).is_none() {
                        stack.push((*parent, false));
                    }
                }
            }
        }
        Ok(self.memo[&id])
    }

    pub(super) fn known(&mut self, repo: &Repo, id: &ObjectId) -> Option<u32> {
        if let Some(level) = self.memo.get(id) {
            return Some(*level);
        }
        if self.graph {
            let level = repo.generation(id)?;
            self.memo.insert(*id, level);
            return Some(level);
        }
        None
    }
}
