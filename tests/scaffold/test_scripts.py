"""The stage scripts `mlci init` scaffolds: rendered, then run for real on small data.

Every script runs as the user runs it, `python src/<stage>.py` from the project's root, with
real scikit-learn training. Each script spends most of its time importing scikit-learn, so the
module's fixture prepares every project first and then runs them all in one concurrent batch;
the tests inspect what the runs left behind.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
import yaml
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from mlci.render.templating import render
from mlci.scaffold.classes import decide_classes
from mlci.scaffold.data import label_counts
from mlci.scaffold.examples import EXAMPLES as EXAMPLES_KNOWN
from mlci.scaffold.features import decide_features
from tests.scaffold import churn_table as churn

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("load", "prepare", "train", "evaluate")
METRICS = {
    "classification": {
        "accuracy",
        "average_precision",
        "balanced_accuracy",
        "f1",
        "precision",
        "recall",
        "roc_auc",
    },
    "regression": {"mae", "r2", "rmse"},
}
PLOTS = {
    "classification": {
        "confusion.csv": ["actual", "predicted"],
        "roc.csv": ["fpr", "tpr"],
        "precision_recall.csv": ["recall", "precision"],
    },
    "regression": {
        "residuals.csv": ["predicted", "residual"],
        "predicted_vs_actual.csv": ["mean_predicted", "mean_actual"],
    },
}
EXAMPLES = {
    "iris": "classification",
    "wine": "classification",
    "breast_cancer": "classification",
    "diabetes": "regression",
}
# Everything the pipeline writes, which a rerun must reproduce byte for byte.
OUTPUTS = ("data/prepared", "models/metadata.json", "models/model.skops", "metrics.json", "plots")
USER_TARGET = "species name"
CHURN_ROWS = 400
LOGISTIC = "sklearn.linear_model.LogisticRegression"
FOREST = "sklearn.ensemble.RandomForestClassifier"


class Shout(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """A transformer of the user's own: skops cannot know what loading it would run."""

    def fit(self, x: Any, y: Any = None) -> Shout:
        return self

    def transform(self, x: Any) -> Any:
        return x


# A model that would call os.system, and one step of the user's own.
UNTRUSTED_MODEL = Pipeline([("call", FunctionTransformer(os.system)), ("shout", Shout())])
UNTRUSTED_TYPES = (f"{os.system.__module__}.system", f"{__name__}.Shout")
SEARCHES: dict[str, dict[str, Any]] = {
    "grid": {"param_grid": {"estimator__C": [0.01, 1.0]}, "cv": 3},
    "random": {
        "estimator": "sklearn.svm.LinearSVC",
        "param_grid": {
            "estimator__C": [0.01, 0.1, 1.0, 10.0],
            "estimator__fit_intercept": [True, False],
        },
        "n_iter": 3,
        "cv": 3,
        "scoring": "f1_macro",
    },
}


def render_project(
    root: Path,
    *,
    task: str,
    target: str = "target",
    example: str | None = None,
    raw_data: str = "data/raw.csv",
    table: pd.DataFrame | None = None,
    positive_class: str | None = None,
) -> Path:
    """Render the scaffold into `root` as `mlci init` would: params.yaml and src/<stage>.py.

    The columns' roles and the classes are decided as init decides them: from the example's
    description, or from `table` (the user's CSV, which is written to `raw_data`)."""
    if example is not None:
        described = EXAMPLES_KNOWN[example]
        features, counts = described.features, described.classes
    else:
        assert table is not None, "a project of the user's own needs its table"
        (root / raw_data).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(root / raw_data, index=False)
        features = decide_features(table, target)
        counts = label_counts(table[target].dropna()) if task == "classification" else {}
    classes = decide_classes(counts, positive_class) if task == "classification" else None
    context = {
        "task": task,
        "target": target,
        "example": example,
        "raw_data": raw_data,
        "features": features,
        "features_source": "the data",
        "classes": classes,
    }
    files = ["params.yaml"] + [f"src/{stage}.py" for stage in STAGES]
    if example is None:
        files.remove("src/load.py")
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(f"scaffold/{name}.j2", **context), encoding="utf-8")
    return root


