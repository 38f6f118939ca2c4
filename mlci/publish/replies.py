"""What a GitHub API server answered, and what mlci reads of it: JSON, GitHub's error
message, the next page's link. Pure: bytes in, data out; nothing here trusts the reply."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from requests.structures import CaseInsensitiveDict
from requests.utils import parse_header_links


class Answer(NamedTuple):
    """One HTTP reply, read whole (up to transport.MAX_REPLY_BYTES)."""

    status: int
    reason: str
    headers: CaseInsensitiveDict[str]
    body: bytes


class Reply(NamedTuple):
    """A successful reply's JSON, and the URL of the next page of a list (or None)."""

    data: Any
    next_url: str | None


NOT_JSON = object()
"""What `parse_json` returns for a body that is not JSON."""


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: a hostile `[[[[...]]]]`
        return NOT_JSON


def error_message(answer: Answer) -> str:
    """GitHub's own one-line explanation of an error (`message`), else the HTTP reason."""
    data = parse_json(answer.body)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return answer.reason or "no reason given"


def decode(answer: Answer) -> Reply | None:
    """A successful answer's data and next-page link; None when its body is not JSON."""
    data = None
    if answer.body.strip():  # a 204 (a DELETE) has no body
        data = parse_json(answer.body)
        if data is NOT_JSON:
            return None
    links = parse_header_links(answer.headers.get("Link", ""))
    next_url = next((link.get("url") for link in links if link.get("rel") == "next"), None)
    return Reply(data, next_url)
