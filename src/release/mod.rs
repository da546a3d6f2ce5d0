//! The release layer (DESIGN.md › Pipeline): the orchestration the `run`, `resume`, `status`
//! and `rollback` commands call — preflight, gate, run and resume, reports, workspace runs —
//! over the steps, the run state and the run lock.
//!
//! - [`state`]: the schema-versioned JSON state of one run at
//!   `<git common dir>/release/runs/<run>.json`, written atomically after every step, with the
//!   stable error codes (seed 002) that also go into the JSON result.
//! - [`lock`]: `<git common dir>/release/lock`, which keeps a second run out of the same
//!   repository and is taken over when the process that held it is gone.
//!
//! Both take the repository's git *common* directory, so that every worktree of a repository
//! (the pipeline runs each package in its own worktree) shares one state folder and one lock.

pub mod cadence;
pub mod checklist;
pub mod evidence;
pub mod exec;
pub mod lock;
pub mod options;
pub mod preflight;
pub mod report;
pub mod rollback;
pub mod run;
pub mod state;
pub mod steps;
pub mod syncs;
pub mod tagging;
pub mod tidy;
pub mod train;
pub mod workspace;
