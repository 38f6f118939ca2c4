"""One sticky report comment per pull request: mlci's own, found again by a hidden marker.

CML's `comment update` reads only the first page of comments, so on a busy pull request it
posts a second copy; this reads every page, and creates a comment only when none of mlci's
carries the marker, so each push edits the same comment in place.

"mlci's own" means written by the identity of the token (`comment_author`). Anyone can
write a comment that starts with the marker, and a token that may edit every comment (a
maintainer's) would otherwise overwrite it: a stranger's comment is never edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from mlci.publish.event import PullRequest
from mlci.publish.github import GitHub, GitHubError, GitHubForbidden, JsonObject
from mlci.publish.limits import COMMENT_LIMIT, REPORT_MARKER
from mlci.publish.trim import fit

ACTIONS_BOT = "github-actions[bot]"
"""Who writes what the Actions `GITHUB_TOKEN` writes."""
AUTHOR_VARIABLE = "MLCI_COMMENT_AUTHOR"
_INSTALLATION_TOKEN = "Resource not accessible by integration"

TRIM_NOTE = (
    "> [!NOTE]\n"
    f"> mlci cut this report short to fit GitHub's limit of {COMMENT_LIMIT:,} characters for "
    "a comment; the whole report is in the job summary of this run."
)

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class StickyComment:
    id: int
    url: str
    body: str
    author: str
    """`user.login`; "" when the reply names none."""


@dataclass(frozen=True)
class Posted:
    comment: StickyComment
    action: Action
    trimmed: bool
    notes: tuple[str, ...] = ()
    """One line each: anything else the user should know (duplicates removed, say)."""


def comment_body(report_markdown: str, marker: str = REPORT_MARKER) -> tuple[str, bool]:
    """The comment text: the marker on the first line, once, then the report, within the limit.

    mlci's report already opens with the marker; any other Markdown gets it added.
    """
    head = f"{marker}\n"
    report_markdown = report_markdown.removeprefix(head)
    report, trimmed = fit(report_markdown, COMMENT_LIMIT - len(head), "chars", TRIM_NOTE)
    return head + report, trimmed


def comment_author(github: GitHub, environ: Mapping[str, str] | None = None) -> str:
    """The login the token writes comments as: the only author whose comments mlci edits.

    `$MLCI_COMMENT_AUTHOR` when set. Otherwise `GET /user` names the user of a personal
    access token (classic or fine-grained). An installation token, such as Actions'
    `GITHUB_TOKEN`, is refused there with 403 "Resource not accessible by integration";
    its comments are by the app's bot, `github-actions[bot]`. The installation token of
    another GitHub App (from actions/create-github-app-token, say) writes as
    `<app-slug>[bot]`, a name it has no way to ask GitHub for: set MLCI_COMMENT_AUTHOR to
    it, or mlci would post a new comment on every run rather than edit its own.
    """
    if environ is not None and environ.get(AUTHOR_VARIABLE, "").strip():
        return environ[AUTHOR_VARIABLE].strip()
    try:
        user = github.get("user")
    except GitHubForbidden as error:
        if error.detail == _INSTALLATION_TOKEN:
            return ACTIONS_BOT
        raise
    login = user.get("login")
    if not isinstance(login, str) or not login:
        raise github.fail("GitHub API GET /user failed: the reply names no login")
    return login


def own_comments(
    github: GitHub, pr: PullRequest, author: str, marker: str = REPORT_MARKER
) -> list[StickyComment]:
    """mlci's report comments on `pr`, oldest first: by `author`, starting with `marker`."""
    path = f"repos/{pr.repository}/issues/{pr.number}/comments"
    found = []
    for item in github.paginate(path, {"per_page": 100}):
        comment = _parse(item)
        # "Starts with", not "contains": a person quoting the marker in their own reply is
        # not a report, even when they hold the token.
        if (
            comment is not None
            and same_login(comment.author, author)
            and comment.body.startswith(marker)
        ):
            found.append(comment)
    return sorted(found, key=lambda comment: comment.id)  # ids grow with time


