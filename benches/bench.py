#!/usr/bin/env python3
"""Benchmark `git-release` against plain `git` on generated repositories.

What is measured, and why
-------------------------
DESIGN.md ("Performance budget") states the budgets as *ratios* to what `git` itself needs
for the same job, measured in one run on the same machine, so that they hold on any machine:

=========  =================================================  ================================
case       git-release                                        baseline (the same job in git)
=========  =================================================  ================================
single     ``plan --format json``: one package, 100,000       ``git log --format=%B TAG..HEAD``
           commits, 20,000 since the last tag                 budget 1.3x; peak RSS < 100 MB
monorepo   ``plan --format json``: 50 packages, 50,000        ``git log --name-only OLDEST..HEAD``
           commits, last tags spread over the last ~10,000    (OLDEST = the oldest of the 50
                                                              last tags); budget 2x, and peak
                                                              RSS no more than git's walk
tags       ``plan --format json`` with 20,000 release tags    ``git for-each-ref refs/tags``
                                                              budget 3x
hooks      ``hook pre-push`` for one tag / for no tag in a    absolute: 20 ms / 5 ms
(--hooks)  100,000-commit repository with 10,000 tags
check      ``check --format json`` on the ``monorepo``        ``plan --format json`` on the same
           repository (with a bare ``origin`` and ``main``    repository; budget 1.5x (issue 4:
           tracking it, so every check runs, ls-remote too)   the checks share the plan's walk)
changelog  ``changelog --all --format json``: every release   ``git log --format=%B`` over the
(--only    of a 100,000-commit history with 1,000 release     whole history; budget 2x (issue 5)
changelog) tags, rebuilt in one walk
=========  =================================================  ================================

When ``git-cliff`` and ``cog`` are on PATH, ``git cliff --bumped-version`` and
``cog bump --auto --dry-run`` run on the ``single`` repository too: git-release must be
ahead of them (ratio below 1).

Every command is run as a whole process (start-up included), stdout to /dev/null, stdin
from a file. Each is run once to warm the page cache, then N times (default 7) interleaved
with its baseline so that drift on the machine hits both alike; the table shows medians.
Peak memory is ``ru_maxrss`` from ``os.wait4`` on the child: on Linux the largest resident
set of the child or of any descendant it waited for, in KiB. Commands are forked by a small
helper process (see SPAWNER) so that the figure is not inflated by this script's own size.
Nothing in the table is hard-coded: every figure comes from a measurement in the same run.

The repositories are generated with ``git fast-import`` from a seeded random generator, with
a fixed identity and a timestamp that grows by 60 s per commit, so every run of the
generator produces the same commits (the same SHA-1s). After the import the repository is
``git gc``-ed (packed objects, packed refs, commit-graph), like a real clone after
maintenance, and checked out so the working tree is clean. A parameter file beside each
repository lets later runs reuse it; ``--regen`` rebuilds.

Usage: ``python3 benches/bench.py [--quick] [--runs N] [--only CASE] [--hooks] [--check]``
(see ``--help``). The exit status is 0 whatever the figures, unless ``--check`` is given:
then 1 when a budget is exceeded or a command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent

# Bump when the generated history changes, so that stale repositories are rebuilt.
GENERATOR_VERSION = 2

BASE_TS = 1_600_000_000
TS_STEP = 60
IDENT = "Bench Bot <bench@example.com>"
ZERO_SHA = "0" * 40

# A hermetic git environment for the generator and for every measured command: no user or
# system config (aliases, log.showSignature, pagers…) may change what is measured.
HERMETIC_ENV = dict(
    os.environ,
    GIT_CONFIG_NOSYSTEM="1",
    GIT_CONFIG_GLOBAL=os.devnull,
    GIT_TERMINAL_PROMPT="0",
    LC_ALL="C",
    TZ="UTC",
)
for _var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
             "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CEILING_DIRECTORIES", "GIT_PAGER", "PAGER"):
    HERMETIC_ENV.pop(_var, None)


# --------------------------------------------------------------------------------------
# Commit messages
# --------------------------------------------------------------------------------------

_TYPES = [("feat", 22), ("fix", 28), ("chore", 10), ("docs", 8), ("refactor", 8),
          ("test", 6), ("perf", 3), ("ci", 3), ("build", 3), ("style", 2), ("revert", 1)]
_VERBS = ["add", "handle", "support", "remove", "avoid", "update", "simplify", "rework",
          "document", "validate", "cache", "reject", "allow", "clarify", "speed up", "guard"]
_OBJECTS = ["empty input", "trailing whitespace", "unicode paths", "the config loader",
            "long lines", "missing files", "nested scopes", "the error message",
            "windows line endings", "a race in the writer", "duplicate keys", "the help text",
            "symlinked folders", "large inputs", "the retry loop", "default values",
            "the progress bar", "an off-by-one in the parser", "stale entries", "the cli flags"]
_BODY = ["The previous behaviour surprised users who relied on the documented default.",
         "This keeps the fast path allocation-free and moves the rare case out of line.",
         "Found while reviewing the output of the nightly run; a regression test is added.",
         "No functional change for existing configurations.",
         "The old code path is kept behind a flag for one release.",
         "See the discussion in the linked issue for the alternatives considered."]
_NONCONV = ["Update README.md", "WIP", "fix typo", "Bump serde from 1.0.{n} to 1.0.{m}",
            "Merge branch 'main' into topic-{n}", "address review comments", "cleanup",
            "Initial work on {o}", "more tests", "Revert \"wip\""]


class Messages:
    """Deterministic, realistic mix of Conventional Commits and plain messages."""

    def __init__(self, rng: random.Random, scopes: list[str]):
        self.rng = rng
        self.scopes = scopes
        self.types = [t for t, _ in _TYPES]
        self.weights = [w for _, w in _TYPES]

    def subject(self, scope: Optional[str] = None) -> str:
        rng = self.rng
        if rng.random() < 0.06:
            return rng.choice(_NONCONV).format(n=rng.randrange(1, 200), m=rng.randrange(200, 400),
                                               o=rng.choice(_OBJECTS))
        kind = rng.choices(self.types, self.weights)[0]
        if scope is None and rng.random() < 0.6:
            scope = rng.choice(self.scopes)
        head = kind + (f"({scope})" if scope else "")
        if kind == "revert":
            return f'{head}: "{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"'
        # A `type!:` is rare: a handful in 20,000 commits, as in a real project.
        bang = "!" if kind in ("feat", "refactor") and rng.random() < 0.002 else ""
        return f"{head}{bang}: {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"

    def message(self, scope: Optional[str] = None) -> str:
        rng = self.rng
        msg = self.subject(scope) + "\n"
        if rng.random() < 0.3:
            msg += "\n" + "\n".join(rng.sample(_BODY, rng.randint(1, 3))) + "\n"
        footers = []
        if rng.random() < 0.1:
            footers.append(f"Refs: #{rng.randrange(1, 5000)}")
        if rng.random() < 0.001:
            footers.append("BREAKING CHANGE: the old configuration key is no longer read")
        if rng.random() < 0.04:
            footers.append("Co-authored-by: Other Dev <other@example.com>")
        if footers:
            msg += "\n" + "\n".join(footers) + "\n"
        return msg


def versions(count: int, rng: random.Random, minor_prob: float, start=(0, 1, 0)) -> list[str]:
    """`count` increasing versions from `start`: a minor bump with probability `minor_prob`,
    otherwise a patch bump."""
    major, minor, patch = start
    out = [f"{major}.{minor}.{patch}"]
    while len(out) < count:
        if rng.random() < minor_prob:
            minor, patch = minor + 1, 0
        else:
            patch += 1
        out.append(f"{major}.{minor}.{patch}")
    return out


def bump_minor(version: str) -> str:
    major, minor, _ = (int(x) for x in version.split("."))
    return f"{major}.{minor + 1}.0"


# --------------------------------------------------------------------------------------
# fast-import stream
# --------------------------------------------------------------------------------------

class FastImport:
    """Writes a fast-import stream straight into `git fast-import`'s stdin."""

    def __init__(self, repo: Path):
        self.proc = subprocess.Popen(
            ["git", "-C", str(repo), "fast-import", "--quiet", "--done"],
            stdin=subprocess.PIPE, bufsize=1 << 20,
            # glibc returns memory to the kernel after nearly every object fast-import
            # compresses (one brk per object); a higher trim threshold makes the import
            # 2-3 times faster. Other C libraries ignore the variable.
            env=dict(HERMETIC_ENV, GLIBC_TUNABLES="glibc.malloc.trim_threshold=268435456:"
                                                  "glibc.malloc.top_pad=67108864"))
        self.out = self.proc.stdin
        self.next_mark = 1
        self.commits = 0
        self.tags = 0

    def _data(self, text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n%s\n" % (len(raw), raw)

    def commit(self, ref: str, index: int, message: str, changes: dict[str, str],
               from_mark: Optional[int] = None, merge_mark: Optional[int] = None) -> int:
        """Commit number `index` (1-based, sets the time) on `ref`; returns its mark."""
        mark = self.next_mark
        self.next_mark += 1
        ts = BASE_TS + index * TS_STEP
        parts = [b"commit %s\nmark :%d\nauthor %s %d +0000\ncommitter %s %d +0000\n"
                 % (ref.encode(), mark, IDENT.encode(), ts, IDENT.encode(), ts),
                 self._data(message)]
        if from_mark is not None:
            parts.append(b"from :%d\n" % from_mark)
        if merge_mark is not None:
            parts.append(b"merge :%d\n" % merge_mark)
        for path, content in changes.items():
            parts.append(b"M 100644 inline %s\n" % path.encode())
            parts.append(self._data(content))
        parts.append(b"\n")
        self.out.write(b"".join(parts))
        self.commits += 1
        return mark

    def tag(self, name: str, mark: int, index: int, message: Optional[str]) -> None:
        """An annotated tag when `message` is given, else a lightweight one."""
        if message is None:
            self.out.write(b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), mark))
        else:
            ts = BASE_TS + index * TS_STEP + 30
            self.out.write(b"tag %s\nfrom :%d\ntagger %s %d +0000\n%s"
                           % (name.encode(), mark, IDENT.encode(), ts, self._data(message)))
        self.tags += 1

    def finish(self) -> None:
        self.out.write(b"done\n")
        self.out.close()
        if self.proc.wait() != 0:
            raise SystemExit(f"git fast-import failed with exit code {self.proc.returncode}")


