#!/usr/bin/env python3
"""Does calibrating on a project's older releases predict its newer ones? (issue 16)

For each fixture of ../shared/fixtures (or $GIT_RELEASE_FIXTURES):

1. replay it into a temporary repository (replay.py);
2. list its scored release pairs, oldest first (`git release calibrate --format json`), and cut
   them: the older 60% to learn from, the newer 40% to predict;
3. with the newer releases' tags removed, run `git release calibrate --write` on the older 60%
   (the learned configuration), and score a grid of fixed configurations on the same older 60%;
4. put the tags back and predict every newer release with `git release plan`, as a user would
   have: HEAD at the release's commit, that tag and the later tags of its line deleted.

It prints, per fixture and pooled over the three, how often `plan` agreed with what shipped
(by bump level) under the defaults, under the best single fixed configuration chosen on the
pooled older 60%, and under each fixture's calibrated configuration.

Usage: python3 benches/calibrate.py [--bin PATH] [--keep DIR]
Needs python3, git and a built git-release (default: target/release, then target/debug).
"""

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.environ.get("GIT_RELEASE_FIXTURES", os.path.join(ROOT, "..", "shared", "fixtures"))

# The release lines of each fixture (fixtures README): name, path, tag format.
LINES = {
    "cocogitto": [("cocogitto", ".", "{version}")],
    "semantic-release": [("semantic-release", ".", "v{version}")],
    "release-plz": [
        ("release-plz", "crates/release_plz", "release-plz-v{version}"),
        ("release_plz_core", "crates/release_plz_core", "release_plz_core-v{version}"),
        ("cargo_utils", "crates/cargo_utils", "cargo_utils-v{version}"),
        ("git_cmd", "crates/git_cmd", "git_cmd-v{version}"),
        ("next_version", "crates/next_version", "next_version-v{version}"),
        ("test_logs", "crates/test_logs", "test_logs-v{version}"),
    ],
}

# The fixed configurations a user could pick without calibrating: each a [bump] table and
# release.first_parent.
GRID = [
    {"feat_before_1_0": f, "breaking_before_1_0": b, "other": o, "first_parent": fp}
    for f, b, o, fp in itertools.product(
        ["minor", "patch"], ["minor", "major"], ["none", "patch"], [False, True]
    )
]
DEFAULTS = {"feat_before_1_0": "minor", "breaking_before_1_0": "minor", "other": "none",
            "first_parent": False}

LEVELS = ["none", "patch", "minor", "major"]


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    e.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})
    return e


def run(cmd, cwd, check=True):
    out = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True)
    if check and out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    return out


def config_text(fixture, fixed=None):
    """A release.toml for the fixture's lines, with a fixed configuration if given."""
    lines = LINES[fixture]
    text = ""
    if fixed is not None:
        text += f"[release]\nfirst_parent = {'true' if fixed['first_parent'] else 'false'}\n"
        if len(lines) == 1 and lines[0][1] == ".":
            text += f"tag_format = \"{lines[0][2]}\"\n"
        text += "\n[bump]\n"
        for key in ("feat_before_1_0", "breaking_before_1_0", "other"):
            text += f"{key} = \"{fixed[key]}\"\n"
    elif len(lines) == 1 and lines[0][1] == ".":
        text += f"[release]\ntag_format = \"{lines[0][2]}\"\n"
    if not (len(lines) == 1 and lines[0][1] == "."):
        for name, path, fmt in lines:
            text += f"\n[[package]]\nname = \"{name}\"\npath = \"{path}\"\ntag_format = \"{fmt}\"\n"
    return text


def parse_version(text):
    core, _, pre = text.partition("-")
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return (int(parts[0]), int(parts[1]), int(parts[2]), pre)


def version_of(tag, lines):
    for name, _path, fmt in lines:
        prefix, _, suffix = fmt.partition("{version}")
        if tag.startswith(prefix) and tag.endswith(suffix):
            v = parse_version(tag[len(prefix):len(tag) - len(suffix) if suffix else None])
            if v:
                return name, v
    return None


def order(v):
    """Semver order of a parsed version: a prerelease sorts below its release."""
    return (v[0], v[1], v[2], 0 if v[3] else 1, v[3])


def level_between(a, b):
    if a[0] != b[0]:
        return "major"
    if a[1] != b[1]:
        return "minor"
    if a[2] != b[2]:
        return "patch"
    return "none"


