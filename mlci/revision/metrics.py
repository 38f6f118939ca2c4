"""The metrics of a revision: every metrics file its dvc.yaml files declare, read and parsed.

Declared are a stage's `metrics:` (relative to its wdir) and a dvc.yaml's top-level ones
(relative to its folder); a declared folder stands for each file in it. A comparison also
reads one side at the files only the other side declares (`also`): a file the base did not
declare may still be there. What a metrics file parses to is remembered by blob or object.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

from mlci.dvc.metrics_file import MetricsFormatError, parse_metrics
from mlci.revision.contents import ContentReader
from mlci.revision.documents import suffix
from mlci.revision.file_reader import FileContent, Refused
from mlci.revision.memory import Memory, PerRevision, collector_paused, parsed_weight
from mlci.revision.model import MetricsFile, MetricsRead, Revision, where
from mlci.revision.outputs import OutputReader
from mlci.revision.pipeline_parts import entries
from mlci.revision.pipelines import PipelineReader
from mlci.spec.paths import normalise


class MetricsReader:
    """Reads the metrics files of each revision, the declared ones once per revision."""

    def __init__(
        self,
        pipelines: PipelineReader,
        outputs: OutputReader,
        contents: ContentReader,
        memory: Memory,
    ) -> None:
        self._pipelines = pipelines
        self._outputs = outputs
        self._contents = contents
        self._memory = memory
        self._declared: PerRevision[dict[str, MetricsRead]] = memory.keep(PerRevision())

    def metrics_files(self, rev: Revision) -> list[MetricsFile]:
        """The metrics files `rev`'s dvc.yaml files declare: stage `metrics:` and top-level
        ones (relative to their dvc.yaml's folder)."""
        found: dict[str, MetricsFile] = {}
        for stage in self._pipelines.stages(rev).values():
            for raw, options in entries(stage.data.get("metrics")):
                if (path := normalise(stage.wdir, raw)) is not None:
                    found[path] = MetricsFile(path, options.get("cache", True) is not False)
        for pipeline in self._pipelines.pipelines(rev):
            for raw in pipeline.metrics:
                path = normalise(pipeline.folder, raw) if isinstance(raw, str) else None
                if path is not None and path not in found:
                    found[path] = MetricsFile(path, self._outputs.is_cached(rev, path))
        return list(found.values())

    def read_metrics(self, rev: Revision, also: Iterable[str] = ()) -> dict[str, MetricsRead]:
        """Every metrics file `rev` declares, and the paths in `also` it does not declare.

        `also` lets one side of a comparison be read at the files the other side declares:
        a file the base did not declare may still be there (committed, or a DVC output).
        """
        if not self._pipelines.has_pipeline(rev):
            message = f"no pipeline at {where(rev)}: there is no readable dvc.yaml"
            return {path: MetricsRead(path, "no-pipeline", message=message) for path in also}
        result = dict(self._declared_reads(rev))
        for path in also:
            if path in result:
                continue
            if (folder := _folder_of(path, result)) is not None:
                # A file the other side has inside a folder this side declares but could not
                # read (absent, not pulled): the folder's reason is the file's.
                result[path] = replace(result[folder], path=path)
                continue
            for read in self._read_undeclared(rev, path):
                result.setdefault(read.path, read)
        # A folder's own entry stands for its files: once they have rows, it needs none.
        for folder in _folders_above(result):
            if folder in result and result[folder].state != "found":
                del result[folder]
        return dict(sorted(result.items()))

    def _declared_reads(self, rev: Revision) -> dict[str, MetricsRead]:
        """Each file the declared metrics paths name (a folder names each file in it)."""
        return self._declared.get(rev, lambda: self._read_all_declared(rev))

    def _read_all_declared(self, rev: Revision) -> dict[str, MetricsRead]:
        result: dict[str, MetricsRead] = {}
        for metrics_file in self.metrics_files(rev):
            for read in self._read_declared(rev, metrics_file):
                result.setdefault(read.path, read)
        return result

    def _read_declared(self, rev: Revision, metrics_file: MetricsFile) -> list[MetricsRead]:
        path = metrics_file.path
        reads = list(self._read_any(rev, path))
        if reads:
            return reads
        if metrics_file.cached and self._outputs.owner(rev, path) is None:
            message = (
                f"{path} is a DVC output, but {where(rev)} has no dvc.lock entry for it: "
                "the stage that writes it was never reproduced and committed there"
            )
        elif rev is None:
            message = f"{path} is not in the workspace: run `mlci run` to produce it"
        else:
            message = f"{path} was never committed at {where(rev)}"
        return [MetricsRead(path, "absent", message=message)]

    def _read_undeclared(self, rev: Revision, path: str) -> list[MetricsRead]:
        """`path` read although `rev` does not declare it; a folder gives each file in it."""
        reads = [replace(read, declared=False) for read in self._read_any(rev, path)]
        if reads:
            return reads
        message = f"{path} does not exist at {where(rev)} (a new metrics file)"
        return [MetricsRead(path, "absent", message=message, declared=False)]

    def _read_any(self, rev: Revision, path: str) -> Iterator[MetricsRead]:
        """The file (or each file of the folder) at `path`: from the workspace, git or DVC."""
        for found in self._contents.contents(rev, path):
            if isinstance(found, MetricsRead):
                yield found
            elif isinstance(found.content, Refused):
                message = f"{found.path} {found.content.reason}"
                yield MetricsRead(found.path, "unreadable", message=message, source=found.source)
            else:
                yield self._parsed_metrics(found)

    def _parsed_metrics(self, found: FileContent) -> MetricsRead:
        """A metrics file read, parsed once per blob or DVC object."""
        assert isinstance(found.content, bytes)
        key = ("metrics", found.content_id or "", suffix(found.path))
        known = self._memory.parsed.get(key) if found.content_id else None
        if isinstance(known, MetricsRead) and known.path == found.path:
            return known if known.source == found.source else replace(known, source=found.source)
        with collector_paused():
            read = _parse(found.path, found.content, found.source)
        read = replace(read, md5=found.md5) if found.md5 is not None else read
        if found.content_id:
            self._memory.parsed.put(key, read, parsed_weight(found.content))
        return read


def _parse(path: str, content: bytes, source: str) -> MetricsRead:
    try:
        values = parse_metrics(path, content)
    except MetricsFormatError as error:
        return MetricsRead(path, "unreadable", message=str(error), source=source)
    return MetricsRead(path, "found", values=values, source=source)


def _folder_of(path: str, reads: Mapping[str, MetricsRead]) -> str | None:
    """The folder above `path` that `reads` holds as one entry without values, if any."""
    parts = path.split("/")
    for end in range(len(parts) - 1, 0, -1):
        folder = "/".join(parts[:end])
        if (read := reads.get(folder)) is not None and read.state != "found":
            return folder
    return None


def _folders_above(paths: Iterable[str]) -> set[str]:
    return {path.rsplit("/", depth)[0] for path in paths for depth in range(1, path.count("/") + 1)}
