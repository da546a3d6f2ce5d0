//! The stand-in `gh` for the pipeline's end-to-end tests: `gh_standin.py` installed as `gh`
//! first on PATH, recording its calls and keeping a fake forge (PRs, releases, issues,
//! workflow runs) that the test can read back. The tests here guard the stand-in itself,
//! against real bare remotes: pipeline tests rely on it behaving like GitHub.

#![allow(dead_code, reason = "each pipeline test uses a different subset of the helpers")]

use std::cell::Cell;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::support::{self, Output, TestRepo};

/// The stand-in's source (next to this file; Cargo rebuilds the tests when it changes).
const SCRIPT: &str = include_str!("gh_standin.py");

/// The stand-in `gh` of one test: where it is installed and where it keeps its state.
pub struct Gh {
    /// `GH_STANDIN_DIR`: `calls.jsonl`, `state.json`, and the lock file.
    dir: PathBuf,
    /// The folder holding the executable `gh`.
    bin: PathBuf,
    /// How many scenarios [`Gh::scenario`] has written; none yet when 0.
    scenarios: Cell<u32>,
}

impl Gh {
    /// Installs the stand-in as `<scratch>/gh-standin/bin/gh` (mode 755), with its state in
    /// `<scratch>/gh-standin/state`.
    pub fn install(r: &TestRepo) -> Gh {
        let root = r.scratch().join("gh-standin");
        let gh = Gh { dir: root.join("state"), bin: root.join("bin"), scenarios: Cell::new(0) };
        std::fs::create_dir_all(&gh.dir).expect("create the stand-in's state folder");
        std::fs::create_dir_all(&gh.bin).expect("create the stand-in's bin folder");
        std::fs::write(gh.program(), script()).expect("write the stand-in gh");
        set_executable(&gh.program());
        gh
    }

    /// The stand-in executable, `…/bin/gh`.
    pub fn program(&self) -> PathBuf {
        self.bin.join("gh")
    }

    /// `PATH` with the stand-in's folder first, then [`support::path_with_binary`].
    pub fn path(&self) -> OsString {
        let mut dirs = vec![self.bin.clone()];
        dirs.extend(std::env::split_paths(&support::path_with_binary()));
        std::env::join_paths(dirs).expect("PATH entries join")
    }

    fn scenario_file(&self) -> PathBuf {
        self.bin.with_file_name("scenario.json")
    }

    /// What a `git release` run needs to use the stand-in: `PATH`, `GH_STANDIN_DIR`,
    /// `GH_STANDIN_SCENARIO` (once [`Gh::scenario`] was called) and `GIT_RELEASE_GH`.
    /// Borrow them for [`TestRepo::run_in`] with [`borrow`].
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("PATH".to_owned(), self.path().to_string_lossy().into_owned()),
            ("GH_STANDIN_DIR".to_owned(), self.dir.display().to_string()),
            ("GIT_RELEASE_GH".to_owned(), self.program().display().to_string()),
        ];
        if self.scenarios.get() > 0 {
            env.push((
                "GH_STANDIN_SCENARIO".to_owned(),
                self.scenario_file().display().to_string(),
            ));
        }
        env
    }

    /// The same pairs as [`Gh::env`].
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        self.env()
    }

    /// Makes the stand-in play `rules` (a JSON array of `{"match", "contains", "fail",
    /// "times"}`, see `gh_standin.py`) from its next call on. Each call starts the rules'
    /// counters from zero, even with the same rules as before.
    pub fn scenario(&self, rules: Value) {
        let generation = self.scenarios.get() + 1;
        self.scenarios.set(generation);
        // The stand-in keys its counters by the file's text: `generation` makes it new.
        let mut doc = json!({ "generation": generation });
        doc["rules"] = rules;
        let text = serde_json::to_string_pretty(&doc).expect("JSON values serialise");
        std::fs::write(self.scenario_file(), text).expect("write the scenario file");
    }

    /// Every recorded call's arguments (after `gh`), in order, the test's own [`Gh::call`]s
    /// included.
    pub fn calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.dir.join("calls.jsonl")).unwrap_or_default();
        text.lines()
            .map(|line| {
                let call: Value = serde_json::from_str(line).expect("calls.jsonl holds JSON lines");
                call["argv"]
                    .as_array()
                    .expect("`argv` is an array")
                    .iter()
                    .map(|a| a.as_str().expect("arguments are strings").to_owned())
                    .collect()
            })
            .collect()
    }

    /// The recorded calls whose arguments start with `prefix`, e.g. `&["pr", "create"]`.
    pub fn calls_matching(&self, prefix: &[&str]) -> Vec<Vec<String>> {
        self.calls()
            .into_iter()
            .filter(|call| {
                call.len() >= prefix.len() && call.iter().zip(prefix).all(|(a, p)| a == p)
            })
            .collect()
    }

    /// The stand-in's `state.json`: `prs`, `releases`, `issues`, `runs`, `counters` and
    /// `rule_counters`; `Null` before its first call.
    pub fn state(&self) -> Value {
        match std::fs::read_to_string(self.dir.join("state.json")) {
            Ok(text) => serde_json::from_str(&text).expect("state.json is JSON"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
            Err(e) => panic!("cannot read the stand-in's state.json: {e}"),
        }
    }

    /// Runs `gh ARGS` (the stand-in) in the work tree of `r`, with [`Gh::env`]: to set up or
    /// inspect the fake forge from a test. The call is recorded like any other.
    pub fn call(&self, r: &TestRepo, args: &[&str]) -> Output {
        self.call_in(r, &r.path(), args)
    }

    /// [`Gh::call`] in the folder `dir` (another clone or a worktree).
    pub fn call_in(&self, r: &TestRepo, dir: &Path, args: &[&str]) -> Output {
        let env = self.env();
        r.exec_in(self.program().as_os_str(), dir, args, &borrow(&env), None)
    }
}

