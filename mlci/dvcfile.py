"""dvc.yaml, dvc.lock and .dvc files as plain data, read with libyaml within mlci's caps: the
fast path for questions that edit nothing."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from mlci.bounded_load import UnreadableDocument, load_yaml


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
    document = load_yaml(text)
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
