//! Which commits touch a package path: tree entries compared along the package paths only.

use std::rc::Rc;

use anyhow::Result;
use gix::ObjectId;
use gix::hashtable::HashMap;

use super::Walk;
use crate::git::read::{CommitInfo, Entry, Repo};

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
pub fn touched<T>(
    repo: &Repo,
    cache: &mut TreeCache,
    walk: &Walk<T>,
    trie: &PathTrie,
    commit: &ObjectId,
) -> Result<Vec<usize>> {
    let info = match walk.info(commit) {
        Some(info) => info.clone(),
        None => repo.commit_header(commit, &mut Vec::new())?,
    };
    touched_by(repo, cache, trie, &info, |id: &ObjectId| -> Result<ObjectId> {
        match walk.info(id) {
            Some(info) => Ok(info.tree),
            None => repo.tree_of(id),
        }
    })
}

/// [`touched`] for a commit whose header is `info`, with `tree_of` giving a parent's tree:
/// for callers that read the history themselves (`calibrate`).
///
/// # Errors
/// A commit or tree is missing or corrupt.
pub fn touched_by(
    repo: &Repo,
    cache: &mut TreeCache,
    trie: &PathTrie,
    info: &CommitInfo,
    tree_of: impl Fn(&ObjectId) -> Result<ObjectId>,
) -> Result<Vec<usize>> {
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
