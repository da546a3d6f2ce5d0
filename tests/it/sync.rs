//! `git release sync` (issue 18): dry-runs that change nothing and are logged, approvals that
//! push exactly what the dry-run reported, refusals, and a config sync that opens a pull
//! request in a second repository. Every remote is a bare repository over `file://`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::gh::{Gh, borrow};
use crate::support::{TestRepo, file_url};

/// A repository with `main` at one commit and the annotated tag `v1.0.0`, an empty bare
/// `mirror.git`, and a `release.toml` mirroring `v*` tags and `main` to it.
fn mirrored() -> (TestRepo, PathBuf) {
    let r = TestRepo::new();
    r.write("README.md", "hello\n");
    r.commit("feat: first");
    r.tag_annotated("v1.0.0");
    let mirror = r.bare("mirror.git");
    r.write(
        "release.toml",
        &format!(
            "[[sync]]\nid = \"mirror\"\ntype = \"downstream\"\ntarget = \"{}\"\nrefs = [\"refs/tags/v*\", \"refs/heads/main\"]\n",
            file_url(&mirror)
        ),
    );
    (r, mirror)
}

/// The refs of the bare repository `dir`, one `id name` line each (empty when none).
fn refs(r: &TestRepo, dir: &Path) -> String {
    r.refs_in(dir)
}

/// The records of sync `id` in the sync log.
fn records(r: &TestRepo, id: &str) -> Vec<Value> {
    let dir = r.path().join(".git/release/sync").join(id);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.map(|e| e.expect("a folder entry").path()).collect(),
        Err(_) => return Vec::new(),
    };
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("a record reads");
            serde_json::from_str::<Value>(&text).expect("a record is JSON")["sync_log"].clone()
        })
        .collect()
}

/// Whether the diff report has a row `action name …`.
fn has_row(text: &str, action: &str, name: &str) -> bool {
    text.lines().any(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        words.len() >= 2 && words[0] == action && words[1] == name
    })
}

/// Runs the dry-run of `id` as JSON and returns its execution id.
fn dry_run(r: &TestRepo, id: &str) -> String {
    let out = r.run(["sync", id, "--dry-run", "--format", "json"]);
    out.expect_code(0);
    out.json()["syncs"][0]["sync_log"]["execution_id"].as_str().expect("an id").to_owned()
}

#[test]
fn a_mirror_sync_without_a_dry_run_is_refused() {
    let (r, mirror) = mirrored();
    let out = r.run(["sync", "mirror"]);
    out.expect_code(2);
    assert!(out.stderr.contains("executes only an approved dry-run (DR-01)"), "{}", out.stderr);
    assert!(out.stderr.contains("git release sync mirror --dry-run"), "{}", out.stderr);
    assert_eq!(refs(&r, &mirror), "");
    // An approval naming a dry-run that was never recorded is refused too.
    let out = r.run(["sync", "mirror", "--approve", "sync-20260101-000000-abcdef"]);
    out.expect_code(2);
    assert!(out.stderr.contains("has no dry-run `sync-20260101-000000-abcdef`"), "{}", out.stderr);
    assert_eq!(refs(&r, &mirror), "");
    assert!(records(&r, "mirror").is_empty());
}

