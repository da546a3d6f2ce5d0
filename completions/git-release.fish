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
complete -c git-release -n "__fish_git_release_needs_command" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_needs_command" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_needs_command" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_needs_command" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_needs_command" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "plan" -d 'Show the next version of each package and why'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "calibrate" -d 'Learn the bump rules from past releases and report how well they fit'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "init" -d 'Write a starter git-release.toml'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "tag" -d 'Create, reconcile and push release tags'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "hook" -d 'Install git hooks that stop tag conflicts and bad commit messages'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "changelog" -d 'Print or write the changelog section of a release'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "notes" -d 'Print the release notes of the next release or a past one'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "check" -d 'Run the preflight checks and show what would stop a release'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "doctor" -d 'Check the environment: binary, git, gh, hooks, configuration, history'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "run" -d 'Carry out the release plan: bump, changelog, commit, push, PR, tag, publish'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "resume" -d 'Go on with a stopped or failed run'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "status" -d 'List release runs, or show where one stands and what resume would do'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "rollback" -d 'Undo an unpublished run, or take back a published release'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "rc" -d 'Run release trains: release-candidate branches across repositories, promoted together'
complete -c git-release -n "__fish_git_release_needs_command" -f -a "sync" -d 'Mirror refs or copy files to other repositories, after an approved dry-run'
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
markdown\t'A markdown table'
version\t'Just the next version (`name version` per package in a monorepo); nothing when nothing is to be released'"
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l explain -d 'Add one line per commit: id, type, scope, breaking, and the bump it asked for'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l exit-code -d 'Exit 1 when nothing is to be released (like `git diff --exit-code`)'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -l strict -d 'Make non-conventional commits and configuration drift errors'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand plan" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -l since -d 'Only learn from releases made after this tag' -r
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -l format -d 'Output format' -r -f -a "table\t'Aligned tables'
json\t'JSON, schema version 1 (see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -l write -d 'Write the learned settings into the configuration file (`git-release.toml`, or the file given with `--config`), keeping its comments and formatting'
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -l dry-run -d 'With `--write`, print the file as it would be written (on stderr) and leave it alone'
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand calibrate" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand init" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand init" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand init" -l force -d 'Overwrite an existing git-release.toml'
complete -c git-release -n "__fish_git_release_using_subcommand init" -l dry-run -d 'Print the file instead of writing it'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand init" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l version -d 'Tag this version instead of the inferred one (one package only)' -r
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l at -d 'Tag this commit instead of HEAD' -r
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l remote -d 'The remote to compare with and push to (default: `release.remote`)' -r
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l format -d 'Output format' -r -f -a "table\t'An aligned table'
json\t'JSON: `{"remote", "tags": [{tag, status, local_object, local_commit, remote_object, remote_commit, action}]}`'"
complete -c git-release -n "__fish_git_release_using_subcommand tag" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l sign -d 'Sign the tag (`git tag -s`), whatever `tag.gpgSign` says'
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l reconcile -d 'Compare local and remote tags and settle the differences that are safe to settle'
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l push -d 'Reconcile, create missing tags, then push them atomically'
complete -c git-release -n "__fish_git_release_using_subcommand tag" -l dry-run -d 'Print what would be done; change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand tag" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand tag" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -f -a "install" -d 'Write the pre-push and commit-msg shims (an existing hook is chained, not overwritten)'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -f -a "uninstall" -d 'Remove the shims and restore what was there before'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -f -a "pre-push" -d 'The pre-push check (git runs it with the push\'s refs on stdin)'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -f -a "commit-msg" -d 'The commit-msg check (git runs it with the message file)'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall pre-push commit-msg help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -l force -d 'Set an existing hook aside instead of chaining it (uninstall restores it)'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -l dry-run -d 'Print what would be done; change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l dry-run -d 'Print what would be done; change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from pre-push" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from pre-push" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from pre-push" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from pre-push" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from pre-push" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from pre-push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from pre-push" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from commit-msg" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from commit-msg" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from commit-msg" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from commit-msg" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from commit-msg" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from commit-msg" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from commit-msg" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "install" -d 'Write the pre-push and commit-msg shims (an existing hook is chained, not overwritten)'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Remove the shims and restore what was there before'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "pre-push" -d 'The pre-push check (git runs it with the push\'s refs on stdin)'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "commit-msg" -d 'The commit-msg check (git runs it with the message file)'
complete -c git-release -n "__fish_git_release_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -l tag -d 'The section of the past release tagged TAG' -r
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -l format -d 'Output format (`--write` prints nothing on stdout, `--dry-run` a diff)' -r -f -a "md\t'Markdown, from the template'
json\t'JSON (see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -l unreleased -d 'The commits since the last release, under the next version (the default)'
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -l all -d 'Every release of the package, newest first, rebuilt from history in one walk'
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -l write -d 'Put the section into the changelog file (`release.changelog`, or the package\'s `changelog`); with `--all`, every release that has no section yet'
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -l dry-run -d 'With `--write`: print the diff it would apply and change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand changelog" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand notes" -l tag -d 'The notes of the past release tagged TAG (default: the next release)' -r
complete -c git-release -n "__fish_git_release_using_subcommand notes" -l format -d 'Output format' -r -f -a "md\t'Markdown, from the template'
json\t'JSON (see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand notes" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand notes" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand notes" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand notes" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand notes" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand notes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand notes" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand check" -l format -d 'Output format' -r -f -a "table\t'One line per result, grouped by package, then a summary line'
json\t'JSON, schema version 1 (see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand check" -l forge -d 'The forge the release goes through: github or none (its checks then SKIP) (default: `forge.kind`)' -r -f -a "github\t'GitHub, through the `gh` CLI'
none\t'No forge: tags and commits go to the remote with git alone'"
complete -c git-release -n "__fish_git_release_using_subcommand check" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand check" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand check" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand check" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand check" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand check" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand doctor" -l format -d 'Output format' -r -f -a "table\t'One line per result, grouped by package, then a summary line'
json\t'JSON, schema version 1 (see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand doctor" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand doctor" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand doctor" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand doctor" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand doctor" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand run" -l gate-attestation -d 'Approve the plan whose hash is HASH (from `git release plan`); another plan is refused' -r
complete -c git-release -n "__fish_git_release_using_subcommand run" -l approve-major -d 'Approve a major release as this named person, `"Name <email>"`; needs `--gate-attestation` (`[cadence]`: `--yes` alone never approves a major)' -r
complete -c git-release -n "__fish_git_release_using_subcommand run" -l outside-window -d 'Release outside the `[cadence]` window of its bump level; REASON goes into the evidence' -r
complete -c git-release -n "__fish_git_release_using_subcommand run" -l on-failure -d 'On a failed package: stop (block everything after it) or quarantine (block only its dependents)' -r -f -a "stop\t'Block the rest of its tier and every later tier'
quarantine\t'Block only the packages that depend on it, directly or not; release the others'"
complete -c git-release -n "__fish_git_release_using_subcommand run" -l bump -d 'Force the bump level instead of inferring it' -r -f -a "major\t''
minor\t''
patch\t''"
complete -c git-release -n "__fish_git_release_using_subcommand run" -l pre -d 'Make a prerelease on this channel' -r -f -a "alpha\t''
beta\t''
rc\t''"
complete -c git-release -n "__fish_git_release_using_subcommand run" -l mode -d 'pr: release branch, pull request, squash merge; direct: push the release commit to the release branch (default: `release.mode`)' -r -f -a "pr\t'A release branch, a pull request, then a squash merge'
direct\t'A release commit pushed straight to the release branch'"
complete -c git-release -n "__fish_git_release_using_subcommand run" -l forge -d 'The forge to release through: github (with `gh`) or none (direct mode with no pull request, forge release or blocker issues) (default: `forge.kind`)' -r -f -a "github\t'GitHub, through the `gh` CLI'
none\t'No forge: tags and commits go to the remote with git alone'"
complete -c git-release -n "__fish_git_release_using_subcommand run" -l workspace -d 'Release the repositories a workspace file lists (`[[repo]] name, path, depends_on`), tier by tier, pinning downstream dependencies to the versions just released' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand run" -l resume -d 'Resume run RUN instead of starting one (same as `git release resume RUN`)' -r
complete -c git-release -n "__fish_git_release_using_subcommand run" -l format -d 'Output format of the summary' -r -f -a "table\t'A table, then the report'
json\t'JSON (schema version 1; see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand run" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand run" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand run" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand run" -l dry-run -d 'Print every change the run would make (diffs, refs, commands, gh calls); change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand run" -s y -l yes -d 'Approve the plan without a prompt'
complete -c git-release -n "__fish_git_release_using_subcommand run" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand run" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand run" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand resume" -l gate-attestation -d 'Approve the run\'s plan hash' -r
complete -c git-release -n "__fish_git_release_using_subcommand resume" -l forge -d 'The forge to go on through: github or none (default: what the run started with)' -r -f -a "github\t'GitHub, through the `gh` CLI'
none\t'No forge: tags and commits go to the remote with git alone'"
complete -c git-release -n "__fish_git_release_using_subcommand resume" -l format -d 'Output format of the summary' -r -f -a "table\t'A table, then the report'
json\t'JSON (schema version 1; see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand resume" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand resume" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand resume" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand resume" -s y -l yes -d 'Approve without a prompt'
complete -c git-release -n "__fish_git_release_using_subcommand resume" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand resume" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand resume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand resume" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand status" -l format -d 'Output format' -r -f -a "table\t'A table, then the report'
json\t'JSON (schema version 1; see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand status" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand status" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand status" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand status" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand status" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand status" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l run -d 'The run whose unpublished work to undo' -r
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l reason -d 'Why: the trigger\'s description in the evidence record' -r
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l severity -d 'How severe the issue is (seed 004\'s decision matrix: who must approve)' -r -f -a "critical\t'Widespread impact: immediate rollback, approved afterwards (post-hoc)'
high\t'Significant impact: immediate rollback, approved by a named person (the Director)'
medium\t'Limited impact: a planned rollback, approved by the operator (the Orchestrator)'
low\t'Minimal impact: the seed advises fixing forward; a rollback is approved like medium'"
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l issue -d 'The issue that triggered the rollback (a reference or URL)' -r
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l approver -d 'Who approved the rollback (a person\'s name; required for high severity off a terminal)' -r
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l dry-run -d 'Print every action (the commits to revert and the diffstat); change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -l delete-remote-tag -d 'Also delete the tag on the remote (`rollback TAG` only; never without this flag)'
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -s y -l yes -d 'Approve without asking (medium and low severity only)'
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -f -a "start" -d 'Plan the train, ask the gate, cut and push the RC branches, write the manifest'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -f -a "tag" -d 'Tag the next release candidate `X.Y.Z-rc.N` on every RC head and push it'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -f -a "status" -d 'Show the manifest with the RC heads, CI, issues, dependencies and gates'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -f -a "promote" -d 'Check the gates, merge along the flow and release the stable versions'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -f -a "abort" -d 'Close the train\'s pull requests, delete its RC branches (RC tags are kept)'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and not __fish_seen_subcommand_from start tag status promote abort help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -l version -d 'The train\'s version, given to every package (default: as `plan` infers)' -r
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -l bump -d 'Force the bump level instead of inferring it' -r -f -a "major\t''
minor\t''
patch\t''"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -l workspace -d 'The workspace file listing the repositories of the train' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -l gate-attestation -d 'Approve only if the plan hash is HASH' -r
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -l format -d 'Output format' -r -f -a "table\t'A table, then the report'
json\t'JSON (schema version 1; see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -s y -l yes -d 'Approve the plan without a prompt'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -l dry-run -d 'Show what would be done; change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -l workspace -d 'The workspace file of a workspace train' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -l dry-run -d 'Show what would be done; change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from tag" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -l workspace -d 'The workspace file of a workspace train' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -l format -d 'Output format' -r -f -a "table\t'A table, then the report'
json\t'JSON (schema version 1; see the README)'"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -l workspace -d 'The workspace file of a workspace train' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -l gate-attestation -d 'Approve only if the promotion hash is HASH' -r
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -l approve-major -d 'Approve a major release as this named person, `"Name <email>"`; needs `--gate-attestation` (`[cadence]`: `--yes` alone never approves a major)' -r
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -l outside-window -d 'Promote outside the `[cadence]` window of its bump level; REASON is recorded' -r
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -s y -l yes -d 'Approve the promotion without a prompt'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from promote" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -l workspace -d 'The workspace file of a workspace train' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -l dry-run -d 'Show what would be done; change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from abort" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from help" -f -a "start" -d 'Plan the train, ask the gate, cut and push the RC branches, write the manifest'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from help" -f -a "tag" -d 'Tag the next release candidate `X.Y.Z-rc.N` on every RC head and push it'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the manifest with the RC heads, CI, issues, dependencies and gates'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from help" -f -a "promote" -d 'Check the gates, merge along the flow and release the stable versions'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from help" -f -a "abort" -d 'Close the train\'s pull requests, delete its RC branches (RC tags are kept)'
complete -c git-release -n "__fish_git_release_using_subcommand rc; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-release -n "__fish_git_release_using_subcommand sync" -l approve -d 'Execute the recorded dry-run DRYRUN of the one sync named' -r
complete -c git-release -n "__fish_git_release_using_subcommand sync" -l format -d 'Output format' -r -f -a "text\t'The readable report'
json\t'The sync log records, `{"syncs": [{"sync_log": …}]}`'"
complete -c git-release -n "__fish_git_release_using_subcommand sync" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand sync" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand sync" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand sync" -l dry-run -d 'Show and record what would change; change nothing'
complete -c git-release -n "__fish_git_release_using_subcommand sync" -l log -d 'List the executions in the sync log (of the syncs named, or all): dry-run, approval, status'
complete -c git-release -n "__fish_git_release_using_subcommand sync" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand sync" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand sync" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s C -d 'Run as if started in DIR (like `git -C`)' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand completions" -l config -d 'Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`' -r -F
complete -c git-release -n "__fish_git_release_using_subcommand completions" -l color -d 'When to colour output; `NO_COLOR` turns colour off under `auto`' -r -f -a "auto\t'Colour when stdout is a terminal and `NO_COLOR` is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s q -l quiet -d 'Print nothing but errors; the exit code still answers'
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s v -l verbose -d 'Say more on stderr (ignored tags, skipped manifests); repeat for more'
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-release -n "__fish_git_release_using_subcommand completions" -s V -l version -d 'Print version'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "plan" -d 'Show the next version of each package and why'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "calibrate" -d 'Learn the bump rules from past releases and report how well they fit'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "init" -d 'Write a starter git-release.toml'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "tag" -d 'Create, reconcile and push release tags'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "hook" -d 'Install git hooks that stop tag conflicts and bad commit messages'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "changelog" -d 'Print or write the changelog section of a release'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "notes" -d 'Print the release notes of the next release or a past one'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "check" -d 'Run the preflight checks and show what would stop a release'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "doctor" -d 'Check the environment: binary, git, gh, hooks, configuration, history'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "run" -d 'Carry out the release plan: bump, changelog, commit, push, PR, tag, publish'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "resume" -d 'Go on with a stopped or failed run'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "status" -d 'List release runs, or show where one stands and what resume would do'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "rollback" -d 'Undo an unpublished run, or take back a published release'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "rc" -d 'Run release trains: release-candidate branches across repositories, promoted together'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "sync" -d 'Mirror refs or copy files to other repositories, after an approved dry-run'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c git-release -n "__fish_git_release_using_subcommand help; and not __fish_seen_subcommand_from plan calibrate init tag hook changelog notes check doctor run resume status rollback rc sync completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "install" -d 'Write the pre-push and commit-msg shims (an existing hook is chained, not overwritten)'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "uninstall" -d 'Remove the shims and restore what was there before'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "pre-push" -d 'The pre-push check (git runs it with the push\'s refs on stdin)'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "commit-msg" -d 'The commit-msg check (git runs it with the message file)'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from rc" -f -a "start" -d 'Plan the train, ask the gate, cut and push the RC branches, write the manifest'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from rc" -f -a "tag" -d 'Tag the next release candidate `X.Y.Z-rc.N` on every RC head and push it'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from rc" -f -a "status" -d 'Show the manifest with the RC heads, CI, issues, dependencies and gates'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from rc" -f -a "promote" -d 'Check the gates, merge along the flow and release the stable versions'
complete -c git-release -n "__fish_git_release_using_subcommand help; and __fish_seen_subcommand_from rc" -f -a "abort" -d 'Close the train\'s pull requests, delete its RC branches (RC tags are kept)'
