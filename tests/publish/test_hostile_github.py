"""A GitHub API that misbehaves on purpose, on 127.0.0.1: mlci's client and comment hold.

Each test performs one attack for real over HTTP, with FakeGitHub or with a small server
of its own (`Scripted`) for what FakeGitHub does not do (trickled bytes, endless pages,
echoed tokens). Nothing of mlci or of requests is mocked; only sleeping is faked, by a
clock that moves on instead.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mlci.publish import publish
from mlci.publish.github import MAX_PAGES, MAX_REPLY_BYTES, GitHubError, GitHubForbidden
from mlci.publish.limits import REPORT_MARKER as MARKER
from mlci.publish.retry import RetryPolicy
from tests.conftest import Repo, Result
from tests.e2e.workflow_steps import find_step, run_step
from tests.publish.github_server import BOT, FakeGitHub, Fault
from tests.publish.test_publish import COMMENTS, NOW, PR, REPO, TOKEN, actions_env

UPDATE = f"/repos/{REPO}/issues/comments"


class Clock:
    """The injected sleep and monotonic clock: a sleep moves the clock on, at once."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def monotonic(self) -> float:
        return time.monotonic() + sum(self.slept)

    def policy(self, **overrides: Any) -> RetryPolicy:
        return RetryPolicy(
            sleep=self.sleep, monotonic=self.monotonic, clock=lambda: NOW, **overrides
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, github: FakeGitHub) -> dict[str, str]:
    return actions_env(tmp_path, github.url)


def authored(github: FakeGitHub) -> list[tuple[str, str]]:
    """(author, body) of every comment on the pull request, oldest first."""
    return [(c["user"]["login"], c["body"]) for c in github.comments.get((REPO, PR), [])]


# --- a small server that misbehaves in ways FakeGitHub does not ----------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[["Scripted", Request, BaseHTTPRequestHandler], None]


class Scripted:
    """An HTTP/1.1 server on 127.0.0.1 whose every reply is written by `answer`."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        """Set when the test ends: a reply that trickles on forever stops then."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Scripted:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up: as intended

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method,
                    self.path,
                    dict(self.headers.items()),
                    self.rfile.read(length) if length else b"",
                )
                scripted.requests.append(request)
                scripted.answer(scripted, request, self)

        return Handler


def send(
    handler: BaseHTTPRequestHandler, status: int, data: Any, headers: dict[str, str] | None = None
) -> None:
    payload = json.dumps(data).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)


def installation_token(request: Request, handler: BaseHTTPRequestHandler) -> bool:
    """Answer GET /user as GitHub does for GITHUB_TOKEN; True when it was that request."""
    if request.path != "/user":
        return False
    send(handler, 403, {"message": "Resource not accessible by integration"})
    return True


# --- 1. only mlci's own comment is ever edited ----------------------------------------------


def test_a_strangers_comment_with_the_marker_is_never_edited(
    github: FakeGitHub, env: dict[str, str], clock: Clock
) -> None:
    bait = f"{MARKER}\n**✅ mlci: passed**: all merge rules pass"
    github.add_comment(REPO, PR, bait, author="mallory")

    first = publish("accuracy 0.5", env, retry=clock.policy())
    second = publish("accuracy 0.4", env, retry=clock.policy())

    assert (first.comment, second.comment) == ("created", "updated")
    assert authored(github) == [("mallory", bait), (BOT, f"{MARKER}\naccuracy 0.4")]
    assert github.seen("PATCH") == [f"{UPDATE}/1002"]  # mlci's own, never 1001


def test_with_a_personal_token_only_that_users_comment_is_edited(
    tmp_path: Path, clock: Clock
) -> None:
    with FakeGitHub(TOKEN, user="octocat") as github:
        github.add_comment(REPO, PR, f"{MARKER}\nfrom GITHUB_TOKEN, before", author=BOT)
        github.add_comment(REPO, PR, f"{MARKER}\nbait", author="mallory")
        env = actions_env(tmp_path, github.url)

        publish("first", env, retry=clock.policy())
        publish("second", env, retry=clock.policy())

    assert authored(github) == [
        (BOT, f"{MARKER}\nfrom GITHUB_TOKEN, before"),
        ("mallory", f"{MARKER}\nbait"),
        ("octocat", f"{MARKER}\nsecond"),
    ]
    assert github.seen("GET")[0] == "/user"
    assert github.seen("PATCH") == [f"{UPDATE}/1003"]


