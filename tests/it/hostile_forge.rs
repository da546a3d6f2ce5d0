//! A hostile or broken forge, hostile commit messages and tag names, and the run's own
//! bookkeeping (issue 12, items 5-9 and 14-21): real repositories, a bare `file://` remote,
//! and the stand-in `gh` playing a forge that answers nonsense or never answers. Each test
//! asserts what a user sees: the exit code, the output, the refs and the files.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::releasable::Fixture;
use crate::support::{Output, TestRepo, file_url};

impl Fixture {
    /// The remote's tags, `git ls-remote --tags`, one name a line.
    fn remote_tags(&self) -> Vec<String> {
        self.r
            .git(["ls-remote", "--tags", &file_url(&self.bare)])
            .lines()
            .filter_map(|l| l.split_once('\t').map(|(_, name)| name.to_owned()))
            .collect()
    }

    /// The forge releases the stand-in holds, by tag.
    fn forge_releases(&self) -> Vec<String> {
        let state = self.gh.state();
        state["releases"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["tagName"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    /// The state file of run `id`, parsed.
    fn state(&self, id: &str) -> Value {
        let path = self.r.path().join(format!(".git/release/runs/{id}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()));
        serde_json::from_str(&text).expect("the state file is JSON")
    }
}

/// `release.toml` of [`single`]: direct mode, the hermetic email allowed, fast retries;
/// `tail` appended.
fn config(tail: &str) -> String {
    format!(
        "[release]\nmode = \"direct\"\nemail_pattern = \"*@example.com\"\nprotected_branches = []\n\
         \n[forge]\nretries = 2\nbase_delay_ms = 1\n{tail}"
    )
}

/// One package `demo` at 1.2.0 (tag `v1.2.0`), a `feat` and a `fix` since, pushed to a bare
/// `origin`, with the stand-in `gh`: 1.3.0 is next. `tail` goes at the end of `release.toml`.
fn single(tail: &str) -> Fixture {
    Fixture::cached(&format!("hostile_forge::single {tail}"), || {
        let r = TestRepo::new();
        r.write(
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"1.2.0\"\nedition = \"2021\"\n",
        );
        r.write("src/lib.rs", "//! Demo.\n");
        r.write("tests/smoke.rs", "#[test]\nfn smoke() {}\n");
        r.write("CHANGELOG.md", "# Changelog\n\n## 1.2.0 (2023-01-01)\n\n- First release.\n");
        r.write("release.toml", &config(tail));
        r.commit("chore: start");
        r.tag_annotated("v1.2.0");
        r.change("src/lib.rs", "feat: add a greeting");
        r.change("src/lib.rs", "fix: spell the greeting right");
        Fixture::publish(r)
    })
}

/// The run id in a summary (`Release summary (run: <id>)`) or an error naming the run.
fn run_id(text: &str) -> String {
    let start = text.find("release-2").unwrap_or_else(|| panic!("no run id in:\n{text}"));
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

/// Both streams, for assertion messages.
fn shown(out: &Output) -> String {
    format!("exit {}\nstdout:\n{}\nstderr:\n{}", out.code, out.stdout, out.stderr)
}

// ---- 5: every gh JSON answer is checked ------------------------------------------------------

#[test]
fn a_release_view_answer_without_a_url_is_an_error_not_a_published_release() {
    for answer in ["{}", "null", r#"{"url": 5}"#] {
        let f = single("");
        f.gh.scenario(
            json!([{ "match": ["release", "view"], "fail": "answer", "stdout": answer }]),
        );
        let out = f.release(&["run", "--yes"]);
        assert_eq!(out.code, 1, "{answer}: {}", shown(&out));
        assert!(!out.stdout.contains("SUCCESS"), "{answer}: {}", shown(&out));
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(text.contains("gh release view"), "{answer}: {}", shown(&out));
        assert!(text.contains(answer), "{answer}: the raw answer is shown: {}", shown(&out));
        assert!(f.forge_releases().is_empty(), "{answer}: no release was created");

        // Once the forge answers properly, resume publishes the release.
        f.gh.scenario(json!([]));
        let run = run_id(&text);
        let resumed = f.release(&["resume", &run, "--yes"]);
        assert_eq!(resumed.code, 0, "{answer}: {}", shown(&resumed));
        assert_eq!(f.forge_releases(), ["v1.3.0"], "{answer}");
    }
}

// ---- 6: time limits ---------------------------------------------------------------------------

#[test]
fn a_hanging_gh_call_is_stopped_at_the_forge_timeout_and_resume_goes_on() {
    let f = single("");
    f.gh.scenario(json!([
        { "match": ["release", "view"], "fail": "hang", "seconds": 60, "times": 1 }
    ]));
    let started = Instant::now();
    let out = f.release_env(&["run", "--yes"], &[("GIT_RELEASE_FORGE_TIMEOUT_SECS", "2")]);
    assert!(started.elapsed() < Duration::from_secs(40), "took {:?}", started.elapsed());
    assert_eq!(out.code, 1, "{}", shown(&out));
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("TIMEOUT"), "the step fails with its own code: {}", shown(&out));
    assert!(text.contains("within 2 s"), "{}", shown(&out));
    let run = run_id(&text);
    let state = f.state(&run);
    assert_eq!(state["packages"][0]["error"]["code"], "TIMEOUT", "{state:#}");

    let resumed = f.release(&["resume", &run, "--yes"]);
    assert_eq!(resumed.code, 0, "{}", shown(&resumed));
    assert_eq!(f.forge_releases(), ["v1.3.0"]);
}

#[test]
fn a_hanging_command_is_stopped_at_its_timeout_and_resume_goes_on() {
    let flag = tempfile::tempdir().expect("a temp dir");
    let go = flag.path().join("go");
    let lint = format!("sh -c 'test -e {} || exec sleep 60'", go.display());
    let f = single(&format!("\n[commands]\nlint = \"{lint}\"\ntimeout_secs = 1\n"));
    let started = Instant::now();
    let out = f.release(&["run", "--yes"]);
    assert!(started.elapsed() < Duration::from_secs(40), "took {:?}", started.elapsed());
    assert_eq!(out.code, 1, "{}", shown(&out));
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("TIMEOUT") && text.contains("commands.lint"), "{}", shown(&out));
    assert!(f.remote_tags().iter().all(|t| !t.contains("v1.3.0")), "nothing was tagged");

    std::fs::write(&go, "").expect("write the flag");
    let resumed = f.release(&["resume", &run_id(&text), "--yes"]);
    assert_eq!(resumed.code, 0, "{}", shown(&resumed));
    assert!(f.remote_tags().iter().any(|t| t == "refs/tags/v1.3.0"), "{:?}", f.remote_tags());
}

#[test]
fn forge_numbers_out_of_bounds_are_config_errors_with_file_and_line() {
    for (line, key) in [
        ("base_delay_ms = 9223372036854775807", "forge.base_delay_ms"),
        ("retries = 4294967295", "forge.retries"),
        ("timeout_secs = 0", "forge.timeout_secs"),
    ] {
        let r = TestRepo::new();
        r.write("release.toml", &format!("[release]\nmode = \"direct\"\n\n[forge]\n{line}\n"));
        r.commit("feat: start");
        let out = r.run(["plan"]);
        assert_eq!(out.code, 2, "{line}: {}", shown(&out));
        assert!(out.stderr.contains("release.toml:5"), "{line}: {}", shown(&out));
        assert!(out.stderr.contains(key), "{line}: {}", shown(&out));
    }
    // u64::MAX is no TOML integer at all: still a config error at its line.
    let r = TestRepo::new();
    r.write("release.toml", "[forge]\nbase_delay_ms = 18446744073709551615\n");
    r.commit("feat: start");
    let out = r.run(["plan"]);
    assert_eq!(out.code, 2, "{}", shown(&out));
    assert!(out.stderr.contains("release.toml:2"), "{}", shown(&out));
    // The variable is checked too.
    let out = r.run_env(["plan"], &[("GIT_RELEASE_FORGE_TIMEOUT_SECS", "forever")]);
    assert_eq!(out.code, 2, "{}", shown(&out));
    assert!(out.stderr.contains("GIT_RELEASE_FORGE_TIMEOUT_SECS"), "{}", shown(&out));
}

// ---- 17: tag formats follow git's ref-name rules --------------------------------------------

#[test]
fn tag_formats_git_refuses_are_config_errors_at_load() {
    for format in
        ["v{version}.lock", "v{version}/", "v{version}.", "a//v{version}", "a/.v{version}"]
    {
        let r = TestRepo::new();
        r.write("release.toml", &format!("[release]\ntag_format = \"{format}\"\n"));
        r.commit("feat: start");
        let out = r.run(["plan"]);
        assert_eq!(out.code, 2, "{format}: {}", shown(&out));
        assert!(out.stderr.contains("release.toml:2"), "{format}: {}", shown(&out));
        assert!(out.stderr.contains("tag_format"), "{format}: {}", shown(&out));
    }
}

/// Every file under `dir`, read lossily, with its path: to search a folder for a secret.
fn files_under(dir: &std::path::Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    out
}

// ---- 7: no token from the remote URL leaves -------------------------------------------------

#[test]
fn a_token_in_the_remote_url_query_reaches_no_link_argument_or_evidence() {
    let f = single("");
    // The remote as a user might have configured it: a GitHub URL carrying a token in its
    // query and fragment, which git rewrites to the bare repository.
    let hostile = "https://github.com/test/origin.git?access_token=SECRET1#SECRET2";
    f.r.git(["remote", "set-url", "origin", hostile]);
    f.r.git(["config", &format!("url.{}.insteadOf", file_url(&f.bare)), hostile]);
    let out = f.release(&["run", "--yes"]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    assert!(!format!("{}{}", out.stdout, out.stderr).contains("SECRET"), "{}", shown(&out));

    let changelog = f.r.git_in(&f.bare, ["show", "main:CHANGELOG.md"]);
    assert!(
        changelog.contains("](https://github.com/test/origin/commit/"),
        "links are built from the remote's host and path:\n{changelog}"
    );
    assert!(!changelog.contains("SECRET"), "{changelog}");
    for call in f.gh.calls() {
        assert!(!call.join(" ").contains("SECRET"), "a gh argument carries the token: {call:?}");
    }
    for (path, text) in files_under(&f.r.path().join(".git/release")) {
        assert!(!text.contains("SECRET"), "`{}` carries the token:\n{text}", path.display());
    }
}

// ---- 8: terminal escapes in commit messages -------------------------------------------------

#[test]
fn escape_sequences_in_commit_messages_are_escaped_on_the_terminal_and_dropped_in_markdown() {
    let f = single("");
    f.r.change("src/lib.rs", "feat: title \x1b]0;pwned\x07 and \x1b[2Jclear\r");
    f.r.git(["push", "--quiet", "origin", "main"]);
    for args in [&["plan"][..], &["plan", "--explain"], &["changelog", "--unreleased"]] {
        let out = f.release(args);
        assert_eq!(out.code, 0, "{args:?}: {}", shown(&out));
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(!text.contains(['\x1b', '\x07', '\r']), "{args:?} printed a raw escape: {text:?}");
    }
    let explain = f.release(&["plan", "--explain"]);
    assert!(explain.stdout.contains("\\u{1b}"), "the escape is shown escaped: {}", explain.stdout);

    let out = f.release(&["run", "--yes"]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(!text.contains(['\x1b', '\x07', '\r']), "the run printed a raw escape: {text:?}");
    let changelog = f.r.git_in(&f.bare, ["show", "main:CHANGELOG.md"]);
    assert!(changelog.contains("title ]0;pwned and [2Jclear"), "{changelog:?}");
    assert!(!changelog.contains(['\x1b', '\x07', '\r']), "{changelog:?}");
    let notes = &f.gh.state()["releases"][0]["body"];
    assert!(!notes.as_str().unwrap_or_default().contains('\x1b'), "{notes}");
}

// ---- 9: suggested commands are shell-quoted ---------------------------------------------------

#[test]
fn a_hostile_tag_name_is_suggested_shell_quoted() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.7.0\"\n");
    r.commit("chore: start");
    r.with_origin();
    r.run_in(&r.path(), ["hook", "install"], &[], None).expect_code(0);
    let tag = "v1.7;touch${IFS}/tmp/x";
    r.tag(tag);
    let out = r.git_out(&r.path(), ["push", "origin", &format!("refs/tags/{tag}")], &[]);
    assert_ne!(out.code, 0, "{}", shown(&out));
    assert!(
        out.stderr.contains("`git tag -d 'v1.7;touch${IFS}/tmp/x'`"),
        "the suggestion quotes the tag: {}",
        shown(&out)
    );
    assert!(!out.stderr.contains("git tag -d v1.7;"), "{}", shown(&out));
}

// ---- 14: the hook shims without the binary ---------------------------------------------------

#[test]
fn without_the_binary_the_shims_let_commits_and_branches_through_and_block_tags() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.write("release.toml", "[release]\nstrict_commits = true\n");
    r.commit("chore: start");
    r.with_origin();
    r.run_in(&r.path(), ["hook", "install"], &[], None).expect_code(0);
    // PATH without the folder of `git-release`, as after uninstalling the tool.
    let path = std::env::var("PATH").expect("PATH is set");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_git-release")).parent().expect("a folder");
    let path: Vec<_> = std::env::split_paths(&path).filter(|p| p != bin).collect();
    let path = std::env::join_paths(path).expect("PATH joins");
    let path = path.to_str().expect("PATH is UTF-8");
    let env = [("PATH", path)];

    r.write("src/lib.rs", "//! x\n");
    r.git(["add", "-A"]);
    let out = r.git_out(&r.path(), ["commit", "-q", "-m", "not conventional"], &env);
    assert_eq!(out.code, 0, "the commit goes through: {}", shown(&out));
    assert_eq!(out.stderr.lines().count(), 1, "one warning line: {}", shown(&out));
    assert!(out.stderr.contains("git-release is not installed"), "{}", shown(&out));

    let out = r.git_out(&r.path(), ["push", "-q", "origin", "main"], &env);
    assert_eq!(out.code, 0, "a branch push goes through: {}", shown(&out));

    r.tag("v1.0.0");
    let out = r.git_out(&r.path(), ["push", "-q", "origin", "refs/tags/v1.0.0"], &env);
    assert_ne!(out.code, 0, "a tag push is blocked: {}", shown(&out));
    assert!(out.stderr.contains("install git-release"), "{}", shown(&out));
    assert!(out.stderr.contains("git release hook uninstall"), "{}", shown(&out));
    assert!(!out.stderr.contains("is not a git command"), "{}", shown(&out));
}

// ---- 16: `tag --version X --push` refuses a tag that exists elsewhere ----------------------

#[test]
fn tag_version_push_refuses_a_tag_on_another_commit_like_without_push() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.5.0\"\n");
    r.commit("chore: start");
    let tagged = r.head();
    r.tag_annotated("v1.5.0");
    let bare = r.with_origin();
    r.git(["push", "--quiet", "origin", "refs/tags/v1.5.0"]);
    r.change("src/lib.rs", "fix: later");
    let before = r.refs_in(&bare);
    for args in [&["tag", "--version", "1.5.0"][..], &["tag", "--version", "1.5.0", "--push"]] {
        let out = r.run_in(&r.path(), args, &[], None);
        assert_eq!(out.code, 1, "{args:?}: {}", shown(&out));
        assert!(out.stderr.contains("already exists at commit"), "{args:?}: {}", shown(&out));
        assert!(!out.stdout.contains("BOTH"), "{args:?}: {}", shown(&out));
    }
    assert_eq!(r.refs_in(&bare), before, "the remote is unchanged");
    assert_eq!(r.git(["rev-parse", "v1.5.0^{commit}"]), tagged, "the tag did not move");
}

// ---- 19: failpoints are compiled into test builds only --------------------------------------

#[test]
fn failpoints_are_a_feature_only_the_tests_enable() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("read Cargo.toml");
    let manifest: toml::Table = toml::from_str(&manifest).expect("Cargo.toml is TOML");
    let features = manifest["features"].as_table().expect("a [features] table");
    assert!(features.contains_key("failpoints"), "{features:?}");
    let default = features.get("default").and_then(|d| d.as_array()).cloned().unwrap_or_default();
    assert!(!default.iter().any(|f| f.as_str() == Some("failpoints")), "not a default feature");
    let dev = &manifest["dev-dependencies"]["git-release"]["features"];
    assert!(
        dev.as_array().is_some_and(|f| f.iter().any(|f| f.as_str() == Some("failpoints"))),
        "the tests enable it through the dev-dependency on the crate: {dev:?}"
    );
    // And the binary under test has it: a failpoint aborts the run.
    let f = single("");
    let out = f.release_env(&["run", "--yes"], &[("GIT_RELEASE_FAILPOINT", "WORKTREE:after-save")]);
    assert_eq!(out.code, -1, "the test build aborts at the failpoint: {}", shown(&out));
}

