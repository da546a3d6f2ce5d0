#!/usr/bin/env python3
"""A fake GitHub Enterprise API over TLS, for git-release's contract tests with the real `gh`.

The tests run the real `gh` against it as an enterprise host (`GH_HOST=HOST`,
`GH_ENTERPRISE_TOKEN`, `GH_REPO=test/origin`, `SSL_CERT_FILE`), through it as their HTTPS
proxy (`HTTPS_PROXY=http://127.0.0.1:PORT`): gh 2.23 drops the port of a git remote's URL, so
`gh pr create` (which needs a remote of GH_HOST) cannot work with a host `localhost:PORT`; a
host without a port, reached through the proxy's CONNECT, can. It serves the REST
(`/api/v3/...`) and GraphQL (`/api/graphql`) calls gh makes for the commands git-release
sends, in the shapes GitHub gives them: the requests and the fields gh reads were recorded from
gh itself with `GH_DEBUG=api`. Where GitHub changes a repository it changes the bare `file://`
remote the same way: merging a pull request makes a squash (or merge) commit on its base
branch there, and its head branch goes when the merge asks for it.

Usage: fake_github.py --host HOST --dir DIR --remote BARE --cert CERT --key KEY

It listens on 127.0.0.1 on a free port (as the proxy; the certificate is HOST's) and writes the port to `DIR/port` once it accepts
connections. In DIR it keeps:
  requests.jsonl  one `{"method", "path", "operation"}` line per request (a GraphQL
                  request's operation name, e.g. `PullRequestByNumber`);
  state.json      the forge after each request: `prs`, `releases`, `issues`, `runs`;
  control.json    (written by the test, re-read on every request) how the forge behaves:
                  `checks`: the check runs of every pull request, each `{"name",
                  "conclusion"}` (default one passing `test`); `workflow_conclusion`: how a
                  workflow run on a pushed tag ends (default `success`); `views_missing`: how
                  many `GET .../releases/tags/T` answer 404 after the release is created
                  (default 0). Runs on a tag: a `push` run ending as said, and a newer
                  `workflow_dispatch` run that fails, so only a caller filtering by event
                  passes. `commit_runs`: runs of the workflow on commits of `main`, each
                  `{"head_sha", "conclusion"}`, made when runs are first listed (the CI
                  a push to the branch starts; issue 17's cadence rule asks for it).

Only the standard library is used; everything it does is deterministic.
"""

import argparse
import http.server
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.parse

OWNER = "test"
NAME = "origin"
REPO = f"{OWNER}/{NAME}"
LOGIN = "tester"
STAMP = "2023-11-14T22:13:20Z"
WORKFLOW = {"id": 161335, "node_id": "W_1", "name": "release", "path": ".github/workflows/release.yml",
            "state": "active", "created_at": STAMP, "updated_at": STAMP}


TYPE_FIELDS = {
    "PullRequest": ["id", "number", "title", "body", "state", "url", "headRefName",
                    "baseRefName", "mergeCommit", "mergeStateStatus", "statusCheckRollup",
                    "autoMergeRequest", "reviewDecision"],
    "Issue": ["id", "number", "title", "body", "state", "url", "labels", "assignees"],
    "Repository": ["id", "name", "owner", "hasIssuesEnabled", "viewerPermission",
                   "visibility", "squashMergeAllowed", "mergeCommitAllowed",
                   "rebaseMergeAllowed"],
}


