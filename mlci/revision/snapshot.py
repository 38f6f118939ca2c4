"""What a revision holds, read without running DVC: metrics, params, outputs, stage inputs.

A revision is a commit SHA, or None for the workspace. RevisionReader answers every question
`mlci diff`, `mlci gate` and `mlci history` ask of one; it is composed of one part per
concept, each in its own module of mlci.revision:

- file_reader: a commit's files from git, the workspace's from disk (confined, capped);
- documents: DVC's files and params files, parsed once per blob;
- pipelines: every dvc.yaml DVC would collect, with its dvc.lock, `${...}` resolved;
- outputs: what dvc.lock and .dvc files record as outputs;
- contents: the bytes at a path, from git, the workspace, or the DVC cache and local
  remotes (mlci.dvc.objects) for an output DVC caches;
- metrics, params, stage_records: the metrics files, params and stage records compared;
- memory: what is kept per revision (until `forget`) and by content id (bounded).

The data these build (Snapshot, MetricsRead, ...) is defined in mlci.revision.model and
imported from here.

Nothing here runs DVC, so `mlci diff` never imports it and needs no lock on the repository.

Everything read here is a pull request's to choose. Workspace files are read only inside the
repository or a DVC store (mlci.files.read_confined), blobs of a commit only up to the cap
on file size and never through a link committed to git, and every document within the caps
of mlci.bounded_load; what is refused is named, with the reason, as that file's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mlci.dvc.dvcfile import read_document
from mlci.dvc.objects import Store, is_file_object_name, object_path
from mlci.gitbatch import GitObjects
from mlci.revision.contents import ContentReader
from mlci.revision.documents import DocumentReader
from mlci.revision.file_reader import FileReader, Refused
from mlci.revision.memory import BLOB_CACHE_BYTES, PARSED_CACHE_BYTES, Memory
from mlci.revision.metrics import MetricsReader
from mlci.revision.model import (
    BrokenPipelineFile,
    MetricsFile,
    MetricsRead,
    MetricsState,
    OutputInfo,
    ParamValue,
    Revision,
    Snapshot,
    StageInputs,
    where,
)
from mlci.revision.outputs import OutputReader
from mlci.revision.params import ParamsReader, flatten_params
from mlci.revision.pipeline_parts import Out
from mlci.revision.pipelines import PipelineReader
from mlci.revision.stage_records import StageRecords
from mlci.spec.paths import normalise

__all__ = [
    "BLOB_CACHE_BYTES",
    "PARSED_CACHE_BYTES",
    "BrokenPipelineFile",
    "MetricsFile",
    "MetricsRead",
    "MetricsState",
    "OutputInfo",
    "ParamValue",
    "Revision",
    "RevisionReader",
    "Snapshot",
    "StageInputs",
    "flatten_params",
    "read_document",
    "snapshots",
    "where",
]


class RevisionReader:
    """Reads revisions of the DVC project at `root` (a folder of a git work tree).

    What is read at a revision is kept until `forget(rev)`; what a blob or a DVC object
    parses to is kept by its id (within bounds), so that a history of commits that share
    their dvc.yaml parses it once.
    """

    def __init__(self, root: Path, objects: GitObjects) -> None:
        self.root = root
        # The bounds and the parser are looked up here, when the reader is made: a caller
        # (a test of memory, of parsing once) may set them on this module first.
        self._memory = Memory(PARSED_CACHE_BYTES)
        self._files = FileReader(root, objects, self._memory, BLOB_CACHE_BYTES)
        self._documents = DocumentReader(self._files, self._memory, read_document)
        self._pipelines = PipelineReader(self._files, self._documents, self._memory)
        self._outputs = OutputReader(self._files, self._documents, self._pipelines, self._memory)
        self._contents = ContentReader(self._files, self._outputs)
        self._metrics = MetricsReader(self._pipelines, self._outputs, self._contents, self._memory)
        self._params = ParamsReader(self._pipelines, self._documents, self._contents, self._memory)
        self._records = StageRecords(self._files, self._pipelines, self._memory)

    def forget(self, rev: Revision) -> None:
        """Drop what was read at `rev` (a history reads each commit once)."""
        self._memory.forget(rev)
        self._files.forget(rev)

    # --- files --------------------------------------------------------------------------

    def read_file(self, rev: Revision, path: str) -> bytes | None:
        """A file's bytes at `rev` (None: the workspace), or None when it is not there or
        is refused (a link out of the tree, a FIFO, a file over the size cap)."""
        return self._files.read_file(rev, path)

    def output_content(self, rev: Revision, path: str) -> bytes | str:
        """The bytes of the file at `path` wherever DVC would find them (the workspace or
        git, else for a DVC output the cache or a local remote); or, as text, why not."""
        found = next(self._contents.contents(rev, path), None)
        if found is None:
            return f"{path} is not at {where(rev)}"
        if isinstance(found, MetricsRead):
            return found.message or f"{path} is not at {where(rev)}"
        if isinstance(found.content, Refused):
            return f"{path} {found.content.reason}"
        if found.path != path:
            return f"{path} is a folder at {where(rev)}, not a file"
        return found.content

    def output_record(self, rev: Revision, path: str) -> Out | None:
        """The dvc.lock or .dvc record of the output that is `path` (or holds it) at `rev`."""
        return self._outputs.owner(rev, path)

    def object_file(self, rev: Revision, path: str) -> Path | str:
        """Where the DVC object of the file output `path` at `rev` lies (the cache, or a
        local remote), to copy whole: a model file has no size cap. Or, as text, why not."""
        normal = normalise(".", path) or path
        out = self._outputs.owner(rev, normal)
        if out is None or out.md5 is None or out.path != normal:
            return f"{normal} is no file output of {where(rev)}'s dvc.lock"
        if not is_file_object_name(out.md5):
            return f"{where(rev)}'s dvc.lock records no md5 of a file for {normal}"
        for _, store in self.stores():
            candidate = object_path(store, out.md5, out.legacy)
            if candidate.is_file() and not candidate.is_symlink():
                return candidate
        return (
            f"{where(rev)}'s {normal} (md5 {out.md5}) is not in the DVC cache nor a local "
            "remote: on main, `dvc push` it (the generated workflow caches it for pull requests)"
        )

    def prefetch(self, revs: Sequence[str], paths: Iterable[str]) -> int:
        """Read ahead what reading `paths` at each commit of `revs` will need; returns what
        it weighs in the reader's memory (FileReader.prefetch)."""
        return self._files.prefetch(revs, paths)

    @property
    def read_ahead_bytes(self) -> int:
        """What `prefetch` may read at once and still find it all when asked for."""
        return self._files.read_ahead_bytes

    def files_read(self, rev: Revision) -> list[str]:
        """The paths read at `rev` so far (what the next commit will likely read too)."""
        return self._files.files_read(rev)

    def listing(self, rev: Revision) -> list[str]:
        """Every file at `rev`: git's tree, or for the workspace what git does not ignore."""
        return self._files.listing(rev)

    def stores(self) -> list[Store]:
        """Where DVC objects may be: the cache (`cache.dir` if set), then local remotes."""
        return self._files.stores()

    # --- dvc.yaml and dvc.lock ----------------------------------------------------------

    def dvc_yaml(self, rev: Revision) -> dict[str, Any] | None:
        """The root dvc.yaml (pipelines below the root are read too, for everything else)."""
        return self._documents.document(rev, "dvc.yaml")

    def dvc_lock(self, rev: Revision) -> dict[str, Any] | None:
        return self._documents.document(rev, "dvc.lock")

    def has_pipeline(self, rev: Revision) -> bool:
        """Does `rev` hold a readable dvc.yaml, at the root or below?"""
        return self._pipelines.has_pipeline(rev)

    def lock_entries(self, rev: Revision) -> dict[str, Mapping[str, Any]]:
        """Every dvc.lock entry at `rev`, by DVC's address of its stage."""
        return self._records.lock_entries(rev)

    def lock_digests(self, rev: Revision) -> dict[str, str]:
        """Stage address -> a digest of everything its dvc.lock entry records (a change
        means the stage ran again), worked out once per dvc.lock blob."""
        return self._records.lock_digests(rev)

    # --- what is compared ---------------------------------------------------------------

    def metrics_files(self, rev: Revision) -> list[MetricsFile]:
        """The metrics files `rev`'s dvc.yaml files declare."""
        return self._metrics.metrics_files(rev)

    def read_metrics(self, rev: Revision, also: Iterable[str] = ()) -> dict[str, MetricsRead]:
        """Every metrics file `rev` declares, and the paths in `also` it does not declare."""
        return self._metrics.read_metrics(rev, also)

    def outputs(self, rev: Revision) -> dict[str, OutputInfo]:
        return self._outputs.outputs(rev)

    def params(self, rev: Revision) -> dict[str, dict[str, ParamValue]]:
        """Each params file the pipelines read at `rev`, flattened to dotted keys."""
        return self._params.params(rev)

    def stage_inputs(self, rev: Revision) -> dict[str, StageInputs]:
        """Per stage of every dvc.lock: its command, dependency hashes, params, a digest."""
        return self._records.stage_inputs(rev)

    def notes(self, rev: Revision) -> tuple[str, ...]:
        return self._memory.notes(rev)

    def snapshot(self, rev: Revision, label: str, also: Iterable[str] = ()) -> Snapshot:
        """All of the above for `rev`; `also`: metrics paths to read even if not declared."""
        metrics = self.read_metrics(rev, also)
        return Snapshot(
            revision=rev,
            label=label,
            has_pipeline=self.has_pipeline(rev),
            has_lock=any(pipeline.has_lock for pipeline in self._pipelines.pipelines(rev)),
            metrics=metrics,
            params=self.params(rev),
            outputs=self.outputs(rev),
            stages=self.stage_inputs(rev),
            notes=self.notes(rev),
        )


def snapshots(
    reader: RevisionReader,
    base: tuple[Revision, str],
    target: tuple[Revision, str],
    extra: Iterable[str] = (),
) -> tuple[Snapshot, Snapshot]:
    """Base and target, each read at every metrics file either declares (and `extra`)."""
    paths = set(extra)
    for rev, _ in (base, target):
        if reader.has_pipeline(rev):
            # The files read, not the paths declared: a declared folder stands for its files.
            paths.update(reader.read_metrics(rev))
    return reader.snapshot(*base, also=paths), reader.snapshot(*target, also=paths)
