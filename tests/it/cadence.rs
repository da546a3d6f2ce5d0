//! Cadence rules (issue 17 item 7; seed 004): a major needs a named person, a minor green CI
//! on the release commit, windows refuse a release unless overridden with a reason, the
//! `open_prs` check (RL-01), and seed 004's RL checklist in the evidence. Real repositories,
//! a bare `origin` over `file://`, the stand-in `gh`.

use serde_json::{Value, json};

use crate::releasable::Fixture;
use crate::run::single;
use crate::support::Output;

/// Both streams, for assertion messages.
fn shown(out: &Output) -> String {
    format!("exit {}\nstdout:\n{}\nstderr:\n{}", out.code, out.stdout, out.stderr)
}

/// [`single`] in direct mode with a breaking change on top: 2.0.0 is next.
fn major(tail: &str) -> Fixture {
    let f = single("direct", tail);
    f.r.change("src/lib.rs", "feat!: greet in one language only");
    f.r.git(["push", "--quiet", "origin", "main"]);
    f
}

impl Fixture {
    /// Every ref here and on the remote, to show that nothing changed.
    fn all_refs(&self) -> (String, String) {
        (self.r.git(["for-each-ref"]), self.remote(["for-each-ref"]))
    }

    /// The one evidence file of the repository (live or archived), as JSON.
    fn evidence(&self) -> Value {
        let runs = self.r.path().join(".git/release/runs");
        let mut found = Vec::new();
        for dir in [runs.clone(), runs.join("archive")] {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.file_name().to_string_lossy().ends_with(".evidence.json") {
                    found.push(entry.path());
                }
            }
        }
        assert_eq!(found.len(), 1, "one evidence file: {found:?}");
        let text = std::fs::read_to_string(&found[0]).expect("read the evidence");
        serde_json::from_str(&text).expect("the evidence is JSON")
    }

    /// `plan --format json`'s plan hash.
    fn hash(&self) -> String {
        let out = self.release(&["plan", "--format", "json"]);
        out.expect_code(0);
        out.json()["plan_hash"].as_str().expect("a plan hash").to_owned()
    }

    /// Puts a completed run of workflow `workflow` on `commit` of `main` into the stand-in
    /// forge, as GitHub Actions would after a push.
    fn ci_run(&self, commit: &str, workflow: &str, conclusion: &str) {
        let path = self.r.scratch().join("gh-standin/state/state.json");
        let mut state = self.gh.state();
        if state.is_null() {
            state = json!({"counters": {"pr": 1, "issue": 100, "run": 1000},
                           "prs": [], "releases": [], "issues": [], "runs": [],
                           "rule_counters": {}});
        }
        let id = state["counters"]["run"].as_u64().expect("a run counter");
        state["counters"]["run"] = json!(id + 1);
        state["runs"].as_array_mut().expect("runs").push(json!({
            "databaseId": id, "url": format!("https://github.com/test/origin/actions/runs/{id}"),
            "status": "completed", "conclusion": conclusion, "headBranch": "main",
            "headSha": commit, "event": "push", "workflowName": workflow,
        }));
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("the stand-in's folder");
        std::fs::write(&path, state.to_string()).expect("write the stand-in's state");
    }
}

