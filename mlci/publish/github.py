"""The one module that talks to the GitHub REST API: retries, rate limits, the token.

A thin layer over `requests` (connection pooling, TLS, proxies). The retry loop is mlci's
own rather than urllib3's `Retry`: that one decides from the method, the status and whether
`Retry-After` is present, so it cannot tell a rate-limited 403 (`X-RateLimit-Remaining: 0`,
or a secondary limit named only in the body) from a permission 403, does not know
`X-RateLimit-Reset`, and sleeps with `time.sleep` where tests need a fake.

The server is not trusted to behave. One deadline bounds everything a client does
(`RetryPolicy.deadline`); a reply is read up to `MAX_REPLY_BYTES`, a list up to `MAX_PAGES`
pages; a redirect is followed only within the API's own origin, so neither the token nor a
request body ever reaches another host; and every message, exception and log line is passed
through one `Scrubber`, so an echoed token, whole or in pieces, is never shown.

The token goes into one `Authorization` header and nowhere else: not into URLs, reprs,
messages or logs.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import parse_header_links

from mlci import __version__
from mlci.errors import MlciError
from mlci.publish.retry import SERVER_ERRORS, RetryPolicy, rate_limit_wait
from mlci.publish.scrub import Scrubber

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
TIMEOUT = (10.0, 30.0)  # seconds to connect, and to wait for each read

MAX_PAGES = 50
"""Pages one list may take: 5,000 comments at 100 a page, far more than a pull request holds;
a server that always has a next page must not keep mlci reading."""
MAX_REPLY_BYTES = 32 * 1024 * 1024
"""The largest reply read: a page of 100 comments at GitHub's 65,536-character limit is at
most 26 MB of UTF-8 even when every character takes 4 bytes."""
MAX_REDIRECTS = 5
LOOKS_AFTER_UNSURE_POST = 3
"""Looks for what a POST may have made before it is sent again: a list can lag behind a
write by a few seconds, so one empty look does not prove the POST failed."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# urllib3 logs every request line at DEBUG, with a path the server may have chosen (a
# next-page link can carry anything, the token included).
_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.response", "requests")

JsonObject = dict[str, Any]
_E = TypeVar("_E", bound=BaseException)
Params = Mapping[str, str | int]


class GitHubError(MlciError):
    """A GitHub API request failed for good, after any retries. The message is one line,
    scrubbed of the token."""

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        """GitHub's own `message` for the failure (scrubbed), or ""."""


class GitHubForbidden(GitHubError):
    """A 403 that is not a rate limit: this token may not do this (a fork PR's, say)."""


class _Unsure(Exception):
    """A POST met a server error or a lost connection: it may have taken effect."""


class _Answer(NamedTuple):
    status: int
    reason: str
    headers: CaseInsensitiveDict[str]
    body: bytes


class _Reply(NamedTuple):
    data: Any
    next_url: str | None


class _Retryable(NamedTuple):
    problem: str
    """One line: what went wrong."""
    wait: float | None
    """Seconds a rate limit asks to wait; None for a server or connection error."""
    hint: str = ""
    """For a network problem: what the user should check."""


class _BearerToken(requests.auth.AuthBase):
    # Set as the session's auth rather than a default header so that requests never swaps
    # in credentials from ~/.netrc.
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_BearerToken(<hidden>)"


class _ScrubLogs(logging.Filter):
    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self._scrub = scrub

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = self._scrub(message), None
        return True


