//! Version file editing for the BUMPED and PINNED steps: set a package's version, pin a
//! dependent's requirement on a released package, and run `[[package.replace]]` regex rules.
//!
//! Every edit is text in, text out, and changes only the bytes that carry the version or the
//! requirement: comments, spacing, key order, line endings and the final newline stay as they
//! were (DESIGN.md › Pipeline; issue 6 item 2, issue 7 item 2). TOML files are parsed with
//! `toml_edit`, whose spans say exactly which bytes hold a value, and the new value is spliced
//! in there; `package.json` is edited textually for the same reason (a JSON library would
//! reorder or re-indent). Setting a value that is already there returns the text unchanged,
//! so a resumed run finds the step already done.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result};
use toml_edit::{Document, Item, TableLike, Value};

use super::{Kind, kind_of, normalize_python_name, requirement_name};

mod npm;

use npm::{npm_dependency, npm_version};

/// Why an edit could not be made. Each message names the file (or the rule) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The file is not valid TOML or JSON.
    #[error("failed to parse `{path}`: {message}")]
    Parse {
        /// The file, as named by the caller.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The file has no version field where its kind keeps one.
    #[error("`{path}` has no version field (looked for {looked_for})")]
    NoVersion {
        /// The file, as named by the caller.
        path: String,
        /// The fields looked for, e.g. ``"`[package] version`"``.
        looked_for: &'static str,
    },
    /// A Cargo crate whose version is `version.workspace = true`: the version lives in the
    /// workspace root's `[workspace.package] version` (see [`set_workspace_version`]).
    #[error(
        "`{path}` takes its version from the workspace (`version.workspace = true`); \
         set `[workspace.package] version` in the workspace root instead"
    )]
    InheritsWorkspace {
        /// The file, as named by the caller.
        path: String,
    },
    /// A pyproject whose `[project] dynamic` lists `version`: the build backend computes it.
    #[error(
        "`{path}` declares its version dynamic (`[project] dynamic`); \
         edit the file the build backend reads it from, e.g. with a `[[package.replace]]` rule"
    )]
    DynamicVersion {
        /// The file, as named by the caller.
        path: String,
    },
    /// The version field exists but does not hold a string.
    #[error("`{key}` in `{path}` is not a string")]
    NotAString {
        /// The file, as named by the caller.
        path: String,
        /// The field, e.g. ``"[package] version"``.
        key: String,
    },
    /// A plain version file that holds more than one line.
    #[error("version file `{path}` should hold one version on one line")]
    NotOneLine {
        /// The file, as named by the caller.
        path: String,
    },
    /// The version to write is empty or holds characters no version has.
    #[error("`{version}` is not a version that can be written to a version file")]
    InvalidVersion {
        /// The rejected version.
        version: String,
    },
    /// The requirement to write is empty or holds characters no requirement has.
    #[error("`{requirement}` is not a dependency requirement that can be written")]
    InvalidRequirement {
        /// The rejected requirement.
        requirement: String,
    },
    /// A `[[package.replace]]` search pattern that is not a valid regex.
    #[error("invalid regex `{search}`: {message}")]
    InvalidRegex {
        /// The pattern.
        search: String,
        /// The regex compiler's message.
        message: String,
    },
    /// A `[[package.replace]]` search matched another number of times than required.
    #[error("`{search}` matched {found} time{}, expected {}", plural(*.found), expected_text(*.exactly))]
    MatchCount {
        /// The pattern.
        search: String,
        /// The required count; `None` means at least one.
        exactly: Option<usize>,
        /// How many times it matched.
        found: usize,
    },
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn expected_text(exactly: Option<usize>) -> String {
    match exactly {
        Some(n) => format!("exactly {n}"),
        None => "at least 1".to_owned(),
    }
}

/// The exact-version requirement of each ecosystem, as the PINNED step writes it.
///
/// Cargo `=X.Y.Z`, npm `X.Y.Z`, Python `==X.Y.Z`; a plain file has no dependencies, so it
/// gets the bare version.
///
/// ```
/// use git_release::manifest::{Kind, edit::pin};
/// assert_eq!(pin("1.2.3", Kind::Cargo), "=1.2.3");
/// assert_eq!(pin("1.2.3", Kind::Npm), "1.2.3");
/// assert_eq!(pin("1.2.3", Kind::Python), "==1.2.3");
/// ```
pub fn pin(version: &str, kind: Kind) -> String {
    match kind {
        Kind::Cargo => format!("={version}"),
        Kind::Npm | Kind::Plain => version.to_owned(),
        Kind::Python => format!("=={version}"),
    }
}

