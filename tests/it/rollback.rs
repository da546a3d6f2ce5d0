//! `git release rollback` (issue 18, items 6–7): a published release reverted whole under
//! its package's path (direct mode, a monorepo), a conflicting revert that stops and leaves
//! nothing behind, seed 004's severity rules, and `--run` with a pull request merged just
//! before a crash.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::gh::{self, Gh};
use crate::support::{Output, TestRepo};

/// Runs `git release ARGS` in the work tree with the stand-in gh and a fixed date.
fn release(r: &TestRepo, gh: &Gh, args: &[&str]) -> Output {
    let pairs = gh.env();
    let mut env = gh::borrow(&pairs);
    env.push(("SOURCE_DATE_EPOCH", "1700000000"));
    let xdg = r.scratch().join("xdg");
    let xdg = xdg.to_str().expect("UTF-8 path");
    env.push(("XDG_STATE_HOME", xdg));
    r.run_in(&r.path(), args, &env, None)
}

/// A monorepo of `core` and `util` in direct mode, released as v0.1.0 and then as v0.2.0 by
/// `git release run`: since v0.1.0, `core` got a `fix` to `src/lib.rs` and a `feat` adding
/// `src/new.rs`; `util` a `feat`; one `refactor` touched both. Returns the bare remote.
fn released_monorepo(r: &TestRepo, gh: &Gh, mode: &str) -> PathBuf {
    let mut config = format!(
        "[release]\nmode = \"{mode}\"\nprotected_branches = []\nemail_pattern = \"*@example.com\"\n\n[forge]\nretries = 1\nbase_delay_ms = 1\n\n[commands]\nyank = \"touch yanked-{{name}}-{{version}}\"\n"
    );
    for name in ["core", "util"] {
        r.write(
            &format!("crates/{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n"),
        );
        r.write(&format!("crates/{name}/src/lib.rs"), "pub fn f() -> u32 {\n    1\n}\n");
        r.write(&format!("crates/{name}/tests/it.rs"), "#[test]\nfn it() {}\n");
        r.write(&format!("crates/{name}/CHANGELOG.md"), "# Changelog\n\n## 0.1.0\n\n- first\n");
        let _ = write!(config, "\n[[package]]\nname = \"{name}\"\npath = \"crates/{name}\"\n");
    }
    r.write("release.toml", &config);
    r.commit("feat: two crates");
    r.tag_annotated("core/v0.1.0");
    r.tag_annotated("util/v0.1.0");
    r.write("crates/core/src/lib.rs", "pub fn f() -> u32 {\n    2\n}\n");
    r.commit("fix(core): return two");
    r.write("crates/core/src/new.rs", "pub fn g() {}\n");
    r.commit("feat(core): add g");
    r.write("crates/util/src/lib.rs", "pub fn f() -> u32 {\n    3\n}\n");
    r.commit("feat(util): return three");
    r.write("crates/core/tests/it.rs", "#[test]\nfn it() { assert!(true) }\n");
    r.write("crates/util/tests/it.rs", "#[test]\nfn it() { assert!(true) }\n");
    r.commit("refactor: both tests");
    let bare = r.with_origin();
    r.git(["push", "--quiet", "origin", "main", "--tags"]);
    r.git(["branch", "--quiet", "-u", "origin/main"]);
    release(r, gh, &["run", "--yes"]).expect_code(0);
    r.git(["fetch", "--quiet", "origin", "--tags"]);
    r.git(["merge", "--quiet", "--ff-only", "origin/main"]);
    assert_eq!(r.git_in(&bare, ["tag", "--list", "core/v0.2.0"]), "core/v0.2.0");
    bare
}

/// `path`'s files at `rev` in `dir`, one `mode type id\tpath` line each.
fn tree(r: &TestRepo, dir: &Path, rev: &str, path: &str) -> Vec<String> {
    r.git_in(dir, ["ls-tree", "-r", rev, "--", path]).lines().map(str::to_owned).collect()
}

/// The evidence records written so far.
fn evidence(r: &TestRepo) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(r.path().join(".git/release/rollbacks")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("JSON"))
        .collect()
}

