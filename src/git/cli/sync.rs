//! The remote and plumbing operations of `git release sync` (issue 18): every advertised
//! ref, fetching into a private namespace, an atomic push with leases, and a commit built
//! from a temporary index without a work tree.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// A ref a remote advertises, as `git ls-remote` lists it (peeled `^{}` lines left out).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AdvertisedRef {
    /// The full ref name, `refs/tags/v1.2.0`.
    pub name: String,
    /// The object it points to (a tag object for an annotated tag).
    pub id: String,
}

/// One line of `git diff-tree --raw`: a file added (`A`), modified (`M`) or deleted (`D`)
/// between two trees, with its modes and blob ids on either side (`0…` where absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawChange {
    /// `A`, `M`, `D` or `T` (a type change), as git prints it.
    pub status: char,
    /// The mode before, `000000` when added.
    pub old_mode: String,
    /// The mode after, `000000` when deleted.
    pub new_mode: String,
    /// The blob before.
    pub old_id: String,
    /// The blob after.
    pub new_id: String,
    /// The path, `/`-separated, relative to the tree's root.
    pub path: String,
}

/// The remote operations of `git release sync` (issue 18): listing, fetching into a private
/// namespace, an atomic push, and the plumbing that builds a commit without a work tree.
impl Git {
    /// Every ref `remote` (a remote name, URL or path) advertises, sorted by name, without
    /// the peeled `^{}` lines.
    ///
    /// # Errors
    /// [`RemoteError::Unreachable`] when the remote was not reached (or its credentials were
    /// refused), else [`RemoteError::Rejected`], both with git's reason, credentials redacted.
    pub fn ls_remote_all(
        &self,
        remote: &str,
    ) -> std::result::Result<Vec<AdvertisedRef>, RemoteError> {
        let out = self
            .command(["ls-remote", "--", remote])
            .output()
            .map_err(|e| RemoteError::Spawn("ls-remote", e))?;
        if !out.status.success() {
            return Err(remote_error(String::from_utf8_lossy(&out.stderr).trim()));
        }
        let mut refs: Vec<AdvertisedRef> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .filter(|(_, name)| !name.ends_with("^{}") && name.starts_with("refs/"))
            .map(|(id, name)| AdvertisedRef { name: name.to_owned(), id: id.to_owned() })
            .collect();
        refs.sort();
        Ok(refs)
    }

    /// `git fetch --no-tags --prune <remote> <refspec>…`: with refspecs whose destinations
    /// lie in a private namespace (`refs/git-release/…`), refs the remote no longer has are
    /// pruned there and nothing else is touched.
    ///
    /// # Errors
    /// git fails; the message carries git's reason ([`is_unreachable`] tells the network).
    pub fn fetch_refspecs(&self, remote: &str, refspecs: &[String]) -> Result<()> {
        let mut args = vec!["fetch", "--quiet", "--no-tags", "--prune", "--", remote];
        args.extend(refspecs.iter().map(String::as_str));
        self.run(args).map(drop)
    }

