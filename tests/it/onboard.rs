//! Onboarding real repositories (issue 15 items 1–4): `init` on the two bundles and the three
//! fixtures of `../shared`, dependency kinds, zero-config tag detection, and our own
//! configuration file beside cargo-release's `release.toml`.

use std::path::{Path, PathBuf};
use std::process::Command;

use semver::Version;

use crate::support::TestRepo;

/// `../shared/<dir>/<file>`, which must exist.
fn shared(dir: &str, file: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(dir).join(file);
    assert!(
        path.is_file(),
        "`{}` is missing: `shared/` must sit beside the checkout",
        path.display()
    );
    path
}

/// A clone of `../shared/repos/<name>.bundle` with every tag.
fn from_bundle(name: &str) -> TestRepo {
    let r = TestRepo::without_git();
    let bundle = shared("repos", &format!("{name}.bundle"));
    let bundle = bundle.to_str().expect("UTF-8 path");
    r.git(["clone", "--quiet", bundle, "."]);
    r
}

/// `../shared/fixtures/<name>.jsonl` replayed into a repository.
fn from_fixture(name: &str) -> TestRepo {
    let r = TestRepo::without_git();
    let mut replay = Command::new(crate::support::python());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            replay.env_remove(key);
        }
    }
    replay
        .env("HOME", r.scratch().join("home"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .arg(shared("fixtures", "replay.py"))
        .arg(shared("fixtures", &format!("{name}.jsonl")))
        .arg(r.path());
    let out = replay.output().expect("python3 runs");
    assert!(out.status.success(), "replay failed: {}", String::from_utf8_lossy(&out.stderr));
    r
}

/// The `[[package]]` entries of the written file as `(name, path, formats)`, or the single
/// package's `release.tag_format` as one entry named `""` at `.`.
fn written_packages(r: &TestRepo) -> Vec<(String, String, Vec<String>)> {
    let text = std::fs::read_to_string(r.path().join("git-release.toml")).expect("init wrote it");
    let doc: toml::Table = toml::from_str(&text).expect("valid TOML");
    let formats = |v: Option<&toml::Value>| -> Vec<String> {
        match v {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(a)) => {
                a.iter().filter_map(|x| x.as_str()).map(str::to_owned).collect()
            }
            _ => Vec::new(),
        }
    };
    match doc.get("package").and_then(toml::Value::as_array) {
        Some(list) => list
            .iter()
            .map(|p| {
                let s = |k: &str| p[k].as_str().expect("a string").to_owned();
                (s("name"), s("path"), formats(p.get("tag_format")))
            })
            .collect(),
        None => vec![(String::new(), ".".to_owned(), formats(doc["release"].get("tag_format")))],
    }
}

/// The highest version among the tags HEAD reaches that `format` (with `{name}` expanded to
/// `name`) reads: an oracle from `git tag --merged HEAD`, written apart from the tool.
fn newest_reachable(r: &TestRepo, name: &str, formats: &[String]) -> Option<Version> {
    let tags = r.git(["tag", "--merged", "HEAD"]);
    let mut best: Option<Version> = None;
    for format in formats {
        let format = format.replace("{name}", name);
        let (prefix, suffix) = format.split_once("{version}").expect("a {version}");
        for tag in tags.lines() {
            let Some(middle) = tag.strip_prefix(prefix).and_then(|t| t.strip_suffix(suffix)) else {
                continue;
            };
            if let Ok(v) = Version::parse(middle)
                && best.as_ref().is_none_or(|b| v > *b)
            {
                best = Some(v);
            }
        }
    }
    best
}

/// Runs `init`, checks it wrote a file that loads, and that `plan` shows for every package
/// with reachable release tags the version of its newest one as current. Returns init's
/// summary (stderr) and the plan rows.
fn init_and_plan(r: &TestRepo) -> (String, Vec<serde_json::Value>) {
    let out = r.run(["init"]);
    out.expect_code(0);
    let plan = r.plan_json(&[]);
    let rows = plan["packages"].as_array().expect("packages").clone();
    let packages = written_packages(r);
    let mut with_tags = 0;
    for (name, path, formats) in &packages {
        let row = rows
            .iter()
            .find(|row| row["path"] == path.as_str())
            .unwrap_or_else(|| panic!("package at `{path}` is planned: {plan:#}"));
        let name = if name.is_empty() { row["name"].as_str().expect("name") } else { name };
        let expected = newest_reachable(r, name, formats).map(|v| v.to_string());
        with_tags += usize::from(expected.is_some());
        assert_eq!(
            row["current_version"].as_str(),
            expected.as_deref(),
            "package `{name}` ({formats:?}): {row:#}"
        );
    }
    assert!(with_tags > 0, "some package has tags: {packages:?}");
    (out.stderr, rows)
}