// ---- 20: `run --format json` prints one JSON document on every exit path ---------------------

#[test]
fn run_format_json_prints_one_document_with_the_code_on_every_exit_path() {
    let f = single("");
    // The gate refuses: no terminal, no `--yes`.
    let out = f.release(&["run", "--format", "json"]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert_eq!(out.json()["error"]["code"], "GATE_REJECTED", "{}", shown(&out));

    // A check fails: the work tree is dirty.
    f.r.write("src/lib.rs", "//! changed, not committed\n");
    let out = f.release(&["run", "--yes", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", shown(&out));
    let doc = out.json();
    assert_eq!(doc["status"], "FAILED", "{doc:#}");
    assert_eq!(doc["error"]["code"], "CHECK_FAILED", "{doc:#}");
    assert_eq!(doc["exit"], 1, "{doc:#}");
    f.r.git(["checkout", "--", "src/lib.rs"]);

    // The configuration is broken.
    f.r.write("release.toml", "[release]\nnot_a_key = 1\n");
    let out = f.release(&["run", "--yes", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", shown(&out));
    assert_eq!(out.json()["error"]["code"], "CONFIG_INVALID", "{}", shown(&out));
    f.r.git(["checkout", "--", "release.toml"]);

    // And a run that goes through prints its summary, once.
    let out = f.release(&["run", "--yes", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    assert_eq!(out.json()["status"], "SUCCESS", "{}", shown(&out));
}

// ---- 21: the approver is the git identity ----------------------------------------------------

#[test]
fn evidence_records_the_approver_as_the_git_identity() {
    let f = single("");
    let out = f.release_env(&["run", "--yes"], &[("USER", ""), ("LOGNAME", "")]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    let evidence: Vec<_> = files_under(&f.r.path().join(".git/release"))
        .into_iter()
        .filter(|(p, _)| p.to_string_lossy().ends_with(".evidence.json"))
        .collect();
    assert_eq!(evidence.len(), 1, "one evidence file: {evidence:?}");
    let doc: Value = serde_json::from_str(&evidence[0].1).expect("the evidence is JSON");
    let text = doc.to_string();
    assert!(
        text.contains(r#""who":"Test Committer <committer@example.com>""#),
        "the gate's approver is the committer identity: {doc:#}"
    );
    assert!(!text.contains(r#""who":"unknown""#) && !text.contains(r#""who":"""#), "{doc:#}");
}
