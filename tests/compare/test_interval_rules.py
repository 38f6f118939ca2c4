"""Gate rules judged on the comparison on the same rows: real models' predictions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from mlci.compare.diff import DeclaredMetric, DeclaredMetrics, compare
from mlci.compare.gates import RuleResult, evaluate
from mlci.compare.same_rows import Scoring, same_rows
from mlci.dvc.metrics_file import as_text
from mlci.scoring.paired import Request, Settings, score
from mlci.scoring.predictions import Predictions
from mlci.spec.model import GateRule
from tests.compare.test_gates import side
from tests.scoring.models import cancer_pair, iris_pair

DECLARED = DeclaredMetrics({"accuracy": DeclaredMetric("m.json", None, "higher")})
REQUESTS = [Request("accuracy", "accuracy", "higher")]
SCORING = Scoring("classification", None, REQUESTS, Settings())


def _value(predictions: Predictions) -> float:
    return score(predictions, REQUESTS, task="classification")["accuracy"]


def judge(base: Predictions, change: Predictions, policy: Any = "warn", **rule: Any) -> RuleResult:
    old, new = _value(base), _value(change)
    comparison = compare(
        side("main", {"accuracy": old}), side("workspace", {"accuracy": new}), DECLARED
    )
    rows = same_rows(base, change, {"accuracy": new}, SCORING, base_label="main")
    comparison = replace(comparison, same_rows=rows)
    (result,) = evaluate(
        [GateRule(metric="accuracy", **rule)], comparison, None, not_comparable=policy
    ).results
    return result


def _one_more_wrong(predictions: Predictions) -> Predictions:
    flipped = predictions.predicted.copy()
    right = int(np.flatnonzero(flipped == predictions.actual)[0])
    flipped[right] = "benign" if flipped[right] == "malignant" else "malignant"
    return replace(predictions, predicted=flipped)


def test_a_regression_within_noise_fails_on_the_point_and_passes_on_the_interval() -> None:
    _, logistic = cancer_pair()
    worse = _one_more_wrong(logistic)
    assert judge(logistic, worse, max_regression=0.0).verdict == "fail"
    on_interval = judge(logistic, worse, max_regression=0.0, judged_on="interval")
    assert on_interval.verdict == "pass"
    assert "best bound >= -0" in on_interval.threshold


def test_a_regression_beyond_noise_fails_on_the_interval_too() -> None:
    guess, logistic = iris_pair()
    result = judge(logistic, guess, max_regression=0.05, judged_on="interval")
    assert result.verdict == "fail"
    assert "beyond noise" in result.reason


def test_non_inferiority_needs_the_worst_bound_within_the_margin() -> None:
    _, logistic = cancer_pair()
    # The same model again: the interval is [0, 0], within any margin.
    assert judge(logistic, logistic, non_inferiority=0.0).verdict == "pass"
    # One more row wrong of 171: not shown to be within a margin of half a point.
    result = judge(logistic, _one_more_wrong(logistic), non_inferiority=0.005)
    assert result.verdict == "fail"
    assert "not shown to be within 0.005" in result.reason


def test_a_significant_improvement_is_required_when_asked() -> None:
    guess, logistic = iris_pair()
    assert judge(guess, logistic, require="significant_improvement").verdict == "pass"
    same = judge(logistic, logistic, require="significant_improvement")
    assert same.verdict == "fail"
    assert "not a significant improvement" in same.reason


def _subset(predictions: Predictions, rows: slice) -> Predictions:
    return replace(
        predictions,
        row_ids=predictions.row_ids[rows],
        actual=predictions.actual[rows],
        predicted=predictions.predicted[rows],
        proba={label: p[rows] for label, p in predictions.proba.items()},
    )


def test_different_rows_are_judged_on_the_rows_both_held_out() -> None:
    tree, logistic = cancer_pair()
    base, change = _subset(tree, slice(0, 120)), _subset(logistic, slice(40, 171))
    result = judge(base, change, max_regression=0.5)
    assert result.threshold.endswith("on the rows both held out")
    # The base's value in the bound is its accuracy on the 80 common rows, not on its own 120.
    common = _value(_subset(tree, slice(40, 120)))
    assert common != _value(base)
    assert f"(main {as_text(common)} - 0.5)" in result.threshold
    assert result.rule == "accuracy: max_regression 0.5"


@pytest.mark.parametrize("policy", ["pass", "warn", "fail"])
def test_too_few_common_rows_follow_not_comparable(policy: str) -> None:
    tree, logistic = cancer_pair()
    base, change = _subset(tree, slice(0, 100)), _subset(logistic, slice(90, 171))
    result = judge(base, change, policy, max_regression=0.5)
    assert result.verdict == policy
    assert "not comparable" in result.reason and f"not_comparable: {policy}" in result.reason
