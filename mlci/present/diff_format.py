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
    same_rows          null without mlci.yaml's `evaluation:`; else {state: same | rescored |
                        common | not-comparable | unknown, message, notes [text], evaluation_data
                        ({base, target}: each side's Predictions.rows_digest, or null), rows,
                        confidence,
                        resamples, seed (null when not compared), metrics: {name: {scorer,
                        direction, base, target, change, low, high (the interval of change),
                        verdict: better | within noise | worse, p_value, test, detectable,
                        averaging}}, skipped: {name: why there is no interval}}

Numbers that JSON cannot hold (NaN, infinities) are written as the strings "NaN",
"Infinity" and "-Infinity".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mlci.compare.diff import Comparison, SideInfo, Verdict
from mlci.present import markdown_escape as escape
from mlci.present.comparison_text import (
    METRIC_ALIGNS,
    VERDICT_MARKS,
    change_text,
    metric_name,
    numbered_notes,
    output_owner,
    output_text,
    param_text,
    param_value,
    side_title,
    value_cell,
)
from mlci.present.json_out import json_text, picked
from mlci.present.tables import column_widths, md_row, md_rule, md_table, text_row
from mlci.present.terminal import inert, painter
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
_COLOURS = {"improved": "32", "regressed": "31", "unchanged": "2", "no-direction": "36"}
_WARN = "33"


# --- terminal ----------------------------------------------------------------------------------


def render_table(comparison: Comparison, *, colour: bool = False) -> str:
    comparison = inert(comparison)  # one value, one line: see mlci.present.terminal
    paint = painter(colour)
    base, target = comparison.base, comparison.target
    lines = [paint("1", f"mlci diff: {side_title(base)} → {side_title(target)}")]
    if comparison.baseline.state != "ok":
        lines.append(paint(_WARN, comparison.baseline.message))
    lines += ["", *_metrics_table(comparison, paint)]
    if comparison.same_rows is not None:
        from mlci.present.same_rows_text import text_lines

        lines += ["", *text_lines(comparison.same_rows)]
    lines += _section("Params", [(c.file, c.key, param_text(c)) for c in comparison.params])
    outputs = [(c.path, c.change, output_text(c), output_owner(c)) for c in comparison.outputs]
    lines += _section("Data and outputs (DVC-tracked)", outputs)
    stages = [(c.stage, c.change, "; ".join(c.reasons)) for c in comparison.stages]
    lines += _section("Stages whose inputs changed (what CI had to rerun)", stages)
    if comparison.notes:
        lines += ["", "Notes", *(paint(_WARN, f"  {note}") for note in comparison.notes)]
    return "\n".join(lines) + "\n"


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
    # The fifth column, the verdict, is last and painted: it is not padded.
    widths = column_widths([line[:4] for line in (header, *cells)])
    out = ["Metrics", paint("1", text_row(header[:4], widths, "<>>>"))]
    for row, values in zip(rows, cells, strict=True):
        code = _COLOURS.get(row.verdict, _WARN)
        out.append(f"{text_row(values[:4], widths, '<>>>')}  {paint(code, values[4])}")
    out += [f"  [{n}] {note}" for n, note in enumerate(notes, 1)]
    return out


def _section(title: str, rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return ["", f"{title}: no change"]
    widths = column_widths(rows)
    return ["", title, *(text_row(row, widths).rstrip() for row in rows)]


# --- Markdown ----------------------------------------------------------------------------------


def render_markdown(comparison: Comparison) -> str:
    """GitHub Markdown; every string the repository controls is escaped (markdown_escape)."""
    base, target = comparison.base, comparison.target
    lines = [f"### mlci diff: {_md_side(base)} → {_md_side(target)}", ""]
    if comparison.baseline.state != "ok":
        lines += [f"> [!WARNING]\n> {escape.text(comparison.baseline.message)}", ""]
    lines += _md_metrics(comparison)
    params = [
        (escape.cell_code(c.file), escape.cell_code(c.key), c.change, escape.text(param_value(c)))
        for c in comparison.params
    ]
    lines += md_table("Params", ("File", "Key", "Change", "Value"), params)
    outputs = [
        (
            escape.cell_code(c.path),
            c.change,
            escape.text(output_text(c)),
            escape.text(output_owner(c)),
        )
        for c in comparison.outputs
    ]
    lines += md_table("Data and outputs", ("Path", "Change", "Size", "Written by"), outputs)
    stages = [
        (escape.cell_code(c.stage), c.change, escape.text("; ".join(c.reasons)))
        for c in comparison.stages
    ]
    title = "Stages whose inputs changed"
    lines += md_table(title, ("Stage", "Change", "Why"), stages)
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
    lines = ["#### Metrics", "", md_row(header), md_rule(METRIC_ALIGNS)]
    for row, ref in zip(rows, refs, strict=True):
        marks = "".join(f" [{n}]" for n in ref)
        cells = (
            escape.text(metric_name(row)),
            escape.text(value_cell(row.old, row.old_missing)),
            escape.text(value_cell(row.new, row.new_missing)),
            escape.text(change_text(row)),
            VERDICT_MARKS[row.verdict] + marks,
        )
        lines.append(md_row(cells))
    lines.append("")
    lines += [f"{n}. {escape.text(note)}" for n, note in enumerate(notes, 1)]
    return [*lines, ""] if notes else lines


# --- JSON --------------------------------------------------------------------------------------


_READ_KEYS = ("state", "source", "md5", "declared", "message")
_METRIC_KEYS = (
    *("file", "key", "name", "direction", "tolerance", "old", "new", "change", "relative"),
    *("verdict", "old_missing", "new_missing", "notes"),
)


def to_json_data(comparison: Comparison) -> dict[str, Any]:
    """The documented JSON document as plain data (see the module docstring)."""
    return {
        "version": JSON_VERSION,
        "base": _json_side(comparison.base),
        "target": _json_side(comparison.target),
        "baseline": picked(comparison.baseline, ("state", "message")),
        "metrics": [picked(row, _METRIC_KEYS) for row in comparison.metrics],
        "params": [picked(c, ("file", "key", "change", "old", "new")) for c in comparison.params],
        "outputs": [
            {"path": c.path, "change": c.change, "old": _json_out(c.old), "new": _json_out(c.new)}
            for c in comparison.outputs
        ],
        "stages": [picked(c, ("stage", "change", "reasons")) for c in comparison.stages],
        "notes": list(comparison.notes),
        "same_rows": _json_same_rows(comparison),
    }


def _json_same_rows(comparison: Comparison) -> dict[str, Any] | None:
    if comparison.same_rows is None:
        return None
    from mlci.present.same_rows_text import to_json

    return to_json(comparison.same_rows)


def render_json(comparison: Comparison) -> str:
    return json_text(to_json_data(comparison))


def _json_side(side: SideInfo) -> dict[str, Any]:
    return {
        "label": side.label,
        "revision": side.revision,
        "has_pipeline": side.has_pipeline,
        "has_lock": side.has_lock,
        "files": {path: picked(read, _READ_KEYS) for path, read in side.files.items()},
    }


def _json_out(info: OutputInfo | None) -> dict[str, Any] | None:
    if info is None:
        return None
    return picked(info, ("md5", "size", "nfiles", "stage"))
