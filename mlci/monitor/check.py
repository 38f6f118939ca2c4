"""Judge a current window against its reference, feature by feature, then as a dataset.

A feature drifts when its test rejects "no drift" at `alpha` (the declared false-alarm
rate) and its effect size reaches the spec's threshold: significance alone would call a
negligible shift drift on a million rows, an effect alone would call noise drift on fifty.
With fewer than `min_rows` rows on either side the verdict is "not enough data", never
drift. The dataset drifts when at least `dataset_share` of the judged features drift.
Features are checked on threads: the sorts and merges run in numpy, without the GIL.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from mlci.monitor.stats import (
    CategoricalDrift,
    NumericDrift,
    categorical_drift_of_counts,
    decile_shares,
    numeric_drift,
)
from mlci.spec.model import Monitor

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["numeric", "categorical"]
Verdict = Literal["drift", "no drift", "not enough data"]
# Categories shown in a feature's plot; the rest are summed as one bar.
SHOWN_CATEGORIES = 12


@dataclass(frozen=True)
class Bars:
    """What a feature's plot shows: each bin's share of the reference and of the window."""

    labels: tuple[str, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]


@dataclass(frozen=True)
class FeatureCheck:
    name: str
    kind: Kind
    reference_rows: int
    current_rows: int
    """Rows with a value: a missing (or, for a number, unreadable) value is left out."""
    missing: float
    """The window's share of rows without a value."""
    measure: str
    """The effect size that decides: psi, ks, wasserstein (numeric) or js (categorical)."""
    effect: float
    threshold: float
    p_value: float
    test: str
    verdict: Verdict
    numeric: NumericDrift | None
    categorical: CategoricalDrift | None
    bars: Bars | None


@dataclass(frozen=True)
class DriftCheck:
    features: tuple[FeatureCheck, ...]
    prediction: FeatureCheck | None
    drifted_share: float | None
    """The share of judged features that drift (None: none had enough data)."""
    dataset_drift: bool | None
    """None: not enough data to say."""
    settings: Monitor

    @property
    def breached(self) -> bool:
        predicted = self.prediction is not None and self.prediction.verdict == "drift"
        return bool(self.dataset_drift) or predicted


