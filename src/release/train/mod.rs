//! Release trains (issue 17 items 1–6; seed 003): release-candidate branches cut in every
//! repository of a train, the release manifest ([`manifest`]), RC tags, the promotion gates,
//! the merges along `[train] flow` and the stable release through the `run` pipeline.
//!
//! - [`start`]: `rc start`, plan → gate → RC branches → manifest.
//! - [`tag`]: `rc tag`, `X.Y.Z-rc.N` on every RC head.
//! - [`gates`]: the live facts (RC head, CI, issues, dependencies) and the gates on them.
//! - [`status`]: `rc status`, the manifest plus the live facts, as a table or JSON.
//! - [`promote`]: `rc promote` and its resume.
//! - [`abort`]: `rc abort`.
//!
//! A train is one at a time per repository or workspace: its manifest lives in the
//! repository's git common dir, or beside the workspace state for a workspace.

pub mod abort;
pub mod gates;
pub mod manifest;
pub mod promote;
pub mod start;
pub mod status;
pub mod tag;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::context::{Ctx, GlobalArgs};
use crate::error::Error;
use crate::forge::Gh;
use manifest::Manifest;

/// Where a train's manifest is, and the workspace file it came from.
#[derive(Debug, Clone)]
pub struct Place {
    /// The folder of the manifests.
    pub trains: PathBuf,
    /// The workspace file, for a workspace train.
    pub workspace: Option<PathBuf>,
}

impl Place {
    /// The manifest of train `id` here.
    pub fn path(&self, id: &str) -> PathBuf {
        manifest::path_in(&self.trains, id)
    }
}

/// Where the trains of `-C DIR` (or of `--workspace FILE`) are kept.
///
/// # Errors
/// Not a repository; an unreadable workspace file path.
pub fn place(global: &GlobalArgs, workspace: Option<&Path>) -> Result<Place> {
    if let Some(file) = workspace {
        let file = crate::context::start_dir(global)?.join(file);
        let file = std::fs::canonicalize(&file).unwrap_or(file);
        return Ok(Place {
            trains: manifest::trains_dir(&crate::workspace::state_dir(), true),
            workspace: Some(file),
        });
    }
    let ctx = Ctx::open(global)?;
    Ok(Place { trains: manifest::trains_dir(ctx.repo.common_dir(), false), workspace: None })
}

/// The manifest of `train`, or, with none named, of the one train under way here.
///
/// # Errors
/// A malformed train id; no such train; none under way, or several, when none is named.
pub fn locate(place: &Place, train: Option<&str>) -> Result<(PathBuf, Manifest)> {
    if let Some(id) = train {
        if !manifest::is_train_id(id) {
            return Err(Error::usage(format!("`{id}` is not a train id"))
                .with_hint("a train id looks like `v1.4.0`; `git release rc status` lists them")
                .into());
        }
        let path = place.path(id);
        let m = manifest::load(&path)?;
        return Ok((path, m));
    }
    let all = manifest::list(&place.trains);
    let live: Vec<&(PathBuf, Manifest)> = all.iter().filter(|(_, m)| !m.state.is_final()).collect();
    match live.as_slice() {
        [one] => Ok((*one).clone()),
        [] => match all.last() {
            Some(last) => Ok(last.clone()),
            None => Err(Error::usage(format!(
                "no release train here (looked in `{}`)",
                place.trains.display()
            ))
            .with_hint(
                "start one with `git release rc start`; for a workspace, pass `--workspace FILE`",
            )
            .into()),
        },
        many => Err(Error::usage(format!(
            "{} trains are under way here: {}",
            many.len(),
            many.iter().map(|(_, m)| m.train_id.as_str()).collect::<Vec<_>>().join(", ")
        ))
        .with_hint("name the train, e.g. `git release rc status v1.4.0`")
        .into()),
    }
}

/// Finds the manifest of train `id` for `git release resume ID`: in the repository of
/// `global`, then beside the workspace state.
pub fn find_for_resume(global: &GlobalArgs, id: &str) -> Option<(Place, PathBuf)> {
    if !manifest::is_train_id(id) {
        return None;
    }
    if let Ok(ctx) = Ctx::open(global) {
        let trains = manifest::trains_dir(ctx.repo.common_dir(), false);
        let path = manifest::path_in(&trains, id);
        if path.is_file() {
            return Some((Place { trains, workspace: None }, path));
        }
    }
    let trains = manifest::trains_dir(&crate::workspace::state_dir(), true);
    let path = manifest::path_in(&trains, id);
    path.is_file().then(|| {
        let workspace = manifest::load(&path).ok().and_then(|m| m.workspace);
        (Place { trains, workspace }, path)
    })
}

/// Opens the repository at `path` with the flags of `global` (its own configuration file).
///
/// # Errors
/// Not a repository; a configuration error.
pub fn open(global: &GlobalArgs, path: &Path) -> Result<Ctx> {
    let args = GlobalArgs { dir: Some(path.to_owned()), config: None, ..global.clone() };
    Ctx::open(&args)
}

/// The forge of `ctx`'s repository, or `None` with `[forge] kind = "none"` or no `gh`.
pub fn forge_of(ctx: &Ctx) -> Option<Gh> {
    if ctx.config.forge.kind == crate::forge::Kind::None {
        return None;
    }
    Gh::for_forge(&ctx.config.forge).ok()
}

/// The work tree of `ctx`.
///
/// # Errors
/// The repository is bare.
pub fn workdir(ctx: &Ctx) -> Result<PathBuf> {
    ctx.repo.workdir().map(Path::to_owned).ok_or_else(|| {
        Error::usage("a release train needs a work tree; this repository is bare").into()
    })
}

/// Takes the train lock of the manifest at `path` (`<trains dir>/release/lock`, the run
/// lock's mechanism: an OS lock, taken over from a process that died), so two processes
/// never move one train at once; released when dropped.
///
/// # Errors
/// `LOCK_FAILED` naming the holder when another process holds it.
pub fn lock(path: &Path, train_id: &str) -> Result<crate::release::lock::Lock> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    crate::release::lock::Lock::acquire(dir, train_id)
}

/// Opens the train's first repository, takes the train lock (see [`lock`]), and reads the
/// manifest at `path` again under it: another process may have moved the train on between
/// the caller's first read (`m`) and the lock. Returns the opened repository, the lock
/// (released when dropped) and the manifest as it now is.
///
/// # Errors
/// See [`open`], [`lock`] and [`manifest::load`].
pub fn open_locked(
    global: &GlobalArgs,
    path: &Path,
    m: &Manifest,
) -> Result<(Ctx, crate::release::lock::Lock, Manifest)> {
    let first = open(global, &m.repos[0].path)?;
    let lock = lock(path, &m.train_id)?;
    Ok((first, lock, manifest::load(path)?))
}

/// Saves `m` at `path` and says nothing: every step of a train calls it after each change.
///
/// # Errors
/// See [`manifest::save`].
pub fn save(path: &Path, m: &Manifest) -> Result<()> {
    manifest::save(path, m)
}
