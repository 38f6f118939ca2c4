"""Metrics along a branch's first-parent history, read through one `git cat-file --batch`.

For N commits this starts three git processes in all (the log, the batch reader, and
nothing per commit), where `dvc metrics show -A` works through every revision in turn.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlci.bounded_load import MAX_BYTES
from mlci.dvcfile import plain_document
from mlci.errors import UsageError
from mlci.files import ReadRefused, read_regular
from mlci.gitbatch import GitObjects
from mlci.metrics_format import MetricsFormatError, Value, is_number, parse_metrics
from mlci.snapshot import FILE_OBJECT_NAME, object_stores
from mlci.spec.paths import normalise


@dataclass(frozen=True)
class Commit:
    sha: str
    time: int
    subject: str


@dataclass(frozen=True)
class MetricColumn:
    """One metric to follow: a key in a metrics file, with a display name."""

    name: str
    file: str | None  # None: look the key up in every metrics file
    key: str
    direction: str | None = None


@dataclass
class HistoryRow:
    commit: Commit
    values: dict[str, Value | None]
    stages_changed: list[str] = field(default_factory=list)


@dataclass
class History:
    columns: list[MetricColumn]
    rows: list[HistoryRow]
    """Oldest first."""


def first_parent_log(root: Path, revision: str, count: int) -> list[Commit]:
    done = subprocess.run(
        [
            "git",
            "log",
            "--first-parent",
            f"--max-count={count}",
            "--format=%H%x00%ct%x00%s",
            "--end-of-options",
            revision,
        ],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise UsageError(f"git log {revision}: {done.stderr.strip() or 'failed'}")
    commits = []
    for line in done.stdout.splitlines():
        sha, time, subject = line.split("\0", 2)
        commits.append(Commit(sha, int(time), subject))
    return list(reversed(commits))


def _load(content: bytes | None) -> Any:
    """dvc.yaml or dvc.lock within mlci's caps; None when absent or unreadable (a commit
    with an alias bomb for a dvc.lock simply has no values in the history)."""
    if content is None:
        return None
    return plain_document(content.decode("utf-8", errors="replace"))


def _entries(section: Any) -> list[tuple[str, dict[str, Any]]]:
    """(path, options) for `path` / `{path: options}` list entries of a dvc.yaml section."""
    found: list[tuple[str, dict[str, Any]]] = []
    for entry in section if isinstance(section, list) else ():
        if isinstance(entry, str):
            found.append((entry, {}))
        elif isinstance(entry, dict) and len(entry) == 1:
            ((path, options),) = entry.items()
            found.append((str(path), options if isinstance(options, dict) else {}))
    return found


def metrics_files(dvc_yaml: Any) -> dict[str, bool]:
    """Metrics files a dvc.yaml declares -> whether each lives in the DVC cache."""
    if not isinstance(dvc_yaml, dict):
        return {}
    files: dict[str, bool] = {}
    stages = dvc_yaml.get("stages")
    for stage in stages.values() if isinstance(stages, dict) else ():
        if not isinstance(stage, dict):
            continue
        for raw, options in _entries(stage.get("metrics")):
            if path := normalise(str(stage.get("wdir", ".")), raw):
                files[path] = options.get("cache", True) is not False
    for raw, _ in _entries(dvc_yaml.get("metrics")):
        if path := normalise(".", raw):
            files.setdefault(path, False)
    return files


def _lock_digests(lock: Any) -> dict[str, str]:
    """Stage -> digest of everything dvc.lock records for it; a change means it reran."""
    stages = lock.get("stages") if isinstance(lock, dict) else None
    if not isinstance(stages, dict):
        return {}
    return {
        name: hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()
        for name, entry in stages.items()
    }


def _cached_md5(lock: Any, path: str) -> str | None:
    stages = lock.get("stages") if isinstance(lock, dict) else None
    for entry in stages.values() if isinstance(stages, dict) else ():
        for out in entry.get("outs", []) if isinstance(entry, dict) else ():
            if isinstance(out, dict) and out.get("path") == path and out.get("md5"):
                return str(out["md5"])
    return None


def _read_cache(cache: Path, md5: str) -> bytes | None:
    # dvc.lock is a pull request's to write, and its md5 becomes a path: `../../etc/passwd`
    # is not an md5. DVC 3 keeps file objects under files/md5/<first two>/<rest>.
    if not FILE_OBJECT_NAME.fullmatch(md5):
        return None
    try:
        return read_regular(cache / "files" / "md5" / md5[:2] / md5[2:])
    except ReadRefused:  # a link, FIFO or huge file where an object should be
        return None


def read_history(
    root: Path, revision: str, count: int, columns: list[MetricColumn] | None
) -> History:
    # One commit more than shown: what the oldest shown commit changed needs its parent.
    commits = first_parent_log(root, revision, count + 1)
    cache = object_stores(root)[0][1]
    with GitObjects(root) as objects:
        pipeline_files = _bounded(
            objects, [(c.sha, name) for c in commits for name in ("dvc.yaml", "dvc.lock")]
        )
        documents = [_load(content) for content in pipeline_files]
        yamls, locks = documents[0::2], documents[1::2]
        files = [metrics_files(document) for document in yamls]
        committed = [
            (commit.sha, path)
            for commit, declared in zip(commits, files, strict=True)
            for path, cached in declared.items()
            if not cached
        ]
        contents = dict(zip(committed, _bounded(objects, committed), strict=True))
    rows: list[HistoryRow] = []
    previous: dict[str, str] = {}
    all_metrics: list[dict[str, dict[str, Value]]] = []
    for commit, declared, lock in zip(commits, files, locks, strict=True):
        parsed: dict[str, dict[str, Value]] = {}
        for path, cached in declared.items():
            if cached:
                md5 = _cached_md5(lock, path)
                content = _read_cache(cache, md5) if md5 else None
            else:
                content = contents.get((commit.sha, path))
            if content is None:
                continue
            try:
                parsed[path] = parse_metrics(path, content)
            except MetricsFormatError:
                continue
        all_metrics.append(parsed)
        digests = _lock_digests(lock)
        changed = [name for name, digest in digests.items() if previous.get(name) != digest]
        previous = digests
        rows.append(HistoryRow(commit, {}, changed))
    if len(commits) > count:
        rows, all_metrics = rows[1:], all_metrics[1:]
    chosen = columns if columns is not None else _discover(all_metrics)
    for row, parsed in zip(rows, all_metrics, strict=True):
        order = sorted(parsed)  # once per row, not once per column
        row.values = {column.name: _value(parsed, order, column) for column in chosen}
    return History(chosen, rows)


def _bounded(objects: GitObjects, requests: list[tuple[str, str]]) -> list[bytes | None]:
    """Blobs up to mlci's cap on file size; a larger one counts as absent."""
    found = objects.read_bounded(requests, MAX_BYTES)
    return [blob if isinstance(blob, bytes) else None for blob in found]


def _value(
    parsed: dict[str, dict[str, Value]], files: list[str], column: MetricColumn
) -> Value | None:
    for file in [column.file] if column.file else files:
        if file in parsed and column.key in parsed[file]:
            return parsed[file][column.key]
    return None


def _discover(all_metrics: list[dict[str, dict[str, Value]]]) -> list[MetricColumn]:
    """Every numeric key seen in any commit, named `key` (or `file:key` when ambiguous)."""
    seen: dict[tuple[str, str], None] = {}
    for parsed in all_metrics:
        for file, values in sorted(parsed.items()):
            for key, value in values.items():
                if is_number(value):
                    seen.setdefault((file, key), None)
    # A Counter, not list.count per key: 100,000 keys would cost 10^10 steps.
    files_with = Counter(key for _, key in seen)
    return [
        MetricColumn(key if files_with[key] == 1 else f"{file}:{key}", file, key)
        for file, key in seen
    ]
