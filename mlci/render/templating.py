"""The one Jinja environment for every template mlci renders.

Delimiters are `[[ ]]`, `[% %]` and `[# #]` so that GitHub's `${{ }}` passes through
untouched; undefined variables are errors, never silently empty text.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

_PACKAGE = Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    """Inside a wheel the templates sit in the package; in a checkout, at its root."""
    for candidate in (_PACKAGE / "templates", _PACKAGE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("mlci's templates are missing from this installation")


# Characters a YAML reader refuses raw, or takes as line breaks, even inside quotes; JSON
# escapes only those below U+0020.
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def yaml_string(value: Any) -> str:
    """A YAML double-quoted scalar (a JSON string is one), safe for any text."""
    text = json.dumps(value, ensure_ascii=False)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def yaml_script(text: str, indent: int) -> str:
    """A shell script as a `|` block when that is exact, else as a quoted string."""
    lines = text.strip("\n").split("\n")
    literal = lines[0][:1] not in (" ", "\t") and all(
        line.replace("\t", " ").isprintable()
        and line == line.rstrip()
        and not _NOT_YAML_PRINTABLE.search(line)
        for line in lines
    )
    if not literal:
        return yaml_string(text)
    pad = " " * indent
    return "|\n" + "\n".join(pad + line if line else "" for line in lines)


def yaml_flow(value: Any) -> str:
    """A list or mapping as a one-line YAML flow collection."""
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def expression_string(value: str) -> str:
    """A string literal of GitHub's expression language: single quotes, doubled inside."""
    return "'" + value.replace("'", "''") + "'"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        block_start_string="[%",
        block_end_string="%]",
        variable_start_string="[[",
        variable_end_string="]]",
        comment_start_string="[#",
        comment_end_string="#]",
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["q"] = yaml_string
    env.filters["flow"] = yaml_flow
    env.filters["script"] = yaml_script
    env.filters["expression_string"] = expression_string
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
