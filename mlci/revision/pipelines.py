"""The pipelines of a revision: every dvc.yaml DVC would collect, each with its dvc.lock.

Every dvc.yaml outside .git/.dvc folders and DVC subrepos is read, the root's first, each
relative to its folder with the dvc.lock beside it, its `${...}` resolved from `vars:` (and
params.yaml) as DVC resolves them (mlci.dvc.dvcfile.resolve_pipeline). A dvc.yaml without
`${` depends on nothing but its text: what it resolves to is remembered by blob, so a history
of 10,000 commits sharing it resolves it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlci.document_caps import UnreadableDocument
from mlci.dvc.dvcfile import TemplateError, resolve_pipeline
from mlci.revision.documents import DocumentReader
from mlci.revision.file_reader import FileContent, FileReader, Refused
from mlci.revision.memory import Memory, PerRevision, parsed_weight
from mlci.revision.model import BrokenPipelineFile, Revision
from mlci.revision.pipeline_parts import (
    Pipeline,
    Resolved,
    Stage,
    cache_flags,
    folder_of,
    lock_path,
    lock_stages,
    pipeline_outs,
)
from mlci.spec.paths import normalise


class PipelineReader:
    """Finds and resolves the dvc.yaml files of each revision, once per revision."""

    def __init__(self, files: FileReader, documents: DocumentReader, memory: Memory) -> None:
        self._files = files
        self._documents = documents
        self._memory = memory
        self._pipelines: PerRevision[list[Pipeline]] = memory.keep(PerRevision())
        self._stages: PerRevision[dict[str, Stage]] = memory.keep(PerRevision())

    def has_pipeline(self, rev: Revision) -> bool:
        """Does `rev` hold a readable dvc.yaml, at the root or below?"""
        return bool(self.pipelines(rev))

    def pipelines(self, rev: Revision) -> list[Pipeline]:
        """Every dvc.yaml at `rev`, the root's first, each resolved; raises
        BrokenPipelineFile when one of them (or its dvc.lock) is not YAML."""
        return self._pipelines.get(rev, lambda: self._find_pipelines(rev))

    def _find_pipelines(self, rev: Revision) -> list[Pipeline]:
        paths = [p for p in self._files.dvc_paths(rev) if p.rpartition("/")[2] == "dvc.yaml"]
        if "dvc.yaml" not in paths:
            paths.append("dvc.yaml")  # the workspace's, if git ignores it
        found = []
        for path in sorted(paths, key=lambda p: (p != "dvc.yaml", p)):
            pipeline = self._pipeline(rev, path)
            if pipeline is not None:
                found.append(pipeline)
        return found

    def stages(self, rev: Revision) -> dict[str, Stage]:
        """Every resolved stage of every dvc.yaml at `rev`, by DVC's address."""
        # Asked once per stage of dvc.lock: worked out once, or 10,000 stages cost 10^8 steps.
        return self._stages.get(
            rev,
            lambda: {
                stage.name: stage
                for pipeline in self.pipelines(rev)
                for stage in pipeline.stages.values()
            },
        )

    def _pipeline(self, rev: Revision, path: str) -> Pipeline | None:
        document = self._documents.document(rev, path)
        if document is None:
            return None
        folder = folder_of(path)
        lock = self._documents.document(rev, lock_path(folder))
        resolved = self._resolved(rev, path, document)
        locked = lock_stages(lock)
        return Pipeline(
            path=path,
            folder=folder,
            stages=resolved.stages,
            lock=locked,
            metrics=resolved.metrics,
            params=resolved.params,
            has_lock=lock is not None,
            outs=pipeline_outs(path, folder, resolved, locked),
        )

    def _resolved(self, rev: Revision, path: str, document: dict[str, Any]) -> Resolved:
        """A dvc.yaml's stages and top-level entries, resolved. Without `${`, they depend
        on the file alone: commits that share it share them (a history of 10,000 commits
        resolves a dvc.yaml once)."""
        content = self._files.lookup(rev, path)
        templated = isinstance(content, bytes) and b"${" in content
        key = None
        if rev is not None and not templated:
            key = ("resolved", path, self._files.blob_id(rev, path) or "")
            known = self._memory.parsed.get(key)
            if isinstance(known, Resolved):
                _refuse_unresolved(rev, path, known.problems)
                return known
        resolved = self._resolve(rev, path, document, templated)
        if key is not None:
            self._memory.parsed.put(key, resolved, parsed_weight(content or b""))
        return resolved

    def _resolve(
        self, rev: Revision, path: str, document: dict[str, Any], templated: bool
    ) -> Resolved:
        folder = folder_of(path)

        def load(relative: str) -> Mapping[str, Any] | None:
            return self._vars_file(rev, normalise(folder, relative))

        pipeline = resolve_pipeline(document, load, templated=templated)
        _refuse_unresolved(rev, path, pipeline.problems)
        stages = {}
        for name, stage in pipeline.stages.items():
            wdir = normalise(folder, stage.wdir) or folder
            tracked = {
                repo_path: values
                for file, values in stage.tracked.items()
                if (repo_path := normalise(folder, file)) is not None
            }
            stages[name] = Stage(
                name if folder == "." else f"{path}:{name}", wdir, stage.data, tracked
            )
        return Resolved(
            stages,
            pipeline.metrics,
            pipeline.params,
            pipeline.problems,
            cache_flags(stages.values()),
        )

    def _vars_file(self, rev: Revision, path: str | None) -> Mapping[str, Any] | None:
        """A file dvc.yaml's `vars:` names (or params.yaml), read as DVC reads it from git
        or the workspace (never from the DVC cache); raises TemplateError."""
        if path is None:
            raise TemplateError("it lies outside the repository")
        content = self._files.lookup(rev, path)
        if content is None:
            return None
        if isinstance(content, Refused):
            raise TemplateError(f"{path} {content.reason}")
        found = FileContent(path, content, "", oid=self._files.blob_id(rev, path))
        try:
            data = self._documents.params_data(found)
        except UnreadableDocument as error:
            raise TemplateError(f"{path} cannot be read: {error}") from None
        if not isinstance(data, Mapping):
            raise TemplateError(f"{path} holds {type(data).__name__}, not a mapping")
        return data


def _refuse_unresolved(rev: Revision, path: str, problems: list[str]) -> None:
    """DVC fails a dvc.yaml whose templates do not resolve; reading the rest of it would
    compare a pipeline that neither DVC nor its author runs. Raises BrokenPipelineFile."""
    if problems:
        problem = "; ".join(problems)
        # A cap of mlci's (stages a matrix generates) refuses what DVC would still read.
        refused_by_mlci = "mlci's cap" in problem
        raise BrokenPipelineFile(rev, path, problem, dvc_fails=not refused_by_mlci)
