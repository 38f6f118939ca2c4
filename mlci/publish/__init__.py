"""Publishing a report from GitHub Actions: the job summary and one sticky PR comment.

`publish()` is the entry point; the modules behind it each talk to one thing: `summary` to
the job summary file, `github` to the REST API (retries, rate limits, the token), `comment`
to a pull request's comments, `event` to the Actions environment and event payload.
`limits` holds the report's marker and GitHub's size limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlci.publish.publisher import PublishResult, publish

__all__ = ["PublishResult", "publish"]


def __getattr__(name: str) -> Any:
    # Loaded on first use, not with the package: the report renderer reads mlci.publish.limits
    # and must not import requests (mlci.publish.github) to learn a number.
    if name in __all__:
        from mlci.publish import publisher

        return getattr(publisher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
