//! `git release notes`: the release notes of seed 004 for the next release or a past one
//! (issue 5); they become the tag message and the forge release body.

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use crate::changelog::source::{NotesFormat, Source};
use crate::changelog::{self, Notes};
use crate::context::GlobalArgs;

/// Print the release notes of the next release or a past one
///
/// Sections, each left out when empty: Highlights, New Features, Improvements (perf,
/// refactor), Bug Fixes, Breaking Changes with their migration, Deprecations (a `deprecate`
/// type or a `DEPRECATED:` footer), Security (a `security` type or scope, or a `CVE-`
/// reference), Upgrade Notes, Contributors, and Provenance: the commit, the tag, and the
/// build id when `GITHUB_RUN_ID` or `CI_PIPELINE_ID` is set. `--format json` follows the
/// schema of seed 004 (`release_notes: …`).
#[derive(Debug, Args)]
pub struct NotesArgs {
    /// The package, by name or path (default: the only one)
    #[arg(value_name = "PKG")]
    pub package: Option<String>,

    /// The notes of the past release tagged TAG (default: the next release)
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value = "md")]
    pub format: NotesFormat,
}

/// Runs `git release notes`.
///
/// # Errors
/// An unknown package or tag (exit 2); a template error.
pub fn run(global: &GlobalArgs, args: &NotesArgs) -> Result<()> {
    let source = Source::open(global, args.package.as_deref())?;
    let (release, kind) = match &args.tag {
        Some(tag) => source.at_tag(tag)?,
        None => source.unreleased()?,
    };
    let build_id = ["GITHUB_RUN_ID", "CI_PIPELINE_ID"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()));
    let notes = changelog::build_notes(&release, &kind, build_id);
    let text = match args.format {
        NotesFormat::Json => render_json(&notes),
        NotesFormat::Md => source.templates()?.notes(&notes)?,
    };
    source.ctx.ui.data(&text)
}

/// The notes as JSON: `{"release_notes": {…}}`, pretty-printed, with a newline.
pub fn render_json(notes: &Notes) -> String {
    /// The top-level object of seed 004's schema.
    #[derive(Serialize)]
    struct Document<'a> {
        release_notes: &'a Notes,
    }
    let mut text = serde_json::to_string_pretty(&Document { release_notes: notes })
        .expect("notes always serialise");
    text.push('\n');
    text
}
