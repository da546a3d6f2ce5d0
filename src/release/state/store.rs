//! Where run states live and how they are saved (atomically), loaded (checked), listed and archived.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// The identity of the repository whose git common dir is `dir`: the canonical path, or the
/// path as given when it cannot be canonicalised.
pub fn repository_id(dir: &Path) -> String {
    fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned()).to_string_lossy().into_owned()
}

/// `<dir>/release/runs`, where `dir` is the git common dir.
pub fn runs_dir(dir: &Path) -> PathBuf {
    dir.join("release").join("runs")
}

/// `<dir>/release/runs/archive`.
pub fn archive_dir(dir: &Path) -> PathBuf {
    runs_dir(dir).join("archive")
}

/// `<dir>/release/runs/<run_id>.json`.
pub fn state_path(dir: &Path, run_id: &str) -> PathBuf {
    runs_dir(dir).join(format!("{run_id}.json"))
}

/// Writes `state` to [`state_path`] atomically: a temporary file in the same folder, written
/// and `fsync`ed, renamed over the state file, then the folder `fsync`ed so the rename itself
/// survives a crash. Creates the folder when missing.
///
/// # Errors
/// `state.run_id` is not a run id, or the folder or file cannot be created, written, synced
/// or renamed (the temporary file is removed).
pub fn save(dir: &Path, state: &RunState) -> Result<()> {
    anyhow::ensure!(is_run_id(&state.run_id), "`{}` is not a run id", state.run_id);
    let folder = runs_dir(dir);
    fs::create_dir_all(&folder)
        .with_context(|| format!("failed to create `{}`", folder.display()))?;
    let path = state_path(dir, &state.run_id);
    let mut text = serde_json::to_vec_pretty(state).context("failed to serialise the run state")?;
    text.push(b'\n');
    crate::fsutil::write_atomically(&path, &text)
}

/// Reads the state of run `run_id` in the repository whose git common dir is `dir`.
///
/// # Errors
/// - [`ErrorCode::StateNotFound`]: `run_id` is not a run id, or its state file does not exist
///   (the message names the path).
/// - [`ErrorCode::StateCorrupt`]: the file is not valid JSON or is truncated (the message
///   names the file, line and column), is from a newer `git-release`, lacks fields, or is for
///   another run.
/// - [`ErrorCode::WrongRepository`]: the file records another repository.
/// - Any other failure to read the file.
pub fn load(dir: &Path, run_id: &str) -> Result<RunState> {
    if !is_run_id(run_id) {
        return Err(Error::coded(
            ErrorCode::StateNotFound,
            format!("`{run_id}` is not a run id (expected `release-YYYYMMDD-xxxxxx`)"),
        )
        .with_hint("`git release status` lists the runs")
        .into());
    }
    let path = state_path(dir, run_id);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let archived = archive_dir(dir).join(format!("{run_id}.json"));
            let hint = if archived.exists() {
                format!("the run is finished; its state is archived at `{}`", archived.display())
            } else {
                "`git release status` lists the runs".to_owned()
            };
            return Err(Error::coded(
                ErrorCode::StateNotFound,
                format!("no state file for run `{run_id}` at `{}`", path.display()),
            )
            .with_hint(hint)
            .into());
        }
        Err(err) => {
            return Err(err).with_context(|| format!("failed to read `{}`", path.display()));
        }
    };
    checked(dir, run_id, &path, &text)
}

/// Reads run `run_id`'s state wherever it is: in `runs/`, or, for a finished run, in
/// `runs/archive/`; returns it with the file it was read from.
///
/// # Errors
/// As [`load`], for whichever file is read.
pub fn load_any(dir: &Path, run_id: &str) -> Result<(RunState, PathBuf)> {
    let archived = archive_dir(dir).join(format!("{run_id}.json"));
    if is_run_id(run_id) && !state_path(dir, run_id).exists() && archived.exists() {
        let text = fs::read(&archived)
            .with_context(|| format!("failed to read `{}`", archived.display()))?;
        return Ok((checked(dir, run_id, &archived, &text)?, archived));
    }
    Ok((load(dir, run_id)?, state_path(dir, run_id)))
}

/// Parses the state file at `path` (its content `text`) and checks that it is run
/// `run_id`'s, of the repository whose git common dir is `dir`.
pub(super) fn checked(dir: &Path, run_id: &str, path: &Path, text: &[u8]) -> Result<RunState> {
    let state = parse(path, text)?;
    if state.run_id != run_id {
        return Err(corrupt(path, &format!(": it is for run `{}`, not `{run_id}`", state.run_id)));
    }
    let here = repository_id(dir);
    if state.repository != here {
        return Err(Error::coded(
            ErrorCode::WrongRepository,
            format!(
                "state file `{}` belongs to the repository at `{}`, not `{here}`",
                path.display(),
                state.repository
            ),
        )
        .with_hint(format!("resume the run in `{}`", state.repository))
        .into());
    }
    Ok(state)
}

