"""`mlci history` as a terminal table with sparklines, Markdown, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import time

from mlci.dvc.metrics_file import is_number
from mlci.present import markdown_escape as escape
from mlci.present.terminal import inert
from mlci.revision.history import History

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None]) -> str:
    """One character per commit; a gap where a commit has no value."""
    numbers = [v for v in values if v is not None]
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    span = high - low
    return "".join(
        " " if v is None else SPARKS[0 if span == 0 else round((v - low) / span * 7)]
        for v in values
    )


def _numbers(history: History, name: str) -> list[float | None]:
    values = [row.values.get(name) for row in history.rows]
    return [float(v) if is_number(v) else None for v in values]  # type: ignore[arg-type]


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if is_number(value):
        return f"{value:.6g}"
    return str(value)


def _date(seconds: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


def as_table(history: History) -> str:
    history = inert(history)  # one value, one line: see mlci.present.terminal
    names = [c.name for c in history.columns]
    header = ["commit", "date", *names, "stages changed", "subject"]
    rows = [
        [
            row.commit.sha[:8],
            _date(row.commit.time),
            *(_cell(row.values.get(n)) for n in names),
            ", ".join(row.stages_changed) or "-",
            row.commit.subject[:40],
        ]
        for row in history.rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    lines.append("")
    for name in names:
        values = _numbers(history, name)
        numbers = [v for v in values if v is not None]
        if numbers:
            lines.append(
                f"{name:<{max(map(len, names))}}  {sparkline(values)}  "
                f"min {min(numbers):.6g}  max {max(numbers):.6g}  last {_cell(values[-1])}"
            )
    return "\n".join(lines) + "\n"


def as_markdown(history: History) -> str:
    """A GitHub Markdown table; names, values and stages are escaped (markdown_escape)."""
    names = [c.name for c in history.columns]
    header = ["commit", *(escape.text(n) for n in names), "stages changed"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in history.rows:
        values = [row.values.get(n) for n in names]
        cells = [
            escape.cell_code(row.commit.sha[:8]),
            *("-" if v is None else escape.text(_cell(v)) for v in values),
        ]
        cells.append(escape.text(", ".join(row.stages_changed)))
        lines.append("| " + " | ".join(cells) + " |")
    trends = [
        f"- **{escape.text(n)}** {escape.code(sparkline(_numbers(history, n)))}" for n in names
    ]
    return "\n".join([*lines, "", *trends]) + "\n"


def as_json(history: History) -> str:
    data = {
        "metrics": [
            {"name": c.name, "file": c.file, "key": c.key, "direction": c.direction}
            for c in history.columns
        ],
        "commits": [
            {
                "sha": row.commit.sha,
                "time": row.commit.time,
                "subject": row.commit.subject,
                "stages_changed": row.stages_changed,
                "metrics": row.values,
            }
            for row in history.rows
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def as_csv(history: History) -> str:
    names = [c.name for c in history.columns]
    out = io.StringIO()
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
    return out.getvalue()


FORMATS = {"table": as_table, "md": as_markdown, "json": as_json, "csv": as_csv}
