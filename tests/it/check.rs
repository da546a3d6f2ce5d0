//! `git release check` and `git release doctor`: every check failing and passing on real
//! repositories with real bare remotes, waivers from both sources, and bad input. `gh` is a
//! stand-in script first on PATH that records its calls and plays a scenario.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::{Output, TestRepo};

// ---- helpers -----------------------------------------------------------------------------

/// A GitHub noreply address, so `noreply_email` passes (the hermetic committer is
/// `committer@example.com`).
const NOREPLY: &str = "12345+tester@users.noreply.github.com";

/// The stand-in `gh`: appends its arguments to `$GH_CALLS` and answers from `$GH_SCENARIO`
/// (`ok`, `logged_out`, `blockers`); no pull request is open.
const FAKE_GH: &str = r#"#!/bin/sh
echo "$*" >> "$GH_CALLS"
case "$1 $2" in
  "--version ")
    echo "gh version ${GH_FAKE_VERSION:-2.23.0} (2023-02-27)"
    echo "https://github.com/cli/cli/releases/tag/v${GH_FAKE_VERSION:-2.23.0}"
    ;;
  "auth status")
    if [ "$GH_SCENARIO" = logged_out ]; then
      echo "You are not logged into any GitHub hosts. To log in, run: gh auth login" >&2
      exit 1
    fi
    echo "github.com: Logged in to github.com account tester (keyring)"
    ;;
  "issue list")
    if [ "$GH_SCENARIO" = blockers ]; then
      echo '[{"number":12,"title":"crash on start"},{"number":15,"title":"data loss on save"}]'
    else
      echo '[]'
    fi
    ;;
  "pr list")
    echo '[]'
    ;;
  *) echo "unexpected gh call: $*" >&2; exit 2 ;;
esac
"#;

/// A released single-package repository, ready for its next release: `Cargo.toml` at
/// 1.0.0, a test, a changelog with a 1.0.0 section, tag `v1.0.0`, one `fix:` commit since,
/// everything pushed to a bare `origin` with `main` tracking it.
fn ready() -> TestRepo {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.write("tests/smoke.rs", "#[test]\nfn smoke() {}\n");
    r.write("CHANGELOG.md", "# Changelog\n\n## [1.0.0] - 2023-11-14\n\n- first release\n");
    r.commit("feat: first release");
    r.tag("v1.0.0");
    r.change("src/lib.rs", "fix: handle empty input");
    add_remote(&r);
    r
}

/// Adds a bare `origin` (a `file://` URL) and pushes `main` and the tags, with upstream.
fn add_remote(r: &TestRepo) -> String {
    let bare = r.scratch().join("origin.git");
    r.git(["init", "--quiet", "--bare", bare.to_str().expect("temp paths are UTF-8")]);
    let url = format!("file://{}", bare.display());
    r.git(["remote", "add", "origin", &url]);
    r.git(["push", "--quiet", "-u", "origin", "main", "--tags"]);
    url
}

/// Commits and pushes everything in the work tree.
fn commit_and_push(r: &TestRepo, message: &str) {
    r.commit(message);
    r.git(["push", "--quiet"]);
}

/// PATH with the stand-in `gh` first (`with_gh`), or with every folder holding a `gh` left
/// out (the "not installed" scenario).
fn path_env(r: &TestRepo, with_gh: bool) -> String {
    let bin = r.scratch().join("bin");
    std::fs::create_dir_all(&bin).expect("create the bin folder");
    let gh = bin.join("gh");
    std::fs::write(&gh, FAKE_GH).expect("write the stand-in gh");
    set_executable(&gh);
    let original = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> =
        std::env::split_paths(&original).filter(|d| !d.join("gh").exists()).collect();
    if with_gh {
        dirs.insert(0, bin);
    }
    std::env::join_paths(dirs).expect("PATH entries join").to_string_lossy().into_owned()
}

fn set_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the script executable");
}

/// The file the stand-in `gh` records its calls in.
fn gh_calls(r: &TestRepo) -> String {
    std::fs::read_to_string(r.scratch().join("gh-calls")).unwrap_or_default()
}

/// Runs `git-release ARGS` with the stand-in `gh` playing `scenario` (`missing`: no `gh`
/// at all), a noreply committer email, and `extra` variables (which win).
fn run_with(r: &TestRepo, args: &[&str], scenario: &str, extra: &[(&str, &str)]) -> Output {
    let path = path_env(r, scenario != "missing");
    let calls = r.scratch().join("gh-calls");
    let calls = calls.to_str().expect("temp paths are UTF-8");
    let mut env = vec![
        ("PATH", path.as_str()),
        ("GH_SCENARIO", scenario),
        ("GH_CALLS", calls),
        ("GIT_COMMITTER_EMAIL", NOREPLY),
    ];
    env.extend_from_slice(extra);
    r.run_env(args, &env)
}

