"""What a revision holds, read without running DVC: metrics, params, outputs, stage inputs.

A revision is a commit SHA, or None for the workspace. Files of a commit come from git through
one `git cat-file --batch` process (GitObjects), found by walking the commit's trees
(GitTrees); files of the workspace from disk. Every dvc.yaml DVC would collect is read (not
inside .git/.dvc folders nor DVC subrepos), each relative to its folder with the dvc.lock
beside it, its `${...}` resolved from `vars:` as DVC resolves them (mlci.dvc.dvcfile). An output
that DVC caches (`cache: true`, DVC's default) is not in git: its content is found through that
revision's dvc.lock, whose md5 names an object in the local DVC cache (DVC 3 layout,
`files/md5/ab/cdef...`; DVC 2's `ab/cdef...` for entries without `hash: md5`) or, when the
cache lacks it, in a DVC remote that is a local folder (what `mlci init` sets up by default).
A remote in the cloud is not contacted: `dvc pull` is how an object gets here, and the
"not-in-cache" state says so.

Nothing here runs DVC, so `mlci diff` never imports it and needs no lock on the repository.

Everything read here is a pull request's to choose. Workspace files are read only inside the
repository or a DVC store (mlci.files.read_confined), blobs of a commit only up to the cap
on file size and never through a link committed to git, and every document within the caps
of mlci.bounded_load; what is refused is named, with the reason, as that file's state.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from mlci.bounded_load import MAX_BYTES, UnreadableDocument, load_json, too_large
from mlci.dvc.dvcfile import (
    NotAMapping,
    TemplateError,
    is_syntax_error,
    read_document,
    read_python_params,
    resolve_pipeline,
)
from mlci.dvc.metrics_file import (
    MetricsFormatError,
    Value,
    dotted_leaves,
    parse_metrics,
    read_structured,
)
from mlci.errors import UsageError
from mlci.files import ReadRefused, read_confined, read_regular
from mlci.git import work_tree_files
from mlci.gitbatch import (
    GITLINK_MODE,
    SKIPPED_FOLDERS,
    TREE_MODE,
    Bounded,
    Found,
    GitObjects,
    GitTrees,
    Oversized,
)
from mlci.spec.paths import normalise

Revision = str | None  # a commit SHA; None is the workspace
ParamValue = Value | None | list[Any]
MetricsState = Literal["found", "absent", "not-in-cache", "unreadable", "no-pipeline"]
OUTPUT_SECTIONS = ("outs", "metrics", "plots")
# What an md5 in dvc.lock must look like before it becomes a path into the cache: a pull
# request controls dvc.lock, and `../../etc/passwd` is not an md5.
OBJECT_NAME = re.compile(r"[0-9a-f]{32}(\.dir)?")
FILE_OBJECT_NAME = re.compile(r"[0-9a-f]{32}")
DEFAULT_PARAMS = "params.yaml"
# What is remembered across revisions, by git blob id: the bytes of files, and what a file
# parses to (a dvc.yaml, a metrics file), so that commits sharing a file parse it once. A
# history reads commits in order, and commits that share a file are neighbours: a few
# hundred entries hold what the next commit needs, however long the history.
# Both are bounded in bytes, so that a long history holds no more than a short one.
BLOB_CACHE_BYTES = 2 << 20
BLOB_OVERHEAD = 256  # bytes a remembered blob costs beyond its content
PARSED_CACHE_BYTES = 2 << 20
"""Parsed data costs some eight times its text in Python objects: weighed as such."""


@dataclass(frozen=True)
class MetricsFile:
    """A metrics file a revision's dvc.yaml declares; `cached`: a DVC output, not in git."""

    path: str
    cached: bool


@dataclass(frozen=True)
class MetricsRead:
    """One metrics file at one revision: its values, or why there are none."""

    path: str
    state: MetricsState
    values: Mapping[str, Value] = field(default_factory=dict)
    message: str = ""
    """Plain words for every state but "found"."""
    source: str = ""
    """Where the content came from: git, workspace, cache or remote."""
    md5: str | None = None
    """The DVC output's md5 in dvc.lock, for cached files."""
    declared: bool = True
    """False when the revision's dvc.yaml does not list the file as metrics (read anyway)."""


@dataclass(frozen=True)
class OutputInfo:
    """A DVC-tracked file or folder as dvc.lock or a .dvc file records it."""

    md5: str | None
    size: int | None
    nfiles: int | None
    stage: str
    """The stage that writes it, or the path of the .dvc file that tracks it."""


@dataclass(frozen=True)
class StageInputs:
    """What a stage last ran on, per dvc.lock; `digest` changes when any of it does."""

    digest: str
    cmd: str
    deps: Mapping[str, str]
    """Dependency path -> md5 (or the hash DVC recorded)."""
    params: Mapping[str, Mapping[str, ParamValue]]
    """Params file -> flat dotted key -> value."""


@dataclass(frozen=True)
class Snapshot:
    """Everything `mlci diff` compares, for one revision."""

    revision: Revision
    label: str
    has_pipeline: bool
    has_lock: bool
    metrics: Mapping[str, MetricsRead]
    params: Mapping[str, Mapping[str, ParamValue]]
    outputs: Mapping[str, OutputInfo]
    stages: Mapping[str, StageInputs]
    notes: tuple[str, ...] = ()