def edit_params(project: Path, *keys: str, value: Any) -> None:
    """Set one value of params.yaml, by its path of keys."""
    params = yaml.safe_load((project / "params.yaml").read_text())
    section = params
    for key in keys[:-1]:
        section = section[key]
    section[keys[-1]] = value
    (project / "params.yaml").write_text(yaml.safe_dump(params))


@dataclass
class Run:
    """Stages to run in a project, and what each one printed."""

    project: Path
    stages: tuple[str, ...] = ()
    prepared_by: Run | None = None
    """A run whose data/prepared this one copies, once that run is done, instead of preparing."""
    results: list[subprocess.CompletedProcess[str]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if not self.stages:  # the whole pipeline
            self.stages = tuple(s for s in STAGES if (self.project / f"src/{s}.py").exists())

    def execute(self, slots: threading.Semaphore) -> None:
        try:
            if self.prepared_by is not None:
                self.prepared_by.done.wait()
                prepared = self.prepared_by.project / "data/prepared"
                if not prepared.is_dir():
                    return  # ok() names the run that failed to prepare it
                shutil.copytree(prepared, self.project / "data/prepared")
            for stage in self.stages:
                with slots:
                    result = subprocess.run(
                        [sys.executable, f"src/{stage}.py"],
                        cwd=self.project,
                        capture_output=True,
                        text=True,
                        check=False,
                        env=self.environment(),
                    )
                self.results.append(result)
                if result.returncode != 0:
                    return
        finally:
            self.done.set()

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            # Git looks no further up than the projects' folder: only a project's own repository.
            "GIT_CEILING_DIRECTORIES": str(self.project.parent),
            # One BLAS thread per script: the batch already keeps every core busy.
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }

    def ok(self) -> Run:
        """Fail the test, with the script's output, unless every stage succeeded."""
        if self.prepared_by is not None:
            self.prepared_by.ok()
        for stage, result in zip(self.stages, self.results, strict=False):
            if result.returncode != 0:
                output = result.stdout + result.stderr
                pytest.fail(f"src/{stage}.py failed in {self.project}:\n{output}")
        assert len(self.results) == len(self.stages)
        return self

    def output(self, stage: str) -> str:
        return self.results[self.stages.index(stage)].stdout


