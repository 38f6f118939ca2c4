"""Text a repository controls, made safe to print on a terminal or into a CI log.

The terminal tables of `mlci diff`, `mlci gate` and `mlci history` quote metric keys and
values, params, paths and stage names a pull request wrote. A line break there would start
a line mlci did not write (a forged "passed", or a `::warning::` line that GitHub Actions
reads as a workflow command), and an escape sequence could move the cursor or recolour what
follows. `printable` shows every such character as an escape instead, so each value stays
on its own line and reads as what it is.

`painter` colours mlci's own words (a verdict, a heading) when the output is a terminal.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, TypeVar

from mlci.present.text_hazards import BIDI, CONTROLS

T = TypeVar("T")

# Every hazard of mlci.present.text_hazards (tab among the controls: it upsets the column widths).
_UNPRINTABLE = re.compile(f"{CONTROLS.pattern}|{BIDI.pattern}")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with each control character shown as an escape (`\\n`, `\\x1b`, `\\u202e`)."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(value: T) -> T:
    """A copy of `value` (dataclasses, tuples, lists, dicts, strings) with every string
    made `printable`; numbers and other leaves stay as they are.

    Applied to a whole comparison before it is laid out as a table, so no string a
    repository controls can reach the terminal unescaped, whichever cell it ends up in.
    """
    return _inert(value)  # type: ignore[no-any-return]


def _inert(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _inert(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple
        return type(value)(*(_inert(item) for item in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_inert(item) for item in value)
    if isinstance(value, dict):
        return {_inert(key): _inert(item) for key, item in value.items()}
    return value


def painter(colour: bool) -> Callable[[str, str], str]:
    """`paint(code, text)`: `text` in the ANSI colour `code` ("31" red), or as it is when
    `colour` is off. Paint after padding a column: the codes would upset its width."""

    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour and text else text

    return paint
