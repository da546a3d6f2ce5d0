//! Bump inference scored against real release histories (`../shared/fixtures`).
//!
//! Each fixture keeps the history of a public project that follows Conventional Commits, and
//! `replay.py` turns it into a real repository. For every pair of consecutive stable release
//! tags `P` → `T` of a release line, this test points a branch at `T`'s commit, deletes `T` and
//! every later tag of the line, runs `git release plan` on the package, and checks two things:
//!
//! 1. The tool gives exactly what its configured rules predict, on every pair. The prediction
//!    comes from an oracle in this file that re-implements the rules from git's own output
//!    (`for-each-ref`, `rev-list`, `cat-file`) with its own Conventional Commits parser.
//! 2. How often the tool agrees with what the maintainers shipped, per line, under the preset the
//!    fixtures README names for the project. That is printed, and floors are asserted for three
//!    lines.
//!
//! The everyday `cargo test` scores cocogitto, the smallest fixture, in full; the two larger
//! ones (about nine tenths of the pairs) are `#[ignore]`d and `.ci/run` scores them
//! (`cargo test -- --ignored`).
//!
//! Agreement with what shipped is counted by bump level (major, minor or patch), as the README
//! does: maintainers sometimes skipped a number (cocogitto went from 0.30.0 to 0.32.1;
//! semantic-release tagged 8.0.1 without its `v`), which no inference can foresee. The exact
//! version agreement is printed beside it.

#![allow(clippy::print_stdout, reason = "the scores per release line are this test's report")]

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use semver::Version;
use serde_json::Value;

/// A bump level, ordered from no bump to major.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    None,
    Patch,
    Minor,
    Major,
}

impl Level {
    /// The spelling used in the configuration file and in the plan's JSON.
    fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }

    /// The level of the step from `from` to `to`, read from which number changed.
    fn between(from: &Version, to: &Version) -> Level {
        if to.major != from.major {
            Level::Major
        } else if to.minor != from.minor {
            Level::Minor
        } else if to.patch != from.patch {
            Level::Patch
        } else {
            Level::None
        }
    }

    /// `version` bumped by this level, or `None` when there is no bump.
    fn apply(self, version: &Version) -> Option<Version> {
        let Version { major, minor, patch, .. } = *version;
        match self {
            Level::None => None,
            Level::Patch => Some(Version::new(major, minor, patch + 1)),
            Level::Minor => Some(Version::new(major, minor + 1, 0)),
            Level::Major => Some(Version::new(major + 1, 0, 0)),
        }
    }
}

/// The `[bump]` entries of a configuration, as a user would write them (the rest is defaults).
type BumpTable = &'static [(&'static str, Level)];

/// The built-in defaults: nothing written in `[bump]`.
const DEFAULTS: BumpTable = &[];

/// The preset the fixtures README names for cocogitto and semantic-release: any other type is a
/// patch.
const ANY_CHANGE_IS_A_PATCH: BumpTable = &[("other", Level::Patch)];

/// The preset for release-plz: the Cargo convention before 1.0 (a breaking change is a minor, a
/// feature a patch), and any other type is a patch.
const CARGO_CONVENTION: BumpTable = &[
    ("other", Level::Patch),
    ("feat_before_1_0", Level::Patch),
    ("breaking_before_1_0", Level::Minor),
];

/// Strict semver before 1.0 and a few per-type entries, to show that the rules follow any
/// configuration (not only the presets).
const STRICT_WITH_TYPES: BumpTable = &[
    ("breaking_before_1_0", Level::Major),
    ("docs", Level::Patch),
    ("refactor", Level::Patch),
    ("fix", Level::Minor),
];

/// One package as a fixture's tags name it: a tag format and the path it releases.
#[derive(Clone, Copy)]
struct ReleaseLine {
    package: &'static str,
    tag_format: &'static str,
    path: &'static str,
}

/// One scoring of a release line under one configuration.
struct Run {
    line: ReleaseLine,
    preset: &'static str,
    bump: BumpTable,
    /// The least agreement with what shipped (by bump level, in percent) this run must reach.
    shipped_floor: Option<f64>,
}

/// A fixture and the scorings to do on one replay of it.
struct Fixture {
    name: &'static str,
    runs: Vec<Run>,
}

/// The release lines of the fixtures (from their tag names and changed paths, see the fixtures
/// README), with the configurations to score them under.
fn fixtures() -> Vec<Fixture> {
    let line = |package, tag_format, path| ReleaseLine { package, tag_format, path };
    let run = |line, preset, bump, shipped_floor| Run { line, preset, bump, shipped_floor };
    let cocogitto = line("cocogitto", "{version}", ".");
    let next_version = line("next_version", "next_version-v{version}", "crates/next_version");
    vec![
        Fixture {
            name: "cocogitto",
            runs: vec![
                run(cocogitto, "other=patch", ANY_CHANGE_IS_A_PATCH, Some(97.0)),
                run(
                    line("cocogitto", "cocogitto-{version}", "crates/cocogitto"),
                    "other=patch",
                    ANY_CHANGE_IS_A_PATCH,
                    None,
                ),
                run(
                    line(
                        "cocogitto-dependency-resolver",
                        "cocogitto-dependency-resolver-{version}",
                        "crates/cocogitto-dependency-resolver",
                    ),
                    "other=patch",
                    ANY_CHANGE_IS_A_PATCH,
                    None,
                ),
                run(cocogitto, "defaults", DEFAULTS, None),
                run(cocogitto, "strict semver, types", STRICT_WITH_TYPES, None),
            ],
        },
        Fixture {
            name: "semantic-release",
            runs: vec![run(
                line("semantic-release", "v{version}", "."),
                "other=patch",
                ANY_CHANGE_IS_A_PATCH,
                Some(100.0),
            )],
        },
        Fixture {
            name: "release-plz",
            runs: vec![
                run(
                    line("release-plz", "release-plz-v{version}", "crates/release_plz"),
                    "cargo",
                    CARGO_CONVENTION,
                    Some(95.0),
                ),
                run(
                    line(
                        "release_plz_core",
                        "release_plz_core-v{version}",
                        "crates/release_plz_core",
                    ),
                    "cargo",
                    CARGO_CONVENTION,
                    None,
                ),
                run(
                    line("cargo_utils", "cargo_utils-v{version}", "crates/cargo_utils"),
                    "cargo",
                    CARGO_CONVENTION,
                    None,
                ),
                run(
                    line("git_cmd", "git_cmd-v{version}", "crates/git_cmd"),
                    "cargo",
                    CARGO_CONVENTION,
                    None,
                ),
                run(next_version, "cargo", CARGO_CONVENTION, None),
                run(
                    line("test_logs", "test_logs-v{version}", "crates/test_logs"),
                    "cargo",
                    CARGO_CONVENTION,
                    None,
                ),
                run(next_version, "defaults", DEFAULTS, None),
            ],
        },
    ]
}

