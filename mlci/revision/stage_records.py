"""What dvc.lock records of each stage's last run: its command, dependency hashes and
params, and a digest of it all (a stage whose digest changed between two commits ran again).
Stages below the root are named as DVC names them (`sub/dvc.yaml:train`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from mlci.revision.file_reader import FileReader
from mlci.revision.memory import Memory
from mlci.revision.model import ParamValue, Revision, StageInputs
from mlci.revision.params import flatten_params
from mlci.revision.pipeline_parts import Pipeline, as_list
from mlci.revision.pipelines import PipelineReader
from mlci.spec.paths import normalise


class StageRecords:
    """Reads what each revision's dvc.lock files record of their stages."""

    def __init__(self, files: FileReader, pipelines: PipelineReader, memory: Memory) -> None:
        self._files = files
        self._pipelines = pipelines
        self._memory = memory

    def stage_inputs(self, rev: Revision) -> dict[str, StageInputs]:
        """Per stage of every dvc.lock: its command, dependency hashes and params, and a
        digest; stages below the root named as DVC names them (`sub/dvc.yaml:train`)."""
        stages = self._pipelines.stages(rev)
        result: dict[str, StageInputs] = {}
        for pipeline in self._pipelines.pipelines(rev):
            for name, locked in pipeline.lock.items():
                address = pipeline.address(name)
                stage = stages.get(address)
                wdir = stage.wdir if stage is not None else pipeline.folder
                result[address] = _stage_inputs(locked, wdir)
        return result

    def lock_entries(self, rev: Revision) -> dict[str, Mapping[str, Any]]:
        """Every dvc.lock entry at `rev`, by DVC's address of its stage."""
        return {
            pipeline.address(name): locked
            for pipeline in self._pipelines.pipelines(rev)
            for name, locked in pipeline.lock.items()
        }

    def lock_digests(self, rev: Revision) -> dict[str, str]:
        """Stage address -> a digest of everything its dvc.lock entry records (a change
        means the stage ran again), worked out once per dvc.lock blob."""
        digests: dict[str, str] = {}
        for pipeline in self._pipelines.pipelines(rev):
            blob = self._files.blob_id(rev, pipeline.lock_path) or ""
            key = ("lock-digests", pipeline.path, blob)
            known = self._memory.parsed.get(key) if key[2] else None
            if known is None:
                known = _digests(pipeline)
                if key[2]:
                    self._memory.parsed.put(key, known, 256 + 200 * len(known))
            digests.update(known)
        return digests


def _digests(pipeline: Pipeline) -> dict[str, str]:
    return {
        pipeline.address(name): hashlib.sha256(
            json.dumps(entry, sort_keys=True, default=str).encode()
        ).hexdigest()
        for name, entry in pipeline.lock.items()
    }


def _stage_inputs(locked: Mapping[str, Any], wdir: str) -> StageInputs:
    cmd = locked.get("cmd", "")
    command = " && ".join(map(str, cmd)) if isinstance(cmd, list) else str(cmd)
    deps: dict[str, str] = {}
    for entry in as_list(locked.get("deps")):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            path = normalise(wdir, entry["path"]) or entry["path"]
            hashed = entry.get("md5") or entry.get("etag") or entry.get("checksum")
            deps[path] = str(hashed) if hashed is not None else json.dumps(entry, sort_keys=True)
    params: dict[str, dict[str, ParamValue]] = {}
    raw_params = locked.get("params")
    for file, values in raw_params.items() if isinstance(raw_params, dict) else ():
        path = normalise(wdir, str(file)) or str(file)
        params[path] = flatten_params(values) if isinstance(values, Mapping) else {}
    text = json.dumps({"cmd": command, "deps": deps, "params": params}, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return StageInputs(digest, command, deps, params)