/// Sets the version of the package that `text`, the content of the file at `path_name`,
/// describes. The kind comes from the file name ([`kind_of`]):
///
/// - `Cargo.toml`: `[package] version`;
/// - `package.json`: the top-level `"version"` (nested `"version"` keys are left alone);
/// - `pyproject.toml`: `[project] version` and `[tool.poetry] version`, whichever are there;
/// - any other file: its one line, keeping the whitespace and newline around it.
///
/// Only the bytes of the old version change; the same version gives back identical text.
///
/// ```
/// use git_release::manifest::edit::set_version;
/// assert_eq!(set_version("VERSION", "1.2.3\n", "1.3.0").expect("one line"), "1.3.0\n");
/// ```
///
/// # Errors
/// [`EditError::Parse`] for malformed TOML or JSON; [`EditError::NoVersion`] when there is no
/// version field; [`EditError::InheritsWorkspace`] for a crate with `version.workspace = true`;
/// [`EditError::DynamicVersion`] for a pyproject with a dynamic version;
/// [`EditError::NotAString`]; [`EditError::NotOneLine`] for a plain file of several lines;
/// [`EditError::InvalidVersion`] when `version` is empty or holds characters such as quotes,
/// spaces or newlines.
pub fn set_version(path_name: &str, text: &str, version: &str) -> Result<String, EditError> {
    check_version(version)?;
    with_bom(text, |text| match kind_of(path_name) {
        Kind::Cargo => cargo_version(path_name, text, version),
        Kind::Npm => npm_version(path_name, text, version),
        Kind::Python => python_version(path_name, text, version),
        Kind::Plain => plain_version(path_name, text, version),
    })
}

/// Sets `[workspace.package] version` of a Cargo workspace root, the version that members
/// with `version.workspace = true` inherit.
///
/// # Errors
/// [`EditError::Parse`], [`EditError::NoVersion`] when the root has no
/// `[workspace.package] version`, [`EditError::NotAString`], [`EditError::InvalidVersion`].
pub fn set_workspace_version(
    path_name: &str,
    text: &str,
    version: &str,
) -> Result<String, EditError> {
    const LOOKED_FOR: &str = "`[workspace.package] version`";
    check_version(version)?;
    with_bom(text, |text| {
        let doc = parse_toml(path_name, text)?;
        let item = doc
            .get("workspace")
            .and_then(Item::as_table_like)
            .and_then(|w| w.get("package"))
            .and_then(Item::as_table_like)
            .and_then(|p| p.get("version"))
            .ok_or(EditError::NoVersion { path: path_name.to_owned(), looked_for: LOOKED_FOR })?;
        let edit = string_edit(path_name, "[workspace.package] version", text, item, version)?;
        Ok(apply_splices(text, edit.into_iter().collect()))
    })
}

/// Sets every requirement on the package `dep_name` in `text`, the content of the dependent's
/// manifest at `path_name`, to `requirement` (usually [`pin`]`(version, kind)`). Returns the new
/// text and whether anything changed.
///
/// - `Cargo.toml`: `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, the same
///   under `[target.'…']`, and `[workspace.dependencies]`; the string form (`x = "1.2"`) and the
///   table form (`x = { version = "1.2", path = "../x" }`, or `[dependencies.x]`), matched by
///   the key or by `package = "x"` when renamed. A table without `version` (path or
///   `workspace = true` only) is left alone.
/// - `package.json`: `dependencies`, `devDependencies`, `peerDependencies`,
///   `optionalDependencies`, edited textually. A value with a protocol (`workspace:`, `file:`,
///   `git+…`) is left alone; an alias `npm:x@range` gets its range replaced.
/// - `pyproject.toml`: the PEP 508 strings of `[project] dependencies`,
///   `[project.optional-dependencies]` and `[dependency-groups]` (names compared per PEP 503;
///   the version specifier is replaced, extras and markers kept; a direct `@ url` reference
///   is left alone), and `[tool.poetry.dependencies]`, `[tool.poetry.dev-dependencies]` and
///   `[tool.poetry.group.*.dependencies]` (string or `{ version = … }`).
/// - A plain file has no dependencies: the text comes back unchanged.
///
/// # Errors
/// [`EditError::Parse`] for malformed TOML or JSON; [`EditError::InvalidRequirement`] when
/// `requirement` is empty or holds quotes, backslashes, `;`, `@` or control characters.
pub fn set_dependency(
    path_name: &str,
    text: &str,
    dep_name: &str,
    requirement: &str,
) -> Result<(String, bool), EditError> {
    check_requirement(requirement)?;
    let new = with_bom(text, |text| match kind_of(path_name) {
        Kind::Cargo => cargo_dependency(path_name, text, dep_name, requirement),
        Kind::Npm => npm_dependency(path_name, text, dep_name, requirement),
        Kind::Python => python_dependency(path_name, text, dep_name, requirement),
        Kind::Plain => Ok(text.to_owned()),
    })?;
    let changed = new != text;
    Ok((new, changed))
}

/// Replaces every match of the regex `search` in `text` by `replace` (which may name groups
/// as `$1` or `${name}`), as a `[[package.replace]]` rule does.
///
/// The rule must match exactly `exactly` times, or at least once when `exactly` is `None`: a
/// rule that matches nothing has gone stale, and one that matches more than intended would
/// change the wrong line.
///
/// ```
/// use git_release::manifest::edit::replace_regex;
/// let text = "VERSION = \"1.2.3\"\n";
/// let new = replace_regex(text, r#"VERSION = "[^"]*""#, r#"VERSION = "1.3.0""#, Some(1));
/// assert_eq!(new.expect("one match"), "VERSION = \"1.3.0\"\n");
/// assert!(replace_regex(text, "nowhere", "x", None).is_err());
/// ```
///
/// # Errors
/// [`EditError::InvalidRegex`] when `search` does not compile; [`EditError::MatchCount`] when
/// the number of matches differs from `exactly` (or is zero when `exactly` is `None`).
pub fn replace_regex(
    text: &str,
    search: &str,
    replace: &str,
    exactly: Option<usize>,
) -> Result<String, EditError> {
    let regex = regex_lite::Regex::new(search).map_err(|e| EditError::InvalidRegex {
        search: search.to_owned(),
        message: e.to_string(),
    })?;
    let found = regex.find_iter(text).count();
    let ok = match exactly {
        Some(n) => found == n,
        None => found > 0,
    };
    if !ok {
        return Err(EditError::MatchCount { search: search.to_owned(), exactly, found });
    }
    Ok(regex.replace_all(text, replace).into_owned())
}