def git(project: Path, *args: str) -> str:
    identity = ["-c", "user.name=mlci", "-c", "user.email=mlci@example.com"]
    command = ["git", *identity, "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, check=True).stdout


def snapshot(project: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name in OUTPUTS:
        path = project / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            files[file.relative_to(project).as_posix()] = file.read_bytes()
    return files


def user_classification_table() -> pd.DataFrame:
    """A messy CSV: duplicates, missing numbers and categories, text features and labels."""
    rng = np.random.default_rng(0)
    rows = 240
    size = rng.normal(size=rows)
    colour = rng.choice(["red", "green", "blue"], size=rows)
    score = size + 1.5 * (colour == "red") - 1.5 * (colour == "blue")
    frame = pd.DataFrame(
        {
            "size": size.round(3),
            "weight": rng.normal(size=rows).round(3),
            "colour": colour,
            "indoor": rng.choice([True, False], size=rows),
            USER_TARGET: np.where(score > 0.7, "large", np.where(score < -0.7, "small", "mid")),
        }
    )
    frame.loc[::17, "size"] = np.nan
    frame.loc[5::19, "colour"] = np.nan
    frame.loc[3::31, USER_TARGET] = np.nan  # 8 rows without a target
    return pd.concat([frame, frame.iloc[:10]])  # 10 exact duplicates


def user_regression_table() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = 200
    area = rng.uniform(30, 150, size=rows)
    district = rng.choice(["north", "south", "centre"], size=rows)
    price = 3 * area + 80 * (district == "centre") + rng.normal(scale=20, size=rows)
    frame = pd.DataFrame(
        {
            "area": area.round(1),
            "rooms": rng.integers(1, 6, size=rows),
            "district": district,
            "price": price.round(2),
        }
    )
    frame.loc[::13, "area"] = np.nan
    frame.loc[4::23, "district"] = np.nan
    return frame


def tiny_table_with_a_lone_class() -> pd.DataFrame:
    labels = ["a"] * 14 + ["b"] * 15 + ["c"]  # the one row of class c cannot be in both sets
    return pd.DataFrame({"x": [i * 7 % 30 for i in range(len(labels))], "label": labels})


def add_churn_runs(base: Path, runs: dict[str, Run]) -> None:
    """The churn table, run whole; then trained on its prepared data with the estimator
    switched as params.yaml suggests, with one of no probabilities, and with two mistakes."""
    table = churn.churn_table(CHURN_ROWS, seed=3)
    project = render_project(
        base / "churn", task="classification", target=churn.TARGET, table=table
    )
    runs["churn"] = Run(project)
    variants: dict[str, tuple[tuple[str, ...], Any]] = {
        "churn forest": (("train", "estimator"), FOREST),
        "churn svm": (("train", "estimator"), "sklearn.svm.LinearSVC"),
        "churn typo": (("train", "hyperparameters", LOGISTIC, "max_iters"), 100),
        "churn column typo": (("features", "numeric"), ["age", "monthly_fees"]),
    }
    for name, (keys, value) in variants.items():
        project = render_project(
            base / name, task="classification", target=churn.TARGET, table=table
        )
        edit_params(project, *keys, value=value)
        stages = ("train", "evaluate") if name in ("churn forest", "churn svm") else ("train",)
        runs[name] = Run(project, stages, prepared_by=runs["churn"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every project the tests need, set up first, then all run in one concurrent batch."""
    base = tmp_path_factory.mktemp("scaffold")
    runs: dict[str, Run] = {}
    for name, task in EXAMPLES.items():
        # One raw path with a folder and a space: the scripts must not assume data/raw.csv.
        raw_data = "data/raw/diabetes data.csv" if name == "diabetes" else "data/raw.csv"
        project = render_project(base / name, task=task, example=name, raw_data=raw_data)
        runs[name] = Run(project)

    # A git repository, so that the model's metadata records a commit; and a copy of it, with
    # the same commit, to run a second time.
    git(runs["iris"].project, "init", "--quiet")
    git(runs["iris"].project, "add", "--all")
    git(runs["iris"].project, "commit", "--quiet", "--message", "Scaffold")
    runs["iris again"] = Run(shutil.copytree(runs["iris"].project, base / "iris again"))

    user = user_classification_table()
    project = render_project(base / "user", task="classification", target=USER_TARGET, table=user)
    runs["user"] = Run(project)
    # The searches train on the user's prepared data: the grid search, then the random search
    # with an estimator that has no probabilities, which evaluate ranks by decision function.
    for method, search in SEARCHES.items():
        project = render_project(
            base / f"{method} search", task="classification", target=USER_TARGET, table=user
        )
        params = yaml.safe_load((project / "params.yaml").read_text())
        options = dict(search)
        params["train"]["estimator"] = options.pop("estimator", params["train"]["estimator"])
        params["train"]["search"] = {"method": method, **options}
        (project / "params.yaml").write_text(yaml.safe_dump(params))
        stages = ("train", "evaluate") if method == "random" else ("train",)
        runs[f"{method} search"] = Run(project, stages, prepared_by=runs["user"])

    project = render_project(
        base / "user regression",
        task="regression",
        target="price",
        raw_data="data/houses.csv",
        table=user_regression_table(),
    )
    runs["user regression"] = Run(project)
    add_churn_runs(base, runs)

    project = render_project(base / "untrusted", task="classification", example="iris")
    (project / "models").mkdir()
    sio.dump(UNTRUSTED_MODEL, project / "models/model.skops")
    runs["untrusted"] = Run(project, ("evaluate",))

    project = render_project(
        base / "lone class",
        task="classification",
        target="label",
        table=tiny_table_with_a_lone_class(),
    )
    runs["lone class"] = Run(project, ("prepare",))

    # A thread per run; at most one script per core at a time, the longest runs first.
    slots = threading.Semaphore(os.cpu_count() or 2)
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        batch = sorted(runs.values(), key=lambda run: -len(run.stages))
        for future in [pool.submit(run.execute, slots) for run in batch]:
            future.result()
    return runs


def read_metrics(project: Path) -> dict[str, Any]:
    return json.loads((project / "metrics.json").read_text())  # type: ignore[no-any-return]


def read_metadata(project: Path) -> dict[str, Any]:
    return json.loads((project / "models/metadata.json").read_text())  # type: ignore[no-any-return]


def check_outputs(project: Path, task: str, positive: str | None = None) -> dict[str, float]:
    """metrics.json has exactly the task's keys, the baseline's the same, and every plot its
    columns; returns the model's metrics."""
    metrics = read_metrics(project)
    baseline = metrics.pop("baseline")
    assert metrics.pop("positive_class", None) == positive
    assert set(metrics) == set(baseline) == METRICS[task]
    for value in (*metrics.values(), *baseline.values()):
        assert isinstance(value, float) and value == round(value, 6)
    test_rows = len(pd.read_csv(project / "data/prepared/test.csv"))
    assert sorted(p.name for p in (project / "plots").iterdir()) == sorted(PLOTS[task])
    for name, columns in PLOTS[task].items():
        plot = pd.read_csv(project / "plots" / name)
        assert list(plot.columns) == columns
        assert len(plot) > 1
        assert not plot.isna().any().any()
        if name in ("confusion.csv", "residuals.csv"):
            assert len(plot) == test_rows  # one row per test sample
    return metrics


def estimator_class(path: str) -> Any:
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def load_model(project: Path) -> Any:
    path = project / "models/model.skops"
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


@pytest.mark.parametrize(
    ("example", "positive"),
    [("iris", None), ("wine", None), ("breast_cancer", "0")],  # 0: malignant, the rarer
)
def test_classification_examples(runs: dict[str, Run], example: str, positive: str | None) -> None:
    project = runs[example].ok().project
    metrics = check_outputs(project, "classification", positive)
    assert 0.5 < metrics["accuracy"] <= 1
    assert all(0.5 < value <= 1 for value in metrics.values())
    assert "target" in pd.read_csv(project / "data/raw.csv").columns
    roc = pd.read_csv(project / "plots/roc.csv")
    assert roc.iloc[0].tolist() == [0, 0] and roc.iloc[-1].tolist() == [1, 1]
    # The baseline always says the most common class of the training set.
    baseline = read_metrics(project)["baseline"]
    test = pd.read_csv(project / "data/prepared/test.csv")["target"]
    common = pd.read_csv(project / "data/prepared/train.csv")["target"].mode()[0]
    assert baseline["accuracy"] == round((test == common).mean(), 6)
    classes = test.nunique()
    assert baseline["roc_auc"] == 0.5 and baseline["balanced_accuracy"] == round(1 / classes, 6)
    assert metrics["accuracy"] > baseline["accuracy"] + 0.2


def test_regression_example(runs: dict[str, Run]) -> None:
    project = runs["diabetes"].ok().project
    metrics = check_outputs(project, "regression")
    assert metrics["r2"] > 0.2
    assert 0 < metrics["mae"] <= metrics["rmse"]
    assert (project / "data/raw/diabetes data.csv").is_file()
    check_regression_plots(project, "target")
    baseline = read_metrics(project)["baseline"]
    assert abs(baseline["r2"]) < 0.05  # the training mean: about no better than nothing
    assert baseline["rmse"] > metrics["rmse"] and baseline["r2"] < metrics["r2"]


def check_regression_plots(project: Path, target: str) -> None:
    """Residuals per test row; predicted against actual as the means of 20 equal bins, drawn
    as a line (and never with both an `actual` and a `predicted` column, which would read as
    a confusion matrix)."""
    actual = pd.read_csv(project / "data/prepared/test.csv")[target]
    residuals = pd.read_csv(project / "plots/residuals.csv")
    assert np.allclose(residuals["predicted"] + residuals["residual"], actual, atol=1e-5)
    versus = pd.read_csv(project / "plots/predicted_vs_actual.csv")
    assert len(versus) == min(20, len(actual))
    assert versus["mean_predicted"].is_monotonic_increasing
    assert abs(versus["mean_actual"].mean() - actual.mean()) < 0.02 * actual.abs().mean()
    spec = (project / "plots").parent
    assert not (spec / "plots/confusion.csv").exists()


def test_metadata_records_what_made_the_model(runs: dict[str, Run]) -> None:
    project = runs["iris"].ok().project
    metadata = read_metadata(project)
    # Lineage is dvc.lock's job: a commit inside the file would change it on every commit.
    assert "git_commit" not in metadata
    assert metadata["params"] == yaml.safe_load((project / "params.yaml").read_text())["train"]
    assert metadata["best_params"] is None
    assert set(metadata["versions"]) == {"numpy", "pandas", "python", "scikit-learn", "skops"}
    train = (project / "data/prepared/train.csv").read_bytes()
    assert metadata["train_data_sha256"] == hashlib.sha256(train).hexdigest()


def test_pipeline_is_deterministic(runs: dict[str, Run]) -> None:
    """Two runs from the same commit write the same bytes: data, model, metrics, plots."""
    first, second = (runs[name].ok().project for name in ("iris", "iris again"))
    before, after = snapshot(first), snapshot(second)
    assert set(before) == set(after)
    assert {name for name in before if before[name] != after[name]} == set()
    assert (first / "data/raw.csv").read_bytes() == (second / "data/raw.csv").read_bytes()


def test_messy_user_csv(runs: dict[str, Run]) -> None:
    project = runs["user"].ok().project
    assert "Kept 232 of 250 rows" in runs["user"].output("prepare")
    train = pd.read_csv(project / "data/prepared/train.csv")
    test = pd.read_csv(project / "data/prepared/test.csv")
    both = pd.concat([train, test])
    # 250 rows: 10 exact duplicates and 8 rows without a target are dropped.
    assert len(both) == 232
    assert not both.duplicated().any()
    assert both[USER_TARGET].notna().all()
    # Missing features stay: the model pipeline imputes them, fitted on the training set only.
    assert both["size"].isna().any() and both["colour"].isna().any()
    # Stratified: each set keeps the class proportions.
    shares = [frame[USER_TARGET].value_counts(normalize=True) for frame in (train, test)]
    assert (shares[0] - shares[1]).abs().max() < 0.05

    metrics = check_outputs(project, "classification")
    assert metrics["accuracy"] > 0.5
    confusion = pd.read_csv(project / "plots/confusion.csv")
    assert set(confusion["actual"]) == {"large", "mid", "small"}


def test_user_regression_csv(runs: dict[str, Run]) -> None:
    project = runs["user regression"].ok().project
    metrics = check_outputs(project, "regression")
    assert metrics["r2"] > 0.8
    check_regression_plots(project, "price")


def test_churn_table_is_learnt_from_the_features_init_decided(runs: dict[str, Run]) -> None:
    project = runs["churn"].ok().project
    train = pd.read_csv(project / "data/prepared/train.csv")
    # Dates became numbers in prepare, each row's from its own date.
    raw = pd.read_csv(project / "data/raw.csv").set_index("customer_id")
    assert not {"signup_date", "last_seen"} & set(train.columns)
    signup = pd.to_datetime(raw.loc[train["customer_id"], "signup_date"]).reset_index(drop=True)
    assert train["signup_date_year"].equals(signup.dt.year.astype(float))
    assert train["signup_date_weekday"].equals(signup.dt.day_of_week.astype(float))
    days = (signup - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    assert train["signup_date_days"].equals(days)
    assert train["signup_date_year"].isna().any()  # missing dates stay missing: imputed later
    # A few dozen features for 320 rows, none made of the identifier or the e-mail address
    # (which is unique in every row), and each category capped.
    model = load_model(project)
    names = list(model[0].get_feature_names_out())
    assert model[0].transform(train.drop(columns=churn.TARGET)).shape[1] == len(names)
    assert len(names) <= 3 + 2 * 4 + 3 * 20 and len(names) < len(train) / 4
    assert not [name for name in names if "email" in name or "customer_id" in name]
    # The referrer's long tail is not in the model file: only the levels it encodes are.
    encoder = model[0].named_transformers_["categorical"][-1]
    referrers = train["referrer"].nunique()
    assert referrers > 30 and len(encoder.categories_[2]) < 20
    # Every metric is about churned customers, and the model beats the baseline.
    metrics = check_outputs(project, "classification", churn.CHURNED)
    check_about_the_positive_class(project, metrics)
    baseline = read_metrics(project)["baseline"]
    assert baseline["f1"] == 0 and baseline["recall"] == 0  # it never says "churned"
    assert baseline["accuracy"] > 0.65  # and yet is right about most customers
    assert metrics["roc_auc"] > 0.65 and metrics["balanced_accuracy"] > 0.6


def check_about_the_positive_class(project: Path, metrics: dict[str, float]) -> None:
    """Recall and precision are churned's, read off the confusion plot."""
    confusion = pd.read_csv(project / "plots/confusion.csv")
    said, truly = confusion["predicted"] == churn.CHURNED, confusion["actual"] == churn.CHURNED
    assert metrics["recall"] == round((said & truly).sum() / truly.sum(), 6)
    assert metrics["precision"] == round((said & truly).sum() / said.sum(), 6)


@pytest.mark.parametrize("name", ["churn forest", "churn svm"])
def test_switching_the_estimator_as_params_yaml_suggests(runs: dict[str, Run], name: str) -> None:
    project = runs[name].ok().project
    model = load_model(project)
    if name == "churn forest":  # its own hyperparameters from params.yaml
        forest = model[-1]
        assert type(forest).__name__ == "RandomForestClassifier"
        assert (forest.n_estimators, forest.max_leaf_nodes) == (100, 256)
        assert forest.class_weight == "balanced"
    else:  # no entry: its defaults, said in a note
        assert "has no entry for sklearn.svm.LinearSVC" in runs[name].output("train")
        assert not hasattr(model, "predict_proba")
    metrics = check_outputs(project, "classification", churn.CHURNED)
    check_about_the_positive_class(project, metrics)
    # "churned" sorts first; ranked the wrong way round its ROC AUC would be under 0.5.
    assert list(model.classes_) == [churn.CHURNED, churn.RETAINED]
    assert metrics["roc_auc"] > 0.65


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "churn typo",
            "params.yaml: train.hyperparameters: sklearn.linear_model.LogisticRegression takes "
            "no parameter 'max_iters' (did you mean 'max_iter'?)",
        ),
        (
            "churn column typo",
            "params.yaml: features: data/prepared/train.csv has no column 'monthly_fees' "
            "(did you mean 'monthly_fee'?)",
        ),
    ],
)
def test_a_mistake_in_params_yaml_is_named_before_training(
    runs: dict[str, Run], name: str, message: str
) -> None:
    (result,) = runs[name].results
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [message]
    assert not (runs[name].project / "models/model.skops").exists()


def test_model_loads_with_skops_and_predicts(runs: dict[str, Run]) -> None:
    project = runs["user"].ok().project
    model = load_model(project)
    assert list(model.named_steps) == ["preprocess", "estimator"]
    assert model[-1].random_state == 42  # the seed from params.yaml
    test = pd.read_csv(project / "data/prepared/test.csv")
    predicted = model.predict(test.drop(columns=USER_TARGET))
    confusion = pd.read_csv(project / "plots/confusion.csv")
    assert predicted.tolist() == confusion["predicted"].tolist()
    # evaluate's one-vs-rest macro ROC AUC is scikit-learn's.
    proba = model.predict_proba(test.drop(columns=USER_TARGET))
    roc_auc = roc_auc_score(test[USER_TARGET], proba, multi_class="ovr", labels=model.classes_)
    assert read_metrics(project)["roc_auc"] == round(roc_auc, 6)
    # A category never seen in training is ignored rather than an error.
    unseen = test.drop(columns=USER_TARGET).head(1).assign(colour="purple")
    assert model.predict(unseen)[0] in {"large", "mid", "small"}


@pytest.mark.parametrize("method", SEARCHES)
def test_hyperparameter_search(runs: dict[str, Run], method: str) -> None:
    run = runs[f"{method} search"].ok()
    assert "Best parameters" in run.output("train")
    grid = SEARCHES[method]["param_grid"]
    metadata = read_metadata(run.project)
    assert metadata["params"]["search"]["method"] == method
    best = metadata["best_params"]
    assert set(best) == set(grid)
    assert all(value in grid[name] for name, value in best.items())
    # The model saved is the best one, refitted on the whole training set.
    model = load_model(run.project)
    assert best["estimator__C"] == model[-1].C
    if method == "random":
        assert type(model[-1]).__name__ == "LinearSVC"
        assert not hasattr(model, "predict_proba")  # evaluate ranks by decision function
        metrics = check_outputs(run.project, "classification")
        assert metrics["accuracy"] > 0.5 and metrics["roc_auc"] > 0.5


def test_evaluate_refuses_untrusted_types(runs: dict[str, Run]) -> None:
    (result,) = runs["untrusted"].results
    assert result.returncode == 1
    assert "Refusing to load models/model.skops" in result.stderr
    assert all(name in result.stderr for name in UNTRUSTED_TYPES)  # what it refused
    assert "TRUSTED_PREFIXES in src/evaluate.py" in result.stderr  # how to trust them on purpose
    assert "Traceback" not in result.stderr
    assert not (runs["untrusted"].project / "metrics.json").exists()


def test_prepare_falls_back_when_a_class_is_too_small(runs: dict[str, Run]) -> None:
    run = runs["lone class"].ok()
    assert "Note: splitting without stratification" in run.output("prepare")
    train = pd.read_csv(run.project / "data/prepared/train.csv")
    test = pd.read_csv(run.project / "data/prepared/test.csv")
    assert len(train) + len(test) == 30


def test_rendered_scripts_are_ruff_clean(tmp_path: Path) -> None:
    churn_rows = churn.churn_table(60)
    variants: dict[str, dict[str, Any]] = {
        "iris": {"task": "classification", "example": "iris"},
        "breast_cancer": {"task": "classification", "example": "breast_cancer"},
        "diabetes": {"task": "regression", "example": "diabetes"},
        "csv_classification": {
            "task": "classification",
            "target": USER_TARGET,
            "table": user_classification_table(),
        },
        "csv_imbalanced": {"task": "classification", "target": churn.TARGET, "table": churn_rows},
        "csv_regression": {
            "task": "regression",
            "target": "price",
            "raw_data": "in.csv",
            "table": user_regression_table(),
        },
    }
    for name, context in variants.items():
        project = render_project(tmp_path / name, **context)
        params = yaml.safe_load((project / "params.yaml").read_text())
        two_classes = name in ("breast_cancer", "csv_imbalanced")
        assert set(params) == {"features", "prepare", "train"} | (
            {"evaluate"} if two_classes else set()
        )
        assert params["train"]["search"]["method"] == "none"
    assert len(list(tmp_path.rglob("*.py"))) == 3 * 4 + 3 * 3
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in (["check", "--no-cache"], ["format", "--check", "--diff", "--no-cache"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *config, str(tmp_path)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_params_yaml_describes_the_features_and_the_estimators_beside_each_other(
    tmp_path: Path,
) -> None:
    """What init decided, with why; the search grids of each estimator listed, commented."""
    project = render_project(
        tmp_path, task="classification", target=churn.TARGET, table=churn.churn_table(60)
    )
    text = (project / "params.yaml").read_text()
    assert '    - "customer_id"  # unique in every row, and named like an identifier\n' in text
    params = yaml.safe_load(text)
    assert params["features"] == {
        "drop": ["customer_id", "email"],
        "dates": ["signup_date", "last_seen"],
        "categorical": ["plan", "region", "referrer"],
        "numeric": ["age", "monthly_fee", "support_calls"],
    }
    assert params["evaluate"] == {"positive_class": churn.CHURNED}
    estimators = params["train"]["hyperparameters"]
    assert params["train"]["estimator"] in estimators
    assert estimators[LOGISTIC]["class_weight"] == "balanced"  # imbalanced classes
    assert params["train"]["search"]["scoring"] == "balanced_accuracy"
    # Each commented grid names hyperparameters of the estimator it is written for.
    grids = text.split("# param_grid:")[1:]
    for grid, estimator in zip(grids, [LOGISTIC, FOREST], strict=True):
        names = re.findall(r"#   estimator__(\w+):", grid)
        assert names and set(names) <= set(estimator_class(estimator)().get_params())
