//! `trigger = "on_release"` syncs inside `git release run` (issue 18 item 4), and the sync
//! lock (two processes approving one sync). The mirror is a bare repository over `file://`;
//! kills are injected with the test-only failpoints (`sync:<id>:<when>`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::releasable::Fixture;
use crate::support::{TestRepo, file_url};

/// The `[[sync]]` of these tests: `v*` tags and `main` mirrored to `mirror` after a release.
fn mirror_config(mirror: &Path, trigger: &str) -> String {
    format!(
        "\n[[sync]]\nid = \"mirror\"\ntype = \"downstream\"\ntarget = \"{}\"\nrefs = [\"refs/tags/v*\", \"refs/heads/main\"]\ntrigger = \"{trigger}\"\n",
        file_url(mirror)
    )
}

/// [`crate::run::single`] in direct mode (1.2.0 → 1.3.0) with an `on_release` mirror sync
/// to an empty bare `mirror.git`, committed and pushed.
fn released_with_mirror() -> (Fixture, PathBuf) {
    let f = crate::run::single("direct", "");
    let mirror = f.r.bare("mirror.git");
    let config = std::fs::read_to_string(f.r.path().join("release.toml")).expect("readable");
    f.r.write("release.toml", &format!("{config}{}", mirror_config(&mirror, "on_release")));
    f.r.commit("chore: mirror the releases");
    f.r.git(["push", "--quiet", "origin", "main"]);
    (f, mirror)
}

/// `name id` lines of the refs of the bare `dir` the sync covers (`v*` tags and `main`).
fn mirrored_refs(r: &TestRepo, dir: &Path) -> String {
    r.git_in(
        dir,
        ["for-each-ref", "--format=%(refname) %(objectname)", "refs/tags/v*", "refs/heads/main"],
    )
}

/// The records of sync `id` in the sync log, oldest first.
fn records(r: &TestRepo, id: &str) -> Vec<Value> {
    let dir = r.path().join(".git/release/sync").join(id);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.map(|e| e.expect("an entry").path()).collect())
        .unwrap_or_default();
    files.retain(|f| f.extension().is_some_and(|e| e == "json"));
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("a record reads");
            serde_json::from_str::<Value>(&text).expect("JSON")["sync_log"].clone()
        })
        .collect()
}

/// The ids of the runs whose state is not archived.
fn active_runs(r: &TestRepo) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(r.path().join(".git/release/runs")) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("release-") && !n.ends_with(".evidence.json"))
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .collect()
}

/// Checks the end state of a released and synced run: the mirror has exactly origin's
/// `v*` tags and `main`, the run's log record has the gate's approval naming it, a
/// successful execution and a verified post-sync validation, and no run is left active.
#[track_caller]
fn assert_synced(f: &Fixture, mirror: &Path) {
    let origin = mirrored_refs(&f.r, &f.bare);
    assert!(origin.contains("refs/tags/v1.3.0 "), "{origin}");
    assert_eq!(mirrored_refs(&f.r, mirror), origin, "the mirror has exactly origin's refs");
    assert_eq!(f.r.refs_in(mirror).lines().count(), 3, "and nothing else");
    let logged = records(&f.r, "mirror");
    // The run's own dry-run is the one approved (a `run --dry-run`'s never is).
    let ran: Vec<&Value> =
        logged.iter().filter(|r| r["run"].is_object() && r["approval"].is_object()).collect();
    assert_eq!(ran.len(), 1, "{logged:#?}");
    let record = ran[0];
    let run_id = record["run"]["run_id"].as_str().expect("a run id");
    assert_eq!(record["approval"]["dry_run_ref"], record["execution_id"], "DR-06");
    let note = record["approval"]["note"].as_str().expect("a note");
    assert!(note.contains(&format!("the gate of run `{run_id}`")), "{note}");
    assert_eq!(record["execution"]["status"], "success", "{record:#}");
    assert_eq!(record["post_validation"]["integrity_verified"], true, "{record:#}");
    assert!(active_runs(&f.r).is_empty(), "the run is archived");
}

