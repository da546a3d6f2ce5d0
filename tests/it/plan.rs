//! `git release plan`: version inference, monorepo plans, output formats and bad input.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{Output, TestRepo};

// ---- helpers -----------------------------------------------------------------------------

/// A single-package repository with a `Cargo.toml` at `version`, committed and tagged
/// `v{version}` (lightweight).
fn tagged(version: &str) -> TestRepo {
    let r = TestRepo::new();
    r.write("Cargo.toml", &format!("[package]\nname = \"demo\"\nversion = \"{version}\"\n"));
    r.commit("chore: start");
    r.tag(&format!("v{version}"));
    r
}

/// The first seven characters of a commit id, as the table and `--explain` show it.
fn short(id: &str) -> &str {
    &id[..7]
}

/// An insta filter that replaces the short id of `id` with `[label]`, padded with `_` to the
/// short id's width so table columns stay aligned in the snapshot.
fn label(id: &str, label: &str) -> (String, String) {
    (short(id).to_owned(), format!("{:_<7}", format!("[{label}]")))
}

/// Borrows owned filters for `insta::with_settings!`.
fn filters(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// `(next_version, bump)` of a single-package plan.
fn next(r: &TestRepo, args: &[&str]) -> (String, String) {
    let row = r.plan_single(args);
    (
        row["next_version"].as_str().unwrap_or("null").to_owned(),
        row["bump"].as_str().expect("`bump` is a string").to_owned(),
    )
}

/// The row named `name` of a plan's `packages`.
fn row<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["packages"]
        .as_array()
        .expect("`packages` is an array")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no package `{name}` in {plan:#}"))
}

/// The names of the plan's rows, in order.
fn names(plan: &Value) -> Vec<&str> {
    plan["packages"]
        .as_array()
        .expect("`packages` is an array")
        .iter()
        .map(|r| r["name"].as_str().expect("`name` is a string"))
        .collect()
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> =
        value.as_object().expect("an object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// `expected`, sorted, to compare with [`keys`].
fn sorted<'a>(expected: &[&'a str]) -> Vec<&'a str> {
    let mut keys = expected.to_vec();
    keys.sort_unstable();
    keys
}

/// Fails unless the first occurrences of `"key":` in `text` come in the order of `keys`.
#[track_caller]
fn in_order(text: &str, keys: &[&str]) {
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("no `{k}` in {text}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "keys out of order {keys:?}: {text}");
}

/// Expects a failure with `code` and no data on stdout; returns stderr.
#[track_caller]
fn fails(out: &Output, code: i32) -> &str {
    out.expect_code(code);
    assert!(out.stdout.is_empty(), "an error prints no data, got:\n{}", out.stdout);
    assert!(out.stderr.starts_with("error: "), "errors start with `error: `:\n{}", out.stderr);
    &out.stderr
}

/// A monorepo: a Cargo workspace with `crates/a`, `crates/b` (depends on `a` through a path
/// dependency) and `crates/c`, all at 1.0.0, configured in `release.toml` with the default
/// package tag format, and tagged `a/v1.0.0`, `b/v1.0.0`, `c/v1.0.0`.
fn monorepo() -> TestRepo {
    let r = TestRepo::new();
    r.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/a\", \"crates/b\", \"crates/c\"]\nresolver = \"2\"\n",
    );
    for name in ["a", "b", "c"] {
        let deps = if name == "b" {
            "\n[dependencies]\na = { path = \"../a\", version = \"1.0.0\" }\n"
        } else {
            ""
        };
        r.write(
            &format!("crates/{name}/Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2021\"\n{deps}"
            ),
        );
        r.write(&format!("crates/{name}/src/lib.rs"), "//! A crate.\n");
    }
    r.write("release.toml", MONOREPO_CONFIG);
    r.commit("chore: start the workspace");
    for name in ["a", "b", "c"] {
        r.tag(&format!("{name}/v1.0.0"));
    }
    r
}

const MONOREPO_CONFIG: &str = "\
[[package]]
name = \"a\"
path = \"crates/a\"

[[package]]
name = \"b\"
path = \"crates/b\"

[[package]]
name = \"c\"
path = \"crates/c\"
";

/// `sha256:` + 12 hex digits of SHA-256 over the release rows as canonical JSON (sorted
/// keys, no whitespace): DESIGN.md's definition, computed here independently of the tool.
fn expected_hash(plan: &Value) -> String {
    fn canonical(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
            other => other.clone(),
        }
    }
    let rows: Vec<Value> = plan["packages"]
        .as_array()
        .expect("`packages` is an array")
        .iter()
        .filter(|r| r["status"] == "release")
        .map(canonical)
        .collect();
    let text = serde_json::to_string(&rows).expect("JSON values serialise");
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(6).fold(String::from("sha256:"), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

// ---- single package: the first release --------------------------------------------------

#[test]
fn untagged_repo_starts_at_the_cargo_version() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.4.0\"\n");
    r.commit("feat: first");
    let row = r.plan_single(&[]);
    assert_eq!(row["name"], "demo", "the name comes from Cargo.toml");
    assert_eq!(row["status"], "release");
    assert_eq!(row["bump"], "initial");
    assert_eq!(row["current_version"], Value::Null);
    assert_eq!(row["current_tag"], Value::Null);
    assert_eq!(row["next_version"], "0.4.0");
    assert_eq!(row["next_tag"], "v0.4.0");
    assert_eq!(r.plan_single(&["--pre", "rc"])["next_version"], "0.4.0-rc.1");
}

#[test]
fn untagged_repo_starts_at_the_package_json_version() {
    let r = TestRepo::new();
    r.write("package.json", "{\n  \"name\": \"web\",\n  \"version\": \"2.1.0\"\n}\n");
    r.commit("fix: first");
    let row = r.plan_single(&[]);
    assert_eq!(row["name"], "web");
    assert_eq!(row["bump"], "initial");
    assert_eq!(row["next_version"], "2.1.0");
    assert_eq!(row["next_tag"], "v2.1.0");
}

#[test]
fn untagged_repo_without_a_manifest_starts_at_0_1_0() {
    let r = TestRepo::new();
    r.write("README.md", "hello\n");
    r.commit("docs: readme");
    r.commit("chore: more");
    let row = r.plan_single(&[]);
    assert_eq!(row["bump"], "initial");
    assert_eq!(row["next_version"], "0.1.0");
    assert_eq!(row["commits"], 2);
}

// ---- single package: bumps ---------------------------------------------------------------

