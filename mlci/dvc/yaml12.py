"""DVC's own files (dvc.yaml, dvc.lock, .dvc files) read as DVC reads them, fast.

DVC reads them with ruamel.yaml, `YAML(typ="safe")`: YAML 1.2, where `yes` and `on` are text,
`017` is seventeen and `1:20` is text, and a mapping that repeats a key is refused. ruamel's
pure-Python parser is some fifty times slower than libyaml, and a pipeline of a thousand
stages is read on every `mlci gate` and for every revision of `mlci diff` and `mlci history`.

So libyaml (PyYAML's C parser) composes the document, each plain scalar is resolved with
ruamel's own YAML 1.2 rules (its table of implicit resolvers), and text, null, booleans,
integers and floats are constructed as ruamel's SafeConstructor constructs them. Whatever
else the document holds (explicit tags, directives, timestamps, merge keys, `=`, complex or
repeated keys) and whatever libyaml refuses or fails on is read again by ruamel itself,
through mlci.bounded_load, which also words the error. Either way mlci's caps hold: size,
depth, aliases, expanded values, digits of an integer.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml

from mlci.bounded_load import load_yaml
from mlci.document_caps import MAX_INT_DIGITS, UnreadableDocument, check_size
from mlci.yaml_nodes import check_nodes

_TAG = "tag:yaml.org,2002:"
STR, NULL, BOOL, INT, FLOAT = (_TAG + kind for kind in ("str", "null", "bool", "int", "float"))
SEQ, MAP = _TAG + "seq", _TAG + "map"
_FAST_TAGS = frozenset({STR, NULL, BOOL, INT, FLOAT})
"""What the fast path constructs; any other resolved tag sends the document to ruamel."""
_DIRECTIVE = re.compile(r"(?m)^%")
_CParser: Any = getattr(yaml, "cyaml", None) and getattr(yaml.cyaml, "CParser", None)
"""libyaml's parser and composer; None when PyYAML is built without libyaml (then every
document is ruamel's to read)."""


def load(text: str) -> Any:
    """One YAML document as ruamel reads it for DVC (None when empty); raises
    UnreadableDocument for what ruamel refuses or what breaks one of mlci's caps."""
    check_size(text)
    if _CParser is None or "!" in text or "\t" in text or _DIRECTIVE.search(text):
        # Tags and `%YAML 1.1` directives change how ruamel reads the rest, and ruamel
        # refuses tabs where libyaml takes them for spaces (`a:<tab>b`): ruamel decides.
        return load_yaml(text, version="1.2")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if not loader.divergent:
            check_nodes(node)  # a cap broken is the same refusal from either reader
            document = loader.construct_document(node)
    except UnreadableDocument:
        raise
    except Exception:  # libyaml refuses, or a value fails: ruamel says what it makes of it
        loader.divergent = True
    finally:
        loader.dispose()
    if loader.divergent:
        return load_yaml(text, version="1.2")
    return document


@cache
def _resolvers() -> dict[str, list[tuple[str, Any]]]:
    """ruamel's YAML 1.2 implicit resolvers by the first character they apply to ("" for
    the empty scalar), in ruamel's order: the table its VersionedResolver uses."""
    from ruamel.yaml.resolver import implicit_resolvers

    table: dict[str, list[tuple[str, Any]]] = {}  # ruamel's lazily compiled patterns
    for versions, tag, regexp, starts in implicit_resolvers:
        if (1, 2) in versions:
            for first in starts:
                table.setdefault(first, []).append((str(tag), regexp))
    return table


def resolve_plain(value: str) -> str:
    """The tag ruamel gives a plain scalar in YAML 1.2 (ruamel.yaml.resolver)."""
    for tag, regexp in _resolvers().get(value[:1], ()):
        if regexp.match(value):
            return tag
    return STR


