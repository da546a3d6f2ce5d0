//! The `git` binary, for what must honour the user's git setup or that gix does not do:
//! push, fetch, `ls-remote`, annotated and signed tags, worktrees, commits.
//!
//! Every child is built by [`Git::command`]: an argument vector (never a shell string),
//! `-C <dir>`, `core.fsmonitor=false`, `GIT_OPTIONAL_LOCKS=0`, and `LC_ALL` removed with `LC_MESSAGES=C` so git's
//! messages can be matched. Nothing here forces a push or deletes a tag.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, Result};

use crate::error::{Error, redact};

/// A way to run git in one repository.
#[derive(Debug, Clone)]
pub struct Git {
    program: PathBuf,
    dir: PathBuf,
}

/// A remote ref as `git ls-remote` reports it: the object, and the peeled commit for an
/// annotated tag (the `^{}` line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRef {
    /// The object the ref points to (a tag object for an annotated tag).
    pub object: String,
    /// The commit it peels to; equal to `object` for a lightweight tag.
    pub peeled: String,
}

impl Git {
    /// Runs git in `dir` (the work tree, or the git dir of a bare repository). The binary is
    /// `git` on PATH.
    pub fn new(dir: &Path) -> Self {
        Self { program: PathBuf::from("git"), dir: dir.to_owned() }
    }

    /// A `git` command with the project's fixed settings; add arguments and run it.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(&self.program);
        cmd.arg("-C")
            .arg(&self.dir)
            .args(["-c", "core.fsmonitor=false"])
            .args(args)
            .env_remove("LC_ALL")
            .env("LC_MESSAGES", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            // `git status` and friends refresh `.git/index` when timestamps are stale:
            // read-only commands (`check`, `plan`, `run --dry-run`) must leave `.git`
            // byte-identical (issue 12 item 13).
            .env("GIT_OPTIONAL_LOCKS", "0")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `git <args>`, capturing its output.
    ///
    /// # Errors
    /// git cannot be started, or exits non-zero: the error carries the command and git's
    /// stderr, with any credentials in URLs redacted.
    pub fn run<I, S>(&self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let shown =
            args.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
        let out = self
            .command(&args)
            .output()
            .with_context(|| format!("failed to run `git {}`", redact(&shown)))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(Error::failed(format!(
                "`git {}` failed: {}",
                redact(&shown),
                redact(stderr.trim())
            ))
            .into());
        }
        Ok(out)
    }

    /// The tags on `remote`, by short name, from one `git ls-remote --tags` call.
    ///
    /// # Errors
    /// The remote cannot be reached or does not exist (git's reason is kept).
    pub fn ls_remote_tags(&self, remote: &str) -> Result<BTreeMap<String, RemoteRef>> {
        let out = self.run(["ls-remote", "--tags", "--", remote]).map_err(|e| {
            Error::failed(format!("cannot read the tags of remote `{remote}`: {e}")).with_hint(
                "check the remote's URL (`git remote -v`) and your network or credentials",
            )
        })?;
        Ok(parse_ls_remote(&String::from_utf8_lossy(&out.stdout)))
    }
}

/// Parses `git ls-remote --tags` output: `<oid>\trefs/tags/<name>` lines, plus
/// `<oid>\trefs/tags/<name>^{}` for the commit an annotated tag peels to.
pub fn parse_ls_remote(text: &str) -> BTreeMap<String, RemoteRef> {
    let mut tags: BTreeMap<String, RemoteRef> = BTreeMap::new();
    let mut peeled: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let Some((oid, name)) = line.split_once('\t') else { continue };
        let Some(name) = name.strip_prefix("refs/tags/") else { continue };
        if let Some(base) = name.strip_suffix("^{}") {
            peeled.insert(base.to_owned(), oid.to_owned());
        } else {
            tags.insert(
                name.to_owned(),
                RemoteRef { object: oid.to_owned(), peeled: oid.to_owned() },
            );
        }
    }
    for (name, commit) in peeled {
        if let Some(r) = tags.get_mut(&name) {
            r.peeled = commit;
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_remote_peels_annotated_tags() {
        let text = "aaa\trefs/tags/v1.0.0\nbbb\trefs/tags/v1.0.0^{}\nccc\trefs/tags/v1.1.0\n";
        let tags = parse_ls_remote(text);
        assert_eq!(tags["v1.0.0"], RemoteRef { object: "aaa".into(), peeled: "bbb".into() });
        assert_eq!(tags["v1.1.0"], RemoteRef { object: "ccc".into(), peeled: "ccc".into() });
    }
}
