"""Read the dvc.yaml of a repository that already runs DVC, as DVC reads it (YAML 1.2).

`mlci init` adopts what it finds there; a dvc.yaml it cannot read stops it with one line
saying what to fix, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlci.bounded_load import load_yaml
from mlci.document_caps import UnreadableDocument
from mlci.errors import UsageError
from mlci.files import ReadRefused, read_confined
from mlci.render.dvcyaml import DVC_YAML


def read_dvc_yaml(path: Path) -> dict[str, Any]:
    """The plain data of dvc.yaml, `{}` when there is none: a repository may track only data."""
    if path.is_dir():
        raise UsageError(f"{DVC_YAML}: cannot read it (it is a folder); fix it first")
    try:
        content = read_confined(path.parent, path.name)
        if content is None:
            return {}
        text = content.decode("utf-8")
    except ReadRefused as error:
        raise UsageError(f"{DVC_YAML} {error}; fix it first") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{DVC_YAML}: cannot read it ({_one_line(error)}); fix it first") from None
    try:
        document = load_yaml(text, version="1.2")  # as DVC reads it, within mlci's caps
    except UnreadableDocument as error:
        raise UsageError(f"{DVC_YAML}: cannot read it ({error}); fix it first") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise UsageError(f"{DVC_YAML}: is not a mapping of keys (stages:, plots:, ...); fix it")
    return document


def stages_of(document: Mapping[str, Any]) -> dict[Any, Any]:
    stages = document.get("stages")
    if stages is None:
        return {}
    if not isinstance(stages, dict):
        raise UsageError(f"{DVC_YAML}: `stages:` is not a mapping of stage names; fix it first")
    return stages


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
