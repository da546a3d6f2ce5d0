//! `git release hook`: installing the shims (chained hooks, `core.hooksPath`, linked
//! worktrees), and the pre-push and commit-msg checks they run, through real `git push` and
//! `git commit` (with `git-release` on PATH, as a user has it).

use std::path::{Path, PathBuf};

use crate::support::{GitDaemon, Output, TestRepo, file_url, skip};

// ---- helpers -----------------------------------------------------------------------------

/// The shims as this repository ships them.
const PRE_PUSH: &[u8] = include_bytes!("../../hooks/pre-push");
const COMMIT_MSG: &[u8] = include_bytes!("../../hooks/commit-msg");

/// A single-package repository (`Cargo.toml` at `version`, one commit) with a bare remote
/// `origin` over `file://` holding `main`.
fn published(version: &str) -> (TestRepo, PathBuf) {
    let r = TestRepo::new();
    r.write("Cargo.toml", &format!("[package]\nname = \"demo\"\nversion = \"{version}\"\n"));
    r.commit("chore: start");
    let bare = r.with_origin();
    (r, bare)
}

/// [`published`], with `v{version}` tagged (annotated) and pushed, then the hooks installed.
fn released(version: &str) -> (TestRepo, PathBuf) {
    let (r, bare) = published(version);
    r.tag_annotated(&format!("v{version}"));
    r.git(["push", "--quiet", "origin", &format!("refs/tags/v{version}")]);
    install(&r, &r.path()).expect_code(0);
    (r, bare)
}

/// `git release hook install` in `dir`.
fn install(r: &TestRepo, dir: &Path) -> Output {
    r.run_in(dir, ["hook", "install"], &[], None)
}

/// `git release hook uninstall` in `dir`.
fn uninstall(r: &TestRepo, dir: &Path) -> Output {
    r.run_in(dir, ["hook", "uninstall"], &[], None)
}

/// `git ARGS` in the work tree, with `git-release` on PATH so the hooks run; may fail.
fn git(r: &TestRepo, args: &[&str]) -> Output {
    r.git_out(&r.path(), args, &[])
}

/// `git ARGS` with `env`, `git-release` on PATH; may fail.
fn git_env(r: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Output {
    r.git_out(&r.path(), args, env)
}

/// The object `refs/tags/<tag>` names on the remote at `url`, if any.
fn remote_tag(r: &TestRepo, url: &str, tag: &str) -> Option<String> {
    let wanted = format!("refs/tags/{tag}");
    r.git(["ls-remote", "--tags", url]).lines().find_map(|line| {
        let (oid, name) = line.split_once('\t')?;
        (name == wanted).then(|| oid.to_owned())
    })
}

/// Moves the local tag `tag` to a new commit (a fresh annotated tag object); returns the
/// new tag object.
fn move_tag_locally(r: &TestRepo, tag: &str) -> String {
    r.write("src/lib.rs", "// after the release\n");
    r.commit_in(&r.path(), "fix: after the release");
    r.git(["tag", "-d", tag]);
    r.tag_annotated(tag);
    r.git(["rev-parse", &format!("refs/tags/{tag}")])
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 == 0o111)
}

fn write_hook(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().expect("hooks have a folder")).expect("create hooks dir");
    std::fs::write(path, text).expect("write the hook");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the hook executable");
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Fails unless `out` is a refused push (non-zero) whose stderr holds every one of `parts`.
#[track_caller]
fn refused(out: &Output, parts: &[&str]) {
    assert_ne!(out.code, 0, "the push should be refused:\n{}{}", out.stdout, out.stderr);
    for part in parts {
        assert!(out.stderr.contains(part), "stderr lacks {part:?}:\n{}", out.stderr);
    }
}

/// Fails unless `out` succeeded.
#[track_caller]
fn passed(out: &Output) {
    assert_eq!(out.code, 0, "should pass:\n{}{}", out.stdout, out.stderr);
}

// ---- install and uninstall -----------------------------------------------------------------