/// Reads the file at `path`, applies `edit` to its text, and writes the result atomically
/// (through [`crate::fsutil::write_atomically`]) when it differs. Returns whether the
/// file changed; an edit that changes nothing leaves the file untouched.
///
/// ```no_run
/// use std::path::Path;
/// use git_release::manifest::edit::{apply_to_file, set_version};
/// let changed = apply_to_file(Path::new("Cargo.toml"), |text| {
///     set_version("Cargo.toml", text, "1.3.0")
/// })?;
/// # Ok::<(), anyhow::Error>(())
/// ```
///
/// # Errors
/// The file cannot be read (or is not UTF-8) or written, or `edit` fails; the error names
/// the file.
pub fn apply_to_file<F, E>(path: &Path, edit: F) -> Result<bool>
where
    F: FnOnce(&str) -> Result<String, E>,
    E: Into<anyhow::Error>,
{
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    let new = edit(&text)
        .map_err(Into::into)
        .with_context(|| format!("failed to edit `{}`", path.display()))?;
    if new == text {
        return Ok(false);
    }
    crate::fsutil::write_atomically(path, new.as_bytes())?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Values

/// Versions are written into quoted strings and lines; semver and PEP 440 need no more than
/// these characters, and refusing the rest keeps a bad value from breaking the file.
fn check_version(version: &str) -> Result<(), EditError> {
    let ok = !version.is_empty()
        && version.chars().all(|c| c.is_ascii_alphanumeric() || ".-+!_".contains(c));
    if ok { Ok(()) } else { Err(EditError::InvalidVersion { version: version.to_owned() }) }
}

/// Requirements may hold operators, spaces and commas (`>=1.2, <2`), but never what would
/// end a string or start a PEP 508 marker or URL.
fn check_requirement(requirement: &str) -> Result<(), EditError> {
    let ok = !requirement.trim().is_empty()
        && requirement.chars().all(|c| !c.is_control() && !"\"'\\;@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(EditError::InvalidRequirement { requirement: requirement.to_owned() })
    }
}

/// Runs `f` on `text` without its UTF-8 byte order mark, and puts the mark back.
fn with_bom(
    text: &str,
    f: impl FnOnce(&str) -> Result<String, EditError>,
) -> Result<String, EditError> {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => f(rest).map(|new| format!("\u{feff}{new}")),
        None => f(text),
    }
}

/// A replacement of the bytes at a span.
type Splice = (Range<usize>, String);

/// Applies non-overlapping splices, in any order.
fn apply_splices(text: &str, mut splices: Vec<Splice>) -> String {
    splices.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for (span, new) in splices {
        out.push_str(&text[at..span.start]);
        out.push_str(&new);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

// ---------------------------------------------------------------------------------------------
// TOML

fn parse_toml<'t>(path_name: &str, text: &'t str) -> Result<Document<&'t str>, EditError> {
    Document::parse(text).map_err(|e| EditError::Parse {
        path: path_name.to_owned(),
        message: e.message().to_owned(),
    })
}

/// The splice that sets the string at `item` to `new`, or `None` when it already holds it.
fn string_edit(
    path_name: &str,
    key: &str,
    text: &str,
    item: &Item,
    new: &str,
) -> Result<Option<Splice>, EditError> {
    let not_a_string = || EditError::NotAString { path: path_name.to_owned(), key: key.to_owned() };
    let value = item.as_value().ok_or_else(not_a_string)?;
    let current = value.as_str().ok_or_else(not_a_string)?;
    Ok(rewrite_string(text, value, current, new))
}

/// The splice that turns the TOML string `value` (currently `current`) into `new`, written in
/// the same quoting style.
fn rewrite_string(text: &str, value: &Value, current: &str, new: &str) -> Option<Splice> {
    if current == new {
        return None;
    }
    let span = value.span().expect("a parsed `Document` keeps the span of every value");
    let encoded = encode_toml_string_like(&text[span.clone()], new);
    Some((span, encoded))
}