def test_mlci_comment_author_names_the_bot_of_another_apps_token(
    github: FakeGitHub, env: dict[str, str], clock: Clock
) -> None:
    github.add_comment(REPO, PR, f"{MARKER}\nold", author="my-app[bot]")
    github.add_comment(REPO, PR, f"{MARKER}\nold", author=BOT)

    result = publish("new", {**env, "MLCI_COMMENT_AUTHOR": "my-app[bot]"}, retry=clock.policy())

    assert result.comment == "updated"
    assert authored(github) == [("my-app[bot]", f"{MARKER}\nnew"), (BOT, f"{MARKER}\nold")]
    assert "/user" not in github.seen("GET")  # the variable answers who the token is


def test_a_comment_written_as_someone_else_than_expected_is_pointed_out(
    github: FakeGitHub, env: dict[str, str], clock: Clock
) -> None:
    result = publish("new", {**env, "MLCI_COMMENT_AUTHOR": "my-app[bot]"}, retry=clock.policy())

    assert result.comment == "created"
    assert result.notes[-1] == (
        f"PR comment: the comment was written as {BOT}, not my-app[bot], so the next run "
        f"cannot find it: set MLCI_COMMENT_AUTHOR={BOT} for the report step"
    )


@pytest.mark.parametrize(
    ("status", "message"), [(403, "Resource not accessible by integration"), (404, "Not Found")]
)
def test_an_own_comment_that_cannot_be_updated_fails_in_one_line(
    github: FakeGitHub, env: dict[str, str], clock: Clock, status: int, message: str
) -> None:
    old = github.add_comment(REPO, PR, f"{MARKER}\nold report")
    github.faults.append(Fault("PATCH", status, times=10, message=message))

    with pytest.raises(GitHubError) as raised:
        publish("new report", env, retry=clock.policy())

    # Not a GitHubForbidden, which publish() turns into a skipped comment: the pull request
    # would go on showing the old report as this run's.
    assert not isinstance(raised.value, GitHubForbidden)
    assert str(raised.value) == (
        f"cannot update mlci's report comment {old['html_url']}, which still shows an older "
        f"report: GitHub API PATCH {github.url}{UPDATE}/1001 failed: {status} {message}"
    )
    assert old["body"] == f"{MARKER}\nold report"
    assert clock.slept == []


# --- 2. one deadline for the whole publish -------------------------------------------------


def test_a_server_that_asks_to_retry_forever_is_left_at_the_deadline(
    github: FakeGitHub, env: dict[str, str], clock: Clock
) -> None:
    github.faults.append(
        Fault("GET", 429, times=10**6, path=COMMENTS, headers={"Retry-After": "7"})
    )

    with pytest.raises(GitHubError) as raised:
        publish("report", env, retry=clock.policy(attempts=10**6, deadline=60))

    assert str(raised.value) == (
        f"GitHub API GET {github.url}{COMMENTS} failed: 429 Server Error; a retry in 7 s "
        "would be too late; publishing has a deadline of 60 s and mlci stopped there"
    )
    assert clock.slept == [7.0] * 8  # 56 s waited; 7 more would pass 60
    assert len(github.seen("GET")) == 1 + 9


def test_a_slow_server_is_left_at_the_deadline(
    github: FakeGitHub, env: dict[str, str], clock: Clock
) -> None:
    for n in range(MAX_PAGES * 100):  # more pages than mlci has time for
        github.add_comment(REPO, PR, f"comment {n}")
    github.delay = 0.25  # each answer comes, well within the read timeout

    started = time.monotonic()
    with pytest.raises(GitHubError, match=r"publishing has a deadline of 1 s"):
        publish("report", env, retry=clock.policy(deadline=1.0))

    assert time.monotonic() - started < 1.5
    assert len(github.requests) <= 5


def trickle(part: str) -> Answer:
    """A reply sent one byte at a time, a little within the read timeout for each byte."""

    def answer(server: Scripted, request: Request, handler: BaseHTTPRequestHandler) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999\r\n"
        slow, fast = (head, b"") if part == "headers" else (b"", head + b"\r\n")
        handler.wfile.write(fast)
        handler.wfile.flush()
        for byte in slow or b"[" + b" " * 99_998:
            if server.stopping.wait(0.05):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    return answer


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_reply_trickled_byte_by_byte_is_left_at_the_deadline(
    tmp_path: Path, clock: Clock, part: str
) -> None:
    with Scripted(trickle(part)) as server:
        env = actions_env(tmp_path, server.url)
        started = time.monotonic()
        with pytest.raises(GitHubError) as raised:
            publish("report", env, retry=clock.policy(deadline=1.0))
        elapsed = time.monotonic() - started

    assert str(raised.value) == (
        f"GitHub API GET {server.url}/user failed: the server had not answered in full; "
        "publishing has a deadline of 1 s and mlci stopped there"
    )
    assert elapsed < 1.5
    assert len(server.requests) == 1


