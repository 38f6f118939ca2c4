"""What a revision holds, read without running DVC: metrics, params, outputs, stage inputs.

A revision is a commit SHA, or None for the workspace. Files of a commit come from git through
one `git cat-file --batch` process (GitObjects); files of the workspace from disk. An output
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

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from mlci.bounded_load import MAX_BYTES, UnreadableDocument, load_json, too_large
from mlci.dvcfile import NotAMapping, is_syntax_error, read_document, read_python_params
from mlci.errors import UsageError
from mlci.files import ReadRefused, read_confined, read_regular
from mlci.gitbatch import GitObjects, Oversized
from mlci.metrics_format import MetricsFormatError, Value, parse_metrics, read_structured
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
GIT_LINK_MODE = "120000"


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


@dataclass(frozen=True)
class _Out:
    """An output of dvc.lock or a .dvc file, with what is needed to find its content."""

    path: str
    md5: str | None
    legacy: bool  # DVC 2 entry (no `hash: md5`): stored at the cache's top level
    cached: bool
    info: OutputInfo


class RevisionReader:
    """Reads revisions of the DVC project at `root` (a folder of a git work tree)."""

    def __init__(self, root: Path, objects: GitObjects) -> None:
        self.root = root
        self._objects = objects
        self._files: dict[tuple[Revision, str], bytes | _Refused | None] = {}
        self._listings: dict[Revision, tuple[list[str], frozenset[str]]] = {}
        self._stores: list[tuple[str, Path]] | None = None
        self._notes: dict[Revision, dict[str, None]] = {}  # an ordered set: notes are many
        self._documents: dict[tuple[Revision, str], dict[str, Any] | BrokenPipelineFile | None] = {}
        self._outs_at: dict[Revision, dict[str, _Out]] = {}
        self._stages_at: dict[Revision, dict[str, dict[str, Any]]] = {}
        self._metrics_at: dict[Revision, dict[str, MetricsRead]] = {}

    # --- files --------------------------------------------------------------------------

    def read_file(self, rev: Revision, path: str) -> bytes | None:
        """A file's bytes at `rev` (None: the workspace), or None when it is not there or
        is refused (a link out of the tree, a FIFO, a file over the size cap)."""
        found = self._lookup(rev, path)
        return found if isinstance(found, bytes) else None

    def _lookup(self, rev: Revision, path: str) -> bytes | _Refused | None:
        if (rev, path) not in self._files:
            self._files[rev, path] = self._read_file(rev, path)
        return self._files[rev, path]

    def _read_file(self, rev: Revision, path: str) -> bytes | _Refused | None:
        if rev is None:
            try:
                return read_confined(self.root, path, stores=[p for _, p in self.stores()])
            except ReadRefused as error:
                return _Refused(str(error))
        if (link := self._committed_link(rev, path)) is not None:
            # git stores a link as a blob holding its target: read, it would be parsed as
            # the file; followed, it would lead anywhere on this machine. Neither is done.
            where_link = "is" if link == path else f"lies in {link}, which is"
            return _Refused(f"{where_link} a symbolic link committed to git; not followed")
        (found,) = self._objects.read_bounded([(rev, path)], MAX_BYTES)
        return _Refused(too_large(found.size)) if isinstance(found, Oversized) else found

    def _committed_link(self, rev: str, path: str) -> str | None:
        """`path`, or the folder of it, that is a symbolic link in `rev`'s tree."""
        links = self._listing(rev)[1]
        if not links:
            return None
        parts = path.split("/")
        return next(
            (link for end in range(1, len(parts) + 1) if (link := "/".join(parts[:end])) in links),
            None,
        )

    def listing(self, rev: Revision) -> list[str]:
        """Every file at `rev`: git's tree, or for the workspace what git does not ignore."""
        return self._listing(rev)[0]

    def _listing(self, rev: Revision) -> tuple[list[str], frozenset[str]]:
        if rev not in self._listings:
            self._listings[rev] = _list_files(self.root, rev)
        return self._listings[rev]

    def _document(self, rev: Revision, path: str) -> dict[str, Any] | None:
        """A DVC file at `rev` as plain data; None when absent or refused (with a note).

        Raises BrokenPipelineFile for a dvc.yaml or dvc.lock that is not valid YAML.
        """
        if (rev, path) not in self._documents:
            self._documents[rev, path] = self._parse_document(rev, path)
        found = self._documents[rev, path]
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
        try:
            return read_document(found.decode("utf-8", errors="replace"))
        except UnreadableDocument as error:
            if _is_pipeline_file(path) and isinstance(error, NotAMapping) and error.empty:
                return {}  # DVC reads an empty dvc.yaml as a pipeline of nothing
            if _is_pipeline_file(path) and is_syntax_error(error):
                return BrokenPipelineFile(rev, path, error)
            # What mlci's caps refuse (an alias bomb, a huge file) is named, not fatal: the
            # revision reads as one without that file.
            self._note(rev, f"{path} at {where(rev)} cannot be read: {error}; ignored")
            return None

    def _note(self, rev: Revision, text: str) -> None:
        self._notes.setdefault(rev, {})[text] = None

    # --- dvc.yaml and dvc.lock ----------------------------------------------------------

    def dvc_yaml(self, rev: Revision) -> dict[str, Any] | None:
        return self._document(rev, "dvc.yaml")

    def dvc_lock(self, rev: Revision) -> dict[str, Any] | None:
        return self._document(rev, "dvc.lock")

    def _stages(self, rev: Revision) -> dict[str, dict[str, Any]]:
        """dvc.yaml's stages that can be read as written (not foreach/matrix templates)."""
        # Asked once per stage of dvc.lock: worked out once, or 10,000 stages cost 10^8 steps.
        if rev not in self._stages_at:
            self._stages_at[rev] = self._readable_stages(rev)
        return self._stages_at[rev]

    def _readable_stages(self, rev: Revision) -> dict[str, dict[str, Any]]:
        stages = (self.dvc_yaml(rev) or {}).get("stages")
        found: dict[str, dict[str, Any]] = {}
        for name, stage in (stages if isinstance(stages, dict) else {}).items():
            if not isinstance(stage, dict):
                continue
            if "foreach" in stage or "matrix" in stage:
                # Their paths hold ${...} that only DVC's templating resolves.
                self._note(
                    rev,
                    f"stage {name!r} is a foreach/matrix template: its metrics "
                    "files are not read (its outputs are, from dvc.lock)",
                )
                continue
            found[str(name)] = stage
        return found

    def metrics_files(self, rev: Revision) -> list[MetricsFile]:
        """The metrics files `rev`'s dvc.yaml declares: stage `metrics:` and top-level ones."""
        found: dict[str, MetricsFile] = {}
        for stage in self._stages(rev).values():
            wdir = str(stage.get("wdir", "."))
            for raw, options in _entries(stage.get("metrics")):
                if (path := self._path(rev, wdir, raw)) is not None:
                    found[path] = MetricsFile(path, options.get("cache", True) is not False)
        top = (self.dvc_yaml(rev) or {}).get("metrics")
        for raw in top if isinstance(top, list) else ():
            path = self._path(rev, ".", raw) if isinstance(raw, str) else None
            if path is not None and path not in found:
                found[path] = MetricsFile(path, self._is_cached(rev, path))
        return list(found.values())

    def _path(self, rev: Revision, wdir: str, raw: str) -> str | None:
        if "${" in raw or "${" in wdir:
            self._note(rev, f"{raw!r} uses DVC templating (${{...}}); it is not read")
            return None
        return normalise(wdir, raw)

    def _is_cached(self, rev: Revision, path: str) -> bool:
        out = self._owner(rev, path)
        return out is not None and out.cached

    # --- outputs ------------------------------------------------------------------------

    def _outs(self, rev: Revision) -> dict[str, _Out]:
        """Outputs of dvc.lock and of every .dvc file at `rev`, by repository path."""
        if rev not in self._outs_at:
            outs = self._lock_outs(rev)
            for dvc_file in self._dvc_files(rev):
                outs.update(self._dvc_file_outs(rev, dvc_file))
            self._outs_at[rev] = outs
        return self._outs_at[rev]

    def _lock_outs(self, rev: Revision) -> dict[str, _Out]:
        stages = self._stages(rev)
        cached = _cache_flags(stages)
        outs: dict[str, _Out] = {}
        for name, locked in _lock_stages(self.dvc_lock(rev)).items():
            wdir = str(stages.get(name.split("@")[0], {}).get("wdir", "."))
            for entry in _list(locked.get("outs")):
                out = _out(entry, wdir, name, cached)
                if out is not None:
                    outs[out.path] = out
        return outs

    def _dvc_files(self, rev: Revision) -> list[str]:
        return [
            name
            for name in self.listing(rev)
            if name.endswith(".dvc") and not name.startswith(".dvc/")
        ]

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
        if self.dvc_yaml(rev) is None:
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
        if rev not in self._metrics_at:
            result: dict[str, MetricsRead] = {}
            for metrics_file in self.metrics_files(rev):
                for read in self._read_declared(rev, metrics_file):
                    result.setdefault(read.path, read)
            self._metrics_at[rev] = result
        return self._metrics_at[rev]

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
                read = _parse(found.path, found.content, found.source)
                yield replace(read, md5=found.md5) if found.md5 is not None else read

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
                    yield _Found(name, content, source)
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
            return [name for name in self.listing(rev) if name.startswith(path + "/")]
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
        """Each params file the pipeline reads at `rev`, flattened to dotted keys: the whole
        file, or only the keys stages track in it, as `dvc params diff` reads them."""
        result: dict[str, dict[str, ParamValue]] = {}
        for path, keys in self._params_keys(rev).items():
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
                    data = _read_params_file(found.path, found.content)
                except UnreadableDocument as error:
                    self._note(rev, f"{found.path} at {where(rev)} cannot be read: {error}")
                    continue
                if isinstance(data, Mapping):
                    result[found.path] = _tracked(flatten_params(data), keys)
        return result

    def _params_keys(self, rev: Revision) -> dict[str, frozenset[str] | None]:
        """Params file -> the keys stages track in it, or None where it is read whole.

        As DVC's `_collect_params`: params.yaml at the root, a file listed `{file: null}`
        (or with no keys) and a file of dvc.yaml's top-level `params:` are read whole; in
        any other file only the keys stages name (a key names its subtree too).
        """
        tracked: dict[str, set[str]] = {}
        whole = {DEFAULT_PARAMS}
        readable = self._stages(rev)
        for stage in readable.values():
            wdir = str(stage.get("wdir", "."))
            for file, keys in _params_entries(stage.get("params")):
                path = _in(wdir, file)
                if keys:
                    tracked.setdefault(path, set()).update(keys)
                else:
                    whole.add(path)
        # Stages only dvc.lock can tell of (foreach/matrix templates): the keys it recorded.
        for name, locked in _lock_stages(self.dvc_lock(rev)).items():
            if name.split("@")[0] in readable:
                continue
            params = locked.get("params")
            for file, values in params.items() if isinstance(params, dict) else ():
                recorded = values if isinstance(values, dict) else {}
                tracked.setdefault(_in(".", file), set()).update(map(str, recorded))
        top = (self.dvc_yaml(rev) or {}).get("params")
        whole.update(_in(".", file) for file in _list(top) if isinstance(file, str))
        found: dict[str, frozenset[str] | None] = {
            path: frozenset(keys) for path, keys in tracked.items()
        }
        found.update(dict.fromkeys(whole))
        return {path: found[path] for path in sorted(found) if path and "${" not in path}

    def stage_inputs(self, rev: Revision) -> dict[str, StageInputs]:
        """Per stage of dvc.lock: its command, dependency hashes and params, and a digest."""
        stages = self._stages(rev)
        result: dict[str, StageInputs] = {}
        for name, locked in _lock_stages(self.dvc_lock(rev)).items():
            wdir = str(stages.get(name.split("@")[0], {}).get("wdir", "."))
            result[name] = _stage_inputs(locked, wdir)
        return result

    # --- everything ---------------------------------------------------------------------

    def snapshot(self, rev: Revision, label: str, also: Iterable[str] = ()) -> Snapshot:
        """All of the above for `rev`; `also`: metrics paths to read even if not declared."""
        metrics = self.read_metrics(rev, also)
        return Snapshot(
            revision=rev,
            label=label,
            has_pipeline=self.dvc_yaml(rev) is not None,
            has_lock=self.dvc_lock(rev) is not None,
            metrics=metrics,
            params=self.params(rev),
            outputs=self.outputs(rev),
            stages=self.stage_inputs(rev),
            notes=tuple(self._notes.get(rev, ())),
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
        if reader.dvc_yaml(rev) is not None:
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
    stages = (lock or {}).get("stages")
    items = stages.items() if isinstance(stages, dict) else ()
    return {str(name): stage for name, stage in items if isinstance(stage, dict)}


def _in(wdir: str, file: Any) -> str:
    """A params file's repository path ("" when it lies outside the repository)."""
    return normalise(wdir, str(file)) or ""


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


def _cache_flags(stages: Mapping[str, Mapping[str, Any]]) -> dict[str, bool]:
    """Output path -> whether DVC caches it (dvc.lock does not say; dvc.yaml does)."""
    flags: dict[str, bool] = {}
    for stage in stages.values():
        wdir = str(stage.get("wdir", "."))
        for section in OUTPUT_SECTIONS:
            for raw, options in _entries(stage.get(section)):
                if (path := normalise(wdir, raw)) is not None:
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
    """Nested params as dotted keys, in file order and in one pass (as metrics_format's
    flatten); lists and nulls are values too (unlike metrics)."""
    flat: dict[str, ParamValue] = {}
    stack: list[tuple[str, Iterator[tuple[Any, Any]]]] = [("", iter(data.items()))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                stack.append((name + ".", iter(value.items())))
                break
            if value is None or isinstance(value, (int, float, str, bool, list)):
                flat[name] = value
            else:  # dates and other YAML types: compared and shown as text
                flat[name] = str(value)
        else:
            stack.pop()
    return flat


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


def _list_files(root: Path, rev: Revision) -> tuple[list[str], frozenset[str]]:
    """Files at `rev` relative to `root`, and which of them are symbolic links (a commit's
    only; the workspace's are judged on disk). For the workspace, tracked and untracked
    files git does not ignore (which skips the data folders DVC puts in .gitignore)."""
    if rev is None:
        args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    else:
        args = ["ls-tree", "-r", "-z", "--end-of-options", rev]  # "<mode> <type> <oid>\t<path>"
    # Here rather than in mlci.git: this module already holds git's batch reader, and the
    # listing is the one other read it needs; `rev` is always a resolved SHA.
    done = subprocess.run(["git", *args], cwd=root, capture_output=True)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip() or str(done.returncode)
        raise UsageError(f"git {args[0]} failed: {detail}")
    entries = [entry for entry in done.stdout.decode(errors="replace").split("\0") if entry]
    if rev is None:
        return entries, frozenset()
    names, links = [], set()
    for entry in entries:
        head, _, name = entry.partition("\t")
        names.append(name)
        if head.startswith(GIT_LINK_MODE):
            links.add(name)
    return names, frozenset(links)


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
