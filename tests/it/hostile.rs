//! Hostile repositories, configurations and state files (issue 12): committed symbolic
//! links, paths that leave the repository, manifest names that try to inject TOML, package
//! names that collide as branch names, stray files, edited state files, file modes, and
//! read-only commands that must leave `.git` as it was. Each test asserts what a user sees:
//! the exit code, the message, the remote's refs and files, the modes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::releasable::Fixture;
use crate::support::TestRepo;

impl Fixture {
    /// Every blob reachable from any ref of the remote, concatenated.
    fn remote_blobs(&self) -> String {
        let objects = self.remote(["rev-list", "--objects", "--all"]);
        let mut all = String::new();
        for line in objects.lines() {
            let id = line.split(' ').next().unwrap_or_default();
            let kind = self.remote(["cat-file", "-t", id]);
            if kind == "blob" {
                all.push_str(&self.remote(["cat-file", "-p", id]));
                all.push('\n');
            }
        }
        all
    }
}

/// `release.toml` for a hermetic run.
fn config(mode: &str, release: &str, tail: &str) -> String {
    format!(
        "[release]\nmode = \"{mode}\"\nemail_pattern = \"*@example.com\"\nprotected_branches = []\n{release}\n\
         [forge]\nretries = 2\nbase_delay_ms = 1\n{tail}"
    )
}

/// A single package `demo` at 1.2.0 (tag `v1.2.0`), then a `feat`; `setup` adds files
/// before the first commit; `tail` is appended to `release.toml`.
fn single(mode: &str, tail: &str, setup: impl FnOnce(&TestRepo)) -> Fixture {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.2.0\"\nedition = \"2021\"\n");
    r.write("src/lib.rs", "//! Demo.\n");
    r.write("tests/smoke.rs", "#[test]\nfn smoke() {}\n");
    r.write("CHANGELOG.md", "# Changelog\n\n## 1.2.0 (2023-01-01)\n\n- First release.\n");
    r.write("release.toml", &config(mode, "", tail));
    setup(&r);
    r.commit("chore: start");
    r.tag_annotated("v1.2.0");
    r.change("src/lib.rs", "feat: add a greeting");
    Fixture::publish(r)
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).expect("create a symbolic link");
}

// ---- item 1: committed symbolic links ------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_committed_changelog_link_out_of_the_repository_is_never_read_or_pushed() {
    let secret_file = std::cell::RefCell::new(PathBuf::new());
    let waive = "[[waiver]]\ncheck = \"changelog_current\"\nreason = \"the link is the attack\"\n";
    let f = single("direct", waive, |r| {
        std::fs::remove_file(r.path().join("CHANGELOG.md")).expect("remove");
        let secret = r.scratch().join("secret.env");
        std::fs::write(&secret, "GH_TOKEN=ghp_hostile_secret_value\n").expect("write");
        symlink(&secret, r.path().join("CHANGELOG.md"));
        *secret_file.borrow_mut() = secret;
    });
    let before = f.remote(["for-each-ref", "--format=%(objectname) %(refname)"]);

    // `changelog --write` in the work tree: refused, naming the link; the target untouched.
    let out = f.release(&["changelog", "--write"]);
    assert_ne!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("`CHANGELOG.md`"), "{}", out.stderr);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&*secret_file.borrow()).expect("read"),
        "GH_TOKEN=ghp_hostile_secret_value\n"
    );
    assert!(f.r.path().join("CHANGELOG.md").is_symlink(), "the link is left as it was");

    // The run: CHANGELOG fails, naming the link; nothing of the secret reaches the remote.
    let out = f.release(&["run", "--yes"]);
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("CHANGELOG"), "{all}");
    assert!(all.contains("`CHANGELOG.md`"), "{all}");
    assert!(!all.contains("ghp_hostile_secret_value"), "{all}");
    assert_eq!(f.remote(["for-each-ref", "--format=%(objectname) %(refname)"]), before);
    assert!(!f.remote_blobs().contains("ghp_hostile_secret_value"));
}

