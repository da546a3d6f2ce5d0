//! Version files: what a manifest says about its package (name, version, dependencies,
//! workspace members). Reading only; the text is handed in, so the same code reads a blob
//! from a commit or a file from the work tree.
//!
//! Kinds, by file name: `Cargo.toml`, `package.json`, `pyproject.toml`, and anything else as
//! a plain file holding just a version (`VERSION`).

use anyhow::{Context, Result, bail};

pub mod edit;

/// The kinds of version file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Cargo.toml`: `[package] version`, or `[workspace.package] version` when inherited.
    Cargo,
    /// `package.json`: the top-level `"version"`.
    Npm,
    /// `pyproject.toml`: `[project] version` or `[tool.poetry] version`.
    Python,
    /// Any other file: its whole content, trimmed, is the version.
    Plain,
}

/// The file names that make a directory a package directory, for discovery and drift.
pub const MANIFEST_NAMES: [&str; 3] = ["Cargo.toml", "package.json", "pyproject.toml"];

/// The kind of the version file at `path` (by its file name).
pub fn kind_of(path: &str) -> Kind {
    match path.rsplit('/').next().unwrap_or(path) {
        "Cargo.toml" => Kind::Cargo,
        "package.json" => Kind::Npm,
        "pyproject.toml" => Kind::Python,
        _ => Kind::Plain,
    }
}

/// What one manifest declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The package name it declares (crate, npm or Python project name).
    pub name: Option<String>,
    /// The version string it declares, as written.
    pub version: Option<String>,
    /// `version.workspace = true` in a Cargo manifest: the version is the workspace's.
    pub version_from_workspace: bool,
    /// Names of the packages it depends on to build or run, that may be other packages of
    /// this repository: Cargo `path`/`workspace` normal and build dependencies, package.json
    /// `dependencies`, `peerDependencies` and `optionalDependencies`, pyproject
    /// `[project] dependencies` and extras that are not dev/test groups (normalised per
    /// PEP 503). These order releases (tiers, cycles).
    pub dependencies: Vec<String>,
    /// The same for dependencies needed only to develop or test it: Cargo
    /// `[dev-dependencies]`, package.json `devDependencies`, pyproject `[dependency-groups]`,
    /// dev/test/docs extras, `[tool.uv] dev-dependencies` and Poetry dev groups. They do
    /// not order releases (Cargo allows a dev-dependency cycle; so does npm).
    pub dev_dependencies: Vec<String>,
    /// Workspace member patterns (`[workspace] members`, package.json `workspaces`).
    pub workspace_members: Vec<String>,
    /// `[workspace.package] version` of a Cargo workspace root.
    pub workspace_version: Option<String>,
    /// Whether it describes a package (as opposed to a virtual workspace root).
    pub is_package: bool,
    /// Why it is never published, as its manifest says it: `publish = false` (Cargo, also
    /// `publish = []`), `"private": true` (npm), or the `Private :: Do Not Upload` classifier
    /// (Python). `None` for a package that may be published.
    pub unpublished: Option<&'static str>,
}

/// Directory names whose manifests are test data or samples, not packages, unless a
/// workspace declares them (issue 15 item 1): `init` skips them, the drift guard ignores them.
pub const SAMPLE_DIRS: [&str; 9] = [
    "tests",
    "test",
    "fixtures",
    "__fixtures__",
    "testdata",
    "examples",
    "example",
    "benches",
    "__tests__",
];

/// The first component of the `/`-separated `path` that is one of [`SAMPLE_DIRS`], if any.
pub fn sample_dir(path: &str) -> Option<&str> {
    path.split('/').find(|part| SAMPLE_DIRS.contains(part))
}

/// Parses `text`, the content of the file at `path` (used for its kind and in errors).
///
/// # Errors
/// Malformed TOML or JSON, named by `path`.
pub fn parse(path: &str, text: &str) -> Result<Manifest> {
    match kind_of(path) {
        Kind::Cargo => parse_cargo(text).with_context(|| format!("failed to parse `{path}`")),
        Kind::Npm => parse_npm(text).with_context(|| format!("failed to parse `{path}`")),
        Kind::Python => parse_python(text).with_context(|| format!("failed to parse `{path}`")),
        Kind::Plain => {
            let version = text.trim();
            if version.is_empty() || version.lines().count() > 1 {
                bail!("version file `{path}` should hold one version on one line");
            }
            Ok(Manifest {
                version: Some(version.to_owned()),
                is_package: true,
                ..Manifest::default()
            })
        }
    }
}

