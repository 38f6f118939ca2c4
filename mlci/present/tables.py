"""Tables, built one way for every output: GitHub Markdown tables and terminal columns.

Markdown: `md_table` lays out a titled table (or "No change." when it has no rows), and can
keep only its first `cap` rows with a line saying how many it left out, so that a report can
fit GitHub's limits. Cells hold text a pull request controls, so `cell` and `cell_code`
shorten it to MAX_CELL characters first and then escape it for a table cell (escaping must
never be cut in two). A cell already escaped, or mlci's own words, goes in as it is.

Terminal: `column_widths` and `text_row` pad each column to its widest value; the text
must already be `mlci.present.terminal.inert`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from mlci.present import markdown_escape as escape

MAX_CELL = 200
"""Characters a table cell shows of a value: one huge value must not crowd out the rest."""
T = TypeVar("T")


# --- Markdown ----------------------------------------------------------------------------------


def short(text: str, most: int = MAX_CELL) -> str:
    """At most `most` characters, the last of them an ellipsis when `text` was cut: at the
    last space of the kept part when there is one in its last fifth, so that no word is cut
    in the middle (a path or a number without spaces is cut where it must be)."""
    if len(text) <= most:
        return text
    kept = text[: most - 1]
    space = kept.rfind(" ")
    if space >= (most - 1) * 4 // 5:
        kept = kept[:space].rstrip()
    return kept + "…"


def cell(value: str) -> str:
    """Text for a table cell: shortened, then escaped."""
    return escape.text(short(value))


def cell_code(value: str) -> str:
    """A code span for a table cell: shortened, then escaped."""
    return escape.cell_code(short(value))


def md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def md_rule(aligns: Sequence[str]) -> str:
    """The line under a table's header: one `:--` (left), `--:` (right) or `---` a column."""
    return "|" + "|".join(aligns) + "|"


def capped(rows: Sequence[T], cap: int | None) -> tuple[Sequence[T], list[str]]:
    """The rows a table shows (all of them when `cap` is None), and a line saying how many
    it leaves out."""
    if cap is None or len(rows) <= cap:
        return rows, []
    hidden = len(rows) - cap
    return rows[:cap], [f"_…and {hidden} more, left out to fit (see `--format json`)._", ""]


def md_table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], cap: int | None = None
) -> list[str]:
    """A `#### title` and its left-aligned table, as lines ending with a blank one."""
    return [f"#### {title}", "", *md_table_body(header, rows, cap)]


def md_table_body(
    header: Sequence[str], rows: Sequence[Sequence[str]], cap: int | None = None
) -> list[str]:
    """`md_table` without its heading: for a table inside a <details> section."""
    shown, more = capped(rows, cap)
    if not shown:
        return ["No change.", "", *more]
    rule = md_rule([":--"] * len(header))
    return [md_row(header), rule, *(md_row(row) for row in shown), "", *more]


# --- terminal ----------------------------------------------------------------------------------


def column_widths(rows: Sequence[Sequence[str]]) -> list[int]:
    """The width of each column: its longest value's (the header is one of the rows)."""
    return [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]


def text_row(
    values: Sequence[str], widths: Sequence[int], aligns: str = "", indent: str = "  "
) -> str:
    """One line of a terminal table: each value padded to its column, two spaces between.

    `aligns` holds one `<` (left, the default) or `>` (right) a column.
    """
    aligns = aligns or "<" * len(widths)
    padded = (f"{v:{a}{w}}" for v, a, w in zip(values, aligns, widths, strict=True))
    return indent + "  ".join(padded)