/// `git release check --format json ARGS` with `gh` in `scenario`: the JSON and the code.
fn check_json(r: &TestRepo, args: &[&str], scenario: &str, extra: &[(&str, &str)]) -> (Value, i32) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = run_with(r, &all, scenario, extra);
    assert!(out.code == 0 || out.code == 1, "check exits 0 or 1:\n{}\n{}", out.stdout, out.stderr);
    (out.json(), out.code)
}

/// The result of `check` for `package` (`None`: the whole repository).
fn result<'a>(json: &'a Value, check: &str, package: Option<&str>) -> &'a Value {
    json["results"]
        .as_array()
        .expect("`results` is an array")
        .iter()
        .find(|r| r["check"] == check && r["package"].as_str() == package)
        .unwrap_or_else(|| panic!("no result for `{check}` / {package:?} in {json:#}"))
}

/// `(status, reason)` of one result.
fn status(json: &Value, check: &str, package: Option<&str>) -> (String, String) {
    let r = result(json, check, package);
    (
        r["status"].as_str().expect("`status` is a string").to_owned(),
        r["reason"].as_str().expect("`reason` is a string").to_owned(),
    )
}

/// Asserts `check` has `expected` status and its reason contains `needle`.
#[track_caller]
fn expect(json: &Value, check: &str, package: Option<&str>, expected: &str, needle: &str) {
    let (got, reason) = status(json, check, package);
    assert_eq!(got, expected, "`{check}` ({package:?}): {reason}\n{json:#}");
    assert!(reason.contains(needle), "`{check}` reason {reason:?} lacks {needle:?}");
}

/// Expects a usage/config error with no data on stdout; returns stderr.
#[track_caller]
fn config_error(out: &Output) -> &str {
    out.expect_code(2);
    assert!(out.stdout.is_empty(), "an error prints no data:\n{}", out.stdout);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    &out.stderr
}

// ---- a ready repository passes -------------------------------------------------------------

#[test]
fn a_ready_repository_passes_every_check() {
    let r = ready();
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["status"], "pass");
    assert_eq!(json["summary"]["fail"], 0);
    for check in [
        "dirty_working_tree",
        "detached_head",
        "operation_in_progress",
        "wrong_branch",
        "protected_branch",
        "not_pushed",
        "behind_remote",
        "shallow_clone",
        "gh_missing",
        "gh_auth",
        "open_prs",
    ] {
        expect(&json, check, None, "PASS", "");
    }
    expect(&json, "noreply_email", None, "SKIP", "no `release.email_pattern` is set");
    expect(&json, "release_blockers", None, "SKIP", "blocker_label");
    expect(&json, "required_env", None, "SKIP", "required_env");
    expect(&json, "tag_exists", Some("demo"), "PASS", "`v1.0.1` is free");
    expect(&json, "version_alignment", Some("demo"), "PASS", "1.0.0");
    expect(&json, "missing_tests", Some("demo"), "PASS", "tests/");
    expect(&json, "stale_docs", Some("demo"), "SKIP", "release.docs");
    expect(&json, "changelog_current", Some("demo"), "PASS", "1.0.0");
    let keys: Vec<&str> = {
        let mut k: Vec<&str> = result(&json, "not_pushed", None)
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        k.sort_unstable();
        k
    };
    assert_eq!(keys, ["check", "fix", "package", "reason", "status", "waiver"]);
    assert!(gh_calls(&r).contains("auth status"), "gh auth status ran: {}", gh_calls(&r));

    let out = run_with(&r, &["check"], "ok", &[]);
    out.expect_code(0);
    assert!(out.stdout.contains("✓ dirty_working_tree PASS — "), "{}", out.stdout);
    assert!(out.stdout.contains("package demo:"), "{}", out.stdout);
    assert!(out.stdout.contains(" 0 failed, 0 waived"), "{}", out.stdout);
}

// ---- whole-repository checks --------------------------------------------------------------

#[test]
fn dirty_working_tree_fails_on_untracked_files_not_ignored_ones() {
    let r = ready();
    r.write(".gitignore", "*.log\n");
    commit_and_push(&r, "chore: ignore logs");
    r.write("build.log", "ignored\n");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "an ignored file is not dirty: {json:#}");
    expect(&json, "dirty_working_tree", None, "PASS", "no uncommitted");

    r.write("notes.txt", "untracked\n");
    r.write("src/lib.rs", "changed\n");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    assert_eq!(json["status"], "fail");
    expect(&json, "dirty_working_tree", None, "FAIL", "2 uncommitted or untracked paths");
    let (_, reason) = status(&json, "dirty_working_tree", None);
    assert!(reason.contains("`notes.txt`") && reason.contains("`src/lib.rs`"), "{reason}");
    let out = run_with(&r, &["check"], "ok", &[]);
    out.expect_code(1);
    assert!(out.stdout.contains("✗ dirty_working_tree FAIL — "), "{}", out.stdout);
    assert!(out.stdout.contains("fix: commit or stash"), "{}", out.stdout);
    assert!(out.stderr.contains("error: 1 check failed: `dirty_working_tree`"), "{}", out.stderr);
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);
}

