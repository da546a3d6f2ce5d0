//! The run lock: `<git common dir>/release/lock`, which keeps two runs out of one repository.
//!
//! The lock file is created with `O_CREAT|O_EXCL` ([`OpenOptions::create_new`]), so of two
//! runs starting at once exactly one gets it. It holds JSON `{pid, run_id, started}`. A lock
//! whose process is gone (the run was killed) is stale: the next run takes it over and says
//! so. Whether a process is alive is read from `/proc/<pid>` on Linux; elsewhere every holder
//! counts as alive, so a stale lock there is refused with a hint to remove it by hand.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::state::{ErrorCode, PipelineError, timestamp};

/// What a lock file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// The process that holds the lock.
    pub pid: u32,
    /// The run it is executing.
    pub run_id: String,
    /// When it took the lock, RFC 3339 UTC.
    pub started: String,
}

/// A held run lock; dropping it removes the lock file if the file is still this lock's.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    info: LockInfo,
    taken_over: Option<LockInfo>,
}

/// A lock file that cannot be parsed is taken to be mid-write by a run that just created it,
/// until it is this old.
const UNREADABLE_GRACE: Duration = Duration::from_secs(10);

impl Lock {
    /// `<dir>/release/lock`, where `dir` is the git common dir.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("release").join("lock")
    }

    /// Takes the lock of the repository whose git common dir is `dir` for run `run_id`,
    /// creating `<dir>/release/` when missing. A stale lock (its process is gone, or the file
    /// is unreadable and older than a few seconds) is taken over; [`Lock::taken_over`] says
    /// whose it was.
    ///
    /// # Errors
    /// [`ErrorCode::LockFailed`] naming the run and pid when a live process holds the lock
    /// (this process included); or the lock file cannot be created, read or written.
    pub fn acquire(dir: &Path, run_id: &str) -> Result<Self> {
        let path = Self::path(dir);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder)
                .with_context(|| format!("failed to create `{}`", folder.display()))?;
        }
        let info = LockInfo {
            pid: std::process::id(),
            run_id: run_id.to_owned(),
            started: timestamp(SystemTime::now()),
        };
        let mut taken_over = None;
        // A few rounds: each lost race for a stale lock sends us back to look again.
        for _ in 0..4 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let text = serde_json::to_vec(&info).context("failed to serialise the lock")?;
                    if let Err(err) = file.write_all(&text).and_then(|()| file.sync_all()) {
                        let _ = fs::remove_file(&path);
                        return Err(err)
                            .with_context(|| format!("failed to write `{}`", path.display()));
                    }
                    return Ok(Self { path, info, taken_over });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(err) => {
                    return Err(err)
                        .with_context(|| format!("failed to create `{}`", path.display()));
                }
            }
            let Some(text) = read_if_exists(&path)? else { continue };
            let holder = serde_json::from_slice::<LockInfo>(&text).ok();
            match &holder {
                Some(holder) if is_alive(holder.pid) => return Err(held(&path, holder)),
                None if !older_than(&path, UNREADABLE_GRACE) => {
                    return Err(PipelineError::new(
                        ErrorCode::LockFailed,
                        format!("another run is taking the lock `{}`", path.display()),
                    )
                    .with_hint("try again in a moment")
                    .into());
                }
                // Stale: its process is gone, or it stayed unreadable too long.
                Some(_) | None => {}
            }
            if remove_if_unchanged(&path, &text)? {
                taken_over = Some(holder.unwrap_or_else(|| LockInfo {
                    pid: 0,
                    run_id: "unknown".to_owned(),
                    started: String::new(),
                }));
            }
        }
        Err(PipelineError::new(
            ErrorCode::LockFailed,
            format!("could not take the lock `{}`: other runs keep taking it", path.display()),
        )
        .into())
    }

    /// What the lock holds for this run.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// The stale lock this one replaced, if any: report it to the user.
    pub fn taken_over(&self) -> Option<&LockInfo> {
        self.taken_over.as_ref()
    }

    /// A line saying which stale lock was taken over, if one was.
    pub fn notice(&self) -> Option<String> {
        self.taken_over.as_ref().map(|old| {
            format!(
                "took over the stale lock of run `{}` (pid {} is gone) at `{}`",
                old.run_id,
                old.pid,
                self.path.display()
            )
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Only remove the file if it is still ours: a run that judged us stale may own it now.
        let ours = fs::read(&self.path)
            .ok()
            .and_then(|text| serde_json::from_slice::<LockInfo>(&text).ok())
            .is_some_and(|held| held == self.info);
        if ours {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn held(path: &Path, holder: &LockInfo) -> anyhow::Error {
    PipelineError::new(
        ErrorCode::LockFailed,
        format!(
            "run `{}` (pid {}, since {}) holds the release lock of this repository",
            holder.run_id, holder.pid, holder.started
        ),
    )
    .with_hint(format!(
        "wait for it to finish; if no git-release is running, remove `{}`",
        path.display()
    ))
    .into()
}

fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("failed to read `{}`", path.display())),
    }
}

fn older_than(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|changed| changed.elapsed().ok())
        .is_some_and(|elapsed| elapsed >= age)
}

