"""Deploying real trained models: the plan the registry decides, the smoke test over a real
socket, the folder target's atomic switch and rollback, and a command target."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlci.delivery.folder import served_version
from mlci.delivery.smoke import smoke_test
from mlci.errors import CheckFailed
from tests.conftest import Workspace

pytestmark = pytest.mark.slow

TARGETS = """\
  targets:
    staging:
      - folder: ../served
      - command: echo "$MLCI_MODEL $MLCI_VERSION $MLCI_STAGE" >> ../commands.log
"""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _commit(workspace: Workspace, root: Path, message: str) -> None:
    workspace.run("git", "add", "-A", cwd=root)
    assert workspace.run("git", "commit", "-qm", message, cwd=root).returncode == 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    workspace = Workspace(tmp_path_factory.mktemp("deploy"))
    assert workspace.mlci("init", "demo").code == 0
    demo = workspace.base / "demo"
    files = "  files: [models/model.skops, models/metadata.json]\n"
    _edit(demo / "mlci.yaml", files, files + TARGETS)
    assert workspace.mlci("generate", cwd=demo).code == 0
    assert workspace.mlci("run", cwd=demo).code == 0
    _commit(workspace, demo, "a logistic regression")
    assert workspace.mlci("register", cwd=demo).code == 0
    promoted = workspace.mlci("promote", "--to", "staging", cwd=demo)
    assert promoted.code == 0, promoted.err
    return workspace, demo


def test_a_version_is_deployed_switched_and_rolled_back(demo: tuple[Workspace, Path]) -> None:
    workspace, root = demo
    served = root.parent / "served"
    first = workspace.mlci("deploy", "staging", cwd=root)
    assert first.code == 0, first.err
    assert "smoke test of model v0.1.0 passed" in first.out
    assert served_version(served) == "v0.1.0"
    assert (served / "current" / "package.json").is_file()
    log = (root.parent / "commands.log").read_text().splitlines()
    assert log == ["model v0.1.0 staging"]

    again = workspace.mlci("deploy", "staging", cwd=root)
    assert again.code == 0 and "already serving v0.1.0" in again.out
    assert len((served / "deployments.jsonl").read_text().splitlines()) == 1

    # A second version, promoted and deployed: the folder switches to it.
    _edit(root / "params.yaml", "max_iter: 1000", "max_iter: 2000")
    assert workspace.mlci("run", cwd=root).code == 0
    _commit(workspace, root, "more iterations")
    assert workspace.mlci("register", cwd=root).code == 0
    assert workspace.mlci("promote", "--to", "staging", cwd=root).code == 0
    assert workspace.mlci("deploy", "staging", cwd=root).code == 0
    assert served_version(served) == "v0.1.1"

    # A rollback hands the stage back to v0.1.0, and the deploy switches back to its copy.
    assert workspace.mlci("rollback", "staging", cwd=root).code == 0
    plan = workspace.mlci("deploy-plan", "--stage", "staging", cwd=root)
    assert "deploy model v0.1.0" in plan.out
    back = workspace.mlci("deploy", "staging", cwd=root)
    assert back.code == 0, back.err
    assert "now serving v0.1.0 (was v0.1.1)" in back.out
    assert served_version(served) == "v0.1.0"
    lines = [json.loads(line) for line in (served / "deployments.jsonl").read_text().splitlines()]
    assert [(e["version"], e["previous"]) for e in lines] == [
        ("v0.1.0", None),
        ("v0.1.1", "v0.1.0"),
        ("v0.1.0", "v0.1.1"),
    ]


def test_a_stage_tag_made_without_the_gate_deploys_nothing(demo: tuple[Workspace, Path]) -> None:
    workspace, root = demo
    # Straight to prod with plain git, as GTO would write it: no evidence, no staging first.
    made = workspace.run("git", "tag", "-a", "-m", "by hand", "model#prod#90", "HEAD", cwd=root)
    assert made.returncode == 0
    try:
        plan = workspace.mlci("deploy-plan", "--tag", "model#prod#90", cwd=root)
        assert plan.code == 1
        assert "did not come through mlci's deploy gate" in plan.err
        other = workspace.mlci("deploy-plan", "--tag", "model@v0.1.0", cwd=root)
        assert other.code == 0 and "not a stage tag" in other.out
    finally:
        workspace.run("git", "tag", "-d", "model#prod#90", cwd=root)


def test_the_smoke_test_fails_a_package_that_cannot_serve_its_examples(
    demo: tuple[Workspace, Path], tmp_path: Path
) -> None:
    workspace, root = demo
    package = tmp_path / "package"
    assert workspace.mlci("package", "--output", str(package), cwd=root).code == 0
    manifest = json.loads((package / "package.json").read_text())
    assert len(manifest["examples"]) == 5
    assert smoke_test(package).rows == 5
    assert (package / "Dockerfile").read_text().startswith("# The container that serves model")

    broken = tmp_path / "broken"
    shutil.copytree(package, broken)
    manifest["examples"][0]["not a column"] = 1
    (broken / "package.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckFailed, match="422"):
        smoke_test(broken)
