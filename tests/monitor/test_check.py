"""The drift verdicts: a synthetic shift is found, a window with no shift is flagged no more
often than the declared false-alarm rate, and a small window is "not enough data"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mlci.monitor.check import check_drift
from mlci.spec.model import Drift, Monitor

FEATURES = [("age", "numeric"), ("income", "numeric"), ("plan", "categorical")]


def _sample(rng: np.random.Generator, rows: int, shift: float = 0.0) -> pd.DataFrame:
    moved = min(shift, 1.0) * 0.4  # a share of "free" that moves to "team"
    plans = rng.choice(["free", "pro", "team"], size=rows, p=[0.6 - moved, 0.3, 0.1 + moved])
    return pd.DataFrame(
        {
            "age": rng.normal(40 + 8 * shift, 10, rows),
            "income": rng.lognormal(10 + shift, 0.5, rows),
            "plan": plans,
        }
    )


def test_a_shift_is_drift_and_its_numbers_say_how_much() -> None:
    rng = np.random.default_rng(1)
    reference, current = _sample(rng, 5_000), _sample(rng, 2_000, shift=1.0)
    found = check_drift(reference, current, FEATURES, Monitor(), prediction=None)
    assert [c.verdict for c in found.features] == ["drift", "drift", "drift"]
    assert found.dataset_drift is True and found.breached and found.drifted_share == 1.0
    age = found.features[0]
    assert age.measure == "psi" and age.effect >= 0.2 and age.p_value < 0.01
    assert age.p_value == pytest.approx(stats.ks_2samp(reference.age, current.age).pvalue)
    plan = found.features[2]
    assert plan.measure == "js" and plan.test == "chi-squared"
    assert plan.bars is not None and plan.bars.labels == ("free", "pro", "team")
    assert sum(plan.bars.current) == pytest.approx(1.0)


def test_no_shift_is_flagged_no_more_often_than_alpha() -> None:
    """300 windows with no shift, each against a reference of its own (the rate a test
    declares is over both samples), judged on the test alone (every threshold at its
    smallest): the share flagged stays within alpha's binomial bounds."""
    alpha, windows = 0.05, 300
    eager = Monitor(drift=Drift(alpha=alpha, psi=1e-9, js=1e-9), min_rows=100)
    rng = np.random.default_rng(2)
    flags = np.array(
        [
            [
                check.verdict == "drift"
                for check in check_drift(
                    _sample(rng, 1_000), _sample(rng, 400), FEATURES, eager
                ).features
            ]
            for _ in range(windows)
        ]
    )
    rate = flags.mean(axis=0)
    assert np.all(rate <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / windows)), rate
    assert rate.max() > 0  # the test can fire at all
    # With the default thresholds the effect must be large too: against one fixed
    # reference, no window of the same distribution is flagged.
    reference = _sample(rng, 3_000)
    default = [check_drift(reference, _sample(rng, 400), FEATURES, Monitor()) for _ in range(50)]
    assert not any(check.breached for check in default)
    assert not any(f.verdict == "drift" for check in default for f in check.features)


def test_a_small_window_is_not_enough_data_never_drift() -> None:
    rng = np.random.default_rng(3)
    found = check_drift(_sample(rng, 5_000), _sample(rng, 60, shift=3.0), FEATURES, Monitor())
    assert {c.verdict for c in found.features} == {"not enough data"}
    assert found.dataset_drift is None and not found.breached
    assert found.drifted_share is None


def test_missing_and_unreadable_values_are_left_out_and_counted() -> None:
    rng = np.random.default_rng(4)
    current = _sample(rng, 1_000)
    current["age"] = current["age"].astype(object)
    current.loc[:99, "age"] = None
    current.loc[100:149, "age"] = "n/a"
    found = check_drift(_sample(rng, 1_000), current.drop(columns=["plan"]), FEATURES, Monitor())
    age, _, plan = found.features
    assert age.current_rows == 850 and age.missing == pytest.approx(0.15)
    assert plan.current_rows == 0 and plan.verdict == "not enough data"


def test_the_dataset_drifts_only_past_its_share() -> None:
    rng = np.random.default_rng(5)
    reference, current = _sample(rng, 3_000), _sample(rng, 3_000)
    current["age"] = current["age"] + 30
    found = check_drift(reference, current, FEATURES, Monitor())
    assert [c.verdict for c in found.features] == ["drift", "no drift", "no drift"]
    assert found.drifted_share == pytest.approx(1 / 3) and found.dataset_drift is False
    half = check_drift(reference, current, FEATURES, Monitor(dataset_share=0.3))
    assert half.dataset_drift is True


def test_prediction_drift_alone_is_a_breach() -> None:
    rng = np.random.default_rng(6)
    reference, current = _sample(rng, 2_000), _sample(rng, 2_000)
    reference["predicted"] = rng.choice(["yes", "no"], 2_000, p=[0.2, 0.8])
    current["predicted"] = rng.choice(["yes", "no"], 2_000, p=[0.6, 0.4])
    found = check_drift(reference, current, FEATURES, Monitor(), ("predicted", "categorical"))
    assert found.dataset_drift is False
    assert found.prediction is not None and found.prediction.verdict == "drift"
    assert found.breached


def test_the_predictions_reference_is_the_held_out_one_when_given() -> None:
    """An overfit model predicts its training rows better than new ones: the held-out
    predictions are the reference, not the training rows' column."""
    rng = np.random.default_rng(7)
    reference, current = _sample(rng, 2_000), _sample(rng, 2_000)
    reference["predicted"] = "yes"  # in-sample: always right, always "yes" here
    current["predicted"] = rng.choice(["yes", "no"], 2_000, p=[0.5, 0.5])
    held_out = pd.Series(rng.choice(["yes", "no"], 500, p=[0.5, 0.5]))
    prediction = ("predicted", "categorical")
    in_sample = check_drift(reference, current, FEATURES, Monitor(), prediction)
    assert in_sample.prediction is not None and in_sample.prediction.verdict == "drift"
    fair = check_drift(reference, current, FEATURES, Monitor(), prediction, held_out)
    assert fair.prediction is not None and fair.prediction.verdict == "no drift"
    assert fair.prediction.reference_rows == 500
