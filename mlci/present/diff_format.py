"""A Comparison as a terminal table, GitHub-flavoured Markdown or JSON (pure: text out).

JSON (`mlci diff --format json`) is for machines; its keys are stable and sorted, and a new
key may be added in a later version but none is renamed or removed without a new `version`:

    version            1
    base, target       {label, revision (commit SHA; null for the workspace),
                        has_pipeline, has_lock, files: {path: {state (found | absent |
                        not-in-cache | unreadable | no-pipeline), source (git | workspace |
                        cache | remote, "" when not found), md5 (of a DVC output, or null),
                        declared (false: that side's dvc.yaml does not list it as metrics),
                        message ("" when found)}}}
    baseline           {state: ok | no-pipeline | no-metrics | not-recorded | not-pushed |
                        unreadable, message: "" when ok}
    metrics            list, declared metrics first (mlci.yaml order), then by file and key:
                       {file, key ("" for a file holding one bare value, as DVC keys it,
                        and when no key of the file could be read on either side),
                        name (mlci.yaml's name, or null), direction (higher | lower | null),
                        tolerance, old, new (values, or null), change (new - old when both
                        are numbers, as `dvc metrics diff` computes it; null for booleans,
                        which DVC subtracts: true -> false is -1 there), relative (change /
                        |old|, null when old is 0 or not a number), verdict (see mlci.compare.diff),
                        old_missing, new_missing (why a side has no value, or null),
                        notes [text]}
    params             list by file and key: {file, key, change: changed | added | removed,
                        old, new}; compared as `dvc params diff` compares (1 and 1.0 equal),
                        but a boolean never equals a number (true -> 1 is a change)
    outputs            list by path: {path, change: modified | added | deleted,
                        old, new: {md5, size, nfiles, stage} or null}
    stages             list: {stage, change: changed | added | removed, reasons [text]}
    notes              list of text

Numbers that JSON cannot hold (NaN, infinities) are written as the strings "NaN",
"Infinity" and "-Infinity".
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from mlci.compare.diff import Comparison, MetricRow, OutputChange, ParamChange, SideInfo, Verdict
from mlci.dvc.metrics_file import as_text
from mlci.present import markdown_escape as escape
from mlci.present.terminal import inert
from mlci.revision.snapshot import OutputInfo

JSON_VERSION = 1

# Terminal words for each verdict: arrows say better or worse, words say why not.
_WORDS: dict[Verdict, str] = {
    "improved": "▲ improved",
    "regressed": "▼ regressed",
    "unchanged": "= unchanged",
    "no-direction": "~ changed (no direction in mlci.yaml)",
    "not-a-number": "? not a number",
    "no-baseline": "! no baseline",
    "new": "+ new",
    "removed": "✗ removed",
    "not-produced": "! not produced",
    "not-pushed": "! not pushed",
    "unreadable": "! unreadable",
    "missing": "! missing",
}
_MARKS: dict[Verdict, str] = {
    "improved": "🟢 improved",
    "regressed": "🔴 regressed",
    "unchanged": "⚪ unchanged",
    "no-direction": "🔵 changed (no direction)",
    "not-a-number": "⚠️ not a number",
    "no-baseline": "⚠️ no baseline",
    "new": "🆕 new",
    "removed": "🗑️ removed",
    "not-produced": "⚠️ not produced",
    "not-pushed": "⚠️ not pushed",
    "unreadable": "⚠️ unreadable",
    "missing": "⚠️ missing",
}
# In a value cell, the side's reason for having no value: never a bare dash.
_CELLS: dict[Verdict, str] = {
    "no-baseline": "(no baseline)",
    "new": "(new)",
    "removed": "(removed)",
    "not-produced": "(not produced)",
    "not-pushed": "(not pushed)",
    "unreadable": "(unreadable)",
    "missing": "(missing)",
}
_COLOURS = {"improved": "32", "regressed": "31", "unchanged": "2", "no-direction": "36"}
_WARN = "33"


# --- shared pieces -----------------------------------------------------------------------------


def change_text(row: MetricRow) -> str:
    if row.change is None:
        return ""
    if row.change == 0:
        return "0"
    text = f"{row.change:+.6g}"
    return f"{text} ({row.relative:+.2%})" if row.relative is not None else text


def metric_name(row: MetricRow) -> str:
    """mlci.yaml's name; else `file:key`, or the file alone for its bare value (key "")."""
    if row.name is not None:
        return row.name
    return f"{row.file}:{row.key}" if row.key else row.file


def value_cell(value: object, missing: Verdict | None) -> str:
    if missing is not None:
        return _CELLS.get(missing, f"({missing})")
    return as_text(value)


def side_title(side: SideInfo) -> str:
    """`main (1a2b3c4d5e6f)`: the label, and the commit unless the label is already it."""
    if side.revision is None or side.revision.startswith(side.label):
        return side.label
    return f"{side.label} ({side.revision[:12]})"


