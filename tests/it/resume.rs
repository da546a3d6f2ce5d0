//! Crash and resume (issue 6): `git release run` killed at every step boundary and at random
//! moments, then `git release resume`, must end where an uninterrupted run ends; faults
//! (a refused push, an unreachable remote, gh failing) leave a resumable state and lose
//! nothing; bad input (corrupt, truncated or foreign state files, unknown run ids, a held
//! lock) is refused with nothing changed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::gh::{self, Gh};
use crate::support::{Output, TestRepo, file_url};

/// Fixed changelog dates.
const SOURCE_DATE_EPOCH: &str = "1700000000";

// ---- fixtures ------------------------------------------------------------------------------

/// A single-package repository that passes every check, one `feat:` commit after `v0.1.0`
/// (so the plan is 0.1.0 → 0.2.0), with a bare `origin` at `<tmp>/remotes/origin.git`
/// holding `main` and the tag, and `main` tracking `origin/main`.
fn template() -> TestRepo {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n");
    r.write("CHANGELOG.md", "# Changelog\n\n## 0.1.0\n\n- first release\n");
    r.write("tests/smoke.rs", "#[test]\nfn smoke() {}\n");
    r.write(
        "release.toml",
        "[release]\nemail_pattern = \"*@example.com\"\nprotected_branches = []\n\n\
         [forge]\nretries = 4\nbase_delay_ms = 1\n",
    );
    r.commit("feat: first release");
    r.tag_annotated("v0.1.0");
    r.change("src/lib.rs", "feat: add a greeting");
    r.with_origin();
    r.git(["push", "--quiet", "origin", "refs/tags/v0.1.0"]);
    r.git(["branch", "--quiet", "-u", "origin/main"]);
    r
}

/// One test case: a copy of a template (work tree and bare remote) in its own temp dir,
/// with its own stand-in `gh` (which, like GitHub, keeps what a call did when its caller
/// is killed mid-call).
struct Case {
    r: TestRepo,
    bare: PathBuf,
    gh: Gh,
}

/// Copies `template`'s work tree and remotes into a new temp dir and points `origin` at the
/// copied bare repository. Commits, tags and the clock are the template's, so runs in two
/// copies make the same objects.
fn copy_of(template: &TestRepo) -> Case {
    let r = TestRepo::without_git();
    cp(&template.path().join("."), &r.path());
    cp(&template.scratch().join("remotes"), r.scratch());
    let bare = r.scratch().join("remotes/origin.git");
    r.git(["remote", "set-url", "origin", &file_url(&bare)]);
    let gh = Gh::install(&r);
    Case { r, bare, gh }
}

/// `cp -a FROM INTO`.
fn cp(from: &Path, into: &Path) {
    let status = Command::new("cp").arg("-a").arg(from).arg(into).status().expect("cp runs");
    assert!(status.success(), "cp -a {} {} failed", from.display(), into.display());
}

impl Case {
    /// The environment of every `git release` call: the stand-in gh, fixed changelog dates,
    /// and `extra`.
    fn env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = self.gh.env();
        env.push(("SOURCE_DATE_EPOCH".to_owned(), SOURCE_DATE_EPOCH.to_owned()));
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        env
    }

    /// Runs `git release ARGS` in the work tree with [`Case::env`].
    fn release(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let env = self.env(extra);
        self.r.run_in(&self.r.path(), args, &gh::borrow(&env), None)
    }

    /// The git common dir.
    fn git_dir(&self) -> PathBuf {
        self.r.path().join(".git")
    }

    /// `<git dir>/release/runs`.
    fn runs(&self) -> PathBuf {
        self.git_dir().join("release/runs")
    }

    /// The ids of the runs with a state file in `runs/` (not archived).
    fn active_runs(&self) -> Vec<String> {
        run_files(&self.runs())
    }

    /// The ids of the archived runs.
    fn archived_runs(&self) -> Vec<String> {
        run_files(&self.runs().join("archive"))
    }

    /// The one run with a state file in `runs/`.
    #[track_caller]
    fn the_run(&self) -> String {
        let runs = self.active_runs();
        assert_eq!(runs.len(), 1, "expected one active run, found {runs:?}");
        runs[0].clone()
    }

    /// The state file of run `id`, parsed.
    fn state(&self, id: &str) -> Value {
        let text = std::fs::read_to_string(self.runs().join(format!("{id}.json")))
            .expect("the state file is readable");
        serde_json::from_str(&text).expect("the state file is JSON")
    }

    /// Every ref of the bare remote and the object it names (`git ls-remote`), sorted.
    fn remote_refs(&self) -> Vec<(String, String)> {
        let text = self.r.git_in(&self.bare, ["ls-remote", "."]);
        let mut refs: Vec<(String, String)> = text
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(oid, name)| (name.to_owned(), oid.to_owned()))
            .collect();
        refs.sort();
        refs
    }
}