class BrokenPipelineFile(UsageError):
    """A dvc.yaml or dvc.lock that is not valid YAML (or not a mapping): DVC fails to read
    that revision, and so does mlci, rather than take it for a revision without a pipeline."""

    def __init__(self, rev: Revision, path: str, error: UnreadableDocument) -> None:
        self.revision, self.path = rev, path
        fix = f"fix {path}" if rev is None else f"fix {path} there, or compare with another commit"
        super().__init__(
            f"{path} at {where(rev)} cannot be read: {error}; DVC cannot read that "
            f"revision either: {fix}"
        )


def _is_pipeline_file(path: str) -> bool:
    return path.rpartition("/")[2] in ("dvc.yaml", "dvc.lock")


@dataclass(frozen=True)
class _Refused:
    """A file that is there but is not read; `reason` follows its name in a sentence."""

    reason: str


@dataclass(frozen=True)
class _Found:
    """The bytes of one file at a revision, and where they came from."""

    path: str
    content: bytes | _Refused  # refused: there, but not read
    source: str  # workspace, git, cache or remote
    md5: str | None = None  # a DVC object's
    oid: str | None = None  # a git blob's

    @property
    def content_id(self) -> str | None:
        """What names this content wherever it is read: the blob's id, the object's md5."""
        return self.oid or (f"md5:{self.md5}" if self.md5 else None)


@dataclass(frozen=True)
class _Out:
    """An output of dvc.lock or a .dvc file, with what is needed to find its content."""

    path: str
    md5: str | None
    legacy: bool  # DVC 2 entry (no `hash: md5`): stored at the cache's top level
    cached: bool
    info: OutputInfo


@dataclass(frozen=True)
class _Stage:
    """A stage of some dvc.yaml, resolved (`${...}`, foreach, matrix)."""

    name: str
    """Its name as DVC addresses it: `train`, `build@a`; `sub/dvc.yaml:train` below the root."""
    wdir: str
    """The repository path of the folder its paths are relative to."""
    data: Mapping[str, Any]
    tracked: Mapping[str, Mapping[str, Any]]
    """Vars file (repository path) -> {dotted key: value} the stage interpolates."""


@dataclass(frozen=True)
class _Resolved:
    """What a dvc.yaml resolves to, whatever its dvc.lock."""

    stages: Mapping[str, _Stage]
    metrics: list[Any]
    params: list[Any]
    problems: list[str]
    cache_flags: Mapping[str, bool]
    """Output path -> whether DVC caches it."""


@dataclass(frozen=True)
class _Pipeline:
    """One dvc.yaml of the repository, with the dvc.lock beside it."""

    path: str
    folder: str
    stages: Mapping[str, _Stage]
    """By the stage's name in this file (`train`, `build@a`)."""
    lock: Mapping[str, Mapping[str, Any]]
    """dvc.lock's stages, by their name in this file."""
    metrics: list[Any]
    params: list[Any]
    has_lock: bool
    outs: Mapping[str, _Out]
    """The outputs its dvc.lock records, by repository path."""

    def address(self, name: str) -> str:
        """DVC's name for a stage of this file: `name` at the root, else `path:name`."""
        return name if self.folder == "." else f"{self.path}:{name}"


@dataclass
class _AtRevision:
    """What the reader worked out for one revision (dropped by `forget`)."""

    files: dict[str, bytes | _Refused | None] = field(default_factory=dict)
    documents: dict[str, dict[str, Any] | BrokenPipelineFile | None] = field(default_factory=dict)
    notes: dict[str, None] = field(default_factory=dict)  # an ordered set: notes are many
    listing: list[str] | None = None
    entries: dict[str, Found] = field(default_factory=dict)  # git tree entries by path
    dvc_paths: list[str] | None = None
    pipelines: list[_Pipeline] | None = None
    stages: dict[str, _Stage] | None = None
    outs: dict[str, _Out] | None = None
    metrics: dict[str, MetricsRead] | None = None
    params_keys: dict[str, frozenset[str] | None] | None = None


