"""Promotion through the deploy gate on real trained models: real git tags, DVC and `gto`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from gto import api as gto

from tests.conftest import Workspace

pytestmark = pytest.mark.slow

RULE = "    - {metric: accuracy, max_regression: 0.02, judged_on: interval}\n"


def _commit(workspace: Workspace, root: Path, message: str) -> None:
    workspace.run("git", "add", "-A", cwd=root)
    assert workspace.run("git", "commit", "-qm", message, cwd=root).returncode == 0


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_worse_model_is_refused_and_a_good_one_carries_its_evidence(
    workspace: Workspace,
) -> None:
    assert workspace.mlci("init", "demo").code == 0
    demo = workspace.base / "demo"
    spec = demo / "mlci.yaml"
    _edit(spec, "    - {check: reproduced}\n", "    - {check: reproduced}\n  deploy:\n" + RULE)
    # The scaffold's deploy: section, with the model named for this project.
    _edit(spec, "deploy:\n  model: model\n", "deploy:\n  model: tumours\n")
    assert workspace.mlci("generate", cwd=demo).code == 0
    assert workspace.mlci("run", cwd=demo).code == 0
    _commit(workspace, demo, "a logistic regression")
    assert workspace.mlci("register", cwd=demo).code == 0
    for stage in ("staging", "prod"):
        first = workspace.mlci("promote", "--to", stage, cwd=demo)
        assert first.code == 0, first.err
    assert gto.show(str(demo))["tumours"]["stage"] == {"prod": "v0.1.0", "staging": "v0.1.0"}

    # A model that always guesses the commonest class: far worse, beyond any noise.
    params = demo / "params.yaml"
    _edit(
        params,
        "estimator: sklearn.linear_model.LogisticRegression",
        "estimator: sklearn.dummy.DummyClassifier",
    )
    _edit(
        params,
        "    sklearn.linear_model.LogisticRegression:\n      max_iter: 1000",
        "    sklearn.dummy.DummyClassifier:\n      strategy: most_frequent",
    )
    assert workspace.mlci("run", cwd=demo).code == 0
    _commit(workspace, demo, "a model that guesses")
    assert workspace.mlci("register", cwd=demo).code == 0
    refused = workspace.mlci("promote", "--to", "staging", cwd=demo)
    assert refused.code == 1
    assert "tumours v0.1.1 fails the deploy gate against v0.1.0 in staging" in refused.err
    assert "beyond noise" in refused.err
    assert gto.show(str(demo))["tumours"]["stage"]["staging"] == "v0.1.0"

    # Back to a logistic regression, a little more regularised: within noise of the first.
    _edit(
        params,
        "estimator: sklearn.dummy.DummyClassifier",
        "estimator: sklearn.linear_model.LogisticRegression",
    )
    _edit(
        params,
        "    sklearn.dummy.DummyClassifier:\n      strategy: most_frequent",
        "    sklearn.linear_model.LogisticRegression:\n      max_iter: 1000\n      C: 0.5",
    )
    assert workspace.mlci("run", cwd=demo).code == 0
    _commit(workspace, demo, "a little more regularisation")
    assert workspace.mlci("register", cwd=demo).code == 0
    passed = workspace.mlci("promote", "--to", "staging", cwd=demo)
    assert passed.code == 0, passed.err
    tag = passed.out.split("tag ", 1)[1].split()[0]  # "...: tag tumours#staging#3 at ..."
    assert tag.startswith("tumours#staging#")
    evidence = json.loads(workspace.mlci("evidence", tag, cwd=demo).out)
    assert evidence["candidate"]["version"] == "v0.1.2"
    assert evidence["champion"]["version"] == "v0.1.0"
    assert evidence["gate"]["verdict"] == "pass"
    assert evidence["same_rows"]["state"] == "same"
    assert set(evidence["same_rows"]["metrics"]) >= {"accuracy", "f1"}
    assert any(
        p["key"] == "train.hyperparameters.sklearn.linear_model.LogisticRegression.C"
        for p in evidence["params"]
    )
    assert gto.show(str(demo))["tumours"]["stage"]["staging"] == "v0.1.2"

    card = workspace.mlci("card", "v0.1.2", cwd=demo)
    assert card.code == 0, card.err
    assert card.out.startswith("# Model card: tumours v0.1.2\n")
    assert "Learn breast cancer from" in card.out  # the description mlci init wrote
    assert "| Metric | Value | Against v0.1.0 on the same rows |" in card.out
    assert "pass for staging, approved by" in card.out
    lock = (demo / "dvc.lock").read_text()
    train_md5 = lock.split("path: data/prepared/train.csv\n", 1)[1].split("md5: ", 1)[1].split()[0]
    assert f"| evaluate | `data/prepared/train.csv` | `{train_md5}` |" in card.out
    never = workspace.mlci("card", "v0.1.1", cwd=demo)
    assert "Never promoted through the deploy gate." in never.out

    # A changed copy of the evidence no longer matches the digest in the tag's subject.
    message = subprocess.run(
        ["git", "cat-file", "tag", tag], cwd=demo, capture_output=True, text=True, check=True
    ).stdout.partition("\n\n")[2]
    forged = message.replace('"verdict":"pass"', '"verdict":"fail"', 1)
    workspace.run("git", "tag", "-f", "-a", "-m", forged, tag, tag + "^{commit}", cwd=demo)
    altered = workspace.mlci("evidence", tag, cwd=demo)
    assert altered.code == 1 and "it was altered" in altered.err
