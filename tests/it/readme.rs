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