#[test]
fn an_on_release_mirror_sync_is_shown_by_the_dry_run_and_runs_within_run() {
    let (f, mirror) = released_with_mirror();
    let origin_before = f.r.refs_in(&f.bare);

    // `plan` names the sync (it reads nothing remote); the dry run shows its diff.
    let plan = f.release(&["plan"]);
    plan.expect_code(0);
    assert!(plan.stdout.contains("runs the `on_release` sync `mirror`"), "{}", plan.stdout);
    let plan = f.release(&["plan", "--format", "json"]);
    assert_eq!(plan.json()["on_release_syncs"], serde_json::json!(["mirror"]));

    // The dry run shows the sync's diff, the refs the run makes included, and changes nothing.
    let out = f.release(&["run", "--dry-run"]);
    out.expect_code(0);
    let rows: Vec<&str> =
        out.stdout.lines().filter(|l| l.trim_start().starts_with("add ")).collect();
    assert!(rows.iter().any(|l| l.contains("refs/tags/v1.2.0")), "{}", out.stdout);
    assert!(
        rows.iter().any(|l| l.contains("refs/tags/v1.3.0") && l.contains("(the run's)")),
        "{}",
        out.stdout
    );
    assert!(rows.iter().any(|l| l.contains("refs/heads/main")), "{}", out.stdout);
    assert!(out.stdout.contains("executes it after every package is published"), "{}", out.stdout);
    let json = f.release(&["run", "--dry-run", "--format", "json"]);
    json.expect_code(0);
    let record = &json.json()["syncs"][0]["sync_log"];
    assert_eq!(record["sync_id"], "mirror");
    let planned = record["dry_run"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["name"] == "refs/tags/v1.3.0")
        .expect("the release tag is in the diff");
    assert_eq!((&planned["action"], &planned["new"]), (&Value::from("add"), &Value::Null));
    assert_eq!(f.r.refs_in(&mirror), "", "DR-04: the mirror is untouched");
    assert_eq!(f.r.refs_in(&f.bare), origin_before, "origin too");
    assert!(active_runs(&f.r).is_empty(), "no run state");
    let logged = records(&f.r, "mirror");
    assert_eq!(logged.len(), 2, "both dry runs are logged (DR-05)");
    assert!(logged.iter().all(|r| r["approval"].is_null()));

    // The run: released, then the sync, approved by the gate, with exactly the reported refs.
    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    assert!(out.stdout.contains("sync mirror (on_release, dry-run sync-"), "{}", out.stdout);
    assert!(out.stdout.contains("): done"), "{}", out.stdout);
    assert_synced(&f, &mirror);
    let record = records(&f.r, "mirror").into_iter().find(|r| r["approval"].is_object());
    let record = record.expect("the run's record");
    let mut pushed: Vec<String> = record["execution"]["pushed"]
        .as_array()
        .expect("pushed")
        .iter()
        .map(|s| {
            let (id, name) = s.as_str().expect("a refspec").split_once(':').expect("id:name");
            format!("{name} {id}")
        })
        .collect();
    pushed.sort();
    assert_eq!(pushed.join("\n"), mirrored_refs(&f.r, &mirror), "the log says what was pushed");
}

