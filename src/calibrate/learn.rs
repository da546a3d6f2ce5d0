//! Learning the bump rules from the replayed pairs, and scoring them honestly (issue 16
//! items 2 and 4).
//!
//! The learner starts from the current settings and makes one change at a time (a key of
//! `[bump]`, a `[[bump.rule]]`, `first_parent`), the one that gains the most agreement with
//! what shipped. A change is kept only when the evidence clearly favours it: it must change
//! the prediction of at least [`MIN_RANGES`] ranges and gain at least [`MIN_GAIN`] of them net,
//! and at least [`MIN_GAIN_SHARE`] of the scored ranges. So a project whose history fits the
//! current settings keeps them, and one odd release never moves a rule.
//!
//! Cross-validation is chronological: the pairs, oldest first, are cut into [`FOLDS`]
//! blocks; each block after the first is predicted by the rules learned on the blocks before
//! it, as a user who had calibrated then would have seen.

use std::collections::BTreeMap;

use crate::conventional::{BumpRule, BumpRules, Classified};
use crate::version::Level;

use super::replay::{Pair, level_between};

/// Fewest ranges whose prediction a change must alter to be considered.
pub const MIN_RANGES: usize = 3;
/// Fewest ranges a change must gain, net, to be kept.
pub const MIN_GAIN: usize = 2;
/// Smallest net gain a change must bring, as a share of the scored ranges.
pub const MIN_GAIN_SHARE: f64 = 0.01;
/// Chronological blocks of the cross-validation.
pub const FOLDS: usize = 5;
/// Fewest pairs for a cross-validated figure.
pub const MIN_CV_PAIRS: usize = 10;
/// Most changes the learner makes.
const MAX_CHANGES: usize = 24;
/// The commit types whose bump is learned (besides `feat` before 1.0 and breaking changes).
pub const TYPES: &[&str] =
    &["fix", "perf", "docs", "refactor", "build", "ci", "chore", "revert", "style", "test"];

/// The settings calibrate learns: the bump rules and whether merged branches count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `[bump]`, `[[bump.rule]]` included.
    pub bump: BumpRules,
    /// `release.first_parent`.
    pub first_parent: bool,
}

impl Settings {
    /// The bump these settings predict for `pair`.
    pub fn predict(&self, pair: &Pair, commits: &[Classified]) -> Level {
        let before_1_0 = pair.from.major == 0;
        let list = if self.first_parent { &pair.first_parent } else { &pair.commits };
        let mut level = Level::None;
        for c in list {
            let commit = &commits[*c as usize];
            // Commits come newest first: the newest `Release-As:` wins, as in `plan`.
            if let Some(version) = &commit.release_as {
                return level_between(&pair.from, version);
            }
            level = level.max(self.bump.level(commit, before_1_0));
        }
        if self.uses_changesets() {
            for (_, bump) in &pair.changesets {
                level = level.max(*bump);
            }
        }
        level
    }

    fn uses_changesets(&self) -> bool {
        self.bump.changesets != Some(false)
    }

    /// How many of `pairs` these settings predict as shipped.
    pub fn agreement(&self, pairs: &[&Pair], commits: &[Classified]) -> usize {
        pairs.iter().filter(|p| self.predict(p, commits) == p.shipped()).count()
    }
}

/// One change the learner made, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// The configuration key, e.g. `bump.feat_before_1_0` or `bump.rule feat(ci)`.
    pub key: String,
    /// The value before.
    pub from: String,
    /// The value learned.
    pub to: String,
    /// Ranges whose prediction the change altered.
    pub ranges: usize,
    /// Net ranges it made agree with what shipped.
    pub gain: usize,
}

/// A candidate change: a key, its old and new value, and the settings after it.
struct Move {
    key: String,
    from: String,
    to: String,
    settings: Settings,
    /// How far the new level is from the old (0 for a flag): on equal gains, the smaller
    /// step wins (`feat(ci)` → patch rather than none when both fit).
    distance: u8,
}