fn formats_of(r: &TestRepo, name: &str) -> Vec<String> {
    written_packages(r)
        .into_iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("`{name}` is configured"))
        .2
}

fn names(rows: &[serde_json::Value]) -> Vec<String> {
    rows.iter().map(|r| r["name"].as_str().expect("name").to_owned()).collect()
}

// ---- item 1: init on real repositories ------------------------------------------------------

#[test]
fn init_on_the_cargo_workspace_bundle_follows_members_and_ignores_dev_cycles() {
    let r = from_bundle("axum");
    let (summary, rows) = init_and_plan(&r);
    let mut got = names(&rows);
    got.sort();
    assert_eq!(got, ["axum", "axum-core", "axum-extra", "axum-macros"], "{summary}");
    assert!(summary.contains("followed Cargo.toml [workspace]"), "{summary}");
    assert!(summary.contains("examples/"), "the examples are reported as skipped: {summary}");
    assert!(summary.contains("axum-debug-v{version}: 7 tag(s)"), "{summary}");
    // The older `vX.Y.Z` line of the `axum` crate is kept as an extra format.
    assert_eq!(formats_of(&r, "axum"), ["{name}-v{version}", "v{version}"]);
    // axum-macros dev-depends on axum: no cycle, and it does not wait for axum.
    let macros = rows.iter().find(|r| r["name"] == "axum-macros").expect("planned");
    assert!(!macros["depends_on"].as_array().expect("list").contains(&"axum".into()), "{macros:#}");
}

#[test]
fn init_on_the_pnpm_bundle_matches_scoped_tags_and_skips_private_packages() {
    let r = from_bundle("changesets");
    let (summary, rows) = init_and_plan(&r);
    assert!(summary.contains("followed pnpm-workspace.yaml"), "{summary}");
    for private in ["package.json", "site/package.json", "packages/color/package.json"] {
        assert!(summary.contains(&format!("{private}: `\"private\": true`")), "{summary}");
    }
    let got = names(&rows);
    assert_eq!(got.len(), 20, "{got:?}");
    assert!(got.iter().all(|n| n.starts_with("@changesets/")), "{got:?}");
    assert_eq!(formats_of(&r, "@changesets/cli"), ["{name}@{version}"]);
    let cli = rows.iter().find(|r| r["name"] == "@changesets/cli").expect("planned");
    assert_eq!(cli["current_tag"].as_str().map(|t| t.starts_with("@changesets/cli@")), Some(true));
}

#[test]
fn init_on_the_release_plz_fixture_matches_tags_whose_name_differs_by_underscores() {
    let r = from_fixture("release-plz");
    let (summary, rows) = init_and_plan(&r);
    assert_eq!(formats_of(&r, "release_plz"), ["release-plz-v{version}"], "{summary}");
    let crate_row = rows.iter().find(|r| r["name"] == "release_plz").expect("planned");
    assert_ne!(crate_row["bump"], "initial", "not a first release: {crate_row:#}");
    assert!(summary.contains("tests/fixtures/"), "test fixtures are skipped: {summary}");
    assert!(!names(&rows).iter().any(|n| n.contains("set-version")), "{rows:#?}");
}

#[test]
fn init_on_the_cocogitto_fixture_keeps_the_bare_line_as_an_older_format() {
    let r = from_fixture("cocogitto");
    let (summary, rows) = init_and_plan(&r);
    assert_eq!(formats_of(&r, "cocogitto"), ["{name}-{version}", "{version}"], "{summary}");
    assert_eq!(rows.len(), 2, "the packages under tests/ are left out: {rows:#?}");
    assert!(summary.contains("every release tag matches a package"), "{summary}");
}

#[test]
fn init_on_the_semantic_release_fixture_writes_a_single_package() {
    let r = from_fixture("semantic-release");
    let (summary, rows) = init_and_plan(&r);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(written_packages(&r)[0].2, ["v{version}", "{version}"], "{summary}");
}

