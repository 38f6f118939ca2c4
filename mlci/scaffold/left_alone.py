"""Why a part of a user's DVC pipeline stays theirs: the reason, and the checks that give it.

`mlci init` takes over a stage or a section only when mlci.yaml can say exactly what it
says; each check here raises `LeftAlone` with a sentence for the user when it cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import ValidationError


class LeftAlone(Exception):
    """A part of the pipeline mlci cannot take over; the message says why, for the user."""


def check_plain(value: Any) -> None:
    """mlci.yaml and mlci's digests hold JSON-like data; a date, say, has no place there."""
    if not _is_plain(value):
        raise LeftAlone(
            "holds values mlci.yaml cannot keep (such as dates); only text, numbers, "
            "true/false and null"
        )


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, list):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def has_interpolation(value: Any) -> bool:
    return any("${" in text for text in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a YAML value, keys included (DVC interpolates both)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def flow(value: Any) -> str:
    """A value as YAML on one line, as the user would type it into dvc.yaml."""
    return str(yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False))[
        :-1
    ].removesuffix("\n...")
