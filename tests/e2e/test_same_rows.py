"""A change compared with main on the same rows, with intervals: real git, DVC and training.

The built-in example is scaffolded and reproduced on main; each change is then reproduced on
a branch and judged by `mlci diff`, `mlci gate` and `mlci report`, as CI judges it.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import Workspace

pytestmark = pytest.mark.slow


def _ids(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return [row["row_id"] for row in csv.DictReader(handle)]


def _commit(workspace: Workspace, root: Path, message: str) -> None:
    workspace.run("git", "add", "-A", cwd=root)
    assert workspace.run("git", "commit", "-qm", message, cwd=root).returncode == 0


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.fixture
def demo(workspace: Workspace) -> Path:
    assert workspace.mlci("init", "demo").code == 0
    root = workspace.base / "demo"
    run = workspace.mlci("run", cwd=root)
    assert run.code == 0, run.err
    _commit(workspace, root, "the example, reproduced")
    workspace.run("git", "checkout", "-qb", "change", cwd=root)
    return root


def _reproduce(workspace: Workspace, root: Path) -> dict:
    run = workspace.mlci("run", cwd=root)
    assert run.code == 0, run.err
    _commit(workspace, root, "the change, reproduced")
    diff = workspace.mlci("diff", "main", "--format", "json", cwd=root)
    assert diff.code == 0, diff.err
    return json.loads(diff.out)


def test_a_new_estimator_is_compared_on_the_same_rows(workspace: Workspace, demo: Path) -> None:
    main_ids = _ids(demo / "predictions.csv")
    _edit(
        demo / "params.yaml",
        "estimator: sklearn.linear_model.LogisticRegression",
        "estimator: sklearn.ensemble.RandomForestClassifier",
    )
    same = _reproduce(workspace, demo)["same_rows"]
    assert sorted(_ids(demo / "predictions.csv")) == sorted(main_ids)
    assert same["state"] == "same"
    assert same["rows"] == len(main_ids)
    digests = same["evaluation_data"]
    assert digests["base"] == digests["target"] and len(digests["base"]) == 64
    declared = {"accuracy", "f1", "roc_auc", "precision", "recall"}
    assert set(same["metrics"]) == declared and not same["skipped"]
    metrics = json.loads((demo / "metrics.json").read_text())
    for name, interval in same["metrics"].items():
        # The scorer reproduces the evaluation's own number, and the interval holds the change.
        assert interval["target"] == pytest.approx(metrics[name], abs=1e-5)
        assert interval["low"] <= interval["change"] <= interval["high"]
        assert interval["verdict"] in ("better", "within noise", "worse")
    assert same["metrics"]["accuracy"]["test"] == "McNemar's exact test"
    assert same["metrics"]["f1"]["averaging"] == "positive class '0'"

    gate = workspace.mlci("gate", "main", "--format", "json", cwd=demo)
    results = {r["metric"]: r for r in json.loads(gate.out)["rules"] if r["metric"]}
    for name in ("accuracy", "f1"):
        # The scaffold's rules fail only a regression beyond the rows' noise.
        interval = same["metrics"][name]
        assert "best bound >= -0.02" in results[name]["threshold"]
        expected = "fail" if interval["high"] < -0.02 else "pass"
        assert results[name]["verdict"] == expected
    report = workspace.mlci("report", "main", cwd=demo)
    assert report.code == 0, report.err
    assert f"both sides scored on the same {len(main_ids)} rows" in report.out
    assert "Change on the same rows [interval]" in report.out
    assert "Smallest difference these" in report.out


def test_a_changed_split_rescores_mains_model_on_rows_it_never_trained_on(
    workspace: Workspace, demo: Path
) -> None:
    main_ids = set(_ids(demo / "predictions.csv"))
    main_predictions = (demo / "predictions.csv").read_text()
    _edit(demo / "params.yaml", "test_size: 0.2", "test_size: 0.3")
    compared = _reproduce(workspace, demo)
    same = compared["same_rows"]
    change_ids = set(_ids(demo / "predictions.csv"))
    assert len(change_ids) > len(main_ids)
    assert same["state"] == "rescored"
    assert same["evaluation_data"]["base"] != same["evaluation_data"]["target"]
    assert f"{len(main_ids)} and {len(change_ids)}" in same["message"]
    # The raw data is the same: of the change's test rows, main never trained on exactly
    # those in its own test set.
    assert same["rows"] == len(main_ids & change_ids)
    # The workspace was not touched: its predictions are the change's own.
    assert set(_ids(demo / "predictions.csv")) == change_ids
    assert (demo / "predictions.csv").read_text() != main_predictions
    # main's model, rescored, predicts on those rows what main itself predicted there.
    rows = [r for r in csv.DictReader(io.StringIO(main_predictions)) if r["row_id"] in change_ids]
    right = sum(r["actual"] == r["predicted"] for r in rows) / len(rows)
    assert same["metrics"]["accuracy"]["base"] == pytest.approx(right, abs=1e-12)
    accuracy = same["metrics"]["accuracy"]
    whole = {row["name"]: row for row in compared["metrics"] if row["name"]}["accuracy"]
    # On the rows both held out, not on each side's own test set.
    assert (accuracy["base"], accuracy["target"]) != (whole["old"], whole["new"])

    gate = workspace.mlci("gate", "main", "--format", "json", cwd=demo)
    results = {r["metric"]: r for r in json.loads(gate.out)["rules"] if r["metric"]}
    assert "best bound" in results["accuracy"]["threshold"]
    report = workspace.mlci("report", "main", cwd=demo)
    assert "> [!WARNING]\n> main" in report.out and "evaluated on different rows" in report.out


def test_without_mains_model_the_rows_both_held_out_are_compared(
    workspace: Workspace, demo: Path
) -> None:
    _edit(demo / "params.yaml", "test_size: 0.2", "test_size: 0.3")
    run = workspace.mlci("run", cwd=demo)
    assert run.code == 0, run.err
    _commit(workspace, demo, "the change, reproduced")
    # Only the change's objects stay in the cache: main's model cannot be rescored.
    keep = {
        line.split()[-1]
        for line in (demo / "dvc.lock").read_text().splitlines()
        if line.strip().startswith("md5:")
    }
    objects = demo / ".dvc" / "cache" / "files" / "md5"
    for found in objects.glob("*/*"):
        if found.parent.name + found.name not in keep:
            found.unlink()
    shutil.rmtree(demo / ".dvc" / "tmp", ignore_errors=True)
    diff = workspace.mlci("diff", "main", "--format", "json", cwd=demo)
    same = json.loads(diff.out)["same_rows"]
    assert same["state"] == "common"
    assert any(
        "was not scored on this change's rows" in n and "not in the DVC cache" in n
        for n in same["notes"]
    )
