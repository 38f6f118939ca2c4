"""Which stages `dvc status` says are out of date, worked out without running DVC.

`pending(root)` answers what `pending_stages(pipeline.status(root))` answers:
{stage: reason}, in the same words, for each stage of dvc.yaml whose command or dependencies
changed since dvc.lock. `dvc status` takes minutes on a pipeline of a thousand stages; this
reads dvc.yaml, dvc.lock, the params files and the dependencies' bytes itself, and asks DVC
only where it cannot be sure of DVC's answer (`Unsupported`, then `dvc status` as before).

What DVC 3.67 does, and this module does the same (dvc/stage, dvc/output.py,
dvc/dependency/param.py and dvc_data/hashfile in DVC's source):

- command: dvc.yaml's `cmd` differs from the one dvc.lock recorded ("changed command"); a
  stage without a lock entry has no command to differ. Frozen stages report this alone.
- a file or folder dependency is "deleted" when nothing is there, else "modified" when its
  hash differs from the lock's, or the lock has none for it (a new stage, a new dependency).
  Files: the md5 of the bytes (`hash: md5`); for DVC 2 entries (no `hash:`) the md5 with
  CRLF turned into LF in each 1 MiB chunk whose first 512 bytes look like text. A size that
  differs from the lock's `size` is a change without reading the file. Folders: the md5 of
  the JSON list of their files, `[{"md5": ..., "relpath": ...}]` sorted by path, plus
  ".dir", leaving out what `.dvcignore` and DVC's own rules (.git, .hg, .dvc) ignore.
- params: a file that is not there is "deleted"; one the lock has no values for is "new";
  otherwise each key listed (or each top-level key of a file tracked whole) is deleted, new
  or modified, compared with Python's `!=` as DVC does: 1, 1.0 and true are the same value.
  Params files are read by mlci's own reader (`read_structured`), which reads as DVC does.
- outputs, `always_changed` and .dvc files do not count (see `pending_stages`).

Asked of DVC instead (`Unsupported`): templated stages (`foreach`, `matrix`, `vars`, `${}`:
only DVC's resolver knows what they expand to), other dvc.yaml files, submodules and nested
repositories, DVC 2 folder hashes, Python params files, URLs and paths outside the
repository, symbolic links, anything that is not a regular file or folder, a .dvcignore
below the root on the way to a folder, YAML that YAML 1.1 and 1.2 could read differently
and would need ruamel to read (see `_yaml`), and anything DVC's schema refuses: DVC then
fails, and its own message reaches the user as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import stat
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from mlci.dvc.metrics_file import read_structured
from mlci.errors import UsageError
from mlci.files import ReadRefused, read_regular
from mlci.git import ignores_any, work_tree_files
from mlci.spec.paths import normalise

Kind = Literal["missing", "file", "dir"]

DEFAULT_PARAMS = "params.yaml"
CHUNK = 1 << 20  # dvc_data reads (and for DVC 2 converts CRLF in) 1 MiB at a time
TEXT_PROBE = 512  # dvc_data.hashfile.istextfile.DEFAULT_CHUNK_SIZE
TEXT_CHARS = bytes(range(32, 127)) + b"\n\r\t\f\b"
# DVC's own ignore rules, before the repository's .dvcignore (dvc/ignore.py).
BUILTIN_IGNORES = (".hg/", ".git/", ".git", ".dvc/")

TOP_KEYS = frozenset({"stages", "plots", "params", "metrics", "artifacts"})
STAGE_KEYS = frozenset(
    {"cmd", "wdir", "deps", "params", "outs", "metrics", "plots", "frozen", "always_changed"}
    | {"meta", "desc"}
)
TEMPLATE_KEYS = frozenset({"foreach", "do", "matrix", "vars"})
LOCK_KEYS = frozenset({"schema", "stages"})
LOCK_STAGE_KEYS = frozenset({"cmd", "deps", "params", "outs"})
LOCK_DEP_KEYS = frozenset({"path", "hash", "md5", "size", "nfiles", "isexec"})
DVC_FILE_KEYS = frozenset(
    {"md5", "wdir", "deps", "outs", "locked", "frozen", "meta", "always_changed", "desc"}
)
NAME_CHARS = frozenset(string.punctuation) - {"_", "-"}  # what `dvc stage add` refuses
GITLINK = re.compile(r"(?s)(?P<mode>[0-7]{6}) [0-9a-f]{40,64} [0-3]\t(?P<path>.*)")


class Unsupported(Exception):
    """mlci cannot be sure what DVC would answer here: `dvc status` has to say."""


def pending(root: Path) -> dict[str, str]:
    """Stages out of date in the workspace at `root`, as `pending_stages` reads `dvc status`.

    Computed by `compute`; where that cannot be sure of DVC's answer, `dvc status` is run.
    Raises UsageError when DVC fails (a missing DVC, an invalid dvc.yaml), as before.
    """
    try:
        return compute(root)
    except Unsupported:
        from mlci.dvc import pipeline

        return pending_stages(pipeline.status(root))


def compute(root: Path) -> dict[str, str]:
    """`pending` without DVC; raises Unsupported where only DVC can answer."""
    try:
        return _compute(root)
    except OSError as error:  # a file that vanished or cannot be read mid-way: ask DVC
        raise Unsupported(f"{error.filename or root}: {error.strerror or error}") from None


def _compute(root: Path) -> dict[str, str]:
    dvc_files = _check_repository(root)
    workspace = _Workspace(root, _Ignore(_dvcignore_lines(root)))
    if workspace.ignored("dvc.yaml"):
        raise Unsupported(".dvcignore hides dvc.yaml from DVC")
    for dvc_file in dvc_files:
        _check_dvc_file(workspace, dvc_file)
    pipeline = _read_regular(root / "dvc.yaml", "dvc.yaml")
    if pipeline is not None and b"${" in pipeline:  # also DVC's escaped `\${`
        raise Unsupported("dvc.yaml uses ${...}: only DVC's templating knows what it says")
    stages = _stages(workspace, None if pipeline is None else _yaml("dvc.yaml", pipeline))
    if pipeline is not None:
        _check_default_vars(workspace)
    locked = _lock_stages(workspace.document("dvc.lock"))
    status: dict[str, list[Any]] = {}
    for stage in stages:
        entries = _stage_status(workspace, stage, locked.get(stage.name))
        if entries:
            status[stage.name] = entries
    return pending_stages(status)


# --- the repository ----------------------------------------------------------------------------


def _check_repository(root: Path) -> list[str]:
    """The .dvc files DVC would load; Unsupported when DVC would see more than dvc.yaml.

    DVC collects every dvc.yaml and .dvc file that git does not ignore; git lists the same.
    Nested repositories and submodules are walked by DVC but not listed by git.
    """
    try:
        listed = work_tree_files(root, with_modes=True)
        ignored = ignores_any(root, "dvc.yaml", "dvc.lock")
    except UsageError as error:
        raise Unsupported(str(error)) from None
    if ignored:  # DVC refuses to read an ignored pipeline file
        raise Unsupported("git ignores dvc.yaml or dvc.lock")
    dvc_files = []
    for entry in listed:
        path = entry
        if (cached := GITLINK.fullmatch(entry)) is not None:
            path = cached["path"]
            if cached["mode"] == "160000":
                raise Unsupported(f"{path} is a git submodule, which DVC walks into")
        if path.endswith("/"):
            raise Unsupported(f"{path} is a nested git repository, which DVC walks into")
        if path != "dvc.yaml" and posixpath.basename(path) == "dvc.yaml":
            raise Unsupported(f"{path}: another pipeline file")
        if path.endswith(".dvc") and not path.startswith(".dvc/"):
            dvc_files.append(path)
    return dvc_files


def _dvcignore_lines(root: Path) -> list[str]:
    """The patterns of the root .dvcignore, as DVC reads them (stripped, no comments)."""
    content = _read_regular(root / ".dvcignore", ".dvcignore")
    if content is None:
        return []
    text = _text(".dvcignore", content).replace("\r\n", "\n").replace("\r", "\n")
    lines = (line.strip() for line in text.split("\n"))
    return [line for line in lines if line and not line.startswith("#")]


def _check_dvc_file(workspace: _Workspace, path: str) -> None:
    """A .dvc file DVC can load (DVC fails on one it cannot; pending never lists them)."""
    document = workspace.document(path)
    if not isinstance(document, dict) or not set(document) <= DVC_FILE_KEYS:
        raise Unsupported(f"{path} is not a .dvc file mlci reads")
    if not all(isinstance(out, dict) for out in _sequence(document.get("outs"), path)):
        raise Unsupported(f"{path}: outs are not a list of mappings")


# --- dvc.yaml and dvc.lock ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Stage:
    name: str
    cmd: str | list[str]
    wdir: str
    """Repository-relative."""
    deps: tuple[str, ...]
    """As written in dvc.yaml (dvc.lock is looked up by these)."""
    params: Mapping[str, list[str]]
    """Params file as written -> keys (none: the whole file), grouped as DVC groups them."""
    frozen: bool


def _stages(workspace: _Workspace, document: Any) -> list[_Stage]:
    if document is None:
        return []
    if not isinstance(document, dict) or not set(document) <= TOP_KEYS:
        raise Unsupported("dvc.yaml has keys mlci does not read (vars, datasets) or is no mapping")
    for key, kind in (("plots", list), ("params", list), ("metrics", list), ("artifacts", dict)):
        if not isinstance(document.get(key, kind()), kind):
            raise Unsupported(f"dvc.yaml: {key} is not a {kind.__name__}, which DVC refuses")
    stages = document.get("stages", {})
    if not isinstance(stages, dict):
        raise Unsupported("dvc.yaml: stages is not a mapping")
    return [_stage(workspace, name, stage) for name, stage in stages.items()]


def _stage(workspace: _Workspace, name: Any, stage: Any) -> _Stage:
    """One stage of dvc.yaml, checked as DVC's schema checks it."""
    if not isinstance(name, str) or not name or NAME_CHARS & set(name) or not _encodable(name):
        raise Unsupported(f"stage name {name!r}")
    if not isinstance(stage, dict):
        raise Unsupported(f"stage {name!r} is not a mapping")
    if TEMPLATE_KEYS & set(stage):
        raise Unsupported(f"stage {name!r} is a template (foreach, matrix or vars)")
    if not set(stage) <= STAGE_KEYS or "cmd" not in stage:
        raise Unsupported(f"stage {name!r} has keys DVC's schema refuses, or no cmd")
    cmd = stage["cmd"]
    if not isinstance(cmd, str) and not _strings(cmd):
        raise Unsupported(f"stage {name!r}: cmd is not a string or a list of strings")
    for key, kind in (("frozen", bool), ("always_changed", bool), ("desc", str), ("wdir", str)):
        if key in stage and not isinstance(stage[key], kind):
            raise Unsupported(f"stage {name!r}: {key} is not a {kind.__name__}")
    wdir = normalise(".", stage.get("wdir", "."))
    if wdir is None:
        raise Unsupported(f"stage {name!r}: wdir is outside the repository")
    deps = _sequence(stage.get("deps", []), name)
    if not _strings(deps):
        raise Unsupported(f"stage {name!r}: deps are not a list of paths")
    for raw in deps:
        _repo_path(wdir, raw)
    params = _merge_params(_sequence(stage.get("params", []), name), name)
    for file, keys in params.items():
        _repo_path(wdir, file)
        for key in keys:
            _check_key(key, name)
    _check_outputs(workspace, name, wdir, stage)
    return _Stage(name, cmd, wdir, tuple(deps), params, stage.get("frozen", False))


