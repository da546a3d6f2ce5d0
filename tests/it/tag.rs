//! `git release tag`: creating release tags, reconciling them against real remotes (bare
//! repositories over `file://` and a `git daemon`), pushing them, signing them, and refusing
//! hostile tag names.

use std::path::Path;

use serde_json::Value;

use crate::support::{GitDaemon, Output, TestRepo, file_url, free_port, skip};

// ---- helpers -----------------------------------------------------------------------------

/// A single-package repository: `Cargo.toml` at `version`, one commit, no tags.
fn project(version: &str) -> TestRepo {
    let r = TestRepo::new();
    r.write("Cargo.toml", &format!("[package]\nname = \"demo\"\nversion = \"{version}\"\n"));
    r.commit("chore: start");
    r
}

/// [`project`] with a bare remote `origin` over `file://` holding `main`.
fn published(version: &str) -> (TestRepo, std::path::PathBuf) {
    let r = project(version);
    let bare = r.with_origin();
    (r, bare)
}

/// The object `rev` names in `dir`, or `None` when it names nothing.
fn object(r: &TestRepo, dir: &Path, rev: &str) -> Option<String> {
    let out = r.git_out(dir, ["rev-parse", "--verify", "--quiet", rev], &[]);
    (out.code == 0).then(|| out.stdout.trim().to_owned())
}

/// The remote's tags as `git ls-remote --tags` prints them (objects, and `^{}` peeled lines).
fn ls_remote(r: &TestRepo, url: &str) -> String {
    r.git(["ls-remote", "--tags", url])
}

/// The object the remote's `refs/tags/<tag>` names, if any.
fn remote_tag(r: &TestRepo, url: &str, tag: &str) -> Option<String> {
    let wanted = format!("refs/tags/{tag}");
    ls_remote(r, url).lines().find_map(|line| {
        let (oid, name) = line.split_once('\t')?;
        (name == wanted).then(|| oid.to_owned())
    })
}

/// Runs `git release tag ARGS --format json` in the work tree; returns the output and JSON.
fn tag_json(r: &TestRepo, args: &[&str]) -> (Output, Value) {
    let mut all = vec!["tag"];
    all.extend_from_slice(args);
    all.extend(["--format", "json"]);
    let out = r.run(&all);
    let json = out.json();
    (out, json)
}

/// The row of `tag` in a `tag --format json` document.
fn row<'a>(json: &'a Value, tag: &str) -> &'a Value {
    json["tags"]
        .as_array()
        .expect("`tags` is an array")
        .iter()
        .find(|r| r["tag"] == tag)
        .unwrap_or_else(|| panic!("no row for `{tag}` in {json:#}"))
}

/// The table line of `tag` in `tag`'s table output.
fn table_line<'a>(out: &'a Output, tag: &str) -> &'a str {
    out.stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(tag))
        .unwrap_or_else(|| panic!("no table row for `{tag}`:\n{}\n{}", out.stdout, out.stderr))
}

/// The first 12 characters of an id, as the table shows commits.
fn short(id: &str) -> &str {
    &id[..12]
}

/// The message of the annotated tag `tag`.
fn tag_message(r: &TestRepo, tag: &str) -> String {
    r.git(["for-each-ref", "--format=%(contents)", &format!("refs/tags/{tag}")])
}

/// Starts a git daemon, or prints why the test is skipped.
fn daemon_or_skip(r: &TestRepo) -> Option<GitDaemon> {
    let daemon = r.daemon();
    if daemon.is_none() {
        skip("this git has no `git daemon` (git-daemon not in `git --exec-path`)");
    }
    daemon
}

// ---- creating tags -----------------------------------------------------------------------

#[test]
fn creates_an_annotated_tag_on_head_for_the_version_files() {
    let r = project("1.0.0");
    let head = r.head();
    let out = r.run(["tag"]);
    out.expect_code(0);
    assert!(table_line(&out, "v1.0.0").contains("created"), "{}", out.stdout);
    assert_eq!(r.git(["cat-file", "-t", "refs/tags/v1.0.0"]), "tag", "an annotated tag");
    assert_eq!(r.git(["rev-parse", "v1.0.0^{commit}"]), head);
    let message = tag_message(&r, "v1.0.0");
    assert!(message.starts_with("Release v1.0.0"), "message: {message:?}");
}

