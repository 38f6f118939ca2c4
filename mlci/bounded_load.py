"""Parse YAML, JSON and TOML that anyone may have written, within caps that hold for all three.

Every file mlci parses comes from a repository, so from whoever opened the pull request:
mlci.yaml, dvc.yaml, dvc.lock, .dvc files, params and metrics files. A parser alone does not
protect the code that reads its result: an integer of 5,000 digits, a date like 2024-02-30 or
the lone surrogate of "\\ud800" raise ValueError or UnicodeEncodeError far from the parser,
where they are a crash.

So every document goes through a loader here, which refuses, in one worded line, whatever
breaks a cap (mlci.document_caps; a YAML document's node graph is checked by mlci.yaml_nodes
before anything is constructed). YAML 1.1 is PyYAML's reading (the spec); YAML 1.2 is
ruamel.yaml's, as DVC reads its own files, params and metrics (mlci.dvc.yaml12 reads DVC's
files at libyaml speed and comes here for what it cannot).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import yaml

from mlci.document_caps import (
    BIG_INT,
    DEPTH,
    INT_LIMIT,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    YAML_DEPTH,
    UnreadableDocument,
    check_plain,
    check_size,
)
from mlci.yaml_nodes import check_nodes

_INT_TAG = "tag:yaml.org,2002:int"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

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
        if isinstance(value, int) and abs(value) >= INT_LIMIT:  # 0x... carries 4 bits a digit
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