#[test]
fn install_writes_the_executable_shims() {
    let r = TestRepo::new();
    r.commit("chore: start");
    let out = install(&r, &r.path());
    out.expect_code(0);
    let hooks = r.path().join(".git/hooks");
    assert_eq!(read(&hooks.join("pre-push")), PRE_PUSH);
    assert_eq!(read(&hooks.join("commit-msg")), COMMIT_MSG);
    assert!(is_executable(&hooks.join("pre-push")) && is_executable(&hooks.join("commit-msg")));
    assert!(out.stdout.contains("pre-push: installed"), "{}", out.stdout);
    assert!(out.stdout.contains("commit-msg: installed"), "{}", out.stdout);
}

#[test]
fn installing_twice_changes_nothing() {
    let r = TestRepo::new();
    r.commit("chore: start");
    install(&r, &r.path()).expect_code(0);
    let hooks = r.path().join(".git/hooks");
    let listing = |dir: &Path| {
        let mut names: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .expect("list hooks")
            .map(|e| {
                let e = e.expect("a directory entry");
                (e.file_name().to_string_lossy().into_owned(), read(&e.path()))
            })
            .collect();
        names.sort();
        names
    };
    let before = listing(&hooks);
    let again = install(&r, &r.path());
    again.expect_code(0);
    assert!(again.stdout.lines().all(|l| l.contains("unchanged")), "{}", again.stdout);
    assert_eq!(listing(&hooks), before, "the hooks folder is byte for byte the same");
}

#[test]
fn an_existing_hook_is_kept_and_runs_first() {
    let (r, bare) = published("1.0.0");
    let log = r.scratch().join("chained.log");
    let hook = r.path().join(".git/hooks/pre-push");
    let previous = format!("#!/bin/sh\ncat > '{}'\n", log.display());
    write_hook(&hook, &previous);
    let out = install(&r, &r.path());
    out.expect_code(0);
    assert!(out.stdout.contains("kept the existing hook"), "{}", out.stdout);
    assert_eq!(read(&hook), PRE_PUSH);

    r.tag_annotated("v1.0.0");
    passed(&git(&r, &["push", "origin", "refs/tags/v1.0.0"]));
    let seen = std::fs::read_to_string(&log).expect("the chained hook ran");
    assert!(seen.contains("refs/tags/v1.0.0"), "it got git's stdin: {seen:?}");
    assert!(remote_tag(&r, &file_url(&bare), "v1.0.0").is_some());

    // It runs before the release check: when that check refuses, the old hook has run.
    std::fs::remove_file(&log).expect("clear the log");
    move_tag_locally(&r, "v1.0.0");
    refused(&git(&r, &["push", "--force", "origin", "v1.0.0"]), &["git tag -d v1.0.0"]);
    let seen = std::fs::read_to_string(&log).expect("the chained hook ran first");
    assert!(seen.contains("refs/tags/v1.0.0"), "{seen:?}");
}

#[test]
fn install_dry_run_changes_nothing_and_uninstall_leaves_foreign_hooks() {
    let r = TestRepo::new();
    r.commit("chore: start");
    let hooks = r.path().join(".git/hooks");
    let out = r.run(["hook", "install", "--dry-run"]);
    out.expect_code(0);
    assert!(out.stdout.contains("would"), "{}", out.stdout);
    assert!(!hooks.join("pre-push").exists() && !hooks.join("commit-msg").exists());
    write_hook(&hooks.join("pre-push"), "#!/bin/sh\nexit 0\n");
    let out = uninstall(&r, &r.path());
    out.expect_code(0);
    assert_eq!(read(&hooks.join("pre-push")), b"#!/bin/sh\nexit 0\n", "not ours: left alone");
}

#[test]
fn a_failing_chained_hook_blocks_the_push() {
    let (r, bare) = published("1.0.0");
    write_hook(
        &r.path().join(".git/hooks/pre-push"),
        "#!/bin/sh\necho 'the old hook says no' >&2\nexit 3\n",
    );
    install(&r, &r.path()).expect_code(0);
    r.tag_annotated("v1.0.0");
    let out = git(&r, &["push", "origin", "refs/tags/v1.0.0"]);
    refused(&out, &["the old hook says no"]);
    assert_eq!(remote_tag(&r, &file_url(&bare), "v1.0.0"), None, "nothing was pushed");
}

