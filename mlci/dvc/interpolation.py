"""DVC's templating context (dvc/parsing/context.py): the variables a dvc.yaml's `vars:`
and params.yaml define, and `${...}` in a value resolved from them, recording which values
of which vars file each stage reads (DVC's `tracked_vars`)."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_VARS = "params.yaml"
_KEY_PATH = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[[^.\[\]]+\])*")
Loader = Callable[[str], "Mapping[str, Any] | None"]
"""Reads a vars file by its path relative to the dvc.yaml's folder: its data, or None when
there is no such file; raises TemplateError for one that cannot be read."""


class TemplateError(ValueError):
    """Why a part of a dvc.yaml cannot be resolved, in one line."""


@dataclass
class Node:
    """A value of the context, with the file it came from (None: written in dvc.yaml, or a
    foreach item of such) and its dotted path there: what DVC's `tracked_vars` records."""

    value: Any  # dict[str, Node], list[Node], or a scalar
    source: str | None
    path: str

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {key: node.plain() for key, node in self.value.items()}
        if isinstance(self.value, list):
            return [node.plain() for node in self.value]
        return self.value


def as_node(data: Any, source: str | None, path: str = "") -> Node:
    if isinstance(data, Node):
        return data
    join = f"{path}." if path else ""
    if isinstance(data, Mapping):
        items = {str(k): as_node(v, source, f"{join}{k}") for k, v in data.items()}
        return Node(items, source, path)
    if isinstance(data, (list, tuple)):
        return Node([as_node(v, source, f"{join}{i}") for i, v in enumerate(data)], source, path)
    return Node(data, source, path)


class Context:
    """DVC's Context: the variables a dvc.yaml's `vars:` (and params.yaml) define."""

    def __init__(self, load: Loader) -> None:
        self.load = load
        self.data: dict[str, Node] = {}
        self.imports: dict[str, list[str] | None] = {}
        self.tracked: dict[str, dict[str, Any]] | None = None

    def clone(self) -> Context:
        copy = Context(self.load)
        copy.data = _copy_tree(self.data)
        copy.imports = {
            path: None if keys is None else list(keys) for path, keys in self.imports.items()
        }
        return copy

    def load_vars(self, items: Any, wdir: str, *, default: bool, where: str) -> None:
        if default and self.load(_in_wdir(wdir, DEFAULT_VARS)) is not None:
            self._merge_file(DEFAULT_VARS, wdir)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, str):
                self._merge_file(item, wdir)
            elif isinstance(item, Mapping):
                _merge(self.data, as_node(item, None).value, f"{where}vars[{index}]")
            else:
                raise TemplateError(f"`vars` entries are files or mappings, not {item!r}")

    def _merge_file(self, item: str, wdir: str) -> None:
        file, _, listed = item.partition(":")
        path = _in_wdir(wdir, file)
        keys = [key for key in listed.split(",") if key] or None
        if path in self.imports:
            if keys is None and self.imports[path] is None:
                return  # the whole file, named again
            raise TemplateError(f"cannot load {item!r}: {path} is loaded already")
        data = self.load(path)
        if data is None:
            raise TemplateError(f"the vars file {path} does not exist")
        if keys is not None:
            missing = [key for key in keys if key not in data]
            if missing:
                raise TemplateError(f"could not find {missing[0]!r} in {path}")
            data = {key: data[key] for key in keys}
        _merge(self.data, as_node(data, path).value, path)
        self.imports[path] = keys

    def select(self, expression: str) -> Node:
        """`a.b`, `a[0]`: the node, recorded in `tracked` when it comes from a file."""
        inner = expression.strip()
        if not _KEY_PATH.fullmatch(inner):
            raise TemplateError(f"${{{expression}}} is not a key DVC can look up")
        node: Node | None = None
        for part in inner.replace("[", ".").replace("]", "").split("."):
            container = self.data if node is None else node.value
            key = part.strip()
            try:
                if isinstance(container, dict):
                    node = container[key]
                elif isinstance(container, list):
                    node = container[int(key)]
                else:
                    raise TemplateError(f"${{{expression}}}: {key!r} is below a plain value")
            except (KeyError, IndexError, ValueError):
                raise TemplateError(f"could not find {inner!r} (in ${{{expression}}})") from None
        assert node is not None
        if (
            self.tracked is not None
            and node.source is not None
            and not isinstance(node.value, dict)
        ):
            self.tracked.setdefault(node.source, {})[node.path] = node.plain()
        return node

    def resolve(self, data: Any, key: str | None, *, nodes: bool = False) -> Any:
        """`data` with every `${...}` in its strings (keys too) resolved, as DVC's
        `Context.resolve`; `nodes`: a string that is one `${...}` gives its node."""
        if isinstance(data, Mapping):
            resolved = {}
            for name, value in data.items():
                resolved_name = self.resolve(name, key)
                if isinstance(resolved_name, (dict, list)):
                    raise TemplateError(
                        f"the key {name!r} resolves to a {type(resolved_name).__name__}"
                    )
                resolved[resolved_name] = self.resolve(value, key, nodes=nodes)
            return resolved
        if isinstance(data, (list, tuple)):
            return [self.resolve(item, key, nodes=nodes) for item in data]
        if isinstance(data, str):
            return self._resolve_text(data, key, nodes=nodes)
        return data

    def _resolve_text(self, text: str, key: str | None, *, nodes: bool) -> Any:
        matches = _expressions(text)
        if not matches:
            return text.replace("\\${", "${")
        if len(matches) == 1 and matches[0][:2] == (0, len(text)):
            node = self.select(matches[0][2])
            _check_value(node, key)
            return node if nodes else node.plain()
        parts, index = [], 0
        for start, end, inner in matches:
            node = self.select(inner)
            _check_value(node, key)
            parts += [text[index:start], to_text(node.plain())]
            index = end
        parts.append(text[index:])
        return "".join(parts).replace("\\${", "${")