/// The run ids of the state files in `folder` (`release-*.json`, not `.evidence.json`).
fn run_files(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("release-") && !n.ends_with(".evidence.json"))
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

// ---- end state ---------------------------------------------------------------------------

/// What a release leaves behind, with the run id replaced by `RUN` and the case's temp dir
/// left out, so two runs of the same plan in two copies compare equal.
#[derive(Debug, PartialEq, Eq)]
struct EndState {
    /// `git ls-remote` of the bare remote: `<ref> <object>`.
    refs: Vec<String>,
    /// The tree of the remote's `main`.
    main_tree: String,
    /// Each tag of the remote: name, object, the commit it points at, and its message.
    tags: Vec<String>,
    /// The stand-in's pull requests.
    prs: Vec<Value>,
    /// The stand-in's forge releases.
    releases: Vec<Value>,
}

fn end_state(c: &Case, run_id: &str) -> EndState {
    let norm = |s: &str| s.replace(run_id, "RUN");
    let refs = c.remote_refs().iter().map(|(name, oid)| norm(&format!("{name} {oid}"))).collect();
    let main_tree = c.r.git_in(&c.bare, ["rev-parse", "main^{tree}"]);
    let tags =
        c.r.git_in(
            &c.bare,
            [
                "for-each-ref",
                "refs/tags",
                "--format=%(refname) %(objectname) %(*objectname)%0a%(contents)%00",
            ],
        )
        .split('\0')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let forge = c.gh.state();
    let clean = |items: &Value| -> Vec<Value> {
        items
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|item| {
                        let mut item = item.clone();
                        if let Some(map) = item.as_object_mut() {
                            map.remove("remote");
                        }
                        serde_json::from_str(&norm(&item.to_string())).expect("still JSON")
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    EndState {
        refs,
        main_tree,
        tags,
        prs: clean(&forge["prs"]),
        releases: clean(&forge["releases"]),
    }
}

/// The checks every finished release must pass: one tag, one PR (pr mode), one forge
/// release, the state archived as SUCCESS, no worktree left, no lock left.
#[track_caller]
fn assert_released_once(c: &Case, mode: &str) {
    let forge = c.gh.state();
    let prs = forge["prs"].as_array().map_or(0, Vec::len);
    let releases = forge["releases"].as_array().map_or(0, Vec::len);
    assert_eq!(prs, usize::from(mode == "pr"), "pull requests: {forge:#}");
    if mode == "pr" {
        assert_eq!(forge["prs"][0]["state"], "MERGED", "{forge:#}");
    }
    assert_eq!(releases, 1, "forge releases: {forge:#}");
    assert_eq!(forge["releases"][0]["tagName"], "v0.2.0");
    let tags: Vec<String> = c
        .remote_refs()
        .into_iter()
        .filter(|(name, _)| name.starts_with("refs/tags/") && !name.ends_with("^{}"))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(tags, ["refs/tags/v0.1.0", "refs/tags/v0.2.0"]);
    let tagged = c.r.git_in(&c.bare, ["rev-parse", "v0.2.0^{commit}"]);
    assert_eq!(tagged, c.r.git_in(&c.bare, ["rev-parse", "main"]), "the tag is on main's tip");
    let manifest = c.r.git_in(&c.bare, ["show", "main:Cargo.toml"]);
    assert!(manifest.contains("version = \"0.2.0\""), "{manifest}");
    assert!(c.active_runs().is_empty(), "no active run left: {:?}", c.active_runs());
    let archived = c.archived_runs();
    assert_eq!(archived.len(), 1, "{archived:?}");
    let text =
        std::fs::read_to_string(c.runs().join("archive").join(format!("{}.json", archived[0])))
            .expect("the archived state");
    let state: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(state["status"], "SUCCESS");
    assert!(!c.git_dir().join("release/lock").exists(), "the lock is released");
    let worktrees = c.r.git(["worktree", "list", "--porcelain"]);
    assert_eq!(worktrees.matches("worktree ").count(), 1, "only the main work tree: {worktrees}");
}

/// Runs `git release run --yes --mode MODE` uninterrupted in a copy of `template` and returns
/// its end state: what every crashed-and-resumed run must end in.
fn reference(template: &TestRepo, mode: &str) -> EndState {
    let c = copy_of(template);
    c.release(&["run", "--yes", "--mode", mode], &[]).expect_code(0);
    assert_released_once(&c, mode);
    let run = c.archived_runs().pop().expect("the run is archived");
    end_state(&c, &run)
}

// ---- 1. a crash at every step boundary -----------------------------------------------------

/// The steps of `mode` a failpoint `<step>:<when>` can stop at, in order. DONE is saved too,
/// before the run's own status and the archive; a crash before its save is the same as one
/// after PUBLISHED's.
fn phases(mode: &str, when: &str) -> Vec<&'static str> {
    let all = [
        "WORKTREE",
        "BUMPED",
        "PINNED",
        "CHANGELOG",
        "LOCKED",
        "LINT",
        "COMMITTED",
        "PUSHED",
        "PR_CREATED",
        "MERGED",
        "TAGGED",
        "PUBLISHED",
        "DONE",
    ];
    all.into_iter()
        .filter(|p| mode == "pr" || !matches!(*p, "PR_CREATED" | "MERGED"))
        .filter(|p| *p != "DONE" || when == "after-save")
        .collect()
}

/// For every step of `mode`: a run aborted by `GIT_RELEASE_FAILPOINT=<step>:<when>` (as a
/// kill would stop it), then `resume RUN --yes`, ends exactly where an uninterrupted run of
/// the same plan in an identical copy ends.
fn crash_at_every_step(mode: &str, when: &str) {
    let t = template();
    let expected = reference(&t, mode);
    for phase in phases(mode, when) {
        // The package-qualified form for half of the steps, the bare form for the others.
        let failpoint = if phase.len() % 2 == 0 {
            format!("{phase}:{when}")
        } else {
            format!("demo:{phase}:{when}")
        };
        let c = copy_of(&t);
        let crashed =
            c.release(&["run", "--yes", "--mode", mode], &[("GIT_RELEASE_FAILPOINT", &failpoint)]);
        assert_eq!(
            crashed.code, -1,
            "{failpoint}: the run must abort\nstdout:\n{}\nstderr:\n{}",
            crashed.stdout, crashed.stderr
        );
        let run = c.the_run();
        assert!(
            c.git_dir().join("release/lock").exists(),
            "{failpoint}: a killed run's lock stays"
        );
        let resumed = c.release(&["resume", &run, "--yes"], &[]);
        assert_eq!(
            resumed.code, 0,
            "{failpoint}: resume failed\nstdout:\n{}\nstderr:\n{}",
            resumed.stdout, resumed.stderr
        );
        assert!(
            resumed.stderr.contains("took over the stale lock of run")
                && resumed.stderr.contains(&run),
            "{failpoint}: the stale lock is taken over and reported:\n{}",
            resumed.stderr
        );
        assert_released_once(&c, mode);
        assert_eq!(end_state(&c, &run), expected, "{failpoint}: the end state differs");
        // Nothing was created twice: the forge's counters moved once.
        let counters = &c.gh.state()["counters"];
        assert_eq!(counters["pr"], if mode == "pr" { 2 } else { 1 }, "{failpoint}: {counters}");
    }
}

#[test]
#[ignore = "crash matrix: `.ci/run` runs it with `cargo test -- --ignored`"]
fn pr_mode_resumes_after_a_crash_before_each_save() {
    crash_at_every_step("pr", "before-save");
}

#[test]
#[ignore = "crash matrix: `.ci/run` runs it with `cargo test -- --ignored`"]
fn pr_mode_resumes_after_a_crash_after_each_save() {
    crash_at_every_step("pr", "after-save");
}

#[test]
#[ignore = "crash matrix: `.ci/run` runs it with `cargo test -- --ignored`"]
fn direct_mode_resumes_after_a_crash_before_each_save() {
    crash_at_every_step("direct", "before-save");
}

#[test]
#[ignore = "crash matrix: `.ci/run` runs it with `cargo test -- --ignored`"]
fn direct_mode_resumes_after_a_crash_after_each_save() {
    crash_at_every_step("direct", "after-save");
}

// ---- 2. SIGKILL at a random moment ---------------------------------------------------------

/// `git release ARGS` started as a child in `c`'s work tree, in its own process group, with
/// the environment [`TestRepo::run_in`] gives (hermetic, clock at its start) and
/// [`Case::env`]: the same commits and tags as a `run_in` call.
fn spawn_release(c: &Case, args: &[&str]) -> std::process::Child {
    use std::os::unix::process::CommandExt as _;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_git-release"));
    cmd.args(args);
    // `TestRepo`'s hermetic environment; a copy never commits, so its clock stays at the
    // template's start, as in `run_in`.
    c.r.hermetic(&mut cmd);
    cmd.envs(c.env(&[]))
        .current_dir(c.r.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0);
    cmd.spawn().expect("git-release starts")
}

/// Whether a live (not zombie) process of process group `pgid` is left: the children a
/// killed `git-release` leaves behind (a `git push`, a `gh` call) run on to their end.
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else { return false };
    let wanted = pgid.to_string();
    entries.filter_map(Result::ok).any(|entry| {
        if entry.file_name().to_str().is_none_or(|n| n.parse::<u32>().is_err()) {
            return false;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { return false };
        let Some((_, rest)) = stat.rsplit_once(')') else { return false };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After the command: state, ppid, pgrp.
        fields.len() > 2 && fields[2] == wanted && fields[0] != "Z"
    })
}

/// A small, fixed-seed PRNG (splitmix64): the same delays on every run of the test.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[test]
#[ignore = "crash matrix: `.ci/run` runs it with `cargo test -- --ignored`"]
#[allow(clippy::print_stderr, reason = "the seed and the delays must be in the test's output")]
fn a_sigkill_at_a_random_moment_resumes_to_the_same_end_state() {
    const SEED: u64 = 0x5eed_0006;
    const RUNS: usize = 20;
    let t = template();

    // The uninterrupted run, started the same way as the killed ones: the reference end
    // state and the time a whole run takes.
    let c = copy_of(&t);
    let started = std::time::Instant::now();
    let out = spawn_release(&c, &["run", "--yes"]).wait_with_output().expect("the run ends");
    let duration = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_released_once(&c, "pr");
    let expected = end_state(&c, &c.archived_runs()[0]);
    let span = u64::try_from(duration.as_millis()).expect("a run takes less than ages").max(1);
    eprintln!("random SIGKILL: seed {SEED:#x}, {RUNS} runs, delays in [0, {span}) ms");

    let mut rng = SplitMix(SEED);
    for i in 0..RUNS {
        let delay = rng.next() % span;
        let c = copy_of(&t);
        let mut child = spawn_release(&c, &["run", "--yes"]);
        let pid = child.id();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        // SIGKILL to the process only, as `kill -9` would; its children run on.
        let _ = child.kill();
        let status = child.wait().expect("the killed run is reaped");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while group_alive(pid) {
            assert!(std::time::Instant::now() < deadline, "run {i}: children still running");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let at = c.active_runs().first().map_or_else(
            || "no state file yet".to_owned(),
            |id| format!("phase {}", c.state(id)["packages"][0]["phase"]),
        );
        let what = if status.success() {
            "finished before the kill"
        } else if let Some(run) = c.active_runs().first() {
            let out = c.release(&["resume", run, "--yes"], &[]);
            assert_eq!(
                out.code, 0,
                "run {i} (delay {delay} ms, {at}): resume failed\nstdout:\n{}\nstderr:\n{}",
                out.stdout, out.stderr
            );
            "resumed"
        } else if c.archived_runs().is_empty() {
            // Killed before the state file existed: nothing was approved or done yet.
            let out = c.release(&["run", "--yes"], &[]);
            assert_eq!(
                out.code, 0,
                "run {i} (delay {delay} ms): a fresh run failed\nstdout:\n{}\nstderr:\n{}",
                out.stdout, out.stderr
            );
            "started again"
        } else {
            // Killed between the archive and the lock's removal: the kernel released the OS
            // lock with the process, and the file it leaves is a stale one the next run takes
            // over (`release::lock`'s tests). It must not be held by anyone.
            let lock = c.git_dir().join("release/lock");
            if lock.exists() {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&lock)
                    .expect("the lock file opens");
                assert!(file.try_lock().is_ok(), "run {i}: the lock is still held by someone");
                drop(file);
                std::fs::remove_file(&lock).expect("the stale lock file is removed");
            }
            "killed while archiving a finished run"
        };
        eprintln!("  run {i:2}: delay {delay:4} ms, {at}, {what}");
        assert_released_once(&c, "pr");
        let run = c.archived_runs().pop().expect("archived");
        assert_eq!(end_state(&c, &run), expected, "run {i} (delay {delay} ms, {at})");
    }
}

// ---- 3. faults -----------------------------------------------------------------------------

/// Fails unless every ref of `before` is still in `after`, tags at the same object and
/// branches at the same commit or a descendant of it, in the bare repository of `c`.
#[track_caller]
fn assert_nothing_lost(c: &Case, before: &[(String, String)], after: &[(String, String)]) {
    for (name, oid) in before {
        let now = after.iter().find(|(n, _)| n == name).map(|(_, o)| o);
        let Some(now) = now else { panic!("`{name}` was deleted from the remote: {after:?}") };
        if name.starts_with("refs/tags/") {
            assert_eq!(now, oid, "tag `{name}` moved");
        } else if now != oid {
            let ok = c.r.git_out(&c.bare, ["merge-base", "--is-ancestor", oid, now], &[]);
            assert_eq!(ok.code, 0, "`{name}` went from {oid} to {now}, not forward");
        }
    }
}

/// Checks that run `run` of `c` failed at `phase` with `code`, as the JSON result `out`,
/// `status RUN --format json` and the state file say, with the package resumable.
#[track_caller]
fn assert_failed_at(c: &Case, out: &Output, code: &str, phase: &str) -> String {
    out.expect_code(1);
    let result = out.json();
    assert_eq!(result["status"], "FAILED", "{result:#}");
    let failed = &result["report"]["failed"][0];
    assert_eq!((failed["code"].as_str(), failed["phase"].as_str()), (Some(code), Some(phase)));
    let run = c.the_run();
    assert_eq!(result["run_id"], run.as_str());

    let state = c.state(&run);
    assert_eq!(state["status"], "FAILED", "{state:#}");
    let pkg = &state["packages"][0];
    assert_eq!(pkg["status"], "FAILED");
    assert_eq!(pkg["error"]["code"], code, "{pkg:#}");
    assert_eq!(pkg["error"]["phase"], phase, "{pkg:#}");

    let status = c.release(&["status", &run, "--format", "json"], &[]);
    status.expect_code(0);
    let doc = status.json();
    assert_eq!(doc["status"], "FAILED", "{doc:#}");
    let facts = &doc["packages"][0];
    assert_eq!(facts["status"], "FAILED", "{doc:#}");
    let error = facts["error"].as_str().unwrap_or_default();
    assert!(error.starts_with(&format!("{code} at {phase}")), "{error}");
    let next = facts["next"].as_str().unwrap_or_default();
    assert!(next.contains(&format!("run {phase} again")), "{next}");
    assert!(!c.git_dir().join("release/lock").exists(), "a failed run releases its lock");
    run
}

/// A pre-receive hook in the bare remote that refuses pushes to `refs/heads/release/*`.
fn refuse_release_branches(bare: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let hook = bare.join("hooks/pre-receive");
    std::fs::create_dir_all(hook.parent().expect("hooks folder")).expect("hooks folder");
    std::fs::write(
        &hook,
        "#!/bin/sh\nwhile read old new ref; do\n  case \"$ref\" in\n    refs/heads/release/*)\n      \
         echo \"pre-receive: release branches are closed\" >&2\n      exit 1;;\n  esac\ndone\n",
    )
    .expect("write the hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn a_push_refused_by_the_remote_fails_at_pushed_and_resumes_once_allowed() {
    let t = template();
    let c = copy_of(&t);
    refuse_release_branches(&c.bare);
    let before = c.remote_refs();
    let out = c.release(&["run", "--yes", "--format", "json"], &[]);
    let run = assert_failed_at(&c, &out, "PUSH_REJECTED", "PUSHED");
    assert!(out.stderr.contains("release branches are closed"), "{}", out.stderr);
    assert_eq!(c.remote_refs(), before, "a refused push changes nothing on the remote");
    assert!(c.gh.calls_matching(&["pr", "create"]).is_empty());

    std::fs::remove_file(c.bare.join("hooks/pre-receive")).expect("remove the hook");
    c.release(&["resume", &run, "--yes"], &[]).expect_code(0);
    assert_released_once(&c, "pr");
    assert_nothing_lost(&c, &before, &c.remote_refs());
}

#[test]
fn a_remote_that_goes_away_mid_run_fails_at_pushed_and_resumes_when_back() {
    let t = template();
    let c = copy_of(&t);
    let Some(mut daemon) = c.r.daemon() else {
        crate::support::skip("this git has no working `git daemon`");
        return;
    };
    let port = daemon.port;
    let url = format!("git://127.0.0.1:{port}/origin.git");
    c.r.git(["remote", "set-url", "origin", &url]);
    c.r.git(["fetch", "--quiet", "origin"]);
    // `commands.lint` stops the daemon: the remote goes away between LINT and PUSHED.
    let config = c.r.scratch().join("release.toml");
    let settings = "[release]\nemail_pattern = \"*@example.com\"\n\n\
                    [forge]\nretries = 4\nbase_delay_ms = 1\n";
    std::fs::write(&config, format!("{settings}\n[commands]\nlint = \"kill {}\"\n", daemon.pid()))
        .expect("write the config");
    let config_env = ("GIT_RELEASE_CONFIG", config.to_str().expect("a UTF-8 temp path"));
    let before = c.remote_refs();

    let out = c.release(&["run", "--yes", "--format", "json"], &[config_env]);
    assert!(daemon.has_exited(), "the lint command stopped the daemon");
    let run = assert_failed_at(&c, &out, "REMOTE_UNREACHABLE", "PUSHED");
    let status = c.release(&["status", &run, "--format", "json"], &[config_env]).json();
    assert_eq!(status["remote_reachable"], false, "{status:#}");
    assert_eq!(c.remote_refs(), before, "nothing reached the remote");

    // The remote comes back on the same address; the lint is not run again.
    drop(daemon);
    let mut back = None;
    for _ in 0..50 {
        back = c.r.daemon_on(port).ok();
        if back.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _back = back.expect("the daemon starts again on the same port");
    std::fs::write(&config, settings).expect("rewrite the config");
    c.release(&["resume", &run, "--yes"], &[config_env]).expect_code(0);
    assert_released_once(&c, "pr");
    assert_nothing_lost(&c, &before, &c.remote_refs());
}

#[test]
fn gh_failing_transiently_three_times_is_retried_to_success() {
    let t = template();
    let c = copy_of(&t);
    c.gh.scenario(json!([{ "match": ["pr", "create"], "fail": "transient", "times": 3 }]));
    let out = c.release(&["run", "--yes", "--format", "json"], &[]);
    out.expect_code(0);
    assert_eq!(out.json()["status"], "SUCCESS");
    assert_eq!(c.gh.calls_matching(&["pr", "create"]).len(), 4, "3 failures, then success");
    assert_released_once(&c, "pr");
}

#[test]
fn gh_failing_on_auth_is_not_retried_and_resumes_once_fixed() {
    let t = template();
    let c = copy_of(&t);
    c.gh.scenario(json!([{ "match": ["pr", "create"], "fail": "auth" }]));
    let before = c.remote_refs();
    let out = c.release(&["run", "--yes", "--format", "json"], &[]);
    let run = assert_failed_at(&c, &out, "FORGE_AUTH", "PR_CREATED");
    assert_eq!(c.gh.calls_matching(&["pr", "create"]).len(), 1, "no retry on auth");
    assert_eq!(c.gh.state()["prs"], json!([]));
    assert_nothing_lost(&c, &before, &c.remote_refs());

    c.gh.scenario(json!([]));
    c.release(&["resume", &run, "--yes"], &[]).expect_code(0);
    assert_released_once(&c, "pr");
    assert_eq!(c.gh.calls_matching(&["pr", "create"]).len(), 2);
}

#[test]
fn failing_pr_checks_fail_at_merged_and_resume_once_green() {
    let t = template();
    let c = copy_of(&t);
    c.gh.scenario(json!([{ "match": ["pr", "checks"], "fail": "checks_failed" }]));
    let before = c.remote_refs();
    let out = c.release(&["run", "--yes", "--format", "json"], &[]);
    let run = assert_failed_at(&c, &out, "CHECKS_FAILED", "MERGED");
    assert_eq!(c.gh.state()["prs"][0]["state"], "OPEN", "not merged");
    assert_nothing_lost(&c, &before, &c.remote_refs());
    assert_eq!(
        c.r.git_in(&c.bare, ["rev-parse", "main"]),
        before.iter().find(|(n, _)| n == "refs/heads/main").expect("main").1,
        "main did not move"
    );

    // `run --resume RUN` is the same as `resume RUN`.
    c.gh.scenario(json!([]));
    c.release(&["run", "--resume", &run, "--yes"], &[]).expect_code(0);
    assert_released_once(&c, "pr");
    assert_eq!(c.gh.calls_matching(&["pr", "create"]).len(), 1);
}

// ---- 4. bad input --------------------------------------------------------------------------

/// Every file under `<git dir>/release` with its bytes, and every ref of the repository and
/// of its remote: compare before and after a command to show it changed nothing.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    files: Vec<(PathBuf, Vec<u8>)>,
    local_refs: String,
    remote_refs: Vec<(String, String)>,
}

fn snapshot(c: &Case) -> Snapshot {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_default();
                out.push((path, bytes));
            }
        }
    }
    let mut files = Vec::new();
    walk(&c.git_dir().join("release"), &mut files);
    files.sort();
    Snapshot { files, local_refs: c.r.refs_in(&c.r.path()), remote_refs: c.remote_refs() }
}