    /// The refs under `prefix` (`for-each-ref`), sorted by name.
    ///
    /// # Errors
    /// git fails.
    pub fn refs_under(&self, prefix: &str) -> Result<Vec<AdvertisedRef>> {
        let text = self.text(["for-each-ref", "--format=%(objectname) %(refname)", prefix])?;
        let mut refs: Vec<AdvertisedRef> = text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(id, name)| AdvertisedRef { name: name.to_owned(), id: id.to_owned() })
            .collect();
        refs.sort();
        Ok(refs)
    }

    /// The branch `remote`'s `HEAD` points to (`ls-remote --symref`), or `None` when it
    /// cannot be read or points nowhere.
    pub fn remote_default_branch(&self, remote: &str) -> Option<String> {
        let text = self.text(["ls-remote", "--symref", "--", remote, "HEAD"]).ok()?;
        text.lines().find_map(|line| {
            let (target, name) = line.strip_prefix("ref: ")?.split_once('\t')?;
            (name == "HEAD").then(|| target.strip_prefix("refs/heads/").map(str::to_owned))?
        })
    }

    /// The URL of the remote `name` of this repository, or `None` when it has none.
    pub fn remote_url(&self, name: &str) -> Option<String> {
        let text = self.text(["remote", "get-url", "--", name]).ok()?;
        Some(text.trim().to_owned()).filter(|u| !u.is_empty())
    }

    /// Creates an empty repository at `dir` (`git init --quiet`) with the remote `origin` at
    /// `url`: a place for a forge client that finds its repository from `origin`.
    ///
    /// # Errors
    /// git fails.
    pub fn init_with_origin(dir: &Path, url: &str) -> Result<Self> {
        let git = Self::new(dir);
        git.run(["init", "--quiet"])?;
        git.run(["remote", "add", "--", "origin", url])?;
        Ok(git)
    }

    /// Whether the object `id` is in this repository.
    pub fn has_object(&self, id: &str) -> bool {
        self.rev_parse(&format!("{id}^{{object}}")).is_some()
    }

    /// `git push --atomic --porcelain <remote> <refspec>…`: all or none. Each `(ref, old)` in
    /// `leases` adds `--force-with-lease=<ref>:<old>`, which lets that one ref (a branch, never
    /// a tag: the caller's rule) move to a commit that does not contain `old`, only while the
    /// remote still has it at `old`. No other ref is ever forced.
    ///
    /// # Errors
    /// [`RemoteError::Unreachable`] when the remote was not reached,
    /// [`RemoteError::Rejected`] when it refused any ref (then none moved); both carry
    /// git's output.
    pub fn push_atomic(
        &self,
        remote: &str,
        refspecs: &[String],
        leases: &[(String, String)],
    ) -> std::result::Result<(), RemoteError> {
        let mut args = vec!["push".to_owned(), "--atomic".to_owned(), "--porcelain".to_owned()];
        args.extend(leases.iter().map(|(name, old)| format!("--force-with-lease={name}:{old}")));
        args.extend(["--".to_owned(), remote.to_owned()]);
        args.extend(refspecs.iter().cloned());
        let out = self.command(&args).output().map_err(|e| RemoteError::Spawn("push", e))?;
        push_result(&out)
    }

    /// The id of the empty tree in this repository's hash (`hash-object -t tree` of nothing).
    ///
    /// # Errors
    /// git fails.
    pub fn empty_tree(&self) -> Result<String> {
        Ok(self.text(["hash-object", "-t", "tree", "--stdin"])?.trim().to_owned())
    }

    /// `git diff-tree -r --raw --no-renames <from> <to> -- <pathspec>…`: the files added,
    /// modified or deleted between two trees (or commits), limited to `pathspecs` (git's
    /// pathspec magic, such as `:(glob)` and `:(exclude)`, applies).
    ///
    /// # Errors
    /// git fails (an unknown id, a bad pathspec).
    pub fn diff_tree(&self, from: &str, to: &str, pathspecs: &[String]) -> Result<Vec<RawChange>> {
        let mut args = vec!["diff-tree", "-r", "-z", "--raw", "--no-renames", from, to, "--"];
        args.extend(pathspecs.iter().map(String::as_str));
        Ok(parse_raw_diff(&self.text(args)?))
    }

    /// Builds a commit without touching any work tree or index: the tree of `base` (the
    /// empty tree when `None`) with `changes` applied (`(mode, blob, path)`, a `None` mode
    /// deleting the path), committed with `message` and `base` as its parent. Returns the new
    /// commit's id. A temporary index file under the git dir is used and removed.
    ///
    /// # Errors
    /// git fails (no identity, a bad path).
    pub fn commit_tree_with(
        &self,
        base: Option<&str>,
        changes: &[(Option<String>, String, String)],
        message: &str,
    ) -> Result<String> {
        use std::io::Write as _;
        let folder = self.git_path("git-release")?;
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("failed to create `{}`", folder.display()))?;
        let index = tempfile::Builder::new()
            .prefix("sync-index-")
            .tempfile_in(&folder)
            .context("failed to create a temporary index")?
            .into_temp_path();
        let with_index = |args: &[&str]| {
            let mut cmd = self.command(args);
            cmd.env("GIT_INDEX_FILE", &index);
            cmd
        };
        let run = |mut cmd: Command, what: &str, input: Option<&[u8]>| -> Result<String> {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
            if input.is_some() {
                cmd.stdin(Stdio::piped());
            }
            let mut child = cmd.spawn().with_context(|| format!("failed to run `git {what}`"))?;
            if let (Some(bytes), Some(mut pipe)) = (input, child.stdin.take()) {
                pipe.write_all(bytes).with_context(|| format!("failed to feed `git {what}`"))?;
            }
            let out =
                child.wait_with_output().with_context(|| format!("failed to run `git {what}`"))?;
            if !out.status.success() {
                return Err(Error::failed(format!(
                    "`git {what}` failed: {}",
                    redact(String::from_utf8_lossy(&out.stderr).trim())
                ))
                .into());
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        match base {
            Some(base) => run(with_index(&["read-tree", base]), "read-tree", None)?,
            None => run(with_index(&["read-tree", "--empty"]), "read-tree", None)?,
        };
        let zero = "0".repeat(self.empty_tree()?.len());
        let mut info = Vec::new();
        for (mode, blob, path) in changes {
            let line = match mode {
                Some(mode) => format!("{mode} {blob}\t{path}\0"),
                None => format!("0 {zero}\t{path}\0"),
            };
            info.extend_from_slice(line.as_bytes());
        }
        run(with_index(&["update-index", "-z", "--index-info"]), "update-index", Some(&info))?;
        let tree = run(with_index(&["write-tree"]), "write-tree", None)?;
        let mut args = vec!["commit-tree", tree.as_str(), "-m", message];
        if let Some(base) = base {
            args.extend(["-p", base]);
        }
        run(self.command(&args), "commit-tree", None)
    }
}

/// Parses `git diff-tree -r -z --raw` output: `:<mode> <mode> <id> <id> <status>\0<path>\0`.
pub fn parse_raw_diff(text: &str) -> Vec<RawChange> {
    let mut changes = Vec::new();
    let mut fields = text.split('\0');
    while let Some(meta) = fields.next() {
        let Some(meta) = meta.strip_prefix(':') else { continue };
        let Some(path) = fields.next() else { break };
        let parts: Vec<&str> = meta.split(' ').collect();
        if let [old_mode, new_mode, old_id, new_id, status] = parts[..] {
            changes.push(RawChange {
                status: status.chars().next().unwrap_or('M'),
                old_mode: old_mode.to_owned(),
                new_mode: new_mode.to_owned(),
                old_id: old_id.to_owned(),
                new_id: new_id.to_owned(),
                path: path.to_owned(),
            });
        }
    }
    changes
}
