"""The monitor warns before GitHub stops its schedule: 60 days without a commit."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from mlci.usecases.monitor_upkeep import idle_warning

DAY = 86_400


def _repo(root: Path, committed: float) -> None:
    root.mkdir()
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "GIT_COMMITTER_DATE": f"@{int(committed)} +0000",
    }
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    (root / "f").write_text("x")
    subprocess.run(["git", "add", "f"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "x"], cwd=root, check=True, env=env)


def test_a_branch_idle_for_fifty_days_gets_the_warning(tmp_path: Path) -> None:
    now = time.time()
    _repo(tmp_path / "idle", now - 55 * DAY)
    said = idle_warning(tmp_path / "idle", "main", now)
    assert said is not None and said.startswith("No commit on main for 55 days")
    _repo(tmp_path / "busy", now - 3 * DAY)
    assert idle_warning(tmp_path / "busy", "main", now) is None
    assert idle_warning(tmp_path / "busy", "no-such-branch", now) is None
