//! Where a `changelog` or `notes` command reads from: the repository, its configuration and
//! the package asked for, and the formats notes are printed in.

use std::collections::HashSet;

use anyhow::{Context as _, Result};
use clap::ValueEnum;
use gix::ObjectId;

use crate::changelog::{self, Release, ReleaseMeta, Templates};
use crate::config::GitConfig as _;
use crate::context::Ctx;
use crate::context::GlobalArgs;
use crate::error::Error;
use crate::forge::links::Links;
use crate::packages::{self, Package};
use crate::plan;

/// Output formats of `changelog` and `notes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NotesFormat {
    /// Markdown, from the template.
    Md,
    /// JSON (see the README).
    Json,
}

/// The repository, configuration and package a changelog or notes command works on.
pub struct Source {
    /// The opened repository and configuration.
    pub ctx: Ctx,
    /// The selected package.
    pub package: Package,
    /// The forge of the configured remote, for links.
    pub forge: Option<Links>,
}

impl Source {
    /// Opens the repository and selects `wanted` (a name or path), or the only package.
    ///
    /// # Errors
    /// Not a repository, a bad configuration, no commits, an unknown package, or no
    /// package named when there are several (exit 2).
    pub fn open(global: &GlobalArgs, wanted: Option<&str>) -> Result<Source> {
        let ctx = Ctx::open(global)?;
        let Some(head) = ctx.repo.head_commit()? else {
            return Err(Error::failed(
                "the repository has no commits yet, so there is no changelog",
            )
            .with_hint("make a first commit")
            .into());
        };
        let root = ctx.repo.root();
        let fallback = root
            .file_name()
            .map_or_else(|| "package".to_owned(), |n| n.to_string_lossy().into_owned());
        let fallback = fallback.strip_suffix(".git").map_or(fallback.clone(), str::to_owned);
        let resolved =
            packages::resolve(&ctx.repo, &ctx.config, ctx.repo.tree_of(&head)?, &fallback)?;
        let known = || resolved.list.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
        let package = match wanted {
            Some(wanted) => {
                let path = crate::config::normalize_path(wanted).unwrap_or_default();
                resolved.list.iter().find(|p| p.name == wanted || p.path == path).ok_or_else(
                    || {
                        Error::usage(format!("unknown package `{wanted}`"))
                            .with_hint(format!("known packages: {}", known()))
                    },
                )?
            }
            None if resolved.list.len() == 1 => &resolved.list[0],
            None => {
                return Err(Error::usage("this repository has several packages; name one")
                    .with_hint(format!("known packages: {}", known()))
                    .into());
            }
        }
        .clone();
        let forge = ctx
            .repo
            .value(&format!("remote.{}.url", ctx.config.remote))
            .and_then(|url| Links::from_remote_url(&url));
        Ok(Source { ctx, package, forge })
    }

    /// The changelog file of the package, relative to the repository root.
    pub fn changelog_path(&self) -> String {
        self.ctx.config.changelog_of(&self.package.name, &self.package.path)
    }

    /// The templates: built-in, or the ones `[changelog]` names.
    ///
    /// # Errors
    /// See [`Templates::load`].
    pub fn templates(&self) -> Result<Templates> {
        Templates::load(&self.ctx.repo.root(), &self.ctx.config.changelog_settings)
    }

    /// The commits since the last release, under the version the plan gives them, dated
    /// at HEAD; with the plan's bump as the release type.
    ///
    /// # Errors
    /// See [`plan::build`].
    pub fn unreleased(&self) -> Result<(Release, String)> {
        let options =
            plan::Options { packages: vec![self.package.name.clone()], ..plan::Options::default() };
        let plan = plan::build(&self.ctx.repo, &self.ctx.config, &options)?;
        for warning in &plan.warnings {
            self.ctx.ui.warn(warning);
        }
        let row = plan.rows.first().expect("the plan has a row per selected package");
        let ids = row
            .reasons
            .iter()
            .map(|r| ObjectId::from_hex(r.commit.as_bytes()))
            .collect::<Result<Vec<_>, _>>()
            .context("the plan holds full commit ids")?;
        let mut needed = ids.clone();
        needed.push(plan.head);
        let details = changelog::details_of(&self.ctx.repo, &needed)?;
        let head = &details[&plan.head];
        let meta = ReleaseMeta {
            package: self.package.name.clone(),
            version: row.next_version.clone(),
            tag: row.next_tag.clone(),
            previous_tag: row.current_tag.clone(),
            commit: plan.head,
            time: (head.time, head.offset),
        };
        let commits: Vec<(ObjectId, &_)> = ids.iter().map(|id| (*id, &details[id])).collect();
        let release = changelog::build_release(
            &meta,
            &commits,
            &self.ctx.config.changelog_settings,
            self.forge.as_ref(),
        );
        Ok((release, row.bump.as_str().to_owned()))
    }

