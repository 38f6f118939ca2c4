"""Write a set of files all or nothing, one writer at a time.

Each file alone is written atomically (a temporary file renamed over it), but `mlci generate`
writes several that belong together (dvc.yaml, the workflows, the manifest): an interrupted
run must leave either the old set or the new one. So every new content is first staged in a
temporary file beside its target, then a journal naming every rename and deletion is written
(atomically), then they are carried out and the journal removed. A run that finds a journal
finishes what it lists before planning anything (even `--check`: a committed set is always
finished, never judged half-written); staged files without a journal belong to a run that
stopped before committing, and are removed. A lock keeps two writers apart.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mlci.errors import CheckFailed
from mlci.files import write_atomic

STAGED_SUFFIX = ".mlci-staged"
LOCK_WAIT_SECONDS = 60.0


def state_dir(root: Path) -> Path:
    """Where the lock and the journal live: inside .git, so they are never committed."""
    dot_git = root / ".git"
    if dot_git.is_file():  # a worktree or submodule: `gitdir: <path>`
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            dot_git = (root / text.removeprefix("gitdir:").strip()).resolve()
    if dot_git.is_dir():
        return dot_git / "mlci"
    return root / ".mlci" / ".state"  # not a git repository: nothing to commit it by mistake


@contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """Hold mlci's write lock for `root`, waiting a while for another run to finish."""
    path = state_dir(root) / "generate.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CheckFailed(
                        f"another mlci is writing this repository's generated files (it holds "
                        f"{path}); wait for it to finish and run again"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_set(root: Path, writes: Mapping[str, str], deletes: list[str]) -> None:
    """Replace `writes` (path -> text) and remove `deletes`, all or nothing."""
    with exclusive(root):
        recover(root)
        staged: list[tuple[str, str]] = []
        try:
            for relative, text in writes.items():
                temporary = f"{relative}{STAGED_SUFFIX}"
                write_atomic(root / temporary, text)
                staged.append((temporary, relative))
        except BaseException:
            for temporary, _ in staged:
                (root / temporary).unlink(missing_ok=True)
            raise
        # The commit point: from here on, a rerun finishes the job instead of undoing it.
        journal = state_dir(root) / "generate.journal"
        write_atomic(journal, json.dumps({"renames": staged, "deletes": deletes}))
        _carry_out(root, staged, deletes)


def finish_interrupted(root: Path) -> None:
    """`recover`, under the lock; a no-op (and no lock taken) when nothing was interrupted."""
    if (state_dir(root) / "generate.journal").exists() or _staged(root):
        with exclusive(root):
            recover(root)


def _staged(root: Path) -> list[Path]:
    return [
        leftover
        for folder in (root, root / ".mlci", root / ".github" / "workflows")
        if folder.is_dir() and not folder.is_symlink()
        for leftover in folder.glob(f"*{STAGED_SUFFIX}")
    ]


def recover(root: Path) -> None:
    """Finish a set an interrupted run committed to; drop what one staged but never did."""
    journal = state_dir(root) / "generate.journal"
    if journal.is_file():
        entries = json.loads(journal.read_text(encoding="utf-8"))
        renames = [(str(a), str(b)) for a, b in entries.get("renames", [])]
        _carry_out(root, renames, [str(d) for d in entries.get("deletes", [])])
    for leftover in _staged(root):
        leftover.unlink(missing_ok=True)


def _carry_out(root: Path, renames: list[tuple[str, str]], deletes: list[str]) -> None:
    for temporary, target in renames:
        if (root / temporary).exists():
            (root / temporary).replace(root / target)
    for target in deletes:
        (root / target).unlink(missing_ok=True)
    (state_dir(root) / "generate.journal").unlink(missing_ok=True)
