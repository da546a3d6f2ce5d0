//! `git release calibrate`: learn a project's bump rules from its own past releases
//! (issue 16).
//!
//! [`replay`] reads the history once and lists every stable → stable release pair of each
//! package with its range; [`learn`] starts from the current settings, keeps a change only
//! when the evidence clearly favours it, and scores the result in sample and by chronological
//! cross-validation; [`write`](mod@write) puts the learned settings into the configuration file.
//!
//! The rules are learned for the repository, from the pairs of every selected package pooled:
//! `[bump]` is one section for all packages. Each package's agreement is reported, so a
//! package the pooled rules fit badly shows.

pub mod learn;
pub mod render;
pub mod replay;
pub mod write;

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::config::Config;
use crate::git::read::Repo;

pub use learn::{Change, CrossValidation, Settings};
pub use replay::{Pair, Selection, Skipped};

/// One package's figures.
#[derive(Debug, Clone, Serialize)]
pub struct PackageFit {
    /// The package name.
    pub name: String,
    /// Its scored pairs.
    pub pairs: usize,
    /// How many the current settings predict as shipped.
    pub current: usize,
    /// How many the learned settings predict as shipped.
    pub learned: usize,
}

/// A past release the learned settings still do not predict.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// The package.
    pub package: String,
    /// The release the range starts from.
    pub from_tag: String,
    /// The release that shipped.
    pub to_tag: String,
    /// The bump that shipped.
    pub shipped: String,
    /// The bump the learned settings predict.
    pub predicted: String,
    /// The likely reason, in words.
    pub reason: String,
}

/// One scored pair and what each setting predicts.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    /// The package.
    pub package: String,
    /// The release the range starts from.
    pub from_tag: String,
    /// The release that shipped.
    pub to_tag: String,
    /// The release's committer time, seconds since the epoch.
    pub time: i64,
    /// Commits of the package in the range.
    pub commits: usize,
    /// The bump that shipped.
    pub shipped: String,
    /// The bump the current settings predict.
    pub current: String,
    /// The bump the learned settings predict.
    pub learned: String,
}

/// What calibrate found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The settings before.
    pub current: Settings,
    /// The settings learned (equal to `current` when nothing is clearly better).
    pub learned: Settings,
    /// The changes, in the order they were made, with their evidence.
    pub changes: Vec<Change>,
    /// Scored pairs.
    pub pairs: usize,
    /// In sample: pairs the current settings predict as shipped.
    pub current_agree: usize,
    /// In sample: pairs the learned settings predict as shipped.
    pub learned_agree: usize,
    /// Chronological cross-validation, when there are enough pairs.
    pub cross_validation: Option<CrossValidation>,
    /// Per package.
    pub packages: Vec<PackageFit>,
    /// Pairs left out, and why.
    pub skipped: Skipped,
    /// Past releases the learned settings do not predict, oldest first.
    pub disagreements: Vec<Disagreement>,
    /// Every scored pair, oldest first.
    pub scored: Vec<Scored>,
    /// Whether change files were read.
    pub changesets: bool,
    /// Commits read.
    pub commits_read: usize,
    /// Wall time, in milliseconds.
    pub elapsed_ms: u128,
}

/// Replays the selected packages' releases and learns their settings.
///
/// # Errors
/// See [`replay::replay`].
pub fn calibrate(repo: &Repo, config: &Config, selection: &Selection) -> Result<Report> {
    let started = Instant::now();
    let history = replay::replay(repo, config, selection)?;
    let current = Settings { bump: config.bump.clone(), first_parent: config.first_parent };
    let pairs: Vec<&Pair> = history.pairs.iter().collect();
    let commits = &history.commits;
    let (learned, changes) = learn::learn(&current, &pairs, commits);
    let cross_validation = learn::cross_validate(&current, &pairs, commits);
    let packages = history
        .packages
        .iter()
        .map(|name| {
            let mine: Vec<&Pair> = pairs.iter().copied().filter(|p| p.package == *name).collect();
            PackageFit {
                name: name.clone(),
                pairs: mine.len(),
                current: current.agreement(&mine, commits),
                learned: learned.agreement(&mine, commits),
            }
        })
        .collect();
    let disagreements = pairs
        .iter()
        .filter_map(|pair| {
            let predicted = learned.predict(pair, commits);
            (predicted != pair.shipped()).then(|| Disagreement {
                package: pair.package.clone(),
                from_tag: pair.from_tag.clone(),
                to_tag: pair.to_tag.clone(),
                shipped: pair.shipped().as_str().to_owned(),
                predicted: predicted.as_str().to_owned(),
                reason: learn::likely_reason(pair, predicted, &learned, commits),
            })
        })
        .collect();
    let scored = pairs
        .iter()
        .map(|p| Scored {
            package: p.package.clone(),
            from_tag: p.from_tag.clone(),
            to_tag: p.to_tag.clone(),
            time: p.time,
            commits: p.commits.len(),
            shipped: p.shipped().as_str().to_owned(),
            current: current.predict(p, commits).as_str().to_owned(),
            learned: learned.predict(p, commits).as_str().to_owned(),
        })
        .collect();
    Ok(Report {
        scored,
        current_agree: current.agreement(&pairs, commits),
        learned_agree: learned.agreement(&pairs, commits),
        pairs: pairs.len(),
        current,
        learned,
        changes,
        cross_validation,
        packages,
        skipped: history.skipped,
        disagreements,
        changesets: history.changesets,
        commits_read: history.commits_read,
        elapsed_ms: started.elapsed().as_millis(),
    })
}

/// `part` of `whole` in percent, 100 when there is nothing to count.
pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        #[allow(clippy::cast_precision_loss, reason = "pair counts are far below 2^52")]
        let share = part as f64 / whole as f64;
        100.0 * share
    }
}