/// Borrows owned environment pairs as the `&[(&str, &str)]` that [`TestRepo::run_in`] takes.
pub fn borrow(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The script to install. Its `#!/usr/bin/env python3` would start Python through whatever
/// wrapper `python3` is on PATH (pyenv's costs 150 ms a call); the copy names the interpreter
/// itself instead, with `-S` (no site-packages: the stand-in uses the standard library only).
fn script() -> String {
    static SCRIPT_COPY: OnceLock<String> = OnceLock::new();
    SCRIPT_COPY
        .get_or_init(|| {
            let python = support::python().to_string_lossy();
            let found = (python != "python3").then_some(python);
            match found {
                Some(python) if !python.contains(char::is_whitespace) => {
                    let (_, rest) = SCRIPT.split_once('\n').expect("the script has a shebang line");
                    format!("#!{python} -S\n{rest}")
                }
                _ => SCRIPT.to_owned(),
            }
        })
        .clone()
}

fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("make the stand-in executable");
}

// ---- tests of the stand-in -----------------------------------------------------------------

/// A repository with a bare `origin` holding `main` (one commit) and `release/demo` (one
/// commit more, checked out and pushed), and the stand-in installed.
fn release_branch() -> (TestRepo, PathBuf, Gh) {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.commit("feat: first release");
    let bare = r.with_origin();
    r.branch("release/demo");
    r.checkout("release/demo");
    r.change("Cargo.toml", "release: demo v1.1.0");
    r.git(["push", "--quiet", "origin", "release/demo"]);
    let gh = Gh::install(&r);
    (r, bare, gh)
}

/// The JSON stdout of a call that must succeed.
#[track_caller]
fn ok_json(out: &Output) -> Value {
    out.expect_code(0);
    out.json()
}

/// The commit a ref names in the bare repository `bare`.
fn remote_ref(r: &TestRepo, bare: &Path, name: &str) -> String {
    r.git_in(bare, ["rev-parse", "--verify", name])
}

const CREATE: [&str; 10] = [
    "pr",
    "create",
    "--base",
    "main",
    "--head",
    "release/demo",
    "--title",
    "release: demo v1.1.0",
    "--body",
    "notes",
];

