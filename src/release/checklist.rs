//! The resume checklist of a run stated as facts (seed 001 › Resume Checklist), for
//! `git release status RUN`: per package, the local state, the remote's tag and the forge's
//! pull request and release, and what `resume` would do next.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::state::{PackageState, PackageStatus, Phase, RunState};
use super::steps;
use crate::forge::{Forge as _, Gh, Request};
use crate::git::cli::RemoteRef;
use crate::tags;

/// One package's facts, as `status RUN` reports them.
#[derive(Debug, Serialize)]
#[allow(
    missing_docs,
    reason = "the fields are the JSON keys of `status RUN --format json`, documented in the README"
)]
pub struct Facts {
    pub name: String,
    pub current_version: Option<String>,
    pub next_version: String,
    pub status: PackageStatus,
    pub phase: Phase,
    pub worktree: Option<String>,
    pub worktree_exists: bool,
    pub release_commit: Option<String>,
    pub tag: Option<String>,
    pub remote_tag: String,
    pub pull_request: Option<String>,
    pub forge_release: String,
    pub workflow_run: Option<String>,
    pub blocker_issue: Option<String>,
    pub error: Option<String>,
    pub next: String,
}

/// The facts of `pkg` of `run`: local (phase, worktree under the git common dir `dir`,
/// release commit), the remote state of its tag from `remote` (`None`: unreachable), and its
/// forge state through `gh` (one attempt each; `None`: gh not found). Reads only; what cannot
/// be read is reported as unknown, never as an error.
pub fn facts_of(
    run: &RunState,
    pkg: &PackageState,
    dir: &Path,
    root: &Path,
    local: &BTreeMap<String, (String, String)>,
    remote: Option<&BTreeMap<String, RemoteRef>>,
    gh: Option<&Gh>,
) -> Facts {
    let worktree = steps::worktree_path(dir, &run.run_id, run.lane(&pkg.name));
    let remote_tag = match (&pkg.tag, remote) {
        (None, _) => "-".to_owned(),
        (Some(_), None) => "unknown (remote unreachable)".to_owned(),
        (Some(tag), Some(remote)) => {
            let row = tags::status_of(tag, local, remote);
            row.status.as_str().to_owned()
        }
    };
    let pull_request = pkg.pr.as_ref().map(|pr| {
        let state = gh
            .and_then(|gh| {
                gh.once(
                    root,
                    &Request::PrView { number: &pr.number.to_string(), merge_commit: false },
                )
                .ok()
            })
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["state"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "state unknown".to_owned());
        format!("#{} {} ({})", pr.number, pr.url, state)
    });
    let forge_release = match (&pkg.tag, gh) {
        (None, _) => "-".to_owned(),
        (Some(_), None) => "unknown (gh not found)".to_owned(),
        (Some(tag), Some(gh)) => match gh.once(root, &Request::ReleaseUrl { tag }) {
            Ok(text) => {
                #[derive(serde::Deserialize)]
                struct Release {
                    url: String,
                }
                match crate::forge::answer::<Release>("gh release view", &text) {
                    Ok(r) => format!("published {}", r.url),
                    Err(e) => format!("unknown ({e})"),
                }
            }
            Err(f) if f.kind == crate::forge::FailureKind::NotFound => "not published".to_owned(),
            Err(f) => format!("unknown ({})", f.message.lines().next().unwrap_or("")),
        },
    };
    let all = steps::steps(run.mode);
    let next_step = all.iter().copied().find(|s| *s > pkg.phase);
    let next = match pkg.status {
        PackageStatus::Done => "nothing: released".to_owned(),
        PackageStatus::Skipped => "nothing: skipped".to_owned(),
        _ => {
            let verify = if pkg.phase > Phase::Planned {
                format!("re-verify the steps up to {}, then ", pkg.phase)
            } else {
                String::new()
            };
            match next_step {
                Some(step) => format!(
                    "{verify}run {step}{}",
                    if pkg.status == PackageStatus::Failed { " again" } else { "" }
                ),
                None => format!("{verify}finish"),
            }
        }
    };
    Facts {
        name: pkg.name.clone(),
        current_version: pkg.current_version.clone(),
        next_version: pkg.next_version.clone(),
        status: pkg.status,
        phase: pkg.phase,
        worktree: pkg.worktree.as_ref().map(|w| w.display().to_string()),
        worktree_exists: worktree.exists(),
        release_commit: pkg.outputs.commit.clone(),
        tag: pkg.tag.clone(),
        remote_tag,
        pull_request,
        forge_release,
        workflow_run: pkg.outputs.workflow_run.clone(),
        blocker_issue: pkg.outputs.blocker_issue.clone(),
        error: pkg.error.as_ref().map(|e| format!("{} at {}: {}", e.code, e.phase, e.message)),
        next,
    }
}