#[test]
fn detached_head_fails_and_skips_the_branch_checks() {
    let r = ready();
    r.git(["checkout", "--quiet", "--detach"]);
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "detached_head", None, "FAIL", "HEAD is detached at ");
    assert!(
        result(&json, "detached_head", None)["fix"]
            .as_str()
            .is_some_and(|f| f.contains("git switch main"))
    );
    expect(&json, "wrong_branch", None, "SKIP", "not on a branch");
    expect(&json, "not_pushed", None, "SKIP", "not on a branch");
    let out = run_with(&r, &["check"], "ok", &[]);
    out.expect_code(1);
    assert!(out.stderr.contains("`detached_head`"), "{}", out.stderr);
}

#[test]
fn operation_in_progress_fails_during_a_merge_and_a_bisect() {
    let r = ready();
    r.git(["bisect", "start"]);
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "operation_in_progress", None, "FAIL", "a bisect is under way");
    assert!(
        result(&json, "operation_in_progress", None)["fix"]
            .as_str()
            .is_some_and(|f| f.contains("git bisect reset"))
    );
    r.git(["bisect", "reset"]);

    r.git(["checkout", "--quiet", "-b", "topic"]);
    r.write("src/lib.rs", "topic\n");
    r.commit("fix: topic side");
    r.checkout("main");
    r.write("src/lib.rs", "main\n");
    r.commit("fix: main side");
    let (merged, text) = r.try_git(["merge", "--no-edit", "topic"]);
    assert!(!merged, "the merge conflicts: {text}");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "operation_in_progress", None, "FAIL", "a merge is under way");
    let out = run_with(&r, &["check"], "ok", &[]);
    out.expect_code(1);
    assert!(out.stdout.contains("git merge --abort"), "{}", out.stdout);
}

#[test]
fn wrong_branch_fails_off_the_release_branch() {
    let r = ready();
    r.git(["checkout", "--quiet", "-b", "topic"]);
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(
        &json,
        "wrong_branch",
        None,
        "FAIL",
        "HEAD is on `topic`, but releases are made from `main`",
    );
    let (json, _) = check_json(&r, &[], "ok", &[("GIT_RELEASE_BRANCH", "topic")]);
    expect(&json, "wrong_branch", None, "PASS", "`topic`");
}

#[test]
fn protected_branch_fails_in_direct_mode_on_a_protected_branch() {
    let r = ready();
    r.write("release.toml", "[release]\nmode = \"direct\"\n");
    commit_and_push(&r, "chore: direct mode");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "protected_branch", None, "FAIL", "mode `direct` pushes to `main`");
    r.write("release.toml", "[release]\nmode = \"direct\"\nprotected_branches = [\"stable\"]\n");
    commit_and_push(&r, "chore: unprotect main");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "protected_branch", None, "PASS", "not protected");
}

#[test]
fn not_pushed_counts_the_commits_ahead() {
    let r = ready();
    r.change("src/lib.rs", "fix: one");
    r.change("src/lib.rs", "fix: two");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "not_pushed", None, "FAIL", "`main` is 2 commits ahead of `origin/main`");
    assert_eq!(result(&json, "not_pushed", None)["fix"], "`git push`");
    expect(&json, "behind_remote", None, "PASS", "");
}

#[test]
fn not_pushed_fails_without_a_remote_tracking_branch() {
    let r = ready();
    r.git(["checkout", "--quiet", "-b", "release"]);
    let (json, _) = check_json(&r, &[], "ok", &[("GIT_RELEASE_BRANCH", "release")]);
    expect(&json, "not_pushed", None, "FAIL", "no remote-tracking branch");
    assert_eq!(result(&json, "not_pushed", None)["fix"], "`git push -u origin release`");
}

#[test]
fn behind_remote_fails_when_the_remote_has_more() {
    let r = ready();
    r.change("src/lib.rs", "fix: pushed then dropped locally");
    r.git(["push", "--quiet"]);
    r.git(["reset", "--quiet", "--hard", "HEAD~1"]);
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "behind_remote", None, "FAIL", "`main` is 1 commit behind `origin/main`");
    expect(&json, "not_pushed", None, "PASS", "");
}

#[test]
fn shallow_clone_fails_in_a_shallow_clone() {
    let r = ready();
    let url = format!("file://{}", r.scratch().join("origin.git").display());
    let clone = r.scratch().join("shallow");
    let clone = clone.to_str().expect("temp paths are UTF-8");
    // Depth 2 reaches the last tag: the plan reads its range; the check still sees the cut.
    r.git(["clone", "--quiet", "--depth", "2", &url, clone]);
    let (json, code) = check_json(&r, &["-C", clone], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "shallow_clone", None, "FAIL", "shallow clone");
    assert!(
        result(&json, "shallow_clone", None)["fix"]
            .as_str()
            .is_some_and(|f| f.contains("--unshallow"))
    );
}

