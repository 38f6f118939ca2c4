"""Real DVC reads what mlci writes, and mlci keeps what the user wrote in dvc.yaml."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Repo

pytestmark = pytest.mark.slow

# Stages that really run: each writes its outputs from its inputs.
RUNNABLE_SPEC = """\
version: 1
problem: {task: regression, target: y}
data:
  - path: data/raw.txt
stages:
  prepare:
    cmd: python step.py data/raw.txt data/prepared.txt
    deps: [step.py, data/raw.txt]
    params: [prepare.scale]
    outs: [data/prepared.txt]
  train:
    cmd: python step.py data/prepared.txt model.txt
    deps: [step.py, data/prepared.txt]
    params: [train]
    outs: [model.txt]
    metrics: [metrics.json]
metrics:
  score: {file: metrics.json, direction: higher}
"""
STEP_SCRIPT = """\
import json, sys
source, target = sys.argv[1], sys.argv[2]
text = open(source).read()
open(target, "w").write(text.upper())
json.dump({"score": len(text)}, open("metrics.json", "w"))
"""
USER_STAGE = """\
# My own stage, written by hand: mlci must keep it and this comment.
stages:
  report:  # renders the report
    cmd: python -c "open('report.txt','w').write('ok')"
    deps:
      - model.txt
    outs:
      - report.txt