#[test]
fn feat_bumps_minor_and_the_table_says_why() {
    let r = tagged("1.2.3");
    let feat = r.change("src/lib.rs", "feat(api): add a thing");
    let fix = r.change("src/lib.rs", "fix: a bug");
    let plain = r.change("src/lib.rs", "Tidy things up");
    assert_eq!(next(&r, &[]), ("1.3.0".to_owned(), "minor".to_owned()));

    let hash = r.plan_json(&[])["plan_hash"].as_str().expect("a hash").to_owned();
    let out = r.run(["plan"]);
    out.expect_code(0);
    assert!(out.stdout.contains(&format!("plan {hash}")), "the table ends with the plan hash");
    let owned = [
        label(&feat, "feat"),
        label(&fix, "fix"),
        label(&plain, "plain"),
        (hash.clone(), "[hash]".to_owned()),
    ];
    insta::with_settings!({filters => filters(&owned)}, {
        insta::assert_snapshot!(out.stdout, @r"
             package  tier  current  next   bump   commits  reason
             demo     1     1.2.3    1.3.0  minor  3        feat(api): add a thing ([feat]_); 1 not conventional

            plan [hash]
            ");
    });
}

#[test]
fn fix_bumps_patch() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "fix: a bug");
    r.change("src/lib.rs", "docs: explain");
    assert_eq!(next(&r, &[]), ("1.2.4".to_owned(), "patch".to_owned()));
}

#[test]
fn bang_bumps_major() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "fix: a bug");
    r.change("src/lib.rs", "feat!: drop the old api");
    let row = r.plan_single(&[]);
    assert_eq!(row["next_version"], "2.0.0");
    assert_eq!(row["bump"], "major");
    assert_eq!(row["breaking"], 1);
}

#[test]
fn breaking_before_1_0_is_minor_by_default_and_major_when_configured() {
    let r = tagged("0.3.1");
    r.change("src/lib.rs", "fix!: change the return type");
    assert_eq!(next(&r, &[]), ("0.4.0".to_owned(), "minor".to_owned()));

    r.write("release.toml", "[bump]\nbreaking_before_1_0 = \"major\"\n");
    assert_eq!(next(&r, &[]), ("1.0.0".to_owned(), "major".to_owned()));
}

#[test]
fn feat_before_1_0_is_minor_by_default_and_patch_when_configured() {
    let r = tagged("0.3.1");
    r.change("src/lib.rs", "feat: a new option");
    assert_eq!(next(&r, &[]), ("0.4.0".to_owned(), "minor".to_owned()));

    r.write("release.toml", "[bump]\nfeat_before_1_0 = \"patch\"\n");
    assert_eq!(next(&r, &[]), ("0.3.2".to_owned(), "patch".to_owned()));
}

#[test]
fn breaking_change_footers_count_and_body_text_does_not() {
    let r = tagged("1.2.3");
    r.change(
        "src/lib.rs",
        "fix: mention it\n\nThis is not a BREAKING CHANGE: the words are mid-paragraph\nand go on.",
    );
    assert_eq!(next(&r, &[]), ("1.2.4".to_owned(), "patch".to_owned()));

    for footer in ["BREAKING CHANGE: use b() instead", "BREAKING-CHANGE: use b() instead"] {
        let r = tagged("1.2.3");
        r.change("src/lib.rs", &format!("refactor: rename a()\n\nWhy we do it.\n\n{footer}"));
        let row = r.plan_single(&[]);
        assert_eq!(row["next_version"], "2.0.0", "{footer}");
        assert_eq!(row["breaking"], 1, "{footer}");
        assert_eq!(row["reasons"][0]["breaking"], true, "{footer}");
    }
}

#[test]
fn other_patch_releases_a_chore() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "chore: bump deps");
    r.write("release.toml", "[bump]\nother = \"patch\"\n");
    assert_eq!(next(&r, &[]), ("1.2.4".to_owned(), "patch".to_owned()));
}

#[test]
fn only_chores_is_nothing_to_release() {
    let r = tagged("1.2.3");
    let chore = r.change("src/lib.rs", "chore: bump deps");
    r.change("src/lib.rs", "ci: cache");
    let row = r.plan_single(&[]);
    assert_eq!(row["status"], "nothing_to_release");
    assert_eq!(row["bump"], "none");
    assert_eq!(row["next_version"], Value::Null);
    assert_eq!(row["next_tag"], Value::Null);
    assert_eq!(row["current_version"], "1.2.3");
    assert_eq!(row["commits"], 2);

    let out = r.run(["plan"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    insta::assert_snapshot!(out.stdout, @r"
     package  tier  current  next  bump  commits  reason
     demo     1     1.2.3    -     none  2        no commit asks for a release
    ");

    let out = r.run(["plan", "--exit-code"]);
    out.expect_code(1);
    assert!(out.stdout.contains("no commit asks for a release"), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "--exit-code fails silently: {}", out.stderr);
    assert!(!out.stdout.contains(short(&chore)), "no reason commit for nothing to release");
}

#[test]
fn no_commits_since_the_tag_is_nothing_to_release() {
    let r = tagged("1.2.3");
    let out = r.run(["plan", "--exit-code"]);
    out.expect_code(1);
    assert!(out.stdout.contains("no commits since the last release"), "{}", out.stdout);
    assert_eq!(r.plan_single(&[])["commits"], 0);
}

#[test]
fn exit_code_is_0_when_something_is_released() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "fix: a bug");
    r.run(["plan", "--exit-code"]).expect_code(0);
}

#[test]
fn release_as_footer_sets_the_version() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "feat: something");
    r.change("src/lib.rs", "fix: next\n\nRelease-As: 3.0.0");
    r.change("src/lib.rs", "fix: after");
    let row = r.plan_single(&[]);
    assert_eq!(row["next_version"], "3.0.0");
    assert_eq!(row["next_tag"], "v3.0.0");
    assert_eq!(row["bump"], "release_as");
    assert_eq!(row["reasons"][1]["bump"], "release_as");

    // On a release chore, which otherwise asks for nothing, and on a plain message.
    for message in
        ["chore(release): prepare 3.0.0\n\nRelease-As: 3.0.0", "Prepare\n\nRelease-As: 3.0.0"]
    {
        let r = tagged("1.2.3");
        r.change("src/lib.rs", message);
        assert_eq!(next(&r, &[]), ("3.0.0".to_owned(), "release_as".to_owned()), "{message}");
    }
}

#[test]
fn bump_flag_forces_the_level() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "fix: a bug");
    assert_eq!(next(&r, &["--bump", "major"]), ("2.0.0".to_owned(), "major".to_owned()));
    assert_eq!(next(&r, &["--bump", "minor"]), ("1.3.0".to_owned(), "minor".to_owned()));
    let out = r.run(["plan", "--bump", "huge"]);
    out.expect_code(2);
    assert!(out.stderr.contains("huge"), "{}", out.stderr);
}

// ---- prereleases -------------------------------------------------------------------------

