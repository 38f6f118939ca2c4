"""params.py as DVC reads it: its literal assignments, through `ast`, never run."""

from __future__ import annotations

import ast
import io
import tokenize
from typing import Any

from mlci.document_caps import UnreadableDocument, check_plain, check_size

MAX_PYTHON_TOKENS = 100_000
"""Tokens of a params.py: an honest one holds a few hundred. Python's parser builds a tree
of some 500 bytes a token, so a 16 MiB list of zeros would take gigabytes to parse."""


def read_python_params(content: bytes) -> dict[str, Any]:
    """A params.py as DVC reads it (dvc/utils/serialize/_py.py): each module-level
    assignment of a literal to one name, each class as a mapping of its own (with the
    `self.x = ...` assignments of its `__init__`); whatever is not a literal is skipped.
    The file is parsed, never run. Raises UnreadableDocument."""
    check_size(content)
    text = content.decode("utf-8-sig", errors="replace")
    _check_tokens(text)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise UnreadableDocument(f"not valid Python ({_first_line(error)})") from None
    data = _assignments(tree.body, self_only=False)
    check_plain(data)
    return data


def _check_tokens(text: str) -> None:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    try:
        for count, _ in enumerate(tokens):
            if count > MAX_PYTHON_TOKENS:
                raise UnreadableDocument(
                    f"holds more than mlci's cap of {MAX_PYTHON_TOKENS:,} Python tokens for "
                    "a params file; keep bulk data out of it"
                )
    except (tokenize.TokenError, SyntaxError) as error:
        raise UnreadableDocument(f"not valid Python ({_first_line(error)})") from None


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _assignments(body: list[ast.stmt], *, self_only: bool) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in body:
        try:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                found.update(_assignment(node, self_only=self_only))
            elif isinstance(node, ast.ClassDef):
                found[node.name] = _assignments(node.body, self_only=False)
            elif isinstance(node, ast.FunctionDef) and node.name == "__init__":
                found.update(_assignments(node.body, self_only=True))
        except (ValueError, TypeError, AttributeError, RecursionError, MemoryError):
            continue  # not a literal, or not one name: DVC skips it too
    return found


def _assignment(node: ast.Assign | ast.AnnAssign, *, self_only: bool) -> dict[str, Any]:
    target: ast.expr
    if isinstance(node, ast.AnnAssign):
        target = node.target
    elif len(node.targets) == 1:
        target = node.targets[0]
    else:
        raise AttributeError("several targets")
    name = _name(target, self_only=self_only)
    if node.value is None:
        raise ValueError("no value")
    return {name: _plain(ast.literal_eval(node.value))}


def _name(target: ast.expr, *, self_only: bool) -> str:
    if isinstance(target, ast.Name) and not self_only:
        return target.id
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    ):
        return target.attr
    raise AttributeError("not a name")


def _plain(value: Any) -> Any:
    """Literals as the data of other params files: tuples and sets as lists, mapping keys as
    text; bytes and complex numbers as their text."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return [_plain(item) for item in sorted(value, key=repr)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
