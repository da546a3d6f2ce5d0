//! `BUMPED` and `PINNED`: the version files set to the new version, in-run dependencies pinned.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// Files a step reads and would change: path relative to the root → (old, new).
pub(super) type Edits = BTreeMap<String, (Option<String>, String)>;

/// The text of `rel` as the step has it so far: an earlier edit of the same step, else the file.
pub(super) fn current<'e>(
    edits: &'e mut Edits,
    dir: &Path,
    rel: &str,
    code: ErrorCode,
) -> Result<&'e mut (Option<String>, String)> {
    if !edits.contains_key(rel) {
        let text = read_text(dir, rel, code)?
            .ok_or_else(|| fail(code, format!("`{rel}` does not exist")))?;
        edits.insert(rel.to_owned(), (Some(text.clone()), text));
    }
    Ok(edits.get_mut(rel).expect("inserted above"))
}

/// Applies `edits` as `act` says: writes the changed files, or describes them, or answers
/// whether nothing is left to change.
pub(super) fn apply_edits(
    job: &mut Job<'_>,
    step: Phase,
    act: Act,
    edits: &Edits,
    code: ErrorCode,
) -> Result<bool> {
    let changed: Vec<(&String, &(Option<String>, String))> =
        edits.iter().filter(|(_, (old, new))| old.as_deref() != Some(new.as_str())).collect();
    match act {
        Act::Verify => Ok(changed.is_empty()),
        Act::Describe => {
            for (rel, (old, new)) in changed {
                job.describe(
                    step,
                    format!("write `{rel}`"),
                    Some(changelog::file_diff(rel, old.as_deref(), new)),
                );
            }
            Ok(true)
        }
        Act::Perform => {
            let dir = job.worktree();
            // Record what each file will hold before writing it, so a resume after a kill
            // between the write and the state's save knows the change is the run's own.
            for (rel, (_, new)) in &changed {
                use sha2::{Digest as _, Sha256};
                let print =
                    Sha256::digest(new.as_bytes()).iter().fold(String::new(), |mut hex, b| {
                        let _ = write!(hex, "{b:02x}");
                        hex
                    });
                let known = job.pkg.outputs.files.entry((*rel).clone()).or_default();
                if !known.contains(&print) {
                    known.push(print);
                }
            }
            if !changed.is_empty() {
                (job.checkpoint)(&job.pkg)?;
            }
            for (rel, (_, new)) in changed {
                fsutil::write_inside(&dir, rel, new.as_bytes())
                    .map_err(|e| step_error(code, &e))?;
            }
            Ok(true)
        }
    }
}

pub(super) fn bumped(job: &mut Job<'_>, act: Act) -> Result<bool> {
    const CODE: ErrorCode = ErrorCode::BumpFailed;
    let dir = job.files_dir(act);
    let version = job.version().to_owned();
    let mut edits = Edits::new();
    for rel in job.pkg.release.version_files.clone() {
        let entry = current(&mut edits, &dir, &rel, CODE)?;
        match edit::set_version(&rel, &entry.1, &version) {
            Ok(new) => entry.1 = new,
            Err(edit::EditError::InheritsWorkspace { .. }) => {
                let root = workspace_root(&dir, &rel).ok_or_else(|| {
                    fail(CODE, format!("`{rel}` inherits its version from a workspace, but no workspace `Cargo.toml` was found above it"))
                })?;
                let entry = current(&mut edits, &dir, &root, CODE)?;
                entry.1 = edit::set_workspace_version(&root, &entry.1, &version)
                    .map_err(|e| fail(CODE, e.to_string()))?;
            }
            Err(e) => return Err(fail(CODE, e.to_string())),
        }
    }
    // The rules recorded when the run started, not today's configuration.
    let rules = job.pkg.release.replace.clone();
    let tag = job.tag();
    for rule in rules {
        let replacement = rule
            .replace
            .replace("{version}", &version)
            .replace("{name}", &job.pkg.name)
            .replace("{tag}", &tag);
        let entry = current(&mut edits, &dir, &rule.file, CODE)?;
        match edit::replace_regex(&entry.1, &rule.search, &replacement, rule.exactly) {
            Ok(new) => entry.1 = new,
            // A rule written for the old text finds nothing once applied (a resumed run).
            Err(edit::EditError::MatchCount { found: 0, .. })
                if !replacement.contains('$') && entry.1.contains(&replacement) => {}
            Err(e) => return Err(fail(CODE, format!("`{}`: {e}", rule.file))),
        }
    }
    apply_edits(job, Phase::Bumped, act, &edits, CODE)
}

/// The `Cargo.toml` with a `[workspace]` table in a folder above `rel` (relative to `dir`).
pub(super) fn workspace_root(dir: &Path, rel: &str) -> Option<String> {
    let mut folder = Path::new(rel).parent();
    while let Some(f) = folder {
        let candidate = if f.as_os_str().is_empty() {
            "Cargo.toml".to_owned()
        } else {
            format!("{}/Cargo.toml", f.display())
        };
        if candidate != rel
            && let Ok(Some(text)) = fsutil::read_text_inside(dir, &candidate)
            && text
                .parse::<toml_edit::DocumentMut>()
                .ok()
                .is_some_and(|d| d.get("workspace").is_some())
        {
            return Some(candidate);
        }
        folder = f.parent();
    }
    None
}

pub(super) fn pinned(job: &mut Job<'_>, act: Act) -> Result<bool> {
    const CODE: ErrorCode = ErrorCode::BumpFailed;
    let dir = job.files_dir(act);
    let deps: Vec<(String, String)> = job
        .pkg
        .release
        .depends_on
        .iter()
        .filter_map(|d| job.released.get(d))
        .map(|r| (r.manifest_name.clone(), r.version.clone()))
        .collect();
    let mut edits = Edits::new();
    if !deps.is_empty() {
        for rel in job.pkg.release.version_files.clone() {
            let kind = manifest::kind_of(&rel);
            if kind == Kind::Plain {
                continue;
            }
            let entry = current(&mut edits, &dir, &rel, CODE)?;
            for (name, version) in &deps {
                let (new, _) =
                    edit::set_dependency(&rel, &entry.1, name, &edit::pin(version, kind))
                        .map_err(|e| fail(CODE, e.to_string()))?;
                entry.1 = new;
            }
        }
    }
    apply_edits(job, Phase::Pinned, act, &edits, CODE)
}
