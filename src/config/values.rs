//! The value checks `load` applies: ranges, tag formats, bump rules, paths kept inside the
//! repository, and errors that name the file, line and key.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// `value` (or `default` when unset), refused with its `file:line` when outside `range`.
pub(super) fn bounded(
    value: Option<Spanned<u64>>,
    key: &str,
    range: &std::ops::RangeInclusive<u64>,
    default: u64,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<u64> {
    let Some(value) = value else { return Ok(default) };
    let n = *value.get_ref();
    if range.contains(&n) {
        return Ok(n);
    }
    Err(Error::config(format!(
        "{}: `{key}` is {n}, outside {}..={}",
        at(value.span()),
        range.start(),
        range.end()
    ))
    .with_hint(format!("set `{key}` to a value from {} to {}", range.start(), range.end()))
    .into())
}

/// `[forge]` from the file, bounded, with `GIT_RELEASE_FORGE_TIMEOUT_SECS` over
/// `timeout_secs`.
pub(super) fn forge_of(
    file: Option<ForgeFile>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
    env: &[(String, String)],
) -> Result<Forge> {
    const VAR: &str = "GIT_RELEASE_FORGE_TIMEOUT_SECS";
    let file = file.unwrap_or_default();
    let retries = bounded(
        file.retries,
        "forge.retries",
        &(0..=limits::MAX_RETRIES),
        u64::from(default_retries()),
        at,
    )?;
    let mut timeout_secs =
        bounded(file.timeout_secs, "forge.timeout_secs", &limits::TIMEOUT_SECS, 300, at)?;
    if let Some((_, v)) = env.iter().rev().find(|(k, _)| k == VAR) {
        timeout_secs = v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| limits::TIMEOUT_SECS.contains(n))
            .ok_or_else(|| {
                Error::config(format!(
                    "environment variable `{VAR}`: `{}` is not a number of seconds from {} to {}",
                    v.escape_debug(),
                    limits::TIMEOUT_SECS.start(),
                    limits::TIMEOUT_SECS.end()
                ))
            })?;
    }
    Ok(Forge {
        kind: file.kind.unwrap_or_default(),
        retries: u32::try_from(retries).expect("bounded by MAX_RETRIES"),
        base_delay_ms: bounded(
            file.base_delay_ms,
            "forge.base_delay_ms",
            &(0..=limits::MAX_BASE_DELAY_MS),
            default_base_delay_ms(),
            at,
        )?,
        wait_workflow: file.wait_workflow,
        wait_timeout_secs: bounded(
            file.wait_timeout_secs,
            "forge.wait_timeout_secs",
            &limits::TIMEOUT_SECS,
            default_wait_timeout_secs(),
            at,
        )?,
        timeout_secs,
    })
}

/// Parses every format in `list` for the package `name`.
pub(super) fn validate_formats(list: &[String], name: &str) -> Result<Vec<TagFormat>> {
    if list.is_empty() {
        anyhow::bail!("the tag format list is empty");
    }
    list.iter().map(|f| TagFormat::parse(f, name)).collect()
}

/// Whether `key` can be a Conventional Commit type.
/// `[[bump.rule]]` entries as written: `type`, `scope` (a glob) and `bump`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BumpRuleFile {
    #[serde(rename = "type")]
    kind: String,
    scope: String,
    bump: Level,
}

/// Decodes `[[bump.rule]]` (an array of tables); `at` is where the array starts.
pub(super) fn bump_rules(
    value: &toml::Value,
    at: &str,
) -> Result<Vec<crate::conventional::BumpRule>> {
    let entries: Vec<BumpRuleFile> = value.clone().try_into().map_err(|e: toml::de::Error| {
        Error::config(format!("{at}: `[[bump.rule]]`: {}", e.message().trim()))
            .with_hint("write each rule as `[[bump.rule]]` with `type = \"feat\"`, `scope = \"ci\"` and `bump = \"patch\"`")
    })?;
    let mut rules = Vec::with_capacity(entries.len());
    for entry in entries {
        let kind = entry.kind.trim().to_ascii_lowercase();
        if !is_commit_type(&kind) {
            return Err(Error::config(format!(
                "{at}: `[[bump.rule]]`: `{}` is not a commit type: use letters, digits and `-`",
                entry.kind
            ))
            .into());
        }
        let scope = entry.scope.trim().to_ascii_lowercase();
        if scope.is_empty() || scope.chars().any(char::is_control) {
            return Err(Error::config(format!(
                "{at}: `[[bump.rule]]`: the scope glob of type `{kind}` is empty"
            ))
            .with_hint("give a scope or a glob such as `ci` or `deps*`")
            .into());
        }
        rules.push(crate::conventional::BumpRule { kind, scope, bump: entry.bump });
    }
    Ok(rules)
}

