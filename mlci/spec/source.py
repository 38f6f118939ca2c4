"""Read mlci.yaml into plain data plus the position of every key and value.

PyYAML's composer gives each node a start mark; we convert nodes to Python data ourselves so
that we can (a) remember where every key path came from, for errors that name
file:line:column, and (b) refuse duplicate keys, which PyYAML would silently resolve to the
last. Before that, the composed document passes mlci's caps (mlci.bounded_load: size,
nesting, aliases, expansion, lone surrogates), and its integers and dates are constructed
with the same refusals, so an alias bomb, a 5,000-digit integer or 2024-02-30 is a located
spec error, never a hang or a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlci.bounded_load import Constructor11
from mlci.document_caps import MAX_DEPTH, YAML_DEPTH, UnreadableDocument, check_size
from mlci.errors import Location, SpecError, SpecProblem
from mlci.files import ReadRefused, read_confined
from mlci.yaml_nodes import MERGE_TAG, check_nodes

KeyPath = tuple[str | int, ...]
PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass
class SourceMap:
    """Positions of the nodes of one YAML document, by key path."""

    file: str
    values: dict[KeyPath, Location] = field(default_factory=dict)
    keys: dict[KeyPath, Location] = field(default_factory=dict)

    def locate(self, path: KeyPath, *, key: bool = False) -> Location:
        """The position of `path`, or of its nearest ancestor that exists in the file."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in table:
                return table[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return Location(self.file, 1, 1)

    def problem(self, path: KeyPath, message: str, *, key: bool = False) -> SpecProblem:
        return SpecProblem(self.locate(path, key=key), format_path(path), message)


def format_path(path: KeyPath) -> str:
    """`('gates', 'merge', 0, 'metric')` -> `gates.merge[0].metric`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.isprintable():  # a line break in a key must not break the problem's line
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text


def _location(file: str, mark: yaml.Mark) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


def _refused(file: str, error: UnreadableDocument) -> SpecError:
    """A cap of mlci.bounded_load, as a spec problem at the place it names."""
    where = Location(file, error.line or 1, error.column or 1)
    return SpecError([SpecProblem(where, format_path(error.key_path), error.reason)])


class _Converter:
    """Nodes to data with positions; the document already passed check_nodes, so this walk
    is bounded (no loops, at most MAX_DEPTH levels and MAX_VALUES values)."""

    def __init__(self, file: str) -> None:
        self.source = SourceMap(file)
        self.constructor = Constructor11()

    def fail(self, mark: yaml.Mark, path: KeyPath, message: str) -> SpecError:
        problem = SpecProblem(_location(self.source.file, mark), format_path(path), message)
        return SpecError([problem])

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.source.values[path] = _location(self.source.file, node.start_mark)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in PLAIN_TAGS:
            # `!!python/object:...` or `!!set` before a mapping or list, refused like on scalars
            problem = f"could not determine a constructor for the tag {node.tag!r}"
            raise self.fail(node.start_mark, path, f"unsupported YAML value: {problem}")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]

    def _scalar(self, node: yaml.Node, path: KeyPath) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:
            raise self.fail(
                node.start_mark, path, f"unsupported YAML value: {error.problem}"
            ) from None
        except UnreadableDocument as error:  # an integer or date mlci's caps refuse
            raise self.fail(node.start_mark, path, error.reason) from None

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                for name, value in self._merge(value_node, path).items():
                    merged.setdefault(name, value)
                continue
            key = self._scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                # Keys are names; `1:` or `yes:` as a key is almost always a mistake.
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                raise self.fail(
                    key_node.start_mark,
                    path,
                    f"key {shown!r} is not a name; quote it if you meant the text {shown!r}",
                )
            child = (*path, key)
            if key in result:
                first = self.source.keys[child]
                raise self.fail(
                    key_node.start_mark,
                    child,
                    f"duplicate key {key!r} (first defined at line {first.line}); keep one of them",
                )
            self.source.keys[child] = _location(self.source.file, key_node.start_mark)
            result[key] = self.convert(value_node, child)
        # Keys written in the mapping override merged ones: `<<: *defaults` then `cache: false`.
        return {**merged, **result} if merged else result

    def _merge(self, node: yaml.Node, path: KeyPath) -> dict[str, Any]:
        """The keys a merge key (`<<: *a` or `<<: [*a, *b]`) brings in; the first mapping wins.

        PyYAML's own flatten_mapping rewrites the nodes in place, which makes a key written
        beside `<<:` look like a duplicate; here merged keys keep the positions where they
        are written, unless the mapping itself has the key.
        """
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise self.fail(
                    source.start_mark, path, "`<<:` merges a mapping or a list of mappings"
                )
            # check_nodes refused merges into themselves and chains deeper than MAX_DEPTH.
            outer, self.source = self.source, SourceMap(self.source.file)
            try:
                data = self._mapping(source, path)
            finally:
                inner, self.source = self.source, outer
            for key_path, location in inner.keys.items():
                self.source.keys.setdefault(key_path, location)
            for key_path, location in inner.values.items():
                self.source.values.setdefault(key_path, location)
            for name, value in data.items():
                merged.setdefault(name, value)
        return merged


class _Loader(yaml.SafeLoader):
    """A SafeLoader whose composer, which recurses once per level, stops at MAX_DEPTH."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise UnreadableDocument(YAML_DEPTH, mark=mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _compose(text: str) -> list[yaml.Node]:
    """Compose with libyaml when present (15x faster); on any error, compose again in Python
    so that messages and the nesting limit are the same on every installation."""
    fast = getattr(yaml, "CSafeLoader", None)
    fast_error: yaml.YAMLError | None = None
    if fast is not None:
        try:
            return list(yaml.compose_all(text, Loader=fast))
        except yaml.YAMLError as error:
            fast_error = error
    try:
        return list(yaml.compose_all(text, Loader=_Loader))
    except UnreadableDocument:
        raise
    except ValueError as error:
        # PyYAML's scanner calls chr() on an escape such as "\U00110000", which libyaml
        # refuses with a located message: that one is the answer.
        if fast_error is not None:
            raise fast_error from None
        raise UnreadableDocument(f"not valid YAML ({error})") from None


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain data and its source map; errors are SpecErrors."""
    try:
        check_size(text)
        nodes = _compose(text)
    except UnreadableDocument as error:
        raise _refused(file, error) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {error.problem or error.context}"
        raise SpecError([SpecProblem(Location(file, line, column), "", message)]) from None
    except yaml.reader.ReaderError as error:  # a control character, which YAML forbids
        # The reader gives an offset; count lines as YAML does (the "." keeps a last line).
        lines = (text[: error.position] + ".").splitlines()
        where = Location(file, len(lines), len(lines[-1]))
        message = f"invalid YAML: unacceptable character #x{error.character:04x}: {error.reason}"
        raise SpecError([SpecProblem(where, "", message)]) from None
    except yaml.YAMLError as error:
        raise SpecError([SpecProblem(Location(file, 1, 1), "", f"invalid YAML: {error}")]) from None
    if len(nodes) > 1:
        second = nodes[1].start_mark
        raise SpecError(
            [
                SpecProblem(
                    _location(file, second),
                    "",
                    "more than one YAML document ('---'); mlci.yaml holds exactly one",
                )
            ]
        )
    if not nodes:
        raise SpecError([SpecProblem(Location(file, 1, 1), "", "the file is empty")])
    try:
        check_nodes(nodes[0])
    except UnreadableDocument as error:
        raise _refused(file, error) from None
    converter = _Converter(file)
    data = converter.convert(nodes[0], ())
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise SpecError(
            [
                SpecProblem(
                    _location(file, nodes[0].start_mark),
                    "",
                    f"the document must be a mapping of keys (version:, stages:, ...), not {kind}",
                )
            ]
        )
    return data, converter.source


def read_yaml_file(path: Path, shown_as: str) -> tuple[Any, SourceMap]:
    """Read the spec at `path`: confined to its folder, the project (a spec that is a link
    to /etc/passwd would print its lines in errors, a FIFO would never end)."""
    start = Location(shown_as, 1, 1)
    try:
        content = read_confined(path.absolute().parent, path.name)
    except ReadRefused as error:
        raise SpecError([SpecProblem(start, "", f"{error}")]) from None
    if content is None:
        raise SpecError(
            [
                SpecProblem(
                    start, "", "file not found; write one (see the README) or pass --spec PATH"
                )
            ]
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(
            [SpecProblem(Location(shown_as, 1, 1), "", f"not UTF-8 text ({error.reason})")]
        ) from None
    return parse_yaml(text, shown_as)
