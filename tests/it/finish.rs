//! Releases that finish cleanly (issue 14, item 3): after a run the user's local release
//! branch is at what was released, no `release/<run>/…` branch is left locally or on the
//! remote, and the next `plan` has nothing to release, without a "next tag exists" warning.

use crate::releasable::Fixture;
use crate::run::{run_id, single};

/// The local branches under `refs/heads/release/`, one per line.
fn local_release_branches(f: &Fixture) -> String {
    f.r.git(["for-each-ref", "--format=%(refname)", "refs/heads/release"])
}

/// `plan` right after a release: nothing to release (no commit since 1.3.0), and no warning
/// about the next tag.
#[track_caller]
fn assert_nothing_to_release(f: &Fixture) {
    let plan = f.release(&["plan"]);
    plan.expect_code(0);
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("1.3.0    -     none  0        no commits since the last release"),
        "{all}"
    );
    assert!(!all.contains("already exists"), "{all}");
    assert!(!all.contains("warning"), "{all}");
}

#[test]
fn after_a_direct_release_the_local_branch_is_at_the_release_commit() {
    let f = single("direct", "");
    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);

    let released = f.remote_main();
    assert_eq!(f.remote(["log", "-1", "--format=%s", &released]), "release: demo v1.3.0");
    assert_eq!(f.r.git(["rev-parse", "refs/heads/main"]), released, "{}", out.stderr);
    assert_eq!(f.r.git(["symbolic-ref", "HEAD"]), "refs/heads/main");
    assert_eq!(f.r.git(["status", "--porcelain"]), "", "the work tree is clean");
    assert!(
        out.stderr.contains(&format!(
            "fast-forwarded the local `main` to the released commit {}",
            &released[..12]
        )),
        "{}",
        out.stderr
    );
    assert_eq!(local_release_branches(&f), "", "the run's branch is gone");
    assert_eq!(f.remote(["for-each-ref", "--format=%(refname)", "refs/heads"]), "refs/heads/main");
    assert_eq!(f.r.git(["worktree", "list", "--porcelain"]).matches("worktree ").count(), 1);

    assert_nothing_to_release(&f);
    // The next commit goes on top of the release: a plain push fast-forwards the remote.
    f.r.change("src/lib.rs", "fix: one more");
    f.r.git(["push", "--quiet", "origin", "main"]);
}

#[test]
fn a_work_tree_changed_during_the_run_is_left_alone_with_the_pull_to_run() {
    // The lock command leaves an untracked file in the main work tree while the run goes on.
    let f = single("direct", "");
    let stray = f.r.path().join("stray.txt");
    let config = std::fs::read_to_string(f.r.path().join("release.toml")).expect("config");
    // The temporary path holds no quote, space or backslash.
    let command = format!("touch {}", stray.display());
    f.r.write("release.toml", &format!("{config}\n[commands]\nlock = \"{command}\"\n"));
    f.r.commit("chore: touch a file while releasing");
    f.r.git(["push", "--quiet", "origin", "main"]);
    let before = f.r.head();

    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    assert!(stray.is_file(), "the lock command ran");
    assert_eq!(f.r.head(), before, "the local branch did not move");
    assert!(
        out.stderr.contains("the work tree has changes (stray.txt)")
            && out.stderr.contains("run `git pull --ff-only origin main` on `main`"),
        "{}",
        out.stderr
    );
    // The command said works.
    f.r.git(["pull", "--quiet", "--ff-only", "origin", "main"]);
    assert_eq!(f.r.head(), f.remote_main());
}

