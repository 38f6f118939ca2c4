"""The generated deploy workflow, run for real with nektos/act in host mode.

A real project is trained, registered and promoted; then the deploy workflow runs as GitHub
would run it, for a stage started by hand (`workflow_dispatch`) and for a pushed stage tag:
the plan from the registry, the generated install (mlci's wheel from this checkout, into a
fresh Python), the model rebuilt at the version's commit and checked against its dvc.lock,
the package, the smoke test over 127.0.0.1, the release and the Deployment against the
GitHub API stand-in, and the folder target switched.

What stands in, and what it hides: no Docker daemon runs here, so `docker` is a script that
checks what the image step hands it (a build context holding the Dockerfile, the package and
mlci's wheels; the token on stdin, never in the arguments) and records it; whether the
Dockerfile builds and the image serves is not run. actions/checkout, setup-python and cache
are stand-ins unless their code is on this machine (see tests/e2e/test_act.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mlci.delivery.folder import served_version
from tests.e2e.git_server import GitServer
from tests.e2e.test_act import REPOSITORY, TOKEN, Project, _log
from tests.publish.github_server import FakeGitHub

pytestmark = pytest.mark.slow

# Checks what the generated image step hands docker, as far as can be without a daemon.
DOCKER = """\
#!/bin/sh
set -eu
log="$MLCI_DOCKER_LOG"
case "$1" in
  build)
    context="$4"
    test -f "$context/Dockerfile" && test -f "$context/package/package.json"
    ls "$context/wheels" | grep -q '^mlci-.*\\.whl$'
    grep -q '^FROM python:' "$context/Dockerfile"
    echo "build $3" >> "$log" ;;
  login)
    token="$(cat)"
    test "$token" = "$MLCI_EXPECTED_TOKEN"
    echo "login $2 $4 --password-stdin" >> "$log" ;;
  push|logout) echo "$*" >> "$log" ;;
  *) echo "unexpected docker $*" >&2; exit 2 ;;
esac
"""


def _dispatch(stage: str) -> dict[str, object]:
    return {
        "inputs": {"stage": stage},
        "ref": "refs/heads/main",
        "repository": {"full_name": REPOSITORY, "name": "demo", "owner": {"login": "acme"}},
    }


def _tag_push(tag: str, commit: str) -> dict[str, object]:
    return {
        "ref": f"refs/tags/{tag}",
        "after": commit,
        "repository": {"full_name": REPOSITORY, "name": "demo", "owner": {"login": "acme"}},
    }


@pytest.fixture
def promoted(tmp_path: Path, mlci_wheel: Path) -> tuple[Project, Path]:
    demo = Project(tmp_path, mlci_wheel.parent)
    demo.run(
        sys.executable, "-m", "mlci", "init", "demo", "--example", "iris", "--yes", cwd=tmp_path
    )
    served = tmp_path / "served"
    spec = demo.root / "mlci.yaml"
    files = "  files: [models/model.skops, models/metadata.json]\n"
    text = spec.read_text()
    assert files in text
    targets = f"  targets:\n    staging:\n      - folder: {served}\n"
    spec.write_text(text.replace(files, files + targets))
    demo.mlci("generate")
    demo.mlci("run")
    demo.commit("the example, reproduced")
    demo.mlci("register")
    demo.mlci("promote", "--to", "staging")
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "docker").write_text(DOCKER)
    (tools / "docker").chmod(0o755)
    demo.extra_path = f"{tools}:"
    return demo, served


def _docker_log(demo: Project) -> list[str]:
    log = demo.base / "docker.log"
    return log.read_text().splitlines() if log.exists() else []


def test_a_stage_is_deployed_by_hand_and_by_its_tag(promoted: tuple[Project, Path]) -> None:
    demo, served = promoted
    docker = [
        "--env",
        f"MLCI_DOCKER_LOG={demo.base / 'docker.log'}",
        "--env",
        f"MLCI_EXPECTED_TOKEN={TOKEN}",
        "-W",
        ".github/workflows/mlci-deploy.yml",
    ]
    with FakeGitHub(token=TOKEN) as github, GitServer(demo.base / "forge") as forge:
        forge.publish(REPOSITORY)
        # act's run id is 1: the environment's reviewer, as GitHub would answer for the run.
        github.approvals[1] = [
            {
                "state": "approved",
                "comment": "ship it",
                "user": {"login": "reviewer"},
                "environments": [{"name": "staging"}],
            }
        ]
        run = demo.run_act(
            "workflow_dispatch", _dispatch("staging"), github.url, forge.url, demo.root, *docker
        )
        assert run.returncode == 0, _log(run)
        log = run.stdout
        assert "deploy model v0.1.0" in log and "to staging in the environment staging" in log
        assert "Successfully installed" in log and "mlci-" in log  # the generated install
        assert "smoke test of model v0.1.0 passed" in log
        assert served_version(served) == "v0.1.0"

        (release,) = github.releases[REPOSITORY]
        assert release["tag_name"] == "model@v0.1.0"
        (asset,) = github.assets[release["id"]]
        assert asset["name"] == "model-v0.1.0.tar.gz"
        (deployment,) = github.deployments[REPOSITORY]
        assert deployment["environment"] == "staging"
        assert deployment["payload"]["version"] == "v0.1.0"
        assert deployment["payload"]["evidence"]["stage"] == "staging"
        assert deployment["payload"]["approved_by"] == [{"login": "reviewer", "comment": "ship it"}]
        assert [s["state"] for s in github.statuses[deployment["id"]]] == ["success"]

        image = "ghcr.io/acme/demo/model:v0.1.0"
        assert _docker_log(demo) == [
            f"build {image}",
            "login ghcr.io nektos/act --password-stdin",
            f"push {image}",
            "logout ghcr.io",
        ]

        # A second version promoted, and its stage tag pushed: the tag's run deploys it.
        params = demo.root / "params.yaml"
        params.write_text(params.read_text().replace("max_iter: 1000", "max_iter: 2000"))
        demo.mlci("run")
        demo.commit("more iterations")
        demo.mlci("register")
        demo.mlci("promote", "--to", "staging")
        tag = demo.run(
            "git", "tag", "--points-at", "HEAD", "--list", "model#staging#*"
        ).stdout.split()[-1]
        pushed = demo.run_act(
            "push", _tag_push(tag, demo.head()), github.url, forge.url, demo.root, *docker
        )
        assert pushed.returncode == 0, _log(pushed)
        assert served_version(served) == "v0.1.1"
        assert [d["payload"]["version"] for d in github.deployments[REPOSITORY]] == [
            "v0.1.0",
            "v0.1.1",
        ]
        switches = (served / "deployments.jsonl").read_text().splitlines()
        assert [json.loads(line)["version"] for line in switches] == ["v0.1.0", "v0.1.1"]
