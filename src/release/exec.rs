//! The executor: carries a run's packages through their steps in tier order, saves the
//! state after every step, applies the failure policy, and reports.
//!
//! A package's completed steps are re-verified before it goes on (a resumed run trusts
//! nothing the state file says without looking); a step whose effect is missing is done
//! again. On a failure, `--on-failure stop` blocks every package after it; `quarantine`
//! blocks only the packages that depend on it, directly or not (seed 000 § 4, seed 002).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::SystemTime;

use anyhow::Result;
use serde::Serialize;

use super::state::{OnFailure, PackageState, PackageStatus, Phase, RunState, RunStatus};
use super::steps::{self, Act, Action, Env, Job, Released, RunInfo};
use crate::config::Mode;
use crate::error::ErrorCode;
use crate::git::cli::Git;

/// Checks that the packages of `state` that have their own release branch have distinct
/// ones ([`steps::check_unique_lanes`]).
///
/// # Errors
/// Two packages would share a branch and worktree.
pub fn check_lanes(state: &RunState) -> Result<()> {
    steps::check_unique_lanes(
        state
            .packages
            .iter()
            .filter(|p| p.status != PackageStatus::Skipped)
            .filter_map(|p| state.lane(&p.name)),
    )
}

/// The facts of a run its steps need, from its state.
pub fn run_info(state: &RunState) -> RunInfo {
    RunInfo {
        run_id: state.run_id.clone(),
        mode: state.mode,
        remote: state.remote.clone(),
        branch: state.branch.clone(),
        head: state.head.clone(),
        plan_hash: state.plan_hash.clone().unwrap_or_default(),
        started_unix: state.started_unix,
        shared_pr: state.shares_pr(),
        pr_packages: state
            .packages
            .iter()
            .filter(|p| matches!(p.status, PackageStatus::Pending | PackageStatus::Done))
            .map(|p| (p.name.clone(), p.next_version.clone()))
            .collect(),
    }
}

/// What to call after every change of the state: saves it (and the evidence).
pub type Saver<'a> = dyn FnMut(&RunState) -> Result<()> + 'a;

/// The package (if any) whose failure blocks package `i`: under `stop`, any failed or
/// blocked package before it; under `quarantine`, a failed or blocked dependency, directly
/// or not. A blocked package's blocker is passed on, so the report names the failure.
fn blocker(state: &RunState, i: usize) -> Option<String> {
    let before = &state.packages[..i];
    let root_of = |p: &PackageState| match p.status {
        PackageStatus::Failed => Some(p.name.clone()),
        PackageStatus::Blocked => p.blocked_by.clone().or_else(|| Some(p.name.clone())),
        _ => None,
    };
    match state.on_failure {
        OnFailure::Stop => before.iter().find_map(root_of),
        OnFailure::Quarantine => {
            let by_name: BTreeMap<&str, &PackageState> =
                before.iter().map(|p| (p.name.as_str(), p)).collect();
            let mut seen = BTreeSet::new();
            let mut stack: Vec<&str> =
                state.packages[i].release.depends_on.iter().map(String::as_str).collect();
            while let Some(name) = stack.pop() {
                if !seen.insert(name) {
                    continue;
                }
                if let Some(dep) = by_name.get(name) {
                    if let Some(root) = root_of(dep) {
                        return Some(root);
                    }
                    stack.extend(dep.release.depends_on.iter().map(String::as_str));
                }
            }
            None
        }
    }
}

/// Versions released so far in the run, for PINNED; with `planned` (a dry run, or one
/// shared pull request) every package before `i` still in the run counts as released.
fn released_before(state: &RunState, i: usize, planned: bool) -> BTreeMap<String, Released> {
    state.packages[..i]
        .iter()
        .filter(|p| {
            if planned {
                matches!(p.status, PackageStatus::Pending | PackageStatus::Done)
            } else {
                p.status == PackageStatus::Done
            }
        })
        .map(|p| {
            let manifest_name = p.release.manifest_name.clone().unwrap_or_else(|| p.name.clone());
            (p.name.clone(), Released { version: p.next_version.clone(), manifest_name })
        })
        .chain(state.upstream.iter().map(|u| {
            let released =
                Released { version: u.version.clone(), manifest_name: u.manifest_name.clone() };
            (u.name.clone(), released)
        }))
        .collect()
}