/// `value` as a TOML string in the style of `raw`: a literal string (`'…'`) stays literal when
/// it can, anything else becomes a basic string (`"…"`) with the escapes TOML requires.
fn encode_toml_string_like(raw: &str, value: &str) -> String {
    let literal_ok = !value.chars().any(|c| c == '\'' || c.is_control());
    if raw.starts_with('\'') && !raw.starts_with("'''") && literal_ok {
        return format!("'{value}'");
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                write!(out, "\\u{:04X}", u32::from(c)).expect("writing to a `String` cannot fail");
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn cargo_version(path_name: &str, text: &str, version: &str) -> Result<String, EditError> {
    const LOOKED_FOR: &str = "`[package] version`";
    let doc = parse_toml(path_name, text)?;
    let no_version = || EditError::NoVersion { path: path_name.to_owned(), looked_for: LOOKED_FOR };
    let item = doc
        .get("package")
        .and_then(Item::as_table_like)
        .and_then(|p| p.get("version"))
        .ok_or_else(no_version)?;
    let inherited = item.as_table_like().and_then(|t| t.get("workspace")).and_then(Item::as_bool);
    if inherited == Some(true) {
        return Err(EditError::InheritsWorkspace { path: path_name.to_owned() });
    }
    let edit = string_edit(path_name, "[package] version", text, item, version)?;
    Ok(apply_splices(text, edit.into_iter().collect()))
}

/// The Cargo dependency tables, with the legacy spellings Cargo still reads.
const DEPENDENCY_KINDS: [&str; 5] = [
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
];

/// Adds the dependency tables (`[dependencies]` and the like) found in `parent`.
fn push_kinds<'d>(parent: &'d dyn TableLike, tables: &mut Vec<&'d dyn TableLike>) {
    for kind in DEPENDENCY_KINDS {
        tables.extend(parent.get(kind).and_then(Item::as_table_like));
    }
}

fn cargo_dependency(
    path_name: &str,
    text: &str,
    dep_name: &str,
    requirement: &str,
) -> Result<String, EditError> {
    let doc = parse_toml(path_name, text)?;
    let mut tables: Vec<&dyn TableLike> = Vec::new();
    push_kinds(doc.as_table(), &mut tables);
    if let Some(targets) = doc.get("target").and_then(Item::as_table_like) {
        for (_, target) in targets.iter() {
            if let Some(target) = target.as_table_like() {
                push_kinds(target, &mut tables);
            }
        }
    }
    if let Some(ws) = doc.get("workspace").and_then(Item::as_table_like)
        && let Some(deps) = ws.get("dependencies").and_then(Item::as_table_like)
    {
        tables.push(deps);
    }
    let mut splices = Vec::new();
    for table in tables {
        for (key, spec) in table.iter() {
            let spec_table = spec.as_table_like();
            let name =
                spec_table.and_then(|t| t.get("package")).and_then(Item::as_str).unwrap_or(key);
            if name != dep_name {
                continue;
            }
            let version_item = match spec_table {
                Some(t) => t.get("version"),
                None => Some(spec),
            };
            let Some(Some(value)) = version_item.map(Item::as_value) else { continue };
            let Some(current) = value.as_str() else { continue };
            splices.extend(rewrite_string(text, value, current, requirement));
        }
    }
    Ok(apply_splices(text, splices))
}

fn python_version(path_name: &str, text: &str, version: &str) -> Result<String, EditError> {
    const LOOKED_FOR: &str = "`[project] version` or `[tool.poetry] version`";
    let doc = parse_toml(path_name, text)?;
    let project = doc.get("project").and_then(Item::as_table_like);
    let poetry = doc
        .get("tool")
        .and_then(Item::as_table_like)
        .and_then(|t| t.get("poetry"))
        .and_then(Item::as_table_like);
    let mut found = false;
    let mut splices = Vec::new();
    for (table, key) in [(project, "[project] version"), (poetry, "[tool.poetry] version")] {
        if let Some(item) = table.and_then(|t| t.get("version")) {
            found = true;
            splices.extend(string_edit(path_name, key, text, item, version)?);
        }
    }
    if !found {
        let dynamic = project
            .and_then(|p| p.get("dynamic"))
            .and_then(Item::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("version")));
        return Err(if dynamic {
            EditError::DynamicVersion { path: path_name.to_owned() }
        } else {
            EditError::NoVersion { path: path_name.to_owned(), looked_for: LOOKED_FOR }
        });
    }
    Ok(apply_splices(text, splices))
}

fn python_dependency(
    path_name: &str,
    text: &str,
    dep_name: &str,
    requirement: &str,
) -> Result<String, EditError> {
    let doc = parse_toml(path_name, text)?;
    let wanted = normalize_python_name(dep_name);
    let mut splices = Vec::new();

    // PEP 508 strings: `[project] dependencies`, `[project.optional-dependencies]`,
    // `[dependency-groups]` (whose non-string entries, `{ include-group = … }`, are skipped).
    let mut lists: Vec<&toml_edit::Array> = Vec::new();
    let project = doc.get("project").and_then(Item::as_table_like);
    if let Some(deps) = project.and_then(|p| p.get("dependencies")).and_then(Item::as_array) {
        lists.push(deps);
    }
    let groups =
        [project.and_then(|p| p.get("optional-dependencies")), doc.get("dependency-groups")];
    for group in groups.into_iter().flatten().filter_map(Item::as_table_like) {
        lists.extend(group.iter().filter_map(|(_, list)| list.as_array()));
    }
    for value in lists.into_iter().flat_map(toml_edit::Array::iter) {
        let Some(current) = value.as_str() else { continue };
        if let Some(new) = rewrite_pep508(current, &wanted, requirement) {
            splices.extend(rewrite_string(text, value, current, &new));
        }
    }

    // Poetry: `name = "^1.2"` or `name = { version = "^1.2", … }`.
    let poetry = doc
        .get("tool")
        .and_then(Item::as_table_like)
        .and_then(|t| t.get("poetry"))
        .and_then(Item::as_table_like);
    let mut tables: Vec<&dyn TableLike> = Vec::new();
    if let Some(poetry) = poetry {
        for key in ["dependencies", "dev-dependencies"] {
            tables.extend(poetry.get(key).and_then(Item::as_table_like));
        }
        if let Some(groups) = poetry.get("group").and_then(Item::as_table_like) {
            for (_, group) in groups.iter() {
                tables.extend(
                    group
                        .as_table_like()
                        .and_then(|g| g.get("dependencies"))
                        .and_then(Item::as_table_like),
                );
            }
        }
    }
    for table in tables {
        for (key, spec) in table.iter() {
            if key == "python" || normalize_python_name(key) != wanted {
                continue;
            }
            let version_item = match spec.as_table_like() {
                Some(t) => t.get("version"),
                None => Some(spec),
            };
            let Some(Some(value)) = version_item.map(Item::as_value) else { continue };
            let Some(current) = value.as_str() else { continue };
            splices.extend(rewrite_string(text, value, current, requirement));
        }
    }
    Ok(apply_splices(text, splices))
}

