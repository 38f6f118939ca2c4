"""With real git and real DVC: values YAML 1.1 and 1.2 read differently (`yes`, `on`, `1:20`,
`017`) are read by `mlci diff` and by mlci's own `dvc status` as DVC reads them.

DVC writes dvc.lock with ruamel, which leaves `on` and `1:20` unquoted: YAML 1.1 reads them
as true and 80. A change of `speed: on` to `speed: true` in params.yaml is a change to DVC,
to the gate's staleness check and to `mlci diff`'s stages alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mlci.dvc import pipeline
from mlci.dvc import status as dvc_status
from mlci.dvc.dvcfile import read_document
from tests.conftest import Repo

pytestmark = pytest.mark.slow

SPEC = """\
version: 1
problem: {task: regression, target: y}
stages:
  train:
    cmd: python step.py
    deps: [step.py]
    params: [train.mode, train.speed, train.tick, train.perms]
    outs: [out.txt]
    metrics: [metrics.json]
metrics:
  score: {file: metrics.json, direction: higher}
"""
STEP = """\
import json
open("out.txt", "w").write(open("params.yaml").read())
json.dump({"score": 1}, open("metrics.json", "w"))
"""
PARAMS = "train:\n  mode: yes\n  speed: on\n  tick: 1:20\n  perms: 017\n"


def dvc(repo: Repo, *args: str) -> None:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    subprocess.run([sys.executable, "-m", "dvc", *args], cwd=repo.root, check=True, env=env)


def test_yaml_1_2_values_mean_the_same_to_dvc_to_the_gate_and_to_diff(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    from dvc.utils.serialize import load_yaml as dvc_load_yaml

    repo.write({"mlci.yaml": SPEC, "step.py": STEP, "params.yaml": PARAMS})
    assert repo.mlci("generate", capsys=capsys).code == 0
    dvc(repo, "init", "-q")
    dvc(repo, "repro", "-q")
    base = repo.commit(message="base")

    lock = (repo.root / "dvc.lock").read_text()
    assert "train.speed: on" in lock  # as DVC writes it: unquoted
    assert read_document(lock) == dvc_load_yaml(str(repo.root / "dvc.lock"))
    assert read_document(lock)["stages"]["train"]["params"]["params.yaml"] == {
        "train.mode": "yes",
        "train.perms": 17,
        "train.speed": "on",
        "train.tick": "1:20",
    }
    assert dvc_status.compute(repo.root) == pending_stages_of_dvc(repo) == {}

    repo.write({"params.yaml": PARAMS.replace("speed: on", "speed: true")})
    expected = {"train": "changed deps: params.yaml (train.speed modified)"}
    assert dvc_status.compute(repo.root) == pending_stages_of_dvc(repo) == expected

    dvc(repo, "repro", "-q")
    target = repo.commit(message="speed: true")
    result = repo.mlci("diff", base, target, "--format", "json", capsys=capsys)
    assert result.code == 0, result.err
    stages = json.loads(result.out)["stages"]
    assert stages == [{"change": "changed", "reasons": ["params: train.speed"], "stage": "train"}]


def pending_stages_of_dvc(repo: Repo) -> dict[str, str]:
    return dvc_status.pending_stages(pipeline.status(repo.root))