/// A case with a real state file: a run aborted right after its WORKTREE step was saved.
fn crashed(t: &TestRepo) -> (Case, String) {
    let c = copy_of(t);
    let out = c.release(&["run", "--yes"], &[("GIT_RELEASE_FAILPOINT", "WORKTREE:after-save")]);
    assert_eq!(out.code, -1, "{}", out.stderr);
    let run = c.the_run();
    (c, run)
}

#[test]
fn a_corrupt_or_truncated_state_file_is_refused_naming_it_and_nothing_changes() {
    let t = template();
    let (c, run) = crashed(&t);
    let path = c.runs().join(format!("{run}.json"));
    let real = std::fs::read(&path).expect("the state file");
    for (what, bytes) in [
        ("garbage", b"\x00\x01 this is not { JSON".to_vec()),
        ("truncated", real[..real.len() / 2].to_vec()),
    ] {
        std::fs::write(&path, &bytes).expect("spoil the state file");
        let before = snapshot(&c);
        let out = c.release(&["resume", &run, "--yes"], &[]);
        out.expect_code(1);
        assert!(out.stderr.contains(&path.display().to_string()), "{what}: {}", out.stderr);
        assert!(
            out.stderr.contains("STATE_CORRUPT") || out.stderr.contains("corrupt"),
            "{what}: {}",
            out.stderr
        );
        assert_eq!(snapshot(&c), before, "{what}: nothing changed");
        assert_eq!(std::fs::read(&path).expect("still there"), bytes, "{what}: file untouched");
    }
}

