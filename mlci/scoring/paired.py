"""Two models compared on the same rows: each metric's difference with a confidence interval.

`compare_paired(base, change, requests, settings)` matches the two evaluations row by row (by
`row_id`), then, for each requested metric, scores both models on those rows and resamples
the rows (a paired bootstrap: both models always see the same resample) to give the interval
of the difference, a p-value, a verdict and the smallest difference the rows can detect.

Resampling is seeded (`settings.seed`): the same predictions always give the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mlci.scoring.predictions import Predictions
from mlci.scoring.scorers import (
    CONFUSION,
    RANKING,
    REGRESSION,
    RowScorer,
    from_confusion,
    ranking_scorer,
    regression_scorer,
)
from mlci.scoring.significance import (
    bootstrap_p,
    detectable,
    mcnemar_exact,
    paired_t,
    percentile_interval,
)

Verdict = Literal["better", "within noise", "worse"]
# Classes beyond this make the cells of (truth, base, change) too many to resample as counts.
MAX_CLASSES = 40
# Row weights are drawn in blocks of about this many numbers (8 bytes each).
BLOCK_NUMBERS = 4_000_000


@dataclass(frozen=True)
class Settings:
    confidence: float = 0.95
    resamples: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class Request:
    """A metric to compare: its name in mlci.yaml, the scorer that computes it, which way
    is better."""

    name: str
    scorer: str
    direction: Literal["higher", "lower"]


@dataclass(frozen=True)
class MetricInterval:
    """One metric of both models on the same rows."""

    name: str
    scorer: str
    direction: str
    base: float
    change: float
    low: float
    high: float
    """The interval of change - base at the settings' confidence."""
    p_value: float
    test: str
    """The test behind the p-value: `McNemar's exact test`, `paired t-test`, `bootstrap`."""
    detectable: float
    """The smallest difference these rows detect (80% power), in the metric's units."""
    averaging: str
    """How a metric of classes is averaged: `positive class 'yes'`, `macro over 3 classes`."""

    @property
    def difference(self) -> float:
        return self.change - self.base

    @property
    def verdict(self) -> Verdict:
        """From the interval of the improvement: wholly above zero, wholly below, or not."""
        low, high = (self.low, self.high) if self.direction == "higher" else (-self.high, -self.low)
        if low > 0:
            return "better"
        return "worse" if high < 0 else "within noise"

    def improvement_bounds(self) -> tuple[float, float]:
        """The interval of how much better the change is (negative: worse), in the metric's
        direction: (worst plausible, best plausible)."""
        if self.direction == "higher":
            return self.low, self.high
        return -self.high, -self.low


@dataclass(frozen=True)
class PairedComparison:
    rows: int
    """How many rows both models were scored on."""
    settings: Settings
    metrics: dict[str, MetricInterval]
    skipped: dict[str, str]
    """Requested metrics without an interval, and why."""


def matched_rows(base: Predictions, change: Predictions) -> tuple[np.ndarray, np.ndarray]:
    """Indices into `base` and `change` of the rows both hold, in the change's order."""
    where = {row_id: index for index, row_id in enumerate(base.row_ids)}
    pairs = [(where[r], i) for i, r in enumerate(change.row_ids) if r in where]
    if not pairs:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    base_index, change_index = zip(*pairs, strict=True)
    return np.array(base_index, dtype=np.intp), np.array(change_index, dtype=np.intp)


def compare_paired(
    base: Predictions,
    change: Predictions,
    requests: Sequence[Request],
    settings: Settings,
    *,
    task: str,
    positive: str | None = None,
) -> PairedComparison:
    """Every request scored for both models on the rows both evaluations hold.

    The caller checks that those rows are the ones to compare on (mlci.scoring.rows); this
    uses the change's truth, which on matched rows is also the base's.
    """
    base_at, change_at = matched_rows(base, change)
    rows = len(change_at)
    skipped: dict[str, str] = {}
    results: dict[str, MetricInterval] = {}
    if rows < 2:
        reason = f"{rows} row{'s' * (rows != 1)} in common: too few to compare"
        return PairedComparison(rows, settings, {}, {r.name: reason for r in requests})
    engine = _engine(base, change, base_at, change_at, task, positive)
    rng = np.random.default_rng(settings.seed)
    wanted = []
    for request in requests:
        problem = engine.refuses(request.scorer)
        if problem is None:
            wanted.append(request)
        else:
            skipped[request.name] = problem
    draws = engine.resample([r.scorer for r in wanted], settings.resamples, rng)
    for request in wanted:
        point_base, point_change, resampled = draws[request.scorer]
        difference = resampled[:, 1] - resampled[:, 0]
        difference = difference[np.isfinite(difference)]
        if len(difference) < settings.resamples / 2:
            skipped[request.name] = "most resamples lack a class this metric needs"
            continue
        p_value, test = engine.p_value(request.scorer, difference)
        results[request.name] = interval_of(
            request,
            (point_base, point_change),
            difference,
            settings,
            (p_value, test),
            engine.averaging(request.scorer),
        )
    return PairedComparison(rows, settings, results, skipped)


