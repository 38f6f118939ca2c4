"""Each metric scored from predictions equals scikit-learn's on the same predictions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from mlci.scoring.paired import Request, Settings, compare_paired
from tests.scoring.models import cancer_pair, diabetes_pair, iris_pair

BINARY = {
    "accuracy": lambda t, p, s: metrics.accuracy_score(t, p),
    "balanced_accuracy": lambda t, p, s: metrics.balanced_accuracy_score(t, p),
    "precision": lambda t, p, s: metrics.precision_score(t, p, pos_label="malignant"),
    "recall": lambda t, p, s: metrics.recall_score(t, p, pos_label="malignant"),
    "f1": lambda t, p, s: metrics.f1_score(t, p, pos_label="malignant"),
    "roc_auc": lambda t, p, s: metrics.roc_auc_score(t == "malignant", s["malignant"]),
    "average_precision": lambda t, p, s: metrics.average_precision_score(
        t == "malignant", s["malignant"]
    ),
    "log_loss": lambda t, p, s: metrics.log_loss(
        t, np.column_stack([s["benign"], s["malignant"]]), labels=["benign", "malignant"]
    ),
}


def _points(base, change, scorers, task, positive=None):
    requests = [Request(name, name, "higher") for name in scorers]
    compared = compare_paired(
        base, change, requests, Settings(resamples=50), task=task, positive=positive
    )
    assert not compared.skipped
    return compared


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_metrics_equal_scikit_learn(name: str) -> None:
    base, change = cancer_pair()
    compared = _points(base, change, [name], "classification", positive="malignant")
    for side, predictions in (("base", base), ("change", change)):
        expected = BINARY[name](predictions.actual, predictions.predicted, predictions.proba)
        assert getattr(compared.metrics[name], side) == pytest.approx(expected, abs=1e-12)


MACRO = {
    "accuracy": lambda t, p: metrics.accuracy_score(t, p),
    "balanced_accuracy": lambda t, p: metrics.balanced_accuracy_score(t, p),
    "precision": lambda t, p: metrics.precision_score(t, p, average="macro", zero_division=0),
    "recall": lambda t, p: metrics.recall_score(t, p, average="macro", zero_division=0),
    "f1": lambda t, p: metrics.f1_score(t, p, average="macro", zero_division=0),
}


@pytest.mark.parametrize("name", sorted(MACRO))
def test_multiclass_metrics_equal_scikit_learn_macro(name: str) -> None:
    base, change = iris_pair()
    compared = _points(base, change, [name], "classification")
    for side, predictions in (("base", base), ("change", change)):
        expected = MACRO[name](predictions.actual, predictions.predicted)
        assert getattr(compared.metrics[name], side) == pytest.approx(expected, abs=1e-12)
    if name != "accuracy":
        assert "3 classes" in compared.metrics[name].averaging


def test_multiclass_ranking_metrics_are_one_vs_rest_macro() -> None:
    base, change = iris_pair()
    compared = _points(base, change, ["roc_auc", "log_loss"], "classification")
    labels = sorted(change.proba)
    scores = np.column_stack([change.proba[label] for label in labels])
    roc = metrics.roc_auc_score(change.actual, scores, multi_class="ovr", labels=labels)
    assert compared.metrics["roc_auc"].change == pytest.approx(roc, abs=1e-12)
    loss = metrics.log_loss(change.actual, scores, labels=labels)
    assert compared.metrics["log_loss"].change == pytest.approx(loss, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rmse", lambda t, p: np.sqrt(metrics.mean_squared_error(t, p))),
        ("mse", metrics.mean_squared_error),
        ("mae", metrics.mean_absolute_error),
        ("r2", metrics.r2_score),
    ],
)
def test_regression_metrics_equal_scikit_learn(name: str, expected) -> None:
    base, change = diabetes_pair()
    compared = _points(base, change, [name], "regression")
    for side, predictions in (("base", base), ("change", change)):
        value = expected(predictions.actual, predictions.predicted)
        assert getattr(compared.metrics[name], side) == pytest.approx(value, rel=1e-12)
