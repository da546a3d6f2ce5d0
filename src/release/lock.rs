//! The run lock: `<git common dir>/release/lock`, which keeps two runs out of one repository;
//! and the sync lock: `<git common dir>/release/sync/<id>/lock`, which keeps two executions
//! of one sync apart (two `sync ID --approve DRYRUN`, or a run's `on_release` step and a
//! manual approval; issue 18).
//!
//! The lock is an OS file lock on that file (`File::try_lock`: `flock` on Unix, `LockFileEx`
//! on Windows; issue 12, item 18), so it is released by the kernel when its process ends,
//! however it ends: no pid to test, no zombie counting as alive, no reused pid keeping a dead
//! run's lock. The file holds JSON `{pid, run_id, started}` for messages only. A run that ends
//! normally empties and removes the file; one that was killed leaves its JSON behind
//! unlocked, and the next run takes the lock over and says whose it was.

use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::state::timestamp;
use crate::error::{Error, ErrorCode};

/// What a lock file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// The process that holds the lock.
    pub pid: u32,
    /// The run it is executing (the run lock), or what holds it (the sync lock: a run id,
    /// or `sync <id> --approve <dry-run>`).
    pub run_id: String,
    /// When it took the lock, RFC 3339 UTC.
    pub started: String,
}

/// A held run lock: the open, OS-locked file. Dropping it removes the file and releases the
/// lock.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    file: File,
    info: LockInfo,
    taken_over: Option<LockInfo>,
}

