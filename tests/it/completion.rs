//! Completion scripts, driven the way a shell drives them: bash through git's own completion
//! (`git release <TAB>` calls `_git_release`), zsh and fish by loading their scripts.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TestRepo, skip};

/// git's bash completion; Debian ships it with git, CI installs bash-completion beside it.
const GIT_COMPLETION: &str = "/usr/share/bash-completion/completions/git";
/// bash-completion's loader, which finds a user's scripts under `XDG_DATA_HOME`.
const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

/// Writes `git release completions SHELL` to `<scratch>/FILE` and returns its path.
fn script(repo: &TestRepo, shell: &str, file: &str) -> PathBuf {
    let out = repo.run(["completions", shell]);
    out.expect_code(0);
    let path = repo.scratch().join(file);
    std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("create folder");
    std::fs::write(&path, out.stdout).expect("write the script");
    path
}

/// What bash completes for the command line `words` (the last word is the one being
/// completed), as `git`'s completion does it: `setup` is bash run before, which makes the
/// `git release` completion available. One candidate a line, sorted.
fn complete(repo: &TestRepo, setup: &str, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "{setup}\nsource {GIT_COMPLETION}\n\
         COMP_WORDS=({words})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n\
         __git_wrap__git_main\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = quoted.join(" ")
    );
    let mut cmd = Command::new("bash");
    repo.hermetic(&mut cmd);
    cmd.args(["--norc", "--noprofile", "-c", &program])
        .env("XDG_DATA_HOME", repo.scratch().join("share"));
    let out = cmd.output().expect("bash runs");
    assert!(out.status.success(), "bash failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_end().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines
}

/// Whether bash and git's completion are here; says why not when they are not.
fn have_git_completion() -> bool {
    if !Path::new(GIT_COMPLETION).exists() {
        skip(&format!("{GIT_COMPLETION} is missing (CI installs git and bash-completion)"));
        return false;
    }
    true
}

/// Checks what `git release …<TAB>` completes after `setup` made our script available.
fn assert_git_release_completes(repo: &TestRepo, setup: &str) {
    let has = |words: &[&str], want: &[&str]| {
        let got = complete(repo, setup, words);
        for w in want {
            assert!(got.iter().any(|g| g == w), "{words:?} should offer `{w}`, offered {got:?}");
        }
    };
    has(&["git", "release", "pl"], &["plan"]);
    // Options, values and nested subcommands after the subcommand: clap-rs/clap#6421 made all
    // of these complete nothing.
    has(&["git", "release", "plan", "--f"], &["--format"]);
    has(&["git", "release", "plan", "--format", ""], &["table", "json", "markdown", "version"]);
    has(&["git", "release", "plan", "--pre", ""], &["rc", "beta", "alpha"]);
    has(&["git", "release", "hook", ""], &["install", "uninstall"]);
    has(&["git", "release", "completions", ""], &["bash", "zsh", "fish"]);
    has(&["git", "release", "run", "--dry"], &["--dry-run"]);
    // git's own options before `release` do not shift the words.
    has(&["git", "-C", ".", "release", "plan", "--ex"], &["--explain", "--exit-code"]);
}

#[test]
fn bash_completes_after_git_release_subcommands() {
    if !have_git_completion() {
        return;
    }
    let repo = TestRepo::new();
    let path = script(&repo, "bash", "git-release.bash");
    assert_git_release_completes(&repo, &format!("source '{}'", path.display()));
}

/// The README's set-up: the script in bash-completion's user folder, loaded on demand when
/// git's completion first asks for `_git_release`.
#[test]
fn bash_loads_the_script_from_the_user_completions_folder() {
    if !have_git_completion() {
        return;
    }
    if !Path::new(BASH_COMPLETION).exists() {
        skip(&format!("{BASH_COMPLETION} is missing (CI installs bash-completion)"));
        return;
    }
    let repo = TestRepo::new();
    script(&repo, "bash", "share/bash-completion/completions/git-release");
    assert_git_release_completes(&repo, &format!("source {BASH_COMPLETION}"));
}

/// Loads the `shell` script with `shell -c`, or skips when the shell is not installed.
fn loads_in(shell: &str, file: &str, program: &str) {
    if which::which(shell).is_err() {
        skip(&format!("`{shell}` is not installed"));
        return;
    }
    let repo = TestRepo::new();
    let path = script(&repo, shell, file);
    let mut cmd = Command::new(shell);
    repo.hermetic(&mut cmd);
    let out = cmd
        .args(["-c", &program.replace("SCRIPT", &path.display().to_string())])
        .output()
        .expect("the shell runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{shell} failed to load it: {stderr}");
}

#[test]
fn zsh_script_loads() {
    // compinit defines `compdef`, which the script calls when it is sourced.
    loads_in(
        "zsh",
        "_git-release",
        "autoload -U compinit && compinit -u -D && source SCRIPT && whence -w _git-release",
    );
}

#[test]
fn fish_script_loads() {
    loads_in(
        "fish",
        "git-release.fish",
        "source SCRIPT; and complete -C 'git-release plan --f' | string match -q -- '--format*'",
    );
}
