//! Release trains (issue 17 items 1–6): `rc start` → `rc tag` → `rc status` → `rc promote`
//! across a two-repository workspace (lib ← app) and in one repository, against bare
//! `file://` remotes and the stand-in gh; gates that block, the order of promotion, a kill
//! during promotion resumed, `rc abort`, and the manifest checked against its JSON Schema.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::gh::Gh;
use crate::many::{python_repo, release};
use crate::support::{Output, TestRepo};

/// lib (tier 1) and app (depends on lib, tier 2), each at 1.0.0 with a `fix:` since, and the
/// workspace file listing them: the train is v1.0.1.
struct Ws {
    r: TestRepo,
    gh: Gh,
    file: PathBuf,
    lib: PathBuf,
    app: PathBuf,
    lib_bare: PathBuf,
    app_bare: PathBuf,
}

impl Ws {
    fn new() -> Self {
        let r = TestRepo::new();
        let gh = Gh::install(&r);
        let (lib, lib_bare) = python_repo(&r, "lib", &[], true);
        let (app, app_bare) = python_repo(&r, "app", &["lib>=1.0"], true);
        let file = r.scratch().join("ws").join("release-workspace.toml");
        std::fs::write(&file, "[[repo]]\nname = \"app\"\npath = \"app\"\n\n[[repo]]\nname = \"lib\"\npath = \"lib\"\n")
            .expect("write the workspace file");
        Ws { r, gh, file, lib, app, lib_bare, app_bare }
    }

    /// `git release rc ACTION ARGS --workspace FILE` in lib's work tree.
    fn rc(&self, action: &str, args: &[&str]) -> Output {
        let file = self.file.to_str().expect("UTF-8 path");
        let mut all = vec!["rc", action, "--workspace", file];
        all.extend_from_slice(args);
        release(&self.r, &self.gh, &self.lib, &all)
    }

    fn manifest(&self) -> Value {
        let path = self.r.scratch().join("xdg/git-release/runs/trains/v1.0.1.json");
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the manifest exists"))
            .expect("the manifest is JSON")
    }

    fn remote_ref(&self, bare: &Path, name: &str) -> Option<String> {
        let (ok, out) = self.r.try_git([
            "--git-dir",
            bare.to_str().expect("UTF-8"),
            "rev-parse",
            "--verify",
            "-q",
            name,
        ]);
        ok.then(|| out.trim().to_owned())
    }

    fn is_ancestor(&self, bare: &Path, a: &str, b: &str) -> bool {
        self.r
            .try_git([
                "--git-dir",
                bare.to_str().expect("UTF-8"),
                "merge-base",
                "--is-ancestor",
                a,
                b,
            ])
            .0
    }
}

/// Checks `doc` against the JSON Schema `schema` (the subset the manifest's schema uses:
/// type, enum, required, properties, additionalProperties, items, minItems, minimum, anyOf,
/// `$ref` into `$defs`); returns what is wrong, with its JSON path.
fn violations(root: &Value, schema: &Value, doc: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.strip_prefix("#/$defs/").expect("a local $ref");
        return violations(root, &root["$defs"][name], doc, at, out);
    }
    if let Some(any) = schema["anyOf"].as_array() {
        let ok = any.iter().any(|s| {
            let mut v = Vec::new();
            violations(root, s, doc, at, &mut v);
            v.is_empty()
        });
        if !ok {
            out.push(format!("{at}: matches no `anyOf` branch"));
        }
        return;
    }
    let kind = match doc {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.contains(&kind) {
        out.push(format!("{at}: is {kind}, not {types:?}"));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(doc)
    {
        out.push(format!("{at}: {doc} is not one of {allowed:?}"));
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_u64(), doc.as_u64())
        && n < min
    {
        out.push(format!("{at}: {n} < {min}"));
    }
    if let Value::Object(map) = doc {
        for key in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(key) {
                out.push(format!("{at}: `{key}` is missing"));
            }
        }
        for (key, value) in map {
            match schema["properties"].get(key) {
                Some(s) => violations(root, s, value, &format!("{at}.{key}"), out),
                None if schema["additionalProperties"] == json!(false) => {
                    out.push(format!("{at}: `{key}` is not in the schema"));
                }
                None => {}
            }
        }
    }
    if let Value::Array(items) = doc {
        if let Some(min) = schema["minItems"].as_u64()
            && (items.len() as u64) < min
        {
            out.push(format!("{at}: fewer than {min} items"));
        }
        if schema.get("items").is_some() {
            for (i, item) in items.iter().enumerate() {
                violations(root, &schema["items"], item, &format!("{at}[{i}]"), out);
            }
        }
    }
}