def size_text(info: OutputInfo | None) -> str:
    if info is None:
        return ""
    parts = [] if info.size is None else [_bytes(info.size)]
    if info.nfiles is not None:
        parts.append(f"{info.nfiles} file{'s' * (info.nfiles != 1)}")
    return ", ".join(parts) or (info.md5 or "")[:8]


def _bytes(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    amount = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        amount /= 1024
        if amount < 1024:
            return f"{amount:.1f} {unit}"
    return f"{amount / 1024:.1f} TiB"


def param_text(change: ParamChange) -> str:
    if change.change == "added":
        return f"added: {as_text(change.new)}"
    if change.change == "removed":
        return f"removed (was {as_text(change.old)})"
    return f"{as_text(change.old)} → {as_text(change.new)}"


def output_text(change: OutputChange) -> str:
    if change.change == "modified":
        return f"{size_text(change.old)} → {size_text(change.new)}"
    return size_text(change.new if change.change == "added" else change.old)


def output_owner(change: OutputChange) -> str:
    info = change.new or change.old
    return info.stage if info is not None else ""


def numbered_notes(rows: Sequence[MetricRow]) -> tuple[list[str], list[list[int]]]:
    """Distinct row notes in order, and for each row the 1-based numbers of its notes."""
    notes: list[str] = []
    refs: list[list[int]] = []
    for row in rows:
        mine = []
        for note in row.notes:
            if note not in notes:
                notes.append(note)
            mine.append(notes.index(note) + 1)
        refs.append(mine)
    return notes, refs


# --- terminal ----------------------------------------------------------------------------------


def render_table(comparison: Comparison, *, colour: bool = False) -> str:
    comparison = inert(comparison)  # one value, one line: see mlci.present.terminal
    paint = _painter(colour)
    base, target = comparison.base, comparison.target
    lines = [paint("1", f"mlci diff: {side_title(base)} → {side_title(target)}")]
    if comparison.baseline.state != "ok":
        lines.append(paint(_WARN, comparison.baseline.message))
    lines += ["", *_metrics_table(comparison, paint)]
    lines += _section("Params", [(c.file, c.key, param_text(c)) for c in comparison.params])
    outputs = [(c.path, c.change, output_text(c), output_owner(c)) for c in comparison.outputs]
    lines += _section("Data and outputs (DVC-tracked)", outputs)
    stages = [(c.stage, c.change, "; ".join(c.reasons)) for c in comparison.stages]
    lines += _section("Stages whose inputs changed (what CI had to rerun)", stages)
    if comparison.notes:
        lines += ["", "Notes", *(paint(_WARN, f"  {note}") for note in comparison.notes)]
    return "\n".join(lines) + "\n"


def _painter(colour: bool) -> Callable[[str, str], str]:
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour and text else text

    return paint


def _metrics_table(comparison: Comparison, paint: Callable[[str, str], str]) -> list[str]:
    rows = comparison.metrics
    if not rows:
        return ["Metrics: none declared or found on either side"]
    notes, refs = numbered_notes(rows)
    header = ("Metric", comparison.base.label, comparison.target.label, "Change", "")
    cells = [
        (
            metric_name(row),
            value_cell(row.old, row.old_missing),
            value_cell(row.new, row.new_missing),
            change_text(row),
            _WORDS[row.verdict] + "".join(f" [{n}]" for n in ref),
        )
        for row, ref in zip(rows, refs, strict=True)
    ]
    widths = [max(len(line[i]) for line in (header, *cells)) for i in range(4)]
    aligns = ("<", ">", ">", ">")

    def line(values: Sequence[str]) -> str:
        padded = [f"{v:{a}{w}}" for v, a, w in zip(values, aligns, widths, strict=False)]
        return "  " + "  ".join(padded)

    out = ["Metrics", paint("1", line(header[:4]))]
    for row, values in zip(rows, cells, strict=True):
        code = _COLOURS.get(row.verdict, _WARN)
        out.append(f"{line(values[:4])}  {paint(code, values[4])}")
    out += [f"  [{n}] {note}" for n, note in enumerate(notes, 1)]
    return out


def _section(title: str, rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return ["", f"{title}: no change"]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["", title]
    for row in rows:
        lines.append("  " + "  ".join(f"{v:<{w}}" for v, w in zip(row, widths, strict=True)))
    return [line.rstrip() for line in lines]


# --- Markdown ----------------------------------------------------------------------------------


def render_markdown(comparison: Comparison) -> str:
    """GitHub Markdown; every string the repository controls is escaped (markdown_escape)."""
    base, target = comparison.base, comparison.target
    lines = [f"### mlci diff: {_md_side(base)} → {_md_side(target)}", ""]
    if comparison.baseline.state != "ok":
        lines += [f"> [!WARNING]\n> {escape.text(comparison.baseline.message)}", ""]
    lines += _md_metrics(comparison)
    params = [
        (escape.cell_code(c.file), escape.cell_code(c.key), c.change, escape.text(param_text(c)))
        for c in comparison.params
    ]
    lines += _md_table("Params", ("File", "Key", "Change", "Value"), params)
    outputs = [
        (
            escape.cell_code(c.path),
            c.change,
            escape.text(output_text(c)),
            escape.text(output_owner(c)),
        )
        for c in comparison.outputs
    ]
    lines += _md_table("Data and outputs", ("Path", "Change", "Size", "Written by"), outputs)
    stages = [
        (escape.cell_code(c.stage), c.change, escape.text("; ".join(c.reasons)))
        for c in comparison.stages
    ]
    title = "Stages whose inputs changed"
    lines += _md_table(title, ("Stage", "Change", "Why"), stages)
    if comparison.notes:
        lines += ["#### Notes", "", *(f"- {escape.text(note)}" for note in comparison.notes), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_side(side: SideInfo) -> str:
    if side.revision is None or side.revision.startswith(side.label):
        return escape.code(side.label)
    return f"{escape.code(side.label)} ({escape.code(side.revision[:12])})"


def _md_metrics(comparison: Comparison) -> list[str]:
    rows = comparison.metrics
    if not rows:
        return ["#### Metrics", "", "No metrics declared or found on either side.", ""]
    notes, refs = numbered_notes(rows)
    header = (
        "Metric",
        escape.text(comparison.base.label),
        escape.text(comparison.target.label),
        "Change",
        "",
    )
    lines = ["#### Metrics", "", _md_row(header), "|:--|--:|--:|--:|:--|"]
    for row, ref in zip(rows, refs, strict=True):
        marks = "".join(f" [{n}]" for n in ref)
        cells = (
            escape.text(metric_name(row)),
            escape.text(value_cell(row.old, row.old_missing)),
            escape.text(value_cell(row.new, row.new_missing)),
            escape.text(change_text(row)),
            _MARKS[row.verdict] + marks,
        )
        lines.append(_md_row(cells))
    lines.append("")
    lines += [f"{n}. {escape.text(note)}" for n, note in enumerate(notes, 1)]
    return [*lines, ""] if notes else lines


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return [f"#### {title}", "", "No change.", ""]
    rule = "|" + "|".join(":--" for _ in header) + "|"
    return [f"#### {title}", "", _md_row(header), rule, *(_md_row(r) for r in rows), ""]


# --- JSON --------------------------------------------------------------------------------------


def to_json_data(comparison: Comparison) -> dict[str, Any]:
    """The documented JSON document as plain data (see the module docstring)."""
    return {
        "version": JSON_VERSION,
        "base": _json_side(comparison.base),
        "target": _json_side(comparison.target),
        "baseline": {
            "state": comparison.baseline.state,
            "message": comparison.baseline.message,
        },
        "metrics": [_json_metric(row) for row in comparison.metrics],
        "params": [
            {"file": c.file, "key": c.key, "change": c.change, "old": c.old, "new": c.new}
            for c in comparison.params
        ],
        "outputs": [
            {"path": c.path, "change": c.change, "old": _json_out(c.old), "new": _json_out(c.new)}
            for c in comparison.outputs
        ],
        "stages": [
            {"stage": c.stage, "change": c.change, "reasons": list(c.reasons)}
            for c in comparison.stages
        ],
        "notes": list(comparison.notes),
    }


def render_json(comparison: Comparison) -> str:
    data = json_safe(to_json_data(comparison))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _json_side(side: SideInfo) -> dict[str, Any]:
    return {
        "label": side.label,
        "revision": side.revision,
        "has_pipeline": side.has_pipeline,
        "has_lock": side.has_lock,
        "files": {
            path: {
                "state": read.state,
                "source": read.source,
                "md5": read.md5,
                "declared": read.declared,
                "message": read.message,
            }
            for path, read in side.files.items()
        },
    }


def _json_metric(row: MetricRow) -> dict[str, Any]:
    return {
        "file": row.file,
        "key": row.key,
        "name": row.name,
        "direction": row.direction,
        "tolerance": row.tolerance,
        "old": row.old,
        "new": row.new,
        "change": row.change,
        "relative": row.relative,
        "verdict": row.verdict,
        "old_missing": row.old_missing,
        "new_missing": row.new_missing,
        "notes": list(row.notes),
    }


def _json_out(info: OutputInfo | None) -> dict[str, Any] | None:
    if info is None:
        return None
    return {"md5": info.md5, "size": info.size, "nfiles": info.nfiles, "stage": info.stage}


def json_safe(value: Any) -> Any:
    """Replace NaN and infinities, which JSON cannot hold, by their names as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value