#[test]
fn noreply_email_follows_the_pattern_and_is_skipped_without_one() {
    let r = ready();
    let company = [("GIT_COMMITTER_EMAIL", "committer@example.com")];
    // No pattern: a company address is no reason to fail (issue 15).
    let (json, code) = check_json(&r, &[], "ok", &company);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "noreply_email", None, "SKIP", "no `release.email_pattern` is set");
    r.write("release.toml", "[release]\nemail_pattern = \"*@users.noreply.github.com\"\n");
    commit_and_push(&r, "chore: noreply emails only");
    let (json, code) = check_json(&r, &[], "ok", &company);
    assert_eq!(code, 1);
    expect(&json, "noreply_email", None, "FAIL", "`committer@example.com` does not match");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "noreply_email", None, "PASS", "matches `*@users.noreply.github.com`");
    r.write("release.toml", "[release]\nemail_pattern = \"*@example.com\"\n");
    commit_and_push(&r, "chore: company email");
    let (json, code) = check_json(&r, &[], "ok", &company);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "noreply_email", None, "PASS", "matches `*@example.com`");
}

#[test]
fn gh_missing_and_gh_auth_follow_the_scenario() {
    let r = ready();
    let (json, code) = check_json(&r, &[], "missing", &[]);
    assert_eq!(code, 1);
    expect(&json, "gh_missing", None, "FAIL", "`gh` is not on PATH");
    expect(&json, "gh_auth", None, "SKIP", "not installed");

    let (json, code) = check_json(&r, &[], "logged_out", &[]);
    assert_eq!(code, 1);
    expect(&json, "gh_missing", None, "PASS", "");
    expect(&json, "gh_auth", None, "FAIL", "You are not logged into any GitHub hosts");
    assert_eq!(result(&json, "gh_auth", None)["fix"], "`gh auth login` (or set `GH_TOKEN`)");

    // `GIT_RELEASE_GH` names the binary; a path that does not exist is missing.
    let gh = r.scratch().join("bin/gh");
    let (json, _) =
        check_json(&r, &[], "missing", &[("GIT_RELEASE_GH", gh.to_str().expect("UTF-8"))]);
    expect(&json, "gh_auth", None, "PASS", "");
    let (json, _) = check_json(&r, &[], "ok", &[("GIT_RELEASE_GH", "/nonexistent/gh")]);
    expect(&json, "gh_missing", None, "FAIL", "`GIT_RELEASE_GH` names `/nonexistent/gh`");
}

#[test]
fn the_forge_is_not_consulted_when_nothing_is_released() {
    let r = ready();
    r.tag("v1.0.1");
    r.git(["push", "--quiet", "--tags"]);
    let (json, code) = check_json(&r, &[], "missing", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "gh_missing", None, "SKIP", "nothing to release");
    expect(&json, "gh_auth", None, "SKIP", "nothing to release");
    assert_eq!(json["unchecked"], serde_json::json!(["demo"]));
    assert!(gh_calls(&r).is_empty(), "gh was not run: {}", gh_calls(&r));
    // Named, a package with nothing to release is checked anyway.
    let (json, _) = check_json(&r, &["demo"], "missing", &[]);
    expect(&json, "tag_exists", Some("demo"), "SKIP", "nothing to release");
    expect(&json, "version_alignment", Some("demo"), "FAIL", "the last tag `v1.0.1` is 1.0.1");
}

#[test]
fn release_blockers_lists_open_blocker_issues() {
    let r = ready();
    r.write("release.toml", "[release]\nblocker_label = \"release-blocker\"\n");
    commit_and_push(&r, "chore: blockers");
    let (json, code) = check_json(&r, &[], "blockers", &[]);
    assert_eq!(code, 1);
    expect(
        &json,
        "release_blockers",
        None,
        "FAIL",
        "2 open issues labelled `release-blocker`: #12 crash on start; #15 data loss on save",
    );
    assert!(
        gh_calls(&r)
            .contains("issue list --label release-blocker --state open --json number,title"),
        "{}",
        gh_calls(&r)
    );
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "release_blockers", None, "PASS", "no open issue");
    let (json, _) = check_json(&r, &[], "missing", &[]);
    expect(&json, "release_blockers", None, "FAIL", "`gh` is not on PATH");
}

#[test]
fn required_env_names_missing_variables_and_never_prints_values() {
    let r = ready();
    r.write(
        "release.toml",
        "[release]\nrequired_env = [\"CARGO_REGISTRY_TOKEN\", \"NPM_TOKEN\"]\n",
    );
    commit_and_push(&r, "chore: publish tokens");
    let (json, code) = check_json(&r, &[], "ok", &[("NPM_TOKEN", "")]);
    assert_eq!(code, 1);
    expect(&json, "required_env", None, "FAIL", "`CARGO_REGISTRY_TOKEN`, `NPM_TOKEN`");
    let secret = "s3cret-token-value";
    let env = [("CARGO_REGISTRY_TOKEN", secret), ("NPM_TOKEN", secret)];
    let (json, code) = check_json(&r, &[], "ok", &env);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "required_env", None, "PASS", "2 required variables are set");
    for args in [&["check"][..], &["check", "--format", "json"], &["check", "-v"]] {
        let out = run_with(&r, args, "ok", &env);
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "value printed");
    }
}

