"""Metrics files as flat `{dotted.key: value}` mappings, read the way DVC reads them.

JSON, YAML and TOML mappings are flattened with "." (DVC's keys in `dvc metrics show`);
lists are skipped, as DVC skips them. CSV and TSV, which DVC does not read as metrics, give
the columns of their last row: a one-row summary, or the final epoch of a training log.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping
from typing import Any

Value = float | int | str | bool


class MetricsFormatError(ValueError):
    """A metrics file whose content cannot be read in the format its name says."""


def parse_metrics(path: str, content: bytes) -> dict[str, Value]:
    text = content.decode("utf-8-sig", errors="replace")
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    try:
        if suffix in ("csv", "tsv"):
            return _last_row(text, "\t" if suffix == "tsv" else ",")
        data = read_structured(path, content)
    except Exception as error:  # every parser has its own error types
        kind = suffix.upper() if suffix in ("json", "toml") else "YAML"
        raise MetricsFormatError(f"{path}: not valid {kind} ({error})") from None
    if not isinstance(data, Mapping):
        raise MetricsFormatError(f"{path}: holds {type(data).__name__}, not a mapping of metrics")
    return flatten(data)


def read_structured(path: str, content: bytes) -> Any:
    """A metrics or params file as DVC reads it: by suffix, YAML for anything not JSON/TOML.

    YAML is read as YAML 1.2, as DVC's ruamel.yaml reads it: `1e-3` is a number and `yes`
    is text, where PyYAML (YAML 1.1) would say a string and `true`.
    """
    text = content.decode("utf-8-sig", errors="replace")
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix == "json":
        return json.loads(text)
    if suffix == "toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # Python 3.10
            import tomli as tomllib
        return tomllib.loads(text)
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text) or {}


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Value]:
    flat: dict[str, Value] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, (int, float, str, bool)):
            flat[name] = value
    return flat


def _last_row(text: str, delimiter: str) -> dict[str, Value]:
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return {}
    return {str(key): _number(value) for key, value in rows[-1].items() if key is not None}


def _number(text: str | None) -> Value:
    if text is None:
        return ""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
