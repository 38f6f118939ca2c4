"""Read many files at many revisions through one `git cat-file --batch` process.

Reading metrics along 300 commits with one `git show` each costs 300 process starts; one
batch process answers the same questions in a few milliseconds.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

from mlci.errors import UsageError


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
        lines = [self._request(revision, path) for revision, path in requests]
        # Write from a thread: git answers while we ask, and a full pipe would block both.
        writer = threading.Thread(target=self._write, args=(lines,), daemon=True)
        writer.start()
        results = [self._response() for _ in lines]
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

    def _response(self) -> bytes | None:
        assert self._process.stdout is not None
        header = self._process.stdout.readline()
        if not header:
            raise UsageError("git cat-file stopped unexpectedly")
        parts = header.split()
        if len(parts) != 3 or parts[1] != b"blob":
            # "<name> missing", "<name> ambiguous", or a tree/commit where a file was asked.
            if len(parts) == 3:
                self._process.stdout.read(int(parts[2]) + 1)
            return None
        content = self._process.stdout.read(int(parts[2]))
        self._process.stdout.read(1)  # the newline after each object
        return content

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
