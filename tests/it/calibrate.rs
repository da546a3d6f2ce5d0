//! `git release calibrate`: the settings learned from real histories (the fixtures) and from
//! synthetic ones, the report, `--write`, and change files as a bump source (issue 16).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::TestRepo;

/// Replays `../shared/fixtures/<name>.jsonl` into a folder of `repo`'s scratch space.
fn replay(repo: &TestRepo, name: &str) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    let out = repo.scratch().join(name);
    let mut cmd = Command::new(crate::support::python());
    repo.hermetic(&mut cmd);
    let status = cmd
        .arg(fixtures.join("replay.py"))
        .arg(fixtures.join(format!("{name}.jsonl")))
        .arg(&out)
        .output()
        .expect("python3 runs");
    assert!(status.status.success(), "replay failed: {}", String::from_utf8_lossy(&status.stderr));
    out
}

/// The release-plz crate lines, as `[[package]]` entries.
const RELEASE_PLZ: &str = r#"
[[package]]
name = "release-plz"
path = "crates/release_plz"
tag_format = "release-plz-v{version}"

[[package]]
name = "release_plz_core"
path = "crates/release_plz_core"
tag_format = "release_plz_core-v{version}"

[[package]]
name = "cargo_utils"
path = "crates/cargo_utils"
tag_format = "cargo_utils-v{version}"

[[package]]
name = "git_cmd"
path = "crates/git_cmd"
tag_format = "git_cmd-v{version}"

[[package]]
name = "next_version"
path = "crates/next_version"
tag_format = "next_version-v{version}"
"#;

/// Runs `calibrate --format json` in `dir` with the configuration `config` (written to a file
/// beside it) and returns the JSON report.
fn calibrate_json(repo: &TestRepo, dir: &Path, config: &str, extra: &[&str]) -> (Value, PathBuf) {
    let file = dir.with_extension("toml");
    std::fs::write(&file, config).expect("write the configuration");
    let mut args = vec!["-C", dir.to_str().expect("utf-8 path"), "--config"];
    args.push(file.to_str().expect("utf-8 path"));
    args.extend(["calibrate", "--format", "json"]);
    args.extend_from_slice(extra);
    let out = repo.run(&args);
    out.expect_code(0);
    (out.json(), file)
}

fn percent(report: &Value, section: &str, which: &str) -> f64 {
    report[section][format!("{which}_percent")].as_f64().expect("a percentage")
}

#[test]
fn release_plz_crates_learn_the_cargo_zero_x_policy() {
    let repo = TestRepo::new();
    let dir = replay(&repo, "release-plz");
    let config = format!("# our release settings\n[release]\nbranch = \"main\"\n{RELEASE_PLZ}");
    let (report, file) = calibrate_json(&repo, &dir, &config, &[]);
    assert_eq!(report["current"]["feat_before_1_0"], "minor", "{report:#}");
    assert_eq!(report["learned"]["feat_before_1_0"], "patch", "{report:#}");
    assert!(report["pairs"].as_u64().expect("a count") > 400, "every crate line is replayed");
    // The learned rules predict the newer releases from the older ones far better.
    assert!(percent(&report, "cross_validated", "learned") > 90.0, "{report:#}");
    assert!(percent(&report, "cross_validated", "current") < 50.0, "{report:#}");
    let disagreements = report["disagreements"].as_array().expect("a list");
    assert!(
        disagreements.iter().any(|d| d["reason"]
            .as_str()
            .is_some_and(|r| r.contains("probably an API break found by a semver checker"))),
        "{disagreements:#?}"
    );

    // `--write` puts the learned keys into that file, keeping its comment, with a dated line.
    let out = repo.run([
        "-C",
        dir.to_str().expect("utf-8"),
        "--config",
        file.to_str().expect("utf-8"),
        "calibrate",
        "--write",
    ]);
    out.expect_code(0);
    assert!(out.stdout.contains("bump.feat_before_1_0"), "{}", out.stdout);
    let written = std::fs::read_to_string(&file).expect("the file is there");
    assert!(written.starts_with("# our release settings\n[release]\nbranch = \"main\"\n"));
    assert!(written.contains("feat_before_1_0 = \"patch\""), "{written}");
    let comment = written
        .lines()
        .find(|l| l.starts_with("# git release calibrate, "))
        .unwrap_or_else(|| panic!("no calibrate comment in:\n{written}"));
    assert!(comment.contains("cross-validated agreement 9"), "{comment}");
    assert!(written.contains("[[package]]\nname = \"release-plz\""), "{written}");

    // Calibrating again from the written settings changes nothing and writes nothing.
    let (again, _) = calibrate_json(&repo, &dir, &written, &[]);
    assert_eq!(again["changes"], Value::Array(Vec::new()), "{again:#}");
    assert_eq!(again["current"], report["learned"]);
}

