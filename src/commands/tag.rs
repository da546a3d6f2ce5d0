//! `git release tag`: create release tags, reconcile them against the remote, push them.

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::Error;
use crate::git::cli::Git;
use crate::plan;
use crate::release::tagging;
use crate::tags::{self, Row, Status};

/// Create, reconcile and push release tags
///
/// Without options, creates the annotated tag of each package (with `git tag -a`, so
/// `tag.gpgSign` and `user.signingKey` apply) on HEAD: for the version in its version files
/// when that is newer than its last release, else the plan's next version. `--reconcile`
/// compares each tag with the remote (one `git ls-remote`), fetches the tags only the remote
/// has, and stops on a conflict. `--push` reconciles, creates what is missing and pushes with
/// `git push --atomic`. Nothing is ever forced.
#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
pub struct TagArgs {
    /// Packages to tag (default: every package with a version to tag); with `--reconcile`,
    /// tag names are accepted too
    #[arg(value_name = "PKG|TAG")]
    pub names: Vec<String>,

    /// Tag this version instead of the inferred one (one package only)
    #[arg(long, value_name = "X.Y.Z")]
    pub version: Option<String>,

    /// Tag this commit instead of HEAD
    #[arg(long, value_name = "REV")]
    pub at: Option<String>,

    /// Sign the tag (`git tag -s`), whatever `tag.gpgSign` says
    #[arg(long)]
    pub sign: bool,

    /// Compare local and remote tags and settle the differences that are safe to settle
    #[arg(long)]
    pub reconcile: bool,

    /// Reconcile, create missing tags, then push them atomically
    #[arg(long)]
    pub push: bool,

    /// Print what would be done; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// The remote to compare with and push to (default: `release.remote`)
    #[arg(long, value_name = "NAME")]
    pub remote: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: TagOutput,
}

/// Output formats of `tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TagOutput {
    /// An aligned table.
    Table,
    /// JSON: `{"remote", "tags": [{tag, status, local_object, local_commit, remote_object, remote_commit, action}]}`.
    Json,
}

/// Runs `git release tag`.
///
/// # Errors
/// A bad tag name or version (exit 2); an existing tag at another commit, a conflict with
/// the remote, an unreachable remote or a rejected push (exit 1).
pub fn run(global: &GlobalArgs, args: &TagArgs) -> Result<()> {
    let ctx = Ctx::open(global)?;
    let git = Git::new(&ctx.repo.root());
    let remote = args.remote.clone().unwrap_or_else(|| ctx.config.remote.clone());

    let plan = plan::build(&ctx.repo, &ctx.config, &plan::Options::default())?;
    let known: Vec<&str> = plan.packages.list.iter().map(|p| p.name.as_str()).collect();
    let (packages, explicit_tags): (Vec<String>, Vec<String>) =
        args.names.iter().cloned().partition(|n| known.contains(&n.as_str()));
    if !explicit_tags.is_empty() && !args.reconcile {
        return Err(Error::usage(format!("unknown package `{}`", explicit_tags[0]))
            .with_hint(format!(
                "known packages: {}; to reconcile tags by name, add `--reconcile`",
                known.join(", ")
            ))
            .into());
    }
    if args.version.is_some() && packages.len() != 1 && known.len() != 1 {
        return Err(Error::usage("`--version` needs exactly one package").into());
    }

    let commit = tagging::resolve_commit(&git, args.at.as_deref().unwrap_or("HEAD"))?;
    let mut local = tags::local_tags(&ctx.repo)?;
    let targets = if explicit_tags.is_empty() {
        let include_current = (args.reconcile || args.push).then_some(&local);
        let (targets, skipped) =
            tagging::targets(&plan, &packages, args.version.as_deref(), &commit, include_current)?;
        for line in skipped {
            ctx.ui.status(&line);
        }
        targets
    } else {
        for tag in &explicit_tags {
            tags::validate_name(tag)?;
        }
        Vec::new()
    };
    for target in &targets {
        tags::validate_name(&target.tag)?;
    }

    // Creation alone never talks to the remote.
    if !args.reconcile && !args.push {
        let mut rows = Vec::new();
        for t in &targets {
            let mut row = tagging::create(&git, &mut local, t, args.sign, args.dry_run)?;
            // The remote was not asked: say nothing about it.
            row.status = Status::Missing;
            rows.push(row);
        }
        return print_created(&ctx, &rows, args.format);
    }

    // The remote is read first, so an unreachable remote changes nothing locally.
    let remote_tags = git.ls_remote_tags(&remote)?;
    let names: Vec<String> = if explicit_tags.is_empty() {
        targets.iter().map(|t| t.tag.clone()).collect()
    } else {
        explicit_tags
    };
    if args.push {
        // A tag to push that exists at another commit is refused as creation alone refuses
        // it (issue 12, item 16): "BOTH, nothing to do" would hide that the release the
        // user asked for was never tagged.
        tagging::refuse_moved(&targets, &local, &remote_tags)?;
    }
    let mut rows: Vec<Row> =
        names.iter().map(|n| tags::status_of(n, &local, &remote_tags)).collect();
    let conflicts = rows.iter().any(|r| r.status == Status::Conflict);
    if args.push && !conflicts {
        for row in &mut rows {
            if row.status == Status::Missing
                && let Some(t) = targets.iter().find(|t| t.tag == row.tag)
            {
                let created = tagging::create(&git, &mut local, t, args.sign, args.dry_run)?;
                *row = tags::status_of(&row.tag, &local, &remote_tags);
                if args.dry_run {
                    row.status = Status::LocalOnly;
                }
                row.action = created.action;
            }
        }
    }
    let created: Vec<(String, String)> = rows
        .iter()
        .filter(|r| !r.action.is_empty())
        .map(|r| (r.tag.clone(), r.action.clone()))
        .collect();
    // With a conflict nothing is changed: the other rows say what would be done.
    tags::settle(&git, &remote, &mut rows, args.dry_run || conflicts)?;
    if conflicts {
        print(&ctx, &remote, &rows, args.format)?;
        return Err(Error::failed("tag conflict with the remote: nothing was pushed")
            .with_hint("see the action of each CONFLICT row; a published tag is never moved")
            .into());
    }
    if args.push {
        let to_push: Vec<String> =
            rows.iter().filter(|r| r.status == Status::LocalOnly).map(|r| r.tag.clone()).collect();
        if !to_push.is_empty() {
            let refspecs: Vec<String> = to_push.iter().map(|t| format!("refs/tags/{t}")).collect();
            if !args.dry_run {
                git.push_refspecs(&remote, &refspecs, true).map_err(|e| {
                    Error::failed(format!("the push was rejected; the tags stay local: {e}"))
                        .with_hint("run `git release tag --reconcile` to see why")
                })?;
            }
            for row in rows.iter_mut().filter(|r| r.status == Status::LocalOnly) {
                let verb = if args.dry_run { "would push" } else { "pushed" };
                let before =
                    created.iter().find(|(t, _)| *t == row.tag).map(|(_, a)| format!("{a}; "));
                row.action = format!(
                    "{}{verb} with `git push --atomic -- {remote} {}`",
                    before.unwrap_or_default(),
                    refspecs.join(" ")
                );
                if !args.dry_run {
                    row.status = Status::Both;
                    row.remote_object.clone_from(&row.local_object);
                    row.remote_commit.clone_from(&row.local_commit);
                }
            }
        }
    }
    print(&ctx, &remote, &rows, args.format)
}

