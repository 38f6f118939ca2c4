"""dvc.yaml, dvc.lock and .dvc files as plain data, read with libyaml within mlci's caps: the
fast path for questions that edit nothing. Also params.py, which only DVC's own reader knows
how to read: its literal assignments, through `ast`, never run."""

from __future__ import annotations

import ast
import io
import itertools
import posixpath
import re
import shlex
import tokenize
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mlci.bounded_load import (
    MAX_VALUES,
    UnreadableDocument,
    check_plain,
    check_size,
    load_yaml,
)

MAX_PYTHON_TOKENS = 100_000
"""Tokens of a params.py: an honest one holds a few hundred. Python's parser builds a tree
of some 500 bytes a token, so a 16 MiB list of zeros would take gigabytes to parse."""


class NotAMapping(UnreadableDocument):
    """Valid YAML that is not a mapping of keys; `empty` when it holds nothing at all."""

    def __init__(self, document: Any) -> None:
        self.empty = document is None
        kind = type(document).__name__ if document is not None else "nothing"
        super().__init__(f"holds {kind}, not a mapping of keys")


def is_syntax_error(error: UnreadableDocument) -> bool:
    """True for a document that is not YAML or not a mapping, as opposed to one refused for
    a cap of mlci.bounded_load (an alias bomb, a file too large)."""
    return isinstance(error, NotAMapping) or error.reason.startswith("not valid YAML")


@lru_cache(maxsize=4)
def read_document(text: str) -> dict[str, Any]:
    """A DVC file's text as plain data; raises UnreadableDocument, also for a document that
    is not a mapping (NotAMapping, an empty one included).

    Cached by text because spec validation and generation both ask about the same file.
    """
    document = load_yaml(text)
    if not isinstance(document, dict):
        raise NotAMapping(document)
    return document


def plain_document(text: str) -> dict[str, Any] | None:
    """A DVC file's text as plain data; None when it is not a readable mapping."""
    try:
        return read_document(text)
    except UnreadableDocument:
        return None


def plain_stages(text: str) -> dict[str, Any] | None:
    """The `stages:` mapping of a dvc.yaml text, or None."""
    document = plain_document(text)
    stages = document.get("stages") if document is not None else None
    return stages if isinstance(stages, dict) else None


# --- params.py -----------------------------------------------------------------------------


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


# --- templating: `${...}` and `vars:`, as dvc/parsing resolves them ------------------------

MAX_GENERATED = 10_000
"""Stages one foreach/matrix may generate: a matrix of ten keys of ten values is 10^10."""
DEFAULT_VARS = "params.yaml"
_RESERVED = ("item", "key")
_KEY_PATH = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[[^.\[\]]+\])*")
Loader = Callable[[str], "Mapping[str, Any] | None"]
"""Reads a vars file by its path relative to the dvc.yaml's folder: its data, or None when
there is no such file; raises TemplateError for one that cannot be read."""


class TemplateError(ValueError):
    """Why a part of a dvc.yaml cannot be resolved, in one line."""


@dataclass(frozen=True)
class ResolvedStage:
    """A stage of a dvc.yaml with its `${...}` resolved; foreach/matrix stages give one
    each, named as DVC names them (`build@model1`)."""

    name: str
    wdir: str
    """Relative to the dvc.yaml's folder ("." when it has none)."""
    data: Mapping[str, Any]
    tracked: Mapping[str, Mapping[str, Any]]
    """Vars file -> {dotted key: value} this stage interpolates, as DVC's tracked_vars."""


@dataclass(frozen=True)
class ResolvedPipeline:
    stages: Mapping[str, ResolvedStage]
    metrics: list[Any]
    params: list[Any]
    plots: list[Any]
    problems: list[str]
    """What could not be resolved (that stage or entry is left out), in plain words."""


@dataclass
class _Node:
    """A value of the context, with the file it came from (None: written in dvc.yaml, or a
    foreach item of such) and its dotted path there: what DVC's `tracked_vars` records."""

    value: Any  # dict[str, _Node], list[_Node], or a scalar
    source: str | None
    path: str

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {key: node.plain() for key, node in self.value.items()}
        if isinstance(self.value, list):
            return [node.plain() for node in self.value]
        return self.value


def _node(data: Any, source: str | None, path: str = "") -> _Node:
    if isinstance(data, _Node):
        return data
    join = f"{path}." if path else ""
    if isinstance(data, Mapping):
        items = {str(k): _node(v, source, f"{join}{k}") for k, v in data.items()}
        return _Node(items, source, path)
    if isinstance(data, (list, tuple)):
        return _Node([_node(v, source, f"{join}{i}") for i, v in enumerate(data)], source, path)
    return _Node(data, source, path)