def interval_of(
    request: Request,
    points: tuple[float, float],
    difference: np.ndarray,
    settings: Settings,
    significance: tuple[float, str],
    averaging: str,
) -> MetricInterval:
    """A metric's comparison from its two values and the resampled differences."""
    low, high = percentile_interval(difference, settings.confidence)
    return MetricInterval(
        name=request.name,
        scorer=request.scorer,
        direction=request.direction,
        base=points[0],
        change=points[1],
        low=low,
        high=high,
        p_value=significance[0],
        test=significance[1],
        detectable=detectable(difference, settings.confidence),
        averaging=averaging,
    )


def score(
    predictions: Predictions,
    requests: Sequence[Request],
    *,
    task: str,
    positive: str | None = None,
) -> dict[str, float]:
    """Each request's value on all of one evaluation's rows (requests it cannot score are
    left out): what the evaluation's own metrics file should say."""
    everything = np.arange(len(predictions))
    engine = _engine(predictions, predictions, everything, everything, task, positive)
    wanted = [r for r in requests if engine.refuses(r.scorer) is None]
    draws = engine.resample([r.scorer for r in wanted], 0, np.random.default_rng(0))
    return {r.name: draws[r.scorer][1] for r in wanted}


def _engine(
    base: Predictions,
    change: Predictions,
    base_at: np.ndarray,
    change_at: np.ndarray,
    task: str,
    positive: str | None,
) -> _Engine:
    if task == "regression":
        return _Regression(base, change, base_at, change_at)
    return _Classification(base, change, base_at, change_at, positive)


# Per scorer: (base's value, change's value, [base, change] per resample).
Draws = dict[str, tuple[float, float, np.ndarray]]


class _Engine:
    def refuses(self, scorer: str) -> str | None:
        raise NotImplementedError

    def resample(self, scorers: Sequence[str], resamples: int, rng: np.random.Generator) -> Draws:
        raise NotImplementedError

    def p_value(self, scorer: str, differences: np.ndarray) -> tuple[float, str]:
        return bootstrap_p(differences), "bootstrap"

    def averaging(self, scorer: str) -> str:
        return ""


def _weighted_draws(
    scorers: dict[str, tuple[RowScorer, RowScorer]],
    rows: int,
    resamples: int,
    rng: np.random.Generator,
) -> Draws:
    """Each scorer's point values and resampled values, the rows drawn with replacement."""
    if not scorers:
        return {}
    values = {name: np.empty((resamples, 2)) for name in scorers}
    for resample in range(resamples):
        counts = np.bincount(rng.integers(0, rows, rows), minlength=rows).astype(np.float64)
        for name, (base, change) in scorers.items():
            values[name][resample] = base(counts), change(counts)
    ones = np.ones(rows)
    return {
        name: (base(ones), change(ones), values[name]) for name, (base, change) in scorers.items()
    }


class _Regression(_Engine):
    def __init__(
        self, base: Predictions, change: Predictions, base_at: np.ndarray, change_at: np.ndarray
    ) -> None:
        self.actual = change.actual[change_at]
        self.base = base.predicted[base_at]
        self.change = change.predicted[change_at]

    def refuses(self, scorer: str) -> str | None:
        if scorer in REGRESSION:
            return None
        return f"{scorer} is not a metric of regression ({', '.join(sorted(REGRESSION))})"

    def resample(self, scorers: Sequence[str], resamples: int, rng: np.random.Generator) -> Draws:
        pairs = {
            name: (
                regression_scorer(name, self.actual, self.base),
                regression_scorer(name, self.actual, self.change),
            )
            for name in scorers
        }
        return _weighted_draws(pairs, len(self.actual), resamples, rng)

    def p_value(self, scorer: str, differences: np.ndarray) -> tuple[float, str]:
        # The paired t-test of per-row errors: absolute for MAE, squared for the rest.
        loss = np.abs if scorer == "mae" else np.square
        per_row = loss(self.change - self.actual) - loss(self.base - self.actual)
        kind = "absolute" if scorer == "mae" else "squared"
        return paired_t(per_row), f"paired t-test of {kind} errors"


