"""The positive class and the balance of a target's classes; the examples as mlci knows them."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn import datasets

from mlci.errors import UsageError
from mlci.scaffold.classes import decide_classes
from mlci.scaffold.data import label_counts
from mlci.scaffold.examples import EXAMPLES, TARGET
from mlci.scaffold.features import FeatureRoles, decide_features


def test_the_rarer_class_is_positive_whatever_the_labels_sort_as() -> None:
    assert decide_classes({"retained": 80, "churned": 20}, None).positive == "churned"
    assert decide_classes({"churned": 20, "retained": 80}, None).positive == "churned"
    assert decide_classes({1: 700, 0: 300}, None).positive == 0
    assert decide_classes({"yes": 10, "no": 90}, None).positive == "yes"


def test_equal_classes_take_the_first_in_the_data_and_say_so() -> None:
    classes = decide_classes({"b": 50, "a": 50}, None)
    assert classes.positive == "b"
    assert classes.describe_positive(requested=False) == (
        "positive class: 'b' (the classes are equally common: the first one in the data: "
        "50 of 100 rows); --positive-class to change it"
    )


def test_a_requested_class_is_matched_by_its_text() -> None:
    classes = decide_classes({0: 700, 1: 300}, "0")
    assert classes.positive == 0 and isinstance(classes.positive, int)
    assert classes.describe_positive(requested=True) == (
        "positive class: 0 (as asked: 700 of 1,000 rows); --positive-class to change it"
    )
    assert decide_classes({True: 3, False: 9}, "True").positive is True


def test_a_label_the_data_lacks_is_refused_with_the_nearest() -> None:
    with pytest.raises(UsageError) as caught:
        decide_classes({"churned": 20, "retained": 80}, "churn")
    assert str(caught.value) == (
        "--positive-class 'churn' is not a label of the target (did you mean 'churned'?)"
    )
    with pytest.raises(UsageError, match=r"\(expected one of: churned, retained\)"):
        decide_classes({"churned": 20, "retained": 80}, "x")


def test_more_than_two_classes_have_no_positive_one() -> None:
    assert decide_classes({"a": 5, "b": 5, "c": 5}, None).positive is None
    with pytest.raises(UsageError, match="for a target of two classes; this one has 3"):
        decide_classes({"a": 5, "b": 5, "c": 5}, "a")
    with pytest.raises(UsageError, match="a single class"):
        decide_classes({"a": 5}, None)


@pytest.mark.parametrize(
    ("counts", "imbalanced"),
    [
        ({"a": 66, "b": 34}, True),
        ({"a": 64, "b": 36}, False),
        ({"a": 50, "b": 50}, False),
        ({"a": 95, "b": 5}, True),
        ({"a": 40, "b": 40, "c": 20}, True),  # under 0.7 of an even third
        ({"a": 30, "b": 40, "c": 30}, False),
    ],
)
def test_imbalance(counts: dict[str, int], imbalanced: bool) -> None:
    assert decide_classes(counts, None).imbalanced is imbalanced


def test_labels_are_counted_in_their_order_of_appearance_as_plain_values() -> None:
    counts = label_counts(pd.Series([1, 0, 0, 1, 0]))
    assert counts == {1: 2, 0: 3}
    assert all(type(label) is int for label in counts)
    assert label_counts(pd.Series(["b", "a", "b"])) == {"b": 2, "a": 1}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_examples_are_described_as_scikit_learn_ships_them(name: str) -> None:
    dataset = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = dataset.data.assign(**{TARGET: dataset.target})  # as src/load.py writes it
    example = EXAMPLES[name]
    assert decide_features(frame, TARGET) == example.features
    assert example.features == FeatureRoles(numeric=tuple(dataset.data.columns))
    if example.task == "classification":
        assert label_counts(frame[TARGET]) == example.classes
