"""A stand-in for the GitHub REST API on 127.0.0.1: the endpoints mlci.publish uses, for real.

A real HTTP server in a thread, so the client's real code runs: TLS aside, the same sockets,
headers, JSON, `Link` pagination, status codes and bodies as GitHub's. It keeps state (the
comments of each pull request), checks the token, records every request, and can be told
to fail (`Fault`) the way GitHub does: 5xx, rate limits, permission 403s. Each comment has
an author (`user.login`, `user.type`); the token is a user's (`user=`) or, by default, the
Actions `GITHUB_TOKEN`, whose comments are by github-actions[bot]. Like GitHub's, its list
can lag behind a write (`lag`).

Endpoints, as GitHub documents them (under `prefix`, "/api/v3" for GitHub Enterprise):
    GET    /user  (403 "Resource not accessible by integration" for an installation token)
    GET    /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=
    POST   /repos/{owner}/{repo}/issues/{number}/comments
    PATCH  /repos/{owner}/{repo}/issues/comments/{id}
    DELETE /repos/{owner}/{repo}/issues/comments/{id}
    GET    /repos/{owner}/{repo}/releases/tags/{tag}
    POST   /repos/{owner}/{repo}/releases
    GET    /repos/{owner}/{repo}/releases/{id}/assets
    POST   {upload_url}?name=   (a release's upload URL, on this server unless `upload_host`)
    DELETE /repos/{owner}/{repo}/releases/assets/{id}
    GET    /repos/{owner}/{repo}/deployments?sha=&environment=
    POST   /repos/{owner}/{repo}/deployments
    POST   /repos/{owner}/{repo}/deployments/{id}/statuses
    GET    /repos/{owner}/{repo}/actions/runs/{id}/approvals   (`approvals`)
    POST   /repos/{owner}/{repo}/actions/workflows/{file}/dispatches   (204, `dispatches`)
    GET    /repos/{owner}/{repo}/issues?state=&per_page=&page=   (`issues`; no pull requests)
    POST   /repos/{owner}/{repo}/issues
    PATCH  /repos/{owner}/{repo}/issues/{number}   (body, state, state_reason)
    GET    /repos/{owner}/{repo}/pulls?head=&state=   (`pulls`)
    POST   /repos/{owner}/{repo}/pulls
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_LIST_OR_CREATE = re.compile(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments")
_UPDATE = re.compile(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)")
_RELEASE_BY_TAG = re.compile(r"/repos/([^/]+/[^/]+)/releases/tags/([^/]+)")
_RELEASES = re.compile(r"/repos/([^/]+/[^/]+)/releases")
_ASSETS = re.compile(r"/repos/([^/]+/[^/]+)/releases/(\d+)/assets")
_UPLOAD = re.compile(r"/uploads/repos/([^/]+/[^/]+)/releases/(\d+)/assets")
_ASSET = re.compile(r"/repos/([^/]+/[^/]+)/releases/assets/(\d+)")
_DEPLOYMENTS = re.compile(r"/repos/([^/]+/[^/]+)/deployments")
_STATUSES = re.compile(r"/repos/([^/]+/[^/]+)/deployments/(\d+)/statuses")
_DISPATCHES = re.compile(r"/repos/([^/]+/[^/]+)/actions/workflows/([^/]+)/dispatches")
_PULLS = re.compile(r"/repos/([^/]+/[^/]+)/pulls")
_ISSUES = re.compile(r"/repos/([^/]+/[^/]+)/issues")
_ISSUE = re.compile(r"/repos/([^/]+/[^/]+)/issues/(\d+)")
_APPROVALS = re.compile(r"/repos/([^/]+/[^/]+)/actions/runs/(\d+)/approvals")
BOT = "github-actions[bot]"


@dataclass
class Fault:
    """Answer matching requests with `status` instead of the real reply, `times` times."""

    method: str
    status: int
    times: int = 1
    path: str = ""
    """A substring the request's path and query must contain ("" matches any)."""
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"
    after_effect: bool = False
    """Do the real work first, then fail: a gateway error after the write happened."""


@dataclass(frozen=True)
class Seen:
    method: str
    target: str
    """Path and query as sent, prefix included."""
    authorized: bool


