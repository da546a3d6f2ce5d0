//! `rollback TAG`: take back a published release — the whole release reverted under the
//! package's path (through a pull request, or pushed in direct mode), the forge release
//! marked as a prerelease with a note, `[commands] yank` run, and with
//! `--delete-remote-tag` the remote tag deleted.

use anyhow::Result;

use super::revert::{self, Landing, RevertPlan};
use super::{Actions, Options, Outcome, approval};
use crate::config::Mode;
use crate::context::Ctx;
use crate::error::{Error, ErrorCode};
use crate::forge::{self, Forge as _, Gh, Outcome as Answer, Request};
use crate::git::cli::Git;
use crate::packages::Package;
use crate::release::steps;

/// Takes back the published release `tag` of one of the configured packages.
///
/// # Errors
/// A malformed or unknown tag, a tag no package owns, a first release (nothing to go back
/// to) (exit 2); the gate refused (exit 4); a conflicting revert, a push refused, a forge or
/// `commands.yank` failure (exit 1). Before the revert is pushed, nothing has changed.
pub fn published(ctx: &Ctx, tag: &str, options: &Options) -> Result<Outcome> {
    crate::tags::validate_name(tag)?;
    let root = ctx.repo.root();
    let git = Git::new(&root);
    let remote = ctx.config.remote.clone();
    let out = git.ls_remote(&remote, true, &[&format!("refs/tags/{tag}")])?;
    let on_remote = crate::git::cli::parse_ls_remote(&out).contains_key(tag);
    let local = git.commit_of(&format!("refs/tags/{tag}"));
    if !on_remote && local.is_none() {
        return Err(Error::usage(format!(
            "tag `{tag}` exists neither here nor on remote `{remote}`"
        ))
        .into());
    }
    // The packages as the plan resolves them (configured and manifest dependencies): who
    // owns the tag, what depends on it, and the release before it.
    let packages = crate::plan::build(&ctx.repo, &ctx.config, &crate::plan::Options::default())
        .map(|plan| plan.packages.list)
        .unwrap_or_default();
    let Some(owner) =
        packages.iter().find(|p| p.tag_formats.iter().any(|f| f.parse_tag(tag).is_some()))
    else {
        return Err(Error::usage(format!("tag `{tag}` is not a release tag of any package"))
            .with_hint("check the package's `tag_format`, and `git release plan` for the packages")
            .into());
    };
    let Some(previous) = previous_release(ctx, owner, tag) else {
        return Err(Error::usage(format!(
            "`{tag}` is the first release of `{}`: there is no earlier release to go back to",
            owner.name
        ))
        .with_hint(
            "withdraw it instead: `--delete-remote-tag`, and `[commands] yank` for the registry",
        )
        .into());
    };
    if local.is_none() {
        if options.dry_run {
            return Err(Error::usage(format!("tag `{tag}` is only on `{remote}`"))
                .with_hint(format!("fetch it first: `git fetch {remote} tag {tag}`"))
                .into());
        }
        git.fetch_tag(&remote, tag, false)?;
    }
    let plan = revert::plan(&git, tag, &previous, &owner.path)?;
    let gh = Gh::for_forge(&ctx.config.forge)?;
    let branch = format!("rollback/{}", steps::slug(tag));
    let direct = ctx.config.mode == Mode::Direct;
    let mut actions = Actions::new(options.dry_run);
    let mut outcome = Outcome {
        kind: options.severity.rollback_type(),
        from: tag.to_owned(),
        to: previous.clone(),
        actions: Vec::new(),
        left_alone: Vec::new(),
        reverted_commits: plan.commits.clone(),
        revert_commit: None,
        diffstat: Some(plan.diffstat.clone()),
        approval: None,
    };
    if !options.dry_run {
        let base = &ctx.config.branch;
        git.fetch(&remote, &format!("refs/heads/{base}:refs/remotes/{remote}/{base}"))?;
    }
    let done_by = already_reverted(&git, &remote, &ctx.config.branch, &plan);
    let pr_exists = !direct && revert_pr_exists(&gh, &root, &branch);
    if !options.dry_run {
        let ask = approval::Ask {
            severity: options.severity,
            yes: options.yes,
            approver: options.approver.as_deref(),
            shown: &plan.describe(),
        };
        outcome.approval = Some(approval::approve(ctx, &ask)?);
    }
    if let Some(commit) = &done_by {
        outcome.left_alone.push(format!(
            "`{tag}` is reverted already on `{}` by {}",
            ctx.config.branch,
            revert::short(commit)
        ));
    } else if pr_exists {
        outcome.left_alone.push(format!("a revert pull request from `{branch}` exists already"));
    } else {
        let landing = Landing {
            remote: remote.clone(),
            base: ctx.config.branch.clone(),
            branch: branch.clone(),
            worktree: ctx
                .repo
                .common_dir()
                .join("release")
                .join("worktrees")
                .join(format!("rollback-{}", steps::slug(tag))),
            direct,
        };
        let target = if direct { &landing.base } else { &landing.branch };
        let mut made = None;
        actions.act(
            format!("{}and push it to `{target}` on `{remote}`", plan.describe()),
            Some(&owner.name),
            || {
                made = Some(revert::apply(&git, &plan, &landing, &options.reason)?);
                Ok(())
            },
        )?;
        outcome.revert_commit = made;
        if !direct {
            open_pull_request(ctx, &gh, &mut actions, &plan, &branch, options)?;
        }
    }
    mark_release(&gh, &root, &mut actions, tag, &options.reason)?;
    if let Some(command) = &ctx.config.commands.yank {
        let version =
            owner.tag_formats.iter().find_map(|f| f.parse_tag(tag)).map(|v| v.to_string());
        let argv = steps::command_argv(command, &owner.name, &version.unwrap_or_default(), tag)
            .map_err(|e| Error::config(format!("`commands.yank`: {e:#}")))?;
        actions.act(
            format!("run `commands.yank`: {}", shell_words::join(&argv)),
            Some(&owner.name),
            || {
                steps::run_command(
                    &argv,
                    &root,
                    ctx.config.commands.timeout(),
                    ErrorCode::PublishFailed,
                    "`commands.yank`",
                )
                .map(drop)
            },
        )?;
    }
    if options.delete_remote_tag {
        let dependents: Vec<&str> = packages
            .iter()
            .filter(|p| p.depends_on.contains(&owner.name))
            .map(|p| p.name.as_str())
            .collect();
        ctx.ui.warn(&format!(
            "deleting tag `{tag}` on `{remote}`; what depends on it: {}",
            if dependents.is_empty() {
                "no configured package".to_owned()
            } else {
                dependents.join(", ")
            }
        ));
        actions.act(format!("git push {remote} --delete refs/tags/{tag}"), None, || {
            git.push_refspecs(&remote, &[format!(":refs/tags/{tag}")], false)
        })?;
    }
    outcome.actions = actions.list;
    Ok(outcome)
}