pub(super) fn is_commit_type(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Normalises a repository-relative path: `/` separators, no `./`, no trailing `/`, `.` for
/// the root.
///
/// # Errors
/// An absolute path or one with `..`.
pub fn normalize_path(raw: &str) -> Result<String> {
    let raw = raw.trim().replace('\\', "/");
    if raw.starts_with('/') || Path::new(&raw).is_absolute() {
        anyhow::bail!("path `{raw}` must be relative to the repository root");
    }
    let parts: Vec<&str> = raw.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.contains(&"..") {
        anyhow::bail!("path `{raw}` must not contain `..`");
    }
    Ok(if parts.is_empty() { ".".to_owned() } else { parts.join("/") })
}

/// [`normalize_path`] for a path that names a file: the repository root itself (`.`) is
/// refused too. The one check every configured file path goes through, whatever its source
/// (file, git config, environment).
///
/// ```
/// use git_release::config::normalize_file;
/// assert_eq!(normalize_file("./docs//NEWS.md").unwrap(), "docs/NEWS.md");
/// assert!(normalize_file("/etc/passwd").is_err());
/// assert!(normalize_file("docs/../../x").is_err());
/// assert!(normalize_file(".").is_err());
/// ```
///
/// # Errors
/// An absolute path, one with `..`, or the root.
pub fn normalize_file(raw: &str) -> Result<String> {
    let path = normalize_path(raw)?;
    if path == "." {
        anyhow::bail!("path `{}` names the repository root, not a file", raw.trim());
    }
    Ok(path)
}

/// The 1-based line of byte `offset` in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].lines().count().max(1)
        + usize::from(text[..offset.min(text.len())].ends_with('\n'))
}

/// Turns a TOML error into `file:line:column: message`, with the offending line quoted.
pub(super) fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> Error {
    let mut msg = format!("invalid configuration in `{}`", path.display());
    if let Some(span) = err.span() {
        let line = line_of(text, span.start);
        let line_start = text[..span.start.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let column = span.start - line_start + 1;
        let line_text = text.lines().nth(line - 1).unwrap_or_default();
        msg = format!("{}:{line}:{column}: {}", path.display(), err.message().trim());
        let _ = write!(msg, "\n  {line} | {line_text}");
    } else {
        let _ = write!(msg, ": {}", err.message().trim());
    }
    Error::config(msg).with_hint(
        "see the configuration reference in the README (`[release]`, `[bump]`, `[[package]]`…)",
    )
}

/// The git config and environment layers above the file.
pub(super) struct Layered<'a> {
    pub(super) git: &'a dyn GitConfig,
    pub(super) env: &'a [(String, String)],
}

impl Layered<'_> {
    pub(super) fn env_name(key: &str) -> String {
        format!("GIT_RELEASE_{}", key.to_ascii_uppercase())
    }

    pub(super) fn git_key(key: &str) -> &'static str {
        LAYERED_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, g)| *g)
            .expect("every layered key is listed in LAYERED_KEYS")
    }

    /// Where a value came from, for error messages.
    pub(super) fn origin(&self, key: &str) -> String {
        let var = Self::env_name(key);
        if self.env.iter().any(|(k, _)| *k == var) {
            format!("environment variable `{var}`")
        } else {
            format!("git config `{}`", Self::git_key(key))
        }
    }

    pub(super) fn string(&self, key: &str) -> Option<String> {
        let var = Self::env_name(key);
        if let Some((_, v)) = self.env.iter().rev().find(|(k, _)| *k == var) {
            return Some(v.clone());
        }
        self.git.value(Self::git_key(key))
    }

    /// A list: comma-separated in the environment, repeated keys (or commas) in git config.
    pub(super) fn list(&self, key: &str) -> Option<Vec<String>> {
        let var = Self::env_name(key);
        let split = |s: &str| -> Vec<String> {
            s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        if let Some((_, v)) = self.env.iter().rev().find(|(k, _)| *k == var) {
            return Some(split(v));
        }
        let values = self.git.values(Self::git_key(key));
        (!values.is_empty()).then(|| values.iter().flat_map(|v| split(v)).collect())
    }

    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>> {
        let Some(v) = self.string(key) else { return Ok(None) };
        match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(Some(true)),
            "false" | "no" | "off" | "0" | "" => Ok(Some(false)),
            other => Err(self.bad(key, other, "`true` or `false`").into()),
        }
    }

    pub(super) fn bad(&self, key: &str, value: &str, expected: &str) -> Error {
        Error::config(format!("{}: unknown value `{value}`, expected {expected}", self.origin(key)))
    }

    pub(super) fn bad_with(&self, key: &str, what: &str) -> Error {
        Error::config(format!("{}: {what}", self.origin(key)))
    }
}