// ---- per-package checks ---------------------------------------------------------------------

#[test]
fn tag_exists_fails_for_a_local_or_a_remote_tag() {
    let r = ready();
    // v1.0.1 on a commit that HEAD does not reach: the plan still proposes 1.0.1.
    r.git(["tag", "v1.0.1", "HEAD~1"]);
    r.git(["tag", "-d", "v1.0.0"]);
    r.git(["tag", "v1.0.0", "HEAD~1"]);
    r.git(["checkout", "--quiet", "-b", "side", "HEAD~1"]);
    r.change("docs.md", "docs: side");
    r.git(["tag", "-f", "v1.0.1"]);
    r.checkout("main");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(
        &json,
        "tag_exists",
        Some("demo"),
        "FAIL",
        "the next tag `v1.0.1` already exists locally",
    );
    assert!(
        result(&json, "tag_exists", Some("demo"))["fix"]
            .as_str()
            .is_some_and(|f| f.contains("git release tag --reconcile"))
    );

    // Only on the remote.
    r.git(["push", "--quiet", "origin", "v1.0.1"]);
    r.git(["tag", "-d", "v1.0.1"]);
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "tag_exists", Some("demo"), "FAIL", "already exists on `origin`");
}

#[test]
fn version_alignment_fails_when_files_disagree() {
    let r = ready();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.3.0\"\n");
    commit_and_push(&r, "fix: wrong version");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(
        &json,
        "version_alignment",
        Some("demo"),
        "FAIL",
        "`Cargo.toml` says 1.3.0, but the last tag `v1.0.0` is 1.0.0",
    );

    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.write("package.json", "{\"name\": \"demo\", \"version\": \"1.2.0\"}\n");
    commit_and_push(&r, "fix: two manifests");
    let (json, _) = check_json(&r, &[], "ok", &[]);
    expect(&json, "version_alignment", Some("demo"), "FAIL", "the version files disagree");

    // Already at the next version (the BUMPED step is done): aligned.
    std::fs::remove_file(r.path().join("package.json")).expect("remove package.json");
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.1\"\n");
    commit_and_push(&r, "fix: bump");
    let (json, _) = check_json(&r, &[], "ok", &[]);
    expect(&json, "version_alignment", Some("demo"), "PASS", "already say the next version 1.0.1");
}

#[test]
fn missing_tests_fails_without_a_suite_or_a_test_command() {
    let r = ready();
    std::fs::remove_dir_all(r.path().join("tests")).expect("remove tests/");
    commit_and_push(&r, "test: drop the suite");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "missing_tests", Some("demo"), "FAIL", "no test suite found");
    r.write("release.toml", "[commands]\ntest = \"cargo test\"\n");
    commit_and_push(&r, "chore: test command");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "missing_tests", Some("demo"), "PASS", "`commands.test` runs `cargo test`");
}

#[test]
fn stale_docs_finds_older_versions_of_the_package() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.9.0\"\n");
    r.write("tests/t.rs", "");
    r.write("CHANGELOG.md", "## 0.9.0\n\n## 1.0.0\n");
    r.write("release.toml", "[release]\ndocs = [\"README.md\"]\n");
    r.write("README.md", "Install demo 0.9.0 (needs Rust 1.70.0).\n");
    r.commit("feat: first");
    r.tag("v0.9.0");
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.commit("feat!: stable");
    r.tag("v1.0.0");
    r.change("src/lib.rs", "fix: more");
    add_remote(&r);
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(
        &json,
        "stale_docs",
        Some("demo"),
        "FAIL",
        "`README.md:1` mentions 0.9.0 (current: 1.0.0)",
    );
    r.write("README.md", "Install demo 1.0.0 (needs Rust 1.70.0); see v1.0.0.\n");
    commit_and_push(&r, "docs: current version");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "stale_docs", Some("demo"), "PASS", "no doc mentions a version older than 1.0.0");
}

#[test]
fn changelog_current_needs_a_section_for_the_current_version() {
    let r = ready();
    let stale = "# Changelog\n\n## [0.9.0]\n\nMentions 1.0.0 in the text only.\n";
    r.write("CHANGELOG.md", stale);
    commit_and_push(&r, "docs: changelog");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(
        &json,
        "changelog_current",
        Some("demo"),
        "FAIL",
        "`CHANGELOG.md` has no section for the current version 1.0.0",
    );
    let fix = result(&json, "changelog_current", Some("demo"))["fix"].as_str().expect("a fix");
    assert_eq!(
        fix,
        "`git release changelog --tag v1.0.0 --write` adds the section for 1.0.0 to `CHANGELOG.md`"
    );
    // The fix, run as it reads, satisfies the check.
    run_with(&r, &["changelog", "--tag", "v1.0.0", "--write"], "ok", &[]).expect_code(0);
    commit_and_push(&r, "docs: changelog for 1.0.0");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "changelog_current", Some("demo"), "PASS", "has a section for 1.0.0");

    // So does the next release's section, written ahead by `changelog --write`.
    r.write("CHANGELOG.md", stale);
    commit_and_push(&r, "docs: changelog");
    run_with(&r, &["changelog", "--write"], "ok", &[]).expect_code(0);
    commit_and_push(&r, "docs: changelog for 1.0.1");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "changelog_current", Some("demo"), "PASS", "the next version 1.0.1");

    // No changelog yet: the release creates it.
    std::fs::remove_file(r.path().join("CHANGELOG.md")).expect("remove the changelog");
    commit_and_push(&r, "docs: no changelog");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "changelog_current", Some("demo"), "PASS", "does not exist yet");
}

