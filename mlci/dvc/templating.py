"""A dvc.yaml resolved as dvc/parsing resolves it: `${...}` in its stages and top-level
metrics, params and plots, and foreach and matrix stages expanded into the stages they
generate, named as DVC names them."""

from __future__ import annotations

import itertools
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlci.document_caps import MAX_VALUES
from mlci.dvc.interpolation import Context, Loader, Node, TemplateError, as_node, to_text

MAX_GENERATED = 10_000
"""Stages one foreach/matrix may generate: a matrix of ten keys of ten values is 10^10."""
_RESERVED = ("item", "key")


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
    context = Context(load)
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
    context: Context, name: str, definition: Mapping[str, Any], *, templated: bool
) -> Iterator[ResolvedStage]:
    if "foreach" in definition or "matrix" in definition:
        yield from _generated(context, name, definition)
    elif templated:
        yield _entry(context, name, definition)
    else:
        wdir = definition.get("wdir")
        yield ResolvedStage(name, str(wdir) if wdir else ".", definition, {})


def _entry(context: Context, name: str, definition: Mapping[str, Any]) -> ResolvedStage:
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
    context: Context, name: str, definition: Mapping[str, Any]
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
            context.data["key"] = Node(key, None, "key")
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


def _foreach(context: Context, data: Any) -> list[tuple[str, Node, bool]]:
    """(key, item, whether `key` is set) for each member, named as DVC names them: a
    mapping by its keys, a list of plain values by the values, other lists by index."""
    iterable = as_node(context.resolve(data, None, nodes=True), None)
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


def _text_key(node: Node) -> str:
    # DVC names a member by str() of its node: a boolean read from a file is "True" there.
    return str(node.value) if node.source is not None else to_text(node.value)


def _matrix(context: Context, data: Any) -> list[tuple[str, Node, bool]]:
    matrix = as_node(context.resolve(data, None, nodes=True), None)
    if not isinstance(matrix.value, dict):
        raise TemplateError("matrix expects a mapping of lists")
    axes: list[tuple[str, list[Node]]] = []
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
        members.append(("-".join(fragments), Node(chosen, None, "item"), True))
    return members
