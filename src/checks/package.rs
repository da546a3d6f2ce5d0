//! The per-package checks: tags, version alignment, tests, docs, changelog.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// The per-package checks other than `tag_exists` (which needs the remote's tags), for each
/// package that is checked, in plan order.
pub(super) fn package_checks<'p>(
    repo: &Repo,
    config: &Config,
    plan: &'p Plan,
    options: &Options,
) -> Vec<(&'p Row, Vec<CheckResult>)> {
    let tree = repo.tree_of(&plan.head);
    let mut out = Vec::new();
    for row in &plan.rows {
        if !options.named && row.status != PlanStatus::Release {
            continue;
        }
        let name = Some(row.name.as_str());
        let Some(pkg) = plan.packages.list.iter().find(|p| p.name == row.name) else { continue };
        let tree = match &tree {
            Ok(tree) => *tree,
            Err(e) => {
                let reason = format!("cannot read HEAD's tree: {e:#}");
                let list = [
                    CheckId::VersionAlignment,
                    CheckId::MissingTests,
                    CheckId::StaleDocs,
                    CheckId::ChangelogCurrent,
                ]
                .iter()
                .map(|&c| CheckResult::fail(c, name, reason.clone(), "run `git fsck`"))
                .collect();
                out.push((row, list));
                continue;
            }
        };
        let released = released_versions(plan, pkg);
        out.push((
            row,
            vec![
                version_alignment(repo, tree, pkg, row),
                missing_tests(repo, config, tree, pkg),
                stale_docs(repo, config, tree, pkg, row, &released),
                changelog_current(repo, config, tree, pkg, row, plan.packages.list.len() > 1),
            ],
        ));
    }
    out
}

/// Every version tagged for `pkg` under any of its tag formats, from the plan's tag read.
pub(super) fn released_versions(plan: &Plan, pkg: &Package) -> Vec<Version> {
    plan.tags
        .iter()
        .filter_map(|t| pkg.tag_formats.iter().find_map(|f| f.parse_tag(&t.name)))
        .collect()
}

/// `tag_exists`: the next tag is neither a local tag nor a tag on the remote.
pub(super) fn tag_exists(
    plan: &Plan,
    row: &Row,
    remote: Option<&Result<BTreeMap<String, RemoteRef>>>,
    remote_name: &str,
) -> CheckResult {
    const NAME: CheckId = CheckId::TagExists;
    let name = Some(row.name.as_str());
    let Some(tag) = &row.next_tag else {
        return CheckResult::skip(NAME, name, "nothing to release");
    };
    let fix = "`git release tag --reconcile` shows both sides and settles them";
    if let Some(local) = plan.tags.iter().find(|t| t.name == *tag) {
        return CheckResult::fail(
            NAME,
            name,
            format!(
                "the next tag `{tag}` already exists locally ({})",
                short_id(&local.target.to_string())
            ),
            fix,
        );
    }
    match remote {
        Some(Ok(tags)) => match tags.get(tag) {
            Some(r) => CheckResult::fail(
                NAME,
                name,
                format!(
                    "the next tag `{tag}` already exists on `{remote_name}` (at {})",
                    short_id(&r.peeled)
                ),
                fix,
            ),
            None => CheckResult::pass(
                NAME,
                name,
                format!("`{tag}` is free locally and on `{remote_name}`"),
            ),
        },
        Some(Err(e)) => CheckResult::fail(
            NAME,
            name,
            format!("cannot tell whether `{tag}` exists on the remote: {e}"),
            format!(
                "check the remote: `{}`",
                command_line(&["git", "ls-remote", "--tags", remote_name])
            ),
        ),
        None => CheckResult::pass(NAME, name, format!("`{tag}` does not exist locally")),
    }
}

/// The version each of `pkg`'s version files declares at HEAD, as `(file, version)`;
/// `Err` for a file that cannot be read or parsed.
pub(super) fn file_versions(
    repo: &Repo,
    tree: ObjectId,
    pkg: &Package,
) -> Vec<(String, Result<String>)> {
    let read = |path: &str| -> Result<Option<manifest::Manifest>> {
        let Some(bytes) = repo.read_file(tree, path)? else { return Ok(None) };
        let text =
            String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("`{path}` is not valid UTF-8"))?;
        manifest::parse(path, &text).map(Some)
    };
    let mut out = Vec::new();
    for file in &pkg.version_files {
        let version = match read(file) {
            Ok(None) => continue,
            Ok(Some(m)) => {
                let mut v = m.version.clone();
                if v.is_none() && m.version_from_workspace {
                    v = read("Cargo.toml").ok().flatten().and_then(|root| root.workspace_version);
                }
                if v.is_none() && !m.is_package {
                    v.clone_from(&m.workspace_version);
                }
                match v {
                    Some(v) => Ok(v.trim().to_owned()),
                    None => continue,
                }
            }
            Err(e) => Err(e),
        };
        out.push((file.clone(), version));
    }
    out
}

