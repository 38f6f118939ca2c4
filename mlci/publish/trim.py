"""Fitting Markdown under a size limit GitHub enforces, and saying that it was cut.

The report renderer already drops its least important parts to fit; this is the last line
of defence, so a limit is never hit as an API error or a silently truncated summary.
"""

from __future__ import annotations

import re
from typing import Literal

Unit = Literal["chars", "bytes"]

# A fenced code block opens with 3+ backticks or tildes, indented by at most 3 spaces.
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_DETAILS_OPEN = re.compile(r"<details[\s>]", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)


def size(text: str, unit: Unit) -> int:
    return len(text.encode("utf-8")) if unit == "bytes" else len(text)


def fit(text: str, limit: int, unit: Unit, note: str) -> tuple[str, bool]:
    """`text` if it fits in `limit`, else a cut of it that does, ending with `note`.

    The cut falls at a line end, and closes a code fence or `<details>` left open, so the
    note renders as text instead of inside a Mermaid block or a collapsed section.
    Returns the text and whether it was cut.
    """
    if size(text, unit) <= limit:
        return text, False
    if limit <= 0:
        return "", True
    tail = f"\n{note}\n"  # after a line end: one blank line before the note
    budget = limit - size(tail, unit)
    while budget > 0:
        head = _cut(text, budget, unit)
        fitted = head + _closers(head) + tail
        overshoot = size(fitted, unit) - limit
        if overshoot <= 0:
            return fitted, True
        budget -= overshoot  # the closers took room; cut deeper and try again
    return _cut(note, limit, unit), True


def _cut(text: str, budget: int, unit: Unit) -> str:
    if unit == "bytes":
        # "ignore" drops a multi-byte character split by the cut instead of writing half of it.
        head = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    else:
        head = text[:budget]
    line_end = head.rfind("\n")
    return head[: line_end + 1] if line_end > 0 else head


def _closers(head: str) -> str:
    """What must follow `head` so that no code fence or <details> section is left open."""
    fence: str | None = None
    details = 0
    for line in head.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and match and _closes(match.group(1), line, fence):
            fence = None
        elif fence is None:
            details += len(_DETAILS_OPEN.findall(line)) - len(_DETAILS_CLOSE.findall(line))
    closing = "" if head.endswith("\n") or not head else "\n"
    if fence is not None:
        closing += fence + "\n"
    return closing + "</details>\n" * max(details, 0)


def _closes(marker: str, line: str, opening: str) -> bool:
    # CommonMark: a closing fence uses the same character, is at least as long, and has no
    # info string after it.
    return (
        marker[0] == opening[0]
        and len(marker) >= len(opening)
        and not line.strip()[len(marker) :].strip()
    )