/// Where package `i`'s release branch starts: in direct mode, the last release commit of
/// the run pushed before it (so its push fast-forwards the release branch; a commit that
/// was never pushed, of a package that failed, is left out); else the planned commit.
fn base_for(state: &RunState, i: usize) -> String {
    if state.mode == Mode::Direct
        && let Some(commit) = state.packages[..i]
            .iter()
            .rev()
            .filter(|p| p.phase >= Phase::Pushed)
            .find_map(|p| p.outputs.commit.clone())
    {
        return commit;
    }
    state.head.clone()
}

/// Carries every unfinished package of `state` through its steps, calling `save` after
/// each change; sets the run's status at the end. Failures are recorded in the state
/// (status `FAILED`, the error with its code and step) and do not stop the function.
///
/// # Errors
/// Only when the state cannot be saved: then nothing more is attempted.
pub fn execute(env: &Env<'_>, state: &mut RunState, save: &mut Saver<'_>) -> Result<()> {
    check_lanes(state)?;
    let all = steps::steps(state.mode);
    // With one shared pull request, every package is committed and pushed before the pull
    // request is opened and merged, and tags come after the merge; otherwise each package
    // goes through all its steps in turn.
    let stages: Vec<Vec<Phase>> = if state.shares_pr() {
        vec![
            all.iter().copied().filter(|p| *p <= Phase::Pushed).collect(),
            vec![Phase::PrCreated, Phase::Merged],
            all.iter().copied().filter(|p| *p > Phase::Merged).collect(),
        ]
    } else {
        vec![all]
    };
    let mut verified = vec![false; state.packages.len()];
    for stage in &stages {
        let info = run_info(state);
        execute_stage(env, &info, state, stage, &mut verified, save)?;
    }
    state.status = overall(state);
    state.touch(SystemTime::now());
    save(state)
}

/// Runs `phases` for every pending package, in order.
#[allow(
    clippy::needless_range_loop,
    reason = "`i` indexes the packages, which the loop body also mutates"
)]
fn execute_stage(
    env: &Env<'_>,
    info: &RunInfo,
    state: &mut RunState,
    phases: &[Phase],
    verified: &mut [bool],
    save: &mut Saver<'_>,
) -> Result<()> {
    for i in 0..state.packages.len() {
        if state.packages[i].status != PackageStatus::Pending {
            continue;
        }
        if let Some(by) = blocker(state, i) {
            let why = match state.on_failure {
                OnFailure::Stop => format!("`{by}` failed earlier in the run (--on-failure stop)"),
                OnFailure::Quarantine => format!("it depends on `{by}`, which failed"),
            };
            state.packages[i].block(&by, &why);
            state.touch(SystemTime::now());
            save(state)?;
            continue;
        }
        env.ui.status(&format!(
            "{} {} → {}",
            state.packages[i].name,
            state.packages[i].current_version.as_deref().unwrap_or("(new)"),
            state.packages[i].next_version
        ));
        if let Err(err) = run_package(env, info, state, i, phases, !verified[i], save) {
            let code = crate::error::code_of(&err).unwrap_or(ErrorCode::StepFailed);
            let message = format!("{err:#}");
            let pkg = &mut state.packages[i];
            pkg.fail(code, &message);
            // The step that failed is the mode's next one: in direct mode, the step after
            // PUSHED is TAGGED, not PR_CREATED.
            let phase =
                steps::steps(info.mode).into_iter().find(|s| *s > pkg.phase).unwrap_or(Phase::Done);
            if let Some(error) = pkg.error.as_mut() {
                error.phase = phase;
            }
            env.ui.status(&format!("  ✗ {phase} failed [{code}]: {message}"));
            if let Some(hint) = err
                .chain()
                .find_map(|c| c.downcast_ref::<crate::error::Error>())
                .and_then(crate::error::Error::hint)
            {
                env.ui.status(&format!("  hint: {hint}"));
            }
            state.touch(SystemTime::now());
            save(state)?;
        }
        verified[i] = true;
    }
    Ok(())
}

