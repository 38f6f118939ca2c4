"""Compare the two sides of a comparison on the same rows: read each side's per-row
predictions (the file `evaluation.predictions` names) and hand them to the scorer."""

from __future__ import annotations

from dataclasses import replace

from mlci.compare.diff import Comparison
from mlci.compare.same_rows import SameRows, Scoring, same_rows
from mlci.dvc.metrics_file import is_number
from mlci.revision.snapshot import Revision, RevisionReader
from mlci.scoring.paired import Request, Settings
from mlci.scoring.predictions import Predictions, PredictionsError, read_predictions
from mlci.spec.model import Spec
from mlci.spec.paths import normalise


def with_same_rows(
    comparison: Comparison,
    reader: RevisionReader,
    spec: Spec,
    base: Revision,
    target: Revision,
    *,
    change_spec: Spec | None = None,
) -> Comparison:
    """`comparison` with its `same_rows`, when the spec declares per-row predictions.

    `spec` is the judging spec (the base's): its metrics, directions and settings.
    `change_spec`, the workspace's own, says how to rescore the base's model when the change
    evaluated other rows; without it (or for a committed target) nothing is rescored.
    """
    evaluation = spec.evaluation
    if evaluation is None or spec.problem.task not in ("classification", "regression"):
        return comparison
    path = normalise(".", evaluation.predictions) or evaluation.predictions
    task = spec.problem.task
    positive = spec.problem.positive_class
    scoring = Scoring(
        task=task,
        positive=None if positive is None else str(positive),
        requests=_requests(spec),
        settings=Settings(evaluation.confidence, evaluation.resamples, evaluation.seed),
    )
    reported = {
        row.name: float(row.new)  # type: ignore[arg-type]
        for row in comparison.metrics
        if row.name is not None and is_number(row.new) and not isinstance(row.new, bool)
    }
    old, new = _read(reader, base, path, task), _read(reader, target, path, task)
    rescored = None
    moved = isinstance(old, Predictions) and isinstance(new, Predictions) and _moved(old, new)
    if moved and target is None and change_spec is not None:
        from mlci.usecases.rescore import rescore

        rescored = rescore(reader.root, reader, change_spec, base, task)
    found = same_rows(
        old, new, reported, scoring, base_label=comparison.base.label, rescored=rescored
    )
    return replace(comparison, same_rows=found)


def _moved(base: Predictions, change: Predictions) -> bool:
    """Did the change evaluate other rows (or the same rows with another truth)?"""
    if set(base.row_ids) != set(change.row_ids):
        return True
    truth = dict(zip(base.row_ids, base.actual, strict=True))
    return any(truth[r] != a for r, a in zip(change.row_ids, change.actual, strict=True))


def _requests(spec: Spec) -> list[Request]:
    return [
        Request(name, scorer, metric.direction)
        for name, metric in spec.metrics.items()
        if (scorer := spec.scorer_of(name)) is not None
    ]


def _read(reader: RevisionReader, rev: Revision, path: str, task: str) -> Predictions | str:
    content = reader.output_content(rev, path)
    if isinstance(content, str):
        return content
    try:
        return read_predictions(path, content, task)
    except PredictionsError as error:
        return str(error)


__all__ = ["SameRows", "with_same_rows"]
