//! `git release init`: write a starter `release.toml` listing the packages found and the tag
//! schemes already in use.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;

use crate::context::GlobalArgs;
use crate::context::start_dir;
use crate::error::Error;
use crate::git::read::Repo;
use crate::manifest::{self, MANIFEST_NAMES};
use crate::ui::Ui;

/// Write a starter release.toml
///
/// Finds the packages of the repository (Cargo workspace members, npm/pnpm workspace
/// packages, `pyproject.toml` projects) and the tag schemes its tags already use
/// (`v{version}`, `{name}-v{version}`, `{name}/v{version}`, `{name}@{version}`), and writes
/// them to `release.toml` at the repository root.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing release.toml
    #[arg(long)]
    pub force: bool,

    /// Print the file instead of writing it
    #[arg(long)]
    pub dry_run: bool,
}

/// A package found in the work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    name: String,
    path: String,
    manifest: String,
}

/// The tag schemes `init` recognises, most specific first.
const SCHEMES: [&str; 5] =
    ["{name}/v{version}", "{name}-v{version}", "{name}@{version}", "v{version}", "{version}"];

/// Writes (or prints) the starter configuration.
///
/// # Errors
/// Not in a repository with a work tree; `release.toml` exists and `--force` was not given
/// (exit 2); the file cannot be written.
pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<()> {
    let ui = Ui::new(global.quiet, global.verbose, global.color);
    let repo = Repo::discover(&start_dir(global)?)?;
    let Some(workdir) = repo.workdir().map(Path::to_owned) else {
        return Err(
            Error::usage("`git release init` needs a work tree; this repository is bare").into()
        );
    };
    let target = workdir.join("release.toml");
    if target.exists() && !args.force && !args.dry_run {
        return Err(Error::usage(format!("`{}` already exists", target.display()))
            .with_hint("use `--force` to overwrite it, or `--dry-run` to print a new one")
            .into());
    }
    let mut skipped = Vec::new();
    let found = discover(&workdir, &mut skipped)?;
    for manifest in &skipped {
        ui.warn(&format!(
            "`{manifest}` names its package with spaces or control characters; it is left out"
        ));
    }
    let tags: Vec<String> = repo.tags()?.into_iter().map(|t| t.name).collect();
    let text = render(&found, &tags);
    validate(&text, &found).map_err(|e| {
        Error::failed(format!("{e:#}; nothing was written"))
            .with_hint("rename the package in its manifest, or write `release.toml` by hand")
    })?;
    if args.dry_run {
        return ui.data(&text);
    }
    crate::fsutil::write_atomically(&target, text.as_bytes())?;
    ui.status(&format!(
        "wrote {} ({} package{})",
        target.display(),
        found.len().max(1),
        if found.len() > 1 { "s" } else { "" }
    ));
    Ok(())
}

