"""The repository's .dvc files as spec `data:` entries: `dvc add`, `dvc import`, `dvc import-url`.

A .dvc file mlci.yaml cannot describe, and a dvc.yaml below the root, stay as they are and
DVC keeps tracking them; the user hears which, and why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlci.bounded_load import load_yaml
from mlci.document_caps import UnreadableDocument
from mlci.files import ReadRefused, read_confined
from mlci.render.dvcyaml import DVC_YAML
from mlci.scaffold.left_alone import LeftAlone
from mlci.spec.paths import normalise

SKIPPED_DIRS = frozenset({".git", ".dvc"})


def import_data(root: Path, left: list[str]) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = []
    for path in _walk(root):
        shown = path.relative_to(root).as_posix()
        if path.name == DVC_YAML:
            left.append(
                f"{shown}: mlci manages only the dvc.yaml at the repository's root; this "
                "pipeline stays yours as it is"
            )
            continue
        try:
            data += _data_sources(root, path)
        except LeftAlone as reason:
            left.append(f"{shown}: {reason}; it stays as it is and DVC keeps tracking it")
    return data


def _walk(root: Path) -> Iterator[Path]:
    """.dvc files and nested dvc.yaml files, in a stable order; DVC's and git's own dirs skipped."""
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        here = Path(current)
        for name in sorted(files):
            if name.endswith(".dvc") or (name == DVC_YAML and here != root):
                yield here / name


def _data_sources(root: Path, path: Path) -> list[dict[str, Any]]:
    """`dvc add` -> {path}; `dvc import` -> {path, import}; `dvc import-url` -> {path, url}."""
    try:
        content = read_confined(root, path.relative_to(root).as_posix())
        document = load_yaml(content or b"", version="1.2")  # as DVC reads it, within caps
    except ReadRefused as error:
        raise LeftAlone(str(error)) from None
    except UnreadableDocument as error:
        raise LeftAlone(f"cannot be read as YAML ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("outs"), list):
        raise LeftAlone("lists no `outs:`")
    if "cmd" in document:
        raise LeftAlone("is a single-stage pipeline file (it has a `cmd:`), not data")
    base = normalise(path.parent.relative_to(root).as_posix(), str(document.get("wdir", ".")))
    origin = _origin(document.get("deps") or [])
    sources = []
    for out in document["outs"]:
        target = out.get("path") if isinstance(out, dict) else None
        where = normalise(base, target) if base is not None and isinstance(target, str) else None
        if where is None:
            raise LeftAlone("tracks a path mlci.yaml cannot express")
        source: dict[str, Any] = {"path": where, **origin}
        if isinstance(out.get("desc"), str):
            source["description"] = out["desc"]
        sources.append(source)
    if origin and len(sources) != 1:
        raise LeftAlone("imports into more than one path")
    return sources


def _origin(deps: Any) -> dict[str, Any]:
    """Where imported data comes from: a repository (`import:`) or a URL (`url:`)."""
    if not deps:
        return {}
    if not isinstance(deps, list) or len(deps) != 1 or not isinstance(deps[0], dict):
        raise LeftAlone("has dependencies mlci.yaml cannot express")
    dep = deps[0]
    repo, source = dep.get("repo"), dep.get("path")
    if not isinstance(source, str):
        raise LeftAlone("has dependencies mlci.yaml cannot express")
    if not isinstance(repo, dict):
        return {"url": source}
    if not isinstance(repo.get("url"), str):
        raise LeftAlone("imports from a repository mlci.yaml cannot express")
    imported = {"repo": repo["url"], "path": source}
    if isinstance(repo.get("rev"), str):
        imported["rev"] = repo["rev"]  # `rev_lock`, the commit DVC pinned, stays in the file
    return {"import": imported}
