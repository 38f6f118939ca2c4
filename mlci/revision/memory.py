"""What a RevisionReader remembers, and for how long.

Two kinds of memory. What was worked out at one revision (the files read, the pipelines
resolved, the notes) is kept until the revision is forgotten: a history reads each commit
once and forgets it. What a file's content parses to is kept by the content's id (a git blob
id, a DVC object's md5), across revisions, within bounds in bytes: commits that share a
dvc.yaml parse it once, and a long history holds no more than a short one.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

from mlci.revision.model import Revision
from mlci.weighted_lru import Bounded

V = TypeVar("V")


class _Forgetting(Protocol):
    def forget(self, rev: Revision) -> None: ...


M = TypeVar("M", bound=_Forgetting)

# A history reads commits in order, and commits that share a file are neighbours: a few
# hundred entries hold what the next commit needs, however long the history.
BLOB_CACHE_BYTES = 2 << 20
BLOB_OVERHEAD = 256  # bytes a remembered blob costs beyond its content
PARSED_CACHE_BYTES = 2 << 20
"""Parsed data costs some eight times its text in Python objects: weighed as such."""


class PerRevision(Generic[V]):
    """One value per revision, worked out once, kept until the revision is forgotten."""

    def __init__(self) -> None:
        self._at: dict[Revision, V] = {}

    def get(self, rev: Revision, work_out: Callable[[], V]) -> V:
        """The value at `rev`; worked out now if not yet (an exception keeps nothing)."""
        if rev not in self._at:
            self._at[rev] = work_out()
        return self._at[rev]

    def forget(self, rev: Revision) -> None:
        self._at.pop(rev, None)


class PerPath(Generic[V]):
    """One value per path and revision, worked out once, kept until the revision is
    forgotten; the paths in the order they were first asked for."""

    def __init__(self) -> None:
        self._at: dict[Revision, dict[str, V]] = {}

    def get(self, rev: Revision, path: str, work_out: Callable[[], V]) -> V:
        at = self._at.get(rev)
        if at is None:
            at = self._at[rev] = {}
        if path not in at:
            at[path] = work_out()
        return at[path]

    def paths(self, rev: Revision) -> list[str]:
        return list(self._at.get(rev, ()))

    def forget(self, rev: Revision) -> None:
        self._at.pop(rev, None)


class Memory:
    """The reader's memory: per revision (notes and what its parts register), and what
    contents parse to, by content id. (The blobs read from git, by id, are the FileReader's:
    it alone reads them.)"""

    def __init__(self, parsed_bytes: int) -> None:
        self.parsed: Bounded[tuple[str, ...], Any] = Bounded(parsed_bytes)
        self._per_revision: list[_Forgetting] = []
        self._notes: PerRevision[dict[str, None]] = self.keep(PerRevision())

    def keep(self, memo: M) -> M:
        """`memo` (a PerRevision, a PerPath), to be dropped with each revision `forget` drops."""
        self._per_revision.append(memo)
        return memo

    def note(self, rev: Revision, text: str) -> None:
        """Something the reader met at `rev` and says: a file refused, a stage not resolved."""
        self._notes.get(rev, dict)[text] = None  # an ordered set: notes are many

    def notes(self, rev: Revision) -> tuple[str, ...]:
        return tuple(self._notes.get(rev, dict))

    def forget(self, rev: Revision) -> None:
        for memo in self._per_revision:
            memo.forget(rev)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector runs every so many allocations and walks the objects alive:
    a dvc.yaml of 4,000 stages makes it walk a growing heap again and again, and parsing took
    2.5x as long for twice the stages (with it paused, exactly twice). The parsers build
    trees of plain data, no cycles to collect; it runs again right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parsed_weight(content: bytes | object) -> int:
    """What remembering the parse of `content` costs (nothing but overhead if not bytes)."""
    return 256 + 8 * (len(content) if isinstance(content, bytes) else 0)