#[test]
fn uninstall_restores_the_previous_hook_exactly() {
    let r = TestRepo::new();
    r.commit("chore: start");
    let hook = r.path().join(".git/hooks/pre-push");
    // Odd bytes on purpose: no trailing newline, CRLF, non-UTF-8.
    let mut previous = b"#!/bin/sh\r\n# \xff\xfe mine\nexit 0".to_vec();
    previous.extend_from_slice(b"\n\n  ");
    std::fs::write(&hook, &previous).expect("write the hook");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o750))
            .expect("chmod the hook");
    }
    install(&r, &r.path()).expect_code(0);
    let out = uninstall(&r, &r.path());
    out.expect_code(0);
    assert_eq!(read(&hook), previous, "the previous bytes are back");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&hook).expect("the hook").permissions().mode() & 0o777;
        assert_eq!(mode, 0o750, "and its mode");
    }
    assert!(!r.path().join(".git/hooks/commit-msg").exists(), "ours is gone");
    let leftovers: Vec<String> = std::fs::read_dir(r.path().join(".git/hooks"))
        .expect("list hooks")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("git-release"))
        .collect();
    assert!(leftovers.is_empty(), "nothing left behind: {leftovers:?}");
}

#[test]
fn force_sets_the_hook_aside_and_uninstall_restores_it() {
    let (r, bare) = published("1.0.0");
    let hook = r.path().join(".git/hooks/pre-push");
    let previous = "#!/bin/sh\necho 'the old hook says no' >&2\nexit 1\n";
    write_hook(&hook, previous);
    r.run(["hook", "install", "--force"]).expect_code(0);
    assert_eq!(read(&hook), PRE_PUSH);
    r.tag_annotated("v1.0.0");
    passed(&git(&r, &["push", "origin", "refs/tags/v1.0.0"]));
    assert!(remote_tag(&r, &file_url(&bare), "v1.0.0").is_some(), "the old hook did not run");
    uninstall(&r, &r.path()).expect_code(0);
    assert_eq!(read(&hook), previous.as_bytes());
}

#[test]
fn core_hooks_path_is_honoured_by_install_uninstall_and_reinstall() {
    let r = TestRepo::new();
    r.commit("chore: start");
    let dir = r.scratch().join("shared-hooks");
    std::fs::create_dir(&dir).expect("create the hooks folder");
    write_hook(&dir.join("commit-msg"), "#!/bin/sh\nexit 0\n");
    r.git(["config", "core.hooksPath", &dir.display().to_string()]);

    let out = install(&r, &r.path());
    out.expect_code(0);
    assert!(out.stdout.contains(&dir.display().to_string()), "{}", out.stdout);
    assert_eq!(read(&dir.join("pre-push")), PRE_PUSH);
    assert_eq!(read(&dir.join("commit-msg")), COMMIT_MSG);
    assert!(!r.path().join(".git/hooks/pre-push").exists(), "not in .git/hooks");

    uninstall(&r, &r.path()).expect_code(0);
    assert!(!dir.join("pre-push").exists());
    assert_eq!(read(&dir.join("commit-msg")), b"#!/bin/sh\nexit 0\n");

    install(&r, &r.path()).expect_code(0);
    assert_eq!(read(&dir.join("pre-push")), PRE_PUSH);
    assert!(is_executable(&dir.join("pre-push")));
    // And git runs them from there.
    r.git(["config", "release.strictCommits", "true"]);
    refused(&git(&r, &["commit", "--allow-empty", "-m", "bad message"]), &["Conventional"]);
}

#[test]
fn a_relative_core_hooks_path_is_the_work_tree_s() {
    let r = TestRepo::new();
    r.commit("chore: start");
    r.git(["config", "core.hooksPath", ".githooks"]);
    let sub = r.path().join("src");
    std::fs::create_dir(&sub).expect("create a subfolder");
    // Run from a subfolder: the path is still the work tree's `.githooks`.
    install(&r, &sub).expect_code(0);
    assert_eq!(read(&r.path().join(".githooks/pre-push")), PRE_PUSH);
    assert!(!sub.join(".githooks").exists());
    uninstall(&r, &sub).expect_code(0);
    assert!(!r.path().join(".githooks/pre-push").exists());
}

