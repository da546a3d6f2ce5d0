//! `git release init`: the starter `git-release.toml` it writes, and when it refuses.

use crate::support::TestRepo;

/// A Cargo workspace with `crates/a` (1.0.0) and `crates/b` (0.3.0, depends on `a`),
/// committed, with `a` tagged `a-v1.0.0`.
fn workspace() -> TestRepo {
    let r = TestRepo::new();
    r.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/a\", \"crates/b\"]\nresolver = \"2\"\n",
    );
    r.write("crates/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"1.0.0\"\n");
    r.write(
        "crates/b/Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"0.3.0\"\n\n[dependencies]\na = { path = \"../a\" }\n",
    );
    r.write("crates/a/src/lib.rs", "//! a\n");
    r.write("crates/b/src/lib.rs", "//! b\n");
    r.commit("chore: start");
    r.tag("a-v1.0.0");
    r
}

/// Reads and parses the `git-release.toml` at the root of `r`.
fn written(r: &TestRepo) -> toml::Table {
    let text = std::fs::read_to_string(r.path().join("git-release.toml"))
        .expect("git-release.toml exists");
    toml::from_str(&text).expect("git-release.toml is valid TOML")
}

/// `(name, path, tag_format)` of each `[[package]]` of a parsed `git-release.toml`.
fn packages(config: &toml::Table) -> Vec<(String, String, String)> {
    let Some(list) = config.get("package").and_then(toml::Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|p| {
            let field =
                |key: &str| p.get(key).and_then(toml::Value::as_str).unwrap_or_default().to_owned();
            (field("name"), field("path"), field("tag_format"))
        })
        .collect()
}

fn triple(name: &str, path: &str, format: &str) -> (String, String, String) {
    (name.to_owned(), path.to_owned(), format.to_owned())
}

#[test]
fn writes_the_workspace_packages_with_the_tag_scheme_in_use() {
    let r = workspace();
    r.tag("b-v0.3.0");
    let out = r.run(["init"]);
    out.expect_code(0);
    assert!(out.stdout.is_empty(), "init writes a file, not data: {}", out.stdout);
    assert!(out.stderr.contains("git-release.toml"), "it says what it wrote: {}", out.stderr);
    let config = written(&r);
    assert_eq!(
        packages(&config),
        [
            triple("a", "crates/a", "{name}-v{version}"),
            triple("b", "crates/b", "{name}-v{version}"),
        ]
    );

    // The file loads, and the plan reads the existing tags through it.
    r.change("crates/b/src/lib.rs", "fix(b): a bug");
    let plan = r.plan_json(&[]);
    let rows = plan["packages"].as_array().expect("packages");
    assert_eq!(rows.len(), 2, "{plan:#}");
    assert_eq!(rows[0]["name"], "a");
    assert_eq!(rows[0]["current_tag"], "a-v1.0.0");
    assert_eq!(rows[0]["status"], "nothing_to_release");
    assert_eq!(rows[1]["name"], "b");
    assert_eq!(rows[1]["current_tag"], "b-v0.3.0");
    assert_eq!(rows[1]["next_tag"], "b-v0.3.1");
    assert_eq!(rows[1]["depends_on"], serde_json::json!(["a"]));
}

#[test]
fn an_untagged_package_takes_the_scheme_the_repository_uses() {
    let r = workspace();
    r.run(["init"]).expect_code(0);
    assert_eq!(
        packages(&written(&r)),
        [
            triple("a", "crates/a", "{name}-v{version}"),
            triple("b", "crates/b", "{name}-v{version}"),
        ]
    );
}

#[test]
fn the_written_file_loads_and_plans() {
    let r = workspace();
    r.run(["init"]).expect_code(0);
    let plan = r.plan_json(&[]);
    let names: Vec<&str> = plan["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["a", "b"]);
    let a = &plan["packages"][0];
    assert_eq!(a["current_tag"], "a-v1.0.0");
    assert_eq!(a["status"], "nothing_to_release");
}

#[test]
fn a_second_run_refuses_without_force() {
    let r = workspace();
    r.run(["init"]).expect_code(0);
    r.write("git-release.toml", "# mine\n[release]\nremote = \"upstream\"\n");

    let out = r.run(["init"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("git-release.toml") && out.stderr.contains("already exists"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--force"), "the hint names the way out: {}", out.stderr);
    let kept = std::fs::read_to_string(r.path().join("git-release.toml")).expect("still there");
    assert!(kept.starts_with("# mine"), "the file is untouched: {kept}");

    r.run(["init", "--force"]).expect_code(0);
    assert_eq!(packages(&written(&r)).len(), 2, "--force overwrites");
}

#[test]
fn dry_run_prints_the_file_and_writes_nothing() {
    let r = workspace();
    let out = r.run(["init", "--dry-run"]);
    out.expect_code(0);
    assert!(!r.path().join("git-release.toml").exists(), "--dry-run wrote a file");
    let printed: toml::Table = toml::from_str(&out.stdout).expect("prints valid TOML");
    assert_eq!(r.git(["status", "--porcelain"]), "", "the work tree is unchanged");

    r.run(["init"]).expect_code(0);
    assert_eq!(printed, written(&r), "the dry run printed what a real run writes");

    // With a file in place, --dry-run still prints and leaves the file alone.
    r.write("git-release.toml", "# mine\n");
    let out = r.run(["init", "--dry-run"]);
    out.expect_code(0);
    assert!(out.stdout.contains("[[package]]"), "{}", out.stdout);
    let kept = std::fs::read_to_string(r.path().join("git-release.toml")).expect("still there");
    assert_eq!(kept, "# mine\n");
}

#[test]
fn a_single_package_gets_a_release_tag_format_and_no_packages() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"solo\"\nversion = \"0.2.0\"\n");
    r.commit("chore: start");
    r.tag("v0.1.0");
    r.commit("feat: more");
    r.tag("v0.2.0");
    r.run(["init"]).expect_code(0);
    let config = written(&r);
    assert!(packages(&config).is_empty(), "{config:#?}");
    assert_eq!(
        config.get("release").and_then(|t| t.get("tag_format")).and_then(toml::Value::as_str),
        Some("v{version}")
    );
    r.change("src/lib.rs", "fix: a bug");
    let row = r.plan_single(&[]);
    assert_eq!(row["current_tag"], "v0.2.0");
    assert_eq!(row["next_version"], "0.2.1");
}

#[test]
fn init_outside_a_repository_is_a_usage_error() {
    let r = TestRepo::without_git();
    let out = r.run(["init"]);
    out.expect_code(2);
    assert!(out.stderr.contains("not inside a git repository"), "{}", out.stderr);
    assert!(!r.path().join("git-release.toml").exists());
}
