"""The params of a revision, as `dvc params diff` reads them: each params file the pipelines
read, flattened to dotted keys, whole or only the keys stages track in it; and the vars
stages interpolate from files not read as params (DVC's `_collect_vars`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mlci.document_caps import UnreadableDocument
from mlci.dvc.metrics_file import dotted_leaves
from mlci.revision.contents import ContentReader
from mlci.revision.documents import DocumentReader
from mlci.revision.file_reader import FileContent, Refused
from mlci.revision.memory import Memory, PerRevision
from mlci.revision.model import MetricsRead, ParamValue, Revision, where
from mlci.revision.pipeline_parts import Stage, as_list
from mlci.revision.pipelines import PipelineReader
from mlci.spec.paths import normalise

DEFAULT_PARAMS = "params.yaml"
ParamsKeys = dict[str, frozenset[str] | None]
"""Params file -> the keys stages track in it, or None where it is read whole."""


class ParamsReader:
    """Reads the params of each revision; which keys of which file, once per revision."""

    def __init__(
        self,
        pipelines: PipelineReader,
        documents: DocumentReader,
        contents: ContentReader,
        memory: Memory,
    ) -> None:
        self._pipelines = pipelines
        self._documents = documents
        self._contents = contents
        self._memory = memory
        self._keys: PerRevision[ParamsKeys] = memory.keep(PerRevision())

    def params(self, rev: Revision) -> dict[str, dict[str, ParamValue]]:
        """Each params file the pipelines read at `rev`, flattened to dotted keys: the whole
        file, or only the keys stages track in it, as `dvc params diff` reads them; and the
        vars stages interpolate from files not read as params (DVC's `_collect_vars`)."""
        keys_by_file = self.params_keys(rev)
        result: dict[str, dict[str, ParamValue]] = {}
        for path, keys in keys_by_file.items():
            # A DVC output (a .dvc file's, a stage's) comes from the cache or a remote, and
            # a folder gives each file in it, as DVC's `try_expand_paths` does.
            for found in self._contents.contents(rev, path):
                data = self._params_data(rev, found)
                if isinstance(data, Mapping):
                    result[found.path] = _tracked(flatten_params(data), keys)
        for stage in self._pipelines.stages(rev).values():
            for file, values in stage.tracked.items():
                if file not in keys_by_file:
                    result.setdefault(file, {}).update(flatten_params(values))
        return result

    def _params_data(self, rev: Revision, found: FileContent | MetricsRead) -> Any:
        """What one params file holds; None, with a note, where it cannot be read."""
        if isinstance(found, MetricsRead):
            if found.state != "absent":  # a file that is not there is no params
                self._memory.note(rev, found.message)
            return None
        if isinstance(found.content, Refused):
            self._memory.note(rev, f"{found.path} at {where(rev)} {found.content.reason}")
            return None
        try:
            return self._documents.params_data(found)
        except UnreadableDocument as error:
            self._memory.note(rev, f"{found.path} at {where(rev)} cannot be read: {error}")
            return None

    def params_keys(self, rev: Revision) -> ParamsKeys:
        """Params file -> the keys stages track in it, or None where it is read whole.

        As DVC's `_collect_params`: params.yaml at the root, a file listed `{file: null}`
        (or with no keys) and a file of a dvc.yaml's top-level `params:` are read whole; in
        any other file only the keys stages name (a key names its subtree too).
        """
        return self._keys.get(rev, lambda: self._collect_keys(rev))

    def _collect_keys(self, rev: Revision) -> ParamsKeys:
        tracked: dict[str, set[str]] = {}
        whole = {DEFAULT_PARAMS}
        stages = self._pipelines.stages(rev)
        _add_stage_params(stages.values(), tracked, whole)
        for pipeline in self._pipelines.pipelines(rev):
            # Stages only dvc.lock tells of (templates mlci could not resolve): the keys it
            # recorded, relative to the dvc.yaml's folder (their wdir is not known).
            for name, locked in pipeline.lock.items():
                if pipeline.address(name) in stages:
                    continue
                params = locked.get("params")
                for file, values in params.items() if isinstance(params, dict) else ():
                    recorded = values if isinstance(values, dict) else {}
                    path = _in(pipeline.folder, file)
                    tracked.setdefault(path, set()).update(map(str, recorded))
            whole.update(
                _in(pipeline.folder, file) for file in pipeline.params if isinstance(file, str)
            )
        found: ParamsKeys = {path: frozenset(keys) for path, keys in tracked.items()}
        found.update(dict.fromkeys(whole))
        return {path: found[path] for path in sorted(found) if path}


def _add_stage_params(
    stages: Iterable[Stage], tracked: dict[str, set[str]], whole: set[str]
) -> None:
    """The params files stages name, into `tracked` (with the keys) or `whole`."""
    for stage in stages:
        for file, keys in _params_entries(stage.data.get("params")):
            path = _in(stage.wdir, file)
            if keys:
                tracked.setdefault(path, set()).update(keys)
            else:
                whole.add(path)


def flatten_params(data: Mapping[Any, Any]) -> dict[str, ParamValue]:
    """Nested params as dotted keys (metrics_format.dotted_leaves); lists and nulls are
    values too (unlike metrics), and dates and other YAML types are compared as text."""
    return {
        name: value
        if value is None or isinstance(value, (int, float, str, bool, list))
        else str(value)
        for name, value in dotted_leaves(data)
    }


def _in(wdir: str, file: Any) -> str:
    """A params file's repository path ("" when it lies outside the repository)."""
    return normalise(wdir, str(file)) or ""


def _params_entries(value: Any) -> Iterator[tuple[str, list[str]]]:
    """(file, keys) for a stage's `params:`, as DVC's `_merge_params` reads it: a bare key
    is one of params.yaml; `{file: [keys]}` names keys of a file; `{file: null}` (or no
    keys) the whole file, which is then []."""
    for entry in as_list(value):
        if isinstance(entry, str):
            yield DEFAULT_PARAMS, [entry]
        elif isinstance(entry, dict):
            for file, keys in entry.items():
                listed = keys if isinstance(keys, list) else []
                yield str(file), [str(key) for key in listed]


def _tracked(flat: dict[str, ParamValue], keys: frozenset[str] | None) -> dict[str, ParamValue]:
    """The flat params a stage tracks: a key and every key below it (`train` names
    `train.lr`); all of them when `keys` is None."""
    if keys is None:
        return flat
    return {
        name: value
        for name, value in flat.items()
        if any(".".join(parts) in keys for parts in _prefixes(name.split(".")))
    }


def _prefixes(parts: list[str]) -> Iterator[list[str]]:
    for end in range(1, len(parts) + 1):
        yield parts[:end]