/// The everyday slice of the matrix: cocogitto, the smallest history (642 commits, 40
/// tags), every one of its runs (three release lines; the `other=patch`, defaults and strict
/// presets; an agreement floor) with both tag layouts: 228 pairs.
#[test]
fn plan_follows_its_rules_on_every_release_of_real_histories() {
    score_fixtures(|name| name == "cocogitto");
}

/// The rest of the matrix (`.ci/run` runs it with `--ignored`): semantic-release (455 tags)
/// and release-plz (662 tags, six lines), about 2,300 pairs with the same assertions and
/// their agreement floors. With the everyday slice, every run is scored once.
#[test]
#[ignore = "fixture matrix: `.ci/run` runs it with `cargo test -- --ignored`"]
fn plan_follows_its_rules_on_every_release_of_the_larger_histories() {
    score_fixtures(|name| name != "cocogitto");
}

/// Replays each fixture that `chosen` picks by name (in parallel) and scores all its runs;
/// fails the test with every pair where the tool differs from its rules and every agreement
/// floor missed.
fn score_fixtures(chosen: fn(&str) -> bool) {
    let scratch = tempfile::TempDir::new().expect("a temporary directory can be made");
    let reports: Vec<Vec<Report>> = std::thread::scope(|scope| {
        let handles: Vec<_> = fixtures()
            .into_iter()
            .filter(|fixture| chosen(fixture.name))
            .map(|fixture| {
                let root = scratch.path().join(fixture.name);
                scope.spawn(move || score_fixture(&fixture, &root))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("scoring a fixture does not panic"))
            .collect()
    });

    let mut mismatches = Vec::new();
    let mut floors_missed = Vec::new();
    for report in reports.iter().flatten() {
        println!("{}", report.summary());
        mismatches.extend(report.mismatches.iter().cloned());
        if let Some(floor) = report.shipped_floor {
            let reached = percent(report.shipped_level, report.scored);
            if reached < floor {
                floors_missed.push(format!(
                    "{}: agrees with what shipped on {reached:.1}% of pairs, less than {floor}%",
                    report.title
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty() && floors_missed.is_empty(),
        "{} pairs where `git release plan` differs from its rules:\n\n{}\n\n\
         {} release lines under their agreement floor:\n{}",
        mismatches.len(),
        mismatches.join("\n\n"),
        floors_missed.len(),
        floors_missed.join("\n"),
    );
}

/// Counts for one run, and the pairs where the tool differs from its rules.
#[derive(Default)]
struct Report {
    title: String,
    shipped_floor: Option<f64>,
    /// Consecutive pairs of the line's tags.
    pairs: u32,
    /// Pairs in which `P` or `T` is a prerelease.
    not_stable: u32,
    /// Pairs in which `P` is not reachable from `T` (maintenance lines).
    unreachable: u32,
    /// Pairs in which the package's path is missing at `P` or `T`.
    no_path: u32,
    /// Pairs the tool was run on and compared with the oracle.
    checked: u32,
    /// Checked pairs whose range holds no commit of the package.
    empty: u32,
    /// Checked pairs in which fewer than half the commits are Conventional Commits.
    non_conventional: u32,
    /// Checked pairs scored against what shipped.
    scored: u32,
    shipped_exact: u32,
    shipped_level: u32,
    /// Scored pairs where the tool's version differs from the one shipped.
    shipped_differences: Vec<String>,
    /// Pairs where the tool and the oracle disagree, described in full.
    mismatches: Vec<String>,
}

impl Report {
    /// The lines this run prints.
    fn summary(&self) -> String {
        let mut text = format!(
            "{}: {} pairs; {} stable→stable and reachable (skipped: {} with a prerelease, {} unreachable, {} without the path)\n\
             \ttool = rules on {}/{}\n\
             \tscored {} (skipped: {} where fewer than half the commits are conventional, {} with no commit)\n\
             \tagrees with what shipped: {}/{} by bump level ({:.1}%), {}/{} exactly ({:.1}%)",
            self.title,
            self.pairs,
            self.checked,
            self.not_stable,
            self.unreachable,
            self.no_path,
            self.checked - u32::try_from(self.mismatches.len()).expect("few mismatches"),
            self.checked,
            self.scored,
            self.non_conventional,
            self.empty,
            self.shipped_level,
            self.scored,
            percent(self.shipped_level, self.scored),
            self.shipped_exact,
            self.scored,
            percent(self.shipped_exact, self.scored),
        );
        for difference in &self.shipped_differences {
            write!(text, "\n\t\t{difference}").expect("writing to a string succeeds");
        }
        text
    }
}

/// `part` of `whole` in percent (100 when there is nothing to count).
fn percent(part: u32, whole: u32) -> f64 {
    if whole == 0 { 100.0 } else { 100.0 * f64::from(part) / f64::from(whole) }
}

/// Replays a fixture once under `root` and scores each of its runs on it, restoring the tags
/// between runs.
fn score_fixture(fixture: &Fixture, root: &Path) -> Vec<Report> {
    let repo = Repo::replay(fixture.name, root);
    let snapshot =
        repo.git(["for-each-ref", "refs/tags", "--format=update %(refname) %(objectname)"]);
    let main = repo.git(["rev-parse", "HEAD"]);
    repo.git(["update-ref", "refs/heads/score", main.trim()]);
    repo.git(["symbolic-ref", "HEAD", "refs/heads/score"]);
    let mut reports = Vec::new();
    for (index, run) in fixture.runs.iter().enumerate() {
        let config = root.join(format!("release-{index}.toml"));
        std::fs::write(&config, config_toml(run)).expect("the configuration can be written");
        for keep in [Tags::UpToEachRelease, Tags::AllButTheOneShipped] {
            repo.git_with_input(["update-ref", "--stdin"], snapshot.as_bytes());
            reports.push(score_run(&repo, fixture.name, run, &config, keep, &snapshot));
        }
    }
    reports
}

/// Which tags are in place while a release is predicted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tags {
    /// The history as it was when the release was made: every later tag of the line deleted.
    UpToEachRelease,
    /// Every tag but the one being predicted: HEAD at an old release commit, newer releases
    /// and maintenance branches in place (issue 11's case).
    AllButTheOneShipped,
}

/// The configuration file for a run: its `[bump]` entries and its one package.
fn config_toml(run: &Run) -> String {
    let mut text = String::from("[bump]\n");
    for (key, level) in run.bump {
        writeln!(text, "{key} = \"{}\"", level.as_str()).expect("writing to a string succeeds");
    }
    let ReleaseLine { package, tag_format, path } = run.line;
    write!(
        text,
        "\n[[package]]\nname = \"{package}\"\npath = \"{path}\"\ntag_format = \"{tag_format}\"\n"
    )
    .expect("writing to a string succeeds");
    text
}

/// Scores every consecutive pair of one release line, newest first, so that the deletions of
/// later tags accumulate.
fn score_run(
    repo: &Repo,
    fixture: &str,
    run: &Run,
    config: &Path,
    keep: Tags,
    snapshot: &str,
) -> Report {
    let line = &run.line;
    let mut report = Report {
        title: format!(
            "{fixture} `{}` ({}) [{}]{}",
            line.tag_format,
            line.path,
            run.preset,
            if keep == Tags::AllButTheOneShipped { " [every other tag in place]" } else { "" }
        ),
        // What shipped is scored once, on the history as it was.
        shipped_floor: run.shipped_floor.filter(|_| keep == Tags::UpToEachRelease),
        ..Report::default()
    };
    let rules = Rules::new(run.bump);
    let tags = line_tags(repo, line.tag_format, false);
    let mut restore: Option<String> = None;
    for pair in tags.windows(2).rev() {
        let [previous, tag] = pair else { unreachable!("windows of two") };
        if keep == Tags::AllButTheOneShipped
            && let Some(line) = restore.take()
        {
            // Put back the one tag the previous pair deleted (the whole snapshot would
            // rewrite a thousand refs per pair).
            repo.git_with_input(["update-ref", "--stdin"], line.as_bytes());
        }
        if keep == Tags::AllButTheOneShipped {
            let wanted = format!("update refs/tags/{} ", tag.name);
            restore = snapshot.lines().find(|l| l.starts_with(&wanted)).map(|l| format!("{l}\n"));
        }
        repo.git(["tag", "-d", tag.name.as_str()]);
        report.pairs += 1;
        if !previous.version.pre.is_empty() || !tag.version.pre.is_empty() {
            report.not_stable += 1;
            continue;
        }
        if !repo.is_ancestor(&previous.commit, &tag.commit) {
            report.unreachable += 1;
            continue;
        }
        if line.path != "."
            && !(repo.has_path(&previous.commit, line.path)
                && repo.has_path(&tag.commit, line.path))
        {
            report.no_path += 1;
            continue;
        }
        repo.git(["update-ref", "refs/heads/score", tag.commit.as_str()]);
        let predicted = predict(repo, line, &rules);
        if keep == Tags::UpToEachRelease {
            assert_eq!(
                predicted.base.name, previous.name,
                "with `{}` deleted, the oracle's last release is the tag before it",
                tag.name
            );
        }
        let answer = plan(repo, config, line.package);
        report.checked += 1;
        if let Some(problems) = compare(&answer, &predicted) {
            report.mismatches.push(describe_mismatch(
                &report.title,
                previous,
                tag,
                &problems,
                &answer,
                &predicted,
            ));
        }

        let commits = u32::try_from(predicted.commits.len()).expect("ranges are small");
        let conventional = predicted.conventional();
        if commits == 0 {
            report.empty += 1;
            continue;
        }
        if conventional * 2 < commits {
            report.non_conventional += 1;
            continue;
        }
        report.scored += 1;
        let next = answer.next_version();
        if next.as_ref() == Some(&tag.version) {
            report.shipped_exact += 1;
        }
        let predicted_level =
            next.as_ref().map_or(Level::None, |next| Level::between(&previous.version, next));
        let shipped_level = Level::between(&previous.version, &tag.version);
        if predicted_level == shipped_level {
            report.shipped_level += 1;
        }
        if next.as_ref() != Some(&tag.version) {
            report.shipped_differences.push(format!(
                "{} → {} shipped ({}), plan says {} ({})",
                previous.version,
                tag.version,
                shipped_level.as_str(),
                next.map_or_else(|| "nothing to release".to_owned(), |v| v.to_string()),
                predicted_level.as_str(),
            ));
        }
    }
    report
}

// ---------------------------------------------------------------------------------------------
// The repository and git

/// A replayed fixture repository; every command in it runs in a hermetic environment.
struct Repo {
    dir: PathBuf,
    home: PathBuf,
}

impl Repo {
    /// Replays `../shared/fixtures/<name>.jsonl` into `root/repo`.
    fn replay(name: &str, root: &Path) -> Repo {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
        let fixture = fixtures.join(format!("{name}.jsonl"));
        assert!(
            fixture.is_file(),
            "the fixture `{}` is missing: `shared/` must sit beside the checkout",
            fixture.display()
        );
        let home = root.join("home");
        std::fs::create_dir_all(&home).expect("the home directory can be made");
        let repo = Repo { dir: root.join("repo"), home };
        let mut replay = repo.command(crate::support::python());
        replay.current_dir(root).arg(fixtures.join("replay.py")).arg(&fixture).arg(&repo.dir);
        checked(&mut replay, None);
        repo
    }

    /// A command run in the repository, with the user's and the caller's git setup removed.
    fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command.current_dir(&self.dir);
        crate::support::isolate(&mut command, &self.home);
        command
    }

    /// Runs git with `args` and returns its standard output.
    fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut git = self.command("git");
        git.args(args);
        String::from_utf8(checked(&mut git, None).stdout).expect("git prints UTF-8 here")
    }

    /// Runs git with `args`, feeding `input` to its standard input, and returns its output.
    fn git_with_input<I, S>(&self, args: I, input: &[u8]) -> Vec<u8>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut git = self.command("git");
        git.args(args);
        checked(&mut git, Some(input)).stdout
    }

    /// Whether `ancestor` is reachable from `descendant`.
    fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        self.command("git")
            .args(["merge-base", "--is-ancestor", ancestor, descendant])
            .status()
            .expect("git can be run")
            .success()
    }

    /// Whether `path` exists in the tree of `commit`.
    fn has_path(&self, commit: &str, path: &str) -> bool {
        self.command("git")
            .args(["cat-file", "-e", &format!("{commit}:{path}")])
            .stderr(Stdio::null())
            .status()
            .expect("git can be run")
            .success()
    }
}