#[test]
fn pre_rc_numbers_from_the_existing_tags() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "feat: a");
    let row = r.plan_single(&["--pre", "rc"]);
    assert_eq!(row["next_version"], "1.3.0-rc.1");
    assert_eq!(row["next_tag"], "v1.3.0-rc.1");
    assert_eq!(row["bump"], "prerelease");

    r.tag("v1.3.0-rc.1");
    r.change("src/lib.rs", "fix: b");
    let row = r.plan_single(&["--pre", "rc"]);
    assert_eq!(row["next_version"], "1.3.0-rc.2");
    assert_eq!(row["current_version"], "1.3.0-rc.1");
    assert_eq!(row["current_tag"], "v1.3.0-rc.1");
    assert_eq!(r.plan_single(&["--pre", "beta"])["next_version"], "1.3.0-beta.1");
}

#[test]
fn a_run_without_pre_promotes_the_prerelease() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "feat: a");
    r.tag_annotated("v1.3.0-rc.1");
    let row = r.plan_single(&[]);
    assert_eq!(row["status"], "release");
    assert_eq!(row["current_version"], "1.3.0-rc.1");
    assert_eq!(row["next_version"], "1.3.0");
    assert_eq!(row["next_tag"], "v1.3.0");
}

#[test]
fn the_range_starts_at_the_last_stable_tag_even_after_a_prerelease() {
    let r = tagged("1.2.3");
    let feat = r.change("src/lib.rs", "feat: before the rc");
    r.tag("v1.3.0-rc.1");
    let fix = r.change("src/lib.rs", "fix: after the rc");
    let row = r.plan_single(&[]);
    assert_eq!(row["next_version"], "1.3.0", "the feat before the rc still counts");
    assert_eq!(row["commits"], 2);
    let ids: Vec<&str> = row["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["commit"].as_str().expect("commit"))
        .collect();
    assert_eq!(ids, [fix.as_str(), feat.as_str()], "newest first, both since v1.2.3");
}

// ---- which tags count --------------------------------------------------------------------

#[test]
fn a_higher_tag_on_another_branch_does_not_count() {
    let r = tagged("1.2.3");
    r.branch("side");
    r.change("src/lib.rs", "fix: on main");
    // The side branch is newer than HEAD, so the walk has to rule its tag out.
    r.checkout("side");
    r.change("src/side.rs", "feat!: on the side");
    r.tag("v9.0.0");
    r.checkout("main");
    let row = r.plan_single(&[]);
    assert_eq!(row["current_tag"], "v1.2.3");
    assert_eq!(row["next_version"], "1.2.4");
    assert_eq!(row["commits"], 1);
}

#[test]
fn annotated_and_lightweight_tags_both_work() {
    let r = tagged("1.0.0");
    r.change("src/lib.rs", "feat: a");
    r.tag_annotated("v1.1.0");
    r.change("src/lib.rs", "fix: b");
    let row = r.plan_single(&[]);
    assert_eq!(row["current_tag"], "v1.1.0", "annotated tag");
    assert_eq!(row["next_version"], "1.1.1");
    assert_eq!(row["commits"], 1);

    r.tag("v1.1.1");
    r.git(["tag", "v7.0.0", "HEAD^{tree}"]);
    r.change("src/lib.rs", "fix: c");
    let row = r.plan_single(&[]);
    assert_eq!(row["current_tag"], "v1.1.1", "lightweight tag; a tag of a tree is ignored");
    assert_eq!(row["next_version"], "1.1.2");
    assert_eq!(row["commits"], 1);
}

#[test]
fn commits_brought_in_by_a_merge_count() {
    let r = tagged("1.0.0");
    r.branch("feature");
    r.checkout("feature");
    let feat = r.change("src/new.rs", "feat: from the branch");
    r.checkout("main");
    r.change("src/lib.rs", "fix: on main");
    let merge = r.merge("feature");
    let row = r.plan_single(&[]);
    assert_eq!(row["next_version"], "1.1.0");
    assert_eq!(row["bump"], "minor");
    assert_eq!(row["commits"], 3, "the merge, the fix and the feat: {row:#}");
    let ids: Vec<&str> = row["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["commit"].as_str().expect("commit"))
        .collect();
    assert!(ids.contains(&feat.as_str()) && ids.contains(&merge.as_str()), "{ids:?}");
}

#[test]
fn first_parent_ignores_commits_brought_in_by_a_merge() {
    let r = tagged("1.0.0");
    r.branch("feature");
    r.checkout("feature");
    r.change("src/new.rs", "feat: from the branch");
    r.checkout("main");
    r.change("src/lib.rs", "fix: on main");
    r.merge("feature");
    r.write("release.toml", "[release]\nfirst_parent = true\n");
    let row = r.plan_single(&[]);
    assert_eq!(row["next_version"], "1.0.1", "only the fix and the merge are walked: {row:#}");
    assert_eq!(row["commits"], 2);
}

#[test]
fn a_tagged_commit_dated_after_its_descendants_is_still_the_boundary() {
    // Clock skew: the tagged commit is dated two hours after the commits made on top of it
    // (a committer's clock was wrong). Reachability, not dates, decides the range.
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.set_clock(120);
    r.commit("chore: start");
    r.tag("v1.0.0");
    r.set_clock(1);
    for i in 0..8 {
        r.change("src/lib.rs", &format!("fix: number {i}"));
    }
    let row = r.plan_single(&[]);
    assert_eq!(row["current_tag"], "v1.0.0", "{row:#}");
    assert_eq!(row["next_version"], "1.0.1");
    assert_eq!(row["commits"], 8);
}

#[test]
fn an_ancestor_of_the_tag_dated_in_the_future_is_not_in_the_range() {
    // `skewed` is merged before the release and reached again through a later merge; its
    // date is far ahead of everything, so the walk meets it before the tag.
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.commit("chore: start");
    r.branch("side");
    r.checkout("side");
    r.set_clock(1000);
    r.change("src/side.rs", "feat!: skewed, released in 1.0.0");
    r.checkout("main");
    r.set_clock(10);
    r.change("src/lib.rs", "fix: on main");
    r.merge("side");
    r.tag("v1.0.0");
    r.checkout("side");
    r.set_clock(1001);
    let later = r.change("src/side.rs", "fix: after the release");
    r.checkout("main");
    r.set_clock(20);
    let fix = r.change("src/lib.rs", "fix: also after");
    let merge = r.merge("side");
    let row = r.plan_single(&[]);
    let mut ids: Vec<&str> = row["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["commit"].as_str().expect("commit"))
        .collect();
    ids.sort_unstable();
    let mut expected = [later.as_str(), fix.as_str(), merge.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected, "{row:#}");
    assert_eq!(row["next_version"], "1.0.1", "the skewed breaking change was released");
}

// ---- messages ----------------------------------------------------------------------------

#[test]
fn a_non_utf8_message_does_not_crash() {
    let r = tagged("1.2.3");
    let latin1 = r.commit_encoded(b"fix: caf\xe9 cr\xe8me\n\nISO-8859-1 body \xff\n", "ISO-8859-1");
    let raw = r.commit_bytes(b"feat: invalid \xc3\x28 utf-8\n");
    let row = r.plan_single(&[]);
    assert_eq!(row["next_version"], "1.3.0");
    assert_eq!(row["commits"], 2);
    assert_eq!(row["conventional"], 2);
    let summaries: Vec<(&str, &str)> = row["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| (r["commit"].as_str().expect("id"), r["summary"].as_str().expect("summary")))
        .collect();
    assert_eq!(summaries[0].0, raw);
    assert!(summaries[0].1.starts_with("feat: invalid "), "{summaries:?}");
    assert_eq!(summaries[1].0, latin1);
    assert!(summaries[1].1.starts_with("fix: caf"), "{summaries:?}");
    r.run(["plan"]).expect_code(0);
}

#[test]
fn non_conventional_commits_are_counted_and_strict_refuses_them() {
    let r = tagged("1.2.3");
    r.change("src/lib.rs", "feat: a");
    let bad = r.change("src/lib.rs", "Update lib.rs");
    let row = r.plan_single(&[]);
    assert_eq!(row["commits"], 2);
    assert_eq!(row["conventional"], 1);
    assert_eq!(row["reasons"][0]["type"], Value::Null);
    assert_eq!(row["reasons"][0]["bump"], "none");

    let out = r.run(["plan", "--strict"]);
    let err = fails(&out, 1);
    assert!(err.contains(short(&bad)), "the error names the commit: {err}");
    assert!(err.contains("Update lib.rs"), "{err}");

    // `release.strict` in the file does the same.
    r.write("release.toml", "[release]\nstrict = true\n");
    fails(&r.run(["plan"]), 1);
}

#[test]
fn tag_format_list_reads_old_tags_and_names_new_ones_with_the_first() {
    let r = tagged("1.2.3");
    r.write("release.toml", "[release]\ntag_format = [\"core-v{version}\", \"v{version}\"]\n");
    r.change("src/lib.rs", "feat: a");
    let row = r.plan_single(&[]);
    assert_eq!(row["current_tag"], "v1.2.3");
    assert_eq!(row["current_version"], "1.2.3");
    assert_eq!(row["next_tag"], "core-v1.3.0");
    assert_eq!(row["commits"], 1);
}

// ---- monorepo ----------------------------------------------------------------------------

#[test]
fn only_packages_changed_since_their_own_tag_are_released() {
    let r = monorepo();
    r.change("crates/c/src/lib.rs", "feat(c): before c's release");
    r.tag("c/v1.1.0");
    r.change("crates/a/src/lib.rs", "fix(a): a bug");
    r.change("README.md", "docs: a root file belongs to no package");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "a")["status"], "release");
    assert_eq!(row(&plan, "a")["next_version"], "1.0.1");
    assert_eq!(row(&plan, "a")["next_tag"], "a/v1.0.1");
    assert_eq!(row(&plan, "a")["commits"], 1);
    assert_eq!(row(&plan, "b")["status"], "nothing_to_release");
    assert_eq!(row(&plan, "b")["commits"], 0);
    assert_eq!(row(&plan, "c")["status"], "nothing_to_release");
    assert_eq!(row(&plan, "c")["current_tag"], "c/v1.1.0");
    assert_eq!(row(&plan, "c")["commits"], 0);
}

#[test]
fn a_dependent_is_tier_2_only_when_its_dependency_is_released() {
    let r = monorepo();
    r.change("crates/b/src/lib.rs", "fix(b): b alone");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "b")["tier"], 1, "a is not released, so b is tier 1");
    assert_eq!(row(&plan, "b")["depends_on"], serde_json::json!(["a"]), "from the path dependency");

    let feat = r.change("crates/a/src/lib.rs", "feat(a): new api");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "a")["tier"], 1);
    assert_eq!(row(&plan, "b")["tier"], 2);
    let tiers: Vec<u64> = plan["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|r| r["tier"].as_u64().expect("tier"))
        .collect();
    assert!(tiers.windows(2).all(|w| w[0] <= w[1]), "rows in tier order: {tiers:?}");

    let out = r.run(["plan"]);
    out.expect_code(0);
    let hash = plan["plan_hash"].as_str().expect("a hash");
    let b_fix = row(&plan, "b")["reasons"][0]["commit"].as_str().expect("id").to_owned();
    let owned = [label(&feat, "a"), label(&b_fix, "b"), (hash.to_owned(), "[hash]".to_owned())];
    insta::with_settings!({filters => filters(&owned)}, {
        insta::assert_snapshot!(out.stdout, @r"
             package  tier  current  next   bump   commits  reason
             a        1     1.0.0    1.1.0  minor  1        feat(a): new api ([a]____)
             c        1     1.0.0    -      none   0        no commits since the last release
             b        2     1.0.0    1.0.1  patch  1        fix(b): b alone ([b]____)

            plan [hash]
            ");
    });
}

#[test]
fn depends_on_in_the_config_adds_a_dependency() {
    let r = monorepo();
    r.write(
        "release.toml",
        &MONOREPO_CONFIG.replace(
            "name = \"c\"\npath = \"crates/c\"\n",
            "name = \"c\"\npath = \"crates/c\"\ndepends_on = [\"b\"]\n",
        ),
    );
    r.commit("chore: c depends on b");
    for name in ["a", "b", "c"] {
        r.change(&format!("crates/{name}/src/lib.rs"), &format!("fix({name}): x"));
    }
    let plan = r.plan_json(&[]);
    assert_eq!(names(&plan), ["a", "b", "c"]);
    assert_eq!(row(&plan, "a")["tier"], 1);
    assert_eq!(row(&plan, "b")["tier"], 2);
    assert_eq!(row(&plan, "c")["tier"], 3);
    assert_eq!(row(&plan, "c")["depends_on"], serde_json::json!(["b"]));
}

#[test]
fn json_has_the_documented_shape() {
    let r = monorepo();
    r.change("crates/a/src/lib.rs", "feat(a)!: new api\n\nBREAKING CHANGE: all of it");
    r.write(
        "release.toml",
        &format!("{MONOREPO_CONFIG}\n[[package]]\nname = \"d\"\npath = \"crates/d\"\n"),
    );
    r.write("crates/d/Cargo.toml", "[package]\nname = \"d\"\nversion = \"0.2.0\"\n");
    r.commit("feat(d): a new crate");
    let plan = r.plan_json(&[]);

    let text = r.run(["plan", "--format", "json"]).stdout;
    let top = ["schema_version", "plan_hash", "head", "packages"];
    assert_eq!(keys(&plan), sorted(&top));
    in_order(&text, &top);
    assert_eq!(plan["schema_version"], 1);
    assert_eq!(plan["head"], r.head(), "head is the full id of HEAD");
    let hash = plan["plan_hash"].as_str().expect("plan_hash is a string");
    let hex = hash.strip_prefix("sha256:").expect("plan_hash starts with `sha256:`");
    assert!(
        hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
        "{hash}"
    );
    assert_eq!(hash, expected_hash(&plan), "the hash is over the canonical release rows");

    let row_keys = [
        "name",
        "path",
        "tier",
        "status",
        "current_version",
        "current_tag",
        "next_version",
        "next_tag",
        "bump",
        "commits",
        "conventional",
        "breaking",
        "depends_on",
        "reasons",
    ];
    let reason_keys = ["commit", "summary", "type", "scope", "breaking", "bump"];
    for r in plan["packages"].as_array().expect("packages") {
        assert_eq!(keys(r), sorted(&row_keys));
        for reason in r["reasons"].as_array().expect("reasons") {
            assert_eq!(keys(reason), sorted(&reason_keys));
        }
    }
    let first_row = &text[text.find("\"packages\":").expect("packages")..];
    in_order(first_row, &row_keys);
    let first_reason = &text[text.find("\"reasons\": [\n").expect("a non-empty reasons list")..];
    in_order(first_reason, &reason_keys);

    let a = row(&plan, "a");
    assert_eq!(a["path"], "crates/a");
    assert_eq!(a["next_version"], "2.0.0");
    assert_eq!(a["bump"], "major");
    assert_eq!(
        (&a["commits"], &a["conventional"], &a["breaking"]),
        (&1.into(), &1.into(), &1.into())
    );
    let reason = &a["reasons"][0];
    assert_eq!(reason["commit"].as_str().map(str::len), Some(40));
    assert_eq!(reason["summary"], "feat(a)!: new api");
    assert_eq!(reason["type"], "feat");
    assert_eq!(reason["scope"], "a");
    assert_eq!(reason["breaking"], true);
    assert_eq!(reason["bump"], "major");

    let d = row(&plan, "d");
    assert_eq!(d["current_version"], Value::Null, "no tag: null, not a string");
    assert_eq!(d["current_tag"], Value::Null);
    assert_eq!(d["next_version"], "0.2.0");
    assert_eq!(d["next_tag"], "d/v0.2.0");
    assert_eq!(d["bump"], "initial");

    let c = row(&plan, "c");
    assert_eq!(c["next_version"], Value::Null);
    assert_eq!(c["next_tag"], Value::Null);
    assert_eq!(c["reasons"], serde_json::json!([]));
}

#[test]
fn plan_hash_is_stable_and_follows_the_plan() {
    let r = monorepo();
    r.change("crates/a/src/lib.rs", "fix(a): a");
    let first = r.plan_json(&[]);
    let again = r.plan_json(&[]);
    assert_eq!(first["plan_hash"], again["plan_hash"], "same repository, same hash");

    assert_ne!(
        first["plan_hash"],
        r.plan_json(&["--bump", "minor"])["plan_hash"],
        "another version, another hash"
    );
    r.change("crates/a/src/lib.rs", "fix(a): another");
    let later = r.plan_json(&[]);
    assert_eq!(row(&later, "a")["next_version"], row(&first, "a")["next_version"]);
    assert_ne!(first["plan_hash"], later["plan_hash"], "another commit, another hash");
    assert_eq!(later["plan_hash"], expected_hash(&later));
}

#[test]
fn naming_a_package_plans_only_that_one() {
    let r = monorepo();
    r.change("crates/a/src/lib.rs", "fix(a): a");
    r.change("crates/c/src/lib.rs", "fix(c): c");
    assert_eq!(names(&r.plan_json(&["a"])), ["a"]);
    assert_eq!(names(&r.plan_json(&["crates/c"])), ["c"], "by path too");
    assert_eq!(names(&r.plan_json(&["c", "a"])).len(), 2);
}

#[test]
fn explain_adds_a_table_row_per_commit_with_a_header() {
    let r = monorepo();
    let feat = r.change("crates/a/src/lib.rs", "feat(a)!: new api");
    let fix = r.change("crates/a/src/lib.rs", "fix: a bug");
    let plain = r.change("crates/a/src/lib.rs", "Update lib.rs");
    let out = r.run(["plan", "a", "--explain"]);
    out.expect_code(0);
    let hash = r.plan_json(&["a"])["plan_hash"].as_str().expect("hash").to_owned();
    let owned = [
        label(&feat, "feat"),
        label(&fix, "fix"),
        label(&plain, "plain"),
        (hash.clone(), "[hash]".to_owned()),
    ];
    insta::with_settings!({filters => filters(&owned)}, {
        insta::assert_snapshot!(out.stdout, @r"
             package  tier  current  next   bump   commits  reason
             a        1     1.0.0    2.0.0  major  3        feat(a)!: new api ([feat]_); 1 breaking; 1 not conventional

            a:
             commit   type  scope  breaking  bump   summary
             [plain]  -     -      -         none   Update lib.rs
             [fix]__  fix   -      -         patch  fix: a bug
             [feat]_  feat  a      yes       major  feat(a)!: new api

            plan [hash]
            ");
    });
}

#[test]
fn markdown_is_a_markdown_table() {
    let r = monorepo();
    let fix = r.change("crates/a/src/lib.rs", "fix(a): a bug");
    let out = r.run(["plan", "--format", "markdown"]);
    out.expect_code(0);
    for line in out.stdout.lines().filter(|l| !l.is_empty()) {
        assert!(line.starts_with('|') && line.ends_with('|'), "not a table row: {line}");
    }
    let owned = [label(&fix, "fix")];
    insta::with_settings!({filters => filters(&owned)}, {
        insta::assert_snapshot!(out.stdout, @r"
            | package | tier | current | next  | bump  | commits | reason                            |
            |---------|------|---------|-------|-------|---------|-----------------------------------|
            | a       | 1    | 1.0.0   | 1.0.1 | patch | 1       | fix(a): a bug ([fix]__)           |
            | c       | 1    | 1.0.0   | -     | none  | 0       | no commits since the last release |
            | b       | 2    | 1.0.0   | -     | none  | 0       | no commits since the last release |
            ");
    });
}

#[test]
fn a_feat_merged_from_a_side_branch_counts_for_its_package_only() {
    let r = monorepo();
    r.branch("feature");
    r.checkout("feature");
    let feat = r.change("crates/a/src/lib.rs", "feat(a): from the branch");
    r.checkout("main");
    let fix = r.change("crates/c/src/lib.rs", "fix(c): on main");
    r.merge("feature");
    let plan = r.plan_json(&[]);
    let a = row(&plan, "a");
    assert_eq!(a["next_version"], "1.1.0");
    assert_eq!(a["commits"], 1, "the merge took a's files unchanged from the branch: {a:#}");
    assert_eq!(a["reasons"][0]["commit"], feat.as_str());
    let c = row(&plan, "c");
    assert_eq!(c["next_version"], "1.0.1");
    assert_eq!(c["reasons"][0]["commit"], fix.as_str());
    assert_eq!(c["commits"], 1);
}

#[test]
fn a_subdirectory_and_git_dir_find_the_repository() {
    let r = monorepo();
    r.change("crates/a/src/lib.rs", "fix(a): a");
    let sub = r.path().join("crates/b");
    let out = r.run([std::ffi::OsStr::new("-C"), sub.as_os_str(), std::ffi::OsStr::new("plan")]);
    out.expect_code(0);
    assert!(out.stdout.contains("1.0.1"), "{}", out.stdout);

    // As `git --git-dir=… release` or a hook would run it: GIT_DIR set, another cwd.
    let git_dir = r.path().join(".git");
    let work_tree = r.path();
    let elsewhere = r.scratch().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("create a folder outside the repository");
    let out = r.run_env(
        [std::ffi::OsStr::new("-C"), elsewhere.as_os_str(), std::ffi::OsStr::new("plan")],
        &[
            ("GIT_DIR", git_dir.to_str().expect("UTF-8 temp path")),
            ("GIT_WORK_TREE", work_tree.to_str().expect("UTF-8 temp path")),
        ],
    );
    out.expect_code(0);
    assert!(out.stdout.contains("1.0.1"), "{}", out.stdout);
}

#[test]
fn verbose_lists_ignored_tags_and_quiet_hides_warnings() {
    let r = monorepo();
    r.tag("nightly");
    r.tag("a-1.0.0");
    r.write("crates/d/Cargo.toml", "[package]\nname = \"d\"\nversion = \"0.1.0\"\n");
    r.change("crates/a/src/lib.rs", "fix(a): a");
    let out = r.run(["plan", "-v"]);
    out.expect_code(0);
    assert!(out.stderr.contains("`nightly`") && out.stderr.contains("`a-1.0.0`"), "{}", out.stderr);
    assert!(!out.stderr.contains("`a/v1.0.0`"), "a release tag is not ignored: {}", out.stderr);
    let out = r.run(["plan", "-q"]);
    out.expect_code(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    // `-q` prints nothing but errors (issue 15): the exit code answers.
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

// ---- drift -------------------------------------------------------------------------------

#[test]
fn an_unconfigured_package_is_reported_and_strict_refuses_it() {
    let r = monorepo();
    r.write("crates/d/Cargo.toml", "[package]\nname = \"d\"\nversion = \"0.1.0\"\n");
    r.change("crates/a/src/lib.rs", "fix(a): a");
    let out = r.run(["plan"]);
    out.expect_code(0);
    assert!(
        out.stderr.starts_with("warning: ") && out.stderr.contains("crates/d/Cargo.toml"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("crates/d"), "drift goes to stderr, not into the data");

    let err = fails(&r.run(["plan", "--strict"]), 2).to_owned();
    assert!(err.contains("crates/d/Cargo.toml"), "{err}");
}

#[test]
fn a_configured_path_that_does_not_exist_is_reported() {
    let r = monorepo();
    r.write(
        "release.toml",
        &format!("{MONOREPO_CONFIG}\n[[package]]\nname = \"e\"\npath = \"crates/e\"\n"),
    );
    r.commit("chore: configure e");
    let out = r.run(["plan"]);
    out.expect_code(0);
    assert!(
        out.stderr.contains("warning: ") && out.stderr.contains("`crates/e`"),
        "{}",
        out.stderr
    );
    let err = fails(&r.run(["plan", "--strict"]), 2).to_owned();
    assert!(err.contains("crates/e"), "{err}");
}

// ---- bad input ---------------------------------------------------------------------------

#[test]
fn not_a_git_repository() {
    let r = TestRepo::without_git();
    let empty = r.scratch().join("empty");
    std::fs::create_dir(&empty).expect("create an empty folder");
    let out = r.run([std::ffi::OsStr::new("-C"), empty.as_os_str(), std::ffi::OsStr::new("plan")]);
    let err = fails(&out, 2);
    assert!(err.contains("not inside a git repository"), "{err}");
    assert!(err.contains(&empty.display().to_string()), "the message names the folder: {err}");
}

#[test]
fn an_empty_repository() {
    let r = TestRepo::new();
    let out = r.run(["plan"]);
    assert!(matches!(out.code, 1 | 2), "a clean failure, not a crash: {out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("no commits"), "{}", out.stderr);
}

#[test]
fn an_unknown_package_lists_the_known_ones() {
    let r = monorepo();
    let out = r.run(["plan", "zz"]);
    fails(&out, 2);
    insta::assert_snapshot!(out.stderr, @r"
        error: unknown package `zz`
        hint: known packages: a, b, c
        ");
}

#[test]
fn a_tag_format_without_version_names_file_and_line() {
    let r = monorepo();
    r.write(
        "release.toml",
        &format!("{MONOREPO_CONFIG}\n[[package]]\nname = \"d\"\npath = \"crates/d\"\ntag_format = \"d-v\"\n"),
    );
    // line:  ^ 11 lines, a blank line, then [[package]] at 13, tag_format at 16
    let err = fails(&r.run(["plan"]), 2).to_owned();
    assert!(err.contains("release.toml:16"), "{err}");
    assert!(err.contains("{version}"), "{err}");

    r.write("release.toml", "[release]\nremote = \"origin\"\ntag_format = \"release\"\n");
    let err = fails(&r.run(["plan"]), 2).to_owned();
    assert!(err.contains("release.toml:3"), "{err}");
}

#[test]
fn a_malformed_release_toml_names_the_line() {
    let r = tagged("1.0.0");
    r.write(
        "release.toml",
        "[release]\nremote = \"origin\"\ntag_format = \"v{version}\nbranch = \"main\"\n",
    );
    let out = r.run(["plan"]);
    fails(&out, 2);
    let repo = r.path().display().to_string();
    insta::with_settings!({filters => vec![(repo.as_str(), "[repo]")]}, {
        insta::assert_snapshot!(out.stderr, @r#"
        error: [repo]/release.toml:3:25: invalid basic string, expected `"`
          3 | tag_format = "v{version}
        hint: see the configuration reference in the README (`[release]`, `[bump]`, `[[package]]`…)
        "#);
    });
}

#[test]
fn an_unknown_key_names_the_key_and_line() {
    let r = tagged("1.0.0");
    r.write("release.toml", "[release]\nremote = \"origin\"\ntag_fromat = \"v{version}\"\n");
    let err = fails(&r.run(["plan"]), 2).to_owned();
    assert!(err.contains("release.toml:3"), "{err}");
    assert!(err.contains("tag_fromat"), "{err}");

    r.write("release.toml", &format!("{MONOREPO_CONFIG}dependson = [\"a\"]\n"));
    let err = fails(&r.run(["plan"]), 2).to_owned();
    assert!(err.contains("release.toml:12"), "{err}");
    assert!(err.contains("dependson"), "{err}");
}

#[test]
fn a_dependency_cycle_names_both_packages() {
    let r = monorepo();
    r.write(
        "release.toml",
        "[[package]]\nname = \"a\"\npath = \"crates/a\"\ndepends_on = [\"b\"]\n\n\
         [[package]]\nname = \"b\"\npath = \"crates/b\"\ndepends_on = [\"a\"]\n\n\
         [[package]]\nname = \"c\"\npath = \"crates/c\"\n",
    );
    let out = r.run(["plan"]);
    fails(&out, 2);
    insta::assert_snapshot!(out.stderr, @r"
        error: dependency cycle: a -> b -> a
        hint: remove one of these dependencies, or its `depends_on` entry
        ");
}

#[test]
fn config_pointing_at_a_missing_file() {
    let r = tagged("1.0.0");
    let out = r.run(["plan", "--config", "nowhere/release.toml"]);
    let err = fails(&out, 2);
    assert!(err.contains("nowhere/release.toml"), "{err}");
}

#[test]
fn config_flag_reads_another_file() {
    let r = tagged("1.0.0");
    r.write("ci/release.toml", "[release]\ntag_format = \"rel-{version}\"\n");
    r.change("src/lib.rs", "fix: a");
    let row = r.plan_single(&["--config", "ci/release.toml"]);
    assert_eq!(row["current_tag"], Value::Null, "`v1.0.0` does not match `rel-{{version}}`");
    assert_eq!(row["bump"], "initial");
    assert_eq!(row["next_tag"], "rel-1.0.0", "the first release takes Cargo.toml's version");
}

// ---- precedence --------------------------------------------------------------------------

#[test]
fn environment_beats_git_config_beats_the_file() {
    let r = tagged("0.0.1");
    r.tag("file-v1.0.0");
    r.tag("x-2.0.0");
    r.tag("env-3.0.0");
    r.change("src/lib.rs", "fix: a");
    r.write("release.toml", "[release]\ntag_format = \"file-v{version}\"\n");
    let row = r.plan_single(&[]);
    assert_eq!(row["current_tag"], "file-v1.0.0");
    assert_eq!(row["next_tag"], "file-v1.0.1");

    r.git(["config", "release.tagFormat", "x-{version}"]);
    let row = r.plan_single(&[]);
    assert_eq!(row["current_tag"], "x-2.0.0", "git config beats the file");
    assert_eq!(row["next_tag"], "x-2.0.1");

    let out =
        r.run_env(["plan", "--format", "json"], &[("GIT_RELEASE_TAG_FORMAT", "env-{version}")]);
    out.expect_code(0);
    let row = &out.json()["packages"][0];
    assert_eq!(row["current_tag"], "env-3.0.0", "the environment beats git config");
    assert_eq!(row["next_tag"], "env-3.0.1");
}

// ---- the binary --------------------------------------------------------------------------

#[test]
fn version_names_the_tool_and_its_commit() {
    let r = TestRepo::without_git();
    let out = r.run(["--version"]);
    out.expect_code(0);
    let line = out.stdout.trim_end();
    let rest = line.strip_prefix("git-release ").expect("starts with `git-release `");
    let (version, commit) = rest.split_once(' ').expect("`<version> (<commit>)`");
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    semver::Version::parse(version).expect("a semantic version");
    let commit = commit.strip_prefix('(').and_then(|c| c.strip_suffix(')')).expect("(commit)");
    assert!(!commit.is_empty() && !commit.contains(' '), "{line}");
}

/// `v1.0.0`, then `fix: a` and `feat: b`, cloned with `--depth DEPTH` into the scratch
/// folder; returns the origin and the clone's path.
fn shallow_clone(depth: u32) -> (TestRepo, String) {
    let r = tagged("1.0.0");
    r.write("a.txt", "a");
    r.commit("fix: a");
    r.write("b.txt", "b");
    r.commit("feat: b");
    let url = format!("file://{}", r.path().display());
    let clone = r.scratch().join("shallow");
    let clone = clone.to_str().expect("temp paths are UTF-8").to_owned();
    r.git(["clone", "--quiet", "--depth", &depth.to_string(), &url, &clone]);
    (r, clone)
}

#[test]
fn a_depth_one_clone_refuses_to_guess_and_names_the_fix() {
    // Issue 11: the release tag lies below the shallow boundary, so the walk cannot find it.
    // It used to answer "first release" and `tag` made `v1.0.0` again on the wrong commit.
    let (r, clone) = shallow_clone(1);
    let clone = clone.as_str();
    let boundary = r.git_in(Path::new(clone), ["rev-parse", "HEAD"]);
    for args in [
        vec!["plan"],
        vec!["plan", "--format", "json"],
        vec!["tag", "--dry-run"],
        vec!["changelog", "--unreleased"],
        vec!["run", "--dry-run"],
    ] {
        let mut all = vec!["-C", clone];
        all.extend(&args);
        let out = r.run(&all);
        out.expect_code(2);
        assert!(out.stderr.contains("shallow"), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(&boundary), "{args:?} names the boundary: {}", out.stderr);
        assert!(out.stderr.contains("git fetch --unshallow"), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("fetch-depth: 0"), "{args:?}: {}", out.stderr);
    }
    assert_eq!(r.git_in(Path::new(clone), ["tag", "--list"]), "", "no tag was made");
}

#[test]
fn a_shallow_clone_that_holds_the_last_release_plans_normally() {
    // CI with a depth of 3 and a recent tag: everything the plan needs was fetched.
    let (r, clone) = shallow_clone(3);
    let clone = clone.as_str();
    r.git_in(Path::new(clone), ["fetch", "--quiet", "--depth", "3", "origin", "tag", "v1.0.0"]);
    let out = r.run(["-C", clone, "plan", "--format", "json"]);
    out.expect_code(0);
    let json = out.json();
    let row = &json["packages"][0];
    assert_eq!(row["current_version"], "1.0.0", "{json:#}");
    assert_eq!(row["commits"], 2, "{json:#}");
    assert_eq!(row["next_version"], "1.1.0", "{json:#}");
}

// ---- issue 7: version groups and dependency-driven releases ---------------------------------

/// The monorepo with `extra` appended to its `release.toml`, committed.
fn monorepo_with(extra: &str) -> TestRepo {
    let r = monorepo();
    r.write("release.toml", &format!("{MONOREPO_CONFIG}\n{extra}"));
    r.commit("chore: configure releases");
    r
}

#[test]
fn a_fixed_group_releases_every_member_at_one_version_with_the_highest_bump() {
    let r =
        monorepo_with("[[group]]\nname = \"ac\"\npackages = [\"a\", \"c\"]\nmode = \"fixed\"\n");
    r.change("crates/c/src/lib.rs", "fix(c): repair");
    r.change("crates/a/src/lib.rs", "feat(a): add");
    let plan = r.plan_json(&[]);
    for name in ["a", "c"] {
        assert_eq!(row(&plan, name)["next_version"], "1.1.0", "{name}: {plan:#}");
        assert_eq!(row(&plan, name)["status"], "release");
    }
    assert_eq!(row(&plan, "b")["status"], "nothing_to_release");

    // A member with no commits of its own follows the group, and says why.
    let r =
        monorepo_with("[[group]]\nname = \"ac\"\npackages = [\"a\", \"c\"]\nmode = \"fixed\"\n");
    r.change("crates/a/src/lib.rs", "fix(a): repair");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "c")["next_version"], "1.0.1");
    assert_eq!(row(&plan, "c")["commits"], 0);
    assert_eq!(row(&plan, "c")["because"], "fixed group `ac`: a released");
    assert!(row(&plan, "a").get("because").is_none(), "{plan:#}");
    let table = r.run(["plan"]);
    assert!(table.stdout.contains("fixed group `ac`: a released"), "{}", table.stdout);

    // Nothing released in the group: nothing for any member.
    let r =
        monorepo_with("[[group]]\nname = \"ac\"\npackages = [\"a\", \"c\"]\nmode = \"fixed\"\n");
    r.change("crates/b/src/lib.rs", "fix(b): repair");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "a")["status"], "nothing_to_release");
    assert_eq!(row(&plan, "c")["status"], "nothing_to_release");
}

#[test]
fn a_linked_group_shares_the_level_only_among_members_released_together() {
    let config = "[[group]]\nname = \"ac\"\npackages = [\"a\", \"c\"]\nmode = \"linked\"\n";
    let r = monorepo_with(config);
    r.change("crates/a/src/lib.rs", "feat(a): add");
    r.change("crates/c/src/lib.rs", "fix(c): repair");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "a")["next_version"], "1.1.0");
    assert_eq!(row(&plan, "c")["next_version"], "1.1.0", "{plan:#}");
    assert_eq!(row(&plan, "c")["because"], "linked group `ac`: minor bump");

    let r = monorepo_with(config);
    r.change("crates/a/src/lib.rs", "feat(a): add");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "a")["next_version"], "1.1.0");
    assert_eq!(row(&plan, "c")["status"], "nothing_to_release", "{plan:#}");
}

#[test]
fn dependents_patch_releases_a_package_whose_dependency_is_released() {
    // b depends on a (path dependency). Default "none": only a.
    let r = monorepo();
    r.change("crates/a/src/lib.rs", "feat(a): add");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "b")["status"], "nothing_to_release");

    let r = monorepo_with("[release]\ndependents = \"patch\"\n");
    r.change("crates/a/src/lib.rs", "feat(a): add");
    let plan = r.plan_json(&[]);
    assert_eq!(row(&plan, "a")["next_version"], "1.1.0");
    assert_eq!(row(&plan, "b")["next_version"], "1.0.1", "{plan:#}");
    assert_eq!(row(&plan, "b")["bump"], "patch");
    assert_eq!(row(&plan, "b")["because"], "dependency `a` is released");
    assert_eq!(row(&plan, "b")["tier"], 2);
    assert_eq!(row(&plan, "c")["status"], "nothing_to_release");
}

