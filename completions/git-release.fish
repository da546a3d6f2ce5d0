# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_git_release_global_optspecs
    string join \n C= config= q/quiet v/verbose color= h/help V/version
end

function __fish_git_release_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_git_release_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_git_release_using_subcommand
    set -l cmd (__fish_git_release_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c git-release -n "__fish_git_release_needs_command" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_needs_command" -l config -d 'Read configuration from FILE instead of `release.toml` or `.config/release.toml`' -r -F
complete -c git-release -n "__fish_git_release_needs_command" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_needs_command" -s q -l quiet -d 'Print only data and errors'
complete -c git-release -n "__fish_git_release_needs_command" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_needs_command" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "plan" -d 'Show the next version of each package and why'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "init" -d 'Write a starter release.toml'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l bump -d 'Force the bump level instead of inferring it' -r -f -a "major\t''
minor\t''
patch\t''"
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l pre -d 'Make a prerelease on this channel: `1.3.0-rc.1`, then `rc.2`…' -r -f -a "alpha\t''
beta\t''
rc\t''"
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l format -d 'Output format' -r -f -a "table\t'An aligned table'
json\t'JSON, schema version 1 (see the README)'
markdown\t'A markdown table'"
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l config -d 'Read configuration from FILE instead of `release.toml` or `.config/release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l explain -d 'Add one line per commit: id, type, scope, breaking, and the bump it asked for'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l exit-code -d 'Exit 1 when nothing is to be released (like `git diff --exit-code`)'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l strict -d 'Make non-conventional commits and configuration drift errors'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s q -l quiet -d 'Print only data and errors'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand init" -l config -d 'Read configuration from FILE instead of `release.toml` or `.config/release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand init" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand init" -l force -d 'Overwrite an existing release.toml'
complete -c git-release -n "__fish_git_release_using_subcommand init" -l dry-run -d 'Print the file instead of writing it'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s q -l quiet -d 'Print only data and errors'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand completions" -l config -d 'Read configuration from FILE instead of `release.toml` or `.config/release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand completions" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s q -l quiet -d 'Print only data and errors'
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan init completions help" -f -a "plan" -d 'Show the next version of each package and why'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan init completions help" -f -a "init" -d 'Write a starter release.toml'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan init completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan init completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