/// The PEP 508 requirement `req` with its version specifier replaced by `requirement`, when it
/// names the package `wanted` (PEP 503-normalised) and is not a direct `@ url` reference.
/// Extras, markers and the spacing around them stay.
fn rewrite_pep508(req: &str, wanted: &str, requirement: &str) -> Option<String> {
    let start = req.len() - req.trim_start().len();
    let name = requirement_name(&req[start..]);
    if name.is_empty() || normalize_python_name(name) != wanted {
        return None;
    }
    let mut head_end = start + name.len();
    let after_name = &req[head_end..];
    let trimmed = after_name.trim_start();
    if trimmed.starts_with('[') {
        let close = trimmed.find(']')?;
        head_end += after_name.len() - trimmed.len() + close + 1;
    }
    let rest = &req[head_end..];
    let spec_start = head_end + (rest.len() - rest.trim_start().len());
    if req[spec_start..].starts_with('@') {
        return None;
    }
    let marker = req[spec_start..].find(';').map_or(req.len(), |i| spec_start + i);
    let spec_end = spec_start + req[spec_start..marker].trim_end().len();
    let spec = &req[spec_start..spec_end];
    Some(if spec.is_empty() {
        format!("{}{requirement}{}", &req[..head_end], &req[head_end..])
    } else if spec.starts_with('(') && spec.ends_with(')') {
        format!("{}({requirement}){}", &req[..spec_start], &req[spec_end..])
    } else {
        format!("{}{requirement}{}", &req[..spec_start], &req[spec_end..])
    })
}

// ---------------------------------------------------------------------------------------------
// Plain