class _Context:
    """DVC's Context: the variables a dvc.yaml's `vars:` (and params.yaml) define."""

    def __init__(self, load: Loader) -> None:
        self.load = load
        self.data: dict[str, _Node] = {}
        self.imports: dict[str, list[str] | None] = {}
        self.tracked: dict[str, dict[str, Any]] | None = None

    def clone(self) -> _Context:
        copy = _Context(self.load)
        copy.data = _copy_tree(self.data)
        copy.imports = {
            path: None if keys is None else list(keys) for path, keys in self.imports.items()
        }
        return copy

    def load_vars(self, items: Any, wdir: str, *, default: bool, where: str) -> None:
        if default and self.load(_join(wdir, DEFAULT_VARS)) is not None:
            self._merge_file(DEFAULT_VARS, wdir)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, str):
                self._merge_file(item, wdir)
            elif isinstance(item, Mapping):
                _merge(self.data, _node(item, None).value, f"{where}vars[{index}]")
            else:
                raise TemplateError(f"`vars` entries are files or mappings, not {item!r}")

    def _merge_file(self, item: str, wdir: str) -> None:
        file, _, listed = item.partition(":")
        path = _join(wdir, file)
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
        _merge(self.data, _node(data, path).value, path)
        self.imports[path] = keys

    def select(self, expression: str) -> _Node:
        """`a.b`, `a[0]`: the node, recorded in `tracked` when it comes from a file."""
        inner = expression.strip()
        if not _KEY_PATH.fullmatch(inner):
            raise TemplateError(f"${{{expression}}} is not a key DVC can look up")
        node: _Node | None = None
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
            parts += [text[index:start], _text(node.plain())]
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


def _check_value(node: _Node, key: str | None) -> None:
    """DVC's validate_value: only plain values are interpolated, except into `foreach` (and
    a mapping into `cmd`, as command-line options)."""
    plain = not isinstance(node.value, (dict, list))
    if plain or key is None or "foreach" in key:
        return
    if not (isinstance(node.value, dict) and key == "cmd"):
        kind = "dict" if isinstance(node.value, dict) else "list"
        raise TemplateError(f"cannot interpolate data of type {kind!r} ({node.path})")


def _text(value: Any) -> str:
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


def _merge(into: dict[str, _Node], update: dict[str, _Node], source: str) -> None:
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


def _copy_tree(data: dict[str, _Node]) -> dict[str, _Node]:
    """Mappings copied (a stage's vars merge into them), other nodes shared."""
    return {
        key: _Node(_copy_tree(node.value), node.source, node.path)
        if isinstance(node.value, dict)
        else node
        for key, node in data.items()
    }


def _join(wdir: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(wdir, path))


def resolve_pipeline(
    document: Mapping[str, Any], load: Loader, *, templated: bool
) -> ResolvedPipeline:
    """A dvc.yaml's stages and top-level metrics/params/plots with `${...}` resolved from
    its `vars:` (params.yaml first, when there is one), foreach and matrix stages expanded,
    as dvc/parsing resolves them. `templated`: the text holds `${` at all; without it, and
    without foreach/matrix, the document is read as written (DVC reads no vars then either,
    but for a missing vars file, which it refuses)."""
    problems: list[str] = []
    stages_data = document.get("stages")
    definitions = stages_data if isinstance(stages_data, Mapping) else {}
    context = _Context(load)
    if templated:
        try:
            context.load_vars(document.get("vars", []), ".", default=True, where="")
        except TemplateError as error:
            problems.append(f"its `vars` cannot be read ({error}): nothing templated in it is read")
            templated = False
    stages: dict[str, ResolvedStage] = {}
    for name, definition in definitions.items():
        if not isinstance(definition, Mapping):
            continue
        try:
            for stage in _stages(context, str(name), definition, templated=templated):
                stages[stage.name] = stage
        except TemplateError as error:
            problems.append(f"stage {str(name)!r} cannot be resolved ({error}): it is not read")
    top: dict[str, list[Any]] = {}
    for section in ("metrics", "params", "plots"):
        entries = document.get(section)
        top[section] = []
        for entry in entries if isinstance(entries, list) else []:
            if not templated:
                top[section].append(entry)
                continue
            try:
                top[section].append(context.resolve(entry, None))
            except TemplateError as error:
                problems.append(f"`{section}` entry {entry!r} cannot be resolved ({error})")
    return ResolvedPipeline(stages, top["metrics"], top["params"], top["plots"], problems)