/// Runs `command` (with `input` on its standard input), and panics with its output unless it
/// succeeds.
fn checked(command: &mut Command, input: Option<&[u8]>) -> Output {
    command
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child =
        command.spawn().unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("standard input is piped");
        // Written from another thread, so that a large output cannot block the child.
        let input = input.to_vec();
        std::thread::spawn(move || stdin.write_all(&input).expect("the child reads its input"));
    }
    let output = child.wait_with_output().expect("the child can be waited for");
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A release tag of one line.
#[derive(Clone, Debug)]
struct Tag {
    name: String,
    version: Version,
    /// The commit the tag points at (peeled).
    commit: String,
}

/// The version a tag name holds under `tag_format`, if it parses.
fn version_in(tag_format: &str, name: &str) -> Option<Version> {
    let (prefix, suffix) =
        tag_format.split_once("{version}").expect("a tag format holds `{version}`");
    let version = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    Version::parse(version).ok()
}

/// The tags of a release line, by ascending version; only those reachable from HEAD when
/// `reachable`.
fn line_tags(repo: &Repo, tag_format: &str, reachable: bool) -> Vec<Tag> {
    let mut args = vec!["for-each-ref", "--format=%(refname:strip=2) %(objectname) %(*objectname)"];
    if reachable {
        args.push("--merged=HEAD");
    }
    args.push("refs/tags");
    let mut tags: Vec<Tag> = repo
        .git(args)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let name = fields.next().expect("a tag name");
            let object = fields.next().expect("a tag's object");
            let peeled = fields.next().unwrap_or_default();
            let version = version_in(tag_format, name)?;
            let commit = if peeled.is_empty() { object } else { peeled };
            Some(Tag { name: name.to_owned(), version, commit: commit.to_owned() })
        })
        .collect();
    tags.sort_by(|a, b| a.version.cmp(&b.version));
    tags
}

