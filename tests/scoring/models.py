"""Predictions of real scikit-learn models on scikit-learn's own small datasets."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from mlci.scoring.predictions import Predictions


def _split(features: np.ndarray, target: np.ndarray, seed: int = 0):
    return train_test_split(features, target, test_size=0.3, random_state=seed)


def classified(
    model, features: np.ndarray, target: np.ndarray, names: list[str], seed: int = 0
) -> Predictions:
    train_x, test_x, train_y, test_y = _split(features, target, seed)
    labels = np.array(names, dtype=object)
    fitted = model.fit(train_x, labels[train_y])
    proba = fitted.predict_proba(test_x)
    ids = tuple(f"r{i}" for i in _split(np.arange(len(target)), target, seed)[1])
    return Predictions(
        "predictions.csv",
        ids,
        labels[test_y],
        fitted.predict(test_x).astype(object),
        {str(label): proba[:, column] for column, label in enumerate(fitted.classes_)},
    )


def cancer_pair() -> tuple[Predictions, Predictions]:
    """A shallow tree against a logistic regression: two classes, 'malignant' positive."""
    data = load_breast_cancer()
    names = ["malignant", "benign"]
    tree = DecisionTreeClassifier(max_depth=2, random_state=0)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return (
        classified(tree, data.data, data.target, names),
        classified(logistic, data.data, data.target, names),
    )


def iris_pair() -> tuple[Predictions, Predictions]:
    """Three classes: a prior-only model against a logistic regression."""
    data = load_iris()
    names = ["setosa", "versicolor", "virginica"]
    return (
        classified(
            DummyClassifier(strategy="stratified", random_state=0), data.data, data.target, names
        ),
        classified(LogisticRegression(max_iter=1000), data.data, data.target, names),
    )


def diabetes_pair() -> tuple[Predictions, Predictions]:
    """Regression: a strong ridge penalty against plain least squares."""
    data = load_diabetes()
    train_x, test_x, train_y, test_y = _split(data.data, data.target)
    ids = tuple(f"r{i}" for i in _split(np.arange(len(data.target)), data.target)[1])
    made = []
    for model in (Ridge(alpha=10.0), LinearRegression()):
        predicted = model.fit(train_x, train_y).predict(test_x)
        made.append(Predictions("predictions.csv", ids, test_y.astype(float), predicted, {}))
    return made[0], made[1]
