"""The parts of a revision's pipelines as the reader resolves them (stages, outputs, the
dvc.yaml with its dvc.lock), and the reading of dvc.yaml and dvc.lock entries into them:
plain data in, plain data out.

Every path is a repository path: dvc.yaml's paths are relative to a stage's `wdir` (or to the
dvc.yaml's folder), and one that leads outside the repository is no path (spec.paths).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlci.revision.model import OutputInfo
from mlci.spec.paths import normalise

OUTPUT_SECTIONS = ("outs", "metrics", "plots")


@dataclass(frozen=True)
class Out:
    """An output of dvc.lock or a .dvc file, with what is needed to find its content."""

    path: str
    md5: str | None
    legacy: bool  # DVC 2 entry (no `hash: md5`): stored at the cache's top level
    cached: bool
    info: OutputInfo


@dataclass(frozen=True)
class Stage:
    """A stage of some dvc.yaml, resolved (`${...}`, foreach, matrix)."""

    name: str
    """Its name as DVC addresses it: `train`, `build@a`; `sub/dvc.yaml:train` below the root."""
    wdir: str
    """The repository path of the folder its paths are relative to."""
    data: Mapping[str, Any]
    tracked: Mapping[str, Mapping[str, Any]]
    """Vars file (repository path) -> {dotted key: value} the stage interpolates."""


@dataclass(frozen=True)
class Resolved:
    """What a dvc.yaml resolves to, whatever its dvc.lock."""

    stages: Mapping[str, Stage]
    metrics: list[Any]
    params: list[Any]
    problems: list[str]
    cache_flags: Mapping[str, bool]
    """Output path -> whether DVC caches it."""


@dataclass(frozen=True)
class Pipeline:
    """One dvc.yaml of the repository, with the dvc.lock beside it."""

    path: str
    folder: str
    stages: Mapping[str, Stage]
    """By the stage's name in this file (`train`, `build@a`)."""
    lock: Mapping[str, Mapping[str, Any]]
    """dvc.lock's stages, by their name in this file."""
    metrics: list[Any]
    params: list[Any]
    has_lock: bool
    outs: Mapping[str, Out]
    """The outputs its dvc.lock records, by repository path."""

    def address(self, name: str) -> str:
        """DVC's name for a stage of this file: `name` at the root, else `path:name`."""
        return name if self.folder == "." else f"{self.path}:{name}"

    @property
    def lock_path(self) -> str:
        """The dvc.lock beside this dvc.yaml."""
        return lock_path(self.folder)


def folder_of(path: str) -> str:
    """The folder of a dvc.yaml: its paths are relative to it ("." at the root)."""
    return path.rpartition("/")[0] or "."


def lock_path(folder: str) -> str:
    return "dvc.lock" if folder == "." else f"{folder}/dvc.lock"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def entries(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, options) for a dvc.yaml list whose items are `path` or `{path: options}`."""
    for entry in as_list(value):
        if isinstance(entry, str):
            yield entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            ((path, options),) = entry.items()
            yield str(path), options if isinstance(options, dict) else {}


def lock_stages(lock: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """dvc.lock's stages: DVC 2 and 3 write them under `stages:` beside `schema: '2.0'`;
    DVC 1 wrote them at the top, with no schema (still in old commits)."""
    lock = lock or {}
    if "schema" in lock or "stages" in lock:
        stages = lock.get("stages")
        items = stages.items() if isinstance(stages, dict) else ()
        return {str(name): stage for name, stage in items if isinstance(stage, dict)}
    # DVC 1: every top-level key a stage; an entry without a command is no stage of it.
    return {
        str(name): stage
        for name, stage in lock.items()
        if isinstance(stage, dict) and "cmd" in stage
    }


def pipeline_outs(
    path: str, folder: str, resolved: Resolved, lock: Mapping[str, Mapping[str, Any]]
) -> dict[str, Out]:
    """The outputs a dvc.lock records, each relative to its stage's wdir, cached or not as
    dvc.yaml says (dvc.lock does not)."""
    cached = resolved.cache_flags
    outs: dict[str, Out] = {}
    for name, locked in lock.items():
        stage = resolved.stages.get(name)
        wdir = stage.wdir if stage is not None else folder
        address = name if folder == "." else f"{path}:{name}"
        for entry in as_list(locked.get("outs")):
            out = output(entry, wdir, address, cached)
            if out is not None:
                outs[out.path] = out
    return outs


def cache_flags(stages: Iterable[Stage]) -> dict[str, bool]:
    """Output path -> whether DVC caches it (dvc.lock does not say; dvc.yaml does)."""
    flags: dict[str, bool] = {}
    for stage in stages:
        for section in OUTPUT_SECTIONS:
            for raw, options in entries(stage.data.get(section)):
                if (path := normalise(stage.wdir, raw)) is not None:
                    flags[path] = options.get("cache", True) is not False
    return flags


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def output(entry: Any, folder: str, owner: str, cached: Mapping[str, bool]) -> Out | None:
    """An `outs:` entry of dvc.lock or a .dvc file (None for one without a usable path)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        return None
    path = normalise(folder, entry["path"])
    if path is None:
        return None
    md5 = entry.get("md5") or entry.get("etag") or entry.get("checksum")
    md5 = str(md5) if md5 is not None else None
    is_cached = cached.get(path, entry.get("cache", True) is not False)
    info = OutputInfo(md5, _int(entry.get("size")), _int(entry.get("nfiles")), owner)
    return Out(path, md5, entry.get("hash") != "md5", is_cached, info)
