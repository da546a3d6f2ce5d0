//! `git release changelog` and `git release notes`: sections, links, contributors, the
//! changelog file, templates, bad input, and every release of real histories.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use semver::Version;
use serde_json::Value;

use crate::support::{Output, TestRepo};

// ---- helpers -----------------------------------------------------------------------------

/// A single package at 1.0.0 (`v1.0.0`) on GitHub, then one commit of every kind: every
/// section, scopes, a multi-line breaking footer, co-authors, a bot, hidden types, a
/// `chore(release)`, a Latin-1 message (decoded), a message that is not UTF-8 (replacement
/// characters) and one that is not conventional.
fn rich() -> TestRepo {
    let r = TestRepo::new();
    r.git(["remote", "add", "origin", "https://github.com/acme/widget.git"]);
    r.write("Cargo.toml", "[package]\nname = \"widget\"\nversion = \"1.0.0\"\n");
    r.commit("chore: start");
    r.tag("v1.0.0");
    r.commit("feat(parser): accept tabs (#12)");
    r.commit(
        "fix: crash on empty input, closes #7\n\n\
         Co-authored-by: Grace Hopper <grace@example.com>\n\
         Co-authored-by: Test Author <AUTHOR@example.com>",
    );
    r.commit(
        "feat(api)!: drop the v1 endpoints\n\n\
         BREAKING CHANGE: call `/v2` instead;\nthe v1 handlers are gone",
    );
    r.commit("perf(io): read in 64 KiB blocks");
    r.commit("revert: \"feat: add a beta flag\"");
    r.commit("docs: explain the flags");
    r.commit("refactor(core): split the walker");
    r.commit("chore: tidy");
    r.commit("ci: cache the toolchain");
    r.git([
        "commit",
        "--quiet",
        "--allow-empty",
        "-m",
        "chore(deps): bump serde",
        "--author",
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
    ]);
    r.commit("chore(release): prepare");
    r.commit_encoded(b"fix(i18n): keep caf\xe9 names\n", "ISO-8859-1");
    // `git commit` re-encodes a message that is not UTF-8 as if it were Latin-1, so the raw
    // bytes go in through `hash-object`.
    let mut raw = format!(
        "tree {}\nparent {}\nauthor Test Author <author@example.com> 1700000870 +0000\n\
         committer Test Committer <committer@example.com> 1700000870 +0000\n\n",
        r.git(["rev-parse", "HEAD^{tree}"]),
        r.head()
    )
    .into_bytes();
    raw.extend_from_slice(b"docs: the caf\xe9 guide, in bytes that are not UTF-8\n");
    let file = r.scratch().join("raw-commit");
    std::fs::write(&file, raw).expect("write the raw commit");
    let id = r.git([
        "hash-object".as_ref(),
        "-t".as_ref(),
        "commit".as_ref(),
        "-w".as_ref(),
        file.as_os_str(),
    ]);
    r.git(["update-ref", "HEAD", &id]);
    r.commit("Update README.md");
    r
}

/// Expects a failure with `code` and nothing on stdout; returns stderr.
#[track_caller]
fn fails(out: &Output, code: i32) -> &str {
    out.expect_code(code);
    assert!(out.stdout.is_empty(), "an error prints no data, got:\n{}", out.stdout);
    assert!(out.stderr.starts_with("error: "), "errors start with `error: `:\n{}", out.stderr);
    &out.stderr
}

/// Runs `git-release ARGS`, expects exit 0, returns stdout.
#[track_caller]
fn ok(r: &TestRepo, args: &[&str]) -> String {
    let out = r.run(args);
    out.expect_code(0);
    out.stdout
}

fn read(r: &TestRepo, path: &str) -> Vec<u8> {
    std::fs::read(r.path().join(path)).expect("the file exists")
}

// ---- sections, scopes, breaking footers, co-authors, non-UTF-8 -----------------------------

