"""The generated pull and reproduce steps against a real DVC remote, run as the runner runs
them: outputs that were never pushed are rebuilt, not an error, and a fork's run, which
GitHub gives no secrets, skips the remote with a notice and fails in one clear line only
when the data is out of its reach."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ruamel.yaml import YAML

from tests.conftest import Workspace
from tests.e2e.workflow_steps import find_step, run_step

pytestmark = pytest.mark.slow

PR = ".github/workflows/mlci-pr.yml"
MAIN = ".github/workflows/mlci-main.yml"
TOKEN = "MLCI_TEST_TOKEN"


def _table(path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    frame.to_csv(path, index=False)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path, Path]:
    """A project whose data is in the remote and whose outputs were never pushed."""
    workspace = Workspace(tmp_path_factory.mktemp("remote"))
    remote = workspace.base / "remote"
    _table(workspace.base / "table.csv")
    init = workspace.mlci("init", "project", "--data", "table.csv", "--target", "label", "--yes")
    assert init.code == 0, init.err
    root = workspace.base / "project"
    spec = root / "mlci.yaml"
    spec.write_text(
        spec.read_text() + f"  remote:\n    url: {remote}\n    credentials: {{{TOKEN}: {TOKEN}}}\n"
    )
    assert workspace.mlci("generate", cwd=root).code == 0
    assert workspace.mlci("run", cwd=root).code == 0
    dvc = (sys.executable, "-m", "dvc")
    workspace.run(*dvc, "remote", "add", "--local", "-f", "storage", str(remote), cwd=root)
    pushed = workspace.run(*dvc, "push", "-r", "storage", "data/table.csv.dvc", cwd=root)
    assert pushed.returncode == 0, pushed.stderr
    workspace.run("git", "add", "-A", cwd=root)
    workspace.run("git", "commit", "-qm", "reproduced; only the data pushed", cwd=root)
    return workspace, root, remote


def _clone(workspace: Workspace, root: Path, name: str) -> Path:
    clone = workspace.base / name
    if clone.exists():
        shutil.rmtree(clone)
    workspace.run("git", "clone", "-q", str(root), str(clone), cwd=workspace.base)
    return clone


def _context(clone: Path, *, head: str, pulled: str = "") -> dict[str, str]:
    return {
        f"secrets.{TOKEN}": "" if head != "acme/project" else "a-read-only-token",
        "github.event.pull_request.head.repo.full_name": head,
        "github.repository": "acme/project",
        "steps.pull.outputs.skipped": pulled,
    }


def test_pull_fetches_only_the_data_and_repro_rebuilds_what_was_never_pushed(
    origin: tuple[Workspace, Path, Path],
) -> None:
    workspace, root, _ = origin
    clone = _clone(workspace, root, "same-repo")
    workflow = (clone / PR).read_text()
    assert find_step(workflow, "pull")["env"][TOKEN] == f"${{{{ secrets.{TOKEN} }}}}"
    assert TOKEN not in find_step(workflow, "reproduce").get("env", {})  # PR code: no secrets
    # What the old step did: a plain pull of everything fails on the outputs never pushed.
    plain = workspace.run(sys.executable, "-m", "dvc", "pull", "-r", "storage", cwd=clone)
    assert plain.returncode != 0
    shutil.rmtree(clone / ".dvc" / "cache", ignore_errors=True)

    context = _context(clone, head="acme/project")
    pull = run_step(workflow, "pull", clone, context, env=workspace.env)
    assert pull.code == 0, pull.out + pull.err
    assert (clone / "data/table.csv").is_file()
    assert not (clone / "models/model.skops").exists()
    reproduce = run_step(workflow, "reproduce", clone, context, env=workspace.env)
    assert reproduce.code == 0, reproduce.out + reproduce.err
    assert "Running stage 'train'" in reproduce.out
    status = workspace.run("git", "status", "--porcelain", cwd=clone)
    assert status.stdout == ""  # rebuilt byte for byte as committed


def test_a_fork_skips_the_remote_and_fails_in_one_line_without_its_data(
    origin: tuple[Workspace, Path, Path],
) -> None:
    workspace, root, _ = origin
    clone = _clone(workspace, root, "fork")
    workflow = (clone / PR).read_text()
    context = _context(clone, head="someone/project")
    pull = run_step(workflow, "pull", clone, context, env=workspace.env)
    assert pull.code == 0, pull.err
    assert "::notice title=Pull request from a fork::" in pull.out
    assert pull.outputs == {"skipped": "fork"}
    assert not (clone / "data/table.csv").exists()
    context = _context(clone, head="someone/project", pulled="fork")
    reproduce = run_step(workflow, "reproduce", clone, context, env=workspace.env)
    assert reproduce.code == 1
    assert "::error title=The data is not reachable from a fork::" in reproduce.out


def test_a_fork_still_reproduces_when_the_ci_cache_holds_the_data(
    origin: tuple[Workspace, Path, Path],
) -> None:
    workspace, root, _ = origin
    clone = _clone(workspace, root, "fork-with-cache")
    shutil.copytree(root / ".dvc" / "cache", clone / ".dvc" / "cache")  # as actions/cache does
    workflow = (clone / PR).read_text()
    context = _context(clone, head="someone/project")
    assert run_step(workflow, "pull", clone, context, env=workspace.env).outputs == {
        "skipped": "fork"
    }
    context["steps.pull.outputs.skipped"] = "fork"
    reproduce = run_step(workflow, "reproduce", clone, context, env=workspace.env)
    assert reproduce.code == 0, reproduce.out + reproduce.err


def test_only_the_main_branch_job_holds_credentials_that_may_write(
    origin: tuple[Workspace, Path, Path],
) -> None:
    _, root, _ = origin
    pr = YAML(typ="safe").load((root / PR).read_text())["jobs"]["reproduce"]
    main = YAML(typ="safe").load((root / MAIN).read_text())["jobs"]["reproduce"]
    assert pr["environment"] == "dvc-remote-read"
    assert main["environment"] == "dvc-remote"
    for job in (pr, main):
        holding = [s["id"] for s in job["steps"] if TOKEN in s.get("env", {})]
        install = [s["id"] for s in job["steps"]].index("install")
        # Secrets only where the remote is used, and never before dependencies are installed.
        assert all([s["id"] for s in job["steps"]].index(i) > install for i in holding)
        assert set(holding) <= {"pull", "reproduce", "push"}
    assert "push" not in [s["id"] for s in pr["steps"]]


def test_the_report_says_a_forks_run_did_not_read_the_remote(
    origin: tuple[Workspace, Path, Path],
) -> None:
    workspace, root, _ = origin
    clone = _clone(workspace, root, "fork-report")
    event = workspace.base / "event.json"
    repo = {"full_name": "acme/project"}
    fork = {"full_name": "someone/project"}
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "head": {"repo": fork}, "base": {"repo": repo}}})
    )
    actions = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/project",
    }
    workspace.env.update(actions)
    try:
        report = workspace.mlci("report", "--format", "json", cwd=clone)
    finally:
        for name in actions:
            workspace.env.pop(name)
    assert report.code == 0, report.err
    (notice,) = json.loads(report.out)["notices"]
    assert notice.startswith("this pull request comes from a fork")