def _check_outputs(workspace: _Workspace, name: str, wdir: str, stage: dict[str, Any]) -> None:
    """Outputs do not count, but DVC fails on one it cannot take: a DVC file, an ignored one."""
    for section in ("outs", "metrics", "plots"):
        for entry in _sequence(stage.get(section, []), name):
            raw = next(iter(entry)) if isinstance(entry, dict) and len(entry) == 1 else entry
            if not isinstance(raw, str):
                raise Unsupported(f"stage {name!r}: an output that is not a path")
            if workspace.ignored(_repo_path(wdir, raw)):
                raise Unsupported(f"stage {name!r}: output {raw} is dvcignored, which DVC refuses")


def _check_default_vars(workspace: _Workspace) -> None:
    """DVC loads params.yaml for templating even when nothing uses it, and fails on one that is
    no mapping or holds values its templating cannot take (dates, for one)."""
    if workspace.kind(DEFAULT_PARAMS) == "missing":
        return
    document = workspace.params(DEFAULT_PARAMS)  # a folder or a link is Unsupported there
    if not isinstance(document, Mapping) or not _plain_values(document):
        raise Unsupported(f"{DEFAULT_PARAMS} is not a mapping of plain values, which DVC refuses")


def _plain_values(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(_plain_values(item) for item in value.values())
    if isinstance(value, list):
        return all(_plain_values(item) for item in value)
    return value is None or isinstance(value, (int, float, str, bytes, bool))


def _sequence(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise Unsupported(f"{where}: a list was expected, got {type(value).__name__}")
    return value


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _merge_params(entries: list[Any], name: str) -> dict[str, list[str]]:
    """Params file -> keys, exactly as DVC groups a stage's `params:` (_merge_params)."""
    whole = {
        file
        for entry in entries
        if isinstance(entry, dict)
        for file, keys in entry.items()
        if not keys
    }
    merged: dict[str, list[str]] = {}
    for entry in entries:
        if isinstance(entry, str):
            if DEFAULT_PARAMS not in whole:
                merged.setdefault(DEFAULT_PARAMS, []).append(entry)
            continue
        if not isinstance(entry, dict):
            raise Unsupported(f"stage {name!r}: params entry {entry!r}")
        for file, keys in entry.items():
            if not isinstance(file, str):
                raise Unsupported(f"stage {name!r}: params file {file!r}")
            if file in whole:
                merged[file] = []
            elif _strings(keys):
                merged.setdefault(file, []).extend(keys)
            else:
                raise Unsupported(f"stage {name!r}: params of {file} are not a list of keys")
    return merged


def _check_key(key: str, name: str) -> None:
    """A params key DVC (dpath) looks up as plain dotted segments: no globs, no empty parts."""
    if not key or set(key) & set("*?[]") or "" in key.split("."):
        raise Unsupported(f"stage {name!r}: params key {key!r} is a glob or has empty parts")


def _repo_path(wdir: str, raw: str) -> str:
    """The repository path of a dvc.yaml path; Unsupported for URLs and outside paths."""
    if not raw or set(raw) & set(":\\~\0") or posixpath.isabs(raw) or not _encodable(raw):
        raise Unsupported(f"{raw!r} is not a plain path inside the repository")
    path = normalise(wdir, raw)
    if path is None or path == ".":
        raise Unsupported(f"{raw!r} is not inside the repository")
    for name in (raw.rstrip("/"), path):
        if name.endswith(".dvc") or posixpath.basename(name) == "dvc.yaml":
            raise Unsupported(f"{raw!r} is a DVC file, which DVC refuses as a dependency")
    return path


def _encodable(text: str) -> bool:
    """Text a file name (or a report) can hold: no lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lock_stages(document: Any) -> dict[str, dict[str, Any]]:
    """dvc.lock's stages, checked against DVC's lock schema as far as status reads them."""
    if document is None:
        return {}
    if (
        not isinstance(document, dict)
        or not set(document) <= LOCK_KEYS
        or document.get("schema") != "2.0"
    ):
        raise Unsupported("dvc.lock is not a DVC 3 lock file (schema 2.0) mlci reads")
    stages = document.get("stages", {})
    if not isinstance(stages, dict):
        raise Unsupported("dvc.lock: stages is not a mapping")
    for name, stage in stages.items():
        _check_lock_stage(name, stage)
    return stages


def _check_lock_stage(name: Any, stage: Any) -> None:
    if not isinstance(name, str) or not isinstance(stage, dict):
        raise Unsupported(f"dvc.lock: stage {name!r}")
    if not set(stage) <= LOCK_STAGE_KEYS or "cmd" not in stage:
        raise Unsupported(f"dvc.lock: stage {name!r} has keys mlci does not read")
    for entry in _sequence(stage.get("deps", []), name):
        if not isinstance(entry, dict) or not set(entry) <= LOCK_DEP_KEYS:
            raise Unsupported(f"dvc.lock: a dependency of {name!r} that is not a local file")
        if not isinstance(entry.get("path"), str) or entry.get("hash", "md5") != "md5":
            raise Unsupported(f"dvc.lock: a dependency of {name!r} without path or md5")
        types = {"md5": str, "size": int, "nfiles": int, "isexec": bool}
        if not all(entry.get(key) is None or _is(entry[key], kind) for key, kind in types.items()):
            raise Unsupported(f"dvc.lock: a dependency of {name!r} with a value of a wrong type")
    for entry in _sequence(stage.get("outs", []), name):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise Unsupported(f"dvc.lock: an output of {name!r} without a path")
    params = stage.get("params", {})
    if not isinstance(params, dict) or not all(
        isinstance(file, str) and isinstance(values, dict) and all(map(_is_str, values))
        for file, values in params.items()
    ):
        raise Unsupported(f"dvc.lock: params of {name!r} are not files of keyed values")


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is(value: Any, kind: type) -> bool:
    """isinstance, where a bool is not an int (DVC's schema makes the same distinction)."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


# --- status ------------------------------------------------------------------------------------


def _stage_status(workspace: _Workspace, stage: _Stage, locked: dict[str, Any] | None) -> list[Any]:
    """The entries of `dvc status --json` for one stage that `pending_stages` reads."""
    entries: list[Any] = []
    if not stage.frozen:
        recorded = {entry["path"]: entry for entry in (locked or {}).get("deps", [])}
        values = (locked or {}).get("params", {})
        changed: dict[str, Any] = {}
        for raw in stage.deps:
            path = _repo_path(stage.wdir, raw)
            how = _dep_status(workspace, path, recorded.get(raw))
            if how is not None:
                changed[path] = how
        for raw, keys in stage.params.items():
            path = _repo_path(stage.wdir, raw)
            params_how = _params_status(workspace, path, keys, values.get(raw))
            if params_how is not None:
                changed[path] = params_how  # after a file dependency on it, as DVC updates
        if changed:
            entries.append({"changed deps": changed})
    if locked is not None and locked.get("cmd") != stage.cmd:
        entries.append("changed command")
    return entries


def _dep_status(workspace: _Workspace, path: str, recorded: dict[str, Any] | None) -> str | None:
    """DVC's workspace_status of a dependency: deleted, modified, or None (unchanged).

    Without a recorded md5 (a new stage or dependency) anything there is modified; a folder
    is still walked, so that what DVC would refuse in it is refused here too.
    """
    kind = workspace.kind(path)
    if kind == "missing":
        return "deleted"
    entry = recorded or {}
    md5 = entry.get("md5")
    legacy = recorded is not None and "hash" not in entry  # written by DVC 2
    if kind == "dir":
        if legacy:
            raise Unsupported(f"{path}: a DVC 2 folder hash")
        files = workspace.tree(path)
        if not md5:
            return "modified"
        if _differs(entry.get("nfiles"), len(files)) or _differs(
            entry.get("size"), sum(size for _, size in files)
        ):
            return "modified"
        return None if workspace.dir_md5(path, files) == md5 else "modified"
    if not md5:
        return "modified"
    # A DVC 2 md5 ignores CRLF, so there a different size may still be the same hash.
    if not legacy and _differs(entry.get("size"), workspace.size(path)):
        return "modified"
    return None if workspace.file_md5(path, legacy=legacy) == md5 else "modified"


def _differs(recorded: Any, actual: int) -> bool:
    """A size or count recorded in dvc.lock that is not the one found: the hash differs too."""
    return isinstance(recorded, int) and not isinstance(recorded, bool) and recorded != actual


def _params_status(
    workspace: _Workspace, path: str, keys: list[str], values: dict[str, Any] | None
) -> str | dict[str, str] | None:
    kind = workspace.kind(path)
    if kind == "missing":
        return "deleted"
    if kind == "dir":
        raise Unsupported(f"params file {path} is a folder, which DVC refuses")
    if path.endswith(".py"):
        raise Unsupported(f"{path}: Python params are read by DVC's own parser")
    if values is None:
        return "new"
    document = workspace.params(path)
    if keys:
        actual = {key: found for key in keys if (found := _lookup(document, key)) is not _ABSENT}
        recorded = {key: values[key] for key in keys if key in values}
    elif isinstance(document, Mapping):
        actual, recorded = dict(document), dict(values)
    else:
        raise Unsupported(f"{path} is not a mapping of params")
    changes: dict[str, str] = {}
    for key in keys or dict.fromkeys([*actual, *recorded]):
        if key not in actual:
            changes[key] = "deleted"
        elif key not in recorded:
            changes[key] = "new"
        elif actual[key] != recorded[key]:
            changes[key] = "modified"
    return changes or None


_ABSENT: Any = object()


def _lookup(document: Any, key: str) -> Any:
    """`dpath.get(document, key, separator=".")` for a key without globs, or _ABSENT."""
    node = document
    for part in key.split("."):
        if isinstance(node, list):
            raise Unsupported(f"params key {key!r} indexes a list")
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


# --- the files ---------------------------------------------------------------------------------


class _Workspace:
    """The work tree as DVC sees it: kinds of paths, hashes, YAML documents, params."""

    def __init__(self, root: Path, ignore: _Ignore) -> None:
        self.root = root
        self.ignore = ignore
        self._kinds: dict[str, tuple[Kind, int]] = {}
        self._md5s: dict[tuple[str, bool], str] = {}
        self._trees: dict[str, list[tuple[str, int]]] = {}
        self._params: dict[str, Any] = {}

    def kind(self, path: str) -> Kind:
        return self._stat(path)[0]

    def size(self, path: str) -> int:
        return self._stat(path)[1]

    def _stat(self, path: str) -> tuple[Kind, int]:
        """Symbolic links anywhere on the way are Unsupported: they are never followed."""
        if path not in self._kinds:
            parent = posixpath.dirname(path)
            if parent and self.kind(parent) != "dir":
                self._kinds[path] = ("missing", 0)  # DVC's exists() is false below a file
            else:
                self._kinds[path] = _kind(self.root / path, path)
        return self._kinds[path]

    def file_md5(self, path: str, *, legacy: bool = False) -> str:
        if (path, legacy) not in self._md5s:
            self._md5s[path, legacy] = _file_md5(self.root / path, path, legacy)
        return self._md5s[path, legacy]

    def tree(self, path: str) -> list[tuple[str, int]]:
        """(path inside the folder, size) of each file DVC hashes in folder `path`."""
        if path not in self._trees:
            self._check_above(path)
            self._trees[path] = self._walk(path)
        return self._trees[path]

    def _check_above(self, path: str) -> None:
        """Only the root's .dvcignore is read here; DVC merges those of the folders above."""
        parts = path.split("/")
        for end in range(1, len(parts) + 1):
            folder = "/".join(parts[:end])
            for name in (".dvcignore", ".dvc"):
                if os.path.lexists(self.root / folder / name):
                    raise Unsupported(f"{folder}/{name}: a nested .dvcignore or DVC repository")

    def _walk(self, path: str) -> list[tuple[str, int]]:
        files: list[tuple[str, int]] = []
        folders = [""]
        while folders:
            inner = folders.pop()
            with os.scandir(self.root / path / inner) as entries:
                for entry in entries:
                    name = f"{inner}/{entry.name}" if inner else entry.name
                    if entry.name in (".dvcignore", ".dvc"):
                        raise Unsupported(f"{path}/{name}: DVC refuses or skips the folder")
                    if entry.is_symlink():
                        raise Unsupported(f"{path}/{name} is a symbolic link")
                    is_dir = entry.is_dir(follow_symlinks=False)
                    if not is_dir and not entry.is_file(follow_symlinks=False):
                        raise Unsupported(f"{path}/{name} is not a regular file")
                    if self.ignore.matches(f"{path}/{name}", is_dir=is_dir):
                        continue
                    if is_dir:
                        folders.append(name)
                    else:
                        files.append((name, entry.stat(follow_symlinks=False).st_size))
        return files

    def dir_md5(self, path: str, files: list[tuple[str, int]]) -> str:
        """DVC's `.dir` hash: the md5 of the sorted JSON listing (dvc_data Tree.as_bytes)."""
        listing = sorted(
            ({"md5": self.file_md5(f"{path}/{name}"), "relpath": name} for name, _ in files),
            key=lambda item: item["relpath"],
        )
        text = json.dumps(listing, sort_keys=True)
        return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest() + ".dir"

    def ignored(self, path: str) -> bool:
        """Does .dvcignore hide `path` (DVC's is_ignored: as what it is, either if absent)?"""
        as_file, as_dir = (self.ignore.matches(path, is_dir=flag) for flag in (False, True))
        if as_file == as_dir:
            return as_file
        full = self.root / path
        return as_dir if full.is_dir() else as_file if full.is_file() else True

    def document(self, path: str) -> Any:
        """dvc.yaml, dvc.lock or a .dvc file as DVC's YAML reader gives it; None if absent."""
        content = _read_regular(self.root / path, path)
        return None if content is None else _yaml(path, content)

    def params(self, path: str) -> Any:
        if self.kind(path) != "file":
            raise Unsupported(f"params file {path} is not a file")
        if path not in self._params:
            content = _read_regular(self.root / path, path)
            if content is None:
                raise Unsupported(f"{path} vanished")
            _text(path, content)  # DVC fails on what is not UTF-8
            try:
                document = read_structured(path, content)
            except Exception as error:  # every parser has its own errors; DVC fails too
                raise Unsupported(f"{path} cannot be read: {error}") from None
            if not _str_keys(document):
                raise Unsupported(f"{path} has keys that are not text")
            self._params[path] = document
        return self._params[path]


def _kind(full: Path, path: str) -> tuple[Kind, int]:
    try:
        info = full.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return "missing", 0
    if stat.S_ISLNK(info.st_mode):
        raise Unsupported(f"{path} is a symbolic link: mlci never follows one")
    if stat.S_ISDIR(info.st_mode):
        return "dir", 0
    if stat.S_ISREG(info.st_mode):
        return "file", info.st_size
    raise Unsupported(f"{path} is not a regular file")


def _open_regular(full: Path, path: str) -> int | None:
    """A descriptor of the regular file at `full`, never through a link; None if absent."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(full, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Unsupported(f"{path} is not a regular file")
    return fd


def _read_regular(full: Path, path: str) -> bytes | None:
    """A DVC file or params file, within mlci's cap on any file it parses."""
    if full.is_symlink():
        raise Unsupported(f"{path} is a symbolic link: mlci never follows one")
    try:
        return read_regular(full)
    except ReadRefused as error:  # not a regular file, too large, unreadable: DVC judges
        raise Unsupported(f"{path} {error}") from None


def _file_md5(full: Path, path: str, legacy: bool) -> str:
    fd = _open_regular(full, path)
    if fd is None:
        raise Unsupported(f"{path} vanished")
    digest = hashlib.md5(usedforsecurity=False)
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if legacy and _is_text(chunk[:TEXT_PROBE]):
                chunk = chunk.replace(b"\r\n", b"\n")
            digest.update(chunk)
    return digest.hexdigest()


def _is_text(block: bytes) -> bool:
    """dvc_data's istextblock: no NUL, at most 30% of bytes outside printable ASCII."""
    if not block:
        return True
    if b"\x00" in block:
        return False
    return len(block.translate(None, TEXT_CHARS)) / len(block) <= 0.30


def _text(path: str, content: bytes) -> str:
    """The file as DVC reads it (UTF-8); a byte-order mark or invalid UTF-8: ask DVC."""
    if content.startswith(b"\xef\xbb\xbf"):
        raise Unsupported(f"{path} starts with a byte-order mark")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise Unsupported(f"{path} is not UTF-8") from None


def _str_keys(value: Any) -> bool:
    if isinstance(value, Mapping):
        return all(isinstance(key, str) and _str_keys(item) for key, item in value.items())
    if isinstance(value, list):
        return all(map(_str_keys, value))
    return True


# --- .dvcignore --------------------------------------------------------------------------------


class _Ignore:
    """DVC's rules (dvc/ignore.py DvcIgnorePatterns) for the root .dvcignore and its own.

    Each pattern becomes pathspec's regex, as in DVC; the last pattern that matches decides,
    dir-only patterns match only folders, and a path is ignored when a folder above it is.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        try:
            from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern as Pattern
        except ImportError:  # pathspec < 1, as DVC allows
            from pathspec.patterns import GitWildMatchPattern as Pattern  # type: ignore

        self._rules: list[tuple[re.Pattern[str], bool, bool]] = []
        for line in (*BUILTIN_IGNORES, *lines):
            try:
                regex, ignore = Pattern.pattern_to_regex(line)
                if regex is not None and ignore is not None:
                    self._rules.append((re.compile(regex), bool(ignore), line.endswith("/")))
            except (ValueError, re.error):  # `foo\`, `[z-a]`: DVC says what it makes of it
                raise Unsupported(f".dvcignore: a pattern pathspec refuses: {line!r}") from None
        self._rules.reverse()
        self._found: dict[tuple[str, bool], bool] = {}

    def matches(self, path: str, *, is_dir: bool) -> bool:
        parts = path.split("/")
        for end in range(1, len(parts) + 1):
            ignored = self._match("/".join(parts[:end]), is_dir or end < len(parts))
            if ignored or end == len(parts):
                return ignored
        return False

    def _match(self, path: str, is_dir: bool) -> bool:
        if (path, is_dir) not in self._found:
            candidates = [path, f"{path}/"] if is_dir else [path]
            found = False
            for regex, ignore, dir_only in self._rules:
                if (is_dir or not dir_only) and any(regex.match(c) for c in candidates):
                    found = ignore
                    break
            self._found[path, is_dir] = found
        return self._found[path, is_dir]


# --- YAML as DVC reads it ------------------------------------------------------------------------

_CSafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(
    r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)


def _yaml(path: str, content: bytes) -> Any:
    """YAML as DVC reads it: YAML 1.2 with ruamel.

    libyaml (PyYAML) reads YAML 1.1 some fifty times faster. Every plain scalar it reads is
    checked against ruamel's YAML 1.2 rules: where the two could differ (`yes`, `1e-3`,
    `0o17`, `1:30`, dates, merge keys, explicit tags, duplicate keys), and for aliases and
    whatever libyaml refuses, the file is read again with mlci's own YAML 1.2 reader
    (`read_structured`: ruamel, within mlci's caps on what a hostile file may hold).
    """
    text = _text(path, content)
    if "!" not in text:  # tags, which libyaml and ruamel resolve each their own way
        loader = _Loader(text)
        try:
            document = loader.get_single_data()
        except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
            document = None  # ruamel, with mlci's caps, says what is wrong, or DVC does
            loader.divergent = True
        finally:
            loader.dispose()
        if not loader.divergent:
            return document
    try:
        return read_structured(path, content)
    except Exception as error:  # ruamel's errors; DVC fails on this file as well
        raise Unsupported(f"{path} is not YAML DVC reads: {error}") from None


class _Loader(_CSafeLoader):  # type: ignore[misc]
    """libyaml, noting each plain scalar or mapping YAML 1.2 (ruamel) could read otherwise."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.divergent = False

    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        tag: str = super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0] and not _same_in_yaml12(tag, value):
            self.divergent = True
        return tag

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node in self.constructed_objects:  # an alias: left to the reader that caps them
            self.divergent = True
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):  # duplicate keys: ruamel refuses, PyYAML keeps one
            self.divergent = True
        return mapping


def _same_in_yaml12(tag: str, value: str) -> bool:
    """Does ruamel (YAML 1.2) read this plain scalar as the same value as PyYAML (1.1)?"""
    if tag != _yaml12_tag(value):
        return False
    kind = tag.removeprefix(_TAG)
    if kind in ("str", "null", "bool"):  # 1.2's true/false words are a subset of 1.1's
        return True
    if kind == "int":
        return _DECIMAL.fullmatch(value) is not None
    if kind == "float":
        return _FLOAT.fullmatch(value) is not None
    return False  # timestamps, merge keys, `=`


_RESOLVERS: dict[str, list[tuple[str, Any]]] = {}


def _yaml12_tag(value: str) -> str:
    """The tag ruamel's YAML 1.2 resolver gives a plain scalar (ruamel.yaml.resolver)."""
    if not _RESOLVERS:
        from ruamel.yaml.resolver import implicit_resolvers

        for versions, tag, regexp, starts in implicit_resolvers:
            if (1, 2) in versions:
                for first in starts:
                    _RESOLVERS.setdefault(first, []).append((tag, regexp))
    for tag, regexp in _RESOLVERS.get(value[:1], ()):
        if regexp.match(value):
            return str(tag)
    return _TAG + "str"


# --- reading `dvc status --json` ---------------------------------------------------------------


def pending_stages(status: Mapping[str, Any]) -> dict[str, str]:
    """Stages `dvc status --json` says must run again: a changed command or dependency.

    Changed or missing outputs do not count: after a repro they match, and a job that checks
    out the code without the outputs has not made the inputs any different. `always changed`
    stages are always listed by DVC and do not count either, nor are .dvc files (their data
    is a dependency of the stages that read it, where a change shows).
    """
    pending: dict[str, str] = {}
    for stage, entries in status.items():
        if stage.endswith(".dvc"):
            continue
        found = [*_status_changes(entries if isinstance(entries, list) else [entries])]
        if found:
            pending[stage] = "; ".join(found)
    return pending


def _status_changes(entries: Iterable[Any]) -> Iterator[str]:
    for entry in entries:
        if entry == "changed command":
            yield "command changed"
        elif isinstance(entry, Mapping) and isinstance(deps := entry.get("changed deps"), Mapping):
            yield "changed deps: " + ", ".join(
                f"{path} ({_dvc_how(how)})" for path, how in deps.items()
            )


def _dvc_how(how: Any) -> str:
    """`modified`, or for a params file `{'train.lr': 'modified'}` -> `train.lr modified`."""
    if isinstance(how, Mapping):
        return ", ".join(f"{key} {what}" for key, what in how.items())
    return str(how)