/// Asserts that `manifest` matches `schemas/release-manifest.schema.json`: with Python's
/// `jsonschema` when it is installed (every keyword, patterns too), and always with the
/// structural check above.
fn assert_matches_schema(manifest: &Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/release-manifest.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read the schema"))
            .expect("the schema is JSON");
    let mut found = Vec::new();
    violations(&schema, &schema, manifest, "$", &mut found);
    assert!(found.is_empty(), "the manifest does not match its schema: {found:#?}\n{manifest:#}");
    let dir = tempfile::tempdir().expect("a temp dir");
    let doc = dir.path().join("manifest.json");
    std::fs::write(&doc, manifest.to_string()).expect("write the manifest");
    let script = "import json, sys\ntry:\n    import jsonschema\nexcept ImportError:\n    sys.exit(3)\njsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))\n";
    if let Ok(out) =
        std::process::Command::new("python3").args(["-c", script]).arg(&path).arg(&doc).output()
        && out.status.code() != Some(3)
    {
        assert!(out.status.success(), "jsonschema: {}", String::from_utf8_lossy(&out.stderr));
    }
}

fn states(m: &Value) -> Vec<String> {
    m["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| t["to"].as_str().expect("to").to_owned())
        .collect()
}

#[test]
fn a_workspace_train_goes_from_start_to_ship_and_app_waits_for_lib() {
    let ws = Ws::new();
    let out = ws.rc("start", &["--yes", "--format", "json"]);
    out.expect_code(0);
    let started = out.json();
    assert_eq!(started["manifest"]["train_id"], "v1.0.1", "{started:#}");
    let m = ws.manifest();
    assert_eq!(m["state"], "development");
    let names: Vec<&str> = m["repos"]
        .as_array()
        .expect("repos")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["lib", "app"], "tier order: lib first");
    assert_eq!(m["dependencies"], json!([{"from": "app", "to": "lib"}]));
    assert_eq!(m["milestone"], "v1.0.1");
    assert_matches_schema(&m);
    for (dir, bare) in [(&ws.lib, &ws.lib_bare), (&ws.app, &ws.app_bare)] {
        let main = ws.remote_ref(bare, "refs/heads/main").expect("main");
        assert_eq!(
            ws.remote_ref(bare, "refs/heads/rc/1.0.1"),
            Some(main.clone()),
            "the RC branch is cut from main and pushed"
        );
        assert_eq!(ws.r.git_in(dir, ["rev-parse", "rc/1.0.1"]), main);
    }
    // The milestone is created once in each repository's forge.
    assert_eq!(ws.gh.calls_matching(&["api", "--method", "POST"]).len(), 2);

    // A fix lands on app's RC branch before the candidate is tagged.
    ws.r.git_in(&ws.app, ["checkout", "--quiet", "rc/1.0.1"]);
    std::fs::write(ws.app.join("tests/test_it.py"), "def test_it():\n    assert 1\n")
        .expect("write");
    let fix = ws.r.commit_in(&ws.app, "fix: app on the RC branch");
    ws.r.git_in(&ws.app, ["push", "--quiet", "origin", "rc/1.0.1"]);
    ws.r.git_in(&ws.app, ["checkout", "--quiet", "main"]);

    ws.rc("tag", &[]).expect_code(0);
    assert_eq!(
        ws.remote_ref(&ws.app_bare, "refs/tags/app-v1.0.1-rc.1^{commit}"),
        Some(fix.clone()),
        "the RC tag is on the RC head"
    );
    assert!(ws.remote_ref(&ws.lib_bare, "refs/tags/lib-v1.0.1-rc.1").is_some());
    assert_eq!(ws.manifest()["state"], "staging");

    let out = ws.rc("status", &["--format", "json"]);
    out.expect_code(0);
    let status = out.json();
    let gates: Vec<(String, String, String)> = status["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .map(|g| {
            (
                g["repo"].as_str().unwrap_or("").to_owned(),
                g["gate"].as_str().unwrap_or("").to_owned(),
                g["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(gates.contains(&("app".into(), "rc_ci".into(), "PASS".into())), "{gates:?}");
    assert!(
        gates.contains(&("app".into(), "dependencies".into(), "FAIL".into())),
        "app waits for lib: {gates:?}"
    );
    assert_eq!(status["live"][1]["ahead"], 1, "app's RC branch is one commit ahead of main");
    let text = ws.rc("status", &[]);
    text.expect_code(0);
    assert!(
        text.stdout.contains("rc/1.0.1") && text.stdout.contains("rc_issues"),
        "{}",
        text.stdout
    );

    let out = ws.rc("promote", &["--yes"]);
    out.expect_code(0);
    let m = ws.manifest();
    assert_eq!(m["state"], "ship", "{m:#}");
    assert_eq!(states(&m), ["planning", "development", "staging", "validation", "ship"]);
    assert_matches_schema(&m);
    for (dir, bare, name, head) in [
        (&ws.lib, &ws.lib_bare, "lib", m["repos"][0]["rc_head"].as_str().expect("head").to_owned()),
        (&ws.app, &ws.app_bare, "app", fix.clone()),
    ] {
        let tag = format!("refs/tags/{name}-v1.0.1^{{commit}}");
        let tagged = ws
            .remote_ref(bare, &tag)
            .unwrap_or_else(|| panic!("{name} has its stable tag: {}", out.stderr));
        assert!(ws.is_ancestor(bare, &head, &tagged), "{name}'s stable tag contains its RC head");
        assert!(ws.is_ancestor(bare, &tagged, "refs/heads/main"), "{name}'s stable tag is on main");
        assert_eq!(
            ws.remote_ref(bare, "refs/heads/rc/1.0.1"),
            None,
            "{name}'s RC branch is gone from the remote"
        );
        assert!(
            !ws.r
                .try_git([
                    "-C",
                    dir.to_str().expect("UTF-8"),
                    "rev-parse",
                    "--verify",
                    "-q",
                    "refs/heads/rc/1.0.1"
                ])
                .0,
            "and locally"
        );
        assert!(
            ws.remote_ref(bare, &format!("refs/tags/{name}-v1.0.1-rc.1")).is_some(),
            "RC tags stay"
        );
    }
    // app's release pins lib to the version the train just released, as a workspace run does.
    let pinned = ws.r.git_in(&ws.app_bare, ["show", "main:pyproject.toml"]);
    assert!(pinned.contains("\"lib==1.0.1\""), "{pinned}");
    // lib's release was created before app's.
    let created: Vec<String> =
        ws.gh.calls_matching(&["release", "create"]).into_iter().map(|c| c[2].clone()).collect();
    assert_eq!(created, ["lib-v1.0.1", "app-v1.0.1"]);
}

#[test]
fn a_failing_ci_run_on_app_s_rc_head_blocks_the_promotion_and_names_the_gate() {
    let ws = Ws::new();
    ws.rc("start", &["--yes"]).expect_code(0);
    ws.rc("tag", &[]).expect_code(0);
    ws.gh.scenario(
        json!([{"match": ["run", "list"], "fail": "run_failed", "cwd_contains": "/ws/app"}]),
    );
    let out = ws.rc("promote", &["--yes"]);
    out.expect_code(1);
    assert!(out.stderr.contains("`rc_ci` (app)"), "{}", out.stderr);
    assert!(!out.stderr.contains("`rc_ci` (lib)"), "{}", out.stderr);
    let m = ws.manifest();
    assert_eq!(m["state"], "staging", "nothing was promoted");
    for bare in [&ws.lib_bare, &ws.app_bare] {
        assert!(ws.remote_ref(bare, "refs/heads/rc/1.0.1").is_some());
        assert!(
            ws.remote_ref(bare, "refs/tags/lib-v1.0.1").is_none()
                && ws.remote_ref(bare, "refs/tags/app-v1.0.1").is_none()
        );
    }
    // A waiver for `rc_ci` in app lets it through.
    std::fs::write(ws.app.join(".release-waivers.json"), r#"{"waivers": [{"check": "rc_ci", "plugin": "*", "reason": "CI is down; tested by hand"}]}"#).expect("write");
    ws.r.git_in(&ws.app, ["add", ".release-waivers.json"]);
    ws.r.commit_in(&ws.app, "chore: waive rc_ci");
    ws.r.git_in(&ws.app, ["push", "--quiet", "origin", "main"]);
    let out = ws.rc("status", &["--format", "json"]);
    let waived = out.json()["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .any(|g| g["repo"] == "app" && g["gate"] == "rc_ci" && g["status"] == "WAIVED");
    assert!(waived, "{}", out.stdout);
}

#[test]
fn a_promotion_killed_in_app_s_release_resumes_to_the_same_end_state() {
    let ws = Ws::new();
    ws.rc("start", &["--yes"]).expect_code(0);
    ws.rc("tag", &[]).expect_code(0);
    let file = ws.file.to_str().expect("UTF-8");
    let pairs = ws.gh.env();
    let mut env = crate::gh::borrow(&pairs);
    let xdg = ws.r.scratch().join("xdg");
    env.push(("XDG_STATE_HOME", xdg.to_str().expect("UTF-8")));
    env.push(("SOURCE_DATE_EPOCH", "1700000000"));
    env.push(("GIT_RELEASE_FAILPOINT", "app:PUSHED:after-save"));
    let out = ws.r.run_in(&ws.lib, ["rc", "promote", "--workspace", file, "--yes"], &env, None);
    assert_ne!(out.code, 0, "the promotion was killed: {}", out.stderr);
    let m = ws.manifest();
    assert_eq!(m["state"], "validation");
    assert_eq!(m["repos"][0]["promotion"]["released"], true, "lib was released before app");
    assert_eq!(m["repos"][1]["promotion"]["released"], false);
    assert!(ws.remote_ref(&ws.app_bare, "refs/tags/app-v1.0.1").is_none());

    let out = release(&ws.r, &ws.gh, &ws.lib, &["resume", "v1.0.1", "--yes"]);
    out.expect_code(0);
    let m = ws.manifest();
    assert_eq!(m["state"], "ship", "{}", out.stderr);
    assert_matches_schema(&m);
    for (bare, name) in [(&ws.lib_bare, "lib"), (&ws.app_bare, "app")] {
        let tagged = ws
            .remote_ref(bare, &format!("refs/tags/{name}-v1.0.1^{{commit}}"))
            .expect("stable tag");
        assert!(ws.is_ancestor(bare, &tagged, "refs/heads/main"));
        assert_eq!(ws.remote_ref(bare, "refs/heads/rc/1.0.1"), None);
    }
    let created: Vec<String> =
        ws.gh.calls_matching(&["release", "create"]).into_iter().map(|c| c[2].clone()).collect();
    assert_eq!(created, ["lib-v1.0.1", "app-v1.0.1"], "nothing released twice");
}

#[test]
fn a_single_repository_train_gates_on_the_milestone_s_issues_and_ships() {
    let f = crate::run::single("pr", "");
    let out = f.release(&["rc", "start", "--dry-run"]);
    out.expect_code(0);
    assert!(out.stdout.contains("would create `rc/1.3.0`"), "{}", out.stdout);
    assert!(
        !f.r.try_git(["rev-parse", "--verify", "-q", "refs/heads/rc/1.3.0"]).0,
        "a dry run changes nothing"
    );
    let out = f.release(&["rc", "start", "--yes"]);
    out.expect_code(0);
    assert_eq!(f.remote(["rev-parse", "rc/1.3.0"]), f.remote(["rev-parse", "main"]));
    // An issue in the train's milestone blocks the promotion until it is closed.
    let made = f.gh.call(
        &f.r,
        &["issue", "create", "--title", "Crash on start", "--body", "x", "--milestone", "v1.3.0"],
    );
    made.expect_code(0);
    f.release(&["rc", "tag"]).expect_code(0);
    f.release(&["rc", "tag"]).expect_code(0);
    assert!(f.remote(["tag", "--list"]).contains("v1.3.0-rc.2"), "the next N after every RC tag");
    // A fix lands on the RC branch after the candidate: the promotion wants a new one.
    f.r.checkout("rc/1.3.0");
    let fix = f.r.change("src/lib.rs", "fix: after the candidate");
    f.r.git(["push", "--quiet", "origin", "rc/1.3.0"]);
    f.r.checkout("main");
    let out = f.release(&["rc", "promote", "--yes"]);
    out.expect_code(1);
    assert!(out.stderr.contains("`rc_issues`") && out.stderr.contains("#100"), "{}", out.stderr);
    assert!(out.stderr.contains("not the candidate tagged last"), "{}", out.stderr);
    f.gh.call(&f.r, &["issue", "close", "100"]).expect_code(0);
    f.release(&["rc", "tag"]).expect_code(0);
    let out = f.release(&["rc", "promote", "--yes"]);
    out.expect_code(0);
    let tagged = f.remote(["rev-parse", "v1.3.0^{commit}"]);
    let rc = f.remote(["rev-parse", "v1.3.0-rc.3^{commit}"]);
    assert_eq!(rc, fix, "rc.3 is on the fix");
    assert!(
        f.r.try_git([
            "--git-dir",
            f.bare.to_str().expect("UTF-8"),
            "merge-base",
            "--is-ancestor",
            &rc,
            &tagged
        ])
        .0
    );
    assert!(!f.remote(["branch", "--list"]).contains("rc/1.3.0"), "the RC branch is deleted");
    let m = f.r.git(["rev-parse", "--git-common-dir"]);
    let path = f.r.path().join(m).join("release/trains/v1.3.0.json");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("manifest")).expect("JSON");
    assert_eq!(manifest["state"], "ship");
    assert_eq!(manifest["issues"][0]["state"], "CLOSED");
    assert_matches_schema(&manifest);
    let status = f.release(&["rc", "status", "--format", "json"]);
    status.expect_code(0);
    assert_eq!(status.json()["manifest"]["state"], "ship");
}

#[test]
fn abort_deletes_the_rc_branches_keeps_the_rc_tags_and_leaves_a_moved_branch_alone() {
    let ws = Ws::new();
    ws.rc("start", &["--yes"]).expect_code(0);
    ws.rc("tag", &[]).expect_code(0);
    // Someone pushes to lib's RC branch after the manifest last saw it.
    ws.r.git_in(&ws.lib, ["checkout", "--quiet", "rc/1.0.1"]);
    std::fs::write(ws.lib.join("tests/test_it.py"), "def test_it():\n    assert 2\n")
        .expect("write");
    let moved = ws.r.commit_in(&ws.lib, "fix: late fix");
    ws.r.git_in(&ws.lib, ["push", "--quiet", "origin", "rc/1.0.1"]);
    ws.r.git_in(&ws.lib, ["checkout", "--quiet", "main"]);
    let out = ws.rc("abort", &[]);
    out.expect_code(0);
    assert!(out.stderr.contains("left in place"), "{}", out.stderr);
    assert_eq!(
        ws.remote_ref(&ws.lib_bare, "refs/heads/rc/1.0.1"),
        Some(moved),
        "a moved branch is not deleted"
    );
    assert_eq!(ws.remote_ref(&ws.app_bare, "refs/heads/rc/1.0.1"), None);
    assert!(ws.remote_ref(&ws.app_bare, "refs/tags/app-v1.0.1-rc.1").is_some(), "RC tags are kept");
    let m = ws.manifest();
    assert_eq!(m["state"], "aborted");
    assert_matches_schema(&m);
    ws.rc("promote", &["--yes"]).expect_code(1);
}

#[test]
fn a_flow_through_staging_fast_forwards_where_it_can_and_merges_a_pull_request_where_not() {
    let f = crate::run::single("pr", "\n[train]\nflow = [\"staging\", \"main\"]\n");
    f.release(&["rc", "start", "--yes"]).expect_code(0);
    // A fix on the RC branch, and `main` moves on after the cut: neither contains the other.
    f.r.checkout("rc/1.3.0");
    f.r.change("src/lib.rs", "fix: on the RC branch");
    f.r.git(["push", "--quiet", "origin", "rc/1.3.0"]);
    f.r.checkout("main");
    f.release(&["rc", "tag"]).expect_code(0);
    let rc_head = f.remote(["rev-parse", "rc/1.3.0"]);
    f.r.change("README.md", "docs: a note on main");
    f.r.git(["push", "--quiet", "origin", "main"]);
    let out = f.release(&["rc", "promote", "--yes"]);
    out.expect_code(0);
    assert_eq!(f.remote(["rev-parse", "staging"]), rc_head, "staging was fast-forwarded");
    let merges = f.gh.calls_matching(&["pr", "merge"]);
    assert!(merges.iter().any(|c| c.contains(&"--merge".to_owned())), "{merges:?}");
    let tagged = f.remote(["rev-parse", "v1.3.0^{commit}"]);
    let bare = f.bare.to_str().expect("UTF-8");
    assert!(f.r.try_git(["--git-dir", bare, "merge-base", "--is-ancestor", &rc_head, &tagged]).0);
    assert!(f.r.try_git(["--git-dir", bare, "merge-base", "--is-ancestor", &tagged, "main"]).0);
    let dir = f.r.path().join(f.r.git(["rev-parse", "--git-common-dir"]));
    let text = std::fs::read_to_string(dir.join("release/trains/v1.3.0.json")).expect("manifest");
    let m: Value = serde_json::from_str(&text).expect("JSON");
    let how: Vec<&str> = m["repos"][0]["promotion"]["merges"]
        .as_array()
        .expect("merges")
        .iter()
        .map(|g| g["how"].as_str().expect("how"))
        .collect();
    assert_eq!(how, ["fast-forward", "pull-request"]);
    assert_matches_schema(&m);
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let f = crate::run::single("pr", "");
    let branch_absent = |f: &crate::releasable::Fixture| {
        !f.r.try_git(["rev-parse", "--verify", "-q", "refs/heads/rc/1.3.0"]).0
            && !f.remote(["branch", "--list"]).contains("rc/")
    };
    let out = f.release(&["rc", "start", "--version", "1.2", "--yes"]);
    out.expect_code(2);
    assert!(out.stderr.contains("`--version 1.2` is not a semantic version"), "{}", out.stderr);
    let out = f.release(&["rc", "start", "--version", "2.0.0-rc.1", "--yes"]);
    out.expect_code(2);
    let out = f.release(&["rc", "start", "--gate-attestation", "sha256:000000000000"]);
    out.expect_code(4);
    assert!(out.stderr.contains("INVALID_GATE_TOKEN"), "{}", out.stderr);
    assert!(branch_absent(&f), "a declined gate cuts nothing");
    let out = f.release(&["rc", "promote", "--yes"]);
    out.expect_code(2);
    assert!(out.stderr.contains("no release train here"), "{}", out.stderr);
    f.release(&["rc", "status", "../escape"]).expect_code(2);

    // `--version` gives every package that version; a second start is refused while the
    // first train is under way.
    f.release(&["rc", "start", "--version", "2.0.0", "--yes"]).expect_code(0);
    assert!(f.remote(["branch", "--list"]).contains("rc/2.0.0"));
    let out = f.release(&["rc", "start", "--yes"]);
    out.expect_code(1);
    assert!(out.stderr.contains("train `v2.0.0` is under way"), "{}", out.stderr);
    // A promotion before any release candidate is tagged is refused.
    let out = f.release(&["rc", "promote", "--yes"]);
    out.expect_code(1);
    assert!(out.stderr.contains("no release candidate is tagged yet"), "{}", out.stderr);

    // A manifest edited into nonsense is named, refused and left as it is.
    let dir = f.r.path().join(f.r.git(["rev-parse", "--git-common-dir"]));
    let path = dir.join("release/trains/v2.0.0.json");
    std::fs::write(&path, "{\"schema_version\": 1, \"train_id\": ").expect("corrupt it");
    let out = f.release(&["rc", "status", "v2.0.0"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("STATE_CORRUPT") && out.stderr.contains("v2.0.0.json"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "{\"schema_version\": 1, \"train_id\": "
    );
}

/// Issue 17 item 7 on a promotion: a major train needs a named person, as `run` does.
#[test]
fn a_major_train_is_promoted_only_with_a_named_approval() {
    let f = crate::run::single("direct", "");
    f.release(&["rc", "start", "--version", "2.0.0", "--yes"]).expect_code(0);
    f.release(&["rc", "tag"]).expect_code(0);
    let main_before = f.remote(["rev-parse", "main"]);
    let out = f.release(&["rc", "promote", "--yes"]);
    out.expect_code(4);
    assert!(out.stderr.contains("--approve-major"), "{}", out.stderr);
    assert_eq!(f.remote(["rev-parse", "main"]), main_before, "nothing was merged");
    assert!(!f.remote(["tag", "--list"]).lines().any(|t| t == "v2.0.0"), "nothing was tagged");
    let hash = out
        .stderr
        .split_whitespace()
        .find(|w| w.trim_matches(|c: char| c == '`' || c == ',').starts_with("sha256:"))
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != ':').to_owned())
        .expect("the refusal names the promotion hash");
    let out = f.release(&[
        "rc",
        "promote",
        "--approve-major",
        "Rel Manager <rm@example.com>",
        "--gate-attestation",
        &hash,
    ]);
    out.expect_code(0);
    assert!(f.remote(["tag", "--list"]).lines().any(|t| t == "v2.0.0"), "{}", out.stderr);
    let m = f.r.git(["rev-parse", "--git-common-dir"]);
    let path = f.r.path().join(m).join("release/trains/v2.0.0.json");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("manifest")).expect("JSON");
    assert_eq!(manifest["state"], "ship");
    let cadence = manifest["cadence"].to_string();
    assert!(cadence.contains("Rel Manager <rm@example.com>"), "{cadence}");
    assert_matches_schema(&manifest);
}
