"""dvc.yaml as plain data, read with libyaml: the fast path for questions that edit nothing."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml


@lru_cache(maxsize=4)
def plain_stages(text: str) -> dict[str, Any] | None:
    """The `stages:` mapping of a dvc.yaml text; None when the text is not readable as such.

    Cached by text because both spec validation and generation ask about the same file.
    """
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return None
    stages = document.get("stages") if isinstance(document, dict) else None
    return stages if isinstance(stages, dict) else None