#[cfg(unix)]
#[test]
fn changelog_write_refuses_to_write_through_a_link_inside_the_repository() {
    let f = single("direct", "", |r| {
        r.write("docs/CHANGES.md", "# Changes\n");
        std::fs::remove_file(r.path().join("CHANGELOG.md")).expect("remove");
        symlink("docs/CHANGES.md", r.path().join("CHANGELOG.md"));
    });
    let out = f.release(&["changelog", "--write"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("`CHANGELOG.md` is a symbolic link (to `docs/CHANGES.md`)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);
    assert!(f.r.path().join("CHANGELOG.md").is_symlink(), "the link is not replaced");
    assert_eq!(
        std::fs::read_to_string(f.r.path().join("docs/CHANGES.md")).expect("read"),
        "# Changes\n"
    );
}

#[cfg(unix)]
#[test]
fn version_files_templates_and_waivers_behind_links_out_are_refused() {
    let f = single("direct", "[changelog]\ntemplate = \"cl.j2\"\n", |r| {
        let outside = r.scratch().join("outside.j2");
        std::fs::write(&outside, "SECRET {{ version }}\n").expect("write");
        symlink(&outside, r.path().join("cl.j2"));
    });
    let out = f.release(&["changelog"]);
    assert_ne!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("`cl.j2`"), "{}", out.stderr);
    assert!(!out.stdout.contains("SECRET"), "{}", out.stdout);

    let f = single("direct", "", |r| {
        let outside = r.scratch().join("waivers.json");
        std::fs::write(&outside, "{\"waivers\": []}").expect("write");
        symlink(&outside, r.path().join(".release-waivers.json"));
    });
    let out = f.release(&["check"]);
    assert!(out.stderr.contains("`.release-waivers.json`"), "{}", out.stderr);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
}

// ---- item 2: configured paths stay inside the repository -----------------------------------

/// A source of the changelog path: its name, environment variables, a `[release]` line.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<String>);

#[test]
fn a_changelog_path_outside_the_repository_is_refused_from_every_source() {
    let f = single("direct", "", |_| {});
    let outside = f.r.scratch().join("pwned.md");
    let abs = outside.display().to_string();
    let cases: Vec<Case<'_>> = vec![
        ("file", vec![], Some("changelog = \"../pwned.md\"\n".to_owned())),
        ("file-abs", vec![], Some(format!("changelog = \"{abs}\"\n"))),
        ("env", vec![("GIT_RELEASE_CHANGELOG", "../pwned.md")], None),
        ("env-abs", vec![("GIT_RELEASE_CHANGELOG", abs.as_str())], None),
    ];
    for (what, env, release) in cases {
        if let Some(line) = &release {
            f.r.write("release.toml", &config("direct", line, ""));
        } else {
            f.r.write("release.toml", &config("direct", "", ""));
        }
        let out = f.release_env(&["changelog", "--write"], &env);
        assert_eq!(out.code, 2, "{what}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.to_lowercase().contains("changelog"), "{what}: {}", out.stderr);
        assert!(!outside.exists(), "{what}: nothing is written outside the repository");
    }
    f.r.write("release.toml", &config("direct", "", ""));
    f.r.git(["config", "release.changelog", "../pwned.md"]);
    let out = f.release(&["changelog", "--write"]);
    assert_eq!(out.code, 2, "git config: {}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("release.changelog"), "{}", out.stderr);
    assert!(!outside.exists());
}

// ---- item 3: init never injects ------------------------------------------------------------

#[test]
fn init_writes_hostile_manifest_names_as_data_never_as_toml() {
    let r = TestRepo::new();
    let evil = "x\"\n[commands]\nlint = \"touch pwned\"\n[[package]]\nname = \"y";
    let manifest = serde_json::json!({"name": evil, "version": "1.0.0"});
    r.write("web/package.json", &manifest.to_string());
    let quoted = serde_json::json!({"name": "a\"b", "version": "1.0.0"});
    r.write("ui/package.json", &quoted.to_string());
    r.write("core/Cargo.toml", "[package]\nname = \"core\"\nversion = \"1.0.0\"\n");
    r.commit("chore: start");
    let out = r.run(["init"]);
    out.expect_code(0);
    let text = std::fs::read_to_string(r.path().join("git-release.toml")).expect("init wrote it");
    let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
    assert!(!parsed.contains_key("commands"), "no injected table:\n{text}");
    let names: Vec<&str> = parsed["package"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| p["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["core", "a\"b"], "{text}");
    assert!(
        out.stderr.contains("web/package.json"),
        "the left-out manifest is named: {}",
        out.stderr
    );
    // The file it wrote loads.
    r.run(["plan", "--format", "json"]).expect_code(0);
    assert!(!r.path().join("pwned").exists());
}

// ---- item 12: file modes -------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn an_executable_file_edited_by_a_replace_rule_stays_executable() {
    use std::os::unix::fs::PermissionsExt as _;
    let f = single(
        "direct",
        "[[package]]\nname = \"demo\"\npath = \".\"\ntag_format = \"v{version}\"\n\
         [[package.replace]]\nfile = \"bin/tool.sh\"\nsearch = 'VERSION=[0-9.]+'\nreplace = \"VERSION={version}\"\n",
        |r| {
            r.write("bin/tool.sh", "#!/bin/sh\nVERSION=1.2.0\necho $VERSION\n");
            let path = r.path().join("bin/tool.sh");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        },
    );
    let out = f.release(&["run", "--yes"]);
    out.expect_code(0);
    let entry = f.remote(["ls-tree", "refs/heads/main", "bin/tool.sh"]);
    assert!(entry.starts_with("100755 "), "the release commit keeps the mode: {entry}");
    let text = f.remote(["show", "refs/heads/main:bin/tool.sh"]);
    assert!(text.contains("VERSION=1.3.0"), "{text}");
    let cargo = f.remote(["ls-tree", "refs/heads/main", "Cargo.toml"]);
    assert!(cargo.starts_with("100644 "), "{cargo}");
}

// ---- item 13: read-only commands leave `.git` byte-identical -------------------------------

/// Every file under `dir` (path → SHA-256 of its bytes), symbolic links by their target.
fn tree_hash(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).expect("list") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let kind = entry.file_type().expect("type");
            let rel = path.strip_prefix(dir).expect("under dir").display().to_string();
            if kind.is_dir() {
                out.insert(format!("{rel}/"), String::new());
                stack.push(path);
            } else if kind.is_symlink() {
                out.insert(rel, std::fs::read_link(&path).expect("link").display().to_string());
            } else {
                let bytes = std::fs::read(&path).expect("read");
                out.insert(
                    rel,
                    Sha256::digest(&bytes).iter().fold(String::new(), |mut hex, b| {
                        let _ = write!(hex, "{b:02x}");
                        hex
                    }),
                );
            }
        }
    }
    out
}