/// The revert commit already on the remote's `branch` (as last fetched) for `plan`, if one:
/// a commit after the tag under the path whose subject is `revert: release <tag>`.
fn already_reverted(git: &Git, remote: &str, branch: &str, plan: &RevertPlan) -> Option<String> {
    let tracking = format!("refs/remotes/{remote}/{branch}");
    git.rev_parse(&tracking)?;
    let subject = format!("revert: release {}", plan.tag);
    git.log_touching(&format!("refs/tags/{}..{tracking}", plan.tag), &plan.path)
        .ok()?
        .into_iter()
        .find(|(_, s)| *s == subject)
        .map(|(id, _)| id)
}

/// Whether a pull request from `branch` exists (in any state).
fn revert_pr_exists(gh: &Gh, root: &std::path::Path, branch: &str) -> bool {
    gh.call(root, &Request::PrList { head: branch, base: None })
        .ok()
        .and_then(|o| match o {
            Answer::Done(t) => serde_json::from_str::<serde_json::Value>(&t).ok(),
            Answer::AlreadyExists(_) => None,
        })
        .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
}

fn open_pull_request(
    ctx: &Ctx,
    gh: &Gh,
    actions: &mut Actions,
    plan: &RevertPlan,
    branch: &str,
    options: &Options,
) -> Result<()> {
    let title = format!("revert: release {}", plan.tag);
    let body = plan.message(&options.reason);
    let create = Request::PrCreate {
        base: ctx.config.branch.as_str(),
        head: branch,
        title: title.as_str(),
        body: body.as_str(),
    };
    actions.act(gh.shown(&create), None, || match gh.call(&ctx.repo.root(), &create) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::failed(format!("cannot open the revert pull request: {e}"))
            .with_hint(format!("the revert is pushed as `{branch}`: open its pull request by hand"))
            .into()),
    })
}

/// Marks the forge release of `tag` (when there is one) as a prerelease with a note on top.
fn mark_release(
    gh: &Gh,
    root: &std::path::Path,
    actions: &mut Actions,
    tag: &str,
    reason: &str,
) -> Result<()> {
    let note = format!("**Rolled back**: {reason}\n\n");
    let Some(text) = gh.lookup(root, &Request::ReleaseBody { tag }).ok().flatten() else {
        return Ok(());
    };
    let body = forge::answer::<ReleaseBody>("gh release view", &text)
        .map_err(|e| Error::failed(e).with_hint("check what `gh release view` answers"))?
        .body;
    let notes = if body.starts_with("**Rolled back**") { body } else { format!("{note}{body}") };
    let edit = Request::ReleaseMarkPrerelease { tag, notes: notes.as_str() };
    actions.act(gh.shown(&edit), None, || match gh.call(root, &edit) {
        Ok(_) => Ok(()),
        Err(e) => {
            Err(Error::failed(format!("cannot mark the release `{tag}` as a prerelease: {e}"))
                .into())
        }
    })
}

/// The release tag of `package` before `tag` (the highest lower stable version, or the
/// highest lower version when `tag` is a prerelease).
fn previous_release(ctx: &Ctx, package: &Package, tag: &str) -> Option<String> {
    let tags = crate::changelog::package_tags(&ctx.repo, package).ok()?;
    let this = package.tag_formats.iter().find_map(|f| f.parse_tag(tag))?;
    tags.iter()
        .filter(|t| t.version < this && (t.version.pre.is_empty() || !this.pre.is_empty()))
        .max_by(|a, b| a.version.cmp(&b.version))
        .map(|t| t.tag.clone())
}

/// A release as `gh release view --json body` shows it.
#[derive(serde::Deserialize)]
struct ReleaseBody {
    body: String,
}