class RevisionReader:
    """Reads revisions of the DVC project at `root` (a folder of a git work tree).

    What is read at a revision is kept until `forget(rev)`; what a blob or a DVC object
    parses to is kept by its id (within bounds), so that a history of commits that share
    their dvc.yaml parses it once.
    """

    def __init__(self, root: Path, objects: GitObjects) -> None:
        self.root = root
        self._objects = objects
        self._trees = GitTrees(objects)
        self._at: dict[Revision, _AtRevision] = {}
        self._stores: list[tuple[str, Path]] | None = None
        self._blobs: Bounded[str, bytes | _Refused] = Bounded(BLOB_CACHE_BYTES)
        self._parsed: Bounded[tuple[str, ...], Any] = Bounded(PARSED_CACHE_BYTES)

    def _state(self, rev: Revision) -> _AtRevision:
        state = self._at.get(rev)
        if state is None:
            state = self._at[rev] = _AtRevision()
        return state

    def forget(self, rev: Revision) -> None:
        """Drop what was read at `rev` (a history reads each commit once)."""
        self._at.pop(rev, None)
        if rev is not None:
            self._trees.forget(rev)

    # --- files --------------------------------------------------------------------------

    def read_file(self, rev: Revision, path: str) -> bytes | None:
        """A file's bytes at `rev` (None: the workspace), or None when it is not there or
        is refused (a link out of the tree, a FIFO, a file over the size cap)."""
        found = self._lookup(rev, path)
        return found if isinstance(found, bytes) else None

    def _lookup(self, rev: Revision, path: str) -> bytes | _Refused | None:
        files = self._state(rev).files
        if path not in files:
            files[path] = self._read_file(rev, path)
        return files[path]

    def _read_file(self, rev: Revision, path: str) -> bytes | _Refused | None:
        if rev is None:
            try:
                return read_confined(self.root, path, stores=[p for _, p in self.stores()])
            except ReadRefused as error:
                return _Refused(str(error))
        found = self._find(rev, path)
        if found.link is not None:
            # git stores a link as a blob holding its target: read, it would be parsed as
            # the file; followed, it would lead anywhere on this machine. Neither is done.
            where_link = "is" if found.link == path else f"lies in {found.link}, which is"
            return _Refused(f"{where_link} a symbolic link committed to git; not followed")
        if found.entry is None or found.entry.mode in (TREE_MODE, GITLINK_MODE):
            return None
        return self._blob(found.entry.oid)

    def _blob(self, oid: str) -> bytes | _Refused | None:
        known = self._blobs.get(oid)
        if known is not None:
            return known
        (found,) = self._objects.read_objects([oid], MAX_BYTES, kinds=(b"blob",))
        if found is None:
            return None
        content = found.content
        blob = _Refused(too_large(content.size)) if isinstance(content, Oversized) else content
        self._blobs.put(oid, blob, BLOB_OVERHEAD + (len(blob) if isinstance(blob, bytes) else 0))
        return blob

    def prefetch(self, revs: Sequence[str], paths: Iterable[str]) -> int:
        """Read ahead, in a few batches, what reading `paths` at each commit of `revs` will
        need: their root trees, the folders on the way, the blobs (within the cap on file
        size); returns what they weigh in the reader's memory. Only an optimisation: what
        is not read ahead is read when asked for."""
        wanted = [oid for oid in self._trees.blob_ids(revs, paths) if self._blobs.get(oid) is None]
        found = self._objects.read_objects(wanted, MAX_BYTES, kinds=(b"blob",))
        weight = 0
        for oid, blob in zip(wanted, found, strict=True):
            if blob is not None:
                content = blob.content
                if isinstance(content, Oversized):
                    self._blobs.put(oid, _Refused(too_large(content.size)), BLOB_OVERHEAD)
                else:
                    self._blobs.put(oid, content, BLOB_OVERHEAD + len(content))
                    weight += BLOB_OVERHEAD + len(content)
        return weight

    @property
    def read_ahead_bytes(self) -> int:
        """What `prefetch` may read at once and still find it all when asked for."""
        return BLOB_CACHE_BYTES // 2

    def files_read(self, rev: Revision) -> list[str]:
        """The paths read at `rev` so far (what the next commit will likely read too)."""
        return list(self._state(rev).files)

    def _blob_id(self, rev: Revision, path: str) -> str | None:
        """The git blob id of the file at `path` in commit `rev` (None for the workspace):
        what its parsed content is remembered by."""
        if rev is None:
            return None
        entry = self._find(rev, path).entry
        return entry.oid if entry is not None and not entry.is_tree else None

    def _find(self, rev: str, path: str) -> Found:
        entries = self._state(rev).entries
        if path not in entries:
            entries[path] = self._trees.find(rev, path)
        return entries[path]

    def listing(self, rev: Revision) -> list[str]:
        """Every file at `rev`: git's tree, or for the workspace what git does not ignore."""
        state = self._state(rev)
        if state.listing is None:
            if rev is None:
                state.listing = sorted(set(work_tree_files(self.root)))
            else:
                root = self._trees.root(rev)
                state.listing = sorted(p for p, _ in self._trees.files(root)) if root else []
        return state.listing

    def _document(self, rev: Revision, path: str) -> dict[str, Any] | None:
        """A DVC file at `rev` as plain data; None when absent or refused (with a note).

        Raises BrokenPipelineFile for a dvc.yaml or dvc.lock that is not valid YAML.
        """
        documents = self._state(rev).documents
        if path not in documents:
            documents[path] = self._parse_document(rev, path)
        found = documents[path]
        if isinstance(found, BrokenPipelineFile):
            raise found
        return found

    def _parse_document(
        self, rev: Revision, path: str
    ) -> dict[str, Any] | BrokenPipelineFile | None:
        found = self._lookup(rev, path)
        if isinstance(found, _Refused):
            self._note(rev, f"{path} at {where(rev)} {found.reason}; ignored")
            return None
        if found is None:
            return None
        oid = self._blob_id(rev, path)
        parsed = self._parsed.get(("document", oid)) if oid is not None else None
        if parsed is None:
            try:
                with _collector_paused():
                    parsed = read_document(found.decode("utf-8", errors="replace"))
            except UnreadableDocument as error:
                parsed = error
            if oid is not None:
                self._parsed.put(("document", oid), parsed, _parsed_weight(found))
        if not isinstance(parsed, UnreadableDocument):
            return parsed
        if _is_pipeline_file(path) and isinstance(parsed, NotAMapping) and parsed.empty:
            return {}  # DVC reads an empty dvc.yaml as a pipeline of nothing
        if _is_pipeline_file(path) and is_syntax_error(parsed):
            return BrokenPipelineFile(rev, path, parsed)
        # What mlci's caps refuse (an alias bomb, a huge file) is named, not fatal: the
        # revision reads as one without that file.
        self._note(rev, f"{path} at {where(rev)} cannot be read: {parsed}; ignored")
        return None

    def _note(self, rev: Revision, text: str) -> None:
        self._state(rev).notes[text] = None

    # --- dvc.yaml and dvc.lock ----------------------------------------------------------

    def dvc_yaml(self, rev: Revision) -> dict[str, Any] | None:
        """The root dvc.yaml (pipelines below the root: `pipelines`)."""
        return self._document(rev, "dvc.yaml")

    def dvc_lock(self, rev: Revision) -> dict[str, Any] | None:
        return self._document(rev, "dvc.lock")

    def has_pipeline(self, rev: Revision) -> bool:
        """Does `rev` hold a readable dvc.yaml, at the root or below?"""
        return bool(self._pipelines(rev))

    def _dvc_paths(self, rev: Revision) -> list[str]:
        """Where DVC looks for its files at `rev`: every dvc.yaml and .dvc file outside
        .git/.dvc folders and DVC subrepos (folders with a .dvc folder of their own)."""
        state = self._state(rev)
        if state.dvc_paths is None:
            if rev is None:
                state.dvc_paths = _dvc_paths(self.listing(None))
            else:
                root = self._trees.root(rev)
                state.dvc_paths = list(self._trees.dvc_files(root)) if root else []
        return state.dvc_paths

    def _pipelines(self, rev: Revision) -> list[_Pipeline]:
        """Every dvc.yaml at `rev`, the root's first, each resolved; raises
        BrokenPipelineFile when one of them (or its dvc.lock) is not YAML."""
        state = self._state(rev)
        if state.pipelines is None:
            paths = [p for p in self._dvc_paths(rev) if p.rpartition("/")[2] == "dvc.yaml"]
            if "dvc.yaml" not in paths:
                paths.append("dvc.yaml")  # the workspace's, if git ignores it
            found = []
            for path in sorted(paths, key=lambda p: (p != "dvc.yaml", p)):
                pipeline = self._pipeline(rev, path)
                if pipeline is not None:
                    found.append(pipeline)
            state.pipelines = found
        return state.pipelines

    def _pipeline(self, rev: Revision, path: str) -> _Pipeline | None:
        document = self._document(rev, path)
        if document is None:
            return None
        folder = path.rpartition("/")[0] or "."
        lock_path = "dvc.lock" if folder == "." else f"{folder}/dvc.lock"
        lock = self._document(rev, lock_path)
        resolved = self._resolved(rev, path, document)
        locked = _lock_stages(lock)
        return _Pipeline(
            path=path,
            folder=folder,
            stages=resolved.stages,
            lock=locked,
            metrics=resolved.metrics,
            params=resolved.params,
            has_lock=lock is not None,
            outs=_pipeline_outs(path, folder, resolved, locked),
        )

    def _resolved(self, rev: Revision, path: str, document: dict[str, Any]) -> _Resolved:
        """A dvc.yaml's stages and top-level entries, resolved. Without `${`, they depend
        on the file alone: commits that share it share them (a history of 10,000 commits
        resolves a dvc.yaml once)."""
        folder = path.rpartition("/")[0] or "."
        content = self._lookup(rev, path)
        templated = isinstance(content, bytes) and b"${" in content
        key = None
        if rev is not None and not templated:
            key = ("resolved", path, self._blob_id(rev, path) or "")
            known = self._parsed.get(key)
            if isinstance(known, _Resolved):
                for problem in known.problems:
                    self._note(rev, f"{path} at {where(rev)}: {problem}")
                return known

        def load(relative: str) -> Mapping[str, Any] | None:
            return self._vars_file(rev, normalise(folder, relative))

        pipeline = resolve_pipeline(document, load, templated=templated)
        for problem in pipeline.problems:
            self._note(rev, f"{path} at {where(rev)}: {problem}")
        stages = {}
        for name, stage in pipeline.stages.items():
            wdir = normalise(folder, stage.wdir) or folder
            tracked = {
                repo_path: values
                for file, values in stage.tracked.items()
                if (repo_path := normalise(folder, file)) is not None
            }
            stages[name] = _Stage(
                name if folder == "." else f"{path}:{name}", wdir, stage.data, tracked
            )
        resolved = _Resolved(
            stages,
            pipeline.metrics,
            pipeline.params,
            pipeline.problems,
            _cache_flags(stages.values()),
        )
        if key is not None:
            self._parsed.put(key, resolved, _parsed_weight(content or b""))
        return resolved

    def _vars_file(self, rev: Revision, path: str | None) -> Mapping[str, Any] | None:
        """A file dvc.yaml's `vars:` names (or params.yaml), read as DVC reads it from git
        or the workspace (never from the DVC cache); raises TemplateError."""
        if path is None:
            raise TemplateError("it lies outside the repository")
        content = self._lookup(rev, path)
        if content is None:
            return None
        if isinstance(content, _Refused):
            raise TemplateError(f"{path} {content.reason}")
        try:
            data = self._parsed_params(_Found(path, content, "", oid=self._blob_id(rev, path)))
        except UnreadableDocument as error:
            raise TemplateError(f"{path} cannot be read: {error}") from None
        if not isinstance(data, Mapping):
            raise TemplateError(f"{path} holds {type(data).__name__}, not a mapping")
        return data

    def _parsed_params(self, found: _Found) -> Any:
        """A params file's data (by its suffix), parsed once per blob or DVC object; raises
        UnreadableDocument."""
        assert isinstance(found.content, bytes)
        key = ("params", found.content_id or "", _suffix(found.path))
        parsed = self._parsed.get(key) if found.content_id else None
        if parsed is None:
            try:
                with _collector_paused():
                    parsed = _read_params_file(found.path, found.content)
            except UnreadableDocument as error:
                parsed = error
            if found.content_id:
                self._parsed.put(key, parsed, _parsed_weight(found.content))
        if isinstance(parsed, UnreadableDocument):
            raise parsed
        return parsed

    def _stages(self, rev: Revision) -> dict[str, _Stage]:
        """Every resolved stage of every dvc.yaml at `rev`, by DVC's address."""
        # Asked once per stage of dvc.lock: worked out once, or 10,000 stages cost 10^8 steps.
        state = self._state(rev)
        if state.stages is None:
            state.stages = {
                stage.name: stage
                for pipeline in self._pipelines(rev)
                for stage in pipeline.stages.values()
            }
        return state.stages

    def metrics_files(self, rev: Revision) -> list[MetricsFile]:
        """The metrics files `rev`'s dvc.yaml files declare: stage `metrics:` and top-level
        ones (relative to their dvc.yaml's folder)."""
        found: dict[str, MetricsFile] = {}
        for stage in self._stages(rev).values():
            for raw, options in _entries(stage.data.get("metrics")):
                if (path := normalise(stage.wdir, raw)) is not None:
                    found[path] = MetricsFile(path, options.get("cache", True) is not False)
        for pipeline in self._pipelines(rev):
            for raw in pipeline.metrics:
                path = normalise(pipeline.folder, raw) if isinstance(raw, str) else None
                if path is not None and path not in found:
                    found[path] = MetricsFile(path, self._is_cached(rev, path))
        return list(found.values())

    def _is_cached(self, rev: Revision, path: str) -> bool:
        out = self._owner(rev, path)
        return out is not None and out.cached

    # --- outputs ------------------------------------------------------------------------

    def _outs(self, rev: Revision) -> dict[str, _Out]:
        """Outputs of every dvc.lock and of every .dvc file at `rev`, by repository path."""
        state = self._state(rev)
        if state.outs is None:
            outs = self._lock_outs(rev)
            for dvc_file in self._dvc_paths(rev):
                if dvc_file.endswith(".dvc"):
                    outs.update(self._dvc_file_outs(rev, dvc_file))
            state.outs = outs
        return state.outs

    def _lock_outs(self, rev: Revision) -> dict[str, _Out]:
        outs: dict[str, _Out] = {}
        for pipeline in self._pipelines(rev):
            outs.update(pipeline.outs)
        return outs

    def _dvc_file_outs(self, rev: Revision, dvc_file: str) -> dict[str, _Out]:
        document = self._document(rev, dvc_file) or {}
        folder = dvc_file.rpartition("/")[0] or "."
        outs: dict[str, _Out] = {}
        for entry in _list(document.get("outs")):
            out = _out(entry, folder, dvc_file, {})
            if out is not None:
                outs[out.path] = out
        return outs

    def outputs(self, rev: Revision) -> dict[str, OutputInfo]:
        return {path: out.info for path, out in sorted(self._outs(rev).items())}

    def _owner(self, rev: Revision, path: str) -> _Out | None:
        """The output that is `path` or a folder holding it."""
        outs = self._outs(rev)
        parts = path.split("/")
        for end in range(len(parts), 0, -1):
            if (out := outs.get("/".join(parts[:end]))) is not None:
                return out
        return None

    # --- metrics ------------------------------------------------------------------------

    def read_metrics(self, rev: Revision, also: Iterable[str] = ()) -> dict[str, MetricsRead]:
        """Every metrics file `rev` declares, and the paths in `also` it does not declare.

        `also` lets one side of a comparison be read at the files the other side declares:
        a file the base did not declare may still be there (committed, or a DVC output).
        """
        if not self.has_pipeline(rev):
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
        state = self._state(rev)
        if state.metrics is None:
            result: dict[str, MetricsRead] = {}
            for metrics_file in self.metrics_files(rev):
                for read in self._read_declared(rev, metrics_file):
                    result.setdefault(read.path, read)
            state.metrics = result
        return state.metrics

    def _read_declared(self, rev: Revision, metrics_file: MetricsFile) -> list[MetricsRead]:
        path = metrics_file.path
        reads = list(self._read_any(rev, path))
        if reads:
            return reads
        if metrics_file.cached and self._owner(rev, path) is None:
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
        for found in self._contents(rev, path):
            if isinstance(found, MetricsRead):
                yield found
            elif isinstance(found.content, _Refused):
                message = f"{found.path} {found.content.reason}"
                yield MetricsRead(found.path, "unreadable", message=message, source=found.source)
            else:
                yield self._parsed_metrics(found)

    def _parsed_metrics(self, found: _Found) -> MetricsRead:
        """A metrics file read, parsed once per blob or DVC object."""
        assert isinstance(found.content, bytes)
        key = ("metrics", found.content_id or "", _suffix(found.path))
        known = self._parsed.get(key) if found.content_id else None
        if isinstance(known, MetricsRead) and known.path == found.path:
            return known if known.source == found.source else replace(known, source=found.source)
        with _collector_paused():
            read = _parse(found.path, found.content, found.source)
        read = replace(read, md5=found.md5) if found.md5 is not None else read
        if found.content_id:
            self._parsed.put(key, read, _parsed_weight(found.content))
        return read

    def _contents(self, rev: Revision, path: str) -> Iterator[_Found | MetricsRead]:
        """The bytes of the file at `path`, or of each file of the folder at `path`: from the
        workspace or git, else, for a DVC output, from the cache or a local remote. Where
        there are none, a MetricsRead says why (nothing at all: no such file or folder)."""
        out = self._owner(rev, path)
        if rev is None or out is None or not out.cached:
            contents = self._plain_contents(rev, path)
            if contents:
                source = "workspace" if rev is None else "git"
                for name, content in contents.items():
                    yield _Found(name, content, source, oid=self._blob_id(rev, name))
                return
        if out is not None and out.cached:
            yield from self._cached_contents(out, path)

    def _plain_contents(self, rev: Revision, path: str) -> dict[str, bytes | _Refused]:
        content = self._lookup(rev, path)
        if content is not None:
            return {path: content}
        # A folder of metrics files: DVC reads each file in it.
        names = self._folder(rev, path)
        return {name: data for name in names if (data := self._lookup(rev, name)) is not None}

    def _folder(self, rev: Revision, path: str) -> list[str]:
        if rev is not None:
            entry = self._find(rev, path).entry
            if entry is None or not entry.is_tree:
                return []
            return sorted(f"{path}/{name}" for name, _ in self._trees.files(entry.oid))
        # Only a folder inside the repository gets here (read_confined refused any other);
        # os.walk enters no linked folder, and each file found is read confined again.
        files: list[Path] = []
        for top, _, names in os.walk(self.root / path):
            files.extend(Path(top) / name for name in names)
        return [p.relative_to(self.root).as_posix() for p in sorted(files)]

    # --- the DVC cache ------------------------------------------------------------------

    def _cached_contents(self, out: _Out, path: str) -> Iterator[_Found | MetricsRead]:
        if out.md5 is None:
            yield MetricsRead(path, "absent", message=f"dvc.lock records no md5 for {out.path}")
            return
        if not OBJECT_NAME.fullmatch(out.md5):
            yield _bad_md5(path, out.md5)
            return
        if not out.md5.endswith(".dir"):
            yield self._object_content(path, out.md5, out.legacy)
            return
        manifest = self._object(out.md5, out.legacy)
        if manifest is None:
            yield self._not_in_cache(path, out.md5)
            return
        if isinstance(manifest, _Refused):
            yield _refused_object(path, out.md5, manifest)
            return
        try:
            entries = load_json(manifest[1])
        except UnreadableDocument as error:
            message = f"the DVC cache's listing of {out.path} (md5 {out.md5}) {error}"
            yield MetricsRead(path, "unreadable", message=message, md5=out.md5)
            return
        inside = path[len(out.path) + 1 :] if path != out.path else ""
        for entry in entries if isinstance(entries, list) else ():
            relpath = str(entry.get("relpath", "")) if isinstance(entry, dict) else ""
            if relpath and (not inside or relpath == inside or relpath.startswith(inside + "/")):
                md5 = str(entry.get("md5"))
                yield self._object_content(f"{out.path}/{relpath}", md5, out.legacy)

    def _object_content(self, path: str, md5: str, legacy: bool) -> _Found | MetricsRead:
        if not FILE_OBJECT_NAME.fullmatch(md5):
            return _bad_md5(path, md5)
        found = self._object(md5, legacy)
        if found is None:
            return self._not_in_cache(path, md5)
        if isinstance(found, _Refused):
            return _refused_object(path, md5, found)
        source, content = found
        return _Found(path, content, source, md5)

    def _not_in_cache(self, path: str, md5: str) -> MetricsRead:
        message = (
            f"{path} is a DVC output (md5 {md5}) that is not in the local DVC cache: fetch it "
            "with `dvc pull` (or `mlci run --pull`); if the remote lacks it too, it was never "
            "pushed: run `dvc push` where that revision was reproduced (CI on main does)"
        )
        return MetricsRead(path, "not-in-cache", message=message, md5=md5)

    def _object(self, md5: str, legacy: bool) -> tuple[str, bytes] | _Refused | None:
        """(store kind, content) of a DVC object, from the cache or a local remote."""
        assert OBJECT_NAME.fullmatch(md5), md5  # checked by the callers: it becomes a path
        for kind, store in self.stores():
            base = store if legacy else store / "files" / "md5"
            try:
                content = read_regular(base / md5[:2] / md5[2:])
            except ReadRefused as error:
                return _Refused(f"in the DVC {kind} {error}")
            if content is not None:
                return kind, content
        return None

    def stores(self) -> list[tuple[str, Path]]:
        """Where DVC objects may be: the cache (`cache.dir` if set), then local remotes."""
        if self._stores is None:
            self._stores = object_stores(self.root)
        return self._stores

    # --- params and stages --------------------------------------------------------------

    def params(self, rev: Revision) -> dict[str, dict[str, ParamValue]]:
        """Each params file the pipelines read at `rev`, flattened to dotted keys: the whole
        file, or only the keys stages track in it, as `dvc params diff` reads them; and the
        vars stages interpolate from files not read as params (DVC's `_collect_vars`)."""
        keys_by_file = self._params_keys(rev)
        result: dict[str, dict[str, ParamValue]] = {}
        for path, keys in keys_by_file.items():
            # A DVC output (a .dvc file's, a stage's) comes from the cache or a remote, and
            # a folder gives each file in it, as DVC's `try_expand_paths` does.
            for found in self._contents(rev, path):
                if isinstance(found, MetricsRead):
                    if found.state != "absent":  # a file that is not there is no params
                        self._note(rev, found.message)
                    continue
                if isinstance(found.content, _Refused):
                    self._note(rev, f"{found.path} at {where(rev)} {found.content.reason}")
                    continue
                try:
                    data = self._parsed_params(found)
                except UnreadableDocument as error:
                    self._note(rev, f"{found.path} at {where(rev)} cannot be read: {error}")
                    continue
                if isinstance(data, Mapping):
                    result[found.path] = _tracked(flatten_params(data), keys)
        for stage in self._stages(rev).values():
            for file, values in stage.tracked.items():
                if file not in keys_by_file:
                    result.setdefault(file, {}).update(flatten_params(values))
        return result

    def _params_keys(self, rev: Revision) -> dict[str, frozenset[str] | None]:
        """Params file -> the keys stages track in it, or None where it is read whole.

        As DVC's `_collect_params`: params.yaml at the root, a file listed `{file: null}`
        (or with no keys) and a file of a dvc.yaml's top-level `params:` are read whole; in
        any other file only the keys stages name (a key names its subtree too).
        """
        state = self._state(rev)
        if state.params_keys is not None:
            return state.params_keys
        tracked: dict[str, set[str]] = {}
        whole = {DEFAULT_PARAMS}
        stages = self._stages(rev)
        for stage in stages.values():
            for file, keys in _params_entries(stage.data.get("params")):
                path = _in(stage.wdir, file)
                if keys:
                    tracked.setdefault(path, set()).update(keys)
                else:
                    whole.add(path)
        for pipeline in self._pipelines(rev):
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
        found: dict[str, frozenset[str] | None] = {
            path: frozenset(keys) for path, keys in tracked.items()
        }
        found.update(dict.fromkeys(whole))
        state.params_keys = {path: found[path] for path in sorted(found) if path}
        return state.params_keys

    def stage_inputs(self, rev: Revision) -> dict[str, StageInputs]:
        """Per stage of every dvc.lock: its command, dependency hashes and params, and a
        digest; stages below the root named as DVC names them (`sub/dvc.yaml:train`)."""
        stages = self._stages(rev)
        result: dict[str, StageInputs] = {}
        for pipeline in self._pipelines(rev):
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
            for pipeline in self._pipelines(rev)
            for name, locked in pipeline.lock.items()
        }

    def lock_digests(self, rev: Revision) -> dict[str, str]:
        """Stage address -> a digest of everything its dvc.lock entry records (a change
        means the stage ran again), worked out once per dvc.lock blob."""
        digests: dict[str, str] = {}
        for pipeline in self._pipelines(rev):
            lock_path = "dvc.lock" if pipeline.folder == "." else f"{pipeline.folder}/dvc.lock"
            key = ("lock-digests", pipeline.path, self._blob_id(rev, lock_path) or "")
            known = self._parsed.get(key) if key[2] else None
            if known is None:
                known = {
                    pipeline.address(name): hashlib.sha256(
                        json.dumps(entry, sort_keys=True, default=str).encode()
                    ).hexdigest()
                    for name, entry in pipeline.lock.items()
                }
                if key[2]:
                    self._parsed.put(key, known, 256 + 200 * len(known))
            digests.update(known)
        return digests

    def notes(self, rev: Revision) -> tuple[str, ...]:
        return tuple(self._state(rev).notes)

    # --- everything ---------------------------------------------------------------------

    def snapshot(self, rev: Revision, label: str, also: Iterable[str] = ()) -> Snapshot:
        """All of the above for `rev`; `also`: metrics paths to read even if not declared."""
        metrics = self.read_metrics(rev, also)
        return Snapshot(
            revision=rev,
            label=label,
            has_pipeline=self.has_pipeline(rev),
            has_lock=any(pipeline.has_lock for pipeline in self._pipelines(rev)),
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


def where(rev: Revision) -> str:
    return "the workspace" if rev is None else f"commit {rev[:12]}"


# --- helpers: plain data in, plain data out -------------------------------------------------


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


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _entries(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, options) for a dvc.yaml list whose items are `path` or `{path: options}`."""
    for entry in _list(value):
        if isinstance(entry, str):
            yield entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            ((path, options),) = entry.items()
            yield str(path), options if isinstance(options, dict) else {}


def _lock_stages(lock: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
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


def _in(wdir: str, file: Any) -> str:
    """A params file's repository path ("" when it lies outside the repository)."""
    return normalise(wdir, str(file)) or ""


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector runs every so many allocations and walks the objects alive:
    a dvc.yaml of 4,000 stages makes it walk a growing heap again and again, and parsing took
    2.5x as long for twice the stages (with it paused, exactly twice). The parsers build
    trees of plain data, no cycles to collect; it runs again right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parsed_weight(content: bytes | _Refused) -> int:
    return 256 + 8 * (len(content) if isinstance(content, bytes) else 0)


def _suffix(path: str) -> str:
    name = path.rpartition("/")[2]
    return name.rpartition(".")[2].lower() if "." in name else ""


def _read_params_file(path: str, content: bytes) -> Any:
    """A params file's data by its suffix, as DVC's `load_path` picks its loader."""
    if path.lower().endswith(".py"):
        return read_python_params(content)
    return read_structured(path, content)


def _params_entries(value: Any) -> Iterator[tuple[str, list[str]]]:
    """(file, keys) for a stage's `params:`, as DVC's `_merge_params` reads it: a bare key
    is one of params.yaml; `{file: [keys]}` names keys of a file; `{file: null}` (or no
    keys) the whole file, which is then []."""
    for entry in _list(value):
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


def _pipeline_outs(
    path: str, folder: str, resolved: _Resolved, lock: Mapping[str, Mapping[str, Any]]
) -> dict[str, _Out]:
    """The outputs a dvc.lock records, each relative to its stage's wdir, cached or not as
    dvc.yaml says (dvc.lock does not)."""
    cached = resolved.cache_flags
    outs: dict[str, _Out] = {}
    for name, locked in lock.items():
        stage = resolved.stages.get(name)
        wdir = stage.wdir if stage is not None else folder
        address = name if folder == "." else f"{path}:{name}"
        for entry in _list(locked.get("outs")):
            out = _out(entry, wdir, address, cached)
            if out is not None:
                outs[out.path] = out
    return outs


def _cache_flags(stages: Iterable[_Stage]) -> dict[str, bool]:
    """Output path -> whether DVC caches it (dvc.lock does not say; dvc.yaml does)."""
    flags: dict[str, bool] = {}
    for stage in stages:
        for section in OUTPUT_SECTIONS:
            for raw, options in _entries(stage.data.get(section)):
                if (path := normalise(stage.wdir, raw)) is not None:
                    flags[path] = options.get("cache", True) is not False
    return flags


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _out(entry: Any, folder: str, owner: str, cached: Mapping[str, bool]) -> _Out | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        return None
    path = normalise(folder, entry["path"])
    if path is None:
        return None
    md5 = entry.get("md5") or entry.get("etag") or entry.get("checksum")
    md5 = str(md5) if md5 is not None else None
    is_cached = cached.get(path, entry.get("cache", True) is not False)
    info = OutputInfo(md5, _int(entry.get("size")), _int(entry.get("nfiles")), owner)
    return _Out(path, md5, entry.get("hash") != "md5", is_cached, info)


def _stage_inputs(locked: Mapping[str, Any], wdir: str) -> StageInputs:
    cmd = locked.get("cmd", "")
    command = " && ".join(map(str, cmd)) if isinstance(cmd, list) else str(cmd)
    deps: dict[str, str] = {}
    for entry in _list(locked.get("deps")):
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


def flatten_params(data: Mapping[Any, Any]) -> dict[str, ParamValue]:
    """Nested params as dotted keys (metrics_format.dotted_leaves); lists and nulls are
    values too (unlike metrics), and dates and other YAML types are compared as text."""
    return {
        name: value
        if value is None or isinstance(value, (int, float, str, bool, list))
        else str(value)
        for name, value in dotted_leaves(data)
    }


def _bad_md5(path: str, md5: str) -> MetricsRead:
    shown = md5 if len(md5) <= 80 else md5[:77] + "..."
    message = (
        f"dvc.lock records {shown!r} as the md5 of {path}, which is not an md5 (32 hex "
        "digits): the lock file was edited by hand or damaged; nothing was read for it"
    )
    return MetricsRead(path, "unreadable", message=message)


def _refused_object(path: str, md5: str, refused: _Refused) -> MetricsRead:
    message = f"{path} is a DVC output (md5 {md5}) whose object {refused.reason}"
    return MetricsRead(path, "unreadable", message=message, md5=md5)


def _parse(path: str, content: bytes, source: str) -> MetricsRead:
    try:
        values = parse_metrics(path, content)
    except MetricsFormatError as error:
        return MetricsRead(path, "unreadable", message=str(error), source=source)
    return MetricsRead(path, "found", values=values, source=source)


def _dvc_paths(listing: Iterable[str]) -> list[str]:
    """The dvc.yaml and .dvc files of a listing DVC collects: none inside .git, .hg or
    .dvc folders, nor inside a DVC subrepo (a folder holding a .dvc folder of its own)."""
    files = list(listing)
    subrepos = set()
    for path in files:
        parts = path.split("/")
        if ".dvc" in parts[1:-1]:
            subrepos.add("/".join(parts[: parts.index(".dvc", 1)]))
    found = []
    for path in files:
        parts = path.split("/")
        name = parts[-1]
        if name != "dvc.yaml" and not name.endswith(".dvc"):
            continue
        if SKIPPED_FOLDERS.intersection(parts[:-1]):
            continue
        if any("/".join(parts[:end]) in subrepos for end in range(1, len(parts))):
            continue
        found.append(path)
    return found


def object_stores(root: Path) -> list[tuple[str, Path]]:
    """(kind, folder) of every place DVC objects may be: the cache first, then local remotes."""
    config = read_dvc_config(root)
    dvc_dir = root / ".dvc"
    cache_dir = config.get("cache", {}).get("dir")
    stores = [("cache", _config_path(dvc_dir, cache_dir) if cache_dir else dvc_dir / "cache")]
    default = config.get("core", {}).get("remote")
    remotes = sorted(
        (name != f'remote "{default}"', values.get("url", ""))
        for name, values in config.items()
        if name.startswith("remote ")
    )
    for _, url in remotes:
        if url and "://" not in url:  # a folder: the same layout as the cache
            stores.append(("remote", _config_path(dvc_dir, url)))
        elif url.startswith("file://"):
            stores.append(("remote", Path(url.removeprefix("file://"))))
    return stores


def _config_path(dvc_dir: Path, value: str) -> Path:
    """A path in DVC's config: relative to the folder of the config file, `~` expanded."""
    return dvc_dir / Path(value).expanduser()


def read_dvc_config(root: Path) -> dict[str, dict[str, str]]:
    """`.dvc/config` then `.dvc/config.local` (which wins), as {section: {key: value}}.

    DVC writes these with configobj: `['remote "storage"']` headers and indented keys, which
    configparser reads as continuation lines, so they are parsed here line by line.
    """
    sections: dict[str, dict[str, str]] = {}
    for name in ("config", "config.local"):
        try:
            content = read_confined(root, f".dvc/{name}")
        except ReadRefused:  # a link out, a FIFO: no config mlci can trust to read
            continue
        if content is None:
            continue
        text = content.decode("utf-8", errors="replace")
        section = ""
        for raw in text.splitlines():
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                section = _unquote(line[1:-1].strip())
            elif section and "=" in line and not line.startswith(("#", ";")):
                key, value = (part.strip() for part in line.split("=", 1))
                sections.setdefault(section, {})[key] = _unquote(value)
    return sections


def _unquote(text: str) -> str:
    """`'remote "storage"'` -> `remote "storage"`: one layer of matching quotes."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text