fn parse_cargo(text: &str) -> Result<Manifest> {
    let doc: toml::Table = toml::from_str(text)?;
    let mut m = Manifest::default();
    if let Some(package) = doc.get("package").and_then(|p| p.as_table()) {
        m.is_package = true;
        m.name = package.get("name").and_then(|n| n.as_str()).map(str::to_owned);
        match package.get("publish") {
            Some(toml::Value::Boolean(false)) => m.unpublished = Some("publish = false"),
            Some(toml::Value::Array(registries)) if registries.is_empty() => {
                m.unpublished = Some("publish = []");
            }
            _ => {}
        }
        match package.get("version") {
            Some(toml::Value::String(v)) => m.version = Some(v.clone()),
            Some(toml::Value::Table(t)) => {
                m.version_from_workspace =
                    t.get("workspace").and_then(toml::Value::as_bool).unwrap_or(false);
            }
            _ => {}
        }
    }
    if let Some(ws) = doc.get("workspace").and_then(|w| w.as_table()) {
        m.workspace_members = string_list(ws.get("members"));
        m.workspace_version = ws
            .get("package")
            .and_then(|p| p.get("version"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
    }
    // (table, whether it is a dev-dependency table)
    let mut tables: Vec<(&toml::Table, bool)> = Vec::new();
    let scopes = std::iter::once(&doc).chain(
        doc.get("target")
            .and_then(|t| t.as_table())
            .into_iter()
            .flat_map(|targets| targets.values().filter_map(|t| t.as_table())),
    );
    for scope in scopes {
        for (key, dev) in
            [("dependencies", false), ("build-dependencies", false), ("dev-dependencies", true)]
        {
            if let Some(t) = scope.get(key).and_then(|t| t.as_table()) {
                tables.push((t, dev));
            }
        }
    }
    for (table, dev) in tables {
        for (key, spec) in table {
            let Some(spec) = spec.as_table() else { continue };
            let local = spec.contains_key("path")
                || spec.get("workspace").and_then(toml::Value::as_bool) == Some(true);
            if local {
                let name = spec.get("package").and_then(|p| p.as_str()).unwrap_or(key);
                let list = if dev { &mut m.dev_dependencies } else { &mut m.dependencies };
                push_unique(list, name.to_owned());
            }
        }
    }
    Ok(m)
}

fn parse_npm(text: &str) -> Result<Manifest> {
    let doc: serde_json::Value = serde_json::from_str(text)?;
    let mut m = Manifest {
        name: doc.get("name").and_then(|n| n.as_str()).map(str::to_owned),
        version: doc.get("version").and_then(|v| v.as_str()).map(str::to_owned),
        ..Manifest::default()
    };
    m.is_package = m.name.is_some();
    if doc.get("private").and_then(serde_json::Value::as_bool) == Some(true) {
        m.unpublished = Some("\"private\": true");
    }
    for (key, dev) in [
        ("dependencies", false),
        ("peerDependencies", false),
        ("optionalDependencies", false),
        ("devDependencies", true),
    ] {
        if let Some(deps) = doc.get(key).and_then(|d| d.as_object()) {
            for name in deps.keys() {
                let list = if dev { &mut m.dev_dependencies } else { &mut m.dependencies };
                push_unique(list, name.clone());
            }
        }
    }
    match doc.get("workspaces") {
        Some(serde_json::Value::Array(list)) => {
            m.workspace_members =
                list.iter().filter_map(|v| v.as_str()).map(str::to_owned).collect();
        }
        Some(serde_json::Value::Object(obj)) => {
            if let Some(serde_json::Value::Array(list)) = obj.get("packages") {
                m.workspace_members =
                    list.iter().filter_map(|v| v.as_str()).map(str::to_owned).collect();
            }
        }
        _ => {}
    }
    Ok(m)
}

fn parse_python(text: &str) -> Result<Manifest> {
    let doc: toml::Table = toml::from_str(text)?;
    let mut m = Manifest::default();
    let project = doc.get("project").and_then(|p| p.as_table());
    let poetry = doc.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.as_table());
    for table in [project, poetry].into_iter().flatten() {
        m.is_package = true;
        if m.name.is_none() {
            m.name = table.get("name").and_then(|n| n.as_str()).map(normalize_python_name);
        }
        if m.version.is_none() {
            m.version = table.get("version").and_then(|v| v.as_str()).map(str::to_owned);
        }
    }
    if let Some(project) = project {
        if string_list(project.get("classifiers")).iter().any(|c| c.starts_with("Private ::")) {
            m.unpublished = Some("the `Private :: Do Not Upload` classifier");
        }
        for dep in string_list(project.get("dependencies")) {
            push_unique(&mut m.dependencies, normalize_python_name(requirement_name(&dep)));
        }
        if let Some(optional) = project.get("optional-dependencies").and_then(|o| o.as_table()) {
            for (extra, group) in optional {
                let list =
                    if is_dev_group(extra) { &mut m.dev_dependencies } else { &mut m.dependencies };
                for dep in string_list(Some(group)) {
                    push_unique(list, normalize_python_name(requirement_name(&dep)));
                }
            }
        }
    }
    // PEP 735 `[dependency-groups]` and uv's `[tool.uv] dev-dependencies` are for
    // development only (`{ include-group = … }` entries are not names, and are skipped).
    let mut dev_lists: Vec<&toml::Value> = Vec::new();
    if let Some(groups) = doc.get("dependency-groups").and_then(|g| g.as_table()) {
        dev_lists.extend(groups.values());
    }
    if let Some(uv_dev) =
        doc.get("tool").and_then(|t| t.get("uv")).and_then(|u| u.get("dev-dependencies"))
    {
        dev_lists.push(uv_dev);
    }
    for list in dev_lists {
        for dep in string_list(Some(list)) {
            push_unique(&mut m.dev_dependencies, normalize_python_name(requirement_name(&dep)));
        }
    }
    if let Some(poetry) = poetry {
        let mut tables: Vec<(&toml::Table, bool)> = Vec::new();
        for (key, dev) in [("dependencies", false), ("dev-dependencies", true)] {
            if let Some(deps) = poetry.get(key).and_then(|d| d.as_table()) {
                tables.push((deps, dev));
            }
        }
        if let Some(groups) = poetry.get("group").and_then(|g| g.as_table()) {
            for group in groups.values() {
                if let Some(deps) = group.get("dependencies").and_then(|d| d.as_table()) {
                    tables.push((deps, true));
                }
            }
        }
        for (deps, dev) in tables {
            let list = if dev { &mut m.dev_dependencies } else { &mut m.dependencies };
            for name in deps.keys().filter(|k| *k != "python") {
                push_unique(list, normalize_python_name(name));
            }
        }
    }
    Ok(m)
}

/// Whether a pyproject extra or group named `name` is for development only (tests, docs,
/// linting), by the names projects use for them.
fn is_dev_group(name: &str) -> bool {
    let name = normalize_python_name(name);
    [
        "dev",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "docs",
        "doc",
        "lint",
        "typing",
        "type-check",
        "benchmark",
        "bench",
        "all-dev",
    ]
    .contains(&name.as_str())
}

/// The distribution name at the start of a PEP 508 requirement (`foo[bar]>=1; python_version…`).
fn requirement_name(requirement: &str) -> &str {
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(requirement.len());
    &requirement[..end]
}

/// PEP 503 normalisation: lowercase, runs of `-_.` become `-`.
pub fn normalize_python_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_sep = false;
    for c in name.trim().chars() {
        if "-_.".contains(c) {
            if !last_sep {
                out.push('-');
            }
            last_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            last_sep = false;
        }
    }
    out
}

