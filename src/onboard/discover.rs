//! The packages of a work tree, as `init` finds them (issue 15 item 1): the members the
//! workspace declarations name (Cargo `[workspace] members`/`exclude`, npm/yarn
//! `workspaces`, `pnpm-workspace.yaml` `packages`, uv `[tool.uv.workspace]`), or, with no
//! declaration, every manifest outside test data and samples; minus what is never published.

use std::path::Path;

use anyhow::{Context, Result};
use semver::Version;

use crate::fsutil::read_text_inside;
use crate::manifest::{self, MANIFEST_NAMES};

/// A package found in the work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The name its manifest declares.
    pub name: String,
    /// Its directory, relative to the root, `.` for the root.
    pub path: String,
    /// Its manifest, relative to the root.
    pub manifest: String,
    /// The version its manifest declares (or inherits from the Cargo workspace), if semver.
    pub version: Option<Version>,
}

/// A manifest left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The manifest's path, relative to the root.
    pub manifest: String,
    /// Why, in a few words (`publish = false`; `under examples/, not declared by a workspace`).
    pub reason: String,
}

/// What discovery found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The packages, by path.
    pub found: Vec<Found>,
    /// The manifests left out.
    pub skipped: Vec<Skipped>,
    /// The workspace declarations followed (`Cargo.toml [workspace]`, `pnpm-workspace.yaml`),
    /// empty when the tree was scanned.
    pub declarations: Vec<String>,
}

/// Member patterns of the workspace declarations at the root.
#[derive(Debug, Default)]
struct Declared {
    sources: Vec<String>,
    members: Vec<String>,
    exclude: Vec<String>,
}

/// Finds the packages of the work tree at `workdir`.
///
/// # Errors
/// A directory cannot be read. Manifests that do not parse are skipped, with why.
pub fn discover(workdir: &Path) -> Result<Discovery> {
    let declared = declarations(workdir);
    let mut out = Discovery { declarations: declared.sources.clone(), ..Discovery::default() };
    let workspace_version = read_text_inside(workdir, "Cargo.toml")
        .ok()
        .flatten()
        .and_then(|text| manifest::parse("Cargo.toml", &text).ok())
        .and_then(|m| m.workspace_version)
        .and_then(|v| Version::parse(v.trim()).ok());
    for rel in manifests(workdir)? {
        let dir = rel.rsplit_once('/').map_or(".", |(d, _)| d).to_owned();
        if out.found.iter().any(|f| f.path == dir) {
            continue;
        }
        let member = dir == "."
            || if declared.sources.is_empty() {
                manifest::sample_dir(&dir).is_none()
            } else {
                declared.members.iter().any(|p| glob(p, &dir))
                    && !declared.exclude.iter().any(|p| glob(p, &dir))
            };
        let Ok(Some(text)) = read_text_inside(workdir, &rel) else { continue };
        let m = match manifest::parse(&rel, &text) {
            Ok(m) => m,
            Err(e) => {
                if member {
                    out.skipped.push(Skipped { manifest: rel, reason: format!("{e:#}") });
                }
                continue;
            }
        };
        if !m.is_package {
            continue;
        }
        if !member {
            let reason = match manifest::sample_dir(&dir) {
                _ if !declared.sources.is_empty() => {
                    format!("not a member of the workspace ({})", declared.sources.join(", "))
                }
                Some(sample) => format!("under `{sample}/`, which holds test data or samples"),
                None => "not a member of the workspace".to_owned(),
            };
            out.skipped.push(Skipped { manifest: rel, reason });
            continue;
        }
        if let Some(why) = m.unpublished {
            out.skipped
                .push(Skipped { manifest: rel, reason: format!("`{why}`: never published") });
            continue;
        }
        let Some(name) = m
            .name
            .filter(|n| !n.is_empty() && !n.chars().any(|c| c.is_whitespace() || c.is_control()))
        else {
            out.skipped.push(Skipped {
                manifest: rel,
                reason: "no package name, or one with spaces or control characters".to_owned(),
            });
            continue;
        };
        if let Some(first) = out.found.iter().find(|f| f.name == name) {
            let reason = format!("the same name as `{}`", first.manifest);
            out.skipped.push(Skipped { manifest: rel, reason });
            continue;
        }
        let version = match m.version {
            Some(v) => Version::parse(v.trim()).ok(),
            None if m.version_from_workspace => workspace_version.clone(),
            None => None,
        };
        out.found.push(Found { name, path: dir, manifest: rel, version });
    }
    out.found.sort_by(|a, b| a.path.cmp(&b.path));
    // What the user may not expect comes first: unpublished packages and manifests that do
    // not parse, then the undeclared ones and the samples (often many).
    out.skipped
        .sort_by_key(|s| s.reason.starts_with("not a member") || s.reason.starts_with("under `"));
    Ok(out)
}