#[test]
fn install_works_in_a_linked_worktree() {
    let (r, bare) = published("1.0.0");
    r.tag_annotated("v1.0.0");
    r.git(["push", "--quiet", "origin", "refs/tags/v1.0.0"]);
    let wt = r.scratch().join("wt");
    r.git(["worktree", "add", "--quiet", "-b", "wt", &wt.display().to_string()]);
    let out = install(&r, &wt);
    out.expect_code(0);
    assert_eq!(read(&r.path().join(".git/hooks/pre-push")), PRE_PUSH, "the common hooks dir");

    // A moved tag pushed from the worktree is refused.
    r.commit_in(&r.path(), "fix: unrelated");
    r.git_in(&wt, ["tag", "-d", "v1.0.0"]);
    r.git_in(&wt, ["tag", "-a", "-m", "moved", "v1.0.0", "main"]);
    let push = r.git_out(&wt, ["push", "--force", "origin", "refs/tags/v1.0.0"], &[]);
    refused(&push, &["v1.0.0"]);
    let local = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    assert_ne!(remote_tag(&r, &file_url(&bare), "v1.0.0"), Some(local));
    // commit-msg runs there too (git hands it the worktree's own message file).
    r.git(["config", "release.strictCommits", "true"]);
    refused(
        &r.git_out(&wt, ["commit", "--allow-empty", "-m", "bad message"], &[]),
        &["Conventional"],
    );
    passed(&r.git_out(&wt, ["commit", "--allow-empty", "-m", "feat: fine"], &[]));
    uninstall(&r, &wt).expect_code(0);
    assert!(!r.path().join(".git/hooks/pre-push").exists());
}

// ---- pre-push through a real `git push` ----------------------------------------------------

#[test]
fn a_force_push_of_a_moved_tag_is_refused() {
    let (r, bare) = released("1.0.0");
    let url = file_url(&bare);
    let published = remote_tag(&r, &url, "v1.0.0").expect("published");
    move_tag_locally(&r, "v1.0.0");
    let out = git(&r, &["push", "--force", "origin", "v1.0.0"]);
    refused(&out, &["v1.0.0", &published[..12], "git tag -d v1.0.0 && git fetch origin"]);
    assert_eq!(remote_tag(&r, &url, "v1.0.0"), Some(published), "the remote tag did not move");
}

#[test]
fn a_force_push_of_a_moved_tag_over_git_daemon_is_refused() {
    let (r, _file_remote) = published("1.0.0");
    let Some(daemon): Option<GitDaemon> = r.daemon() else {
        skip("this git has no `git daemon`");
        return;
    };
    let url = daemon.url("origin.git");
    r.git(["remote", "set-url", "origin", &url]);
    r.tag_annotated("v1.0.0");
    r.git(["push", "--quiet", "origin", "refs/tags/v1.0.0"]);
    install(&r, &r.path()).expect_code(0);
    let published = remote_tag(&r, &url, "v1.0.0").expect("published");
    move_tag_locally(&r, "v1.0.0");
    let out = git(&r, &["push", "--force", "origin", "v1.0.0"]);
    refused(&out, &["v1.0.0", "git tag -d v1.0.0"]);
    assert_eq!(remote_tag(&r, &url, "v1.0.0"), Some(published));
}

#[test]
fn push_tags_and_mirror_with_a_moved_tag_are_refused() {
    let (r, bare) = released("1.0.0");
    let mirror = r.bare("mirror.git");
    r.git(["remote", "add", "mirror", &file_url(&mirror)]);
    r.git(["push", "--quiet", "--no-verify", "--mirror", "mirror"]);
    let published = remote_tag(&r, &file_url(&bare), "v1.0.0").expect("published");
    move_tag_locally(&r, "v1.0.0");
    refused(&git(&r, &["push", "--force", "--tags", "origin"]), &["v1.0.0"]);
    refused(&git(&r, &["push", "--mirror", "mirror"]), &["v1.0.0"]);
    assert_eq!(remote_tag(&r, &file_url(&bare), "v1.0.0"), Some(published.clone()));
    assert_eq!(remote_tag(&r, &file_url(&mirror), "v1.0.0"), Some(published));
}

