//! Many packages and many repositories (issue 7): a workspace of real repositories with bare
//! remotes released tier by tier, failure policies across repositories and across a
//! 30-package monorepo, rollback of an unpublished run, and bad workspace files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::gh::{self, Gh};
use crate::support::{Output, TestRepo, file_url};

const SOURCE_DATE_EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

/// Runs `git release ARGS` in `dir` with the stand-in gh, a fixed date and `XDG_STATE_HOME`
/// inside the test's folder.
pub(crate) fn release(r: &TestRepo, gh: &Gh, dir: &Path, args: &[&str]) -> Output {
    let pairs = gh.env();
    let mut env = gh::borrow(&pairs);
    env.push(SOURCE_DATE_EPOCH);
    let xdg = r.scratch().join("xdg");
    let xdg = xdg.to_str().expect("UTF-8 path");
    env.push(("XDG_STATE_HOME", xdg));
    r.run_in(dir, args, &env, None)
}

/// A single-package Python repository `<scratch>/ws/<name>` at 1.0.0 (tag `<name>-v1.0.0`)
/// with one `fix:` since, depending on `deps` (PEP 508 strings), pushed to its own bare
/// remote. Returns the work tree and the bare remote.
pub(crate) fn python_repo(
    r: &TestRepo,
    name: &str,
    deps: &[&str],
    changed: bool,
) -> (PathBuf, PathBuf) {
    let dir = r.scratch().join("ws").join(name);
    std::fs::create_dir_all(dir.join("tests")).expect("create the repository folder");
    r.git_in(&dir, ["init", "--quiet"]);
    let quoted: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    let write = |path: &str, text: &str| std::fs::write(dir.join(path), text).expect("write");
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
            "[release]\ntag_format = \"{name}-v{{version}}\"\nemail_pattern = \"*@example.com\"\nprotected_branches = []\n\n[forge]\nretries = 2\nbase_delay_ms = 1\n"
        ),
    );
    r.commit_in(&dir, "feat: first release");
    r.tag_in(&dir, &format!("{name}-v1.0.0"), "HEAD", "release 1.0.0");
    if changed {
        write("tests/test_it.py", "def test_it():\n    assert True\n");
        r.commit_in(&dir, &format!("fix: repair {name}"));
    }
    let bare = r.bare(&format!("{name}.git"));
    r.git_in(&dir, ["remote", "add", "origin", &file_url(&bare)]);
    r.git_in(&dir, ["push", "--quiet", "origin", "main", "--tags"]);
    r.git_in(&dir, ["branch", "--quiet", "-u", "origin/main"]);
    (dir, bare)
}

/// Seed 002's graph, smaller: `spi` (tier 1); `core` (depends on spi) and `other` (depends
/// on spi) in tier 2; `infra` (depends on core and spi) in tier 3. The dependencies are in
/// the manifests only; the workspace file lists the paths. `docs` (tier 1) has nothing to
/// release.
fn workspace(r: &TestRepo) -> (PathBuf, Vec<(String, PathBuf)>) {
    let mut repos = Vec::new();
    for (name, deps) in [
        ("spi", vec![]),
        ("core", vec!["spi>=1.0"]),
        ("other", vec!["spi>=1.0"]),
        ("infra", vec!["core>=1.0", "spi>=1.0"]),
    ] {
        let (_, bare) = python_repo(r, name, &deps, true);
        repos.push((name.to_owned(), bare));
    }
    // A repository with nothing to release since its last tag.
    python_repo(r, "docs", &[], false);
    let file = r.scratch().join("ws").join("release-workspace.toml");
    let mut text = String::new();
    for n in ["spi", "core", "other", "infra", "docs"] {
        let _ = write!(text, "[[repo]]\nname = \"{n}\"\npath = \"{n}\"\n\n");
    }
    std::fs::write(&file, text).expect("write the workspace file");
    (file, repos)
}

fn package<'a>(result: &'a Value, repo: &str) -> &'a Value {
    let repos = result["repos"].as_array().expect("`repos` is an array");
    let entry = repos.iter().find(|r| r["name"] == repo).unwrap_or_else(|| panic!("no {repo}"));
    &entry["packages"][0]
}

