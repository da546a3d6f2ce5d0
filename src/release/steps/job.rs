//! The context a step gets: the run-wide [`Env`], the package's [`Job`], and what a step records for a dry run.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// What a step function is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Make the step's effect true, unless it already is.
    Perform,
    /// Say whether the effect is there; change nothing.
    Verify,
    /// Record what the step would do; change nothing.
    Describe,
}

/// One thing a dry run would do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Action {
    /// The step.
    pub step: Phase,
    /// What it would do, in one line (a command as it would run, a file it would change).
    pub what: String,
    /// A file diff or a body text, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What every step of a run shares: the repository, the configuration, the forge.
pub struct Env<'a> {
    /// The repository, for reading commits (changelog).
    pub repo: &'a Repo,
    /// The configuration.
    pub config: &'a Config,
    /// Where status lines go.
    pub ui: &'a Ui,
    /// The main work tree.
    pub root: PathBuf,
    /// The git common dir (state, lock and worktrees live under `<it>/release/`).
    pub common_dir: PathBuf,
    /// Which forge the run talks to; with [`forge::Kind::None`] the forge's parts of the
    /// steps (pull request, forge release, workflow wait) are left out, not failed.
    pub forge: forge::Kind,
    /// `gh`, when found and the forge is GitHub; steps that need it fail with
    /// `FORGE_FAILED` when it is not.
    pub gh: Option<Gh>,
    /// The forge the remote is on, for changelog links.
    pub links: Option<crate::forge::links::Links>,
}

impl<'a> Env<'a> {
    /// Whether the run has a forge (`[forge] kind` is not `none`).
    pub fn has_forge(&self) -> bool {
        self.forge != forge::Kind::None
    }

    /// The environment of a run in the repository `ctx` opened, pushing to `remote`: `gh`
    /// located (or `None`), changelog links to the forge `remote`'s URL names.
    pub fn of(ctx: &'a crate::context::Ctx, root: &Path, remote: &str) -> Self {
        use crate::config::GitConfig as _;
        let links = ctx
            .repo
            .value(&format!("remote.{remote}.url"))
            .and_then(|url| crate::forge::links::Links::from_remote_url(&url));
        Env {
            repo: &ctx.repo,
            config: &ctx.config,
            ui: &ctx.ui,
            root: root.to_owned(),
            common_dir: ctx.repo.common_dir().to_owned(),
            forge: ctx.config.forge.kind,
            gh: match ctx.config.forge.kind {
                forge::Kind::Github => Gh::for_forge(&ctx.config.forge).ok(),
                forge::Kind::None => None,
            },
            links,
        }
    }
}

/// The run-wide facts a step needs.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The run id.
    pub run_id: String,
    /// How the release reaches the release branch.
    pub mode: Mode,
    /// The remote.
    pub remote: String,
    /// The release branch.
    pub branch: String,
    /// The commit the plan was made at.
    pub head: String,
    /// The plan hash.
    pub plan_hash: String,
    /// When the run started, Unix seconds (the changelog's date).
    pub started_unix: u64,
    /// Whether every package shares one release branch and pull request (`release.pr =
    /// "single"` in mode pr).
    pub shared_pr: bool,
    /// The packages (name, version) in the shared pull request, for its title and body.
    pub pr_packages: Vec<(String, String)>,
}

/// A version released earlier in the run, for the PINNED step.
#[derive(Debug, Clone)]
pub struct Released {
    /// The new version.
    pub version: String,
    /// The name dependents' manifests use.
    pub manifest_name: String,
}

/// One package's release in progress.
pub struct Job<'a> {
    /// The shared environment.
    pub env: &'a Env<'a>,
    /// The run.
    pub run: &'a RunInfo,
    /// The package; steps record their outputs here.
    pub pkg: PackageState,
    /// Packages of this run already released (or, in a dry run, planned before this one).
    pub released: BTreeMap<String, Released>,
    /// Where the release branch starts: the previous release commit of this run in direct
    /// mode (so pushes fast-forward), else the planned commit.
    pub base: String,
    /// What a dry run would do.
    pub actions: Vec<Action>,
    /// Saves the package's state mid-step (after `commands.publish`), so a kill after an
    /// irreversible action does not repeat it.
    pub checkpoint: &'a mut dyn FnMut(&PackageState) -> Result<()>,
}

impl Job<'_> {
    pub(crate) fn name(&self) -> &str {
        &self.pkg.name
    }

    pub(crate) fn version(&self) -> &str {
        &self.pkg.next_version
    }

    pub(crate) fn tag(&self) -> String {
        self.pkg.tag.clone().unwrap_or_else(|| format!("v{}", self.pkg.next_version))
    }

    /// The package's own lane, or `None` when the run shares one branch and worktree.
    pub(crate) fn lane(&self) -> Option<&str> {
        (!self.run.shared_pr).then_some(self.pkg.name.as_str())
    }

    pub(crate) fn branch(&self) -> String {
        branch_name(&self.run.run_id, self.lane())
    }

    pub(crate) fn worktree(&self) -> PathBuf {
        worktree_path(&self.env.common_dir, &self.run.run_id, self.lane())
    }

    pub(crate) fn git(&self) -> Git {
        Git::new(&self.env.root)
    }

    pub(crate) fn wgit(&self) -> Git {
        Git::new(&self.worktree())
    }

    /// The directory files are read from: the worktree, or for a dry run the main work tree
    /// (which the checks found clean at the planned commit).
    pub(crate) fn files_dir(&self, act: Act) -> PathBuf {
        if act == Act::Describe { self.env.root.clone() } else { self.worktree() }
    }

    pub(crate) fn gh(&self) -> Result<&Gh> {
        self.env.gh.as_ref().ok_or_else(|| {
            fail(ErrorCode::ForgeFailed, "`gh` is not installed or not on PATH")
                .context("install GitHub CLI or set `GIT_RELEASE_GH`, then resume")
        })
    }

    pub(crate) fn describe(
        &mut self,
        step: Phase,
        what: impl Into<String>,
        detail: Option<String>,
    ) {
        self.actions.push(Action { step, what: what.into(), detail });
    }

    pub(crate) fn target_ref(&self) -> String {
        match self.run.mode {
            Mode::Pr => format!("refs/heads/{}", self.branch()),
            Mode::Direct => format!("refs/heads/{}", self.run.branch),
        }
    }

    pub(crate) fn pr_title(&self) -> String {
        if self.run.shared_pr && !self.run.pr_packages.is_empty() {
            let list: Vec<String> =
                self.run.pr_packages.iter().map(|(n, v)| format!("{n} v{v}")).collect();
            return format!("release: {}", list.join(", "));
        }
        commit_message(self.name(), self.version())
    }
}
