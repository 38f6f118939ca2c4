"""Read many files at many revisions through one `git cat-file --batch` process.

Reading metrics along 300 commits with one `git show` each costs 300 process starts; one
batch process answers the same questions in a few milliseconds.
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


@dataclass(frozen=True)
class Oversized:
    """A blob larger than the reader asked for: its content was skipped, never held."""

    size: int


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
        # Write from a thread: git answers while we ask, and a full pipe would block both.
        writer = threading.Thread(target=self._write, args=(lines,), daemon=True)
        writer.start()
        results = [self._response(max_bytes) for _ in lines]
        writer.join()
        return results

    def _request(self, revision: str, path: str) -> bytes:
        if "\n" in revision or "\n" in path:
            raise UsageError("revisions and paths cannot contain line breaks")
        return f"{revision}:{self._prefix}{path}\n".encode()

    def _write(self, lines: Iterable[bytes]) -> None:
        assert self._process.stdin is not None
        for line in lines:
            self._process.stdin.write(line)
        self._process.stdin.flush()

    def _response(self, max_bytes: int | None) -> bytes | Oversized | None:
        assert self._process.stdout is not None
        header = self._process.stdout.readline()
        if not header:
            raise UsageError("git cat-file stopped unexpectedly")
        parts = header.split()
        if len(parts) != 3 or parts[1] != b"blob":
            # "<name> missing", "<name> ambiguous", or a tree/commit where a file was asked.
            if len(parts) == 3:
                self._skip(int(parts[2]) + 1)
            return None
        size = int(parts[2])
        if max_bytes is not None and size > max_bytes:
            self._skip(size + 1)
            return Oversized(size)
        content = self._process.stdout.read(size)
        self._process.stdout.read(1)  # the newline after each object
        return content

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