class Forge:
    """The forge's state, behind one lock (gh may send requests in parallel)."""

    def __init__(self, folder, remote, host):
        self.dir = folder
        self.remote = remote
        self.host = host
        self.lock = threading.Lock()
        self.prs = []
        self.releases = []
        self.issues = []
        self.runs = []
        self.labels = {"release-blocker": "LA_1"}
        self.next_id = 100
        self.port = 0

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def web(self, path):
        return f"https://{self.host}/{REPO}/{path}"

    def api(self, path):
        return f"https://{self.host}/api/v3/repos/{REPO}/{path}"

    def control(self):
        try:
            with open(os.path.join(self.dir, "control.json"), encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def save(self):
        state = {"prs": self.prs, "releases": self.releases, "issues": self.issues,
                 "runs": self.runs}
        path = os.path.join(self.dir, "state.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(state, f, indent=1, sort_keys=True)
        os.replace(path + ".tmp", path)

    def log(self, method, path, operation):
        line = json.dumps({"method": method, "path": path, "operation": operation})
        with open(os.path.join(self.dir, "requests.jsonl"), "a", encoding="utf-8") as f:
            f.write(line + "\n")


class HttpError(Exception):
    """Ends the request with `status` and GitHub's error body."""

    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status = status
        self.body = {"message": message,
                     "documentation_url": "https://docs.github.com/enterprise-server@3.9/rest"}
        if errors:
            self.body["errors"] = errors


class GraphqlError(Exception):
    """A GraphQL answer with `errors` (HTTP 200, as GitHub answers)."""

    def __init__(self, message, kind="UNPROCESSABLE"):
        super().__init__(message)
        self.body = {"data": None, "errors": [{"type": kind, "message": message}]}


# ---- git on the bare remote -----------------------------------------------------------------

def git(args, cwd=None, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                "GIT_AUTHOR_NAME": "GitHub", "GIT_AUTHOR_EMAIL": "noreply@github.com",
                "GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com",
                "GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000",
                "LC_ALL": "C"})
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)
    if check and done.returncode:
        raise HttpError(500, f"fake github: git {' '.join(args)}: {done.stderr.strip()}")
    return done


def rev(forge, name):
    """The commit `name` names on the remote, or None."""
    done = git(["rev-parse", "--verify", "-q", f"{name}^{{commit}}"], cwd=forge.remote, check=False)
    return done.stdout.strip() or None


def merge_on_remote(forge, pr, method, subject, body):
    """Merges the pull request on the bare remote as GitHub does; returns the new commit."""
    base, head = pr["baseRefName"], pr["headRefName"]
    work = tempfile.mkdtemp(prefix="merge-", dir=forge.dir)
    try:
        clone = os.path.join(work, "clone")
        quiet = ["-c", "core.hooksPath=/dev/null"]
        git(["clone", "-q", forge.remote, clone])
        git(["checkout", "-q", "-B", base, f"origin/{base}"], cwd=clone)
        if method == "SQUASH":
            if git(["merge", "--squash", "-q", f"origin/{head}"], cwd=clone,
                   check=False).returncode:
                raise GraphqlError("Pull Request is not mergeable")
            message = subject or f"{pr['title']} (#{pr['number']})"
            if body:
                message += "\n\n" + body
            git([*quiet, "commit", "-q", "--allow-empty", "--cleanup=whitespace", "-m", message],
                cwd=clone)
        else:
            message = subject or f"Merge pull request #{pr['number']} from {OWNER}/{head}"
            message += "\n\n" + (body if body is not None else pr["title"])
            if git([*quiet, "merge", "--no-ff", "-q", "-m", message, f"origin/{head}"],
                   cwd=clone, check=False).returncode:
                raise GraphqlError("Pull Request is not mergeable")
        git([*quiet, "push", "-q", "origin", f"HEAD:refs/heads/{base}"], cwd=clone)
        return git(["rev-parse", "HEAD"], cwd=clone).stdout.strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---- objects in GitHub's shapes -------------------------------------------------------------