#[test]
fn creation_reports_json_without_asking_the_remote() {
    let r = project("1.0.0");
    // A remote that cannot be reached: creating a tag must not need it.
    r.git(["remote", "add", "origin", "file:///nonexistent/remote.git"]);
    let (out, json) = tag_json(&r, &[]);
    out.expect_code(0);
    let row = row(&json, "v1.0.0");
    assert_eq!(row["commit"], r.head().as_str());
    assert_eq!(row["object"], r.git(["rev-parse", "refs/tags/v1.0.0"]).as_str());
    assert_eq!(row["action"], "created");
}

#[test]
fn at_tags_another_commit_and_version_overrides_the_inferred_one() {
    let r = project("1.0.0");
    let first = r.head();
    r.change("src/lib.rs", "feat: more");
    let out = r.run(["tag", "--version", "2.0.0", "--at", "HEAD~1"]);
    out.expect_code(0);
    assert_eq!(r.git(["cat-file", "-t", "refs/tags/v2.0.0"]), "tag");
    assert_eq!(r.git(["rev-parse", "v2.0.0^{commit}"]), first, "the commit of `--at`");
    assert!(tag_message(&r, "v2.0.0").starts_with("Release v2.0.0"));
    assert!(object(&r, &r.path(), "refs/tags/v1.0.0").is_none(), "only the version asked for");
}

#[test]
fn a_newer_version_in_the_version_files_is_tagged() {
    let r = project("1.0.0");
    r.tag_annotated("v1.0.0");
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.3.0\"\n");
    r.commit("chore: release 1.3.0");
    r.run(["tag"]).expect_code(0);
    assert_eq!(r.git(["rev-parse", "v1.3.0^{commit}"]), r.head());
}

#[test]
fn tagging_twice_changes_nothing() {
    let r = project("1.0.0");
    r.run(["tag", "--version", "1.0.0"]).expect_code(0);
    let before = r.refs_in(&r.path());
    let again = r.run(["tag", "--version", "1.0.0"]);
    again.expect_code(0);
    assert!(table_line(&again, "v1.0.0").contains("unchanged"), "{}", again.stdout);
    assert_eq!(r.refs_in(&r.path()), before, "the second run changes no ref");
    // Without `--version` too: the release is already tagged.
    r.run(["tag"]).expect_code(0);
    assert_eq!(r.refs_in(&r.path()), before);
}

