//! `git release changelog`: the changelog section of the unreleased commits, of a past
//! release, or of every release, printed or put into the changelog file (issue 5).

use anyhow::Result;
use clap::Args;
use serde::Serialize;

pub use crate::changelog::source::{NotesFormat, Source};
use crate::changelog::{self, Release, Templates};
use crate::context::GlobalArgs;
use crate::error::Error;
use crate::fsutil::write_inside;
/// Print or write the changelog section of a release
///
/// Groups the commits of a release by type (Breaking Changes, Features, Bug Fixes,
/// Performance, Reverts, Documentation, Other; set in `[changelog]`), with the migration
/// text of each breaking change, links to commits, pull requests and issues when the remote
/// is on GitHub, GitLab, Gitea/Forgejo or Bitbucket, and the contributors. The range is the
/// commits since the last release (`--unreleased`, the default), a past release (`--tag`),
/// or every release (`--all`). `--write` puts the section into the changelog file after its
/// header, keeping every other byte; a version already there is left alone.
#[derive(Debug, Args)]
pub struct ChangelogArgs {
    /// The package, by name or path (default: the only one)
    #[arg(value_name = "PKG")]
    pub package: Option<String>,

    /// The commits since the last release, under the next version (the default)
    #[arg(long, conflicts_with_all = ["tag", "all"])]
    pub unreleased: bool,

    /// The section of the past release tagged TAG
    #[arg(long, value_name = "TAG", conflicts_with = "all")]
    pub tag: Option<String>,

    /// Every release of the package, newest first, rebuilt from history in one walk
    #[arg(long)]
    pub all: bool,

    /// Put the section into the changelog file (`release.changelog`, or the package's
    /// `changelog`); with `--all`, every release that has no section yet
    #[arg(long)]
    pub write: bool,

    /// With `--write`: print the diff it would apply and change nothing
    #[arg(long, requires = "write")]
    pub dry_run: bool,

    /// Output format (`--write` prints nothing on stdout, `--dry-run` a diff)
    #[arg(long, value_enum, default_value = "md")]
    pub format: NotesFormat,
}

/// Runs `git release changelog`.
///
/// # Errors
/// An unknown package or tag (exit 2); a template error; a changelog file that cannot be
/// read, is not UTF-8, or cannot be written (nothing is half-written).
pub fn run(global: &GlobalArgs, args: &ChangelogArgs) -> Result<()> {
    let source = Source::open(global, args.package.as_deref())?;
    let releases = if args.all {
        source.all()?
    } else if let Some(tag) = &args.tag {
        vec![source.at_tag(tag)?.0]
    } else {
        vec![source.unreleased()?.0]
    };
    let templates = source.templates()?;
    if args.write {
        return write(&source, &templates, &releases, args.dry_run);
    }
    let text = match args.format {
        NotesFormat::Json => {
            /// The document `--format json` prints.
            #[derive(Serialize)]
            struct Document<'a> {
                schema_version: u32,
                package: &'a str,
                releases: &'a [Release],
            }
            let document =
                Document { schema_version: 1, package: &source.package.name, releases: &releases };
            let mut text =
                serde_json::to_string_pretty(&document).expect("releases always serialise");
            text.push('\n');
            text
        }
        NotesFormat::Md => {
            let mut text = String::new();
            for (i, release) in releases.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                text.push_str(&templates.changelog(release)?);
            }
            text
        }
    };
    source.ctx.ui.data(&text)
}

/// `--write`: each release with a version and no section yet goes into the file, oldest
/// first (so the newest ends on top).
fn write(
    source: &Source,
    templates: &Templates,
    releases: &[Release],
    dry_run: bool,
) -> Result<()> {
    let ui = &source.ctx.ui;
    let shown = source.changelog_path();
    let Some(workdir) = source.ctx.repo.workdir() else {
        return Err(Error::usage(format!(
            "a bare repository has no work tree to write `{shown}` into"
        ))
        .with_hint("run it in a clone with a work tree")
        .into());
    };
    let old = changelog::read_changelog(workdir, &shown)?;
    let mut text = old.clone();
    let mut added = Vec::new();
    for release in releases.iter().rev() {
        let Some(version) = &release.version else {
            ui.status("nothing to release since the last release: no section to write");
            continue;
        };
        let section = templates.changelog(release)?;
        match changelog::insert_section(text.as_deref(), &section, version) {
            Some(insertion) => {
                text = Some(insertion.content);
                added.push(version.clone());
            }
            None => ui.status(&format!("`{shown}` already has a section for {version}")),
        }
    }
    let Some(text) = text.filter(|_| !added.is_empty()) else {
        return Ok(());
    };
    if dry_run {
        ui.data(&changelog::file_diff(&shown, old.as_deref(), &text))?;
        ui.status(&format!("dry run: `{shown}` not written"));
        return Ok(());
    }
    write_inside(workdir, &shown, text.as_bytes())?;
    ui.status(&format!("updated `{shown}`: added {}", added.join(", ")));
    Ok(())
}