/// Runs with `GIT_RELEASE_FAILPOINT=sync:mirror:<when>` (the process aborts there), then
/// `resume`, and checks the end state is an uninterrupted run's.
fn kill_and_resume(when: &str) {
    let (f, mirror) = released_with_mirror();
    let failpoint = format!("sync:mirror:{when}");
    let out = f.release_env(&["run", "--yes"], &[("GIT_RELEASE_FAILPOINT", &failpoint)]);
    assert_eq!(out.code, -1, "{when}: the process was stopped\n{}", out.stderr);
    let runs = active_runs(&f.r);
    assert_eq!(runs.len(), 1, "{when}: a resumable run is left");
    let out = f.release(&["resume", &runs[0], "--yes"]);
    out.expect_code(0);
    assert_synced(&f, &mirror);
    if when == "after-push" {
        // The resume found the target already as intended, and the log says so.
        let record = records(&f.r, "mirror").into_iter().find(|r| r["approval"].is_object());
        let note = record.expect("the run's record")["execution"]["note"].clone();
        assert!(note.as_str().is_some_and(|n| n.contains("already was as intended")), "{note}");
    }
    // Resuming again finds nothing to do (the run is archived).
    assert!(active_runs(&f.r).is_empty());
}

#[test]
fn a_run_killed_right_after_the_sync_pushed_resumes_to_the_same_end() {
    kill_and_resume("after-push");
}

#[test]
fn a_monorepo_run_syncs_once_after_every_package_is_published() {
    let f = crate::run::monorepo();
    let mirror = f.r.bare("mirror.git");
    let config = std::fs::read_to_string(f.r.path().join("release.toml")).expect("readable");
    let sync = mirror_config(&mirror, "on_release").replace("refs/tags/v*", "refs/tags/*");
    f.r.write("release.toml", &format!("{config}{sync}"));
    f.r.commit("chore: mirror the releases");
    f.r.git(["push", "--quiet", "origin", "main"]);
    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    assert_eq!(out.stderr.matches("sync mirror (on_release)").count(), 1, "{}", out.stderr);
    let tags = f.r.git_in(&mirror, ["for-each-ref", "--format=%(refname)", "refs/tags/*/v0.*"]);
    let origin = f.r.git_in(&f.bare, ["for-each-ref", "--format=%(refname)", "refs/tags/*/v0.*"]);
    assert_eq!(tags, origin);
    assert_eq!(tags.lines().count(), 6, "three packages, old and new tags: {tags}");
    let approved: Vec<Value> =
        records(&f.r, "mirror").into_iter().filter(|r| r["approval"].is_object()).collect();
    assert_eq!(approved.len(), 1, "one sync for the whole run");
    assert_eq!(approved[0]["run"]["planned"].as_array().map(Vec::len), Some(4), "3 tags, main");
}

#[test]
#[ignore = "the kill matrix around the sync step; `.ci/run` runs it"]
fn a_run_killed_at_any_point_around_the_sync_resumes_to_the_same_end() {
    for when in ["before", "after-push", "before-save", "after-save"] {
        kill_and_resume(when);
    }
}

#[test]
fn a_target_moved_after_the_gate_stops_the_run_resumably_with_both_states() {
    let (f, mirror) = released_with_mirror();
    let out = f.release_env(&["run", "--yes"], &[("GIT_RELEASE_FAILPOINT", "sync:mirror:before")]);
    assert_eq!(out.code, -1, "{}", out.stderr);
    let run = active_runs(&f.r).pop().expect("a resumable run");
    // Someone pushes to the mirror between the gate and the sync.
    f.r.git(["push", "--quiet", &file_url(&mirror), "refs/tags/v1.2.0"]);
    let stray = f.r.git_in(&mirror, ["rev-parse", "refs/tags/v1.2.0"]);
    let out = f.release(&["resume", &run, "--yes"]);
    out.expect_code(3);
    for text in [
        "changed since dry-run",
        "dry-run saw: sha256:",
        "now:         sha256:",
        &format!("refs/tags/v1.2.0: (absent) → {stray}"),
        &format!("git release resume {run}"),
    ] {
        assert!(out.stderr.contains(text), "{text}\n{}", out.stderr);
    }
    assert!(out.stdout.contains("sync mirror (on_release"), "{}", out.stdout);
    assert!(out.stdout.contains("FAILED"), "{}", out.stdout);
    assert_eq!(f.r.refs_in(&mirror).lines().count(), 1, "nothing was pushed");
    let record = records(&f.r, "mirror").into_iter().find(|r| r["approval"].is_object());
    assert!(record.expect("the run's record")["execution"].is_null(), "no half-done sync");
    assert_eq!(active_runs(&f.r), vec![run.clone()], "still resumable");
    // Put the mirror back: the resume executes the approved dry-run.
    f.r.git_in(&mirror, ["update-ref", "-d", "refs/tags/v1.2.0"]);
    f.release(&["resume", &run, "--yes"]).expect_code(0);
    assert_synced(&f, &mirror);
}

