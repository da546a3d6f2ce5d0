//! The worktree's hygiene: what the steps wrote, fingerprinted, and the check that nothing else changed.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// A fingerprint of the file `rel` in the work tree `dir` as it is now: the SHA-256 of its
/// bytes, of a symbolic link's target, or `deleted`.
pub(super) fn fingerprint(dir: &Path, rel: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let path = dir.join(rel);
    let bytes = match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::read_link(&path)
            .map(|t| format!("link:{}", t.display()).into_bytes())
            .unwrap_or_default(),
        Ok(meta) if meta.is_dir() => b"folder".to_vec(),
        Ok(_) => std::fs::read(&path).unwrap_or_default(),
        Err(_) => return "deleted".to_owned(),
    };
    Sha256::digest(&bytes).iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// Records, in the package's outputs, what every file the worktree has changed holds now:
/// after a configured command, whose changes cannot be known in advance.
pub(super) fn record_changes(job: &mut Job<'_>) -> Result<()> {
    let dir = job.worktree();
    for rel in job.wgit().status_paths(Untracked::All)? {
        let print = fingerprint(&dir, &rel);
        let known = job.pkg.outputs.files.entry(rel).or_default();
        if !known.contains(&print) {
            known.push(print);
        }
    }
    Ok(())
}

/// Checks that the worktree holds only what the run's steps wrote (issue 12 item 10): every
/// changed file is one the state records, with content a step gave it. A file dropped into
/// the worktree, or edited, after a failure is `WORKTREE_DIRTY`, and is never released.
pub(super) fn check_worktree(job: &Job<'_>) -> Result<()> {
    let dir = job.worktree();
    let mut changed = job.wgit().status_paths(Untracked::All)?;
    // A kill in the middle of a step's atomic write leaves its temporary file beside the file
    // being written: the run's own and half-written, so it is removed, never released.
    changed.retain(|rel| {
        let ours = crate::fsutil::interrupted_write_target(rel)
            .is_some_and(|target| dir.join(target).is_file());
        !(ours && std::fs::remove_file(dir.join(rel)).is_ok())
    });
    let unknown: Vec<String> = changed
        .into_iter()
        .filter(|rel| {
            !job.pkg
                .outputs
                .files
                .get(rel)
                .is_some_and(|known| known.contains(&fingerprint(&dir, rel)))
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(Error::coded(
        ErrorCode::WorktreeDirty,
        format!(
            "worktree `{}` holds changes the release did not make: {}",
            dir.display(),
            unknown.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        ),
    )
    .with_hint(format!(
        "inspect `git -C {} status`; restore or remove those files, then resume",
        dir.display()
    ))
    .into())
}

/// The text of `rel` in `dir`, never through a symbolic link out of it (issue 12 item 1).
pub(super) fn read_text(dir: &Path, rel: &str, code: ErrorCode) -> Result<Option<String>> {
    fsutil::read_text_inside(dir, rel).map_err(|e| step_error(code, &e))
}

/// `err` as a step failure with `code`, keeping its hint.
pub(super) fn step_error(code: ErrorCode, err: &anyhow::Error) -> anyhow::Error {
    let failure = Error::coded(code, format!("{err:#}"));
    match crate::error::hint(err) {
        Some(hint) => failure.with_hint(hint).into(),
        None => failure.into(),
    }
}