#[test]
fn deleting_a_release_tag_is_refused_then_allowed_with_the_variable() {
    let (r, bare) = released("1.0.0");
    let url = file_url(&bare);
    let out = git(&r, &["push", "origin", ":refs/tags/v1.0.0"]);
    refused(&out, &["v1.0.0", "GIT_RELEASE_ALLOW_TAG_DELETE=1"]);
    assert!(remote_tag(&r, &url, "v1.0.0").is_some(), "still on the remote");
    let out = git_env(
        &r,
        &["push", "origin", ":refs/tags/v1.0.0"],
        &[("GIT_RELEASE_ALLOW_TAG_DELETE", "1")],
    );
    passed(&out);
    assert_eq!(remote_tag(&r, &url, "v1.0.0"), None, "deleted as meant");
}

#[test]
fn a_tag_whose_version_differs_from_the_version_files_is_refused() {
    let (r, bare) = released("1.0.0");
    r.tag_annotated("v1.1.0"); // Cargo.toml still says 1.0.0
    let out = git(&r, &["push", "origin", "refs/tags/v1.1.0"]);
    refused(&out, &["v1.1.0", "1.1.0", "1.0.0", "Cargo.toml"]);
    // `--follow-tags` sends it too, and is refused the same way.
    r.commit_in(&r.path(), "fix: something");
    r.git(["tag", "-d", "v1.1.0"]);
    r.tag_annotated("v1.1.0");
    let out = git(&r, &["push", "--follow-tags", "origin", "main"]);
    refused(&out, &["v1.1.0"]);
    assert_eq!(remote_tag(&r, &file_url(&bare), "v1.1.0"), None);
}

#[test]
fn a_release_tag_that_does_not_parse_is_refused() {
    let (r, bare) = released("1.0.0");
    r.tag_annotated("v1.2");
    let out = git(&r, &["push", "origin", "refs/tags/v1.2"]);
    refused(&out, &["v1.2", "git tag -d v1.2"]);
    assert_eq!(remote_tag(&r, &file_url(&bare), "v1.2"), None);
}

#[test]
fn pushes_without_tags_and_good_tags_pass() {
    let (r, bare) = released("1.0.0");
    r.commit_in(&r.path(), "fix: something");
    passed(&git(&r, &["push", "origin", "main"]));
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.1\"\n");
    r.commit_in(&r.path(), "chore: release 1.0.1");
    r.tag_annotated("v1.0.1");
    passed(&git(&r, &["push", "--follow-tags", "origin", "main"]));
    assert!(remote_tag(&r, &file_url(&bare), "v1.0.1").is_some());
    // The same tag again (nothing moves) and a non-release tag pass too.
    r.tag("scratch-note");
    passed(&git(&r, &["push", "--tags", "origin"]));
}

// ---- pre-push run directly -----------------------------------------------------------------

#[test]
fn garbage_on_the_hook_s_stdin_is_refused_with_an_explanation() {
    let (r, _bare) = published("1.0.0");
    let url = "file:///somewhere";
    let zeros = "0".repeat(40);
    for garbage in [
        "hello world\n".to_owned(),
        format!("refs/tags/v1.0.0 not-a-sha refs/tags/v1.0.0 {zeros}\n"),
        format!("refs/tags/v1.0.0 {zeros}\n"),
        "\u{0}\u{1}\u{2}binary\n".to_owned(),
    ] {
        let out =
            r.run_in(&r.path(), ["hook", "pre-push", "origin", url], &[], Some(garbage.as_bytes()));
        out.expect_code(1);
        assert!(out.stderr.contains("pre-push input is not"), "{garbage:?}: {}", out.stderr);
        assert!(out.stderr.contains("refused"), "says the push is refused: {}", out.stderr);
    }
}

