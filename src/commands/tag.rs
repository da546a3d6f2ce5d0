//! `git release tag`: create release tags, reconcile them against the remote, push them.

use anyhow::Result;
use clap::{Args, ValueEnum};
use semver::Version;
use serde::Serialize;

use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::Error;
use crate::git::cli::Git;
use crate::plan::{self, Status as PlanStatus};
use crate::release::steps;
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

/// A tag to create: name, commit, message.
#[derive(Debug, Clone)]
struct Target {
    tag: String,
    commit: String,
    message: String,
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

    let commit = resolve_commit(&git, args.at.as_deref().unwrap_or("HEAD"))?;
    let mut local = tags::local_tags(&ctx.repo)?;
    let targets = if explicit_tags.is_empty() {
        let include_current = (args.reconcile || args.push).then_some(&local);
        targets(&ctx, &plan, &packages, args.version.as_deref(), &commit, include_current)?
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
            let mut row = create(&git, &mut local, t, args.sign, args.dry_run)?;
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
        for t in &targets {
            let elsewhere = local
                .get(&t.tag)
                .map(|(_, commit)| commit.as_str())
                .or_else(|| remote_tags.get(&t.tag).map(|r| r.peeled.as_str()))
                .filter(|commit| **commit != *t.commit);
            if let Some(commit) = elsewhere {
                return Err(Error::failed(format!(
                    "tag `{}` already exists at commit {}, not {}",
                    t.tag,
                    tags::short(Some(commit)),
                    tags::short(Some(&t.commit))
                ))
                .with_hint("a release tag is never moved: release a new version, or delete the tag yourself if it was never published")
                .into());
            }
        }
    }
    let mut rows: Vec<Row> =
        names.iter().map(|n| tags::status_of(n, &local, &remote_tags)).collect();
    let conflicts = rows.iter().any(|r| r.status == Status::Conflict);
    if args.push && !conflicts {
        for row in &mut rows {
            if row.status == Status::Missing
                && let Some(t) = targets.iter().find(|t| t.tag == row.tag)
            {
                let created = create(&git, &mut local, t, args.sign, args.dry_run)?;
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

/// The tags to create for the selected packages (all when none are named).
fn targets(
    ctx: &Ctx,
    plan: &plan::Plan,
    packages: &[String],
    forced: Option<&str>,
    commit: &str,
    include_current: Option<&std::collections::BTreeMap<String, (String, String)>>,
) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for pkg in &plan.packages.list {
        if !packages.is_empty() && !packages.contains(&pkg.name) {
            continue;
        }
        let row = plan.rows.iter().find(|r| r.name == pkg.name);
        let current =
            row.and_then(|r| r.current_version.as_deref()).and_then(|v| Version::parse(v).ok());
        let from_plan = row
            .filter(|r| r.status == PlanStatus::Release)
            .and_then(|r| r.next_version.as_deref())
            .and_then(|v| Version::parse(v).ok());
        let version = match forced {
            Some(v) => Some(Version::parse(v.trim_start_matches('v')).map_err(|e| {
                Error::usage(format!("`--version {v}` is not a semantic version: {e}"))
            })?),
            None => match (&pkg.file_version, &current) {
                (Some(file), Some(cur)) if file > cur => Some(file.clone()),
                (Some(file), None) if from_plan.is_none() => Some(file.clone()),
                _ => from_plan.clone(),
            },
        };
        let Some(version) = version else {
            // Reconcile and push also cover the last release, which may be local only.
            let current_tag = row.and_then(|r| r.current_tag.clone());
            if let Some((tag, (_, tagged))) = current_tag
                .and_then(|tag| include_current.and_then(|m| m.get(&tag)).map(|t| (tag, t)))
            {
                out.push(Target { tag, commit: tagged.clone(), message: String::new() });
                continue;
            }
            ctx.ui.status(&format!(
                "{}: nothing to tag (no release since {})",
                pkg.name,
                current.map_or_else(|| "the start".to_owned(), |c| c.to_string())
            ));
            continue;
        };
        let tag = pkg.tag_formats[0].format(&version);
        // The commits that asked for it, when the version is the plan's.
        let changes = match row.filter(|_| from_plan.as_ref() == Some(&version)) {
            Some(row) => steps::change_list(
                row.reasons
                    .iter()
                    .map(|r| (r.summary.as_str(), r.commit.as_str(), r.bump.as_str())),
            ),
            None => String::new(),
        };
        let message = steps::tag_message(&tag, &changes);
        out.push(Target { tag, commit: commit.to_owned(), message });
    }
    Ok(out)
}

/// Creates one annotated tag, unless it exists at the same commit (then nothing changes).
fn create(
    git: &Git,
    local: &mut std::collections::BTreeMap<String, (String, String)>,
    target: &Target,
    sign: bool,
    dry_run: bool,
) -> Result<Row> {
    let mut row = Row {
        tag: target.tag.clone(),
        status: Status::LocalOnly,
        local_object: None,
        local_commit: Some(target.commit.clone()),
        remote_object: None,
        remote_commit: None,
        action: String::new(),
    };
    if let Some((object, commit)) = local.get(&target.tag) {
        if *commit != target.commit {
            return Err(Error::failed(format!(
                "tag `{}` already exists at commit {}, not {}",
                target.tag,
                tags::short(Some(commit)),
                tags::short(Some(&target.commit))
            ))
            .with_hint("a release tag is never moved: release a new version, or delete the tag yourself if it was never published")
            .into());
        }
        row.local_object = Some(object.clone());
        row.action = "exists at this commit; unchanged".to_owned();
        return Ok(row);
    }
    if dry_run {
        row.action = format!(
            "would run `{} -m <notes> {} {}`",
            crate::ui::command_line(&["git", "tag", if sign { "-s" } else { "-a" }]),
            crate::ui::command_line(&[&target.tag]),
            tags::short(Some(&target.commit))
        );
        return Ok(row);
    }
    git.tag_annotated(&target.tag, &target.commit, &target.message, sign)?;
    let object = git.rev_parse(&format!("refs/tags/{}", target.tag)).ok_or_else(|| {
        Error::failed(format!("tag `{}` was created but cannot be read back", target.tag))
    })?;
    local.insert(target.tag.clone(), (object.clone(), target.commit.clone()));
    row.local_object = Some(object);
    row.action = format!("created{}", if sign { " (signed)" } else { "" });
    Ok(row)
}

/// The commit `rev` names.
fn resolve_commit(git: &Git, rev: &str) -> Result<String> {
    if rev.starts_with('-') {
        return Err(Error::usage(format!("`{rev}` is not a revision")).into());
    }
    git.commit_of(rev).ok_or_else(|| Error::usage(format!("`{rev}` does not name a commit")).into())
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