/// Parses a state file's text; `path` is for messages only.
pub(super) fn parse(path: &Path, text: &[u8]) -> Result<RunState> {
    #[derive(Deserialize)]
    struct Header {
        schema_version: u32,
    }
    let header: Header = serde_json::from_slice(text).map_err(|err| json_corrupt(path, &err))?;
    if header.schema_version > SCHEMA_VERSION {
        return Err(corrupt(
            path,
            &format!(
                ": it has schema version {}, newer than this git-release reads ({SCHEMA_VERSION})",
                header.schema_version
            ),
        ));
    }
    serde_json::from_slice(text).map_err(|err| json_corrupt(path, &err))
}

pub(super) fn json_corrupt(path: &Path, err: &serde_json::Error) -> anyhow::Error {
    let text = err.to_string();
    let what = text.rsplit_once(" at line ").map_or(text.as_str(), |(what, _)| what);
    corrupt(path, &format!(" at line {}, column {}: {what}", err.line(), err.column()))
}

/// A `STATE_CORRUPT` error for `path`; `what` follows "is corrupt", with its own separator.
pub(super) fn corrupt(path: &Path, what: &str) -> anyhow::Error {
    Error::coded(
        ErrorCode::StateCorrupt,
        format!("state file `{}` is corrupt{what}", path.display()),
    )
    .with_hint("the file was left as it is; inspect it, or remove it and start a new run")
    .into()
}

/// A run found by [`list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunEntry {
    /// The run id.
    pub run_id: String,
    /// The state file.
    pub path: PathBuf,
    /// When it started (RFC 3339 UTC); for an unreadable file, when the file last changed.
    pub started_at: String,
    /// Its status, `None` when the file cannot be read.
    pub status: Option<RunStatus>,
    /// Why the file cannot be read, if it cannot.
    pub problem: Option<String>,
}

/// The runs with a state file in `runs/`, newest first (by start time, then run id).
/// Temporary files and other names are ignored; a missing folder means no runs.
///
/// # Errors
/// The folder exists but cannot be read.
pub fn list(dir: &Path) -> Result<Vec<RunEntry>> {
    list_in(&runs_dir(dir))
}

/// The archived runs (`runs/archive/`), newest first, as [`list`].
///
/// # Errors
/// The folder exists but cannot be read.
pub fn list_archived(dir: &Path) -> Result<Vec<RunEntry>> {
    list_in(&archive_dir(dir))
}

pub(super) fn list_in(folder: &Path) -> Result<Vec<RunEntry>> {
    #[derive(Deserialize)]
    struct Summary {
        started_at: String,
        status: RunStatus,
    }
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => {
            return Err(err).with_context(|| format!("failed to read `{}`", folder.display()));
        }
    };
    let mut runs = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("failed to read `{}`", folder.display()))?;
        let path = entry.path();
        let Some(run_id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
            .filter(|id| is_run_id(id))
            .map(str::to_owned)
        else {
            continue;
        };
        let summary = fs::read(&path)
            .map_err(|err| err.to_string())
            .and_then(|text| serde_json::from_slice::<Summary>(&text).map_err(|e| e.to_string()));
        runs.push(match summary {
            Ok(s) => RunEntry {
                run_id,
                path,
                started_at: s.started_at,
                status: Some(s.status),
                problem: None,
            },
            Err(problem) => {
                let changed = entry.metadata().and_then(|m| m.modified()).unwrap_or(UNIX_EPOCH);
                RunEntry {
                    run_id,
                    path,
                    started_at: timestamp(changed),
                    status: None,
                    problem: Some(problem),
                }
            }
        });
    }
    runs.sort_by(|a, b| (&b.started_at, &b.run_id).cmp(&(&a.started_at, &a.run_id)));
    Ok(runs)
}

/// Moves run `run_id`'s state file to `runs/archive/` (DESIGN.md: when a run is DONE), and
/// returns its new path. An archived file is never overwritten.
///
/// # Errors
/// [`ErrorCode::StateNotFound`] when the run has no state file; the archive already holds
/// that run; or the folder cannot be created or the file moved.
pub fn archive(dir: &Path, run_id: &str) -> Result<PathBuf> {
    let from = state_path(dir, run_id);
    if !is_run_id(run_id) || !from.exists() {
        return Err(Error::coded(
            ErrorCode::StateNotFound,
            format!("no state file for run `{run_id}` at `{}`", from.display()),
        )
        .into());
    }
    let folder = archive_dir(dir);
    fs::create_dir_all(&folder)
        .with_context(|| format!("failed to create `{}`", folder.display()))?;
    let to = folder.join(format!("{run_id}.json"));
    anyhow::ensure!(!to.exists(), "run `{run_id}` is already archived at `{}`", to.display());
    fs::rename(&from, &to)
        .with_context(|| format!("failed to move `{}` to `{}`", from.display(), to.display()))?;
    crate::fsutil::sync_dir(&folder)?;
    crate::fsutil::sync_dir(&runs_dir(dir))?;
    Ok(to)
}
