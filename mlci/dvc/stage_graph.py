"""Which stages of dvc.yaml read what others write: the pipeline as a graph (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mlci.spec.paths import PathIndex, normalise

OUTPUT_SECTIONS = ("outs", "metrics", "plots")


def _paths(entries: Any, wdir: str) -> list[str]:
    """Repository paths of a dvc.yaml list whose items are `path` or `{path: options}`."""
    found = []
    for entry in entries if isinstance(entries, list) else ():
        raw = next(iter(entry), None) if isinstance(entry, dict) else entry
        if isinstance(raw, str) and (path := normalise(wdir, raw)):
            found.append(path)
    return found


def downstream(
    stages: Mapping[str, Any], changed: Iterable[str], changed_paths: Iterable[str]
) -> list[str]:
    """Stages that run when the `changed` stages rerun or `changed_paths` change.

    In dvc.yaml order; frozen stages never run, always_changed ones always do.
    """
    valid = {name: stage for name, stage in stages.items() if isinstance(stage, dict)}
    outputs: dict[str, list[str]] = {}
    readers: PathIndex[str] = PathIndex()
    for name, stage in valid.items():
        wdir = str(stage.get("wdir", "."))
        outputs[name] = [p for s in OUTPUT_SECTIONS for p in _paths(stage.get(s), wdir)]
        for dep in _paths(stage.get("deps"), wdir):
            readers.add(dep, name)
    running = {name for name in changed if name in valid}
    running |= {name for name, stage in valid.items() if stage.get("always_changed")}
    for path in changed_paths:
        running |= set(readers.overlapping(path))
    frontier = list(running)
    while frontier:
        for out in outputs[frontier.pop()]:
            for reader in readers.overlapping(out):
                if reader not in running:
                    running.add(reader)
                    frontier.append(reader)
    return [name for name, stage in valid.items() if name in running and not stage.get("frozen")]
