//! The TOML file's schema as serde reads it (`deny_unknown_fields` everywhere, so a
//! misspelt key is an error naming the file, line and key).

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    #[serde(default)]
    pub(super) release: ReleaseFile,
    #[serde(default)]
    pub(super) bump: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    pub(super) forge: Option<Spanned<ForgeFile>>,
    #[serde(default)]
    pub(super) commands: Option<Spanned<CommandsFile>>,
    #[serde(default)]
    pub(super) package: Vec<Spanned<PackageFile>>,
    #[serde(default)]
    pub(super) waiver: Vec<Spanned<Waiver>>,
    #[serde(default)]
    pub(super) group: Vec<Spanned<GroupFile>>,
    #[serde(default)]
    pub(super) changelog: Option<ChangelogSettings>,
    #[serde(default)]
    pub(super) sync: Vec<Spanned<crate::config::sync::SyncFile>>,
    #[serde(default)]
    pub(super) cadence: Option<Spanned<crate::config::cadence::CadenceFile>>,
    pub(super) train: Option<crate::config::train::TrainFile>,
}

/// `[forge]` as written, each number with its place in the file for the bounds check.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ForgeFile {
    pub(super) kind: Option<super::ForgeKind>,
    pub(super) retries: Option<Spanned<u64>>,
    pub(super) base_delay_ms: Option<Spanned<u64>>,
    pub(super) wait_workflow: Option<String>,
    pub(super) wait_timeout_secs: Option<Spanned<u64>>,
    pub(super) timeout_secs: Option<Spanned<u64>>,
}

/// `[commands]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CommandsFile {
    pub(super) lock: Option<String>,
    pub(super) lint: Option<String>,
    pub(super) test: Option<String>,
    pub(super) publish: Option<String>,
    pub(super) yank: Option<String>,
    pub(super) timeout_secs: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReleaseFile {
    pub(super) remote: Option<String>,
    pub(super) branch: Option<String>,
    pub(super) mode: Option<Mode>,
    pub(super) tag_format: Option<Spanned<OneOrMany>>,
    pub(super) initial_version: Option<Spanned<String>>,
    pub(super) protected_branches: Option<Vec<String>>,
    pub(super) changelog: Option<Spanned<String>>,
    pub(super) first_parent: Option<bool>,
    pub(super) strict: Option<bool>,
    pub(super) strict_commits: Option<bool>,
    pub(super) email_pattern: Option<Spanned<String>>,
    pub(super) docs: Option<Vec<Spanned<String>>>,
    pub(super) blocker_label: Option<Spanned<String>>,
    pub(super) required_env: Option<Vec<Spanned<String>>>,
    pub(super) file_blockers: Option<bool>,
    pub(super) dependents: Option<Dependents>,
    pub(super) pr: Option<PrLayout>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupFile {
    pub(super) name: Spanned<String>,
    pub(super) packages: Vec<Spanned<String>>,
    pub(super) mode: GroupMode,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PackageFile {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) path: Option<Spanned<String>>,
    pub(super) tag_format: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    pub(super) version_files: Vec<String>,
    #[serde(default)]
    pub(super) depends_on: Vec<Spanned<String>>,
    pub(super) changelog: Option<String>,
    #[serde(default)]
    pub(super) replace: Vec<Replace>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub(super) fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}
