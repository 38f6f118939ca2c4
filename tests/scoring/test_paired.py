"""Verdicts follow the interval; rows are matched by id; what cannot be scored says why."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mlci.scoring.paired import Request, Settings, compare_paired
from tests.scoring.models import cancer_pair, diabetes_pair, iris_pair

ACCURACY = [Request("accuracy", "accuracy", "higher")]


def test_a_model_against_itself_is_within_noise_with_an_empty_interval() -> None:
    _, change = cancer_pair()
    accuracy = compare_paired(change, change, ACCURACY, Settings(), task="classification")
    result = accuracy.metrics["accuracy"]
    assert (result.low, result.high, result.verdict, result.p_value) == (0, 0, "within noise", 1)


def test_a_real_improvement_is_better_and_its_reverse_worse() -> None:
    guess, logistic = iris_pair()
    forward = compare_paired(guess, logistic, ACCURACY, Settings(), task="classification")
    backward = compare_paired(logistic, guess, ACCURACY, Settings(), task="classification")
    assert forward.metrics["accuracy"].verdict == "better"
    assert forward.metrics["accuracy"].low > 0
    assert backward.metrics["accuracy"].verdict == "worse"
    assert forward.metrics["accuracy"].p_value < 0.001


def test_lower_is_better_turns_the_verdict_around() -> None:
    ridge, plain = diabetes_pair()
    requests = [Request("rmse", "rmse", "lower"), Request("r2", "r2", "higher")]
    compared = compare_paired(ridge, plain, requests, Settings(), task="regression").metrics
    # Least squares beats a heavy ridge penalty on this data: lower rmse, higher r2.
    assert compared["rmse"].difference < 0 and compared["r2"].difference > 0
    assert compared["rmse"].verdict == compared["r2"].verdict


def test_a_one_row_difference_on_a_small_test_set_is_within_noise() -> None:
    _, change = cancer_pair()
    flipped = change.predicted.copy()
    wrong = int(np.flatnonzero(flipped == change.actual)[0])
    flipped[wrong] = "benign" if flipped[wrong] == "malignant" else "malignant"
    worse = replace(change, predicted=flipped)
    result = compare_paired(change, worse, ACCURACY, Settings(), task="classification")
    accuracy = result.metrics["accuracy"]
    assert accuracy.difference < 0
    assert accuracy.verdict == "within noise"
    # 171 rows cannot tell apart models much closer than a few points of accuracy.
    assert 0.005 < accuracy.detectable < 0.1


def test_rows_are_matched_by_id_whatever_their_order() -> None:
    base, change = cancer_pair()
    order = np.random.default_rng(3).permutation(len(base))
    shuffled = replace(
        base,
        row_ids=tuple(base.row_ids[i] for i in order),
        actual=base.actual[order],
        predicted=base.predicted[order],
        proba={label: p[order] for label, p in base.proba.items()},
    )
    requests = [*ACCURACY, Request("roc_auc", "roc_auc", "higher")]
    kwargs = {"task": "classification", "positive": "malignant"}
    assert (
        compare_paired(shuffled, change, requests, Settings(), **kwargs).metrics
        == compare_paired(base, change, requests, Settings(), **kwargs).metrics
    )


def test_what_cannot_be_scored_is_skipped_with_its_reason() -> None:
    base, change = cancer_pair()
    no_proba = replace(base, proba={})
    requests = [
        Request("auc", "roc_auc", "higher"),
        Request("rmse", "rmse", "lower"),
        *ACCURACY,
    ]
    compared = compare_paired(no_proba, change, requests, Settings(), task="classification")
    assert "proba" in compared.skipped["auc"]
    assert "not a metric of classification" in compared.skipped["rmse"]
    assert set(compared.metrics) == {"accuracy"}
    alone = compare_paired(
        base, change, [Request("auc", "roc_auc", "higher")], Settings(), task="classification"
    )
    assert "positive_class" in alone.skipped["auc"]


def test_the_evaluation_data_digest_follows_rows_and_truth_not_order() -> None:
    base, _ = cancer_pair()
    order = np.arange(len(base))[::-1]
    reversed_rows = replace(
        base,
        row_ids=tuple(base.row_ids[i] for i in order),
        actual=base.actual[order],
        predicted=base.predicted[order],
    )
    assert reversed_rows.rows_digest() == base.rows_digest()
    relabelled = base.actual.copy()
    relabelled[0] = "benign" if relabelled[0] == "malignant" else "malignant"
    assert replace(base, actual=relabelled).rows_digest() != base.rows_digest()
    fewer = replace(base, row_ids=base.row_ids[1:], actual=base.actual[1:])
    assert fewer.rows_digest() != base.rows_digest()