@dataclass
class Release:
    """What happens at one commit index: optional message and file changes replacing the
    ordinary commit, and the tags to put on it: (name, annotated message or None)."""
    message: Optional[str]
    changes: dict[str, str]
    tags: list[tuple[str, Optional[str]]]


def build_history(fi: FastImport, rng: random.Random, n: int, initial: dict[str, str],
                  ordinary: Callable[[int], tuple[str, dict[str, str]]],
                  releases: dict[int, Release], topic_prob: float) -> None:
    """Emits exactly `n` commits on refs/heads/main, numbered 1..n (commit 1 = `initial`).

    Most commits go straight on main. With probability `topic_prob` a short topic branch
    (1-4 commits) forks from main and is merged back with a merge commit whose first parent
    is main, as a forge's merge button does. Commits listed in `releases` are always on
    main, so `git rev-list --count T..HEAD` is exactly `n - index(T)` for a tag T.
    """
    main = fi.commit("refs/heads/main", 1, "chore: initial import\n", initial)
    i = 2
    while i <= n:
        if i in releases:
            rel = releases[i]
            msg, changes = ordinary(i)
            if rel.message is not None:
                msg, changes = rel.message, {}
            changes.update(rel.changes)
            main = fi.commit("refs/heads/main", i, msg, changes)
            for name, tag_msg in rel.tags:
                fi.tag(name, main, i, tag_msg)
            i += 1
            continue
        k = rng.randint(1, 4)
        if (rng.random() < topic_prob and i + k <= n
                and not any(j in releases for j in range(i, i + k + 1))):
            tip, final = main, {}
            subjects = []
            for j in range(k):
                msg, changes = ordinary(i + j)
                tip = fi.commit("refs/heads/bench-topic", i + j, msg, changes,
                                from_mark=tip if j == 0 else None)
                final.update(changes)
                subjects.append(msg.splitlines()[0])
            number = rng.randrange(100, 9000)
            merge_msg = (f"Merge pull request #{number} from dev/topic-{number}\n\n"
                         f"{subjects[0]}\n")
            main = fi.commit("refs/heads/main", i + k, merge_msg, final, merge_mark=tip)
            i += k + 1
            continue
        msg, changes = ordinary(i)
        main = fi.commit("refs/heads/main", i, msg, changes)
        i += 1


