"""Publishing a report from GitHub Actions: the job summary always, the PR comment if it can.

A comment that cannot be written (a fork's read-only token, no pull request, no token) is
skipped with its reason in one line, never raised: the report is still in the job summary,
and the check passes or fails on the gate, not on publishing. A real failure (GitHub
unreachable or down after every retry, a bad token, mlci's own comment that cannot be
updated, the deadline passed) raises `GitHubError` with a one-line message.

Every note is scrubbed of the token by the same `Scrubber` as the client's messages: a note
can quote what the server sent (a comment's URL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlci.publish import comment, event
from mlci.publish.github import DEFAULT_API_URL, GitHub, GitHubForbidden
from mlci.publish.limits import COMMENT_LIMIT, REPORT_MARKER
from mlci.publish.retry import RetryPolicy
from mlci.publish.scrub import Scrubber
from mlci.publish.summary import append_summary

CommentAction = Literal["created", "updated", "unchanged", "skipped"]


@dataclass(frozen=True)
class PublishResult:
    summary: Path | None
    """The job summary file the report was appended to; None when none was written."""
    comment: CommentAction
    comment_url: str | None
    notes: tuple[str, ...]
    """One line each, for the terminal: what went where, what was skipped and why."""


def publish(
    report_markdown: str,
    environ: Mapping[str, str],
    *,
    retry: RetryPolicy | None = None,
    marker: str = REPORT_MARKER,
) -> PublishResult:
    """Put `report_markdown` in the job summary and the pull request's sticky comment.

    `environ` is the process environment (passed in, so tests and callers control it).
    Outside GitHub Actions nothing is sent anywhere. `retry` also sets the deadline for
    all of the publish's requests (`RetryPolicy.deadline`).
    """
    if not event.in_actions(environ):
        note = "not running in GitHub Actions (GITHUB_ACTIONS is not set): nothing published"
        return PublishResult(None, "skipped", None, (note,))
    notes: list[str] = []
    summary = _summary(report_markdown, environ, notes)
    action, url, comment_notes = _comment(report_markdown, environ, retry, marker)
    if action == "skipped" and summary is not None:
        comment_notes[0] += "; the report is in the job summary"
    notes += comment_notes
    scrub = Scrubber(environ.get("GITHUB_TOKEN", ""))
    return PublishResult(summary, action, url and scrub(url), tuple(scrub(note) for note in notes))


def _summary(markdown: str, environ: Mapping[str, str], notes: list[str]) -> Path | None:
    if not environ.get("GITHUB_STEP_SUMMARY"):
        notes.append("job summary: skipped, GITHUB_STEP_SUMMARY is not set")
        return None
    path = Path(environ["GITHUB_STEP_SUMMARY"])
    cut = append_summary(path, markdown)
    notes.append("job summary: report added" + (", cut short to fit 1 MiB" if cut else ""))
    return path


class _Skip(Exception):
    """Why the comment cannot be written; one line, shown to the user."""


def _comment(
    markdown: str, environ: Mapping[str, str], retry: RetryPolicy | None, marker: str
) -> tuple[CommentAction, str | None, list[str]]:
    try:
        posted = _post_comment(markdown, environ, retry, marker)
    except _Skip as skip:
        return "skipped", None, [f"PR comment: skipped, {skip}"]
    cut = f", cut short to fit {COMMENT_LIMIT:,} characters" if posted.trimmed else ""
    note = f"PR comment: {posted.action} {posted.comment.url}{cut}"
    return posted.action, posted.comment.url, [note, *(f"PR comment: {n}" for n in posted.notes)]


def _post_comment(
    markdown: str, environ: Mapping[str, str], retry: RetryPolicy | None, marker: str
) -> comment.Posted:
    pr = event.pull_request(environ)
    if isinstance(pr, event.NoPullRequest):
        raise _Skip(pr.reason)
    if pr.fork:
        # Decided before any request: the write would only fail with a 403.
        raise _Skip("a pull request from a fork gets a read-only token")
    token = environ.get("GITHUB_TOKEN")
    if not token:
        raise _Skip(
            "GITHUB_TOKEN is not set (give the step `env: GITHUB_TOKEN: ${{ github.token }}`)"
        )
    api_url = environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    try:
        with GitHub(token, api_url, retry) as github:
            author = comment.comment_author(github, environ)
            return comment.upsert(github, pr, markdown, author, marker)
    except GitHubForbidden as error:
        # Not a failure of the run: the token may not write here. The gate, not the
        # comment, decides the check.
        raise _Skip(
            f"GitHub refused the token ({error}); a fork's token is read-only, otherwise "
            "give the job `permissions: pull-requests: write`"
        ) from None
