//! The state of one release run: what each package has done, written atomically as JSON.
//!
//! A run's state lives at `<git common dir>/release/runs/<run>.json` (DESIGN.md › Pipeline)
//! and is rewritten after every step, through a temporary file in the same folder, `fsync`
//! and a rename, so a run killed at any instant leaves either the old or the new state and
//! never half of one. A finished run moves to `runs/archive/`.
//!
//! The file carries a [`SCHEMA_VERSION`]; a file from a newer `git-release` is refused as
//! [`ErrorCode::StateCorrupt`] rather than misread. It also records the repository it belongs
//! to, so a state file copied from another repository is refused too.
//!
//! Errors the pipeline reports carry a stable [`ErrorCode`] (seed 002's codes, and ours where
//! those do not fit); see [`crate::error`].

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, redact};

mod ids;
mod phases;
mod store;
#[allow(clippy::wildcard_imports, reason = "one module split in files")]
pub use ids::*;
#[allow(clippy::wildcard_imports, reason = "one module split in files")]
pub use phases::*;
#[allow(clippy::wildcard_imports, reason = "one module split in files")]
pub use store::*;

/// The version of the state file's layout; bumped on every incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The error that stopped a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    /// The stable code.
    pub code: ErrorCode,
    /// What went wrong, credentials redacted.
    pub message: String,
    /// The step that failed (one after the package's `phase`).
    pub phase: Phase,
}

/// A pull request on the forge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Its web URL.
    pub url: String,
    /// The commit the squash merge made on the release branch, once merged.
    #[serde(default)]
    pub merge_commit: Option<String>,
}

/// One commit of a package's release: what the changelog, the tag message and the pull
/// request list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The full commit id.
    pub commit: String,
    /// The first line of its message.
    pub summary: String,
    /// The bump it asked for (`none`, `patch`, `minor`, `major`, `release_as`).
    pub bump: String,
}

/// What a package releases and where: fixed when the run starts, so a resume needs no new
/// plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The package's path in the repository, `.` for the root.
    #[serde(default)]
    pub path: String,
    /// How the version was decided (`minor`, `initial`, …).
    #[serde(default)]
    pub bump: String,
    /// The tag of the current version.
    #[serde(default)]
    pub current_tag: Option<String>,
    /// The version files to set, relative to the repository root.
    #[serde(default)]
    pub version_files: Vec<String>,
    /// The changelog file, relative to the repository root.
    #[serde(default)]
    pub changelog: String,
    /// The name other packages' manifests use for it (crate, npm or Python name).
    #[serde(default)]
    pub manifest_name: Option<String>,
    /// The packages it depends on (all, in the run or not).
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// The commits released, newest first.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// The `[[package.replace]]` rules BUMPED applies, as configured when the run started.
    #[serde(default)]
    pub replace: Vec<crate::config::Replace>,
}

/// What the steps produced, recorded as they go so a resume can check it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outputs {
    /// The commit the release branch started from.
    #[serde(default)]
    pub base: Option<String>,
    /// The release commit (`release: <pkg> v<version>`).
    #[serde(default)]
    pub commit: Option<String>,
    /// The commit the tag points to (the release commit, or the squash merge's).
    #[serde(default)]
    pub tagged_commit: Option<String>,
    /// Whether `commands.publish` succeeded.
    #[serde(default)]
    pub published: bool,
    /// The URL of the workflow run the tag started (`[forge] wait_workflow`).
    #[serde(default)]
    pub workflow_run: Option<String>,
    /// The URL of the forge release.
    #[serde(default)]
    pub release_url: Option<String>,
    /// The URL of the blocker issue opened for this package's failure.
    #[serde(default)]
    pub blocker_issue: Option<String>,
    /// The files the steps changed in the worktree (path relative to it), each with the
    /// SHA-256 of every content a step gave it: the release commit stages exactly these,
    /// and a resume refuses a worktree holding anything else (`WORKTREE_DIRTY`).
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, Vec<String>>,
    /// What went wrong without failing the release, e.g. a forge release that `gh release
    /// view` did not find right after `gh release create` succeeded (seed 000, section 4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One package's part of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageState {
    /// The package name (`.` style single packages use their configured name).
    pub name: String,
    /// Its tier in the plan (1 = no in-plan dependencies).
    pub tier: u32,
    /// The version before the release (`None` for a first release).
    pub current_version: Option<String>,
    /// The version being released.
    pub next_version: String,
    /// The last step completed.
    pub phase: Phase,
    /// Where it stands.
    pub status: PackageStatus,
    /// Every phase reached, oldest first.
    pub history: Vec<PhaseEntry>,
    /// The release branch, `release/<run>/<pkg>`.
    #[serde(default)]
    pub branch: Option<String>,
    /// The worktree's path.
    #[serde(default)]
    pub worktree: Option<PathBuf>,
    /// The pull request (mode pr).
    #[serde(default)]
    pub pr: Option<PullRequest>,
    /// The release tag, e.g. `core/v1.4.0`.
    #[serde(default)]
    pub tag: Option<String>,
    /// The error that stopped it, when `status` is `FAILED`.
    #[serde(default)]
    pub error: Option<StepError>,
    /// Why it is `BLOCKED` or `SKIPPED`, credentials redacted.
    #[serde(default)]
    pub reason: Option<String>,
    /// The package that blocked it, when `BLOCKED`.
    #[serde(default)]
    pub blocked_by: Option<String>,
    /// What it releases.
    #[serde(default)]
    pub release: Release,
    /// What its steps produced.
    #[serde(default)]
    pub outputs: Outputs,
}