# --- 3. a list without end ----------------------------------------------------------------


def endless(next_link: Callable[[str, int], str]) -> Answer:
    """Comment pages by a stranger, each with a `next` link made by `next_link(url, page)`."""

    def answer(server: Scripted, request: Request, handler: BaseHTTPRequestHandler) -> None:
        if installation_token(request, handler):
            return
        page = int(parse_qs(urlsplit(request.path).query).get("page", ["1"])[0])
        item = {"id": page, "body": f"{MARKER}\nbait", "user": {"login": "mallory"}}
        link = f'<{next_link(server.url + request.path, page)}>; rel="next"'
        send(handler, 200, [item] * 100, {"Link": link})

    return answer


def test_endless_next_pages_stop_at_the_cap(tmp_path: Path, clock: Clock) -> None:
    def following(url: str, page: int) -> str:
        return f"{url.partition('&page=')[0]}&page={page + 1}"

    with Scripted(endless(following)) as server:
        env = actions_env(tmp_path, server.url)
        with pytest.raises(GitHubError) as raised:
            publish("report", env, retry=clock.policy())

    assert str(raised.value) == (
        f"GitHub API GET {server.url}{COMMENTS} failed: still a next page after {MAX_PAGES} "
        "pages, the most mlci reads; stopped there"
    )
    assert len(server.requests) == 1 + MAX_PAGES
    assert not [r for r in server.requests if r.method != "GET"]


def test_a_next_link_to_the_same_page_stops_at_once(tmp_path: Path, clock: Clock) -> None:
    with Scripted(endless(lambda url, page: url)) as server:
        env = actions_env(tmp_path, server.url)
        with pytest.raises(GitHubError, match="the next-page link repeats a page already read"):
            publish("report", env, retry=clock.policy())

    assert [r.path for r in server.requests] == ["/user", f"{COMMENTS}?per_page=100"]


def test_a_reply_without_end_is_read_up_to_the_cap(tmp_path: Path, clock: Clock) -> None:
    def answer(server: Scripted, request: Request, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b" " * 65536
        while not server.stopping.is_set():
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    with Scripted(answer) as server:
        env = actions_env(tmp_path, server.url)
        with pytest.raises(GitHubError) as raised:
            publish("report", env, retry=clock.policy())

    assert str(raised.value) == (
        f"GitHub API GET {server.url}/user failed: the reply is longer than "
        f"{MAX_REPLY_BYTES // 2**20} MiB, more than any GitHub API reply mlci reads"
    )


# --- 4. a create that answered 502, and a list that lags -----------------------------------


def test_a_502_on_create_with_a_lagging_list_leaves_one_comment(
    tmp_path: Path, clock: Clock
) -> None:
    with FakeGitHub(TOKEN, lag=1) as github:
        github.faults.append(Fault("POST", 502, after_effect=True, message="Bad Gateway"))
        env = actions_env(tmp_path, github.url)

        result = publish("report", env, retry=clock.policy())

    assert result.comment == "created"
    assert authored(github) == [(BOT, f"{MARKER}\nreport")]
    assert len(github.seen("POST")) == 1
    # The first look after the 502 missed the comment; the second found it.
    assert clock.slept == [1.0, 2.0]
    assert github.seen("GET") == ["/user", *[f"{COMMENTS}?per_page=100"] * 3]


def test_a_list_that_lags_longer_than_mlci_looks_leaves_a_copy_the_next_publish_removes(
    tmp_path: Path, clock: Clock
) -> None:
    with FakeGitHub(TOKEN, lag=4) as github:
        github.faults.append(Fault("POST", 502, after_effect=True, message="Bad Gateway"))
        env = actions_env(tmp_path, github.url)

        first = publish("report 1", env, retry=clock.policy())
        assert first.comment == "created"
        assert len(github.seen("POST")) == 2  # three looks saw nothing: posted again
        github.hidden.clear()  # by the next push, the list has caught up
        second = publish("report 2", env, retry=clock.policy())

    assert second.comment == "updated"
    assert second.notes[-1] == "PR comment: removed 1 duplicate report comment(s)"
    assert authored(github) == [(BOT, f"{MARKER}\nreport 2")]
    assert github.seen("PATCH") == [f"{UPDATE}/1001"]  # the oldest is kept
    assert github.seen("DELETE") == [f"{UPDATE}/1002"]


# --- 5. redirects to another host ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status"), [("POST", 307), ("POST", 308), ("PATCH", 307), ("GET", 302)]
)
def test_a_redirect_to_another_host_gets_neither_the_token_nor_the_body(
    tmp_path: Path, clock: Clock, method: str, status: int
) -> None:
    with FakeGitHub(TOKEN) as api, FakeGitHub(TOKEN) as elsewhere:
        if method == "PATCH":
            api.add_comment(REPO, PR, f"{MARKER}\nold")
        path = COMMENTS if method != "PATCH" else f"{UPDATE}/1001"
        location = {"Location": f"{elsewhere.url}{path}"}
        api.faults.append(Fault(method, status, path=path, headers=location, message="Moved"))
        env = actions_env(tmp_path, api.url)

        with pytest.raises(GitHubError) as raised:
            publish("secret report", env, retry=clock.policy())

    assert elsewhere.requests == []  # the other port: nothing at all, so no token, no body
    assert str(raised.value).endswith(
        f"failed: {status} redirect to {elsewhere.url}, away from {api.url}; not sending the "
        "token or the request there (check GITHUB_API_URL)"
    )
    assert clock.slept == []