def upsert(
    github: GitHub,
    pr: PullRequest,
    report_markdown: str,
    author: str,
    marker: str = REPORT_MARKER,
) -> Posted:
    """Update mlci's marked comment on `pr` in place, or create it when there is none.

    Should there be more than one (a create whose reply was lost, below), the oldest is kept
    and the others are removed, so a duplicate lives until the next publish at most.
    """
    body, trimmed = comment_body(report_markdown, marker)
    own = own_comments(github, pr, author, marker)
    if not own:
        return _create(github, pr, body, author, marker, trimmed)
    keep, extra = own[0], own[1:]
    if keep.body == body:
        posted = Posted(keep, "unchanged", trimmed)  # an edit would only add "edited"
    else:
        posted = Posted(_update(github, pr, keep, body), "updated", trimmed)
    return Posted(posted.comment, posted.action, trimmed, _remove(github, pr, extra))


def _create(
    github: GitHub, pr: PullRequest, body: str, author: str, marker: str, trimmed: bool
) -> Posted:
    # A POST answered with a 5xx or a lost connection may have created the comment anyway.
    # Before it is sent again, the client lists the comments (a few times, as the list can
    # lag behind the write) and takes any comment of ours it finds instead. Should the list
    # lag longer than that, a second comment is made, and the next publish removes it
    # (`upsert` keeps the oldest). A nonce in the body would add nothing: every comment of
    # ours with the marker is one to update, whichever run wrote it.
    def landed() -> JsonObject | None:
        own = own_comments(github, pr, author, marker)
        return None if not own else _item(own[0])

    path = f"repos/{pr.repository}/issues/{pr.number}/comments"
    comment = _require(github, github.post(path, {"body": body}, landed=landed))
    if comment.body != body:  # found after a lost reply, and an older report
        comment = _update(github, pr, comment, body)
    notes: tuple[str, ...] = ()
    if comment.author and not same_login(comment.author, author):
        notes = (
            f"the comment was written as {comment.author}, not {author}, so the next run "
            f"cannot find it: set {AUTHOR_VARIABLE}={comment.author} for the report step",
        )
    return Posted(comment, "created", trimmed, notes)


def _update(github: GitHub, pr: PullRequest, comment: StickyComment, body: str) -> StickyComment:
    try:
        updated = github.patch(
            f"repos/{pr.repository}/issues/comments/{comment.id}", {"body": body}
        )
    except GitHubError as error:
        # Raised, not skipped like a refused create: the pull request would go on showing
        # an older report as if it were this run's.
        raise github.fail(
            f"cannot update mlci's report comment {comment.url or comment.id}, which still "
            f"shows an older report: {error}"
        ) from None
    return _require(github, updated)


def _remove(github: GitHub, pr: PullRequest, duplicates: list[StickyComment]) -> tuple[str, ...]:
    """Delete copies of the report; a copy that stays is worth a note, not a failure."""
    if not duplicates:
        return ()
    kept = []
    for duplicate in duplicates:
        try:
            github.delete(f"repos/{pr.repository}/issues/comments/{duplicate.id}")
        except GitHubError as error:
            kept.append(f"could not remove a duplicate report comment ({error})")
    removed = len(duplicates) - len(kept)
    return (*kept, *([f"removed {removed} duplicate report comment(s)"] if removed else []))


def same_login(a: str, b: str) -> bool:
    return bool(a) and a.casefold() == b.casefold()  # GitHub logins ignore case


def _parse(item: object) -> StickyComment | None:
    if not isinstance(item, dict):
        return None
    id_, url, body, user = item.get("id"), item.get("html_url"), item.get("body"), item.get("user")
    if not isinstance(id_, int) or not isinstance(body, str):
        return None
    login = user.get("login") if isinstance(user, dict) else None
    return StickyComment(
        id_, url if isinstance(url, str) else "", body, login if isinstance(login, str) else ""
    )


def _item(comment: StickyComment) -> JsonObject:
    return {
        "id": comment.id,
        "html_url": comment.url,
        "body": comment.body,
        "user": {"login": comment.author},
    }


def _require(github: GitHub, item: JsonObject) -> StickyComment:
    comment = _parse(item)
    if comment is None:
        raise github.fail("GitHub API: the comment in the reply has no id or body")
    return comment