#[test]
fn rollback_tag_in_direct_mode_reverts_the_whole_release_under_the_package_path_only() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let bare = released_monorepo(&r, &gh, "direct");
    let util_before = tree(&r, &bare, "main", "crates/util");
    let release_commit = r.git_in(&bare, ["rev-parse", "core/v0.2.0^{commit}"]);

    // The dry run lists the commits and the diffstat, and changes nothing.
    let refs = r.refs_in(&bare);
    let dry = release(&r, &gh, &["rollback", "core/v0.2.0", "--dry-run"]);
    dry.expect_code(0);
    for subject in ["fix(core): return two", "feat(core): add g", "refactor: both tests"] {
        assert!(dry.stdout.contains(subject), "names `{subject}`: {}", dry.stdout);
    }
    assert!(!dry.stdout.contains("feat(util)"), "not util's commit: {}", dry.stdout);
    assert!(dry.stdout.contains(&release_commit[..12]), "the release commit: {}", dry.stdout);
    assert!(dry.stdout.contains("crates/core/src/new.rs"), "the diffstat: {}", dry.stdout);
    assert!(dry.stdout.contains("files changed"), "the diffstat: {}", dry.stdout);
    assert!(
        dry.stdout.contains("would: run `commands.yank`: touch yanked-core-0.2.0"),
        "{}",
        dry.stdout
    );
    assert!(!r.path().join("yanked-core-0.2.0").exists(), "not run in a dry run");
    assert_eq!(r.refs_in(&bare), refs, "a dry run changes nothing");
    assert!(evidence(&r).is_empty(), "and records nothing");

    let before = r.git_in(&bare, ["rev-parse", "main"]);
    let out = release(&r, &gh, &["rollback", "core/v0.2.0", "--yes", "--reason", "data loss"]);
    out.expect_code(0);
    let head = r.git_in(&bare, ["rev-parse", "main"]);
    assert_eq!(r.git_in(&bare, ["rev-parse", "main~1"]), before, "one commit on top");
    let subject = r.git_in(&bare, ["log", "-1", "--format=%s", "main"]);
    assert_eq!(subject, "revert: release core/v0.2.0");
    // The package's files are those of the previous release, the version file and the
    // changelog included; util's are untouched, though a reverted commit touched them.
    let keep = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .filter(|l| !l.ends_with("/Cargo.toml") && !l.ends_with("/CHANGELOG.md"))
            .collect()
    };
    assert_eq!(
        keep(tree(&r, &bare, "main", "crates/core")),
        keep(tree(&r, &bare, "core/v0.1.0", "crates/core"))
    );
    assert_eq!(
        tree(&r, &bare, "main", "crates/core"),
        tree(&r, &bare, "core/v0.1.0", "crates/core")
    );
    assert_eq!(tree(&r, &bare, "main", "crates/util"), util_before, "util untouched");
    assert_eq!(r.git_in(&bare, ["tag", "--list", "core/v0.2.0"]), "core/v0.2.0", "the tag stays");
    // Nothing is left behind: no branch, no worktree.
    assert!(r.git(["branch", "--list", "rollback/*"]).is_empty());
    assert_eq!(r.git(["worktree", "list", "--porcelain"]).matches("worktree ").count(), 1);
    assert!(gh.calls_matching(&["pr", "create"]).is_empty(), "direct mode opens no PR");
    let releases = gh.state()["releases"].to_string();
    assert!(releases.contains("**Rolled back**: data loss"), "{releases}");
    assert!(r.path().join("yanked-core-0.2.0").exists(), "`commands.yank` ran");

    let records = evidence(&r);
    assert_eq!(records.len(), 1);
    let e = &records[0]["rollback_evidence"];
    assert_eq!(e["versions"]["rolled_back_to"], "core/v0.1.0");
    assert_eq!(e["execution"]["revert_commit"], head.as_str());
    let reverted: Vec<&str> = e["execution"]["reverted_commits"]
        .as_array()
        .expect("reverted commits")
        .iter()
        .filter_map(|c| c["subject"].as_str())
        .collect();
    assert_eq!(reverted.len(), 4, "the release commit and three commits: {e:#}");
    assert!(reverted[1..].contains(&"fix(core): return two"), "{reverted:?}");
    assert_eq!(e["approval"]["how"], "yes");
    assert_eq!(e["approval"]["role"], "Orchestrator");

    // Again: already reverted, so nothing more is pushed.
    let again = release(&r, &gh, &["rollback", "core/v0.2.0", "--yes"]);
    again.expect_code(0);
    assert!(again.stdout.contains("reverted already"), "{}", again.stdout);
    assert_eq!(r.git_in(&bare, ["rev-parse", "main"]), head);
}