#[test]
fn a_run_dry_run_is_not_approvable_by_hand() {
    let (f, _mirror) = released_with_mirror();
    let out = f.release(&["run", "--dry-run", "--format", "json"]);
    out.expect_code(0);
    let id = out.json()["syncs"][0]["sync_log"]["execution_id"].as_str().expect("id").to_owned();
    let out = f.release(&["sync", "mirror", "--approve", &id]);
    out.expect_code(1);
    assert!(out.stderr.contains("that run's gate approves it"), "{}", out.stderr);
}

/// Waits up to a minute for `path` to exist.
fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "`{}` never appeared", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_approvals_of_one_sync_at_once_cannot_both_execute() {
    let r = TestRepo::new();
    r.write("README.md", "hello\n");
    r.commit("feat: first");
    r.tag_annotated("v1.0.0");
    let mirror = r.bare("mirror.git");
    r.write("release.toml", &mirror_config(&mirror, "manual"));
    // The mirror's pre-receive hook holds the first push until the test lets it go.
    let entered = r.scratch().join("entered");
    let go = r.scratch().join("go");
    let hook = mirror.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\ncat >/dev/null\ntouch '{}'\nwhile [ ! -e '{}' ]; do sleep 0.05; done\n",
            entered.display(),
            go.display()
        ),
    )
    .expect("write the hook");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("make it executable");
    let out = r.run(["sync", "mirror", "--dry-run", "--format", "json"]);
    out.expect_code(0);
    let id = out.json()["syncs"][0]["sync_log"]["execution_id"].as_str().expect("id").to_owned();

    let mut first = std::process::Command::new(env!("CARGO_BIN_EXE_git-release"));
    r.hermetic(&mut first);
    let first = first
        .args(["sync", "mirror", "--approve", &id])
        .current_dir(r.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the first approval starts");
    let pid = first.id();
    wait_for(&entered);
    let second = r.run(["sync", "mirror", "--approve", &id]);
    std::fs::write(&go, "").expect("let the first push go");
    let first_out = first.wait_with_output().expect("the first approval ends");
    assert!(first_out.status.success(), "{}", String::from_utf8_lossy(&first_out.stderr));
    assert_ne!(second.code, 0);
    let holder = format!("`sync mirror --approve {id}` (pid {pid}, since ");
    assert!(second.stderr.contains(&holder), "{}", second.stderr);
    assert!(second.stderr.contains("holds the lock of sync `mirror`"), "{}", second.stderr);
    assert_eq!(mirrored_refs(&r, &mirror).lines().count(), 2, "pushed once, by the first");
    let record = records(&r, "mirror").pop().expect("the record");
    assert_eq!(record["execution"]["status"], "success");
    // Afterwards the same approval is refused as already executed, and nothing moves.
    let again = r.run(["sync", "mirror", "--approve", &id]);
    again.expect_code(1);
    assert!(again.stderr.contains("was already executed"), "{}", again.stderr);
}