class FakeGitHub:
    """The server and its state; use as a context manager."""

    def __init__(
        self,
        token: str,
        prefix: str = "",
        link_host: str | None = None,
        *,
        user: str | None = None,
        lag: int = 0,
    ) -> None:
        self.token = token
        self.prefix = prefix
        self.link_host = link_host
        """Host to put in `Link` URLs instead of our own (to test that it is refused)."""
        self.user = user
        """Login of the user the token belongs to; None: an installation token (Actions')."""
        self.lag = lag
        """List requests that do not show a comment yet after the POST that made it."""
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.hidden: dict[int, int] = {}
        """Comment id -> list requests that will still leave it out (the lag)."""
        self.delay = 0.0
        """Seconds to think before every answer: a slow server, within any read timeout."""
        self.faults: list[Fault] = []
        self.releases: dict[str, list[dict[str, Any]]] = {}
        self.assets: dict[int, list[dict[str, Any]]] = {}
        """Release id -> its assets, each with its `data`."""
        self.deployments: dict[str, list[dict[str, Any]]] = {}
        self.statuses: dict[int, list[dict[str, Any]]] = {}
        self.approvals: dict[int, list[dict[str, Any]]] = {}
        """Run id -> what GET .../approvals answers."""
        self.pulls: dict[str, list[dict[str, Any]]] = {}
        """Repository -> the pull requests opened through the API."""
        self.issues: dict[str, list[dict[str, Any]]] = {}
        """Repository -> its issues, each with number, title, body, state and user."""
        self.dispatches: list[dict[str, Any]] = []
        """Each workflow dispatch: repository, workflow file, ref and inputs."""
        self.upload_host: str | None = None
        """Host to name in a release's `upload_url` instead of our own (to test refusal)."""
        self.requests: list[Seen] = []
        self._next_id = 1001
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        # A short poll interval: shutdown() waits for it, and the default 0.5 s is per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def add_comment(self, repo: str, number: int, body: str, author: str = BOT) -> dict[str, Any]:
        with self._lock:
            comment = {
                "id": self._next_id,
                "body": body,
                "html_url": f"https://github.test/{repo}/pull/{number}#issuecomment-{self._next_id}",
                "user": {"login": author, "type": "Bot" if author.endswith("[bot]") else "User"},
            }
            self._next_id += 1
            self.comments.setdefault((repo, number), []).append(comment)
            return comment

    def add_issue(self, repo: str, title: str, body: str, author: str) -> dict[str, Any]:
        """An open issue someone wrote (to test that mlci leaves others' issues alone)."""
        with self._lock:
            return self._make_issue(repo, title, body, author)

    def _make_issue(self, repo: str, title: str, body: str, author: str) -> dict[str, Any]:
        """Called with the lock held."""
        issue = {
            "number": self._next_id,
            "title": title,
            "body": body,
            "state": "open",
            "html_url": f"https://github.test/{repo}/issues/{self._next_id}",
            "user": {"login": author, "type": "Bot" if author.endswith("[bot]") else "User"},
        }
        self._next_id += 1
        self.issues.setdefault(repo, []).append(issue)
        return issue

    def seen(self, method: str) -> list[str]:
        """Targets of the requests made with `method`, in order."""
        return [r.target for r in self.requests if r.method == method]

    def take_fault(self, method: str, target: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path in target:
                    fault.times -= 1
                    return fault
        return None


def _handler(github: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as GitHub; every reply has a length

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            auth = self.headers.get("Authorization", "")
            authorized = auth in (f"Bearer {github.token}", f"token {github.token}")
            github.requests.append(Seen(method, self.path, authorized))
            time.sleep(github.delay)
            if not authorized:
                return self._send(401, {"message": "Bad credentials"})
            fault = github.take_fault(method, self.path)
            if fault is not None and not fault.after_effect:
                return self._send(fault.status, {"message": fault.message}, fault.headers)
            status, data, headers = self._route(method, raw)
            if fault is not None:
                return self._send(fault.status, {"message": fault.message}, fault.headers)
            self._send(status, data, headers)

        def _route(self, method: str, raw: bytes) -> tuple[int, Any, dict[str, str]]:
            url = urlsplit(self.path)
            if not url.path.startswith(github.prefix + "/"):
                return 404, {"message": "Not Found"}, {}
            path = url.path[len(github.prefix) :]
            if path == "/user" and method == "GET":
                if github.user is None:
                    return 403, {"message": "Resource not accessible by integration"}, {}
                return 200, {"login": github.user, "id": 1, "type": "User"}, {}
            if (match := _LIST_OR_CREATE.fullmatch(path)) and method == "GET":
                return self._list(match[1], int(match[2]), parse_qs(url.query))
            if match and method == "POST":
                body = json.loads(raw)["body"]
                made = github.add_comment(match[1], int(match[2]), body, github.user or BOT)
                if github.lag:
                    github.hidden[made["id"]] = github.lag
                return 201, made, {}
            if (found := self._releases_route(method, path, url.query, raw)) is not None:
                return found
            if (match := _UPDATE.fullmatch(path)) and method == "PATCH":
                return self._update(match[1], int(match[2]), json.loads(raw)["body"])
            if match and method == "DELETE":
                return self._delete(match[1], int(match[2]))
            return 404, {"message": "Not Found"}, {}

        def _releases_route(
            self, method: str, path: str, query: str, raw: bytes
        ) -> tuple[int, Any, dict[str, str]] | None:
            with github._lock:
                return self._releases_locked(method, path, query, raw)

        def _releases_locked(
            self, method: str, path: str, query: str, raw: bytes
        ) -> tuple[int, Any, dict[str, str]] | None:
            host = github.upload_host or self.headers["Host"]
            if (match := _RELEASE_BY_TAG.fullmatch(path)) and method == "GET":
                tag = unquote(match[2])
                for release in github.releases.get(match[1], []):
                    if release["tag_name"] == tag:
                        return 200, release, {}
                return 404, {"message": "Not Found"}, {}
            if (match := _RELEASES.fullmatch(path)) and method == "POST":
                body = json.loads(raw)
                id_ = github._next_id
                github._next_id += 1
                release = {
                    **body,
                    "id": id_,
                    "html_url": f"https://github.test/{match[1]}/releases/{id_}",
                    "upload_url": f"http://{host}{github.prefix}/uploads/repos/{match[1]}"
                    f"/releases/{id_}/assets{{?name,label}}",
                }
                github.releases.setdefault(match[1], []).append(release)
                return 201, release, {}
            if (match := _ASSETS.fullmatch(path)) and method == "GET":
                listed = [
                    {k: v for k, v in a.items() if k != "data"}
                    for a in github.assets.get(int(match[2]), [])
                ]
                return 200, listed, {}
            if (match := _UPLOAD.fullmatch(path)) and method == "POST":
                name = parse_qs(query)["name"][0]
                id_ = github._next_id
                github._next_id += 1
                asset = {
                    "id": id_,
                    "name": name,
                    "size": len(raw),
                    "content_type": self.headers.get("Content-Type"),
                    "browser_download_url": f"https://github.test/{match[1]}/download/{name}",
                    "data": raw,
                }
                github.assets.setdefault(int(match[2]), []).append(asset)
                return 201, {k: v for k, v in asset.items() if k != "data"}, {}
            if (match := _ASSET.fullmatch(path)) and method == "DELETE":
                for assets in github.assets.values():
                    assets[:] = [a for a in assets if a["id"] != int(match[2])]
                return 204, None, {}
            if (match := _DEPLOYMENTS.fullmatch(path)) and method == "GET":
                asked = parse_qs(query)
                listed = [
                    d
                    for d in github.deployments.get(match[1], [])
                    if d["sha"] == asked.get("sha", [d["sha"]])[0]
                    and d["environment"] == asked.get("environment", [d["environment"]])[0]
                ]
                return 200, listed, {}
            if (match := _DEPLOYMENTS.fullmatch(path)) and method == "POST":
                body = json.loads(raw)
                id_ = github._next_id
                github._next_id += 1
                made = {**body, "id": id_, "sha": body["ref"]}
                github.deployments.setdefault(match[1], []).append(made)
                return 201, made, {}
            if (match := _STATUSES.fullmatch(path)) and method == "POST":
                status = json.loads(raw)
                github.statuses.setdefault(int(match[2]), []).append(status)
                return 201, {**status, "id": github._next_id}, {}
            if (found := self._issues_locked(method, path, query, raw)) is not None:
                return found
            if (match := _DISPATCHES.fullmatch(path)) and method == "POST":
                body = json.loads(raw)
                if not isinstance(body.get("ref"), str):
                    return 422, {"message": "Invalid request: ref is required"}, {}
                workflow = unquote(match[2])
                github.dispatches.append({"repository": match[1], "workflow": workflow, **body})
                return 204, None, {}
            if (match := _APPROVALS.fullmatch(path)) and method == "GET":
                return 200, github.approvals.get(int(match[2]), []), {}
            return None

        def _issues_locked(
            self, method: str, path: str, query: str, raw: bytes
        ) -> tuple[int, Any, dict[str, str]] | None:
            if (match := _PULLS.fullmatch(path)) and method == "GET":
                asked = parse_qs(query)
                head = asked.get("head", [""])[0].partition(":")[2]
                listed = [
                    pull for pull in github.pulls.get(match[1], [])
                    if not head or pull["head"]["ref"] == head
                ]  # fmt: skip
                return 200, listed, {}
            if (match := _PULLS.fullmatch(path)) and method == "POST":
                body = json.loads(raw)
                number = github._next_id
                github._next_id += 1
                pull = {
                    "number": number,
                    "title": body["title"],
                    "body": body.get("body", ""),
                    "state": "open",
                    "head": {"ref": body["head"]},
                    "base": {"ref": body["base"]},
                    "html_url": f"https://github.test/{match[1]}/pull/{number}",
                }
                github.pulls.setdefault(match[1], []).append(pull)
                return 201, pull, {}
            if (match := _ISSUES.fullmatch(path)) and method == "GET":
                asked = parse_qs(query)
                state = asked.get("state", ["open"])[0]
                per_page = min(int(asked.get("per_page", ["30"])[0]), 100)
                page = int(asked.get("page", ["1"])[0])
                listed = [
                    i for i in github.issues.get(match[1], []) if state in ("all", i["state"])
                ]
                items = listed[(page - 1) * per_page : page * per_page]
                links = {}
                if page * per_page < len(listed):
                    base = f"http://{self.headers['Host']}{urlsplit(self.path).path}"
                    links["Link"] = (
                        f'<{base}?state={state}&per_page={per_page}&page={page + 1}>; rel="next"'
                    )
                return 200, items, links
            if (match := _ISSUES.fullmatch(path)) and method == "POST":
                body = json.loads(raw)
                made = github._make_issue(
                    match[1], body["title"], body.get("body", ""), github.user or BOT
                )
                return 201, made, {}
            if (match := _ISSUE.fullmatch(path)) and method == "PATCH":
                for issue in github.issues.get(match[1], []):
                    if issue["number"] == int(match[2]):
                        issue.update(json.loads(raw))
                        return 200, issue, {}
                return 404, {"message": "Not Found"}, {}
            return None

        def _list(
            self, repo: str, number: int, query: dict[str, list[str]]
        ) -> tuple[int, Any, dict[str, str]]:
            per_page = min(int(query.get("per_page", ["30"])[0]), 100)
            page = int(query.get("page", ["1"])[0])
            with github._lock:
                comments = [
                    c
                    for c in github.comments.get((repo, number), [])
                    if c["id"] not in github.hidden
                ]
                for id_ in list(github.hidden):  # the lag runs down with each list request
                    github.hidden[id_] -= 1
                    if github.hidden[id_] == 0:
                        del github.hidden[id_]
            last = max(1, -(-len(comments) // per_page))
            items = comments[(page - 1) * per_page : page * per_page]
            host = github.link_host or self.headers["Host"]
            base = f"http://{host}{urlsplit(self.path).path}"
            links = [
                f'<{base}?per_page={per_page}&page={n}>; rel="{rel}"'
                for n, rel in ((page + 1, "next"), (last, "last"))
                if page < last
            ]
            return 200, items, ({"Link": ", ".join(links)} if links else {})

        def _update(self, repo: str, id_: int, body: str) -> tuple[int, Any, dict[str, str]]:
            for (owner_repo, _), comments in github.comments.items():
                for comment in comments:
                    if owner_repo == repo and comment["id"] == id_:
                        comment["body"] = body
                        return 200, comment, {}
            return 404, {"message": "Not Found"}, {}

        def _delete(self, repo: str, id_: int) -> tuple[int, Any, dict[str, str]]:
            for (owner_repo, _), comments in github.comments.items():
                for comment in comments:
                    if owner_repo == repo and comment["id"] == id_:
                        comments.remove(comment)
                        return 204, None, {}
            return 404, {"message": "Not Found"}, {}

        def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            payload = b"" if status == 204 else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler
