"""`mlci validate` checks params.yaml against what the stages read, located as spec problems."""

from __future__ import annotations

import pytest

from tests.conftest import Repo

# MINIMAL_SPEC's stages read prepare.seed and the whole `train` section of params.yaml.


def validate(project: Repo, params: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    project.write({"params.yaml": params})
    result = project.mlci("validate", capsys=capsys)
    if result.code == 0:
        return []
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    return result.err.splitlines()


def test_a_key_a_stage_reads_must_be_in_the_params_file(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    problems = validate(project, "prepare:\n  sed: 1\ntrain:\n  lr: 0.1\n", capsys)
    assert problems == [
        "params.yaml:1:1: prepare: stage prepare reads prepare.seed, which params.yaml does not "
        "have (did you mean 'sed'?); add it or correct the stage's params in mlci.yaml"
    ]
    assert validate(project, "prepare:\n  seed: 1\n", capsys) == [
        "params.yaml:1:1: stage train reads train, which params.yaml does not have (expected "
        "one of: prepare); add it or correct the stage's params in mlci.yaml"
    ]


def test_a_params_file_that_is_not_yaml_is_located(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (problem,) = validate(project, "prepare:\n  seed: [1\ntrain: {}\n", capsys)
    assert problem.startswith("params.yaml:3:")


def test_a_missing_params_file_is_named_once_at_the_stage_that_reads_it(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"params.yaml": ""})
    (project.root / "params.yaml").unlink()
    result = project.mlci("validate", capsys=capsys)
    assert result.code == 2
    assert result.err.splitlines() == [
        "mlci.yaml:9:14: stages.prepare.params[0]: params file 'params.yaml' does not exist; "
        "create it"
    ]


def test_an_estimator_must_exist_and_take_its_hyperparameters(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    params = (
        "prepare:\n  seed: 1\n"
        "train:\n"
        "  estimator: sklearn.linear_model.LogisticRegresion\n"
        "  hyperparameters:\n    max_iter: 10\n"
    )
    assert validate(project, params, capsys) == [
        "params.yaml:4:14: train.estimator: sklearn.linear_model has no 'LogisticRegresion' "
        "(did you mean 'LogisticRegression'?)"
    ]
    switched = params.replace("LogisticRegresion", "LogisticRegression").replace(
        "max_iter", "max_iters"
    )
    assert validate(project, switched, capsys) == [
        "params.yaml:6:5: train.hyperparameters.max_iters: sklearn.linear_model."
        "LogisticRegression takes no parameter 'max_iters' (did you mean 'max_iter'?)"
    ]
    missing = params.replace("sklearn.linear_model.LogisticRegresion", "sklearnx.Model")
    (problem,) = validate(project, missing, capsys)
    assert problem.startswith("params.yaml:4:14: train.estimator: 'sklearnx.Model' cannot be")
    good = params.replace("LogisticRegresion", "LogisticRegression")
    assert validate(project, good, capsys) == []


def test_a_module_of_the_repository_is_never_imported_by_validate(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write({"mymodels.py": "open('imported', 'w').write('ran')\nclass Model: pass\n"})
    params = "prepare:\n  seed: 1\ntrain:\n  estimator: mymodels.Model\n"
    assert validate(project, params, capsys) == []
    assert not (project.root / "imported").exists()


def test_hyperparameters_kept_per_estimator_are_each_checked(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `mlci init` writes them: every estimator's own, by import path, so that switching
    estimators is one edit; each entry is checked, not only the chosen one's."""
    params = (
        "prepare:\n  seed: 1\n"
        "train:\n"
        "  estimator: sklearn.linear_model.LogisticRegression\n"
        "  hyperparameters:\n"
        "    sklearn.linear_model.LogisticRegression: {max_iter: 1000}\n"
        "    sklearn.ensemble.RandomForestClassifier:\n"
        "      n_estimators: 100\n"
    )
    assert validate(project, params, capsys) == []
    assert validate(project, params.replace("n_estimators", "n_estimator"), capsys) == [
        "params.yaml:8:7: train.hyperparameters.sklearn.ensemble.RandomForestClassifier."
        "n_estimator: sklearn.ensemble.RandomForestClassifier takes no parameter "
        "'n_estimator' (did you mean 'n_estimators'?)"
    ]
    misspelt = params.replace("ensemble.RandomForestClassifier", "ensemble.RandomForestClasifier")
    assert validate(project, misspelt, capsys) == [
        "params.yaml:7:5: train.hyperparameters.sklearn.ensemble.RandomForestClasifier: "
        "sklearn.ensemble has no 'RandomForestClasifier' (did you mean "
        "'RandomForestClassifier'?)"
    ]
    mixed = params + "    max_iter: 5\n"
    assert validate(project, mixed, capsys) == [
        "params.yaml:9:5: train.hyperparameters.max_iter: 'max_iter' is not an estimator's "
        "import path: the hyperparameters here are kept per estimator; move it under the "
        "estimator it is for"
    ]
    # The chosen estimator needs no entry (it takes its defaults), but must exist.
    unlisted = params.replace(
        "estimator: sklearn.linear_model.LogisticRegression", "estimator: sklearn.svm.SVX"
    )
    (problem,) = validate(project, unlisted, capsys)
    assert problem.startswith("params.yaml:4:14: train.estimator: sklearn.svm has no 'SVX'")


def test_the_positive_class_of_params_yaml_must_be_mlci_yaml_s(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (project.root / "mlci.yaml").read_text()
    named = spec.replace("  target: label\n", "  target: label\n  positive_class: churned\n", 1)
    assert named != spec
    project.write({"mlci.yaml": named})
    params = "prepare:\n  seed: 1\ntrain:\n  lr: 0.1\nevaluate:\n  positive_class: {}\n"
    assert validate(project, params.format("churned"), capsys) == []
    assert validate(project, params.format("retained"), capsys) == [
        "params.yaml:6:19: evaluate.positive_class: the evaluation scores the positive class "
        "'retained', but mlci.yaml's problem.positive_class is 'churned'; make them the same"
    ]