impl Lock {
    /// `<dir>/release/lock`, where `dir` is the git common dir.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("release").join("lock")
    }

    /// Takes the lock of the repository whose git common dir is `dir` for run `run_id`,
    /// creating `<dir>/release/` when missing. A lock file left by a run that did not end
    /// normally (it holds a holder, but no process holds the OS lock) is taken over;
    /// [`Lock::taken_over`] says whose it was.
    ///
    /// # Errors
    /// [`ErrorCode::LockFailed`] naming the run and pid when another open lock holds it
    /// (this process included); or the lock file cannot be created, read or written.
    pub fn acquire(dir: &Path, run_id: &str) -> Result<Self> {
        Self::acquire_file(Self::path(dir), run_id, "the release lock of this repository")
    }

    /// `<dir>/release/sync/<sync_id>/lock`, where `dir` is the git common dir: beside the
    /// sync's log records.
    pub fn sync_path(dir: &Path, sync_id: &str) -> PathBuf {
        dir.join("release").join("sync").join(sync_id).join("lock")
    }

    /// Takes the lock of sync `sync_id` for `holder` (a run id, or `sync <id> --approve
    /// <dry-run>`), as [`Lock::acquire`] does for a run: an OS file lock, released when the
    /// process ends however it ends.
    ///
    /// # Errors
    /// [`ErrorCode::LockFailed`] naming the holder and its pid when another process (or
    /// another open lock of this one) executes that sync; the file cannot be created.
    pub fn acquire_sync(dir: &Path, sync_id: &str, holder: &str) -> Result<Self> {
        Self::acquire_file(
            Self::sync_path(dir, sync_id),
            holder,
            &format!("the lock of sync `{sync_id}`"),
        )
    }

    /// Takes the lock file `path` for `run_id`; `what` names the lock in messages.
    fn acquire_file(path: PathBuf, run_id: &str, what: &str) -> Result<Self> {
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder)
                .with_context(|| format!("failed to create `{}`", folder.display()))?;
        }
        let info = LockInfo {
            pid: std::process::id(),
            run_id: run_id.to_owned(),
            started: timestamp(SystemTime::now()),
        };
        // A few rounds: a holder that finishes removes the file between our open and our
        // lock, and a lock on a removed file keeps nobody out.
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| format!("failed to open `{}`", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    return Err(held(&path, holder.as_ref(), what));
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("failed to lock `{}`", path.display()));
                }
            }
            if !same_file(&file, &path) {
                continue;
            }
            let mut text = Vec::new();
            file.read_to_end(&mut text)
                .with_context(|| format!("failed to read `{}`", path.display()))?;
            let taken_over = (!text.iter().all(u8::is_ascii_whitespace)).then(|| {
                serde_json::from_slice::<LockInfo>(&text).unwrap_or_else(|_| LockInfo {
                    pid: 0,
                    run_id: "unknown".to_owned(),
                    started: String::new(),
                })
            });
            let json = serde_json::to_vec(&info).context("failed to serialise the lock")?;
            file.set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| file.write_all(&json))
                .and_then(|()| file.sync_all())
                .with_context(|| format!("failed to write `{}`", path.display()))?;
            return Ok(Self { path, file, info, taken_over });
        }
        Err(Error::coded(
            ErrorCode::LockFailed,
            format!("could not take {what} `{}`: other runs keep taking it", path.display()),
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
                "took over the stale lock of {} (pid {} ended without releasing it) at `{}`",
                holder_name(&old.run_id),
                old.pid,
                self.path.display()
            )
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Still locked here, so the file is ours: empty it (a copy of the path opened by a
        // waiting run then reads no holder), remove it, and let the OS lock go with `file`.
        let _ = self.file.set_len(0);
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// The holder recorded in an open lock file, when it can be read.
fn read_holder(file: &mut File) -> Option<LockInfo> {
    let mut text = Vec::new();
    file.read_to_end(&mut text).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Whether the open `file` is still the file at `path` (not removed or replaced since it
/// was opened).
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// A holder for messages: ``run `<id>` `` for a run, else the holder in backticks.
fn holder_name(holder: &str) -> String {
    if holder.starts_with("release-") { format!("run `{holder}`") } else { format!("`{holder}`") }
}

fn held(path: &Path, holder: Option<&LockInfo>, what: &str) -> anyhow::Error {
    let who = match holder {
        Some(h) => format!("{} (pid {}, since {})", holder_name(&h.run_id), h.pid, h.started),
        None => "another process".to_owned(),
    };
    Error::coded(ErrorCode::LockFailed, format!("{who} holds {what}"))
    .with_hint(format!(
        "wait for it to finish; the lock `{}` is released when that process ends, however it ends",
        path.display()
    ))
    .into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing test should stop at the failing call")]
mod tests {
    use super::*;

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
        assert!(again.taken_over().is_none());
        drop(again);
    }

    #[test]
    fn a_held_lock_is_refused_with_its_run_and_pid() {
        let tmp = tempfile::tempdir().unwrap();
        let first = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap();
        // Another open of the file, even in this process, is kept out by the OS lock.
        let err = Lock::acquire(tmp.path(), "release-20250225-bbbbbb").unwrap_err();
        assert_eq!(crate::error::code_of(&err), Some(ErrorCode::LockFailed));
        let message = err.to_string();
        assert!(message.contains("`release-20250225-a3f7b2`"), "{message}");
        assert!(message.contains(&format!("pid {}", std::process::id())), "{message}");
        assert!(crate::error::hint(&err).unwrap().contains("released when"));
        let held: LockInfo =
            serde_json::from_slice(&fs::read(Lock::path(tmp.path())).unwrap()).unwrap();
        assert_eq!(held.run_id, "release-20250225-a3f7b2", "left alone");
        drop(first);
        Lock::acquire(tmp.path(), "release-20250225-bbbbbb").unwrap();
    }

    #[test]
    fn a_sync_lock_is_per_sync_and_names_its_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let first = Lock::acquire_sync(tmp.path(), "mirror", "release-20250225-a3f7b2").unwrap();
        assert!(Lock::sync_path(tmp.path(), "mirror").is_file());
        // Another sync, and the run lock, are other files.
        let other = Lock::acquire_sync(tmp.path(), "docs", "sync docs --approve x").unwrap();
        let run = Lock::acquire(tmp.path(), "release-20250225-bbbbbb").unwrap();
        let err = Lock::acquire_sync(tmp.path(), "mirror", "sync mirror --approve y").unwrap_err();
        assert_eq!(crate::error::code_of(&err), Some(ErrorCode::LockFailed));
        let message = err.to_string();
        assert!(
            message.starts_with("run `release-20250225-a3f7b2` (pid ")
                && message.ends_with("holds the lock of sync `mirror`"),
            "{message}"
        );
        drop((first, other, run));
        Lock::acquire_sync(tmp.path(), "mirror", "sync mirror --approve y").unwrap();
    }

    #[test]
    fn a_lock_file_without_an_os_lock_is_taken_over_whatever_its_pid() {
        // A killed run leaves its JSON behind; its pid may even be alive again (reused, or
        // a zombie): only the OS lock counts.
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("release")).unwrap();
        let stale = LockInfo {
            pid: std::process::id(),
            run_id: "release-20250101-dead00".into(),
            started: "2025-01-01T00:00:00Z".into(),
        };
        fs::write(Lock::path(tmp.path()), serde_json::to_vec(&stale).unwrap()).unwrap();
        let lock = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap();
        assert_eq!(lock.taken_over(), Some(&stale));
        let notice = lock.notice().unwrap();
        assert!(notice.contains("took over the stale lock of run `release-20250101-dead00`"));
        let held: LockInfo =
            serde_json::from_slice(&fs::read(Lock::path(tmp.path())).unwrap()).unwrap();
        assert_eq!(held.run_id, "release-20250225-a3f7b2");
    }

    #[test]
    fn the_lock_is_released_when_its_process_is_killed() {
        // Another process holds the lock (`flock`, as `File::lock` does on Unix), then is
        // killed: the kernel releases the lock, and the next run takes it over.
        use std::io::BufRead as _;
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("release")).unwrap();
        let path = Lock::path(tmp.path());
        let holder = r#"{"pid": 1, "run_id": "release-20250101-dead00", "started": ""}"#;
        let script = "import fcntl, sys, time\n\
                      f = open(sys.argv[1], 'a+')\n\
                      fcntl.flock(f, fcntl.LOCK_EX)\n\
                      f.write(sys.argv[2]); f.flush()\n\
                      print('locked', flush=True)\n\
                      time.sleep(60)\n";
        let Ok(mut child) = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .arg(holder)
            .stdout(std::process::Stdio::piped())
            .spawn()
        else {
            return; // no python3 here
        };
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "locked");
        let err = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap_err();
        assert!(err.to_string().contains("release-20250101-dead00"), "{err}");
        child.kill().unwrap();
        child.wait().unwrap();
        let lock = Lock::acquire(tmp.path(), "release-20250225-a3f7b2").unwrap();
        assert_eq!(lock.taken_over().map(|t| t.run_id.as_str()), Some("release-20250101-dead00"));
    }
}
