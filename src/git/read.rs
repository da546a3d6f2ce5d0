//! Reads through gix: discovery, HEAD, tags, commits, trees, blobs and config.
//!
//! Nothing here writes. The repository is opened with gix's environment overrides so that
//! `GIT_DIR` and friends, set by `git --git-dir=… release` or inside a hook, are honoured
//! (STYLE.md › Three facts of a git extension).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::FindExt;

use crate::config::GitConfig;
use crate::error::Error;

/// An opened repository, for reads.
pub struct Repo {
    /// The gix handle.
    inner: gix::Repository,
    /// The commit-graph file, when git wrote one (`git gc` does): parents, times and trees
    /// of the commits it covers, without inflating them.
    graph: Option<gix::commitgraph::Graph>,
    /// The boundary commits of a shallow clone, sorted: git treats them as having no
    /// parents, since their parents are not in the repository.
    shallow: Vec<ObjectId>,
}

/// Where and how [`super::ahead`] reads commits (see [`Repo::pack_source`]).
pub(crate) struct PackSource {
    /// The object directory.
    pub(crate) objects: PathBuf,
    /// The hash kind.
    pub(crate) hash: gix::hash::Kind,
    /// The shallow boundary commits, sorted.
    pub(crate) shallow: Vec<ObjectId>,
    /// The objects `refs/replace/` replaces, sorted: never read from the pack.
    pub(crate) replaced: Vec<ObjectId>,
}

/// A tag ref: its short name and where it points.
#[derive(Debug, Clone)]
pub struct TagRef {
    /// The name without `refs/tags/`.
    pub name: String,
    /// The object the ref points to: a commit (lightweight tag) or a tag object (annotated).
    pub target: ObjectId,
    /// The peeled commit, when `packed-refs` records it; otherwise found with [`Repo::peel`].
    pub peeled: Option<ObjectId>,
}

/// The parts of a commit the history walk needs.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// Its root tree.
    pub tree: ObjectId,
    /// Its parents, first parent first.
    pub parents: Vec<ObjectId>,
    /// Committer time, seconds since the epoch: the order `git log` walks in.
    pub time: i64,
}

/// A commit's message, author and committer date, for changelogs and release notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitDetails {
    /// The full message, lossy UTF-8 (a message in another encoding shows `U+FFFD`).
    pub message: String,
    /// The author's name, lossy UTF-8.
    pub author_name: String,
    /// The author's email.
    pub author_email: String,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The committer's UTC offset, in seconds east of UTC.
    pub offset: i32,
}

/// A decoded tree entry: name, whether it is a tree, and its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file or directory name.
    pub name: Vec<u8>,
    /// Whether it is a directory (a tree).
    pub is_tree: bool,
    /// The object it names.
    pub id: ObjectId,
}

impl Repo {
    /// Finds the repository containing `dir`, honouring `GIT_DIR`, `GIT_WORK_TREE` and the
    /// other variables git sets.
    ///
    /// # Errors
    /// `dir` is not inside a git repository (a usage error, exit 2), or the repository
    /// cannot be opened.
    pub fn discover(dir: &Path) -> Result<Self> {
        let mut repo = gix::discover_with_environment_overrides(dir).map_err(|e| {
            if let Some(format) = unsupported_object_format(dir) {
                return Error::usage(format!(
                    "the {format} object format is not supported (repository at `{}`)",
                    dir.display()
                ))
                .with_hint("git-release reads SHA-1 repositories only");
            }
            Error::usage(format!("`{}` is not inside a git repository", dir.display()))
                .with_hint(format!("run `git init` first, or pass `-C <repository>` ({e})"))
        })?;
        // Trees are read repeatedly while deciding which packages a commit touches; a small
        // cache of decoded objects saves the inflate. 16 MiB keeps peak memory low.
        repo.object_cache_size(None);
        // A commit-graph that cannot be read only costs speed: the objects are the truth.
        let graph = repo.commit_graph_if_enabled().ok().flatten();
        let shallow = shallow_boundary(&repo);
        Ok(Self { inner: repo, graph, shallow })
    }

