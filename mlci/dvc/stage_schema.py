"""dvc.yaml, dvc.lock and .dvc files checked as DVC's schema checks them, as far as mlci's
`dvc status` reads them: the stages with their commands, dependencies and params, and the
lock's record of them. What DVC would refuse, or what mlci does not read (templates, URLs,
paths outside the repository), is `Unsupported`: DVC then answers, or fails in its words."""

from __future__ import annotations

import posixpath
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlci.dvc.unsupported import Unsupported
from mlci.dvc.workspace import Workspace
from mlci.spec.paths import normalise

DEFAULT_PARAMS = "params.yaml"
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


def check_dvc_file(workspace: Workspace, path: str) -> None:
    """A .dvc file DVC can load (DVC fails on one it cannot; pending never lists them)."""
    document = workspace.document(path)
    if not isinstance(document, dict) or not set(document) <= DVC_FILE_KEYS:
        raise Unsupported(f"{path} is not a .dvc file mlci reads")
    if not all(isinstance(out, dict) for out in sequence(document.get("outs"), path)):
        raise Unsupported(f"{path}: outs are not a list of mappings")


@dataclass(frozen=True)
class Stage:
    name: str
    cmd: str | list[str]
    wdir: str
    """Repository-relative."""
    deps: tuple[str, ...]
    """As written in dvc.yaml (dvc.lock is looked up by these)."""
    params: Mapping[str, list[str]]
    """Params file as written -> keys (none: the whole file), grouped as DVC groups them."""
    frozen: bool


def read_stages(workspace: Workspace, document: Any) -> list[Stage]:
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


def _stage(workspace: Workspace, name: Any, stage: Any) -> Stage:
    """One stage of dvc.yaml, checked as DVC's schema checks it."""
    if not isinstance(name, str) or not name or NAME_CHARS & set(name) or not encodable(name):
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
    deps = sequence(stage.get("deps", []), name)
    if not _strings(deps):
        raise Unsupported(f"stage {name!r}: deps are not a list of paths")
    for raw in deps:
        repo_path(wdir, raw)
    params = _merge_params(sequence(stage.get("params", []), name), name)
    for file, keys in params.items():
        repo_path(wdir, file)
        for key in keys:
            _check_key(key, name)
    _check_outputs(workspace, name, wdir, stage)
    return Stage(name, cmd, wdir, tuple(deps), params, stage.get("frozen", False))


def _check_outputs(workspace: Workspace, name: str, wdir: str, stage: dict[str, Any]) -> None:
    """Outputs do not count, but DVC fails on one it cannot take: a DVC file, an ignored one."""
    for section in ("outs", "metrics", "plots"):
        for entry in sequence(stage.get(section, []), name):
            raw = next(iter(entry)) if isinstance(entry, dict) and len(entry) == 1 else entry
            if not isinstance(raw, str):
                raise Unsupported(f"stage {name!r}: an output that is not a path")
            if workspace.ignored(repo_path(wdir, raw)):
                raise Unsupported(f"stage {name!r}: output {raw} is dvcignored, which DVC refuses")


def check_default_vars(workspace: Workspace) -> None:
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


def sequence(value: Any, where: str) -> list[Any]:
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


def repo_path(wdir: str, raw: str) -> str:
    """The repository path of a dvc.yaml path; Unsupported for URLs and outside paths."""
    if not raw or set(raw) & set(":\\~\0") or posixpath.isabs(raw) or not encodable(raw):
        raise Unsupported(f"{raw!r} is not a plain path inside the repository")
    path = normalise(wdir, raw)
    if path is None or path == ".":
        raise Unsupported(f"{raw!r} is not inside the repository")
    for name in (raw.rstrip("/"), path):
        if name.endswith(".dvc") or posixpath.basename(name) == "dvc.yaml":
            raise Unsupported(f"{raw!r} is a DVC file, which DVC refuses as a dependency")
    return path


def encodable(text: str) -> bool:
    """Text a file name (or a report) can hold: no lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def lock_stages(document: Any) -> dict[str, dict[str, Any]]:
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
    for entry in sequence(stage.get("deps", []), name):
        if not isinstance(entry, dict) or not set(entry) <= LOCK_DEP_KEYS:
            raise Unsupported(f"dvc.lock: a dependency of {name!r} that is not a local file")
        if not isinstance(entry.get("path"), str) or entry.get("hash", "md5") != "md5":
            raise Unsupported(f"dvc.lock: a dependency of {name!r} without path or md5")
        types = {"md5": str, "size": int, "nfiles": int, "isexec": bool}
        if not all(entry.get(key) is None or _is(entry[key], kind) for key, kind in types.items()):
            raise Unsupported(f"dvc.lock: a dependency of {name!r} with a value of a wrong type")
    for entry in sequence(stage.get("outs", []), name):
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