/// Learns settings from `pairs`, starting at `start`; returns them and the changes made.
pub fn learn(start: &Settings, pairs: &[&Pair], commits: &[Classified]) -> (Settings, Vec<Change>) {
    let mut current = start.clone();
    let mut changes = Vec::new();
    if pairs.is_empty() {
        return (current, changes);
    }
    let share = f64::from(u32::try_from(pairs.len()).unwrap_or(u32::MAX)) * MIN_GAIN_SHARE;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a small positive share of a pair count"
    )]
    let min_gain = MIN_GAIN.max(share.ceil() as usize);
    let moves_seen = candidate_scopes(pairs, commits);
    for _ in 0..MAX_CHANGES {
        let before: Vec<Level> = pairs.iter().map(|p| current.predict(p, commits)).collect();
        let base = agree_count(pairs, &before);
        let mut best: Option<(usize, usize, Move)> = None;
        for candidate in moves(&current, &moves_seen) {
            let after: Vec<Level> =
                pairs.iter().map(|p| candidate.settings.predict(p, commits)).collect();
            let altered = before.iter().zip(&after).filter(|(a, b)| a != b).count();
            let score = agree_count(pairs, &after);
            if altered < MIN_RANGES || score < base + min_gain {
                continue;
            }
            let gain = score - base;
            if best.as_ref().is_none_or(|(g, _, m)| {
                gain > *g || (gain == *g && candidate.distance < m.distance)
            }) {
                best = Some((gain, altered, candidate));
            }
        }
        let Some((gain, ranges, chosen)) = best else { break };
        changes.push(Change { key: chosen.key, from: chosen.from, to: chosen.to, ranges, gain });
        current = chosen.settings;
    }
    (current, changes)
}

fn agree_count(pairs: &[&Pair], predicted: &[Level]) -> usize {
    pairs.iter().zip(predicted).filter(|(p, l)| p.shipped() == **l).count()
}

/// `(type, scope)` pairs seen in at least [`MIN_RANGES`] ranges: the per-scope rules worth
/// trying.
fn candidate_scopes(pairs: &[&Pair], commits: &[Classified]) -> Vec<(String, String)> {
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for pair in pairs {
        let mut here: Vec<(String, String)> = pair
            .commits
            .iter()
            .filter_map(|c| {
                let c = &commits[*c as usize];
                Some((c.kind.clone()?, c.scope.as_deref()?.to_ascii_lowercase()))
            })
            .filter(|(_, scope)| !scope.is_empty() && !scope.contains(['*', '?']))
            .collect();
        here.sort();
        here.dedup();
        for key in here {
            *seen.entry(key).or_default() += 1;
        }
    }
    seen.into_iter().filter(|(_, n)| *n >= MIN_RANGES).map(|(k, _)| k).collect()
}

/// Every single change from `current`.
fn moves(current: &Settings, scopes: &[(String, String)]) -> Vec<Move> {
    let mut out = Vec::new();
    let levels = [Level::None, Level::Patch, Level::Minor, Level::Major];
    let with = |f: &dyn Fn(&mut Settings)| {
        let mut s = current.clone();
        f(&mut s);
        s
    };
    for level in levels {
        let b = &current.bump;
        if level != Level::None && level != b.feat_before_1_0 {
            out.push(Move {
                key: "bump.feat_before_1_0".into(),
                from: b.feat_before_1_0.as_str().into(),
                to: level.as_str().into(),
                settings: with(&|s| s.bump.feat_before_1_0 = level),
                distance: step(b.feat_before_1_0, level),
            });
        }
        if level != Level::None && level != b.breaking_before_1_0 {
            out.push(Move {
                key: "bump.breaking_before_1_0".into(),
                from: b.breaking_before_1_0.as_str().into(),
                to: level.as_str().into(),
                settings: with(&|s| s.bump.breaking_before_1_0 = level),
                distance: step(b.breaking_before_1_0, level),
            });
        }
        if level <= Level::Patch && level != b.other {
            out.push(Move {
                key: "bump.other".into(),
                from: b.other.as_str().into(),
                to: level.as_str().into(),
                settings: with(&|s| s.bump.other = level),
                distance: step(b.other, level),
            });
        }
        for kind in TYPES {
            let now = b.types.get(*kind).copied().unwrap_or(b.other);
            if level != now && level <= Level::Minor {
                out.push(Move {
                    key: format!("bump.{kind}"),
                    from: now.as_str().into(),
                    to: level.as_str().into(),
                    settings: with(&|s| {
                        s.bump.types.insert((*kind).to_owned(), level);
                    }),
                    distance: step(now, level),
                });
            }
        }
        for (kind, scope) in scopes {
            let existing = b.rules.iter().position(|r| r.kind == *kind && r.scope == *scope);
            let now = existing.map(|i| b.rules[i].bump);
            if level > Level::Minor || now == Some(level) {
                continue;
            }
            out.push(Move {
                key: format!("bump.rule {kind}({scope})"),
                from: now.map_or("-", Level::as_str).into(),
                to: level.as_str().into(),
                settings: with(&|s| {
                    let rule = BumpRule { kind: kind.clone(), scope: scope.clone(), bump: level };
                    match existing {
                        Some(i) => s.bump.rules[i] = rule,
                        // Learned exact scopes go first, before any glob of the file.
                        None => s.bump.rules.insert(0, rule),
                    }
                }),
                distance: step(now.unwrap_or_else(|| b.level_of_type(kind)), level),
            });
        }
    }
    out.push(Move {
        key: "release.first_parent".into(),
        from: current.first_parent.to_string(),
        to: (!current.first_parent).to_string(),
        settings: with(&|s| s.first_parent = !s.first_parent),
        distance: 0,
    });
    out.push(Move {
        key: "bump.lenient_footers".into(),
        from: current.bump.lenient_footers.to_string(),
        to: (!current.bump.lenient_footers).to_string(),
        settings: with(&|s| s.bump.lenient_footers = !s.bump.lenient_footers),
        distance: 0,
    });
    out
}