def pr_node(forge, pr):
    """A pull request as GraphQL gives it: every field gh asks for in what git-release runs."""
    head_oid = rev(forge, f"refs/heads/{pr['headRefName']}") or pr.get("headRefOid") or ""
    checks = forge.control().get("checks", [{"name": "test", "conclusion": "SUCCESS"}])
    contexts = []
    for i, check in enumerate(checks):
        conclusion = check.get("conclusion")
        contexts.append({
            "__typename": "CheckRun",
            "name": check["name"],
            "checkSuite": {"workflowRun": {"workflow": {"name": "ci"}}},
            "status": "COMPLETED" if conclusion else "IN_PROGRESS",
            "conclusion": conclusion,
            "startedAt": STAMP,
            "completedAt": "2023-11-14T22:14:20Z" if conclusion else "0001-01-01T00:00:00Z",
            "detailsUrl": forge.web(f"actions/runs/{900 + i}/job/{i + 1}"),
            "isRequired": True,
        })
    rollup = {"contexts": {"nodes": contexts, "pageInfo": {"hasNextPage": False, "endCursor": ""}}}
    merged = pr["state"] == "MERGED"
    return {
        "id": pr["id"],
        "number": pr["number"],
        "title": pr["title"],
        "body": pr["body"],
        "state": pr["state"],
        "url": forge.web(f"pull/{pr['number']}"),
        "closed": pr["state"] != "OPEN",
        "isDraft": False,
        "headRefName": pr["headRefName"],
        "headRefOid": head_oid,
        "baseRefName": pr["baseRefName"],
        "isCrossRepository": False,
        "maintainerCanModify": False,
        "headRepositoryOwner": {"id": "U_1", "login": OWNER},
        "headRepository": {"id": "R_1", "name": NAME},
        "author": {"login": LOGIN},
        "mergeCommit": {"oid": pr["mergeCommit"]} if pr.get("mergeCommit") else None,
        "mergeStateStatus": "CLEAN" if pr["state"] == "OPEN" else "UNKNOWN",
        "mergeable": "MERGEABLE" if pr["state"] == "OPEN" else "UNKNOWN",
        "isInMergeQueue": False,
        "isMergeQueueEnabled": False,
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "closedAt": STAMP if pr["state"] != "OPEN" else None,
        "mergedAt": STAMP if merged else None,
        "mergedBy": {"login": LOGIN} if merged else None,
        "labels": {"nodes": [], "totalCount": 0},
        "assignees": {"nodes": [], "totalCount": 0},
        "commits": {"totalCount": 1, "nodes": [
            {"commit": {"oid": head_oid, "statusCheckRollup": rollup}}]},
        "statusCheckRollup": {"nodes": [{"commit": {"oid": head_oid, "statusCheckRollup": rollup}}]},
    }


def issue_node(forge, issue):
    return {
        "id": issue["id"],
        "number": issue["number"],
        "title": issue["title"],
        "body": issue["body"],
        "state": issue["state"],
        "url": forge.web(f"issues/{issue['number']}"),
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "closedAt": None,
        "author": {"login": LOGIN},
        "labels": {"nodes": [{"id": forge.labels.get(n, "LA_0"), "name": n, "color": "d73a4a",
                              "description": ""} for n in issue["labels"]],
                   "totalCount": len(issue["labels"])},
        "assignees": {"nodes": [], "totalCount": 0},
        "comments": {"totalCount": 0},
        "isPinned": False,
    }


def release_json(forge, release):
    rid = release["id"]
    return {
        "url": forge.api(f"releases/{rid}"),
        "html_url": forge.web(f"releases/tag/{urllib.parse.quote(release['tag'])}"),
        "assets_url": forge.api(f"releases/{rid}/assets"),
        "upload_url": f"https://{forge.host}/api/uploads/repos/{REPO}/releases/{rid}"
                      "/assets{?name,label}",
        "tarball_url": forge.api(f"tarball/{release['tag']}"),
        "zipball_url": forge.api(f"zipball/{release['tag']}"),
        "id": rid,
        "node_id": f"RE_{rid}",
        "tag_name": release["tag"],
        "target_commitish": release["target"],
        "name": release["name"],
        "body": release["body"],
        "draft": False,
        "prerelease": release["prerelease"],
        "created_at": STAMP,
        "published_at": STAMP,
        "author": {"login": LOGIN, "id": 1, "type": "User"},
        "assets": [],
    }


def run_json(forge, run):
    rid = run["id"]
    return {
        "id": rid,
        "name": WORKFLOW["name"],
        "display_title": run["head_branch"],
        "run_number": rid - 700,
        "run_attempt": 1,
        "event": run["event"],
        "status": run["status"],
        "conclusion": run["conclusion"],
        "workflow_id": WORKFLOW["id"],
        "head_branch": run["head_branch"],
        "head_sha": run["head_sha"],
        "path": WORKFLOW["path"],
        "url": forge.api(f"actions/runs/{rid}"),
        "html_url": forge.web(f"actions/runs/{rid}"),
        "jobs_url": forge.api(f"actions/runs/{rid}/jobs"),
        "logs_url": forge.api(f"actions/runs/{rid}/logs"),
        "created_at": STAMP,
        "updated_at": STAMP,
        "run_started_at": STAMP,
        "head_commit": {"id": run["head_sha"], "message": "release", "timestamp": STAMP},
        "head_repository": {"id": 1, "name": NAME, "full_name": REPO},
        "repository": {"id": 1, "name": NAME, "full_name": REPO},
    }