// ---- waivers -------------------------------------------------------------------------------

#[test]
fn a_waiver_turns_a_fail_into_waived() {
    let r = ready();
    std::fs::remove_dir_all(r.path().join("tests")).expect("remove tests/");
    r.write(
        "release.toml",
        "[[waiver]]\ncheck = \"missing_tests\"\npackage = \"demo\"\nreason = \"covered by the e2e repo\"\nexpires = \"2999-12-31\"\n",
    );
    commit_and_push(&r, "chore: waive tests");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "missing_tests", Some("demo"), "WAIVED", "no test suite found");
    let waiver = &result(&json, "missing_tests", Some("demo"))["waiver"];
    assert_eq!(waiver["reason"], "covered by the e2e repo");
    assert_eq!(waiver["expires"], "2999-12-31");
    assert_eq!(waiver["expired"], false);
    assert!(waiver["source"].as_str().is_some_and(|s| s.ends_with("release.toml:1")), "{waiver}");
    assert_eq!(json["summary"]["waived"], 1);
    let out = run_with(&r, &["check"], "ok", &[]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("⊘ missing_tests WAIVED — covered by the e2e repo"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_expired_waiver_no_longer_waives_and_says_when() {
    let r = ready();
    std::fs::remove_dir_all(r.path().join("tests")).expect("remove tests/");
    r.write(
        "release.toml",
        "[[waiver]]\ncheck = \"missing_tests\"\npackage = \"*\"\nreason = \"until the suite lands\"\nexpires = \"2001-02-03\"\n",
    );
    commit_and_push(&r, "chore: old waiver");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "missing_tests", Some("demo"), "FAIL", "expired on 2001-02-03");
    assert_eq!(result(&json, "missing_tests", Some("demo"))["waiver"]["expired"], true);
    assert_eq!(
        json["unused_waivers"],
        serde_json::json!([]),
        "an expired waiver that matched is reported on its check"
    );
}

#[test]
fn a_star_waiver_covers_whole_repository_checks() {
    let r = ready();
    r.write(
        "release.toml",
        "[[waiver]]\ncheck = \"dirty_working_tree\"\npackage = \"*\"\nreason = \"generated files are always there\"\n",
    );
    commit_and_push(&r, "chore: waive dirt");
    r.write("generated.txt", "untracked\n");
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
    expect(&json, "dirty_working_tree", None, "WAIVED", "`generated.txt`");
}

/// Two packages `a` and `b` with no tests, released once, each with one fix since.
fn two_packages(waivers: &str) -> TestRepo {
    let r = TestRepo::new();
    r.write(
        "release.toml",
        &format!("[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\n\n{waivers}"),
    );
    for name in ["a", "b"] {
        r.write(
            &format!("{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"1.0.0\"\n"),
        );
        r.write(&format!("{name}/CHANGELOG.md"), "## 1.0.0\n");
    }
    r.commit("feat: first");
    r.tag("a/v1.0.0");
    r.tag("b/v1.0.0");
    r.change("a/src/lib.rs", "fix(a): one");
    r.change("b/src/lib.rs", "fix(b): one");
    add_remote(&r);
    r
}

#[test]
fn a_per_package_waiver_leaves_other_packages_failing() {
    let r = two_packages(
        "[[waiver]]\ncheck = \"missing_tests\"\npackage = \"a\"\nreason = \"a is docs only\"\n",
    );
    let (json, code) = check_json(&r, &[], "ok", &[]);
    assert_eq!(code, 1);
    expect(&json, "missing_tests", Some("a"), "WAIVED", "");
    expect(&json, "missing_tests", Some("b"), "FAIL", "no test suite found under `b`");
    assert_eq!(json["summary"]["fail"], 1, "{json:#}");
    // Checking only `a` passes.
    let (json, code) = check_json(&r, &["a"], "ok", &[]);
    assert_eq!(code, 0, "{json:#}");
}

#[test]
fn the_seed_waiver_file_is_read_verbatim() {
    let r = ready();
    std::fs::remove_dir_all(r.path().join("tests")).expect("remove tests/");
    commit_and_push(&r, "test: drop the suite");
    // Seed 000 › 3, exactly as written there.
    r.write(
        ".release-waivers.json",
        r#"{
  "waivers": [
    { "check": "dirty_working_tree", "plugin": "*",         "reason": "monorepo always has some uncommitted files" },
    { "check": "missing_tests",     "plugin": "docs-manager", "reason": "docs-only plugin" },
    { "check": "tag_exists",        "plugin": "my-plugin",   "reason": "re-running after partial release" }
  ]
}
"#,
    );
    let mut args = vec!["check", "--format", "json"];
    let out = run_with(&r, &args, "ok", &[]);
    out.expect_code(1);
    let json = out.json();
    // The file itself is untracked: the `*` waiver covers it.
    let dirty = result(&json, "dirty_working_tree", None);
    assert_eq!(dirty["status"], "WAIVED");
    assert_eq!(dirty["waiver"]["reason"], "monorepo always has some uncommitted files");
    assert!(
        dirty["waiver"]["source"].as_str().is_some_and(|s| s.ends_with(".release-waivers.json:3")),
        "{dirty}"
    );
    // `docs-manager` is not this package: its waiver does not apply, and is unused.
    expect(&json, "missing_tests", Some("demo"), "FAIL", "");
    let unused: Vec<&str> = json["unused_waivers"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|w| w["check"].as_str().expect("a string"))
        .collect();
    assert_eq!(unused, ["missing_tests", "tag_exists"]);
    args.truncate(1);
    let out = run_with(&r, &args, "ok", &[]);
    assert!(out.stderr.contains("warning: unused waiver at "), "{}", out.stderr);
    assert!(
        out.stderr.contains(".release-waivers.json:5: `tag_exists` for `my-plugin`"),
        "{}",
        out.stderr
    );
}