/// Every package manifest in the work tree, skipping hidden and build directories.
fn discover(workdir: &Path, skipped: &mut Vec<String>) -> Result<Vec<Found>> {
    const SKIP: [&str; 5] = ["node_modules", "target", "vendor", "dist", "build"];
    let mut found = Vec::new();
    let mut stack = vec![workdir.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir)
            .with_context(|| format!("failed to read `{}`", dir.display()))?;
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            // A symbolic link is never followed: it may lead out of the repository.
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_symlink() {
                continue;
            }
            if kind.is_dir() {
                if !name.starts_with('.') && !SKIP.contains(&name.as_str()) {
                    stack.push(path);
                }
                continue;
            }
            if !MANIFEST_NAMES.contains(&name.as_str()) {
                continue;
            }
            let rel =
                path.strip_prefix(workdir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let Ok(Some(text)) = crate::fsutil::read_text_inside(workdir, &rel) else { continue };
            let Ok(m) = manifest::parse(&rel, &text) else { continue };
            if !m.is_package {
                continue;
            }
            let Some(pkg_name) = m.name else { continue };
            // A name the configuration would refuse (spaces, newlines, control characters)
            // is left out rather than written.
            if pkg_name.is_empty() || pkg_name.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                skipped.push(rel.clone());
                continue;
            }
            let dir = rel.rsplit_once('/').map_or(".", |(d, _)| d).to_owned();
            // One package per directory: the first manifest (Cargo, npm, Python) wins.
            if found.iter().any(|f: &Found| f.path == dir) {
                continue;
            }
            found.push(Found { name: pkg_name, path: dir, manifest: rel });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// Counts how many tags each scheme matches for the package `name`.
fn schemes_in_use(name: &str, tags: &[String]) -> Vec<(&'static str, usize)> {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for scheme in SCHEMES {
        let Ok(format) = crate::version::TagFormat::parse(scheme, name) else { continue };
        let n = tags.iter().filter(|t| format.parse_tag(t).is_some()).count();
        if n > 0 {
            counts.insert(scheme, n);
        }
    }
    let mut list: Vec<(&'static str, usize)> = counts.into_iter().collect();
    list.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    list
}

/// The starter file, built as a TOML document (`toml_edit`), so every name and path found in
/// the work tree is quoted and escaped by the serializer: a manifest cannot inject keys or
/// tables (issue 12 item 3).
fn render(found: &[Found], tags: &[String]) -> String {
    use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
    let mut doc = DocumentMut::new();
    let single = found.len() <= 1 && found.iter().all(|f| f.path == ".");
    let mut release = Table::new();
    release.decor_mut().set_prefix(
        "# git-release configuration. Reference: the README's \"Configuration\" section.\n\
         # Precedence: flags > GIT_RELEASE_* > git config release.* > this file > defaults.\n\n",
    );
    release.insert("remote", value("origin"));
    release.insert("branch", value("main"));
    if single {
        let name = found.first().map_or("", |f| f.name.as_str());
        let schemes: Vec<&str> = schemes_in_use(name, tags)
            .into_iter()
            .map(|(s, _)| s)
            .filter(|s| !s.contains("{name}") || !name.is_empty())
            .collect();
        let formats = if schemes.is_empty() { vec!["v{version}"] } else { schemes };
        release.insert("tag_format", toml_list(&formats));
    }
    doc.insert("release", Item::Table(release));
    let mut bump = Table::new();
    for (key, level) in [
        ("feat", "minor"),
        ("fix", "patch"),
        ("perf", "patch"),
        ("revert", "patch"),
        ("other", "none"),
        ("breaking_before_1_0", "minor"),
        ("feat_before_1_0", "minor"),
    ] {
        bump.insert(key, value(level));
    }
    doc.insert("bump", Item::Table(bump));
    if !single {
        let per_package: Vec<Vec<&str>> = found
            .iter()
            .map(|f| {
                schemes_in_use(&f.name, tags)
                    .into_iter()
                    .map(|(s, _)| s)
                    .filter(|s| s.contains("{name}"))
                    .collect()
            })
            .collect();
        // A package with no tags yet takes the scheme most packages of the repository use.
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for schemes in &per_package {
            if let Some(first) = schemes.first() {
                *votes.entry(first).or_default() += 1;
            }
        }
        let house = votes
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map_or("{name}/v{version}", |(scheme, _)| scheme);
        let mut packages = ArrayOfTables::new();
        for (f, schemes) in found.iter().zip(per_package) {
            let formats = if schemes.is_empty() { vec![house] } else { schemes };
            let mut table = Table::new();
            table.insert("name", value(f.name.as_str()));
            table.insert("path", value(f.path.as_str()));
            table.insert("tag_format", toml_list(&formats));
            let mut files = toml_edit::Array::new();
            files.push(f.manifest.as_str());
            table.insert("version_files", value(files));
            packages.push(table);
        }
        doc.insert("package", Item::ArrayOfTables(packages));
    }
    doc.to_string()
}

/// One format as a string, several as an array.
fn toml_list(items: &[&str]) -> toml_edit::Item {
    if let [one] = items {
        return toml_edit::value(*one);
    }
    toml_edit::value(items.iter().copied().collect::<toml_edit::Array>())
}

/// Loads `text` as the configuration would be loaded, so `init` never saves a file that does
/// not load, or that says more than it was given: the packages it lists must be exactly
/// `found`, and it must have no `[commands]`.
///
/// # Errors
/// The text does not load, or its packages or commands differ from what was generated.
fn validate(text: &str, found: &[Found]) -> Result<()> {
    let dir = tempfile::tempdir().context("failed to create a temporary folder")?;
    let path = dir.path().join("release.toml");
    std::fs::write(&path, text).context("failed to write a temporary file")?;
    let config = crate::config::load(Some(&path), &crate::config::NoGitConfig, &[])
        .map_err(|e| Error::failed(format!("the generated configuration does not load: {e:#}")))?;
    let names: Vec<&str> = config.packages.iter().map(|p| p.name.as_str()).collect();
    let expected: Vec<&str> = if found.len() <= 1 && found.iter().all(|f| f.path == ".") {
        Vec::new()
    } else {
        found.iter().map(|f| f.name.as_str()).collect()
    };
    if names != expected || config.commands != crate::config::Commands::default() {
        return Err(Error::failed(
            "the generated configuration does not say what was found in the work tree",
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_packages_with_schemes_in_use() {
        let found = vec![
            Found {
                name: "core".into(),
                path: "crates/core".into(),
                manifest: "crates/core/Cargo.toml".into(),
            },
            Found { name: "web".into(), path: "web".into(), manifest: "web/package.json".into() },
        ];
        let tags =
            vec!["core-v1.0.0".into(), "core-v1.1.0".into(), "web@2.0.0".into(), "v0.1.0".into()];
        let text = render(&found, &tags);
        assert!(text.contains("tag_format = \"{name}-v{version}\""), "{text}");
        assert!(text.contains("tag_format = \"{name}@{version}\""), "{text}");
        let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
        assert_eq!(parsed["package"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn single_package_keeps_bare_or_v_tags() {
        let text = render(&[], &["1.0.0".into(), "1.1.0".into()]);
        assert!(text.contains("tag_format = \"{version}\""), "{text}");
    }
}
