//! `[train]` of `release.toml` (issue 17, seed 003): how a release train names its
//! release-candidate branches and the branches a promotion merges them along.
//!
//! ```toml
//! [train]
//! branch = "rc/{version}"        # the RC branch of every repository of the train
//! flow = ["staging", "main"]     # rc → staging → main; the default is ["main"]
//! ```

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::Error;

/// `[train]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainFile {
    branch: Option<Spanned<String>>,
    flow: Option<Spanned<Vec<String>>>,
}

/// `[train]` resolved: the RC branch template and the promotion flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Train {
    /// The RC branch name, `{version}` replaced by the train's version (default
    /// `rc/{version}`).
    pub branch: String,
    /// The branches a promotion merges the RC branch into, in order; the last is where the
    /// stable release is made (default `["main"]`).
    pub flow: Vec<String>,
}

impl Default for Train {
    fn default() -> Self {
        Self { branch: "rc/{version}".to_owned(), flow: vec!["main".to_owned()] }
    }
}

impl Train {
    /// The RC branch of `version` (`rc/1.4.0`).
    pub fn branch_of(&self, version: &str) -> String {
        self.branch.replace("{version}", version)
    }
}

/// Whether `name` is a branch name we accept from configuration: git's rules for a ref
/// component (no `..`, no space or control character, none of `~^:?*[\`, not starting with
/// `-` or `/`, not ending with `/`, `.` or `.lock`).
pub fn is_branch_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['-', '/', '.'])
        && !name.ends_with(['/', '.'])
        && !std::path::Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case("lock"))
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name.chars().any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
}

/// Checks `[train]` and fills in the defaults; `at` turns a span into `file:line`.
///
/// # Errors
/// A configuration error naming the file, line and key: a `branch` without `{version}` or
/// not a valid branch name once filled in; an empty `flow`, or one naming an invalid branch
/// or the same branch twice.
pub fn validate(
    file: Option<TrainFile>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> anyhow::Result<Train> {
    let mut train = Train::default();
    let Some(file) = file else { return Ok(train) };
    if let Some(branch) = file.branch {
        let text = branch.get_ref().trim().to_owned();
        if !text.contains("{version}") || !is_branch_name(&text.replace("{version}", "1.0.0")) {
            return Err(Error::config(format!(
                "{}: `train.branch` is `{text}`, which is not a branch name holding `{{version}}`",
                at(branch.span())
            ))
            .with_hint("write e.g. `branch = \"rc/{version}\"`")
            .into());
        }
        train.branch = text;
    }
    if let Some(flow) = file.flow {
        let span = flow.span();
        let names = flow.into_inner();
        if names.is_empty() {
            return Err(Error::config(format!("{}: `train.flow` is empty", at(span.clone())))
                .with_hint("name at least the release branch, e.g. `flow = [\"main\"]`")
                .into());
        }
        for (i, name) in names.iter().enumerate() {
            if !is_branch_name(name) || names[..i].contains(name) {
                return Err(Error::config(format!(
                    "{}: `train.flow` names `{name}`, which is not a branch name or is named twice",
                    at(span.clone())
                ))
                .into());
            }
        }
        train.flow = names;
    }
    Ok(train)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_follow_git_rules() {
        assert!(is_branch_name("rc/1.2.0"));
        assert!(is_branch_name("staging"));
        for bad in ["", "-x", "a..b", "a b", "a:b", "x.lock", "a/", "/a", "a@{1}"] {
            assert!(!is_branch_name(bad), "{bad}");
        }
    }

    #[test]
    fn defaults_and_validation() {
        let at = |_: std::ops::Range<usize>| "release.toml:1".to_owned();
        assert_eq!(validate(None, &at).expect("defaults").flow, ["main"]);
        let parsed: TrainFile =
            toml::from_str("branch = \"candidate/{version}\"\nflow = [\"staging\", \"main\"]")
                .expect("parses");
        let train = validate(Some(parsed), &at).expect("valid");
        assert_eq!(train.branch_of("1.0.0"), "candidate/1.0.0");
        assert_eq!(train.flow, ["staging", "main"]);
        let no_version: TrainFile = toml::from_str("branch = \"rc\"").expect("parses");
        assert!(validate(Some(no_version), &at).is_err());
        let empty: TrainFile = toml::from_str("flow = []").expect("parses");
        assert!(validate(Some(empty), &at).is_err());
    }
}