fn plain_version(path_name: &str, text: &str, version: &str) -> Result<String, EditError> {
    let current = text.trim();
    if current.lines().count() > 1 {
        return Err(EditError::NotOneLine { path: path_name.to_owned() });
    }
    if current == version {
        return Ok(text.to_owned());
    }
    if current.is_empty() {
        return Ok(format!("{version}{text}"));
    }
    let start = text.len() - text.trim_start().len();
    Ok(apply_splices(text, vec![(start..start + current.len(), version.to_owned())]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that `new` is `old` with exactly one span changed from `from` to `to`, every
    /// other byte equal.
    fn assert_only_changed(old: &str, new: &str, from: &str, to: &str) {
        assert_eq!(old.len() - from.len() + to.len(), new.len(), "length: {new:?}");
        let found = old.match_indices(from).any(|(i, _)| {
            new.get(i..).is_some_and(|rest| rest.starts_with(to))
                && old[..i] == new[..i]
                && old[i + from.len()..] == new[i + to.len()..]
        });
        assert!(found, "only `{from}` should become `{to}`:\n{old:?}\n{new:?}");
    }

    const CARGO: &str = "# the CLI crate\r\n[package]\r\nname    =   \"my-cli\" # odd spacing\r\n\
        version =   \"1.2.3\"   # bumped by git-release\r\nedition = \"2024\"\r\n\r\n\
        [dependencies]\r\nserde = \"1\"\r\n# local\r\ncore = { path = \"../core\", version = \"1.2.3\", package = \"my-core\" }\r\n\
        spi = \"=0.4.0\"\r\n\r\n[dev-dependencies.helpers]\r\npath = \"../helpers\"\r\nversion = '0.4.0'\r\n\r\n\
        [target.'cfg(unix)'.build-dependencies]\r\nspi = { version = \"0.4\" , features = [\"x\"] }\r\n\
        [dependencies2]\r\nspi = \"0.1\"";

    #[test]
    fn cargo_version_changes_only_the_version() {
        let new = set_version("crates/cli/Cargo.toml", CARGO, "1.10.0-rc.1").expect("sets");
        assert_only_changed(CARGO, &new, "1.2.3\"   #", "1.10.0-rc.1\"   #");
        assert!(new.contains("version =   \"1.10.0-rc.1\"   # bumped"));
        assert_eq!(set_version("Cargo.toml", &new, "1.10.0-rc.1").expect("idempotent"), new);
        assert_eq!(set_version("Cargo.toml", CARGO, "1.2.3").expect("same"), CARGO);
    }

    #[test]
    fn cargo_inherited_and_workspace_versions() {
        let member = "[package]\nname = \"a\"\nversion.workspace = true\n";
        let err = set_version("a/Cargo.toml", member, "2.0.0").expect_err("inherits");
        assert_eq!(err, EditError::InheritsWorkspace { path: "a/Cargo.toml".to_owned() });
        assert!(err.to_string().contains("`[workspace.package] version`"));
        let member = "[package]\nname = \"a\"\nversion = { workspace = true }\n";
        assert!(matches!(
            set_version("Cargo.toml", member, "2.0.0"),
            Err(EditError::InheritsWorkspace { .. })
        ));

        let root = "[workspace]\r\nmembers = [\"crates/*\"]\r\n\r\n[workspace.package]\r\n\
            edition = \"2024\"\r\nversion=\"0.4.0\" # shared\r\n";
        let new = set_workspace_version("Cargo.toml", root, "0.5.0").expect("sets");
        assert_only_changed(root, &new, "0.4.0", "0.5.0");
        assert_eq!(set_workspace_version("Cargo.toml", &new, "0.5.0").expect("same"), new);
        let err = set_version("Cargo.toml", root, "0.5.0").expect_err("virtual root");
        assert_eq!(
            err.to_string(),
            "`Cargo.toml` has no version field (looked for `[package] version`)"
        );
        let err = set_workspace_version("x/Cargo.toml", member, "1.0.0").expect_err("no root");
        assert!(matches!(err, EditError::NoVersion { .. }), "{err}");
    }

    #[test]
    fn cargo_dependencies_in_every_form() {
        let (new, changed) =
            set_dependency("Cargo.toml", CARGO, "my-core", "=1.3.0").expect("pins");
        assert!(changed);
        assert_only_changed(
            CARGO,
            &new,
            "version = \"1.2.3\", package",
            "version = \"=1.3.0\", package",
        );
        // The key `core` is renamed: the crate is `my-core`, so `core` matches nothing.
        let (same, changed) = set_dependency("Cargo.toml", CARGO, "core", "=9.9.9").expect("ok");
        assert!(!changed);
        assert_eq!(same, CARGO);

        let (new, changed) = set_dependency("Cargo.toml", CARGO, "spi", "=0.5.0").expect("pins");
        assert!(changed);
        assert!(new.contains("spi = \"=0.5.0\"\r\n"));
        assert!(new.contains("spi = { version = \"=0.5.0\" , features"));
        assert!(new.contains("[dependencies2]\r\nspi = \"0.1\""), "unknown tables are left alone");
        assert_eq!(new.len(), CARGO.len() + "=0.5.0".len() - "0.4".len());

        let (new, _) = set_dependency("Cargo.toml", CARGO, "helpers", "=0.5.0").expect("pins");
        assert_only_changed(CARGO, &new, "'0.4.0'", "'=0.5.0'");
        let (again, changed) =
            set_dependency("Cargo.toml", &new, "helpers", "=0.5.0").expect("idempotent");
        assert!(!changed);
        assert_eq!(again, new);

        let ws = "[workspace.dependencies]\nspi = { path = \"spi\", version = \"0.4\" }\nx = { path = \"x\" }\n";
        let (new, changed) = set_dependency("Cargo.toml", ws, "spi", "=0.5.0").expect("pins");
        assert!(changed);
        assert_only_changed(ws, &new, "0.4\"", "=0.5.0\"");
        let (_, changed) = set_dependency("Cargo.toml", ws, "x", "=1.0.0").expect("no version");
        assert!(!changed, "a path dependency without `version` is left alone");
    }

    const NPM: &str = "{\r\n  \"name\": \"@acme/web\",\r\n  \"description\": \"a \\\"version\\\": \\\"0.0.0\\\" trap\",\r\n\
        \"config\": { \"brace\": \"}]\\\\\", \"version\": \"9.9.9\", \"nested\": [\"version\", {\"version\": \"8\"}] },\r\n\
        \t\"version\"  :  \"2.0.0\",\r\n  \"dependencies\": {\r\n    \"@acme/core\": \"^2.0.0\",\r\n\
        \"local\": \"workspace:*\",\r\n    \"aliased\": \"npm:@acme/core@~2.0\"\r\n  },\r\n\
        \"devDependencies\": {\"@acme/core\": \"2.0.0\"},\r\n  \"scripts\": {\"@acme/core\": \"echo\"}\r\n}";

    #[test]
    fn npm_version_is_edited_textually() {
        let new = set_version("web/package.json", NPM, "2.1.0").expect("sets");
        assert_only_changed(NPM, &new, "\"2.0.0\",\r\n  \"dep", "\"2.1.0\",\r\n  \"dep");
        assert!(new.contains("\"version\": \"9.9.9\""), "nested versions stay");
        assert!(new.contains("\\\"0.0.0\\\""), "escaped strings stay");
        assert!(!new.ends_with('\n'), "no final newline is added");
        assert_eq!(set_version("package.json", &new, "2.1.0").expect("idempotent"), new);

        let newline = "{\n    \"version\": \"1.0.0\",\n    \"name\": \"x\"\n}\n";
        let new = set_version("package.json", newline, "1.0.1").expect("sets");
        assert_eq!(new, "{\n    \"version\": \"1.0.1\",\n    \"name\": \"x\"\n}\n");
    }

    #[test]
    fn npm_dependencies() {
        let (new, changed) =
            set_dependency("package.json", NPM, "@acme/core", "2.1.0").expect("pins");
        assert!(changed);
        assert!(new.contains("\"@acme/core\": \"2.1.0\",\r\n"));
        assert!(new.contains("\"aliased\": \"npm:@acme/core@2.1.0\""));
        assert!(new.contains("\"devDependencies\": {\"@acme/core\": \"2.1.0\"}"));
        assert!(new.contains("\"scripts\": {\"@acme/core\": \"echo\"}"), "not a dependency");
        assert!(new.contains("\"version\"  :  \"2.0.0\""));
        assert_eq!(new.len(), NPM.len() - "^2.0.0~2.02.0.0".len() + 3 * "2.1.0".len());
        let (again, changed) =
            set_dependency("package.json", &new, "@acme/core", "2.1.0").expect("idempotent");
        assert!(!changed);
        assert_eq!(again, new);
        let (_, changed) = set_dependency("package.json", NPM, "local", "1.0.0").expect("ok");
        assert!(!changed, "`workspace:` protocol is left alone");
    }

    const PEP621: &str = "# build\r\n[build-system]\r\nrequires = [\"hatchling\"]\r\n\r\n[project]\r\n\
        name = \"acme-tools\"\r\nversion = '0.3.0'  # keep\r\ndependencies = [\r\n  \"Acme.Core[fast, cli] >= 1.0 ; python_version > '3.8'\",\r\n\
        \"requests\",\r\n  \"acme_core\",\r\n  \"acme-core-extra==1\",\r\n  \"acme-core @ https://example.com/x.whl\",\r\n]\r\n\
        [project.optional-dependencies]\r\ntest = [\"acme-core (>=1.0)\"]";

    #[test]
    fn python_project_version_and_dependencies() {
        let new = set_version("py/pyproject.toml", PEP621, "0.4.0").expect("sets");
        assert_only_changed(PEP621, &new, "'0.3.0'", "'0.4.0'");
        assert_eq!(set_version("pyproject.toml", &new, "0.4.0").expect("same"), new);

        let (new, changed) =
            set_dependency("pyproject.toml", PEP621, "acme-core", "==1.1.0").expect("pins");
        assert!(changed);
        assert!(new.contains("\"Acme.Core[fast, cli] ==1.1.0 ; python_version > '3.8'\""));
        assert!(new.contains("\"acme_core==1.1.0\""));
        assert!(new.contains("\"acme-core-extra==1\""));
        assert!(new.contains("\"acme-core @ https://example.com/x.whl\""));
        assert!(new.contains("[\"acme-core (==1.1.0)\"]"));
        assert!(new.contains("\"requests\""));
        let (again, changed) =
            set_dependency("pyproject.toml", &new, "acme.core", "==1.1.0").expect("again");
        assert!(!changed);
        assert_eq!(again, new);
    }

    #[test]
    fn python_poetry_version_and_dependencies() {
        let poetry = "[tool.poetry]\nname = \"x\"\nversion   = \"1.0.0\"\n\n\
            [tool.poetry.dependencies]\npython = \"^3.9\"\nacme-core = \"^1.0\"\n\
            Acme_Cli = { version = \"^1.0\", extras = [\"x\"] }\n\n\
            [tool.poetry.group.dev.dependencies]\nacme-core = { path = \"../core\", develop = true }";
        let new = set_version("pyproject.toml", poetry, "1.1.0").expect("sets");
        assert_only_changed(poetry, &new, "1.0.0", "1.1.0");
        let (new, changed) =
            set_dependency("pyproject.toml", poetry, "acme-core", "==1.1.0").expect("pins");
        assert!(changed);
        assert_only_changed(poetry, &new, "^1.0\"\nAcme", "==1.1.0\"\nAcme");
        let (new, _) = set_dependency("pyproject.toml", poetry, "acme.cli", "==2.0.0").expect("ok");
        assert!(new.contains("Acme_Cli = { version = \"==2.0.0\", extras"));
    }

    #[test]
    fn python_errors() {
        let dynamic = "[project]\nname = \"x\"\ndynamic = [\"version\"]\n";
        assert_eq!(
            set_version("pyproject.toml", dynamic, "1.0.0"),
            Err(EditError::DynamicVersion { path: "pyproject.toml".to_owned() })
        );
        let err = set_version("a/pyproject.toml", "[project]\nname = \"x\"\n", "1.0.0")
            .expect_err("none");
        assert_eq!(
            err.to_string(),
            "`a/pyproject.toml` has no version field (looked for `[project] version` or `[tool.poetry] version`)"
        );
        let err = set_version("pyproject.toml", "[project]\nversion = 1\n", "1.0.0")
            .expect_err("integer");
        assert_eq!(err.to_string(), "`[project] version` in `pyproject.toml` is not a string");
    }

    #[test]
    fn plain_files() {
        assert_eq!(set_version("VERSION", "1.2.3", "1.3.0").expect("no newline"), "1.3.0");
        assert_eq!(set_version("VERSION", "1.2.3\r\n", "1.3.0").expect("crlf"), "1.3.0\r\n");
        assert_eq!(set_version("VERSION", " 1.2.3 \n", "1.3.0").expect("spaces"), " 1.3.0 \n");
        assert_eq!(set_version("VERSION", "1.3.0\n", "1.3.0").expect("same"), "1.3.0\n");
        assert_eq!(set_version("VERSION", "\n", "1.3.0").expect("empty"), "1.3.0\n");
        assert_eq!(
            set_version("VERSION", "1\n2\n", "1.3.0"),
            Err(EditError::NotOneLine { path: "VERSION".to_owned() })
        );
        let (same, changed) = set_dependency("VERSION", "1.0.0\n", "x", "1").expect("plain");
        assert!(!changed);
        assert_eq!(same, "1.0.0\n");
    }

    #[test]
    fn bad_input() {
        let err = set_version("crates/a/Cargo.toml", "[package\n", "1.0.0").expect_err("toml");
        assert!(err.to_string().starts_with("failed to parse `crates/a/Cargo.toml`: "), "{err}");
        let err = set_version("package.json", "{\"version\": ", "1.0.0").expect_err("json");
        assert!(err.to_string().starts_with("failed to parse `package.json`: "), "{err}");
        let err = set_version("package.json", "[1]", "1.0.0").expect_err("array");
        assert!(err.to_string().contains("not an object"), "{err}");
        let err = set_version("w/package.json", "{\"name\": \"x\"}", "1.0.0").expect_err("none");
        assert_eq!(
            err.to_string(),
            "`w/package.json` has no version field (looked for a top-level `\"version\"`)"
        );
        let err = set_version("package.json", "{\"version\": 1}", "1.0.0").expect_err("number");
        assert!(matches!(err, EditError::NotAString { .. }));
        let err = set_version("Cargo.toml", "[package]\nversion = \"1\"\n", "1.0.0\"\n[x]")
            .expect_err("injection");
        assert_eq!(
            err.to_string(),
            "`1.0.0\"\n[x]` is not a version that can be written to a version file"
        );
        assert!(matches!(set_version("VERSION", "1\n", ""), Err(EditError::InvalidVersion { .. })));
        assert!(matches!(
            set_dependency("pyproject.toml", PEP621, "acme-core", "==1; os_name=='nt'"),
            Err(EditError::InvalidRequirement { .. })
        ));
    }

    #[test]
    fn byte_order_mark_is_kept() {
        let text = "\u{feff}{\"version\": \"1.0.0\"}";
        let new = set_version("package.json", text, "1.0.1").expect("sets");
        assert_eq!(new, "\u{feff}{\"version\": \"1.0.1\"}");
    }

    #[test]
    fn regex_replacements() {
        let text = "pub const VERSION: &str = \"1.2.3\";\r\n// see 1.2.3\r\n";
        let new = replace_regex(
            text,
            r#"VERSION: &str = "[^"]+""#,
            r#"VERSION: &str = "1.3.0""#,
            Some(1),
        )
        .expect("one match");
        assert_only_changed(text, &new, "1.2.3\";", "1.3.0\";");
        let new = replace_regex(text, r"(\d+)\.2\.3", "${1}.4.0", Some(2)).expect("groups");
        assert_eq!(new, "pub const VERSION: &str = \"1.4.0\";\r\n// see 1.4.0\r\n");
        let err = replace_regex(text, r"1\.2\.3", "x", Some(1)).expect_err("two matches");
        assert_eq!(err.to_string(), "`1\\.2\\.3` matched 2 times, expected exactly 1");
        let err = replace_regex(text, "9.9", "x", None).expect_err("none");
        assert_eq!(err.to_string(), "`9.9` matched 0 times, expected at least 1");
        assert_eq!(replace_regex(text, "9.9", "x", Some(0)).expect("zero allowed"), text);
        let err = replace_regex(text, "(", "x", None).expect_err("bad regex");
        assert!(matches!(err, EditError::InvalidRegex { .. }), "{err}");
    }

    #[test]
    fn apply_to_file_writes_only_on_change() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("Cargo.toml");
        std::fs::write(&path, "[package]\nname = \"a\"\nversion = \"1.0.0\"\n").expect("write");
        let changed =
            apply_to_file(&path, |text| set_version("Cargo.toml", text, "1.1.0")).expect("edits");
        assert!(changed);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, "[package]\nname = \"a\"\nversion = \"1.1.0\"\n");
        let changed = apply_to_file(&path, |text| set_version("Cargo.toml", text, "1.1.0"))
            .expect("idempotent");
        assert!(!changed);
        let err = apply_to_file(&path, |text| set_version("package.json", text, "1.1.0"))
            .expect_err("not json");
        assert!(format!("{err:#}").contains("failed to edit `"), "{err:#}");
        let missing = dir.path().join("nope/VERSION");
        let err =
            apply_to_file(&missing, |t| set_version("VERSION", t, "1.0.0")).expect_err("gone");
        assert!(err.to_string().starts_with("failed to read `"), "{err}");
    }
}
