//! Git hooks: installing the shims of `hooks/` (chaining what was there), and the checks the
//! `pre-push` and `commit-msg` hooks run (DESIGN.md › Hooks).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::Error;

/// The hooks `hook install` writes, with their shims (the files under `hooks/`).
pub const SHIMS: [(&str, &str); 2] = [
    ("pre-push", include_str!("../hooks/pre-push")),
    ("commit-msg", include_str!("../hooks/commit-msg")),
];

/// The line that marks a file as one of our shims.
pub const MARKER: &str = "git-release hook shim";

/// Suffix of a hook that was there before and now runs first.
pub const CHAINED: &str = ".git-release-chained";
/// Suffix of a hook replaced with `--force`, kept so `uninstall` can restore it.
pub const BACKUP: &str = ".git-release-backup";

/// What `install` or `uninstall` did to one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The hook name.
    pub hook: String,
    /// What happened, in words.
    pub action: String,
}

/// Installs the shims into `dir` (the hooks directory; `core.hooksPath` is honoured by the
/// caller). A foreign hook already there is kept and chained (renamed to
/// `<hook>.git-release-chained`, run first by the shim); with `force` it is set aside as
/// `<hook>.git-release-backup` and not run. Installing twice changes nothing.
///
/// # Errors
/// The directory or a file cannot be written.
pub fn install(dir: &Path, force: bool, dry_run: bool) -> Result<Vec<Outcome>> {
    if !dry_run {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create `{}`", dir.display()))?;
    }
    let mut out = Vec::new();
    for (name, shim) in SHIMS {
        let path = dir.join(name);
        let existing = std::fs::read(&path).ok();
        let action = match existing {
            Some(bytes) if bytes == shim.as_bytes() => "already installed; unchanged".to_owned(),
            Some(bytes) if String::from_utf8_lossy(&bytes).contains(MARKER) => {
                write_hook(&path, shim, dry_run)?;
                "updated the shim".to_owned()
            }
            Some(_) => {
                let (suffix, what) = if force {
                    (BACKUP, "set the existing hook aside (restored by uninstall)")
                } else {
                    (CHAINED, "kept the existing hook; it runs first and its failure blocks")
                };
                let aside = sibling(&path, suffix);
                if aside.exists() {
                    return Err(Error::failed(format!("`{}` already exists", aside.display()))
                        .with_hint("move it away, then run `git release hook install` again")
                        .into());
                }
                if !dry_run {
                    std::fs::rename(&path, &aside)
                        .with_context(|| format!("failed to move `{}`", path.display()))?;
                }
                write_hook(&path, shim, dry_run)?;
                format!("installed; {what}")
            }
            None => {
                write_hook(&path, shim, dry_run)?;
                "installed".to_owned()
            }
        };
        out.push(Outcome { hook: name.to_owned(), action });
    }
    Ok(out)
}

/// Removes the shims from `dir` and puts back what was there before (a chained or
/// set-aside hook). A hook that is not ours is left alone.
///
/// # Errors
/// A file cannot be removed or renamed.
pub fn uninstall(dir: &Path, dry_run: bool) -> Result<Vec<Outcome>> {
    let mut out = Vec::new();
    for (name, _) in SHIMS {
        let path = dir.join(name);
        let ours =
            std::fs::read(&path).ok().is_some_and(|b| String::from_utf8_lossy(&b).contains(MARKER));
        let action = if ours {
            if !dry_run {
                std::fs::remove_file(&path)
                    .with_context(|| format!("failed to remove `{}`", path.display()))?;
            }
            let restored =
                [CHAINED, BACKUP].into_iter().map(|s| sibling(&path, s)).find(|p| p.exists());
            match restored {
                Some(previous) => {
                    if !dry_run {
                        std::fs::rename(&previous, &path).with_context(|| {
                            format!("failed to restore `{}`", previous.display())
                        })?;
                    }
                    "removed; restored the hook that was there before".to_owned()
                }
                None => "removed".to_owned(),
            }
        } else if path.exists() {
            "not ours; left alone".to_owned()
        } else {
            "not installed".to_owned()
        };
        out.push(Outcome { hook: name.to_owned(), action });
    }
    Ok(out)
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes an executable hook atomically.
fn write_hook(path: &Path, text: &str, dry_run: bool) -> Result<()> {
    if dry_run {
        return Ok(());
    }
    crate::fsutil::write_atomically(path, text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("failed to make `{}` executable", path.display()))?;
    }
    Ok(())
}

/// One line git hands the pre-push hook: `<local ref> <local sha> <remote ref> <remote sha>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushLine {
    /// The local ref (`(delete)` for a deletion).
    pub local_ref: String,
    /// The local object; all zeros for a deletion.
    pub local_sha: String,
    /// The ref on the remote.
    pub remote_ref: String,
    /// The remote's current object; all zeros when the ref does not exist there.
    pub remote_sha: String,
}

impl PushLine {
    /// The tag name when the remote ref is a tag.
    pub fn tag(&self) -> Option<&str> {
        self.remote_ref.strip_prefix("refs/tags/")
    }

    /// Whether the push deletes the remote ref.
    pub fn is_deletion(&self) -> bool {
        is_zero(&self.local_sha)
    }
}

/// Whether an object id is all zeros (git's "no object").
pub fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// Parses the pre-push stdin. Blank lines are skipped.
///
/// # Errors
/// A line that is not four fields with hex object ids: the message quotes it.
pub fn parse_push_lines(input: &str) -> std::result::Result<Vec<PushLine>, String> {
    let mut out = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let hex =
            |s: &str| (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit());
        if fields.len() != 4 || !hex(fields[1]) || !hex(fields[3]) {
            return Err(format!(
                "line {} of the pre-push input is not `<local ref> <local sha> <remote ref> <remote sha>`: `{}`",
                n + 1,
                line.escape_debug()
            ));
        }
        out.push(PushLine {
            local_ref: fields[0].to_owned(),
            local_sha: fields[1].to_owned(),
            remote_ref: fields[2].to_owned(),
            remote_sha: fields[3].to_owned(),
        });
    }
    Ok(out)
}

