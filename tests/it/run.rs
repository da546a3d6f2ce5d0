//! `git release run` end to end: real repositories (a replayed public history and small
//! hand-made ones), real bare remotes over `file://`, and the stand-in `gh` first on PATH.
//! Each test asserts what a user sees: the exit code, the output, the remote's refs
//! (`git ls-remote`), the files at the remote's `main`, the tags, and the forge calls.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::releasable::Fixture;
use crate::support::{TestRepo, file_url};

// ---- helpers -------------------------------------------------------------------------------

impl Fixture {
    /// The commit the remote's `main` names.
    pub(crate) fn remote_main(&self) -> String {
        self.remote(["rev-parse", "refs/heads/main"])
    }

    /// The text of `path` at `rev` in the remote, byte for byte.
    pub(crate) fn remote_file(&self, rev: &str, path: &str) -> String {
        let out = self.r.git_out(&self.bare, ["show", &format!("{rev}:{path}")], &[]);
        out.expect_code(0);
        out.stdout
    }

    /// Every ref of the remote and what it names, as `git ls-remote` lists them (tags with
    /// their peeled `^{}` line).
    pub(crate) fn ls_remote(&self) -> BTreeMap<String, String> {
        self.r
            .git(["ls-remote", &file_url(&self.bare)])
            .lines()
            .map(|line| {
                let (id, name) = line.split_once('\t').expect("ls-remote lines are `id<TAB>ref`");
                (name.to_owned(), id.to_owned())
            })
            .collect()
    }

    /// The git dir of the work tree.
    fn git_dir(&self) -> PathBuf {
        self.r.path().join(".git")
    }

    /// `plan --format json`'s plan hash.
    fn plan_hash(&self) -> String {
        let out = self.release(&["plan", "--format", "json"]);
        out.expect_code(0);
        out.json()["plan_hash"].as_str().expect("the plan has a hash").to_owned()
    }

    /// The `(first two words)` of every recorded gh call, in order.
    pub(crate) fn gh_heads(&self) -> Vec<String> {
        self.gh.calls().iter().map(|c| c[..2.min(c.len())].join(" ")).collect()
    }
}

/// `release.toml`: `mode`, the hermetic committer's email allowed, fast retries; `release`
/// goes into `[release]`, `tail` after everything.
fn config(mode: &str, release: &str, tail: &str) -> String {
    format!(
        "[release]\nmode = \"{mode}\"\nemail_pattern = \"*@example.com\"\n{release}\n\
         [forge]\nretries = 4\nbase_delay_ms = 1\n{tail}"
    )
}

/// Replays the first `upto + 1` commits of `../shared/fixtures/<name>.jsonl` into the work
/// tree of a new [`TestRepo`].
fn replay(name: &str, upto: u32) -> TestRepo {
    let r = TestRepo::without_git();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    let script = fixtures.join("replay.py");
    let fixture = fixtures.join(format!("{name}.jsonl"));
    assert!(fixture.is_file(), "the fixture `{}` is missing", fixture.display());
    let upto = upto.to_string();
    let dest = r.path();
    let args = [
        script.as_os_str(),
        fixture.as_os_str(),
        dest.as_os_str(),
        OsStr::new("--upto"),
        OsStr::new(&upto),
    ];
    r.exec_in(crate::support::python().as_os_str(), r.scratch(), args, &[], None).expect_code(0);
    r
}

/// The changelog committed into the replayed cocogitto history (its own is a placeholder):
/// a header, and a section for the current version 1.0.3.
const COCOGITTO_CHANGELOG: &str = "\
# Changelog

All notable changes to this project are documented in this file.

## 1.0.3 - 2021-02-18

### Bug Fixes

- **hook:** %version is now interpreted even without space separator
";

/// cocogitto as it stood three commits after its 1.0.3 release (a `feat`, a `docs` and a
/// `fix` since): one package, `root`, at `Cargo.toml` 1.0.3, tags without a prefix, and a
/// `release.toml` and a real changelog committed on top; 1.1.0 is next.
fn cocogitto(mode: &str) -> Fixture {
    Fixture::cached(&format!("run::cocogitto {mode}"), || {
        let r = replay("cocogitto", 139);
        // Direct mode pushes to `main`, protected by default: say it is not, so the check passes.
        let protected = if mode == "direct" { "protected_branches = []\n" } else { "" };
        r.write(
            "release.toml",
            &config(mode, &format!("tag_format = \"{{version}}\"\n{protected}"), ""),
        );
        r.write("CHANGELOG.md", COCOGITTO_CHANGELOG);
        r.commit("chore: add the release configuration and a changelog");
        Fixture::publish(r)
    })
}

/// A single package `demo` at 1.2.0 (tag `v1.2.0`), then a `feat` and a `fix`: 1.3.0 is next.
/// `tail` is appended to `release.toml`.
pub(crate) fn single(mode: &str, tail: &str) -> Fixture {
    Fixture::cached(&format!("run::single {mode} {tail}"), || {
        let r = TestRepo::new();
        r.write(
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"1.2.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = \"1\"\n",
        );
        r.write("src/lib.rs", "//! Demo.\n");
        r.write("tests/smoke.rs", "#[test]\nfn smoke() {}\n");
        r.write("CHANGELOG.md", "# Changelog\n\n## 1.2.0 (2023-01-01)\n\n- First release.\n");
        r.write(
            "README.md",
            "Add `demo = \"1.2.0\"` to your dependencies:\n\n```toml\ndemo = \"1.2.0\"\n```\n",
        );
        let protected = if mode == "direct" { "protected_branches = []\n" } else { "" };
        r.write("release.toml", &config(mode, protected, tail));
        r.commit("chore: start");
        r.tag_annotated("v1.2.0");
        r.change("src/lib.rs", "feat: add a greeting");
        r.change("src/lib.rs", "fix: spell the greeting right");
        Fixture::publish(r)
    })
}

/// The packages of [`monorepo`].
const MONOREPO_PACKAGES: &str = "
[[package]]
name = \"core\"
path = \"crates/core\"

[[package]]
name = \"util\"
path = \"crates/util\"

[[package]]
name = \"app\"
path = \"crates/app\"
";

/// `crates/app/Cargo.toml` of [`monorepo`]: it depends on `core` by path, with a version.
const APP_MANIFEST: &str = "\
[package]
name = \"app\"
version = \"0.1.0\"
edition = \"2021\"

