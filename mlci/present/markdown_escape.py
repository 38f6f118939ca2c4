"""Text a pull request controls, made inert for the place it lands in mlci's Markdown.

A pull request writes the metric keys and values, params, stage names, paths, plot data and
the spec that mlci's reports quote. Each function here is one context, and every such string
goes through the function of the context it lands in; mlci's own words and numbers do not
need to:

    text(s)            Markdown prose: a table cell, a paragraph, a list item, a heading,
                       a blockquote line
    code(s)            an inline code span outside a table
    cell_code(s)       an inline code span inside a table cell
    html_text(s)       text inside raw HTML, such as a <summary> line
    mermaid_string(s)  a double-quoted string of a ```mermaid block

What each guarantees, whatever `s` holds:

- One line: line breaks and other control characters become spaces, so a string never ends
  a table row, starts a line of its own or leaves the block it is in. Bidirectional
  overrides, which make text read differently from what it is, are dropped.
- No HTML: `<`, `>` and `&` are entities (in a code span, where entities would show as typed,
  a word joiner follows each `<`), so no tag, comment, autolink or second copy of mlci's
  hidden marker can appear.
- No Markdown of its own: a backslash goes before each character that would start emphasis,
  strikethrough, math, a code span or a new table cell (`*`, `~`, `$`, a backtick, `|`, and
  `_` at a word's edge), before `(` or `[` right after `]` (a link or an image), before
  whatever would make the start of a line a heading, list item, break or definition (`#`,
  `-`, `+`, `=`, `1.`, `[`), and before a `#` that would close a heading at its end. A
  backslash of the string's own is doubled. Underscores inside a word, dots, digits and
  other punctuation are left as they are, so ordinary names read the same in the source.
- No pings or links: GitHub finds @mentions, #123 references and bare URLs in the rendered
  text, where a backslash is gone, so a word joiner (U+2060, invisible, not a word
  character) goes after `@`, after `#` or `GH-` before a digit, inside `://` and inside
  `www.`.
"""

from __future__ import annotations

import html
import re

from mlci.present.text_hazards import BIDI, CONTROLS

WORD_JOINER = "\u2060"
MERMAID_MOST = 80
"""A Mermaid label longer than this is shortened: a chart's title has one line of room."""

_BACKSLASHED = frozenset("\\`*~|$")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_ORDERED_ITEM = re.compile(r"\d{1,9}[.)](?=\s|$)")
_HEADING_CLOSE = re.compile(r"(?:^|\s)(#+)$")
_BACKTICKS = re.compile("`+")
_MERMAID_LOOKALIKES = str.maketrans({'"': "'", "`": "'", "<": "\u2039", ">": "\u203a"})


def one_line(value: str) -> str:
    """`value` on one line, without control or bidirectional-override characters."""
    return CONTROLS.sub(" ", BIDI.sub("", value))


def text(value: str) -> str:
    """`value` as Markdown prose that renders as exactly its characters, and nothing else."""
    chars = one_line(value).strip()
    at_line_edge = _line_escapes(chars)
    out = []
    for i, char in enumerate(chars):
        before = chars[i - 1] if i else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        if (
            char in _BACKSLASHED
            or i in at_line_edge
            or (char == "_" and not (before.isalnum() and after.isalnum()))
            or (char in "([" and before == "]")
        ):
            out.append("\\" + char)
        else:
            out.append(_ENTITIES.get(char, char))
    return _defuse_references("".join(out))


def _line_escapes(chars: str) -> set[int]:
    """Where a backslash keeps the start of `chars` from being read as a block's start, and
    its end from closing a heading (`## title ##` drops the last `##`)."""
    found = set()
    if closing := _HEADING_CLOSE.search(chars):
        found.add(closing.start(1))
    if not chars:
        return found
    if chars[0] in "#[":  # a heading; a link definition, task box or alert
        found.add(0)
    elif chars[0] in "-+=" and (len(chars) == 1 or chars[1].isspace() or chars[1] == chars[0]):
        found.add(0)  # a list item, a thematic break, a heading's underline
    elif item := _ORDERED_ITEM.match(chars):
        found.add(item.end() - 1)
    return found


def _defuse_references(chars: str) -> str:
    """A word joiner where GitHub would see a mention, an issue reference or a URL."""
    chars = chars.replace("@", "@" + WORD_JOINER)
    chars = re.sub(r"#(?=\d)|(?<![0-9A-Za-z])GH-(?=\d)", lambda m: m[0] + WORD_JOINER, chars)
    chars = chars.replace("://", ":" + WORD_JOINER + "//")
    return re.sub(r"(?i)(?<=www)\.", WORD_JOINER + ".", chars)


def code(value: str) -> str:
    """`value` as an inline code span, shown exactly (outside a table; see `cell_code`).

    Its fence is one backtick longer than any run of backticks in `value`, and padded with
    a space (which Markdown then strips) where `value` starts or ends with a backtick or with
    a space on both sides.
    """
    content = one_line(value).replace("<", "<" + WORD_JOINER)
    if not content:
        return "` `"
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(content)), default=0) + 1)
    edges = content[0] + content[-1]
    if "`" in edges or (edges == "  " and content.strip()):
        content = f" {content} "
    return f"{fence}{content}{fence}"


def cell_code(value: str) -> str:
    """`value` as an inline code span inside a table cell, where `|` must be escaped."""
    return code(value).replace("|", "\\|")


def html_text(value: str) -> str:
    """`value` as text inside raw HTML, where Markdown is not read (a <summary> line)."""
    return _defuse_references(html.escape(one_line(value).strip()))


def mermaid_string(value: str, most: int = MERMAID_MOST) -> str:
    """`value` as a quoted Mermaid string, on one line and at most `most` characters.

    Mermaid's strings have no escapes: `"` and backticks become `'`, angle brackets become
    single guillemets (U+2039, U+203A: Mermaid would read a tag as HTML), and `%%` (which
    starts a directive such as `%%{init: ...}%%` anywhere in a diagram) is split by a space.
    """
    chars = " ".join(one_line(value).split())
    if len(chars) > most:
        chars = chars[: most - 1] + "…"
    chars = chars.translate(_MERMAID_LOOKALIKES)
    return '"' + re.sub("%(?=%)", "% ", chars) + '"'
