#!/usr/bin/env python3
"""A stand-in for the GitHub CLI `gh`, for git-release's end-to-end tests.

Tests install it as an executable named `gh` first on PATH. It keeps a small fake forge
(pull requests, releases, issues, workflow runs) in a folder, does real git work where
GitHub would (a squash merge lands on the bare remote; a release creates its missing tag),
and fails on demand. Everything it does is deterministic.

Environment:
  GH_STANDIN_DIR       (required) its folder: `calls.jsonl` (one `{"argv", "cwd"}` line per
                       call, failing calls included), `state.json` (counters, PRs, releases,
                       issues, runs, rule counters), `lock` (serialises concurrent calls).
  GH_STANDIN_SCENARIO  (optional) a JSON file `{"rules": [...]}`, re-read on every call. A
                       rule `{"match": [...], "contains": "...", "fail": KIND, "times": N}`
                       makes the first N calls whose argv starts with `match` (and has an
                       element containing `contains`) fail as KIND; no `times` = always. The
                       first rule that matches and is not used up applies. `"cwd_contains"`
                       limits a rule to calls made in a folder whose path holds it (one
                       repository of several). Rule counters are
                       keyed by the scenario file's content and the rule's index, so a new
                       scenario starts from zero. Two kinds play a hostile or broken forge
                       rather than fail: `"answer"` prints the rule's `"stdout"` and exits
                       with its `"code"` (default 0) instead of doing the call; `"hang"`
                       sleeps `"seconds"` (default 3600) without holding the lock, then
                       exits 0 having printed nothing.

Output follows real gh where it matters to a caller: `--json` is compact with sorted keys,
errors go to stderr with gh's wording and exit codes (1 error, 4 auth). Messages that only
this stand-in prints start with `gh stand-in:`.
"""

import fcntl
import json
import os
import subprocess
import sys

# hashlib, shutil and tempfile are imported where they are needed: every call starts a new
# interpreter, and most calls need none of them.

OWNER = "test"

# Kinds of failure a scenario rule can ask for. The generic ones apply to any command; the
# others only to the commands listed (elsewhere the rule is passed over).
GENERIC_FAILURES = {
    "transient": ("HTTP 502: Bad Gateway (https://api.github.com/graphql)", 1),
    "auth": (
        "HTTP 401: Bad credentials (https://api.github.com/graphql)\n"
        "Try authenticating with:  gh auth login",
        4,
    ),
    "validation": ("HTTP 422: Validation Failed (https://api.github.com/repos/test/repo/pulls)", 1),
}
# Kinds that play a hostile or hanging forge instead of a failure (see the module doc).
BEHAVIOURS = {"answer", "hang"}
SPECIFIC_FAILURES = {
    "exists": {("pr", "create"), ("release", "create"), ("issue", "create")},
    "checks_failed": {("pr", "checks")},
    "run_failed": {("run", "list")},
    "merge_conflict": {("pr", "merge")},
}

# The fields each kind of object offers to `--json`.
PR_FIELDS = {"number", "url", "state", "title", "headRefName", "baseRefName", "mergeCommit", "body"}
RELEASE_FIELDS = {"tagName", "url", "isPrerelease", "isDraft", "name", "body"}
RUN_FIELDS = {"databaseId", "url", "status", "conclusion", "headBranch", "headSha", "event",
              "workflowName"}
ISSUE_FIELDS = {"number", "url", "title", "labels", "state", "body"}

# The check every `pr checks` reports, and the log `run view --log-failed` shows.
CHECK_URL = "https://github.com/test/repo/actions/runs/{run}/job/1"
FAILED_LOG = [
    "build\tRun cargo publish\t2023-11-14T22:15:00.0000000Z    Packaging demo",
    "build\tRun cargo publish\t2023-11-14T22:15:01.0000000Z error: failed to publish to registry",
    "build\tRun cargo publish\t2023-11-14T22:15:01.0000000Z ##[error]Process completed with "
    "exit code 101.",
]


class Hang(Exception):
    """The call sleeps `seconds` outside the lock (a forge that does not answer)."""

    def __init__(self, seconds):
        super().__init__(seconds)
        self.seconds = seconds