#[test]
fn a_pull_request_is_created_listed_checked_and_squash_merged_on_the_remote() {
    let (r, bare, gh) = release_branch();
    let old_main = remote_ref(&r, &bare, "main");

    let out = gh.call(&r, &CREATE);
    out.expect_code(0);
    assert_eq!(out.stdout, "https://github.com/test/origin/pull/1\n");
    let again = gh.call(&r, &CREATE);
    again.expect_code(1);
    assert_eq!(
        again.stderr,
        "a pull request for branch \"release/demo\" into branch \"main\" already exists:\n\
         https://github.com/test/origin/pull/1\n"
    );

    let list = ["pr", "list", "--head", "release/demo", "--json", "number,state,baseRefName"];
    assert_eq!(
        ok_json(&gh.call(&r, &list)),
        json!([{ "number": 1, "state": "OPEN", "baseRefName": "main" }])
    );
    let checks = gh.call(&r, &["pr", "checks", "1", "--watch", "--interval", "1"]);
    checks.expect_code(0);
    assert!(checks.stdout.starts_with("test\tpass\t"), "{}", checks.stdout);

    // `--delete-branch` without `--repo` would let real gh touch the local repository.
    let local = gh.call(&r, &["pr", "merge", "1", "--squash", "--delete-branch"]);
    local.expect_code(2);
    assert!(local.stderr.contains("--delete-branch without --repo"), "{}", local.stderr);
    let merge = gh.call(
        &r,
        &["pr", "merge", "1", "--squash", "--delete-branch", "--repo", "github.com/test/origin"],
    );
    merge.expect_code(0);
    assert_eq!(
        merge.stdout,
        "✓ Squashed and merged pull request #1\n✓ Deleted branch release/demo\n"
    );
    assert!(r.git_in(&bare, ["for-each-ref", "refs/heads/release"]).is_empty());
    // One new commit on the remote's main: the branch's tree, on top of the old main.
    let oid = remote_ref(&r, &bare, "main");
    assert_eq!(r.git_in(&bare, ["log", "-1", "--format=%s", &oid]), "release: demo v1.1.0 (#1)");
    assert_eq!(remote_ref(&r, &bare, &format!("{oid}^")), old_main);
    assert_eq!(
        remote_ref(&r, &bare, &format!("{oid}^{{tree}}")),
        r.git(["rev-parse", "HEAD^{tree}"])
    );
    assert_eq!(
        ok_json(&gh.call(&r, &["pr", "view", "1", "--json", "state,mergeCommit"])),
        json!({ "state": "MERGED", "mergeCommit": { "oid": oid } })
    );

    let twice = gh.call(&r, &["pr", "merge", "1", "--squash"]);
    twice.expect_code(1);
    assert_eq!(twice.stderr, "Pull request #1 was already merged\n");
    assert_eq!(ok_json(&gh.call(&r, &list)), json!([]), "the default filter is open PRs");
    let merged = [&list[..], &["--state", "merged"]].concat();
    assert_eq!(ok_json(&gh.call(&r, &merged))[0]["state"], "MERGED");
    assert_eq!(gh.calls_matching(&["pr", "merge"]).len(), 3);
    assert_eq!(gh.state()["prs"][0]["mergeCommit"]["oid"], oid);
    let leftovers: Vec<_> = std::fs::read_dir(&gh.dir).expect("the state folder").collect();
    assert_eq!(leftovers.len(), 3, "calls.jsonl, state.json and lock, no clone left behind");
}

#[test]
fn a_pull_request_needs_its_head_on_the_remote_and_an_unknown_one_is_not_found() {
    let (r, _bare, gh) = release_branch();
    let out = gh.call(&r, &["pr", "create", "-B", "main", "-H", "nowhere", "-t", "T", "-b", ""]);
    out.expect_code(1);
    assert!(out.stderr.contains("No commits between main and nowhere"), "{}", out.stderr);
    let view = gh.call(&r, &["pr", "view", "7", "--json", "state"]);
    view.expect_code(1);
    assert_eq!(view.stderr, "GraphQL: Could not resolve to a PullRequest with the number of 7.\n");
    let bad = gh.call(&r, &["pr", "list", "--json", "number,nope"]);
    bad.expect_code(1);
    assert!(bad.stderr.starts_with("Unknown JSON field: \"nope\""), "{}", bad.stderr);
    let unknown = gh.call(&r, &["api", "repos/test/origin"]);
    unknown.expect_code(2);
    assert_eq!(unknown.stderr, "unexpected gh call: api repos/test/origin\n");
    assert_eq!(gh.calls().len(), 4, "failing calls are recorded too");
}