#[test]
fn a_conflicting_revert_stops_with_the_files_and_leaves_nothing_behind() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let bare = released_monorepo(&r, &gh, "direct");
    // After the release, someone changes the line the release's fix changed.
    r.write("crates/core/src/lib.rs", "pub fn f() -> u32 {\n    22\n}\n");
    r.commit("fix(core): return twenty-two");
    r.git(["push", "--quiet", "origin", "main"]);
    let local =
        r.git(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"]);
    let remote = r.refs_in(&bare);
    let worktrees = r.git(["worktree", "list", "--porcelain"]);

    let out = release(&r, &gh, &["rollback", "core/v0.2.0", "--yes"]);
    out.expect_code(1);
    assert!(out.stderr.contains("conflicts"), "{}", out.stderr);
    assert!(out.stderr.contains("`crates/core/src/lib.rs`"), "names the file: {}", out.stderr);
    assert_eq!(r.refs_in(&bare), remote, "nothing pushed");
    assert_eq!(
        r.git(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"]),
        local,
        "no branch left"
    );
    assert_eq!(r.git(["worktree", "list", "--porcelain"]), worktrees, "no worktree left");
    assert!(!r.path().join(".git/release/worktrees/rollback-core-v0.2.0").exists());
    assert!(r.git(["status", "--porcelain"]).is_empty(), "the work tree is as it was");
    assert!(evidence(&r).is_empty(), "no record of a rollback that did not happen");
    let releases = gh.state()["releases"].to_string();
    assert!(!releases.contains("Rolled back"), "the forge release is untouched: {releases}");
}

#[test]
fn severity_decides_who_must_approve() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let bare = released_monorepo(&r, &gh, "direct");
    let remote = r.refs_in(&bare);

    // High: `--yes` is not a named person's approval (seed 004: the Director).
    let out = release(&r, &gh, &["rollback", "core/v0.2.0", "--severity", "high", "--yes"]);
    out.expect_code(4);
    assert!(out.stderr.contains("--approver"), "{}", out.stderr);
    assert_eq!(r.refs_in(&bare), remote, "nothing changed");
    // Medium without `--yes` and without a terminal: refused too.
    let out = release(&r, &gh, &["rollback", "core/v0.2.0"]);
    out.expect_code(4);
    assert_eq!(r.refs_in(&bare), remote, "nothing changed");
    assert!(evidence(&r).is_empty());

    // Critical: at once, the approval recorded as post-hoc and pending.
    let out = release(&r, &gh, &["rollback", "core/v0.2.0", "--severity", "critical"]);
    out.expect_code(0);
    assert!(out.stderr.contains("approval pending"), "{}", out.stderr);
    assert_ne!(r.refs_in(&bare), remote, "the revert is pushed");
    let records = evidence(&r);
    let e = &records[0]["rollback_evidence"];
    assert_eq!(e["type"], "immediate");
    assert_eq!(e["trigger"]["severity"], "critical");
    assert_eq!(e["approval"]["how"], "post-hoc");
    assert_eq!(e["approval"]["pending"], true);
    assert_eq!(e["approval"]["approved_by"], Value::Null);
}

