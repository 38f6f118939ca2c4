"""The one module that talks to the GitHub REST API: retries, rate limits, pagination.

The retry loop is mlci's own rather than urllib3's `Retry`: that one decides from the
method, the status and whether `Retry-After` is present, so it cannot tell a rate-limited
403 (`X-RateLimit-Remaining: 0`, or a secondary limit named only in the body) from a
permission 403, does not know `X-RateLimit-Reset`, and sleeps with `time.sleep` where tests
need a fake.

The server is not trusted to behave. One deadline bounds everything a client does
(`RetryPolicy.deadline`, mlci.publish.deadline); a list is read up to `MAX_PAGES` pages, and
a next-page link only within the API's own origin; each exchange (the token, redirects, the
reply's size) is mlci.publish.transport's. Every message, exception and log line is passed
through one `Scrubber`, so an echoed token, whole or in pieces, is never shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple
from urllib.parse import urlencode

import requests

from mlci.publish.api_error import GitHubError, GitHubForbidden, scrubbed_error
from mlci.publish.deadline import Deadline
from mlci.publish.network import network_problem, one_line, same_origin
from mlci.publish.replies import Answer, Reply, decode, error_message
from mlci.publish.retry import SERVER_ERRORS, RetryPolicy, rate_limit_wait
from mlci.publish.scrub import Scrubber
from mlci.publish.transport import MAX_REPLY_BYTES, JsonObject, Params, Transport, Upload

__all__ = [
    "DEFAULT_API_URL",
    "MAX_PAGES",
    "MAX_REPLY_BYTES",
    "GitHub",
    "GitHubError",
    "GitHubForbidden",
    "JsonObject",
]

DEFAULT_API_URL = "https://api.github.com"

MAX_PAGES = 50
"""Pages one list may take: 5,000 comments at 100 a page, far more than a pull request holds;
a server that always has a next page must not keep mlci reading."""
LOOKS_AFTER_UNSURE_POST = 3
"""Looks for what a POST may have made before it is sent again: a list can lag behind a
write by a few seconds, so one empty look does not prove the POST failed."""


class _Unsure(Exception):
    """A POST met a server error or a lost connection: it may have taken effect."""


class _Retryable(NamedTuple):
    problem: str
    """One line: what went wrong."""
    wait: float | None
    """Seconds a rate limit asks to wait; None for a server or connection error."""
    hint: str = ""
    """For a network problem: what the user should check."""


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
        self.scrub = Scrubber(token)
        self._deadline = Deadline(self._retry, self.scrub)
        self._transport = Transport(token, self.api_url, self._deadline, self.scrub)

    def __repr__(self) -> str:
        return f"GitHub(api_url={self.api_url!r})"

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def fail(self, message: str, status: int | None = None, detail: str = "") -> GitHubError:
        """The error to raise: `message` scrubbed of the token and made one line."""
        return scrubbed_error(self.scrub, message, status, detail)

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
            if not same_origin(self.api_url, url):
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

    def upload(self, url: str, params: Params, data: bytes, content_type: str) -> JsonObject:
        """POST bytes to `url` (a release's upload URL, which the caller has checked is one
        of GitHub's), not retried: an upload may have landed."""
        where = f"GitHub API POST {url}"
        try:
            reply = self._request("POST", url, params=params, upload=Upload(data, content_type))
        except _Unsure as unsure:
            raise self.fail(f"{where} failed: {unsure} (not retried: it may have worked)") from None
        return self._object(reply, where)

    def trigger(self, path: str, payload: JsonObject) -> None:
        """POST an order GitHub answers with no content (204, a workflow dispatch), not
        retried: a second order would start a second run."""
        url = self._url(path)
        try:
            self._request("POST", url, payload=payload)
        except _Unsure as unsure:
            raise self.fail(f"GitHub API POST {url} failed: {unsure} (not retried)") from None

    def patch(self, path: str, payload: JsonObject) -> JsonObject:
        """PATCH (idempotent: safe to repeat), and return the updated object."""
        url = self._url(path)
        return self._object(self._request("PATCH", url, payload=payload), f"GitHub API PATCH {url}")

    def delete(self, path: str) -> None:
        """DELETE (idempotent: safe to repeat)."""
        self._request("DELETE", self._url(path))

    def _url(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    def _look_for(
        self, landed: Callable[[], JsonObject | None], where: str, problem: str
    ) -> JsonObject | None:
        for look in range(1, LOOKS_AFTER_UNSURE_POST + 1):
            self._deadline.pause(self._retry.backoff_wait(look), where, problem)
            if (found := landed()) is not None:
                return found
        return None

    def _request(
        self,
        method: str,
        url: str,
        params: Params | None = None,
        payload: JsonObject | None = None,
        upload: Upload | None = None,
    ) -> Reply:
        policy = self._retry
        where = f"GitHub API {method} {url}"
        last = _Retryable("", None)
        for attempt in range(1, policy.attempts + 1):
            outcome = self._attempt(method, url, params, payload, where, upload)
            if isinstance(outcome, Reply):
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
            self._deadline.pause(delay, where, outcome.problem)
        if last.hint:
            raise self._unreachable(f"{last.problem} ({policy.attempts} attempts)", last.hint)
        raise self.fail(
            f"{where} failed: gave up after {policy.attempts} attempts; last: {last.problem}"
        )

    def _attempt(
        self,
        method: str,
        url: str,
        params: Params | None,
        payload: JsonObject | None,
        where: str,
        upload: Upload | None = None,
    ) -> Reply | _Retryable:
        """One request: its reply, or why it may be tried again; raises on a final answer."""
        try:
            answer = self._transport.exchange(method, url, params, payload, upload)
        except requests.RequestException as error:
            problem, hint, final = network_problem(error)
            if final:
                raise self._unreachable(problem, hint) from None
            return _Retryable(problem, None, hint)
        if 200 <= answer.status < 300:
            return self._reply(answer, where)
        # Cut before scrubbing: a hostile body may be 32 MiB, and only 200 characters show.
        # The scrubber finds a token cut short at the end too.
        message = one_line(self.scrub(error_message(answer)[:1000]))
        problem = f"{answer.status} {message}"
        wait = rate_limit_wait(answer.status, answer.headers, message, self._retry.clock())
        if wait is None and answer.status not in SERVER_ERRORS:
            raise self.fail(f"{where} failed: {problem}", answer.status, message)
        return _Retryable(problem, wait)

    def _reply(self, answer: Answer, where: str) -> Reply:
        reply = decode(answer)
        if reply is None:
            raise self.fail(f"{where} failed: the reply is not JSON")
        return reply

    def _object(self, reply: Reply, where: str) -> JsonObject:
        if not isinstance(reply.data, dict):
            raise self.fail(f"{where} failed: expected an object in the reply, got something else")
        return reply.data

    def _unreachable(self, problem: str, hint: str) -> GitHubError:
        return self.fail(f"cannot reach the GitHub API at {self.api_url}: {problem}; {hint}")