#[test]
fn release_create_with_verify_tag_needs_the_tag_on_the_remote() {
    let (r, bare, gh) = release_branch();
    r.tag_annotated("v1.1.0");
    let create = [
        "release",
        "create",
        "v1.1.0",
        "--verify-tag",
        "--title",
        "demo 1.1.0",
        "--notes",
        "- fix",
    ];

    let early = gh.call(&r, &create);
    early.expect_code(1);
    assert_eq!(
        early.stderr,
        "tag v1.1.0 doesn't exist in the repo, aborting due to --verify-tag flag\n"
    );
    r.git(["push", "--quiet", "origin", "v1.1.0"]);
    let out = gh.call(&r, &create);
    out.expect_code(0);
    assert_eq!(out.stdout, "https://github.com/test/origin/releases/tag/v1.1.0\n");
    let again = gh.call(&r, &create);
    again.expect_code(1);
    assert!(again.stderr.ends_with("Release.tag_name already exists\n"), "{}", again.stderr);

    let view = ["release", "view", "v1.1.0", "--json", "tagName,name,body,isPrerelease"];
    let expected = json!({
        "tagName": "v1.1.0",
        "name": "demo 1.1.0",
        "body": "- fix",
        "isPrerelease": false,
    });
    assert_eq!(ok_json(&gh.call(&r, &view)), expected);
    gh.call(&r, &["release", "edit", "v1.1.0", "--prerelease"]).expect_code(0);
    assert_eq!(ok_json(&gh.call(&r, &view))["isPrerelease"], true);
    let missing = gh.call(&r, &["release", "view", "v9.9.9", "--json", "tagName"]);
    missing.expect_code(1);
    assert_eq!(missing.stderr, "release not found\n");

    // Without --verify-tag, GitHub tags the tip of the default branch itself.
    gh.call(&r, &["release", "create", "v2.0.0", "--notes", "x"]).expect_code(0);
    assert_eq!(remote_ref(&r, &bare, "refs/tags/v2.0.0"), remote_ref(&r, &bare, "main"));
}

#[test]
fn a_transient_rule_fails_the_first_calls_then_lets_them_through() {
    let (r, _bare, gh) = release_branch();
    gh.scenario(json!([
        { "match": ["pr", "list"], "fail": "transient", "times": 2 },
        { "match": ["auth", "status"], "fail": "auth" },
    ]));
    let list = ["pr", "list", "--head", "release/demo", "--json", "number"];
    for _ in 0..2 {
        let out = gh.call(&r, &list);
        out.expect_code(1);
        assert_eq!(out.stderr, "HTTP 502: Bad Gateway (https://api.github.com/graphql)\n");
    }
    assert_eq!(ok_json(&gh.call(&r, &list)), json!([]));
    let auth = gh.call(&r, &["auth", "status"]);
    auth.expect_code(4);
    assert!(auth.stderr.contains("HTTP 401: Bad credentials"), "{}", auth.stderr);
    assert_eq!(gh.calls_matching(&["pr", "list"]).len(), 3);

    // A new scenario starts counting again, even with the same rules.
    gh.scenario(json!([{ "match": ["pr", "list"], "fail": "transient", "times": 1 }]));
    gh.call(&r, &list).expect_code(1);
    gh.call(&r, &list).expect_code(0);
    gh.call(&r, &["auth", "status"]).expect_code(0);
}

#[test]
fn an_exists_rule_creates_the_object_then_reports_it_exists() {
    let (r, _bare, gh) = release_branch();
    r.tag_annotated("v1.1.0");
    r.git(["push", "--quiet", "origin", "v1.1.0"]);
    gh.scenario(json!([
        { "match": ["pr", "create"], "fail": "exists", "times": 1 },
        { "match": ["release", "create"], "contains": "v1.1.0", "fail": "exists" },
    ]));
    let out = gh.call(&r, &CREATE);
    out.expect_code(1);
    assert!(
        out.stderr.contains("already exists:\nhttps://github.com/test/origin/pull/1"),
        "{}",
        out.stderr
    );
    let list = ["pr", "list", "--head", "release/demo", "--json", "number,title"];
    assert_eq!(
        ok_json(&gh.call(&r, &list)),
        json!([{ "number": 1, "title": "release: demo v1.1.0" }])
    );

    let release = gh.call(&r, &["release", "create", "v1.1.0", "--verify-tag", "--notes", "n"]);
    release.expect_code(1);
    assert!(release.stderr.contains("already exists"), "{}", release.stderr);
    let view = ["release", "view", "v1.1.0", "--json", "tagName"];
    assert_eq!(ok_json(&gh.call(&r, &view)), json!({ "tagName": "v1.1.0" }));
}

