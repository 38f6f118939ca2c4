"""One sticky report comment per pull request, found again by a hidden marker.

CML's `comment update` reads only the first page of comments, so on a busy pull request it
posts a second copy; this reads every page, and creates a comment only when none carries the
marker, so each push edits the same comment in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlci.publish.event import PullRequest
from mlci.publish.github import GitHub, GitHubError, JsonObject
from mlci.publish.trim import fit

MARKER = "<!-- mlci-report -->"

# GitHub rejects a longer comment body with a 422.
COMMENT_LIMIT = 65_536

TRIM_NOTE = (
    "> [!NOTE]\n"
    "> mlci cut this report short to fit GitHub's limit of 65,536 characters for a comment; "
    "the whole report is in the job summary of this run."
)

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class StickyComment:
    id: int
    url: str
    body: str


@dataclass(frozen=True)
class Posted:
    comment: StickyComment
    action: Action
    trimmed: bool


def comment_body(report_markdown: str, marker: str = MARKER) -> tuple[str, bool]:
    """The comment text: the marker on the first line, once, then the report, within the limit.

    mlci's report already opens with the marker; any other Markdown gets it added.
    """
    head = f"{marker}\n"
    report_markdown = report_markdown.removeprefix(head)
    report, trimmed = fit(report_markdown, COMMENT_LIMIT - len(head), "chars", TRIM_NOTE)
    return head + report, trimmed


def find(github: GitHub, pr: PullRequest, marker: str = MARKER) -> StickyComment | None:
    """The oldest comment on `pr` that starts with `marker`, searching every page."""
    item = _find_item(github, pr, marker)
    return None if item is None else _parse(item)


def _find_item(github: GitHub, pr: PullRequest, marker: str) -> JsonObject | None:
    path = f"repos/{pr.repository}/issues/{pr.number}/comments"
    for item in github.paginate(path, {"per_page": 100}):
        # "Starts with", not "contains": a person quoting the marker must not have their
        # comment overwritten.
        if _parse(item) is not None and item["body"].startswith(marker):
            return dict(item)
    return None


def upsert(github: GitHub, pr: PullRequest, report_markdown: str, marker: str = MARKER) -> Posted:
    """Update the marked comment on `pr` in place, or create it when there is none."""
    body, trimmed = comment_body(report_markdown, marker)
    existing = find(github, pr, marker)
    if existing is not None and existing.body == body:
        return Posted(existing, "unchanged", trimmed)  # an edit would only add "edited"
    if existing is not None:
        path = f"repos/{pr.repository}/issues/comments/{existing.id}"
        return Posted(_require(github.patch(path, {"body": body})), "updated", trimmed)

    path = f"repos/{pr.repository}/issues/{pr.number}/comments"
    # After a 5xx or a lost connection the POST may have created the comment anyway: look
    # again before posting again, or the retry would make a second copy.
    created = github.post(path, {"body": body}, landed=lambda: _find_item(github, pr, marker))
    return Posted(_require(created), "created", trimmed)


def _parse(item: object) -> StickyComment | None:
    if not isinstance(item, dict):
        return None
    id_, url, body = item.get("id"), item.get("html_url"), item.get("body")
    if not isinstance(id_, int) or not isinstance(body, str):
        return None
    return StickyComment(id_, url if isinstance(url, str) else "", body)


def _require(item: JsonObject) -> StickyComment:
    comment = _parse(item)
    if comment is None:
        raise GitHubError("GitHub API: the comment in the reply has no id or body")
    return comment
