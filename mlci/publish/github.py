"""The one module that talks to the GitHub REST API: retries, rate limits, the token.

A thin layer over `requests` (connection pooling, TLS, proxies, `Link` parsing). The retry
loop is mlci's own rather than urllib3's `Retry`: that one decides from the method, the
status and whether `Retry-After` is present, so it cannot tell a rate-limited 403
(`X-RateLimit-Remaining: 0`, or a secondary limit named only in the body) from a permission
403, does not know `X-RateLimit-Reset`, and sleeps with `time.sleep` where tests need a fake.

The token goes into one `Authorization` header and nowhere else: not into URLs, reprs,
messages or logs. Messages are still scrubbed of it, in case a server echoes it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests

from mlci import __version__
from mlci.errors import MlciError
from mlci.publish.retry import SERVER_ERRORS, RetryPolicy, rate_limit_wait

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
TIMEOUT = (10.0, 30.0)  # seconds to connect, and to wait for each read

JsonObject = dict[str, Any]
Params = Mapping[str, str | int]


class GitHubError(MlciError):
    """A GitHub API request failed for good, after any retries."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GitHubForbidden(GitHubError):
    """A 403 that is not a rate limit: this token may not do this (a fork PR's, say)."""


class _Reply(NamedTuple):
    data: Any
    next_url: str | None


class _Retryable(NamedTuple):
    problem: str
    """One line: what went wrong."""
    wait: float | None
    """Seconds a rate limit asks to wait; None for a server or connection error."""


class _BearerToken(requests.auth.AuthBase):
    # Set as the session's auth rather than a default header so that requests never swaps
    # in credentials from ~/.netrc, and drops the header when a redirect leaves the host.
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_BearerToken(<hidden>)"


class GitHub:
    """A GitHub REST API client for one API root (github.com's, or a GHES `/api/v3`)."""

    def __init__(
        self, token: str, api_url: str = DEFAULT_API_URL, retry: RetryPolicy | None = None
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = token
        self._retry = retry or RetryPolicy()
        self._session = requests.Session()
        self._session.auth = _BearerToken(token)
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"mlci/{__version__}",
            }
        )

    def __repr__(self) -> str:
        return f"GitHub(api_url={self.api_url!r})"

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._session.close()

    def paginate(self, path: str, params: Params) -> Iterator[Any]:
        """The items of a list endpoint, page after page, following `Link: rel="next"`."""
        url: str | None = self._url(path)
        query: Params | None = params
        seen: set[str] = set()
        while url is not None and url not in seen:  # `seen`: a server looping on one page
            seen.add(url)
            reply = self._request("GET", url, params=query)
            if not isinstance(reply.data, list):
                raise GitHubError(f"GitHub API GET {url}: expected a list, got something else")
            yield from reply.data
            url, query = reply.next_url, None  # the next link carries its own query
            if url is not None and not self._same_origin(url):
                raise GitHubError(
                    f"GitHub API GET {path}: the next-page link points away from "
                    f"{self.api_url}; not sending the token there"
                )

    def post(
        self,
        path: str,
        payload: JsonObject,
        landed: Callable[[], JsonObject | None] | None = None,
    ) -> JsonObject:
        """POST, and return the created object.

        A server error or a dropped connection leaves unknown whether a POST took effect.
        With `landed`, which looks for the object the POST makes, the request is retried
        only while `landed()` finds nothing; without it, it is not retried at all.
        """
        url = self._url(path)
        return _object(self._request("POST", url, payload=payload, landed=landed), url)

    def patch(self, path: str, payload: JsonObject) -> JsonObject:
        """PATCH (idempotent: safe to repeat), and return the updated object."""
        url = self._url(path)
        return _object(self._request("PATCH", url, payload=payload), url)

    def _url(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    def _same_origin(self, url: str) -> bool:
        ours, theirs = urlsplit(self.api_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

    def _request(
        self,
        method: str,
        url: str,
        params: Params | None = None,
        payload: JsonObject | None = None,
        landed: Callable[[], JsonObject | None] | None = None,
    ) -> _Reply:
        policy = self._retry
        where = f"GitHub API {method} {url}"
        last = ""
        for attempt in range(1, policy.attempts + 1):
            outcome = self._attempt(method, url, params, payload, where)
            if isinstance(outcome, _Reply):
                return outcome
            last = outcome.problem
            # A rate limit means GitHub did nothing; a 5xx or a lost connection may not.
            unsure = outcome.wait is None and method == "POST"
            if unsure and landed is None:
                raise self._error(where, f"{outcome.problem} (not retried: it may have worked)")
            if attempt == policy.attempts:
                break
            delay = policy.backoff_wait(attempt) if outcome.wait is None else outcome.wait
            if delay > policy.max_wait:
                raise self._error(
                    where,
                    f"{outcome.problem}; rate limited for {delay:.0f} s, longer than mlci "
                    f"waits ({policy.max_wait:.0f} s): run the job again later",
                )
            policy.sleep(delay)
            if unsure and landed is not None and (found := landed()) is not None:
                return _Reply(found, None)
        raise self._error(where, f"gave up after {policy.attempts} attempts; last: {last}")

    def _attempt(
        self, method: str, url: str, params: Params | None, payload: JsonObject | None, where: str
    ) -> _Reply | _Retryable:
        """One request: its reply, or why it may be tried again; raises on a final answer."""
        try:
            response = self._session.request(
                method, url, params=params, json=payload, timeout=TIMEOUT
            )
        except requests.RequestException as error:
            return _Retryable(_one_line(f"{type(error).__name__}: {error}"), None)
        if response.ok:
            return _reply(response, where)
        message = _message(response)
        problem = f"{response.status_code} {message}"
        wait = rate_limit_wait(response.status_code, response.headers, message, self._retry.clock())
        if wait is None and response.status_code not in SERVER_ERRORS:
            raise self._error(where, problem, response.status_code)
        return _Retryable(problem, wait)

    def _error(self, where: str, problem: str, status: int | None = None) -> GitHubError:
        text = f"{where} failed: {problem}"
        if self._token:
            text = text.replace(self._token, "<token>")
        return (GitHubForbidden if status == 403 else GitHubError)(text, status)


def _reply(response: requests.Response, where: str) -> _Reply:
    try:
        data = response.json()
    except ValueError:
        raise GitHubError(f"{where}: the reply is not JSON") from None
    next_link = response.links.get("next", {}).get("url")
    return _Reply(data, next_link)


def _object(reply: _Reply, url: str) -> JsonObject:
    if not isinstance(reply.data, dict):
        raise GitHubError(f"GitHub API {url}: expected an object in the reply, got something else")
    return reply.data


def _message(response: requests.Response) -> str:
    """GitHub's own one-line explanation of an error (`message`), else the HTTP reason."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return _one_line(data["message"])
    return response.reason or "no reason given"


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