def _stages(
    context: _Context, name: str, definition: Mapping[str, Any], *, templated: bool
) -> Iterator[ResolvedStage]:
    if "foreach" in definition or "matrix" in definition:
        yield from _generated(context, name, definition)
    elif templated:
        yield _entry(context, name, definition)
    else:
        wdir = definition.get("wdir")
        yield ResolvedStage(name, str(wdir) if wdir else ".", definition, {})


def _entry(context: _Context, name: str, definition: Mapping[str, Any]) -> ResolvedStage:
    """DVC's EntryDefinition.resolve_stage: the stage's own vars (relative to its wdir),
    then every field resolved, recording the vars it reads."""
    definition = dict(definition)
    raw_wdir = definition.get("wdir")
    wdir = str(context.resolve(raw_wdir, "wdir")) if raw_wdir else "."
    own_vars = definition.pop("vars", [])
    if own_vars:
        context = context.clone()
        context.load_vars(own_vars, wdir, default=False, where=f"{name}.")
    context.tracked = {}
    try:
        resolved = {key: context.resolve(value, key) for key, value in definition.items()}
    finally:
        tracked, context.tracked = context.tracked, None
    return ResolvedStage(name, posixpath.normpath(wdir), resolved, tracked)


def _generated(
    context: _Context, name: str, definition: Mapping[str, Any]
) -> Iterator[ResolvedStage]:
    template: Mapping[str, Any]
    if "matrix" in definition:
        template = {k: v for k, v in definition.items() if k != "matrix"}
        members = _matrix(context, definition["matrix"])
    else:
        do = definition.get("do")
        if not isinstance(do, Mapping):
            raise TemplateError("a foreach stage needs a `do:` mapping")
        template = do
        members = _foreach(context, definition["foreach"])
    if len(members) * _size(template) > MAX_VALUES:
        raise TemplateError(
            f"its {len(members):,} stages would expand to more than mlci's cap of "
            f"{MAX_VALUES:,} values"
        )
    for key, item, with_key in members:
        # `item` and `key` stand for the member while its stage resolves, then what was
        # there before (global vars of those names) is back.
        saved = {word: context.data[word] for word in _RESERVED if word in context.data}
        context.data["item"] = item
        if with_key:
            context.data["key"] = _Node(key, None, "key")
        try:
            yield _entry(context, f"{name}@{key}", template)
        finally:
            for word in _RESERVED:
                context.data.pop(word, None)
            context.data.update(saved)


def _size(data: Any) -> int:
    """Values and keys in `data`, counted without recursion."""
    count, stack = 0, [data]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, Mapping):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _foreach(context: _Context, data: Any) -> list[tuple[str, _Node, bool]]:
    """(key, item, whether `key` is set) for each member, named as DVC names them: a
    mapping by its keys, a list of plain values by the values, other lists by index."""
    iterable = _node(context.resolve(data, None, nodes=True), None)
    if isinstance(iterable.value, dict):
        members = [(key, node, True) for key, node in iterable.value.items()]
    elif isinstance(iterable.value, list):
        composite = any(isinstance(n.value, (dict, list)) for n in iterable.value)
        members = [
            (str(index) if composite else _text_key(node), node, False)
            for index, node in enumerate(iterable.value)
        ]
    else:
        raise TemplateError(
            f"foreach expects a list or a mapping, not {type(iterable.value).__name__}"
        )
    if len(members) > MAX_GENERATED:
        raise TemplateError(f"it would generate more than mlci's cap of {MAX_GENERATED:,} stages")
    return members


def _text_key(node: _Node) -> str:
    # DVC names a member by str() of its node: a boolean read from a file is "True" there.
    return str(node.value) if node.source is not None else _text(node.value)


def _matrix(context: _Context, data: Any) -> list[tuple[str, _Node, bool]]:
    matrix = _node(context.resolve(data, None, nodes=True), None)
    if not isinstance(matrix.value, dict):
        raise TemplateError("matrix expects a mapping of lists")
    axes: list[tuple[str, list[_Node]]] = []
    count = 1
    for axis, values in matrix.value.items():
        if not isinstance(values.value, list):
            raise TemplateError(f"matrix entry {axis!r} is not a list")
        axes.append((axis, values.value))
        count *= len(values.value)
    if count > MAX_GENERATED:
        raise TemplateError(f"it would generate more than mlci's cap of {MAX_GENERATED:,} stages")
    members = []
    for combination in itertools.product(*(enumerate(values) for _, values in axes)):
        chosen = {axis: node for (axis, _), (_, node) in zip(axes, combination, strict=True)}
        fragments = [
            f"{axis}{index}" if isinstance(node.value, (dict, list)) else _text_key(node)
            for (axis, _), (index, node) in zip(axes, combination, strict=True)
        ]
        members.append(("-".join(fragments), _Node(chosen, None, "item"), True))
    return members
