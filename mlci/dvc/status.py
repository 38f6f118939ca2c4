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
below the root on the way to a folder, YAML DVC's reader refuses or mlci's caps do, and
anything DVC's schema refuses: DVC then fails, and its own message reaches the user as before.

The parts, each its own module: DVC's schema of dvc.yaml, dvc.lock and .dvc files
(mlci.dvc.stage_schema), the work tree as DVC sees it (mlci.dvc.workspace: .dvcignore in
mlci.dvc.dvcignore, hashes in mlci.dvc.dvc_hash, YAML 1.2 in mlci.dvc.yaml12) and the reading
of `dvc status --json` (mlci.dvc.status_json). This module compares the stages with the lock.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlci.dvc.dvcignore import DvcIgnore, dvcignore_lines
from mlci.dvc.local_files import read_capped, read_yaml
from mlci.dvc.stage_schema import (
    Stage,
    check_default_vars,
    check_dvc_file,
    lock_stages,
    read_stages,
    repo_path,
)
from mlci.dvc.status_json import pending_stages
from mlci.dvc.unsupported import Unsupported
from mlci.dvc.workspace import Workspace
from mlci.errors import UsageError
from mlci.git import ignores_any, work_tree_files

__all__ = ["Unsupported", "compute", "pending", "pending_stages"]

GITLINK = re.compile(r"(?s)(?P<mode>[0-7]{6}) [0-9a-f]{40,64} [0-3]\t(?P<path>.*)")


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
    workspace = Workspace(root, DvcIgnore(dvcignore_lines(root)))
    if workspace.ignored("dvc.yaml"):
        raise Unsupported(".dvcignore hides dvc.yaml from DVC")
    for dvc_file in dvc_files:
        check_dvc_file(workspace, dvc_file)
    pipeline = read_capped(root / "dvc.yaml", "dvc.yaml")
    if pipeline is not None and b"${" in pipeline:  # also DVC's escaped `\${`
        raise Unsupported("dvc.yaml uses ${...}: only DVC's templating knows what it says")
    stages = read_stages(workspace, None if pipeline is None else read_yaml("dvc.yaml", pipeline))
    if pipeline is not None:
        check_default_vars(workspace)
    locked = lock_stages(workspace.document("dvc.lock"))
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


# --- status ------------------------------------------------------------------------------------


def _stage_status(workspace: Workspace, stage: Stage, locked: dict[str, Any] | None) -> list[Any]:
    """The entries of `dvc status --json` for one stage that `pending_stages` reads."""
    entries: list[Any] = []
    if not stage.frozen:
        recorded = {entry["path"]: entry for entry in (locked or {}).get("deps", [])}
        values = (locked or {}).get("params", {})
        changed: dict[str, Any] = {}
        for raw in stage.deps:
            path = repo_path(stage.wdir, raw)
            how = _dep_status(workspace, path, recorded.get(raw))
            if how is not None:
                changed[path] = how
        for raw, keys in stage.params.items():
            path = repo_path(stage.wdir, raw)
            params_how = _params_status(workspace, path, keys, values.get(raw))
            if params_how is not None:
                changed[path] = params_how  # after a file dependency on it, as DVC updates
        if changed:
            entries.append({"changed deps": changed})
    if locked is not None and locked.get("cmd") != stage.cmd:
        entries.append("changed command")
    return entries


def _dep_status(workspace: Workspace, path: str, recorded: dict[str, Any] | None) -> str | None:
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
    workspace: Workspace, path: str, keys: list[str], values: dict[str, Any] | None
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
