//! The steps of one package's release (DESIGN.md › Pipeline), each in three modes.
//!
//! Every step is one function taking an [`Act`]:
//!
//! - [`Act::Perform`] checks whether the step's effect is already there (the table's
//!   "already done when" column) and acts only when it is not, so running a step twice, or
//!   after a kill at any instant, ends in the same state;
//! - [`Act::Verify`] only answers that check, changing nothing: `resume` asks it of every
//!   step the state file says is complete before it goes on;
//! - [`Act::Describe`] changes nothing and reads nothing that a run would create; it
//!   records what the step would do (commands, file diffs, forge calls) for `--dry-run`.
//!
//! Git writes go through the `git` binary with an argument vector ([`Git`]); forge calls go
//! through `gh` with retries ([`Gh`]); files are written atomically. Nothing is forced and no
//! tag is moved or deleted.
//!
//! One file per step (`worktree`, `bump`, `changelog`, `commands`, `commit`, `push`,
//! `pull_request`, `tag`, `publish`); `job.rs` holds the context a step gets, `naming.rs` the
//! names a run gives branches, paths and messages, `files.rs` the worktree's hygiene. This
//! module dispatches ([`run_step`]) and orders ([`steps`]) them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, Result};
use gix::ObjectId;

use super::state::{PackageState, Phase, PullRequest};
use crate::changelog::{self, ReleaseMeta, Templates};
use crate::config::{Config, Mode};
use crate::error::redact;
use crate::error::{Error, ErrorCode};
use crate::forge::{self, FailureKind, Forge as _, Gh, Outcome, Request, RetryError, github};
use crate::fsutil;
use crate::git::cli::{Git, RemoteError, Untracked, is_unreachable};
use crate::git::read::Repo;
use crate::manifest::{self, Kind, edit};
use crate::ui::Ui;

mod bump;
#[path = "changelog.rs"]
mod changelog_step;
mod commands;
mod commit;
mod files;
mod job;
mod naming;
mod publish;
mod pull_request;
mod push;
mod tag;
mod worktree;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
use bump::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
use changelog_step::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
pub use commands::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
use commit::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
use files::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
pub use job::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
pub use naming::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
use publish::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
use pull_request::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
pub use push::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
pub use tag::*;
#[allow(clippy::wildcard_imports, reason = "the steps are one module split in files")]
use worktree::*;

/// A step failed: its code, and a message naming what failed and how to go on.
fn fail(code: ErrorCode, message: impl AsRef<str>) -> anyhow::Error {
    Error::coded(code, message).into()
}

/// Runs one step in mode `act`; for [`Act::Verify`], whether its effect is there (the other
/// modes return `true`).
///
/// # Errors
/// The step failed: a [`Error`] whose code says how (seed 002's codes and ours).
pub fn run_step(job: &mut Job<'_>, step: Phase, act: Act) -> Result<bool> {
    match step {
        Phase::Planned | Phase::Done => Ok(true),
        Phase::Worktree => worktree(job, act),
        Phase::Bumped => bumped(job, act),
        Phase::Pinned => pinned(job, act),
        Phase::Changelog => changelog_step(job, act),
        Phase::Locked => command_step(job, act, Phase::Locked),
        Phase::Lint => command_step(job, act, Phase::Lint),
        Phase::Committed => committed(job, act),
        Phase::Pushed => pushed(job, act),
        Phase::PrCreated => pr_created(job, act),
        Phase::Merged => merged(job, act),
        Phase::Tagged => tagged(job, act),
        Phase::Published => published(job, act),
    }
}

/// The steps a package goes through in `mode`, in order (direct mode has no pull request).
pub fn steps(mode: Mode) -> Vec<Phase> {
    Phase::ALL
        .iter()
        .copied()
        .filter(|p| *p != Phase::Planned)
        .filter(|p| mode == Mode::Pr || !matches!(p, Phase::PrCreated | Phase::Merged))
        .collect()
}
