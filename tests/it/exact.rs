//! The differential test of the history walk (issue 11): random histories built with
//! `git fast-import` — merges, maintenance branches cut from old releases with their own
//! patch tags, annotated and lightweight tags, committer dates that run backwards by days and
//! sometimes by a year — and, for many HEADs per history, `plan --format json` compared with
//! an oracle computed here by full traversal of the graph the test generated.
//!
//! The oracle shares nothing with the tool: it knows the graph because it made it, and it
//! walks all of it. Every HEAD is planned three times: without a commit-graph (the date
//! order and its proofs), with a commit-graph of the whole history, and with one that covers
//! only the older half (generation numbers computed above it).
//!
//! `GIT_RELEASE_EXACT_SEED` (default 11) and `GIT_RELEASE_EXACT_HISTORIES` (default 6) run
//! other or more histories. The everyday `cargo test` compares the first history; the others
//! are `#[ignore]`d and `.ci/run` compares them (`cargo test -- --ignored`), e.g.
//! `GIT_RELEASE_EXACT_HISTORIES=200 cargo test exact -- --include-ignored`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::process::{Command, Stdio};

use semver::Version;

use crate::support::TestRepo;

/// One generated commit.
struct Node {
    parents: Vec<usize>,
    time: i64,
}

/// A generated history: commits in creation order (parents always earlier), and tags.
struct History {
    nodes: Vec<Node>,
    /// (tag name, commit index, annotated)
    tags: Vec<(String, usize, bool)>,
    /// Branch tips, by name.
    branches: BTreeMap<String, usize>,
}

/// A branch under construction.
struct Line {
    name: String,
    tip: usize,
}

const START: i64 = 1_600_000_000;
const DAY: i64 = 24 * 60 * 60;

impl History {
    fn generate(rng: &mut fastrand::Rng) -> History {
        let steps = rng.usize(40..110);
        History::generate_steps(rng, steps)
    }

