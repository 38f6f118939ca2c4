"""`mlci monitor` on a real deployed model: the version in prod, its training data read at
its commit from the DVC cache, a window from the prediction log `mlci serve` writes into the
folder target, and a shifted window that breaches."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from mlci.serving.prediction_log import PredictionLog
from tests.conftest import Workspace

pytestmark = pytest.mark.slow

FILES = "  files: [models/model.skops, models/metadata.json]\n"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    workspace = Workspace(tmp_path_factory.mktemp("monitor"))
    assert workspace.mlci("init", "demo", "--example", "iris", "--yes").code == 0
    demo = workspace.base / "demo"
    spec = demo / "mlci.yaml"
    text = spec.read_text()
    assert FILES in text
    spec.write_text(
        text.replace(FILES, FILES + "  targets:\n    prod:\n      - folder: ../served\n")
    )
    assert workspace.mlci("generate", cwd=demo).code == 0
    assert workspace.mlci("run", cwd=demo).code == 0
    workspace.run("git", "add", "-A", cwd=demo)
    workspace.run("git", "commit", "-qm", "model", cwd=demo)
    assert workspace.mlci("register", cwd=demo).code == 0
    assert workspace.mlci("promote", "--to", "staging", cwd=demo).code == 0
    assert workspace.mlci("promote", "--to", "prod", cwd=demo).code == 0
    deployed = workspace.mlci("deploy", "prod", cwd=demo)
    assert deployed.code == 0, deployed.err
    return workspace, demo


def _window(
    demo: Path, rows: int, shift: dict[str, float], seed: int, labels: str = ""
) -> list[dict[str, float]]:
    """Rows drawn from the training data with a little noise, some features moved; with
    `labels` ("true" or "wrong") each row's label arrived too."""
    with (demo / "data/prepared/train.csv").open(newline="") as handle:
        train = list(csv.DictReader(handle))
    features = [k for k in train[0] if k not in ("row_id", "target")]
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, len(train), rows)
    made = []
    for i in picked:
        row = {
            name: round(float(train[i][name]) + rng.normal(0, 0.05) + shift.get(name, 0.0), 2)
            for name in features
        }
        if labels:
            truth = int(train[i]["target"])
            row["target"] = truth if labels == "true" else (truth + 1) % 3
        made.append(row)
    return made


def _csv(path: Path, rows: list[dict[str, float]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_served_log_is_checked_and_a_shift_breaches(deployed: tuple[Workspace, Path]) -> None:
    workspace, demo = deployed
    out = demo.parent / "out"
    # The log `mlci serve` writes beside the folder target: rows like the training data's,
    # each logged prediction class 0. The predictions' reference is the version's held-out
    # evaluation, 30 rows here: too few to judge, and said so.
    log = PredictionLog(demo.parent / "served" / "predictions")
    logged = _window(demo, 400, {}, seed=1)
    log.write("v0.1.0", logged, [0] * len(logged))
    log.write("v0.0.9", logged[:7], [1] * 7)  # an older version's rows: left out
    found = workspace.mlci("monitor", "--json", str(out / "log.json"), cwd=demo)
    assert found.code == 0, found.out + found.err
    assert "no breach: model v0.1.0 in prod" in found.out
    assert "the prediction log" in found.out and "served/predictions" in found.out
    assert "7 rows of the log were predicted by v0.0.9, not v0.1.0, and are left out" in found.out
    report = json.loads((out / "log.json").read_text())
    assert report["breached"] is False and report["dataset_drift"] is False
    assert [f["verdict"] for f in report["features"]] == ["no drift"] * 4
    assert report["features"][0]["reference_rows"] == 119  # the training rows, from the cache
    assert report["features"][0]["current_rows"] == 400
    assert report["prediction"]["verdict"] == "not enough data"
    assert report["prediction"]["reference_rows"] == 30  # the held-out evaluation's

    # The same kind of rows as a CSV without predictions: the model predicts them itself.
    calm = _csv(demo.parent / "calm.csv", _window(demo, 400, {}, seed=2))
    quiet = workspace.mlci("monitor", "--current", str(calm), cwd=demo)
    assert quiet.code == 0, quiet.out + quiet.err
    assert "mlci monitor: no breach: model v0.1.0 in prod" in quiet.out

    # A window whose petals grew: those features drift, and so does what the model predicts.
    shift = {"petal length (cm)": 2.5, "petal width (cm)": 1.0}
    shifted = _csv(demo.parent / "shifted.csv", _window(demo, 400, shift, seed=3))
    breach = workspace.mlci(
        "monitor", "--current", str(shifted), "--html", str(out / "shifted.html"), cwd=demo
    )
    assert breach.code == 1, breach.out + breach.err
    assert "breach: model v0.1.0 in prod: 50% of its features drift" in breach.out
    assert "| `petal length (cm)` | ❌ drift | psi" in breach.out
    assert "| `sepal width (cm)` | ✅ no drift |" in breach.out
    page = (out / "shifted.html").read_text()
    assert page.count("<svg") == 4  # the features (the predictions had too few to judge)
    # Self-contained: nothing is fetched (the SVG namespace is a name, not a request).
    assert not re.search(r"(src|href)\s*=", page)
    assert "default-src 'none'" in page


def test_too_small_a_window_is_not_enough_data(
    deployed: tuple[Workspace, Path], tmp_path: Path
) -> None:
    workspace, demo = deployed
    small = _csv(tmp_path / "small.csv", _window(demo, 30, {"petal length (cm)": 5.0}, seed=4))
    found = workspace.mlci("monitor", "--current", str(small), cwd=demo)
    assert found.code == 0
    assert "mlci monitor: not enough data: model v0.1.0 in prod" in found.out


def test_labels_that_arrived_are_scored_against_the_deploy_time_evaluation(
    deployed: tuple[Workspace, Path], tmp_path: Path
) -> None:
    workspace, demo = deployed
    right = _csv(tmp_path / "right.csv", _window(demo, 300, {}, seed=5, labels="true"))
    found = workspace.mlci(
        "monitor", "--current", str(right), "--json", str(tmp_path / "r.json"), cwd=demo
    )
    assert found.code == 0, found.out + found.err
    assert "Performance on the window's 300 labelled rows" in found.out
    performance = json.loads((tmp_path / "r.json").read_text())["performance"]
    assert performance["rows"] == 300 and performance["worse"] == []
    accuracy = performance["metrics"]["accuracy"]
    assert accuracy["verdict"] != "worse" and accuracy["change"] > 0.85

    # The same rows with the labels of another class: the model is now mostly wrong.
    wrong = _csv(tmp_path / "wrong.csv", _window(demo, 300, {}, seed=5, labels="wrong"))
    fell = workspace.mlci("monitor", "--current", str(wrong), cwd=demo)
    assert fell.code == 1, fell.out + fell.err
    assert "fell since it was deployed" in fell.out and "| `accuracy` |" in fell.out
    assert "❌ worse" in fell.out
    # No labels: said, not scored.
    unlabelled = _csv(tmp_path / "none.csv", _window(demo, 300, {}, seed=5))
    quiet = workspace.mlci("monitor", "--current", str(unlabelled), cwd=demo)
    assert "Performance: no labels in the window yet (no 'target' column)." in quiet.out
