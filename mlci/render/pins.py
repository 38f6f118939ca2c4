"""The one table of third-party actions the generated workflows use, pinned to commits.

A tag can be moved to other code; a full commit SHA cannot. Each SHA was read from the
action's own repository at the release tag named beside it. Update both together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pin:
    action: str
    sha: str
    version: str

    def __str__(self) -> str:
        return f"{self.action}@{self.sha} # {self.version}"


PINS = {
    "checkout": Pin("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": Pin(
        "actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"
    ),
    "cache": Pin("actions/cache", "27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
}