    /// A history of `steps` random steps (a commit, a release, a merge, a branch …).
    fn generate_steps(rng: &mut fastrand::Rng, steps: usize) -> History {
        let mut h = History { nodes: Vec::new(), tags: Vec::new(), branches: BTreeMap::new() };
        let mut clock = START;
        let mut next_time = |rng: &mut fastrand::Rng| {
            clock += 60 * i64::from(rng.u8(1..30));
            let roll = rng.u8(0..100);
            if roll < 8 {
                clock - DAY * i64::from(rng.u8(1..12)) // a clock days behind
            } else if roll < 11 {
                clock - 365 * DAY // a year behind
            } else if roll < 14 {
                clock + DAY * i64::from(rng.u8(1..40)) // days ahead
            } else {
                clock
            }
        };
        h.nodes.push(Node { parents: vec![], time: next_time(rng) });
        let mut main = Line { name: "main".into(), tip: 0 };
        let mut side: Vec<Line> = Vec::new();
        let mut version = Version::new(1, 0, 0);
        h.tags.push(("v1.0.0".into(), 0, rng.bool()));
        // The highest patch of each released minor line: maintenance branches continue them.
        let mut lines: BTreeMap<(u64, u64), (u64, usize)> = BTreeMap::new();
        lines.insert((1, 0), (0, 0));
        for step in 0..steps {
            match rng.u8(0..100) {
                // A commit on main.
                0..=39 => {
                    let t = next_time(rng);
                    main.tip = h.commit(vec![main.tip], t);
                }
                // A commit on a side branch.
                40..=59 if !side.is_empty() => {
                    let i = rng.usize(0..side.len());
                    let t = next_time(rng);
                    side[i].tip = h.commit(vec![side[i].tip], t);
                }
                // A feature branch from some earlier commit of main's history.
                60..=66 => {
                    let from = rng.usize(0..h.nodes.len());
                    let t = next_time(rng);
                    let tip = h.commit(vec![from], t);
                    side.push(Line { name: format!("feature-{step}"), tip });
                }
                // A side branch merged into main (maintenance branches too: forward ports).
                67..=76 if !side.is_empty() => {
                    let i = rng.usize(0..side.len());
                    let t = next_time(rng);
                    main.tip = h.commit(vec![main.tip, side[i].tip], t);
                    if side[i].name.starts_with("feature") && rng.bool() {
                        let done = side.remove(i);
                        h.branches.insert(done.name, done.tip);
                    }
                }
                // A release of main (sometimes a release candidate first).
                77..=88 => {
                    let bump = rng.u8(0..10);
                    version = if bump == 0 {
                        Version::new(version.major + 1, 0, 0)
                    } else if bump < 5 {
                        Version::new(version.major, version.minor + 1, 0)
                    } else {
                        // Past any patch a maintenance branch of this line released.
                        let released =
                            lines.get(&(version.major, version.minor)).map_or(0, |l| l.0);
                        Version::new(version.major, version.minor, released.max(version.patch) + 1)
                    };
                    if rng.u8(0..4) == 0 {
                        let rc = format!("v{version}-rc.1");
                        h.tags.push((rc, main.tip, rng.bool()));
                        let t = next_time(rng);
                        main.tip = h.commit(vec![main.tip], t);
                    }
                    h.tags.push((format!("v{version}"), main.tip, rng.bool()));
                    let entry = lines.entry((version.major, version.minor)).or_insert((0, 0));
                    *entry = (version.patch, main.tip);
                    let t = next_time(rng);
                    main.tip = h.commit(vec![main.tip], t);
                }
                // A maintenance branch from the newest release of an older minor line.
                89..=93 => {
                    let keys: Vec<(u64, u64)> = lines.keys().copied().collect();
                    let key = keys[rng.usize(0..keys.len())];
                    let (_, at) = lines[&key];
                    let t = next_time(rng);
                    let tip = h.commit(vec![at], t);
                    side.push(Line { name: format!("maint-{}.{}-{step}", key.0, key.1), tip });
                }
                // A patch release on a maintenance branch.
                _ => {
                    let maint: Vec<usize> =
                        (0..side.len()).filter(|i| side[*i].name.starts_with("maint")).collect();
                    if maint.is_empty() {
                        continue;
                    }
                    let i = maint[rng.usize(0..maint.len())];
                    let name = side[i].name.clone();
                    let mut parts = name["maint-".len()..].split(['.', '-']);
                    let major: u64 = parts.next().and_then(|p| p.parse().ok()).expect("major");
                    let minor: u64 = parts.next().and_then(|p| p.parse().ok()).expect("minor");
                    let entry = lines.get_mut(&(major, minor)).expect("a released line");
                    entry.0 += 1;
                    let tag = format!("v{major}.{minor}.{}", entry.0);
                    h.tags.push((tag, side[i].tip, rng.bool()));
                    let t = next_time(rng);
                    side[i].tip = h.commit(vec![side[i].tip], t);
                }
            }
        }
        h.branches.insert("main".into(), main.tip);
        for line in side {
            h.branches.insert(line.name, line.tip);
        }
        h
    }

    fn commit(&mut self, parents: Vec<usize>, time: i64) -> usize {
        self.nodes.push(Node { parents, time });
        self.nodes.len() - 1
    }

