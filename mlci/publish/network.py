"""What went wrong on the way to the GitHub API, and whose origin a URL is (pure: no I/O).

A failed connection is told apart by its cause (refused, no such host, TLS, a proxy, a
timeout), because what the user should check differs, and so does whether trying again in
a few seconds can help.
"""

from __future__ import annotations

import socket
import ssl
from typing import TypeVar
from urllib.parse import urlsplit

import requests

_E = TypeVar("_E", bound=BaseException)

_CHECK_URL = "check GITHUB_API_URL (on GitHub Enterprise Server: https://HOST/api/v3)"
_CHECK_NETWORK = "check GITHUB_API_URL and the runner's network, proxy and firewall"


def network_problem(error: requests.RequestException) -> tuple[str, str, bool]:
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
    return one_line(f"{type(error).__name__}: {error}"), _CHECK_NETWORK, False


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


def same_origin(url: str, other: str) -> bool:
    """Whether both URLs have one scheme, host and port: where the token may go."""
    ours, theirs = urlsplit(url), urlsplit(other)
    return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)


def origin(url: str) -> str:
    # Only scheme, host and port: a URL's user-info part could carry anything.
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number
        port = ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
