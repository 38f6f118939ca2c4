"""The metrics mlci can score from per-row predictions, written so a resample costs little.

Two shapes of metric, each computed the way its resamples are cheapest:

- From a confusion matrix (accuracy, balanced accuracy, precision, recall, F1): a resample
  of the rows is a resample of the cells (truth, base's prediction, change's prediction), so
  the metric is a function of counts and never touches the rows again (`from_confusion`).
- From row weights (ROC AUC, average precision, log loss; RMSE, MSE, MAE, R²): a resample is
  how many times each row was drawn, `counts`, and the metric is a weighted sum over rows
  (`RowScorer`); all ones gives the plain value, equal to scikit-learn's.

Precision, recall and F1 are about the positive class when a problem of two classes names
one, and otherwise the unweighted mean over the classes (macro), as the scaffold's evaluation
scores them; a class absent from a resample's truth and predictions does not count, as in
scikit-learn. ROC AUC and average precision of more than two classes are one-vs-rest, macro.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CONFUSION = frozenset({"accuracy", "balanced_accuracy", "precision", "recall", "f1"})
RANKING = frozenset({"roc_auc", "average_precision", "log_loss"})
REGRESSION = frozenset({"rmse", "mse", "mae", "r2"})
CLASSIFICATION = CONFUSION | RANKING
SCORERS = CLASSIFICATION | REGRESSION

RowScorer = Callable[[np.ndarray], float]
"""A metric of one model, as a function of how many times each row counts."""


def from_confusion(name: str, matrices: np.ndarray, positive: int | None) -> np.ndarray:
    """The metric of each confusion matrix of `matrices` (..., K, K; rows truth, columns
    prediction); `positive`: the index of the positive class, or None for macro averages."""
    true_positives = np.diagonal(matrices, axis1=-2, axis2=-1).astype(np.float64)
    support = matrices.sum(axis=-1).astype(np.float64)  # rows of each true class
    predicted = matrices.sum(axis=-2).astype(np.float64)  # rows predicted as each class
    if name == "accuracy":
        return np.asarray(true_positives.sum(axis=-1) / support.sum(axis=-1))
    recall = _ratio(true_positives, support)
    if name == "balanced_accuracy":
        present = support > 0
        return np.asarray((recall * present).sum(axis=-1) / present.sum(axis=-1))
    if name == "recall":
        per_class = recall
    elif name == "precision":
        per_class = _ratio(true_positives, predicted)
    else:  # f1: 2 TP / (2 TP + FP + FN), and 0 where the class is neither true nor predicted
        per_class = _ratio(2 * true_positives, support + predicted)
    if positive is not None:
        return np.asarray(per_class[..., positive])
    present = (support + predicted) > 0
    return np.asarray((per_class * present).sum(axis=-1) / present.sum(axis=-1))


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom, and 0 where bottom is 0 (scikit-learn's zero_division=0)."""
    return np.asarray(np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0))


# --- metrics of weighted rows ------------------------------------------------------------------


@dataclass(frozen=True)
class _Ranked:
    """Rows grouped by distinct score, ascending, with whether each is positive."""

    group: np.ndarray
    positive: np.ndarray
    groups: int

    @classmethod
    def of(cls, score: np.ndarray, positive: np.ndarray) -> _Ranked:
        distinct, group = np.unique(score, return_inverse=True)
        return cls(group, positive.astype(np.float64), len(distinct))

    def tallies(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weight of positives and of negatives at each distinct score."""
        positives = np.bincount(self.group, counts * self.positive, self.groups)
        negatives = np.bincount(self.group, counts * (1 - self.positive), self.groups)
        return positives, negatives


def _auc(ranked: _Ranked, counts: np.ndarray) -> float:
    """The share of (positive, negative) pairs the score orders right; ties count half."""
    positives, negatives = ranked.tallies(counts)
    total_pos, total_neg = positives.sum(), negatives.sum()
    if total_pos == 0 or total_neg == 0:
        return float("nan")
    below = np.cumsum(negatives) - negatives
    return float(positives @ (below + negatives / 2) / (total_pos * total_neg))


def _average_precision(ranked: _Ranked, counts: np.ndarray) -> float:
    """Precision at each threshold, weighted by the recall it adds (scikit-learn's AP)."""
    positives, negatives = ranked.tallies(counts)
    true_pos = np.cumsum(positives[::-1])
    false_pos = np.cumsum(negatives[::-1])
    if true_pos[-1] == 0:
        return float("nan")
    precision = _ratio(true_pos, true_pos + false_pos)
    return float(positives[::-1] @ precision / true_pos[-1])


def ranking_scorer(
    name: str, actual: np.ndarray, proba: dict[str, np.ndarray], positive: str | None
) -> RowScorer:
    """ROC AUC, average precision or log loss of one model's probabilities. `actual`: the
    true labels; `positive`: the positive class of two, or None for one-vs-rest over all."""
    if name == "log_loss":
        return _log_loss(actual, proba)
    measure = _auc if name == "roc_auc" else _average_precision
    classes = [positive] if positive is not None else sorted(proba)
    ranked = [_Ranked.of(proba[label], actual == label) for label in classes]

    def score(counts: np.ndarray) -> float:
        return float(np.mean([measure(one, counts) for one in ranked]))

    return score


def _log_loss(actual: np.ndarray, proba: dict[str, np.ndarray]) -> RowScorer:
    labels = sorted(proba)
    matrix = np.column_stack([proba[label] for label in labels])
    matrix = matrix / matrix.sum(axis=1, keepdims=True)  # as scikit-learn, rows sum to one
    index = {label: column for column, label in enumerate(labels)}
    columns = np.array([index.get(label, -1) for label in actual])
    if (columns < 0).any():
        raise ValueError("a true class has no proba: column")
    eps = np.finfo(matrix.dtype).eps
    losses = -np.log(np.clip(matrix[np.arange(len(columns)), columns], eps, 1 - eps))
    return lambda counts: float(counts @ losses / counts.sum())


def regression_scorer(name: str, actual: np.ndarray, predicted: np.ndarray) -> RowScorer:
    """RMSE, MSE, MAE or R² of one model's predictions."""
    errors = predicted - actual
    if name == "mae":
        absolute = np.abs(errors)
        return lambda counts: float(counts @ absolute / counts.sum())
    squared = errors**2
    if name == "mse":
        return lambda counts: float(counts @ squared / counts.sum())
    if name == "rmse":
        return lambda counts: float(np.sqrt(counts @ squared / counts.sum()))
    centred = actual - actual.mean()  # centred once, so the sums below lose no precision

    def r2(counts: np.ndarray) -> float:
        total = counts.sum()
        spread = counts @ centred**2 - (counts @ centred) ** 2 / total
        return float(1 - counts @ squared / spread) if spread > 0 else float("nan")

    return r2
