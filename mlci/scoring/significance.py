"""Paired tests of two models scored on the same rows, and the sizes a test set can detect.

Each returns a two-sided p-value: the chance of a difference at least this large between two
models that are in truth equally good. The test statistics are computed here; scipy gives
only the distributions' tails (the tests check the results against scipy's and statsmodels'
own tests on the same data).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

POWER = 0.8
"""The chance the smallest detectable difference (below) is detected when it is real."""


def mcnemar_exact(base_only: int, change_only: int) -> float:
    """McNemar's exact test of accuracy: of the rows exactly one model gets right, is the
    split between the two (`base_only` right by the base alone, `change_only` by the change
    alone) more lopsided than a fair coin's?"""
    from scipy.special import bdtr

    discordant = base_only + change_only
    if discordant == 0:
        return 1.0
    tail = float(bdtr(min(base_only, change_only), discordant, 0.5))
    return min(1.0, 2 * tail)


def paired_t(differences: np.ndarray) -> float:
    """The paired t-test: is the mean of per-row differences (of errors, say) zero?"""
    from scipy.special import stdtr

    rows = len(differences)
    mean = float(differences.mean())
    spread = float(differences.std(ddof=1)) if rows > 1 else 0.0
    if spread == 0:
        return 1.0 if mean == 0 else 0.0
    statistic = mean / (spread / math.sqrt(rows))
    return min(1.0, 2 * float(stdtr(rows - 1, -abs(statistic))))


def bootstrap_p(differences: np.ndarray) -> float:
    """Two-sided p-value of a zero difference, read off the bootstrap distribution: twice the
    share of resamples on the far side of zero (never below one resample's share)."""
    resamples = len(differences)
    far = min(int((differences <= 0).sum()), int((differences >= 0).sum()))
    return min(1.0, 2 * max(far, 1) / resamples)


def percentile_interval(differences: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central `confidence` share of the bootstrap differences."""
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return float(low), float(high)


def detectable(differences: np.ndarray, confidence: float) -> float:
    """The smallest true difference this test set detects with `POWER`, at `confidence`:
    (z of the interval + z of the power) standard errors, the errors from the bootstrap."""
    normal = NormalDist()
    z = normal.inv_cdf(1 - (1 - confidence) / 2) + normal.inv_cdf(POWER)
    return z * float(differences.std(ddof=1))
