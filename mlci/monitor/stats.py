"""Drift statistics of one feature: a reference sample against a current window.

Numeric features get the two-sample Kolmogorov-Smirnov test (its D is an effect size, its
p-value the chance of a D this large with no drift), the Wasserstein distance (also in units
of the reference's standard deviation, so one threshold fits every feature) and the
population stability index over the reference's quantile bins. Categorical features get
Pearson's chi-squared test of the two samples' counts and the Jensen-Shannon distance of
their frequencies. The values equal scipy's (tests/monitor/test_stats.py); the PSI has
no scipy function and is the textbook sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# scipy's ks_2samp is exact up to this many rows a sample.
EXACT_N = 10_000
# Above this many effective rows (m n / (m + n)), Kolmogorov's limit gives the p-value.
LARGE_N = 50_000
PSI_BINS = 10
# A bin one sample leaves empty still counts as this share, so the PSI stays finite.
PSI_FLOOR = 1e-4


@dataclass(frozen=True)
class NumericDrift:
    ks: float
    """The Kolmogorov-Smirnov D: the largest gap between the two distribution functions."""
    ks_p: float
    wasserstein: float
    wasserstein_scaled: float
    """The Wasserstein distance over the reference's standard deviation."""
    psi: float


@dataclass(frozen=True)
class CategoricalDrift:
    chi2: float
    chi2_p: float
    js: float
    """The Jensen-Shannon distance (base 2): 0 for equal frequencies, 1 for disjoint ones."""


def numeric_drift(reference: np.ndarray, current: np.ndarray) -> NumericDrift:
    """Both samples finite float64, non-empty."""
    reference, current = np.sort(reference), np.sort(current)
    gaps, widths = _distribution_gaps(reference, current)
    ks = float(np.max(gaps)) if len(gaps) else 0.0
    distance = float(np.sum(gaps * widths))
    spread = float(np.std(reference))
    # A constant reference: any move at all is infinitely many of its (zero) spreads.
    scaled = distance / spread if spread > 0 else (0.0 if distance == 0 else math.inf)
    return NumericDrift(
        ks=ks,
        ks_p=_ks_p_value(reference, current, ks),
        wasserstein=distance,
        wasserstein_scaled=scaled,
        psi=population_stability(reference, current),
    )


def _distribution_gaps(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|F_reference - F_current| at each distinct value but the largest, and the width from
    it to the next value: D is the largest gap, the Wasserstein distance their integral.

    One stable merge of the two sorted samples gives both, where scipy's ks_2samp and
    wasserstein_distance each search the samples again (the same numbers, in a third of
    the time on a million rows)."""
    merged = np.concatenate((reference, current))
    order = np.argsort(merged, kind="stable")  # two sorted runs: a linear merge
    values = merged[order]
    from_reference = np.cumsum(order < len(reference))
    last = np.flatnonzero(values[1:] != values[:-1])  # the last index of each distinct value
    below_reference = from_reference[last]
    gaps = np.abs(below_reference / len(reference) - (last + 1 - below_reference) / len(current))
    return gaps, values[last + 1] - values[last]


def _ks_p_value(reference: np.ndarray, current: np.ndarray, d: float) -> float:
    """The two-sided p-value of D, as scipy's ks_2samp computes it: exact up to 10,000 rows
    a sample, then Smirnov's asymptotic distribution. Above LARGE_N effective rows that
    takes scipy most of a second a feature, so its limit, Kolmogorov's distribution, is
    used: within 0.4% of scipy's value there (tests/monitor/test_stats.py)."""
    from scipy import stats

    if max(len(reference), len(current)) <= EXACT_N:
        return float(stats.ks_2samp(reference, current).pvalue)
    m, n = sorted((float(len(reference)), float(len(current))), reverse=True)
    effective = m * n / (m + n)
    if effective <= LARGE_N:
        p = stats.kstwo.sf(d, np.round(effective))
    else:
        p = stats.kstwobign.sf(math.sqrt(effective) * d)
    return float(np.clip(p, 0, 1))


def population_stability(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI = sum over bins of (c - r) * ln(c / r), with the bins the reference's deciles.

    Both samples sorted."""
    _, expected, actual = decile_shares(reference, current)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def decile_shares(
    reference: np.ndarray, current: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reference's inner decile edges and each sample's share of rows per bin (floored
    at PSI_FLOOR). Both samples sorted; ties make some deciles equal, and those bins merge."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, PSI_BINS + 1)[1:-1]))
    return edges, _bin_shares(reference, edges), _bin_shares(current, edges)


def _bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Shares of `values` (sorted) in (-inf, e0], (e0, e1], ..., (e_last, inf)."""
    cuts = np.searchsorted(values, edges, side="right")
    counts = np.diff(np.concatenate(([0], cuts, [len(values)])))
    return np.maximum(counts / len(values), PSI_FLOOR)


def categorical_drift(reference: np.ndarray, current: np.ndarray) -> CategoricalDrift:
    """Both samples of category labels (as text), non-empty."""
    categories, codes = np.unique(np.concatenate((reference, current)), return_inverse=True)
    split = len(reference)
    return categorical_drift_of_counts(
        np.bincount(codes[:split], minlength=len(categories)),
        np.bincount(codes[split:], minlength=len(categories)),
    )


def categorical_drift_of_counts(reference: np.ndarray, current: np.ndarray) -> CategoricalDrift:
    """From each sample's count of every category, the categories in the same order."""
    from scipy import stats
    from scipy.spatial import distance

    table = np.stack((reference, current))
    table = table[:, table.sum(axis=0) > 0]  # a category neither sample has is no category
    if table.shape[1] < 2:
        return CategoricalDrift(chi2=0.0, chi2_p=1.0, js=0.0)
    chi2, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    shares = table / table.sum(axis=1, keepdims=True)
    js = float(distance.jensenshannon(shares[0], shares[1], base=2))
    return CategoricalDrift(chi2=float(chi2), chi2_p=float(p_value), js=js)