#[test]
fn a_state_file_from_another_repository_is_refused() {
    let t = template();
    let (a, run) = crashed(&t);
    let b = copy_of(&t);
    std::fs::create_dir_all(b.runs()).expect("runs folder");
    let path = b.runs().join(format!("{run}.json"));
    std::fs::copy(a.runs().join(format!("{run}.json")), &path).expect("copy the state file");
    let before = snapshot(&b);
    let out = b.release(&["resume", &run, "--yes"], &[]);
    out.expect_code(1);
    let other = std::fs::canonicalize(a.git_dir()).expect("canonical path");
    assert!(
        out.stderr.contains("WRONG_REPOSITORY")
            || out.stderr.contains(&other.display().to_string()),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&other.display().to_string()), "names it: {}", out.stderr);
    assert_eq!(snapshot(&b), before, "nothing changed");
}

#[test]
fn an_unknown_or_malformed_run_id_exits_2_naming_it() {
    let t = template();
    let c = copy_of(&t);
    for id in ["release-20990101-abcdef", "nope"] {
        let before = snapshot(&c);
        let out = c.release(&["resume", id, "--yes"], &[]);
        out.expect_code(2);
        assert!(out.stderr.contains(id), "{}", out.stderr);
        assert_eq!(snapshot(&c), before, "{id}: nothing changed");
        let status = c.release(&["status", id], &[]);
        status.expect_code(2);
        assert!(status.stderr.contains(id), "{}", status.stderr);
    }
}