#[test]
fn check_plan_and_a_dry_run_leave_the_git_dir_byte_identical() {
    let f = single("direct", "", |_| {});
    // Stale stat data: every tracked file looks changed to `git status`, which would refresh
    // (rewrite) the index when it may take the lock.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    for file in ["Cargo.toml", "src/lib.rs", "release.toml", "tests/smoke.rs"] {
        let handle =
            std::fs::File::options().write(true).open(f.r.path().join(file)).expect("open");
        handle.set_modified(later).expect("set the modification time");
    }
    let git_dir = f.r.path().join(".git");
    let before = tree_hash(&git_dir);
    f.release(&["check"]).expect_code(0);
    f.release(&["plan"]).expect_code(0);
    f.release(&["run", "--dry-run"]).expect_code(0);
    let after = tree_hash(&git_dir);
    let changed: Vec<&String> =
        before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).collect();
    assert!(changed.is_empty(), "`.git` changed: {changed:?}");
}

// ---- item 4: package names that share a branch; the tagged commit holds the version -------

#[test]
fn two_packages_whose_names_share_a_release_branch_are_refused_before_anything_changes() {
    let r = TestRepo::new();
    for dir in ["pkgs/ab", "pkgs/a-b"] {
        r.write(&format!("{dir}/VERSION"), "1.0.0\n");
        r.write(&format!("{dir}/tests/smoke.sh"), "true\n");
        r.write(&format!("{dir}/CHANGELOG.md"), "# Changelog\n\n## 1.0.0\n\n- First.\n");
    }
    let packages = "[[package]]\nname = \"a/b\"\npath = \"pkgs/ab\"\nversion_files = [\"pkgs/ab/VERSION\"]\n\
                    [[package]]\nname = \"a-b\"\npath = \"pkgs/a-b\"\nversion_files = [\"pkgs/a-b/VERSION\"]\n";
    r.write("release.toml", &config("pr", "pr = \"per-package\"\n", packages));
    r.commit("chore: start");
    r.tag_annotated("a/b/v1.0.0");
    r.tag_annotated("a-b/v1.0.0");
    r.change("pkgs/ab/src.txt", "feat: one");
    r.change("pkgs/a-b/src.txt", "fix: two");
    let f = Fixture::publish(r);
    let refs = f.remote(["for-each-ref", "--format=%(objectname) %(refname)"]);
    let out = f.release(&["run", "--yes"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("packages `a/b` and `a-b` would share the release branch"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hint: release them in separate runs"), "{}", out.stderr);
    assert_eq!(f.remote(["for-each-ref", "--format=%(objectname) %(refname)"]), refs);
    assert!(!f.r.path().join(".git/release/runs").exists(), "no run was started");
    let out = f.release(&["run", "--dry-run"]);
    out.expect_code(2);
}

#[test]
fn a_release_commit_that_lost_its_bump_is_never_tagged() {
    // The lint command undoes the bump: the release commit holds the old version.
    let f = single("direct", "[commands]\nlint = \"git checkout -- Cargo.toml\"\n", |_| {});
    let out = f.release(&["run", "--yes"]);
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("does not hold version `1.3.0`"), "{all}");
    assert!(all.contains("`Cargo.toml` says `1.2.0`"), "{all}");
    let tags = f.remote(["tag", "--list"]);
    assert_eq!(tags, "v1.2.0", "no tag on a commit without the bump");
}

// ---- item 10: stage exactly what the steps changed; resume checks the worktree ------------

/// The run id in a table summary (`Release summary (run: <id>)`).
fn run_id(text: &str) -> String {
    let start = text.find("(run: ").unwrap_or_else(|| panic!("no run id in:\n{text}")) + 6;
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

#[test]
fn a_file_dropped_into_the_release_worktree_is_never_released() {
    let marker = std::cell::RefCell::new(PathBuf::new());
    let f = single("direct", "", |r| {
        *marker.borrow_mut() = r.scratch().join("lint-ok");
    });
    let marker = marker.into_inner();
    // The lint passes only once the marker exists: the first run fails at LINT.
    f.r.write(
        "release.toml",
        &config("direct", "", &format!("[commands]\nlint = \"test -f {}\"\n", marker.display())),
    );
    f.r.commit("chore: lint");
    f.r.git(["push", "--quiet", "origin", "main"]);
    let out = f.release(&["run", "--yes"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("LINT_FAILED") || out.stdout.contains("LINT_FAILED"),
        "{}",
        out.stderr
    );
    let id = run_id(&out.stdout);
    let worktree = f.r.path().join(".git/release/worktrees").join(&id).join("demo");
    assert!(worktree.join("Cargo.toml").is_file(), "the worktree is kept for the resume");
    std::fs::write(worktree.join("stray.txt"), "not part of the release\n").expect("write");
    std::fs::write(&marker, "").expect("write the marker");

    let out = f.release(&["resume", &id, "--yes"]);
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("WORKTREE_DIRTY"), "{all}");
    assert!(all.contains("`stray.txt`"), "{all}");
    assert_eq!(f.remote(["tag", "--list"]), "v1.2.0", "nothing was tagged");
    assert!(!f.remote_blobs().contains("not part of the release"));

    std::fs::remove_file(worktree.join("stray.txt")).expect("remove");
    let out = f.release(&["resume", &id, "--yes"]);
    out.expect_code(0);
    let files = f.remote(["show", "--format=", "--name-only", "refs/heads/main"]);
    assert_eq!(files, "CHANGELOG.md\nCargo.toml", "exactly the files the steps changed");
    assert_eq!(f.remote(["tag", "--list"]), "v1.2.0\nv1.3.0");
}

/// A kill in the middle of an atomic write leaves `.<file>.<random>.tmp` beside the file: the
/// run's own half-written file, removed on resume and never released (found by the SIGKILL
/// matrix: the resume stopped at `WORKTREE_DIRTY`).
#[test]
fn a_temporary_file_of_an_interrupted_write_is_removed_on_resume_and_never_released() {
    let marker = std::cell::RefCell::new(PathBuf::new());
    let f = single("direct", "", |r| {
        *marker.borrow_mut() = r.scratch().join("lint-ok");
    });
    let marker = marker.into_inner();
    f.r.write(
        "release.toml",
        &config("direct", "", &format!("[commands]\nlint = \"test -f {}\"\n", marker.display())),
    );
    f.r.commit("chore: lint");
    f.r.git(["push", "--quiet", "origin", "main"]);
    let out = f.release(&["run", "--yes"]);
    out.expect_code(1);
    let id = run_id(&out.stdout);
    let worktree = f.r.path().join(".git/release/worktrees").join(&id).join("demo");
    let left = worktree.join(".Cargo.toml.k3Xq9Z.tmp");
    std::fs::write(&left, "[package]\nname = \"half-writ").expect("write");
    std::fs::write(&marker, "").expect("write the marker");

    let out = f.release(&["resume", &id, "--yes"]);
    out.expect_code(0);
    assert!(!left.exists(), "the temporary file was removed");
    let files = f.remote(["show", "--format=", "--name-only", "refs/heads/main"]);
    assert_eq!(files, "CHANGELOG.md\nCargo.toml", "exactly the files the steps changed");
    assert!(!f.remote_blobs().contains("half-writ"));
}

// ---- item 11: resume uses the run's configuration and refuses an edited state --------------

#[test]
fn resume_runs_the_configuration_the_run_started_with_not_todays() {
    let f = single("direct", "", |_| {});
    let alt = f.r.scratch().join("alt.toml");
    std::fs::write(&alt, config("direct", "", "[commands]\nlint = \"false\"\n")).expect("write");
    let alt_arg = alt.display().to_string();
    let out = f.release(&["--config", &alt_arg, "run", "--yes"]);
    out.expect_code(1);
    let id = run_id(&out.stdout);
    // Without `--config`, today's `release.toml` has no lint: the recorded one still runs.
    let out = f.release(&["resume", &id, "--yes"]);
    out.expect_code(1);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("LINT_FAILED"), "{all}");
    assert_eq!(f.remote(["tag", "--list"]), "v1.2.0", "nothing shipped");
}

#[test]
fn resume_refuses_a_state_file_whose_plan_was_edited() {
    let f = single("direct", "[commands]\nlint = \"false\"\n", |_| {});
    let out = f.release(&["run", "--yes"]);
    out.expect_code(1);
    let id = run_id(&out.stdout);
    let path = f.r.path().join(".git/release/runs").join(format!("{id}.json"));
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    assert!(state["plan_rows"].is_array(), "the state records the approved rows");
    state["packages"][0]["next_version"] = "9.9.9".into();
    let edited = serde_json::to_vec_pretty(&state).expect("JSON");
    std::fs::write(&path, &edited).expect("write");
    // Today's configuration would let it through (no lint).
    f.r.write("release.toml", &config("direct", "", ""));
    f.r.commit("chore: drop the lint");
    f.r.git(["push", "--quiet", "origin", "main"]);

    let out = f.release(&["resume", &id, "--yes", "--format", "json"]);
    out.expect_code(1);
    assert_eq!(out.json()["error"]["code"], "STATE_CORRUPT", "{}", out.stderr);
    assert!(out.stderr.contains("next_version"), "{}", out.stderr);
    assert_eq!(f.remote(["tag", "--list"]), "v1.2.0", "nothing tagged");
    assert_eq!(std::fs::read(&path).expect("read"), edited, "the state is left as it was");

    // An edit of the rows themselves no longer matches the approved plan hash.
    state["packages"][0]["next_version"] = "1.3.0".into();
    state["plan_rows"][0]["next_version"] = "9.9.9".into();
    std::fs::write(&path, serde_json::to_vec_pretty(&state).expect("JSON")).expect("write");
    let out = f.release(&["resume", &id, "--yes", "--format", "json"]);
    out.expect_code(1);
    assert_eq!(out.json()["error"]["code"], "STATE_CORRUPT", "{}", out.stderr);
    assert!(out.stderr.contains("plan rows hash to"), "{}", out.stderr);
}
