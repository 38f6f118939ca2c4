"""Same inputs and library versions give byte-identical outputs, so CI skips what is unchanged.

Real projects from `mlci init`, real DVC and real training: a rerun of a committed tree must
leave git clean (dvc.lock records the same hashes), and a fresh clone with the DVC cache that
CI restores must run no stage at all.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Workspace, outcomes

pytestmark = pytest.mark.slow


def _committed_project(workspace: Workspace, name: str, example: str) -> Path:
    init = workspace.mlci("init", name, "--example", example, "--yes")
    assert init.code == 0, init.err
    root = workspace.base / name
    first = workspace.mlci("run", cwd=root)
    assert first.code == 0, first.err
    workspace.run("git", "add", "-A", cwd=root)
    workspace.run("git", "commit", "-qm", "reproduced", cwd=root)
    return root


@pytest.mark.parametrize("example", ["iris", "diabetes"])
def test_a_forced_rerun_leaves_the_committed_tree_unchanged(
    workspace: Workspace, example: str
) -> None:
    root = _committed_project(workspace, "demo", example)
    model = (root / "models/model.skops").read_bytes()
    again = workspace.mlci("run", "--force", cwd=root)
    assert again.code == 0, again.err
    assert set(outcomes(again.out).values()) == {"ran"}  # really retrained
    assert (root / "models/model.skops").read_bytes() == model
    status = workspace.run("git", "status", "--porcelain", cwd=root)
    assert status.stdout == "", status.stdout  # dvc.lock, metrics and plots all unchanged


def test_the_saved_model_carries_no_time_and_no_object_ids(workspace: Workspace) -> None:
    root = _committed_project(workspace, "demo", "wine")
    with zipfile.ZipFile(root / "models/model.skops") as archive:
        infos = archive.infolist()
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    names = sorted(info.filename for info in infos)
    assert names[-1] == "schema.json"
    # Arrays are numbered in order of appearance, not named after memory addresses.
    assert all(len(Path(name).stem) < 6 for name in names[:-1]), names
    assert "git_commit" not in (root / "models/metadata.json").read_text()


def test_a_fresh_clone_with_the_ci_cache_restored_runs_no_stage(workspace: Workspace) -> None:
    root = _committed_project(workspace, "demo", "iris")
    clone = workspace.base / "clone"
    workspace.run("git", "clone", "-q", str(root), str(clone), cwd=workspace.base)
    # What actions/cache restores: the DVC cache of a run on the same dvc.lock.
    shutil.copytree(root / ".dvc" / "cache", clone / ".dvc" / "cache")
    run = workspace.mlci("run", cwd=clone)
    assert run.code == 0, run.err
    assert "ran" not in outcomes(run.out).values(), run.out
    assert (clone / "models/model.skops").read_bytes() == (root / "models/model.skops").read_bytes()
    status = workspace.run("git", "status", "--porcelain", cwd=clone)
    assert status.stdout == "", status.stdout
