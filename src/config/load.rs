//! Loading the configuration file with git config and the environment layered on top
//! (DESIGN.md › Configuration).

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// The keys of `[release]` that git config (`release.<camelCase>`) and the environment
/// (`GIT_RELEASE_<UPPER_SNAKE>`) may set, as `(toml key, git config key)`.
pub const LAYERED_KEYS: [(&str, &str); 10] = [
    ("remote", "release.remote"),
    ("branch", "release.branch"),
    ("mode", "release.mode"),
    ("tag_format", "release.tagFormat"),
    ("initial_version", "release.initialVersion"),
    ("protected_branches", "release.protectedBranches"),
    ("changelog", "release.changelog"),
    ("first_parent", "release.firstParent"),
    ("strict", "release.strict"),
    ("strict_commits", "release.strictCommits"),
];

/// Loads and validates the configuration from `file` (if any), git config and `env`.
///
/// `env` is the process environment as pairs (injected so tests need not set variables).
///
/// # Errors
/// A file that cannot be read or is not UTF-8, a TOML syntax error, an unknown key, a wrong
/// type or a bad value: a config error (exit 2) naming the file (or git config key or
/// variable), the line and the key.
pub fn load(file: Option<&Path>, git: &dyn GitConfig, env: &[(String, String)]) -> Result<Config> {
    let (parsed, source, shown) = match file {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| {
                format!("failed to read configuration file `{}`", path.display())
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::config(format!("configuration file `{}` is not valid UTF-8", path.display()))
            })?;
            let parsed: FileConfig =
                toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
            (parsed, text, path.display().to_string())
        }
        None => (FileConfig::default(), String::new(), String::new()),
    };
    let at = |span: std::ops::Range<usize>| format!("{shown}:{}", line_of(&source, span.start));
    let layered = Layered { git, env };

    let release = parsed.release;
    let remote = layered.string("remote").or(release.remote).unwrap_or_else(|| "origin".to_owned());
    let branch = layered.string("branch").or(release.branch).unwrap_or_else(|| "main".to_owned());
    let mode = match layered.string("mode") {
        Some(v) => match v.as_str() {
            "pr" => Mode::Pr,
            "direct" => Mode::Direct,
            other => {
                return Err(layered.bad("mode", other, "`pr` or `direct`").into());
            }
        },
        None => release.mode.unwrap_or(Mode::Pr),
    };

    let tag_format_set = layered.list("tag_format").is_some() || release.tag_format.is_some();
    let tag_format = match layered.list("tag_format") {
        Some(list) => {
            validate_formats(&list, "x")
                .map_err(|e| layered.bad_with("tag_format", &e.to_string()))?;
            list
        }
        None => match release.tag_format {
            Some(spanned) => {
                let span = spanned.span();
                let list = spanned.into_inner().into_vec();
                validate_formats(&list, "x").map_err(|e| {
                    Error::config(format!("{}: `release.tag_format`: {e}", at(span)))
                })?;
                list
            }
            None => vec![DEFAULT_TAG_FORMAT.to_owned()],
        },
    };

    let initial_version = match layered.string("initial_version") {
        Some(v) => Version::parse(&v).map_err(|e| {
            layered.bad_with("initial_version", &format!("`{v}` is not a semantic version: {e}"))
        })?,
        None => match release.initial_version {
            Some(v) => Version::parse(v.get_ref()).map_err(|e| {
                Error::config(format!(
                    "{}: `release.initial_version`: `{}` is not a semantic version: {e}",
                    at(v.span()),
                    v.get_ref()
                ))
            })?,
            None => Version::new(0, 1, 0),
        },
    };

    let protected_branches = layered
        .list("protected_branches")
        .or(release.protected_branches)
        .unwrap_or_else(|| vec!["main".to_owned(), "master".to_owned()]);
    // Every source of the changelog path goes through the one check of configured paths
    // (`normalize_file`): relative to the repository, no `..` (issue 12 item 2).
    let changelog = match layered.string("changelog") {
        Some(v) => normalize_file(&v).map_err(|e| layered.bad_with("changelog", &e.to_string()))?,
        None => match release.changelog {
            Some(c) => normalize_file(c.get_ref()).map_err(|e| {
                Error::config(format!("{}: `release.changelog`: {e}", at(c.span())))
                    .with_hint("name a file inside the repository, such as `CHANGELOG.md`")
            })?,
            None => "CHANGELOG.md".to_owned(),
        },
    };
    let first_parent = layered.bool("first_parent")?.or(release.first_parent).unwrap_or(false);
    let strict = layered.bool("strict")?.or(release.strict).unwrap_or(false);
    let strict_commits =
        layered.bool("strict_commits")?.or(release.strict_commits).unwrap_or(false);

    let email_pattern = match release.email_pattern {
        Some(p) if p.get_ref().trim().is_empty() => {
            return Err(Error::config(format!(
                "{}: `release.email_pattern` is empty",
                at(p.span())
            ))
            .with_hint(format!("use a glob such as `{DEFAULT_EMAIL_PATTERN}`"))
            .into());
        }
        Some(p) => Some(p.into_inner().trim().to_owned()),
        None => None,
    };
    let mut docs = Vec::new();
    for doc in release.docs.unwrap_or_default() {
        docs.push(
            normalize_path(doc.get_ref())
                .map_err(|e| Error::config(format!("{}: `release.docs`: {e}", at(doc.span()))))?,
        );
    }
    let blocker_label = match release.blocker_label {
        Some(l) if l.get_ref().trim().is_empty() => {
            return Err(Error::config(format!(
                "{}: `release.blocker_label` is empty",
                at(l.span())
            ))
            .with_hint("remove the key, or name the label that marks release blockers")
            .into());
        }
        Some(l) => Some(l.into_inner().trim().to_owned()),
        None => None,
    };
    let mut required_env = Vec::new();
    for var in release.required_env.unwrap_or_default() {
        let name = var.get_ref().trim();
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(Error::config(format!(
                "{}: `release.required_env`: `{name}` is not an environment variable name",
                at(var.span())
            ))
            .into());
        }
        required_env.push(name.to_owned());
    }

    let mut bump = BumpRules::default();
    for (key, value) in parsed.bump {
        let span = value.span();
        let bad_value = |what: &str| -> anyhow::Error {
            Error::config(format!(
                "{}: `bump.{key}` must be {what}, not `{}`",
                at(span.clone()),
                match value.get_ref() {
                    toml::Value::String(text) => text.clone(),
                    other => format!("a {}", other.type_str()),
                }
            ))
            .into()
        };
        let level = || -> Result<Level> {
            value
                .get_ref()
                .clone()
                .try_into::<Level>()
                .map_err(|_| bad_value("one of `none`, `patch`, `minor`, `major`"))
        };
        match key.as_str() {
            "other" => bump.other = level()?,
            "breaking_before_1_0" => bump.breaking_before_1_0 = level()?,
            "feat_before_1_0" => bump.feat_before_1_0 = level()?,
            "lenient_footers" => {
                bump.lenient_footers =
                    value.get_ref().as_bool().ok_or_else(|| bad_value("`true` or `false`"))?;
            }
            "changesets" => {
                bump.changesets =
                    Some(value.get_ref().as_bool().ok_or_else(|| bad_value("`true` or `false`"))?);
            }
            "rule" => bump.rules = bump_rules(value.get_ref(), &at(span.clone()))?,
            kind if is_commit_type(kind) => {
                bump.types.insert(kind.to_ascii_lowercase(), level()?);
            }
            bad => {
                return Err(Error::config(format!(
                    "{}: `bump.{bad}` is not a commit type: use letters, digits and `-`",
                    at(span)
                ))
                .into());
            }
        }
    }

    let mut packages: Vec<PackageConfig> = Vec::new();
    let mut seen_paths: BTreeMap<String, String> = BTreeMap::new();
    for entry in parsed.package {
        let span = entry.span();
        let entry = entry.into_inner();
        let location = at(span);
        let name = entry.name.get_ref().trim().to_owned();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::config(format!(
                "{}: package name `{}` must be non-empty and have no spaces",
                at(entry.name.span()),
                entry.name.get_ref()
            ))
            .into());
        }
        if let Some(first) = packages.iter().find(|p| p.name == name) {
            return Err(Error::config(format!(
                "{}: package `{name}` is defined twice (first at {})",
                at(entry.name.span()),
                first.location
            ))
            .into());
        }
        let path = match &entry.path {
            Some(p) => normalize_path(p.get_ref())
                .map_err(|e| Error::config(format!("{}: package `{name}`: {e}", at(p.span()))))?,
            None => name.clone(),
        };
        if let Some(other) = seen_paths.insert(path.clone(), name.clone()) {
            return Err(Error::config(format!(
                "{location}: packages `{other}` and `{name}` have the same path `{path}`"
            ))
            .into());
        }
        let (formats, format_at) = match entry.tag_format {
            Some(f) => {
                let span = f.span();
                (f.into_inner().into_vec(), at(span))
            }
            None => (vec![DEFAULT_PACKAGE_TAG_FORMAT.to_owned()], location.clone()),
        };
        let tag_formats = validate_formats(&formats, &name)
            .map_err(|e| Error::config(format!("{format_at}: package `{name}`: {e}")))?;
        let mut version_files = Vec::new();
        for file in entry.version_files {
            version_files.push(normalize_path(&file).map_err(|e| {
                Error::config(format!("{location}: package `{name}`: version file: {e}"))
            })?);
        }
        let changelog = match &entry.changelog {
            Some(c) => Some(normalize_file(c).map_err(|e| {
                Error::config(format!("{location}: package `{name}`: changelog: {e}"))
            })?),
            None => None,
        };
        let mut replace = Vec::new();
        for rule in entry.replace {
            let file = normalize_path(&rule.file).map_err(|e| {
                Error::config(format!("{location}: package `{name}`: replace file: {e}"))
            })?;
            if let Err(e) = regex_lite::Regex::new(&rule.search) {
                return Err(Error::config(format!(
                    "{location}: package `{name}`: replace search `{}` is not a valid regex: {e}",
                    rule.search
                ))
                .into());
            }
            replace.push(Replace { file, ..rule });
        }
        packages.push(PackageConfig {
            name,
            path,
            tag_formats,
            version_files,
            depends_on: entry.depends_on.iter().map(|d| d.get_ref().trim().to_owned()).collect(),
            changelog,
            replace,
            location,
        });
    }
    let names: BTreeSet<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    for p in &packages {
        if let Some(unknown) = p.depends_on.iter().find(|d| !names.contains(d.as_str())) {
            return Err(Error::config(format!(
                "{}: package `{}` depends on `{unknown}`, which is not a configured package",
                p.location, p.name
            ))
            .with_hint(format!(
                "known packages: {}",
                names.iter().copied().collect::<Vec<_>>().join(", ")
            ))
            .into());
        }
    }

    let mut groups: Vec<Group> = Vec::new();
    for entry in parsed.group {
        let location = at(entry.span());
        let entry = entry.into_inner();
        let name = entry.name.get_ref().trim().to_owned();
        if name.is_empty() {
            return Err(Error::config(format!("{location}: a group needs a name")).into());
        }
        if let Some(first) = groups.iter().find(|g| g.name == name) {
            return Err(Error::config(format!(
                "{location}: group `{name}` is defined twice (first at {})",
                first.location
            ))
            .into());
        }
        if entry.packages.is_empty() {
            return Err(Error::config(format!("{location}: group `{name}` has no packages")).into());
        }
        let mut members: Vec<String> = Vec::new();
        for member in &entry.packages {
            let member_name = member.get_ref().trim().to_owned();
            if !names.contains(member_name.as_str()) {
                return Err(Error::config(format!(
                    "{}: group `{name}` names `{member_name}`, which is not a configured package",
                    at(member.span())
                ))
                .with_hint(format!(
                    "known packages: {}",
                    names.iter().copied().collect::<Vec<_>>().join(", ")
                ))
                .into());
            }
            if let Some(other) = groups.iter().find(|g| g.packages.contains(&member_name)) {
                return Err(Error::config(format!(
                    "{}: package `{member_name}` is in group `{name}` and in group `{}` (at {}); a package belongs to one group at most",
                    at(member.span()),
                    other.name,
                    other.location
                ))
                .into());
            }
            if !members.contains(&member_name) {
                members.push(member_name);
            }
        }
        groups.push(Group { name, packages: members, mode: entry.mode, location });
    }

    let mut changelog_settings = parsed.changelog.unwrap_or_default();
    for (key, template) in [
        ("template", &mut changelog_settings.template),
        ("notes_template", &mut changelog_settings.notes_template),
    ] {
        if let Some(path) = template.as_mut() {
            *path = normalize_file(path).map_err(|e| {
                Error::config(format!("{shown}: `changelog.{key}`: {e}"))
                    .with_hint("name a template file inside the repository")
            })?;
        }
    }
    let forge = forge_of(parsed.forge.map(Spanned::into_inner), &at, env)?;
    let commands = match parsed.commands.map(Spanned::into_inner) {
        None => Commands::default(),
        Some(c) => Commands {
            timeout_secs: bounded(
                c.timeout_secs,
                "commands.timeout_secs",
                &limits::TIMEOUT_SECS,
                default_command_timeout_secs(),
                &at,
            )?,
            lock: c.lock,
            lint: c.lint,
            test: c.test,
            publish: c.publish,
            yank: c.yank,
        },
    };

    let mut waivers = Vec::new();
    for w in parsed.waiver {
        let location = at(w.span());
        let w = w.into_inner();
        if w.reason.trim().is_empty() {
            return Err(Error::config(format!(
                "{location}: waiver for `{}` has an empty reason",
                w.check
            ))
            .into());
        }
        waivers.push(Waiver { location, ..w });
    }
    let syncs = crate::config::sync::validate(parsed.sync, &at)?;
    let cadence = crate::config::cadence::validate(parsed.cadence, &at)?;
    let train = crate::config::train::validate(parsed.train, &at)?;

    Ok(Config {
        file: file.map(Path::to_owned),
        remote,
        branch,
        mode,
        tag_format,
        tag_format_set,
        initial_version,
        protected_branches,
        changelog,
        first_parent,
        strict,
        strict_commits,
        email_pattern,
        docs,
        blocker_label,
        required_env,
        file_blockers: release.file_blockers.unwrap_or(false),
        dependents: release.dependents.unwrap_or_default(),
        pr_layout: release.pr,
        groups,
        bump,
        forge,
        commands,
        packages,
        waivers,
        changelog_settings,
        syncs,
        cadence,
        train,
    })
}
