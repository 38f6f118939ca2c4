"""One HTTP exchange with the GitHub API: the token, redirects, reply caps, the deadline.

A thin layer over `requests` (connection pooling, TLS, proxies) that trusts the server no
further than it must: the token goes into one `Authorization` header and nowhere else (not
URLs, reprs, messages or logs); a redirect is followed only within the API's own origin, so
neither the token nor a request body ever reaches another host; a reply is read up to
`MAX_REPLY_BYTES`; every request ends by the client's deadline; and urllib3's log lines
are scrubbed of the token.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests

from mlci import __version__
from mlci.publish.api_error import GitHubError, scrubbed_error
from mlci.publish.deadline import Deadline
from mlci.publish.network import origin, same_origin
from mlci.publish.replies import Answer
from mlci.publish.scrub import Scrubber

API_VERSION = "2022-11-28"
TIMEOUT = (10.0, 30.0)  # seconds to connect, and to wait for each read
MAX_REPLY_BYTES = 32 * 1024 * 1024
"""The largest reply read: a page of 100 comments at GitHub's 65,536-character limit is at
most 26 MB of UTF-8 even when every character takes 4 bytes."""
MAX_REDIRECTS = 5

# urllib3 logs every request line at DEBUG, with a path the server may have chosen (a
# next-page link can carry anything, the token included).
_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.response", "requests")

JsonObject = dict[str, Any]
Params = Mapping[str, str | int]


@dataclass(frozen=True)
class Upload:
    """A request body of bytes, such as a release asset."""

    data: bytes
    content_type: str


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


class Transport:
    """A `requests` session for one API root; `close()` it to drop its connections and its
    log filter."""

    def __init__(self, token: str, api_url: str, deadline: Deadline, scrub: Scrubber) -> None:
        self.api_url = api_url
        self._deadline = deadline
        self._scrub = scrub
        self._session = requests.Session()
        self._session.auth = _BearerToken(token)
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"mlci/{__version__}",
            }
        )
        self._log_filter = _ScrubLogs(scrub)
        for name in _LOGGERS:
            logging.getLogger(name).addFilter(self._log_filter)

    def close(self) -> None:
        self._session.close()
        for name in _LOGGERS:
            logging.getLogger(name).removeFilter(self._log_filter)

    def exchange(
        self,
        method: str,
        url: str,
        params: Params | None,
        payload: JsonObject | None,
        upload: Upload | None = None,
    ) -> Answer:
        """One request and its whole reply, within the deadline; requests' errors pass.

        `upload` sends bytes instead of JSON (a release asset): the caller has checked that
        its URL is one GitHub uploads to."""
        where = f"GitHub API {method} {url}"
        return self._deadline.run(where, lambda: self._follow(method, url, params, payload, upload))

    def _fail(self, message: str) -> GitHubError:
        return scrubbed_error(self._scrub, message)

    def _follow(
        self,
        method: str,
        url: str,
        params: Params | None,
        payload: JsonObject | None,
        upload: Upload | None = None,
    ) -> Answer:
        """One request and its whole reply, following redirects that stay on our origin.

        requests itself would re-send the body of a 307/308 to any host, and would keep the
        token on a redirect to another port of the same host name.
        """
        for _ in range(MAX_REDIRECTS + 1):
            if self._deadline.left() <= 0:  # abandoned by `Deadline.run`: send nothing more
                raise requests.Timeout("the deadline passed")
            where = f"GitHub API {method} {url}"
            with self._session.request(
                method,
                url,
                params=params,
                json=payload if upload is None else None,
                data=None if upload is None else upload.data,
                headers=None if upload is None else {"Content-Type": upload.content_type},
                timeout=self._timeouts(),
                allow_redirects=False,
                stream=True,
            ) as response:
                if not response.is_redirect:
                    body = self._read(response, where)
                    reason = response.reason or ""
                    return Answer(response.status_code, reason, response.headers, body)
                status, target = response.status_code, urljoin(url, response.headers["Location"])
            if not same_origin(self.api_url, target):
                raise self._fail(
                    f"{where} failed: {status} redirect to {origin(target)}, away from "
                    f"{self.api_url}; not sending the token or the request there (check "
                    "GITHUB_API_URL)"
                )
            if status not in (307, 308) and method != "GET":
                raise self._fail(
                    f"{where} failed: {status} redirect, which would turn the {method} into a GET"
                )
            url, params = target, None  # the new location carries its own query
        raise self._fail(f"GitHub API {method} {url} failed: more than {MAX_REDIRECTS} redirects")

    def _timeouts(self) -> tuple[float, float]:
        left = max(self._deadline.left(), 0.001)
        return min(TIMEOUT[0], left), min(TIMEOUT[1], left)

    def _read(self, response: requests.Response, where: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_REPLY_BYTES:
                raise self._fail(
                    f"{where} failed: the reply is longer than {MAX_REPLY_BYTES // 2**20} MiB, "
                    "more than any GitHub API reply mlci reads"
                )
            chunks.append(chunk)
        return b"".join(chunks)