// ---- bad input -----------------------------------------------------------------------------

#[test]
fn a_malformed_waiver_file_names_the_file_and_line() {
    let r = ready();
    r.write(
        ".release-waivers.json",
        "{\n  \"waivers\": [\n    { \"check\": \"missing_tests\", \"plugin\": \"*\" \"reason\": \"x\" }\n  ]\n}\n",
    );
    let out = run_with(&r, &["check"], "ok", &[]);
    let err = config_error(&out);
    assert!(err.contains(".release-waivers.json:3:"), "{err}");
    assert!(err.contains("hint: "), "{err}");

    r.write(
        ".release-waivers.json",
        "{\"waivers\": [{\"check\": \"missing_tests\", \"plugin\": \"*\"}]}\n",
    );
    let err = config_error(&run_with(&r, &["check"], "ok", &[])).to_owned();
    assert!(
        err.contains("missing field `reason`") && err.contains(".release-waivers.json:1:"),
        "{err}"
    );

    r.write(
        ".release-waivers.json",
        "{\"waivers\": [\n{\"check\": \"missing_tests\", \"plugin\": \"*\", \"reason\": \" \"}]}\n",
    );
    let err = config_error(&run_with(&r, &["check"], "ok", &[])).to_owned();
    assert!(
        err.contains(".release-waivers.json:2: waiver for `missing_tests` has an empty reason"),
        "{err}"
    );
}

#[test]
fn an_unknown_check_name_is_an_error_listing_the_known_ones() {
    let r = ready();
    r.write(".release-waivers.json", "{\"waivers\": [\n\n{\"check\": \"missing_test\", \"plugin\": \"*\", \"reason\": \"typo\"}]}\n");
    let out = run_with(&r, &["check"], "ok", &[]);
    let err = config_error(&out);
    assert!(
        err.contains(".release-waivers.json:3: waiver names an unknown check `missing_test`"),
        "{err}"
    );
    assert!(err.contains("hint: known checks: dirty_working_tree, detached_head"), "{err}");
    assert!(err.contains("missing_tests"), "{err}");

    std::fs::remove_file(r.path().join(".release-waivers.json")).expect("remove");
    r.write("release.toml", "[release]\n\n[[waiver]]\ncheck = \"dirty_tree\"\nreason = \"x\"\n");
    let err = config_error(&run_with(&r, &["check"], "ok", &[])).to_owned();
    assert!(err.contains("release.toml:3: waiver names an unknown check `dirty_tree`"), "{err}");
}

#[test]
fn a_date_that_is_not_a_date_is_an_error() {
    let r = ready();
    r.write(
        "release.toml",
        "[[waiver]]\ncheck = \"missing_tests\"\nreason = \"x\"\nexpires = \"2027-02-30\"\n",
    );
    let err = config_error(&run_with(&r, &["check"], "ok", &[])).to_owned();
    assert!(
        err.contains(
            "release.toml:1: waiver for `missing_tests`: `expires = \"2027-02-30\"` is not a date"
        ),
        "{err}"
    );
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    r.write(
        ".release-waivers.json",
        "{\"waivers\": [{\"check\": \"tag_exists\", \"plugin\": \"*\", \"reason\": \"x\", \"expires\": \"soon\"}]}",
    );
    r.write("release.toml", "");
    let err = config_error(&run_with(&r, &["check"], "ok", &[])).to_owned();
    assert!(
        err.contains(".release-waivers.json:1: waiver for `tag_exists`: `expires = \"soon\"`"),
        "{err}"
    );
}

