//! The changelog and release-notes templates (minijinja): the built-in ones, loading a
//! configured one from inside the repository, and rendering.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// The changelog and notes templates, compiled, with strict undefined variables.
pub struct Templates {
    env: Environment<'static>,
    changelog: String,
    notes: String,
}

impl Templates {
    /// Compiles the built-in templates, or the user's (`[changelog] template` and
    /// `notes_template`, relative to `root`).
    ///
    /// # Errors
    /// A user template that cannot be read (exit 2), or a syntax error, named by file and
    /// line (exit 2).
    pub fn load(root: &Path, settings: &ChangelogSettings) -> Result<Templates> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        let mut names = Vec::new();
        for (user, builtin, name) in [
            (&settings.template, CHANGELOG_TEMPLATE, "changelog.md.j2"),
            (&settings.notes_template, NOTES_TEMPLATE, "notes.md.j2"),
        ] {
            let (name, source) = match user {
                Some(path) => {
                    let source = match crate::fsutil::read_text_inside(root, path) {
                        Ok(Some(source)) => source,
                        Ok(None) => {
                            return Err(Error::config(format!(
                                "cannot read the template `{path}`: it does not exist"
                            ))
                            .with_hint("fix `[changelog]` in the configuration file")
                            .into());
                        }
                        Err(e) => {
                            return Err(e.context(format!("cannot read the template `{path}`")));
                        }
                    };
                    (path.clone(), source)
                }
                None => (format!("<built-in {name}>"), builtin.to_owned()),
            };
            env.add_template_owned(name.clone(), source)
                .map_err(|e| template_error(&name, &e, Error::config))?;
            names.push(name);
        }
        let notes = names.pop().expect("two templates were added");
        let changelog = names.pop().expect("two templates were added");
        Ok(Templates { env, changelog, notes })
    }

    /// Renders one changelog section; the text ends with one newline.
    ///
    /// # Errors
    /// The template fails (an undefined variable, a bad filter): the error names the
    /// template, the line and the expression.
    pub fn changelog(&self, release: &Release) -> Result<String> {
        self.render(&self.changelog, minijinja::context! { release => minijinja::Value::from(minijinja::value::Serde(release)) })
    }

    /// Renders release notes; the text ends with one newline.
    ///
    /// # Errors
    /// As [`Templates::changelog`].
    pub fn notes(&self, notes: &Notes) -> Result<String> {
        self.render(
            &self.notes,
            minijinja::context! { notes => minijinja::Value::from(minijinja::value::Serde(notes)) },
        )
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String> {
        let template = self.env.get_template(name).expect("the template was added in `load`");
        let text = template.render(ctx).map_err(|e| template_error(name, &e, Error::failed))?;
        // Commit messages may carry terminal escapes; Markdown keeps none (issue 12, item 8).
        Ok(tidy(&crate::ui::markdown_safe(&text)))
    }
}

/// Trailing spaces off every line, at most one blank line in a row, one final newline.
pub(super) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A template error as ``template `NAME` line N: WHAT``, naming the expression for an
/// undefined variable.
pub(super) fn template_error(
    name: &str,
    err: &minijinja::Error,
    kind: fn(String) -> Error,
) -> Error {
    let line = err.line().map(|l| format!(" line {l}")).unwrap_or_default();
    let what = match err.kind() {
        minijinja::ErrorKind::UndefinedError => {
            let expr = err
                .range()
                .and_then(|r| err.template_source().and_then(|s| s.get(r)))
                .map(|s| format!(" `{}`", s.trim()))
                .unwrap_or_default();
            format!("undefined variable{expr}")
        }
        minijinja::ErrorKind::SyntaxError => {
            format!("syntax error: {}", err.detail().unwrap_or("invalid template"))
        }
        other => match err.detail() {
            Some(detail) => format!("{other}: {detail}"),
            None => other.to_string(),
        },
    };
    kind(format!("template `{name}`{line}: {what}")).with_hint(
        "see the template variables in the README (Templates); `release` and `notes` are the roots",
    )
}