#[test]
fn cocogitto_and_semantic_release_keep_the_defaults() {
    let repo = TestRepo::new();
    for (name, config) in
        [("cocogitto", "[release]\ntag_format = \"{version}\"\n"), ("semantic-release", "")]
    {
        let dir = replay(&repo, name);
        let (report, _) = calibrate_json(&repo, &dir, config, &[]);
        assert!(report["pairs"].as_u64().expect("a count") >= 30, "{name}: {report:#}");
        assert_eq!(report["changes"], Value::Array(Vec::new()), "{name}: {report:#}");
        assert_eq!(report["learned"], report["current"], "{name}");
        assert!(percent(&report, "in_sample", "current") > 95.0, "{name}: {report:#}");
    }
}

/// A single package with releases `v1.0.0`…: each release made of `messages`, shipped at the
/// bump `shipped`.
fn release(repo: &TestRepo, version: &mut (u64, u64, u64), messages: &[&str], shipped: &str) {
    for (i, message) in messages.iter().enumerate() {
        repo.change(&format!("src/f{i}.txt"), message);
    }
    *version = match shipped {
        "major" => (version.0 + 1, 0, 0),
        "minor" => (version.0, version.1 + 1, 0),
        _ => (version.0, version.1, version.2 + 1),
    };
    repo.tag(&format!("v{}.{}.{}", version.0, version.1, version.2));
}

#[test]
fn feat_ci_shipped_as_patch_learns_a_scope_rule_that_plan_honours() {
    let repo = TestRepo::new();
    repo.write("release.toml", "# settings\n[bump]\n# keep fixes as patches\nfix = \"patch\"\n");
    repo.commit("chore: init");
    repo.tag("v1.0.0");
    let mut v = (1, 0, 0);
    for round in 0..5 {
        release(&repo, &mut v, &["feat(ci): cache the toolchain", "fix: typo"], "patch");
        release(&repo, &mut v, &[&format!("feat(api): endpoint {round}")], "minor");
        release(&repo, &mut v, &["fix(core): crash"], "patch");
    }
    let out = repo.run(["calibrate", "--format", "json"]);
    out.expect_code(0);
    let report = out.json();
    assert_eq!(report["pairs"], 15);
    assert_eq!(
        report["learned"]["rules"],
        serde_json::json!([{"type": "feat", "scope": "ci", "bump": "patch"}]),
        "{report:#}"
    );
    assert_eq!(report["learned"]["feat_before_1_0"], "minor");
    assert_eq!(report["in_sample"]["current"], 10);
    assert_eq!(report["in_sample"]["learned"], 15);

    let table = repo.run(["calibrate"]);
    table.expect_code(0);
    assert!(
        table.stdout.contains("bump.rule feat(ci)  - → patch  +5 of 5 ranges"),
        "{}",
        table.stdout
    );

    repo.run(["calibrate", "--write"]).expect_code(0);
    let written = std::fs::read_to_string(repo.path().join("release.toml")).expect("written");
    assert!(written.starts_with("# settings\n"), "{written}");
    assert!(written.contains("# keep fixes as patches\nfix = \"patch\"\n"), "{written}");
    assert!(
        written.contains("[[bump.rule]]\ntype = \"feat\"\nscope = \"ci\"\nbump = \"patch\"\n"),
        "{written}"
    );

    // `plan` reads the rule: a `feat(ci)` is a patch, a `feat(api)` still a minor.
    repo.change("src/x.txt", "feat(ci): lint in parallel");
    assert_eq!(repo.plan_single(&[])["next_version"], format!("{}.{}.{}", v.0, v.1, v.2 + 1));
    repo.change("src/y.txt", "feat(api): new call");
    assert_eq!(repo.plan_single(&[])["next_version"], format!("{}.{}.0", v.0, v.1 + 1));
}