#[test]
fn a_fixed_version_monorepo_becomes_one_fixed_group() {
    let r = TestRepo::new();
    r.write("package.json", r#"{"name":"root","private":true,"workspaces":["packages/*"]}"#);
    for name in ["a", "b", "c"] {
        r.write(
            &format!("packages/{name}/package.json"),
            &format!(r#"{{"name":"@acme/{name}","version":"1.2.0"}}"#),
        );
    }
    r.commit("chore: start");
    r.tag("v1.0.0");
    r.change("packages/a/index.js", "feat: more");
    r.tag("v1.2.0");
    let out = r.run(["init"]);
    out.expect_code(0);
    assert!(out.stderr.contains("fixed-version monorepo"), "{}", out.stderr);
    let text = std::fs::read_to_string(r.path().join("git-release.toml")).expect("written");
    let doc: toml::Table = toml::from_str(&text).expect("TOML");
    let group = &doc["group"].as_array().expect("a group")[0];
    assert_eq!(group["mode"].as_str(), Some("fixed"), "{text}");
    assert_eq!(group["packages"].as_array().map(Vec::len), Some(3), "{text}");
    r.change("packages/b/index.js", "fix: a bug");
    let plan = r.plan_json(&[]);
    for row in plan["packages"].as_array().expect("rows") {
        assert_eq!(row["current_version"], "1.2.0", "{row:#}");
        assert_eq!(row["next_version"], "1.2.1", "one version for all: {row:#}");
    }
}

#[test]
fn init_scans_without_declarations_and_honours_cargo_and_uv_excludes() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/old\"]\n");
    r.write("crates/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n");
    r.write("crates/old/Cargo.toml", "[package]\nname = \"old\"\nversion = \"0.1.0\"\n");
    r.write(
        "crates/demo/Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\npublish = false\n",
    );
    r.write("tools/x/Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n");
    r.write(
        "py/pyproject.toml",
        "[project]\nname = \"py\"\nversion = \"0.1.0\"\n[tool.uv.workspace]\nmembers = [\"libs/*\"]\n",
    );
    r.commit("chore: start");
    let out = r.run(["init", "--dry-run"]);
    out.expect_code(0);
    let names: Vec<(String, String, Vec<String>)> = {
        let doc: toml::Table = toml::from_str(&out.stdout).expect("TOML");
        doc["package"]
            .as_array()
            .expect("packages")
            .iter()
            .map(|p| (p["name"].as_str().unwrap_or_default().to_owned(), String::new(), Vec::new()))
            .collect()
    };
    let names: Vec<&str> = names.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["a"], "{}", out.stdout);
    assert!(out.stderr.contains("crates/demo/Cargo.toml: `publish = false`"), "{}", out.stderr);
    assert!(out.stderr.contains("crates/old/Cargo.toml: not a member"), "{}", out.stderr);
    assert!(out.stderr.contains("tools/x/Cargo.toml: not a member"), "{}", out.stderr);
    assert!(!r.path().join("git-release.toml").exists(), "--dry-run writes nothing");

    // No declaration at all: a scan, which leaves test data out and says so.
    let s = TestRepo::new();
    s.write("lib/Cargo.toml", "[package]\nname = \"lib\"\nversion = \"1.0.0\"\n");
    s.write("tests/fixtures/ws/Cargo.toml", "[package]\nname = \"lib\"\nversion = \"0.0.1\"\n");
    s.write("examples/app/package.json", r#"{"name":"app","version":"1.0.0"}"#);
    s.commit("chore: start");
    let out = s.run(["init"]);
    out.expect_code(0);
    assert!(out.stderr.contains("scanned the work tree"), "{}", out.stderr);
    assert!(out.stderr.contains("tests/fixtures/ws/Cargo.toml: under `tests/`"), "{}", out.stderr);
    assert!(out.stderr.contains("examples/app/package.json: under `examples/`"), "{}", out.stderr);
    assert_eq!(written_packages(&s).len(), 1);
}

// ---- item 2: dependency kinds -------------------------------------------------------------