#[test]
fn changelog_groups_every_section() {
    let r = rich();
    let out = ok(&r, &["changelog"]);
    insta::assert_snapshot!(out, @r#"
        ## [2.0.0](https://github.com/acme/widget/compare/v1.0.0...v2.0.0) (2023-11-14)

        ### Breaking Changes

        - **api:** drop the v1 endpoints ([bcdf8f9](https://github.com/acme/widget/commit/bcdf8f9e937d7dec83cb6d588c3f2c42f79478da))

          call `/v2` instead;
          the v1 handlers are gone

        ### Features

        - **parser:** accept tabs ([#12](https://github.com/acme/widget/pull/12)) ([ca8618a](https://github.com/acme/widget/commit/ca8618a268cd67c41e7913b37bf8af774ecf0ec2))

        ### Bug Fixes

        - **i18n:** keep café names ([6cedfd5](https://github.com/acme/widget/commit/6cedfd5fce79389c209aec4aeda184f15ba0c1cc))
        - crash on empty input, closes [#7](https://github.com/acme/widget/issues/7) ([7a26cc4](https://github.com/acme/widget/commit/7a26cc46d8df0d60798e5ef0399a8763a32754b0))

        ### Performance

        - **io:** read in 64 KiB blocks ([6ae50c3](https://github.com/acme/widget/commit/6ae50c3fe5df1b10db3b1de4c9049a0a51fb62fc))

        ### Reverts

        - "feat: add a beta flag" ([ab09f76](https://github.com/acme/widget/commit/ab09f76d2b023d20fa6651f74bf73dc2619922ea))

        ### Documentation

        - the caf� guide, in bytes that are not UTF-8 ([c296e83](https://github.com/acme/widget/commit/c296e830764816b07941fae83f23caecbd702e67))
        - explain the flags ([d4ad326](https://github.com/acme/widget/commit/d4ad32623325db75e8a40920bd16cc98699dc81d))

        ### Other

        - **core:** split the walker ([ce191af](https://github.com/acme/widget/commit/ce191afbe22f215217cb651055dfe9a40658f2e5))

        ### Contributors

        - Grace Hopper
        - Test Author
        - Bots: dependabot[bot]
        "#);
}

#[test]
fn notes_follow_the_seed_template() {
    let r = rich();
    let out = r.run_env(["notes"], &[("GITHUB_RUN_ID", "4242")]);
    out.expect_code(0);
    insta::assert_snapshot!(out.stdout, @r"
        # Release Notes: v2.0.0

        **Release Date**: 2023-11-14
        **Release Type**: Major

        ## Highlights

        - 1 breaking change, 1 new feature, 2 improvements and 2 bug fixes since v1.0.0

        ## New Features

        - **parser**: accept tabs ([#12](https://github.com/acme/widget/pull/12)) ([ca8618a](https://github.com/acme/widget/commit/ca8618a268cd67c41e7913b37bf8af774ecf0ec2))

        ## Improvements

        - **core**: split the walker ([ce191af](https://github.com/acme/widget/commit/ce191afbe22f215217cb651055dfe9a40658f2e5))
        - **io**: read in 64 KiB blocks ([6ae50c3](https://github.com/acme/widget/commit/6ae50c3fe5df1b10db3b1de4c9049a0a51fb62fc))

        ## Bug Fixes

        - **i18n**: keep café names ([6cedfd5](https://github.com/acme/widget/commit/6cedfd5fce79389c209aec4aeda184f15ba0c1cc))
        - **Issue [#7](https://github.com/acme/widget/issues/7)**: crash on empty input, closes [#7](https://github.com/acme/widget/issues/7) ([7a26cc4](https://github.com/acme/widget/commit/7a26cc46d8df0d60798e5ef0399a8763a32754b0))

        ## Breaking Changes

        - **api**: drop the v1 endpoints ([bcdf8f9](https://github.com/acme/widget/commit/bcdf8f9e937d7dec83cb6d588c3f2c42f79478da))

          call `/v2` instead;
          the v1 handlers are gone

        ## Upgrade Notes

        Before upgrading from v1.0.0, apply the migration of each breaking change above.

        ## Contributors

        - Grace Hopper, Test Author
        - Bots: dependabot[bot]

        ## Provenance

        - Commit: 00ac9881f3029c13af12ee44746250a6a5f309ef
        - Tag: v2.0.0
        - Build: 4242
        ");
}

#[test]
fn notes_json_follows_the_seed_schema() {
    let r = rich();
    let json: Value = serde_json::from_str(&ok(&r, &["notes", "--format", "json"])).expect("JSON");
    let notes = &json["release_notes"];
    let mut keys: Vec<&str> =
        notes.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "bots",
            "changes",
            "contributors",
            "highlights",
            "known_issues",
            "package",
            "provenance",
            "release_date",
            "release_type",
            "upgrade_notes",
            "version"
        ]
    );
    assert_eq!(notes["version"], "2.0.0");
    assert_eq!(notes["release_type"], "major");
    assert_eq!(notes["release_date"], "2023-11-14");
    let changes = &notes["changes"];
    for key in
        ["features", "improvements", "bug_fixes", "breaking_changes", "deprecations", "security"]
    {
        assert!(changes[key].is_array(), "`changes.{key}` is a list: {changes:#}");
    }
    assert_eq!(changes["features"][0]["title"], "parser");
    assert_eq!(changes["features"][0]["pr_ref"], "#12");
    assert_eq!(changes["bug_fixes"][1]["issue_ref"], "#7");
    assert_eq!(
        changes["breaking_changes"][0]["migration"],
        "call `/v2` instead;\nthe v1 handlers are gone"
    );
    assert_eq!(notes["provenance"]["tag"], "v2.0.0");
    assert_eq!(notes["provenance"]["build_id"], Value::Null);
    assert_eq!(notes["provenance"]["commit"], r.head());
}

#[test]
fn deprecations_and_security_fixes_have_their_sections() {
    let r = TestRepo::new();
    r.commit("chore: start");
    r.tag("v1.0.0");
    r.commit("feat: new loader\n\nDEPRECATED: `load_v1()` goes away in 2.0");
    r.commit("fix(security): bound the header size, CVE-2024-12345");
    r.commit("deprecate: the `--old` flag");
    let out = ok(&r, &["notes"]);
    let deprecations = out.split("## Deprecations").nth(1).expect("a Deprecations section");
    assert!(deprecations.contains("`load_v1()` goes away in 2.0"), "{out}");
    assert!(deprecations.contains("the `--old` flag"), "{out}");
    let security = out.split("## Security").nth(1).expect("a Security section");
    assert!(security.starts_with("\n\n- **CVE-2024-12345**: bound the header size"), "{out}");
    assert!(!out.contains("## Breaking Changes"), "empty sections are left out:\n{out}");
}

#[test]
fn changelog_json_has_the_entries_and_people() {
    let r = rich();
    let json: Value =
        serde_json::from_str(&ok(&r, &["changelog", "--format", "json"])).expect("JSON");
    assert_eq!(json["schema_version"], 1);
    let release = &json["releases"][0];
    assert_eq!(release["version"], "2.0.0");
    assert_eq!(release["previous_tag"], "v1.0.0");
    assert_eq!(release["compare_url"], "https://github.com/acme/widget/compare/v1.0.0...v2.0.0");
    let titles: Vec<&str> = release["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| s["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        [
            "Breaking Changes",
            "Features",
            "Bug Fixes",
            "Performance",
            "Reverts",
            "Documentation",
            "Other"
        ]
    );
    let names: Vec<&str> = release["contributors"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Grace Hopper", "Test Author"], "deduplicated by email, any case");
    assert_eq!(release["bots"][0]["name"], "dependabot[bot]");
}

// ---- links ----------------------------------------------------------------------------------

#[test]
fn links_follow_the_remote() {
    let r = TestRepo::new();
    r.commit("chore: start");
    r.tag("v1.0.0");
    r.commit("feat: add a flag (#3)");
    r.git(["remote", "add", "origin", "https://example.com/x.git"]);
    let mut out = String::new();
    for url in [
        "https://github.com/acme/widget.git",
        "git@github.com:acme/widget.git",
        "https://gitlab.com/acme/tools/widget.git",
        "git@codeberg.org:acme/widget.git",
        "https://git.example.com/acme/widget.git",
    ] {
        r.git(["remote", "set-url", "origin", url]);
        let text = ok(&r, &["changelog"]);
        let _ = writeln!(out, "{url}");
        for line in text.lines().filter(|l| l.starts_with("## ") || l.starts_with("- add")) {
            let _ = writeln!(out, "  {line}");
        }
    }
    insta::assert_snapshot!(out, @r"
        https://github.com/acme/widget.git
          ## [1.1.0](https://github.com/acme/widget/compare/v1.0.0...v1.1.0) (2023-11-14)
          - add a flag ([#3](https://github.com/acme/widget/pull/3)) ([92a6019](https://github.com/acme/widget/commit/92a6019d12fcaec47c8e5997c420123301557d2b))
        git@github.com:acme/widget.git
          ## [1.1.0](https://github.com/acme/widget/compare/v1.0.0...v1.1.0) (2023-11-14)
          - add a flag ([#3](https://github.com/acme/widget/pull/3)) ([92a6019](https://github.com/acme/widget/commit/92a6019d12fcaec47c8e5997c420123301557d2b))
        https://gitlab.com/acme/tools/widget.git
          ## [1.1.0](https://gitlab.com/acme/tools/widget/-/compare/v1.0.0...v1.1.0) (2023-11-14)
          - add a flag ([#3](https://gitlab.com/acme/tools/widget/-/issues/3)) ([92a6019](https://gitlab.com/acme/tools/widget/-/commit/92a6019d12fcaec47c8e5997c420123301557d2b))
        git@codeberg.org:acme/widget.git
          ## [1.1.0](https://codeberg.org/acme/widget/compare/v1.0.0...v1.1.0) (2023-11-14)
          - add a flag ([#3](https://codeberg.org/acme/widget/pulls/3)) ([92a6019](https://codeberg.org/acme/widget/commit/92a6019d12fcaec47c8e5997c420123301557d2b))
        https://git.example.com/acme/widget.git
          ## 1.1.0 (2023-11-14)
          - add a flag (#3) (92a6019)
        ");
}

// ---- ranges: --tag and --all -------------------------------------------------------------------

#[test]
fn a_past_release_is_the_section_it_had_when_unreleased() {
    let r = rich();
    let before = ok(&r, &["changelog"]);
    r.tag("v2.0.0");
    r.commit("feat: after the release");
    assert_eq!(ok(&r, &["changelog", "--tag", "v2.0.0"]), before);
    let unreleased = ok(&r, &["changelog", "--unreleased"]);
    assert!(
        unreleased
            .starts_with("## [2.1.0](https://github.com/acme/widget/compare/v2.0.0...v2.1.0)"),
        "{unreleased}"
    );
    assert!(ok(&r, &["notes", "--tag", "v2.0.0"]).contains("**Release Type**: Major"));
}

#[test]
fn all_rebuilds_every_release() {
    let r = TestRepo::new();
    r.commit("feat: first");
    r.tag("v0.1.0");
    r.commit("fix: one");
    r.commit("docs: two");
    r.tag("v0.1.1");
    r.commit("feat: three");
    r.tag("v0.2.0-rc.1");
    r.commit("fix: four");
    r.tag("v0.2.0");
    r.commit("feat: five");
    r.tag("v0.3.0-beta.1");
    r.commit("feat: unreleased");
    let out = ok(&r, &["changelog", "--all"]);
    insta::assert_snapshot!(out, @r"
        ## 0.3.0-beta.1 (2023-11-14)

        ### Features

        - five (acb5855)

        ### Contributors

        - Test Author

        ## 0.2.0 (2023-11-14)

        ### Features

        - three (3def833)

        ### Bug Fixes

        - four (23ae822)

        ### Contributors

        - Test Author

        ## 0.1.1 (2023-11-14)

        ### Bug Fixes

        - one (2be3668)

        ### Documentation

        - two (dfb79f8)

        ### Contributors

        - Test Author

        ## 0.1.0 (2023-11-14)

        ### Features

        - first (d6dd0ad)

        ### Contributors

        - Test Author
        ");
}

#[test]
fn a_monorepo_package_lists_its_own_commits_and_writes_its_own_file() {
    let r = TestRepo::new();
    r.write("release.toml", "[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\nchangelog = \"docs/B-CHANGES.md\"\n");
    r.write("a/x", "1");
    r.write("b/x", "1");
    r.commit("chore: start");
    r.tag("a/v1.0.0");
    r.tag("b/v1.0.0");
    r.change("a/x", "feat: only a");
    r.change("b/x", "fix: only b");
    let a = ok(&r, &["changelog", "a"]);
    assert!(a.contains("only a") && !a.contains("only b"), "{a}");
    ok(&r, &["changelog", "a", "--write"]);
    r.tag("a/v1.1.0");
    let all = ok(&r, &["changelog", "a", "--all"]);
    assert!(
        all.starts_with("## 1.1.0 (") && all.contains("only a") && !all.contains("only b"),
        "{all}"
    );
    let b = ok(&r, &["changelog", "b"]);
    assert!(b.contains("only b") && !b.contains("only a"), "{b}");

    let out = r.run(["changelog", "a", "--write"]);
    assert!(out.stderr.contains("nothing to release"), "{}", out.stderr);
    std::fs::create_dir_all(r.path().join("docs")).expect("mkdir");
    ok(&r, &["changelog", "b", "--write"]);
    assert!(String::from_utf8_lossy(&read(&r, "a/CHANGELOG.md")).contains("## 1.1.0"));
    assert!(String::from_utf8_lossy(&read(&r, "docs/B-CHANGES.md")).contains("## 1.0.1"));
    let out = r.run(["changelog"]);
    assert!(fails(&out, 2).contains("several packages"), "{}", out.stderr);
}

// ---- the changelog file ---------------------------------------------------------------------

#[test]
fn write_inserts_after_the_header_once_and_keeps_the_rest() {
    let r = rich();
    let header = "# Changelog\n\nAll notable changes, by hand.\n\n";
    let rest = "## 1.0.0 (2023-01-01)\n\n- hand-written entry\n\n[1.0.0]: https://example.com\n";
    r.write("CHANGELOG.md", &format!("{header}{rest}"));
    let section = ok(&r, &["changelog"]);

    let out = r.run(["changelog", "--write", "--dry-run"]);
    out.expect_code(0);
    assert!(
        out.stdout.starts_with(
            "--- a/CHANGELOG.md\n+++ b/CHANGELOG.md\n@@ -2,6 +2,47 @@\n \n All notable"
        ),
        "{}",
        out.stdout
    );
    assert_eq!(
        read(&r, "CHANGELOG.md"),
        format!("{header}{rest}").as_bytes(),
        "dry run writes nothing"
    );

    let out = r.run(["changelog", "--write"]);
    out.expect_code(0);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("updated `CHANGELOG.md`: added 2.0.0"), "{}", out.stderr);
    let written = read(&r, "CHANGELOG.md");
    assert_eq!(String::from_utf8_lossy(&written), format!("{header}{section}\n{rest}"));

    let out = r.run(["changelog", "--write"]);
    out.expect_code(0);
    assert!(out.stderr.contains("already has a section for 2.0.0"), "{}", out.stderr);
    assert_eq!(read(&r, "CHANGELOG.md"), written, "the second run changes nothing");
    let out = r.run(["changelog", "--write", "--dry-run"]);
    assert!(out.stdout.is_empty(), "no diff when nothing changes: {}", out.stdout);
}

#[test]
fn a_missing_file_is_created_with_a_header() {
    let r = rich();
    let section = ok(&r, &["changelog"]);
    ok(&r, &["changelog", "--write"]);
    assert_eq!(
        String::from_utf8_lossy(&read(&r, "CHANGELOG.md")),
        format!("# Changelog\n\n{section}")
    );
}

#[test]
fn a_changelog_without_a_header_gets_the_section_on_top() {
    let r = rich();
    r.write("CHANGELOG.md", "## 1.0.0\n\n- first\n");
    let section = ok(&r, &["changelog"]);
    ok(&r, &["changelog", "--write"]);
    assert_eq!(
        String::from_utf8_lossy(&read(&r, "CHANGELOG.md")),
        format!("{section}\n## 1.0.0\n\n- first\n")
    );
}

#[test]
fn a_changelog_that_is_not_utf8_is_refused_untouched() {
    let r = rich();
    let bytes = b"# Changelog\n\n## 1.0.0 caf\xe9\n".to_vec();
    std::fs::write(r.path().join("CHANGELOG.md"), &bytes).expect("write");
    let out = r.run(["changelog", "--write"]);
    insta::assert_snapshot!(fails(&out, 1), @r"
        error: `CHANGELOG.md` is not UTF-8 text (invalid byte at offset 25)
        hint: convert the file to UTF-8 (`iconv -t UTF-8`), then run again; nothing was written
        ");
    assert_eq!(read(&r, "CHANGELOG.md"), bytes);
}

// ---- templates -----------------------------------------------------------------------------

#[test]
fn a_user_template_renders_the_release() {
    let r = rich();
    r.write("release.toml", "[changelog]\ntemplate = \"cl.j2\"\nhidden = []\n");
    r.write(
        "cl.j2",
        "{{ release.version }} {{ release.date }}\n{% for s in release.sections %}{{ s.title }}: {{ s.entries | length }}\n{% endfor %}",
    );
    insta::assert_snapshot!(ok(&r, &["changelog"]), @r"
        2.0.0 2023-11-14
        Breaking Changes: 1
        Features: 1
        Bug Fixes: 2
        Performance: 1
        Reverts: 1
        Documentation: 2
        Other: 4
        ");
}

#[test]
fn a_template_syntax_error_names_the_file_and_line() {
    let r = rich();
    r.write("release.toml", "[changelog]\ntemplate = \"cl.j2\"\n");
    r.write("cl.j2", "## {{ release.version }}\n{% for x in %}\n");
    let out = r.run(["changelog"]);
    insta::assert_snapshot!(fails(&out, 2), @r"
        error: template `cl.j2` line 2: syntax error: unexpected end of block
        hint: see the template variables in the README (Templates); `release` and `notes` are the roots
        ");
}

#[test]
fn an_unknown_template_variable_names_it() {
    let r = rich();
    r.write("release.toml", "[changelog]\ntemplate = \"cl.j2\"\n");
    r.write("cl.j2", "## {{ release.version }}\n\n{{ release.summary }}\n");
    r.write("CHANGELOG.md", "# Changelog\n");
    let out = r.run(["changelog", "--write"]);
    insta::assert_snapshot!(fails(&out, 1), @r"
        error: template `cl.j2` line 3: undefined variable `release.summary`
        hint: see the template variables in the README (Templates); `release` and `notes` are the roots
        ");
    assert_eq!(read(&r, "CHANGELOG.md"), b"# Changelog\n", "nothing is written");
}

#[test]
fn bad_ranges_and_flags() {
    let r = rich();
    r.tag("other-1.0.0");
    let out = r.run(["changelog", "--tag", "v9.9.9"]);
    insta::assert_snapshot!(fails(&out, 2), @r"
        error: tag `v9.9.9` does not exist
        hint: recent release tags: v1.0.0
        ");
    let out = r.run(["changelog", "--tag", "other-1.0.0"]);
    insta::assert_snapshot!(fails(&out, 2), @r"
        error: tag `other-1.0.0` is not a release tag of package `widget`: it matches none of `v{version}`
        hint: recent release tags: v1.0.0
        ");
    let out = r.run(["changelog", "--dry-run"]);
    out.expect_code(2);
    let out = r.run(["changelog", "--all", "--tag", "v1.0.0"]);
    out.expect_code(2);
}

// ---- real histories ---------------------------------------------------------------------------

/// Replays `../shared/fixtures/<name>.jsonl` into `<root>/repo`.
fn replay(name: &str, root: &Path) -> std::path::PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    let repo = root.join("repo");
    let status = hermetic(Command::new(crate::support::python()), root)
        .arg(fixtures.join("replay.py"))
        .arg(fixtures.join(format!("{name}.jsonl")))
        .arg(&repo)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "replaying `{name}` failed");
    repo
}

fn hermetic(mut cmd: Command, root: &Path) -> Command {
    crate::support::isolate(&mut cmd, root);
    cmd.current_dir(root);
    cmd
}

fn run_in(repo: &Path, program: &str, args: &[&str]) -> std::process::Output {
    let root = repo.parent().expect("the repo has a parent");
    let out = hermetic(Command::new(program), root)
        .current_dir(repo)
        .args(args)
        .output()
        .expect("the program runs");
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn git_lines(repo: &Path, args: &[&str]) -> Vec<String> {
    String::from_utf8_lossy(&run_in(repo, "git", args).stdout).lines().map(str::to_owned).collect()
}

/// Whether a subject is a `feat` or `fix` Conventional Commit (`type(scope)!: text`).
fn feat_or_fix(subject: &str) -> bool {
    let Some((head, text)) = subject.split_once(": ") else { return false };
    let head = head.strip_suffix('!').unwrap_or(head);
    let kind =
        head.split_once('(').map_or(head, |(k, scope)| if scope.ends_with(')') { k } else { "" });
    matches!(kind.to_ascii_lowercase().as_str(), "feat" | "fix") && !text.trim().is_empty()
}

/// `changelog --all` on a replayed history: every feat and fix commit of each release is
/// listed exactly once, under the release `git rev-list TAG --not <lower releases>` puts it
/// in; then `--all --write` twice changes nothing the second time, and the hand-written
/// text around the sections survives.
fn check_all(name: &str, tag_format: &str, package: Option<(&str, &str)>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let repo = replay(name, tmp.path());
    let config = match package {
        Some((pkg, path)) => format!(
            "[[package]]\nname = \"{pkg}\"\npath = \"{path}\"\ntag_format = \"{tag_format}\"\n"
        ),
        None => format!("[release]\ntag_format = \"{tag_format}\"\n"),
    };
    let config_path = tmp.path().join("release.toml");
    std::fs::write(&config_path, config).expect("write config");
    let config_arg = config_path.to_string_lossy().into_owned();
    let mut args = vec!["--config", config_arg.as_str(), "changelog", "--all", "--format", "json"];
    if let Some((pkg, _)) = package {
        args.insert(2 + 1, pkg);
    }
    let bin = env!("CARGO_BIN_EXE_git-release");
    let json: Value = serde_json::from_slice(&run_in(&repo, bin, &args).stdout).expect("JSON");

    // Where each feat/fix commit is listed.
    let mut listed: HashMap<String, Vec<String>> = HashMap::new();
    let releases = json["releases"].as_array().expect("releases");
    for release in releases {
        let version = release["version"].as_str().expect("version").to_owned();
        for section in release["sections"].as_array().expect("sections") {
            for entry in section["entries"].as_array().expect("entries") {
                if matches!(entry["type"].as_str(), Some("feat" | "fix")) {
                    listed
                        .entry(entry["commit"].as_str().expect("id").to_owned())
                        .or_default()
                        .push(version.clone());
                }
            }
        }
    }

    // The releases, independently: every tag of the format, stable ones and prereleases
    // above the highest stable one, ascending.
    let (prefix, suffix) = tag_format.split_once("{version}").expect("a format");
    let mut tags: BTreeMap<Version, String> = BTreeMap::new();
    for tag in git_lines(&repo, &["tag", "--list"]) {
        let Some(v) = tag.strip_prefix(prefix).and_then(|t| t.strip_suffix(suffix)) else {
            continue;
        };
        if let Ok(v) = Version::parse(v) {
            tags.entry(v).or_insert(tag);
        }
    }
    let max_stable = tags.keys().filter(|v| v.pre.is_empty()).max().cloned();
    let list: Vec<(Version, String)> = tags
        .into_iter()
        .filter(|(v, _)| v.pre.is_empty() || max_stable.as_ref().is_none_or(|m| v > m))
        .collect();
    assert_eq!(releases.len(), list.len(), "one section per release");
    let mut expected_total = 0;
    for (k, (version, tag)) in list.iter().enumerate() {
        let mut args: Vec<String> = vec![
            "rev-list".into(),
            "--no-merges".into(),
            "--full-history".into(),
            "--format=%s".into(),
            tag.clone(),
            "--not".into(),
        ];
        args.extend(list[..k].iter().map(|(_, t)| t.clone()));
        if let Some((_, path)) = package {
            args.extend(["--".to_owned(), path.to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let lines = git_lines(&repo, &args);
        for pair in lines.chunks(2) {
            let id = pair[0].strip_prefix("commit ").expect("a commit line");
            if pair.get(1).is_some_and(|s| feat_or_fix(s)) {
                expected_total += 1;
                assert_eq!(
                    listed.get(id).map(Vec::as_slice),
                    Some([version.to_string()].as_slice()),
                    "{name}: commit {id} ({:?}) belongs to {version} only",
                    pair.get(1)
                );
            }
        }
    }
    assert_eq!(listed.len(), expected_total, "{name}: no other feat or fix commit is listed");
    assert!(expected_total > 20, "{name}: the check saw real work ({expected_total} commits)");

    // --write: the hand-written text around the sections survives, and twice is once.
    let changelog = match package {
        Some((_, path)) => repo.join(path).join("CHANGELOG.md"),
        None => repo.join("CHANGELOG.md"),
    };
    let header = "# Changelog\n\nKept by hand: *this line stays*.\n\n";
    let footer = "## 0.0.0-hand (1999-01-01)\n\nWritten by hand, below every release.\n";
    std::fs::write(&changelog, format!("{header}{footer}")).expect("write changelog");
    let mut write_args = vec!["--config", config_arg.as_str(), "changelog", "--all", "--write"];
    if let Some((pkg, _)) = package {
        write_args.insert(3, pkg);
    }
    run_in(&repo, bin, &write_args);
    let first = std::fs::read_to_string(&changelog).expect("read");
    assert!(
        first.starts_with(header) && first.ends_with(footer),
        "{name}: hand-written text survives"
    );
    let newest = &list.last().expect("releases").0;
    assert!(first[header.len()..].starts_with("## ") && first.contains(&newest.to_string()));
    run_in(&repo, bin, &write_args);
    assert_eq!(
        std::fs::read_to_string(&changelog).expect("read"),
        first,
        "{name}: the second write is a no-op"
    );
}

#[test]
fn all_lists_every_feat_and_fix_once_on_cocogitto() {
    check_all("cocogitto", "{version}", None);
}

#[test]
fn all_lists_every_feat_and_fix_once_on_a_release_plz_crate() {
    check_all("release-plz", "release-plz-v{version}", Some(("release-plz", "crates/release_plz")));
}
