//! A newcomer's first minutes (issue 15): the defaults pass on a fresh repository, with no
//! configuration, a non-noreply email and no changelog yet; and the small things users
//! asked for: `plan --format version`, a `-q` that prints nothing but errors.

use serde_json::Value;

use crate::gh::{Gh, borrow};
use crate::support::TestRepo;

/// What `cargo new --lib demo` makes, committed as a first feature and pushed to a bare
/// `origin` that `main` tracks. No tag, no changelog, no configuration.
fn fresh() -> TestRepo {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    r.write(
        "src/lib.rs",
        "pub fn add(a: u64, b: u64) -> u64 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    \
         use super::*;\n\n    #[test]\n    fn it_works() {\n        assert_eq!(add(2, 2), 4);\n    \
         }\n}\n",
    );
    r.write(".gitignore", "/target\n");
    r.commit("feat: first version");
    r.with_origin();
    r.git(["branch", "--quiet", "--set-upstream-to", "origin/main"]);
    r
}

/// The checks with status `FAIL` in a `check --format json` document, as `check (package): reason`.
fn failures(json: &Value) -> Vec<String> {
    json["results"]
        .as_array()
        .expect("`results` is an array")
        .iter()
        .filter(|r| r["status"] == "FAIL")
        .map(|r| format!("{} ({}): {}", r["check"], r["package"], r["reason"]))
        .collect()
}

#[test]
fn a_fresh_pushed_repository_gets_no_fail_from_check() {
    let r = fresh();
    let gh = Gh::install(&r);
    let env = gh.env();
    // The hermetic committer is `committer@example.com`: not a noreply address.
    let out = r.run_env(["check", "--format", "json"], &borrow(&env));
    let json = out.json();
    assert_eq!(failures(&json), Vec::<String>::new(), "{json:#}");
    out.expect_code(0);

    let out = r.run_env(["run", "--dry-run"], &borrow(&env));
    out.expect_code(0);
    assert!(!out.stdout.contains("FAIL") && !out.stderr.contains("FAIL"), "{out:?}");
}

/// Two crates, `a` and `b`, each released as `<name>/v1.0.0`, configured as packages.
fn two_crates() -> TestRepo {
    let r = TestRepo::new();
    for name in ["a", "b"] {
        r.write(
            &format!("crates/{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"1.0.0\"\n"),
        );
        r.write(&format!("crates/{name}/src/lib.rs"), "//! A crate.\n");
        r.write(&format!("crates/{name}/tests/smoke.rs"), "#[test]\nfn smoke() {}\n");
    }
    r.write(
        "release.toml",
        "[[package]]\nname = \"a\"\npath = \"crates/a\"\n\n\
         [[package]]\nname = \"b\"\npath = \"crates/b\"\n",
    );
    r.commit("chore: two crates");
    r.tag("a/v1.0.0");
    r.tag("b/v1.0.0");
    r
}