/// Prints created tags: tag, commit, action (the remote was not consulted).
fn print_created(ctx: &Ctx, rows: &[Row], format: TagOutput) -> Result<()> {
    if format == TagOutput::Json {
        #[derive(Serialize)]
        struct Created<'a> {
            tag: &'a str,
            object: Option<&'a str>,
            commit: Option<&'a str>,
            action: &'a str,
        }
        let list: Vec<Created<'_>> = rows
            .iter()
            .map(|r| Created {
                tag: &r.tag,
                object: r.local_object.as_deref(),
                commit: r.local_commit.as_deref(),
                action: &r.action,
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&serde_json::json!({ "tags": list }))
            .expect("tag rows always serialise");
        text.push('\n');
        return ctx.ui.data(&text);
    }
    if rows.is_empty() {
        ctx.ui.status("no tags to create");
        return Ok(());
    }
    let table = crate::ui::plain_table(
        ["tag", "commit", "action"],
        rows.iter().map(|r| {
            [r.tag.clone(), tags::short(r.local_commit.as_deref()).to_owned(), r.action.clone()]
        }),
    );
    ctx.ui.data(&table)
}

/// Prints the rows as a table or JSON; exit code stays with the caller.
fn print(ctx: &Ctx, remote: &str, rows: &[Row], format: TagOutput) -> Result<()> {
    match format {
        TagOutput::Json => {
            #[derive(Serialize)]
            struct Document<'a> {
                remote: &'a str,
                tags: &'a [Row],
            }
            let mut text = serde_json::to_string_pretty(&Document { remote, tags: rows })
                .expect("tag rows always serialise");
            text.push('\n');
            ctx.ui.data(&text)
        }
        TagOutput::Table => {
            if rows.is_empty() {
                ctx.ui.status("no tags to create");
                return Ok(());
            }
            let table = crate::ui::plain_table(
                ["tag", "status", "local", "remote", "action"],
                rows.iter().map(|r| {
                    [
                        r.tag.clone(),
                        r.status.as_str().to_owned(),
                        tags::short(r.local_commit.as_deref()).to_owned(),
                        tags::short(r.remote_commit.as_deref()).to_owned(),
                        r.action.clone(),
                    ]
                }),
            );
            ctx.ui.data(&table)
        }
    }
}