#[test]
fn a_dry_run_changes_nothing_and_logs_its_counts() {
    let (r, mirror) = mirrored();
    let before = refs(&r, &r.path());
    let out = r.run(["sync", "mirror", "--dry-run"]);
    out.expect_code(0);
    for name in ["refs/heads/main", "refs/tags/v1.0.0"] {
        assert!(has_row(&out.stdout, "add", name), "{}", out.stdout);
    }
    assert!(
        out.stdout.contains("2 refs to add, 0 to update, 0 to delete (2 changes)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("nothing was changed"), "{}", out.stdout);
    assert_eq!(refs(&r, &mirror), "", "DR-04: the target is untouched");
    // Only the private namespace of the sync changes here.
    let after: Vec<String> = refs(&r, &r.path())
        .lines()
        .filter(|l| !l.contains(" refs/git-release/sync/mirror/"))
        .map(str::to_owned)
        .collect();
    assert_eq!(after.join("\n"), before);
    let logged = records(&r, "mirror");
    assert_eq!(logged.len(), 1);
    let record = &logged[0];
    assert_eq!(record["dry_run"]["result"]["refs_to_add"], 2);
    assert_eq!(record["dry_run"]["result"]["total_changes"], 2);
    assert_eq!(record["dry_run"]["pre_validation"]["target_reachable"], true);
    assert!(record["dry_run"]["target_fingerprint"].as_str().expect("text").starts_with("sha256:"));
    assert_eq!(record["approval"], Value::Null);
    assert_eq!(record["executed_by"], "Test Committer <committer@example.com>");
    // `--log` lists it as a dry-run.
    let out = r.run(["sync", "--log"]);
    out.expect_code(0);
    let id = record["execution_id"].as_str().expect("an id");
    let line = out.stdout.lines().find(|l| l.contains(id)).expect("the record is listed");
    assert!(line.contains("mirror") && line.trim_end().ends_with("dry-run"), "{line}");
}

#[test]
fn an_approval_pushes_exactly_the_reported_refs() {
    let (r, mirror) = mirrored();
    let id = dry_run(&r, "mirror");
    let main = r.head();
    let tag = r.git(["rev-parse", "refs/tags/v1.0.0"]);
    // What happens after the dry-run is not part of it: a new commit and tag stay home.
    r.write("README.md", "changed\n");
    r.commit("fix: later");
    r.tag_annotated("v1.1.0");
    let out = r.run(["sync", "mirror", "--approve", &id]);
    out.expect_code(0);
    assert!(
        out.stdout.contains("post-sync validation: the target is as intended"),
        "{}",
        out.stdout
    );
    assert_eq!(refs(&r, &mirror), format!("{main} refs/heads/main\n{tag} refs/tags/v1.0.0"));
    let record = &records(&r, "mirror")[0];
    assert_eq!(record["approval"]["dry_run_ref"], id.as_str());
    assert_eq!(record["approval"]["approved_by"], "Test Committer <committer@example.com>");
    assert_eq!(record["execution"]["status"], "success");
    assert_eq!(record["execution"]["changes_applied"]["added"], 2);
    assert_eq!(record["post_validation"]["integrity_verified"], true);
    // A dry-run executes once.
    let again = r.run(["sync", "mirror", "--approve", &id]);
    again.expect_code(1);
    assert!(again.stderr.contains("was already executed"), "{}", again.stderr);
    // The next dry-run sees the rest: main moves forward, v1.1.0 is new.
    let out = r.run(["sync", "mirror", "--dry-run"]);
    out.expect_code(0);
    assert!(out.stdout.contains("1 refs to add, 1 to update"), "{}", out.stdout);
    let out = r.run(["sync", "--log", "mirror"]);
    assert!(out.stdout.contains("success"), "{}", out.stdout);
}

#[test]
fn a_target_changed_after_the_dry_run_is_refused_with_both_states() {
    let (r, mirror) = mirrored();
    let id = dry_run(&r, "mirror");
    // Someone else pushes a tag to the mirror in between.
    let other = r.clone_to(&file_url(&r.path()), "other");
    r.git_in(&other, ["push", "--quiet", &file_url(&mirror), "HEAD:refs/tags/v0.9.0"]);
    let before = refs(&r, &mirror);
    let out = r.run(["sync", "mirror", "--approve", &id]);
    out.expect_code(1);
    assert!(out.stderr.contains("changed since dry-run"), "{}", out.stderr);
    assert!(out.stderr.contains("dry-run saw: sha256:"), "{}", out.stderr);
    assert!(out.stderr.contains("refs/tags/v0.9.0: (absent) → "), "{}", out.stderr);
    assert_eq!(refs(&r, &mirror), before, "nothing was pushed");
    let record = &records(&r, "mirror")[0];
    assert_eq!(record["approval"], Value::Null);
    assert_eq!(record["execution"], Value::Null);
}

#[test]
fn an_approval_after_the_target_was_reconfigured_is_refused() {
    let (r, mirror) = mirrored();
    let id = dry_run(&r, "mirror");
    let elsewhere = r.bare("elsewhere.git");
    let toml = std::fs::read_to_string(r.path().join("release.toml")).expect("read");
    r.write("release.toml", &toml.replace(&file_url(&mirror), &file_url(&elsewhere)));
    let out = r.run(["sync", "mirror", "--approve", &id]);
    out.expect_code(1);
    assert!(out.stderr.contains("was reconfigured since dry-run"), "{}", out.stderr);
    assert_eq!(refs(&r, &elsewhere), "");
    assert_eq!(refs(&r, &mirror), "");
}

#[test]
fn a_diverged_branch_is_a_conflict_unless_theirs_and_then_forced_with_a_lease() {
    let (r, mirror) = mirrored();
    let other = r.clone_to(&file_url(&r.path()), "other");
    r.write_in_commit(&other, "elsewhere.txt");
    r.git_in(&other, ["push", "--quiet", &file_url(&mirror), "HEAD:refs/heads/main"]);
    let theirs = r.git_in(&other, ["rev-parse", "HEAD"]);
    let out = r.run(["sync", "mirror", "--dry-run"]);
    out.expect_code(1);
    assert!(has_row(&out.stdout, "conflict", "refs/heads/main"), "{}", out.stdout);
    assert!(out.stderr.contains("has conflicts"), "{}", out.stderr);
    let id = records(&r, "mirror")[0]["execution_id"].as_str().expect("id").to_owned();
    let out = r.run(["sync", "mirror", "--approve", &id]);
    out.expect_code(1);
    assert!(out.stderr.contains("conflict(s): `refs/heads/main`"), "{}", out.stderr);
    assert!(refs(&r, &mirror).contains(&format!("{theirs} refs/heads/main")));

    let toml = std::fs::read_to_string(r.path().join("release.toml")).expect("read");
    r.write("release.toml", &format!("{toml}conflict = \"theirs\"\n"));
    let id = dry_run(&r, "mirror");
    let out = r.run(["sync", "mirror", "--approve", &id]);
    out.expect_code(0);
    let main = r.git(["rev-parse", "refs/heads/main"]);
    assert!(
        refs(&r, &mirror).contains(&format!("{main} refs/heads/main")),
        "{}",
        refs(&r, &mirror)
    );
    let logged = records(&r, "mirror");
    let record = logged.iter().find(|l| l["execution_id"] == id.as_str()).expect("logged");
    assert_eq!(record["dry_run"]["changes"][0]["name"], "refs/heads/main");
    assert_eq!(record["dry_run"]["changes"][0]["forced"], true);
}

#[test]
fn a_config_sync_opens_a_pull_request_with_exactly_the_included_files() {
    let r = TestRepo::new();
    r.write(".github/workflows/ci.yml", "on: push\n");
    r.write("policy/waivers.json", "{}\n");
    r.write("policy/notes.txt", "not synced\n");
    r.write("src/lib.rs", "// not synced\n");
    r.commit("feat: first");
    // The second repository, with its own history on `main`.
    let other = r.bare("other.git");
    let clone = r.clone_to(&file_url(&other), "other-clone");
    std::fs::write(clone.join("README.md"), "other\n").expect("write");
    r.commit_in(&clone, "chore: start");
    r.git_in(&clone, ["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
    let base = r.git_in(&clone, ["rev-parse", "HEAD"]);
    r.write(
        "release.toml",
        &format!(
            "[[sync]]\nid = \"policy\"\ntype = \"config\"\ntarget = {{ location = \"{}\", branch = \"main\" }}\ninclude = [\".github/workflows/*.yml\", \"policy/**\"]\nexclude = [\"policy/*.txt\"]\n",
            file_url(&other)
        ),
    );
    let out = r.run(["sync", "policy", "--dry-run", "--format", "json"]);
    out.expect_code(0);
    let record = &out.json()["syncs"][0]["sync_log"];
    assert_eq!(record["dry_run"]["result"]["files_to_add"], 2, "{record:#}");
    assert_eq!(record["dry_run"]["result"]["total_changes"], 2);
    let id = record["execution_id"].as_str().expect("id").to_owned();
    assert_eq!(refs(&r, &other), format!("{base} refs/heads/main"), "DR-04");

    let gh = Gh::install(&r);
    let env = gh.env();
    let out = r.run_in(&r.path(), ["sync", "policy", "--approve", &id], &borrow(&env), None);
    out.expect_code(0);
    let branch = format!("sync/policy/{id}");
    let files = r.git_in(&other, ["diff", "--name-status", "main", &branch]);
    assert_eq!(files, "A\t.github/workflows/ci.yml\nA\tpolicy/waivers.json");
    assert_eq!(r.git_in(&other, ["rev-parse", "main"]), base, "main is untouched");
    let prs = gh.state()["prs"].clone();
    assert_eq!(prs.as_array().expect("a list").len(), 1, "{prs:#}");
    assert_eq!(prs[0]["headRefName"], branch.as_str());
    assert_eq!(prs[0]["baseRefName"], "main");
    assert_eq!(prs[0]["remote"], file_url(&other).as_str());
    let record = &records(&r, "policy")[0];
    assert_eq!(record["execution"]["pull_request"], prs[0]["url"]);
    assert_eq!(record["post_validation"]["integrity_verified"], true);
}

#[test]
fn an_upstream_sync_without_required_approval_runs_its_dry_run_then_executes_it() {
    let r = TestRepo::new();
    r.write("README.md", "hello\n");
    r.commit("feat: first");
    let upstream = r.bare("upstream.git");
    let clone = r.clone_to(&file_url(&r.path()), "upstream-clone");
    r.write_in_commit(&clone, "upstream.txt");
    r.tag_in(&clone, "v2.0.0", "HEAD", "v2.0.0");
    r.git_in(&clone, ["push", "--quiet", &file_url(&upstream), "refs/tags/v2.0.0"]);
    let tag = r.git_in(&clone, ["rev-parse", "refs/tags/v2.0.0"]);
    r.write(
        "release.toml",
        &format!(
            "[[sync]]\nid = \"up\"\ntype = \"upstream\"\nsource = \"{}\"\nrefs = [\"refs/tags/v*\"]\napproval_required = false\n",
            file_url(&upstream)
        ),
    );
    let out = r.run(["sync", "up"]);
    out.expect_code(0);
    assert!(has_row(&out.stdout, "add", "refs/tags/v2.0.0"), "{}", out.stdout);
    assert_eq!(r.git(["rev-parse", "refs/tags/v2.0.0"]), tag);
    let record = &records(&r, "up")[0];
    assert!(
        record["approval"]["note"].as_str().expect("a note").contains("approval_required = false"),
        "{record:#}"
    );
    assert_eq!(record["execution"]["pushed"][0], format!("{tag}:refs/tags/v2.0.0").as_str());
}

impl TestRepo {
    /// Commits a new file `name` in the clone `dir`.
    fn write_in_commit(&self, dir: &Path, name: &str) {
        std::fs::write(dir.join(name), "x\n").expect("write");
        self.commit_in(dir, &format!("feat: {name}"));
    }
}
