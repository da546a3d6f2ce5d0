//! The file `init` writes (built with `toml_edit`, so every name and path found in the work
//! tree is quoted and escaped by the serializer: a manifest cannot inject keys or tables),
//! its check against the real loader, and the summary `init` prints.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};

use super::{FIXED_GROUP, Proposal};
use crate::error::Error;

/// The configuration file for `proposal`, as TOML text.
pub fn toml(proposal: &Proposal) -> String {
    let mut doc = DocumentMut::new();
    let mut release = Table::new();
    release.decor_mut().set_prefix(
        "# git-release configuration, written by `git release init`.\n\
         # Reference: the README's \"Configuration\" section.\n\
         # Precedence: flags > GIT_RELEASE_* > git config release.* > this file > defaults.\n\n",
    );
    release.insert("remote", value("origin"));
    release.insert("branch", value("main"));
    if proposal.single {
        let formats = proposal.packages.first().map(|p| p.formats.clone()).unwrap_or_default();
        release.insert("tag_format", list(&formats));
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
    if !proposal.single {
        let mut packages = ArrayOfTables::new();
        for p in &proposal.packages {
            let mut table = Table::new();
            table.insert("name", value(p.found.name.as_str()));
            table.insert("path", value(p.found.path.as_str()));
            table.insert("tag_format", list(&p.formats));
            let mut files = Array::new();
            files.push(p.found.manifest.as_str());
            table.insert("version_files", value(files));
            packages.push(table);
        }
        doc.insert("package", Item::ArrayOfTables(packages));
        if proposal.fixed.is_some() && proposal.packages.len() > 1 {
            let mut group = Table::new();
            group.insert("name", value(FIXED_GROUP));
            group.insert("mode", value("fixed"));
            let members: Array = proposal.packages.iter().map(|p| p.found.name.as_str()).collect();
            group.insert("packages", value(members));
            let mut groups = ArrayOfTables::new();
            groups.push(group);
            doc.insert("group", Item::ArrayOfTables(groups));
        }
    }
    doc.to_string()
}

/// One format as a string, several as an array.
fn list(items: &[String]) -> Item {
    if let [one] = items {
        return value(one.as_str());
    }
    value(items.iter().map(String::as_str).collect::<Array>())
}

/// Loads `text` with the real configuration loader, so `init` never saves a file that does
/// not load, or that says more than it was given: its packages must be exactly the
/// proposal's, with the proposal's formats, and it must have no `[commands]`.
///
/// # Errors
/// The text does not load (the loader's error, which names the line), or its packages,
/// formats or commands differ from what was proposed.
pub fn validate(text: &str, proposal: &Proposal) -> Result<()> {
    let dir = tempfile::tempdir().context("failed to create a temporary folder")?;
    let path = dir.path().join(crate::config::DEFAULT_FILE_NAME);
    std::fs::write(&path, text).context("failed to write a temporary file")?;
    let config = crate::config::load(Some(&path), &crate::config::NoGitConfig, &[])
        .map_err(|e| Error::failed(format!("the generated configuration does not load: {e:#}")))?;
    let got: Vec<(&str, Vec<String>)> = config
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.tag_formats.iter().map(crate::version::TagFormat::pattern).collect(),
            )
        })
        .collect();
    let expected: Vec<(&str, Vec<String>)> = if proposal.single {
        Vec::new()
    } else {
        proposal
            .packages
            .iter()
            .map(|p| {
                let name = p.found.name.as_str();
                let formats = p
                    .formats
                    .iter()
                    .map(|f| crate::version::TagFormat::parse(f, name).map(|t| t.pattern()))
                    .collect::<Result<Vec<_>>>()
                    .unwrap_or_default();
                (name, formats)
            })
            .collect()
    };
    if got != expected || config.commands != crate::config::Commands::default() {
        return Err(Error::failed(
            "the generated configuration does not say what was found in the work tree",
        )
        .into());
    }
    Ok(())
}

/// The summary `init` prints on stderr: the packages with their tag formats and current
/// versions, the manifests skipped and why, and the release tags no package matches.
/// `verbose` lists every skipped manifest and unmatched line instead of the first few.
pub fn summary(proposal: &Proposal, verbose: bool) -> Vec<String> {
    const SHOWN: usize = 8;
    let mut out = Vec::new();
    if proposal.declarations.is_empty() {
        out.push("no workspace declaration: scanned the work tree for manifests".to_owned());
    } else {
        out.push(format!("followed {}", proposal.declarations.join(", ")));
    }
    let kind = if proposal.single {
        "single package"
    } else if proposal.fixed.is_some() {
        "fixed-version monorepo"
    } else {
        "monorepo"
    };
    let n = proposal.packages.len();
    out.push(format!("{n} package{} ({kind}):", if n == 1 { "" } else { "s" }));
    for p in &proposal.packages {
        let name = if p.found.name.is_empty() { "(repository)" } else { &p.found.name };
        let current = match (&p.current, &p.found.version) {
            (Some((v, tag)), _) => format!("newest release {v} (tag {tag})"),
            (None, Some(v)) => format!("no release tag yet; manifest says {v}"),
            (None, None) => "no release tag yet".to_owned(),
        };
        let mut line = format!("  {name} at {}: {}; {current}", p.found.path, p.formats.join(", "));
        if verbose && !p.matched.is_empty() {
            let _ = write!(line, " [matched: {}]", p.matched.join("; "));
        }
        out.push(line);
    }
    if let Some(format) = &proposal.fixed {
        out.push(format!(
            "one version line for all packages: group `{FIXED_GROUP}` (mode \"fixed\") tagged `{format}`"
        ));
    }
    if !proposal.skipped.is_empty() {
        out.push(format!("skipped {} manifest(s):", proposal.skipped.len()));
        // Grouped by reason, in the order the reasons first appear; a reason shared by many
        // manifests (a workspace's examples) takes one line unless `-v`.
        let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
        for s in &proposal.skipped {
            match reasons.iter_mut().find(|(r, _)| *r == s.reason) {
                Some((_, list)) => list.push(&s.manifest),
                None => reasons.push((&s.reason, vec![&s.manifest])),
            }
        }
        for (reason, manifests) in reasons {
            if verbose || manifests.len() <= SHOWN {
                for m in manifests {
                    out.push(format!("  {m}: {reason}"));
                }
            } else {
                out.push(format!(
                    "  {} manifests: {reason}: {}, {} … (-v lists them)",
                    manifests.len(),
                    manifests[0],
                    manifests[1]
                ));
            }
        }
    }
    if proposal.unmatched.is_empty() {
        out.push("every release tag matches a package".to_owned());
    } else {
        let tags: usize = proposal.unmatched.iter().map(|u| u.count).sum();
        out.push(format!(
            "{tags} release tag(s) in {} line(s) match no package (they are left alone):",
            proposal.unmatched.len()
        ));
        let shown = if verbose { proposal.unmatched.len() } else { SHOWN };
        for u in proposal.unmatched.iter().take(shown) {
            out.push(format!("  {}: {} tag(s), newest {}", u.pattern, u.count, u.newest));
        }
        if proposal.unmatched.len() > shown {
            out.push(format!("  … and {} more (-v lists them)", proposal.unmatched.len() - shown));
        }
    }
    if proposal.other_tags > 0 {
        out.push(format!("{} other tag(s) do not look like releases", proposal.other_tags));
    }
    out
}