class _Classification(_Engine):
    def __init__(
        self,
        base: Predictions,
        change: Predictions,
        base_at: np.ndarray,
        change_at: np.ndarray,
        positive: str | None,
    ) -> None:
        self.actual = change.actual[change_at]
        self.base_predicted = base.predicted[base_at]
        self.change_predicted = change.predicted[change_at]
        self.base_proba = {label: p[base_at] for label, p in base.proba.items()}
        self.change_proba = {label: p[change_at] for label, p in change.proba.items()}
        labels = {*self.actual, *self.base_predicted, *self.change_predicted}
        self.classes = sorted(map(str, labels))
        self.positive = positive if len(self.classes) <= 2 else None
        # Rows only the base gets right, and only the change: McNemar's test of accuracy.
        self._discordant = (0, 0)
        if self.positive is not None and self.positive not in self.classes:
            self.classes = sorted({*self.classes, self.positive})

    def refuses(self, scorer: str) -> str | None:
        if scorer in CONFUSION:
            if len(self.classes) > MAX_CLASSES:
                return f"{len(self.classes)} classes: more than the {MAX_CLASSES} mlci resamples"
            return None
        if scorer not in RANKING:
            return f"{scorer} is not a metric of classification"
        if not self.base_proba or not self.change_proba:
            return f"{scorer} needs the proba: columns, and a predictions file lacks them"
        if set(self.base_proba) != set(self.change_proba):
            return f"{scorer}: the two predictions files give probabilities of different classes"
        missing = set(self.actual) - set(self.change_proba)
        if missing:
            return f"{scorer}: no proba: column for the class {sorted(missing)[0]!r}"
        if scorer != "log_loss" and len(self.classes) == 2 and self.positive is None:
            return f"{scorer} of two classes needs problem.positive_class in mlci.yaml"
        return None

    def averaging(self, scorer: str) -> str:
        if scorer in ("accuracy", "log_loss"):
            return ""
        if scorer == "balanced_accuracy":
            return f"mean recall over {len(self.classes)} classes"
        if self.positive is not None:
            return f"positive class {self.positive!r}"
        kind = "one-vs-rest, macro" if scorer in RANKING else "macro"
        return f"{kind} over {len(self.classes)} classes"

    def resample(self, scorers: Sequence[str], resamples: int, rng: np.random.Generator) -> Draws:
        counted = [s for s in scorers if s in CONFUSION]
        draws = self._confusion_draws(counted, resamples, rng) if counted else {}
        weighted = {
            s: (
                ranking_scorer(s, self.actual, self.base_proba, self.positive),
                ranking_scorer(s, self.actual, self.change_proba, self.positive),
            )
            for s in scorers
            if s in RANKING
        }
        return {**draws, **_weighted_draws(weighted, len(self.actual), resamples, rng)}

    def _codes(self, labels: np.ndarray) -> np.ndarray:
        index = {label: code for code, label in enumerate(self.classes)}
        return np.array([index[str(label)] for label in labels], dtype=np.intp)

    def _confusion_draws(
        self, scorers: Sequence[str], resamples: int, rng: np.random.Generator
    ) -> Draws:
        # A row is one of K³ cells (truth, base's prediction, change's prediction); drawing
        # the rows with replacement is drawing the cells' counts from a multinomial, which is
        # exact and costs nothing per row.
        k = len(self.classes)
        truth, base, change = (
            self._codes(self.actual),
            self._codes(self.base_predicted),
            self._codes(self.change_predicted),
        )
        cells = np.bincount((truth * k + base) * k + change, minlength=k**3)
        rows = int(cells.sum())
        drawn = rng.multinomial(rows, cells / rows, size=resamples).reshape(resamples, k, k, k)
        point = cells.reshape(k, k, k)
        positive = self.classes.index(self.positive) if self.positive is not None else None
        draws: Draws = {}
        for scorer in scorers:
            base_value = from_confusion(scorer, point.sum(axis=2), positive)
            change_value = from_confusion(scorer, point.sum(axis=1), positive)
            resampled = np.column_stack(
                [
                    from_confusion(scorer, drawn.sum(axis=3), positive),
                    from_confusion(scorer, drawn.sum(axis=2), positive),
                ]
            )
            draws[scorer] = (float(base_value), float(change_value), resampled)
        self._discordant = (
            int(((base == truth) & (change != truth)).sum()),
            int(((base != truth) & (change == truth)).sum()),
        )
        return draws

    def p_value(self, scorer: str, differences: np.ndarray) -> tuple[float, str]:
        if scorer == "accuracy":
            return mcnemar_exact(*self._discordant), "McNemar's exact test"
        return super().p_value(scorer, differences)