/// Why a commit message is refused by the commit-msg hook, or `None` when it passes.
///
/// Comment lines (`#`) and everything below git's scissors line are ignored; the messages
/// git writes itself — merges, `fixup!`, `squash!`, `amend!`, reverts — pass.
///
/// ```
/// use git_release::hooks::commit_msg_problem;
/// assert!(commit_msg_problem("feat(ui): add dark mode\n").is_none());
/// assert!(commit_msg_problem("Merge branch 'x'\n# comment\n").is_none());
/// assert!(commit_msg_problem("fixup! feat: x").is_none());
/// assert!(commit_msg_problem("added stuff").is_some());
/// ```
pub fn commit_msg_problem(raw: &str) -> Option<String> {
    let mut lines = Vec::new();
    for line in raw.lines() {
        if line.starts_with("# ------------------------ >8 ------------------------") {
            break;
        }
        if !line.starts_with('#') {
            lines.push(line);
        }
    }
    let message = lines.join("\n");
    let message = message.trim();
    if message.is_empty() {
        return None; // git itself aborts on an empty message
    }
    let generated = ["fixup! ", "squash! ", "amend! ", "Revert \""];
    if generated.iter().any(|p| message.starts_with(p)) || is_git_merge_message(message) {
        return None;
    }
    // The Conventional Commits grammar, stricter than git-conventional's parser (issue 12,
    // item 15): the type is a noun of letters, an optional `(scope)` and `!`, then a colon
    // and a space. `?: x`, `1: x`, `💥: x` and `feat:x` are refused; so is a `Merge:` type,
    // which only imitates git's own merge messages.
    let header = regex_lite::Regex::new(r"^([A-Za-z]+)(\([^()\r\n]+\))?!?: \S")
        .expect("the header pattern is valid");
    let subject = message.lines().next().unwrap_or_default();
    let Some(found) = header.captures(subject) else {
        return Some(format!(
            "the subject `{}` does not start with `<type>(<scope>): `, where the type is letters only and a space follows the colon",
            subject.escape_debug()
        ));
    };
    if found[1].eq_ignore_ascii_case("merge") {
        return Some(
            "`Merge` is not a commit type; merges are allowed only with the message git writes (`Merge branch '…'`)"
                .to_owned(),
        );
    }
    match git_conventional::Commit::parse(message) {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    }
}

/// Whether `message` starts the way git's own merge messages do (`git fmt-merge-msg`):
/// `Merge branch 'x'`, `Merge branches 'a' and 'b'`, `Merge remote-tracking branch 'o/x'`,
/// `Merge tag 'v1'`, `Merge commit 'abc'`, or a forge's `Merge pull request #12 from o/x`.
fn is_git_merge_message(message: &str) -> bool {
    let merge = regex_lite::Regex::new(
        r"^Merge (((remote-tracking )?branch(es)?|tags?|commits?) '|pull request #[0-9]+ from \S)",
    )
    .expect("the merge pattern is valid");
    merge.is_match(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_lines_parse_and_garbage_is_refused() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let lines = parse_push_lines(&format!(
            "refs/tags/v1 {a} refs/tags/v1 {z}\n\n(delete) {z} refs/tags/v0 {a}\n"
        ))
        .expect("valid input");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].tag(), Some("v1"));
        assert!(!lines[0].is_deletion());
        assert!(lines[1].is_deletion());
        assert!(parse_push_lines("hello world").is_err());
        assert!(parse_push_lines(&format!("refs/tags/v1 xyz refs/tags/v1 {z}")).is_err());
    }

    #[test]
    fn commit_messages_below_scissors_are_ignored() {
        assert!(
            commit_msg_problem(
                "fix: a\n# ------------------------ >8 ------------------------\nnot: valid"
            )
            .is_none()
        );
        assert!(commit_msg_problem("# only comments\n").is_none());
        assert!(commit_msg_problem("Fixed the thing").is_some());
    }

    #[test]
    fn strict_messages_follow_the_conventional_commits_grammar() {
        for bad in ["?: x", "1: x", "💥: x", "feat:x", "Merge: anything", "merge(x): y", "Merge it"]
        {
            assert!(commit_msg_problem(bad).is_some(), "{bad:?} should be refused");
        }
        for good in [
            "feat: x",
            "fix(parser)!: y",
            "Merge branch 'topic'",
            "Merge branch 'topic' into main",
            "Merge remote-tracking branch 'origin/main'",
            "Merge tag 'v1.0.0'",
            "Merge pull request #12 from o/topic",
        ] {
            assert!(commit_msg_problem(good).is_none(), "{good:?} should pass");
        }
    }

    #[test]
    fn install_chains_and_uninstall_restores() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("pre-push"), "#!/bin/sh\nexit 0\n").expect("write hook");
        let first = install(dir.path(), false, false).expect("install");
        assert!(first[0].action.contains("kept the existing hook"), "{first:?}");
        assert!(dir.path().join("pre-push.git-release-chained").exists());
        let again = install(dir.path(), false, false).expect("install again");
        assert!(again.iter().all(|o| o.action.contains("unchanged")), "{again:?}");
        uninstall(dir.path(), false).expect("uninstall");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("pre-push")).expect("restored"),
            "#!/bin/sh\nexit 0\n"
        );
        assert!(!dir.path().join("commit-msg").exists());
    }
}