    /// The `git fast-import` stream of this history; commit `i` has mark `:i+1`.
    fn stream(&self) -> String {
        let mut s = String::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let message = format!("fix: change {i}\n");
            writeln!(s, "commit refs/heads/import").expect("write to a String");
            writeln!(s, "mark :{}", i + 1).expect("write to a String");
            writeln!(s, "committer T <t@example.com> {} +0000", node.time).expect("write");
            write!(s, "data {}\n{message}", message.len()).expect("write to a String");
            if let Some(first) = node.parents.first() {
                writeln!(s, "from :{}", first + 1).expect("write to a String");
            }
            for other in node.parents.iter().skip(1) {
                writeln!(s, "merge :{}", other + 1).expect("write to a String");
            }
            let body = format!("{i}\n");
            writeln!(s, "M 644 inline f{}.txt\ndata {}\n{body}", i % 7, body.len())
                .expect("write to a String");
        }
        for (name, tip) in &self.branches {
            write!(s, "reset refs/heads/{name}\nfrom :{}\n\n", tip + 1).expect("write");
        }
        for (name, at, annotated) in &self.tags {
            if *annotated {
                let message = format!("release {name}\n");
                writeln!(s, "tag {name}\nfrom :{}", at + 1).expect("write to a String");
                writeln!(s, "tagger T <t@example.com> {} +0000", self.nodes[*at].time)
                    .expect("write to a String");
                write!(s, "data {}\n{message}\n", message.len()).expect("write to a String");
            } else {
                write!(s, "reset refs/tags/{name}\nfrom :{}\n\n", at + 1).expect("write");
            }
        }
        s
    }

    /// Every commit `from` reaches, itself included: a full traversal.
    fn reach(&self, from: usize) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut stack = vec![from];
        while let Some(c) = stack.pop() {
            if seen.insert(c) {
                stack.extend(&self.nodes[c].parents);
            }
        }
        seen
    }

    /// The oracle: (current version, commits since the last stable release) at `head`.
    fn expect(&self, head: usize) -> (Option<Version>, usize) {
        let reach = self.reach(head);
        let reachable: Vec<(Version, usize)> = self
            .tags
            .iter()
            .filter(|(_, at, _)| reach.contains(at))
            .map(|(name, at, _)| (Version::parse(&name[1..]).expect("generated tags parse"), *at))
            .collect();
        let current = reachable.iter().map(|(v, _)| v).max().cloned();
        let boundary =
            reachable.iter().filter(|(v, _)| v.pre.is_empty()).max_by(|a, b| a.0.cmp(&b.0));
        let commits = match boundary {
            Some((_, at)) => {
                let below = self.reach(*at);
                reach.iter().filter(|c| !below.contains(c)).count()
            }
            None => reach.len(),
        };
        (current, commits)
    }
}

