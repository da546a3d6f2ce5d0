//! `git release hook`: install the hooks, and the `pre-push` and `commit-msg` checks they run.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::context::GlobalArgs;
use crate::context::{Ctx, start_dir};
use crate::error::{Error, Exit};
use crate::git::cli::Git;
use crate::git::read::Repo;
use crate::hooks::{self, PushLine};
use crate::packages;
use crate::ui::{Ui, command_line};

/// Install git hooks that stop tag conflicts and bad commit messages
///
/// `install` writes the `pre-push` and `commit-msg` shims into the hooks directory
/// (`core.hooksPath` honoured); a hook already there is kept and runs first. `pre-push`
/// refuses a push that would move or delete a release tag on the remote, or push a tag whose
/// version disagrees with the version files. `commit-msg` refuses a message that is not a
/// Conventional Commit when `release.strict_commits` is set.
#[derive(Debug, Args)]
#[allow(missing_docs, reason = "clap would turn a doc comment here into help text")]
pub struct HookArgs {
    #[command(subcommand)]
    pub action: HookAction,
}

/// What `hook` does.
#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Write the pre-push and commit-msg shims (an existing hook is chained, not overwritten)
    Install {
        /// Set an existing hook aside instead of chaining it (uninstall restores it)
        #[arg(long)]
        force: bool,
        /// Print what would be done; change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove the shims and restore what was there before
    Uninstall {
        /// Print what would be done; change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// The pre-push check (git runs it with the push's refs on stdin)
    PrePush {
        /// The remote's name
        remote: String,
        /// The remote's URL
        url: String,
    },
    /// The commit-msg check (git runs it with the message file)
    CommitMsg {
        /// The file holding the commit message
        file: PathBuf,
    },
}

/// Runs `git release hook …`.
///
/// # Errors
/// Install or uninstall failing to write (exit 1); a refused push or commit message (exit 1,
/// after printing one line per problem).
pub fn run(global: &GlobalArgs, args: &HookArgs) -> Result<()> {
    let ui = Ui::new(global.quiet, global.verbose, global.color);
    match &args.action {
        HookAction::Install { force, dry_run } => {
            let dir = hooks_dir(&start_dir(global)?)?;
            let done = hooks::install(&dir, *force, *dry_run)?;
            report(&ui, &dir, &done, *dry_run)
        }
        HookAction::Uninstall { dry_run } => {
            let dir = hooks_dir(&start_dir(global)?)?;
            let done = hooks::uninstall(&dir, *dry_run)?;
            report(&ui, &dir, &done, *dry_run)
        }
        HookAction::PrePush { remote, url } => pre_push(global, &ui, remote, url),
        HookAction::CommitMsg { file } => commit_msg(global, &ui, file),
    }
}

/// The hooks directory git uses here (`git rev-parse --git-path hooks` honours
/// `core.hooksPath` and linked worktrees).
fn hooks_dir(dir: &Path) -> Result<PathBuf> {
    let repo = Repo::discover(dir)?;
    let root = repo.root();
    Git::new(&root).git_path("hooks")
}

fn report(ui: &Ui, dir: &Path, done: &[hooks::Outcome], dry_run: bool) -> Result<()> {
    let mut out = String::new();
    let prefix = if dry_run { "would: " } else { "" };
    for o in done {
        let _ = writeln!(out, "{}: {prefix}{} ({})", o.hook, o.action, dir.join(&o.hook).display());
    }
    ui.data(&out)
}

/// The pre-push check. Reads git's lines from stdin; a push without tags exits at once
/// without opening the repository. Uses only what git hands it: no network call.
fn pre_push(global: &GlobalArgs, ui: &Ui, remote: &str, _url: &str) -> Result<()> {
    let mut raw = Vec::new();
    std::io::stdin().read_to_end(&mut raw).context("failed to read the pre-push input")?;
    let input = String::from_utf8_lossy(&raw);
    let lines = match hooks::parse_push_lines(&input) {
        Ok(lines) => lines,
        Err(problem) => {
            ui.status(&format!("git-release pre-push: {problem}"));
            ui.status("  the push is refused because its tags cannot be checked; this input comes from git itself, so report it");
            return Err(Error::silent(Exit::Failure).into());
        }
    };
    let tag_lines: Vec<&PushLine> = lines.iter().filter(|l| l.tag().is_some()).collect();
    if tag_lines.is_empty() {
        return Ok(());
    }

    let ctx = Ctx::open(global)?;
    let allow_delete = std::env::var("GIT_RELEASE_ALLOW_TAG_DELETE").is_ok_and(|v| v == "1");
    let head_tree = ctx.repo.head_commit()?.map(|h| ctx.repo.tree_of(&h)).transpose()?;
    let fallback = ctx
        .repo
        .root()
        .file_name()
        .map_or_else(|| "package".to_owned(), |n| n.to_string_lossy().into_owned());
    let formats_of =
        |tree| packages::resolve_without_drift(&ctx.repo, &ctx.config, tree, &fallback);
    let at_head = match head_tree {
        Some(tree) => Some(formats_of(tree)?),
        None => None,
    };
    let mut problems: Vec<String> = Vec::new();
    for line in tag_lines {
        let tag = line.tag().expect("filtered on tags");
        // Which package, if any, this tag is a release of.
        let release = at_head.as_ref().and_then(|pk| {
            pk.list.iter().find_map(|p| {
                p.tag_formats.iter().find_map(|f| f.parse_tag(tag)).map(|v| (p.name.clone(), v))
            })
        });
        let shaped = at_head.as_ref().is_some_and(|pk| {
            pk.list.iter().any(|p| p.tag_formats.iter().any(|f| f.matches_affixes(tag)))
        });
        if line.is_deletion() {
            if (release.is_some() || shaped) && !allow_delete {
                problems.push(format!(
                    "`{tag}`: deleting a release tag on `{remote}` is refused; if you mean it: `GIT_RELEASE_ALLOW_TAG_DELETE=1 {}`",
                    command_line(&["git", "push", remote, &format!(":refs/tags/{tag}")])
                ));
            }
            continue;
        }
        if !hooks::is_zero(&line.remote_sha) && line.remote_sha != line.local_sha {
            problems.push(format!(
                "`{tag}` exists on `{remote}` at {}, and this push would replace it with {}; a published tag is never moved: `{} && {}`",
                &line.remote_sha[..12],
                &line.local_sha[..12],
                command_line(&["git", "tag", "-d", tag]),
                command_line(&["git", "fetch", remote, &format!("refs/tags/{tag}:refs/tags/{tag}")]),
            ));
            continue;
        }
        if shaped && release.is_none() {
            problems.push(format!(
                "`{tag}` looks like a release tag but its version is not a semantic version; delete it (`{}`) and tag `X.Y.Z`",
                command_line(&["git", "tag", "-d", tag])
            ));
            continue;
        }
        let Some((package, version)) = release else { continue };
        let object = gix::ObjectId::from_hex(line.local_sha.as_bytes())
            .context("invalid object id on stdin")?;
        let Some(commit) = ctx.repo.peel(object)? else {
            // A release is a commit: a tag of a tree or a blob would be ignored by every
            // plan, and mislead anyone reading the remote's tags.
            problems.push(format!(
                "`{tag}` is a release tag of package `{package}`, but it points at a tree or a blob, not a commit; delete it (`{}`) and tag the release commit",
                command_line(&["git", "tag", "-d", tag])
            ));
            continue;
        };
        let tree = ctx.repo.tree_of(&commit)?;
        let at_commit = formats_of(tree)?;
        let pkg = at_commit.list.iter().find(|p| p.name == package);
        if let Some(file_version) = pkg.and_then(|p| p.file_version.clone())
            && file_version != version
        {
            let files = pkg.map(|p| p.version_files.join(", ")).unwrap_or_default();
            let other_tag = pkg.map_or_else(
                || file_version.to_string(),
                |p| p.tag_formats[0].format(&file_version),
            );
            problems.push(format!(
                "`{tag}` says {version}, but the version files ({files}) at {} hold {file_version}; set them to {version} and tag that commit, or tag `{other_tag}` instead",
                &commit.to_string()[..12]
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    for p in &problems {
        ui.status(&format!("git-release pre-push: {p}"));
    }
    Err(Error::silent(Exit::Failure).into())
}

/// The commit-msg check: only when `release.strict_commits` is set.
fn commit_msg(global: &GlobalArgs, ui: &Ui, file: &Path) -> Result<()> {
    let ctx = Ctx::open(global)?;
    if !ctx.config.strict_commits {
        return Ok(());
    }
    let path = if file.is_absolute() { file.to_owned() } else { ctx.repo.root().join(file) };
    let path = if path.exists() { path } else { file.to_owned() };
    let raw =
        std::fs::read(&path).with_context(|| format!("failed to read `{}`", path.display()))?;
    let Some(problem) = hooks::commit_msg_problem(&String::from_utf8_lossy(&raw)) else {
        return Ok(());
    };
    ui.status(&format!(
        "git-release commit-msg: the message is not a Conventional Commit: {problem}"
    ));
    ui.status(
        "  write `<type>(<scope>): <description>`, for example `fix(parser): accept empty input`",
    );
    ui.status("  (release.strict_commits is set; merges, fixup!, squash! and reverts pass)");
    Err(Error::silent(Exit::Failure).into())
}
