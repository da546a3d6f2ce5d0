//! [`CheckId`]: the name of every check a waiver may name, and [`Subject`], what one result
//! row is about (a check, or one of `doctor`'s environment rows).
//!
//! A check's name is its wire form: the JSON `check` field of `git release check --format
//! json` and of the run report, `check = "…"` of a `[[waiver]]` entry, `"check"` of
//! `.release-waivers.json`. The names are in `snake_case` and never change once released.
//!
//! It sits below both `checks` (which re-exports it) and `waivers`, which names checks and
//! which `checks` applies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares [`CheckId`] with its variants in run order and their wire names. Adding a check
/// is one line here: `Variant => "wire_name",`.
macro_rules! check_ids {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// One check, named in waivers and results by its `snake_case` string
        /// ([`CheckId::as_str`]); [`CheckId::ALL`] lists them in the order they run.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId {
            $($(#[$doc])* $variant,)+
        }

        impl CheckId {
            /// Every check, in the order they run: DESIGN.md's table, then the checks later
            /// issues added.
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)+];

            /// The wire name: `dirty_working_tree`, `gh_auth`, ….
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $name,)+
                }
            }
        }
    };
}

check_ids! {
    /// Uncommitted changes or untracked files in the work tree.
    DirtyWorkingTree => "dirty_working_tree",
    /// HEAD is not on a branch.
    DetachedHead => "detached_head",
    /// A merge, rebase, cherry-pick, revert or bisect is under way.
    OperationInProgress => "operation_in_progress",
    /// HEAD is not on the release branch.
    WrongBranch => "wrong_branch",
    /// A direct-mode push would go to a protected branch.
    ProtectedBranch => "protected_branch",
    /// The branch has commits its upstream lacks.
    NotPushed => "not_pushed",
    /// The upstream has commits the branch lacks.
    BehindRemote => "behind_remote",
    /// The clone is shallow: the history walk would be wrong.
    ShallowClone => "shallow_clone",
    /// The committer's email does not match `release.email_pattern`.
    NoreplyEmail => "noreply_email",
    /// `gh` is not installed.
    GhMissing => "gh_missing",
    /// `gh` is not logged in.
    GhAuth => "gh_auth",
    /// Open issues carry the blocker label.
    ReleaseBlockers => "release_blockers",
    /// Pull requests are open into the release branch (seed 004's RL-01; issue 17 item 7).
    OpenPrs => "open_prs",
    /// A required environment variable is unset.
    RequiredEnv => "required_env",
    /// The next version's tag exists already.
    TagExists => "tag_exists",
    /// The manifests disagree with the last release.
    VersionAlignment => "version_alignment",
    /// The package has no tests.
    MissingTests => "missing_tests",
    /// The docs name an older version.
    StaleDocs => "stale_docs",
    /// The changelog has no section for the release.
    ChangelogCurrent => "changelog_current",
    /// CI is not green on a release train's RC head (a promotion gate, issue 17).
    RcCi => "rc_ci",
    /// Issues of a release train's milestone are open (a promotion gate, issue 17).
    RcIssues => "rc_issues",
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`CheckId::from_str`]: the name is not one of [`CheckId::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCheck(pub String);

impl fmt::Display for UnknownCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown check `{}`", self.0)
    }
}

impl std::error::Error for UnknownCheck {}

impl FromStr for CheckId {
    type Err = UnknownCheck;

    /// The check whose wire name is exactly `name` (no trimming, case-sensitive).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        CheckId::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == name)
            .ok_or_else(|| UnknownCheck(name.to_owned()))
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// What one result row is about: a check, or a `doctor` row about the environment
/// (`git_version`, `gh_version`, `hooks`, `config`, …) that no waiver can name. Serialised
/// as the bare name, as [`CheckId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A check of [`CheckId::ALL`].
    Check(CheckId),
    /// A `doctor` row (`src/checks/environment.rs`).
    Environment(&'static str),
}

impl Subject {
    /// The name shown and written: the check's wire name or the row's.
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Check(id) => id.as_str(),
            Subject::Environment(name) => name,
        }
    }

    /// The check, for a check's result.
    pub fn check(self) -> Option<CheckId> {
        match self {
            Subject::Check(id) => Some(id),
            Subject::Environment(_) => None,
        }
    }
}

impl From<CheckId> for Subject {
    fn from(id: CheckId) -> Self {
        Subject::Check(id)
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for &id in CheckId::ALL {
            assert!(seen.insert(id.as_str()), "`{id}` is listed twice");
            assert_eq!(id.as_str().parse::<CheckId>(), Ok(id));
            assert_eq!(id.to_string(), id.as_str());
            assert_eq!(serde_json::to_string(&id).expect("serialises"), format!("\"{id}\""));
            let back: CheckId = serde_json::from_str(&format!("\"{id}\"")).expect("reads back");
            assert_eq!(back, id);
            assert!(id.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{id}");
        }
    }

    #[test]
    fn the_released_names_still_parse() {
        // Waiver files and scripts name these: a new check adds a name, none is renamed.
        for name in [
            "dirty_working_tree",
            "detached_head",
            "operation_in_progress",
            "wrong_branch",
            "protected_branch",
            "not_pushed",
            "behind_remote",
            "shallow_clone",
            "noreply_email",
            "gh_missing",
            "gh_auth",
            "release_blockers",
            "required_env",
            "tag_exists",
            "version_alignment",
            "missing_tests",
            "stale_docs",
            "changelog_current",
        ] {
            assert_eq!(name.parse::<CheckId>().map(CheckId::as_str), Ok(name));
        }
    }

    #[test]
    fn unknown_names_are_refused() {
        for bad in ["", "Dirty_Working_Tree", " gh_auth", "gh-auth", "hooks"] {
            assert_eq!(bad.parse::<CheckId>(), Err(UnknownCheck(bad.to_owned())));
        }
        let err = serde_json::from_str::<CheckId>("\"nope\"").expect_err("unknown");
        assert!(err.to_string().contains("unknown check `nope`"), "{err}");
    }
}
