//! The contract with the real `gh` (issue 14, item 2): releases run end to end through the
//! installed gh binary, talking to a fake GitHub Enterprise API over TLS (`fake_github.py`)
//! that merges into the bare `file://` remote as GitHub would. The stand-in `gh` of `gh.rs`
//! stays for fault injection; these tests check that every command line we send parses and
//! works under the gh installed here (CI installs Debian's, gh 2.23, the oldest supported).
//!
//! Skipped, with a note, when `gh`, `openssl` or `python3` is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{self, Output, TestRepo};

/// The fake's source (next to this file).
const SCRIPT: &str = include_str!("fake_github.py");

/// The enterprise host gh is told about. It never resolves: gh reaches it through the fake,
/// which is its HTTPS proxy.
const HOST: &str = "ghe.test";

/// The token the fake accepts.
const TOKEN: &str = "fake-enterprise-token";

/// The real gh on PATH, or `None` after a skip note.
fn real_gh() -> Option<PathBuf> {
    let Ok(gh) = which::which("gh") else {
        support::skip("`gh` is not installed (CI installs it: `apt-get install -y gh`)");
        return None;
    };
    for tool in ["openssl", "python3"] {
        if which::which(tool).is_err() {
            support::skip(&format!("`{tool}` is not installed"));
            return None;
        }
    }
    Some(gh)
}

/// A running fake GitHub for one test: the `fake_github.py` process (killed when dropped),
/// its folder and the environment gh needs.
struct FakeGithub {
    child: Child,
    dir: PathBuf,
    gh: PathBuf,
    port: u16,
}