/// `version_alignment`: the version files agree with each other and with the last tag (or
/// already carry the next version, which the pipeline's BUMPED step treats as done).
pub(super) fn version_alignment(
    repo: &Repo,
    tree: ObjectId,
    pkg: &Package,
    row: &Row,
) -> CheckResult {
    const NAME: CheckId = CheckId::VersionAlignment;
    let name = Some(pkg.name.as_str());
    let files = file_versions(repo, tree, pkg);
    if files.is_empty() {
        return CheckResult::skip(NAME, name, "the package has no version files");
    }
    let mut parsed: Vec<(String, Version)> = Vec::new();
    for (file, version) in files {
        match version.and_then(|v| {
            Version::parse(&v).map_err(|e| anyhow::anyhow!("`{v}` is not a semantic version: {e}"))
        }) {
            Ok(v) => parsed.push((file, v)),
            Err(e) => {
                return CheckResult::fail(
                    NAME,
                    name,
                    format!("`{file}`: {e:#}"),
                    format!("fix the version in `{file}`"),
                );
            }
        }
    }
    let distinct: BTreeSet<&Version> = parsed.iter().map(|(_, v)| v).collect();
    let said = |list: &[(String, Version)]| {
        list.iter().map(|(f, v)| format!("`{f}` says {v}")).collect::<Vec<_>>().join(", ")
    };
    if distinct.len() > 1 {
        return CheckResult::fail(
            NAME,
            name,
            format!("the version files disagree: {}", said(&parsed)),
            "set every version file of the package to the same version",
        );
    }
    let version = &parsed[0].1;
    let current = row.current_version.as_deref().and_then(|v| Version::parse(v).ok());
    let next = row.next_version.as_deref().and_then(|v| Version::parse(v).ok());
    match (&current, &row.current_tag) {
        (Some(c), Some(tag)) if c == version => CheckResult::pass(
            NAME,
            name,
            format!("{} and the last tag `{tag}` say {version}", files_word(parsed.len())),
        ),
        (Some(_), Some(_)) if next.as_ref() == Some(version) => CheckResult::pass(
            NAME,
            name,
            format!("{} already say the next version {version}", files_word(parsed.len())),
        ),
        (Some(c), Some(tag)) => CheckResult::fail(
            NAME,
            name,
            format!("{}, but the last tag `{tag}` is {c}", said(&parsed)),
            format!("set the version files to {c}, or tag the release they describe"),
        ),
        _ => CheckResult::pass(
            NAME,
            name,
            format!("{} say {version}; no release tag yet", files_word(parsed.len())),
        ),
    }
}

pub(super) fn files_word(n: usize) -> &'static str {
    if n == 1 { "the version file" } else { "the version files" }
}

/// Directory names that hold a test suite.
pub(super) const TEST_DIRS: [&str; 6] = ["tests", "test", "__tests__", "spec", "specs", "testing"];

/// `missing_tests`: `commands.test` is set, or the package has a test suite: a test
/// directory, test files (`*_test.*`, `test_*.py`, `*.test.*`, `*.spec.*`), a
/// `package.json` `test` script, or Rust unit tests in `src/lib.rs` / `src/main.rs`.
pub(super) fn missing_tests(
    repo: &Repo,
    config: &Config,
    tree: ObjectId,
    pkg: &Package,
) -> CheckResult {
    const NAME: CheckId = CheckId::MissingTests;
    let name = Some(pkg.name.as_str());
    if let Some(cmd) = &config.commands.test {
        return CheckResult::pass(NAME, name, format!("`commands.test` runs `{cmd}`"));
    }
    match find_tests(repo, tree, &pkg.path) {
        Ok(Some(found)) => CheckResult::pass(NAME, name, format!("test suite found: {found}")),
        Ok(None) => CheckResult::fail(
            NAME,
            name,
            format!("no test suite found under `{}` and no `commands.test`", pkg.path),
            "add tests, set `commands.test`, or waive `missing_tests` for this package",
        ),
        Err(e) => CheckResult::fail(
            NAME,
            name,
            format!("cannot read the package's tree: {e:#}"),
            "run `git fsck`",
        ),
    }
}