#[test]
fn in_a_workspace_run_each_repository_syncs_once_after_its_packages() {
    let r = TestRepo::new();
    let gh = crate::gh::Gh::install(&r);
    let (spi, _) = crate::many::python_repo(&r, "spi", &[], true);
    crate::many::python_repo(&r, "core", &["spi>=1.0"], true);
    let mirror = r.bare("spi-mirror.git");
    let config = std::fs::read_to_string(spi.join("release.toml")).expect("readable");
    let sync = mirror_config(&mirror, "on_release").replace("refs/tags/v*", "refs/tags/spi-v*");
    std::fs::write(spi.join("release.toml"), format!("{config}{sync}")).expect("write");
    r.commit_in(&spi, "chore: mirror the releases");
    r.git_in(&spi, ["push", "--quiet", "origin", "main"]);
    let file = r.scratch().join("ws/release-workspace.toml");
    std::fs::write(
        &file,
        "[[repo]]\nname = \"spi\"\npath = \"spi\"\n\n[[repo]]\nname = \"core\"\npath = \"core\"\n",
    )
    .expect("write the workspace file");
    let file = file.to_str().expect("UTF-8");

    let dry = crate::many::release(&r, &gh, &spi, &["run", "--workspace", file, "--dry-run"]);
    dry.expect_code(0);
    assert!(dry.stdout.contains("sync `mirror` (downstream)"), "{}", dry.stdout);
    assert!(dry.stdout.contains("refs/tags/spi-v1.0.1"), "{}", dry.stdout);
    assert_eq!(r.refs_in(&mirror), "", "the dry run changes nothing");

    let out = crate::many::release(
        &r,
        &gh,
        &spi,
        &["run", "--workspace", file, "--yes", "--mode", "direct"],
    );
    out.expect_code(0);
    let tags = r.git_in(&mirror, ["for-each-ref", "--format=%(refname)", "refs/tags"]);
    assert_eq!(tags, "refs/tags/spi-v1.0.0\nrefs/tags/spi-v1.0.1");
    assert_eq!(out.stderr.matches("sync mirror (on_release)").count(), 1, "{}", out.stderr);
    let dir = spi.join(".git/release/sync/mirror");
    let executed = std::fs::read_dir(&dir)
        .expect("the sync log")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .filter_map(|t| serde_json::from_str::<Value>(&t).ok())
        .filter(|v| v["sync_log"]["execution"]["status"] == "success")
        .count();
    assert_eq!(executed, 1);
}

#[test]
fn a_sync_that_would_conflict_stops_the_run_before_anything_is_released() {
    let (f, mirror) = released_with_mirror();
    // The mirror already has a `v1.3.0`, the tag this release makes: a sync never moves a tag.
    f.r.git(["push", "--quiet", &file_url(&mirror), "refs/tags/v1.2.0:refs/tags/v1.3.0"]);
    let origin = f.r.refs_in(&f.bare);
    let out = f.release(&["run", "--dry-run"]);
    out.expect_code(0);
    assert!(out.stdout.contains("its conflicts stop the run"), "{}", out.stdout);
    let out = f.release(&["run", "--yes"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("the `on_release` sync `mirror` (dry-run `sync-")
            && out.stderr.contains("has conflicts, so nothing was released"),
        "{}",
        out.stderr
    );
    assert_eq!(f.r.refs_in(&f.bare), origin, "nothing was released");
    assert!(active_runs(&f.r).is_empty(), "and no run was started");
}

#[test]
fn a_release_tag_the_source_no_longer_has_is_not_reported_as_synced() {
    let (f, mirror) = released_with_mirror();
    let out = f.release_env(&["run", "--yes"], &[("GIT_RELEASE_FAILPOINT", "sync:mirror:before")]);
    assert_eq!(out.code, -1, "{}", out.stderr);
    let run = active_runs(&f.r).pop().expect("a resumable run");
    // The source (this repository) loses the release tag before the sync runs.
    f.r.git(["tag", "-d", "v1.3.0"]);
    let out = f.release(&["resume", &run, "--yes"]);
    out.expect_code(3);
    assert!(out.stderr.contains("no longer has what dry-run"), "{}", out.stderr);
    assert!(out.stderr.contains("`refs/tags/v1.3.0`"), "{}", out.stderr);
    assert_eq!(f.r.refs_in(&mirror), "", "nothing was pushed");
}