def ensure_runs(forge, branch):
    """The workflow runs a pushed tag `branch` started, made when first asked for: GitHub
    starts one on the push, and a manual (`workflow_dispatch`) run on the same ref comes later
    and fails, so only a caller that filters by event picks the right one."""
    if any(r["head_branch"] == branch for r in forge.runs):
        return
    sha = rev(forge, f"refs/tags/{branch}")
    if sha is None:
        return
    conclusion = forge.control().get("workflow_conclusion", "success")
    for event, outcome in (("push", conclusion), ("workflow_dispatch", "failure")):
        forge.runs.insert(0, {"id": 700 + forge.new_id(), "event": event, "head_branch": branch,
                              "head_sha": sha, "status": "completed", "conclusion": outcome})


def ensure_commit_runs(forge):
    """The runs `control.json`'s `commit_runs` asks for, on `main`, each made once."""
    for spec in forge.control().get("commit_runs", []):
        known = any(r["head_sha"] == spec["head_sha"] and r["head_branch"] == "main"
                    and r["conclusion"] == spec["conclusion"] for r in forge.runs)
        if not known:
            forge.runs.insert(0, {"id": 700 + forge.new_id(), "event": "push",
                                  "head_branch": "main", "head_sha": spec["head_sha"],
                                  "status": "completed", "conclusion": spec["conclusion"]})


# ---- GraphQL --------------------------------------------------------------------------------

def find_pr(forge, number):
    for pr in forge.prs:
        if pr["number"] == number:
            return pr
    raise GraphqlError(f"Could not resolve to a PullRequest with the number of {number}.",
                       "NOT_FOUND")


def pr_by_id(forge, node_id):
    for pr in forge.prs:
        if pr["id"] == node_id:
            return pr
    raise GraphqlError(f"Could not resolve to a node with the global id of '{node_id}'",
                       "NOT_FOUND")


def repository(forge, extra=None):
    repo = {"id": "R_1", "name": NAME, "owner": {"login": OWNER}, "nameWithOwner": REPO,
            "url": forge.web("").rstrip("/"), "isPrivate": False, "isFork": False,
            "hasIssuesEnabled": True, "viewerPermission": "ADMIN",
            "defaultBranchRef": {"name": "main"}, "parent": None,
            "mergeCommitAllowed": True, "rebaseMergeAllowed": True, "squashMergeAllowed": True}
    repo.update(extra or {})
    return {"repository": repo}


# GitHub answers a GraphQL query with exactly the fields it selects, and gh's typed queries
# refuse any other field: every answer is built whole, then cut to the query's selection.

def tokens(text):
    return re.findall(r'\.\.\.|"(?:[^"\\]|\\.)*"|[A-Za-z_$][\w]*|-?\d+(?:\.\d+)?|[{}()\[\]:!=,@]',
                      text)


def parse_selection(toks, i):
    """The selection set starting at toks[i] == "{": `(fields, next index)`. A field is
    `(key, name, subselection)`, a spread `("...", fragment name or type, subselection)`."""
    assert toks[i] == "{", toks[i:i + 5]
    i += 1
    fields = []
    while toks[i] != "}":
        if toks[i] == ",":
            i += 1
            continue
        if toks[i] == "...":
            if toks[i + 1] == "on":
                sub, i = parse_selection(toks, i + 3)
                fields.append(("...on", None, sub))
                continue
            fields.append(("...", toks[i + 1], None))
            i += 2
            continue
        key = name = toks[i]
        i += 1
        if toks[i] == ":":
            name = toks[i + 1]
            i += 2
        if toks[i] == "(":
            depth = 0
            while True:
                depth += {"(": 1, ")": -1}.get(toks[i], 0)
                i += 1
                if depth == 0:
                    break
        sub = None
        if toks[i] == "{":
            sub, i = parse_selection(toks, i)
        fields.append((key, name, sub))
    return fields, i + 1