#[test]
fn bad_groups_are_configuration_errors_naming_the_line() {
    let cases = [
        (
            "[[group]]\nname = \"g\"\npackages = [\"a\", \"nope\"]\nmode = \"fixed\"\n",
            "group `g` names `nope`, which is not a configured package",
        ),
        (
            "[[group]]\nname = \"g\"\npackages = [\"a\"]\nmode = \"fixed\"\n\n[[group]]\nname = \"h\"\npackages = [\"b\", \"a\"]\nmode = \"linked\"\n",
            "package `a` is in group `h` and in group `g`",
        ),
        (
            "[[group]]\nname = \"g\"\npackages = [\"a\"]\nmode = \"tied\"\n",
            "unknown variant `tied`",
        ),
        ("[release]\ndependents = \"major\"\n", "unknown variant `major`"),
    ];
    for (extra, expected) in cases {
        let r = monorepo();
        r.write("release.toml", &format!("{MONOREPO_CONFIG}\n{extra}"));
        let out = r.run(["plan"]);
        let stderr = fails(&out, 2);
        assert!(stderr.contains(expected), "{extra}\n{stderr}");
        assert!(stderr.contains("release.toml:"), "names the file and line: {stderr}");
    }
}

// ---- issue 11: odd repositories ----------------------------------------------------------------

