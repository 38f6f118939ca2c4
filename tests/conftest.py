"""Shared fixtures: real temporary git repositories and a way to run the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlci.cli.main import main

# A small, valid project: three stages, two metrics, a merge gate.
MINIMAL_SPEC = """\
version: 1
problem:
  task: classification
  target: label
stages:
  prepare:
    cmd: python prepare.py
    deps: [prepare.py, data/raw.csv]
    params: [prepare.seed]
    outs: [data/prepared.csv]
  train:
    cmd: python train.py
    deps: [train.py, data/prepared.csv]
    params: [train]
    outs: [model.bin]
    metrics: [metrics.json]
metrics:
  accuracy:
    file: metrics.json
    direction: higher
  loss:
    file: metrics.json
    direction: lower
gates:
  merge:
    - metric: accuracy
      min: 0.8
"""

PROJECT_FILES = {
    "prepare.py": "print('prepare')\n",
    "train.py": "print('train')\n",
    "data/raw.csv": "a,label\n1,0\n",
    "params.yaml": "prepare:\n  seed: 1\ntrain:\n  lr: 0.1\n",
}


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Repo:
    """A real git repository in a temporary directory."""

    root: Path

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text)

    def read(self, name: str) -> str:
        return (self.root / name).read_text()

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True
        ).stdout

    def commit(self, files: dict[str, str] | None = None, message: str = "change") -> str:
        if files:
            self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def mlci(self, *args: str, capsys: pytest.CaptureFixture[str]) -> Result:
        """Run the CLI in-process (fast), from the repository root."""
        capsys.readouterr()
        code = main(["-C", str(self.root), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def mlci_process(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run the CLI as a separate process, as a user or CI would."""
        done = subprocess.run(
            [sys.executable, "-m", "mlci", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for key, value in (("user.name", "mlci tests"), ("user.email", "tests@mlci.invalid")):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    monkeypatch.chdir(root)  # main(-C) changes directory; restore it after each test
    return Repo(root)


@pytest.fixture
def project(repo: Repo) -> Repo:
    """A git repository holding MINIMAL_SPEC and the files it refers to."""
    repo.write({**PROJECT_FILES, "mlci.yaml": MINIMAL_SPEC})
    return repo


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files under tests/golden from the current output",
    )


GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Compare text with tests/golden/NAME; rewrite it only under --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            return
        assert path.exists(), f"no golden file {name}; run pytest --update-golden once"
        assert text == path.read_text(), f"{name} differs from its golden file"

    return check


class Workspace:
    """A temporary home for projects, with the local DVC remotes kept inside it."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.env = {
            **os.environ,
            "XDG_DATA_HOME": str(base / "xdg"),
            "GIT_AUTHOR_NAME": "mlci tests",
            "GIT_AUTHOR_EMAIL": "tests@mlci.invalid",
            "GIT_COMMITTER_NAME": "mlci tests",
            "GIT_COMMITTER_EMAIL": "tests@mlci.invalid",
        }

    def mlci(self, *args: str, cwd: Path | None = None) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "mlci", *args],
            cwd=cwd or self.base,
            capture_output=True,
            text=True,
            env=self.env,
            stdin=subprocess.DEVNULL,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=self.env)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def outcomes(output: str) -> dict[str, str]:
    """Stage name -> outcome, from the lines `mlci run` prints."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("ran", "skipped", "restored", "failed"):
            found[parts[1]] = parts[0]
    return found


REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mlci_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel of this checkout, built as the release workflow builds them."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(out)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def mlci_wheel(mlci_dist: Path) -> Path:
    (wheel,) = mlci_dist.glob("mlci-*.whl")
    return wheel