    /// The release tagged `tag`: the commits reachable from it and from no lower release
    /// (no lower stable release, for a stable tag), dated at the tagged commit.
    ///
    /// # Errors
    /// The tag does not exist or is not a release tag of the package (exit 2); a read fails.
    pub fn at_tag(&self, tag: &str) -> Result<(Release, String)> {
        let tags = changelog::package_tags(&self.ctx.repo, &self.package)?;
        let Some(pos) = tags.iter().position(|t| t.tag == tag) else {
            let exists = self.ctx.repo.tags()?.iter().any(|t| t.name == tag);
            let formats: Vec<String> =
                self.package.tag_formats.iter().map(|f| format!("`{}`", f.pattern())).collect();
            let message = if exists {
                format!(
                    "tag `{tag}` is not a release tag of package `{}`: it matches none of {}",
                    self.package.name,
                    formats.join(", ")
                )
            } else {
                format!("tag `{tag}` does not exist")
            };
            let recent: Vec<&str> = tags.iter().rev().take(5).map(|t| t.tag.as_str()).collect();
            let hint = if recent.is_empty() {
                format!("package `{}` has no release tags yet", self.package.name)
            } else {
                format!("recent release tags: {}", recent.join(", "))
            };
            return Err(Error::usage(message).with_hint(hint).into());
        };
        let target = &tags[pos];
        let stable = target.version.pre.is_empty();
        let lower: Vec<&changelog::TagVersion> =
            tags[..pos].iter().filter(|t| !stable || t.version.pre.is_empty()).collect();
        let mut starts: Vec<ObjectId> = lower.iter().map(|t| t.commit).collect();
        starts.push(target.commit);
        let mut ranges =
            changelog::release_ranges(&self.ctx.repo, &starts, self.ctx.config.first_parent)?;
        let ids = ranges.pop().expect("one range per start");
        let ids = changelog::filter_by_path(&self.ctx.repo, ids, &self.package.path)?;
        let previous = lower.last().copied();
        let mut needed = ids.clone();
        needed.push(target.commit);
        let details = changelog::details_of(&self.ctx.repo, &needed)?;
        let release = self.release(target, previous, &ids, &details);
        let kind = changelog::release_type(&target.version, previous.map(|p| &p.version));
        Ok((release, kind.to_owned()))
    }

    /// Every release of the package, newest first: the stable ones, and prereleases above
    /// the highest stable one. One walk reads each commit once.
    ///
    /// # Errors
    /// A read fails.
    pub fn all(&self) -> Result<Vec<Release>> {
        let tags = changelog::package_tags(&self.ctx.repo, &self.package)?;
        let max_stable = tags.iter().filter(|t| t.version.pre.is_empty()).map(|t| &t.version).max();
        let list: Vec<&changelog::TagVersion> = tags
            .iter()
            .filter(|t| t.version.pre.is_empty() || max_stable.is_none_or(|m| t.version > *m))
            .collect();
        let starts: Vec<ObjectId> = list.iter().map(|t| t.commit).collect();
        let mut ranges =
            changelog::release_ranges(&self.ctx.repo, &starts, self.ctx.config.first_parent)?;
        if self.package.path != "." {
            let all: Vec<ObjectId> = ranges.iter().flatten().copied().collect();
            let kept: HashSet<ObjectId> =
                changelog::filter_by_path(&self.ctx.repo, all, &self.package.path)?
                    .into_iter()
                    .collect();
            for range in &mut ranges {
                range.retain(|id| kept.contains(id));
            }
        }
        let mut needed: Vec<ObjectId> = ranges.iter().flatten().copied().collect();
        needed.extend(&starts);
        let details = changelog::details_of(&self.ctx.repo, &needed)?;
        let mut releases = Vec::with_capacity(list.len());
        for (k, tag) in list.iter().enumerate().rev() {
            let previous = k.checked_sub(1).map(|p| list[p]);
            releases.push(self.release(tag, previous, &ranges[k], &details));
        }
        Ok(releases)
    }

    fn release(
        &self,
        tag: &changelog::TagVersion,
        previous: Option<&changelog::TagVersion>,
        ids: &[ObjectId],
        details: &std::collections::HashMap<ObjectId, crate::git::read::CommitDetails>,
    ) -> Release {
        let at = &details[&tag.commit];
        let meta = ReleaseMeta {
            package: self.package.name.clone(),
            version: Some(tag.version.to_string()),
            tag: Some(tag.tag.clone()),
            previous_tag: previous.map(|p| p.tag.clone()),
            commit: tag.commit,
            time: (at.time, at.offset),
        };
        let commits: Vec<(ObjectId, &_)> = ids.iter().map(|id| (*id, &details[id])).collect();
        changelog::build_release(
            &meta,
            &commits,
            &self.ctx.config.changelog_settings,
            self.forge.as_ref(),
        )
    }
}
