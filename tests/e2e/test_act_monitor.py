"""The generated monitor workflow, run for real with nektos/act in host mode.

A real project is trained, promoted to prod and deployed to a folder; `mlci serve`'s log
beside it holds a window whose petals grew. The monitor workflow then runs as GitHub would
run it on its schedule: the plan from the registry, the generated install, the version's
model and training data rebuilt at its commit and checked against its dvc.lock, the check,
and the issue and the retraining's start against the GitHub API stand-in. actions/checkout,
setup-python and cache are stand-ins unless their code is on this machine (see
tests/e2e/test_act.py); nothing else stands in.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from mlci.serving.prediction_log import PredictionLog
from tests.e2e.git_server import GitServer
from tests.e2e.test_act import REPOSITORY, TOKEN, Project, _log
from tests.publish.github_server import BOT, FakeGitHub

pytestmark = pytest.mark.slow

FILES = "  files: [models/model.skops, models/metadata.json]\n"


def _grown_petals(demo: Path, rows: int) -> list[dict[str, float]]:
    with (demo / "data/prepared/train.csv").open(newline="") as handle:
        train = list(csv.DictReader(handle))
    features = [k for k in train[0] if k not in ("row_id", "target")]
    rng = np.random.default_rng(0)
    grown = {"petal length (cm)": 2.5, "petal width (cm)": 1.0}
    return [
        {n: round(float(train[i][n]) + grown.get(n, 0.0), 2) for n in features}
        for i in rng.integers(0, len(train), rows)
    ]


def test_a_breach_opens_the_issue_and_starts_the_retraining(
    tmp_path: Path, mlci_wheel: Path
) -> None:
    demo = Project(tmp_path, mlci_wheel.parent)
    demo.run(
        sys.executable, "-m", "mlci", "init", "demo", "--example", "iris", "--yes", cwd=tmp_path
    )
    served = tmp_path / "served"
    spec = demo.root / "mlci.yaml"
    text = spec.read_text()
    assert FILES in text
    monitor = "monitor:\n  retrain: {after: 1}\n"
    spec.write_text(
        text.replace(FILES, FILES + f"  targets:\n    prod:\n      - folder: {served}\n") + monitor
    )
    demo.mlci("generate")
    assert (demo.root / ".github/workflows/mlci-monitor.yml").is_file()
    demo.mlci("run")
    demo.commit("the example, reproduced, monitored")
    demo.mlci("register")
    demo.mlci("promote", "--to", "staging")
    demo.mlci("promote", "--to", "prod")
    demo.mlci("deploy", "prod")
    rows = _grown_petals(demo.root, 300)
    PredictionLog(served / "predictions").write("v0.1.0", rows, [2] * len(rows))

    with FakeGitHub(token=TOKEN) as github, GitServer(demo.base / "forge") as forge:
        forge.publish(REPOSITORY)
        run = demo.run_act(
            "workflow_dispatch",
            {"ref": "refs/heads/main", "repository": {"full_name": REPOSITORY}},
            github.url,
            forge.url,
            demo.root,
            "-W",
            ".github/workflows/mlci-monitor.yml",
        )
        log = run.stdout + run.stderr
        # A breach fails the check (the run shows red) after the issue is kept.
        assert run.returncode != 0, _log(run)
        assert "Successfully installed" in log and "mlci-" in log  # the generated install
        assert "breach: model v0.1.0 in prod: 50% of its features drift" in log, _log(run)
        (issue,) = github.issues[REPOSITORY]
        assert issue["user"]["login"] == BOT
        assert issue["body"].startswith(
            "<!-- mlci-monitor model=model stage=prod breaches=1 retrain=yes -->"
        )
        assert "`petal length (cm)` | ❌ drift" in issue["body"]
        (dispatch,) = github.dispatches
        assert dispatch["workflow"] == "mlci-retrain.yml" and dispatch["ref"] == "main"
        assert "model v0.1.0 in prod drifts" in dispatch["inputs"]["reason"]