#[test]
fn a_lock_held_by_a_live_process_is_refused_and_a_stale_one_taken_over() {
    let t = template();
    let c = copy_of(&t);
    let lock = c.git_dir().join("release/lock");
    std::fs::create_dir_all(lock.parent().expect("release folder")).expect("release folder");
    let held = |pid: u32| {
        format!(
            "{{\"pid\": {pid}, \"run_id\": \"release-20990101-aaaaaa\", \"started\": \
             \"2099-01-01T00:00:00Z\"}}"
        )
    };

    // A live run holds the OS lock on the file (as `File::lock` does: `flock`).
    let script = "import fcntl, sys, time\n\
                  f = open(sys.argv[1], 'a+')\n\
                  fcntl.flock(f, fcntl.LOCK_EX)\n\
                  f.write(sys.argv[2]); f.flush()\n\
                  print('locked', flush=True)\n\
                  time.sleep(120)\n";
    let mut holder = Command::new(crate::support::python())
        .args(["-c", script])
        .arg(&lock)
        .arg(held(4_194_301))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().expect("piped")),
        &mut line,
    )
    .expect("the holder says it holds the lock");
    let before = snapshot(&c);
    let out = c.release(&["run", "--yes"], &[]);
    out.expect_code(1);
    assert!(out.stderr.contains("release-20990101-aaaaaa"), "{}", out.stderr);
    assert!(out.stderr.contains("pid 4194301"), "{}", out.stderr);
    assert_eq!(snapshot(&c), before, "the lock and everything else unchanged");
    assert!(!c.runs().exists(), "no state file was written");
    // No pull request: the only `pr` call is the `open_prs` check's `pr list`.
    assert!(c.gh.calls_matching(&["pr"]).iter().all(|call| call[1] == "list"));

    // Killed, its lock is released by the kernel; its JSON stays behind, and whatever its
    // pid (even one alive again), the next run takes the lock over and says so.
    holder.kill().expect("kill the holder");
    holder.wait().expect("the holder ends");
    let me = std::process::id();
    std::fs::write(&lock, held(me)).expect("write the stale lock");
    let out = c.release(&["run", "--yes"], &[]);
    out.expect_code(0);
    assert!(
        out.stderr.contains("took over the stale lock of run `release-20990101-aaaaaa`")
            && out.stderr.contains(&format!("pid {me}")),
        "{}",
        out.stderr
    );
    assert_released_once(&c, "pr");
}
