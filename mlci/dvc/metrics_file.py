"""Metrics files as flat `{dotted.key: value}` mappings, read the way DVC reads them.

JSON, YAML and TOML mappings are flattened with "." (DVC's keys in `dvc metrics show`);
lists are skipped, as DVC skips them. A file holding one bare value (`0.9`) is that value under
the key "" (BARE), as `dvc metrics diff` reports it; shown as the file's name alone. CSV and
TSV, which DVC does not read as metrics, give the columns of their last row: a one-row summary,
or the final epoch of a training log.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

from mlci.bounded_load import load_json, load_toml, load_yaml
from mlci.document_caps import MAX_INT_DIGITS, UnreadableDocument, check_size

Value = float | int | str | bool
BARE = ""
"""The key of a file's value when the file holds one bare value, not a mapping (DVC's key)."""


class MetricsFormatError(ValueError):
    """A metrics file whose content cannot be read in the format its name says."""


def parse_metrics(path: str, content: bytes) -> dict[str, Value]:
    """A metrics file's values by dotted key; raises MetricsFormatError, saying why."""
    suffix = _suffix(path)
    try:
        if suffix in ("csv", "tsv"):
            check_size(content)
            text = content.decode("utf-8-sig", errors="replace")
            return _last_row(text, "\t" if suffix == "tsv" else ",")
        data = read_document(path, content)
    except UnreadableDocument as error:
        raise MetricsFormatError(f"{path}: {error}") from None
    except csv.Error as error:
        raise MetricsFormatError(f"{path}: not valid {suffix.upper()} ({error})") from None
    if data is None:  # an empty file
        return {}
    if isinstance(data, Mapping):
        return flatten(data)
    if isinstance(data, (int, float, str, bool)):
        # Zero and false too, where DVC's reader (`load(text) or {}`) reads a file holding
        # `0` as holding nothing: an error count that falls to 0 is a value, not a removal.
        return {BARE: data}
    raise MetricsFormatError(
        f"{path}: holds a {type(data).__name__}; a metrics file holds a mapping of metrics "
        "or one bare value (a number, text or a boolean)"
    )


def read_structured(path: str, content: bytes) -> Any:
    """A params file as DVC reads it: `read_document`, and an empty YAML document (or one
    holding only 0, false or "") is {}, as DVC's `yaml.load(text) or {}` makes it."""
    data = read_document(path, content)
    return data if _suffix(path) in ("json", "toml") else data or {}


def read_document(path: str, content: bytes) -> Any:
    """A metrics or params file's data, by suffix: YAML for anything not JSON or TOML; None
    for an empty YAML document.

    YAML is read as YAML 1.2, as DVC's ruamel.yaml reads it: `1e-3` is a number and `yes`
    is text, where PyYAML (YAML 1.1) would say a string and `true`. Every format passes
    mlci's caps (mlci.bounded_load); raises UnreadableDocument.
    """
    check_size(content)
    text = content.decode("utf-8-sig", errors="replace")
    suffix = _suffix(path)
    if suffix == "json":
        return load_json(text)
    if suffix == "toml":
        return load_toml(text)
    return load_yaml(text, version="1.2")


def _suffix(path: str) -> str:
    return path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""


def dotted_leaves(data: Mapping[Any, Any]) -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of every value that is not a mapping, in file order and in one
    pass: each key is built once, however deep it lies (merging each level's dict into its
    parent's would copy keys once per level)."""
    stack: list[tuple[str, Iterator[tuple[Any, Any]]]] = [("", iter(data.items()))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                stack.append((name + ".", iter(value.items())))
                break
            yield name, value
        else:
            stack.pop()


def flatten(data: Mapping[str, Any]) -> dict[str, Value]:
    """Nested metrics as dotted keys; only numbers, text and booleans are metrics."""
    return {
        name: value
        for name, value in dotted_leaves(data)
        if isinstance(value, (int, float, str, bool))
    }


def _last_row(text: str, delimiter: str) -> dict[str, Value]:
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return {}
    return {str(key): _number(value) for key, value in rows[-1].items() if key is not None}


def _number(text: str | None) -> Value:
    if text is None:
        return ""
    # An integer too long for a float would overflow when compared with one: read as a float.
    kinds = (int, float) if len(text) <= MAX_INT_DIGITS else (float,)
    for kind in kinds:
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_text(value: object) -> str:
    """A metric or param value as mlci shows it in every output: floats to 6 significant
    digits, booleans and null as JSON writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "null" if value is None else str(value)