impl PackageState {
    /// A package at `PLANNED`, its history starting `now`.
    pub fn planned(
        name: impl Into<String>,
        tier: u32,
        current_version: Option<String>,
        next_version: impl Into<String>,
        now: SystemTime,
    ) -> Self {
        Self {
            name: name.into(),
            tier,
            current_version,
            next_version: next_version.into(),
            phase: Phase::Planned,
            status: PackageStatus::Pending,
            history: vec![PhaseEntry { phase: Phase::Planned, at: timestamp(now) }],
            branch: None,
            worktree: None,
            pr: None,
            tag: None,
            error: None,
            reason: None,
            blocked_by: None,
            release: Release::default(),
            outputs: Outputs::default(),
        }
    }

    /// Records that `phase` was reached at `now`; a package reaching `DONE` is done, and a
    /// failed or blocked one that moves on (on resume) is pending again with its error cleared.
    pub fn advance(&mut self, phase: Phase, now: SystemTime) {
        self.phase = phase;
        self.history.push(PhaseEntry { phase, at: timestamp(now) });
        self.error = None;
        self.reason = None;
        self.blocked_by = None;
        self.status =
            if phase == Phase::Done { PackageStatus::Done } else { PackageStatus::Pending };
    }

    /// Records that the step after the current phase failed with `code` and `message`
    /// (credentials redacted).
    pub fn fail(&mut self, code: ErrorCode, message: &str) {
        let phase = self.phase.next().unwrap_or(Phase::Done);
        self.status = PackageStatus::Failed;
        self.error = Some(StepError { code, message: redact(message), phase });
    }

    /// Marks the package `BLOCKED` by package `by` for `reason` (e.g. ``depends on `core`,
    /// which failed``).
    pub fn block(&mut self, by: &str, reason: &str) {
        self.status = PackageStatus::Blocked;
        self.blocked_by = Some(by.to_owned());
        self.reason = Some(redact(reason));
    }

    /// Marks the package `SKIPPED` for `reason`.
    pub fn skip(&mut self, reason: &str) {
        self.status = PackageStatus::Skipped;
        self.reason = Some(redact(reason));
    }
}

/// What a failed package does to the rest of the run (`--on-failure`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// Block the rest of its tier and every later tier.
    #[default]
    Stop,
    /// Block only the packages that depend on it, directly or not; release the others.
    Quarantine,
}

fn default_mode() -> crate::config::Mode {
    crate::config::Mode::Pr
}

/// A package released in an upstream repository of a workspace run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upstream {
    /// The package name.
    pub name: String,
    /// The version released.
    pub version: String,
    /// The name manifests use for it.
    pub manifest_name: String,
}

/// One approval of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// How: `prompt` (answered on a terminal), `yes` (`--yes`) or `attestation`
    /// (`--gate-attestation` matched the plan hash).
    pub how: String,
    /// Who: the git identity `user.name <user.email>`, else `$USER`.
    pub who: String,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The plan hash approved.
    pub plan_hash: String,
}

