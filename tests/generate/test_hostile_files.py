"""A pull request edits files mlci reads; mlci still only touches what it owns.

Each test performs the attack for real: a manifest listing other people's files, symlinks
out of the tree, a FIFO where a workflow should be, symlinked output folders.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from mlci.files import sha256_text
from tests.conftest import Repo, Result

MANIFEST = ".mlci/manifest.json"
PR = ".github/workflows/mlci-pr.yml"


def _list_in_manifest(project: Repo, paths: dict[str, str]) -> None:
    """Edit the committed manifest as a pull request could: these paths, their true digests."""
    manifest = json.loads(project.read(MANIFEST))
    manifest["files"].update({path: sha256_text(text) for path, text in paths.items()})
    project.write({MANIFEST: json.dumps(manifest)})


@pytest.mark.parametrize("force", [False, True])
def test_a_manifest_cannot_make_generate_delete_files_mlci_does_not_own(
    project: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str], force: bool
) -> None:
    assert project.mlci("generate", capsys=capsys).code == 0
    outside = tmp_path / "outside" / "x"
    outside.parent.mkdir()
    outside.write_text("not yours\n")
    victims = {
        "train.py": project.read("train.py"),
        ".github/workflows/ci.yml": "name: ci\n",
        ".github/workflows/mlci-old.yml": "name: mine, no header\n",
    }
    project.write({".github/workflows/ci.yml": victims[".github/workflows/ci.yml"]})
    project.write({".github/workflows/mlci-old.yml": victims[".github/workflows/mlci-old.yml"]})
    _list_in_manifest(
        project,
        {**victims, "../outside/x": "not yours\n", str(outside): "not yours\n"},
    )
    for command in (["generate", "--check"], ["generate", "--diff"]):
        shown = project.mlci(*command, capsys=capsys)
        assert "not yours" not in shown.out + shown.err  # their content is never printed
    result = project.mlci("generate", *(["--force"] if force else []), capsys=capsys)
    assert result.code == 0, result.err
    assert "deleted" not in result.out
    assert outside.read_text() == "not yours\n"
    for path, text in victims.items():
        assert project.read(path) == text


def test_a_fifo_or_a_link_to_a_device_is_never_read(
    project: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert project.mlci("generate", capsys=capsys).code == 0
    workflows = project.root / ".github" / "workflows"
    os.mkfifo(workflows / "mlci-fifo.yml")
    (workflows / "mlci-zero.yml").symlink_to("/dev/zero")
    _list_in_manifest(
        project, {".github/workflows/mlci-fifo.yml": "", ".github/workflows/mlci-zero.yml": ""}
    )
    (project.root / PR).unlink()
    (project.root / PR).symlink_to("/dev/zero")
    results: list[Result] = []
    worker = threading.Thread(
        target=lambda: results.append(project.mlci("generate", capsys=capsys)), daemon=True
    )
    worker.start()
    worker.join(timeout=20)
    assert results, "mlci generate hung reading a FIFO or /dev/zero"
    (result,) = results
    assert result.code == 1
    assert f"{PR}: is a symbolic link; mlci reads and writes no links" in result.err
    assert (workflows / "mlci-fifo.yml").exists() and (workflows / "mlci-zero.yml").is_symlink()
    assert (project.root / PR).is_symlink()  # refused, neither replaced nor followed


def test_generate_never_writes_through_a_symlinked_folder(
    project: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project.root / ".github").mkdir()
    (project.root / ".github" / "workflows").symlink_to(elsewhere)
    result = project.mlci("generate", capsys=capsys)
    assert result.code == 1
    assert "its folder .github/workflows is a symbolic link" in result.err
    assert list(elsewhere.iterdir()) == []
    assert not (project.root / "dvc.yaml").exists()  # all or nothing

    (project.root / ".github" / "workflows").unlink()
    (project.root / ".mlci").symlink_to(elsewhere)
    refused = project.mlci("generate", capsys=capsys)
    assert refused.code == 2 and ".mlci/manifest.json its folder .mlci is a symbolic link" in (
        refused.err
    )
    assert list(elsewhere.iterdir()) == []


def test_an_md5_in_dvc_lock_never_becomes_a_path_out_of_the_cache(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = repo.root.parent / "outside" / "metrics.json"
    secret.parent.mkdir()
    secret.write_text('{"accuracy": 0.123456}')
    # Four folders down from the root (.dvc/cache/files/md5), so five `..` leave it.
    escape = "./" + "../" * 5 + "outside/metrics.json"
    repo.write(
        {
            "dvc.yaml": "stages:\n  train:\n    cmd: echo\n    metrics:\n"
            "      - metrics.json:\n          cache: true\n",
            "dvc.lock": "schema: '2.0'\nstages:\n  train:\n    cmd: echo\n    outs:\n"
            f"    - path: metrics.json\n      hash: md5\n      md5: {escape}\n",
        }
    )
    (repo.root / ".dvc" / "cache" / "files" / "md5").mkdir(parents=True)
    assert (repo.root / ".dvc/cache/files/md5" / escape[:2] / escape[2:]).resolve() == secret
    repo.commit()
    result = repo.mlci("diff", "HEAD", "--format", "json", capsys=capsys)
    assert "0.123456" not in result.out + result.err
    assert "which is not an md5 (32 hex digits)" in result.out


# --- all or nothing ----------------------------------------------------------------------------


def _generated(project: Repo) -> dict[str, str]:
    names = ["dvc.yaml", MANIFEST, PR, ".github/workflows/mlci-main.yml"]
    return {name: project.read(name) for name in names}


def _leftovers(project: Repo) -> list[str]:
    return sorted(
        p.relative_to(project.root).as_posix()
        for p in project.root.rglob("*")
        if p.name.endswith((".tmp", ".mlci-staged")) and ".git" not in p.parts
    )


def test_an_interrupted_generate_leaves_the_old_set_or_finishes_the_new_one(
    project: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlci.generate import write_set

    assert project.mlci("generate", capsys=capsys).code == 0
    old = _generated(project)
    spec = project.read("mlci.yaml").replace("cmd: python train.py", "cmd: python train.py --v2")
    project.write({"mlci.yaml": spec})

    # Stopped while staging: nothing committed, the old set stays whole.
    real_write = write_set.write_atomic
    calls = iter(range(100))

    def stop_on_second(path: Path, text: str) -> None:
        if next(calls) == 1:
            raise KeyboardInterrupt
        real_write(path, text)

    monkeypatch.setattr(write_set, "write_atomic", stop_on_second)
    assert project.mlci("generate", capsys=capsys).code == 130
    assert _generated(project) == old and _leftovers(project) == []

    # Stopped after the commit point, one rename done: the next run finishes the set.
    monkeypatch.setattr(write_set, "write_atomic", real_write)
    real_replace = Path.replace
    renames = iter(range(100))

    def stop_after_first(self: Path, target: Path) -> Path:
        # Only the renames of staged files into place count (staging renames too).
        if self.name.endswith(".mlci-staged") and next(renames) == 1:
            raise KeyboardInterrupt
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", stop_after_first)
    assert project.mlci("generate", capsys=capsys).code == 130
    monkeypatch.setattr(Path, "replace", real_replace)
    assert _generated(project) != old  # a mix, for now: the journal says how to finish
    again = project.mlci("generate", capsys=capsys)
    assert again.code == 0, again.err
    assert "everything is up to date" in again.out  # the rerun only had to finish the set
    assert "cmd: python train.py --v2" in project.read("dvc.yaml")
    assert project.mlci("generate", "--check", capsys=capsys).code == 0
    assert _leftovers(project) == []


def test_a_second_generate_waits_for_the_first(project: Repo) -> None:
    import subprocess
    import sys
    import time

    from mlci.generate.write_set import exclusive

    with exclusive(project.root):
        other = subprocess.Popen(
            [sys.executable, "-m", "mlci", "-C", str(project.root), "generate"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)
        assert other.poll() is None  # waiting for the lock, not writing
        assert not (project.root / "dvc.yaml").exists()
    _, err = other.communicate(timeout=60)
    assert other.returncode == 0, err
    assert (project.root / "dvc.yaml").exists()
