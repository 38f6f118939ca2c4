"""Read many files at many revisions through one `git cat-file --batch` process.

Reading metrics along 300 commits with one `git show` each costs 300 process starts; one
batch process answers the same questions in a few milliseconds.

Trees are read through the same process, by mlci.gittrees.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from mlci.errors import UsageError

_CHUNK = 1 << 20
# Requests up to this size are written before reading, without a writer thread: a pipe holds
# 64 KiB, so git can never be waiting on us to read while we wait on it to read.
_DIRECT_WRITE = 16 << 10


@dataclass(frozen=True)
class Oversized:
    """A blob larger than the reader asked for: its content was skipped, never held."""

    size: int


@dataclass(frozen=True)
class GitObject:
    oid: str
    kind: str  # blob, tree
    content: bytes | Oversized


class GitObjects:
    """Files at revisions, read through one long-lived `git cat-file --batch`.

    Paths are relative to `root`, which may be a folder inside the git work tree.
    """

    def __init__(self, root: Path) -> None:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True
        )
        if top.returncode != 0:
            raise UsageError(f"{root} is not inside a git repository")
        prefix = root.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
        self._prefix = "" if prefix == "." else prefix + "/"
        self._process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def read(self, revision: str, path: str) -> bytes | None:
        """The file's content at `revision`, or None when it does not exist there."""
        return self.read_many([(revision, path)])[0]

    def read_many(self, requests: Sequence[tuple[str, str]]) -> list[bytes | None]:
        """Contents for (revision, path) pairs, in order; None where a file is absent."""
        return [
            found if not isinstance(found, Oversized) else None
            for found in self.read_bounded(requests, max_bytes=None)
        ]

    def read_bounded(
        self, requests: Sequence[tuple[str, str]], max_bytes: int | None
    ) -> list[bytes | Oversized | None]:
        """Like read_many, but a blob over `max_bytes` is skipped: a commit may hold a file
        of gigabytes under a name mlci reads (`metrics.json`), and only its size is kept."""
        lines = [self._request(revision, path) for revision, path in requests]
        found = self._ask(lines, max_bytes, kinds=(b"blob",))
        return [item.content if item is not None else None for item in found]

    def read_objects(
        self, names: Sequence[str], max_bytes: int | None, kinds: tuple[bytes, ...] = (b"tree",)
    ) -> list[GitObject | None]:
        """Objects by name (an id, or `rev:path` relative to the work tree's top, with no
        project prefix), in order; None where the object is missing or of another kind."""
        lines = [self._line(name) for name in names]
        return self._ask(lines, max_bytes, kinds=kinds)

    def root_tree(self, revision: str) -> str:
        """The name of the project folder's tree at `revision`, for read_objects."""
        return f"{revision}:{self._prefix}"

    def _ask(
        self, lines: list[bytes], max_bytes: int | None, kinds: tuple[bytes, ...]
    ) -> list[GitObject | None]:
        if sum(map(len, lines)) <= _DIRECT_WRITE:
            self._write(lines)
            return [self._response(max_bytes, kinds) for _ in lines]
        # Write from a thread: git answers while we ask, and a full pipe would block both.
        writer = threading.Thread(target=self._write, args=(lines,), daemon=True)
        writer.start()
        results = [self._response(max_bytes, kinds) for _ in lines]
        writer.join()
        return results

    def _request(self, revision: str, path: str) -> bytes:
        return self._line(f"{revision}:{self._prefix}{path}")

    def _line(self, name: str) -> bytes:
        if "\n" in name:
            raise UsageError("revisions and paths cannot contain line breaks")
        return f"{name}\n".encode()

    def _write(self, lines: Iterable[bytes]) -> None:
        assert self._process.stdin is not None
        for line in lines:
            self._process.stdin.write(line)
        self._process.stdin.flush()

    def _response(self, max_bytes: int | None, kinds: tuple[bytes, ...]) -> GitObject | None:
        assert self._process.stdout is not None
        header = self._process.stdout.readline()
        if not header:
            raise UsageError("git cat-file stopped unexpectedly")
        if header.endswith((b" missing\n", b" ambiguous\n")):
            return None  # "<name> missing": the name, which may hold spaces, comes first
        parts = header.split()
        if len(parts) != 3 or not parts[2].isdigit():
            raise UsageError(f"git cat-file answered {header[:200]!r}, not an object header")
        if parts[1] not in kinds:
            self._skip(int(parts[2]) + 1)  # a tree or a commit where a file was asked
            return None
        oid, kind, size = parts[0].decode(), parts[1].decode(), int(parts[2])
        if max_bytes is not None and size > max_bytes:
            self._skip(size + 1)
            return GitObject(oid, kind, Oversized(size))
        content = self._process.stdout.read(size)
        self._process.stdout.read(1)  # the newline after each object
        return GitObject(oid, kind, content)

    def _skip(self, size: int) -> None:
        """Read past `size` bytes in chunks, so a huge object never sits in memory whole."""
        assert self._process.stdout is not None
        while size > 0:
            chunk = self._process.stdout.read(min(size, _CHUNK))
            if not chunk:
                raise UsageError("git cat-file stopped unexpectedly")
            size -= len(chunk)

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()

    def __enter__(self) -> GitObjects:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