#[test]
fn a_changesets_history_gets_its_bumps_from_the_change_files() {
    let repo = TestRepo::new();
    repo.write("package.json", "{\"name\": \"widget\", \"version\": \"1.0.0\"}\n");
    repo.write(".changeset/README.md", "Change files live here.\n");
    repo.commit("Initial commit");
    repo.tag("v1.0.0");
    let mut v = (1, 0, 0);
    for (i, level) in ["minor", "patch", "major", "patch", "minor", "minor"].iter().enumerate() {
        // Commits that are not Conventional Commits; the change file says the bump.
        repo.write("src/index.js", &format!("// change {i}\n"));
        repo.write(
            &format!(".changeset/change-{i}.md"),
            &format!("---\n\"widget\": {level}\n---\n\nA change.\n"),
        );
        repo.commit(&format!("Update the widget ({i})"));
        // `changeset version` consumes the file when it releases.
        std::fs::remove_file(repo.path().join(format!(".changeset/change-{i}.md"))).expect("rm");
        repo.commit("Version Packages");
        v = match *level {
            "major" => (v.0 + 1, 0, 0),
            "minor" => (v.0, v.1 + 1, 0),
            _ => (v.0, v.1, v.2 + 1),
        };
        repo.tag(&format!("v{}.{}.{}", v.0, v.1, v.2));
    }
    let out = repo.run(["calibrate", "--format", "json"]);
    out.expect_code(0);
    let report = out.json();
    assert_eq!(report["changesets"], true, "{report:#}");
    assert_eq!(report["pairs"], 6, "{report:#}");
    assert_eq!(report["in_sample"]["current"], 6, "{report:#}");

    // Without change files as a source, the same history predicts nothing.
    repo.write("release.toml", "[bump]\nchangesets = false\n");
    repo.commit("Version Packages");
    let off = repo.run(["calibrate", "--format", "json"]);
    off.expect_code(0);
    assert_eq!(off.json()["in_sample"]["current"], 0, "{}", off.stdout);
    std::fs::remove_file(repo.path().join("release.toml")).expect("rm");
    repo.commit("Version Packages");

    // A pending change file sets `plan`'s bump, and `--explain` names it.
    repo.write(".changeset/shy-cats.md", "---\n\"widget\": minor\n---\n\nAdd a mode.\n");
    repo.commit("Add a mode");
    let row = repo.plan_single(&[]);
    assert_eq!(row["next_version"], format!("{}.{}.0", v.0, v.1 + 1), "{row:#}");
    let explain = repo.run(["plan", "--explain"]);
    explain.expect_code(0);
    let row = explain.stdout.lines().find(|l| l.trim_start().starts_with(".changeset/shy-cats.md"));
    let cells: Vec<&str> = row.map(|l| l.split_whitespace().collect()).unwrap_or_default();
    assert_eq!(
        cells.get(..5),
        Some(&[".changeset/shy-cats.md", "changeset", "-", "-", "minor"][..]),
        "{}",
        explain.stdout
    );
    // The changelog of that release is made of its commits; the change file does not break it.
    let changelog = repo.run(["changelog"]);
    changelog.expect_code(0);
    assert!(changelog.stdout.contains(&format!("{}.{}.0", v.0, v.1 + 1)), "{}", changelog.stdout);
}

