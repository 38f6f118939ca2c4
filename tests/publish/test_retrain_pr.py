"""`mlci retrain-pr` with real git: the retraining's changes committed on a branch of their
own, pushed with the token to a git server that demands it, and one pull request opened
against the API stand-in; nothing changed, nothing pushed or opened."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mlci.errors import UsageError
from mlci.spec.load import load_project
from mlci.usecases.retrain_pr import open_retrain_pr
from tests.conftest import MINIMAL_SPEC
from tests.e2e.git_server import GitServer
from tests.publish.github_server import FakeGitHub

TOKEN = "ghs_retraintoken0123456789abcdef"
REPO = "acme/churn"


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> tuple[Path, GitServer]:
    forge = GitServer(tmp_path / "forge", token=TOKEN)
    bare = forge.publish(REPO)
    root = tmp_path / "work"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "mlci.yaml").write_text(MINIMAL_SPEC + "deploy:\n  model: churn\n")
    for name in ("prepare.py", "train.py", "data/raw.csv", "dvc.lock", "params.yaml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(
            "prepare: {seed: 1}\ntrain: {}\n" if name == "params.yaml" else f"{name}\n"
        )
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    _git(bare, "fetch", "-q", str(root), "main:main")
    with forge:
        _git(root, "remote", "add", "origin", f"{forge.url}/{REPO}")
        yield root, forge


def _environ(github: FakeGitHub, forge: GitServer) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": github.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SERVER_URL": forge.url,
        "GITHUB_RUN_ID": "4242",
    }


def _record_git_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a git first on PATH that writes down its arguments, then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    tools, log = tmp_path / "tools", tmp_path / "git-arguments.log"
    tools.mkdir()
    (tools / "git").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (tools / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    return log


def test_a_retraining_is_pushed_and_proposed_once(
    checkout: tuple[Path, GitServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, forge = checkout
    arguments = _record_git_arguments(tmp_path, monkeypatch)
    spec = load_project(root / "mlci.yaml").spec
    (root / "dvc.lock").write_text("fresh data, new model\n")
    (root / "scratch.txt").write_text("untracked: not part of the retraining\n")
    with FakeGitHub(token=TOKEN) as github:
        said = open_retrain_pr(root, spec, "churn v0.1.0 in prod drifts", _environ(github, forge))
        assert said == f"opened https://github.test/{REPO}/pull/1001 from mlci/retrain-4242-1"
        (pull,) = github.pulls[REPO]
        assert pull["head"]["ref"] == "mlci/retrain-4242-1" and pull["base"]["ref"] == "main"
        assert "churn v0.1.0 in prod drifts" in pull["body"]
    bare = forge.root / f"{REPO}.git"
    pushed = _git(bare, "show", "--stat", "--format=%an <%ae>%n%s", "mlci/retrain-4242-1")
    assert pushed.startswith("github-actions[bot] <41898282+github-actions[bot]@users")
    assert "Retrain churn on fresh data" in pushed
    assert "dvc.lock" in pushed and "scratch.txt" not in pushed
    # The token travelled in git's environment only: on no command line, in no config.
    pushes = [line for line in arguments.read_text().splitlines() if line.startswith("push")]
    assert pushes == ["push -q origin HEAD:refs/heads/mlci/retrain-4242-1"]
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert TOKEN not in arguments.read_text() and basic not in arguments.read_text()
    assert TOKEN not in (root / ".git" / "config").read_text()


def test_nothing_changed_opens_nothing(checkout: tuple[Path, GitServer]) -> None:
    root, forge = checkout
    spec = load_project(root / "mlci.yaml").spec
    with FakeGitHub(token=TOKEN) as github:
        said = open_retrain_pr(root, spec, "", _environ(github, forge))
        assert said.startswith("nothing changed")
        assert REPO not in github.pulls
    assert _git(forge.root / f"{REPO}.git", "branch", "--list", "mlci/*") == ""


def test_a_refused_push_says_so_without_the_token(checkout: tuple[Path, GitServer]) -> None:
    root, forge = checkout
    spec = load_project(root / "mlci.yaml").spec
    (root / "dvc.lock").write_text("changed\n")
    with FakeGitHub(token=TOKEN) as github:
        environ = {**_environ(github, forge), "GITHUB_TOKEN": "ghs_wrongtoken000000000000000"}
        with pytest.raises(UsageError, match="git push failed") as raised:
            open_retrain_pr(root, spec, "", environ)
        assert "ghs_wrongtoken" not in str(raised.value)
        assert REPO not in github.pulls