/// Removes the stale lock at `path` if it still holds `seen`. The file is first renamed aside
/// (only one process can win that rename), then checked: if another run replaced the stale
/// lock in between, its lock is put back with a hard link, which never overwrites.
/// Returns whether this call removed the stale lock.
fn remove_if_unchanged(path: &Path, seen: &[u8]) -> Result<bool> {
    let aside = path.with_extension(format!("stale.{}", std::process::id()));
    match fs::rename(path, &aside) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(err) => {
            return Err(err).with_context(|| format!("failed to move `{}`", path.display()));
        }
    }
    let moved = fs::read(&aside).unwrap_or_default();
    if moved != seen {
        // Not the stale lock any more; if someone else took the lock meanwhile, theirs wins.
        let _ = fs::hard_link(&aside, path);
    }
    fs::remove_file(&aside).with_context(|| format!("failed to remove `{}`", aside.display()))?;
    Ok(moved == seen)
}

/// Whether process `pid` exists: `/proc/<pid>` on Linux; assumed alive elsewhere.
fn is_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new("/proc").join(pid.to_string()).exists() } else { true }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing test should stop at the failing call")]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    fn gone_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    fn write_lock(dir: &Path, holder: &LockInfo) {
        fs::create_dir_all(dir.join("release")).unwrap();
        fs::write(Lock::path(dir), serde_json::to_vec(holder).unwrap()).unwrap();
    }

    #[test]
    fn acquire_writes_the_holder_and_drop_releases() {
        let tmp = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap();
        assert!(lock.taken_over().is_none() && lock.notice().is_none());
        let held: LockInfo =
            serde_json::from_slice(&fs::read(Lock::path(tmp.path())).unwrap()).unwrap();
        assert_eq!(held, *lock.info());
        assert_eq!(held.pid, std::process::id());
        assert_eq!(held.run_id, "release-20250225-a3f7b2");
        drop(lock);
        assert!(!Lock::path(tmp.path()).exists());
        let again = Lock::acquire(tmp.path(), "release-20250225-bbbbbb").unwrap();
        drop(again);
    }

    #[test]
    fn a_live_lock_is_refused_with_its_run_and_pid() {
        let tmp = tempfile::tempdir().unwrap();
        let holder = LockInfo {
            pid: std::process::id(),
            run_id: "release-20250225-a3f7b2".into(),
            started: "2025-02-25T10:00:00Z".into(),
        };
        write_lock(tmp.path(), &holder);
        let err = Lock::acquire(tmp.path(), "release-20250225-bbbbbb").unwrap_err();
        assert_eq!(super::super::state::code_of(&err), Some(ErrorCode::LockFailed));
        let message = err.to_string();
        assert!(message.contains("`release-20250225-a3f7b2`"), "{message}");
        assert!(message.contains(&format!("pid {}", std::process::id())), "{message}");
        assert!(crate::error::hint(&err).unwrap().contains("remove"));
        let text = fs::read(Lock::path(tmp.path())).unwrap();
        assert_eq!(serde_json::from_slice::<LockInfo>(&text).unwrap(), holder, "left alone");

        // The same process cannot take its own lock twice either.
        fs::remove_file(Lock::path(tmp.path())).unwrap();
        let first = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap();
        assert!(Lock::acquire(tmp.path(), "release-20250225-bbbbbb").is_err());
        drop(first);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_stale_lock_is_taken_over_and_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let stale = LockInfo {
            pid: gone_pid(),
            run_id: "release-20250101-dead00".into(),
            started: "2025-01-01T00:00:00Z".into(),
        };
        write_lock(tmp.path(), &stale);
        let lock = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap();
        assert_eq!(lock.taken_over(), Some(&stale));
        let notice = lock.notice().unwrap();
        assert!(notice.contains("`release-20250101-dead00`"), "{notice}");
        assert!(notice.contains(&format!("pid {}", stale.pid)), "{notice}");
        let held: LockInfo =
            serde_json::from_slice(&fs::read(Lock::path(tmp.path())).unwrap()).unwrap();
        assert_eq!(held.run_id, "release-20250225-a3f7b2");
        let names: Vec<_> = fs::read_dir(tmp.path().join("release"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["lock"], "no file left aside");
    }

    #[test]
    fn drop_leaves_a_lock_that_is_no_longer_ours() {
        let tmp = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap();
        let other =
            LockInfo { pid: 1, run_id: "release-20250225-bbbbbb".into(), started: String::new() };
        write_lock(tmp.path(), &other);
        drop(lock);
        assert!(Lock::path(tmp.path()).exists());
    }

    #[test]
    fn a_fresh_unreadable_lock_is_refused_and_an_old_one_taken_over() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("release")).unwrap();
        let path = Lock::path(tmp.path());
        fs::write(&path, "").unwrap();
        let err = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap_err();
        assert_eq!(super::super::state::code_of(&err), Some(ErrorCode::LockFailed));
        let old = SystemTime::now() - Duration::from_secs(60);
        fs::File::options().write(true).open(&path).unwrap().set_modified(old).unwrap();
        let lock = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap();
        assert_eq!(lock.taken_over().map(|l| l.pid), Some(0));
    }
}