#[test]
fn high_severity_with_a_named_approver_goes_through_a_pull_request() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let bare = released_monorepo(&r, &gh, "pr");
    let main = r.git_in(&bare, ["rev-parse", "main"]);
    let out = release(
        &r,
        &gh,
        &["rollback", "core/v0.2.0", "--severity", "high", "--approver", "Dana Director"],
    );
    out.expect_code(0);
    assert_eq!(r.git_in(&bare, ["rev-parse", "main"]), main, "main waits for the PR");
    assert_eq!(r.git_in(&bare, ["rev-parse", "rollback/core-v0.2.0~1"]), main);
    let creates = gh.calls_matching(&["pr", "create"]);
    let revert = creates.last().expect("a revert PR");
    assert!(revert.iter().any(|a| a == "revert: release core/v0.2.0"), "{revert:?}");
    let e = &evidence(&r)[0]["rollback_evidence"];
    assert_eq!(e["approval"]["approved_by"], "Dana Director");
    assert_eq!(e["approval"]["role"], "Director");
    assert_eq!(e["type"], "immediate");
}

/// A single package whose run stopped at the checks (`many::run_stopped_by_red_checks`),
/// after which its pull request #1 was merged (the state never heard of it, as when the
/// process dies right after the merge). Returns the repository, gh, the bare remote and the
/// run id.
fn crashed_after_merge() -> (TestRepo, Gh, PathBuf, String) {
    let (r, gh, bare, run_id, _, _, _) = crate::many::run_stopped_by_red_checks();
    gh.call(&r, &["pr", "merge", "1", "--squash", "--subject", "release: demo v0.2.0"])
        .expect_code(0);
    (r, gh, bare, run_id)
}

#[test]
fn rollback_run_reverts_a_pull_request_merged_just_before_a_crash_and_not_yet_tagged() {
    let (r, gh, bare, run_id) = crashed_after_merge();
    let remote = r.refs_in(&bare);
    let merged = r.git_in(&bare, ["rev-parse", "main"]);

    // Not tagged: the merge is reverted, which needs the approval first.
    let out = release(&r, &gh, &["rollback", "--run", &run_id]);
    out.expect_code(4);
    assert_eq!(r.refs_in(&bare), remote, "refused: nothing changed");
    let dry = release(&r, &gh, &["rollback", "--run", &run_id, "--dry-run"]);
    dry.expect_code(0);
    assert!(dry.stdout.contains("pull request #1 (release demo 0.2.0)"), "{}", dry.stdout);
    let out = release(&r, &gh, &["rollback", "--run", &run_id, "--yes"]);
    out.expect_code(0);
    assert_eq!(r.git_in(&bare, ["rev-parse", "main"]), merged, "main waits for the revert PR");
    let branch = format!("rollback/{run_id}-demo");
    assert_eq!(r.git_in(&bare, ["rev-parse", &format!("{branch}~1")]), merged);
    assert!(
        r.git_in(&bare, ["diff", "--stat", &format!("{merged}~1"), &branch]).is_empty(),
        "the merge is undone"
    );
    let version = r.git_in(&bare, ["show", &format!("{branch}:Cargo.toml")]);
    assert!(version.contains("version = \"0.1.0\""), "{version}");
    let creates = gh.calls_matching(&["pr", "create"]);
    assert_eq!(creates.len(), 2, "the release PR, then the revert PR: {creates:?}");
    let e = &evidence(&r)[0]["rollback_evidence"];
    assert_eq!(e["execution"]["reverted_commits"][0]["commit"], merged.as_str());
    assert!(e["execution"]["revert_commit"].is_string(), "{e:#}");
}

#[test]
fn rollback_run_leaves_a_merged_and_tagged_pull_request_alone_with_what_to_do() {
    let (r, gh, bare, run_id) = crashed_after_merge();
    // The tag went out too before the crash.
    let merged = r.git_in(&bare, ["rev-parse", "main"]);
    r.git(["fetch", "--quiet", "origin", "main"]);
    r.git(["tag", "v0.2.0", &merged]);
    r.git(["push", "--quiet", "origin", "v0.2.0"]);
    let remote = r.refs_in(&bare);

    let out = release(&r, &gh, &["rollback", "--run", &run_id]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("left alone: demo: tag `v0.2.0` is on the remote"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("git release rollback v0.2.0"), "what to do: {}", out.stdout);
    assert_eq!(r.refs_in(&bare), remote, "nothing on the remote was touched");
    let e = &evidence(&r)[0]["rollback_evidence"];
    assert!(e["execution"]["left_alone"].to_string().contains("v0.2.0"), "{e:#}");
}