def parse_document(query):
    """`(operation selection, {fragment name: selection})`."""
    toks = tokens(query)
    fragments, operation, i = {}, None, 0
    while i < len(toks):
        if toks[i] == "fragment":
            start = toks.index("{", i)
            fragments[toks[i + 1]], i = parse_selection(toks, start)
        elif toks[i] in ("query", "mutation") or toks[i] == "{":
            start = i if toks[i] == "{" else toks.index("{", i)
            # Skip the variable definitions: their default values hold no braces.
            operation, i = parse_selection(toks, start)
        else:
            i += 1
    return operation or [], fragments


def project(value, selection, fragments):
    """`value` cut to `selection`."""
    if selection is None or value is None:
        return value
    if isinstance(value, list):
        return [project(v, selection, fragments) for v in value]
    out = {}
    for key, name, sub in selection:
        if key == "...":
            out.update(project(value, fragments[name], fragments))
        elif key == "...on":
            out.update(project(value, sub, fragments))
        elif key == "__typename":
            out[key] = value.get("__typename", "")
        else:
            out[key] = project(value.get(key, value.get(name)), sub, fragments)
    return out


def graphql(forge, query, variables):
    """Answers one GraphQL request by its operation name."""
    found = re.search(r"\b(query|mutation)\s+(\w+)", query)
    op = found.group(2) if found else ""
    v = variables or {}
    if op.endswith("_fields"):
        # gh's feature detection asks which fields a type has: an enterprise server of the
        # time of gh 2.23, without merge queues or an issue's `stateReason`.
        answer = {}
        for alias, kind in re.findall(r'(\w+):\s*__type\(name:\s*"(\w+)"\)', query):
            names = TYPE_FIELDS.get(kind, [])
            answer[alias] = {"fields": [{"name": n} for n in names]}
        return op, answer
    if op == "UserCurrent":
        return op, {"viewer": {"login": LOGIN}}
    if op == "RepositoryInfo":
        return op, repository(forge)
    if op in ("PullRequestByNumber",):
        return op, repository(forge, {"pullRequest": pr_node(forge, find_pr(forge, v["pr_number"]))})
    if op == "PullRequestStatusChecks":
        return op, {"node": pr_node(forge, pr_by_id(forge, v["id"]))}
    if op == "PullRequestList":
        states = v.get("state") or ["OPEN"]
        nodes = [pr_node(forge, pr) for pr in reversed(forge.prs)
                 if pr["state"] in states
                 and (not v.get("headBranch") or pr["headRefName"] == v["headBranch"])
                 and (not v.get("baseBranch") or pr["baseRefName"] == v["baseBranch"])]
        nodes = nodes[: v.get("limit", 30)]
        return op, repository(forge, {"pullRequests": {
            "totalCount": len(nodes), "nodes": nodes,
            "pageInfo": {"hasNextPage": False, "endCursor": ""}}})
    if op == "PullRequestForBranch":
        nodes = [pr_node(forge, pr) for pr in reversed(forge.prs)
                 if pr["headRefName"] == v.get("headRefName")
                 and pr["state"] in (v.get("states") or ["OPEN", "CLOSED", "MERGED"])]
        return op, repository(forge, {"pullRequests": {"nodes": nodes}})
    if op == "PullRequestCreate":
        return op, create_pr(forge, v["input"])
    if op == "PullRequestMerge":
        return op, merge_pr(forge, v["input"])
    if op == "CommentCreate":
        pr_by_id(forge, v["input"]["subjectId"])
        cid = forge.new_id()
        return op, {"addComment": {"commentEdge": {"node": {
            "url": forge.web(f"pull/0#issuecomment-{cid}")}}}}
    if op == "PullRequestClose":
        pr = pr_by_id(forge, v["prID"] if "prID" in v else v["input"]["pullRequestId"])
        pr["state"] = "CLOSED"
        return op, {"closePullRequest": {"pullRequest": {"id": pr["id"]}}}
    if op == "RepositoryFindRef":
        sha = rev(forge, v.get("tagName") or v.get("qualifiedName"))
        return op, repository(forge, {"ref": {"id": f"REF_{sha}"} if sha else None})
    if op == "RepositoryReleaseByTag":
        release = next((r for r in forge.releases if r["tag"] == v["tagName"]), None)
        node = {"databaseId": release["id"], "isDraft": False} if release else None
        return op, repository(forge, {"release": node})
    if op in ("IssueList", "IssueSearch"):
        return op, list_issues(forge, op, v)
    if op == "RepositoryResolveMetadataIDs" or op.startswith("RepositoryLabel"):
        return op, resolve_labels(forge, query, v)
    if op == "IssueCreate":
        return op, create_issue(forge, v["input"])
    raise GraphqlError(f"fake github: no answer for the operation `{op}`")


