//! The man pages and completion scripts under `man/` and `completions/` are generated from
//! the clap definitions; this test regenerates them and fails when the checked-in copies are
//! stale. `GIT_RELEASE_BLESS=1 cargo test --test it generated` rewrites them.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use git_release::cli::Cli;
use git_release::commands::completions::{Shell, script};

/// The command as the generators see it: the plain package version, so the files do not
/// change with every commit the binary is built from.
fn command() -> clap::Command {
    Cli::command().version(env!("CARGO_PKG_VERSION")).long_version(env!("CARGO_PKG_VERSION"))
}

/// Every generated file: `(path relative to the crate, content)`.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let cmd = command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page).expect("rendering to memory cannot fail");
    files.push((PathBuf::from("man/git-release.1"), page));
    for sub in cmd.get_subcommands() {
        let name = format!("git-release-{}", sub.get_name());
        // clap names are `&'static str` without its `string` feature; a test may leak a few.
        let static_name: &'static str = Box::leak(name.clone().into_boxed_str());
        let sub = sub.clone().name(static_name).version(env!("CARGO_PKG_VERSION"));
        let mut page = Vec::new();
        clap_mangen::Man::new(sub).render(&mut page).expect("rendering to memory cannot fail");
        files.push((PathBuf::from(format!("man/{name}.1")), page));
    }
    files.push((
        PathBuf::from("completions/git-release.bash"),
        script(Shell::Bash, Cli::command()).into_bytes(),
    ));
    files.push((
        PathBuf::from("completions/_git-release"),
        script(Shell::Zsh, Cli::command()).into_bytes(),
    ));
    files.push((
        PathBuf::from("completions/git-release.fish"),
        script(Shell::Fish, Cli::command()).into_bytes(),
    ));
    files
}

#[test]
fn man_pages_and_completions_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("GIT_RELEASE_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (rel, content) in generated() {
        let path = root.join(&rel);
        if bless {
            std::fs::create_dir_all(path.parent().expect("generated files live in a folder"))
                .expect("create the folder");
            std::fs::write(&path, &content).expect("write the generated file");
            continue;
        }
        if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
            stale.push(rel.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {}\nrun `GIT_RELEASE_BLESS=1 cargo test --test it generated` and commit them",
        stale.join(", ")
    );
}

#[test]
fn bash_completion_has_the_git_wrapper() {
    let bash = script(Shell::Bash, Cli::command());
    assert!(bash.contains("_git_release()"), "git's completion calls `_git_release`");
    assert!(bash.contains("complete -F _git__release"), "the generated completion is registered");
    assert!(bash.contains("_git__release git-release"), "the wrapper calls the generated function");
}
