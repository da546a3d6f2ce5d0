//! `git release completions SHELL`: print a completion script.

use anyhow::Result;
use clap::{Args, ValueEnum};

use crate::context::GlobalArgs;

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
pub fn run(global: &GlobalArgs, args: &CompletionsArgs, cli: clap::Command) -> Result<()> {
    let ui = crate::ui::Ui::new(global.quiet, 0, crate::ui::ColorChoice::Never);
    ui.data(&script(args.shell, cli))
}

/// The completion script for `shell`, generated from the clap definitions `cmd`
/// (`Cli::command()`, passed in so no command depends on the command-line module).
pub fn script(shell: Shell, mut cmd: clap::Command) -> String {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut cmd, BIN, &mut out);
    let script = String::from_utf8(out).expect("clap_complete writes UTF-8");
    match shell {
        Shell::Bash => fix_bash_labels(&script) + BASH_WRAPPER,
        Shell::Zsh | Shell::Fish => script,
    }
}

/// The name the scripts complete: the binary git runs for `git release`.
const BIN: &str = "git-release";

/// Respells the `case` labels of `clap_complete`'s bash script the way its dispatch loop
/// spells the state, so that options and values complete after a subcommand.
///
/// `clap_complete` (4.6.11) builds the state as `git__release__subcmd__plan` (the bin name's
/// `-` made `__`) but writes the labels as `git__subcmd__release__subcmd__plan` (every `-`
/// of the whole path made `__subcmd__`), so no label ever matched for a bin name with a `-`:
/// clap-rs/clap#6421. Only the labels start with the misspelt prefix, so the replacement
/// touches nothing else; when `clap_complete` is fixed it finds nothing and changes nothing.
fn fix_bash_labels(script: &str) -> String {
    let fn_name = BIN.replace('-', "__");
    let misspelt = format!("{}__subcmd__", BIN.replace('-', "__subcmd__"));
    script.replace(&misspelt, &format!("{fn_name}__subcmd__"))
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