def create_pr(forge, given):
    head, base = given["headRefName"], given["baseRefName"]
    if rev(forge, f"refs/heads/{head}") is None:
        raise GraphqlError(f"Head sha can't be blank, Base sha can't be blank, No commits "
                           f"between {base} and {head}, Head ref must be a branch")
    for pr in forge.prs:
        if pr["headRefName"] == head and pr["baseRefName"] == base and pr["state"] == "OPEN":
            raise GraphqlError(f"A pull request already exists for {OWNER}:{head}.")
    number = len(forge.prs) + len(forge.issues) + 1
    pr = {"id": f"PR_{number}", "number": number, "title": given["title"],
          "body": given.get("body") or "", "headRefName": head, "baseRefName": base,
          "state": "OPEN", "mergeCommit": None, "deletedBranch": False}
    forge.prs.append(pr)
    return {"createPullRequest": {"pullRequest": pr_node(forge, pr)}}


def merge_pr(forge, given):
    pr = pr_by_id(forge, given["pullRequestId"])
    if pr["state"] == "MERGED":
        raise GraphqlError("Pull Request is already merged")
    if pr["state"] != "OPEN":
        raise GraphqlError("Pull Request is closed")
    method = given.get("mergeMethod", "MERGE")
    pr["mergeCommit"] = merge_on_remote(forge, pr, method, given.get("commitHeadline"),
                                        given.get("commitBody"))
    pr["state"] = "MERGED"
    pr["mergeMethod"] = method
    return {"mergePullRequest": {"clientMutationId": None}}


def list_issues(forge, op, v):
    labels = v.get("labels") or []
    states = v.get("states") or ["OPEN"]
    query = v.get("query") or ""
    if op == "IssueSearch":
        # `gh issue list --search Q`: `repo:R is:issue is:open label:L Q` through search.
        words = re.findall(r'"[^"]*"|\S+', query)
        labels = [w.split(":", 1)[1].strip('"') for w in words if w.startswith("label:")]
        states = ["OPEN"] if "state:open" in words or "is:open" in words else ["OPEN", "CLOSED"]
        text = " ".join(w for w in words if ":" not in w).strip('"')
    else:
        text = ""
    nodes = [issue_node(forge, i) for i in reversed(forge.issues)
             if i["state"] in states and all(label in i["labels"] for label in labels)
             and all(word.lower() in i["title"].lower() for word in text.split())]
    page = {"totalCount": len(nodes), "nodes": nodes,
            "pageInfo": {"hasNextPage": False, "endCursor": ""}}
    if op == "IssueSearch":
        return {"repository": {"hasIssuesEnabled": True},
                "search": {"issueCount": len(nodes), **page}}
    return repository(forge, {"issues": page})


def resolve_labels(forge, query, v):
    """Label names to ids, in the aliased shape gh asks for (`l000: label(name: ...)`) or as
    a list of the repository's labels."""
    answer = {}
    for alias, name in re.findall(r'(\w+):\s*label\(name:\s*"((?:[^"\\]|\\.)*)"\)', query):
        name = json.loads(f'"{name}"')
        if name not in forge.labels:
            raise GraphqlError(f"'{name}' not found")
        answer[alias] = {"id": forge.labels[name], "name": name}
    if answer:
        return repository(forge, answer)
    labels = [{"id": i, "name": n, "color": "d73a4a", "description": ""}
              for n, i in forge.labels.items()]
    return repository(forge, {"labels": {"nodes": labels, "totalCount": len(labels),
                                         "pageInfo": {"hasNextPage": False, "endCursor": ""}}})