/// Every manifest in the work tree, sorted so a directory's `Cargo.toml` comes before its
/// `package.json` and `pyproject.toml` (the first package manifest of a directory wins),
/// skipping hidden and build directories and never following a symbolic link.
fn manifests(workdir: &Path) -> Result<Vec<String>> {
    const SKIP: [&str; 5] = ["node_modules", "target", "vendor", "dist", "build"];
    let mut found = Vec::new();
    let mut stack = vec![workdir.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("failed to read `{}`", dir.display()))?;
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_symlink() {
                continue;
            }
            if kind.is_dir() {
                if !name.starts_with('.') && !SKIP.contains(&name.as_str()) {
                    stack.push(entry.path());
                }
            } else if MANIFEST_NAMES.contains(&name.as_str()) {
                let path = entry.path();
                let rel = path.strip_prefix(workdir).unwrap_or(&path);
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let rank = |rel: &str| {
        let file = rel.rsplit('/').next().unwrap_or(rel);
        MANIFEST_NAMES.iter().position(|n| *n == file).unwrap_or(MANIFEST_NAMES.len())
    };
    found.sort_by(|a, b| {
        let dir = |p: &str| p.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_owned());
        dir(a).cmp(&dir(b)).then_with(|| rank(a).cmp(&rank(b)))
    });
    Ok(found)
}

/// Reads the workspace declarations at the root of `workdir`. A file that does not parse
/// declares nothing (the plan reports it when it matters).
fn declarations(workdir: &Path) -> Declared {
    let mut d = Declared::default();
    let read = |rel: &str| read_text_inside(workdir, rel).ok().flatten();
    if let Some(doc) = read("Cargo.toml").and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        && let Some(ws) = doc.get("workspace").and_then(toml::Value::as_table)
    {
        d.sources.push("Cargo.toml [workspace]".to_owned());
        d.members.extend(strings(ws.get("members")));
        d.exclude.extend(strings(ws.get("exclude")));
    }
    if let Some(doc) =
        read("package.json").and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        && let Some(ws) = doc.get("workspaces")
    {
        let list = ws.get("packages").unwrap_or(ws);
        if let Some(list) = list.as_array() {
            d.sources.push("package.json workspaces".to_owned());
            for p in list.iter().filter_map(serde_json::Value::as_str) {
                push_pattern(&mut d, p);
            }
        }
    }
    if let Some(text) = read("pnpm-workspace.yaml") {
        d.sources.push("pnpm-workspace.yaml".to_owned());
        for p in pnpm_packages(&text) {
            push_pattern(&mut d, &p);
        }
    }
    if let Some(doc) = read("pyproject.toml").and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        && let Some(ws) = doc
            .get("tool")
            .and_then(|t| t.get("uv"))
            .and_then(|u| u.get("workspace"))
            .and_then(toml::Value::as_table)
    {
        d.sources.push("pyproject.toml [tool.uv.workspace]".to_owned());
        d.members.extend(strings(ws.get("members")));
        d.exclude.extend(strings(ws.get("exclude")));
    }
    d
}

/// Adds an npm/pnpm pattern: `!pattern` excludes.
fn push_pattern(d: &mut Declared, pattern: &str) {
    match pattern.strip_prefix('!') {
        Some(rest) => d.exclude.push(rest.to_owned()),
        None => d.members.push(pattern.to_owned()),
    }
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The `packages:` list of a `pnpm-workspace.yaml`: its block entries (`- packages/*`,
/// quoted or not) or a flow list (`packages: [a, b]`). Only this key is read; the rest of the
/// file (settings for pnpm) is not ours.
pub fn pnpm_packages(text: &str) -> Vec<String> {
    let unquote = |s: &str| {
        let s = s.split(" #").next().unwrap_or(s).trim();
        s.trim_matches(|c| c == '"' || c == '\'').to_owned()
    };
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        // A block entry, indented or not (YAML allows `- x` at the key's column).
        if inside && let Some(item) = line.trim_start().strip_prefix("- ") {
            out.push(unquote(item));
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        inside = false;
        if let Some(rest) = line.strip_prefix("packages:") {
            let rest = rest.trim();
            if let Some(flow) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                out.extend(flow.split(',').map(unquote).filter(|s| !s.is_empty()));
            } else {
                inside = rest.is_empty();
            }
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// Whether the directory `dir` matches the workspace pattern `pattern` (`*` within one path
/// component, `**` across them), per git's wildmatch (gix).
fn glob(pattern: &str, dir: &str) -> bool {
    let pattern = pattern.trim().trim_start_matches("./").trim_end_matches('/');
    if pattern.is_empty() {
        return false;
    }
    gix::glob::wildmatch(
        pattern.into(),
        dir.into(),
        gix::glob::wildmatch::Mode::NO_MATCH_SLASH_LITERAL,
    ) || pattern.strip_suffix("/**").is_some_and(|base| glob(base, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pnpm_packages() {
        let text = "packages:\n  - packages/*\n  - 'scripts/*'\n  - \"!**/test/**\"\n\nallowBuilds:\n  x: true\n";
        assert_eq!(pnpm_packages(text), ["packages/*", "scripts/*", "!**/test/**"]);
        assert_eq!(pnpm_packages("packages: [a/*, 'b']\n"), ["a/*", "b"]);
        assert_eq!(pnpm_packages("packages:\n- site\nother: 1\n- nope\n"), ["site"]);
    }

    #[test]
    fn globs_like_cargo_and_npm() {
        assert!(glob("axum-*", "axum-core"));
        assert!(!glob("axum-*", "examples/axum-x"));
        assert!(glob("packages/*", "packages/cli"));
        assert!(!glob("packages/*", "packages/cli/sub"));
        assert!(glob("packages/**", "packages/cli/sub"));
        assert!(glob("./site/", "site"));
    }
}
