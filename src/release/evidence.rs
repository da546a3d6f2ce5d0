//! The evidence file of a run: `<git common dir>/release/runs/<run>.evidence.json`, beside
//! the state file (issue 6 item 9; seed 001's evidence report, seed 004's DR-05/DR-06).
//!
//! It holds what an auditor asks after a release: which checks ran and what they found,
//! which waivers applied, the plan hash and every approval of it (who, when, how), the
//! provenance (commit, branch, remote URLs without credentials) and each package's step
//! history. It is rewritten atomically whenever the state is, and archived with it.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use super::state::{self, Gate, PackageState, RunState, RunStatus};
use crate::error::redact;

/// The layout version of the evidence file.
pub const SCHEMA_VERSION: u32 = 1;

/// A remote and its URL, credentials removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteUrl {
    /// The remote's name.
    pub name: String,
    /// Its URL with any `user:token@` replaced.
    pub url: String,
}

/// Where the release comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The commit the plan was made at.
    pub commit: String,
    /// The branch checked out when the run started.
    pub branch: Option<String>,
    /// The release branch.
    pub release_branch: String,
    /// The remote pushed to.
    pub remote: String,
    /// Every remote of the repository.
    pub remotes: Vec<RemoteUrl>,
}

/// The evidence file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The run.
    pub run_id: String,
    /// The repository (its git common dir).
    pub repository: String,
    /// The plan hash.
    pub plan_hash: Option<String>,
    /// Every approval, oldest first.
    pub gates: Vec<Gate>,
    /// The check results when the run started (the `check --format json` results).
    pub checks: serde_json::Value,
    /// The waivers that turned a FAIL into WAIVED, and those that waived nothing.
    pub waivers: serde_json::Value,
    /// Where the release comes from.
    pub provenance: Provenance,
    /// The run's status.
    pub status: RunStatus,
    /// When last written, RFC 3339 UTC.
    pub updated_at: String,
    /// Each package: versions, tag, PR, phase history, outputs and error.
    pub packages: Vec<PackageState>,
    /// The cadence decision (issue 17 item 7): the level's rule, CI, the window and any
    /// `--outside-window` reason, the named approver, and seed 004's RL checklist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence: Option<crate::release::cadence::Decision>,
}

/// `runs/<run>.evidence.json`.
pub fn path(dir: &Path, run_id: &str) -> PathBuf {
    state::runs_dir(dir).join(format!("{run_id}.evidence.json"))
}

/// `runs/archive/<run>.evidence.json`.
pub fn archived_path(dir: &Path, run_id: &str) -> PathBuf {
    state::archive_dir(dir).join(format!("{run_id}.evidence.json"))
}

impl Evidence {
    /// Evidence for `state` with the given checks, waivers and provenance.
    pub fn new(
        state: &RunState,
        checks: serde_json::Value,
        waivers: serde_json::Value,
        provenance: Provenance,
    ) -> Self {
        let mut evidence = Self {
            schema_version: SCHEMA_VERSION,
            run_id: state.run_id.clone(),
            repository: state.repository.clone(),
            plan_hash: None,
            gates: Vec::new(),
            checks,
            waivers,
            provenance,
            status: state.status,
            updated_at: String::new(),
            packages: Vec::new(),
            cadence: None,
        };
        evidence.update(state);
        evidence
    }

    /// Copies what changes during the run from `state`.
    pub fn update(&mut self, state: &RunState) {
        self.plan_hash.clone_from(&state.plan_hash);
        self.gates.clone_from(&state.gates);
        self.status = state.status;
        self.updated_at.clone_from(&state.updated_at);
        self.packages.clone_from(&state.packages);
    }

    /// Reads the evidence of `run_id`, if the file exists and parses.
    pub fn load(dir: &Path, run_id: &str) -> Option<Self> {
        let text = std::fs::read(path(dir, run_id)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Writes the evidence atomically; credentials in URLs and messages are redacted.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let text =
            serde_json::to_string_pretty(self).context("failed to serialise the evidence")?;
        let text = format!("{}\n", redact(&text));
        crate::fsutil::write_atomically(&path(dir, &self.run_id), text.as_bytes())
    }
}

/// Moves the evidence of `run_id` to `runs/archive/` beside its archived state; a missing
/// file is not an error.
///
/// # Errors
/// The file exists and cannot be moved.
pub fn archive(dir: &Path, run_id: &str) -> Result<()> {
    let from = path(dir, run_id);
    if !from.exists() {
        return Ok(());
    }
    let to = archived_path(dir, run_id);
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    std::fs::rename(&from, &to)
        .with_context(|| format!("failed to move `{}` to `{}`", from.display(), to.display()))
}