def create_issue(forge, given):
    number = len(forge.prs) + len(forge.issues) + 1
    ids = given.get("labelIds") or []
    names = [n for n, i in forge.labels.items() if i in ids]
    issue = {"id": f"I_{number}", "number": number, "title": given["title"],
             "body": given.get("body") or "", "labels": names, "state": "OPEN"}
    forge.issues.append(issue)
    return {"createIssue": {"issue": issue_node(forge, issue)}}


# ---- REST -----------------------------------------------------------------------------------

def rest(forge, method, path, query, body):
    """Answers one REST request under `/api/v3`: `(status, json, headers)`."""
    prefix = f"/repos/{REPO}"
    if path in ("", "/"):
        return 200, {"current_user_url": f"https://{forge.host}/api/v3/user"}, {
            "X-Oauth-Scopes": "repo, read:org, workflow, gist"}
    if not path.startswith(prefix + "/") and path != prefix:
        raise HttpError(404, "Not Found")
    rest_path = path[len(prefix):]
    if method == "GET" and rest_path == "":
        return 200, {"id": 1, "name": NAME, "full_name": REPO, "default_branch": "main",
                     "owner": {"login": OWNER}}, {}
    m = re.fullmatch(r"/releases/tags/(.+)", rest_path)
    if method == "GET" and m:
        tag = urllib.parse.unquote(m.group(1))
        release = next((r for r in forge.releases if r["tag"] == tag), None)
        if release and release.get("misses", 0) > 0:
            release["misses"] -= 1
            release = None
        if release is None:
            raise HttpError(404, "Not Found")
        return 200, release_json(forge, release), {}
    if method == "POST" and rest_path == "/releases":
        tag = body["tag_name"]
        if any(r["tag"] == tag for r in forge.releases):
            raise HttpError(422, "Validation Failed", [
                {"resource": "Release", "code": "already_exists", "field": "tag_name"}])
        target = body.get("target_commitish") or "main"
        release = {"id": forge.new_id(), "tag": tag, "name": body.get("name") or tag,
                   "body": body.get("body") or "", "prerelease": bool(body.get("prerelease")),
                   "target": target, "misses": forge.control().get("views_missing", 0)}
        forge.releases.append(release)
        return 201, release_json(forge, release), {}
    m = re.fullmatch(r"/releases/(\d+)", rest_path)
    if method == "PATCH" and m:
        release = next((r for r in forge.releases if r["id"] == int(m.group(1))), None)
        if release is None:
            raise HttpError(404, "Not Found")
        for key, field in (("body", "body"), ("name", "name"), ("prerelease", "prerelease"),
                           ("tag_name", "tag")):
            if key in body:
                release[field] = body[key]
        return 200, release_json(forge, release), {}
    if method == "GET" and rest_path == "/actions/workflows":
        return 200, {"total_count": 1, "workflows": [WORKFLOW]}, {}
    m = re.fullmatch(r"/actions/workflows/([^/]+)", rest_path)
    if method == "GET" and m:
        if m.group(1) not in (str(WORKFLOW["id"]), os.path.basename(WORKFLOW["path"])):
            raise HttpError(404, "Not Found")
        return 200, WORKFLOW, {}
    m = re.fullmatch(r"/actions(?:/workflows/(\d+))?/runs", rest_path)
    if method == "GET" and m:
        branch = query.get("branch", [None])[0]
        event = query.get("event", [None])[0]
        head_sha = query.get("head_sha", [None])[0]
        if branch:
            ensure_runs(forge, branch)
        ensure_commit_runs(forge)
        runs = [run_json(forge, r) for r in forge.runs
                if (branch is None or r["head_branch"] == branch)
                and (event is None or r["event"] == event)
                and (head_sha is None or r["head_sha"] == head_sha)]
        per_page = int(query.get("per_page", ["30"])[0])
        return 200, {"total_count": len(runs), "workflow_runs": runs[:per_page]}, {}
    m = re.fullmatch(r"/actions/runs/(\d+)", rest_path)
    if method == "GET" and m:
        run = next((r for r in forge.runs if r["id"] == int(m.group(1))), None)
        if run is None:
            raise HttpError(404, "Not Found")
        return 200, run_json(forge, run), {}
    m = re.fullmatch(r"/actions/runs/(\d+)/jobs", rest_path)
    if method == "GET" and m:
        run = next((r for r in forge.runs if r["id"] == int(m.group(1))), None)
        if run is None:
            raise HttpError(404, "Not Found")
        job = {"id": run["id"] * 10, "run_id": run["id"], "status": run["status"],
               "conclusion": run["conclusion"], "name": "publish", "started_at": STAMP,
               "completed_at": "2023-11-14T22:14:20Z",
               "html_url": forge.web(f"actions/runs/{run['id']}/job/{run['id'] * 10}"),
               "steps": [{"name": "publish", "status": "completed",
                          "conclusion": run["conclusion"], "number": 1}]}
        return 200, {"total_count": 1, "jobs": [job]}, {}
    m = re.fullmatch(r"/git/refs/heads/(.+)", rest_path)
    if method == "DELETE" and m:
        # `gh pr merge --delete-branch`: the head branch goes from the remote.
        branch = urllib.parse.unquote(m.group(1))
        if rev(forge, f"refs/heads/{branch}") is None:
            raise HttpError(422, "Reference does not exist")
        git(["update-ref", "-d", f"refs/heads/{branch}"], cwd=forge.remote)
        for pr in forge.prs:
            if pr["headRefName"] == branch:
                pr["deletedBranch"] = True
        return 204, None, {}
    m = re.fullmatch(r"/commits/([^/]+)/check-runs", rest_path)
    if method == "GET" and m:
        return 200, {"total_count": 0, "check_runs": []}, {}
    raise HttpError(404, "Not Found")


