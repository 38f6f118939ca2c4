"""`problem.positive_class`: any label a classifier's data can hold, and only for classification."""

from __future__ import annotations

import pytest

from tests.conftest import MINIMAL_SPEC
from tests.spec.conftest import LoadSpec, SpecProblems


def with_positive_class(value: str, task: str = "classification") -> str:
    text = MINIMAL_SPEC.replace("  task: classification\n", f"  task: {task}\n")
    return text.replace("  target: label\n", f"  target: label\n  positive_class: {value}\n")


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("churned", "churned"),
        ('"1"', "1"),  # quoted: the text, as a CSV of text labels holds it
        ("1", 1),
        ("0.5", 0.5),
        ("true", True),
        ('"yes"', "yes"),  # quoted, as mlci init writes it: mlci.yaml is YAML 1.1
    ],
)
def test_a_label_keeps_its_type(load: LoadSpec, written: str, label: object) -> None:
    problem = load(with_positive_class(written)).spec.problem
    assert problem.positive_class == label
    assert type(problem.positive_class) is type(label)


def test_it_is_optional(load: LoadSpec) -> None:
    assert load(MINIMAL_SPEC).spec.problem.positive_class is None


@pytest.mark.parametrize("task", ["regression", "other"])
def test_only_a_classification_problem_has_one(problems: SpecProblems, task: str) -> None:
    assert problems(with_positive_class("churned", task)) == [
        "mlci.yaml:5:3: problem.positive_class: a positive class is the class of a classifier "
        f"that precision and recall are about, and the task is {task}: remove it, or set "
        "`task: classification`"
    ]


def test_a_list_is_not_a_label(problems: SpecProblems) -> None:
    assert problems(with_positive_class("[a, b]")) == [
        "mlci.yaml:5:19: problem.positive_class: must be a label (text, a number, or true or "
        "false), not a list"
    ]