// ---------------------------------------------------------------------------------------------
// The oracle

/// The configured bump rules, with the documented defaults filled in.
struct Rules {
    /// Per commit type (lowercase), from `[bump]`.
    types: Vec<(String, Level)>,
    other: Level,
    breaking_before_1_0: Level,
    feat_before_1_0: Level,
}

impl Rules {
    /// The rules that `[bump]` entries give on top of the defaults.
    fn new(table: BumpTable) -> Rules {
        let mut rules = Rules {
            types: vec![
                ("feat".to_owned(), Level::Minor),
                ("fix".to_owned(), Level::Patch),
                ("perf".to_owned(), Level::Patch),
                ("revert".to_owned(), Level::Patch),
            ],
            other: Level::None,
            breaking_before_1_0: Level::Minor,
            feat_before_1_0: Level::Minor,
        };
        for &(key, level) in table {
            match key {
                "other" => rules.other = level,
                "breaking_before_1_0" => rules.breaking_before_1_0 = level,
                "feat_before_1_0" => rules.feat_before_1_0 = level,
                kind => {
                    rules.types.retain(|(known, _)| known != kind);
                    rules.types.push((kind.to_owned(), level));
                }
            }
        }
        rules
    }

    /// The bump of one commit, on a package whose last stable version is `current`.
    ///
    /// Types compare without regard to case, as `git-conventional`'s `Type` does.
    fn level(&self, commit: &Conventional, current: &Version) -> Level {
        let before_1_0 = current.major == 0;
        let kind = commit.kind.to_lowercase();
        if commit.breaking {
            if before_1_0 { self.breaking_before_1_0 } else { Level::Major }
        } else if kind == "feat" && before_1_0 {
            self.feat_before_1_0
        } else {
            self.types
                .iter()
                .find(|(known, _)| *known == kind)
                .map_or(self.other, |&(_, level)| level)
        }
    }
}

