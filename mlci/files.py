"""Reading files of a repository safely, and writing them so that an interrupted run never
leaves one half-written."""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from mlci.document_caps import MAX_BYTES

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


class ReadRefused(Exception):
    """A file mlci will not read; `str(error)` says why, in words that follow the file's name:
    f"{path} {error}"."""


def read_confined(root: Path, relative: str, *, stores: Sequence[Path] = ()) -> bytes | None:
    """The bytes of a file of the workspace, or None where there is no file (or a folder).

    Everything in a repository is a pull request's to choose, so a path is read only if it
    really lies inside the repository, every link followed (`metrics.json -> /etc/passwd`,
    or a folder linked to `../..`, is refused), or is an object of a DVC cache or local
    remote in `stores`, where DVC's symlink cache type points workspace files (the cache may
    be configured outside the repository: `cache.dir`). It must be a regular file of at most
    MAX_BYTES: a FIFO or `/dev/zero` would never end. Raises ReadRefused.
    """
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or ".." in path.parts:
        raise ReadRefused("lies outside the repository")
    try:
        real = (root / relative).resolve()  # every link followed, in folders too
    except (OSError, RuntimeError):  # RuntimeError: a loop of links, before Python 3.13
        raise ReadRefused("is a symbolic link that leads nowhere (a loop); not read") from None
    top = root.resolve()
    if not _inside(real, top) and not _is_object(real, stores):
        raise ReadRefused(f"{_leaving(root, top, path)}; mlci reads no file outside it")
    return read_regular(real)


def read_regular(path: Path) -> bytes | None:
    """A regular file's bytes (None where there is none), never a link, FIFO or device.

    O_NOFOLLOW refuses a link put there since the caller resolved the path; O_NONBLOCK keeps
    opening a FIFO from waiting for a writer, so it can be refused. Raises ReadRefused.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:  # ELOOP: a link where none may be; EACCES
        raise ReadRefused(f"cannot be opened ({error.strerror or error})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return None
        if not stat.S_ISREG(info.st_mode):
            raise ReadRefused("is not a regular file (a FIFO, a device or a socket); not read")
        # Read one byte past the cap: a file that grows while read is caught too.
        with os.fdopen(os.dup(fd), "rb") as handle:
            content = handle.read(MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(content) > MAX_BYTES:
        raise ReadRefused(
            f"is larger than mlci's cap of {MAX_BYTES:,} bytes for a file it reads; not read"
        )
    return content


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _is_object(real: Path, stores: Sequence[Path]) -> bool:
    """True for a file of a DVC store whose path is an object's: the store is named by
    `.dvc/config`, which a pull request edits too, so only object names are readable there."""
    if not stores:
        return False
    # Imported here, not at the top: mlci.dvc.objects reads through this module, and the
    # commands that read no DVC store need not load it.
    from mlci.dvc.objects import is_object_path

    for store in stores:
        top = store.resolve()
        if _inside(real, top) and is_object_path(real.relative_to(top).as_posix()):
            return True
    return False


def _leaving(root: Path, top: Path, path: PurePosixPath) -> str:
    """Which link leads out: the file itself, or the first folder on its way."""
    folder = root
    for part in path.parts[:-1]:
        folder = folder / part
        if folder.is_symlink() and not _inside(folder.resolve(), top):
            shown = folder.relative_to(root).as_posix()
            return f"lies in {shown}, a symbolic link to a folder outside the repository"
    return "is a symbolic link leading outside the repository"


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