impl FakeGithub {
    /// Makes a self-signed certificate for [`HOST`] with `openssl`, starts the fake with the
    /// bare `remote` as the repository `test/origin`, and adds the remote `github`
    /// (`https://HOST/test/origin.git`) to `r`: gh resolves its host from a git remote,
    /// while git-release pushes to `origin`.
    fn start(r: &TestRepo, gh: PathBuf, remote: &Path) -> Self {
        let dir = r.scratch().join("fake-github");
        std::fs::create_dir_all(&dir).expect("create the fake's folder");
        let script = dir.join("fake_github.py");
        std::fs::write(&script, SCRIPT).expect("write the fake");
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        let made = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args(["-subj", &format!("/CN={HOST}")])
            .args(["-addext", &format!("subjectAltName=DNS:{HOST}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("openssl runs");
        assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
        let log = std::fs::File::create(dir.join("fake.log")).expect("create the fake's log");
        let child = Command::new(support::python())
            .arg(&script)
            .args(["--host", HOST, "--dir"])
            .arg(&dir)
            .arg("--remote")
            .arg(remote)
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("python3 starts the fake");
        let mut fake = FakeGithub { child, dir, gh, port: 0 };
        let deadline = Instant::now() + Duration::from_secs(10);
        while fake.port == 0 {
            if let Ok(text) = std::fs::read_to_string(fake.dir.join("port")) {
                fake.port = text.trim().parse().expect("the port file holds a port");
            } else if Instant::now() > deadline || matches!(fake.child.try_wait(), Ok(Some(_))) {
                panic!("the fake GitHub did not start: {}", fake.log());
            } else {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        r.git(["remote", "add", "github", &format!("https://{HOST}/test/origin.git")]);
        fake
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("fake.log")).unwrap_or_default()
    }

    /// What gh needs to talk to the fake, and `GIT_RELEASE_GH` naming the real gh. gh's
    /// cache (under `TMPDIR` in gh 2.23) and configuration stay in the test's folder.
    fn env(&self) -> Vec<(String, String)> {
        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp).expect("create the TMPDIR");
        [
            ("GIT_RELEASE_GH", self.gh.display().to_string()),
            ("GH_HOST", HOST.to_owned()),
            ("GH_ENTERPRISE_TOKEN", TOKEN.to_owned()),
            ("GH_REPO", "test/origin".to_owned()),
            ("SSL_CERT_FILE", self.dir.join("cert.pem").display().to_string()),
            ("HTTPS_PROXY", format!("http://127.0.0.1:{}", self.port)),
            ("NO_PROXY", String::new()),
            ("GH_CONFIG_DIR", self.dir.join("config").display().to_string()),
            ("TMPDIR", tmp.display().to_string()),
            ("SOURCE_DATE_EPOCH", "1700000000".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v))
        .to_vec()
    }

    /// Sets how the forge behaves (see `fake_github.py`).
    fn control(&self, value: &Value) {
        std::fs::write(self.dir.join("control.json"), value.to_string()).expect("write control");
    }

    /// The forge's state: `prs`, `releases`, `issues`, `runs`.
    fn state(&self) -> Value {
        let text = std::fs::read_to_string(self.dir.join("state.json")).expect("read state.json");
        serde_json::from_str(&text).expect("state.json is JSON")
    }

    /// The GraphQL operations and REST paths gh sent, in order.
    fn requests(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.dir.join("requests.jsonl")).unwrap_or_default();
        text.lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("requests.jsonl holds JSON lines");
                match v["operation"].as_str() {
                    Some(op) => format!("graphql {op}"),
                    None => format!("{} {}", v["method"].as_str().unwrap_or(""), v["path"]),
                }
            })
            .collect()
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A single package `demo` at 1.2.0 (tag `v1.2.0`), then a `feat`: 1.3.0 is next. Pushed
/// to a bare `origin` with `main` tracking it, and the fake GitHub serving it.
struct Fixture {
    r: TestRepo,
    bare: PathBuf,
    fake: FakeGithub,
}

impl Fixture {
    /// `None` (after a skip note) when gh or a tool is missing. `release` goes into
    /// `[release]`, `forge` into `[forge]`.
    fn new(mode: &str, release: &str, forge: &str) -> Option<Self> {
        let gh = real_gh()?;
        let r = TestRepo::new();
        r.write(
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"1.2.0\"\nedition = \"2021\"\n",
        );
        r.write("src/lib.rs", "//! Demo.\n");
        r.write("tests/smoke.rs", "#[test]\nfn smoke() {}\n");
        r.write("CHANGELOG.md", "# Changelog\n\n## 1.2.0 (2023-01-01)\n\n- First release.\n");
        let protected = if mode == "direct" { "protected_branches = []\n" } else { "" };
        r.write(
            "release.toml",
            &format!(
                "[release]\nmode = \"{mode}\"\nemail_pattern = \"*@example.com\"\n{protected}{release}\n\
                 [forge]\nretries = 2\nbase_delay_ms = 1\n{forge}"
            ),
        );
        r.commit("chore: start");
        r.tag_annotated("v1.2.0");
        r.change("src/lib.rs", "feat: add a greeting");
        let bare = r.with_origin();
        r.git(["push", "--quiet", "origin", "--tags"]);
        r.git(["branch", "--quiet", "-u", "origin/main"]);
        let fake = FakeGithub::start(&r, gh, &bare);
        Some(Self { r, bare, fake })
    }

    /// `git release ARGS` through the real gh.
    fn release(&self, args: &[&str]) -> Output {
        let pairs = self.fake.env();
        let env: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.r.run_in(&self.r.path(), args, &env, None)
    }

    /// `git ARGS` in the bare remote, trimmed.
    fn remote<const N: usize>(&self, args: [&str; N]) -> String {
        self.r.git_in(&self.bare, args)
    }

    /// Fails with both streams and the fake's log unless `out` exited with `code`.
    #[track_caller]
    fn expect(&self, out: &Output, code: i32) {
        assert_eq!(
            out.code,
            code,
            "stdout:\n{}\nstderr:\n{}\nfake log:\n{}\nrequests: {:#?}",
            out.stdout,
            out.stderr,
            self.fake.log(),
            self.fake.requests()
        );
    }
}

#[test]
fn pr_mode_waits_for_checks_and_the_workflow_and_merges_on_the_remote() {
    let Some(f) = Fixture::new("pr", "", "wait_workflow = \"release\"\n") else { return };
    let old = f.remote(["rev-parse", "refs/heads/main"]);

    let out = f.release(&["run", "--yes", "--format", "json"]);
    f.expect(&out, 0);
    let result = out.json();
    assert_eq!(result["status"], "SUCCESS", "{result:#}");

    // The pull request: created, its checks watched, squash-merged by the fake on the remote.
    let prs = f.fake.state()["prs"].clone();
    assert_eq!(prs.as_array().map(Vec::len), Some(1), "{prs:#}");
    assert_eq!(prs[0]["state"], "MERGED");
    assert_eq!(prs[0]["mergeMethod"], "SQUASH");
    let new = f.remote(["rev-parse", "refs/heads/main"]);
    assert_eq!(prs[0]["mergeCommit"], new.as_str());
    assert_eq!(f.remote(["rev-parse", &format!("{new}^")]), old);
    assert_eq!(f.remote(["log", "-1", "--format=%s", &new]), "release: demo v1.3.0 (#1)");
    assert_eq!(f.remote(["rev-parse", "refs/tags/v1.3.0^{commit}"]), new);
    let requests = f.fake.requests();
    for op in ["PullRequestCreate", "PullRequestStatusChecks", "PullRequestMerge"] {
        assert!(requests.contains(&format!("graphql {op}")), "gh sent `{op}`: {requests:#?}");
    }

    // The release branch went with the merge (`--delete-branch`: gh's REST call), and the
    // local one after the run; the local main is at the merge commit (issue 14, item 3).
    assert!(
        requests.iter().any(|r| r.starts_with("DELETE ") && r.contains("/git/refs/heads/release")),
        "{requests:#?}"
    );
    assert_eq!(f.remote(["for-each-ref", "--format=%(refname)", "refs/heads"]), "refs/heads/main");
    assert_eq!(f.r.git(["for-each-ref", "--format=%(refname)", "refs/heads/release"]), "");
    assert_eq!(f.r.git(["rev-parse", "refs/heads/main"]), new);

    // The workflow run: the tag's `push` run, not the newer failing manual run on the same
    // ref (gh before 2.28 cannot filter by event: git-release does).
    let pkg = &result["packages"][0];
    let push = f.fake.state()["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["event"] == "push")
        .expect("a push run")["id"]
        .clone();
    let url = pkg["outputs"]["workflow_run"].as_str().expect("the workflow run is recorded");
    assert_eq!(url, format!("https://{HOST}/test/origin/actions/runs/{push}"));

    // The forge release, found by `gh release view` for its URL.
    let releases = f.fake.state()["releases"].clone();
    assert_eq!(releases[0]["tag"], "v1.3.0", "{releases:#}");
    assert_eq!(
        pkg["outputs"]["release_url"],
        format!("https://{HOST}/test/origin/releases/tag/v1.3.0")
    );

    // `status` reads the pull request and the release through gh.
    let run_id = result["run_id"].as_str().expect("run id");
    let status = f.release(&["status", run_id]);
    f.expect(&status, 0);
    let text = status.stdout;
    assert!(text.contains("MERGED"), "{text}");
    assert!(
        text.contains(&format!("published https://{HOST}/test/origin/releases/tag/v1.3.0")),
        "{text}"
    );
}

#[test]
fn failing_checks_name_the_check_file_a_blocker_and_roll_back_through_gh() {
    let release = "blocker_label = \"release-blocker\"\nfile_blockers = true\n";
    let Some(f) = Fixture::new("pr", release, "") else { return };
    f.fake.control(&json!({"checks": [
        {"name": "lint", "conclusion": "SUCCESS"},
        {"name": "unit tests", "conclusion": "FAILURE"},
    ]}));

    let out = f.release(&["run", "--yes", "--format", "json"]);
    f.expect(&out, 1);
    let result = out.json();
    let pkg = &result["packages"][0];
    assert_eq!(pkg["error"]["code"], "CHECKS_FAILED", "{result:#}");
    let message = pkg["error"]["message"].as_str().expect("message");
    assert!(message.contains("unit tests (https://"), "names the failed check: {message}");
    assert!(!message.contains("lint"), "and only it: {message}");
    assert_eq!(f.fake.state()["prs"][0]["state"], "OPEN");

    // One blocker issue, labelled, found again (not duplicated) by the next failure.
    let issues = f.fake.state()["issues"].clone();
    assert_eq!(issues.as_array().map(Vec::len), Some(1), "{issues:#}");
    assert_eq!(issues[0]["labels"], json!(["release-blocker"]));
    assert_eq!(pkg["outputs"]["blocker_issue"], format!("https://{HOST}/test/origin/issues/2"));

    // The next run's checks see the open blocker through `gh issue list`.
    let check = f.release(&["check", "--format", "json"]);
    assert!(check.stdout.contains("1 open issue labelled `release-blocker`"), "{}", check.stdout);

    // `status` shows the open pull request through gh.
    let run_id = result["run_id"].as_str().expect("run id");
    let status = f.release(&["status", run_id]);
    f.expect(&status, 0);
    assert!(status.stdout.contains("#1 "), "{}", status.stdout);
    assert!(status.stdout.contains("(OPEN)"), "{}", status.stdout);

    // `rollback --run` closes the pull request with a comment and deletes the branch.
    let out = f.release(&["rollback", "--run", run_id]);
    f.expect(&out, 0);
    assert_eq!(f.fake.state()["prs"][0]["state"], "CLOSED");
    assert!(f.fake.requests().contains(&"graphql CommentCreate".to_owned()));
    let heads = f.remote(["for-each-ref", "--format=%(refname)", "refs/heads"]);
    assert_eq!(heads, "refs/heads/main");
}

#[test]
fn direct_mode_releases_and_rollback_tag_pushes_a_revert_and_marks_the_release() {
    let Some(f) = Fixture::new("direct", "", "") else { return };
    let out = f.release(&["run", "--yes", "--format", "json"]);
    f.expect(&out, 0);
    let main = f.remote(["rev-parse", "refs/heads/main"]);
    assert_eq!(f.remote(["log", "-1", "--format=%s", &main]), "release: demo v1.3.0");
    assert_eq!(f.remote(["rev-parse", "refs/tags/v1.3.0^{commit}"]), main);
    assert!(f.fake.state()["prs"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(f.r.git(["rev-parse", "refs/heads/main"]), main, "the local main caught up");
    let release = f.fake.state()["releases"][0].clone();
    assert_eq!(release["tag"], "v1.3.0");
    assert_eq!(release["prerelease"], false);

    let out = f.release(&["rollback", "v1.3.0", "--yes", "--reason", "broke the build"]);
    f.expect(&out, 0);
    let state = f.fake.state();
    // Direct mode: the revert is pushed to `main`, with no pull request.
    assert!(state["prs"].as_array().is_some_and(Vec::is_empty), "{state:#}");
    let revert = f.remote(["rev-parse", "refs/heads/main"]);
    assert_eq!(f.remote(["log", "-1", "--format=%s", &revert]), "revert: release v1.3.0");
    assert_eq!(f.remote(["rev-parse", &format!("{revert}^")]), main);
    let release = &state["releases"][0];
    assert_eq!(release["prerelease"], true);
    assert!(
        release["body"].as_str().is_some_and(|b| b.starts_with("**Rolled back**: broke the build")),
        "{release:#}"
    );
}

#[test]
fn a_release_view_that_fails_after_create_is_a_warning_not_a_failure() {
    let Some(f) = Fixture::new("direct", "", "") else { return };
    f.fake.control(&json!({"views_missing": 5}));
    let out = f.release(&["run", "--yes", "--format", "json"]);
    f.expect(&out, 0);
    let result = out.json();
    assert_eq!(result["status"], "SUCCESS", "{result:#}");
    let warnings = &result["report"]["succeeded"][0]["warnings"];
    let first = warnings[0].as_str().expect("one warning");
    assert!(
        first.contains(
            "`gh release create v1.3.0` succeeded, but verifying it with `gh release view v1.3.0`"
        ),
        "{first}"
    );
    assert_eq!(f.fake.state()["releases"].as_array().map(Vec::len), Some(1));
    assert!(
        out.stderr.contains("warning: demo: `gh release create v1.3.0` succeeded"),
        "{}",
        out.stderr
    );
}

/// Issue 17 item 7 through the real gh (Debian's 2.23, which has no `run list --commit`, so
/// git-release lists the branch's runs and picks the release commit's): a minor release
/// with a failed workflow run on its commit is refused; green, it goes through. The
/// `open_prs` check's `gh pr list --base main --state open` is answered too.
#[test]
fn the_cadence_rule_reads_ci_on_the_release_commit_through_gh() {
    let Some(f) = Fixture::new("direct", "", "") else { return };
    let head = f.r.git(["rev-parse", "HEAD"]);
    f.fake.control(
        &serde_json::json!({"commit_runs": [{"head_sha": head, "conclusion": "failure"}]}),
    );
    let out = f.release(&["run", "--yes"]);
    f.expect(&out, 4);
    assert!(
        out.stderr.contains("CI is not green on the release commit")
            && out.stderr.contains("`release` ended `failure`"),
        "{}",
        out.stderr
    );
    assert!(f.remote(["tag", "--list", "v1.3.0"]).is_empty(), "nothing was tagged");
    let requests = f.fake.requests();
    assert!(
        requests.iter().any(|r| r.starts_with("GET ") && r.contains("/actions/runs")),
        "{requests:#?}"
    );

    f.fake.control(
        &serde_json::json!({"commit_runs": [{"head_sha": head, "conclusion": "success"}]}),
    );
    let out = f.release(&["run", "--yes"]);
    f.expect(&out, 0);
    assert_eq!(
        f.remote(["rev-parse", "refs/tags/v1.3.0^{commit}"]),
        f.remote(["rev-parse", "main"])
    );
}