#[test]
fn an_existing_tag_at_another_commit_is_refused() {
    let r = project("1.0.0");
    r.run(["tag", "--version", "1.0.0"]).expect_code(0);
    r.change("src/lib.rs", "fix: later");
    let before = r.refs_in(&r.path());
    let out = r.run(["tag", "--version", "1.0.0"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("v1.0.0") && out.stderr.contains("already exists"),
        "{}",
        out.stderr
    );
    assert_eq!(r.refs_in(&r.path()), before, "the tag is not moved");
}

#[test]
fn dry_run_creates_no_ref() {
    let r = project("1.0.0");
    let before = r.refs_in(&r.path());
    let out = r.run(["tag", "--dry-run"]);
    out.expect_code(0);
    assert!(table_line(&out, "v1.0.0").contains("would"), "{}", out.stdout);
    assert_eq!(r.refs_in(&r.path()), before);
}

// ---- reconcile: the five states ----------------------------------------------------------

#[test]
fn reconcile_missing() {
    let (r, bare) = published("1.0.0");
    let (before, remote_before) = (r.refs_in(&r.path()), r.refs_in(&bare));
    // By name, and by default (the tag the plan would create).
    for args in [&["--reconcile", "v1.0.0"][..], &["--reconcile"][..]] {
        let (out, json) = tag_json(&r, args);
        out.expect_code(0);
        assert_eq!(json["remote"], "origin");
        let row = row(&json, "v1.0.0");
        assert_eq!(row["status"], "MISSING", "{json:#}");
        for key in ["local_object", "local_commit", "remote_object", "remote_commit"] {
            assert_eq!(row[key], Value::Null, "{key} of a missing tag: {json:#}");
        }
    }
    let table = r.run(["tag", "--reconcile", "v1.0.0"]);
    table.expect_code(0);
    assert!(table_line(&table, "v1.0.0").contains("MISSING"), "{}", table.stdout);
    assert_eq!(r.refs_in(&r.path()), before, "reconcile alone creates nothing");
    assert_eq!(r.refs_in(&bare), remote_before, "reconcile alone pushes nothing");
}

#[test]
fn reconcile_local_only() {
    let (r, bare) = published("1.0.0");
    r.tag_annotated("v1.0.0");
    let local = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    let (out, json) = tag_json(&r, &["--reconcile", "v1.0.0"]);
    out.expect_code(0);
    let row = row(&json, "v1.0.0");
    assert_eq!(row["status"], "LOCAL_ONLY", "{json:#}");
    assert_eq!(row["local_object"], local.as_str());
    assert_eq!(row["local_commit"], r.head().as_str(), "peeled to the commit");
    assert_eq!(row["remote_object"], Value::Null);
    let table = r.run(["tag", "--reconcile", "v1.0.0"]);
    table.expect_code(0);
    let line = table_line(&table, "v1.0.0");
    assert!(line.contains("LOCAL_ONLY") && line.contains(short(&r.head())), "{line}");
    assert_eq!(remote_tag(&r, &file_url(&bare), "v1.0.0"), None, "reconcile alone pushes nothing");
}

#[test]
fn reconcile_both() {
    let (r, _bare) = published("1.0.0");
    r.tag_annotated("v1.0.0");
    r.git(["push", "--quiet", "origin", "refs/tags/v1.0.0"]);
    let before = r.refs_in(&r.path());
    let local = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    let (out, json) = tag_json(&r, &["--reconcile", "v1.0.0"]);
    out.expect_code(0);
    let row = row(&json, "v1.0.0");
    assert_eq!(row["status"], "BOTH", "{json:#}");
    assert_eq!(row["local_object"], local.as_str());
    assert_eq!(row["remote_object"], local.as_str());
    assert_eq!(row["local_commit"], r.head().as_str());
    assert_eq!(row["remote_commit"], r.head().as_str(), "the remote's `^{{}}` line, peeled");
    let table = r.run(["tag", "--reconcile", "v1.0.0"]);
    table.expect_code(0);
    assert!(table_line(&table, "v1.0.0").contains("BOTH"), "{}", table.stdout);
    assert_eq!(r.refs_in(&r.path()), before);
}

/// A remote with the annotated tags `v0.9.0` and `v1.0.0` (and a branch `other`) that the
/// local repository does not have.
fn remote_ahead() -> (TestRepo, std::path::PathBuf) {
    let (r, bare) = published("1.0.0");
    r.tag_annotated("v0.9.0");
    r.tag_annotated("v1.0.0");
    r.git([
        "push",
        "--quiet",
        "origin",
        "refs/tags/v0.9.0",
        "refs/tags/v1.0.0",
        "HEAD:refs/heads/other",
    ]);
    r.git(["tag", "-d", "v0.9.0", "v1.0.0"]);
    (r, bare)
}

#[test]
fn reconcile_remote_only_fetches_exactly_that_tag() {
    let (r, bare) = remote_ahead();
    let url = file_url(&bare);
    let remote = remote_tag(&r, &url, "v1.0.0").expect("the remote has v1.0.0");
    let before = r.refs_in(&r.path());
    let (out, json) = tag_json(&r, &["--reconcile", "v1.0.0"]);
    out.expect_code(0);
    let row = row(&json, "v1.0.0");
    assert_eq!(row["remote_object"], remote.as_str());
    assert!(
        row["action"]
            .as_str()
            .is_some_and(|a| a.contains("fetched `refs/tags/v1.0.0:refs/tags/v1.0.0`")),
        "{json:#}"
    );
    assert_eq!(r.git(["rev-parse", "refs/tags/v1.0.0"]), remote, "the remote's tag object");
    assert_eq!(object(&r, &r.path(), "refs/tags/v0.9.0"), None, "other remote tags stay there");
    let after = r.refs_in(&r.path());
    let added: Vec<&str> = after.lines().filter(|l| !before.lines().any(|b| b == *l)).collect();
    assert_eq!(added, [format!("{remote} refs/tags/v1.0.0")], "exactly one ref fetched");
    assert!(before.lines().all(|b| after.lines().any(|a| a == b)), "no ref changed or lost");
}

#[test]
fn reconcile_remote_only_fetches_one_tag_whatever_the_fetch_config_says() {
    let (r, _bare) = remote_ahead();
    r.tag("local-only");
    for (key, value) in
        [("fetch.prune", "true"), ("fetch.pruneTags", "true"), ("remote.origin.tagOpt", "--tags")]
    {
        r.git(["config", key, value]);
    }
    r.run(["tag", "--reconcile", "v1.0.0"]).expect_code(0);
    assert_eq!(r.git(["tag", "--list"]), "local-only\nv1.0.0", "no tag pruned, none extra");
}

#[test]
fn reconcile_remote_only_in_the_table_and_dry_run() {
    let (r, bare) = remote_ahead();
    let remote_commit = r.head();
    let before = r.refs_in(&r.path());
    let dry = r.run(["tag", "--reconcile", "--dry-run", "v1.0.0"]);
    dry.expect_code(0);
    let line = table_line(&dry, "v1.0.0");
    assert!(line.contains("REMOTE_ONLY") && line.contains("would fetch"), "{line}");
    assert!(line.contains(short(&remote_commit)), "the remote commit, peeled: {line}");
    assert_eq!(r.refs_in(&r.path()), before, "a dry run fetches nothing");

    let done = r.run(["tag", "--reconcile", "v1.0.0"]);
    done.expect_code(0);
    assert!(table_line(&done, "v1.0.0").contains("fetch"), "{}", done.stdout);
    assert_eq!(
        object(&r, &r.path(), "refs/tags/v1.0.0"),
        remote_tag(&r, &file_url(&bare), "v1.0.0")
    );
}

#[test]
fn reconcile_conflict_names_both_commits_and_exits_1() {
    let (r, bare) = published("1.0.0");
    let first = r.head();
    r.tag_annotated("v1.0.0");
    r.git(["push", "--quiet", "origin", "refs/tags/v1.0.0"]);
    // Locally, the tag is recreated on a later commit (never pushed).
    let second = r.change("src/lib.rs", "fix: later");
    r.git(["tag", "-d", "v1.0.0"]);
    r.tag_annotated("v1.0.0");
    let (before, remote_before) = (r.refs_in(&r.path()), r.refs_in(&bare));

    let (out, json) = tag_json(&r, &["--reconcile", "v1.0.0"]);
    out.expect_code(1);
    let row = row(&json, "v1.0.0");
    assert_eq!(row["status"], "CONFLICT", "{json:#}");
    assert_eq!(row["local_commit"], second.as_str());
    assert_eq!(row["remote_commit"], first.as_str());
    assert!(out.stderr.contains("conflict"), "{}", out.stderr);

    let table = r.run(["tag", "--reconcile", "v1.0.0"]);
    table.expect_code(1);
    let line = table_line(&table, "v1.0.0");
    assert!(line.contains("CONFLICT"), "{line}");
    assert!(line.contains(short(&first)) && line.contains(short(&second)), "both commits: {line}");
    assert!(line.contains("git tag -d v1.0.0"), "the command that resolves it: {line}");
    assert_eq!(r.refs_in(&r.path()), before, "nothing forced locally");
    assert_eq!(r.refs_in(&bare), remote_before, "nothing forced on the remote");
}

#[test]
fn same_commit_other_tag_object_is_replaced_by_the_remotes() {
    let (r, bare) = published("1.0.0");
    let head = r.head();
    // Another clone tags the same commit and pushes first.
    let other = r.clone_to(&file_url(&bare), "other");
    r.tag_in(&other, "v1.0.0", "HEAD", "their release notes");
    r.git_in(&other, ["push", "--quiet", "origin", "refs/tags/v1.0.0"]);
    let theirs = r.git_in(&other, ["rev-parse", "refs/tags/v1.0.0"]);
    r.tag_in(&r.path(), "v1.0.0", "HEAD", "our release notes");
    let ours = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    assert_ne!(ours, theirs, "two tag objects on one commit");

    let dry = r.run(["tag", "--reconcile", "--dry-run", "v1.0.0"]);
    dry.expect_code(0);
    assert!(table_line(&dry, "v1.0.0").contains("would replace"), "{}", dry.stdout);
    assert_eq!(r.git(["rev-parse", "refs/tags/v1.0.0"]), ours, "a dry run replaces nothing");

    let (out, json) = tag_json(&r, &["--reconcile", "v1.0.0"]);
    out.expect_code(0);
    let row = row(&json, "v1.0.0");
    assert_eq!(row["status"], "BOTH", "{json:#}");
    assert_eq!(row["local_commit"], head.as_str());
    let action = row["action"].as_str().expect("an action");
    assert!(action.contains("replace"), "the output says the local tag was replaced: {action}");
    assert!(action.contains(short(&ours)) && action.contains(short(&theirs)), "{action}");
    assert_eq!(r.git(["rev-parse", "refs/tags/v1.0.0"]), theirs, "the remote is the truth");
    assert_eq!(tag_message(&r, "v1.0.0"), "their release notes");
}

#[test]
fn a_tag_moved_on_the_remote_by_another_clone_is_a_conflict_over_git_daemon() {
    let r = project("1.0.0");
    let Some(daemon) = daemon_or_skip(&r) else { return };
    r.bare("origin.git");
    r.git(["remote", "add", "origin", &daemon.url("origin.git")]);
    r.git(["push", "--quiet", "origin", "main"]);
    let ours = r.head();
    r.tag_annotated("v1.0.0");
    r.git(["push", "--quiet", "origin", "refs/tags/v1.0.0"]);
    let (out, _) = tag_json(&r, &["--reconcile", "v1.0.0"]);
    out.expect_code(0);

    // Someone else moves the published tag (their clone has no hook to stop them).
    let other = r.clone_to(&daemon.url("origin.git"), "other");
    let theirs = r.commit_in(&other, "fix: theirs");
    r.git_in(&other, ["push", "--quiet", "origin", "main"]);
    r.git_in(&other, ["tag", "-f", "-a", "-m", "moved", "v1.0.0", "HEAD"]);
    r.git_in(&other, ["push", "--quiet", "--force", "origin", "refs/tags/v1.0.0"]);

    let before = r.refs_in(&r.path());
    let (out, json) = tag_json(&r, &["--reconcile", "v1.0.0"]);
    out.expect_code(1);
    let row = row(&json, "v1.0.0");
    assert_eq!(row["status"], "CONFLICT", "{json:#}");
    assert_eq!(row["local_commit"], ours.as_str());
    assert_eq!(row["remote_commit"], theirs.as_str());
    assert_eq!(r.refs_in(&r.path()), before, "the local tag is not moved");
    let remote_before = r.git(["ls-remote", "--tags", &daemon.url("origin.git")]);
    let push = r.run(["tag", "--push", "--reconcile", "v1.0.0"]);
    push.expect_code(1);
    assert!(push.stderr.contains("nothing was pushed"), "{}", push.stderr);
    assert_eq!(r.git(["ls-remote", "--tags", &daemon.url("origin.git")]), remote_before);
    assert_eq!(r.refs_in(&r.path()), before);
}

// ---- push ----------------------------------------------------------------------------------

#[test]
fn push_creates_and_pushes_atomically() {
    let (r, bare) = published("1.0.0");
    let url = file_url(&bare);
    let (out, json) = tag_json(&r, &["--push"]);
    out.expect_code(0);
    let local = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    assert_eq!(r.git(["cat-file", "-t", &local]), "tag");
    assert_eq!(remote_tag(&r, &url, "v1.0.0"), Some(local.clone()), "the remote has the tag");
    let row = row(&json, "v1.0.0");
    assert_eq!(row["status"], "BOTH", "{json:#}");
    let action = row["action"].as_str().expect("an action");
    assert!(action.contains("--atomic") && action.contains("refs/tags/v1.0.0"), "{action}");
    assert!(!action.contains("--force") && !action.contains('+'), "never forced: {action}");

    // Again: nothing left to do.
    let before = (r.refs_in(&r.path()), r.refs_in(&bare));
    let again = r.run(["tag", "--push"]);
    again.expect_code(0);
    assert_eq!((r.refs_in(&r.path()), r.refs_in(&bare)), before);
}

#[test]
fn push_sends_a_local_only_tag() {
    let (r, bare) = published("1.0.0");
    r.tag_annotated("v1.0.0");
    let local = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    let out = r.run(["tag", "--push"]);
    out.expect_code(0);
    assert!(table_line(&out, "v1.0.0").contains("pushed"), "{}", out.stdout);
    assert_eq!(remote_tag(&r, &file_url(&bare), "v1.0.0"), Some(local));
}

#[test]
fn push_over_git_daemon() {
    let r = project("1.0.0");
    let Some(daemon) = daemon_or_skip(&r) else { return };
    r.bare("origin.git");
    let url = daemon.url("origin.git");
    r.git(["remote", "add", "origin", &url]);
    r.git(["push", "--quiet", "origin", "main"]);
    r.run(["tag", "--push"]).expect_code(0);
    let local = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    assert_eq!(remote_tag(&r, &url, "v1.0.0"), Some(local));
    let (out, json) = tag_json(&r, &["--reconcile"]);
    out.expect_code(0);
    assert_eq!(row(&json, "v1.0.0")["status"], "BOTH");
}

/// How many times the trace at `path` shows `git <command>` starting.
fn runs_of(path: &Path, command: &str) -> usize {
    let trace = std::fs::read_to_string(path).expect("GIT_TRACE wrote the trace");
    let needle = format!("built-in: git {command} ");
    trace.lines().filter(|l| l.contains(&needle)).count()
}

#[test]
fn one_ls_remote_per_command() {
    let (r, _bare) = published("1.0.0");
    r.tag_annotated("v1.0.0");
    let trace = r.scratch().join("trace.txt");
    let env = [("GIT_TRACE", trace.to_str().expect("a UTF-8 temp path"))];
    r.run_env(["tag", "--push"], &env).expect_code(0);
    assert_eq!(runs_of(&trace, "ls-remote"), 1, "one read of the remote");
    assert_eq!(runs_of(&trace, "push"), 1, "one push");
    assert_eq!(runs_of(&trace, "fetch"), 0);
    std::fs::remove_file(&trace).expect("clear the trace");
    r.run_env(["tag", "--reconcile", "v1.0.0", "v2.0.0", "v3.0.0"], &env).expect_code(0);
    assert_eq!(runs_of(&trace, "ls-remote"), 1, "one read for three tags");
    assert_eq!(runs_of(&trace, "fetch") + runs_of(&trace, "push"), 0);
}

#[test]
fn a_hostile_remote_name_is_never_read_as_an_option() {
    let (r, _bare) = published("1.0.0");
    let marker = r.scratch().join("pwned");
    let remote = format!("--upload-pack=touch {}", marker.display());
    let before = r.refs_in(&r.path());
    let out = r.run(["tag", "--reconcile", "--remote", &remote, "v1.0.0"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(!marker.exists(), "git ran the option");
    assert_eq!(r.refs_in(&r.path()), before);
}

#[test]
fn push_dry_run_changes_nothing_anywhere() {
    let (r, bare) = published("1.0.0");
    let before = (r.refs_in(&r.path()), r.refs_in(&bare));
    let out = r.run(["tag", "--push", "--dry-run"]);
    out.expect_code(0);
    assert!(table_line(&out, "v1.0.0").contains("would push"), "{}", out.stdout);
    assert_eq!((r.refs_in(&r.path()), r.refs_in(&bare)), before);
}

#[test]
fn push_is_atomic_across_packages() {
    let r = TestRepo::new();
    r.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/a\", \"crates/b\"]\nresolver = \"2\"\n",
    );
    for name in ["a", "b"] {
        r.write(
            &format!("crates/{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2021\"\n"),
        );
    }
    r.write(
        "release.toml",
        "[[package]]\nname = \"a\"\npath = \"crates/a\"\n\n[[package]]\nname = \"b\"\npath = \"crates/b\"\n",
    );
    r.commit("chore: start the workspace");
    let bare = r.with_origin();
    // The remote refuses `b`'s tag alone (the `update` hook runs per ref).
    let hook = bare.join("hooks/update");
    std::fs::write(
        &hook,
        "#!/bin/sh\ncase \"$1\" in refs/tags/b/*) echo \"no b today\" >&2; exit 1;; esac\n",
    )
    .expect("write the remote's update hook");
    make_executable(&hook);
    let out = r.run(["tag", "--push"]);
    out.expect_code(1);
    assert!(out.stderr.contains("rejected"), "{}", out.stderr);
    assert_eq!(r.git(["tag", "--list"]), "a/v1.0.0\nb/v1.0.0", "both tags stay local");
    assert_eq!(ls_remote(&r, &file_url(&bare)), "", "atomic: neither tag reached the remote");
    // Once the remote accepts, both go.
    std::fs::remove_file(&hook).expect("remove the update hook");
    r.run(["tag", "--push"]).expect_code(0);
    let url = file_url(&bare);
    assert!(
        remote_tag(&r, &url, "a/v1.0.0").is_some() && remote_tag(&r, &url, "b/v1.0.0").is_some()
    );
}

#[test]
fn push_rejected_by_the_remote_keeps_the_local_tag() {
    let (r, bare) = published("1.0.0");
    let hook = bare.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'tags are frozen today' >&2\nexit 1\n")
        .expect("write the remote's pre-receive hook");
    make_executable(&hook);
    let out = r.run(["tag", "--push"]);
    out.expect_code(1);
    assert!(out.stderr.contains("rejected"), "{}", out.stderr);
    assert!(out.stderr.contains("tags are frozen today"), "git's reason is shown: {}", out.stderr);
    assert_eq!(r.git(["cat-file", "-t", "refs/tags/v1.0.0"]), "tag", "the local tag stays");
    assert_eq!(remote_tag(&r, &file_url(&bare), "v1.0.0"), None);
}

#[test]
fn an_unreachable_file_remote_is_a_clear_error_and_changes_nothing() {
    let r = project("1.0.0");
    r.git(["remote", "add", "origin", "file:///nonexistent"]);
    for args in [&["tag", "--push"][..], &["tag", "--reconcile"][..]] {
        let before = r.refs_in(&r.path());
        let out = r.run(args);
        out.expect_code(1);
        assert!(out.stderr.contains("remote `origin`"), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("nonexistent"), "git's reason: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert_eq!(r.refs_in(&r.path()), before, "{args:?} changed a ref");
    }
}

#[test]
fn a_daemon_port_with_nothing_listening_is_a_clear_error_and_changes_nothing() {
    let r = project("1.0.0");
    r.git(["remote", "add", "origin", &format!("git://127.0.0.1:{}/origin.git", free_port())]);
    let before = r.refs_in(&r.path());
    let out = r.run(["tag", "--push"]);
    out.expect_code(1);
    assert!(out.stderr.contains("cannot read the tags of remote `origin`"), "{}", out.stderr);
    assert_eq!(r.refs_in(&r.path()), before);
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the hook executable");
}

// ---- signed tags ---------------------------------------------------------------------------

/// Configures `r` to sign with a new ssh key (`gpg.format=ssh`) and to verify it; `false`
/// when `ssh-keygen` is missing.
fn ssh_signing(r: &TestRepo) -> bool {
    let key = r.scratch().join("key");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .output();
    match made {
        Ok(out) if out.status.success() => {}
        _ => {
            skip("`ssh-keygen` is not available");
            return false;
        }
    }
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("read the public key");
    let allowed = r.scratch().join("allowed_signers");
    std::fs::write(&allowed, format!("committer@example.com {}", public.trim()))
        .expect("write allowed signers");
    r.git(["config", "gpg.format", "ssh"]);
    r.git(["config", "user.signingKey", &key.with_extension("pub").display().to_string()]);
    r.git(["config", "gpg.ssh.allowedSignersFile", &allowed.display().to_string()]);
    true
}

#[test]
fn sign_makes_a_tag_git_verifies() {
    let r = project("1.0.0");
    if !ssh_signing(&r) {
        return;
    }
    r.run(["tag", "--sign"]).expect_code(0);
    let verify = r.git_out(&r.path(), ["tag", "-v", "v1.0.0"], &[]);
    assert_eq!(verify.code, 0, "git tag -v: {}{}", verify.stdout, verify.stderr);
    assert!(verify.stderr.contains("Good \"git\" signature"), "{}", verify.stderr);
}

#[test]
fn tag_gpgsign_signs_without_the_flag() {
    let r = project("1.0.0");
    if !ssh_signing(&r) {
        return;
    }
    r.git(["config", "tag.gpgSign", "true"]);
    // The harness pins `tag.gpgSign=false` through GIT_CONFIG_*; a later entry sets it back.
    let env = [
        ("GIT_CONFIG_COUNT", "5"),
        ("GIT_CONFIG_KEY_4", "tag.gpgSign"),
        ("GIT_CONFIG_VALUE_4", "true"),
    ];
    r.run_env(["tag"], &env).expect_code(0);
    let verify = r.git_out(&r.path(), ["tag", "-v", "v1.0.0"], &[]);
    assert_eq!(verify.code, 0, "git tag -v: {}{}", verify.stdout, verify.stderr);
}

// ---- hostile names -------------------------------------------------------------------------

#[test]
fn hostile_tag_names_are_refused_before_git_sees_them() {
    let (r, _bare) = published("1.0.0");
    let trace = r.scratch().join("trace.txt");
    let trace_env = [("GIT_TRACE", trace.to_str().expect("a UTF-8 temp path"))];
    // The trace does record the git commands the tool runs: a good name reaches ls-remote.
    r.run_env(["tag", "--reconcile", "v9.9.9"], &trace_env).expect_code(0);
    let seen = std::fs::read_to_string(&trace).expect("GIT_TRACE wrote the trace");
    assert!(seen.contains("ls-remote"), "the trace holds the commands run: {seen}");
    for name in [
        "-f",
        "--force",
        "v1.0.0;rm -rf x",
        "v1.0.0 x",
        "v1 .0",
        "v1..0",
        "v@{1}",
        "v1.0\u{7}",
        "v1.0\u{1b}[31m",
        "v1.0\n",
        "$(touch pwned)",
    ] {
        let _ = std::fs::remove_file(&trace);
        let before = r.refs_in(&r.path());
        let out = r.run_env(["tag", "--reconcile", "--", name], &trace_env);
        out.expect_code(2);
        assert!(out.stderr.contains("is not a valid tag name"), "{name:?}: {}", out.stderr);
        assert_eq!(r.refs_in(&r.path()), before, "{name:?} created a ref");
        let seen = std::fs::read_to_string(&trace).unwrap_or_default();
        assert!(!seen.contains(name), "git saw {name:?}:\n{seen}");
        assert!(!seen.contains("ls-remote"), "the remote was asked about {name:?}:\n{seen}");
    }
    assert!(!r.path().join("pwned").exists() && !r.path().join("x").exists());
}

#[test]
fn a_version_that_makes_a_bad_tag_name_is_refused() {
    let r = project("1.0.0");
    let before = r.refs_in(&r.path());
    // Valid semver, but the tag `v1.0.0-x.lock` is a name git refuses.
    let out = r.run(["tag", "--version", "1.0.0-x.lock"]);
    out.expect_code(2);
    assert!(out.stderr.contains("not a valid tag name"), "{}", out.stderr);
    // Not semver at all.
    let out = r.run(["tag", "--version", "1.0.0;rm -rf x"]);
    out.expect_code(2);
    assert!(out.stderr.contains("not a semantic version"), "{}", out.stderr);
    assert_eq!(r.refs_in(&r.path()), before);
}

#[test]
fn a_hostile_at_revision_is_refused() {
    let r = project("1.0.0");
    let before = r.refs_in(&r.path());
    let out = r.run(["tag", "--at=--all"]);
    out.expect_code(2);
    assert_eq!(r.refs_in(&r.path()), before);
}