/// One commit of a package's range, as the oracle read it.
struct Counted {
    id: String,
    summary: String,
    parsed: Option<Conventional>,
    level: Level,
}

/// What the rules predict for a package at HEAD.
struct Prediction {
    /// The last stable release: where the range starts.
    base: Tag,
    /// The highest release reachable from HEAD (a prerelease, or `base`).
    current: Version,
    next: Option<Version>,
    commits: Vec<Counted>,
    /// The version a `Release-As` footer set, if one did.
    release_as: Option<Version>,
}

impl Prediction {
    /// How many commits of the range are Conventional Commits.
    fn conventional(&self) -> u32 {
        let count = self.commits.iter().filter(|c| c.parsed.is_some()).count();
        u32::try_from(count).expect("ranges are small")
    }
}

/// What the configured rules predict for `line` at HEAD, computed from git's own output.
fn predict(repo: &Repo, line: &ReleaseLine, rules: &Rules) -> Prediction {
    let reachable = line_tags(repo, line.tag_format, true);
    let base = reachable
        .iter()
        .rfind(|tag| tag.version.pre.is_empty())
        .expect("a stable release is reachable from HEAD")
        .clone();
    let current = reachable.last().expect("a release is reachable").version.clone();

    let ids = range(repo, &base.commit, line.path);
    let commits: Vec<Counted> = messages(repo, &ids)
        .into_iter()
        .zip(ids)
        .map(|(message, id)| {
            let parsed = parse_conventional(&message);
            let level =
                parsed.as_ref().map_or(Level::None, |commit| rules.level(commit, &base.version));
            Counted {
                id,
                summary: message.lines().next().unwrap_or_default().to_owned(),
                parsed,
                level,
            }
        })
        .collect();

    let release_as = commits
        .iter()
        .filter_map(|c| c.parsed.as_ref())
        .flat_map(|c| &c.footers)
        .find(|(token, _)| token.eq_ignore_ascii_case("Release-As"))
        .map(|(_, value)| {
            Version::parse(value.trim()).expect("a `Release-As` footer holds a version")
        });
    let level = commits.iter().map(|c| c.level).max().unwrap_or(Level::None);
    let mut next = match &release_as {
        Some(version) => Some(version.clone()),
        None => level.apply(&base.version),
    };
    // Without `--pre`, a reachable prerelease above the last stable release is promoted.
    if current > base.version && !current.pre.is_empty() {
        let promoted = Version::new(current.major, current.minor, current.patch);
        next = next.map(|next| next.max(promoted));
    }
    Prediction { base, current, next, commits, release_as }
}

/// The commits reachable from HEAD and not from `base` that touch `path`, newest first.
///
/// For a sub-path, a non-merge commit counts when it changes a file under the path relative to
/// its parent, and a merge when its tree under the path differs from that of every parent.
fn range(repo: &Repo, base: &str, path: &str) -> Vec<String> {
    // Two full traversals, not `git rev-list base..HEAD`: git stops that walk by commit
    // dates (with a slop), so it is not exact on skewed clocks.
    let below = repo.git(["rev-list", base]);
    let below: HashSet<&str> = below.lines().collect();
    let all = repo.git(["rev-list", "--parents", "HEAD"]);
    let all: Vec<Vec<&str>> = all
        .lines()
        .map(|l| l.split(' ').collect::<Vec<&str>>())
        .filter(|ids| !below.contains(ids[0]))
        .collect();
    if path == "." {
        return all.iter().map(|ids| ids[0].to_owned()).collect();
    }
    // Of the range's own commits, the non-merges that change the path against their parent
    // (`--no-walk` filters exactly the commits given).
    let given: String = all.iter().fold(String::new(), |mut given, ids| {
        writeln!(given, "{}", ids[0]).expect("writing to a string succeeds");
        given
    });
    let changed = repo.git_with_input(
        ["--literal-pathspecs", "rev-list", "--no-walk", "--stdin", "--no-merges", "--", path],
        given.as_bytes(),
    );
    let changed = String::from_utf8(changed).expect("git prints UTF-8 here");
    let mut touching: HashSet<&str> = changed.lines().collect();

    let merges: Vec<&Vec<&str>> = all.iter().filter(|ids| ids.len() > 2).collect();
    let query = merges.iter().flat_map(|ids| ids.iter()).fold(String::new(), |mut query, id| {
        writeln!(query, "{id}:{path}").expect("writing to a string succeeds");
        query
    });
    let answers = repo.git_with_input(["cat-file", "--batch-check"], query.as_bytes());
    let answers = String::from_utf8(answers).expect("git prints UTF-8 here");
    // One line per `commit:path`: the tree's id, or `<commit:path> missing`.
    let mut trees = answers
        .lines()
        .map(|line| (!line.ends_with(" missing")).then(|| line.split(' ').next().expect("an id")));
    for ids in merges {
        let mut entries = trees.by_ref().take(ids.len());
        let merge = entries.next().expect("an answer for the merge");
        if entries.all(|parent| parent != merge) {
            touching.insert(ids[0]);
        }
    }
    all.iter().map(|ids| ids[0]).filter(|id| touching.contains(id)).map(str::to_owned).collect()
}

