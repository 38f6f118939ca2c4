"""The metrics of a branch's recent commits, as `mlci history` shows them: which metrics (the
spec's, or those named on the command line), from which commit, how many."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlci.errors import UsageError
from mlci.revision.history import History, HistoryStream, MetricColumn, stream_history
from mlci.revision.names import COMMIT_FIRST, NO_COMMIT, head_commit, main_commit, resolve
from mlci.usecases.project import ProjectPaths


def branch_history(
    project: ProjectPaths, rev: str | None, count: int, metrics: list[str]
) -> History:
    """`count` commits back from REV (default: the main branch's tip), oldest first."""
    with open_branch_history(project, rev, count, metrics) as streamed:
        return History(streamed.columns, list(streamed.rows))


@contextmanager
def open_branch_history(
    project: ProjectPaths, rev: str | None, count: int, metrics: list[str]
) -> Iterator[HistoryStream]:
    """branch_history's rows as they are read, to be written one by one in this block; what
    the arguments get wrong is refused before it starts."""
    root = project.root
    columns: list[MetricColumn] | None = None
    main_branch = "main"
    if project.spec_given and not project.spec.is_file():
        raise UsageError(f"{project.spec}: file not found")
    if project.spec.exists():
        from mlci.spec.load import load_project

        spec = load_project(project.spec).spec
        main_branch = spec.ci.main_branch
        columns = [
            MetricColumn(name, metric.file, spec.metric_key(name), metric.direction)
            for name, metric in spec.metrics.items()
        ] or None
    if metrics:
        declared = {c.name: c for c in columns or []}
        columns = [declared.get(m) or column_from_text(m) for m in metrics]
    if count < 1:
        raise UsageError("-n must be at least 1")
    with stream_history(root, _walk_from(root, rev, main_branch), count, columns) as streamed:
        yield streamed


def _walk_from(root: Path, rev: str | None, main_branch: str) -> str:
    """The commit `--rev` names, else the main branch's tip (origin/<branch> in CI)."""
    try:
        if rev is not None:
            return resolve(root, rev)[0]
        return main_commit(root, main_branch, "name the branch: `mlci history --rev REV`")[0]
    except UsageError:
        if rev is None and head_commit(root) is None:
            message = NO_COMMIT.format(branch=main_branch)
            raise UsageError(f"{message}: there is no history to show; {COMMIT_FIRST}") from None
        raise


def column_from_text(text: str) -> MetricColumn:
    """`key`, `file:key`, or `file:` for a file holding one bare value (named by the file)."""
    file, _, key = text.rpartition(":")
    return MetricColumn(text if key else file, file or None, key)
