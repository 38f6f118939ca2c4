"""The GitHub API client of a job: GITHUB_TOKEN for the repository GITHUB_REPOSITORY, at
GITHUB_API_URL (GitHub Enterprise Server has its own), as Actions sets them."""

from __future__ import annotations

from collections.abc import Mapping

from mlci.errors import UsageError
from mlci.publish.event import REPOSITORY_PATTERN
from mlci.publish.github import DEFAULT_API_URL, GitHub


def github_client(environ: Mapping[str, str]) -> tuple[GitHub, str]:
    """The API client of the token in GITHUB_TOKEN, and the repository it works on."""
    token = environ.get("GITHUB_TOKEN")
    repository = environ.get("GITHUB_REPOSITORY", "")
    if not token:
        raise UsageError("GITHUB_TOKEN is not set: run this in GitHub Actions, or set it")
    if not REPOSITORY_PATTERN.fullmatch(repository):
        raise UsageError(f"GITHUB_REPOSITORY is {repository!r}, not owner/name")
    return GitHub(token, environ.get("GITHUB_API_URL") or DEFAULT_API_URL), repository
