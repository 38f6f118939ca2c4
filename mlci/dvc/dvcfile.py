"""dvc.yaml, dvc.lock and .dvc files as plain data, read as DVC reads them (YAML 1.2, see
mlci.dvc.yaml12) within mlci's caps: the fast path for questions that edit nothing.

Also the one place to import what mlci reads of DVC's files: params.py (mlci.dvc.params_py)
and dvc.yaml's templating (mlci.dvc.templating), re-exported here."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from mlci.document_caps import UnreadableDocument
from mlci.dvc import yaml12
from mlci.dvc.interpolation import DEFAULT_VARS, Loader, TemplateError
from mlci.dvc.params_py import MAX_PYTHON_TOKENS, read_python_params
from mlci.dvc.templating import MAX_GENERATED, ResolvedPipeline, ResolvedStage, resolve_pipeline

__all__ = [
    "DEFAULT_VARS",
    "MAX_GENERATED",
    "MAX_PYTHON_TOKENS",
    "Loader",
    "NotAMapping",
    "ResolvedPipeline",
    "ResolvedStage",
    "TemplateError",
    "is_syntax_error",
    "plain_document",
    "plain_stages",
    "read_document",
    "read_python_params",
    "resolve_pipeline",
]


class NotAMapping(UnreadableDocument):
    """Valid YAML that is not a mapping of keys; `empty` when it holds nothing at all."""

    def __init__(self, document: Any) -> None:
        self.empty = document is None
        kind = type(document).__name__ if document is not None else "nothing"
        super().__init__(f"holds {kind}, not a mapping of keys")


def is_syntax_error(error: UnreadableDocument) -> bool:
    """True for a document that is not YAML or not a mapping, as opposed to one refused for
    a cap of mlci.bounded_load (an alias bomb, a file too large)."""
    return isinstance(error, NotAMapping) or error.reason.startswith("not valid YAML")


@lru_cache(maxsize=4)
def read_document(text: str) -> dict[str, Any]:
    """A DVC file's text as plain data; raises UnreadableDocument, also for a document that
    is not a mapping (NotAMapping, an empty one included).

    Cached by text because spec validation and generation both ask about the same file.
    """
    document = yaml12.load(text)
    if not isinstance(document, dict):
        raise NotAMapping(document)
    return document


def plain_document(text: str) -> dict[str, Any] | None:
    """A DVC file's text as plain data; None when it is not a readable mapping."""
    try:
        return read_document(text)
    except UnreadableDocument:
        return None


def plain_stages(text: str) -> dict[str, Any] | None:
    """The `stages:` mapping of a dvc.yaml text, or None."""
    document = plain_document(text)
    stages = document.get("stages") if document is not None else None
    return stages if isinstance(stages, dict) else None