#[test]
fn one_good_tag_line_passes_when_run_directly() {
    let (r, _bare) = published("1.0.0");
    r.tag_annotated("v1.0.0");
    let object = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    let line = format!("refs/tags/v1.0.0 {object} refs/tags/v1.0.0 {}\n", "0".repeat(40));
    let out = r.run_in(
        &r.path(),
        ["hook", "pre-push", "origin", "file:///x"],
        &[],
        Some(line.as_bytes()),
    );
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn a_moved_tag_is_refused_from_stdin_alone_without_the_network() {
    let (r, _bare) = published("1.0.0");
    r.tag_annotated("v1.0.0");
    let object = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    let theirs = "b".repeat(40);
    let line = format!("refs/tags/v1.0.0 {object} refs/tags/v1.0.0 {theirs}\n");
    // The URL leads nowhere: the check must not need it.
    let out = r.run_in(
        &r.path(),
        ["hook", "pre-push", "origin", "file:///nonexistent"],
        &[],
        Some(line.as_bytes()),
    );
    out.expect_code(1);
    assert!(out.stderr.contains(&theirs[..12]) && out.stderr.contains("v1.0.0"), "{}", out.stderr);
}

#[test]
fn an_older_release_tag_is_checked_against_its_own_commit() {
    let (r, bare) = published("0.9.0");
    r.tag_annotated("v0.9.0");
    install(&r, &r.path()).expect_code(0);
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.commit_in(&r.path(), "chore: release 1.0.0");
    // HEAD says 1.0.0, but v0.9.0's commit says 0.9.0: it passes.
    passed(&git(&r, &["push", "origin", "main", "refs/tags/v0.9.0"]));
    assert!(remote_tag(&r, &file_url(&bare), "v0.9.0").is_some());
}

#[test]
fn a_push_without_tags_passes_outside_any_repository() {
    let r = TestRepo::without_git();
    let sha = "a".repeat(40);
    let line = format!("refs/heads/main {sha} refs/heads/main {}\n", "0".repeat(40));
    let out = r.run_in(
        r.scratch(),
        ["hook", "pre-push", "origin", "file:///x"],
        &[],
        Some(line.as_bytes()),
    );
    out.expect_code(0);
}

// ---- commit-msg ----------------------------------------------------------------------------

#[test]
fn commit_msg_refuses_bad_messages_when_strict() {
    let (r, _bare) = published("1.0.0");
    install(&r, &r.path()).expect_code(0);
    r.git(["config", "release.strictCommits", "true"]);
    let head = r.head();
    let out = git(&r, &["commit", "--allow-empty", "-m", "bad message"]);
    refused(&out, &["not a Conventional Commit", "fix(parser)"]);
    assert_eq!(r.head(), head, "no commit was made");
    passed(&git(&r, &["commit", "--allow-empty", "-m", "feat: ok"]));
    passed(&git(&r, &["commit", "--allow-empty", "-m", "fixup! feat: ok"]));
    passed(&git(&r, &["commit", "--allow-empty", "-m", "squash! feat: ok"]));
    passed(&git(&r, &["commit", "--allow-empty", "-m", "Revert \"feat: ok\""]));
    // A merge commit with the message git writes.
    passed(&git(&r, &["checkout", "--quiet", "-b", "topic"]));
    passed(&git(&r, &["commit", "--allow-empty", "-m", "fix: on a branch"]));
    passed(&git(&r, &["checkout", "--quiet", "main"]));
    passed(&git(&r, &["merge", "--no-ff", "--no-edit", "topic"]));
    assert_eq!(r.git(["rev-list", "--count", "HEAD"]), "7");
}

#[test]
fn commit_msg_lets_anything_pass_without_the_setting() {
    let (r, _bare) = published("1.0.0");
    install(&r, &r.path()).expect_code(0);
    passed(&git(&r, &["commit", "--allow-empty", "-m", "bad message"]));
    r.git(["config", "release.strictCommits", "false"]);
    passed(&git(&r, &["commit", "--allow-empty", "-m", "another bad one"]));
}

#[test]
fn a_release_tag_of_a_blob_or_a_tree_is_refused() {
    // Issue 11: a release is a commit; every plan ignores a tag of anything else.
    let (r, bare) = published("1.0.0");
    install(&r, &r.path()).expect_code(0);
    let blob = r.git(["rev-parse", "HEAD:Cargo.toml"]);
    let tree = r.git(["rev-parse", "HEAD^{tree}"]);
    r.git(["tag", "v2.0.0", &blob]);
    r.git(["tag", "-a", "-m", "a tree", "v3.0.0", &tree]);
    for tag in ["v2.0.0", "v3.0.0"] {
        let out = git(&r, &["push", "origin", &format!("refs/tags/{tag}")]);
        refused(&out, &[tag, "points at a tree or a blob, not a commit", "git tag -d"]);
        assert_eq!(remote_tag(&r, &file_url(&bare), tag), None, "{tag} was not pushed");
    }
}