"""


def dvc(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=repo.root, capture_output=True, text=True
    )


@pytest.fixture
def dvc_project(repo: Repo) -> Repo:
    repo.write(
        {
            "mlci.yaml": RUNNABLE_SPEC,
            "step.py": STEP_SCRIPT,
            "data/raw.txt": "some data\n",
            "params.yaml": "prepare:\n  scale: 2\ntrain:\n  depth: 3\n",
        }
    )
    assert dvc(repo, "init", "-q").returncode == 0
    return repo


def test_dvc_builds_the_graph_and_reproduces_the_generated_pipeline(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    dag = dvc(dvc_project, "dag", "--md")
    assert dag.returncode == 0, dag.stderr
    assert "prepare" in dag.stdout and "train" in dag.stdout
    assert "-->" in dag.stdout  # the edge prepare -> train

    repro = dvc(dvc_project, "repro")
    assert repro.returncode == 0, repro.stderr
    assert dvc_project.read("model.txt") == "SOME DATA\n"
    lock = dvc_project.read("dvc.lock")
    assert "prepare:" in lock and "train:" in lock

    dry = dvc(dvc_project, "repro", "--dry")
    assert dry.returncode == 0, dry.stderr
    assert "didn't change" in dry.stdout
    assert dvc(dvc_project, "status", "-q").returncode == 0

    # repro writes only dvc.lock: the generated files are still in sync.
    assert dvc_project.mlci("generate", "--check", capsys=capsys).code == 0


def test_metrics_output_is_read_by_dvc_from_git(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    assert dvc(dvc_project, "repro").returncode == 0
    shown = dvc(dvc_project, "metrics", "show", "--json")
    assert json.loads(shown.stdout)  # DVC finds the metrics file mlci declared
    ignored = dvc_project.read(".gitignore") if (dvc_project.root / ".gitignore").exists() else ""
    assert "metrics.json" not in ignored  # cache: false, so it is committed, not DVC-tracked


def test_user_stages_comments_and_order_survive(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    dvc_project.write({"dvc.yaml": USER_STAGE})
    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    text = dvc_project.read("dvc.yaml")
    assert "# My own stage, written by hand: mlci must keep it and this comment." in text
    assert "report:  # renders the report" in text
    assert text.index("report:") < text.index("prepare:")  # the user's stage stays first

    stages = dvc(dvc_project, "stage", "list", "--name-only")
    assert stages.stdout.split() == ["report", "prepare", "train"]
    assert dvc(dvc_project, "repro").returncode == 0
    assert dvc_project.read("report.txt") == "ok"

    # Removing a stage from the spec removes mlci's stage, never the user's.
    spec = RUNNABLE_SPEC.replace("    metrics: [metrics.json]\n", "")
    spec = spec[: spec.index("metrics:\n  score")]
    spec = spec.replace("  train:\n", "  fit:\n")
    dvc_project.write({"mlci.yaml": spec})
    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    stages = dvc(dvc_project, "stage", "list", "--name-only")
    assert stages.stdout.split() == ["report", "prepare", "fit"]
    assert "# My own stage" in dvc_project.read("dvc.yaml")


def test_stage_added_with_dvc_keeps_the_pipeline_in_sync(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    added = dvc(dvc_project, "stage", "add", "-n", "publish", "-d", "model.txt", "cp model.txt out")
    assert added.returncode == 0, added.stderr
    # DVC rewrote dvc.yaml; mlci's stages mean the same, so nothing is stale...
    result = dvc_project.mlci("generate", "--check", capsys=capsys)
    assert result.code == 0, result.out + result.err
    # ...and regenerating keeps the stage DVC added.
    dvc_project.write({"mlci.yaml": RUNNABLE_SPEC.replace("scale]", "scale, prepare.seed]")})
    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    assert "publish:" in dvc_project.read("dvc.yaml")
    assert "prepare.seed" in dvc_project.read("dvc.yaml")


def test_hand_edited_generated_stage_is_a_conflict(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    edited = dvc_project.read("dvc.yaml").replace(
        "cmd: python step.py data/prepared.txt model.txt",
        "cmd: python step.py data/prepared.txt model.txt --verbose",
    )
    dvc_project.write({"dvc.yaml": edited})
    dvc_project.write({"mlci.yaml": RUNNABLE_SPEC.replace("direction: higher", "direction: lower")})

    result = dvc_project.mlci("generate", capsys=capsys)
    assert result.code == 1  # the spec still says the old command: a conflict
    narrower = RUNNABLE_SPEC.replace("params: [train]", "params: [train.depth]")
    dvc_project.write({"mlci.yaml": narrower})
    result = dvc_project.mlci("generate", capsys=capsys)
    assert result.code == 1
    assert "dvc.yaml: stage 'train' was edited by hand" in result.err
    assert dvc_project.read("dvc.yaml") == edited

    assert dvc_project.mlci("generate", "--force", capsys=capsys).code == 0
    assert "--verbose" not in dvc_project.read("dvc.yaml")


def test_user_stage_with_a_spec_stage_name_is_a_conflict(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    own = "stages:\n  train:\n    cmd: echo mine\n"
    dvc_project.write({"dvc.yaml": own})
    result = dvc_project.mlci("generate", capsys=capsys)
    assert result.code == 1
    assert "stage 'train' was written by hand" in result.err
    assert dvc_project.read("dvc.yaml") == own


def test_generated_pipeline_loads_in_dvc_in_process(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    from dvc.repo import Repo as DvcRepo

    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    with DvcRepo(str(dvc_project.root)) as dvc_repo:
        stages = {stage.name: stage for stage in dvc_repo.index.stages}
    assert set(stages) == {"prepare", "train"}
    train = stages["train"]
    assert [str(Path(o.def_path)) for o in train.outs] == ["model.txt", "metrics.json"]
    metrics = next(o for o in train.outs if o.def_path == "metrics.json")
    assert metrics.metric and not metrics.use_cache
    assert train.meta == {"generated-by": "mlci"}


def test_dvc_reads_the_pipeline_sections(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = RUNNABLE_SPEC + (
        "pipeline:\n"
        "  plots:\n"
        "    - {History: {x: step, y: {history.csv: score}, template: linear}}\n"
        "  artifacts:\n"
        "    text-model: {path: model.txt, type: model, labels: [demo]}\n"
    )
    dvc_project.write({"mlci.yaml": spec, "history.csv": "step,score\n0,1\n1,3\n"})
    assert dvc_project.mlci("generate", capsys=capsys).code == 0
    assert dvc(dvc_project, "repro").returncode == 0
    shown = dvc(dvc_project, "plots", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    assert "History" in json.loads(shown.stdout)["data"]
    from dvc.repo import Repo as DvcRepo

    with DvcRepo(str(dvc_project.root)) as dvc_repo:
        artifacts = dvc_repo.artifacts.read()
    assert artifacts["dvc.yaml"]["text-model"].path == "model.txt"


def test_a_users_stage_identical_to_the_spec_is_adopted(
    dvc_project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    own = (
        "stages:\n"
        "  prepare:\n"
        "    cmd: python step.py data/raw.txt data/prepared.txt\n"
        "    deps:\n    - step.py\n    - data/raw.txt\n"
        "    params:\n    - prepare.scale\n"
        "    outs:\n    - data/prepared.txt\n"
    )
    dvc_project.write({"dvc.yaml": own})
    result = dvc_project.mlci("generate", capsys=capsys)
    assert result.code == 0, result.err
    stages = dvc(dvc_project, "stage", "list", "--name-only").stdout.split()
    assert stages == ["prepare", "train"]
    assert "generated-by: mlci" in dvc_project.read("dvc.yaml").split("train:")[0]