// ---- doctor --------------------------------------------------------------------------------

#[test]
fn doctor_reports_the_binary_git_runs() {
    let r = ready();
    let bin = r.scratch().join("bin");
    std::fs::create_dir_all(&bin).expect("bin folder");
    let other = bin.join("git-release");
    std::fs::write(&other, "#!/bin/sh\necho git-extras\n").expect("write the other script");
    set_executable(&other);
    let out = run_with(&r, &["doctor", "--format", "json"], "ok", &[]);
    out.expect_code(1);
    let json = out.json();
    expect(&json, "git_release_path", None, "FAIL", "a script (git-extras ships one of that name)");
    expect(&json, "git_version", None, "PASS", "git 2.");
    expect(&json, "gh_missing", None, "PASS", "");
    expect(&json, "gh_version", None, "PASS", "gh 2.23.0 (the minimum is 2.23.0)");
    expect(&json, "gh_auth", None, "PASS", "");
    expect(&json, "config", None, "PASS", "no configuration file");
    expect(&json, "shallow_clone", None, "PASS", "");
    expect(&json, "tags_fetched", None, "PASS", "all 1 tag of `origin` are fetched");
    expect(&json, "hooks", None, "FAIL", "`pre-push` is not installed");

    std::fs::remove_file(&other).expect("remove the script");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_git-release"), &other).expect("symlink");
    let out = run_with(&r, &["doctor", "--format", "json"], "ok", &[]);
    expect(&out.json(), "git_release_path", None, "PASS", "runs this binary");
}

#[test]
fn doctor_shows_the_gh_version_and_fails_below_the_minimum() {
    let r = ready();
    let doctor = |version: &str| {
        let out =
            run_with(&r, &["doctor", "--format", "json"], "ok", &[("GH_FAKE_VERSION", version)]);
        out.json()
    };
    expect(&doctor("2.63.0"), "gh_version", None, "PASS", "gh 2.63.0 (the minimum is 2.23.0)");
    let json = doctor("2.22.1");
    expect(&json, "gh_version", None, "FAIL", "gh 2.22.1 is older than the minimum, 2.23.0");
    assert_eq!(
        result(&json, "gh_version", None)["fix"],
        "install gh 2.23.0 or newer (https://cli.github.com)"
    );
    expect(&doctor("DEV"), "gh_version", None, "FAIL", "printed no version: `gh version DEV");
    let out = run_with(&r, &["doctor"], "ok", &[("GH_FAKE_VERSION", "2.22.1")]);
    out.expect_code(1);
    assert!(
        out.stdout.contains("✗ gh_version FAIL — gh 2.22.1 is older than the minimum, 2.23.0"),
        "{}",
        out.stdout
    );
    let out = run_with(&r, &["doctor", "--format", "json"], "missing", &[]);
    expect(&out.json(), "gh_version", None, "SKIP", "`gh` is not installed");
}

#[test]
fn doctor_finds_unfetched_tags_bad_config_and_installed_hooks() {
    let r = ready();
    let url = format!("file://{}", r.scratch().join("origin.git").display());
    // Another clone pushes a tag this one has not fetched.
    let other = r.scratch().join("other");
    let other = other.to_str().expect("UTF-8");
    r.git(["clone", "--quiet", &url, other]);
    r.git(["-C", other, "tag", "v0.0.9", "HEAD~1"]);
    r.git(["-C", other, "push", "--quiet", "origin", "v0.0.9"]);
    r.write("release.toml", "[release]\ntag_fromat = \"v{version}\"\n");
    let out = run_with(&r, &["doctor"], "missing", &[]);
    out.expect_code(1);
    assert!(
        out.stdout.contains("✗ tags_fetched FAIL — 1 tag of `origin` is not fetched: `v0.0.9`"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("fix: `git fetch --tags origin`"), "{}", out.stdout);
    assert!(out.stdout.contains("✗ config FAIL — "), "{}", out.stdout);
    assert!(out.stdout.contains("tag_fromat"), "{}", out.stdout);
    assert!(out.stdout.contains("✗ gh_missing FAIL — `gh` is not on PATH"), "{}", out.stdout);
    assert!(out.stdout.contains("- gh_auth SKIP"), "{}", out.stdout);

    let install = r.run(["hook", "install"]);
    install.expect_code(0);
    let out = run_with(&r, &["doctor", "--format", "json"], "ok", &[]);
    expect(&out.json(), "hooks", None, "PASS", "installed and current");
}

#[test]
fn doctor_outside_a_repository_skips_the_repository_rows() {
    let r = TestRepo::without_git();
    let out = run_with(&r, &["doctor", "--format", "json"], "ok", &[]);
    let json = out.json();
    expect(&json, "hooks", None, "SKIP", "not inside a git repository");
    expect(&json, "git_version", None, "PASS", "");
    assert_eq!(json["schema_version"], 1);
}