#[test]
fn after_a_pr_release_no_release_branch_is_left_locally_or_on_the_remote() {
    let f = single("pr", "");
    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    let run = run_id(&out.stdout);

    // gh merged with `--delete-branch`, kept off the local repository by `--repo`.
    let merges = f.gh.calls_matching(&["pr", "merge"]);
    assert_eq!(merges.len(), 1, "{merges:?}");
    assert_eq!(
        merges[0][..],
        [
            "pr",
            "merge",
            "1",
            "--squash",
            "--subject",
            "release: demo v1.3.0 (#1)",
            "--delete-branch",
            "--repo",
            "github.com/test/origin",
        ]
    );
    assert_eq!(f.remote(["for-each-ref", "--format=%(refname)", "refs/heads"]), "refs/heads/main");
    assert_eq!(local_release_branches(&f), "", "no local `release/{run}/…` branch");
    assert_eq!(f.r.git(["worktree", "list", "--porcelain"]).matches("worktree ").count(), 1);

    // The local main is at the merge commit the tag names.
    let merge_commit = f.remote_main();
    assert_eq!(f.remote(["rev-parse", "refs/tags/v1.3.0^{commit}"]), merge_commit);
    assert_eq!(f.r.git(["rev-parse", "refs/heads/main"]), merge_commit, "{}", out.stderr);
    assert_nothing_to_release(&f);
}

// ---- releasing without a forge (issue 14, item 5) --------------------------------------------

/// A folder holding only `git` (a link to the one on PATH): a PATH with no `gh` on it.
fn path_without_gh(f: &Fixture) -> String {
    let bin = f.r.scratch().join("bin-without-gh");
    std::fs::create_dir_all(&bin).expect("create the folder");
    let git = which::which("git").expect("git is installed");
    std::os::unix::fs::symlink(git, bin.join("git")).expect("link git");
    assert!(which::which_in("gh", Some(&bin), f.r.scratch()).is_err());
    bin.display().to_string()
}

/// `git release ARGS` with only `git` on PATH (and no `GIT_RELEASE_GH`: the hermetic
/// environment drops every `GIT_*` variable).
fn release_without_gh(f: &Fixture, path: &str, args: &[&str]) -> crate::support::Output {
    let env = [("PATH", path), ("SOURCE_DATE_EPOCH", "1700000000")];
    f.r.run_in(&f.r.path(), args, &env, None)
}

