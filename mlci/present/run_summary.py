"""The lines `mlci run` ends with: each metric the run produced, and how it moved from the
last commit, so a developer sees what a change did without a second command."""

from __future__ import annotations

from mlci.compare.diff import Comparison, MetricRow
from mlci.dvc.metrics_file import as_text
from mlci.present.terminal import printable

# Verdicts a developer acts on get a word; the rest show the values alone.
_MOVES = {"improved": "better", "regressed": "worse", "unchanged": "unchanged", "new": "new"}


def metrics_lines(comparison: Comparison) -> list[str]:
    """One line per metric of the workspace: name, value, change against the base."""
    rows = [row for row in comparison.metrics if row.new is not None]
    if not rows:
        return []
    names = [_name(row) for row in rows]
    width = max(len(name) for name in names)
    base = printable(comparison.base.label)
    lines = [f"metrics (change against {base}):"]
    for name, row in zip(names, rows, strict=True):
        lines.append(f"  {name:<{width}}  {as_text(row.new):>10}  {_change(row)}".rstrip())
    return lines


def _name(row: MetricRow) -> str:
    if row.name is not None:
        return printable(row.name)
    return printable(f"{row.file}:{row.key}" if row.key else row.file)


def _change(row: MetricRow) -> str:
    move = _MOVES.get(row.verdict, "")
    if row.change is None or row.change == 0:
        return move
    return f"{row.change:+.6g}  {move}".rstrip()