#[test]
fn development_dependencies_make_no_cycle_and_explain_shows_the_edges() {
    let r = TestRepo::new();
    r.write(
        "git-release.toml",
        "[[package]]\nname = \"core\"\npath = \"core\"\n[[package]]\nname = \"macros\"\npath = \"macros\"\n\
         [[package]]\nname = \"web\"\npath = \"web\"\n[[package]]\nname = \"kit\"\npath = \"kit\"\n",
    );
    r.write(
        "core/Cargo.toml",
        "[package]\nname = \"core\"\nversion = \"1.0.0\"\n[dependencies]\nmacros = { path = \"../macros\" }\n",
    );
    r.write(
        "macros/Cargo.toml",
        "[package]\nname = \"macros\"\nversion = \"1.0.0\"\n[dev-dependencies]\ncore = { path = \"../core\" }\n",
    );
    r.write("web/package.json", r#"{"name":"web","version":"1.0.0","dependencies":{"kit":"1"}}"#);
    r.write(
        "kit/package.json",
        r#"{"name":"kit","version":"1.0.0","devDependencies":{"web":"1"}}"#,
    );
    r.commit("feat: start");
    let plan = r.plan_json(&[]);
    let tier = |name: &str| {
        plan["packages"].as_array().expect("rows").iter().find(|p| p["name"] == name).expect("row")
            ["tier"]
            .as_u64()
    };
    assert_eq!((tier("macros"), tier("core")), (Some(1), Some(2)), "{plan:#}");
    assert_eq!((tier("kit"), tier("web")), (Some(1), Some(2)), "{plan:#}");
    let out = r.run(["plan", "--explain"]);
    out.expect_code(0);
    let edges = out.stdout.split("dependencies that order the tiers").nth(1).expect("edges");
    assert!(edges.contains("core -> macros") && edges.contains("web -> kit"), "{}", out.stdout);
    let dev = edges.split("development dependencies").nth(1).expect("dev edges");
    assert!(dev.contains("macros -> core") && dev.contains("kit -> web"), "{}", out.stdout);
}

#[test]
fn python_dev_groups_do_not_order_releases() {
    let r = TestRepo::new();
    r.write(
        "git-release.toml",
        "[[package]]\nname = \"app\"\npath = \"app\"\n[[package]]\nname = \"testing\"\npath = \"testing\"\n",
    );
    r.write(
        "app/pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"1.0.0\"\ndependencies = [\"testing\"]\n",
    );
    r.write(
        "testing/pyproject.toml",
        "[project]\nname = \"testing\"\nversion = \"1.0.0\"\n[dependency-groups]\ndev = [\"app\"]\n\
         [project.optional-dependencies]\ntest = [\"app\"]\n",
    );
    r.commit("feat: start");
    let plan = r.plan_json(&[]);
    let rows = plan["packages"].as_array().expect("rows");
    assert!(rows.iter().any(|p| p["name"] == "app" && p["tier"] == 2), "{plan:#}");
}

// ---- item 3: zero-config ------------------------------------------------------------------

#[test]
fn zero_config_finds_bare_and_v_tags_and_names_the_package_from_its_manifest() {
    for (tag_old, tag_new) in
        [("1.0.0", "1.1.0"), ("v1.0.0", "v1.1.0"), ("tool-v1.0.0", "tool-v1.1.0")]
    {
        let r = TestRepo::new();
        r.write("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.1.0\"\n");
        r.commit("feat: start");
        r.tag(tag_old);
        r.change("src/lib.rs", "feat: more");
        r.tag(tag_new);
        r.change("src/lib.rs", "fix: a bug");
        let out = r.run(["plan", "--format", "json"]);
        out.expect_code(0);
        let row = &out.json()["packages"][0];
        assert_eq!(row["name"], "tool", "the manifest's name, not the directory's: {row:#}");
        assert_eq!(row["current_tag"], tag_new, "{row:#}");
        assert_eq!(row["next_version"], "1.1.1", "{row:#}");
        assert!(!out.stderr.contains("look like releases"), "{}", out.stderr);
    }
    // An npm package tagged `<name>@X.Y.Z`, with a version field that is not ours to read.
    let r = TestRepo::new();
    r.write("package.json", r#"{"name":"@acme/cli","version":"0.0.0-development"}"#);
    r.commit("feat: start");
    r.tag("@acme/cli@2.0.0");
    r.change("index.js", "fix: a bug");
    let row = r.plan_single(&[]);
    assert_eq!(
        (row["name"].as_str(), row["next_version"].as_str()),
        (Some("@acme/cli"), Some("2.0.1"))
    );
}

#[test]
fn zero_config_says_once_when_release_tags_match_no_format() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n");
    r.commit("feat: start");
    for tag in ["release-1.0.0", "release-1.1.0", "other-v2.0.0"] {
        r.tag(tag);
    }
    let out = r.run(["plan"]);
    out.expect_code(0);
    assert_eq!(out.stderr.matches("look like releases").count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("3 tag(s)") && out.stderr.contains("git release init"),
        "{}",
        out.stderr
    );
    // With a configuration file, the file decides and nothing is said.
    r.write("git-release.toml", "[release]\ntag_format = \"release-{version}\"\n");
    let out = r.run(["plan", "--format", "json"]);
    out.expect_code(0);
    assert!(!out.stderr.contains("look like releases"), "{}", out.stderr);
    assert_eq!(out.json()["packages"][0]["current_tag"], "release-1.1.0");
}

// ---- item 4: our own configuration file ---------------------------------------------------

/// A cargo-release `release.toml`, as crates that use it commit it.
const CARGO_RELEASE: &str = "pre-release-commit-message = \"chore: release {{version}}\"\n\
    sign-tag = true\npublish = false\npush = false\nshared-version = true\n\
    tag-name = \"v{{version}}\"\nconsolidate-commits = true\n\
    pre-release-replacements = [{file = \"README.md\", search = \"x\", replace = \"y\"}]\n";

#[test]
fn a_cargo_release_release_toml_is_ignored_with_a_note_under_verbose() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.0.0\"\n");
    r.write("release.toml", CARGO_RELEASE);
    r.commit("feat: start");
    r.tag("v1.0.0");
    r.change("src/lib.rs", "fix: a bug");
    let out = r.run(["plan"]);
    out.expect_code(0);
    assert!(out.stdout.contains("1.0.1"), "{}", out.stdout);
    assert!(!out.stderr.contains("release.toml"), "quiet without -v: {}", out.stderr);
    let out = r.run(["-v", "plan"]);
    out.expect_code(0);
    let notes: Vec<&str> = out.stderr.lines().filter(|l| l.contains("cargo-release")).collect();
    assert_eq!(notes.len(), 1, "{}", out.stderr);
    assert!(notes[0].contains("`release.toml`") && notes[0].contains("ignored"), "{}", notes[0]);
    // `check` and `init` work beside it too; init writes its own file and leaves it alone.
    r.run(["init"]).expect_code(0);
    assert_eq!(
        std::fs::read_to_string(r.path().join("release.toml")).expect("kept"),
        CARGO_RELEASE
    );
    r.run(["plan"]).expect_code(0);
}

