"""What a metrics file says about its metrics rather than as one: the trivial baseline's
scores and the positive class. The scaffold's evaluation writes both (`baseline.<key>` and
`positive_class` in metrics.json); the report and `mlci run` show them beside the metrics."""

from __future__ import annotations

from mlci.compare.diff import Comparison, MetricRow
from mlci.dvc.metrics_file import as_text

BASELINE_PREFIX = "baseline."
"""A metrics file's `baseline.<key>`: a trivial model's score (majority class, the mean),
shown beside the model's `<key>` rather than as a metric of its own."""
POSITIVE_CLASS_KEY = "positive_class"


def is_context(row: MetricRow) -> bool:
    """An undeclared row that describes the declared metrics rather than being one."""
    return row.name is None and (
        row.key.startswith(BASELINE_PREFIX) or row.key == POSITIVE_CLASS_KEY
    )


def baselines(c: Comparison) -> dict[tuple[str, str], MetricRow]:
    """(file, key) of a declared metric -> the row of its trivial baseline, where there is one."""
    by_key = {(r.file, r.key): r for r in c.metrics if r.key.startswith(BASELINE_PREFIX)}
    found = {}
    for row in c.metrics:
        baseline = by_key.get((row.file, BASELINE_PREFIX + row.key))
        if row.name is not None and baseline is not None:
            found[row.file, row.key] = baseline
    return found


def positive_class(c: Comparison) -> str | None:
    """The class precision, recall and f1 are about, as the target's evaluation recorded it
    (None when no file names one, or files disagree)."""
    labels = {
        as_text(r.new)
        for r in c.metrics
        if r.key == POSITIVE_CLASS_KEY and r.new is not None and r.new_missing is None
    }
    return labels.pop() if len(labels) == 1 else None