#[test]
fn a_release_with_no_forge_works_end_to_end_with_no_gh_on_path() {
    // The publish command records the version it was given in a file outside the repository.
    let scratch = tempfile::tempdir().expect("temp dir");
    let record = scratch.path().join("published.cfg");
    let tail = format!(
        "kind = \"none\"\nwait_workflow = \"release\"\n\n[commands]\npublish = \"git config --file {} published.version {{version}}\"\n",
        record.display()
    );
    let f = single("direct", &tail);
    let path = path_without_gh(&f);

    // The forge checks are skipped, not failed.
    let check = release_without_gh(&f, &path, &["check", "--format", "json"]);
    check.expect_code(0);
    let results = check.json()["results"].clone();
    for name in ["gh_missing", "gh_auth", "release_blockers"] {
        let row = results
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["check"] == name))
            .unwrap_or_else(|| panic!("no `{name}` in {results:#}"));
        assert_eq!(row["status"], "SKIP", "{row:#}");
        assert_eq!(row["reason"], "no forge: `[forge] kind = \"none\"`", "{row:#}");
    }

    // `doctor` too: gh is not needed.
    let doctor = release_without_gh(&f, &path, &["doctor", "--format", "json"]);
    let rows = doctor.json()["results"].clone();
    let gh_missing = rows
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["check"] == "gh_missing"))
        .unwrap_or_else(|| panic!("no `gh_missing` in {rows:#}"))
        .clone();
    assert_eq!(gh_missing["status"], "SKIP", "{gh_missing:#}");

    // The dry run names what is left out.
    let dry = release_without_gh(&f, &path, &["run", "--dry-run"]);
    dry.expect_code(0);
    assert!(
        dry.stdout.contains(
            "no forge (`[forge] kind = \"none\"`), so these are left out: the pull request (PR_CREATED, MERGED), the forge release (in PUBLISHED), the wait for workflow `release` (`forge.wait_workflow`)"
        ),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("left out (no forge): the forge release of `v1.3.0`"),
        "{}",
        dry.stdout
    );
    assert!(!dry.stdout.contains("gh "), "no gh call is shown: {}", dry.stdout);
    let json = release_without_gh(&f, &path, &["run", "--dry-run", "--format", "json"]);
    json.expect_code(0);
    assert_eq!(json.json()["left_out"][1], "the forge release (in PUBLISHED)");

    // The release: commit on main, tag pushed, publish command run, local main caught up.
    let out = release_without_gh(&f, &path, &["run", "--yes"]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("Status: SUCCESS (1/1 released)"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let main = f.remote_main();
    assert_eq!(f.remote(["log", "-1", "--format=%s", &main]), "release: demo v1.3.0");
    assert_eq!(f.remote(["cat-file", "-t", "refs/tags/v1.3.0"]), "tag");
    assert_eq!(f.remote(["rev-parse", "refs/tags/v1.3.0^{commit}"]), main);
    let recorded = std::fs::read_to_string(&record).expect("the publish command ran");
    assert!(recorded.contains("version = 1.3.0"), "{recorded}");
    assert_eq!(f.r.git(["rev-parse", "refs/heads/main"]), main);
    assert!(f.gh.calls().is_empty(), "no gh was run: {:?}", f.gh.calls());
}

#[test]
fn no_forge_is_chosen_on_the_command_line_and_refuses_mode_pr() {
    let f = single("direct", "");
    let path = path_without_gh(&f);

    // Without `--forge none`, the missing gh fails its check.
    let check = release_without_gh(&f, &path, &["check"]);
    check.expect_code(1);
    assert!(check.stdout.contains("gh_missing"), "{}", check.stdout);
    let check = release_without_gh(&f, &path, &["check", "--forge", "none"]);
    check.expect_code(0);

    // PR mode needs a forge: a usage error, nothing changed.
    let before = f.ls_remote();
    let out = release_without_gh(&f, &path, &["run", "--yes", "--forge", "none", "--mode", "pr"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains(
            "mode `pr` opens and merges a pull request on the forge, but the forge is `none`"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(f.ls_remote(), before);

    let out = release_without_gh(&f, &path, &["run", "--yes", "--forge", "none"]);
    out.expect_code(0);
    assert_eq!(f.remote(["rev-parse", "refs/tags/v1.3.0^{commit}"]), f.remote_main());
}

// ---- progress (issue 14, item 6) --------------------------------------------------------------

/// Runs `git release ARGS` (with the stand-in gh) with its stderr on a pseudo-terminal made by
/// python's `pty` module, stdout on a pipe: `(stdout, the bytes the terminal received, exit
/// code)`.
fn release_on_a_terminal(f: &Fixture, args: &[&str]) -> (String, String, i32) {
    const SCRIPT: &str = r#"
import os, pty, subprocess, sys
master, slave = pty.openpty()
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
os.close(slave)
seen = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
out = child.stdout.read()
code = child.wait()
with open(sys.argv[1], "wb") as f:
    f.write(seen)
sys.stdout.buffer.write(out)
sys.exit(code)
"#;
    let terminal = f.r.scratch().join("terminal.bin");
    let mut command = vec![
        "-c".to_owned(),
        SCRIPT.to_owned(),
        terminal.display().to_string(),
        env!("CARGO_BIN_EXE_git-release").to_owned(),
    ];
    command.extend(args.iter().map(|a| (*a).to_owned()));
    let pairs = f.gh.env();
    let mut env = crate::gh::borrow(&pairs);
    env.push(("SOURCE_DATE_EPOCH", "1700000000"));
    let out = f.r.exec_in(crate::support::python().as_os_str(), &f.r.path(), &command, &env, None);
    let seen = std::fs::read(&terminal).unwrap_or_default();
    (out.stdout, String::from_utf8_lossy(&seen).into_owned(), out.code)
}

/// The checks of the pull request take a second and a half (the stand-in waits, then says
/// nothing: they passed).
fn slow_checks(f: &Fixture) {
    f.gh.scenario(serde_json::json!([
        {"match": ["pr", "checks"], "fail": "hang", "seconds": 1.5}
    ]));
}

#[test]
fn a_spinner_with_the_elapsed_time_shows_on_a_terminal_while_the_checks_run() {
    let f = single("pr", "");
    slow_checks(&f);
    let (stdout, terminal, code) = release_on_a_terminal(&f, &["run", "--yes"]);
    assert_eq!(code, 0, "{stdout}\n{terminal}");
    assert!(terminal.contains("waiting for the checks of pull request #1 ("), "{terminal:?}");
    assert!(terminal.contains("s)"), "the elapsed time: {terminal:?}");
    assert!(!stdout.contains("waiting for"), "progress goes to the terminal only: {stdout}");
}

#[test]
fn json_output_and_a_pipe_get_no_progress_bytes() {
    // JSON on a terminal: the status lines, never a spinner.
    let f = single("pr", "");
    slow_checks(&f);
    let (stdout, terminal, code) = release_on_a_terminal(&f, &["run", "--yes", "--format", "json"]);
    assert_eq!(code, 0, "{stdout}\n{terminal}");
    let result: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(result["status"], "SUCCESS");
    assert!(!terminal.contains("waiting for"), "{terminal:?}");
    assert!(!terminal.contains('\u{1b}'), "no escape sequence: {terminal:?}");

    // A pipe (no terminal), table output: no progress either.
    let f = single("pr", "");
    slow_checks(&f);
    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains("waiting for"), "{text}");
        assert!(!text.contains('\r') && !text.contains('\u{1b}'), "{text:?}");
    }
}

/// Writes an executable shell script `body` at `path`.
fn script(path: &std::path::Path, body: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write the script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn a_remote_release_branch_moved_between_the_check_and_the_delete_survives() {
    // The race the tidy-up must lose gracefully: the remote `release/<run>/…` names the run's
    // commit when it is read, and someone moves it before the delete. Staged with two hooks:
    // when the tidy-up deletes the local branch (a `reference-transaction` hook), the remote
    // branch is put back at the run's commit (the stand-in gh deleted it with the merge) and
    // the remote is armed; the `ls-remote` that reads it then (through
    // `remote.origin.uploadpack`) moves it to another commit right after answering.
    let f = single("pr", "");
    let bare = f.bare.display().to_string();
    let armed = f.r.scratch().join("armed");
    let armed = armed.display();
    script(
        &f.r.path().join(".git/hooks/reference-transaction"),
        &format!(
            "[ \"$1\" = committed ] || exit 0\n\
             while read old new ref; do\n\
               case \"$new $ref\" in\n\
                 0000000000000000000000000000000000000000\\ refs/heads/release/*)\n\
                   git --git-dir='{bare}' update-ref \"$ref\" \"$old\" && touch '{armed}' ;;\n\
               esac\n\
             done\n"
        ),
    );
    let wrapper = f.r.scratch().join("upload-pack");
    script(
        &wrapper,
        &format!(
            "git upload-pack \"$@\"\nstatus=$?\n\
             if [ -e '{armed}' ]; then\n\
               rm -f '{armed}'\n\
               to=$(git --git-dir='{bare}' rev-parse 'refs/tags/v1.2.0^{{commit}}')\n\
               for ref in $(git --git-dir='{bare}' for-each-ref --format='%(refname)' refs/heads/release/); do\n\
                 git --git-dir='{bare}' update-ref \"$ref\" \"$to\"\n\
               done\n\
             fi\n\
             exit $status\n"
        ),
    );
    f.r.git(["config", "remote.origin.uploadpack", &wrapper.display().to_string()]);

    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    let run = run_id(&out.stdout);
    let moved = f.remote(["rev-parse", "refs/tags/v1.2.0^{commit}"]);
    let left =
        f.remote(["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/release"]);
    assert_eq!(left, format!("refs/heads/release/{run}/demo {moved}"), "{}", out.stderr);
    assert!(
        out.stderr.contains("a release branch was left in place: the branch `release/")
            && out.stderr.contains("was not deleted (did it move since"),
        "{}",
        out.stderr
    );
    assert_eq!(local_release_branches(&f), "", "the local one, unmoved, is gone");
}
