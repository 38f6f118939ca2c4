"""The prediction log: every row `mlci serve` predicts, its inputs and its prediction, one
JSON line each, which `mlci monitor` reads as the current window.

The log is bounded: a file is closed at `max_bytes` and a new one begun, and only the newest
`keep` files are kept (64 MiB x 8 by default). Files are `predictions-<n>.jsonl`, `n`
counting up. One server writes a folder; its threads take turns. Reading trusts nothing in
the folder: only regular files of that name are read, newest first, and a line that is too
long or not a JSON object of the columns is skipped and counted.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 64 << 20
KEEP_FILES = 8
MAX_LINE_BYTES = 1 << 20
FILE_NAME = re.compile(r"predictions-(\d{6,12})\.jsonl")
PREDICTION = "prediction"
"""The key of a row's prediction in a log line (its inputs are under `row`)."""


def default_log_folder(package: Path, model: str, environ: dict[str, str]) -> Path:
    """Where `mlci serve` logs by default: $MLCI_PREDICTION_LOG; beside a folder target's
    versions when it serves that target's `current` (where `mlci monitor` looks); else
    under $XDG_STATE_HOME (~/.local/state)."""
    if environ.get("MLCI_PREDICTION_LOG"):
        return Path(environ["MLCI_PREDICTION_LOG"])
    if package.name == "current" and (package.parent / "versions").is_dir():
        return package.parent / "predictions"
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mlci" / "predictions" / model


def log_file_name(number: int) -> str:
    return f"predictions-{number:06d}.jsonl"


class PredictionLog:
    """Appends predicted rows to the newest file of `folder`, rotating as it fills."""

    def __init__(
        self, folder: Path, max_bytes: int = MAX_FILE_BYTES, keep: int = KEEP_FILES
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.max_bytes = max_bytes
        self.keep = keep
        self._lock = threading.Lock()
        numbers = [n for n, _ in _log_files(folder)]
        self._number = max(numbers, default=1)
        self._warned = False

    def write(
        self, version: str, rows: Sequence[dict[str, Any]], predictions: Sequence[Any]
    ) -> None:
        """Log each row with its prediction. A log that cannot be written is said once on
        stderr and never fails the request: serving matters more than its record."""
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        text = "".join(
            json.dumps({"at": at, "version": version, "row": row, PREDICTION: prediction}) + "\n"
            for row, prediction in zip(rows, predictions, strict=True)
        ).encode()
        try:
            with self._lock:
                self._append(text)
        except OSError as error:
            if not self._warned:
                self._warned = True
                print(f"mlci serve: the prediction log is not written: {error}", file=sys.stderr)

    def _append(self, text: bytes) -> None:
        path = self.folder / log_file_name(self._number)
        size = path.stat().st_size if path.exists() else 0
        if size and size + len(text) > self.max_bytes:
            self._number += 1
            path = self.folder / log_file_name(self._number)
            self._prune()
        # O_NOFOLLOW: a link planted in the folder must not redirect the log elsewhere.
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
        handle = os.open(path, flags, 0o640)
        try:
            os.write(handle, text)
        finally:
            os.close(handle)

    def _prune(self) -> None:
        files = _log_files(self.folder)
        for _, old in files[: max(0, len(files) + 1 - self.keep)]:
            old.unlink(missing_ok=True)


@dataclass(frozen=True)
class LoggedRows:
    rows: list[dict[str, Any]]
    """The newest rows, oldest first: each the row's inputs plus PREDICTION."""
    skipped: int
    """Lines that were not a logged row (too long, not JSON, not an object)."""
    other_versions: dict[str, int]
    """Rows left out because another version predicted them: version -> rows."""


def read_log(path: Path, window: int, version: str | None = None) -> LoggedRows:
    """The newest `window` rows of a log folder (or of one log file), oldest first; with
    `version`, only the rows that version predicted (a folder target's log holds every
    version served from it)."""
    files = [path] if path.is_file() else [p for _, p in _log_files(path)]
    rows: list[dict[str, Any]] = []
    skipped = 0
    others: dict[str, int] = {}
    for file in reversed(files):
        try:
            found, bad = _read_file(file)
        except FileNotFoundError:
            continue  # rotated away between the listing and the read
        skipped += bad
        for line in reversed(found):
            logged = str(line.get("version"))
            if version is not None and logged != version:
                others[logged] = others.get(logged, 0) + 1
                continue
            rows.append(line["row"] | {PREDICTION: line[PREDICTION]})
            if len(rows) == window:
                break
        if len(rows) == window:
            break
    rows.reverse()
    return LoggedRows(rows, skipped, others)


def _read_file(file: Path) -> tuple[list[dict[str, Any]], int]:
    found: list[dict[str, Any]] = []
    skipped = 0
    with file.open("rb") as handle:
        for raw in handle:
            if len(raw) > MAX_LINE_BYTES:
                skipped += 1
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                skipped += 1
                continue
            if isinstance(line, dict) and isinstance(line.get("row"), dict) and PREDICTION in line:
                found.append(line)
            else:
                skipped += 1
    return found, skipped


def _log_files(folder: Path) -> list[tuple[int, Path]]:
    """The folder's log files, oldest first: regular files of the log's name only."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = FILE_NAME.fullmatch(entry.name)
        try:
            regular = match is not None and stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode)
        except FileNotFoundError:
            continue  # pruned by the server while this was listing
        if match and regular:
            found.append((int(match[1]), Path(entry.path)))
    return sorted(found)
