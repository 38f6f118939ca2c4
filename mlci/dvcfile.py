"""dvc.yaml as plain data, read with libyaml: the fast path for questions that edit nothing."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml


@lru_cache(maxsize=4)
def plain_document(text: str) -> dict[str, Any] | None:
    """A dvc.yaml text as plain data; None when it is not a readable mapping.

    Cached by text because spec validation and generation both ask about the same file.
    """
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return None
    return document if isinstance(document, dict) else None


def plain_stages(text: str) -> dict[str, Any] | None:
    """The `stages:` mapping of a dvc.yaml text, or None."""
    document = plain_document(text)
    stages = document.get("stages") if document is not None else None
    return stages if isinstance(stages, dict) else None