/// How many levels apart `a` and `b` are.
fn step(a: Level, b: Level) -> u8 {
    let rank = |l: Level| l as u8;
    rank(a).abs_diff(rank(b))
}

/// Chronological cross-validation: agreement of the current and of the learned settings on
/// the pairs of each block after the first, learned on the blocks before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CrossValidation {
    /// Pairs predicted (those after the first block).
    pub tested: usize,
    /// How many the current settings predicted as shipped.
    pub current: usize,
    /// How many the settings learned on the older blocks predicted as shipped.
    pub learned: usize,
}

/// Runs the cross-validation on `pairs` (oldest first); `None` with fewer than
/// [`MIN_CV_PAIRS`] pairs.
pub fn cross_validate(
    start: &Settings,
    pairs: &[&Pair],
    commits: &[Classified],
) -> Option<CrossValidation> {
    if pairs.len() < MIN_CV_PAIRS {
        return None;
    }
    let cut = |k: usize| k * pairs.len() / FOLDS;
    let mut cv = CrossValidation { tested: 0, current: 0, learned: 0 };
    for k in 1..FOLDS {
        let (train, test) = (&pairs[..cut(k)], &pairs[cut(k)..cut(k + 1)]);
        let (learned, _) = learn(start, train, commits);
        cv.tested += test.len();
        cv.current += start.agreement(test, commits);
        cv.learned += learned.agreement(test, commits);
    }
    Some(cv)
}

/// Why a past release still disagrees with the rules, in words.
pub fn likely_reason(
    pair: &Pair,
    predicted: Level,
    settings: &Settings,
    commits: &[Classified],
) -> String {
    let shipped = pair.shipped();
    let list = if settings.first_parent { &pair.first_parent } else { &pair.commits };
    let has = |f: &dyn Fn(&Classified) -> bool| list.iter().any(|c| f(&commits[*c as usize]));
    let breaking = has(&|c| settings.bump.is_breaking(c));
    let feat = has(&|c| c.kind.as_deref() == Some("feat"));
    let jumped = crate::version::bump(&pair.from, shipped) != pair.to;
    if jumped {
        return format!(
            "{} skipped a version (the next {} after {} is {}): set by hand",
            pair.to,
            shipped.as_str(),
            pair.from,
            crate::version::bump(&pair.from, shipped)
        );
    }
    match (shipped, predicted) {
        (Level::Major, _) if pair.from.major == 0 && pair.to.major == 1 => {
            if breaking {
                "major on a breaking change before 1.0: a 1.0 graduation".into()
            } else {
                "major with no breaking marker: a 1.0 graduation".into()
            }
        }
        (Level::Major, _) if !breaking => {
            "major with no breaking marker: a break found in review or by a checker".into()
        }
        (Level::Minor, _) if !breaking && !feat => {
            "minor with no feat or breaking commit: probably an API break found by a semver checker"
                .into()
        }
        (Level::Patch, Level::Minor | Level::Major) if breaking => {
            "patch despite a breaking change: the break was judged minor".into()
        }
        (Level::Patch, Level::Minor) if feat => "feat shipped as a patch".into(),
        (Level::Patch, Level::None) => {
            "patch with no releasable commit: a dependency update, a rebuild or a docs release"
                .into()
        }
        (Level::Minor, Level::Patch) if feat => {
            "minor with features ruled patch and no breaking commit: probably an API break found by a semver checker".into()
        }
        (Level::Minor, Level::Major) => "minor despite a breaking change".into(),
        _ => format!("{} shipped where the commits ask for {}", shipped.as_str(), predicted.as_str()),
    }
}