    /// The work tree, or `None` in a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.inner.workdir()
    }

    /// The git directory of this worktree (`.git`, or `.git/worktrees/<name>`).
    pub fn git_dir(&self) -> &Path {
        self.inner.git_dir()
    }

    /// The common git directory shared by all worktrees.
    pub fn common_dir(&self) -> &Path {
        self.inner.common_dir()
    }

    /// The commit HEAD points to, or `None` when HEAD is unborn (no commits yet).
    ///
    /// # Errors
    /// HEAD cannot be read or does not point at a commit.
    pub fn head_commit(&self) -> Result<Option<ObjectId>> {
        let mut head = self.inner.head().context("failed to read HEAD")?;
        if head.is_unborn() {
            return Ok(None);
        }
        let id = head.peel_to_commit().context("failed to resolve HEAD to a commit")?.id;
        Ok(Some(id))
    }

    /// The short name of the branch HEAD is on, or `None` when detached or unborn.
    pub fn head_branch(&self) -> Option<String> {
        self.inner.head_name().ok().flatten().map(|name| name.shorten().to_str_lossy().into_owned())
    }

    /// Every ref under `refs/tags/`, unpeeled (peeling costs an object read per annotated
    /// tag, so it is left to [`Repo::peel`] for the tags that matter).
    ///
    /// # Errors
    /// The refs cannot be read.
    pub fn tags(&self) -> Result<Vec<TagRef>> {
        let platform = self.inner.references().context("failed to read refs")?;
        let mut tags = Vec::new();
        for reference in platform.tags().context("failed to list tags")? {
            let Ok(reference) = reference else { continue };
            let inner = &reference.inner;
            let gix::refs::Target::Object(target) = inner.target else { continue };
            let name = inner.name.as_bstr();
            let short = name.strip_prefix(b"refs/tags/").unwrap_or(name);
            tags.push(TagRef {
                name: short.to_str_lossy().into_owned(),
                target,
                peeled: inner.peeled,
            });
        }
        Ok(tags)
    }

    /// Follows annotated tags from `id` down to a commit; `None` when the end is not a
    /// commit (a tag of a tree or blob).
    ///
    /// # Errors
    /// An object is missing or corrupt.
    pub fn peel(&self, id: ObjectId) -> Result<Option<ObjectId>> {
        let mut id = id;
        let mut buf = Vec::new();
        for _ in 0..32 {
            let data = self
                .inner
                .objects
                .find(&id, &mut buf)
                .with_context(|| format!("failed to read object {id}"))?;
            match data.kind {
                gix::objs::Kind::Commit => return Ok(Some(id)),
                gix::objs::Kind::Tag => {
                    let tag =
                        data.decode().with_context(|| format!("failed to decode tag {id}"))?;
                    let gix::objs::ObjectRef::Tag(tag) = tag else { return Ok(None) };
                    id = tag.target();
                }
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Reads the commit `id` into `buf` and returns its tree, parents and committer time,
    /// with `digest` applied to its message (decoded by `decode_message`: UTF-8, Latin-1
    /// when the commit says so, otherwise lossy).
    ///
    /// # Errors
    /// The object is missing, not a commit, or corrupt.
    pub fn commit_digest<T>(
        &self,
        id: &ObjectId,
        buf: &mut Vec<u8>,
        digest: impl FnOnce(&str) -> T,
    ) -> Result<(CommitInfo, T)> {
        let commit = self
            .inner
            .objects
            .find_commit(id, buf)
            .with_context(|| format!("failed to read commit {id}"))?;
        Ok((commit_info(id, &commit, &self.shallow), digest(&decode_message(&commit))))
    }

    /// What [`super::ahead`] needs to read commits without this handle: the object directory
    /// packs are read from, the hash kind, the shallow boundary, and the objects `refs/replace/`
    /// replaces (sorted), which [`Repo::commit_digest`] reads as their replacements.
    pub(crate) fn pack_source(&self) -> PackSource {
        let store = self.inner.objects.store_ref();
        let mut replaced: Vec<ObjectId> = store.replacements().map(|(from, _)| from).collect();
        replaced.sort_unstable();
        PackSource {
            objects: store.path().to_owned(),
            hash: self.inner.object_hash(),
            shallow: self.shallow.clone(),
            replaced,
        }
    }

    /// The tree, parents and committer time of commit `id`, from the commit-graph when it
    /// covers the commit (no inflate), else from the object.
    ///
    /// # Errors
    /// The object is missing, not a commit, or corrupt.
    pub fn commit_header(&self, id: &ObjectId, buf: &mut Vec<u8>) -> Result<CommitInfo> {
        if let Some(graph) = &self.graph
            && self.shallow.binary_search(id).is_err()
            && let Some(commit) = graph.commit_by_id(id)
        {
            let parents: std::result::Result<Vec<ObjectId>, _> = commit
                .iter_parents()
                .map(|pos| pos.map(|pos| graph.id_at(pos).to_owned()))
                .collect();
            if let Ok(parents) = parents {
                return Ok(CommitInfo {
                    tree: commit.root_tree_id().to_owned(),
                    parents,
                    time: i64::try_from(commit.committer_timestamp()).unwrap_or(i64::MAX),
                });
            }
        }
        let commit = self
            .inner
            .objects
            .find_commit(id, buf)
            .with_context(|| format!("failed to read commit {id}"))?;
        Ok(commit_info(id, &commit, &self.shallow))
    }

    /// The commit-graph generation number (topological level) of `id`: 1 for a root, and
    /// always greater than each parent's. `None` when no commit-graph covers the commit, when
    /// the graph predates generation numbers (all zero), or in a shallow clone, where git
    /// disables the commit-graph too (`commit_graph_compatible()` in git's commit-graph.c).
    pub fn generation(&self, id: &ObjectId) -> Option<u32> {
        if !self.shallow.is_empty() {
            return None;
        }
        let generation = self.graph.as_ref()?.commit_by_id(id)?.generation();
        (generation > 0).then_some(generation)
    }

    /// Whether generation numbers can be read from a commit-graph (see
    /// [`Repo::generation`]).
    pub fn has_commit_graph(&self) -> bool {
        self.graph.is_some() && self.shallow.is_empty()
    }

    /// Whether `id` is a boundary commit of a shallow clone: its parents are not in the
    /// repository, so the walk treats it as a root, as git does (`.git/shallow`).
    pub fn is_shallow_boundary(&self, id: &ObjectId) -> bool {
        self.shallow.binary_search(id).is_ok()
    }

    /// Runs `f` over `items` split into contiguous chunks, one chunk per thread (up to four,
    /// at least `per_thread` items each), each thread with its own handle on this repository.
    /// Results are in the order of `items`. Reading objects is most of the cost of a plan and
    /// independent per commit, so two cores nearly halve it.
    ///
    /// # Errors
    /// The first error of any chunk; a panicking thread.
    pub fn parallel<I, T, F>(&self, items: &[I], per_thread: usize, f: F) -> Result<Vec<T>>
    where
        I: Sync,
        T: Send,
        F: Fn(&Repo, &[I]) -> Result<Vec<T>> + Sync,
    {
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(4)
            .min(items.len().div_ceil(per_thread.max(1)))
            .max(1);
        if threads == 1 {
            return f(self, items);
        }
        let shared = self.inner.clone().into_sync();
        let chunk_len = items.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = items
                .chunks(chunk_len)
                .map(|chunk| {
                    let (shared, f) = (&shared, &f);
                    scope.spawn(move || {
                        let repo = shared.to_thread_local();
                        let graph = repo.commit_graph_if_enabled().ok().flatten();
                        let shallow = shallow_boundary(&repo);
                        f(&Repo { inner: repo, graph, shallow }, chunk)
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(items.len());
            for handle in handles {
                out.extend(
                    handle.join().map_err(|_| anyhow::anyhow!("a reader thread panicked"))??,
                );
            }
            Ok(out)
        })
    }

    /// Reads the messages of `ids` and maps each through `f`, in parallel. Results are in the
    /// order of `ids`. When many are wanted, they are read from their pack in pack order
    /// ([`super::bulk`]); the rest by id, in parallel (see [`Repo::parallel`]).
    ///
    /// # Errors
    /// A commit is missing or corrupt.
    pub fn map_messages<T, F>(&self, ids: &[ObjectId], f: F) -> Result<Vec<T>>
    where
        T: Send,
        F: Fn(&ObjectId, &str) -> T + Sync,
    {
        let mut found = super::bulk::map_messages(self, ids, &f);
        let unread: Vec<ObjectId> =
            ids.iter().zip(&found).filter(|(_, v)| v.is_none()).map(|(id, _)| *id).collect();
        let mut read =
            self.map_commits(&unread, |id, commit| f(id, &decode_message(commit)))?.into_iter();
        Ok(found
            .iter_mut()
            .map(|v| v.take().or_else(|| read.next()).expect("one message per unread commit"))
            .collect())
    }

    /// Reads each of `ids` and maps the decoded commit through `f`, in parallel (see
    /// [`Repo::parallel`]). Results are in the order of `ids`.
    ///
    /// # Errors
    /// A commit is missing or corrupt.
    fn map_commits<T, F>(&self, ids: &[ObjectId], f: F) -> Result<Vec<T>>
    where
        T: Send,
        F: Fn(&ObjectId, &gix::objs::CommitRef<'_>) -> T + Sync,
    {
        self.parallel(ids, 2048, |repo, chunk| {
            let mut buf = Vec::new();
            chunk
                .iter()
                .map(|id| {
                    let commit = repo
                        .inner
                        .objects
                        .find_commit(id, &mut buf)
                        .with_context(|| format!("failed to read commit {id}"))?;
                    Ok(f(id, &commit))
                })
                .collect()
        })
    }

    /// The commit's author as `(name, email)` and the full message, for reports.
    ///
    /// # Errors
    /// The object is missing, not a commit, or corrupt.
    pub fn commit_message(&self, id: &ObjectId) -> Result<String> {
        let mut buf = Vec::new();
        let commit = self
            .inner
            .objects
            .find_commit(id, &mut buf)
            .with_context(|| format!("failed to read commit {id}"))?;
        Ok(commit.message.to_str_lossy().into_owned())
    }

    /// The entries of tree `id`, sorted as git sorts them.
    ///
    /// # Errors
    /// The object is missing, not a tree, or corrupt.
    pub fn tree_entries(&self, id: &ObjectId, buf: &mut Vec<u8>) -> Result<Vec<Entry>> {
        let tree = self
            .inner
            .objects
            .find_tree(id, buf)
            .with_context(|| format!("failed to read tree {id}"))?;
        Ok(tree
            .entries
            .iter()
            .map(|e| Entry {
                name: e.filename.to_vec(),
                is_tree: e.mode.is_tree(),
                id: e.oid.to_owned(),
            })
            .collect())
    }

    /// The entry named `name` in tree `id`, if any.
    ///
    /// # Errors
    /// The object is missing, not a tree, or corrupt.
    pub fn tree_entry(
        &self,
        id: &ObjectId,
        name: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<Option<Entry>> {
        let tree = self
            .inner
            .objects
            .find_tree(id, buf)
            .with_context(|| format!("failed to read tree {id}"))?;
        Ok(tree.entries.iter().find(|e| e.filename == name).map(|e| Entry {
            name: e.filename.to_vec(),
            is_tree: e.mode.is_tree(),
            id: e.oid.to_owned(),
        }))
    }

    /// The object at `path` (`/`-separated, `.` for the root) in tree `root`, if it exists.
    ///
    /// # Errors
    /// An object on the way is missing or corrupt.
    pub fn lookup_path(&self, root: ObjectId, path: &str) -> Result<Option<Entry>> {
        let mut current = Entry { name: Vec::new(), is_tree: true, id: root };
        let mut buf = Vec::new();
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            if !current.is_tree {
                return Ok(None);
            }
            match self.tree_entry(&current.id, part.as_bytes(), &mut buf)? {
                Some(entry) => current = entry,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// The content of the file at `path` in tree `root`, or `None` when there is no such file.
    ///
    /// # Errors
    /// An object on the way is missing or corrupt.
    pub fn read_file(&self, root: ObjectId, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(entry) = self.lookup_path(root, path)? else { return Ok(None) };
        if entry.is_tree {
            return Ok(None);
        }
        let mut buf = Vec::new();
        let blob = self
            .inner
            .objects
            .find_blob(&entry.id, &mut buf)
            .with_context(|| format!("failed to read `{path}`"))?;
        Ok(Some(blob.data.to_vec()))
    }

    /// Every file path under `root` whose file name is one of `names`, skipping directories
    /// that never hold packages of their own (`.git`, `node_modules`, `target`, `vendor`,
    /// hidden ones).
    ///
    /// # Errors
    /// A tree is missing or corrupt.
    pub fn find_files(&self, root: ObjectId, names: &[&str]) -> Result<Vec<String>> {
        const SKIP: [&str; 5] = ["node_modules", "target", "vendor", "dist", "build"];
        let mut out = Vec::new();
        let mut stack = vec![(root, String::new())];
        let mut buf = Vec::new();
        while let Some((tree, prefix)) = stack.pop() {
            for entry in self.tree_entries(&tree, &mut buf)? {
                let name = String::from_utf8_lossy(&entry.name).into_owned();
                let path =
                    if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
                if entry.is_tree {
                    if !name.starts_with('.') && !SKIP.contains(&name.as_str()) {
                        stack.push((entry.id, path));
                    }
                } else if names.contains(&name.as_str()) {
                    out.push(path);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The root tree of commit `id`.
    ///
    /// # Errors
    /// The commit is missing or corrupt.
    pub fn tree_of(&self, id: &ObjectId) -> Result<ObjectId> {
        let mut buf = Vec::new();
        Ok(self.commit_header(id, &mut buf)?.tree)
    }

    /// The message, author and committer date of each of `ids`, read in parallel (see
    /// [`Repo::parallel`]), in the order of `ids`.
    ///
    /// The author is mapped through the repository's mailmap as `git log --use-mailmap`
    /// does (gix: the work tree's `.mailmap`, never followed through a symbolic link, or
    /// `HEAD:.mailmap` in a bare repository, then `mailmap.blob` and `mailmap.file`), so one
    /// person with several names or addresses is credited once. A mailmap that does not
    /// load is ignored, as git ignores it.
    ///
    /// # Errors
    /// A commit is missing or corrupt.
    pub fn commit_details(&self, ids: &[ObjectId]) -> Result<Vec<CommitDetails>> {
        let mailmap = self.inner.open_mailmap();
        self.map_commits(ids, |_, commit| {
            let (author_name, author_email) = commit.author().map_or_else(
                |_| (String::new(), String::new()),
                |a| {
                    let a = mailmap.resolve_cow(a);
                    (a.name.to_str_lossy().into_owned(), a.email.to_str_lossy().into_owned())
                },
            );
            let (time, offset) = commit
                .committer()
                .ok()
                .and_then(|c| c.time().ok())
                .map_or((0, 0), |t| (t.seconds, t.offset));
            let message = decode_message(commit).into_owned();
            CommitDetails { message, author_name, author_email, time, offset }
        })
    }

    /// The operation under way in this worktree, as `(what, how to end it)`: a merge, a
    /// rebase (or `git am`), a cherry-pick, a revert or a bisect, found by the files git keeps
    /// in the git dir while it runs (`MERGE_HEAD`, `rebase-merge/`, `rebase-apply/`,
    /// `CHERRY_PICK_HEAD`, `REVERT_HEAD`, `BISECT_LOG`). `None` when nothing is under way.
    /// Used by the `operation_in_progress` check (DESIGN.md › Checks and waivers).
    pub fn operation_in_progress(&self) -> Option<(&'static str, &'static str)> {
        const MARKERS: [(&str, &str, &str); 6] = [
            ("rebase-merge", "a rebase", "git rebase --continue` or `git rebase --abort"),
            ("rebase-apply", "a rebase or `git am`", "git rebase --abort` or `git am --abort"),
            ("MERGE_HEAD", "a merge", "git merge --continue` or `git merge --abort"),
            (
                "CHERRY_PICK_HEAD",
                "a cherry-pick",
                "git cherry-pick --continue` or `git cherry-pick --abort",
            ),
            ("REVERT_HEAD", "a revert", "git revert --continue` or `git revert --abort"),
            ("BISECT_LOG", "a bisect", "git bisect reset"),
        ];
        let dir = self.git_dir();
        MARKERS
            .iter()
            .find(|(file, _, _)| dir.join(file).exists())
            .map(|(_, what, fix)| (*what, *fix))
    }

    /// The commit the ref `name` (full, such as `refs/remotes/origin/main`) points to,
    /// peeled; `None` when there is no such ref or it does not lead to a commit.
    ///
    /// # Errors
    /// The refs cannot be read.
    pub fn ref_commit(&self, name: &str) -> Result<Option<ObjectId>> {
        let found = self
            .inner
            .try_find_reference(name)
            .with_context(|| format!("failed to read ref `{name}`"))?;
        let Some(mut reference) = found else { return Ok(None) };
        Ok(reference.peel_to_commit().ok().map(|c| c.id))
    }

    /// The remote-tracking ref of local branch `branch` (short name) as its git config
    /// sets it up (`branch.<name>.remote` and `.merge`, mapped through the remote's fetch
    /// refspecs, like `@{upstream}`); `None` when the branch has no upstream.
    pub fn upstream_of(&self, branch: &str) -> Option<String> {
        let full: gix::refs::FullName = format!("refs/heads/{branch}").try_into().ok()?;
        let tracking = self
            .inner
            .branch_remote_tracking_ref_name(full.as_ref(), gix::remote::Direction::Fetch)?
            .ok()?;
        Some(tracking.as_bstr().to_str_lossy().into_owned())
    }

    /// Whether the repository is a shallow clone.
    pub fn is_shallow(&self) -> bool {
        self.inner.is_shallow().unwrap_or(false)
    }

    /// The path of the work tree, or of the git dir in a bare repository.
    pub fn root(&self) -> PathBuf {
        self.workdir().map_or_else(|| self.git_dir().to_owned(), Path::to_owned)
    }
}

/// The walk's view of a decoded commit: its tree, its parents (none for a shallow boundary
/// commit, as git treats them; `shallow` is sorted) and its committer time. Shared by
/// [`Repo::commit_header`], [`Repo::commit_digest`] and the read-ahead of [`super::ahead`],
/// so all give the same answer for the same object.
pub(crate) fn commit_info(
    id: &ObjectId,
    commit: &gix::objs::CommitRef<'_>,
    shallow: &[ObjectId],
) -> CommitInfo {
    let time = commit.committer().map_or(0, |c| c.seconds());
    let parents =
        if shallow.binary_search(id).is_ok() { Vec::new() } else { commit.parents().collect() };
    CommitInfo { tree: commit.tree(), parents, time }
}

/// A commit's message as text: UTF-8 as is; a message git stored in Latin-1
/// (`i18n.commitEncoding`, recorded in the `encoding` header) decoded, every byte being the
/// code point of the same value; anything else read lossily, never an error.
pub(crate) fn decode_message<'a>(commit: &gix::objs::CommitRef<'a>) -> std::borrow::Cow<'a, str> {
    let latin1 = commit.encoding.is_some_and(|e| {
        ["iso-8859-1", "latin1", "latin-1"]
            .iter()
            .any(|name| e.eq_ignore_ascii_case(name.as_bytes()))
    });
    match commit.message.to_str() {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) if latin1 => {
            std::borrow::Cow::Owned(commit.message.iter().map(|&b| char::from(b)).collect())
        }
        Err(_) => commit.message.to_str_lossy(),
    }
}

/// The boundary commits of a shallow clone (`.git/shallow`), sorted; empty otherwise.
fn shallow_boundary(repo: &gix::Repository) -> Vec<ObjectId> {
    let mut list: Vec<ObjectId> = repo
        .shallow_commits()
        .ok()
        .flatten()
        .map(|c| c.iter().copied().collect())
        .unwrap_or_default();
    list.sort_unstable();
    list
}

impl GitConfig for Repo {
    fn value(&self, key: &str) -> Option<String> {
        self.inner.config_snapshot().string(key).map(|v| v.to_str_lossy().into_owned())
    }

    fn values(&self, key: &str) -> Vec<String> {
        self.inner
            .config_snapshot()
            .plumbing()
            .strings(key)
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.to_str_lossy().into_owned())
            .collect()
    }
}

/// The object format of the repository around `dir` when it is one gix was not built for
/// (`extensions.objectFormat`, e.g. `SHA-256` from `git init --object-format=sha256`), read
/// from its config file without opening it.
fn unsupported_object_format(dir: &Path) -> Option<String> {
    let (path, _) = gix::discover::upwards(dir).ok()?;
    let (git_dir, _) = path.into_repository_and_work_tree_directories();
    let config = gix::config::File::from_path_no_includes(
        git_dir.join("config"),
        gix::config::Source::Local,
    )
    .ok()?;
    let format = config.string("extensions.objectFormat")?;
    let format = format.to_str_lossy().to_ascii_lowercase();
    (format != "sha1").then(|| format.to_ascii_uppercase().replace("SHA", "SHA-"))
}
