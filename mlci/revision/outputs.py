"""The DVC outputs of a revision: what every dvc.lock and every .dvc file records, by path.

An output DVC caches (`cache: true`, DVC's default) is not in git: its content is found
through the md5 recorded here (mlci.revision.contents).
"""

from __future__ import annotations

from mlci.revision.documents import DocumentReader
from mlci.revision.file_reader import FileReader
from mlci.revision.memory import Memory, PerRevision
from mlci.revision.model import OutputInfo, Revision
from mlci.revision.pipeline_parts import Out, as_list, output
from mlci.revision.pipelines import PipelineReader


class OutputReader:
    """The outputs of each revision, worked out once per revision."""

    def __init__(
        self,
        files: FileReader,
        documents: DocumentReader,
        pipelines: PipelineReader,
        memory: Memory,
    ) -> None:
        self._files = files
        self._documents = documents
        self._pipelines = pipelines
        self._outs: PerRevision[dict[str, Out]] = memory.keep(PerRevision())

    def outputs(self, rev: Revision) -> dict[str, OutputInfo]:
        return {path: out.info for path, out in sorted(self.outs(rev).items())}

    def outs(self, rev: Revision) -> dict[str, Out]:
        """Outputs of every dvc.lock and of every .dvc file at `rev`, by repository path."""
        return self._outs.get(rev, lambda: self._collect(rev))

    def _collect(self, rev: Revision) -> dict[str, Out]:
        outs: dict[str, Out] = {}
        for pipeline in self._pipelines.pipelines(rev):
            outs.update(pipeline.outs)
        for dvc_file in self._files.dvc_paths(rev):
            if dvc_file.endswith(".dvc"):
                outs.update(self._dvc_file_outs(rev, dvc_file))
        return outs

    def _dvc_file_outs(self, rev: Revision, dvc_file: str) -> dict[str, Out]:
        document = self._documents.document(rev, dvc_file) or {}
        folder = dvc_file.rpartition("/")[0] or "."
        outs: dict[str, Out] = {}
        for entry in as_list(document.get("outs")):
            out = output(entry, folder, dvc_file, {})
            if out is not None:
                outs[out.path] = out
        return outs

    def owner(self, rev: Revision, path: str) -> Out | None:
        """The output that is `path` or a folder holding it."""
        outs = self.outs(rev)
        parts = path.split("/")
        for end in range(len(parts), 0, -1):
            if (out := outs.get("/".join(parts[:end]))) is not None:
                return out
        return None

    def is_cached(self, rev: Revision, path: str) -> bool:
        """Is `path` (or a folder holding it) an output DVC caches, not in git?"""
        out = self.owner(rev, path)
        return out is not None and out.cached