#[test]
fn failed_checks_and_merge_conflicts_fail_their_calls() {
    let (r, bare, gh) = release_branch();
    gh.call(&r, &CREATE).expect_code(0);
    gh.scenario(json!([
        { "match": ["pr", "checks"], "fail": "checks_failed", "times": 1 },
        { "match": ["pr", "merge"], "fail": "merge_conflict", "times": 1 },
    ]));
    let checks = gh.call(&r, &["pr", "checks", "1", "--watch", "--fail-fast"]);
    checks.expect_code(1);
    assert!(checks.stdout.starts_with("test\tfail\t"), "{}", checks.stdout);
    gh.call(&r, &["pr", "checks", "1"]).expect_code(0);
    let main = remote_ref(&r, &bare, "main");
    let merge = gh.call(&r, &["pr", "merge", "1", "--squash"]);
    merge.expect_code(1);
    assert_eq!(
        merge.stderr,
        "Pull request #1 is not mergeable: the merge commit cannot be cleanly created.\n"
    );
    assert_eq!(remote_ref(&r, &bare, "main"), main, "a refused merge changes nothing");
    gh.call(&r, &["pr", "merge", "1", "--squash", "--subject", "release: demo"]).expect_code(0);
    assert_eq!(r.git_in(&bare, ["log", "-1", "--format=%s", "main"]), "release: demo");
}

#[test]
fn a_workflow_run_appears_for_a_pushed_tag_and_a_run_failed_rule_fails_it() {
    let (r, _bare, gh) = release_branch();
    for tag in ["v1.1.0", "v1.2.0"] {
        r.tag_annotated(tag);
        r.git(["push", "--quiet", "origin", tag]);
    }
    gh.scenario(json!([
        { "match": ["run", "list"], "contains": "v1.2.0", "fail": "run_failed" },
    ]));
    let runs = |tag: &str| {
        let args = [
            "run",
            "list",
            "--workflow",
            "release.yml",
            "--branch",
            tag,
            "--json",
            "databaseId,conclusion",
        ];
        ok_json(&gh.call(&r, &args))
    };
    assert_eq!(runs("v9.0.0"), json!([]), "no run for a tag that was never pushed");
    assert_eq!(runs("v1.1.0"), json!([{ "databaseId": 1000, "conclusion": "success" }]));
    assert_eq!(runs("v1.2.0"), json!([{ "databaseId": 1001, "conclusion": "failure" }]));
    assert_eq!(
        runs("v1.2.0"),
        json!([{ "databaseId": 1001, "conclusion": "failure" }]),
        "one run a tag"
    );

    gh.call(&r, &["run", "watch", "1000", "--exit-status"]).expect_code(0);
    let watch = gh.call(&r, &["run", "watch", "1001", "--exit-status"]);
    watch.expect_code(1);
    assert_eq!(watch.stderr, "run 1001 failed\n");
    let log = gh.call(&r, &["run", "view", "1001", "--log-failed"]);
    log.expect_code(0);
    assert_eq!(log.stdout.lines().count(), 3);
    assert!(log.stdout.contains("error: failed to publish"), "{}", log.stdout);
    let view = ok_json(&gh.call(&r, &["run", "view", "1001", "--json", "conclusion,jobs"]));
    assert_eq!(view["jobs"][0]["name"], "build");
    assert_eq!(view["jobs"][0]["conclusion"], "failure");
}

#[test]
fn issues_are_created_and_found_by_label_and_title() {
    let (r, _bare, gh) = release_branch();
    let create = |title: &str, label: &str| {
        let out =
            gh.call(&r, &["issue", "create", "--title", title, "--body", "b", "--label", label]);
        out.expect_code(0);
        out.stdout
    };
    assert_eq!(
        create("crash on start", "blocker,bug"),
        "https://github.com/test/origin/issues/100\n"
    );
    create("typo in docs", "docs");
    let list =
        ["issue", "list", "--label", "blocker", "--state", "open", "--json", "number,title,labels"];
    assert_eq!(
        ok_json(&gh.call(&r, &list)),
        json!([{
            "number": 100,
            "title": "crash on start",
            "labels": [{ "name": "blocker" }, { "name": "bug" }],
        }])
    );
    let search = ["issue", "list", "--search", "TYPO in:title", "--json", "number"];
    assert_eq!(ok_json(&gh.call(&r, &search)), json!([{ "number": 101 }]));
}