def test_a_redirect_within_the_api_is_followed(
    tmp_path: Path, github: FakeGitHub, clock: Clock
) -> None:
    # What GitHub does for a renamed repository: a 307 to the new path, same host.
    moved = {"Location": f"{github.url}{COMMENTS}"}
    github.faults.append(Fault("POST", 307, path="/renamed/", headers=moved, message="Moved"))
    renamed = {**actions_env(tmp_path, github.url), "GITHUB_REPOSITORY": "octo/renamed"}
    github.comments[("octo/renamed", PR)] = []

    assert publish("report", renamed, retry=clock.policy()).comment == "created"
    assert authored(github) == [(BOT, f"{MARKER}\nreport")]
    assert all(r.authorized for r in github.requests)


# --- 6. the token, echoed back whole or in pieces, is never shown ---------------------------


def token_forms() -> list[str]:
    raw = TOKEN.encode()
    forms = [TOKEN, "".join(f"%{b:02x}" for b in raw)]
    for offset in range(3):
        forms.append(base64.b64encode(raw[offset:]).decode().rstrip("="))
    return forms


def leaks(*texts: object) -> list[str]:
    """Every piece of 8+ characters of the token, in any form, found in `texts`."""
    found = []
    for text in texts:
        for form in token_forms():
            for start in range(len(form) - 7):
                piece = form[start : start + 8]
                if piece.lower() in str(text).lower() or piece.lower() in repr(text).lower():
                    found.append(piece)
    return found