#[test]
fn a_sha256_repository_is_refused_by_name() {
    let r = TestRepo::without_git();
    r.git(["init", "--quiet", "--object-format=sha256"]);
    r.write("a.txt", "a");
    r.commit("feat: a");
    let out = r.run(["plan"]);
    out.expect_code(2);
    assert!(out.stderr.contains("the SHA-256 object format is not supported"), "{}", out.stderr);
}

#[test]
fn release_tags_of_a_blob_or_a_tree_are_ignored_and_listed_under_verbose() {
    let r = tagged("1.0.0");
    r.change("a.txt", "fix: a");
    let blob = r.git(["rev-parse", "HEAD:a.txt"]);
    let tree = r.git(["rev-parse", "HEAD^{tree}"]);
    r.git(["tag", "v3.0.0", &blob]);
    r.git(["tag", "-a", "-m", "a tree", "v2.0.0", &tree]);
    let out = r.run(["-v", "plan", "--format", "json"]);
    out.expect_code(0);
    let row = &out.json()["packages"][0];
    assert_eq!(row["current_version"], "1.0.0", "{row:#}");
    assert_eq!(row["next_version"], "1.0.1", "{row:#}");
    for tag in ["v3.0.0", "v2.0.0"] {
        assert!(
            out.stderr.contains(&format!("ignored tag `{tag}`: it points at a tree or a blob")),
            "{tag}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_promoted_prerelease_says_promote_in_the_table() {
    // Issue 15: the reason used to read "forced".
    // The release candidate was cut with `--pre rc --bump minor`: no commit asks for more.
    let r = tagged("1.2.0");
    r.change("a.txt", "chore: prepare");
    r.tag("v1.3.0-rc.2");
    r.change("b.txt", "chore: tidy");
    let out = r.run(["plan"]);
    out.expect_code(0);
    assert!(out.stdout.contains("promote 1.3.0-rc.2 to 1.3.0"), "{}", out.stdout);
    assert!(!out.stdout.contains("forced"), "{}", out.stdout);
}
