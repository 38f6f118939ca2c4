"""`mlci run` and `mlci status` as a developer meets them: what happened, what to do next.

Real git, real DVC, a one-stage pipeline whose script is a few lines of Python.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MINIMAL_SPEC, PROJECT_FILES, Workspace

pytestmark = pytest.mark.slow

TRAIN = """\
import json, os, time, yaml
params = yaml.safe_load(open("params.yaml"))
print("epoch 1 of 1", flush=True)
if params.get("wait"):
    open("stage.pid", "w").write(str(os.getpid()))
    time.sleep(600)
open("model.txt", "w").write("model\\n")
json.dump({"accuracy": round(1 - params["lr"], 6)}, open("metrics.json", "w"))
"""

DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    params: [lr, wait]
    outs: [model.txt]
    metrics:
      - metrics.json:
          cache: false
"""


def _project(workspace: Workspace, lr: float = 0.1, wait: bool = False) -> Path:
    root = workspace.base / "project"
    root.mkdir()
    (root / "train.py").write_text(TRAIN)
    (root / "dvc.yaml").write_text(DVC_YAML)
    _params(root, lr, wait)
    workspace.run("git", "init", "-q", "-b", "main", cwd=root)
    assert workspace.run(sys.executable, "-m", "dvc", "init", "-q", cwd=root).returncode == 0
    return root


def _params(root: Path, lr: float, wait: bool = False) -> None:
    (root / "params.yaml").write_text(f"lr: {lr}\nwait: {str(wait).lower()}\n")


def _commit(workspace: Workspace, root: Path) -> None:
    workspace.run("git", "add", "-A", cwd=root)
    assert workspace.run("git", "commit", "-q", "-m", "run", cwd=root).returncode == 0


def test_run_ends_with_the_metrics_and_their_change_against_the_last_commit(
    workspace: Workspace,
) -> None:
    root = _project(workspace)
    first = workspace.mlci("run", cwd=root)
    assert first.code == 0, first.err
    assert "metrics (change" not in first.out  # no commit yet: nothing to compare with
    _commit(workspace, root)

    _params(root, 0.3)
    changed = workspace.mlci("run", cwd=root)
    assert changed.code == 0, changed.err
    lines = changed.out.splitlines()
    header = lines.index("metrics (change against HEAD):")
    assert lines[header + 1].split() == ["metrics.json:accuracy", "0.7", "-0.2"]


def test_run_v_streams_each_stages_own_output(workspace: Workspace) -> None:
    root = _project(workspace)
    quiet = workspace.mlci("run", cwd=root)
    assert quiet.code == 0, quiet.err
    assert "epoch 1 of 1" not in quiet.out
    loud = workspace.mlci("run", "-v", "--force", cwd=root)
    assert loud.code == 0, loud.err
    assert "    train | epoch 1 of 1" in loud.out.splitlines()


def test_a_long_stage_says_it_is_running_and_what_it_printed_last(workspace: Workspace) -> None:
    from mlci.dvc.pipeline import ReproWatcher, reproduce

    root = _project(workspace)
    slow = TRAIN.replace(
        'print("epoch 1 of 1", flush=True)', 'print("epoch 1 of 1", flush=True)\ntime.sleep(3)'
    )
    (root / "train.py").write_text(slow)
    ticks: list[tuple[str, float, str]] = []
    watcher = ReproWatcher(still_running=lambda *tick: ticks.append(tick), tick_seconds=0.5)
    result = reproduce(root, watcher=watcher)
    assert result.ok, result.error
    assert ticks, "no progress while the stage ran for 3 s"
    assert {name for name, _, _ in ticks} == {"train"}
    assert ticks[-1][2] == "epoch 1 of 1" and ticks[-1][1] >= 1.0
    assert [seconds for _, seconds, _ in ticks] == sorted(seconds for _, seconds, _ in ticks)


def test_a_mistyped_stage_is_a_usage_error_that_names_the_stage_meant(
    workspace: Workspace,
) -> None:
    root = _project(workspace)
    typo = workspace.mlci("run", "trian", cwd=root)
    assert typo.code == 2
    assert "dvc.yaml has no stage 'trian'; did you mean 'train'?" in typo.err
    assert not (root / "dvc.lock").exists()  # DVC was never started