/// The state file of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunState {
    /// The layout version, [`SCHEMA_VERSION`] when written by this build.
    pub schema_version: u32,
    /// The run id, `release-YYYYMMDD-xxxxxx`.
    pub run_id: String,
    /// The repository the run belongs to: its git common dir, canonicalised
    /// (see [`repository_id`]).
    pub repository: String,
    /// When the run started, RFC 3339 UTC.
    pub started_at: String,
    /// When the state was last changed, RFC 3339 UTC.
    pub updated_at: String,
    /// The hash of the plan the gate approved (`sha256:` + 12 hex digits).
    #[serde(default)]
    pub plan_hash: Option<String>,
    /// How the release reaches the release branch.
    #[serde(default = "default_mode")]
    pub mode: crate::config::Mode,
    /// What a failure does to the other packages.
    #[serde(default)]
    pub on_failure: OnFailure,
    /// The remote pushed to (`release.remote`).
    #[serde(default)]
    pub remote: String,
    /// The release branch (`release.branch`).
    #[serde(default)]
    pub branch: String,
    /// The commit the plan was made at.
    #[serde(default)]
    pub head: String,
    /// When the run started, in seconds since the Unix epoch (dates the changelog sections,
    /// so a resumed run writes what an uninterrupted one would).
    #[serde(default)]
    pub started_unix: u64,
    /// Whether all packages share one release branch and pull request (`release.pr =
    /// "single"`, mode pr).
    #[serde(default)]
    pub shared_pr: bool,
    /// Packages of upstream repositories released earlier in the same workspace run, which
    /// the PINNED step pins this repository's dependencies to.
    #[serde(default)]
    pub upstream: Vec<Upstream>,
    /// The approvals, oldest first: the start's, then one per resume.
    #[serde(default)]
    pub gates: Vec<Gate>,
    /// The release rows of the plan as approved (the plan's JSON `packages` entries): a
    /// resume recomputes the plan hash from them and checks every package against them.
    #[serde(default)]
    pub plan_rows: Vec<serde_json::Value>,
    /// The configuration the steps use, as it was when the run started: a resume uses it,
    /// not the configuration of the day (issue 12 item 11).
    #[serde(default)]
    pub settings: Option<Settings>,
    /// The plan hash of `plan_rows` alone: `plan_hash` for a run of one repository; in a
    /// workspace run, the repository's part of the workspace's combined hash.
    #[serde(default)]
    pub rows_hash: Option<String>,
    /// [`config_hash`] of `settings` and the packages' files, to refuse an edited state.
    #[serde(default)]
    pub config_hash: Option<String>,
    /// The run's status.
    pub status: RunStatus,
    /// The packages, in execution (tier) order.
    pub packages: Vec<PackageState>,
    /// The `trigger = "on_release"` syncs the gate approved, run once after every package
    /// is published (issue 18 item 4; [`crate::release::syncs`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub syncs: Vec<RunSync>,
}

/// One `on_release` sync of a run: its dry-run in the sync log, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSync {
    /// The `[[sync]]` id.
    pub id: String,
    /// The dry-run the gate approved: the record
    /// `<common dir>/release/sync/<id>/<dry_run>.json`.
    pub dry_run: String,
    /// [`canonical_hash`] of the `[[sync]]` entry as approved (its place in the file left
    /// out): a resume refuses a sync reconfigured since.
    pub entry_hash: String,
    /// `PENDING`, `DONE` or `FAILED`.
    pub status: PackageStatus,
    /// Why it failed, for the summary and the resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RunState {
    /// A new run of `packages` in the repository whose git common dir is `dir`, started `now`.
    pub fn new(
        run_id: impl Into<String>,
        dir: &Path,
        packages: Vec<PackageState>,
        now: SystemTime,
    ) -> Self {
        let at = timestamp(now);
        Self {
            schema_version: SCHEMA_VERSION,
            run_id: run_id.into(),
            repository: repository_id(dir),
            started_at: at.clone(),
            updated_at: at,
            plan_hash: None,
            mode: crate::config::Mode::Pr,
            on_failure: OnFailure::Stop,
            remote: String::new(),
            branch: String::new(),
            head: String::new(),
            started_unix: u64::try_from(crate::time::unix_seconds(now)).unwrap_or(0),
            shared_pr: false,
            upstream: Vec::new(),
            gates: Vec::new(),
            plan_rows: Vec::new(),
            rows_hash: None,
            settings: None,
            config_hash: None,
            status: RunStatus::InProgress,
            packages,
            syncs: Vec::new(),
        }
    }

    /// Sets `updated_at` to `now`; call before [`save`].
    pub fn touch(&mut self, now: SystemTime) {
        self.updated_at = timestamp(now);
    }

    /// Whether the packages share one release branch, worktree and pull request.
    pub fn shares_pr(&self) -> bool {
        self.shared_pr && self.mode == crate::config::Mode::Pr
    }

    /// The lane of package `name`: its own (`Some(name)`), or `None` when the run shares one
    /// release branch and worktree (see [`crate::release::steps::branch_name`]).
    pub fn lane<'a>(&self, name: &'a str) -> Option<&'a str> {
        (!self.shares_pr()).then_some(name)
    }

    /// The package named `name`.
    pub fn package_mut(&mut self, name: &str) -> Option<&mut PackageState> {
        self.packages.iter_mut().find(|p| p.name == name)
    }
}