/// The messages of `ids`, in order, read from the commit objects.
fn messages(repo: &Repo, ids: &[String]) -> Vec<String> {
    if ids.is_empty() {
        return Vec::new();
    }
    let query = ids.join("\n") + "\n";
    let output = repo.git_with_input(["cat-file", "--batch"], query.as_bytes());
    let mut rest = output.as_slice();
    let mut found = Vec::with_capacity(ids.len());
    while !rest.is_empty() {
        // `<id> commit <size>\n<content>\n`
        let header_end = rest.iter().position(|&b| b == b'\n').expect("a header line");
        let header = std::str::from_utf8(&rest[..header_end]).expect("an ASCII header");
        let size: usize =
            header.rsplit(' ').next().and_then(|size| size.parse().ok()).expect("an object size");
        let content = &rest[header_end + 1..header_end + 1 + size];
        rest = &rest[header_end + 2 + size..];
        let text = String::from_utf8_lossy(content);
        let message = text.split_once("\n\n").map_or("", |(_, message)| message);
        found.push(message.to_owned());
    }
    assert_eq!(found.len(), ids.len(), "one message per commit");
    found
}

// ---------------------------------------------------------------------------------------------
// Conventional Commits, as the `git-conventional` crate's grammar reads them

/// A commit message read as a Conventional Commit.
#[derive(Debug)]
struct Conventional {
    kind: String,
    breaking: bool,
    /// `(token, value)` pairs.
    footers: Vec<(String, String)>,
}

/// Reads `message` as a Conventional Commit, or `None` when it is not one.
///
/// The grammar is `git-conventional`'s: `type(scope)!: description` on the first line, which is
/// followed by a blank line or the end; a body; then footers from the first paragraph that
/// starts with `token: ` or `token #` up to the end. Breaking = `!`, or a footer whose token is
/// exactly `BREAKING CHANGE` or `BREAKING-CHANGE` (a footer may sit before a later paragraph,
/// whose text then belongs to its value).
fn parse_conventional(message: &str) -> Option<Conventional> {
    let (kind, bang, rest) = header(message)?;
    let rest = line_ending_or_end(rest)?;
    let rest = line_ending_or_end(rest)?;
    let rest = skip_line_endings(rest);
    let rest = &rest[body_len(rest)..];
    let footers = footers(rest)?;
    let breaking = bang
        || footers
            .iter()
            .any(|(token, _)| token == "BREAKING CHANGE" || token == "BREAKING-CHANGE");
    Some(Conventional { kind: kind.to_owned(), breaking, footers })
}

