"""`mlci history` as a terminal table with sparklines, Markdown, JSON or CSV.

Each format is written to a text stream as the rows come (WRITERS), so that `mlci history`
holds one row at a time: JSON and CSV keep nothing of a row once it is written; Markdown
keeps each column's numbers for its sparklines (9 bytes a commit); the table keeps its cells
too, since its column widths are known only after the last row. FORMATS gives the same text
as a string.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TextIO

from mlci.dvc.metrics_file import is_number
from mlci.present import markdown_escape as escape
from mlci.present.terminal import inert
from mlci.revision.history import HistoryRow, MetricColumn

SPARKS = "▁▂▃▄▅▆▇█"


class Rows(Protocol):
    """A history.History, or a history.HistoryStream (whose rows can be iterated once)."""

    @property
    def columns(self) -> Sequence[MetricColumn]: ...

    @property
    def rows(self) -> Iterable[HistoryRow]: ...


def sparkline(values: list[float | None]) -> str:
    """One character per commit; a gap where a commit has no value, or one that has no
    place on a scale (infinity, NaN: a metrics file may hold them)."""
    finite = [v if v is not None and math.isfinite(v) else None for v in values]
    numbers = [v for v in finite if v is not None]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    span = high - low
    return "".join(
        " " if v is None else SPARKS[0 if span == 0 else round((v - low) / span * 7)]
        for v in finite
    )


class _Series:
    """One column's numbers along the commits, for its sparkline: a float and whether there
    is one, 9 bytes a commit."""

    def __init__(self) -> None:
        self._numbers = array("d")
        self._present = bytearray()

    def add(self, value: object) -> None:
        number = is_number(value)
        self._numbers.append(float(value) if number else 0.0)  # type: ignore[arg-type]
        self._present.append(number)

    def values(self) -> list[float | None]:
        return [v if p else None for v, p in zip(self._numbers, self._present, strict=True)]


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if is_number(value):
        return f"{value:.6g}"
    return str(value)


def _date(seconds: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


def write_table(history: Rows, out: TextIO) -> None:
    # One value, one line: see mlci.present.terminal. Row by row, as the rows come.
    names = [c.name for c in inert(list(history.columns))]
    header = ("commit", "date", *names, "stages changed", "subject")
    widths = [len(x) for x in header]
    lines: list[tuple[str, ...]] = []
    series = [_Series() for _ in names]
    for shown in history.rows:
        row = inert(shown)
        values = [row.values.get(n) for n in names]
        cells = (
            row.commit.sha[:8],
            _date(row.commit.time),
            *(_cell(v) for v in values),
            ", ".join(row.stages_changed) or "-",
            row.commit.subject[:40],
        )
        widths = [max(w, len(x)) for w, x in zip(widths, cells, strict=True)]
        lines.append(cells)
        for numbers, value in zip(series, values, strict=True):
            numbers.add(value)
    for cells in [header, *lines]:
        out.write("  ".join(x.ljust(w) for x, w in zip(cells, widths, strict=True)).rstrip())
        out.write("\n")
    out.write("\n")
    for name, numbers in zip(names, series, strict=True):
        out.write(_trend_line(name, max(map(len, names)), numbers.values()))


def _trend_line(name: str, width: int, values: list[float | None]) -> str:
    numbers = [v for v in values if v is not None]
    if not numbers:
        return ""
    return (
        f"{name:<{width}}  {sparkline(values)}  "
        f"min {min(numbers):.6g}  max {max(numbers):.6g}  last {_cell(values[-1])}\n"
    )


def write_markdown(history: Rows, out: TextIO) -> None:
    """A GitHub Markdown table; names, values and stages are escaped (markdown_escape)."""
    names = [c.name for c in history.columns]
    header = ["commit", *(escape.text(n) for n in names), "stages changed"]
    out.write("| " + " | ".join(header) + " |\n" + "|" + "---|" * len(header) + "\n")
    series = [_Series() for _ in names]
    for row in history.rows:
        values = [row.values.get(n) for n in names]
        cells = [
            escape.cell_code(row.commit.sha[:8]),
            *("-" if v is None else escape.text(_cell(v)) for v in values),
            escape.text(", ".join(row.stages_changed)),
        ]
        out.write("| " + " | ".join(cells) + " |\n")
        for numbers, value in zip(series, values, strict=True):
            numbers.add(value)
    out.write("\n")
    for name, numbers in zip(names, series, strict=True):
        out.write(f"- **{escape.text(name)}** {escape.code(sparkline(numbers.values()))}\n")


def write_json(history: Rows, out: TextIO) -> None:
    """`json.dumps(document, indent=2, sort_keys=True)`, byte for byte, one commit at a time:
    {"commits": [{"metrics", "sha", "stages_changed", "subject", "time"}...], "metrics": [...]}.
    Each commit is encoded alone and indented to its depth; JSON text holds no line break
    but between its tokens, so the indentation is a replace."""
    encoder = json.JSONEncoder(indent=2, sort_keys=True)
    out.write('{\n  "commits": [')
    separator = "\n    "
    for row in history.rows:
        commit = {
            "sha": row.commit.sha,
            "time": row.commit.time,
            "subject": row.commit.subject,
            "stages_changed": row.stages_changed,
            "metrics": row.values,
        }
        out.write(separator + encoder.encode(commit).replace("\n", "\n    "))
        separator = ",\n    "
    out.write("]" if separator == "\n    " else "\n  ]")
    metrics = [
        {"name": c.name, "file": c.file, "key": c.key, "direction": c.direction}
        for c in history.columns
    ]
    out.write(',\n  "metrics": ' + encoder.encode(metrics).replace("\n", "\n  ") + "\n}\n")


def write_csv(history: Rows, out: TextIO) -> None:
    names = [c.name for c in history.columns]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sha", "time", *names, "stages_changed", "subject"])
    for row in history.rows:
        values = ["" if row.values.get(n) is None else row.values.get(n) for n in names]
        writer.writerow(
            [
                row.commit.sha,
                row.commit.time,
                *values,
                " ".join(row.stages_changed),
                row.commit.subject,
            ]
        )


WRITERS: dict[str, Callable[[Rows, TextIO], None]] = {
    "table": write_table,
    "md": write_markdown,
    "json": write_json,
    "csv": write_csv,
}


def _text(write: Callable[[Rows, TextIO], None], history: Rows) -> str:
    out = io.StringIO()
    write(history, out)
    return out.getvalue()


def as_table(history: Rows) -> str:
    return _text(write_table, history)


def as_markdown(history: Rows) -> str:
    return _text(write_markdown, history)


def as_json(history: Rows) -> str:
    return _text(write_json, history)


def as_csv(history: Rows) -> str:
    return _text(write_csv, history)


FORMATS = {"table": as_table, "md": as_markdown, "json": as_json, "csv": as_csv}
"""Each format as a string."""