fn git_with_input(r: &TestRepo, args: &[&str], input: &str) -> String {
    let mut cmd = Command::new("git");
    cmd.args(args);
    r.hermetic(&mut cmd);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("git runs");
    std::io::Write::write_all(child.stdin.as_mut().expect("piped stdin"), input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("git finishes");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Imports `h` into `r` with fast-import; returns the commit ids in creation order.
fn import(r: &TestRepo, h: &History) -> Vec<String> {
    let marks = r.scratch().join("marks");
    let marks_arg = format!("--export-marks={}", marks.display());
    git_with_input(r, &["fast-import", "--quiet", &marks_arg], &h.stream());
    let text = std::fs::read_to_string(&marks).expect("marks file");
    let mut ids = vec![String::new(); h.nodes.len()];
    for line in text.lines() {
        let (mark, id) = line.split_once(' ').expect("`:mark id`");
        let mark: usize = mark[1..].parse().expect("a mark number");
        ids[mark - 1] = id.to_owned();
    }
    r.git(["update-ref", "-d", "refs/heads/import"]);
    ids
}

/// Plans every chosen HEAD of `h` in `r` and returns the mismatches, as readable lines.
fn check_heads(
    r: &TestRepo,
    h: &History,
    ids: &[String],
    heads: &[usize],
    label: &str,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for &head in heads {
        r.git(["update-ref", "--no-deref", "HEAD", &ids[head]]);
        let out = r.run(["plan", "--format", "json"]);
        if out.code != 0 {
            wrong.push(format!("{label}: head #{head}: exit {}: {}", out.code, out.stderr.trim()));
            continue;
        }
        let json = out.json();
        let row = &json["packages"][0];
        let current = row["current_version"].as_str().map(|v| Version::parse(v).expect("semver"));
        let commits = usize::try_from(row["commits"].as_u64().expect("commits")).expect("fits");
        let (want_current, want_commits) = h.expect(head);
        if current != want_current || commits != want_commits {
            wrong.push(format!(
                "{label}: head #{head} ({}): current {current:?}, want {want_current:?}; \
                 commits {commits}, want {want_commits}",
                &ids[head][..10]
            ));
        }
    }
    wrong
}

/// The seed (`GIT_RELEASE_EXACT_SEED`, default 11) and the number of histories
/// (`GIT_RELEASE_EXACT_HISTORIES`, default 6) of the differential matrix.
fn matrix() -> (u64, u64) {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse().ok());
    (var("GIT_RELEASE_EXACT_SEED").unwrap_or(11), var("GIT_RELEASE_EXACT_HISTORIES").unwrap_or(6))
}

/// The everyday slice of the matrix: its first history, every HEAD planned three ways.
#[test]
fn plan_equals_a_full_traversal_on_random_histories() {
    let (seed, histories) = matrix();
    let planned = compare_histories(seed, 0..histories.min(1));
    assert!(planned >= 30 || histories == 0, "only {planned} plans were compared");
}

/// The rest of the matrix (`.ci/run` runs it with `--ignored`): histories 1 to 5 of the seed,
/// or as many as `GIT_RELEASE_EXACT_HISTORIES` says. With the everyday slice, every history
/// is compared once.
#[test]
#[ignore = "differential matrix: `.ci/run` runs it with `cargo test -- --ignored`"]
fn plan_equals_a_full_traversal_on_more_random_histories() {
    let (seed, histories) = matrix();
    let planned = compare_histories(seed, 1..histories);
    assert!(planned >= 250 || histories < 6, "only {planned} plans were compared");
}

/// Generates history `n` of `seed` for each `n` of `range`, plans every chosen HEAD three
/// ways, fails the test with every mismatch, and returns how many plans were compared.
fn compare_histories(seed: u64, range: std::ops::Range<u64>) -> usize {
    let mut planned = 0;
    let mut wrong = Vec::new();
    for n in range {
        let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(1000).wrapping_add(n));
        let h = History::generate(&mut rng);
        let r = TestRepo::new();
        let ids = import(&r, &h);

        // HEADs: every branch tip, every tagged commit, and random commits.
        let mut heads: Vec<usize> = h.branches.values().copied().collect();
        heads.extend(h.tags.iter().map(|(_, at, _)| *at));
        for _ in 0..8 {
            heads.push(rng.usize(0..h.nodes.len()));
        }
        heads.sort_unstable();
        heads.dedup();

        let label = format!("seed {seed} history {n}");
        wrong.extend(check_heads(&r, &h, &ids, &heads, &format!("{label} (no commit-graph)")));
        // A commit-graph of the older half only: generation numbers computed above it.
        let older = ids[..h.nodes.len() / 2].join("\n") + "\n";
        git_with_input(&r, &["commit-graph", "write", "--stdin-commits"], &older);
        wrong.extend(check_heads(&r, &h, &ids, &heads, &format!("{label} (half commit-graph)")));
        r.git(["commit-graph", "write", "--reachable"]);
        wrong.extend(check_heads(&r, &h, &ids, &heads, &format!("{label} (commit-graph)")));
        planned += 3 * heads.len();
    }
    assert!(
        wrong.is_empty(),
        "{} of {planned} plans differ from a full traversal:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    planned
}

/// How many commits `head` reaches, itself included: what a plan with no release counts.
fn reachable(h: &History, head: usize) -> usize {
    let mut seen = HashSet::new();
    let mut stack = vec![head];
    while let Some(n) = stack.pop() {
        if seen.insert(n) {
            stack.extend(&h.nodes[n].parents);
        }
    }
    seen.len()
}

/// The date-ordered walk with commits decoded ahead on a second core (`git::ahead`): a
/// history large enough for the read-ahead to deliver, packed as `git gc` packs (commits
/// first, newest first) with no commit-graph, planned at many HEADs against the oracle.
#[test]
fn plan_with_commits_decoded_ahead_equals_a_full_traversal() {
    let mut rng = fastrand::Rng::with_seed(1111);
    let h = History::generate_steps(&mut rng, 2500);
    let r = TestRepo::new();
    let ids = import(&r, &h);
    r.git(["-c", "gc.writeCommitGraph=false", "repack", "-a", "-d", "-q"]);
    let mut heads: Vec<usize> = h.branches.values().copied().collect();
    for _ in 0..12 {
        heads.push(rng.usize(h.nodes.len() / 2..h.nodes.len()));
    }
    heads.sort_unstable();
    heads.dedup();
    let mut wrong = check_heads(&r, &h, &ids, &heads, "repacked, read ahead");

    // With no release found the walk reads the whole history, far past the first run of
    // commits the read-ahead leaves to the walk.
    let tip = h.nodes.len() - 1;
    r.git(["update-ref", "--no-deref", "HEAD", &ids[tip]]);
    let whole = r.run_env(
        ["plan", "-vv", "--format", "json"],
        &[("GIT_RELEASE_TAG_FORMAT", "none-{version}")],
    );
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let commits = whole.json()["packages"][0]["commits"].as_u64().expect("commits");
    if usize::try_from(commits).expect("fits") != reachable(&h, tip) {
        wrong.push(format!("whole history: {commits} commits, want {}", reachable(&h, tip)));
    }
    // Each commit's reason carries its own message, classified on whichever core read it.
    let subjects = r.git(["log", "--format=%H %s", "HEAD"]);
    let subject_of: std::collections::HashMap<&str, &str> =
        subjects.lines().filter_map(|l| l.split_once(' ')).collect();
    let reasons = whole.json()["packages"][0]["reasons"].as_array().expect("reasons").clone();
    assert_eq!(reasons.len(), subject_of.len(), "one reason per commit");
    for reason in &reasons {
        let commit = reason["commit"].as_str().expect("commit");
        let summary = reason["summary"].as_str().expect("summary");
        if subject_of.get(commit) != Some(&summary) {
            wrong.push(format!(
                "{commit}: reason says `{summary}`, git says {:?}",
                subject_of.get(commit)
            ));
        }
    }
    assert!(wrong.is_empty(), "plans differ from a full traversal:\n{}", wrong.join("\n"));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    assert!(
        whole.stderr.contains("decoded ahead on a second core") || cores < 2,
        "the read-ahead delivered nothing: {}",
        whole.stderr
    );
}

/// A commit `refs/replace/` replaces is read as its replacement, as git reads it, also when a
/// second core decodes commits ahead of the walk from the pack (which holds the original).
#[test]
fn a_replaced_commit_is_read_as_its_replacement_with_commits_decoded_ahead() {
    let r = TestRepo::new();
    let mut stream = String::new();
    for n in 1..=3000 {
        let message = format!("fix: change {n}");
        let _ = write!(
            stream,
            "commit refs/heads/main\nmark :{n}\ncommitter A <a@example.com> {} +0000\ndata {}\n{message}\n",
            START + 60 * n,
            message.len()
        );
        if n > 1 {
            let _ = writeln!(stream, "from :{}", n - 1);
        }
    }
    let marks = r.scratch().join("marks");
    let marks_arg = format!("--export-marks={}", marks.display());
    git_with_input(&r, &["fast-import", "--quiet", &marks_arg], &stream);
    r.git(["update-ref", "--no-deref", "HEAD", "refs/heads/main"]);
    r.git(["-c", "gc.writeCommitGraph=false", "repack", "-a", "-d", "-q"]);
    // The history is cut at commit 1,000: `--graft` with no parent replaces it.
    let text = std::fs::read_to_string(&marks).expect("marks file");
    let cut = text.lines().find_map(|l| l.strip_prefix(":1000 ")).expect("mark 1000").to_owned();
    r.git(["replace", "--graft", &cut]);
    let want: u64 = r.git(["rev-list", "--count", "HEAD"]).trim().parse().expect("a count");
    assert_eq!(want, 2001, "git reads the replacement");

    let out = r.run_env(
        ["plan", "-vv", "--format", "json"],
        &[("GIT_RELEASE_TAG_FORMAT", "none-{version}")],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["packages"][0]["commits"].as_u64(), Some(want), "{}", out.stderr);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    assert!(out.stderr.contains("decoded ahead") || cores < 2, "{}", out.stderr);
}

/// With a commit-graph the walk reads no message, and the plan reads the range's messages in
/// pack order (`git::bulk`) or by id. Spread over two packs and loose objects, and then with
/// a commit `refs/replace/` replaces, every reason must carry the message git shows.
#[test]
fn messages_from_two_packs_loose_objects_and_a_replacement_match_git_with_a_commit_graph() {
    let r = TestRepo::new();
    let import = |from: usize, to: usize| {
        let mut stream = String::new();
        for n in from..=to {
            let message = format!("fix: change {n}");
            let _ = write!(
                stream,
                "commit refs/heads/main\nmark :{n}\ncommitter A <a@example.com> {} +0000\ndata {}\n{message}\n",
                START + 60 * i64::try_from(n).expect("small"),
                message.len()
            );
            if n > from {
                let _ = writeln!(stream, "from :{}", n - 1);
            } else if from > 1 {
                let _ = writeln!(stream, "from refs/heads/main^0");
            }
        }
        git_with_input(&r, &["fast-import", "--quiet"], &stream);
    };
    import(1, 3000);
    r.git(["-c", "gc.writeCommitGraph=false", "repack", "-a", "-d", "-q"]);
    import(3001, 4500); // a second pack, as fast-import leaves it
    r.git(["update-ref", "--no-deref", "HEAD", "refs/heads/main"]);
    for n in 1..=3 {
        r.git(["commit", "-q", "--allow-empty", "-m", &format!("fix: loose {n}")]);
    }
    let packs = std::fs::read_dir(r.path().join(".git/objects/pack"))
        .expect("pack dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "idx")))
        .count();
    assert_eq!(packs, 2, "two packs");
    r.git(["commit-graph", "write", "--reachable"]);

    let check = |label: &str| {
        let out = r.run_env(
            ["plan", "-vv", "--format", "json"],
            &[("GIT_RELEASE_TAG_FORMAT", "none-{version}")],
        );
        assert_eq!(out.code, 0, "{label}: {}", out.stderr);
        let log = r.git(["log", "--format=%H %s", "HEAD"]);
        let subject_of: std::collections::HashMap<&str, &str> =
            log.lines().filter_map(|l| l.split_once(' ')).collect();
        let json = out.json();
        let reasons = json["packages"][0]["reasons"].as_array().expect("reasons");
        assert_eq!(reasons.len(), subject_of.len(), "{label}: one reason per commit");
        let wrong: Vec<String> = reasons
            .iter()
            .filter_map(|reason| {
                let commit = reason["commit"].as_str().expect("commit");
                let summary = reason["summary"].as_str().expect("summary");
                (subject_of.get(commit) != Some(&summary)).then(|| {
                    format!("{commit}: `{summary}`, git says {:?}", subject_of.get(commit))
                })
            })
            .collect();
        assert!(wrong.is_empty(), "{label}:\n{}", wrong.join("\n"));
        out.stderr
    };
    let stderr = check("two packs and loose objects");
    assert!(stderr.contains("by commit-graph generation number"), "{stderr}");

    // Commit 2,000 is replaced by one with the same parent and tree and another message.
    let original = r.git(["rev-parse", "HEAD~2503"]).trim().to_owned();
    let body = r.git(["cat-file", "commit", &original]);
    let replacement_text = body.replace("fix: change 2000", "fix: the replacement of 2000");
    assert_ne!(body, replacement_text, "commit 2000 is HEAD~2503");
    let replacement =
        git_with_input(&r, &["hash-object", "-t", "commit", "-w", "--stdin"], &replacement_text);
    r.git(["replace", &original, replacement.trim()]);
    let stderr = check("a replaced commit");
    // As git does (commit-graph.c, `commit_graph_compatible`), the graph is not used once a
    // commit is replaced: the walk reads, and classifies, every commit itself.
    assert!(stderr.contains("by committer date"), "{stderr}");
}