class _Loader(_CParser or object):  # type: ignore[misc]
    """libyaml's composer with ruamel's YAML 1.2 resolver and scalar constructors; notes
    (`divergent`) a document the fast path does not construct as ruamel would."""

    def __init__(self, text: str) -> None:
        _CParser.__init__(self, text)
        self.constructed: dict[Any, Any] = {}
        self.divergent = False

    def resolve(self, kind: Any, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            tag = resolve_plain(value) if implicit[0] else STR
            if tag not in _FAST_TAGS:
                self.divergent = True
            return tag
        return SEQ if kind is yaml.SequenceNode else MAP

    def descend_resolver(self, parent: Any, index: Any) -> None:
        """PyYAML's path resolvers, which ruamel's safe loader does not use either."""

    def ascend_resolver(self) -> None:
        """As descend_resolver."""

    def construct_document(self, root: Any) -> Any:
        """The node graph as plain data, an alias the same object as its anchor, as ruamel
        gives it. Iterative: the depth is capped already, but this is no slower."""
        data = self._shell(root)
        stack = [root]
        while stack:
            node = stack.pop()
            if node.id == "sequence":
                self._fill_sequence(node, stack)
            elif node.id == "mapping":
                self._fill_mapping(node, stack)
        return data

    def _shell(self, node: Any) -> Any:
        """The node's value: a scalar constructed, a collection empty, to be filled."""
        if node.id == "scalar":
            return construct_scalar(node.tag, node.value)
        made: Any = [] if node.id == "sequence" else {}
        self.constructed[node] = made
        return made

    def _child(self, node: Any, stack: list[Any]) -> Any:
        if node.id == "scalar":
            return construct_scalar(node.tag, node.value)
        found = self.constructed.get(node)
        if found is None:
            found = self._shell(node)
            stack.append(node)
        return found

    def _fill_sequence(self, node: Any, stack: list[Any]) -> None:
        self.constructed[node].extend(self._child(child, stack) for child in node.value)

    def _fill_mapping(self, node: Any, stack: list[Any]) -> None:
        mapping = self.constructed[node]
        for key_node, value_node in node.value:
            if key_node.id != "scalar":  # ruamel makes a list key a tuple: left to it
                raise _Divergent
            key = construct_scalar(key_node.tag, key_node.value)
            if key in mapping:  # ruamel refuses a repeated key (1 and 1.0 and true too)
                raise _Divergent
            mapping[key] = self._child(value_node, stack)


class _Divergent(Exception):
    """The fast path would not construct what ruamel does: ruamel reads the document."""


def construct_scalar(tag: str, value: str) -> Any:
    """A resolved scalar as ruamel's SafeConstructor constructs it, for the fast tags."""
    if tag == STR:
        return value
    if tag == NULL:
        return None
    if tag == BOOL:
        return value.lower() == "true"  # YAML 1.2 resolves only the true/false words
    if tag == INT:
        return construct_int(value)
    if tag == FLOAT:
        return construct_float(value)
    raise _Divergent


MAX_INT_TEXT = 2 * MAX_INT_DIGITS
"""Characters of an integer the fast path converts (bounded_load refuses beyond, and words it:
Python's int() of a long text is slow, then fails)."""
_INT_LIMIT = 10**MAX_INT_DIGITS
_NAN = float("nan")
"""One NaN, as ruamel has one: a mapping with `.nan` twice as a key repeats a key there."""


def construct_int(text: str) -> int:
    """ruamel's construct_yaml_int for YAML 1.2: `_` ignored, 0b/0o/0x prefixes, and a
    leading zero without one is decimal (`017` is 17)."""
    if len(text) > MAX_INT_TEXT:
        raise _Divergent
    digits = text.replace("_", "")
    sign = -1 if digits[0] == "-" else 1
    if digits[0] in "+-":
        digits = digits[1:]
    base = {"0b": 2, "0x": 16, "0o": 8}.get(digits[:2])
    value = sign * (int(digits[2:], base) if base else int(digits))
    if abs(value) >= _INT_LIMIT:
        raise _Divergent  # over bounded_load's cap: it words the refusal
    return value


def construct_float(text: str) -> float:
    """ruamel's construct_yaml_float for YAML 1.2: `_` ignored, `.inf` and `.nan` in any
    case, with a sign."""
    digits = text.replace("_", "").lower()
    sign = -1 if digits[0] == "-" else 1
    if digits[0] in "+-":
        digits = digits[1:]
    if digits == ".inf":
        return sign * float("inf")
    if digits == ".nan":
        return _NAN
    return sign * float(digits)
