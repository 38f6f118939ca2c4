"""`overrides.set`: change any key of a rendered workflow by its dotted path.

The workflow is edited with ruamel.yaml's round-trip mode, which keeps comments (the
version comment beside each pinned action) and reads `on:` as a key, not as `true`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from mlci.errors import UsageError
from mlci.spec.model import KeyOverride


def round_trip_yaml(*, indent_sequences: bool = True) -> YAML:
    """ruamel.yaml in round-trip mode; GitHub's style indents sequences, DVC's does not."""
    yaml = YAML(typ="rt")
    if indent_sequences:
        yaml.indent(mapping=2, sequence=4, offset=2)
    else:
        yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


def apply_key_overrides(text: str, overrides: Iterable[KeyOverride]) -> str:
    yaml = round_trip_yaml()
    document = yaml.load(text)
    for override in overrides:
        try:
            _set_path(document, override.path.split("."), override.value)
        except (TypeError, KeyError, AttributeError):
            raise UsageError(
                f"overrides.set: cannot set {override.path!r}: a part of the path names a list "
                "item by something other than its number, or a value that is not a mapping"
            ) from None
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _set_path(node: Any, parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            continue
        child = node.get(part) if isinstance(node, dict) else None
        if not isinstance(child, (dict, list)):
            child = CommentedMap()
            node[part] = child
        node = child
    last = parts[-1]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
    else:
        node[last] = value
