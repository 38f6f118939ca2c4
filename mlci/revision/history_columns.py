"""Which metrics a history shows, and each commit's value for them.

A column is named (the spec's metrics, METRIC arguments) or found in the data: every numeric
key any shown commit holds. Found columns are known only once every commit is read, and
every row lists every column, so the rows are kept until then. Not as the reader gives them
(a dict of (file, key) -> value per commit, ~100 bytes a key) but as a tuple of values by
column number, 8 bytes a value, one tuple shared by consecutive commits whose values are the
same objects (a metrics file that did not change is parsed once, by blob id).

The alternative, reading the commits twice (once for the columns, once for the rows), would
keep nothing per commit but double the time: the reader remembers parsed files within a
bound, so at 10,000 commits the second pass would find none of the first pass's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from mlci.dvc.metrics_file import Value, is_number
from mlci.git import Commit

Pair = tuple[str, str]
"""(metrics file, key)."""


@dataclass(frozen=True)
class MetricColumn:
    """One metric to follow: a key in a metrics file, with a display name."""

    name: str
    file: str | None  # None: look the key up in every metrics file
    key: str
    direction: str | None = None


class Read(NamedTuple):
    """One shown commit as read: its metrics by (file, key), in file order, and the stages
    whose dvc.lock entry changed since its parent."""

    commit: Commit
    values: dict[Pair, Value]
    changed: list[str]


class Row(NamedTuple):
    commit: Commit
    values: dict[str, Value | None]
    changed: list[str]


def kept(values: dict[Pair, Value], columns: list[MetricColumn]) -> dict[Pair, Value]:
    """The values `columns` can show, in the order read."""
    files = {(column.file, column.key) for column in columns}
    keys = {column.key for column in columns if column.file is None}
    return {
        (file, key): value
        for (file, key), value in values.items()
        if key in keys or (file, key) in files
    }


def value_of(values: dict[Pair, Value], column: MetricColumn) -> Value | None:
    if column.file is not None:
        return values.get((column.file, column.key))
    # A key without a file: the first metrics file (by path) that holds it.
    return next((value for (_, key), value in values.items() if key == column.key), None)


def discovered_history(reads: Iterable[Read]) -> tuple[list[MetricColumn], Iterator[Row]]:
    """Every numeric key the commits hold, as columns, and each commit's row; every commit
    is read before this returns."""
    store = _CompactRows()
    for read in reads:
        store.add(read)
    columns = store.columns()
    return columns, store.rows(columns)


class _CompactRows:
    """Each commit's numbers by column number, as few objects as the values allow."""

    def __init__(self) -> None:
        self._ids: dict[Pair, int] = {}  # first seen first: the columns' order
        self._commits: list[Commit] = []
        self._numbers: list[tuple[Value | None, ...]] = []
        self._changed: list[tuple[str, ...]] = []
        self._changes: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per set of stages

    def add(self, read: Read) -> None:
        slots: list[Value | None] = [None] * len(self._ids)
        for pair, value in read.values.items():
            if is_number(value):
                column = self._ids.setdefault(pair, len(self._ids))
                if column == len(slots):
                    slots.append(value)
                else:
                    slots[column] = value
        self._commits.append(read.commit)
        self._numbers.append(self._shared(slots))
        changed = tuple(read.changed)
        self._changed.append(self._changes.setdefault(changed, changed))

    def _shared(self, slots: list[Value | None]) -> tuple[Value | None, ...]:
        """The previous commit's tuple when it holds these very objects (identity, not
        equality: 1 and 1.0 are equal, and show differently)."""
        last = self._numbers[-1] if self._numbers else ()
        if len(last) == len(slots) and all(a is b for a, b in zip(last, slots, strict=True)):
            return last
        return tuple(slots)

    def columns(self) -> list[MetricColumn]:
        """Named `key`, or `file:key` when several files hold the key."""
        # A Counter, not list.count per key: 100,000 keys would cost 10^10 steps.
        files_with = Counter(key for _, key in self._ids)
        return [
            MetricColumn(key if files_with[key] == 1 else f"{file}:{key}", file, key)
            for file, key in self._ids
        ]

    def rows(self, columns: list[MetricColumn]) -> Iterator[Row]:
        numbered = list(enumerate(columns))
        for commit, numbers, changed in zip(
            self._commits, self._numbers, self._changed, strict=True
        ):
            size = len(numbers)
            values = {column.name: numbers[i] if i < size else None for i, column in numbered}
            yield Row(commit, values, list(changed))
