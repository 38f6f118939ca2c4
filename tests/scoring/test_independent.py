"""Metrics on two independent sets of rows (the deploy-time evaluation, a labelled live
window): the values are the metrics', and the interval of the difference finds a real drop
and not a fake one."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error

from mlci.scoring.independent import compare_independent
from mlci.scoring.paired import Request, Settings
from mlci.scoring.predictions import Predictions


def _classified(rows: int, right: float, seed: int) -> Predictions:
    rng = np.random.default_rng(seed)
    actual = rng.choice(["no", "yes"], rows, p=[0.6, 0.4])
    hit = rng.random(rows) < right
    predicted = np.where(hit, actual, np.where(actual == "yes", "no", "yes"))
    ids = tuple(f"{seed}-{i}" for i in range(rows))
    return Predictions("p.csv", ids, actual.astype(object), predicted.astype(object), {})


REQUESTS = [Request("accuracy", "accuracy", "higher"), Request("f1", "f1", "higher")]


def test_a_real_drop_is_worse_and_the_values_are_the_metrics() -> None:
    before, after = _classified(800, 0.9, 1), _classified(600, 0.7, 2)
    found = compare_independent(
        before, after, REQUESTS, Settings(resamples=500), task="classification", positive="yes"
    )
    accuracy = found.metrics["accuracy"]
    assert accuracy.base == pytest.approx(accuracy_score(before.actual, before.predicted))
    assert accuracy.change == pytest.approx(accuracy_score(after.actual, after.predicted))
    f1 = found.metrics["f1"]
    assert f1.change == pytest.approx(f1_score(after.actual, after.predicted, pos_label="yes"))
    assert accuracy.verdict == "worse" and f1.verdict == "worse"
    assert accuracy.low < accuracy.difference < accuracy.high < 0


def test_the_same_model_on_new_rows_is_within_noise() -> None:
    worse = 0
    for seed in range(20):
        before, after = _classified(400, 0.8, 100 + seed), _classified(400, 0.8, 200 + seed)
        found = compare_independent(
            before, after, REQUESTS[:1], Settings(resamples=300, seed=seed), task="classification"
        )
        worse += found.metrics["accuracy"].verdict == "worse"
    assert worse <= 3  # a 95% interval: about one in forty on the worse side


def test_regression_and_too_few_rows() -> None:
    rng = np.random.default_rng(3)
    actual = rng.normal(size=300)
    before = Predictions("p.csv", tuple(map(str, range(300))), actual, actual + 0.1, {})
    after = Predictions("p.csv", tuple(map(str, range(300))), actual, actual + 1.0, {})
    found = compare_independent(
        before, after, [Request("mae", "mae", "lower")], Settings(resamples=200), task="regression"
    )
    mae = found.metrics["mae"]
    assert mae.change == pytest.approx(mean_absolute_error(after.actual, after.predicted))
    assert mae.verdict == "worse"
    one = Predictions("p.csv", ("a",), actual[:1], actual[:1], {})
    short = compare_independent(
        one, after, [Request("mae", "mae", "lower")], Settings(), task="regression"
    )
    assert short.metrics == {} and "too few rows" in short.skipped["mae"]
