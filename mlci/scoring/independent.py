"""Compare a metric on two independent sets of rows: the deploy-time evaluation and the
live window whose labels arrived. No row is in both, so each side is resampled on its own
and the interval is of the difference of the two resampled metrics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlci.scoring.paired import (
    MetricInterval,
    PairedComparison,
    Request,
    Settings,
    _engine,
    interval_of,
)
from mlci.scoring.predictions import Predictions
from mlci.scoring.significance import bootstrap_p


def compare_independent(
    before: Predictions,
    after: Predictions,
    requests: Sequence[Request],
    settings: Settings,
    *,
    task: str,
    positive: str | None = None,
) -> PairedComparison:
    """Each request on `before`'s rows and on `after`'s, with the interval of after - before."""
    if min(len(before), len(after)) < 2:
        reason = "too few rows on a side to compare"
        return PairedComparison(len(after), settings, {}, {r.name: reason for r in requests})
    engines = [
        _engine(side, side, np.arange(len(side)), np.arange(len(side)), task, positive)
        for side in (before, after)
    ]
    skipped: dict[str, str] = {}
    wanted = []
    for request in requests:
        problem = engines[0].refuses(request.scorer) or engines[1].refuses(request.scorer)
        if problem is None:
            wanted.append(request)
        else:
            skipped[request.name] = problem
    rng = np.random.default_rng(settings.seed)
    scorers = [r.scorer for r in wanted]
    draws = [engine.resample(scorers, settings.resamples, rng) for engine in engines]
    results: dict[str, MetricInterval] = {}
    for request in wanted:
        point_before, _, resampled_before = draws[0][request.scorer]
        point_after, _, resampled_after = draws[1][request.scorer]
        difference = resampled_after[:, 1] - resampled_before[:, 1]
        difference = difference[np.isfinite(difference)]
        if len(difference) < settings.resamples / 2:
            skipped[request.name] = "most resamples lack a class this metric needs"
            continue
        results[request.name] = interval_of(
            request,
            (point_before, point_after),
            difference,
            settings,
            (bootstrap_p(difference), "bootstrap of independent samples"),
            engines[1].averaging(request.scorer),
        )
    return PairedComparison(len(after), settings, results, skipped)
