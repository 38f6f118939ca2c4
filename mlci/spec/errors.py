"""Turn pydantic's validation errors into one-line problems a data scientist can act on."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from pydantic import ValidationError

from mlci.errors import SpecProblem
from mlci.spec.source import KeyPath, SourceMap, format_path

# Sections whose keys are reserved for later versions of the format.
NOT_YET: dict[str, str] = {}

_TYPE_WORDS = {
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "dict_type": "must be a mapping of keys",
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when a close choice exists, else the list of choices."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if options and len(options) <= 24:
        return " (expected one of: " + ", ".join(options) + ")"
    return ""


@cache
def _schema() -> dict[str, Any]:
    from mlci.spec.schema import spec_json_schema

    return spec_json_schema()


def _resolve(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The concrete alternatives of a schema node, following $ref and anyOf."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _resolve(_schema()["$defs"][name])
    if "anyOf" in node:
        return [alt for option in node["anyOf"] for alt in _resolve(option)]
    return [node]


def allowed_keys(path: KeyPath) -> list[str]:
    """Keys the schema allows in the mapping at `path` (empty if unknown)."""
    nodes = [_schema()]
    for part in path:
        following: list[dict[str, Any]] = []
        for node in (alt for n in nodes for alt in _resolve(n)):
            if isinstance(part, int) and "items" in node:
                following.append(node["items"])
            elif isinstance(part, str) and part in node.get("properties", {}):
                following.append(node["properties"][part])
            elif isinstance(part, str) and isinstance(node.get("additionalProperties"), dict):
                following.append(node["additionalProperties"])
        nodes = following
    return sorted({key for n in nodes for alt in _resolve(n) for key in alt.get("properties", {})})


def _data_path(data: Any, loc: Sequence[str | int]) -> KeyPath:
    """Keep only the parts of pydantic's loc that are keys of the data (drops union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            continue
        path.append(part)
    return tuple(path)


def _expected_values(ctx: dict[str, Any]) -> list[str]:
    return re.findall(r"'([^']*)'", str(ctx.get("expected", "")))


def _message(error: Any, value: Any) -> str:
    kind = error["type"]
    if kind in _TYPE_WORDS:
        return f"{_TYPE_WORDS[kind]}, not {_describe(value)}"
    if kind == "literal_error":
        expected = _expected_values(error.get("ctx", {}))
        shown = repr(value) if isinstance(value, str) else _describe(value)
        return f"{shown} is not allowed" + did_you_mean(str(value), expected)
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    return message.replace("Input should be", "must be")


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a true/false value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return repr(value)


def problems_from_validation(
    error: ValidationError, data: Any, source: SourceMap
) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    seen: set[tuple[KeyPath, str]] = set()
    for item in error.errors():
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            path = (*_data_path(data, loc[:-1]), loc[-1])
            key = str(loc[-1])
            if path == (key,) and key in NOT_YET:
                message = NOT_YET[key]
            else:
                message = f"unknown key {key!r}" + did_you_mean(key, allowed_keys(path[:-1]))
            problem = source.problem(path, message, key=True)
        elif kind == "missing":
            parent = _data_path(data, loc[:-1])
            path = (*parent, loc[-1])
            problem = SpecProblem(
                source.locate(parent, key=True),
                format_path(path),
                f"missing required key {loc[-1]!r}",
            )
        else:
            path = _data_path(data, loc)
            problem = source.problem(path, _message(item, item["input"]))
        if (path, problem.message) not in seen:
            seen.add((path, problem.message))
            problems.append(problem)
    return problems