/// Whether `c` ends a line.
fn is_line_ending(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// The length of the type (or footer token) at the start of `text`: anything up to a line
/// ending, a parenthesis, `:`, `!` or whitespace.
fn type_len(text: &str) -> usize {
    text.find(|c: char| is_line_ending(c) || "():!".contains(c) || c.is_whitespace())
        .unwrap_or(text.len())
}

/// The first line: its type, whether it has `!`, and the text after the description.
fn header(message: &str) -> Option<(&str, bool, &str)> {
    let kind_len = type_len(message);
    if kind_len == 0 {
        return None;
    }
    let (kind, mut rest) = message.split_at(kind_len);
    if let Some(scope) = rest.strip_prefix('(') {
        let scope_len =
            scope.find(|c: char| is_line_ending(c) || c == '(' || c == ')').unwrap_or(scope.len());
        if scope_len == 0 {
            return None;
        }
        rest = scope[scope_len..].strip_prefix(')')?;
    }
    let bang = rest.starts_with('!');
    if bang {
        rest = &rest[1..];
    }
    // Any whitespace, line endings included, may stand between `:` and the description.
    let rest = rest.strip_prefix(':')?.trim_start_matches(char::is_whitespace);
    let description_len = rest.find(is_line_ending).unwrap_or(rest.len());
    if description_len == 0 {
        return None;
    }
    Some((kind, bang, &rest[description_len..]))
}

/// `text` after one line ending, or `text` itself at the end; `None` for anything else.
fn line_ending_or_end(text: &str) -> Option<&str> {
    if text.is_empty() {
        return Some(text);
    }
    text.strip_prefix("\r\n").or_else(|| text.strip_prefix('\n'))
}

/// `text` after any number of line endings.
fn skip_line_endings(mut text: &str) -> &str {
    while let Some(rest) = line_ending_or_end(text).filter(|rest| rest.len() < text.len()) {
        text = rest;
    }
    text
}

/// Whether `line` starts like a footer: `BREAKING CHANGE` or a token, then `:` or ` #`.
fn starts_footer(line: &str) -> bool {
    footer_token(line).is_some_and(|(_, rest)| rest.starts_with(':') || rest.starts_with(" #"))
}

/// The footer token at the start of `text`, and the text after it.
fn footer_token(text: &str) -> Option<(&str, &str)> {
    if text.starts_with("BREAKING CHANGE") {
        return Some(text.split_at("BREAKING CHANGE".len()));
    }
    let len = type_len(text);
    (len > 0).then(|| text.split_at(len))
}

/// The length of the body: up to the first line that starts a footer at the start of a
/// paragraph.
fn body_len(text: &str) -> usize {
    let mut len = 0;
    let mut prior_is_empty = true;
    for line in text.split_inclusive('\n') {
        if prior_is_empty && starts_footer(line.trim_end()) {
            break;
        }
        prior_is_empty = line.trim().is_empty();
        len += line.len();
    }
    len
}

/// The footers that make up the rest of the message, or `None` when they do not parse to its
/// end.
fn footers(mut text: &str) -> Option<Vec<(String, String)>> {
    let mut footers = Vec::new();
    while let Some((token, rest)) = footer_token(text) {
        let Some(rest) = rest.strip_prefix(':').or_else(|| rest.strip_prefix(" #")) else {
            break;
        };
        let value = rest.trim_start_matches(char::is_whitespace);
        if value.is_empty() {
            return None;
        }
        // The value runs until a later line starts another footer.
        let mut len = 0;
        for (index, line) in value.split_inclusive('\n').enumerate() {
            if index > 0 && starts_footer(line.trim_end()) {
                break;
            }
            len += line.len();
        }
        footers.push((token.to_owned(), value[..len].trim_end().to_owned()));
        text = &value[len..];
    }
    skip_line_endings(text).is_empty().then_some(footers)
}

// ---------------------------------------------------------------------------------------------
// The tool

/// What `git release plan PKG --format json` said.
struct Answer {
    /// The package's row, or why there is none.
    row: Result<Value, String>,
}

impl Answer {
    /// A string field of the row.
    fn text(&self, key: &str) -> Option<&str> {
        self.row.as_ref().ok()?.get(key)?.as_str()
    }

    /// A count field of the row.
    fn count(&self, key: &str) -> Option<u64> {
        self.row.as_ref().ok()?.get(key)?.as_u64()
    }

    /// The next version, if the tool gave one.
    fn next_version(&self) -> Option<Version> {
        self.text("next_version").and_then(|v| Version::parse(v).ok())
    }

    /// The row's reasons.
    fn reasons(&self) -> &[Value] {
        self.row
            .as_ref()
            .ok()
            .and_then(|row| row.get("reasons"))
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
}

/// Runs the real binary's `plan` for `package` with the configuration file `config`.
fn plan(repo: &Repo, config: &Path, package: &str) -> Answer {
    let output = repo
        .command(env!("CARGO_BIN_EXE_git-release"))
        .arg("-C")
        .arg(&repo.dir)
        .arg("--config")
        .arg(config)
        .args(["plan", package, "--format", "json"])
        .stdin(Stdio::null())
        .output()
        .expect("the git-release binary can be run");
    let row = serde_json::from_slice::<Value>(&output.stdout)
        .map_err(|error| {
            format!(
                "no JSON on stdout ({error}); {}; stderr: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )
        })
        .and_then(|plan| {
            plan.get("packages")
                .and_then(Value::as_array)
                .and_then(|rows| rows.iter().find(|row| row["name"] == package))
                .cloned()
                .ok_or_else(|| format!("no row for `{package}` in {plan}"))
        });
    Answer { row }
}

/// What differs between the tool's answer and the prediction, if anything.
fn compare(answer: &Answer, predicted: &Prediction) -> Option<Vec<String>> {
    if let Err(error) = &answer.row {
        return Some(vec![error.clone()]);
    }
    let mut problems = Vec::new();
    let expected_next = predicted.next.as_ref().map(ToString::to_string);
    if answer.text("next_version") != expected_next.as_deref() {
        problems.push(format!(
            "next_version {:?}, rules say {expected_next:?}",
            answer.text("next_version")
        ));
    }
    let current = predicted.current.to_string();
    if answer.text("current_version") != Some(current.as_str()) {
        problems.push(format!(
            "current_version {:?}, rules say {current:?}",
            answer.text("current_version")
        ));
    }
    let commits = predicted.commits.len() as u64;
    if answer.count("commits") != Some(commits) {
        problems.push(format!("commits {:?}, rules say {commits}", answer.count("commits")));
    }
    let conventional = u64::from(predicted.conventional());
    if answer.count("conventional") != Some(conventional) {
        problems.push(format!(
            "conventional {:?}, rules say {conventional}",
            answer.count("conventional")
        ));
    }
    (!problems.is_empty()).then_some(problems)
}

/// A full account of one pair where the tool and the oracle disagree: both answers, the commits
/// each counted, and where their lists part.
fn describe_mismatch(
    title: &str,
    previous: &Tag,
    tag: &Tag,
    problems: &[String],
    answer: &Answer,
    predicted: &Prediction,
) -> String {
    let mut text = format!(
        "{title}: {} → {} (HEAD at {}, range from {} at {})\n  differs: {}",
        previous.name,
        tag.name,
        tag.commit,
        predicted.base.name,
        predicted.base.commit,
        problems.join("; ")
    );
    let mut item = |heading: &str, items: &mut dyn Iterator<Item = String>| {
        write!(text, "\n  {heading}").expect("writing to a string succeeds");
        for item in items {
            write!(text, "\n      {item}").expect("writing to a string succeeds");
        }
    };

    item(
        &format!(
            "rules: next {:?}, {} commits ({} conventional){}; counted:",
            predicted.next.as_ref().map(ToString::to_string),
            predicted.commits.len(),
            predicted.conventional(),
            predicted.release_as.as_ref().map_or_else(String::new, |v| format!(", Release-As {v}")),
        ),
        &mut predicted.commits.iter().map(|commit| {
            let kind = commit.parsed.as_ref().map_or("(not conventional)", |c| c.kind.as_str());
            let breaking =
                if commit.parsed.as_ref().is_some_and(|c| c.breaking) { " breaking" } else { "" };
            format!(
                "{} {} {kind}{breaking}: {:?}",
                commit.id,
                commit.level.as_str(),
                commit.summary
            )
        }),
    );
    if answer.row.is_err() {
        return text;
    }
    item(
        &format!(
            "tool: status {:?}, next {:?}, bump {:?}, {:?} commits ({:?} conventional); reasons:",
            answer.text("status"),
            answer.text("next_version"),
            answer.text("bump"),
            answer.count("commits"),
            answer.count("conventional"),
        ),
        &mut answer.reasons().iter().map(ToString::to_string),
    );

    // Where the two lists of commits part (the tool may abbreviate ids).
    let same =
        |a: &str, b: &str| !a.is_empty() && !b.is_empty() && (a.starts_with(b) || b.starts_with(a));
    let reason_of = |id: &str| {
        answer.reasons().iter().find(|reason| {
            reason.get("commit").and_then(Value::as_str).is_some_and(|commit| same(commit, id))
        })
    };
    let only_tool: Vec<&str> = answer
        .reasons()
        .iter()
        .filter_map(|reason| reason.get("commit").and_then(Value::as_str))
        .filter(|id| !predicted.commits.iter().any(|c| same(id, &c.id)))
        .collect();
    let only_rules: Vec<&str> = predicted
        .commits
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| reason_of(id).is_none())
        .collect();
    let bump_differs: Vec<String> = predicted
        .commits
        .iter()
        .filter_map(|commit| {
            let bump = reason_of(&commit.id)?.get("bump").and_then(Value::as_str)?;
            (bump != commit.level.as_str())
                .then(|| format!("{} tool {bump}, rules {}", commit.id, commit.level.as_str()))
        })
        .collect();
    write!(
        text,
        "\n  only in the tool's reasons: {only_tool:?}\n  only in the rules' range: {only_rules:?}\n  bump differs: {bump_differs:?}"
    )
    .expect("writing to a string succeeds");
    text
}

// ---------------------------------------------------------------------------------------------
// The oracle's parser on the cases that decide a bump

#[test]
fn oracle_parser_follows_the_git_conventional_grammar() {
    let parse = |message: &str| parse_conventional(message).map(|c| (c.kind, c.breaking));
    let yes = |kind: &str, breaking| Some((kind.to_owned(), breaking));
    assert_eq!(parse("feat: add x\n"), yes("feat", false));
    assert_eq!(parse("fix(core)!: drop y"), yes("fix", true));
    assert_eq!(parse("docs:optimize images\n"), yes("docs", false));
    assert_eq!(parse("README: explain\n"), yes("README", false));
    assert_eq!(parse("feat: x\n\nbody\n\nBREAKING CHANGE: gone\n"), yes("feat", true));
    assert_eq!(parse("feat: x\n\nBREAKING-CHANGE: gone"), yes("feat", true));
    // A footer before a later paragraph still counts; the paragraph joins its value.
    assert_eq!(parse("feat: x\n\nBREAKING CHANGE: gone\n\nMore words.\n"), yes("feat", true));
    // Only footers count, not words in the body.
    assert_eq!(parse("fix: x\n\nsome text\nBREAKING CHANGE: not a footer\n"), yes("fix", false));
    assert_eq!(parse("fix: x\n\nBREAKING CHANGES: no\n"), yes("fix", false));
    assert_eq!(parse("fix: x\n\nbreaking change: lower case\n"), yes("fix", false));
    // The second line must be blank.
    assert_eq!(parse("fix(post): x\nmore\n"), None);
    assert_eq!(parse("Merge pull request #1 from a/b\n"), None);
    assert_eq!(parse("feat(): x"), None);
    assert_eq!(parse("feat(x: y"), None);
    assert_eq!(parse("feat: "), None);
    // A footer with no value does not parse.
    assert_eq!(parse("fix: x\n\nCloses #\n"), None);
    let footers = parse_conventional("fix: x\n\nRelease-As: 2.0.0\nCloses #12\n")
        .expect("a conventional commit")
        .footers;
    assert_eq!(
        footers,
        [("Release-As".to_owned(), "2.0.0".to_owned()), ("Closes".to_owned(), "12".to_owned())]
    );
}

#[test]
fn oracle_rules_follow_the_configuration() {
    let commit = |message| parse_conventional(message).expect("a conventional commit");
    let v = |text| Version::parse(text).expect("a version");
    let cargo = Rules::new(CARGO_CONVENTION);
    assert_eq!(cargo.level(&commit("feat: x"), &v("0.3.1")), Level::Patch);
    assert_eq!(cargo.level(&commit("feat!: x"), &v("0.3.1")), Level::Minor);
    assert_eq!(cargo.level(&commit("feat!: x"), &v("1.0.0")), Level::Major);
    assert_eq!(cargo.level(&commit("chore: x"), &v("1.0.0")), Level::Patch);
    let defaults = Rules::new(DEFAULTS);
    assert_eq!(defaults.level(&commit("Feat: x"), &v("1.0.0")), Level::Minor);
    assert_eq!(defaults.level(&commit("chore: x"), &v("1.0.0")), Level::None);
    assert_eq!(defaults.level(&commit("revert: x"), &v("1.0.0")), Level::Patch);
    let strict = Rules::new(STRICT_WITH_TYPES);
    assert_eq!(strict.level(&commit("fix: x"), &v("1.0.0")), Level::Minor);
    assert_eq!(strict.level(&commit("docs: x"), &v("1.0.0")), Level::Patch);
    assert_eq!(strict.level(&commit("fix!: x"), &v("0.2.0")), Level::Major);
    assert_eq!(Level::Minor.apply(&v("0.2.3")), Some(v("0.3.0")));
    assert_eq!(Level::between(&v("0.30.0"), &v("0.32.1")), Level::Minor);
}
