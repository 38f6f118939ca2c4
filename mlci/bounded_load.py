"""Parse YAML, JSON and TOML that anyone may have written, within caps that hold for all three.

Every file mlci parses comes from a repository, so from whoever opened the pull request:
mlci.yaml, dvc.yaml, dvc.lock, .dvc files, params and metrics files. A parser alone does not
protect the code that reads its result. PyYAML turns an alias bomb ("billion laughs") into a
few shared objects cheaply, and the walk that flattens or digests them then never ends; an
integer of 5,000 digits, a date like 2024-02-30 or the lone surrogate of "\\ud800" raise
ValueError or UnicodeEncodeError far from the parser, where they are a crash.

So every document goes through a loader here, which refuses, in one worded line, whatever
breaks a cap below. The checks are linear in the size of the text: a YAML document's node
graph is walked once, each anchored node once however many aliases point at it, so a billion
laughs costs as many steps as it has nodes. This is the single entry point for structured
files: dvc.yaml and dvc.lock are read as YAML 1.1 (libyaml, as before), params and metrics
files as YAML 1.2 (ruamel.yaml, as DVC reads them); one reader for all would replace
`load_yaml`'s two branches and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import yaml

# The caps, in one place. Each is far beyond any honest file and far below what hurts.
MAX_BYTES = 16 << 20
"""A file mlci parses; a metrics file with 100,000 keys is about 3 MiB."""
MAX_DEPTH = 64
"""Nesting levels, counted through aliases and `<<:` merges (the walks over data recurse)."""
MAX_ALIASES = 1_000
"""Aliases to mappings and lists (the ones that multiply); a spec uses a handful."""
MAX_VALUES = 1_000_000
"""Values and keys a document holds once every alias is expanded."""
MAX_INT_DIGITS = 300
"""Larger integers fit no float (1.8e308): comparing one with a float would overflow."""

KeyPath = tuple[str | int, ...]
_INT_LIMIT = 10**MAX_INT_DIGITS
_SURROGATE = re.compile("[\ud800-\udfff]")
MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_TAG = "tag:yaml.org,2002:int"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

DEPTH = f"nests deeper than mlci's cap of {MAX_DEPTH} levels; flatten it"
YAML_DEPTH = (
    f"nests deeper than mlci's cap of {MAX_DEPTH} levels (aliases and merges count); flatten it"
)
ALIASES = f"uses more than mlci's cap of {MAX_ALIASES:,} aliases; write the values out"
VALUES = (
    f"expands to more than mlci's cap of {MAX_VALUES:,} values (aliases referring to "
    "aliases?); write the values out instead"
)
RECURSIVE = (
    "this alias refers to a value that contains it (a recursive anchor); write the value out"
)
SELF_MERGE = "`<<:` merges a mapping into itself"
BIG_INT = (
    f"holds an integer of more than {MAX_INT_DIGITS} digits, mlci's cap (no float holds "
    "it); write it as a float, or quote it to keep it as text"
)


def too_large(size: int) -> str:
    return (
        f"is {size:,} bytes, over mlci's cap of {MAX_BYTES:,} bytes for a file it reads; "
        "keep bulk data out of it"
    )


def surrogate(found: str) -> str:
    return (
        f"holds text with a lone surrogate ({ascii(found)[1:-1]}), which is not a character "
        "and cannot be printed; write the character itself"
    )


class UnreadableDocument(ValueError):
    """Why a document cannot be read, in one line: a syntax error, or a cap it breaks.

    `line` and `column` are 1-based, where the parser knows them; `key_path` leads to the
    offending value where the YAML node walk knows it.
    """

    def __init__(self, reason: str, *, mark: Any = None, key_path: KeyPath = ()) -> None:
        self.reason = reason
        self.line: int | None = mark.line + 1 if mark is not None else None
        self.column: int | None = mark.column + 1 if mark is not None else None
        self.key_path = key_path
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        super().__init__(where + reason)


# --- YAML --------------------------------------------------------------------------------------


def load_yaml(
    text: str | bytes, *, version: Literal["1.1", "1.2"] = "1.1", unique_keys: bool = False
) -> Any:
    """One YAML document as plain data (None when empty); raises UnreadableDocument.

    1.1 is PyYAML's reading, with libyaml when present (dvc.yaml, dvc.lock, the spec); 1.2
    is ruamel.yaml's, as DVC reads params and metrics files (`1e-3` a number, `yes` text).
    `unique_keys` refuses a mapping that repeats a key, which PyYAML would resolve silently.
    """
    check_size(text)
    if version == "1.2":
        return _load_yaml_1_2(text)
    loader = _FAST_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_nodes(node, unique_keys=unique_keys)
        return Constructor11().construct_document(node)
    except UnreadableDocument:
        raise
    except yaml.YAMLError as error:
        raise _syntax_error(error) from None
    except (ValueError, OverflowError, RecursionError) as error:
        raise UnreadableDocument(_value_problem(error)) from None
    finally:
        loader.dispose()


def _load_yaml_1_2(text: str | bytes) -> Any:
    from ruamel.yaml import YAML

    reader = YAML(typ="safe", pure=True)
    reader.Constructor = _constructor_1_2()
    # ruamel's composer recurses once per level; its own guard (ruamel >= 0.18.7) stops it at
    # the same level as check_nodes, whose words are used either way.
    reader.max_depth = MAX_DEPTH + 1
    try:
        node = reader.compose(text)
    except RecursionError:
        raise UnreadableDocument(YAML_DEPTH) from None
    except Exception as error:  # ruamel's error types have no common root but Exception
        raise _syntax_error(error) from None
    if node is None:
        return None
    check_nodes(node)
    try:
        return reader.constructor.construct_document(node)
    except UnreadableDocument:
        raise
    except (ValueError, OverflowError, RecursionError) as error:
        raise UnreadableDocument(_value_problem(error)) from None
    except Exception as error:  # a tag or key ruamel refuses
        raise _syntax_error(error) from None


def _syntax_error(error: Exception) -> UnreadableDocument:
    """A parser's error on one line, with its position where it has one."""
    problem = getattr(error, "problem", None) or getattr(error, "context", None)
    if problem is None:  # a ReaderError (a control character) says where in its own words
        return UnreadableDocument(f"not valid YAML ({_one_line(str(error))})")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    text = _one_line(str(problem))
    if "maximum" in text and "depth" in text:  # libyaml stops at 1,000 levels, ruamel sooner
        return UnreadableDocument(YAML_DEPTH, mark=mark)
    return UnreadableDocument(f"not valid YAML ({text})", mark=mark)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _value_problem(error: Exception) -> str:
    if "integer string conversion" in str(error):  # Python's own cap, at 4,300 digits
        return BIG_INT
    if isinstance(error, RecursionError):
        return YAML_DEPTH
    return f"holds a value that cannot be read ({_one_line(str(error))})"


