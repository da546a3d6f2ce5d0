//! Every release of a package in one history walk (`changelog --all`, issue 5).

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// A release tag of a package, peeled to its commit.
#[derive(Debug, Clone)]
pub struct TagVersion {
    /// The tag name.
    pub tag: String,
    /// The version it carries.
    pub version: Version,
    /// The tagged commit.
    pub commit: ObjectId,
}

/// Every tag of `package` that parses under one of its tag formats and points (through
/// annotated tags) at a commit, in ascending version order; a version tagged twice keeps
/// the tag of the first format.
///
/// # Errors
/// The refs or a tag object cannot be read.
pub fn package_tags(repo: &Repo, package: &Package) -> Result<Vec<TagVersion>> {
    let mut found: BTreeMap<Version, (usize, String, ObjectId, Option<ObjectId>)> = BTreeMap::new();
    for tag in repo.tags()? {
        let Some((rank, version)) = package
            .tag_formats
            .iter()
            .enumerate()
            .find_map(|(i, f)| f.parse_tag(&tag.name).map(|v| (i, v)))
        else {
            continue;
        };
        let better =
            found.get(&version).is_none_or(|(r, name, _, _)| (rank, &tag.name) < (*r, name));
        if better {
            found.insert(version, (rank, tag.name, tag.target, tag.peeled));
        }
    }
    let mut out = Vec::with_capacity(found.len());
    for (version, (_, tag, target, peeled)) in found {
        let commit = match peeled {
            Some(id) => Some(id),
            None => repo.peel(target)?,
        };
        if let Some(commit) = commit {
            out.push(TagVersion { tag, version, commit });
        }
    }
    Ok(out)
}

/// The commits of each release: for `starts[k]`, the commits reachable from it and from no
/// `starts[j]` with `j < k` — with `starts` in ascending version order, the commits since
/// the previous releases (`git log A..B` for a linear history). Each commit is read once
/// (from the commit-graph when there is one). Each list is newest first (committer time).
///
/// # Errors
/// A commit cannot be read.
pub fn release_ranges(
    repo: &Repo,
    starts: &[ObjectId],
    first_parent: bool,
) -> Result<Vec<Vec<ObjectId>>> {
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut buf = Vec::new();
    let mut out = Vec::with_capacity(starts.len());
    let mut stack: Vec<ObjectId> = Vec::new();
    for start in starts {
        let mut list: Vec<(i64, usize, ObjectId)> = Vec::new();
        stack.push(*start);
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let info = repo.commit_header(&id, &mut buf)?;
            list.push((info.time, list.len(), id));
            let take = if first_parent { 1 } else { usize::MAX };
            stack.extend(info.parents.iter().take(take).filter(|p| !seen.contains(*p)));
        }
        list.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        out.push(list.into_iter().map(|(_, _, id)| id).collect());
    }
    Ok(out)
}

/// Keeps the commits of `ids` that touch `path` (git log's TREESAME rule for merges: a
/// merge touches the path only when it differs there from every parent). `.` keeps all.
///
/// # Errors
/// A commit or tree cannot be read.
pub fn filter_by_path(repo: &Repo, ids: Vec<ObjectId>, path: &str) -> Result<Vec<ObjectId>> {
    if path == "." || ids.is_empty() {
        return Ok(ids);
    }
    let trie = PathTrie::new([(0, path)]);
    let keep = repo.parallel(&ids, 512, |repo, chunk| {
        let mut cache = TreeCache::default();
        let mut buf = Vec::new();
        chunk
            .iter()
            .map(|id| {
                let info = repo.commit_header(id, &mut buf)?;
                let mut parents = info.parents.iter();
                let Some(first) = parents.next() else {
                    return Ok(!history::changed(repo, &mut cache, &trie, Some(info.tree), None)?
                        .is_empty());
                };
                let mut touched = !history::changed(
                    repo,
                    &mut cache,
                    &trie,
                    Some(info.tree),
                    Some(repo.tree_of(first)?),
                )?
                .is_empty();
                for parent in parents {
                    if !touched {
                        break;
                    }
                    touched = !history::changed(
                        repo,
                        &mut cache,
                        &trie,
                        Some(info.tree),
                        Some(repo.tree_of(parent)?),
                    )?
                    .is_empty();
                }
                Ok(touched)
            })
            .collect()
    })?;
    Ok(ids.into_iter().zip(keep).filter(|(_, k)| *k).map(|(id, _)| id).collect())
}

/// Reads the details of `ids` once each, into a map.
///
/// # Errors
/// A commit cannot be read.
pub fn details_of(repo: &Repo, ids: &[ObjectId]) -> Result<HashMap<ObjectId, CommitDetails>> {
    let mut unique: Vec<ObjectId> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let details = repo.commit_details(&unique)?;
    Ok(unique.into_iter().zip(details).collect())
}
