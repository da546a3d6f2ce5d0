//! A newcomer's first minutes: the defaults pass on a fresh repository, with no
//! configuration, a non-noreply email and no changelog yet.

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