class GitHub:
    """A GitHub REST API client for one API root (github.com's, or a GHES `/api/v3`).

    One client serves one publish: its deadline starts when it is made. Use it as a context
    manager, so that its connections and its log filter go when it is done.
    """

    def __init__(
        self, token: str, api_url: str = DEFAULT_API_URL, retry: RetryPolicy | None = None
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._give_up_at = self._retry.monotonic() + self._retry.deadline
        self.scrub = Scrubber(token)
        self._session = requests.Session()
        self._session.auth = _BearerToken(token)
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"mlci/{__version__}",
            }
        )
        self._log_filter = _ScrubLogs(self.scrub)
        for name in _LOGGERS:
            logging.getLogger(name).addFilter(self._log_filter)

    def __repr__(self) -> str:
        return f"GitHub(api_url={self.api_url!r})"

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()
        for name in _LOGGERS:
            logging.getLogger(name).removeFilter(self._log_filter)

    def fail(self, message: str, status: int | None = None, detail: str = "") -> GitHubError:
        """The error to raise: `message` scrubbed of the token and made one line."""
        text = self.scrub(" ".join(message.split()))
        return (GitHubForbidden if status == 403 else GitHubError)(text, status, detail)

    def get(self, path: str) -> JsonObject:
        url = self._url(path)
        return self._object(self._request("GET", url), f"GitHub API GET {url}")

    def paginate(self, path: str, params: Params, max_pages: int = MAX_PAGES) -> Iterator[Any]:
        """The items of a list endpoint, page after page, following `Link: rel="next"`."""
        url = self._url(path)
        query: Params | None = params
        seen: set[str] = set()
        for _ in range(max_pages):
            where = f"GitHub API GET {url}"
            page = url if query is None else f"{url}?{urlencode(query)}"  # as requests sends it
            if page in seen:
                raise self.fail(f"{where} failed: the next-page link repeats a page already read")
            seen.add(page)
            reply = self._request("GET", url, params=query)
            if not isinstance(reply.data, list):
                raise self.fail(f"{where} failed: expected a list, got something else")
            yield from reply.data
            if reply.next_url is None:
                return
            url, query = reply.next_url, None  # the next link carries its own query
            if not self._same_origin(url):
                raise self.fail(
                    f"GitHub API GET {self._url(path)} failed: the next-page link points away "
                    f"from {self.api_url}; not sending the token there"
                )
        raise self.fail(
            f"GitHub API GET {self._url(path)} failed: still a next page after {max_pages} "
            "pages, the most mlci reads; stopped there"
        )

    def post(
        self,
        path: str,
        payload: JsonObject,
        landed: Callable[[], JsonObject | None] | None = None,
    ) -> JsonObject:
        """POST, and return the created object.

        A server error or a dropped connection leaves unknown whether a POST took effect.
        With `landed`, which looks for the object the POST makes, it is looked for (a few
        times: lists lag) before the POST is sent again, and returned once found; without
        `landed`, the POST is not retried at all.
        """
        url = self._url(path)
        where = f"GitHub API POST {url}"
        attempt = 1
        while True:
            try:
                return self._object(self._request("POST", url, payload=payload), where)
            except _Unsure as unsure:
                problem = str(unsure)
            if landed is None:
                raise self.fail(f"{where} failed: {problem} (not retried: it may have worked)")
            if attempt == self._retry.attempts:
                raise self.fail(
                    f"{where} failed: gave up after {attempt} attempts; last: {problem}"
                )
            if (found := self._look_for(landed, where, problem)) is not None:
                return found
            attempt += 1

    def patch(self, path: str, payload: JsonObject) -> JsonObject:
        """PATCH (idempotent: safe to repeat), and return the updated object."""
        url = self._url(path)
        return self._object(self._request("PATCH", url, payload=payload), f"GitHub API PATCH {url}")

    def delete(self, path: str) -> None:
        """DELETE (idempotent: safe to repeat)."""
        self._request("DELETE", self._url(path))

    def _url(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    def _same_origin(self, url: str) -> bool:
        ours, theirs = urlsplit(self.api_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

    def _left(self) -> float:
        return self._give_up_at - self._retry.monotonic()

    def _late(self, where: str, problem: str) -> GitHubError:
        return self.fail(
            f"{where} failed: {problem}; publishing has a deadline of "
            f"{self._retry.deadline:.0f} s and mlci stopped there"
        )

    def _pause(self, delay: float, where: str, problem: str) -> None:
        if delay >= self._left():
            raise self._late(where, f"{problem}; a retry in {delay:.0f} s would be too late")
        self._retry.sleep(delay)

    def _look_for(
        self, landed: Callable[[], JsonObject | None], where: str, problem: str
    ) -> JsonObject | None:
        for look in range(1, LOOKS_AFTER_UNSURE_POST + 1):
            self._pause(self._retry.backoff_wait(look), where, problem)
            if (found := landed()) is not None:
                return found
        return None

    def _request(
        self,
        method: str,
        url: str,
        params: Params | None = None,
        payload: JsonObject | None = None,
    ) -> _Reply:
        policy = self._retry
        where = f"GitHub API {method} {url}"
        last = _Retryable("", None)
        for attempt in range(1, policy.attempts + 1):
            outcome = self._attempt(method, url, params, payload, where)
            if isinstance(outcome, _Reply):
                return outcome
            last = outcome
            # A rate limit means GitHub did nothing; a 5xx or a lost connection may not.
            if outcome.wait is None and method == "POST":
                raise _Unsure(outcome.problem)
            if attempt == policy.attempts:
                break
            delay = policy.backoff_wait(attempt) if outcome.wait is None else outcome.wait
            if delay > policy.max_wait:
                raise self.fail(
                    f"{where} failed: {outcome.problem}; rate limited for {delay:.0f} s, longer "
                    f"than mlci waits ({policy.max_wait:.0f} s): run the job again later"
                )
            self._pause(delay, where, outcome.problem)
        if last.hint:
            raise self._unreachable(f"{last.problem} ({policy.attempts} attempts)", last.hint)
        raise self.fail(
            f"{where} failed: gave up after {policy.attempts} attempts; last: {last.problem}"
        )

    def _attempt(
        self, method: str, url: str, params: Params | None, payload: JsonObject | None, where: str
    ) -> _Reply | _Retryable:
        """One request: its reply, or why it may be tried again; raises on a final answer."""
        try:
            answer = self._within_deadline(
                where, lambda: self._exchange(method, url, params, payload)
            )
        except requests.RequestException as error:
            problem, hint, final = _network_problem(error)
            if final:
                raise self._unreachable(problem, hint) from None
            return _Retryable(problem, None, hint)
        if 200 <= answer.status < 300:
            return self._reply(answer, where)
        # Cut before scrubbing: a hostile body may be 32 MiB, and only 200 characters show.
        # The scrubber finds a token cut short at the end too.
        message = _one_line(self.scrub(_message(answer)[:1000]))
        problem = f"{answer.status} {message}"
        wait = rate_limit_wait(answer.status, answer.headers, message, self._retry.clock())
        if wait is None and answer.status not in SERVER_ERRORS:
            raise self.fail(f"{where} failed: {problem}", answer.status, message)
        return _Retryable(problem, wait)

    def _within_deadline(self, where: str, exchange: Callable[[], _Answer]) -> _Answer:
        """`exchange()`, given only the time left before the deadline.

        A request runs in a worker thread, because no timeout of `requests` bounds a whole
        request: the read timeout restarts with every byte, and name resolution ignores it.
        A worker still running at the deadline is abandoned (a daemon thread: it dies with
        the process, and sends nothing more, see `_exchange`).
        """
        left = self._left()
        if left <= 0:
            raise self._late(where, "no time left for this request")
        answers: list[_Answer] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                answers.append(exchange())
            except BaseException as error:  # handed to the caller's thread below
                errors.append(error)

        worker = threading.Thread(target=work, name="mlci-github-request", daemon=True)
        worker.start()
        worker.join(left)
        if worker.is_alive():
            raise self._late(where, "the server had not answered in full")
        if errors:
            raise errors[0]
        return answers[0]

    def _exchange(
        self, method: str, url: str, params: Params | None, payload: JsonObject | None
    ) -> _Answer:
        """One request and its whole reply, following redirects that stay on our origin.

        requests itself would re-send the body of a 307/308 to any host, and would keep the
        token on a redirect to another port of the same host name.
        """
        for _ in range(MAX_REDIRECTS + 1):
            if self._left() <= 0:  # abandoned by `_within_deadline`: send nothing more
                raise requests.Timeout("the deadline passed")
            where = f"GitHub API {method} {url}"
            with self._session.request(
                method,
                url,
                params=params,
                json=payload,
                timeout=self._timeouts(),
                allow_redirects=False,
                stream=True,
            ) as response:
                if not response.is_redirect:
                    headers = response.headers
                    return _Answer(
                        response.status_code,
                        response.reason or "",
                        headers,
                        self._read(response, where),
                    )
                status, target = response.status_code, urljoin(url, response.headers["Location"])
            if not self._same_origin(target):
                raise self.fail(
                    f"{where} failed: {status} redirect to {_origin(target)}, away from "
                    f"{self.api_url}; not sending the token or the request there (check "
                    "GITHUB_API_URL)"
                )
            if status not in (307, 308) and method != "GET":
                raise self.fail(
                    f"{where} failed: {status} redirect, which would turn the {method} into a GET"
                )
            url, params = target, None  # the new location carries its own query
        raise self.fail(f"GitHub API {method} {url} failed: more than {MAX_REDIRECTS} redirects")

    def _timeouts(self) -> tuple[float, float]:
        left = max(self._left(), 0.001)
        return min(TIMEOUT[0], left), min(TIMEOUT[1], left)

    def _read(self, response: requests.Response, where: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise self.fail(
                    f"{where} failed: the reply is longer than {MAX_REPLY_BYTES // 2**20} MiB, "
                    "more than any GitHub API reply mlci reads"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _reply(self, answer: _Answer, where: str) -> _Reply:
        data = None
        if answer.body.strip():  # a 204 (a DELETE) has no body
            data = _json(answer.body)
            if data is _NOT_JSON:
                raise self.fail(f"{where} failed: the reply is not JSON")
        links = parse_header_links(answer.headers.get("Link", ""))
        next_url = next((link.get("url") for link in links if link.get("rel") == "next"), None)
        return _Reply(data, next_url)

    def _object(self, reply: _Reply, where: str) -> JsonObject:
        if not isinstance(reply.data, dict):
            raise self.fail(f"{where} failed: expected an object in the reply, got something else")
        return reply.data

    def _unreachable(self, problem: str, hint: str) -> GitHubError:
        return self.fail(f"cannot reach the GitHub API at {self.api_url}: {problem}; {hint}")


_NOT_JSON = object()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: a hostile `[[[[...]]]]`
        return _NOT_JSON


def _message(answer: _Answer) -> str:
    """GitHub's own one-line explanation of an error (`message`), else the HTTP reason."""
    data = _json(answer.body)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return answer.reason or "no reason given"


_CHECK_URL = "check GITHUB_API_URL (on GitHub Enterprise Server: https://HOST/api/v3)"
_CHECK_NETWORK = "check GITHUB_API_URL and the runner's network, proxy and firewall"


def _network_problem(error: requests.RequestException) -> tuple[str, str, bool]:
    """What went wrong on the way to the server, what to check, and whether it is final.

    Final: an answer that will not change within the seconds mlci would retry (nothing
    listens there, the name does not exist, the certificate is wrong).
    """
    causes = _causes(error)
    if isinstance(error, requests.exceptions.ProxyError):
        return "the proxy failed", "check HTTPS_PROXY, HTTP_PROXY and NO_PROXY", False
    if isinstance(error, requests.exceptions.SSLError) or _first(causes, ssl.SSLError):
        tls = _first(causes, ssl.SSLError)
        detail = getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or "TLS"
        return (
            f"TLS failed ({detail})",
            f"{_CHECK_URL}; for a private certificate authority set REQUESTS_CA_BUNDLE",
            True,
        )
    if _first(causes, ConnectionRefusedError):
        return "connection refused", f"{_CHECK_URL} and any proxy settings", True
    if (lookup := _first(causes, socket.gaierror)) is not None:
        retry = lookup.errno == socket.EAI_AGAIN  # the resolver's own "try again"
        return (
            f"the host name does not resolve ({lookup.strerror})",
            f"{_CHECK_URL} and the runner's DNS",
            not retry,
        )
    if isinstance(error, requests.Timeout):
        return "timed out", _CHECK_NETWORK, False
    return _one_line(f"{type(error).__name__}: {error}"), _CHECK_NETWORK, False


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and what it wraps: requests and urllib3 nest the socket's error 3 deep."""
    found: list[BaseException] = []
    todo: list[object] = [error]
    while todo and len(found) < 20:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is f for f in found):
            continue
        found.append(item)
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return found


def _first(causes: list[BaseException], kind: type[_E]) -> _E | None:
    return next((cause for cause in causes if isinstance(cause, kind)), None)


def _origin(url: str) -> str:
    # Only scheme, host and port: a URL's user-info part could carry anything.
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number
        port = ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
