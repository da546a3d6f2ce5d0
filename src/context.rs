//! The context every command runs in: the opened repository, the loaded configuration and
//! the output. Built once per invocation from the global flags.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::config::{self, Config};
use crate::git::read::Repo;
use crate::ui::{ColorChoice, Ui};

/// Options every command takes.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Run as if started in DIR (like `git -C`)
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,

    /// Read configuration from FILE instead of `git-release.toml` or `.config/git-release.toml`
    #[arg(long, value_name = "FILE", global = true, env = "GIT_RELEASE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Print nothing but errors; the exit code still answers
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Say more on stderr (ignored tags, skipped manifests); repeat for more
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to colour output; `NO_COLOR` turns colour off under `auto`
    #[arg(long, value_name = "WHEN", global = true, default_value = "auto")]
    pub color: ColorChoice,
}

/// The opened repository, the loaded config and the output handles.
pub struct Ctx {
    /// The repository, opened with gix.
    pub repo: Repo,
    /// The configuration, resolved from every source.
    pub config: Config,
    /// Where output goes.
    pub ui: Ui,
}

impl Ctx {
    /// Opens the repository at `-C DIR` (or the current directory) and loads its configuration.
    ///
    /// # Errors
    /// Not a git repository (exit 2); a configuration error (exit 2).
    pub fn open(global: &GlobalArgs) -> Result<Self> {
        let ui = Ui::new(global.quiet, global.verbose, global.color);
        let dir = start_dir(global)?;
        crate::git::cli::check_version()?;
        let repo = Repo::discover(&dir)?;
        let explicit =
            global.config.as_ref().map(|p| if p.is_absolute() { p.clone() } else { dir.join(p) });
        let located = config::find(repo.workdir(), explicit.as_deref())?;
        for note in &located.notes {
            ui.debug(note);
        }
        let file = located.file;
        let env: Vec<(String, String)> =
            std::env::vars().filter(|(k, _)| k.starts_with("GIT_RELEASE_")).collect();
        let config = config::load(file.as_deref(), &repo, &env)?;
        if let Some(file) = &config.file {
            ui.debug(&format!("configuration: {}", file.display()));
        }
        Ok(Self { repo, config, ui })
    }
}

/// The directory the command starts in: `-C DIR` relative to the current directory.
///
/// # Errors
/// The current directory cannot be read.
pub fn start_dir(global: &GlobalArgs) -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("failed to read the current directory")?;
    Ok(match &global.dir {
        Some(dir) => cwd.join(dir),
        None => cwd,
    })
}
