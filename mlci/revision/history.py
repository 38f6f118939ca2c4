"""Metrics along a branch's first-parent history, read as `mlci diff` reads a commit.

Each commit is read by mlci.revision.snapshot's RevisionReader, the reader of `mlci diff`: every
dvc.yaml with its templating, metrics files committed or DVC-cached (under a stage's wdir,
in a `cache.dir` elsewhere, in a local remote, inside a cached folder), top-level metrics
tracked by a .dvc file. So a value `mlci history` shows for a commit is the value `mlci diff`
shows for it.

For N commits this starts three git processes in all (the log, the batch reader, and
nothing per commit), where `dvc metrics show -A` works through every revision in turn. The
commits are read one at a time, oldest first, and forgotten once read: what stays is the
rows' numbers, and what a blob parses to, by its id (a dvc.yaml that 10,000 commits share is
parsed once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlci.dvc.metrics_file import Value, is_number
from mlci.git import Commit, first_parent_log
from mlci.gitbatch import GitObjects
from mlci.revision.snapshot import BrokenPipelineFile, RevisionReader

CHUNK = 256
"""Commits whose files are read ahead together, at most."""


@dataclass(frozen=True)
class MetricColumn:
    """One metric to follow: a key in a metrics file, with a display name."""

    name: str
    file: str | None  # None: look the key up in every metrics file
    key: str
    direction: str | None = None


@dataclass
class HistoryRow:
    commit: Commit
    values: dict[str, Value | None]
    stages_changed: list[str] = field(default_factory=list)


@dataclass
class History:
    columns: list[MetricColumn]
    rows: list[HistoryRow]
    """Oldest first."""


@dataclass(frozen=True)
class CommitMetrics:
    """What one commit holds for a history: its metrics by (file, key), in file order, and
    the digest of each stage's dvc.lock entry (a change means the stage ran again)."""

    commit: Commit
    values: dict[tuple[str, str], Value]
    digests: dict[str, str] | None
    """None where the commit's pipeline cannot be read (a dvc.yaml that is not YAML)."""


def commit_metrics(reader: RevisionReader, commits: list[Commit]) -> Iterator[CommitMetrics]:
    """Each commit's metrics as `mlci diff` reads them, one commit at a time, each commit
    forgotten by the reader once read. The files the last commit read are read ahead for
    the next commits (up to CHUNK, as many as the reader keeps) in a few batches: one round
    trip to git per file and commit would cost more than reading them."""
    ahead, chunk, until = ["dvc.yaml", "dvc.lock"], 8, 0
    for index, commit in enumerate(commits):
        if index == until:
            weight = reader.prefetch([c.sha for c in commits[index : index + chunk]], ahead)
            until = index + chunk
            # As many commits as the reader keeps blobs for (big dvc.lock files: fewer).
            each = max(1, weight // chunk)
            chunk = max(1, min(CHUNK, reader.read_ahead_bytes // each))
        try:
            reads = reader.read_metrics(commit.sha)
            digests: dict[str, str] | None = reader.lock_digests(commit.sha)
        except BrokenPipelineFile:
            # DVC fails that revision and shows the others; so does the history.
            reads, digests = {}, None
        values = {
            (path, key): value
            for path, read in reads.items()
            if read.state == "found"
            for key, value in read.values.items()
        }
        ahead = reader.files_read(commit.sha)
        reader.forget(commit.sha)
        yield CommitMetrics(commit, values, digests)


def read_history(
    root: Path, revision: str, count: int, columns: list[MetricColumn] | None
) -> History:
    # One commit more than shown: what the oldest shown commit changed needs its parent.
    commits = first_parent_log(root, revision, count + 1)
    rows: list[HistoryRow] = []
    found: list[dict[tuple[str, str], Value]] = []
    previous: dict[str, str] = {}
    with GitObjects(root) as objects:
        reader = RevisionReader(root, objects)
        for read in commit_metrics(reader, commits):
            digests = read.digests if read.digests is not None else previous
            changed = [name for name, digest in digests.items() if previous.get(name) != digest]
            previous = digests
            rows.append(HistoryRow(read.commit, {}, changed))
            # Only what a column can show is kept: the columns' keys, or the numbers from
            # which the columns are found.
            found.append(_kept(read.values, columns))
    if len(commits) > count:
        rows, found = rows[1:], found[1:]
    chosen = columns if columns is not None else _discover(found)
    for row, values in zip(rows, found, strict=True):
        row.values = {column.name: _value(values, column) for column in chosen}
    return History(chosen, rows)


def _kept(
    values: dict[tuple[str, str], Value], columns: list[MetricColumn] | None
) -> dict[tuple[str, str], Value]:
    if columns is None:
        return {pair: value for pair, value in values.items() if is_number(value)}
    files = {(column.file, column.key) for column in columns}
    keys = {column.key for column in columns if column.file is None}
    return {
        (file, key): value
        for (file, key), value in values.items()
        if key in keys or (file, key) in files
    }


def _value(values: dict[tuple[str, str], Value], column: MetricColumn) -> Value | None:
    if column.file is not None:
        return values.get((column.file, column.key))
    # A key without a file: the first metrics file (by path) that holds it.
    return next((value for (_, key), value in values.items() if key == column.key), None)


def _discover(found: list[dict[tuple[str, str], Value]]) -> list[MetricColumn]:
    """Every numeric key seen in any commit, in file order, named `key` (or `file:key` when
    several files hold it)."""
    seen: dict[tuple[str, str], None] = {}
    for values in found:
        seen.update(dict.fromkeys(values))
    # A Counter, not list.count per key: 100,000 keys would cost 10^10 steps.
    files_with = Counter(key for _, key in seen)
    return [
        MetricColumn(key if files_with[key] == 1 else f"{file}:{key}", file, key)
        for file, key in seen
    ]