/// The parts of the configuration the steps of a run use, recorded in the state when the
/// run starts so a resume runs the same commands with the same settings, whatever the
/// configuration says by then (issue 12 item 11). Per-package settings (version files,
/// changelog, replace rules) are in each package's [`Release`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// `[commands]`.
    pub commands: crate::config::Commands,
    /// `[forge]`.
    pub forge: crate::config::Forge,
    /// `[changelog]`.
    pub changelog: crate::config::ChangelogSettings,
    /// `release.file_blockers`.
    pub file_blockers: bool,
    /// `release.blocker_label`.
    pub blocker_label: Option<String>,
}

impl Settings {
    /// The settings of `config`.
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            commands: config.commands.clone(),
            forge: config.forge.clone(),
            changelog: config.changelog_settings.clone(),
            file_blockers: config.file_blockers,
            blocker_label: config.blocker_label.clone(),
        }
    }

    /// Puts these settings into `config`, in place of its own.
    pub fn apply(&self, config: &mut crate::config::Config) {
        config.commands = self.commands.clone();
        config.forge = self.forge.clone();
        config.changelog_settings = self.changelog.clone();
        config.file_blockers = self.file_blockers;
        config.blocker_label = self.blocker_label.clone();
    }
}

/// `sha256:` + the first 12 hex digits of SHA-256 over `value` as canonical JSON (sorted
/// keys, no whitespace): the plan hash of DESIGN.md › Version inference when `value` is the
/// plan's release rows.
pub fn canonical_hash(value: &impl Serialize) -> String {
    use sha2::{Digest as _, Sha256};
    use std::fmt::Write as _;
    // Through `Value`, whose maps are sorted, so the keys come out in order.
    let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    let bytes = serde_json::to_vec(&value).expect("a JSON value serialises");
    let digest = Sha256::digest(&bytes);
    let mut text = String::from("sha256:");
    for byte in digest.iter().take(6) {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The hash of the configuration a run recorded: its [`Settings`] and each package's
/// files and rules.
pub fn config_hash(state: &RunState) -> String {
    let packages: Vec<serde_json::Value> = state
        .packages
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p.name,
                "version_files": p.release.version_files,
                "changelog": p.release.changelog,
                "manifest_name": p.release.manifest_name,
                "replace": p.release.replace,
            })
        })
        .collect();
    canonical_hash(&serde_json::json!({"settings": state.settings, "packages": packages}))
}

