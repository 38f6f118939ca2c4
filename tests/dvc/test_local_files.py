"""The status computation reads only regular files inside the repository, within caps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlci.dvc.dvcignore import DvcIgnore
from mlci.dvc.local_files import read_capped
from mlci.dvc.stage_schema import repo_path
from mlci.dvc.unsupported import Unsupported
from mlci.dvc.workspace import Workspace


def test_links_fifos_and_files_outside_are_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    root = tmp_path / "repo"
    (root / "dir").mkdir(parents=True)
    (root / "link").symlink_to(outside)
    (root / "dir-link").symlink_to(tmp_path)
    os.mkfifo(root / "fifo")
    workspace = Workspace(root, DvcIgnore([]))
    for path in ("link", "dir-link/secret.txt", "fifo"):
        with pytest.raises(Unsupported):
            workspace.kind(path)
    for path in (
        "../secret.txt",
        "/etc/passwd",
        "s3://bucket/x",
        "remote://r/x",
        "~/x",
        "dvc.yaml",
    ):
        with pytest.raises(Unsupported):
            repo_path(".", path)
    with pytest.raises(Unsupported):
        read_capped(root / "link", "link")


def test_a_dvc_file_over_the_readers_cap_is_left_to_dvc(tmp_path: Path) -> None:
    """dvc.lock is the pull request's: one of gigabytes is never read whole by mlci."""
    from mlci.document_caps import MAX_BYTES

    lock = tmp_path / "dvc.lock"
    with lock.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: no disk used
    with pytest.raises(Unsupported, match="larger than mlci's cap"):
        read_capped(lock, "dvc.lock")
