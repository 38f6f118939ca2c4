"""Writing files so that an interrupted run never leaves one half-written."""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath

# Generated files are kilobytes; anything far larger is not one of mlci's.
MAX_OWNED_BYTES = 4 << 20


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_text_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def owned_path_problem(root: Path, relative: str) -> str | None:
    """Why `relative` cannot be a file mlci reads and writes as its own, or None.

    Its own files lie inside the repository, in real folders (a symlinked `.github/workflows`
    would make mlci write elsewhere), and are regular files of a sane size (never a link, a
    FIFO, a device: `/dev/zero` read as a workflow would never end).
    """
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or ".." in path.parts:
        return "lies outside the repository"
    folder = root
    for part in path.parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            return (
                f"its folder {folder.relative_to(root).as_posix()} is a symbolic link; mlci "
                "writes only inside the repository's own folders"
            )
    target = root / relative
    if target.is_symlink():
        return "is a symbolic link; mlci reads and writes no links"
    if target.exists() and not target.is_file():
        return "is not a regular file"
    if target.is_file() and target.stat().st_size > MAX_OWNED_BYTES:
        return f"is larger than {MAX_OWNED_BYTES} bytes: not a file mlci wrote"
    return None


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        Path(temporary).chmod(mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def unified_diff(old: str | None, new: str | None, name: str) -> str:
    lines = difflib.unified_diff(
        (old or "").splitlines(keepends=True),
        (new or "").splitlines(keepends=True),
        fromfile=f"a/{name}" if old is not None else "/dev/null",
        tofile=f"b/{name}" if new is not None else "/dev/null",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
