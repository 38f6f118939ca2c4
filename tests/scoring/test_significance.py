"""The paired tests and intervals equal scipy's and statsmodels' on the same data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from mlci.scoring.paired import Request, Settings, compare_paired
from mlci.scoring.significance import mcnemar_exact, paired_t
from tests.scoring.models import cancer_pair, diabetes_pair


@pytest.mark.parametrize(
    ("base_only", "change_only"), [(0, 0), (3, 9), (12, 12), (1, 40), (250, 190)]
)
def test_mcnemar_exact_equals_statsmodels_and_scipy(base_only: int, change_only: int) -> None:
    table = [[50, base_only], [change_only, 30]]
    expected = mcnemar(table, exact=True).pvalue
    assert mcnemar_exact(base_only, change_only) == pytest.approx(expected, rel=1e-9)
    if base_only + change_only:
        binomial = stats.binomtest(change_only, base_only + change_only, 0.5).pvalue
        assert mcnemar_exact(base_only, change_only) == pytest.approx(binomial, rel=1e-9)


def test_paired_t_equals_scipy_ttest_rel() -> None:
    base, change = diabetes_pair()
    base_errors = (base.predicted - base.actual) ** 2
    change_errors = (change.predicted - change.actual) ** 2
    expected = stats.ttest_rel(change_errors, base_errors).pvalue
    assert paired_t(change_errors - base_errors) == pytest.approx(expected, rel=1e-9)


def test_accuracy_p_value_is_mcnemar_on_the_models_discordant_rows() -> None:
    base, change = cancer_pair()
    compared = compare_paired(
        base, change, [Request("accuracy", "accuracy", "higher")], Settings(), task="classification"
    )
    right_base = base.predicted == base.actual
    right_change = change.predicted == change.actual
    table = [
        [int((right_base & right_change).sum()), int((right_base & ~right_change).sum())],
        [int((~right_base & right_change).sum()), int((~right_base & ~right_change).sum())],
    ]
    accuracy = compared.metrics["accuracy"]
    assert accuracy.test == "McNemar's exact test"
    assert accuracy.p_value == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-9)


def test_regression_p_value_is_the_paired_t_test_of_squared_errors() -> None:
    base, change = diabetes_pair()
    compared = compare_paired(
        base, change, [Request("rmse", "rmse", "lower")], Settings(), task="regression"
    )
    rmse = compared.metrics["rmse"]
    squared = (change.predicted - change.actual) ** 2 - (base.predicted - base.actual) ** 2
    assert rmse.test == "paired t-test of squared errors"
    assert rmse.p_value == pytest.approx(stats.ttest_rel(squared, np.zeros_like(squared)).pvalue)


def _scipy_interval(statistic, *samples, resamples: int) -> tuple[float, float]:
    result = stats.bootstrap(
        samples,
        statistic,
        paired=True,
        vectorized=False,
        n_resamples=resamples,
        method="percentile",
        random_state=1,
    )
    return result.confidence_interval.low, result.confidence_interval.high


def test_accuracy_interval_agrees_with_scipy_paired_bootstrap() -> None:
    base, change = cancer_pair()
    compared = compare_paired(
        base,
        change,
        [Request("accuracy", "accuracy", "higher")],
        Settings(resamples=4000),
        task="classification",
    )
    right_base = (base.predicted == base.actual).astype(float)
    right_change = (change.predicted == change.actual).astype(float)
    low, high = _scipy_interval(
        lambda b, c: c.mean() - b.mean(), right_base, right_change, resamples=4000
    )
    accuracy = compared.metrics["accuracy"]
    # Two independent streams of 4,000 resamples: the bounds agree to Monte Carlo error.
    spread = high - low
    assert accuracy.low == pytest.approx(low, abs=0.08 * spread)
    assert accuracy.high == pytest.approx(high, abs=0.08 * spread)


def test_rmse_interval_agrees_with_scipy_paired_bootstrap() -> None:
    base, change = diabetes_pair()
    compared = compare_paired(
        base,
        change,
        [Request("rmse", "rmse", "lower")],
        Settings(resamples=4000),
        task="regression",
    )
    actual = change.actual

    def difference(truth, b, c):
        return np.sqrt(((c - truth) ** 2).mean()) - np.sqrt(((b - truth) ** 2).mean())

    low, high = _scipy_interval(
        difference, actual, base.predicted, change.predicted, resamples=4000
    )
    rmse = compared.metrics["rmse"]
    spread = high - low
    assert rmse.low == pytest.approx(low, abs=0.08 * spread)
    assert rmse.high == pytest.approx(high, abs=0.08 * spread)


def test_the_same_seed_gives_the_same_interval_and_another_seed_another() -> None:
    base, change = cancer_pair()
    requests = [Request("f1", "f1", "higher"), Request("roc_auc", "roc_auc", "higher")]

    def run(seed: int):
        return compare_paired(
            base, change, requests, Settings(seed=seed), task="classification", positive="malignant"
        ).metrics

    first, again, other = run(0), run(0), run(7)
    assert first == again
    assert (first["f1"].low, first["roc_auc"].high) != (other["f1"].low, other["roc_auc"].high)
