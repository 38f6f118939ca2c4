"""Repository paths and an index that finds overlapping ones without comparing every pair."""

from __future__ import annotations

import posixpath
from bisect import bisect_left, insort
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


def normalise(wdir: str, path: str) -> str | None:
    """Repository-relative POSIX path, or None when it leaves the repository."""
    joined = posixpath.normpath(posixpath.join(wdir, path))
    if posixpath.isabs(path) or joined == ".." or joined.startswith("../"):
        return None
    return joined


class PathIndex(Generic[T]):
    """Values filed under paths; `overlapping(p)` finds those at p, above it or inside it."""

    def __init__(self) -> None:
        self._values: dict[str, list[T]] = {}
        self._sorted: list[str] = []

    def add(self, path: str, value: T) -> None:
        if path not in self._values:
            self._values[path] = []
            insort(self._sorted, path)
        self._values[path].append(value)

    def overlapping(self, path: str) -> Iterator[T]:
        if path == ".":
            for values in self._values.values():
                yield from values
            return
        yield from self._values.get(".", ())
        parts = path.split("/")
        for end in range(1, len(parts) + 1):  # the path itself and every folder above it
            yield from self._values.get("/".join(parts[:end]), ())
        inside = path + "/"
        for position in range(bisect_left(self._sorted, inside), len(self._sorted)):
            candidate = self._sorted[position]
            if not candidate.startswith(inside):
                break
            yield from self._values[candidate]