#[test]
fn bad_rules_and_unknown_packages_are_clear_errors() {
    let repo = TestRepo::new();
    repo.commit("feat: a");
    repo.tag("v1.0.0");
    repo.write("release.toml", "[[bump.rule]]\ntype = \"feat\"\nscope = \"ci\"\nbump = \"huge\"\n");
    let out = repo.run(["calibrate"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("release.toml:1") && out.stderr.contains("bump.rule"),
        "{}",
        out.stderr
    );
    repo.write("release.toml", "[bump]\nlenient_footers = \"yes\"\n");
    let out = repo.run(["plan"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("`bump.lenient_footers` must be `true` or `false`"),
        "{}",
        out.stderr
    );
    std::fs::remove_file(repo.path().join("release.toml")).expect("rm");
    let out = repo.run(["calibrate", "nope"]);
    out.expect_code(2);
    assert!(out.stderr.contains("unknown package `nope`"), "{}", out.stderr);
    let out = repo.run(["calibrate", "--since", "v9"]);
    out.expect_code(2);
    assert!(out.stderr.contains("no tag `v9`"), "{}", out.stderr);
}

#[test]
fn merged_branches_and_colonless_breaking_footers_are_learned() {
    let repo = TestRepo::new();
    repo.commit("chore: init");
    repo.tag("v1.0.0");
    let mut v = (1, 0, 0);
    for round in 0..4 {
        // A feature branch merged with a fix on main: the maintainers shipped a patch, so
        // only first parents count.
        repo.branch(&format!("topic{round}"));
        repo.checkout(&format!("topic{round}"));
        repo.change(&format!("src/t{round}.txt"), "feat: experimental thing");
        repo.checkout("main");
        repo.change(&format!("src/m{round}.txt"), "fix: main fix");
        repo.merge(&format!("topic{round}"));
        v.2 += 1;
        repo.tag(&format!("v{}.{}.{}", v.0, v.1, v.2));
        // A breaking change announced without the footer's colon, shipped as a major.
        repo.change(
            &format!("src/b{round}.txt"),
            "fix: drop the old flag\n\nBREAKING CHANGE the flag is gone",
        );
        v = (v.0 + 1, 0, 0);
        repo.tag(&format!("v{}.{}.{}", v.0, v.1, v.2));
    }
    let out = repo.run(["calibrate", "--format", "json"]);
    out.expect_code(0);
    let report = out.json();
    assert_eq!(report["pairs"], 8, "{report:#}");
    assert_eq!(report["in_sample"]["current"], 0, "{report:#}");
    assert_eq!(report["learned"]["first_parent"], true, "{report:#}");
    assert_eq!(report["learned"]["lenient_footers"], true, "{report:#}");
    assert_eq!(report["in_sample"]["learned"], 8, "{report:#}");

    // cargo-release's own `release.toml` is not ours: it is neither read nor written.
    let theirs = "sign-tag = true\npre-release-commit-message = \"chore: release\"\n";
    std::fs::write(repo.path().join("release.toml"), theirs).expect("write");
    repo.run(["calibrate", "--write"]).expect_code(0);
    let kept = std::fs::read_to_string(repo.path().join("release.toml")).expect("kept");
    assert_eq!(kept, theirs, "cargo-release's file is left alone");
    let written = std::fs::read_to_string(repo.path().join("git-release.toml")).expect("written");
    assert!(written.contains("[release]\nfirst_parent = true\n"), "{written}");
    assert!(written.contains("lenient_footers = true\n"), "{written}");
    // `plan` follows both: a colonless footer is now a major.
    repo.change("src/z.txt", "fix: rename\n\nBREAKING CHANGE renamed");
    assert_eq!(repo.plan_single(&[])["next_version"], format!("{}.0.0", v.0 + 1));
}
