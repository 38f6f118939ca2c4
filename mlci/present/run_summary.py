"""The lines `mlci run` ends with: each metric the run produced, and how it moved from the
last commit, so a developer sees what a change did without a second command."""

from __future__ import annotations

from mlci.compare.diff import Comparison, MetricRow
from mlci.dvc.metrics_file import as_text
from mlci.present.metric_context import baselines, is_context, positive_class
from mlci.present.terminal import printable

# Verdicts a developer acts on get a word; the rest show the values alone.
_MOVES = {"improved": "better", "regressed": "worse", "unchanged": "unchanged", "new": "new"}


def metrics_lines(comparison: Comparison) -> list[str]:
    """One line per metric of the workspace: name, value, change against the base, and the
    trivial baseline's score where the evaluation wrote one. The metrics mlci.yaml declares,
    when it declares any; else every metric the run produced."""
    rows = [row for row in comparison.metrics if row.new is not None and not is_context(row)]
    declared = [row for row in rows if row.name is not None]
    rows = declared or rows
    if not rows:
        return []
    names = [_name(row) for row in rows]
    width = max(len(name) for name in names)
    base = printable(comparison.base.label)
    label = positive_class(comparison)
    about = f", positive class {printable(label)}" if label is not None else ""
    lines = [f"metrics (change against {base}{about}):"]
    found = baselines(comparison)
    for name, row in zip(names, rows, strict=True):
        baseline = found.get((row.file, row.key))
        beside = (
            f"  (baseline {as_text(baseline.new)})" if baseline and baseline.new is not None else ""
        )
        line = f"  {name:<{width}}  {as_text(row.new):>10}  {_change(row)}{beside}"
        lines.append(line.rstrip())
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