def test_stopping_mlci_stops_dvc_and_the_stage_so_the_next_run_is_not_blocked(
    workspace: Workspace,
) -> None:
    root = _project(workspace, wait=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "mlci", "run"],
        cwd=root,
        env=workspace.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pid_file = root / "stage.pid"
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the stage never started"
        time.sleep(0.2)
    stage = int(pid_file.read_text())

    process.send_signal(signal.SIGTERM)  # as a cancelled CI job is stopped
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, (out, err)
    assert "interrupted" in err
    assert not _alive(stage), "the stage script outlived mlci"

    _params(root, 0.1, wait=False)
    again = workspace.mlci("run", cwd=root)
    assert again.code == 0, again.err
    assert "is busy" not in again.err + again.out
    assert (root / "metrics.json").exists()


def _alive(pid: int) -> bool:
    deadline = time.monotonic() + 15  # reaped by init once its parent is gone
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"):
            return False  # a zombie has stopped; only its exit status is left
        time.sleep(0.2)
    return True


def test_status_says_when_dvc_lock_is_missing(workspace: Workspace) -> None:
    root = _project(workspace)
    assert workspace.mlci("run", cwd=root).code == 0
    (root / "dvc.lock").unlink()
    status = workspace.mlci("status", cwd=root)
    assert status.code == 1
    assert "there is no dvc.lock (never run here, or deleted)" in status.out
    assert "modified" not in status.out and "deleted:" not in status.out


def test_run_and_status_find_the_project_from_a_subfolder_and_take_spec(
    workspace: Workspace,
) -> None:
    root = _project(workspace)
    (root / "src").mkdir()
    assert workspace.mlci("run", cwd=root / "src").code == 0
    assert (root / "dvc.lock").exists()
    status = workspace.mlci("status", cwd=root / "src")
    assert status.code == 0, status.out + status.err
    missing = workspace.mlci("status", "--spec", "nowhere.yaml", cwd=root)
    assert missing.code == 2
    assert "nowhere.yaml: file not found" in missing.err


def test_validate_finds_the_projects_spec_from_a_subfolder(workspace: Workspace) -> None:
    root = _project(workspace)
    (root / "mlci.yaml").write_text(MINIMAL_SPEC)
    for name, text in PROJECT_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "notebooks").mkdir()
    found = workspace.mlci("validate", cwd=root / "notebooks")
    assert found.code == 0, found.err
    assert found.out.startswith(f"{Path('..', 'mlci.yaml')}: valid")


def test_init_refuses_target_without_data_and_creates_nothing(workspace: Workspace) -> None:
    refused = workspace.mlci("init", "demo", "--target", "label")
    assert refused.code == 2
    assert "--target names the column to predict in your own CSV" in refused.err
    assert not (workspace.base / "demo").exists()


def test_missing_tracked_data_names_checkout_pull_and_a_missing_remote(
    workspace: Workspace,
) -> None:
    root = _project(workspace)
    (root / "data").mkdir()
    (root / "data" / "raw.csv").write_text("a,b\n1,2\n")
    dvc = [sys.executable, "-m", "dvc"]
    assert workspace.run(*dvc, "add", "-q", "data/raw.csv", cwd=root).returncode == 0
    dvc_yaml = (root / "dvc.yaml").read_text()
    (root / "dvc.yaml").write_text(dvc_yaml.replace("[train.py]", "[train.py, data/raw.csv]"))
    (root / "data" / "raw.csv").unlink()

    failed = workspace.mlci("run", cwd=root)
    assert failed.code == 1
    assert "data/raw.csv is tracked by DVC but is not in the workspace" in failed.err
    assert "`dvc checkout data/raw.csv`" in failed.err
    assert "no DVC remote is configured here" in failed.err

    remote = workspace.base / "remote"
    add = workspace.run(*dvc, "remote", "add", "-d", "storage", str(remote), cwd=root)
    assert add.returncode == 0
    with_remote = workspace.mlci("run", cwd=root)
    assert "fetch it from the DVC remote with `dvc pull data/raw.csv`" in with_remote.err