#[test]
fn plan_format_version_prints_just_the_next_version() {
    // One package: the bare version, like `git cliff --bumped-version`.
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.2.0\"\n");
    r.commit("feat: first");
    r.tag("v1.2.0");
    let out = r.run(["plan", "--format", "version"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "", "nothing to release prints nothing: {}", out.stderr);
    r.run(["plan", "--format", "version", "--exit-code"]).expect_code(1);
    r.change("src/lib.rs", "feat: more");
    let out = r.run(["plan", "--format", "version"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "1.3.0\n");
    let out = r.run(["plan", "--format", "version", "--bump", "major", "--pre", "rc"]);
    assert_eq!(out.stdout, "2.0.0-rc.1\n");

    // A monorepo: `name version` for each package released, in plan order.
    let r = two_crates();
    r.change("crates/b/src/lib.rs", "fix(b): repair");
    let out = r.run(["plan", "--format", "version"]);
    out.expect_code(0);
    assert_eq!(out.stdout, "b 1.0.1\n");
    r.change("crates/a/src/lib.rs", "feat(a): add");
    assert_eq!(r.run(["plan", "--format", "version"]).stdout, "a 1.1.0\nb 1.0.1\n");
    assert_eq!(r.run(["plan", "a", "--format", "version"]).stdout, "a 1.1.0\n");
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let r = two_crates();
    r.change("crates/a/src/lib.rs", "feat(a): add");
    r.with_origin();
    r.git(["push", "--quiet", "origin", "--tags"]);
    r.git(["branch", "--quiet", "--set-upstream-to", "origin/main"]);
    let gh = Gh::install(&r);
    let env = gh.env();
    let commands: [&[&str]; 10] = [
        &["plan"],
        &["plan", "--format", "json", "--explain"],
        &["changelog", "a"],
        &["notes", "a"],
        &["check"],
        &["status"],
        &["tag", "--dry-run"],
        &["run", "--dry-run"],
        &["hook", "install", "--dry-run"],
        &["completions", "bash"],
    ];
    for args in commands {
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        let out = r.run_env(&all, &borrow(&env));
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "`git release {}` printed more than errors",
            all.join(" ")
        );
    }
    // An error is still printed, with its hint.
    let out = r.run(["-q", "plan", "nosuch"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.starts_with("error: "), "{out:?}");
}

/// The contributors of `changelog --format json`, as `name <email>`.
fn contributors(r: &TestRepo) -> Vec<String> {
    let out = r.run(["changelog", "--format", "json"]);
    out.expect_code(0);
    out.json()["releases"][0]["contributors"]
        .as_array()
        .expect("a list of contributors")
        .iter()
        .map(|p| {
            format!("{} <{}>", p["name"].as_str().unwrap_or(""), p["email"].as_str().unwrap_or(""))
        })
        .collect()
}

#[test]
fn contributors_are_merged_through_the_mailmap() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.commit("feat: first");
    r.tag("v1.0.0");
    for (i, author) in
        ["Ada L <ada@old.example>", "ada <ADA@work.example>", "Ada Lovelace <ada@home.example>"]
            .iter()
            .enumerate()
    {
        r.write("src/lib.rs", &format!("// {i}\n"));
        r.git(["add", "-A"]);
        r.git(["commit", "--quiet", "-m", &format!("fix: change {i}"), "--author", author]);
    }
    assert_eq!(contributors(&r).len(), 3, "three addresses, three people without a mailmap");

    // git's mailmap forms: by email, by name and email, and a name only.
    r.write(
        ".mailmap",
        "Ada Lovelace <ada@home.example> <ada@old.example>\n\
         Ada Lovelace <ada@home.example> ada <ada@work.example>\n",
    );
    r.commit("chore: mailmap");
    assert_eq!(
        contributors(&r),
        ["Ada Lovelace <ada@home.example>", "Test Author <author@example.com>"],
        "one person, as `git shortlog -se` counts: {}",
        r.git(["shortlog", "-se", "HEAD"])
    );
}

#[test]
fn notes_label_pull_requests_as_pull_requests() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n");
    r.commit("feat: first");
    r.tag("v1.0.0");
    r.git(["remote", "add", "origin", "https://github.com/acme/widget.git"]);
    r.change("src/a.rs", "fix: crash on empty input (#42)");
    r.change("src/b.rs", "fix: wrong total for #7");
    let out = r.run(["notes"]);
    out.expect_code(0);
    let fixes = out.stdout.split("## Bug Fixes").nth(1).expect("a Bug Fixes section");
    assert!(
        fixes.contains("- **Pull request [#42](https://github.com/acme/widget/pull/42)**: crash"),
        "{}",
        out.stdout
    );
    assert!(
        fixes.contains("- **Issue [#7](https://github.com/acme/widget/issues/7)**:"),
        "{fixes}"
    );
    assert!(!fixes.contains("Issue [#42]"), "a pull request is not an issue: {fixes}");
}

/// A git hook that refuses without a word: the error says which git command failed and
/// ends there, not in a stray `: `.
#[test]
fn an_error_never_ends_in_a_stray_colon() {
    let r = fresh();
    r.write("release.toml", "[release]\nmode = \"direct\"\nprotected_branches = []\n");
    r.commit("chore: release directly");
    r.git(["push", "--quiet", "origin", "main"]);
    let hook = r.path().join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\nexit 1\n").expect("write the hook");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .expect("make the hook executable");
    }
    let gh = Gh::install(&r);
    let env = gh.env();
    let out = r.run_env(["run", "--yes"], &borrow(&env));
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("`git commit"), "the failed command is named: {}", out.stderr);
    for line in out.stderr.lines().chain(out.stdout.lines()) {
        assert!(!line.trim_end().ends_with(':'), "a line ends in a stray `:`: {line:?}\n{out:?}");
    }
}