ECHOES = {
    "whole": f"Bad credentials: {TOKEN}",
    "prefix": f"token {TOKEN[:20]}... is not valid",
    "suffix": f"token ...{TOKEN[-12:]} is not valid",
    "middle": f"saw {TOKEN[10:22]}",
    "cut by truncation": "x" * 195 + TOKEN,  # past the 200 characters kept of a message
    "split by a line break": f"{TOKEN[:14]}\n{TOKEN[14:]}",
    "url-encoded": "token=" + "".join(f"%{b:02X}" for b in TOKEN.encode()),
    "base64 basic auth": "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode(),
    "base64 of a piece": base64.b64encode(TOKEN[7:31].encode()).decode(),
}


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_a_server_echoing_the_token_never_gets_it_shown(
    github: FakeGitHub,
    env: dict[str, str],
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    echo: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    github.faults.append(Fault("GET", 422, path=COMMENTS, message=echo))

    with pytest.raises(GitHubError) as raised:
        publish("report", env, retry=clock.policy())

    captured = capsys.readouterr()
    error = raised.value
    assert str(error).startswith(f"GitHub API GET {github.url}{COMMENTS} failed: 422 ")
    assert leaks(error, error.args, error.detail, captured.out, captured.err, caplog.text) == []


def test_a_token_in_a_next_link_or_a_comment_url_is_scrubbed_from_logs_and_notes(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs each request line, query included

    def answer(server: Scripted, request: Request, handler: BaseHTTPRequestHandler) -> None:
        if installation_token(request, handler):
            return
        mine = {
            "id": 1,
            "body": f"{MARKER}\nreport",
            "html_url": f"https://github.test/c?t={TOKEN}",
            "user": {"login": BOT},
        }
        if "t=" in request.path:
            return send(handler, 200, [mine])
        send(handler, 200, [], {"Link": f'<{server.url}{COMMENTS}?page=2&t={TOKEN}>; rel="next"'})

    with Scripted(answer) as server:
        result = publish("report", actions_env(tmp_path, server.url), retry=clock.policy())

    assert result.comment == "unchanged"
    assert result.notes[-1] == "PR comment: unchanged https://github.test/c?t=<token>"
    assert f"{COMMENTS}?page=2&t=<token>" in caplog.text  # the line is logged, scrubbed
    assert leaks(result, caplog.text) == []


def test_the_cli_shows_no_piece_of_an_echoed_token(project: Repo, tmp_path: Path) -> None:
    echo = f"Bad credentials {TOKEN[:20]} / {TOKEN[-9:]} / {TOKEN}"

    def answer(server: Scripted, request: Request, handler: BaseHTTPRequestHandler) -> None:
        send(handler, 401, {"message": echo, "documentation_url": f"https://x.test/{TOKEN}"})

    with Scripted(answer) as server:
        result = report_step(project, tmp_path, server.url)

    assert result.code == 2
    assert result.err == (
        f"mlci: error: GitHub API GET {server.url}/user failed: 401 Bad credentials <token> / "
        "<token> / <token>\n"
    )
    assert leaks(result.out, result.err) == []


# --- 7. an unreachable API: one line, and the gate still runs -------------------------------


def report_step(project: Repo, tmp_path: Path, api_url: str) -> Result:
    """The generated workflow's report step, run as the runner would, against `api_url`."""
    project.write({"metrics.json": '{"accuracy": 0.9, "loss": 0.2}'})
    assert project.mlci_process("generate").code == 0
    project.commit(message="a project")
    workflow = project.read(".github/workflows/mlci-pr.yml")
    env = actions_env(tmp_path, api_url)
    del env["GITHUB_TOKEN"]  # the step itself sets it, from github.token
    step = run_step(workflow, "report", project.root, {"github.token": TOKEN}, env=env)
    return Result(step.code, step.out, step.err)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("kind", ["refused", "no such host", "TLS"])
def test_an_unreachable_api_fails_the_report_step_in_one_line(
    project: Repo, tmp_path: Path, github: FakeGitHub, kind: str
) -> None:
    api_url, problem = {
        "refused": (
            f"http://127.0.0.1:{closed_port()}",
            "connection refused; check GITHUB_API_URL (on GitHub Enterprise Server: "
            "https://HOST/api/v3) and any proxy settings",
        ),
        "no such host": ("http://api.github.invalid", "the host name does not resolve ("),
        # A plain-HTTP server where https:// expects TLS: a handshake that cannot succeed.
        "TLS": (github.url.replace("http://", "https://"), "TLS failed ("),
    }[kind]

    result = report_step(project, tmp_path, api_url)

    assert result.code == 2
    assert result.out.startswith(MARKER)  # the report itself was made
    assert result.err.startswith(f"mlci: error: cannot reach the GitHub API at {api_url}: ")
    assert problem in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert "check GITHUB_API_URL" in result.err


def test_the_gate_runs_after_a_failed_report_step(project: Repo) -> None:
    project.mlci_process("generate")
    workflow = project.read(".github/workflows/mlci-pr.yml")
    report, gate = find_step(workflow, "report"), find_step(workflow, "gate")

    # A status function in `if:` replaces the implicit success(), which a failed report
    # step would make false; the gate's condition names the reproduce step, not the report.
    assert gate["if"] == "${{ !cancelled() && steps.reproduce.outcome == 'success' }}"
    assert "continue-on-error" not in report  # the report step's failure stays visible


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "²"},
        {"Retry-After": "Mon, 01 Jan 99999 00:00:00 GMT"},
        {"Retry-After": "9" * 5000},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "²"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9" * 5000},
    ],
    ids=["superscript", "year-99999", "5000-digits", "reset-superscript", "reset-5000-digits"],
)
def test_rate_limit_headers_a_server_garbles_mean_the_default_wait(
    headers: dict[str, str],
) -> None:
    from mlci.publish.retry import SECONDARY_LIMIT_WAIT, rate_limit_wait

    assert rate_limit_wait(429, headers, "slow down", now=0.0) == SECONDARY_LIMIT_WAIT