fn string_list(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_package_and_local_dependencies() {
        let m = parse(
            "crates/cli/Cargo.toml",
            r#"[package]
name = "my-cli"
version = "1.2.3"
[dependencies]
serde = "1"
core = { path = "../core", package = "my-core" }
spi = { workspace = true }
[dev-dependencies]
helpers = { path = "../helpers" }
"#,
        )
        .expect("parses");
        assert_eq!(m.name.as_deref(), Some("my-cli"));
        assert_eq!(m.version.as_deref(), Some("1.2.3"));
        assert_eq!(m.dependencies, vec!["my-core", "spi"]);
        assert_eq!(m.dev_dependencies, vec!["helpers"], "a dev-dependency does not order releases");
    }

    #[test]
    fn cargo_inherited_version_and_workspace_root() {
        let m = parse(
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nversion = \"0.4.0\"\n",
        )
        .expect("parses");
        assert!(!m.is_package);
        assert_eq!(m.workspace_members, vec!["crates/*"]);
        assert_eq!(m.workspace_version.as_deref(), Some("0.4.0"));
        let m = parse("a/Cargo.toml", "[package]\nname = \"a\"\nversion.workspace = true\n")
            .expect("parses");
        assert!(m.version_from_workspace && m.version.is_none());
    }

    #[test]
    fn npm_and_python() {
        let m = parse(
            "package.json",
            r#"{"name":"@acme/web","version":"2.0.0","dependencies":{"@acme/core":"workspace:*"},"workspaces":["packages/*"]}"#,
        )
        .expect("parses");
        assert_eq!(m.dependencies, vec!["@acme/core"]);
        assert_eq!(m.workspace_members, vec!["packages/*"]);
        let m = parse(
            "py/pyproject.toml",
            "[project]\nname = \"Acme_Tools\"\nversion = \"0.3.0\"\ndependencies = [\"acme.core>=1.0; python_version>'3'\", \"requests\"]\n",
        )
        .expect("parses");
        assert_eq!(m.name.as_deref(), Some("acme-tools"));
        assert_eq!(m.dependencies, vec!["acme-core", "requests"]);
        let m = parse("pyproject.toml", "[tool.poetry]\nname = \"x\"\nversion = \"1.0.0\"\n[tool.poetry.dependencies]\npython = \"^3.9\"\ny = \"*\"\n")
            .expect("parses");
        assert_eq!(m.version.as_deref(), Some("1.0.0"));
        assert_eq!(m.dependencies, vec!["y"]);
    }

    #[test]
    fn development_dependencies_are_kept_apart() {
        let m = parse(
            "web/package.json",
            r#"{"name":"web","version":"1.0.0","dependencies":{"core":"1"},"peerDependencies":{"react":"*"},"devDependencies":{"testkit":"1","core":"1"}}"#,
        )
        .expect("parses");
        assert_eq!(m.dependencies, vec!["core", "react"]);
        assert_eq!(m.dev_dependencies, vec!["core", "testkit"]);
        let m = parse(
            "py/pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"1.0.0\"\ndependencies = [\"lib\"]\n\
             [project.optional-dependencies]\npostgres = [\"pg-driver\"]\ntest = [\"fixtures-kit\"]\n\
             [dependency-groups]\ndev = [\"app-testing>=1\", { include-group = \"test\" }]\n\
             [tool.uv]\ndev-dependencies = [\"uv-dev\"]\n",
        )
        .expect("parses");
        assert_eq!(m.dependencies, vec!["lib", "pg-driver"]);
        assert_eq!(m.dev_dependencies, vec!["fixtures-kit", "app-testing", "uv-dev"]);
        let m = parse(
            "pyproject.toml",
            "[tool.poetry]\nname = \"x\"\nversion = \"1.0.0\"\n[tool.poetry.dependencies]\ny = \"*\"\n\
             [tool.poetry.group.test.dependencies]\nz = \"*\"\n[tool.poetry.dev-dependencies]\nw = \"*\"\n",
        )
        .expect("parses");
        assert_eq!(m.dependencies, vec!["y"]);
        assert_eq!(m.dev_dependencies, vec!["w", "z"]);
    }

    #[test]
    fn plain_and_malformed() {
        assert_eq!(parse("VERSION", "1.0.0\n").expect("plain").version.as_deref(), Some("1.0.0"));
        let err = parse("crates/a/Cargo.toml", "[package\n").expect_err("malformed");
        assert!(format!("{err:#}").contains("crates/a/Cargo.toml"));
    }
}
