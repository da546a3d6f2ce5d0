//! `git release completions SHELL`: print a completion script.

use anyhow::Result;
use clap::{Args, ValueEnum};

/// Print a shell completion script
///
/// The bash script also defines `_git_release`, which git's own completion calls for
/// `git release <TAB>`. Install it where your shell loads completions, for example
/// `git release completions bash > ~/.local/share/bash-completion/completions/git-release`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the script for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells with completion scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash, with the `_git_release` wrapper.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
}

/// Prints the script for `args.shell` on stdout.
///
/// # Errors
/// Writing to stdout fails.
pub fn run(args: &CompletionsArgs, cli: clap::Command) -> Result<()> {
    let ui = crate::ui::Ui::new(false, 0, crate::ui::ColorChoice::Never);
    ui.data(&script(args.shell, cli))
}

/// The completion script for `shell`, generated from the clap definitions `cmd`
/// (`Cli::command()`, passed in so no command depends on the command-line module).
pub fn script(shell: Shell, mut cmd: clap::Command) -> String {
    let mut out = Vec::new();
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "git-release", &mut out);
            out.extend_from_slice(BASH_WRAPPER.as_bytes());
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "git-release", &mut out);
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "git-release", &mut out);
        }
    }
    String::from_utf8(out).expect("clap_complete writes UTF-8")
}

/// git's bash completion calls `_git_<subcommand>` for `git <subcommand> <TAB>`; this
/// wrapper hands the words to the generated `git-release` completion.
const BASH_WRAPPER: &str = r#"
# `git release <TAB>`: git's completion calls _git_release with the words after `git`.
_git_release() {
    local cur prev words cword
    _get_comp_words_by_ref -n =: cur prev words cword 2>/dev/null || {
        cur="${COMP_WORDS[COMP_CWORD]}"
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }
    # Drop `git` (and its options) so the words read `git-release <args>`.
    local i start=1
    for ((i = 1; i < ${#words[@]}; i++)); do
        if [[ ${words[i]} == release ]]; then start=$i; break; fi
    done
    COMP_WORDS=(git-release "${words[@]:start+1}")
    COMP_CWORD=$((cword - start))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    _git__release git-release "$cur" "${COMP_WORDS[COMP_CWORD-1]}"
}
"#;
