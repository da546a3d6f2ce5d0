//! Snapshots of the rendered `--help` of `git-release` and of every subcommand (insta), so a
//! change to the help text shows up in review as a diff rather than a failed `contains`.

use std::process::Command;

/// `git-release ARGS --help`, rendered at a fixed width with colour off.
fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_git-release"))
        .args(args)
        .arg("--help")
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env_remove("GIT_RELEASE_CONFIG")
        .output()
        .expect("run git-release --help");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

#[test]
fn help_of_every_command() {
    let filters = [(env!("GIT_RELEASE_BUILD_COMMIT"), "[commit]")];
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("help", help(&[]));
        // Every subcommand clap knows, so a new one cannot go without its snapshot.
        let command = <git_release::cli::Cli as clap::CommandFactory>::command();
        let subs: Vec<String> =
            command.get_subcommands().map(|c| c.get_name().to_owned()).collect();
        assert!(subs.len() > 14, "{subs:?}");
        for sub in &subs {
            let sub = sub.as_str();
            insta::assert_snapshot!(format!("help-{sub}"), help(&[sub]));
        }
    });
}