def _checked_int(construct: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def checked(self: Any, node: Any) -> Any:
        # Refused before converting: Python's int() of a long text is slow, then fails.
        if len(node.value) > 2 * MAX_INT_DIGITS:
            raise UnreadableDocument(BIG_INT, mark=node.start_mark)
        value = construct(self, node)
        if isinstance(value, int) and abs(value) >= _INT_LIMIT:  # 0x... carries 4 bits a digit
            raise UnreadableDocument(BIG_INT, mark=node.start_mark)
        return value

    return checked


def _checked_timestamp(construct: Callable[..., Any]) -> Callable[..., Any]:
    def checked(self: Any, node: Any, *args: Any) -> Any:
        try:
            return construct(self, node, *args)
        except (ValueError, OverflowError) as error:
            reason = (
                f"holds a date that does not exist ({error}); correct it, or quote it to "
                "keep it as text"
            )
            raise UnreadableDocument(reason, mark=node.start_mark) from None

    return checked


class Constructor11(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructor, refusing the integers and dates that fail far from here."""


Constructor11.add_constructor(
    _INT_TAG, _checked_int(yaml.constructor.SafeConstructor.construct_yaml_int)
)
Constructor11.add_constructor(
    _TIMESTAMP_TAG, _checked_timestamp(yaml.constructor.SafeConstructor.construct_yaml_timestamp)
)
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _constructor_1_2() -> type[Any]:
    """ruamel's safe constructor with the same refusals (built on first use: ruamel is
    imported only by the readers of params and metrics files)."""
    from ruamel.yaml.constructor import SafeConstructor

    class Constructor12(SafeConstructor):
        pass

    Constructor12.add_constructor(_INT_TAG, _checked_int(SafeConstructor.construct_yaml_int))
    Constructor12.add_constructor(
        _TIMESTAMP_TAG, _checked_timestamp(SafeConstructor.construct_yaml_timestamp)
    )
    return Constructor12


def check_size(text: str | bytes) -> None:
    # For text, characters: at most its size in bytes, so the cap never refuses too much.
    if len(text) > MAX_BYTES:
        raise UnreadableDocument(too_large(len(text)))


def check_nodes(root: Any, *, unique_keys: bool = False) -> None:
    """Refuse a composed YAML document that breaks a cap; raises UnreadableDocument.

    Works on PyYAML's and ruamel.yaml's nodes alike (`id` is scalar, sequence or mapping).
    """
    _NodeWalk(unique_keys).run(root)


class _NodeWalk:
    """One iterative depth-first walk over a node graph, where an alias is a node met again.

    The expanded size and height of a mapping or list are worked out when its walk ends, so
    meeting it again through an alias costs one step, not a second walk.
    """

    def __init__(self, unique_keys: bool) -> None:
        self.unique_keys = unique_keys
        self.expanded: dict[int, tuple[int, int]] = {}  # walked: (values, height)
        self.open: dict[int, list[Any]] = {}  # being walked -> its mapping and list children
        self.parents: dict[int, tuple[Any, str | int]] = {}  # the first parent, for key paths
        self.aliases = 0

    def run(self, root: Any) -> None:
        if root.id == "scalar":
            self._scalar(root, 0, None, "")
            return
        # (node, depth, parent, label, mark of the edge); depth -1 ends the node's walk.
        stack: list[tuple[Any, int, Any, str | int, Any]] = [(root, 0, None, "", None)]
        while stack:
            node, depth, parent, label, mark = stack.pop()
            if depth < 0:
                self._finish(node)
            elif id(node) in self.expanded:
                self._alias(node, depth, parent, label, mark)
            elif id(node) in self.open:
                self._loop(node, parent, label, mark)
            else:
                self._open(node, depth, parent, label, stack)

    def _open(self, node: Any, depth: int, parent: Any, label: str | int, stack: list[Any]) -> None:
        if depth > MAX_DEPTH:
            raise UnreadableDocument(YAML_DEPTH, mark=node.start_mark)
        if parent is not None:
            self.parents.setdefault(id(node), (parent, label))
        children: list[Any] = []
        self.open[id(node)] = children
        stack.append((node, -1, None, "", None))
        pending: list[tuple[Any, int, Any, str | int, Any]] = []
        if node.id == "mapping":
            names: set[str] = set()
            for key, value in node.value:
                name = key.value if key.id == "scalar" else "?"
                if self.unique_keys and key.id == "scalar":
                    if name in names:
                        message = f"duplicate key {name!r}; keep one of them"
                        raise UnreadableDocument(message, mark=key.start_mark)
                    names.add(name)
                for child in (key, value):
                    if child.id == "scalar":
                        self._scalar(child, depth + 1, node, name)
                    else:
                        pending.append((child, depth + 1, node, name, key.start_mark))
        else:
            for index, child in enumerate(node.value):
                if child.id == "scalar":
                    self._scalar(child, depth + 1, node, index)
                else:
                    pending.append((child, depth + 1, node, index, node.start_mark))
        children.extend(entry[0] for entry in pending)
        # Walked in document order, so a node is first met where its anchor is written.
        stack.extend(reversed(pending))

    def _finish(self, node: Any) -> None:
        children = self.open.pop(id(node))
        collections = len(children)
        scalars = len(node.value) * (2 if node.id == "mapping" else 1) - collections
        values, height = 1 + scalars, 2 if scalars else 1
        for child in children:
            child_values, child_height = self.expanded[id(child)]
            values += child_values
            height = max(height, child_height + 1)
        if values > MAX_VALUES:
            raise UnreadableDocument(VALUES, mark=node.start_mark, key_path=self.path(node))
        self.expanded[id(node)] = (values, height)

    def _alias(self, node: Any, depth: int, parent: Any, label: str | int, mark: Any) -> None:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise UnreadableDocument(ALIASES, mark=mark, key_path=(*self.path(parent), label))
        if depth + self.expanded[id(node)][1] - 1 > MAX_DEPTH:
            raise UnreadableDocument(YAML_DEPTH, mark=mark, key_path=(*self.path(parent), label))

    def _loop(self, node: Any, parent: Any, label: str | int, mark: Any) -> None:
        if node is parent and label == "<<":
            raise UnreadableDocument(SELF_MERGE, mark=node.start_mark, key_path=self.path(node))
        raise UnreadableDocument(RECURSIVE, mark=mark, key_path=(*self.path(parent), label))

    def _scalar(self, node: Any, depth: int, parent: Any, label: str | int) -> None:
        if depth > MAX_DEPTH:
            raise UnreadableDocument(YAML_DEPTH, mark=node.start_mark)
        value = node.value
        if not value.isascii() and (found := _SURROGATE.search(value)) is not None:
            where = (*self.path(parent), label) if parent is not None else ()
            raise UnreadableDocument(surrogate(found.group()), mark=node.start_mark, key_path=where)

    def path(self, node: Any) -> KeyPath:
        labels: list[str | int] = []
        while (up := self.parents.get(id(node))) is not None:
            node, label = up
            labels.append(label)
        return tuple(reversed(labels))


# --- JSON and TOML -----------------------------------------------------------------------------


def load_json(text: str | bytes) -> Any:
    """A JSON document as plain data; raises UnreadableDocument."""
    import json

    check_size(text)
    try:
        data = json.loads(text, parse_int=_json_int)
    except UnreadableDocument:
        raise
    except RecursionError:  # the C scanner's own guard, near 1,000 levels
        raise UnreadableDocument(DEPTH) from None
    except ValueError as error:
        raise UnreadableDocument(f"not valid JSON ({_one_line(str(error))})") from None
    check_plain(data)
    return data


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise UnreadableDocument(BIG_INT)
    return int(text)


def load_toml(text: str) -> Any:
    """A TOML document as plain data; raises UnreadableDocument."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib

    check_size(text)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise UnreadableDocument(DEPTH) from None
    except ValueError as error:
        if "integer string conversion" in str(error):
            raise UnreadableDocument(BIG_INT) from None
        raise UnreadableDocument(f"not valid TOML ({_one_line(str(error))})") from None
    check_plain(data)
    return data


def check_plain(data: Any) -> None:
    """The caps for data without aliases (JSON, TOML): one walk, each value once."""
    values = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise UnreadableDocument(VALUES)
        if depth > MAX_DEPTH:
            raise UnreadableDocument(DEPTH)
        if isinstance(value, dict):
            values += len(value)
            for key, item in value.items():
                _check_value(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        else:
            _check_value(value)


def _check_value(value: Any) -> None:
    if isinstance(value, str):
        if not value.isascii() and (found := _SURROGATE.search(value)) is not None:
            raise UnreadableDocument(surrogate(found.group()))
    elif isinstance(value, int) and abs(value) >= _INT_LIMIT:  # a TOML 0x... integer
        raise UnreadableDocument(BIG_INT)