/// Makes a failed or blocked package pending again, for a resume: it is retried from the
/// step that failed. A package set aside because its preflight checks failed stays failed:
/// the checks ran when the run started and are not run again, so it needs a new run.
pub fn reopen(pkg: &mut PackageState) {
    let checks_failed = pkg.error.as_ref().is_some_and(|e| e.code == ErrorCode::CheckFailed);
    if matches!(pkg.status, PackageStatus::Failed | PackageStatus::Blocked) && !checks_failed {
        pkg.status = PackageStatus::Pending;
        pkg.blocked_by = None;
        pkg.reason = None;
    }
}

/// `SUCCESS` when every package is done or skipped; `PARTIAL` when some are done and some
/// are not; `FAILED` when none is done; never `IN_PROGRESS` (the run ended).
pub fn overall(state: &RunState) -> RunStatus {
    let releasing: Vec<&PackageState> =
        state.packages.iter().filter(|p| p.status != PackageStatus::Skipped).collect();
    let done = releasing.iter().filter(|p| p.status == PackageStatus::Done).count();
    if done == releasing.len() {
        RunStatus::Success
    } else if done > 0 {
        RunStatus::Partial
    } else {
        RunStatus::Failed
    }
}

/// Runs `f` on a job for package `i` (in the state `pkg`), whose mid-step checkpoints save a
/// copy of `state` with `pkg` in place; returns what `f` returned and the package as the
/// job left it.
#[allow(clippy::too_many_arguments, reason = "the parts of a job, passed through")]
fn with_job<R>(
    env: &Env<'_>,
    info: &RunInfo,
    state: &RunState,
    i: usize,
    pkg: PackageState,
    released: &BTreeMap<String, Released>,
    base: &str,
    save: &mut Saver<'_>,
    f: impl FnOnce(&mut Job<'_>) -> R,
) -> (R, PackageState) {
    let mut checkpoint = |p: &PackageState| -> Result<()> {
        let mut copy = state.clone();
        copy.packages[i] = p.clone();
        copy.touch(SystemTime::now());
        save(&copy)
    };
    let mut job = Job {
        env,
        run: info,
        pkg,
        released: released.clone(),
        base: base.to_owned(),
        actions: Vec::new(),
        checkpoint: &mut checkpoint,
    };
    let out = f(&mut job);
    (out, job.pkg)
}

/// Re-verifies package `i`'s completed steps (when `verify`), then performs the steps of
/// `phases` it has not done, saving after each.
fn run_package(
    env: &Env<'_>,
    info: &RunInfo,
    state: &mut RunState,
    i: usize,
    phases: &[Phase],
    verify: bool,
    save: &mut Saver<'_>,
) -> Result<()> {
    // In a shared pull request, the packages before this one are released with it.
    let released = released_before(state, i, info.shared_pr);
    let base = base_for(state, i);
    let all = steps::steps(info.mode);
    let mut pkg = state.packages[i].clone();

    // Re-verify what the state says is done; go back to the first step found undone.
    if verify && pkg.phase > Phase::Planned {
        let completed = pkg.phase;
        let (first_undone, checked) =
            with_job(env, info, state, i, pkg, &released, &base, save, |job| {
                for step in all.iter().copied().filter(|s| *s <= completed) {
                    if !steps::run_step(job, step, Act::Verify)? {
                        return Ok(Some(step));
                    }
                }
                Ok::<_, anyhow::Error>(None)
            });
        pkg = checked;
        if let Some(step) = first_undone? {
            env.ui.warn(&format!(
                "{}: the state says {step} is done, but its effect is missing; doing it again from there",
                pkg.name
            ));
            pkg.phase =
                all.iter().copied().take_while(|s| *s < step).last().unwrap_or(Phase::Planned);
        }
    }
    let from = pkg.phase;
    for step in phases.iter().copied().filter(|s| *s > from) {
        let (result, acted) = with_job(env, info, state, i, pkg, &released, &base, save, |job| {
            steps::run_step(job, step, Act::Perform)
        });
        failpoint(&acted.name, step, "before-save");
        pkg = acted;
        if let Err(err) = result {
            state.packages[i] = pkg;
            return Err(err);
        }
        pkg.advance(step, SystemTime::now());
        if step != Phase::Done {
            env.ui.status(&format!("  ✓ {step}"));
        }
        state.packages[i] = pkg.clone();
        state.touch(SystemTime::now());
        save(state)?;
        failpoint(&pkg.name, step, "after-save");
    }
    Ok(())
}

/// A crash injection point for the crash-and-resume tests: when `GIT_RELEASE_FAILPOINT`
/// is `<PHASE>:<when>` or `<package>:<PHASE>:<when>` (`when` is `before-save`, right after
/// the step acted and before its state was saved, or `after-save`), the process aborts
/// there, as a kill would stop it: no destructor runs, the lock file stays behind.
///
/// Compiled only with the `failpoints` feature, which only the tests enable (issue 12, item
/// 19): a shipped binary ignores the variable.
#[cfg(feature = "failpoints")]
fn failpoint(package: &str, step: Phase, when: &str) {
    let Some(wanted) = std::env::var_os("GIT_RELEASE_FAILPOINT") else { return };
    let wanted = wanted.to_string_lossy();
    let here = format!("{step}:{when}");
    if wanted == here || wanted == format!("{package}:{here}") {
        std::process::abort();
    }
}

/// Without the `failpoints` feature, nothing: see the other `failpoint`.
#[cfg(not(feature = "failpoints"))]
fn failpoint(_package: &str, _step: Phase, _when: &str) {}

/// What a dry run prints for one package: every action its steps would take.
#[derive(Debug, Clone, Serialize)]
pub struct Described {
    /// The package.
    pub name: String,
    /// Its tier.
    pub tier: u32,
    /// From which version.
    pub current_version: Option<String>,
    /// To which.
    pub next_version: String,
    /// The tag.
    pub tag: Option<String>,
    /// The release branch.
    pub branch: String,
    /// The actions, in order.
    pub actions: Vec<Action>,
}

/// Describes what running `state` would do, changing nothing.
///
/// # Errors
/// A step cannot compute its change (a version file that cannot be edited, a template
/// error): the same error the run would stop on.
pub fn describe(env: &Env<'_>, state: &RunState) -> Result<Vec<Described>> {
    check_lanes(state)?;
    let info = run_info(state);
    let mut out = Vec::new();
    for (i, pkg) in state.packages.iter().enumerate() {
        if pkg.status == PackageStatus::Skipped {
            continue;
        }
        let mut nothing = |_: &PackageState| -> Result<()> { Ok(()) };
        let mut job = Job {
            env,
            run: &info,
            pkg: pkg.clone(),
            released: released_before(state, i, true),
            base: state.head.clone(),
            actions: Vec::new(),
            checkpoint: &mut nothing,
        };
        for step in steps::steps(info.mode) {
            steps::run_step(&mut job, step, Act::Describe)?;
        }
        out.push(Described {
            name: pkg.name.clone(),
            tier: pkg.tier,
            current_version: pkg.current_version.clone(),
            next_version: pkg.next_version.clone(),
            tag: pkg.tag.clone(),
            branch: steps::branch_name(&info.run_id, state.lane(&pkg.name)),
            actions: job.actions,
        });
    }
    Ok(out)
}

/// Removes the run's worktrees (`git worktree remove`, never forced) once every package is
/// done, and the empty folders above them. Returns what could not be removed, with why.
pub fn remove_worktrees(root: &Path, common_dir: &Path, state: &RunState) -> Vec<String> {
    let git = Git::new(root);
    let mut problems = Vec::new();
    let mut lanes: Vec<Option<&str>> = state.packages.iter().map(|p| state.lane(&p.name)).collect();
    lanes.dedup();
    for lane in lanes {
        let path = steps::worktree_path(common_dir, &state.run_id, lane);
        if !path.exists() {
            continue;
        }
        let shown = path.display().to_string();
        if let Err(e) = git.worktree_remove(&path, false) {
            problems.push(format!("`{shown}`: {e:#}"));
        }
    }
    let folder = common_dir.join("release").join("worktrees").join(&state.run_id);
    let _ = std::fs::remove_dir(&folder);
    problems
}