[dependencies]
core = { path = \"../core\", version = \"0.1.0\" } # kept in step by the release
serde = \"1\"
";

/// Three crates at 0.1.0 (tags `<name>/v0.1.0`): `core` and `util` in tier 1, `app`
/// (depending on `core` through a Cargo path dependency) in tier 2; then a `feat` in `core`,
/// a `fix` in `util`, a `feat` in `app`. Direct mode.
pub(crate) fn monorepo() -> Fixture {
    Fixture::cached("run::monorepo", || {
        let r = TestRepo::new();
        for name in ["core", "util", "app"] {
            let manifest = if name == "app" {
                APP_MANIFEST.to_owned()
            } else {
                format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
            };
            r.write(&format!("crates/{name}/Cargo.toml"), &manifest);
            r.write(&format!("crates/{name}/src/lib.rs"), &format!("//! The {name} crate.\n"));
            r.write(&format!("crates/{name}/tests/smoke.rs"), "#[test]\nfn smoke() {}\n");
            r.write(
                &format!("crates/{name}/CHANGELOG.md"),
                "# Changelog\n\n## 0.1.0\n\n- First release.\n",
            );
        }
        r.write("release.toml", &config("direct", "protected_branches = []\n", MONOREPO_PACKAGES));
        r.commit("chore: start the workspace");
        for name in ["core", "util", "app"] {
            r.tag_annotated(&format!("{name}/v0.1.0"));
        }
        r.change("crates/core/src/lib.rs", "feat(core): add the engine");
        r.change("crates/util/src/lib.rs", "fix(util): trim the input");
        r.change("crates/app/src/lib.rs", "feat(app): add a command line");
        Fixture::publish(r)
    })
}

/// The run id of a table summary (`Release summary (run: <id>)`) or a dry run (`dry run of
/// run <id> (…)`).
pub(crate) fn run_id(text: &str) -> String {
    let start = text
        .find("(run: ")
        .map(|i| i + 6)
        .or_else(|| text.find("dry run of run ").map(|i| i + 15))
        .unwrap_or_else(|| panic!("no run id in:\n{text}"));
    let id: String =
        text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    assert_run_id(&id);
    id
}

/// `release-YYYYMMDD-xxxxxx`.
#[track_caller]
fn assert_run_id(id: &str) {
    let parts: Vec<&str> = id.split('-').collect();
    assert!(
        parts.len() == 3
            && parts[0] == "release"
            && parts[1].len() == 8
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && parts[2].len() == 6
            && parts[2].bytes().all(|b| b.is_ascii_alphanumeric()),
        "not a run id: {id:?}"
    );
}

/// Every file, folder and link under `dir`, `.git` included: path → kind, mode and SHA-256 of
/// the content (or the link's target). Two equal snapshots mean nothing was written.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder).expect("read a folder of the snapshot");
        for entry in entries {
            let path = entry.expect("a folder entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("stat an entry");
            let mode = meta.permissions().mode();
            let rel = path.strip_prefix(dir).expect("under the root").display().to_string();
            let value = if meta.file_type().is_symlink() {
                format!("link {:o} {}", mode, std::fs::read_link(&path).expect("a link").display())
            } else if meta.is_dir() {
                stack.push(path.clone());
                format!("dir {mode:o}")
            } else {
                let bytes = std::fs::read(&path).expect("read a file of the snapshot");
                Sha256::digest(&bytes).iter().fold(format!("file {mode:o} "), |mut text, b| {
                    let _ = write!(text, "{b:02x}");
                    text
                })
            };
            out.insert(rel, value);
        }
    }
    out
}

/// Fails with the paths that differ between two snapshots.
#[track_caller]
fn assert_same(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>, what: &str) {
    let changed: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| format!("{k}: {:?} → {:?}", before.get(k), after.get(k)))
        .collect();
    assert!(changed.is_empty(), "{what} changed:\n{}", changed.join("\n"));
}

/// The `+`/`-` lines of a `git diff` (file headers left out).
fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect()
}