# ---- the server -----------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    forge = None
    host = None
    tls = None

    def log_message(self, format, *args):  # noqa: A002 (the base class names it so)
        pass

    def answer(self, status, value, headers=None):
        data = b"" if status == 204 else json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for key, text in (headers or {}).items():
            self.send_header(key, text)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        forge = self.forge
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        body = json.loads(raw) if raw else {}
        if self.headers.get("Authorization") != "token fake-enterprise-token":
            forge.log(self.command, url.path, None)
            self.answer(401, {"message": "Bad credentials"})
            return
        with forge.lock:
            operation = None
            try:
                if url.path == "/api/graphql" and self.command == "POST":
                    query = body.get("query", "")
                    operation, data = graphql(forge, query, body.get("variables"))
                    selection, fragments = parse_document(query)
                    status, value, headers = 200, {"data": project(data, selection, fragments)}, {}
                elif url.path.startswith("/api/v3"):
                    status, value, headers = rest(forge, self.command, url.path[len("/api/v3"):],
                                                  urllib.parse.parse_qs(url.query), body)
                else:
                    raise HttpError(404, "Not Found")
            except GraphqlError as e:
                status, value, headers = 200, e.body, {}
            except HttpError as e:
                status, value, headers = e.status, e.body, {}
            except Exception as e:  # noqa: BLE001 (a bug of the fake is GitHub's HTTP 500)
                status, value, headers = 500, {"message": f"fake github: {e!r}"}, {}
            forge.log(self.command, self.path, operation)
            forge.save()
        self.answer(status, value, headers)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any

    def do_CONNECT(self):  # noqa: N802 (the base class dispatches on the method's name)
        """The HTTPS proxy's tunnel: answers 200, then speaks TLS with the certificate of the
        forge's host on the same connection and serves the requests that come through it."""
        if self.path.rsplit(":", 1)[0] != self.host:
            self.send_error(403, "fake github: only its own host is proxied")
            return
        self.send_response(200, "Connection established")
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.wfile.flush()
        try:
            tunnel = self.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        Handler(tunnel, self.client_address, self.server)
        self.close_connection = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--remote", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--host", required=True)
    a = parser.parse_args()
    forge = Forge(a.dir, a.remote, a.host)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(a.cert, a.key)
    Handler.forge = forge
    Handler.host = a.host
    Handler.tls = context
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    forge.port = server.server_address[1]
    forge.save()
    port_file = os.path.join(a.dir, "port")
    with open(port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(forge.port))
    os.replace(port_file + ".tmp", port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