/// Checks a state file before a resume trusts it (issue 12 item 11): the plan hash is
/// recomputed from the recorded rows, every package agrees with its row, and the recorded
/// configuration has its recorded hash. `standalone`: a run of one repository, whose
/// approved plan hash is the rows' own (a workspace run checks its combined hash itself).
/// `path` is for messages.
///
/// # Errors
/// [`ErrorCode::StateCorrupt`], naming the file and what disagrees.
pub fn verify(state: &RunState, path: &Path, standalone: bool) -> Result<()> {
    let (Some(_), Some(recorded)) = (&state.settings, &state.config_hash) else {
        return Err(corrupt(
            path,
            ": it records no configuration (written by an older git-release?)",
        ));
    };
    if state.plan_rows.is_empty()
        && state.packages.iter().any(|p| p.status != PackageStatus::Skipped)
    {
        return Err(corrupt(path, ": it records no plan rows (written by an older git-release?)"));
    }
    let hash = canonical_hash(&state.plan_rows);
    let approved = if standalone { &state.plan_hash } else { &state.rows_hash };
    if approved.as_deref() != Some(hash.as_str())
        || (standalone && state.rows_hash != state.plan_hash)
    {
        return Err(corrupt(
            path,
            &format!(
                ": its plan rows hash to `{hash}`, not to the approved plan `{}`",
                approved.as_deref().unwrap_or("")
            ),
        ));
    }
    if config_hash(state) != *recorded {
        return Err(corrupt(path, ": its recorded configuration was changed"));
    }
    let released: Vec<&PackageState> =
        state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).collect();
    if released.len() != state.plan_rows.len() {
        return Err(corrupt(path, ": its packages do not match the plan rows"));
    }
    for pkg in released {
        let Some(row) = state.plan_rows.iter().find(|r| r["name"] == pkg.name.as_str()) else {
            return Err(corrupt(path, &format!(": package `{}` is not in the plan", pkg.name)));
        };
        let changes: Vec<serde_json::Value> = pkg
            .release
            .changes
            .iter()
            .map(|c| serde_json::json!({"commit": c.commit, "summary": c.summary, "bump": c.bump}))
            .collect();
        let planned: Vec<serde_json::Value> = row["reasons"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| serde_json::json!({"commit": r["commit"], "summary": r["summary"], "bump": r["bump"]}))
                    .collect()
            })
            .unwrap_or_default();
        // A workspace run adds the packages of upstream repositories a package depends on.
        let depends_on: Vec<&String> = pkg
            .release
            .depends_on
            .iter()
            .filter(|d| standalone || !state.upstream.iter().any(|u| u.name == **d))
            .collect();
        let depends_on = serde_json::json!(depends_on);
        let checks: [(&str, serde_json::Value, &serde_json::Value); 8] = [
            ("next_version", serde_json::json!(pkg.next_version), &row["next_version"]),
            ("tag", serde_json::json!(pkg.tag), &row["next_tag"]),
            ("current_version", serde_json::json!(pkg.current_version), &row["current_version"]),
            ("current_tag", serde_json::json!(pkg.release.current_tag), &row["current_tag"]),
            ("tier", serde_json::json!(pkg.tier), &row["tier"]),
            ("path", serde_json::json!(pkg.release.path), &row["path"]),
            ("depends_on", depends_on, &row["depends_on"]),
            ("changes", serde_json::json!(changes), &serde_json::json!(planned)),
        ];
        for (field, have, want) in checks {
            if have != *want {
                return Err(corrupt(
                    path,
                    &format!(
                        ": package `{}` has `{field}` {have}, but the approved plan says {want}",
                        pkg.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing test should stop at the failing call")]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn sample(dir: &Path, run_id: &str, started: u64) -> RunState {
        let mut core = PackageState::planned("core", 1, Some("1.4.0".into()), "1.5.0", at(started));
        core.branch = Some(format!("release/{run_id}/core"));
        core.advance(Phase::Worktree, at(started + 1));
        core.worktree = Some(dir.join("worktrees/core"));
        let app = PackageState::planned("app", 2, None, "0.1.0", at(started));
        RunState::new(run_id, dir, vec![core, app], at(started))
    }

    fn code(err: &anyhow::Error) -> ErrorCode {
        crate::error::code_of(err).expect("a pipeline error")
    }

    #[test]
    fn codes_serialise_as_their_names() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        for phase in Phase::ALL {
            assert_eq!(serde_json::to_string(&phase).unwrap(), format!("\"{phase}\""));
        }
        assert_eq!(
            serde_json::to_string(&ErrorCode::InvalidGateToken).unwrap(),
            "\"INVALID_GATE_TOKEN\""
        );
        assert_eq!(Phase::PrCreated.as_str(), "PR_CREATED");
    }

    #[test]
    fn phases_follow_the_design_order() {
        let names: Vec<_> = Phase::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            names.join(" "),
            "PLANNED WORKTREE BUMPED PINNED CHANGELOG LOCKED LINT COMMITTED PUSHED PR_CREATED \
             MERGED TAGGED PUBLISHED DONE"
        );
        assert_eq!(Phase::Lint.next(), Some(Phase::Committed));
        assert_eq!(Phase::Done.next(), None);
        assert!(Phase::Tagged > Phase::Merged);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(timestamp(at(1_709_164_800)), "2024-02-29T00:00:00Z");
        assert_eq!(timestamp(at(1_740_477_600)), "2025-02-25T10:00:00Z");
        assert_eq!(timestamp(at(4_102_444_799)), "2099-12-31T23:59:59Z");
        assert_eq!(timestamp(UNIX_EPOCH - Duration::from_secs(5)), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn run_ids_have_the_date_and_six_hex_digits() {
        assert_eq!(run_id(at(1_740_477_600), 0x00a3_f7b2), "release-20250225-a3f7b2");
        assert_eq!(run_id(at(0), 0x1_0000_0001), "release-19700101-000001");
        let fresh = new_run_id(SystemTime::now());
        assert!(is_run_id(&fresh), "{fresh}");
        assert_ne!(random_u64(), random_u64());
        for bad in
            ["release-2025022-a3f7b2", "release-20250225-A3F7B2", "../x", "release-20250225-a3f7b"]
        {
            assert!(!is_run_id(bad), "{bad}");
        }
    }

    #[test]
    fn round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let mut state = sample(tmp.path(), "release-20250225-a3f7b2", 1_740_477_600);
        state.plan_hash = Some("sha256:0123456789ab".into());
        let core = state.package_mut("core").unwrap();
        core.pr = Some(PullRequest {
            number: 7,
            url: "https://github.com/o/r/pull/7".into(),
            merge_commit: None,
        });
        core.fail(ErrorCode::PushRejected, "push to https://me:tok3n@example.com/r.git rejected");
        state.package_mut("app").unwrap().block("core", "depends on `core`, which failed");
        save(tmp.path(), &state).unwrap();

        let loaded = load(tmp.path(), "release-20250225-a3f7b2").unwrap();
        assert_eq!(loaded, state);
        let core = &loaded.packages[0];
        assert_eq!(core.status, PackageStatus::Failed);
        let error = core.error.as_ref().unwrap();
        assert_eq!((error.code, error.phase), (ErrorCode::PushRejected, Phase::Bumped));
        assert!(!error.message.contains("tok3n"), "{}", error.message);
        let text = fs::read_to_string(state_path(tmp.path(), "release-20250225-a3f7b2")).unwrap();
        assert!(text.contains("\"code\": \"PUSH_REJECTED\""), "{text}");
        assert!(text.contains("\"phase\": \"WORKTREE\""), "{text}");
        assert!(text.contains("\"at\": \"2025-02-25T10:00:01Z\""), "{text}");
        assert!(!text.contains("tok3n"));
    }

    #[test]
    fn advancing_records_history_and_clears_errors() {
        let mut pkg = PackageState::planned("core", 1, None, "0.1.0", at(10));
        pkg.fail(ErrorCode::BumpFailed, "no `version` in `Cargo.toml`");
        pkg.advance(Phase::Worktree, at(20));
        pkg.advance(Phase::Done, at(30));
        assert_eq!(pkg.status, PackageStatus::Done);
        assert_eq!(pkg.error, None);
        let phases: Vec<_> = pkg.history.iter().map(|e| (e.phase, e.at.as_str())).collect();
        assert_eq!(
            phases,
            [
                (Phase::Planned, "1970-01-01T00:00:10Z"),
                (Phase::Worktree, "1970-01-01T00:00:20Z"),
                (Phase::Done, "1970-01-01T00:00:30Z"),
            ]
        );
    }

    #[test]
    fn atomic_write_leaves_no_temp_files() {
        let tmp = tempfile::tempdir().unwrap();
        let mut state = sample(tmp.path(), "release-20250225-a3f7b2", 100);
        save(tmp.path(), &state).unwrap();
        state.touch(at(200));
        save(tmp.path(), &state).unwrap();
        let names: Vec<_> = fs::read_dir(runs_dir(tmp.path()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["release-20250225-a3f7b2.json"]);
        assert_eq!(load(tmp.path(), &state.run_id).unwrap().updated_at, "1970-01-01T00:03:20Z");
    }

    #[test]
    fn a_missing_state_file_is_state_not_found() {
        let tmp = tempfile::tempdir().unwrap();
        let err = load(tmp.path(), "release-20250225-000000").unwrap_err();
        assert_eq!(code(&err), ErrorCode::StateNotFound);
        assert!(err.to_string().contains("release-20250225-000000.json"), "{err}");
        assert_eq!(crate::error::exit_code(&err), crate::error::Exit::Usage);
        let err = load(tmp.path(), "../../etc/passwd").unwrap_err();
        assert_eq!(code(&err), ErrorCode::StateNotFound);
    }

    #[test]
    fn a_truncated_state_file_is_state_corrupt_with_its_path_and_position() {
        let tmp = tempfile::tempdir().unwrap();
        let state = sample(tmp.path(), "release-20250225-a3f7b2", 100);
        save(tmp.path(), &state).unwrap();
        let path = state_path(tmp.path(), &state.run_id);
        let text = fs::read(&path).unwrap();
        fs::write(&path, &text[..text.len() / 2]).unwrap();
        let before = fs::read(&path).unwrap();

        let err = load(tmp.path(), &state.run_id).unwrap_err();
        assert_eq!(code(&err), ErrorCode::StateCorrupt);
        let message = err.to_string();
        assert!(message.contains(&format!("`{}`", path.display())), "{message}");
        assert!(message.contains("is corrupt at line "), "{message}");
        assert!(message.contains("EOF while parsing"), "{message}");
        assert_eq!(crate::error::exit_code(&err), crate::error::Exit::Failure);
        assert!(crate::error::hint(&err).is_some());
        assert_eq!(fs::read(&path).unwrap(), before, "nothing changed");

        fs::write(&path, "{\"schema_version\": 1,\n  \"run_id\": 3}").unwrap();
        let err = load(tmp.path(), &state.run_id).unwrap_err();
        assert_eq!(code(&err), ErrorCode::StateCorrupt);
        assert!(err.to_string().contains("at line 2, column 13: invalid type"), "{err}");
    }

    #[test]
    fn a_state_from_a_newer_schema_is_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        let mut state = sample(tmp.path(), "release-20250225-a3f7b2", 100);
        state.schema_version = SCHEMA_VERSION + 1;
        save(tmp.path(), &state).unwrap();
        let err = load(tmp.path(), &state.run_id).unwrap_err();
        assert_eq!(code(&err), ErrorCode::StateCorrupt);
        assert!(err.to_string().contains("schema version 2"), "{err}");
    }

    #[test]
    fn a_state_for_another_run_or_repository_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let state = sample(other.path(), "release-20250225-a3f7b2", 100);
        save(tmp.path(), &state).unwrap();
        let err = load(tmp.path(), &state.run_id).unwrap_err();
        assert_eq!(code(&err), ErrorCode::WrongRepository);
        assert!(err.to_string().contains(&repository_id(other.path())), "{err}");

        let from = state_path(tmp.path(), &state.run_id);
        fs::rename(&from, state_path(tmp.path(), "release-20250225-bbbbbb")).unwrap();
        let err = load(tmp.path(), "release-20250225-bbbbbb").unwrap_err();
        assert_eq!(code(&err), ErrorCode::StateCorrupt);
        assert!(err.to_string().contains("for run `release-20250225-a3f7b2`"), "{err}");
    }

    #[test]
    fn list_is_newest_first_and_archive_moves_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(list(tmp.path()).unwrap().is_empty());
        let old = sample(tmp.path(), "release-19700101-aaaaaa", 100);
        let new = sample(tmp.path(), "release-19700101-000000", 900);
        save(tmp.path(), &old).unwrap();
        save(tmp.path(), &new).unwrap();
        fs::write(runs_dir(tmp.path()).join(".x.tmp"), "{").unwrap();
        fs::write(runs_dir(tmp.path()).join("release-19700101-cccccc.json"), "{").unwrap();
        let ids: Vec<_> = list(tmp.path()).unwrap().into_iter().map(|r| r.run_id).collect();
        // The unreadable one sorts by its modification time: now, the newest.
        assert_eq!(ids, ["release-19700101-cccccc", new.run_id.as_str(), old.run_id.as_str()]);

        let to = archive(tmp.path(), &old.run_id).unwrap();
        assert_eq!(to, archive_dir(tmp.path()).join("release-19700101-aaaaaa.json"));
        assert!(!state_path(tmp.path(), &old.run_id).exists());
        assert_eq!(list_archived(tmp.path()).unwrap()[0].status, Some(RunStatus::InProgress));
        assert_eq!(list(tmp.path()).unwrap().len(), 2);
        let err = archive(tmp.path(), &old.run_id).unwrap_err();
        assert_eq!(code(&err), ErrorCode::StateNotFound);
        let err = load(tmp.path(), &old.run_id).unwrap_err();
        assert!(crate::error::hint(&err).unwrap().contains("archived"), "{err:#}");
    }
}