#[test]
fn our_file_names_their_order_and_the_explicit_ones() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.0.0\"\n");
    r.commit("feat: start");
    for tag in ["ours-1.0.0", "dot-1.1.0", "root-1.2.0", "env-1.3.0"] {
        r.tag(tag);
    }
    r.change("src/lib.rs", "fix: a bug");
    let current = |r: &TestRepo, env: &[(&str, &str)]| {
        let out = r.run_env(["plan", "--format", "json"], env);
        out.expect_code(0);
        out.json()["packages"][0]["current_tag"].as_str().expect("a tag").to_owned()
    };
    // A `release.toml` that is ours is still read.
    r.write("release.toml", "[release]\ntag_format = \"ours-{version}\"\n");
    assert_eq!(current(&r, &[]), "ours-1.0.0");
    // `.config/git-release.toml` comes before it; `git-release.toml` before both.
    r.write(".config/git-release.toml", "[release]\ntag_format = \"dot-{version}\"\n");
    assert_eq!(current(&r, &[]), "dot-1.1.0");
    r.write("git-release.toml", "[release]\ntag_format = \"root-{version}\"\n");
    assert_eq!(current(&r, &[]), "root-1.2.0");
    // GIT_RELEASE_CONFIG and --config name a file anywhere, and win.
    let elsewhere = r.scratch().join("mine.toml");
    std::fs::write(&elsewhere, "[release]\ntag_format = \"env-{version}\"\n").expect("write");
    let path = elsewhere.to_str().expect("UTF-8");
    assert_eq!(current(&r, &[("GIT_RELEASE_CONFIG", path)]), "env-1.3.0");
    let out = r.run(["--config", path, "plan", "--format", "json"]);
    out.expect_code(0);
    assert_eq!(out.json()["packages"][0]["current_tag"], "env-1.3.0");
}

#[test]
fn a_release_toml_with_our_tables_and_a_typo_is_ours_and_an_error() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.0.0\"\n");
    r.write("release.toml", "[release]\ntag_fromat = \"v{version}\"\n");
    r.commit("feat: start");
    let out = r.run(["plan"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("release.toml:2") && out.stderr.contains("tag_fromat"),
        "{}",
        out.stderr
    );
}

#[test]
fn init_does_not_shadow_a_release_toml_of_ours_without_force() {
    let r = TestRepo::new();
    r.write("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"1.0.0\"\n");
    r.write("release.toml", "[release]\nremote = \"upstream\"\n");
    r.commit("feat: start");
    let out = r.run(["init"]);
    out.expect_code(2);
    assert!(out.stderr.contains("release.toml` already exists"), "{}", out.stderr);
    assert!(!r.path().join("git-release.toml").exists());
    let out = r.run(["init", "--force"]);
    out.expect_code(0);
    assert!(out.stderr.contains("now takes precedence over"), "{}", out.stderr);
}