class GhError(Exception):
    """Ends the call with `message` on stderr and exit `code`."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.message = message
        self.code = code


def out(text):
    """Writes `text` and a newline to stdout, as UTF-8 whatever the locale. A reader that
    went away (the caller was killed) is ignored: like GitHub, the action stands and the
    state is still saved."""
    try:
        sys.stdout.buffer.write((text + "\n").encode())
    except OSError:
        pass


def err(text):
    try:
        sys.stderr.buffer.write((text + "\n").encode())
    except OSError:
        pass


def dumps(value):
    # gh's non-terminal `--json` output: one compact line, keys sorted (Go encodes maps so).
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---- git -----------------------------------------------------------------------------------

def git(args, cwd=None, check=True):
    """Runs `git ARGS` (an argument list, no shell) in `cwd`; returns the completed process.

    Variables that point git at another repository are dropped, so `cwd` decides; author,
    committer and config variables stay, so commits are as deterministic as the caller's.
    """
    env = {k: v for k, v in os.environ.items() if k not in (
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_NAMESPACE")}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, encoding="utf-8", errors="replace", check=False)
    if check and done.returncode != 0:
        raise GhError(f"gh stand-in: git {' '.join(args)} failed:\n{done.stderr.strip()}")
    return done


def origin_url():
    """The URL of remote `origin` of the repository in the current folder (gh's base repo)."""
    done = git(["remote", "get-url", "origin"], check=False)
    if done.returncode != 0:
        raise GhError("no git remotes found")
    return done.stdout.strip()


def repo_url(remote):
    """`https://github.com/test/<name>` for a remote URL ending in `<name>` or `<name>.git`."""
    name = remote.rstrip("/").rsplit("/", 1)[-1]
    name = name.removesuffix(".git")
    return f"https://github.com/{OWNER}/{name}"


def remote_commit(remote, ref):
    """The commit `ref` names on `remote` (an annotated tag peeled), or None."""
    lines = git(["ls-remote", remote, ref, ref + "^{}"]).stdout.splitlines()
    found = dict(reversed(line.split("\t", 1)) for line in lines if "\t" in line)
    return found.get(ref + "^{}") or found.get(ref)


def current_branch():
    return git(["branch", "--show-current"]).stdout.strip()


# ---- arguments -----------------------------------------------------------------------------

class Args:
    """Parsed flags and positional arguments, the way gh's flag library reads them."""

    def __init__(self, argv, value_flags, aliases):
        self.opts = {}
        self.positional = []
        i = 0
        while i < len(argv):
            arg = argv[i]
            i += 1
            if arg == "--":
                self.positional.extend(argv[i:])
                break
            if arg.startswith("--"):
                name, eq, value = arg[2:].partition("=")
            elif arg.startswith("-") and len(arg) > 1:
                # `-t value`, `-tvalue` and `-t=value` all work with pflag.
                name, value = aliases.get(arg[1], arg[1]), arg[2:].removeprefix("=")
                eq = "=" if arg[2:] else ""
            else:
                self.positional.append(arg)
                continue
            if name in value_flags:
                if not eq:
                    if i >= len(argv):
                        raise GhError(f"flag needs an argument: {arg}")
                    value = argv[i]
                    i += 1
                self.opts.setdefault(name, []).append(value)
            else:
                # A switch (`--draft`, or `--draft=false`); unknown flags are tolerated as such.
                self.opts.setdefault(name, []).append(value if eq else "true")

    def get(self, name, default=None):
        """The last value of `--name`, or `default`."""
        return self.opts.get(name, [default])[-1]

    def has(self, name):
        return name in self.opts

    def switch(self, name):
        return self.get(name, "false") not in ("false", "0")

    def labels(self):
        # Repeatable and comma-separated, like gh's string-slice flags.
        return [l.strip() for v in self.opts.get("label", []) for l in v.split(",") if l.strip()]

    def text(self, flag, file_flag):
        """The value of `--flag`, or the contents of the file `--file-flag` (`-` = stdin)."""
        if self.has(file_flag):
            path = self.get(file_flag)
            if path == "-":
                return sys.stdin.read()
            with open(path, encoding="utf-8") as f:
                return f.read()
        return self.get(flag)

    def choice(self, name, default, valid):
        """The value of `--name`, which must be one of `valid`, like gh's enum flags."""
        value = self.get(name, default)
        if value not in valid:
            raise GhError(f'invalid argument "{value}" for "--{name}" flag: valid values are '
                          f"{{{'|'.join(valid)}}}")
        return value

    def limit(self, default):
        return int(self.get("limit", default))

    def fields(self, available):
        """The `--json` fields, checked like gh does; None without `--json`."""
        if not self.has("json"):
            return None
        fields = [f.strip() for f in self.get("json").split(",") if f.strip()]
        for field in fields:
            if field not in available:
                listing = "\n".join(f"  {f}" for f in sorted(available))
                raise GhError(f'Unknown JSON field: "{field}"\nAvailable fields:\n{listing}')
        return fields


def pick(obj, fields):
    return {f: obj.get(f) for f in fields}


# ---- state and scenario --------------------------------------------------------------------

def load_state(folder):
    path = os.path.join(folder, "state.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return {"counters": {"pr": 1, "issue": 100, "run": 1000},
            "prs": [], "releases": [], "issues": [], "runs": [], "rule_counters": {}}


def save_state(folder, state):
    path = os.path.join(folder, "state.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    os.replace(path + ".tmp", path)


def next_number(state, counter):
    number = state["counters"][counter]
    state["counters"][counter] = number + 1
    return number


class Rule:
    """The scenario rule that applies to this call: its kind, and how to count a use."""

    def __init__(self, kind, key, state, spec=None):
        self.kind, self.key, self.state, self.spec = kind, key, state, spec or {}

    def use(self):
        counters = self.state["rule_counters"]
        counters[self.key] = counters.get(self.key, 0) + 1


def find_rule(argv, command, state):
    """The first rule of the scenario that matches `argv` and is not used up, or None."""
    path = os.environ.get("GH_STANDIN_SCENARIO")
    if not path:
        return None
    import hashlib

    with open(path, encoding="utf-8") as f:
        text = f.read()
    scenario = hashlib.sha256(text.encode()).hexdigest()[:16]
    for index, rule in enumerate(json.loads(text).get("rules", [])):
        kind = rule["fail"]
        if kind not in GENERIC_FAILURES and kind not in SPECIFIC_FAILURES and kind not in BEHAVIOURS:
            raise GhError(f"gh stand-in: unknown failure kind {kind!r} in {path}", 2)
        if kind in SPECIFIC_FAILURES and command not in SPECIFIC_FAILURES[kind]:
            continue
        match = rule.get("match", [])
        if argv[: len(match)] != match:
            continue
        if "contains" in rule and not any(rule["contains"] in a for a in argv):
            continue
        if "cwd_contains" in rule and rule["cwd_contains"] not in os.getcwd():
            continue
        key = f"{scenario}#{index}"
        if "times" in rule and state["rule_counters"].get(key, 0) >= rule["times"]:
            continue
        return Rule(kind, key, state, rule)
    return None


# ---- commands ------------------------------------------------------------------------------

class Call:
    """One invocation: its parsed arguments, the forge state, and the rule that applies."""

    def __init__(self, args, state, rule):
        self.args, self.state, self.rule = args, state, rule

    def failing(self, kind):
        """Whether the applying rule is of `kind`; counts the use when it is."""
        if self.rule is not None and self.rule.kind == kind:
            self.rule.use()
            return True
        return False


def auth_status(call):
    err("github.com\n  ✓ Logged in to github.com account test (keyring)\n"
        "  - Active account: true\n  - Git operations protocol: https")
    return 0


def find_pr(call, selector):
    """The PR named by a number, `#number`, URL or head branch (gh's `pr view` selectors)."""
    prs = call.state["prs"]
    if selector is None:
        selector = current_branch()
    tail = selector.rsplit("/pull/", 1)[-1].lstrip("#")
    if tail.isdigit():
        for pr in prs:
            if pr["number"] == int(tail):
                return pr
        raise GhError(f"GraphQL: Could not resolve to a PullRequest with the number of {tail}.")
    # By branch, gh prefers an open PR, then the most recent one.
    mine = sorted((p for p in prs if p["headRefName"] == selector),
                  key=lambda p: (p["state"] == "OPEN", p["number"]))
    if not mine:
        raise GhError(f'no pull requests found for branch "{selector}"')
    return mine[-1]


def pr_create(call):
    a = call.args
    title, body = a.get("title"), a.text("body", "body-file")
    if title is None or body is None:
        raise GhError("must provide `--title` and `--body` (or `--fill` or `fill-first` or "
                      "`--fillverbose`) when not running interactively")
    base = a.get("base", "main")
    head = a.get("head") or current_branch()
    head = head.rsplit(":", 1)[-1]  # `owner:branch` names a fork's branch
    remote = origin_url()
    lost_reply = call.failing("exists")
    # gh refuses a second PR for the same head; MERGED counts too here, so a re-run after
    # the merge finds the PR instead of opening an empty one.
    pr = next((p for p in call.state["prs"]
               if p["headRefName"] == head and p["state"] in ("OPEN", "MERGED")), None)
    if pr is None:
        if remote_commit(remote, f"refs/heads/{head}") is None:
            raise GhError("pull request create failed: GraphQL: Head sha can't be blank, "
                          f"No commits between {base} and {head}")
        number = next_number(call.state, "pr")
        pr = {"number": number, "url": f"{repo_url(remote)}/pull/{number}", "title": title,
              "body": body, "headRefName": head, "baseRefName": base, "state": "OPEN",
              "remote": remote, "mergeCommit": None, "labels": a.labels()}
        call.state["prs"].append(pr)
        if not lost_reply:
            out(pr["url"])
            return 0
    raise GhError(f'a pull request for branch "{head}" into branch "{base}" already exists:\n'
                  f"{pr['url']}")


def pr_list(call):
    a = call.args
    fields = a.fields(PR_FIELDS)
    wanted = {"open": ["OPEN"], "closed": ["CLOSED", "MERGED"], "merged": ["MERGED"],
              "all": ["OPEN", "CLOSED", "MERGED"]}
    wanted = wanted[a.choice("state", "open", list(wanted))]
    prs = [p for p in reversed(call.state["prs"])
           if p["state"] in wanted
           and a.get("head", p["headRefName"]) == p["headRefName"]
           and a.get("base", p["baseRefName"]) == p["baseRefName"]][: a.limit(30)]
    if fields is None:
        for p in prs:
            out(f"{p['number']}\t{p['title']}\t{p['headRefName']}\t{p['state']}")
    else:
        out(dumps([pick(p, fields) for p in prs]))
    return 0


def pr_view(call):
    a = call.args
    fields = a.fields(PR_FIELDS)
    pr = find_pr(call, (a.positional or [None])[0])
    if fields is None:
        out(f"title:\t{pr['title']}\nstate:\t{pr['state']}\nnumber:\t{pr['number']}\n"
            f"url:\t{pr['url']}\n--\n{pr['body']}")
    else:
        out(dumps(pick(pr, fields)))
    return 0


def pr_checks(call):
    find_pr(call, (call.args.positional or [None])[0])
    if call.failing("checks_failed"):
        # gh prints the checks table, then fails with exit 1 when a check failed.
        out("test\tfail\t1m2s\t" + CHECK_URL.format(run=99))
        err("Some checks were not successful\n"
            "1 failing, 0 successful, 0 skipped, and 0 pending checks")
        return 1
    out("test\tpass\t1m2s\t" + CHECK_URL.format(run=98))
    return 0


def pr_merge(call):
    a = call.args
    pr = find_pr(call, (a.positional or [None])[0])
    number = pr["number"]
    if pr["state"] == "MERGED":
        raise GhError(f"Pull request #{number} was already merged")
    if pr["state"] == "CLOSED":
        raise GhError(f"Pull request #{number} is closed")
    if a.switch("merge") and not a.switch("squash"):
        conflict = GhError(f"Pull request #{number} is not mergeable: "
                           "the merge commit cannot be cleanly created.")
        if call.failing("merge_conflict"):
            raise conflict
        pr["mergeCommit"] = {"oid": squash_merge(pr, f"Merge pull request #{number}", conflict,
                                                 squash=False)}
        pr["state"] = "MERGED"
        out(f"✓ Merged pull request #{number}")
        return 0
    if not a.switch("squash"):
        if a.switch("rebase"):
            raise GhError("gh stand-in: only --squash and --merge merges are simulated", 2)
        raise GhError("--merge, --rebase, or --squash required when not running interactively")
    conflict = GhError(f"Pull request #{number} is not mergeable: "
                       "the merge commit cannot be cleanly created.")
    if call.failing("merge_conflict"):
        raise conflict
    # GitHub's squash commit: `--subject` verbatim, else the PR title with ` (#N)`; then the body.
    message = a.get('subject') or f"{pr['title']} (#{number})"
    body = a.text("body", "body-file")
    if body:
        message += "\n\n" + body
    if a.switch("delete-branch") and not a.has("repo"):
        # Real gh would then delete the local branch too, and switch a worktree on it to the
        # base branch: git-release must keep gh away from the local repository.
        raise GhError("gh stand-in: --delete-branch without --repo touches the local repository", 2)
    pr["mergeCommit"] = {"oid": squash_merge(pr, message, conflict)}
    pr["state"] = "MERGED"
    out(f"✓ Squashed and merged pull request #{number}")
    if a.switch("delete-branch"):
        # GitHub's side: the head branch goes from the remote, nothing local changes.
        bare = pr["remote"].removeprefix("file://")
        git(["--git-dir", bare, "update-ref", "-d", f"refs/heads/{pr['headRefName']}"])
        pr["deletedBranch"] = True
        out(f"✓ Deleted branch {pr['headRefName']}")
    return 0


def squash_merge(pr, message, conflict, squash=True):
    """Squashes the PR's head onto its base on the remote itself (a merge commit when not
    `squash`); returns the new commit."""
    import shutil
    import tempfile

    work = tempfile.mkdtemp(prefix="merge-", dir=os.environ["GH_STANDIN_DIR"])
    try:
        clone = os.path.join(work, "clone")
        base, head = pr["baseRefName"], pr["headRefName"]
        # Hooks of the caller's config must not run: this is GitHub's side.
        quiet = ["-c", "core.hooksPath=/dev/null"]
        git(["clone", "-q", pr["remote"], clone])
        git(["checkout", "-q", "-B", base, f"origin/{base}"], cwd=clone)
        has_head = git(["rev-parse", "--verify", "-q", f"origin/{head}"], cwd=clone, check=False)
        if has_head.returncode:
            raise GhError(f"gh stand-in: the head branch {head} is not on the remote")
        if not squash:
            if git([*quiet, "merge", "--no-ff", "-q", "-m", message, f"origin/{head}"],
                   cwd=clone, check=False).returncode:
                raise conflict
        else:
            if git(["merge", "--squash", "-q", f"origin/{head}"], cwd=clone,
                   check=False).returncode:
                raise conflict
            git([*quiet, "commit", "-q", "--allow-empty", "--cleanup=whitespace", "-m", message],
                cwd=clone)
        git([*quiet, "push", "-q", "origin", f"HEAD:refs/heads/{base}"], cwd=clone)
        return git(["rev-parse", "HEAD"], cwd=clone).stdout.strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pr_close(call):
    pr = find_pr(call, (call.args.positional or [None])[0])
    number = pr["number"]
    if pr["state"] == "MERGED":
        raise GhError(f"Pull request #{number} can't be closed because it was already merged")
    if pr["state"] == "CLOSED":
        err(f"! Pull request #{number} is already closed")
        return 0
    pr["state"] = "CLOSED"
    if call.args.has("comment"):
        pr.setdefault("comments", []).append(call.args.get("comment"))
    out(f"✓ Closed pull request #{number}")
    return 0


def find_release(call, tag):
    for release in call.state["releases"]:
        if release["tagName"] == tag:
            return release
    return None


def release_exists():
    # GitHub's 422 names the field, not the tag.
    return GhError("HTTP 422: Validation Failed (https://api.github.com/repos/test/repo/releases)\n"
                   "Release.tag_name already exists")


def release_view(call):
    a = call.args
    fields = a.fields(RELEASE_FIELDS)
    if a.positional:
        release = find_release(call, a.positional[0])
    else:  # no tag: the latest release
        release = (call.state["releases"] or [None])[-1]
    if release is None:
        raise GhError("release not found")
    if fields is None:
        out(f"title:\t{release['name']}\ntag:\t{release['tagName']}\n"
            f"draft:\t{str(release['isDraft']).lower()}\n"
            f"prerelease:\t{str(release['isPrerelease']).lower()}\n"
            f"url:\t{release['url']}\n--\n{release['body']}")
    else:
        out(dumps(pick(release, fields)))
    return 0


def release_create(call):
    a = call.args
    if not a.positional:
        raise GhError("could not create: no tag name provided")
    tag = a.positional[0]
    remote = origin_url()
    lost_reply = call.failing("exists")
    release = find_release(call, tag)
    if release is None:
        draft = a.switch("draft")
        tag_ref = f"refs/tags/{tag}"
        if remote_commit(remote, tag_ref) is None:
            if a.switch("verify-tag"):
                raise GhError(f"tag {tag} doesn't exist in the repo, aborting due to "
                              "--verify-tag flag")
            if not draft:
                create_remote_tag(remote, tag, a.get("target", "main"))
        release = {"tagName": tag, "url": f"{repo_url(remote)}/releases/tag/{tag}",
                   "name": a.get("title", ""), "body": a.text("notes", "notes-file") or "",
                   "isPrerelease": a.switch("prerelease"), "isDraft": draft,
                   "remote": remote, "assets": a.positional[1:]}
        call.state["releases"].append(release)
        if not lost_reply:
            out(release["url"])
            return 0
    raise release_exists()


def create_remote_tag(remote, tag, target):
    """What GitHub does for a release whose tag is missing: tags the tip of `target`."""
    import shutil
    import tempfile

    work = tempfile.mkdtemp(prefix="tag-", dir=os.environ["GH_STANDIN_DIR"])
    try:
        git(["init", "-q", "--bare", work])
        git(["fetch", "-q", remote, target], cwd=work)
        git(["push", "-q", remote, f"FETCH_HEAD:refs/tags/{tag}"], cwd=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def release_edit(call):
    a = call.args
    release = find_release(call, (a.positional or [None])[0])
    if release is None:
        raise GhError("release not found")
    if a.has("title"):
        release["name"] = a.get("title")
    if a.has("notes") or a.has("notes-file"):
        release["body"] = a.text("notes", "notes-file")
    if a.has("prerelease"):
        release["isPrerelease"] = a.switch("prerelease")
    if a.has("draft"):
        release["isDraft"] = a.switch("draft")
    out(release["url"])
    return 0


def run_list(call):
    a = call.args
    fields = a.fields(RUN_FIELDS)
    workflow, branch = a.get("workflow"), a.get("branch")
    runs = call.state["runs"]
    # A pushed tag triggers the workflow: the run appears the first time it is looked for.
    if workflow and branch and not any(
            r["workflowName"] == workflow and r["headBranch"] == branch for r in runs):
        remote = origin_url()
        sha = remote_commit(remote, f"refs/tags/{branch}")
        if sha is not None:
            run_id = next_number(call.state, "run")
            runs.append({"databaseId": run_id, "url": f"{repo_url(remote)}/actions/runs/{run_id}",
                         "status": "completed",
                         "conclusion": "failure" if call.failing("run_failed") else "success",
                         "headBranch": branch, "headSha": sha, "event": "push",
                         "workflowName": workflow})
    # A push to a release-candidate branch (`rc/…`, a train's) starts CI too: the run on the
    # branch's commit appears the first time the branch's runs are looked for (`run_failed`
    # makes it fail). Other branches have no CI unless a test records runs.
    if branch and not workflow and branch.startswith("rc/"):
        remote = origin_url()
        sha = remote_commit(remote, f"refs/heads/{branch}")
        if sha is not None and not any(r["headBranch"] == branch and r["headSha"] == sha
                                       and r.get("remote", remote) == remote for r in runs):
            run_id = next_number(call.state, "run")
            runs.append({"databaseId": run_id, "url": f"{repo_url(remote)}/actions/runs/{run_id}",
                         "status": "completed",
                         "conclusion": "failure" if call.failing("run_failed") else "success",
                         "headBranch": branch, "headSha": sha, "event": "push",
                         "workflowName": "CI", "remote": remote})
    # Runs belong to one repository (the ones made before runs were scoped have no `remote`).
    here = origin_url() if branch and not workflow else None
    shown = [r for r in reversed(runs)
             if here is None or r.get("remote", here) == here]
    shown = [r for r in shown
             if a.get("workflow", r["workflowName"]) == r["workflowName"]
             and a.get("branch", r["headBranch"]) == r["headBranch"]
             and a.get("event", r["event"]) == r["event"]
             and a.get("commit", r["headSha"]) == r["headSha"]
             and a.get("status", r["status"]) in (r["status"], r["conclusion"])][: a.limit(20)]
    if fields is None:
        for r in shown:
            out(f"{r['status']}\t{r['conclusion']}\t{r['headBranch']}\t{r['workflowName']}\t"
                f"{r['headBranch']}\t{r['event']}\t{r['databaseId']}")
    else:
        out(dumps([pick(r, fields) for r in shown]))
    return 0


def find_run(call):
    run_id = (call.args.positional or ["?"])[0]
    for run in call.state["runs"]:
        if str(run["databaseId"]) == run_id:
            return run
    raise GhError("HTTP 404: Not Found "
                  f"(https://api.github.com/repos/test/repo/actions/runs/{run_id})")


def run_watch(call):
    run = find_run(call)
    # A run the stand-in knows has always completed; gh then says so and, with
    # `--exit-status`, exits 1 unless it succeeded.
    out(f"Run {run['workflowName']} ({run['databaseId']}) has already completed with "
        f"'{run['conclusion']}'")
    if call.args.switch("exit-status") and run["conclusion"] != "success":
        err(f"run {run['databaseId']} failed")
        return 1
    return 0


def run_view(call):
    a = call.args
    run = find_run(call)
    failed = run["conclusion"] != "success"
    if a.switch("log-failed"):
        if failed:
            out("\n".join(FAILED_LOG))
        return 0
    fields = a.fields(RUN_FIELDS | {"jobs"})
    job = {"name": "build", "status": "completed", "conclusion": run["conclusion"],
           "url": f"{run['url']}/job/1"}
    if fields is None:
        mark = "X" if failed else "✓"
        out(f"{mark} {run['headBranch']} {run['workflowName']} · {run['databaseId']}\n\n"
            f"JOBS\n{mark} build\n\nView this run on GitHub: {run['url']}")
    else:
        out(dumps(pick({**run, "jobs": [job]}, fields)))
    return 0


def issue_create(call):
    a = call.args
    title, body = a.get("title"), a.text("body", "body-file")
    if title is None or body is None:
        raise GhError("must provide `--title` and `--body` when not running interactively")
    remote = origin_url()
    lost_reply = call.failing("exists")
    # Issues have no natural key: for the `exists` rule, an open issue with the same title
    # stands for the one whose creation reply was lost. Without the rule, gh makes a new one.
    issue = None
    if lost_reply:
        issue = next((i for i in call.state["issues"]
                      if i["title"] == title and i["state"] == "OPEN"), None)
    if issue is None:
        number = next_number(call.state, "issue")
        issue = {"number": number, "url": f"{repo_url(remote)}/issues/{number}", "title": title,
                 "body": body, "labels": [{"name": l} for l in a.labels()], "state": "OPEN",
                 "milestone": a.get("milestone"), "remote": remote}
        call.state["issues"].append(issue)
    if lost_reply:
        # Not a real gh message (GitHub never refuses a duplicate issue); worded so callers
        # treat it like the others.
        raise GhError("HTTP 422: Validation Failed "
                      "(https://api.github.com/repos/test/repo/issues)\nIssue already exists")
    out(issue["url"])
    return 0


def issue_list(call):
    a = call.args
    fields = a.fields(ISSUE_FIELDS)
    wanted = {"open": ["OPEN"], "closed": ["CLOSED"], "all": ["OPEN", "CLOSED"]}
    wanted = wanted[a.choice("state", "open", list(wanted))]
    # Search: every word that is not a `qualifier:value` must be in the title (any case).
    words = [w.lower() for w in a.get("search", "").split() if ":" not in w]
    issues = [i for i in reversed(call.state["issues"])
              if i["state"] in wanted
              and all(l in [n["name"] for n in i["labels"]] for l in a.labels())
              and all(w in i["title"].lower() for w in words)
              and a.get("milestone", i.get("milestone")) == i.get("milestone")
              and i.get("remote", origin_url()) == origin_url()][: a.limit(30)]
    if fields is None:
        for i in issues:
            out(f"{i['number']}\t{i['state']}\t{i['title']}")
    else:
        out(dumps([pick(i, fields) for i in issues]))
    return 0


def issue_close(call):
    number = (call.args.positional or ["?"])[0].lstrip("#")
    for issue in call.state["issues"]:
        if str(issue["number"]) == number:
            issue["state"] = "CLOSED"
            out(f"✓ Closed issue #{number}")
            return 0
    raise GhError(f"GraphQL: Could not resolve to an issue with the number of {number}.")


def api(call):
    """`gh api repos/{owner}/{repo}/milestones…`: the milestones of the current repository,
    listed (GET) or created (`--method POST --raw-field title=T`)."""
    a = call.args
    path = (a.positional or [""])[0]
    if not path.startswith("repos/{owner}/{repo}/milestones"):
        raise GhError(f"gh stand-in: unexpected api path {path}", 2)
    remote = origin_url()
    milestones = call.state.setdefault("milestones", [])
    mine = [m for m in milestones if m["remote"] == remote]
    if a.get("method", "GET") == "POST":
        fields = dict(f.split("=", 1) for f in a.opts.get("raw-field", []))
        title = fields.get("title")
        if any(m["title"] == title for m in mine):
            raise GhError("HTTP 422: Validation Failed "
                          "(https://api.github.com/repos/test/repo/milestones)\n"
                          "already_exists")
        number = len(mine) + 1
        m = {"number": number, "title": title, "state": "open", "remote": remote}
        milestones.append(m)
        out(dumps({k: v for k, v in m.items() if k != "remote"}))
        return 0
    out(dumps([{k: v for k, v in m.items() if k != "remote"} for m in mine]))
    return 0


# command: (handler, flags that take a value, short flag aliases)
GLOBAL_VALUE_FLAGS = {"repo", "jq", "template"}
COMMANDS = {
    ("auth", "status"): (auth_status, {"hostname"}, {"h": "hostname"}),
    ("pr", "create"): (pr_create,
                       {"base", "head", "title", "body", "body-file", "label", "assignee",
                        "reviewer", "milestone", "project"},
                       {"B": "base", "H": "head", "t": "title", "b": "body", "F": "body-file",
                        "l": "label", "a": "assignee", "r": "reviewer", "m": "milestone"}),
    ("pr", "list"): (pr_list, {"head", "base", "state", "json", "limit", "label", "search",
                               "author", "assignee"},
                     {"H": "head", "B": "base", "s": "state", "L": "limit", "l": "label",
                      "S": "search", "A": "author", "a": "assignee", "q": "jq"}),
    ("pr", "view"): (pr_view, {"json"}, {"q": "jq"}),
    ("pr", "checks"): (pr_checks, {"interval", "json"}, {"i": "interval", "q": "jq"}),
    ("pr", "merge"): (pr_merge,
                      {"subject", "body", "body-file", "author-email", "match-head-commit"},
                      {"t": "subject", "b": "body", "F": "body-file", "A": "author-email",
                       "s": "squash", "m": "merge", "r": "rebase", "d": "delete-branch"}),
    ("pr", "close"): (pr_close, {"comment"}, {"c": "comment", "d": "delete-branch"}),
    ("release", "view"): (release_view, {"json"}, {"q": "jq"}),
    ("release", "create"): (release_create,
                            {"title", "notes", "notes-file", "target", "notes-start-tag",
                             "discussion-category"},
                            {"t": "title", "n": "notes", "F": "notes-file", "p": "prerelease",
                             "d": "draft"}),
    ("release", "edit"): (release_edit, {"title", "notes", "notes-file", "tag", "target",
                                         "discussion-category"},
                          {"t": "title", "n": "notes", "F": "notes-file"}),
    ("run", "list"): (run_list, {"workflow", "branch", "event", "json", "limit", "status",
                                 "commit", "user"},
                      {"w": "workflow", "b": "branch", "e": "event", "L": "limit", "s": "status",
                       "c": "commit", "u": "user", "q": "jq"}),
    ("run", "watch"): (run_watch, {"interval"}, {"i": "interval"}),
    ("run", "view"): (run_view, {"json", "job", "attempt"},
                      {"j": "job", "a": "attempt", "q": "jq"}),
    ("issue", "create"): (issue_create,
                          {"title", "body", "body-file", "label", "assignee", "milestone",
                           "project"},
                          {"t": "title", "b": "body", "F": "body-file", "l": "label",
                           "a": "assignee", "m": "milestone", "p": "project"}),
    ("issue", "close"): (issue_close, {"comment", "reason"}, {"c": "comment", "r": "reason"}),
    ("issue", "list"): (issue_list, {"label", "state", "search", "json", "limit", "author",
                                     "assignee", "milestone"},
                        {"l": "label", "s": "state", "S": "search", "L": "limit", "A": "author",
                         "a": "assignee", "m": "milestone", "q": "jq"}),
}


def dispatch(argv, state):
    command = tuple(argv[:2])
    if argv[:1] == ["api"] and any(a.startswith("repos/{owner}/{repo}/milestones") for a in argv):
        args = Args(argv[1:], {"method", "raw-field"} | GLOBAL_VALUE_FLAGS,
                    {"X": "method", "f": "raw-field"})
        return api(Call(args, state, find_rule(argv, ("api",), state)))
    if argv == ["--version"]:
        out("gh version 2.63.0 (2024-11-27)\nhttps://github.com/cli/cli/releases/tag/v2.63.0")
        return 0
    if command not in COMMANDS:
        raise GhError(f"unexpected gh call: {' '.join(argv)}", 2)
    handler, value_flags, aliases = COMMANDS[command]
    args = Args(argv[2:], value_flags | GLOBAL_VALUE_FLAGS, {"R": "repo", **aliases})
    rule = find_rule(argv, command, state)
    if rule is not None and rule.kind == "hang":
        rule.use()
        raise Hang(float(rule.spec.get("seconds", 3600)))
    if rule is not None and rule.kind == "answer":
        rule.use()
        out(rule.spec.get("stdout", ""))
        return int(rule.spec.get("code", 0))
    if rule is not None and rule.kind in GENERIC_FAILURES:
        rule.use()
        message, code = GENERIC_FAILURES[rule.kind]
        raise GhError(message, code)
    return handler(Call(args, state, rule))


def main(argv):
    folder = os.environ.get("GH_STANDIN_DIR")
    if not folder:
        err("gh stand-in: GH_STANDIN_DIR is not set")
        return 2
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one call at a time: state.json is read-modify-write
        with open(os.path.join(folder, "calls.jsonl"), "a", encoding="utf-8") as calls:
            calls.write(json.dumps({"argv": argv, "cwd": os.getcwd()}, ensure_ascii=False) + "\n")
        state = load_state(folder)
        try:
            code = dispatch(argv, state)
        except Hang as e:
            save_state(folder, state)
            fcntl.flock(lock, fcntl.LOCK_UN)
            import time

            time.sleep(e.seconds)
            return 0
        except GhError as e:
            err(e.message)
            code = e.code
        # Saved even when the call failed: rule counters moved, and an `exists` failure
        # comes after the object was made.
        save_state(folder, state)
        try:
            sys.stdout.flush()
        except OSError:
            pass
        return code


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as e:  # a bug here, not a gh failure: say so loudly
        import traceback
        traceback.print_exc()
        err(f"gh stand-in: internal error: {e!r}")
        sys.exit(2)
