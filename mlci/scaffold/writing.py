"""Write the project's files all or nothing: each write is reported, and can be undone.

`mlci init` never overwrites a file: one that exists is reported as kept. What it makes
is recorded in `Undo`, so that a failure part-way leaves nothing half-made behind.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from mlci import git
from mlci.files import read_text_or_none, write_atomic


@dataclass
class InitReport:
    """What `mlci init` did, for the CLI to print."""

    root: Path
    files: list[tuple[str, str]] = field(default_factory=list)
    """(what happened, path): created, kept, generated, updated, tracked."""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    commit: str | None = None

    def file(self, status: str, path: str) -> None:
        self.files.append((status, path))


class Undo:
    """What init made, so that a failure part-way leaves nothing half-made behind."""

    def __init__(self, root: Path, *, existed: bool) -> None:
        self.root = root
        self.existed = existed
        self._made: list[Path] = []
        self._before: dict[Path, bytes] = {}
        self._untracked: list[str] = []

    def made(self, *paths: Path) -> None:
        self._made += [p for p in paths if not p.exists() and not p.is_symlink()]

    def changes(self, path: Path) -> None:
        """`path` is about to be written: keep what it held, or note that it is new."""
        if path in self._made:
            return  # made by init itself: removing it is the undo
        if path.is_file() and not path.is_symlink():
            self._before.setdefault(path, path.read_bytes())
        else:
            self.made(path)

    def untracked_from_git(self, path: str) -> None:
        self._untracked.append(path)

    def run(self) -> None:
        if not self.existed:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for path in reversed(self._made):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        for path, content in self._before.items():
            path.write_bytes(content)
        for relative in self._untracked:
            git.track_again(self.root, relative)


def new_parents(path: Path) -> list[Path]:
    """The folders above `path` that do not exist yet, outermost first."""
    missing = [parent for parent in path.parents if not parent.exists()]
    return list(reversed(missing))


def write_new(root: Path, relative: str, text: str, report: InitReport, undo: Undo) -> None:
    path = root / relative
    if path.exists():
        report.file("kept", relative)
        return
    undo.made(*new_parents(path), path)
    write_atomic(path, text)
    report.file("created", relative)


def ensure_lines(path: Path, lines: tuple[str, ...], report: InitReport, undo: Undo) -> None:
    text = read_text_or_none(path)
    present = set((text or "").splitlines())
    missing = [line for line in lines if line not in present]
    if not missing:
        return
    undo.changes(path)
    body = (text or "") + ("" if not text or text.endswith("\n") else "\n")
    write_atomic(path, body + "\n".join(missing) + "\n")
    report.file("created" if text is None else "updated", path.name)
