"""`evaluation:`, scorers and the rules that judge an interval, as mlci.yaml writes them."""

from __future__ import annotations

from tests.conftest import MINIMAL_SPEC
from tests.spec.conftest import LoadSpec, SpecProblems

WITH_PREDICTIONS = MINIMAL_SPEC.replace(
    "    outs: [model.bin]\n", "    outs: [model.bin, predictions.csv]\n"
)
EVALUATION = "evaluation:\n  predictions: predictions.csv\n"


def test_an_interval_rule_needs_an_evaluation(problems: SpecProblems) -> None:
    text = MINIMAL_SPEC.replace("      min: 0.8\n", "      min: 0.8\n      judged_on: interval\n")
    (problem,) = problems(text)
    assert problem.startswith("mlci.yaml:28:18: gates.merge[0].judged_on: `judged_on` judges")
    assert "add `evaluation: {predictions:" in problem


def test_a_metric_without_a_scorer_cannot_carry_an_interval_rule(problems: SpecProblems) -> None:
    text = (WITH_PREDICTIONS + EVALUATION).replace("  loss:\n", "  loss_x:\n")
    text = text.replace(
        "    - metric: accuracy\n      min: 0.8\n",
        "    - metric: loss_x\n      non_inferiority: 0.1\n",
    )
    (problem,) = problems(text)
    assert "gates.merge[0].non_inferiority: mlci cannot score 'loss_x'" in problem
    assert "set `metrics.loss_x.scorer`" in problem


def test_the_scorer_is_the_name_the_key_or_said(load: LoadSpec) -> None:
    text = (WITH_PREDICTIONS + EVALUATION).replace(
        "  loss:\n    file: metrics.json\n",
        "  loss:\n    file: metrics.json\n    key: test.log_loss\n",
    )
    spec = load(
        text.replace("  accuracy:\n    file", "  acc:\n    scorer: accuracy\n    file").replace(
            "metric: accuracy", "metric: acc"
        )
    ).spec
    assert spec.scorer_of("acc") == "accuracy"
    assert spec.scorer_of("loss") == "log_loss"


def test_the_predictions_and_rescore_files_must_be_written_by_a_stage(
    problems: SpecProblems,
) -> None:
    text = (
        MINIMAL_SPEC
        + EVALUATION
        + ("  rescore:\n    model: [model.bin, other.bin]\n    training_data: data/prepared.csv\n")
    )
    found = problems(text)
    assert len(found) == 2
    assert found[0].startswith(
        "mlci.yaml:29:16: evaluation.predictions: 'predictions.csv' is not written"
    )
    assert "evaluation.rescore.model[1]: 'other.bin' is not written by any stage" in found[1]
