"""`mlci report` end to end: a real pull request on the example project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Result

pytestmark = pytest.mark.slow


def mlci(cwd: Path, *args: str, env: dict[str, str]) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "mlci", *args], cwd=cwd, capture_output=True, text=True, env=env
    )
    return Result(done.returncode, done.stdout, done.stderr)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_report_on_a_pull_request(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    assert mlci(tmp_path, "init", "demo", "--example", "iris", "--commit", env=env).code == 0
    demo = tmp_path / "demo"
    assert mlci(demo, "run", env=env).code == 0
    git(demo, "add", "-A")
    git(demo, "commit", "-qm", "results on main")
    git(demo, "checkout", "-qb", "change")
    params = (demo / "params.yaml").read_text()
    (demo / "params.yaml").write_text(params.replace("max_iter: 1000", "max_iter: 3"))
    assert mlci(demo, "run", env=env).code == 0

    report = mlci(demo, "report", env=env)
    assert report.code == 0, report.err
    lines = report.out.splitlines()
    assert lines[0] == "<!-- mlci-report -->"
    assert lines[1].startswith(("**✅ mlci: passed**", "**❌ mlci: failed**"))
    assert "| accuracy |" in report.out
    assert "train.hyperparameters.sklearn.linear_model.LogisticRegression.max_iter" in report.out
    assert "```mermaid" in report.out  # the trend and the curves, with no image hosting

    as_json = json.loads(mlci(demo, "report", "--format", "json", env=env).out)
    assert as_json["comparison"]["base"]["label"] == "main"

    # Outside GitHub Actions, --publish sends nothing and says so.
    published = mlci(demo, "report", "--publish", "--output", str(tmp_path / "r.md"), env=env)
    assert published.code == 0, published.err
    assert (tmp_path / "r.md").read_text().startswith("<!-- mlci-report -->")
    assert "GitHub Actions" in published.err
