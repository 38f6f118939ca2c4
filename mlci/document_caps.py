"""The caps every document mlci parses must keep, and the one error that says which it broke.

Every file mlci parses comes from a repository, so from whoever opened the pull request. The
caps are far beyond any honest file and far below what hurts; mlci.bounded_load applies them
while parsing YAML, JSON and TOML, mlci.yaml_nodes on a YAML document's node graph.
"""

from __future__ import annotations

import re
from typing import Any

# The caps, in one place. Each is far beyond any honest file and far below what hurts.
MAX_BYTES = 16 << 20
"""A file mlci parses; a metrics file with 100,000 keys is about 3 MiB."""
MAX_DEPTH = 64
"""Nesting levels, counted through aliases and `<<:` merges (the walks over data recurse)."""
MAX_ALIASES = 1_000
"""Aliases to mappings and lists (the ones that multiply); a spec uses a handful."""
MAX_VALUES = 1_000_000
"""Values and keys a document holds once every alias is expanded."""
MAX_INT_DIGITS = 300
"""Larger integers fit no float (1.8e308): comparing one with a float would overflow."""

KeyPath = tuple[str | int, ...]
INT_LIMIT = 10**MAX_INT_DIGITS
SURROGATE = re.compile("[\ud800-\udfff]")

DEPTH = f"nests deeper than mlci's cap of {MAX_DEPTH} levels; flatten it"
YAML_DEPTH = (
    f"nests deeper than mlci's cap of {MAX_DEPTH} levels (aliases and merges count); flatten it"
)
ALIASES = f"uses more than mlci's cap of {MAX_ALIASES:,} aliases; write the values out"
VALUES = (
    f"expands to more than mlci's cap of {MAX_VALUES:,} values (aliases referring to "
    "aliases?); write the values out instead"
)
RECURSIVE = (
    "this alias refers to a value that contains it (a recursive anchor); write the value out"
)
SELF_MERGE = "`<<:` merges a mapping into itself"
BIG_INT = (
    f"holds an integer of more than {MAX_INT_DIGITS} digits, mlci's cap (no float holds "
    "it); write it as a float, or quote it to keep it as text"
)


def too_large(size: int) -> str:
    return (
        f"is {size:,} bytes, over mlci's cap of {MAX_BYTES:,} bytes for a file it reads; "
        "keep bulk data out of it"
    )


def surrogate(found: str) -> str:
    return (
        f"holds text with a lone surrogate ({ascii(found)[1:-1]}), which is not a character "
        "and cannot be printed; write the character itself"
    )


class UnreadableDocument(ValueError):
    """Why a document cannot be read, in one line: a syntax error, or a cap it breaks.

    `line` and `column` are 1-based, where the parser knows them; `key_path` leads to the
    offending value where the YAML node walk knows it.
    """

    def __init__(self, reason: str, *, mark: Any = None, key_path: KeyPath = ()) -> None:
        self.reason = reason
        self.line: int | None = mark.line + 1 if mark is not None else None
        self.column: int | None = mark.column + 1 if mark is not None else None
        self.key_path = key_path
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        super().__init__(where + reason)


def check_size(text: str | bytes) -> None:
    # For text, characters: at most its size in bytes, so the cap never refuses too much.
    if len(text) > MAX_BYTES:
        raise UnreadableDocument(too_large(len(text)))


def check_plain(data: Any) -> None:
    """The caps for data without aliases (JSON, TOML): one walk, each value once."""
    values = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise UnreadableDocument(VALUES)
        if depth > MAX_DEPTH:
            raise UnreadableDocument(DEPTH)
        if isinstance(value, dict):
            values += len(value)
            for key, item in value.items():
                _check_value(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        else:
            _check_value(value)


def _check_value(value: Any) -> None:
    if isinstance(value, str):
        if not value.isascii() and (found := SURROGATE.search(value)) is not None:
            raise UnreadableDocument(surrogate(found.group()))
    elif isinstance(value, int) and abs(value) >= INT_LIMIT:  # a TOML 0x... integer
        raise UnreadableDocument(BIG_INT)
