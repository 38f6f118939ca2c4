"""The one JSON writer of mlci's documents (`--format json` of diff, gate and report).

Every document is written the same way: keys sorted, indented by two, UTF-8 text as it is
(not `\\u` escapes), and valid JSON: NaN and infinities, which JSON cannot hold, are written
as the strings "NaN", "Infinity" and "-Infinity".
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import fields
from typing import Any


def json_text(data: Any) -> str:
    """`data` (dicts, lists and scalars) as a JSON document's text, ending in a line break."""
    safe = json_safe(data)
    return json.dumps(safe, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def json_safe(value: Any) -> Any:
    """Replace NaN and infinities, which JSON cannot hold, by their names as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value


def dataclass_data(obj: Any, skip: str = "") -> dict[str, Any]:
    """A flat dataclass as JSON data, each field by its name: tuples (of tuples) become lists."""
    return {f.name: _lists(getattr(obj, f.name)) for f in fields(obj) if f.name != skip}


def picked(obj: Any, names: Sequence[str]) -> dict[str, Any]:
    """The named attributes of `obj` as JSON data, keyed by their names (tuples as lists).

    For a document that names its keys: a field added to the dataclass does not appear in it
    unannounced.
    """
    return {name: _lists(getattr(obj, name)) for name in names}


def _lists(value: Any) -> Any:
    return [_lists(item) for item in value] if isinstance(value, tuple) else value