def calibrate(binary, repo, cfg, write=False):
    cmd = [binary, "-C", repo, "--config", cfg, "calibrate", "--format", "json"]
    if write:
        cmd.append("--write")
    return json.loads(run(cmd, repo).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin")
    ap.add_argument("--keep")
    args = ap.parse_args()
    binary = args.bin
    if not binary:
        for profile in ("release", "debug"):
            target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
            candidate = os.path.join(target, profile, "git-release")
            if os.path.exists(candidate):
                binary = candidate
                break
    if not binary:
        sys.exit("build git-release first (cargo build --release)")
    scratch = args.keep or tempfile.mkdtemp(prefix="calibrate-bench-")
    os.makedirs(scratch, exist_ok=True)

    results = {}
    older_scores = {}  # fixture -> grid index -> agreements on the older 60%
    for fixture in LINES:
        repo = os.path.join(scratch, fixture)
        if not os.path.isdir(repo):
            run([sys.executable, os.path.join(FIXTURES, "replay.py"),
                 os.path.join(FIXTURES, fixture + ".jsonl"), repo], scratch)
        snapshot = run(["git", "for-each-ref", "refs/tags",
                        "--format=%(refname:short) %(objectname) %(*objectname)"], repo).stdout
        tags = {}
        for line in snapshot.splitlines():
            parts = line.split()
            tags[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else parts[1])
        TAGS[fixture] = tags
        times = dict(
            line.split() for line in run(
                ["git", "log", "--no-walk", "--format=%H %ct"] + sorted({c for _, c in tags.values()}),
                repo).stdout.splitlines())
        cfg_plain = os.path.join(scratch, fixture + "-defaults.toml")
        with open(cfg_plain, "w") as f:
            f.write(config_text(fixture))

        started = time.time()
        full = calibrate(binary, repo, cfg_plain)
        full_seconds = time.time() - started
        scored = full["scored"]
        cut = (len(scored) * 6) // 10
        older, newer = scored[:cut], scored[cut:]
        cut_time = older[-1]["time"]

        # The older 60%: remove every tag of a line made after the cut.
        lines = LINES[fixture]
        later = [t for t in tags if version_of(t, lines) and int(times[tags[t][1]]) > cut_time]
        for t in later:
            run(["git", "tag", "-d", t], repo)
        learned_cfg = os.path.join(scratch, fixture + "-learned.toml")
        with open(learned_cfg, "w") as f:
            f.write(config_text(fixture))
        learned_report = calibrate(binary, repo, learned_cfg, write=True)
        older_scores[fixture] = []
        for i, fixed in enumerate(GRID):
            cfg = os.path.join(scratch, f"{fixture}-grid{i}.toml")
            with open(cfg, "w") as f:
                f.write(config_text(fixture, fixed))
            older_scores[fixture].append(calibrate(binary, repo, cfg)["in_sample"]["current"])
        for t in later:
            run(["git", "update-ref", "refs/tags/" + t, tags[t][0]], repo)
        results[fixture] = {
            "repo": repo, "newer": newer, "older": len(older), "learned_cfg": learned_cfg,
            "changes": learned_report["changes"], "seconds": full_seconds,
            "pairs": len(scored), "commits_read": full["commits_read"],
        }

    # The best single fixed configuration, chosen on the pooled older 60%.
    best = max(range(len(GRID)), key=lambda i: (sum(s[i] for s in older_scores.values()),
                                                 GRID[i] == DEFAULTS))
    print(f"best fixed configuration on the older 60%: {GRID[best]}")

    pooled = {"defaults": [0, 0], "best fixed": [0, 0], "calibrated": [0, 0]}
    for fixture, r in results.items():
        repo = r["repo"]
        cfgs = {"defaults": os.path.join(scratch, fixture + "-defaults.toml"),
                "best fixed": os.path.join(scratch, f"{fixture}-grid{best}.toml"),
                "calibrated": r["learned_cfg"]}
        agree = {k: 0 for k in cfgs}
        deleted = []
        lines = LINES[fixture]
        # Newest first, so the deletions of later tags accumulate.
        for pair in sorted(r["newer"], key=lambda p: p["time"], reverse=True):
            to_tag, from_tag = pair["to_tag"], pair["from_tag"]
            name, to_v = version_of(to_tag, lines)
            _, from_v = version_of(from_tag, lines)
            # Delete this tag and every later tag of the line.
            for t in list(run(["git", "tag", "--list"], repo).stdout.split()):
                hit = version_of(t, lines)
                if hit and hit[0] == name and order(hit[1]) >= order(to_v):
                    run(["git", "tag", "-d", t], repo)
                    deleted.append(t)
            target = TAGS[fixture][to_tag][1]
            run(["git", "update-ref", "refs/heads/score", target], repo)
            run(["git", "symbolic-ref", "HEAD", "refs/heads/score"], repo)
            # A whole-repository line is the only package: its name comes from its manifest.
            only = [] if lines[0][1] == "." else [name]
            for key, cfg in cfgs.items():
                out = run([binary, "-C", repo, "--config", cfg, "plan", "--format", "json"] + only,
                          repo, check=False)
                level = "none"
                if out.returncode == 0:
                    row = json.loads(out.stdout)["packages"][0]
                    if row.get("next_version"):
                        nv = parse_version(row["next_version"])
                        level = level_between(from_v, nv) if nv else "none"
                agree[key] += level == pair["shipped"]
        for t in deleted:
            run(["git", "update-ref", "refs/tags/" + t, TAGS[fixture][t][0]], repo)
        run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], repo)
        n = len(r["newer"])
        print(f"\n{fixture}: {r['pairs']} pairs ({r['commits_read']} commits), calibrate took "
              f"{r['seconds']:.2f} s on the whole history; learned on the older {r['older']}, "
              f"predicting the newer {n} with plan")
        print("  learned: " + (", ".join(f"{c['key']} {c['from']} → {c['to']}"
                                          for c in r["changes"]) or "no change"))
        for key in cfgs:
            print(f"  {key:<11} {agree[key]:>4}/{n}  {100.0 * agree[key] / max(n, 1):5.1f}%")
            pooled[key][0] += agree[key]
            pooled[key][1] += n

    print("\npooled over the fixtures (newer 40% predicted by plan):")
    for key, (a, n) in pooled.items():
        print(f"  {key:<11} {a:>4}/{n}  {100.0 * a / max(n, 1):5.1f}%")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)


# fixture -> tag name -> (ref target, peeled commit)
TAGS = {}


if __name__ == "__main__":
    main()
