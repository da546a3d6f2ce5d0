//! The gate on a terminal: `git release run` shows the plan and its hash and asks; "n"
//! exits 4 and writes nothing, "y" releases. The terminal is a real pseudo-terminal, made
//! by Python's `pty` module, so the tool's `isatty` checks see what a user's shell gives.

use crate::gh::Gh;
use crate::support::TestRepo;

/// Drives `git-release ARGS` on a pseudo-terminal: waits for the `[y/N]` prompt, answers
/// `answer`, and returns (everything printed, exit code).
const DRIVER: &str = r#"
import os, pty, sys
answer, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b""
answered = False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not answered and b"[y/N]" in out:
        os.write(fd, (answer + "\n").encode())
        answered = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;

fn on_terminal(r: &TestRepo, gh: &Gh, answer: &str) -> (String, i32) {
    let out = r.exec_in(
        crate::support::python().as_os_str(),
        &r.path(),
        ["-c", DRIVER, answer, env!("CARGO_BIN_EXE_git-release"), "run", "--mode", "direct"],
        &crate::gh::borrow(&gh.env()),
        None,
    );
    (out.stdout, out.code)
}

fn releasable() -> (TestRepo, Gh) {
    let r = TestRepo::new();
    let gh = Gh::install(&r);
    r.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n");
    r.write("tests/it.rs", "#[test]\nfn it() {}\n");
    r.write("CHANGELOG.md", "# Changelog\n\n## 0.1.0\n\n- first\n");
    r.write(
        "release.toml",
        "[release]\nemail_pattern = \"*@example.com\"\nprotected_branches = []\n",
    );
    r.commit("feat: first");
    r.tag_annotated("v0.1.0");
    r.change("src/lib.rs", "feat: more");
    r.with_origin();
    r.git(["push", "--quiet", "origin", "main", "--tags"]);
    r.git(["branch", "--quiet", "-u", "origin/main"]);
    (r, gh)
}

#[test]
fn declining_on_a_terminal_exits_4_and_writes_nothing() {
    let (r, gh) = releasable();
    let hash = r.plan_json(&[])["plan_hash"].as_str().expect("hash").to_owned();
    let refs = r.git(["for-each-ref"]);
    let (out, code) = on_terminal(&r, &gh, "n");
    assert_eq!(code, 4, "{out}");
    assert!(out.contains(&format!("plan {hash}")), "the gate shows the hash: {out}");
    assert!(out.contains("demo") && out.contains("0.2.0"), "and the plan: {out}");
    assert!(out.contains("was not approved"), "{out}");
    assert_eq!(r.git(["for-each-ref"]), refs);
    assert!(!r.path().join(".git/release").exists(), "no state, no lock");
}

#[test]
fn approving_on_a_terminal_releases() {
    let (r, gh) = releasable();
    let (out, code) = on_terminal(&r, &gh, "y");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Status: SUCCESS"), "{out}");
    assert!(r.git(["ls-remote", "--tags", "origin"]).contains("refs/tags/v0.2.0"));
}