/// The RL items of a cadence decision, `id → status`.
fn checklist(cadence: &Value) -> Vec<(String, String)> {
    cadence["checklist"]
        .as_array()
        .unwrap_or_else(|| panic!("a checklist: {cadence:#}"))
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap_or("").to_owned(),
                i["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_major_with_yes_alone_is_refused_and_changes_nothing() {
    let f = major("");
    let before = f.all_refs();
    let out = f.release(&["run", "--yes"]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert!(
        out.stderr.contains("a major release needs the approval of a named person")
            && out.stderr.contains("`--yes` alone does not approve it"),
        "{}",
        shown(&out)
    );
    assert!(
        out.stderr.contains("--approve-major \"Name <email>\" --gate-attestation sha256:"),
        "{}",
        out.stderr
    );
    assert_eq!(f.all_refs(), before, "no tag, no branch, no push");
    assert!(!f.r.path().join(".git/release/runs").exists(), "no run state was written");
    assert!(f.remote(["tag", "--list", "v2.0.0"]).is_empty());

    // JSON: one document saying why.
    let out = f.release(&["run", "--yes", "--format", "json"]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert_eq!(out.json()["error"]["code"], "GATE_REJECTED", "{}", shown(&out));
    // An attestation alone binds the plan but names nobody.
    let hash = f.hash();
    let out = f.release(&["run", "--gate-attestation", &hash]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert!(out.stderr.contains("names no approver"), "{}", out.stderr);
    // `--approve-major` is only taken bound to the plan by its attestation.
    let out = f.release(&["run", "--yes", "--approve-major", "Ada <ada@example.com>"]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert!(
        out.stderr.contains("`--approve-major` must come with `--gate-attestation`"),
        "{}",
        out.stderr
    );
    assert_eq!(f.all_refs(), before);
}

#[test]
fn a_major_with_a_named_approver_goes_through_and_the_evidence_names_them() {
    let f = major("");
    let hash = f.hash();
    // A malformed approver is refused before anything happens.
    let out =
        f.release(&["run", "--approve-major", "ada@example.com", "--gate-attestation", &hash]);
    assert_eq!(out.code, 2, "{}", shown(&out));
    assert!(out.stderr.contains("not `Name <email>`"), "{}", out.stderr);

    let out = f.release(&[
        "run",
        "--approve-major",
        "Ada Lovelace <ada@example.com>",
        "--gate-attestation",
        &hash,
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    let doc = out.json();
    assert_eq!(doc["status"], "SUCCESS", "{doc:#}");
    assert_eq!(doc["cadence"]["level"], "major", "{doc:#}");
    assert_eq!(doc["cadence"]["approver"], "Ada Lovelace <ada@example.com>", "{doc:#}");
    assert_eq!(
        f.remote(["rev-parse", "refs/tags/v2.0.0^{commit}"]),
        f.remote(["rev-parse", "main"])
    );

    let evidence = f.evidence();
    let cadence = &evidence["cadence"];
    assert_eq!(cadence["approver"], "Ada Lovelace <ada@example.com>", "{evidence:#}");
    assert_eq!(cadence["approved_by"], "flag");
    assert_eq!(cadence["approval"]["status"], "PASS");
    assert_eq!(cadence["status"], "APPROVED");
    assert_eq!(cadence["requires"], json!(["checks", "ci", "approval"]));
    // Every RL id, with RL-07 (majors only) rehearsed and RL-06 stated as not applicable.
    let items = checklist(cadence);
    let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["RL-01", "RL-02", "RL-03", "RL-04", "RL-05", "RL-06", "RL-07", "RL-08"]);
    let status =
        |id: &str| items.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone()).unwrap_or_default();
    assert_eq!(status("RL-01"), "PASS", "{cadence:#}");
    assert_eq!(status("RL-02"), "PASS", "{cadence:#}");
    assert_eq!(status("RL-06"), "NA", "{cadence:#}");
    assert_eq!(status("RL-07"), "PASS", "{cadence:#}");
    assert_eq!(status("RL-08"), "PASS", "{cadence:#}");
    let rl07 = cadence["checklist"][6]["reason"].as_str().unwrap_or("");
    assert!(
        rl07.contains("`rollback v2.0.0 --dry-run` would revert 3 commit(s) back to `v1.2.0`"),
        "{rl07}"
    );
}

#[test]
fn the_major_rule_can_be_relaxed_in_the_configuration() {
    let f = major("\n[cadence]\nmajor = [\"checks\", \"ci\"]\n");
    let out = f.release(&["run", "--yes"]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    assert_eq!(f.evidence()["cadence"]["approval"]["status"], "NA");
}

#[test]
fn a_minor_with_red_ci_on_the_release_commit_is_refused_with_the_reason() {
    let f = single("direct", "");
    let head = f.r.git(["rev-parse", "HEAD"]);
    let before = f.all_refs();
    f.ci_run(&head, "CI", "success");
    f.ci_run(&head, "CI", "failure"); // the latest run of `CI` on the commit failed
    f.ci_run(&head, "Lint", "success");
    let out = f.release(&["run", "--yes"]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert!(
        out.stderr.contains("the cadence rule of minor releases refuses this release: CI is not green on the release commit")
            && out.stderr.contains("`CI` ended `failure` (https://github.com/test/origin/actions/runs/1001)"),
        "{}",
        shown(&out)
    );
    assert_eq!(f.all_refs(), before, "nothing changed");
    let asked = f.gh.calls_matching(&["run", "list", "--commit", &head]);
    assert_eq!(asked.len(), 1, "CI asked about the full release commit: {:?}", f.gh.calls());

    // The dry run shows the same decision, and exits 4 too.
    let out = f.release(&["run", "--dry-run", "--format", "json"]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    let doc = out.json();
    assert_eq!(doc["status"], "DRY_RUN");
    assert_eq!(doc["cadence"]["status"], "REFUSED", "{doc:#}");
    assert_eq!(doc["cadence"]["ci"]["status"], "FAIL", "{doc:#}");

    // Green again: the release goes through, and says why.
    f.ci_run(&head, "CI", "success");
    let out = f.release(&["run", "--yes"]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    let ci = &f.evidence()["cadence"]["ci"];
    assert_eq!(ci["status"], "PASS", "{ci:#}");
    assert!(ci["reason"].as_str().unwrap_or("").contains("`CI`, `Lint`"), "{ci:#}");
}

#[test]
fn no_ci_on_the_branch_is_skipped_but_ci_elsewhere_on_it_is_not_enough() {
    let f = single("direct", "");
    let out = f.release(&["run", "--dry-run", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    let ci = &out.json()["cadence"]["ci"];
    assert_eq!(ci["status"], "SKIP", "{ci:#}");
    assert!(
        ci["reason"].as_str().unwrap_or("").contains("no workflow has ever run on `main`"),
        "{ci:#}"
    );

    // CI ran on an earlier commit of `main`, not on the release commit: wait for it.
    let earlier = f.r.git(["rev-parse", "HEAD~1"]);
    f.ci_run(&earlier, "CI", "success");
    let out = f.release(&["run", "--yes"]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert!(out.stderr.contains("no workflow has run on"), "{}", out.stderr);
}

#[test]
fn outside_a_window_the_release_is_refused_unless_a_reason_is_given() {
    let f = single(
        "direct",
        "\n[cadence]\nminor_weekdays = [\"thu\", \"fri\"]\nmajor_months = [3, 6, 9, 12]\n",
    );
    let before = f.all_refs();
    // 2026-03-10 is a Tuesday.
    let tuesday = [("GIT_RELEASE_NOW", "2026-03-10T10:00:00Z")];
    let out = f.release_env(&["run", "--yes"], &tuesday);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert!(
        out.stderr.contains(
            "2026-03-10 (tue, mar) is outside the window of minor releases (on thu, fri, UTC)"
        ),
        "{}",
        shown(&out)
    );
    assert!(out.stderr.contains("--outside-window"), "{}", out.stderr);
    assert_eq!(f.all_refs(), before, "nothing changed");

    // On a Thursday the window is open (a dry run shows it).
    let out = f.release_env(
        &["run", "--dry-run", "--format", "json"],
        &[("GIT_RELEASE_NOW", "2026-03-12T10:00:00Z")],
    );
    assert_eq!(out.code, 0, "{}", shown(&out));
    let cadence = &out.json()["cadence"];
    assert_eq!(cadence["window"]["status"], "PASS", "{cadence:#}");
    assert_eq!(cadence["clock"], "GIT_RELEASE_NOW", "{cadence:#}");

    // The override goes through, and its reason is in the evidence.
    let out =
        f.release_env(&["run", "--yes", "--outside-window", "fix for a customer outage"], &tuesday);
    assert_eq!(out.code, 0, "{}", shown(&out));
    let cadence = &f.evidence()["cadence"];
    assert_eq!(cadence["outside_window"], "fix for a customer outage", "{cadence:#}");
    assert_eq!(cadence["window"]["status"], "OVERRIDDEN", "{cadence:#}");
    assert!(
        cadence["window"]["reason"]
            .as_str()
            .unwrap_or("")
            .ends_with("released anyway: fix for a customer outage"),
        "{cadence:#}"
    );
    assert_eq!(cadence["now"], "2026-03-10T10:00:00Z");
}

#[test]
fn a_bad_window_or_clock_is_a_clear_error() {
    let f = single("direct", "\n[cadence]\nmajor_months = [13]\n");
    let out = f.release(&["run", "--dry-run"]);
    assert_eq!(out.code, 2, "{}", shown(&out));
    assert!(
        out.stderr.contains("release.toml:")
            && out.stderr.contains("`cadence.major_months`: `13` is not a month"),
        "{}",
        out.stderr
    );
    let f = single("direct", "");
    let out = f.release_env(&["run", "--dry-run"], &[("GIT_RELEASE_NOW", "tomorrow")]);
    assert_eq!(out.code, 2, "{}", shown(&out));
    assert!(out.stderr.contains("`GIT_RELEASE_NOW` is `tomorrow`"), "{}", out.stderr);
}

/// The `open_prs` result of `git release check --format json`.
fn open_prs(f: &Fixture) -> Value {
    let out = f.release(&["check", "--format", "json"]);
    let doc = out.json();
    doc["results"]
        .as_array()
        .or_else(|| doc.as_array())
        .unwrap_or_else(|| panic!("results: {doc:#}"))
        .iter()
        .find(|r| r["check"] == "open_prs")
        .cloned()
        .unwrap_or_else(|| panic!("no open_prs result: {doc:#}"))
}

#[test]
fn open_prs_fails_on_a_pull_request_into_the_release_branch_and_passes_without() {
    let f = single("direct", "");
    assert_eq!(open_prs(&f)["status"], "PASS");

    f.r.git(["push", "--quiet", "origin", "HEAD:refs/heads/feature"]);
    f.gh.call(
        &f.r,
        &[
            "pr",
            "create",
            "--base",
            "main",
            "--head",
            "feature",
            "--title",
            "WIP: more greetings",
            "--body",
            "x",
        ],
    )
    .expect_code(0);
    let result = open_prs(&f);
    assert_eq!(result["status"], "FAIL", "{result:#}");
    assert_eq!(
        result["reason"], "1 pull request open into `main`: #1 WIP: more greetings",
        "{result:#}"
    );

    // A run stops on it, and the RL-01 line of a dry run says so.
    let out = f.release(&["run", "--yes"]);
    assert_eq!(out.code, 1, "{}", shown(&out));
    assert!(out.stderr.contains("`open_prs`"), "{}", out.stderr);

    f.gh.call(&f.r, &["pr", "close", "1"]).expect_code(0);
    assert_eq!(open_prs(&f)["status"], "PASS");
    let out = f.release(&["run", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    assert!(
        out.stdout.contains(
            "RL-01 PASS   All PRs merged — `open_prs`: no pull request is open into `main`"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn open_prs_is_skipped_without_a_forge() {
    let f = single("direct", "kind = \"none\"\n");
    let result = open_prs(&f);
    assert_eq!(result["status"], "SKIP", "{result:#}");
    assert!(f.gh.calls().is_empty(), "no gh call: {:?}", f.gh.calls());
}

// ---- workspace runs ----------------------------------------------------------------------------

/// A Python repository `<scratch>/ws/<name>` at 1.0.0 (tag `<name>-v1.0.0`) depending on
/// `deps`, with `change` committed since, pushed to its own bare remote, direct mode.
fn python_repo(r: &crate::support::TestRepo, name: &str, deps: &[&str], change: &str) {
    let dir = r.scratch().join("ws").join(name);
    std::fs::create_dir_all(dir.join("tests")).expect("create the repository folder");
    r.git_in(&dir, ["init", "--quiet"]);
    let write = |path: &str, text: &str| std::fs::write(dir.join(path), text).expect("write");
    let quoted: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"{name}\"\nversion = \"1.0.0\"\ndependencies = [{}]\n",
            quoted.join(", ")
        ),
    );
    write("tests/test_it.py", "def test_it():\n    pass\n");
    write("CHANGELOG.md", "# Changelog\n\n## 1.0.0\n\n- first release\n");
    write(
        "release.toml",
        &format!(
            "[release]\nmode = \"direct\"\ntag_format = \"{name}-v{{version}}\"\nemail_pattern = \"*@example.com\"\nprotected_branches = []\n\n[forge]\nretries = 2\nbase_delay_ms = 1\n"
        ),
    );
    r.commit_in(&dir, "feat: first release");
    r.tag_in(&dir, &format!("{name}-v1.0.0"), "HEAD", "release 1.0.0");
    write("tests/test_it.py", "def test_it():\n    assert True\n");
    r.commit_in(&dir, change);
    let bare = r.bare(&format!("{name}.git"));
    r.git_in(&dir, ["remote", "add", "origin", &crate::support::file_url(&bare)]);
    r.git_in(&dir, ["push", "--quiet", "origin", "main", "--tags"]);
    r.git_in(&dir, ["branch", "--quiet", "-u", "origin/main"]);
}

#[test]
fn a_workspace_with_a_major_needs_a_named_approver_once() {
    let r = crate::support::TestRepo::new();
    let gh = crate::gh::Gh::install(&r);
    python_repo(&r, "lib", &[], "feat!: drop the old API");
    python_repo(&r, "app", &["lib>=1.0"], "fix: repair app");
    let file = r.scratch().join("ws/release-workspace.toml");
    std::fs::write(
        &file,
        "[[repo]]\nname = \"lib\"\npath = \"lib\"\n\n[[repo]]\nname = \"app\"\npath = \"app\"\n",
    )
    .expect("write the workspace file");
    let file = file.to_str().expect("UTF-8").to_owned();
    let lib = r.scratch().join("ws/lib");
    let xdg = r.scratch().join("xdg");
    let release = |args: &[&str]| {
        let pairs = gh.env();
        let mut env = crate::gh::borrow(&pairs);
        env.push(crate::releasable::SOURCE_DATE_EPOCH);
        env.push(("XDG_STATE_HOME", xdg.to_str().expect("UTF-8")));
        r.run_in(&lib, args, &env, None)
    };
    let tags =
        |name: &str| r.git_in(&r.scratch().join(format!("remotes/{name}.git")), ["tag", "--list"]);
    let before = (tags("lib"), tags("app"));

    let out = release(&["run", "--workspace", &file, "--yes"]);
    assert_eq!(out.code, 4, "{}", shown(&out));
    assert!(
        out.stderr.contains("a major release needs the approval of a named person"),
        "{}",
        shown(&out)
    );
    assert_eq!((tags("lib"), tags("app")), before, "nothing was tagged");

    // The dry run shows each repository's rule, and the workspace's plan hash.
    let out = release(&["run", "--workspace", &file, "--dry-run"]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    assert!(
        out.stdout.contains("cadence: major release, needs checks + ci + approval — PENDING"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("cadence: patch release, needs checks — APPROVED"),
        "{}",
        out.stdout
    );
    let hash: String = {
        let at = out.stdout.find("plan sha256:").expect("the workspace plan hash") + "plan ".len();
        out.stdout[at..].chars().take_while(|c| !c.is_whitespace()).collect()
    };

    let out = release(&[
        "run",
        "--workspace",
        &file,
        "--approve-major",
        "Ada Lovelace <ada@example.com>",
        "--gate-attestation",
        &hash,
    ]);
    assert_eq!(out.code, 0, "{}", shown(&out));
    assert!(tags("lib").contains("lib-v2.0.0"), "{}", tags("lib"));
    let evidence: Vec<_> = walk(&lib.join(".git/release"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".evidence.json"))
        .collect();
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&evidence[0]).expect("read")).expect("JSON");
    assert_eq!(doc["cadence"]["approver"], "Ada Lovelace <ada@example.com>", "{doc:#}");
    assert_eq!(doc["cadence"]["level"], "major", "{doc:#}");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
