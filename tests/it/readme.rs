//! The README, run: its set-up commands in a scratch HOME, and its quickstart examples, so
//! what it shows stays what a newcomer gets.

use std::path::Path;
use std::process::Command;

use crate::support::{TestRepo, skip};

/// The README's text.
fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    std::fs::read_to_string(&path).expect("README.md is readable")
}

/// The README's fenced blocks whose info string is `lang`, in order.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```") => {
                if line.trim_start().trim_start_matches('`') == lang {
                    current = Some(String::new());
                } else {
                    current = Some("\u{0}".to_owned()); // a block of another language
                }
            }
            Some(block) if line.trim_start().starts_with("```") => {
                if !block.starts_with('\u{0}') {
                    out.push(std::mem::take(block));
                }
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The one `sh` block of the README that contains `needle`.
fn block_with(needle: &str) -> String {
    let found: Vec<String> =
        blocks(&readme(), "sh").into_iter().filter(|b| b.contains(needle)).collect();
    assert_eq!(found.len(), 1, "the README has one `sh` block with `{needle}`: {found:#?}");
    found.into_iter().next().expect("one block")
}

/// A clean environment for a newcomer's shell: HOME in the scratch dir, cargo's `bin` on
/// PATH before the system's, no MANPATH and no git configuration but the user's.
fn newcomer_shell(home: &Path, program: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", home.join(".cargo/bin").display()))
        .env("LC_ALL", "C")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "80")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    cmd
}

/// After the README's set-up, `man`, `git help release` and `git release --help` find the
/// man page with no MANPATH. `cargo install` is stood in for by a copy of the binary under
/// test into `~/.cargo/bin`, where it puts it.
#[test]
fn readme_setup_makes_the_man_page_found() {
    if which::which("man").is_err() {
        skip("`man` is not installed (CI installs man-db)");
        return;
    }
    let repo = TestRepo::without_git();
    let home = repo.scratch().join("home");
    let bin = home.join(".cargo/bin");
    std::fs::create_dir_all(&bin).expect("create ~/.cargo/bin");
    std::fs::copy(env!("CARGO_BIN_EXE_git-release"), bin.join("git-release"))
        .expect("copy the binary");

    let setup = block_with("man/*.1");
    let out = newcomer_shell(&home, "sh", &["-ec", &setup])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{setup}failed: {}", String::from_utf8_lossy(&out.stderr));

    for page in ["git-release", "git-release-plan"] {
        let out = newcomer_shell(&home, "man", &["-w", page]).output().expect("man runs");
        let found = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && Path::new(found.trim()).starts_with(&home),
            "`man -w {page}` after the README's set-up: {found}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for args in [&["help", "release"][..], &["release", "--help"]] {
        let out = newcomer_shell(&home, "git", args).output().expect("git runs");
        let page = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && page.contains("git-release - Plan and carry out releases"),
            "`git {}` shows the man page: {page}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The cells of the `column` column of a `plan` table, one per package row.
fn column(table: &str, column: &str) -> Vec<String> {
    let mut lines = table.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> =
        lines.next().expect("a table has a header").split_whitespace().collect();
    let at = header.iter().position(|h| *h == column).expect("the column is in the header");
    lines
        .take_while(|l| !l.starts_with("plan sha256:"))
        .filter_map(|l| l.split_whitespace().nth(at).map(str::to_owned))
        .collect()
}

/// The README's quickstart, on the history it names: its table is what `plan` prints, and
/// each example of the next block does what its comment says (a version in the comment is
/// the `next` cell; "exit 1" is the exit code; `--format json` prints JSON).
#[test]
fn readme_quickstart_outputs_are_true() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    let text = readme();
    let quickstart = &text[text.find("## Quickstart").expect("a quickstart section")..];
    let quickstart =
        &quickstart[..quickstart[3..].find("\n## ").map_or(quickstart.len(), |i| i + 3)];
    let replay = block_with("semantic-release.jsonl");
    let repo = TestRepo::without_git();
    let dir = repo.scratch().join("sr");

    // The set-up block, with its scratch folder moved into the test's temp dir.
    let script = replay.replace("/tmp/sr", &dir.display().to_string());
    let run = |program: &str, cwd: &Path| {
        let mut cmd = Command::new("sh");
        repo.hermetic(&mut cmd);
        cmd.args(["-c", program]).current_dir(cwd).env("PATH", crate::support::path_with_binary());
        let out = cmd.output().expect("sh runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(fixtures.is_dir(), "`shared/` must sit beside the checkout");
    let (code, stdout, stderr) = run(&script, Path::new(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(code, 0, "{script}{stderr}");

    // The table the README shows is the one `git release plan` prints.
    let shown = blocks(quickstart, "").into_iter().next().expect("the quickstart shows a table");
    assert_eq!(stdout.trim_end(), shown.trim_end(), "`git release plan` on the quickstart");

    let examples = blocks(quickstart, "sh").into_iter().nth(1).expect("a block of examples");
    let mut ran = 0;
    for line in examples.lines() {
        let (command, comment) = line.split_once('#').unwrap_or((line, ""));
        let (command, comment) = (command.trim(), comment.trim());
        if !command.starts_with("git release plan") {
            continue;
        }
        ran += 1;
        let (code, stdout, stderr) = run(command, &dir);
        let want_code = i32::from(comment.contains("exit 1"));
        assert_eq!(code, want_code, "`{command}`: {stdout}{stderr}");
        let first = comment.split_whitespace().next().unwrap_or("");
        if semver::Version::parse(first).is_ok() {
            assert_eq!(column(&stdout, "next"), [first], "`{command}` # {comment}\n{stdout}");
        }
        if comment.contains("empty: nothing to release") {
            assert_eq!(stdout, "", "`{command}` # {comment}");
        }
        if command.contains("--format json") {
            let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
            assert_eq!(json["schema_version"], 1, "{json:#}");
        }
    }
    assert!(ran >= 5, "the examples block runs `git release plan` {ran} times");
}