def _expressions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, inner) of each `${inner}` in `text`, as DVC's KEYCRE finds them (not
    after a backslash; `inner` up to the first `}`, on one line), in linear time: the
    regex takes time quadratic in a line of many `${` and no `}`, which a pull request may
    write."""
    found: list[tuple[int, int, str]] = []
    position, close, newline = 0, -1, -1
    while (start := text.find("${", position)) != -1:
        if close < start + 2:
            close = text.find("}", start + 2)
            if close == -1:
                break  # no `}` after: no expression either
        if newline < start:
            newline = text.find("\n", start)
            if newline == -1:
                newline = len(text)
        if (start > 0 and text[start - 1] == "\\") or newline < close:
            position = start + 1  # escaped, or no `}` on this line: try the next `${`
            continue
        found.append((start, close + 1, text[start + 2 : close]))
        position = close + 1
    return found


def _check_value(node: Node, key: str | None) -> None:
    """DVC's validate_value: only plain values are interpolated, except into `foreach` (and
    a mapping into `cmd`, as command-line options)."""
    plain = not isinstance(node.value, (dict, list))
    if plain or key is None or "foreach" in key:
        return
    if not (isinstance(node.value, dict) and key == "cmd"):
        kind = "dict" if isinstance(node.value, dict) else "list"
        raise TemplateError(f"cannot interpolate data of type {kind!r} ({node.path})")


def to_text(value: Any) -> str:
    """DVC's to_str: booleans as true/false, a mapping as command-line options."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        words = []
        for name, item in _flat(value).items():
            if isinstance(item, bool):
                words += [f"--{name}"] if item else []
            elif isinstance(item, list):
                words += [
                    f"--{name}",
                    *(shlex.quote(v) if isinstance(v, str) else str(v) for v in item),
                ]
            else:
                words += [f"--{name}", shlex.quote(item) if isinstance(item, str) else str(item)]
        return " ".join(words)
    return str(value)


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _merge(into: dict[str, Node], update: dict[str, Node], source: str) -> None:
    for key, node in update.items():
        present = into.get(key)
        if present is not None and isinstance(present.value, dict) and isinstance(node.value, dict):
            _merge(present.value, node.value, source)
        elif present is not None:
            raise TemplateError(
                f"cannot redefine {node.path or key!r} from {source}: it is defined already"
            )
        else:
            into[key] = node


def _copy_tree(data: dict[str, Node]) -> dict[str, Node]:
    """Mappings copied (a stage's vars merge into them), other nodes shared."""
    return {
        key: Node(_copy_tree(node.value), node.source, node.path)
        if isinstance(node.value, dict)
        else node
        for key, node in data.items()
    }


def _in_wdir(wdir: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(wdir, path))
