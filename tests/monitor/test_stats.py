"""The drift statistics equal scipy's on the same data: KS (D and p-value), Wasserstein,
chi-squared and Jensen-Shannon; the PSI equals its textbook sum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from mlci.monitor.stats import (
    PSI_BINS,
    PSI_FLOOR,
    categorical_drift,
    numeric_drift,
)

SIZES = [(40, 60), (3_000, 10_000), (12_000, 30_000), (80_000, 150_000)]


@pytest.mark.parametrize(("n_reference", "n_current"), SIZES)
@pytest.mark.parametrize("shift", [0.0, 0.05, 0.5])
@pytest.mark.parametrize("rounded", [False, True], ids=["continuous", "with-ties"])
def test_numeric_statistics_equal_scipys(
    n_reference: int, n_current: int, shift: float, rounded: bool
) -> None:
    rng = np.random.default_rng(n_reference + n_current)
    reference = rng.normal(10, 2, size=n_reference)
    current = rng.normal(10 + 2 * shift, 2.2, size=n_current)
    if rounded:  # ties across and within the samples
        reference, current = reference.round(0), current.round(0)
    found = numeric_drift(reference, current)
    ks = stats.ks_2samp(reference, current)
    assert found.ks == pytest.approx(ks.statistic, abs=1e-15)
    effective = n_reference * n_current / (n_reference + n_current)
    if effective <= 50_000:
        assert found.ks_p == pytest.approx(ks.pvalue, rel=1e-12, abs=1e-300)
    else:  # Kolmogorov's limit, as documented
        assert found.ks_p == pytest.approx(ks.pvalue, rel=4e-3, abs=1e-14)
    wasserstein = stats.wasserstein_distance(reference, current)
    assert found.wasserstein == pytest.approx(wasserstein, rel=1e-12, abs=1e-15)
    assert found.wasserstein_scaled == pytest.approx(wasserstein / np.std(reference), rel=1e-12)


def test_psi_is_the_sum_over_the_reference_deciles() -> None:
    rng = np.random.default_rng(7)
    reference, current = rng.exponential(1, 5_000), rng.exponential(1.3, 4_000)
    edges = np.quantile(reference, np.linspace(0, 1, PSI_BINS + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    # numpy's bins are [a, b); PSI's here are (a, b], so count by hand.
    expected = np.array(
        [np.sum((reference > a) & (reference <= b)) for a, b in itertools.pairwise(edges)]
    )
    actual = np.array(
        [np.sum((current > a) & (current <= b)) for a, b in itertools.pairwise(edges)]
    )
    e = np.maximum(expected / len(reference), PSI_FLOOR)
    a = np.maximum(actual / len(current), PSI_FLOOR)
    assert numeric_drift(reference, current).psi == pytest.approx(np.sum((a - e) * np.log(a / e)))
    assert numeric_drift(reference, reference.copy()).psi == pytest.approx(0.0, abs=1e-12)


def test_a_constant_reference_has_no_scaled_distance_unless_the_current_moves() -> None:
    assert numeric_drift(np.full(50, 3.0), np.full(60, 3.0)).wasserstein_scaled == 0.0
    assert numeric_drift(np.full(50, 3.0), np.full(60, 4.0)).wasserstein_scaled == np.inf


@pytest.mark.parametrize("n", [30, 5_000])
def test_categorical_statistics_equal_scipys(n: int) -> None:
    rng = np.random.default_rng(n)
    reference = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    current = rng.choice(["a", "b", "c", "d"], size=n + 7, p=[0.4, 0.3, 0.2, 0.1])
    found = categorical_drift(reference, current)
    categories = sorted(set(reference) | set(current))
    table = np.array([[np.sum(sample == c) for c in categories] for sample in (reference, current)])
    chi2, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    assert found.chi2 == pytest.approx(chi2, rel=1e-12)
    assert found.chi2_p == pytest.approx(p_value, rel=1e-12, abs=1e-300)
    shares = table / table.sum(axis=1, keepdims=True)
    assert found.js == pytest.approx(distance.jensenshannon(shares[0], shares[1], base=2))


def test_one_category_on_both_sides_is_no_drift() -> None:
    found = categorical_drift(np.array(["x"] * 10), np.array(["x"] * 20))
    assert (found.chi2, found.chi2_p, found.js) == (0.0, 1.0, 0.0)