/// Looks for a test suite under `path` in `tree`; says what it found.
pub(super) fn find_tests(repo: &Repo, tree: ObjectId, path: &str) -> Result<Option<String>> {
    const SKIP: [&str; 6] = ["node_modules", "target", "vendor", "dist", "build", ".git"];
    /// Enough to find a suite in a real package; a huge tree is not walked to its end.
    const MAX_TREES: usize = 2000;
    let Some(root) = repo.lookup_path(tree, path)? else { return Ok(None) };
    if !root.is_tree {
        return Ok(None);
    }
    let prefix = |p: &str| if path == "." { p.to_owned() } else { format!("{path}/{p}") };
    let mut buf = Vec::new();
    let mut stack = vec![(root.id, String::new())];
    let mut seen = 0;
    while let Some((id, dir)) = stack.pop() {
        seen += 1;
        if seen > MAX_TREES {
            break;
        }
        for entry in repo.tree_entries(&id, &mut buf)? {
            let file = String::from_utf8_lossy(&entry.name).into_owned();
            let rel = if dir.is_empty() { file.clone() } else { format!("{dir}/{file}") };
            if entry.is_tree {
                if TEST_DIRS.contains(&file.as_str()) {
                    return Ok(Some(format!("`{}/`", prefix(&rel))));
                }
                if !file.starts_with('.') && !SKIP.contains(&file.as_str()) {
                    stack.push((entry.id, rel));
                }
            } else if is_test_file(&file) {
                return Ok(Some(format!("`{}`", prefix(&rel))));
            }
        }
    }
    if let Some(bytes) = repo.read_file(tree, &prefix("package.json"))?
        && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(script) = json["scripts"]["test"].as_str()
        && !script.contains("no test specified")
    {
        return Ok(Some("the `test` script of `package.json`".to_owned()));
    }
    for file in ["src/lib.rs", "src/main.rs"] {
        if let Some(bytes) = repo.read_file(tree, &prefix(file))?
            && (bytes.windows(12).any(|w| w == b"#[cfg(test)]")
                || bytes.windows(7).any(|w| w == b"#[test]"))
        {
            return Ok(Some(format!("unit tests in `{}`", prefix(file))));
        }
    }
    Ok(None)
}

/// Whether a file name is a test file by the usual conventions.
pub(super) fn is_test_file(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let has_ext = name.contains('.');
    has_ext
        && (stem.ends_with("_test")
            || stem.ends_with("_spec")
            || (stem.starts_with("test_")
                && Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case("py")))
            || name.contains(".test.")
            || name.contains(".spec."))
}