def file_content(path: str, index: int, rng: random.Random) -> str:
    lines = [f"// {path}", f"// revision {index}"]
    lines += [f"fn item_{rng.randrange(1000)}() -> u32 {{ {rng.randrange(1 << 16)} }}"
              for _ in range(rng.randint(2, 6))]
    return "\n".join(lines) + "\n"


def cargo_toml(name: str, version: str, deps: list[str] = ()) -> str:
    text = (f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n'
            f'description = "benchmark package {name}"\nlicense = "MIT"\n')
    if deps:
        text += "\n[dependencies]\n" + "".join(f'{d} = {{ path = "../{d}" }}\n' for d in deps)
    return text


# --------------------------------------------------------------------------------------
# The repositories
# --------------------------------------------------------------------------------------

def scaled(quick: bool) -> int:
    return 10 if quick else 1


def params_for(name: str, quick: bool) -> dict:
    s = scaled(quick)
    if name == "single":
        return dict(kind="single", commits=100_000 // s, last_tag_at=80_000 // s,
                    tag_every=2_000 // s, minor_prob=1.0, final_release=False)
    if name == "hooks":
        # `single` again, with 10,000 tags (one every 8 commits, then a release commit at
        # HEAD with a local, not yet pushed tag: the one the hook sees pushed).
        return dict(kind="single", commits=100_000 // s, last_tag_at=79_992 // s,
                    tag_every=8, minor_prob=0.1, final_release=True)
    if name == "monorepo":
        return dict(kind="monorepo", commits=50_000 // s, packages=50)
    if name == "changelog":
        # 100,000 commits, a release every 100 (1,000 tags, the last one at HEAD).
        return dict(kind="single", commits=100_000 // s, last_tag_at=100_000 // s,
                    tag_every=100 // s, minor_prob=0.3, final_release=False)
    if name == "tags":
        return dict(kind="tags", commits=25_000 // s, tags=20_000 // s)
    raise ValueError(name)


def gen_single(fi: FastImport, p: dict) -> dict:
    rng = random.Random(f"single-{p['commits']}-{p['tag_every']}")
    dirs = {"src/a": 60, "src/b": 60, "src/c": 40, "src/c/d": 30, "tests": 40, "docs": 30,
            "docs/guide": 20, "benches": 10, "examples": 20}
    paths = [f"{d}/f{j:03}.{'md' if d.startswith('docs') else 'rs'}"
             for d, count in dirs.items() for j in range(count)]
    msgs = Messages(rng, ["parser", "cli", "core", "io", "config", "api", "cache", "docs"])

    def ordinary(i):
        return msgs.message(), {path: file_content(path, i, rng)
                                for path in rng.sample(paths, rng.randint(1, 3))}

    tag_at = list(range(p["tag_every"], p["last_tag_at"] + 1, p["tag_every"]))
    vers = versions(len(tag_at), rng, p["minor_prob"])
    releases = {}
    for i, v in zip(tag_at, vers):
        releases[i] = Release(f"chore(release): v{v}\n", {"Cargo.toml": cargo_toml("single", v)},
                              [(f"v{v}", f"single v{v}\n")])
    meta = {"last_tag": f"v{vers[-1]}", "range_from": f"v{vers[-1]}", "tags": len(tag_at)}
    if p["final_release"]:
        nxt = bump_minor(vers[-1])
        releases[p["commits"]] = Release(f"chore(release): v{nxt}\n",
                                         {"Cargo.toml": cargo_toml("single", nxt)},
                                         [(f"v{nxt}", f"single v{nxt}\n")])
        meta.update(push_tag=f"v{nxt}", tags=len(tag_at) + 1)
    initial = {"Cargo.toml": cargo_toml("single", "0.1.0"),
               "README.md": "# single\n\nA benchmark repository.\n",
               "src/lib.rs": "//! single\n"}
    build_history(fi, rng, p["commits"], initial, ordinary, releases, topic_prob=0.03)
    return meta


def gen_monorepo(fi: FastImport, p: dict) -> dict:
    n, npkg = p["commits"], p["packages"]
    rng = random.Random(f"monorepo-{n}-{npkg}")
    names = [f"pkg{k:02}" for k in range(npkg)]
    pkg_paths = {name: [f"crates/{name}/src/lib.rs", f"crates/{name}/README.md"]
                 + [f"crates/{name}/src/m{j}.rs" for j in range(9)]
                 + [f"crates/{name}/tests/t{j}.rs" for j in range(3)] for name in names}
    root_paths = ["README.md", "CONTRIBUTING.md", ".github/workflows/ci.yml", "deny.toml",
                  "rust-toolchain.toml"]
    deps = {name: sorted(rng.sample(names[:k], min(k, rng.randint(0, 2))))
            for k, name in enumerate(names)}
    msgs = Messages(rng, ["deps", "ci", "api"])

    def ordinary(i):
        touched = rng.sample(names, 1 if rng.random() < 0.8 else 2)
        changes = {}
        for name in touched:
            for path in rng.sample(pkg_paths[name], rng.randint(1, 2)):
                changes[path] = file_content(path, i, rng)
        if rng.random() < 0.05:
            path = rng.choice(root_paths)
            changes[path] = file_content(path, i, rng)
        return msgs.message(scope=touched[0] if rng.random() < 0.7 else None), changes

    # Per-package release indices: the last one between n/100 and n/5 commits before HEAD
    # (so somewhere in the last ~10,000 of 50,000), earlier ones every n/30 to n/8 commits.
    releases: dict[int, Release] = {}
    last_tags = {}
    for k, name in enumerate(names):
        at = [n - rng.randint(n // 100, n // 5)]
        step = rng.randint(n // 30, n // 8)
        while at[-1] - step > n // 50:
            at.append(at[-1] - step)
        at.reverse()
        start = (1, 0, 0) if k % 7 == 0 else (0, 1, 0)
        for i, v in zip(at, versions(len(at), rng, 0.7, start)):
            while i in releases:  # two packages on one commit: take the next free one
                i = i + 1 if i < n else n // 2
            tag = f"{name}/v{v}"
            releases[i] = Release(f"chore(release): {name} v{v}\n",
                                  {f"crates/{name}/Cargo.toml": cargo_toml(name, v, deps[name])},
                                  [(tag, f"{name} v{v}\n")])
            last_tags[name] = (i, tag)
    initial = {"Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n',
               "release.toml": "".join(
                   f'[[package]]\nname = "{name}"\npath = "crates/{name}"\n'
                   f'tag_format = "{name}/v{{version}}"\n\n' for name in names),
               **{path: f"# {path}\n" for path in root_paths}}
    for k, name in enumerate(names):
        first = "1.0.0" if k % 7 == 0 else "0.1.0"
        initial[f"crates/{name}/Cargo.toml"] = cargo_toml(name, first, deps[name])
        initial[f"crates/{name}/src/lib.rs"] = f"//! {name}\n"
    build_history(fi, rng, n, initial, ordinary, releases, topic_prob=0.03)
    oldest = min(last_tags.values())
    newest = max(last_tags.values())
    return {"range_from": oldest[1], "oldest_last_tag_at": oldest[0],
            "newest_last_tag_at": newest[0], "tags": sum(len(r.tags) for r in releases.values())}


def gen_tags(fi: FastImport, p: dict) -> dict:
    n, ntags = p["commits"], p["tags"]
    rng = random.Random(f"tags-{n}-{ntags}")
    paths = [f"src/{d}/f{j:02}.rs" for d in "abcde" for j in range(40)]
    msgs = Messages(rng, ["parser", "cli", "core", "io"])

    def ordinary(i):
        return msgs.message(), {path: file_content(path, i, rng)
                                for path in rng.sample(paths, rng.randint(1, 3))}

    # Tags on `ntags` of the commits 2..n-10, so HEAD has a few unreleased commits; the
    # tagged commit is an ordinary commit that also sets the version (no release commit).
    at = sorted(rng.sample(range(2, n - 10), ntags))
    vers = versions(ntags, rng, 0.05, start=(0, 0, 1))
    releases = {}
    for i, v in zip(at, vers):
        annotated = rng.random() < 0.9
        releases[i] = Release(None, {"Cargo.toml": cargo_toml("tags", v)},
                              [(f"v{v}", f"tags v{v}\n" if annotated else None)])
    initial = {"Cargo.toml": cargo_toml("tags", "0.0.0"), "README.md": "# tags\n"}
    build_history(fi, rng, n, initial, ordinary, releases, topic_prob=0.0)
    return {"last_tag": f"v{vers[-1]}", "range_from": f"v{vers[-1]}", "last_tag_at": at[-1],
            "tags": ntags}


GENERATORS = {"single": gen_single, "monorepo": gen_monorepo, "tags": gen_tags}
# Cases measured on another case's repository.
REPO_OF = {"check": "monorepo", "single-nograph": "single", "maintenance": "tags",
           "maintenance-nograph": "tags"}


def git(repo: Path, *args: str, stdin: Optional[bytes] = None) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], input=stdin, env=HERMETIC_ENV,
                         check=True, stdout=subprocess.PIPE)
    return out.stdout.decode()


def ensure_repo(workdir: Path, name: str, quick: bool, regen: bool) -> tuple[Path, dict]:
    """Returns the repository and its metadata, generating it unless an identical one exists."""
    dirname = name + ("-quick" if quick else "")
    repo = workdir / dirname
    marker = workdir / f"{dirname}.params.json"
    params = dict(params_for(name, quick), generator=GENERATOR_VERSION)
    if not regen and marker.exists() and repo.is_dir():
        saved = json.loads(marker.read_text())
        if saved.get("params") == params:
            return repo, saved["meta"]
    if repo.exists():
        shutil.rmtree(repo)
    marker.unlink(missing_ok=True)
    repo.mkdir(parents=True)
    print(f"generating {dirname} ({params['commits']:,} commits) in {repo} …", flush=True)
    t0 = time.perf_counter()
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], env=HERMETIC_ENV, check=True)
    fi = FastImport(repo)
    meta = GENERATORS[params["kind"]](fi, params)
    fi.finish()
    t_import = time.perf_counter() - t0
    git(repo, "update-ref", "-d", "refs/heads/bench-topic")
    git(repo, "remote", "add", "origin", f"file://{workdir}/{dirname}-remote.git")
    git(repo, "gc", "--quiet")  # pack objects and refs, write the commit-graph
    git(repo, "reset", "--hard", "-q")  # a clean working tree at HEAD
    t_gc = time.perf_counter() - t0 - t_import

    # Check the result before trusting it.
    count = int(git(repo, "rev-list", "--count", "HEAD"))
    ntags = len(git(repo, "for-each-ref", "--format=%(refname)", "refs/tags").splitlines())
    if count != params["commits"] or ntags != meta["tags"] or fi.commits != count:
        raise SystemExit(f"{dirname}: expected {params['commits']} commits and {meta['tags']} "
                         f"tags, found {count} commits and {ntags} tags")
    if git(repo, "status", "--porcelain").strip():
        raise SystemExit(f"{dirname}: the working tree is not clean after checkout")
    # `range_from` is the start of "the commits since the last release": the last tag, or
    # in the monorepo the oldest of the packages' last tags.
    meta["range_commits"] = int(git(repo, "rev-list", "--count", f"{meta['range_from']}..HEAD"))
    if "push_tag" in meta:
        meta["push_tag_sha"] = git(repo, "rev-parse", f"refs/tags/{meta['push_tag']}").strip()
    meta["commits"] = count
    meta["head"] = git(repo, "rev-parse", "HEAD").strip()
    meta["generated_s"] = {"import": round(t_import, 1), "gc_checkout": round(t_gc, 1)}
    print(f"  {dirname}: {count:,} commits, {ntags:,} tags; fast-import {t_import:.1f} s, "
          f"gc + checkout {t_gc:.1f} s", flush=True)
    marker.write_text(json.dumps({"params": params, "meta": meta}, indent=2) + "\n")
    return repo, meta


# --------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------

# The measured commands are started by this small helper process, not by the benchmark
# itself. Linux counts in a process's ru_maxrss the resident set its address space had
# before exec, which is a copy of whoever forked it: forked from this script (~20 MB of
# Python) every command would report at least that much. Forked from a bare interpreter
# that imported only `os`, the floor is a few MB (measured with `true` at start-up and
# printed). The helper also keeps the benchmark's own work out of the timed span: it reads
# a request, takes the time, forks, execs, waits with wait4, takes the time, answers.
SPAWNER = r"""
import os, sys, time
for line in sys.stdin.buffer:
    cwd, fin, fout, ferr, *argv = line.rstrip(b"\n").split(b"\0")
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            for fd, path, flags in ((0, fin, os.O_RDONLY),
                                    (1, fout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                    (2, ferr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
                f = os.open(path, flags, 0o600)
                os.dup2(f, fd)
                os.close(f)
            if cwd:
                os.chdir(cwd)
            os.execvp(argv[0], argv)
        except BaseException as e:
            os.write(2, b"cannot run %s: %s\n" % (argv[0], str(e).encode()))
        os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    ms = (time.perf_counter() - t0) * 1000
    sys.stdout.buffer.write(b"%.4f %d %d\n" % (ms, usage.ru_maxrss, os.waitstatus_to_exitcode(status)))
    sys.stdout.buffer.flush()
"""


class Spawner:
    """Runs one command at a time through the SPAWNER helper."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", SPAWNER],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=HERMETIC_ENV)
        self.stderr = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".stderr")

    def run(self, argv: list[str], cwd: Optional[Path] = None, stdin: Optional[Path] = None,
            stdout: Optional[Path] = None) -> tuple[float, int, int, str]:
        """Runs `argv` once: (wall-clock ms, ru_maxrss KiB, exit code, stderr if it failed)."""
        fields = [cwd or "", stdin or os.devnull, stdout or os.devnull, self.stderr.name, *argv]
        self.proc.stdin.write(b"\0".join(os.fsencode(str(f)) for f in fields) + b"\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().split()
        if len(reply) != 3:
            raise SystemExit("error: the spawner helper died")
        ms, rss, code = float(reply[0]), int(reply[1]), int(reply[2])
        err = "" if code == 0 else Path(self.stderr.name).read_text(errors="replace").strip()
        return ms, rss, code, err

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()
        self.stderr.close()


@dataclass
class Cmd:
    """One command to measure, and what came of it."""
    label: str
    argv: list[str]
    cwd: Optional[Path] = None
    expect_json: bool = False
    # Exit codes that count as a run: `check` exits 1 when a check FAILs (on a generated
    # repository, `gh` and a noreply email are missing), having run every check.
    ok_codes: tuple[int, ...] = (0,)
    ms: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    error: Optional[str] = None
    output_note: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.ms)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.ms)

    @property
    def peak_kib(self) -> int:
        return max(self.rss_kib)

    def shell(self) -> str:
        prefix = f"cd {self.cwd} && " if self.cwd else ""
        return prefix + " ".join(a if a and " " not in a else repr(a) for a in self.argv)


def measure(sp: Spawner, cmds: list[Cmd], runs: int, stdin: Optional[Path] = None) -> None:
    """One warm-up run of each command (its output checked), then `runs` rounds in which
    the commands run one after the other, so that drift on the machine hits all alike."""
    for c in cmds:
        with tempfile.NamedTemporaryFile(prefix="bench-", suffix=".out") as out:
            _, _, code, err = sp.run(c.argv, c.cwd, stdin, Path(out.name))
            if code not in c.ok_codes:
                c.error = f"exit {code}: {err[:2000]}"
                continue
            if c.expect_json:
                text = Path(out.name).read_text(errors="replace")
                try:
                    data = json.loads(text)
                except ValueError as e:
                    c.error = f"stdout is not JSON ({e}): {text[:300]!r}"
                    continue
                c.output_note = summarize_plan(data, len(text))
    for _ in range(runs):
        for c in cmds:
            if c.error:
                continue
            ms, rss, code, err = sp.run(c.argv, c.cwd, stdin)
            if code not in c.ok_codes:
                c.error = f"exit {code} on a measured run: {err[:2000]}"
                continue
            c.ms.append(ms)
            c.rss_kib.append(rss)


def summarize_plan(data, size: int) -> str:
    """A line about what `plan` printed, to see that it walked what the baseline walks."""
    note = f"{size:,} bytes of JSON"
    pkgs = data.get("packages") if isinstance(data, dict) else None
    if isinstance(pkgs, list) and all(isinstance(p, dict) for p in pkgs):
        commits = [p["commits"] for p in pkgs if isinstance(p.get("commits"), int)]
        note += f", {len(pkgs)} package(s)"
        if commits:
            note += f", {sum(commits):,} commits in their ranges (largest {max(commits):,})"
        if len(pkgs) == 1 and "next_version" in pkgs[0]:
            note += f", next version {pkgs[0]['next_version']}"
    return note


@dataclass
class Row:
    case: str
    budget: str
    tool: Cmd
    baseline: Optional[Cmd] = None
    ratio: Optional[float] = None
    verdict: str = "ERROR"
    memory: bool = False  # a memory row: the ratio and verdict are about peak RSS


def time_row(case: str, tool: Cmd, base: Cmd, limit: float) -> Row:
    """Budget: median(tool) <= limit x median(baseline)."""
    row = Row(case, f"<= {limit:g}x", tool, base)
    if tool.ok and base.ok:
        row.ratio = tool.median_ms / base.median_ms
        row.verdict = "PASS" if row.ratio <= limit else "OVER"
    return row


def ahead_row(case: str, tool: Cmd, other: Cmd) -> Row:
    """Budget: git-release faster than another release tool. When the other tool itself
    fails on the generated repository the comparison is skipped, not failed."""
    row = Row(case, "< 1x (ahead)", tool, other)
    if tool.ok and not other.ok:
        row.verdict = "SKIP"
    elif tool.ok:
        row.ratio = tool.median_ms / other.median_ms
        row.verdict = "PASS" if row.ratio < 1 else "OVER"
    return row


def memory_row(case: str, tool: Cmd, base: Cmd, limit_mb: Optional[float]) -> Row:
    """Budget: peak RSS under `limit_mb`, or (None) no more than the baseline's."""
    budget = f"< {limit_mb:g} MB" if limit_mb else "<= git's RSS"
    row = Row(case, budget, tool, base, memory=True)
    if tool.ok and base.ok:
        row.ratio = tool.peak_kib / base.peak_kib
        ok = tool.peak_kib < limit_mb * 1024 if limit_mb else tool.peak_kib <= base.peak_kib
        row.verdict = "PASS" if ok else "OVER"
    return row


def latency_row(case: str, tool: Cmd, limit_ms: float) -> Row:
    row = Row(case, f"< {limit_ms:g} ms", tool)
    if tool.ok:
        row.verdict = "PASS" if tool.median_ms < limit_ms else "OVER"
    return row


def print_table(rows: list[Row], floor_kib: int) -> None:
    def ms(c: Optional[Cmd], row: Row) -> str:
        return "-" if c is None or not c.ok or row.memory else f"{c.median_ms:.1f}"

    def mb(c: Optional[Cmd]) -> str:
        if c is None or not c.ok:
            return "-"
        # At the floor, the figure is the helper's own size: the command used at most that.
        at_floor = c.peak_kib <= floor_kib * 1.02
        return ("<=" if at_floor else "") + f"{c.peak_kib / 1024:.1f}"

    header = ["case", "git-release ms", "baseline", "baseline ms", "ratio", "budget",
              "git-release RSS MB", "baseline RSS MB", "result"]
    table = [header]
    for row in rows:
        table.append([row.case, ms(row.tool, row), row.baseline.label if row.baseline else "-",
                      ms(row.baseline, row), "-" if row.ratio is None else f"{row.ratio:.2f}",
                      row.budget, mb(row.tool), mb(row.baseline), row.verdict])
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    for k, r in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))


def locate_binary(path: Optional[str]) -> Path:
    if path:
        binary = Path(path).resolve()
        if not binary.is_file():
            raise SystemExit(f"error: `{binary}` does not exist")
        return binary
    binary = ROOT / "target" / "release" / "git-release"
    if not binary.exists():
        print("target/release/git-release is missing: running `cargo build --release` …",
              flush=True)
        if subprocess.run(["cargo", "build", "--release"], cwd=ROOT).returncode != 0:
            raise SystemExit("error: `cargo build --release` failed; nothing to measure")
    sources = [p.stat().st_mtime for p in (ROOT / "src").rglob("*.rs")]
    if sources and binary.stat().st_mtime < max(sources):
        print(f"warning: `{binary}` is older than src/; run `cargo build --release` to "
              f"measure the current code", file=sys.stderr)
    return binary


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all CPUs busy during `seconds` while this script sleeps (Linux /proc/stat)."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return 0.0
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def run_cases(sp: Spawner, binary: str, cases: list[str], repos: dict, runs: int,
              notes: list[str]) -> list[Row]:
    rows: list[Row] = []

    def plan(repo: Path) -> Cmd:
        return Cmd("git-release plan", [binary, "-C", str(repo), "plan", "--format", "json"],
                   expect_json=True)

    def git_cmd(label: str, repo: Path, *args: str) -> Cmd:
        return Cmd(label, ["git", "-C", str(repo), *args])

    for case in cases:
        repo, meta = repos[case]
        if case == "single":
            tool = plan(repo)
            base = git_cmd("git log %B", repo, "log", "--format=%B", f"{meta['last_tag']}..HEAD")
            measure(sp, [tool, base], runs)
            rows += [time_row("single", tool, base, 1.3),
                     memory_row("single memory", tool, base, 100)]
            for name, argv in [("git-cliff", ["git", "cliff", "--bumped-version"]),
                               ("cog", ["cog", "bump", "--auto", "--dry-run"])]:
                if shutil.which(name) is None:
                    notes.append(f"{name}: not installed, comparison skipped")
                    continue
                tool2, other = plan(repo), Cmd(" ".join(argv[:2]), argv, cwd=repo)
                measure(sp, [tool2, other], runs)
                rows.append(ahead_row(f"single vs {name}", tool2, other))
        elif case == "monorepo":
            tool = plan(repo)
            base = git_cmd("git log --name-only", repo, "log", "--name-only",
                           f"{meta['range_from']}..HEAD")
            measure(sp, [tool, base], runs)
            rows += [time_row("monorepo", tool, base, 2.0),
                     memory_row("monorepo memory", tool, base, None)]
        elif case == "check":
            prepare_remote(repo)
            tool = Cmd("git-release check", [binary, "-C", str(repo), "check", "--format", "json"],
                       ok_codes=(0, 1))
            base = plan(repo)
            measure(sp, [tool, base], runs)
            rows.append(time_row("check vs plan", tool, base, 1.5))
        elif case == "single-nograph":
            # The same repository read as if git had written no commit-graph, by both.
            tool = Cmd("git-release plan", NO_GRAPH + [binary, "-C", str(repo), "plan", "--format",
                                                       "json"], expect_json=True)
            base = Cmd("git log %B", NO_GRAPH + ["git", "-C", str(repo), "log", "--format=%B",
                                                 f"{meta['last_tag']}..HEAD"])
            measure(sp, [tool, base], runs)
            rows += [time_row("single-nograph", tool, base, 1.3),
                     memory_row("single-nograph memory", tool, base, 100)]
        elif case in ("maintenance", "maintenance-nograph"):
            # HEAD at an old release, every newer tag in place: a maintenance branch.
            old = maintenance_worktree(repo, meta)
            env = NO_GRAPH if case.endswith("nograph") else []
            tool = Cmd("git-release plan", env + [binary, "-C", str(old), "plan", "--format",
                                                  "json"], expect_json=True)
            base = Cmd("git tag --merged HEAD", env + ["git", "-C", str(old), "tag", "--merged",
                                                       "HEAD"])
            measure(sp, [tool, base], runs)
            rows += [time_row(case, tool, base, 3.0),
                     memory_row(f"{case} memory", tool, base, 100)]
        elif case == "tags":
            tool = plan(repo)
            base = git_cmd("git for-each-ref", repo, "for-each-ref", "refs/tags")
            measure(sp, [tool, base], runs)
            rows.append(time_row("tags", tool, base, 3.0))
        elif case == "changelog":
            tool = Cmd("git-release changelog --all",
                       [binary, "-C", str(repo), "changelog", "--all", "--format", "json"])
            base = git_cmd("git log %B", repo, "log", "--format=%B", "HEAD")
            measure(sp, [tool, base], runs)
            rows.append(time_row("changelog --all", tool, base, 2.0))
        elif case == "hooks":
            rows += measure_hooks(sp, binary, repo, meta, runs)
        for row in rows:
            if row.case.startswith(case) and row.tool.output_note and not row.memory:
                notes.append(f"{row.case}: plan printed {row.tool.output_note}")
    return rows


# Both commands of a "nograph" case run as if git had written no commit-graph: git and gix
# both honour `core.commitGraph` (through `env`, so both pay for the same extra exec).
NO_GRAPH = ["env", "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=core.commitGraph",
            "GIT_CONFIG_VALUE_0=false"]


def maintenance_worktree(repo: Path, meta: dict) -> Path:
    """A linked worktree of the `tags` repository detached at the release a quarter of the
    way into its tags, so that three quarters of them (15,000 of 20,000) are newer and
    unreachable from HEAD."""
    tags = git(repo, "tag", "--list", "--sort=v:refname").split()
    old_tag = tags[len(tags) // 4]
    path = repo.parent / f"{repo.name}-maintenance"
    if path.is_dir() and git(path, "describe", "--tags", "--exact-match").strip() == old_tag:
        return path
    git(repo, "worktree", "prune")
    if path.exists():
        shutil.rmtree(path)
        git(repo, "worktree", "prune")
    git(repo, "worktree", "add", "--quiet", "--detach", str(path), old_tag)
    meta["maintenance_tag"] = old_tag
    return path


def prepare_remote(repo: Path) -> None:
    """Gives `repo` its bare `origin` (the URL `ensure_repo` configured) holding the same
    history and tags, and makes `main` track `origin/main`, so that `check` compares the
    branch with its upstream and reads the remote's tags as it would in a real clone."""
    url = git(repo, "remote", "get-url", "origin").strip()
    remote = Path(url.removeprefix("file://"))
    if not remote.exists():
        subprocess.run(["git", "clone", "--bare", "-q", str(repo), str(remote)],
                       env=HERMETIC_ENV, check=True)
    git(repo, "fetch", "-q", "origin")
    git(repo, "branch", "-q", "--set-upstream-to=origin/main", "main")


def measure_hooks(sp: Spawner, binary: str, repo: Path, meta: dict, runs: int) -> list[Row]:
    """`hook pre-push` latency, fed git's stdin line for a new tag, then for a branch."""
    tag = meta["push_tag"]
    lines = [("hook one tag", f"refs/tags/{tag} {meta['push_tag_sha']} refs/tags/{tag} "
                              f"{ZERO_SHA}\n", 20.0),
             ("hook no tag", f"refs/heads/main {meta['head']} refs/heads/main {ZERO_SHA}\n",
              5.0)]
    rows = []
    for case, line, limit in lines:
        with tempfile.NamedTemporaryFile("w", prefix="bench-", suffix=".stdin") as f:
            f.write(line)
            f.flush()
            tool = Cmd("git-release hook", [binary, "-C", str(repo), "hook", "pre-push",
                                            "origin", f"file://{repo}-remote.git"])
            measure(sp, [tool], runs, Path(f.name))
        rows.append(latency_row(case, tool, limit))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark git-release against git on generated repositories "
                    "(see the module docstring and benches/README.md).")
    ap.add_argument("--bin", help="git-release binary (default target/release/git-release, "
                                  "built with `cargo build --release` when missing)")
    ap.add_argument("--runs", type=int, default=7, help="measured runs per command (default 7)")
    ap.add_argument("--workdir", type=Path, default=ROOT / "target" / "bench-repos",
                    help="where the repositories are generated (default target/bench-repos)")
    ap.add_argument("--only", choices=["single", "single-nograph", "monorepo", "check", "tags",
                                       "maintenance", "maintenance-nograph", "hooks", "changelog"],
                    help="run one case only")
    ap.add_argument("--hooks", action="store_true",
                    help="also measure `hook pre-push` (generates the `hooks` repository)")
    ap.add_argument("--quick", action="store_true",
                    help="10x smaller repositories, for a smoke run")
    ap.add_argument("--regen", action="store_true", help="regenerate the repositories")
    ap.add_argument("--generate-only", action="store_true",
                    help="generate the repositories and stop (no binary needed)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a budget is exceeded or a command fails")
    ap.add_argument("--json", type=Path, help="also write the raw results to this JSON file")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    cases = [args.only] if args.only else ["single", "single-nograph", "monorepo", "check", "tags",
                                           "maintenance", "maintenance-nograph"] + (
        ["hooks"] if args.hooks else [])
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    # `check` measures on the `monorepo` repository; each repository is generated once.
    names = {c: REPO_OF.get(c, c) for c in cases}
    built = {n: ensure_repo(workdir, n, args.quick, args.regen) for n in dict.fromkeys(names.values())}
    repos = {c: built[names[c]] for c in cases}
    print(f"repositories ready in {time.perf_counter() - t0:.1f} s ({workdir})")
    for c in cases:
        meta = repos[c][1]
        print(f"  {repos[c][0].name}: {meta['commits']:,} commits, {meta['tags']:,} tags, "
              f"{meta['range_from']}..HEAD = {meta['range_commits']:,} commits")
    if args.generate_only:
        return 0

    binary = str(locate_binary(args.bin))
    sp = Spawner()
    try:
        _, floor_kib, _, _ = sp.run(["true"])
        busy = cpu_busy()
        print(f"git-release: {binary}\n{git(ROOT, 'version').strip()}, {os.cpu_count()} CPUs "
              f"({busy:.0%} busy before the runs); {args.runs} runs after 1 warm-up, medians; "
              f"RSS floor of the method {floor_kib / 1024:.1f} MB")
        if busy > 0.2:
            print("warning: other processes keep the machine busy; the figures may be noisy")
        notes: list[str] = []
        rows = run_cases(sp, binary, cases, repos, args.runs, notes)
    finally:
        sp.close()

    print()
    print_table(rows, floor_kib)
    print()
    for note in notes:
        print(note)
    seen = set()
    for row in rows:
        for c in (row.tool, row.baseline):
            if c is not None and c.error and id(c) not in seen:
                seen.add(id(c))
                print(f"{row.case}: `{c.shell()}` failed: {c.error}")
    if args.json:
        args.json.write_text(json.dumps([{
            "case": row.case, "budget": row.budget, "ratio": row.ratio, "verdict": row.verdict,
            "tool": {"argv": row.tool.argv, "ms": row.tool.ms, "rss_kib": row.tool.rss_kib,
                     "error": row.tool.error},
            "baseline": None if row.baseline is None else {
                "argv": row.baseline.argv, "ms": row.baseline.ms,
                "rss_kib": row.baseline.rss_kib, "error": row.baseline.error},
        } for row in rows], indent=2) + "\n")
    failed = any(row.verdict in ("OVER", "ERROR") for row in rows)
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
