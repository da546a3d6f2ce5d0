//! Child processes with a time limit: every `gh` call and every `[commands]` entry runs
//! through [`output_within`] (DESIGN.md › Pipeline: "every call has a time limit"; issue 12,
//! item 6).
//!
//! The standard library's `Command::output` waits for ever: a `gh auth status` that hangs on
//! the network hung the whole run. Here the child's stdout and stderr are drained by two
//! threads (so a chatty child never blocks on a full pipe) while the caller polls for its
//! exit; past the limit the child is killed and reaped, and the caller gets what it printed
//! so far.

use std::io::Read as _;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How a child run with a time limit ended.
#[derive(Debug)]
pub enum Ended {
    /// It exited (or was killed by a signal) within the limit.
    Exited {
        /// Its exit status.
        status: ExitStatus,
        /// What it wrote to stdout.
        stdout: Vec<u8>,
        /// What it wrote to stderr.
        stderr: Vec<u8>,
    },
    /// The limit passed first: it was killed and reaped.
    TimedOut {
        /// What it had written to stdout, when its pipe closed soon after the kill.
        stdout: Vec<u8>,
        /// What it had written to stderr, likewise.
        stderr: Vec<u8>,
    },
}

/// Runs `cmd` with stdin closed and stdout and stderr captured, and waits for it at most
/// `limit` (`None`: no limit). On expiry the child is killed (`SIGKILL`) and reaped; its
/// output is kept when its pipes close within a moment (a grandchild holding them open is
/// not waited for).
///
/// # Errors
/// The child cannot be started, or waiting for it fails.
pub fn output_within(cmd: &mut Command, limit: Option<Duration>) -> std::io::Result<Ended> {
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        let (tx, rx) = mpsc::channel();
        if let Some(mut pipe) = pipe {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                let _ = tx.send(bytes);
            });
        }
        rx
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let deadline = limit.map(|l| Instant::now() + l);
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    // After a normal exit the pipes close with the child (unless it left a grandchild
    // holding them); after a kill, give them a moment only.
    let grace = if status.is_some() { Duration::from_secs(5) } else { Duration::from_millis(200) };
    let stdout = stdout.recv_timeout(grace).unwrap_or_default();
    let stderr = stderr.recv_timeout(grace).unwrap_or_default();
    Ok(match status {
        Some(status) => Ended::Exited { status, stdout, stderr },
        None => Ended::TimedOut { stdout, stderr },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_child_exits_with_its_output() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        match output_within(&mut cmd, Some(Duration::from_secs(30))).expect("sh runs") {
            Ended::Exited { status, stdout, stderr } => {
                assert_eq!(status.code(), Some(3));
                assert_eq!(stdout, b"out\n");
                assert_eq!(stderr, b"err\n");
            }
            Ended::TimedOut { .. } => panic!("sh -c exit 3 timed out"),
        }
    }

    #[test]
    fn a_hanging_child_is_killed_at_the_limit() {
        let started = Instant::now();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo started; exec sleep 60"]);
        let ended = output_within(&mut cmd, Some(Duration::from_millis(300))).expect("sh runs");
        assert!(matches!(ended, Ended::TimedOut { .. }), "{ended:?}");
        assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    }
}
