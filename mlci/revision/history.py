"""Metrics along a branch's first-parent history, read as `mlci diff` reads a commit.

Each commit is read by mlci.revision.snapshot's RevisionReader, the reader of `mlci diff`: every
dvc.yaml with its templating, metrics files committed or DVC-cached (under a stage's wdir,
in a `cache.dir` elsewhere, in a local remote, inside a cached folder), top-level metrics
tracked by a .dvc file. So a value `mlci history` shows for a commit is the value `mlci diff`
shows for it.

For N commits this starts three git processes in all (the log, the batch reader, and
nothing per commit), where `dvc metrics show -A` works through every revision in turn. The
commits are read one at a time, oldest first, and forgotten once read; what a blob parses to
is kept by its id, within bounds (a dvc.yaml that 10,000 commits share is parsed once).

`stream_history` hands the rows on as they are read, so that `mlci history` writes each one
and keeps none: with the columns named (the spec's, METRIC arguments) what is held does not
grow with the commits. Columns found in the data are known only once every commit is read:
then each commit's numbers are kept compactly until then (mlci.revision.history_columns).
`read_history` keeps every row, for callers that want them all (the report's trend chart).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mlci.dvc.metrics_file import Value
from mlci.git import Commit, first_parent_log
from mlci.gitbatch import GitObjects
from mlci.revision.history_columns import (
    MetricColumn,
    Read,
    discovered_history,
    kept,
    value_of,
)
from mlci.revision.snapshot import BrokenPipelineFile, RevisionReader

__all__ = [
    "CommitMetrics",
    "History",
    "HistoryRow",
    "HistoryStream",
    "MetricColumn",
    "commit_metrics",
    "read_history",
    "stream_history",
]

CHUNK = 256
"""Commits whose files are read ahead together, at most."""


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


@dataclass
class HistoryStream:
    """A history whose rows are read as they are asked for: iterate `rows` once, oldest
    first, inside `stream_history`'s block (the commits are read from git meanwhile)."""

    columns: list[MetricColumn]
    rows: Iterator[HistoryRow]


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


def shown_commits(reader: RevisionReader, commits: list[Commit], count: int) -> Iterator[Read]:
    """The last `count` of `commits` as (commit, metrics, stages changed), oldest first.

    `commits` may hold one commit more, the parent of the oldest shown: it is read only for
    what its child changed, and neither shown nor looked at for columns."""
    previous: dict[str, str] = {}
    skip = len(commits) > count
    for read in commit_metrics(reader, commits):
        digests = read.digests if read.digests is not None else previous
        changed = [name for name, digest in digests.items() if previous.get(name) != digest]
        previous = digests
        if skip:
            skip = False
            continue
        yield Read(read.commit, read.values, changed)


@contextmanager
def stream_history(
    root: Path, revision: str, count: int, columns: list[MetricColumn] | None
) -> Iterator[HistoryStream]:
    """`count` commits back from `revision`, oldest first, in `columns` (None: every number
    any shown commit holds). The commits are read while the rows are iterated, within
    this block; the log is read, and a bad revision refused, before it starts."""
    # One commit more than shown: what the oldest shown commit changed needs its parent.
    commits = first_parent_log(root, revision, count + 1)
    with GitObjects(root) as objects:
        reads = shown_commits(RevisionReader(root, objects), commits, count)
        if columns is None:
            chosen, rows = discovered_history(reads)
            yield HistoryStream(chosen, (HistoryRow(*row) for row in rows))
        else:
            yield HistoryStream(columns, _in_columns(reads, columns))


def _in_columns(reads: Iterator[Read], columns: list[MetricColumn]) -> Iterator[HistoryRow]:
    for read in reads:
        # The columns' keys first, once per commit: a metrics file of 100,000 keys is then
        # walked once, not once per column.
        values = kept(read.values, columns)
        yield HistoryRow(
            read.commit, {column.name: value_of(values, column) for column in columns}, read.changed
        )


def read_history(
    root: Path, revision: str, count: int, columns: list[MetricColumn] | None
) -> History:
    """The whole history of `stream_history`, every row kept."""
    with stream_history(root, revision, count, columns) as streamed:
        return History(streamed.columns, list(streamed.rows))