def check_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    features: Sequence[tuple[str, Kind]],
    settings: Monitor,
    prediction: tuple[str, Kind] | None = None,
    reference_predictions: pd.Series | None = None,
) -> DriftCheck:
    """Every feature of `features` (and the prediction column) in `current` against
    `reference`; a feature missing from a side is checked as having no rows there. The
    predictions' reference is `reference_predictions` when given (held-out rows' predictions,
    which an overfit model's predictions on its training rows are not)."""
    wanted = [*features, *([prediction] if prediction is not None else [])]

    def reference_of(name: str) -> pd.Series | None:
        if prediction is not None and name == prediction[0] and reference_predictions is not None:
            return reference_predictions
        return _column(reference, name)

    workers = min(4, os.cpu_count() or 1, max(1, len(wanted)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        checks = list(
            pool.map(
                lambda item: check_feature(
                    item[0], item[1], reference_of(item[0]), _column(current, item[0]), settings
                ),
                wanted,
            )
        )
    judged = [c for c in checks[: len(features)] if c.verdict != "not enough data"]
    share = sum(c.verdict == "drift" for c in judged) / len(judged) if judged else None
    return DriftCheck(
        features=tuple(checks[: len(features)]),
        prediction=checks[-1] if prediction is not None else None,
        drifted_share=share,
        dataset_drift=None if share is None else share >= settings.dataset_share,
        settings=settings,
    )


def _column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    return frame[name] if name in frame.columns else None


def check_feature(
    name: str,
    kind: Kind,
    reference: pd.Series | None,
    current: pd.Series | None,
    settings: Monitor,
) -> FeatureCheck:
    ref_values = _values(reference, kind)
    cur_values = _values(current, kind)
    total = 0 if current is None else len(current)
    missing = 1 - len(cur_values) / total if total else 0.0
    drift = settings.drift
    measure = drift.numeric if kind == "numeric" else "js"
    unjudged = FeatureCheck(
        name=name,
        kind=kind,
        reference_rows=len(ref_values),
        current_rows=len(cur_values),
        missing=missing,
        measure=measure,
        effect=math.nan,
        threshold=drift.threshold(measure),
        p_value=math.nan,
        test="",
        verdict="not enough data",
        numeric=None,
        categorical=None,
        bars=None,
    )
    if min(len(ref_values), len(cur_values)) < settings.min_rows:
        return unjudged
    if kind == "numeric":
        numbers = numeric_drift(ref_values, cur_values)
        effect = {
            "psi": numbers.psi,
            "ks": numbers.ks,
            "wasserstein": numbers.wasserstein_scaled,
        }[measure]
        judged = replace(
            unjudged,
            p_value=numbers.ks_p,
            test="Kolmogorov-Smirnov",
            numeric=numbers,
            bars=_decile_bars(ref_values, cur_values),
        )
    else:
        labels, ref_counts, cur_counts = _category_counts(ref_values, cur_values)
        categories = categorical_drift_of_counts(ref_counts, cur_counts)
        effect = categories.js
        judged = replace(
            unjudged,
            p_value=categories.chi2_p,
            test="chi-squared",
            categorical=categories,
            bars=_category_bars(labels, ref_counts, cur_counts),
        )
    drifted = judged.p_value < drift.alpha and effect >= judged.threshold
    return replace(judged, effect=effect, verdict="drift" if drifted else "no drift")


def _values(column: pd.Series | None, kind: Kind) -> np.ndarray:
    """The column's values as the statistics take them: finite float64, or text."""
    import pandas as pd

    if column is None:
        return np.array([], dtype=float if kind == "numeric" else object)
    if kind == "numeric":
        parsed = pd.to_numeric(column, errors="coerce")
        numbers: np.ndarray = np.asarray(parsed, dtype=float)
        finite: np.ndarray = numbers[np.isfinite(numbers)]
        return finite
    # Labels as text, kept as pandas objects: counting them by hash beats sorting strings.
    return column.dropna().astype(str).to_numpy(dtype=object)


def _decile_bars(reference: np.ndarray, current: np.ndarray) -> Bars:
    reference, current = np.sort(reference), np.sort(current)
    edges, expected, actual = decile_shares(reference, current)
    labels = [f"<= {edges[0]:.4g}"] if len(edges) else ["all"]
    labels += [f"{a:.4g} to {b:.4g}" for a, b in itertools.pairwise(edges)]
    if len(edges):
        labels.append(f"> {edges[-1]:.4g}")
    return Bars(tuple(labels), tuple(map(float, expected)), tuple(map(float, actual)))


def _category_counts(
    reference: np.ndarray, current: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Every category either sample has, and each sample's count of it."""
    import pandas as pd

    ref = pd.Series(reference).value_counts(sort=False)
    cur = pd.Series(current).value_counts(sort=False)
    labels = sorted(set(ref.index) | set(cur.index))
    return (
        labels,
        ref.reindex(labels, fill_value=0).to_numpy(dtype=np.int64),
        cur.reindex(labels, fill_value=0).to_numpy(dtype=np.int64),
    )


def _category_bars(labels: list[str], reference: np.ndarray, current: np.ndarray) -> Bars:
    """The reference's most common categories, and the rest summed as "(other)"."""
    order = np.argsort(-reference, kind="stable")[:SHOWN_CATEGORIES]
    ref_shares, cur_shares = reference / reference.sum(), current / current.sum()
    shown = [labels[i] for i in order]
    reference_bars = [float(ref_shares[i]) for i in order]
    current_bars = [float(cur_shares[i]) for i in order]
    rest_reference, rest_current = 1 - sum(reference_bars), 1 - sum(current_bars)
    if rest_reference > 1e-12 or rest_current > 1e-12:
        shown.append("(other)")
        reference_bars.append(max(rest_reference, 0.0))
        current_bars.append(max(rest_current, 0.0))
    return Bars(tuple(shown), tuple(reference_bars), tuple(current_bars))