fn remote_tags(r: &TestRepo, bare: &Path) -> Vec<String> {
    r.git_in(bare, ["tag", "--list"]).lines().map(str::to_owned).collect()
}

#[test]
fn a_workspace_releases_tier_by_tier_and_pins_downstream_to_what_was_just_released() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let (file, repos) = workspace(&r);
    let spi = r.scratch().join("ws/spi");
    let file_arg = file.to_str().expect("UTF-8");
    // A sibling repository that depends on `core` but that the workspace does not list.
    python_repo(&r, "stray", &["core>=1.0"], true);

    let out = release(
        &r,
        &gh,
        &spi,
        &["run", "--workspace", file_arg, "--yes", "--mode", "direct", "--format", "json"],
    );
    out.expect_code(0);
    let result = out.json();
    assert_eq!(result["status"], "SUCCESS", "{result:#}");
    assert!(
        out.stderr.contains("GRAPH_DRIFT:") && out.stderr.contains("stray` depends on `core`"),
        "the drift guard names the unlisted sibling: {}",
        out.stderr
    );
    let tiers: Vec<(String, u64)> = result["repos"]
        .as_array()
        .expect("repos")
        .iter()
        .map(|r| (r["name"].as_str().unwrap_or("").to_owned(), r["tier"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(
        tiers,
        [
            ("spi".into(), 1),
            ("docs".into(), 1),
            ("core".into(), 2),
            ("other".into(), 2),
            ("infra".into(), 3)
        ],
        "execution goes tier by tier"
    );
    for (name, bare) in &repos {
        assert!(remote_tags(&r, bare).contains(&format!("{name}-v1.0.1")), "{name} tagged");
    }
    let infra = r.git_in(&repos[3].1, ["show", "main:pyproject.toml"]);
    assert!(infra.contains("dependencies = [\"core==1.0.1\", \"spi==1.0.1\"]"), "{infra}");
    let core = r.git_in(&repos[1].1, ["show", "main:pyproject.toml"]);
    assert!(core.contains("\"spi==1.0.1\""), "{core}");
    assert!(core.contains("version = \"1.0.1\""), "{core}");
    // One run state for the workspace under XDG_STATE_HOME; each repository keeps its own.
    let run_id = result["run_id"].as_str().expect("run id");
    assert!(r.scratch().join(format!("xdg/git-release/runs/{run_id}.json")).is_file());
    assert!(spi.join(format!(".git/release/runs/archive/{run_id}.json")).is_file());
}

#[test]
fn a_tier_2_failure_blocks_later_tiers_under_stop_and_only_dependents_under_quarantine() {
    for policy in ["stop", "quarantine"] {
        let r = TestRepo::new();
        let gh = Gh::install(&r);
        let (file, repos) = workspace(&r);
        let spi = r.scratch().join("ws/spi");
        let file_arg = file.to_str().expect("UTF-8");
        gh.scenario(
            json!([{"match": ["release", "create"], "contains": "core-v", "fail": "validation"}]),
        );
        let out = release(
            &r,
            &gh,
            &spi,
            &[
                "run",
                "--workspace",
                file_arg,
                "--yes",
                "--mode",
                "direct",
                "--on-failure",
                policy,
                "--format",
                "json",
            ],
        );
        out.expect_code(3);
        let result = out.json();
        assert_eq!(result["status"], "PARTIAL", "{policy}: {result:#}");
        assert_eq!(package(&result, "spi")["status"], "DONE");
        assert_eq!(package(&result, "core")["status"], "FAILED");
        assert_eq!(package(&result, "core")["error"]["phase"], "PUBLISHED");
        assert_eq!(package(&result, "infra")["status"], "BLOCKED", "{policy}");
        assert_eq!(package(&result, "infra")["blocked_by"], "core");
        let other = &package(&result, "other")["status"];
        if policy == "stop" {
            assert_eq!(other, "BLOCKED", "stop blocks the rest of the tier");
        } else {
            assert_eq!(other, "DONE", "quarantine releases what does not depend on core");
        }
        let report = &result["report"];
        assert_eq!(report["failed"][0]["name"], "core/core");
        assert!(
            report["blocked"]
                .as_array()
                .expect("blocked")
                .iter()
                .any(|b| b["name"] == "infra/infra")
        );
        assert!(
            remote_tags(&r, &repos[3].1).iter().all(|t| t != "infra-v1.0.1"),
            "infra untouched"
        );

        // Fixed: resume finishes the run, and infra pins what core released.
        gh.scenario(json!([]));
        let run_id = result["run_id"].as_str().expect("run id");
        let out = release(&r, &gh, &spi, &["resume", run_id, "--yes", "--format", "json"]);
        out.expect_code(0);
        assert_eq!(out.json()["status"], "SUCCESS");
        for (name, bare) in &repos {
            let tags = remote_tags(&r, bare);
            assert_eq!(
                tags.iter().filter(|t| **t == format!("{name}-v1.0.1")).count(),
                1,
                "{name}"
            );
        }
        let infra = r.git_in(&repos[3].1, ["show", "main:pyproject.toml"]);
        assert!(infra.contains("\"core==1.0.1\""), "{infra}");
        let releases = gh.state()["releases"].clone();
        let count = releases
            .as_object()
            .map_or_else(|| releases.as_array().map_or(0, Vec::len), serde_json::Map::len);
        assert_eq!(count, 4, "one forge release per repository: {releases:#}");
    }
}

#[test]
fn bad_workspace_files_are_refused_before_anything_is_written() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let (file, _) = workspace(&r);
    let spi = r.scratch().join("ws/spi");
    let refs_before = r.git_in(&spi, ["for-each-ref"]);

    std::fs::write(&file, "[[repo]]\nname = \"spi\"\npath = \"spi\"\n\n[[repo]]\nname = \"gone\"\npath = \"nowhere\"\n").expect("write");
    let out =
        release(&r, &gh, &spi, &["run", "--workspace", file.to_str().expect("UTF-8"), "--yes"]);
    out.expect_code(2);
    assert!(out.stderr.contains("repository `gone` has path"), "{}", out.stderr);
    assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
    assert!(out.stderr.contains("release-workspace.toml:7"), "names the line: {}", out.stderr);

    std::fs::write(
        &file,
        "[[repo]]\nname = \"spi\"\npath = \"spi\"\ndepends_on = [\"infra\"]\n\n[[repo]]\nname = \"core\"\npath = \"core\"\n\n[[repo]]\nname = \"infra\"\npath = \"infra\"\n",
    )
    .expect("write");
    let out =
        release(&r, &gh, &spi, &["run", "--workspace", file.to_str().expect("UTF-8"), "--yes"]);
    out.expect_code(2);
    assert!(out.stderr.contains("dependency cycle"), "{}", out.stderr);
    assert!(out.stderr.contains("spi -> infra -> core -> spi"), "{}", out.stderr);

    std::fs::write(&file, "[[repo]]\nname = \"spi\"\npath = \"spi\"\ndepends_on = [\"nope\"]\n")
        .expect("write");
    let out =
        release(&r, &gh, &spi, &["run", "--workspace", file.to_str().expect("UTF-8"), "--yes"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("depends on `nope`, which the workspace does not list"),
        "{}",
        out.stderr
    );

    assert_eq!(r.git_in(&spi, ["for-each-ref"]), refs_before);
    assert!(!r.scratch().join("xdg").exists(), "no workspace state was written");
    assert!(!spi.join(".git/release").exists(), "no run state was written");
    assert!(gh.calls().is_empty(), "gh was not called: {:?}", gh.calls());
}

/// A monorepo of 30 crates `p00`…`p29`; `p08` depends on `p07` and `p09` on `p08`. Every
/// crate has a `feat:` since its `pNN/v1.0.0` tag. Pushed to `origin`.
fn monorepo_30(r: &TestRepo) -> PathBuf {
    let mut config = String::from(
        "[release]\nemail_pattern = \"*@example.com\"\nprotected_branches = []\n\n[forge]\nretries = 1\nbase_delay_ms = 1\n\n[commands]\npublish = \"sh -c 'test {name} != p07 || { echo error: registry refused {name} >&2; exit 1; }'\"\n",
    );
    for n in 0..30 {
        let name = format!("p{n:02}");
        let deps = match n {
            8 => "\n[dependencies]\np07 = { path = \"../p07\", version = \"1.0.0\" }\n".to_owned(),
            9 => "\n[dependencies]\np08 = { path = \"../p08\", version = \"1.0.0\" }\n".to_owned(),
            _ => String::new(),
        };
        r.write(
            &format!("crates/{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"1.0.0\"\n{deps}"),
        );
        r.write(&format!("crates/{name}/tests/it.rs"), "#[test]\nfn it() {}\n");
        r.write(&format!("crates/{name}/CHANGELOG.md"), "# Changelog\n\n## 1.0.0\n\n- first\n");
        let _ = write!(config, "\n[[package]]\nname = \"{name}\"\npath = \"crates/{name}\"\n");
    }
    r.write("release.toml", &config);
    r.commit("feat: thirty crates");
    for n in 0..30 {
        r.tag_annotated(&format!("p{n:02}/v1.0.0"));
    }
    for n in 0..30 {
        r.write(&format!("crates/p{n:02}/src/lib.rs"), "//! More.\n");
    }
    r.commit("feat: more everywhere");
    let bare = r.with_origin();
    r.git(["push", "--quiet", "origin", "main", "--tags"]);
    r.git(["branch", "--quiet", "-u", "origin/main"]);
    bare
}

#[test]
fn quarantine_in_a_30_package_monorepo_releases_all_but_the_failure_and_its_dependents() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let bare = monorepo_30(&r);
    let out = release(
        &r,
        &gh,
        &r.path(),
        &["run", "--yes", "--mode", "direct", "--on-failure", "quarantine", "--format", "json"],
    );
    out.expect_code(3);
    let result = out.json();
    let names = |key: &str| -> Vec<String> {
        result["report"][key]
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| e["name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let mut expected: Vec<String> = (0..30)
        .map(|n| format!("p{n:02}"))
        .filter(|n| !["p07", "p08", "p09"].contains(&n.as_str()))
        .collect();
    let mut succeeded = names("succeeded");
    succeeded.sort();
    expected.sort();
    assert_eq!(succeeded, expected, "27 released");
    assert_eq!(names("failed"), ["p07"]);
    assert_eq!(result["report"]["failed"][0]["phase"], "PUBLISHED");
    assert_eq!(result["report"]["failed"][0]["code"], "PUBLISH_FAILED");
    assert!(
        result["report"]["failed"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("registry refused p07")
    );
    let mut blocked = names("blocked");
    blocked.sort();
    assert_eq!(blocked, ["p08", "p09"]);
    for b in result["report"]["blocked"].as_array().expect("blocked") {
        assert_eq!(b["blocked_by"], "p07", "the report names the failure: {b}");
    }
    assert!(names("skipped").is_empty());
    let tags = r.git_in(&bare, ["tag", "--list", "*/v1.1.0"]);
    assert_eq!(
        tags.lines().count(),
        28,
        "27 released plus p07, tagged before its publish failed:\n{tags}"
    );
    assert!(out.stderr.contains("RELEASE REPORT"), "the report is printed last: {}", out.stderr);
}

/// A run stopped by red checks in PR mode, its release branch pushed: the repository, the
/// stand-in gh, the bare remote, the run id, and the local refs, worktrees and remote refs
/// from before the run.
pub(crate) fn run_stopped_by_red_checks() -> (TestRepo, Gh, PathBuf, String, String, String, String)
{
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n");
    r.write("tests/it.rs", "#[test]\nfn it() {}\n");
    r.write("CHANGELOG.md", "# Changelog\n\n## 0.1.0\n\n- first\n");
    r.write(
        "release.toml",
        "[release]\nemail_pattern = \"*@example.com\"\n\n[forge]\nretries = 1\nbase_delay_ms = 1\n",
    );
    r.commit("feat: first");
    r.tag_annotated("v0.1.0");
    r.change("src/lib.rs", "feat: more");
    let bare = r.with_origin();
    r.git(["push", "--quiet", "origin", "main", "--tags"]);
    r.git(["branch", "--quiet", "-u", "origin/main"]);
    let refs = r.git(["for-each-ref"]);
    let worktrees = r.git(["worktree", "list", "--porcelain"]);
    let remote = r.git_in(&bare, ["for-each-ref"]);

    gh.scenario(json!([{"match": ["pr", "checks"], "fail": "checks_failed"}]));
    let out = release(&r, &gh, &r.path(), &["run", "--yes", "--format", "json"]);
    out.expect_code(1);
    let run_id = out.json()["run_id"].as_str().expect("run id").to_owned();
    assert_ne!(r.git(["for-each-ref"]), refs, "the run left a branch");
    assert_ne!(r.git_in(&bare, ["for-each-ref"]), remote, "and pushed it");

    (r, gh, bare, run_id, refs, worktrees, remote)
}

#[test]
fn rollback_of_an_unpublished_run_leaves_refs_worktrees_and_remote_as_before() {
    let (r, gh, bare, run_id, refs, worktrees, remote) = run_stopped_by_red_checks();
    let dry = release(&r, &gh, &r.path(), &["rollback", "--run", &run_id, "--dry-run"]);
    dry.expect_code(0);
    assert!(dry.stdout.contains("would: gh pr close 1"), "{}", dry.stdout);
    assert!(
        dry.stdout.contains(&format!("would: git branch -D release/{run_id}/demo")),
        "{}",
        dry.stdout
    );
    assert_ne!(r.git(["for-each-ref"]), refs, "a dry run changes nothing");

    let out =
        release(&r, &gh, &r.path(), &["rollback", "--run", &run_id, "--reason", "checks are red"]);
    out.expect_code(0);
    assert_eq!(r.git(["for-each-ref"]), refs);
    assert_eq!(r.git(["worktree", "list", "--porcelain"]), worktrees);
    assert_eq!(r.git_in(&bare, ["for-each-ref"]), remote);
    let prs = gh.state()["prs"].clone();
    assert!(prs.to_string().contains("\"CLOSED\""), "the PR was closed: {prs:#}");
    // The evidence record, in seed 004's form.
    let folder = r.path().join(".git/release/rollbacks");
    let record = std::fs::read_dir(&folder)
        .expect("rollback records")
        .flatten()
        .next()
        .expect("one record")
        .path();
    let evidence: Value =
        serde_json::from_slice(&std::fs::read(record).expect("read")).expect("JSON");
    let e = &evidence["rollback_evidence"];
    assert_eq!(e["type"], "partial");
    assert_eq!(e["trigger"]["description"], "checks are red");
    assert_eq!(e["versions"]["rolled_back_from"], "demo 0.2.0");
    assert!(e["execution"]["actions"].as_array().is_some_and(|a| a.len() == 4), "{e:#}");
}

/// A release branch someone pushed to after the run is not the run's to delete: the rollback
/// leaves it on the remote and says so, and deletes only what the run made.
#[test]
fn rollback_of_an_unpublished_run_leaves_a_release_branch_someone_moved() {
    let (r, gh, bare, run_id, _, _, _) = run_stopped_by_red_checks();
    let branch = format!("release/{run_id}/demo");
    // A reviewer's fix on the release branch, pushed from another clone.
    let other = r.scratch().join("other");
    r.git([
        "clone",
        "--quiet",
        "--branch",
        &branch,
        bare.to_str().expect("UTF-8"),
        other.to_str().expect("UTF-8"),
    ]);
    r.git_in(&other, ["commit", "--quiet", "--allow-empty", "-m", "fix: a reviewer's fix"]);
    r.git_in(&other, ["push", "--quiet", "origin", &branch]);
    let moved = r.git_in(&bare, ["rev-parse", &format!("refs/heads/{branch}")]);

    let out = release(&r, &gh, &r.path(), &["rollback", "--run", &run_id]);
    out.expect_code(0);
    assert_eq!(
        r.git_in(&bare, ["rev-parse", &format!("refs/heads/{branch}")]),
        moved,
        "the moved branch is still on the remote"
    );
    assert!(out.stdout.contains("left in place"), "{}", out.stdout);
    assert!(
        !r.try_git(["rev-parse", "--verify", "-q", &format!("refs/heads/{branch}")]).0,
        "the local branch, the run's own, is deleted"
    );
}

/// A monorepo of `core`, `util` and `app` (app depends on core), each with a `feat:` since
/// `<name>/v0.1.0`, pushed to `origin`; `extra` goes into `[release]`.
fn monorepo_3(r: &TestRepo, extra: &str) -> PathBuf {
    let mut config = format!(
        "[release]\nemail_pattern = \"*@example.com\"\n{extra}\n[forge]\nretries = 1\nbase_delay_ms = 1\n"
    );
    for name in ["core", "util", "app"] {
        let deps = if name == "app" {
            "\n[dependencies]\ncore = { path = \"../core\", version = \"0.1.0\" }\n"
        } else {
            ""
        };
        r.write(
            &format!("crates/{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n{deps}"),
        );
        r.write(&format!("crates/{name}/tests/it.rs"), "#[test]\nfn it() {}\n");
        r.write(&format!("crates/{name}/CHANGELOG.md"), "# Changelog\n\n## 0.1.0\n\n- first\n");
        let _ = write!(config, "\n[[package]]\nname = \"{name}\"\npath = \"crates/{name}\"\n");
    }
    r.write("release.toml", &config);
    r.commit("feat: three crates");
    for name in ["core", "util", "app"] {
        r.tag_annotated(&format!("{name}/v0.1.0"));
    }
    for name in ["core", "util", "app"] {
        r.change(&format!("crates/{name}/src/lib.rs"), &format!("feat({name}): more"));
    }
    let bare = r.with_origin();
    r.git(["push", "--quiet", "origin", "main", "--tags"]);
    r.git(["branch", "--quiet", "-u", "origin/main"]);
    bare
}

#[test]
fn a_monorepo_in_pr_mode_releases_through_one_pull_request_unless_per_package_is_asked() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let bare = monorepo_3(&r, "");
    let before = r.git_in(&bare, ["rev-parse", "main"]);
    let out = release(&r, &gh, &r.path(), &["run", "--yes", "--format", "json"]);
    out.expect_code(0);
    let run_id = out.json()["run_id"].as_str().expect("run id").to_owned();
    let creates = gh.calls_matching(&["pr", "create"]);
    assert_eq!(creates.len(), 1, "one pull request: {creates:?}");
    let head = format!("release/{run_id}");
    assert!(creates[0].windows(2).any(|w| w[0] == "--head" && w[1] == head), "{creates:?}");
    assert!(
        creates[0].iter().any(|a| a == "release: core v0.2.0, util v0.2.0, app v0.2.0"),
        "the title names every package: {creates:?}"
    );
    // One squash commit on main holds the three releases; every tag points at it.
    let main = r.git_in(&bare, ["rev-parse", "main"]);
    assert_eq!(r.git_in(&bare, ["rev-parse", "main~1"]), before);
    for name in ["core", "util", "app"] {
        assert_eq!(r.git_in(&bare, ["rev-parse", &format!("{name}/v0.2.0^{{commit}}")]), main);
    }
    let app = r.git_in(&bare, ["show", "main:crates/app/Cargo.toml"]);
    assert!(app.contains("version = \"=0.2.0\""), "pinned in the same pull request: {app}");

    let r = TestRepo::new();
    let gh = Gh::install(&r);
    monorepo_3(&r, "pr = \"per-package\"\n");
    release(&r, &gh, &r.path(), &["run", "--yes"]).expect_code(0);
    assert_eq!(gh.calls_matching(&["pr", "create"]).len(), 3, "one pull request each");
}

#[test]
fn rolling_back_a_published_tag_opens_a_revert_pr_and_marks_the_release() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let bare = monorepo_3(&r, "");
    release(&r, &gh, &r.path(), &["run", "--yes"]).expect_code(0);
    let tagged = r.git_in(&bare, ["rev-parse", "core/v0.2.0^{commit}"]);

    let dry = release(&r, &gh, &r.path(), &["rollback", "core/v0.2.0", "--dry-run"]);
    dry.expect_code(0);
    assert!(dry.stdout.contains("would: revert 2 commit(s) of `core/v0.2.0`"), "{}", dry.stdout);
    assert_eq!(gh.calls_matching(&["pr", "create"]).len(), 1, "a dry run opens nothing");

    let out =
        release(&r, &gh, &r.path(), &["rollback", "core/v0.2.0", "--yes", "--reason", "data loss"]);
    out.expect_code(0);
    let creates = gh.calls_matching(&["pr", "create"]);
    assert_eq!(creates.len(), 2, "a revert pull request: {creates:?}");
    assert!(creates[1].iter().any(|a| a == "revert: release core/v0.2.0"), "{creates:?}");
    let reverted = r.git_in(&bare, ["log", "-1", "--format=%s", "rollback/core-v0.2.0"]);
    assert_eq!(reverted, "revert: release core/v0.2.0");
    // The squash commit released three packages: only core's part is reverted.
    let changed = r.git_in(&bare, ["diff", "--name-only", "main", "rollback/core-v0.2.0"]);
    assert!(changed.lines().all(|p| p.starts_with("crates/core/")), "{changed}");
    assert!(
        r.git_in(
            &bare,
            ["diff", "--stat", "core/v0.1.0", "rollback/core-v0.2.0", "--", "crates/core"]
        )
        .is_empty(),
        "core is back at v0.1.0"
    );
    assert_eq!(r.git_in(&bare, ["rev-parse", "rollback/core-v0.2.0~1"]), tagged);
    let release_state = gh.state()["releases"].to_string();
    assert!(release_state.contains("Rolled back"), "{release_state}");
    assert!(release_state.contains("\"isPrerelease\":true"), "{release_state}");
    assert!(r.git_in(&bare, ["tag", "--list", "core/v0.2.0"]) == "core/v0.2.0", "the tag stays");
    let folder = r.path().join(".git/release/rollbacks");
    let record = std::fs::read_dir(&folder)
        .expect("rollback records")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a record");
    let evidence: Value =
        serde_json::from_slice(&std::fs::read(record).expect("read")).expect("JSON");
    let versions = &evidence["rollback_evidence"]["versions"];
    assert_eq!(versions["rolled_back_from"], "core/v0.2.0");
    assert_eq!(versions["rolled_back_to"], "core/v0.1.0");

    // Deleting the remote tag takes the flag, and names what depends on the package.
    let out =
        release(&r, &gh, &r.path(), &["rollback", "core/v0.2.0", "--yes", "--delete-remote-tag"]);
    out.expect_code(0);
    assert!(out.stderr.contains("what depends on it: app"), "{}", out.stderr);
    assert!(r.git_in(&bare, ["tag", "--list", "core/v0.2.0"]).is_empty(), "deleted");
    assert_eq!(gh.calls_matching(&["pr", "create"]).len(), 2, "the revert PR is not opened twice");
}

#[test]
fn a_workspace_checks_each_repository_for_the_mode_given_on_the_command_line() {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    let (file, repos) = workspace(&r);
    let spi = r.scratch().join("ws/spi");
    // `spi` protects `main` (the default), and `--mode direct` would push to it.
    let config = std::fs::read_to_string(spi.join("release.toml")).expect("read");
    std::fs::write(spi.join("release.toml"), config.replace("protected_branches = []\n", ""))
        .expect("write");
    r.commit_in(&spi, "chore: protect main");
    r.git_in(&spi, ["push", "--quiet", "origin", "main"]);
    let before = r.git_in(&repos[0].1, ["for-each-ref"]);
    let file_arg = file.to_str().expect("UTF-8");
    let out =
        release(&r, &gh, &spi, &["run", "--workspace", file_arg, "--yes", "--mode", "direct"]);
    out.expect_code(1);
    assert!(out.stderr.contains("spi: `protected_branch`"), "{}", out.stderr);
    assert_eq!(r.git_in(&repos[0].1, ["for-each-ref"]), before, "nothing was pushed");
}
