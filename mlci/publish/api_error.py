"""The errors a GitHub API request ends in: one line each, scrubbed of the token."""

from __future__ import annotations

from mlci.errors import MlciError
from mlci.publish.scrub import Scrubber


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


def scrubbed_error(
    scrub: Scrubber, message: str, status: int | None = None, detail: str = ""
) -> GitHubError:
    """The error to raise: `message` scrubbed of the token and made one line."""
    text = scrub(" ".join(message.split()))
    return (GitHubForbidden if status == 403 else GitHubError)(text, status, detail)