/// `stale_docs`: no file of `release.docs` mentions a released version of the package
/// older than its current one. A mention is the package's tag of that version (`v1.2.0`,
/// `core/v1.2.0`), or the bare version on a line that names the package.
pub(super) fn stale_docs(
    repo: &Repo,
    config: &Config,
    tree: ObjectId,
    pkg: &Package,
    row: &Row,
    released: &[Version],
) -> CheckResult {
    const NAME: CheckId = CheckId::StaleDocs;
    let name = Some(pkg.name.as_str());
    if config.docs.is_empty() {
        return CheckResult::skip(NAME, name, "no `release.docs` is set");
    }
    let Some(current) = row.current_version.as_deref().and_then(|v| Version::parse(v).ok()) else {
        return CheckResult::skip(NAME, name, "no release yet");
    };
    let older: HashSet<&Version> = released.iter().filter(|v| **v < current).collect();
    let names: Vec<&str> =
        std::iter::once(pkg.name.as_str()).chain(pkg.manifest_name.as_deref()).collect();
    let mut stale = Vec::new();
    let mut missing = Vec::new();
    for doc in &config.docs {
        let bytes = match repo.read_file(tree, doc) {
            Ok(Some(b)) => b,
            Ok(None) => {
                missing.push(format!("`{doc}`"));
                continue;
            }
            Err(e) => {
                return CheckResult::fail(
                    NAME,
                    name,
                    format!("cannot read `{doc}`: {e:#}"),
                    "run `git fsck`",
                );
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            let names_package = names.iter().any(|p| contains_word(line, p));
            for (token, tagged) in version_tokens(line) {
                let Ok(v) = Version::parse(token) else { continue };
                if !older.contains(&v) {
                    continue;
                }
                let as_tag = pkg.tag_formats.iter().any(|f| line.contains(&f.format(&v)));
                if names_package || as_tag || (tagged && pkg.path == ".") {
                    stale.push(format!("`{doc}:{}` mentions {v}", n + 1));
                }
            }
        }
    }
    if !missing.is_empty() {
        return CheckResult::fail(
            NAME,
            name,
            format!(
                "{} in `release.docs` do{} not exist at HEAD",
                missing.join(", "),
                if missing.len() == 1 { "es" } else { "" }
            ),
            "fix the paths in `release.docs`",
        );
    }
    if stale.is_empty() {
        CheckResult::pass(NAME, name, format!("no doc mentions a version older than {current}"))
    } else {
        let more =
            if stale.len() > 3 { format!(" and {} more", stale.len() - 3) } else { String::new() };
        CheckResult::fail(
            NAME,
            name,
            format!(
                "{}{more} (current: {current})",
                stale.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ),
            format!("update the docs to {current}"),
        )
    }
}

/// Version-like tokens of a line (`1.2.3`, `1.2.3-rc.1`), each with whether a `v` led it.
pub(super) fn version_tokens(line: &str) -> Vec<(&str, bool)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.');
        let tagged =
            i > 0 && bytes[i - 1] == b'v' && (i == 1 || !bytes[i - 2].is_ascii_alphanumeric());
        if bytes[i].is_ascii_digit() && (boundary || tagged) {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || b".-+".contains(&bytes[i]))
            {
                i += 1;
            }
            let token = line[start..i].trim_end_matches(['.', '-', '+']);
            if token.matches('.').count() >= 2 {
                out.push((token, tagged));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `word` occurs in `line` with no letter, digit, `-` or `_` on either side.
pub(super) fn contains_word(line: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    line.match_indices(word).any(|(at, _)| {
        !line[..at].chars().next_back().is_some_and(is_word)
            && !line[at + word.len()..].chars().next().is_some_and(is_word)
    })
}

/// `changelog_current`: the changelog has a section (a heading) for the current version
/// (seed 004 › RL-03 "Changelog updated"), or already one for the next version (written
/// ahead with `git release changelog --write`; the run's changelog step then keeps it).
///
/// PASS when the changelog does not exist yet: the run's changelog step creates it with the
/// next release's section, so a package that never had one is not failed for it. The fix of
/// a FAIL is the command that writes exactly the missing section.
pub(super) fn changelog_current(
    repo: &Repo,
    config: &Config,
    tree: ObjectId,
    pkg: &Package,
    row: &Row,
    several: bool,
) -> CheckResult {
    const NAME: CheckId = CheckId::ChangelogCurrent;
    let name = Some(pkg.name.as_str());
    let Some(current) = row.current_version.as_deref().and_then(|v| Version::parse(v).ok()) else {
        return CheckResult::skip(NAME, name, "no release yet");
    };
    let path = config.changelog_of(&pkg.name, &pkg.path);
    let mut command = vec!["git", "release", "changelog"];
    if several {
        command.push(&pkg.name);
    }
    if let Some(tag) = row.current_tag.as_deref() {
        command.extend(["--tag", tag]);
    }
    command.push("--write");
    let fix = format!("`{}` adds the section for {current} to `{path}`", command_line(&command));
    match repo.read_file(tree, &path) {
        Ok(None) => CheckResult::pass(
            NAME,
            name,
            format!("`{path}` does not exist yet: the release creates it"),
        ),
        Err(e) => {
            CheckResult::fail(NAME, name, format!("cannot read `{path}`: {e:#}"), "run `git fsck`")
        }
        Ok(Some(bytes)) => {
            let text = String::from_utf8_lossy(&bytes);
            let next = row.next_version.as_deref().filter(|v| *v != current.to_string());
            if crate::changelog::has_section(&text, &current.to_string()) {
                CheckResult::pass(NAME, name, format!("`{path}` has a section for {current}"))
            } else if let Some(next) = next.filter(|v| crate::changelog::has_section(&text, v)) {
                CheckResult::pass(
                    NAME,
                    name,
                    format!("`{path}` has a section for the next version {next}"),
                )
            } else {
                CheckResult::fail(
                    NAME,
                    name,
                    format!("`{path}` has no section for the current version {current}"),
                    fix,
                )
            }
        }
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(super) fn short_id(id: &str) -> &str {
    &id[..id.len().min(7)]
}

/// The `shallow_clone` check: FAIL when the repository is shallow, so history and bumps
/// may be wrong (DESIGN.md › Checks). Shared by `check` and `doctor`.
pub fn shallow_clone(repo: &Repo) -> CheckResult {
    if repo.is_shallow() {
        CheckResult::fail(
            CheckId::ShallowClone,
            None,
            "the repository is a shallow clone, so the history and the bumps may be wrong",
            "`git fetch --unshallow --tags`",
        )
    } else {
        CheckResult::pass(CheckId::ShallowClone, None, "the history is complete (not shallow)")
    }
}