/// The names of a JSON object's keys, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> =
        value.as_object().expect("a JSON object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// `(name, tier, status)` of each package of a run result, in the result's order.
fn rows(result: &Value) -> Vec<(String, u64, String)> {
    result["packages"]
        .as_array()
        .expect("`packages` is an array")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_owned(),
                p["tier"].as_u64().unwrap_or_default(),
                p["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn package<'v>(result: &'v Value, name: &str) -> &'v Value {
    result["packages"]
        .as_array()
        .expect("`packages` is an array")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package `{name}` in {result:#}"))
}

/// The number of worktrees `git worktree list` shows.
fn worktrees(r: &TestRepo) -> usize {
    r.git(["worktree", "list", "--porcelain"])
        .lines()
        .filter(|l| l.starts_with("worktree "))
        .count()
}

// ---- 1. direct mode on a replayed history ---------------------------------------------------

#[test]
fn direct_mode_releases_a_replayed_history_with_one_commit_one_tag_and_one_forge_release() {
    let f = cocogitto("direct");
    let old = f.remote_main();
    let refs_before = f.ls_remote();
    let old_manifest = f.remote_file(&old, "Cargo.toml");
    let old_changelog = f.remote_file(&old, "CHANGELOG.md");

    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    let run = run_id(&out.stdout);
    assert!(out.stdout.contains("Succeeded (1):  root v1.1.0"), "{}", out.stdout);
    assert!(out.stdout.contains("Status: SUCCESS (1/1 released)"), "{}", out.stdout);

    // The remote: main moved by one commit, the tag was added; nothing else (no branch).
    let new = f.remote_main();
    let refs_after = f.ls_remote();
    let mut expected = refs_before.clone();
    expected.insert("refs/heads/main".to_owned(), new.clone());
    expected.insert("HEAD".to_owned(), new.clone());
    let tag_object = refs_after.get("refs/tags/1.1.0").expect("the tag is on the remote").clone();
    expected.insert("refs/tags/1.1.0".to_owned(), tag_object.clone());
    expected.insert("refs/tags/1.1.0^{}".to_owned(), new.clone());
    assert_eq!(refs_after, expected, "only main and the new tag changed on the remote");
    assert_eq!(f.remote(["rev-list", "--count", &format!("{old}..{new}")]), "1");
    assert_eq!(f.remote(["rev-parse", &format!("{new}^")]), old);
    assert_eq!(f.remote(["log", "-1", "--format=%s%n%b", &new]), "release: root v1.1.0");
    assert_eq!(f.remote(["diff", "--name-only", &old, &new]), "CHANGELOG.md\nCargo.toml");

    // The version file: only the version's bytes changed.
    let manifest = f.remote_file(&new, "Cargo.toml");
    assert_eq!(manifest, old_manifest.replacen("version = \"1.0.3\"", "version = \"1.1.0\"", 1));
    let diff = f.remote(["diff", "--unified=0", &old, &new, "--", "Cargo.toml"]);
    assert_eq!(changed_lines(&diff), ["-version = \"1.0.3\"", "+version = \"1.1.0\""]);

    // The changelog: the new section on top, under the header; every old byte kept.
    let changelog = f.remote_file(&new, "CHANGELOG.md");
    let at = old_changelog.find("## 1.0.3").expect("the old section");
    let (header, previous) = old_changelog.split_at(at);
    assert!(changelog.starts_with(header) && changelog.ends_with(previous), "{changelog}");
    let section = &changelog[header.len()..changelog.len() - previous.len()];
    assert!(section.starts_with("## 1.1.0 (2023-11-14)\n"), "{section}");
    for entry in [
        "### Features\n\n- **cli:** add git-hooks installer (3db897c)\n",
        "### Bug Fixes\n\n- **cli:** remove default value for install hook command (8d4a666)\n",
    ] {
        assert!(section.contains(entry), "missing {entry:?} in:\n{section}");
    }
    assert!(!section.contains("## 1.0.3"), "{section}");

    // The tag: annotated, on the release commit, with the release message.
    assert_eq!(f.remote(["cat-file", "-t", "1.1.0"]), "tag");
    let tag = f.remote(["cat-file", "-p", "1.1.0"]);
    assert!(tag.starts_with(&format!("object {new}\ntype commit\ntag 1.1.0\ntagger ")), "{tag}");
    let (_, message) = tag.split_once("\n\n").expect("a tag has a message");
    assert!(message.starts_with("Release 1.1.0\n"), "{message}");
    assert!(message.contains("- feat(cli): add git-hooks installer (3db897c)"), "{message}");
    assert!(
        message.contains("- fix(cli): remove default value for install hook command (8d4a666)"),
        "{message}"
    );
    assert!(!message.contains("docs:"), "only the commits that asked for the release: {message}");

    // The forge: the release was looked up, created once with the changelog section as its
    // notes, and looked up again for its URL; no pull request in direct mode.
    // Before them, the checks and the cadence rule's CI read (`run list` on the commit,
    // then on `main`: no CI there).
    assert_eq!(
        f.gh_heads(),
        [
            "auth status",
            "pr list",
            "--version",
            "run list",
            "run list",
            "release view",
            "release create",
            "release view"
        ]
    );
    let create = &f.gh.calls_matching(&["release", "create"])[0];
    assert_eq!(
        create[..7],
        ["release", "create", "1.1.0", "--verify-tag", "--title", "root v1.1.0", "--notes"]
    );
    assert_eq!(create[7].trim_end(), section.trim_end(), "the notes are the changelog section");
    // No pull request: the one `pr` call is the `open_prs` check's `pr list`.
    let pr_calls = f.gh.calls_matching(&["pr"]);
    assert!(pr_calls.iter().all(|c| c[1] == "list"), "{pr_calls:?}");
    let releases = f.gh.state()["releases"].clone();
    assert_eq!(releases.as_array().map(Vec::len), Some(1), "{releases:#}");
    assert_eq!(releases[0]["tagName"], "1.1.0");

    // Cleaned up: state and evidence archived, no lock, the worktree gone.
    let runs = f.git_dir().join("release/runs");
    for file in [format!("{run}.json"), format!("{run}.evidence.json")] {
        assert!(runs.join("archive").join(&file).is_file(), "archive/{file}");
        assert!(!runs.join(&file).exists(), "{file} left in runs/");
    }
    assert!(!f.git_dir().join("release/lock").exists(), "the lock is released");
    assert!(!f.git_dir().join("release/worktrees").join(&run).exists());
    assert_eq!(worktrees(&f.r), 1, "{}", f.r.git(["worktree", "list"]));
}

// ---- 2. pr mode on a replayed history -------------------------------------------------------

#[test]
fn pr_mode_releases_through_one_pull_request_squash_merged_and_tags_the_merge_commit() {
    let f = cocogitto("pr");
    let old = f.remote_main();

    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    let run = run_id(&out.stdout);
    let branch = format!("release/{run}/root");
    assert!(out.stdout.contains("#1"), "the summary names the pull request: {}", out.stdout);

    // One pull request from the release branch into main, its checks watched, squash-merged.
    let creates = f.gh.calls_matching(&["pr", "create"]);
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(
        creates[0][2..8],
        ["--base", "main", "--head", branch.as_str(), "--title", "release: root v1.1.0"]
    );
    assert_eq!(
        f.gh.calls_matching(&["pr", "checks"]),
        [["pr", "checks", "1", "--watch", "--fail-fast"]]
    );
    assert_eq!(
        f.gh.calls_matching(&["pr", "merge"]),
        [[
            "pr",
            "merge",
            "1",
            "--squash",
            "--subject",
            "release: root v1.1.0 (#1)",
            "--delete-branch",
            "--repo",
            "github.com/test/origin"
        ]]
    );
    let prs = f.gh.state()["prs"].clone();
    assert_eq!(prs.as_array().map(Vec::len), Some(1), "{prs:#}");
    assert_eq!(prs[0]["state"], "MERGED");

    // The remote's main: the stand-in's squash commit of the release branch, on the old main.
    let new = f.remote_main();
    assert_eq!(f.remote(["rev-parse", &format!("{new}^")]), old);
    assert_eq!(f.remote(["log", "-1", "--format=%s", &new]), "release: root v1.1.0 (#1)");
    // The release branch went with the merge; its commit is in the archived state.
    assert!(f.remote(["for-each-ref", &format!("refs/heads/{branch}")]).is_empty());
    let archived = f.git_dir().join(format!("release/runs/archive/{run}.json"));
    let archived: Value =
        serde_json::from_str(&std::fs::read_to_string(archived).expect("archived state"))
            .expect("the state is JSON");
    let release_commit =
        archived["packages"][0]["outputs"]["commit"].as_str().expect("a commit").to_owned();
    assert_eq!(f.remote(["log", "-1", "--format=%s", &release_commit]), "release: root v1.1.0");
    assert_eq!(f.remote(["rev-parse", &format!("{release_commit}^")]), old);
    assert_eq!(
        f.remote(["rev-parse", &format!("{new}^{{tree}}")]),
        f.remote(["rev-parse", &format!("{release_commit}^{{tree}}")])
    );
    assert_eq!(prs[0]["mergeCommit"]["oid"], new.as_str());
    assert!(f.remote_file(&new, "Cargo.toml").contains("version = \"1.1.0\"\n"));
    assert!(f.remote_file(&new, "CHANGELOG.md").contains("\n## 1.1.0 (2023-11-14)\n"));

    // The tag is on the merge commit, annotated; one forge release.
    assert_eq!(f.remote(["cat-file", "-t", "refs/tags/1.1.0"]), "tag");
    assert_eq!(f.remote(["rev-parse", "refs/tags/1.1.0^{commit}"]), new);
    let tag = f.remote(["cat-file", "-p", "refs/tags/1.1.0"]);
    assert!(tag.contains("\n\nRelease 1.1.0\n"), "{tag}");
    let releases = f.gh.state()["releases"].clone();
    assert_eq!(releases.as_array().map(Vec::len), Some(1), "{releases:#}");
    assert_eq!(releases[0]["tagName"], "1.1.0");
    assert_eq!(f.gh.calls_matching(&["release", "create"]).len(), 1);
    assert_eq!(worktrees(&f.r), 1);
}

// ---- 3. a monorepo in two tiers --------------------------------------------------------------

#[test]
fn a_monorepo_releases_in_tier_order_and_pins_the_dependent_to_the_new_version() {
    let f = monorepo();
    let old = f.remote_main();
    let out = f.release(&["run", "--yes", "--format", "json"]);
    out.expect_code(0);
    let result = out.json();
    assert_eq!(result["status"], "SUCCESS");
    assert_eq!(
        rows(&result),
        [
            ("core".to_owned(), 1, "DONE".to_owned()),
            ("util".to_owned(), 1, "DONE".to_owned()),
            ("app".to_owned(), 2, "DONE".to_owned()),
        ]
    );
    let versions: Vec<(&str, &str)> = ["core", "util", "app"]
        .iter()
        .map(|n| (*n, package(&result, n)["next_version"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(versions, [("core", "0.2.0"), ("util", "0.1.1"), ("app", "0.2.0")]);

    // Three release commits on main, one after the other, in tier order.
    let new = f.remote_main();
    let subjects = f.remote(["log", "--reverse", "--format=%s", &format!("{old}..{new}")]);
    assert_eq!(subjects, "release: core v0.2.0\nrelease: util v0.1.1\nrelease: app v0.2.0");
    assert_eq!(f.remote(["rev-list", "--merges", "--count", &format!("{old}..{new}")]), "0");

    // Each tag on the remote, annotated, on its package's release commit.
    let refs = f.ls_remote();
    for (name, version) in &versions {
        let tag = format!("refs/tags/{name}/v{version}");
        let commit = package(&result, name)["outputs"]["commit"].as_str().unwrap_or_default();
        assert_eq!(refs.get(&format!("{tag}^{{}}")).map(String::as_str), Some(commit), "{tag}");
        assert_eq!(f.remote(["cat-file", "-t", &tag]), "tag");
        assert_eq!(
            f.remote(["log", "-1", "--format=%s", commit]),
            format!("release: {name} v{version}")
        );
    }
    assert_eq!(f.remote(["rev-parse", "refs/tags/app/v0.2.0^{commit}"]), new);

    // PINNED: app requires exactly the core just released; nothing else of the file moved.
    assert_eq!(
        f.remote_file(&new, "crates/app/Cargo.toml"),
        APP_MANIFEST
            .replace("version = \"0.1.0\"\nedition", "version = \"0.2.0\"\nedition")
            .replace("version = \"0.1.0\" }", "version = \"=0.2.0\" }")
    );
    assert!(f.remote_file(&new, "crates/core/Cargo.toml").contains("version = \"0.2.0\"\n"));
    assert!(f.remote_file(&new, "crates/util/Cargo.toml").contains("version = \"0.1.1\"\n"));
    assert!(
        f.remote_file(&new, "crates/app/CHANGELOG.md")
            .starts_with("# Changelog\n\n## 0.2.0 (2023-11-14)\n")
    );

    let created: Vec<String> =
        f.gh.calls_matching(&["release", "create"]).iter().map(|c| c[2].clone()).collect();
    assert_eq!(created, ["core/v0.2.0", "util/v0.1.1", "app/v0.2.0"]);
    assert_eq!(worktrees(&f.r), 1);
}

// ---- 4. dry run -------------------------------------------------------------------------------

#[test]
fn a_dry_run_prints_every_change_and_writes_nothing() {
    let f = single("pr", "");
    let repo_before = snapshot(&f.r.path());
    let remote_before = snapshot(&f.bare);

    let table = f.release(&["run", "--dry-run"]);
    table.expect_code(0);
    let json_out = f.release(&["run", "--dry-run", "--format", "json"]);
    json_out.expect_code(0);

    assert_same(&repo_before, &snapshot(&f.r.path()), "the work tree or the git dir");
    assert_same(&remote_before, &snapshot(&f.bare), "the remote");
    assert!(!f.git_dir().join("release").exists(), "no release/ folder in the git dir");
    // Besides the checks (`auth status`, `pr list` for `open_prs`) and the cadence rule's
    // CI read (`run list` on the commit, then on `main`: no CI there), only `gh --version`:
    // the dry run shows the exact `gh pr checks` line this gh would get (issue 14, item 1).
    let heads: Vec<String> = f.gh_heads().into_iter().filter(|h| h != "--version").collect();
    let reads = ["auth status", "pr list", "run list", "run list"];
    assert_eq!(heads, [reads, reads].concat(), "only the checks and the cadence read call gh");
    assert!(table.stderr.contains("nothing was changed"), "{}", table.stderr);

    // The table: the plan, then every change.
    let text = &table.stdout;
    let run = run_id(text);
    let branch = format!("release/{run}/demo");
    for expected in [
        "--- a/Cargo.toml\n",
        "+++ b/Cargo.toml\n",
        "-version = \"1.2.0\"\n",
        "+version = \"1.3.0\"\n",
        "--- a/CHANGELOG.md\n",
        "+## 1.3.0 (2023-11-14)\n",
        "+- add a greeting (",
        &format!("git worktree add -b {branch} "),
        "git commit -m 'release: demo v1.3.0'",
        &format!("git push origin <release commit>:refs/heads/{branch}\n"),
        &format!("gh pr create --base main --head {branch} --title 'release: demo v1.3.0' --body "),
        "gh pr checks <pr> --watch --fail-fast\n",
        "gh pr merge <pr> --squash --subject 'release: demo v1.3.0 (#<pr>)' --delete-branch --repo <repo>\n",
        "git tag -a v1.3.0 <merge commit>",
        "git push origin refs/tags/v1.3.0:refs/tags/v1.3.0\n",
        "gh release create v1.3.0 --verify-tag --title 'demo v1.3.0' --notes ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    // The whole report, as a reviewer reads it (issue 13: report tables as snapshots); ids,
    // the run id and the scratch folder vary from run to run.
    let scratch = f.r.scratch().to_string_lossy().replace('.', r"\.");
    let filters = vec![
        (scratch.as_str(), "[scratch]"),
        (r"release-\d{8}-[0-9a-f]{6}", "[run]"),
        (r"\b[0-9a-f]{7,64}\b", "[id]"),
    ];
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!(text.as_str(), @r#"
 package  tier  current  next   bump   commits  reason
 demo     1     1.2.0    1.3.0  minor  2        feat: add a greeting ([id])

plan sha256:[id]

dry run of run [run] (pr mode): every change it would make

demo 1.2.0 → 1.3.0 (tier 1, branch release/[run]/demo)
  WORKTREE   git worktree add -b release/[run]/demo [scratch]/repo/.git/release/worktrees/[run]/demo [id]
  BUMPED     write `Cargo.toml`
             --- a/Cargo.toml
             +++ b/Cargo.toml
             @@ -1,6 +1,6 @@
              [package]
              name = "demo"
             -version = "1.2.0"
             +version = "1.3.0"
              edition = "2021"
              
              [dependencies]
  CHANGELOG  write `CHANGELOG.md`
             --- a/CHANGELOG.md
             +++ b/CHANGELOG.md
             @@ -1,5 +1,19 @@
              # Changelog
              
             +## 1.3.0 (2023-11-14)
             +
             +### Features
             +
             +- add a greeting ([id])
             +
             +### Bug Fixes
             +
             +- spell the greeting right ([id])
             +
             +### Contributors
             +
             +- Test Author
             +
              ## 1.2.0 (2023-01-01)
              
              - First release.
  COMMITTED  git commit -m 'release: demo v1.3.0'  (in the worktree, on `release/[run]/demo`)
  PUSHED     git push origin <release commit>:refs/heads/release/[run]/demo
  PR_CREATED gh pr create --base main --head release/[run]/demo --title 'release: demo v1.3.0' --body 'Release of `demo` 1.2.0 → 1.3.0, run `[run]`, plan `sha256:[id]`.…'
             Release of `demo` 1.2.0 → 1.3.0, run `[run]`, plan `sha256:[id]`.
             
             ## Changes
             
             - fix: spell the greeting right ([id])
             - feat: add a greeting ([id])
  MERGED     gh pr checks <pr> --watch --fail-fast
  MERGED     gh pr merge <pr> --squash --subject 'release: demo v1.3.0 (#<pr>)' --delete-branch --repo <repo>
  TAGGED     git tag -a v1.3.0 <merge commit> -m 'Release v1.3.0'
             Release v1.3.0
             
             - fix: spell the greeting right ([id])
             - feat: add a greeting ([id])
  TAGGED     git push origin refs/tags/v1.3.0:refs/tags/v1.3.0
  PUBLISHED  gh release create v1.3.0 --verify-tag --title 'demo v1.3.0' --notes '## 1.3.0 (2023-11-14)…'
             ## 1.3.0 (2023-11-14)
             
             ### Features
             
             - add a greeting ([id])
             
             ### Bug Fixes
             
             - spell the greeting right ([id])
             
             ### Contributors
             
             - Test Author


cadence: minor release, needs checks + ci — APPROVED
  checks   PASS       the checks ran first; a failed one stops the run (or sets its package aside)
  ci       SKIP       no workflow has ever run on `main`: there is no CI to wait for
  window   NA         no window for minor releases
  approval NA         a minor release needs no named approval
  RL-01 PASS   All PRs merged — `open_prs`: no pull request is open into `main`
  RL-02 PASS   Gates pass — every check passed or was waived; the minor rule needs checks + ci (APPROVED)
  RL-03 PASS   Changelog updated — `changelog_current`: demo: `CHANGELOG.md` has a section for 1.2.0; the CHANGELOG step writes the new section
  RL-04 PASS   Version bumped — `version_alignment`: demo: the version file and the last tag `v1.2.0` say 1.2.0; the BUMPED step sets the version files
  RL-05 SKIP   Documentation updated — `stale_docs`: demo: no `release.docs` is set
  RL-06 NA     Security review — git-release runs no vulnerability scan: run one in `[commands] lint` or `test`, which the run runs
  RL-07 NA     Rollback tested — major releases only
  RL-08 PASS   Release notes drafted — notes list changes: demo (2 section(s))
"#);
    });

    // The JSON: the same, as data.
    let doc = json_out.json();
    assert_eq!(doc["status"], "DRY_RUN");
    assert_run_id(doc["run_id"].as_str().unwrap_or_default());
    assert!(doc["checks"].as_array().is_some_and(|c| !c.is_empty()), "{doc:#}");
    let pkg = &doc["packages"][0];
    assert_eq!(doc["packages"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (&pkg["name"], &pkg["tier"], &pkg["current_version"], &pkg["next_version"], &pkg["tag"]),
        (&json!("demo"), &json!(1), &json!("1.2.0"), &json!("1.3.0"), &json!("v1.3.0"))
    );
    let json_branch = format!("release/{}/demo", doc["run_id"].as_str().unwrap_or_default());
    assert_eq!(pkg["branch"], json_branch.as_str());
    let actions = pkg["actions"].as_array().expect("`actions` is an array");
    let steps: Vec<&str> = actions.iter().filter_map(|a| a["step"].as_str()).collect();
    let mut distinct = steps.clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        [
            "WORKTREE",
            "BUMPED",
            "CHANGELOG",
            "COMMITTED",
            "PUSHED",
            "PR_CREATED",
            "MERGED",
            "TAGGED",
            "PUBLISHED"
        ]
    );
    let bumped = actions.iter().find(|a| a["step"] == "BUMPED").expect("a BUMPED action");
    assert_eq!(bumped["what"], "write `Cargo.toml`");
    let detail = bumped["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("-version = \"1.2.0\"\n+version = \"1.3.0\"\n"), "{detail}");
    let pr = actions.iter().find(|a| a["step"] == "PR_CREATED").expect("a PR_CREATED action");
    assert!(
        pr["what"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("gh pr create --base main --head {json_branch} ")),
        "{pr:#}"
    );

    // The plan it would run is the plan `plan` shows.
    assert_eq!(doc["plan_hash"].as_str().unwrap_or_default(), f.plan_hash());
}

// ---- 5. the gate ------------------------------------------------------------------------------

#[test]
fn the_gate_refuses_another_plan_and_a_missing_approval_and_writes_nothing() {
    let f = single("direct", "");
    let hash = f.plan_hash();
    let repo_before = snapshot(&f.r.path());
    let remote_before = snapshot(&f.bare);
    let nothing_written = |what: &str| {
        assert_same(&repo_before, &snapshot(&f.r.path()), what);
        assert_same(&remote_before, &snapshot(&f.bare), what);
        assert!(!f.git_dir().join("release").exists(), "{what}: no runs folder, no lock");
    };

    let wrong = f.release(&["run", "--gate-attestation", "sha256:000000000000"]);
    wrong.expect_code(4);
    assert!(wrong.stderr.contains("sha256:000000000000"), "{}", wrong.stderr);
    assert!(wrong.stderr.contains(&hash), "the plan's own hash {hash}: {}", wrong.stderr);
    assert!(wrong.stdout.is_empty(), "{}", wrong.stdout);
    nothing_written("a refused attestation");

    let no_tty = f.release(&["run"]);
    no_tty.expect_code(4);
    assert!(no_tty.stderr.contains("--yes"), "{}", no_tty.stderr);
    assert!(no_tty.stderr.contains(&format!("--gate-attestation {hash}")), "{}", no_tty.stderr);
    nothing_written("no terminal and no approval");

    let both = f.release(&["run", "--yes", "--gate-attestation", &hash]);
    both.expect_code(2);
    assert!(both.stderr.contains("cannot be used with"), "{}", both.stderr);
    nothing_written("conflicting flags");
    let reads = ["auth status", "pr list", "--version", "run list", "run list"];
    assert_eq!(
        f.gh_heads(),
        [reads, reads].concat(),
        "the checks and the cadence rule's CI read ran twice, nothing else"
    );

    let approved = f.release(&["run", "--gate-attestation", &hash, "--format", "json"]);
    approved.expect_code(0);
    let result = approved.json();
    assert_eq!(result["status"], "SUCCESS");
    assert_eq!(result["plan_hash"], hash.as_str());
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(result["state_file"].as_str().unwrap_or_default())
            .expect("the archived state file"),
    )
    .expect("the state file is JSON");
    assert_eq!(state["gates"].as_array().map(Vec::len), Some(1), "{:#}", state["gates"]);
    assert_eq!(state["gates"][0]["how"], "attestation");
    assert_eq!(state["gates"][0]["plan_hash"], hash.as_str());
    assert_eq!(f.remote(["rev-parse", "refs/tags/v1.3.0^{commit}"]), f.remote_main());
}

// ---- 6. the JSON result and status ------------------------------------------------------------

#[test]
fn a_successful_run_prints_its_json_result_and_status_lists_it_archived() {
    let f = single("direct", "");
    // A second remote whose URL holds a token: the evidence lists it, without the token.
    f.r.git(["remote", "add", "mirror", "https://releaser:s3cr3t-token@example.com/demo.git"]);
    let head = f.r.head();
    let hash = f.plan_hash();
    let out = f.release(&["run", "--yes", "--format", "json"]);
    out.expect_code(0);
    let result = out.json();
    assert_eq!(
        keys(&result),
        [
            "cadence",
            "evidence_file",
            "mode",
            "on_failure",
            "packages",
            "plan_hash",
            "report",
            "run_id",
            "schema_version",
            "state_file",
            "status"
        ]
    );
    let run = result["run_id"].as_str().unwrap_or_default().to_owned();
    assert_run_id(&run);
    assert_eq!(result["schema_version"], 1);
    assert_eq!(result["status"], "SUCCESS");
    assert_eq!(result["plan_hash"], hash.as_str());
    assert_eq!(result["mode"], "direct");
    assert_eq!(result["on_failure"], "stop");
    let archive = f.git_dir().join("release/runs/archive");
    let state_file = PathBuf::from(result["state_file"].as_str().unwrap_or_default());
    let evidence_file = PathBuf::from(result["evidence_file"].as_str().unwrap_or_default());
    assert_eq!(state_file.file_name(), Some(OsStr::new(&format!("{run}.json"))));
    assert_eq!(evidence_file.file_name(), Some(OsStr::new(&format!("{run}.evidence.json"))));
    for file in [&state_file, &evidence_file] {
        assert!(file.is_file(), "{}", file.display());
        assert_eq!(
            file.parent().map(Path::canonicalize).and_then(Result::ok),
            archive.canonicalize().ok()
        );
    }

    let main = f.remote_main();
    let pkg = &result["packages"][0];
    assert_eq!(result["packages"].as_array().map(Vec::len), Some(1));
    assert_eq!(pkg["name"], "demo");
    assert_eq!(pkg["tier"], 1);
    assert_eq!(pkg["current_version"], "1.2.0");
    assert_eq!(pkg["next_version"], "1.3.0");
    assert_eq!(pkg["status"], "DONE");
    assert_eq!(pkg["phase"], "DONE");
    assert_eq!(pkg["tag"], "v1.3.0");
    assert_eq!(pkg["branch"], format!("release/{run}/demo").as_str());
    assert_eq!(pkg["error"], Value::Null);
    assert_eq!(pkg["outputs"]["commit"], main.as_str());
    assert_eq!(pkg["outputs"]["tagged_commit"], main.as_str());
    assert_eq!(pkg["outputs"]["release_url"], "https://github.com/test/origin/releases/tag/v1.3.0");
    let phases: Vec<&str> = pkg["history"]
        .as_array()
        .expect("`history` is an array")
        .iter()
        .filter_map(|h| h["phase"].as_str())
        .collect();
    assert_eq!(
        phases,
        [
            "PLANNED",
            "WORKTREE",
            "BUMPED",
            "PINNED",
            "CHANGELOG",
            "LOCKED",
            "LINT",
            "COMMITTED",
            "PUSHED",
            "TAGGED",
            "PUBLISHED",
            "DONE"
        ]
    );
    assert_eq!(
        result["report"],
        json!({
            "succeeded": [{ "name": "demo", "version": "1.3.0", "tag": "v1.3.0" }],
            "failed": [],
            "blocked": [],
            "skipped": [],
        })
    );
    assert!(
        out.stderr.contains("Status: SUCCESS (1/1 released)"),
        "the summary goes to stderr: {}",
        out.stderr
    );

    // The evidence: checks, plan hash and approval, provenance, step history; no secret.
    let evidence_text = std::fs::read_to_string(&evidence_file).expect("the evidence file");
    let evidence: Value = serde_json::from_str(&evidence_text).expect("the evidence is JSON");
    assert_eq!(evidence["schema_version"], 1);
    assert_eq!(evidence["run_id"], run.as_str());
    assert_eq!(evidence["plan_hash"], hash.as_str());
    assert_eq!(evidence["status"], "SUCCESS");
    assert_eq!(evidence["gates"].as_array().map(Vec::len), Some(1));
    assert_eq!(evidence["gates"][0]["how"], "yes");
    assert_eq!(evidence["gates"][0]["plan_hash"], hash.as_str());
    assert!(evidence["checks"].as_array().is_some_and(|c| c.len() > 5), "{:#}", evidence["checks"]);
    let provenance = &evidence["provenance"];
    assert_eq!(provenance["commit"], head.as_str());
    assert_eq!(provenance["branch"], "main");
    assert_eq!(provenance["release_branch"], "main");
    assert_eq!(provenance["remote"], "origin");
    assert_eq!(
        provenance["remotes"],
        json!([
            { "name": "mirror", "url": "https://***@example.com/demo.git" },
            { "name": "origin", "url": file_url(&f.bare) },
        ])
    );
    assert_eq!(evidence["packages"][0]["history"], pkg["history"]);
    let state_text = std::fs::read_to_string(&state_file).expect("the state file");
    for (what, text) in [
        ("state", &state_text),
        ("evidence", &evidence_text),
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
    ] {
        assert!(!text.contains("s3cr3t-token"), "the token leaked into the {what}");
    }

    // status: the runs, then this one.
    let list = f.release(&["status"]);
    list.expect_code(0);
    let line =
        list.stdout.lines().find(|l| l.contains(&run)).unwrap_or_else(|| panic!("{}", list.stdout));
    assert!(line.contains("SUCCESS") && line.contains("archived"), "{line}");
    let listed = f.release(&["status", "--format", "json"]);
    listed.expect_code(0);
    let listed = listed.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed:#}");
    assert_eq!(listed[0]["run_id"], run.as_str());
    assert_eq!(listed[0]["status"], "SUCCESS");
    assert_eq!(listed[0]["archived"], true);

    let one = f.release(&["status", &run, "--format", "json"]);
    one.expect_code(0);
    let one = one.json();
    assert_eq!(one["run_id"], run.as_str());
    assert_eq!(one["status"], "SUCCESS");
    assert_eq!(one["archived"], true);
    assert_eq!(one["plan_hash"], hash.as_str());
    assert_eq!(one["mode"], "direct");
    assert_eq!(one["remote_reachable"], true);
    let facts = &one["packages"][0];
    assert_eq!(facts["name"], "demo");
    assert_eq!(facts["status"], "DONE");
    assert_eq!(facts["phase"], "DONE");
    assert_eq!(facts["release_commit"], main.as_str());
    assert_eq!(facts["tag"], "v1.3.0");
    assert_eq!(facts["remote_tag"], "BOTH");
    assert_eq!(
        facts["forge_release"],
        "published https://github.com/test/origin/releases/tag/v1.3.0"
    );
    assert_eq!(facts["worktree_exists"], false);
    assert_eq!(facts["next"], "nothing: released");

    let table = f.release(&["status", &run]);
    table.expect_code(0);
    assert!(
        table.stdout.starts_with(&format!("run {run} — SUCCESS, plan {hash}, direct mode")),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("   demo: tag v1.3.0 BOTH\n"), "{}", table.stdout);
    assert!(table.stdout.contains("   demo: nothing: released\n"), "{}", table.stdout);
}

#[test]
fn status_names_an_interrupted_run_in_progress_as_its_json_does() {
    let f = single("direct", "");
    let out = f.release(&["run", "--yes", "--format", "json"]);
    out.expect_code(0);
    // A run killed mid-way leaves its state in runs/ with status IN_PROGRESS: make one from
    // the archived state of the finished run.
    let archived = std::fs::read_to_string(out.json()["state_file"].as_str().unwrap_or_default())
        .expect("the archived state");
    let mut state: Value = serde_json::from_str(&archived).expect("the state is JSON");
    let run = "release-20231114-abc123";
    state["run_id"] = json!(run);
    state["status"] = json!("IN_PROGRESS");
    let runs = f.git_dir().join("release/runs");
    std::fs::write(
        runs.join(format!("{run}.json")),
        serde_json::to_string_pretty(&state).expect("JSON"),
    )
    .expect("write the state");

    let listed = f.release(&["status", "--format", "json"]);
    listed.expect_code(0);
    let entry =
        listed.json().as_array().and_then(|a| a.iter().find(|e| e["run_id"] == run).cloned());
    assert_eq!(
        entry.as_ref().map(|e| (&e["status"], &e["archived"])),
        Some((&json!("IN_PROGRESS"), &json!(false)))
    );
    let table = f.release(&["status"]);
    table.expect_code(0);
    let line = table
        .stdout
        .lines()
        .find(|l| l.contains(run))
        .unwrap_or_else(|| panic!("{}", table.stdout));
    assert!(line.contains(" IN_PROGRESS ") && line.contains("active"), "{line}");
    let one = f.release(&["status", run]);
    one.expect_code(0);
    assert!(one.stdout.starts_with(&format!("run {run} — IN_PROGRESS, plan ")), "{}", one.stdout);
}

// ---- 7. failures: quarantine and stop --------------------------------------------------------

/// The stand-in refuses `release create` for `core/v0.2.0` as invalid (not retried).
fn fail_core_release(f: &Fixture) {
    f.gh.scenario(json!([
        { "match": ["release", "create"], "contains": "core/v0.2.0", "fail": "validation" },
    ]));
}

#[test]
fn quarantine_releases_the_independent_package_and_blocks_only_the_dependent() {
    let f = monorepo();
    fail_core_release(&f);
    let old = f.remote_main();
    let out = f.release(&["run", "--yes", "--on-failure", "quarantine", "--format", "json"]);
    out.expect_code(3);
    let result = out.json();
    assert_eq!(result["status"], "PARTIAL");
    assert_eq!(result["on_failure"], "quarantine");
    assert_eq!(
        rows(&result),
        [
            ("core".to_owned(), 1, "FAILED".to_owned()),
            ("util".to_owned(), 1, "DONE".to_owned()),
            ("app".to_owned(), 2, "BLOCKED".to_owned()),
        ]
    );
    let core = package(&result, "core");
    assert_eq!(core["error"]["phase"], "PUBLISHED");
    assert_eq!(core["error"]["code"], "FORGE_FAILED");
    assert!(core["error"]["message"].as_str().unwrap_or_default().contains("HTTP 422"), "{core:#}");
    let app = package(&result, "app");
    assert_eq!(app["blocked_by"], "core");
    assert_eq!(app["reason"], "it depends on `core`, which failed");

    let report = &result["report"];
    assert_eq!(
        report["succeeded"],
        json!([{ "name": "util", "version": "0.1.1", "tag": "util/v0.1.1" }])
    );
    assert_eq!(report["failed"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (&report["failed"][0]["name"], &report["failed"][0]["phase"], &report["failed"][0]["code"]),
        (&json!("core"), &json!("PUBLISHED"), &json!("FORGE_FAILED"))
    );
    assert_eq!(
        report["blocked"],
        json!([{ "name": "app", "version": "0.2.0", "blocked_by": "core", "reason": "it depends on `core`, which failed" }])
    );
    assert_eq!(report["skipped"], json!([]));
    let text = &out.stderr;
    for line in [
        "Succeeded (1):  util v0.1.1\n",
        "Failed    (1):  core v0.2.0 — PUBLISHED [FORGE_FAILED]: ",
        "Blocked   (1):  app v0.2.0 — blocked by core\n",
        "Skipped   (0):  —\n",
        "Status: PARTIAL (1/3 released)",
        &format!("git release resume {}", result["run_id"].as_str().unwrap_or_default()),
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }

    // core got as far as its tag; util is released; app was not touched.
    let new = f.remote_main();
    let subjects = f.remote(["log", "--reverse", "--format=%s", &format!("{old}..{new}")]);
    assert_eq!(subjects, "release: core v0.2.0\nrelease: util v0.1.1");
    let refs = f.ls_remote();
    assert!(refs.contains_key("refs/tags/core/v0.2.0"), "{refs:#?}");
    assert!(refs.contains_key("refs/tags/util/v0.1.1"), "{refs:#?}");
    assert!(!refs.contains_key("refs/tags/app/v0.2.0"), "{refs:#?}");
    assert_eq!(
        f.gh.calls_matching(&["release", "create"])
            .iter()
            .filter(|c| c[2] == "core/v0.2.0")
            .count(),
        1,
        "no retry"
    );
    let released: Vec<Value> = f.gh.state()["releases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["tagName"].clone())
        .collect();
    assert_eq!(released, [json!("util/v0.1.1")]);
    // Not finished: the state stays for resume.
    let run = result["run_id"].as_str().unwrap_or_default();
    assert!(f.git_dir().join(format!("release/runs/{run}.json")).is_file());
}

#[test]
fn stop_blocks_everything_after_the_failure() {
    let f = monorepo();
    fail_core_release(&f);
    let old = f.remote_main();
    let out = f.release(&["run", "--yes"]);
    out.expect_code(1);
    let text = &out.stdout;
    for line in [
        "Succeeded (0):  —\n",
        "Failed    (1):  core v0.2.0 — PUBLISHED [FORGE_FAILED]: ",
        "Blocked   (2):  util v0.1.1 — blocked by core, app v0.2.0 — blocked by core\n",
        "Status: FAILED (0/3 released)",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let run = run_id(text);
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(f.git_dir().join(format!("release/runs/{run}.json")))
            .expect("the state file"),
    )
    .expect("the state is JSON");
    assert_eq!(state["status"], "FAILED");
    for name in ["util", "app"] {
        let pkg = package(&state, name);
        assert_eq!(pkg["status"], "BLOCKED", "{pkg:#}");
        assert_eq!(pkg["blocked_by"], "core");
        assert_eq!(pkg["reason"], "`core` failed earlier in the run (--on-failure stop)");
        assert_eq!(pkg["phase"], "PLANNED", "{name} was not started");
    }
    let new = f.remote_main();
    assert_eq!(f.remote(["log", "--format=%s", &format!("{old}..{new}")]), "release: core v0.2.0");
    let refs = f.ls_remote();
    assert!(
        !refs.contains_key("refs/tags/util/v0.1.1") && !refs.contains_key("refs/tags/app/v0.2.0")
    );
    let created: Vec<String> =
        f.gh.calls_matching(&["release", "create"]).iter().map(|c| c[2].clone()).collect();
    assert_eq!(created, ["core/v0.2.0"]);
}

// ---- 8. a replace rule that matches too often -------------------------------------------------

#[test]
fn a_replace_rule_matching_another_count_fails_the_bump_and_names_the_file_and_counts() {
    let f = single(
        "direct",
        "
[[package]]
name = \"demo\"
path = \".\"
tag_format = \"v{version}\"

[[package.replace]]
file = \"README.md\"
search = 'demo = \"[0-9.]+\"'
replace = 'demo = \"{version}\"'
exactly = 1
",
    );
    let refs_before = f.ls_remote();
    let out = f.release(&["run", "--yes", "--format", "json"]);
    out.expect_code(1);
    let result = out.json();
    assert_eq!(result["status"], "FAILED");
    let pkg = &result["packages"][0];
    assert_eq!(pkg["status"], "FAILED");
    assert_eq!(pkg["phase"], "WORKTREE", "BUMPED did not complete");
    assert_eq!(pkg["error"]["code"], "BUMP_FAILED");
    assert_eq!(pkg["error"]["phase"], "BUMPED");
    let message = pkg["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("README.md"), "{message}");
    assert!(message.contains("matched 2 times, expected exactly 1"), "{message}");
    assert!(out.stderr.contains("BUMPED failed [BUMP_FAILED]: `README.md`: "), "{}", out.stderr);
    assert_eq!(f.ls_remote(), refs_before, "nothing reached the remote");
    assert!(f.gh.calls_matching(&["release"]).is_empty());
}

// ---- the step a failure is reported at, and the checks of the mode run ------------------------

#[test]
fn a_tag_push_refused_in_direct_mode_is_reported_at_tagged() {
    use std::os::unix::fs::PermissionsExt as _;
    let f = single("direct", "");
    let hook = f.bare.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nwhile read old new ref; do\n  case \"$ref\" in refs/tags/*) echo \"tags are protected here\" >&2; exit 1;; esac\ndone\n",
    )
    .expect("write the hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let old = f.remote_main();

    let out = f.release(&["run", "--yes", "--format", "json"]);
    out.expect_code(1);
    let result = out.json();
    let pkg = &result["packages"][0];
    assert_eq!(pkg["phase"], "PUSHED");
    assert_eq!(pkg["error"]["code"], "PUSH_REJECTED");
    assert_eq!(pkg["error"]["phase"], "TAGGED", "direct mode has no PR_CREATED step: {pkg:#}");
    let message = pkg["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("refs/tags/v1.3.0") && message.contains("tags are protected here"),
        "{message}"
    );
    assert_eq!(result["report"]["failed"][0]["phase"], "TAGGED");
    assert!(out.stderr.contains("demo v1.3.0 — TAGGED [PUSH_REJECTED]: "), "{}", out.stderr);
    assert_eq!(f.remote(["rev-parse", "refs/heads/main^"]), old, "the release commit was pushed");
    assert!(!f.ls_remote().contains_key("refs/tags/v1.3.0"));
}

#[test]
fn run_mode_direct_checks_the_protected_branch_for_the_mode_it_runs_in() {
    // `release.mode` is `pr` (so `check` passes), `main` is protected by default: a run
    // forced to `--mode direct` would push straight to it, and must be stopped.
    let f = single("pr", "");
    let refs_before = f.ls_remote();
    let out = f.release(&["run", "--yes", "--mode", "direct"]);
    out.expect_code(1);
    assert!(out.stderr.contains("✗ protected_branch FAIL"), "{}", out.stderr);
    assert!(out.stderr.contains("`protected_branch`"), "{}", out.stderr);
    assert_eq!(f.ls_remote(), refs_before, "nothing was pushed");
    assert!(!f.git_dir().join("release").exists());
}

// ---- error codes of refused runs ---------------------------------------------------------------

#[test]
fn a_refused_gate_names_its_error_code() {
    let f = single("direct", "");
    let wrong = f.release(&["run", "--gate-attestation", "sha256:000000000000"]);
    wrong.expect_code(4);
    assert!(wrong.stderr.contains("INVALID_GATE_TOKEN"), "{}", wrong.stderr);
    let no_tty = f.release(&["run"]);
    no_tty.expect_code(4);
    assert!(no_tty.stderr.contains("GATE_REJECTED"), "{}", no_tty.stderr);
    let json = f.release(&["run", "--gate-attestation", "sha256:000000000000", "--format", "json"]);
    json.expect_code(4);
    assert_eq!(json.json()["error"]["code"], "INVALID_GATE_TOKEN", "{}", json.stdout);
    assert_eq!(json.json()["status"], "FAILED");
}

#[test]
fn a_failed_release_workflow_fails_published_and_files_one_blocker_issue_once() {
    let f = single("direct", "wait_workflow = \"release\"\n");
    let config = std::fs::read_to_string(f.r.path().join("release.toml")).expect("read config");
    f.r.write("release.toml", &config.replace("[release]\n", "[release]\nfile_blockers = true\n"));
    f.r.commit("chore: file release blockers");
    f.r.git(["push", "--quiet", "origin", "main"]);
    f.gh.scenario(json!([{"match": ["run", "list"], "fail": "run_failed"}]));

    let out = f.release(&["run", "--yes", "--format", "json"]);
    out.expect_code(1);
    let result = out.json();
    let pkg = &result["packages"][0];
    assert_eq!(pkg["error"]["code"], "CHECKS_FAILED", "{result:#}");
    assert_eq!(pkg["error"]["phase"], "PUBLISHED");
    let url = pkg["outputs"]["workflow_run"].as_str().expect("the run's URL is in the state");
    assert!(url.starts_with("https://github.com/test/"), "{url}");
    let message = pkg["error"]["message"].as_str().expect("message");
    assert!(message.contains(url), "the error names the run: {message}");
    assert!(message.contains("error: failed to publish"), "and its failed log lines: {message}");
    assert_eq!(f.remote(["tag", "--list", "v1.3.0"]), "v1.3.0", "the tag was pushed before");
    assert!(f.gh.calls_matching(&["release", "create"]).is_empty(), "no forge release");

    let issues = f.gh.state()["issues"].clone();
    let list = issues.as_array().expect("issues");
    assert_eq!(list.len(), 1, "one blocker issue: {issues:#}");
    assert!(list[0].to_string().contains("release-blocker"), "labelled: {issues:#}");
    let body = list[0]["body"].as_str().expect("body");
    for needle in ["PUBLISHED", "CHECKS_FAILED", url, "error: failed to publish"] {
        assert!(body.contains(needle), "the issue carries `{needle}`: {body}");
    }
    assert_eq!(pkg["outputs"]["blocker_issue"], list[0]["url"]);

    // Resumed while the workflow still fails: the same failure, and no second issue.
    let run_id = result["run_id"].as_str().expect("run id");
    let again = f.release(&["resume", run_id, "--yes", "--format", "json"]);
    again.expect_code(1);
    assert_eq!(again.json()["packages"][0]["error"]["code"], "CHECKS_FAILED");
    assert_eq!(f.gh.calls_matching(&["issue", "create"]).len(), 1);
    assert_eq!(f.gh.state()["issues"].as_array().map(Vec::len), Some(1));
}
