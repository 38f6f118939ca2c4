"""What the GitHub Actions environment says about this run: where to publish, and whether
a comment can be written at all."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# owner/name as GitHub allows them; anything else would be spliced into an API path.
REPOSITORY_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class PullRequest:
    repository: str
    """owner/name of the repository the pull request targets."""
    number: int
    fork: bool
    """Opened from another repository: Actions gives it a read-only token."""


@dataclass(frozen=True)
class NoPullRequest:
    reason: str
    """One line: why there is no pull request to comment on."""


def in_actions(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def pull_request(environ: Mapping[str, str]) -> PullRequest | NoPullRequest:
    """The pull request this run is for, from `$GITHUB_EVENT_PATH` and `$GITHUB_REPOSITORY`."""
    event_path = environ.get("GITHUB_EVENT_PATH")
    if not event_path:
        return NoPullRequest("GITHUB_EVENT_PATH is not set, so the pull request is unknown")
    try:
        payload = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return NoPullRequest(f"cannot read the event payload {event_path}: {error}")
    pr = payload.get("pull_request") if isinstance(payload, dict) else None
    event = environ.get("GITHUB_EVENT_NAME", "this")
    if not isinstance(pr, dict) or not isinstance(pr.get("number"), int):
        return NoPullRequest(f"the {event} event is not about a pull request")
    base = _full_name(pr, "base")
    repository = environ.get("GITHUB_REPOSITORY") or base or ""
    if not REPOSITORY_PATTERN.fullmatch(repository):
        return NoPullRequest(f"GITHUB_REPOSITORY is {repository!r}, not owner/name")
    # A deleted fork leaves `head.repo` null: still not the base repository.
    fork = _full_name(pr, "head") != base
    return PullRequest(repository, pr["number"], fork)


def _full_name(pr: dict[str, Any], side: str) -> str | None:
    ref = pr.get(side)
    repo = ref.get("repo") if isinstance(ref, dict) else None
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) else None
