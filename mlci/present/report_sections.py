"""The sections of `mlci report`'s Markdown, each as text (pure).

Every string a pull request controls goes through mlci.present.markdown_escape by the
context it lands in (table cells through mlci.present.tables, which shortens them first);
mlci's own words and numbers go in as they are. A section with nothing to say is "".
"""

from __future__ import annotations

from collections.abc import Sequence

from mlci.compare.diff import Comparison, MetricRow
from mlci.compare.pipeline_changes import OutputChange, ParamChange
from mlci.dvc.metrics_file import as_text
from mlci.present import markdown_escape as escape
from mlci.present.charts import (
    Confusion,
    Curve,
    Plots,
    Trend,
    confusion_table,
    curve_chart,
    trend_chart,
)
from mlci.present.comparison_text import (
    METRIC_ALIGNS,
    VERDICT_MARKS,
    change_text,
    metric_name,
    numbered_notes,
    output_owner,
    output_text,
    param_value,
    side_title,
    value_cell,
)
from mlci.present.gates_format import RULE_MARKS
from mlci.present.mermaid import fence, legend
from mlci.present.metric_context import baselines, is_context, positive_class
from mlci.present.report_fit import Block
from mlci.present.report_model import PR_LABEL, GateResult, Report, ReportVerdict
from mlci.present.same_rows_text import (
    MARKS,
    averaging_line,
    detectable_line,
    interval_text,
    p_text,
    rows_line,
    skipped_lines,
)
from mlci.present.tables import (
    capped,
    cell,
    cell_code,
    md_row,
    md_rule,
    md_table,
    md_table_body,
    short,
)
from mlci.publish.limits import REPORT_MARKER
from mlci.revision.snapshot import MetricsRead

MAX_NOTE = 1000
"""Characters a note or notice shows: longer than a cell, still not the whole comment."""
_SEVERITY = {"fail": 0, "warn": 1, "pass": 2}


def blocks(report: Report, cap: int | None) -> list[Block]:
    """The report's parts in order, each table cut to its first `cap` rows (None: all).

    Short by default: the verdict, the metrics and the rules are open; the rest is collapsed
    under a line that says what it holds."""
    c = report.comparison
    blocks = [
        Block(f"{REPORT_MARKER}\n{verdict_line(report.verdict)}"),
        Block(_sides(c)),
        Block(_notices(report.notices)),
        Block(_metrics(c, cap)),
        Block(_gates(report.gates, cap)),
        Block(_notes(c.notes, cap), "the notes", 9),
        Block(_other_metrics(c, cap), "changed metrics mlci.yaml does not declare", 10),
        Block(_params(c, cap), "the changed params", 6),
        Block(_outputs(c, cap), "the list of changed data and outputs", 4),
        Block(_stages(c, cap), "the stages that reran", 5),
        Block(_trends(report.trends), "the trend charts", 2),
        Block(_confusions(report.plots.confusions), "the confusion matrices", 8),
        Block(_curves(report.plots.curves), "the evaluation curves", 1),
        Block(_quiet_metrics(c, cap), "unchanged metrics mlci.yaml does not declare", 7),
        Block(_sources(c, report.plots), "where the numbers came from", 3),
    ]
    return [block for block in blocks if block.text]


def verdict_line(verdict: ReportVerdict) -> str:
    head = {"passed": "✅ mlci: passed", "failed": "❌ mlci: failed"}
    status = head.get(verdict.status, "⚪ mlci: no merge rules ran")
    return f"**{status}**: {escape.text(verdict.sentence)}"


def _sides(c: Comparison) -> str:
    line = f"{escape.code(side_title(c.base))} → {escape.code(side_title(c.target))}"
    if c.baseline.state != "ok":
        line += f"\n\n> [!WARNING]\n> {escape.text(c.baseline.message)}"
    return line


def _notices(notes: Sequence[str]) -> str:
    """Said near the top: e.g. a change that edits its own rules is not judged by the edits."""
    return "\n\n".join(f"> [!IMPORTANT]\n> {escape.text(short(note, MAX_NOTE))}" for note in notes)


def arrow(row: MetricRow) -> str:
    """🟢 ↑ better, 🔴 ↓ worse…: the arrow is where the value went, the word what that means."""
    way = "↑" if (row.change or 0) > 0 else "↓"
    if row.verdict == "improved":
        return f"🟢 {way} better"
    if row.verdict == "regressed":
        return f"🔴 {way} worse"
    if row.verdict == "unchanged":
        return "⚪ = same" if not row.change else f"⚪ {way} within tolerance"
    if row.verdict == "no-direction":
        return f"🔵 {way} changed (no direction in mlci.yaml)"
    return VERDICT_MARKS[row.verdict]


def _is_declared(row: MetricRow) -> bool:
    return row.name is not None


def _metrics(c: Comparison, cap: int | None) -> str:
    if not c.metrics:
        return "#### Metrics\n\nNo metrics declared or found on either side."
    declared = [r for r in c.metrics if _is_declared(r)]
    if not declared:
        changed = sum(1 for r in c.metrics if r.verdict != "unchanged" and not is_context(r))
        found = f"{changed} undeclared metric{'s' * (changed != 1)} changed: see below"
        return f"#### Metrics\n\nmlci.yaml declares no metrics; {found}."
    rows, more = capped(declared, cap)
    found_baselines = baselines(c)
    notes, refs = numbered_notes(rows)
    intervals = c.same_rows.paired.metrics if c.same_rows and c.same_rows.paired else {}
    header = ["Metric", cell(c.base.label), escape.text(PR_LABEL), "Change", ""]
    aligns = list(METRIC_ALIGNS)
    if intervals:
        header[3:3] = ["Change on the same rows [interval]"]
        aligns[3:3] = ["--:"]
    if found_baselines:
        header.append("Trivial baseline")
        aligns.append("--:")
    lines = ["#### Metrics", "", *_same_rows(c), *_positive_class(c), md_row(header)]
    lines.append(md_rule(aligns))
    for row, ref in zip(rows, refs, strict=True):
        interval = intervals.get(row.name or "")
        cells = [
            cell(metric_name(row)),
            cell(value_cell(row.old, row.old_missing)),
            cell(value_cell(row.new, row.new_missing)),
            escape.text(change_text(row)),
            (MARKS[interval.verdict] if interval else arrow(row)) + "".join(f" [{n}]" for n in ref),
        ]
        if intervals:
            shown = f"{interval_text(interval)}, {p_text(interval)}" if interval else ""
            cells[3:3] = [escape.text(shown)]
        if found_baselines:
            baseline = found_baselines.get((row.file, row.key))
            value = baseline.new if baseline is not None else None
            cells.append(cell(as_text(value)) if value is not None else "")
        lines.append(md_row(cells))
    lines += [
        "",
        *more,
        *(f"{n}. {escape.text(short(note, MAX_NOTE))}" for n, note in enumerate(notes, 1)),
        *_interval_notes(c),
    ]
    return "\n".join(lines).rstrip()


def _same_rows(c: Comparison) -> list[str]:
    """Said before the numbers: on which rows they compare, and a warning when not the same."""
    if c.same_rows is None:
        return []
    line = escape.text(short(rows_line(c.same_rows), MAX_NOTE))
    if c.same_rows.state == "same":
        return [line, ""]
    return [f"> [!WARNING]\n> {line}", ""]


def _interval_notes(c: Comparison) -> list[str]:
    if c.same_rows is None:
        return []
    said = [
        *c.same_rows.notes,
        detectable_line(c.same_rows),
        averaging_line(c.same_rows),
        *skipped_lines(c.same_rows),
    ]
    return [f"- {escape.text(short(line, MAX_NOTE))}" for line in said if line]


def _positive_class(c: Comparison) -> list[str]:
    label = positive_class(c)
    if label is None:
        return []
    about = "(precision, recall and f1 are about it)"
    return [f"Positive class: {escape.code(short(label))} {about}", ""]


def _other_metrics(c: Comparison, cap: int | None) -> str:
    rows = [r for r in c.metrics if not _is_declared(r) and not is_context(r)]
    rows = [r for r in rows if r.verdict != "unchanged"]
    if not rows:
        return ""
    cells = [
        (
            cell(metric_name(r)),
            cell(value_cell(r.old, r.old_missing)),
            cell(value_cell(r.new, r.new_missing)),
            escape.text(change_text(r)),
            arrow(r),
        )
        for r in rows
    ]
    header = ("Metric", cell(c.base.label), escape.text(PR_LABEL), "Change", "")
    table = md_table_body(header, cells, cap)
    return _details(f"Other metrics that changed, not declared in mlci.yaml ({len(rows)})", table)


def _gates(gates: Sequence[GateResult] | None, cap: int | None) -> str:
    if gates is None:
        return "#### Merge rules\n\nNo merge rules were evaluated (`mlci gate` did not run)."
    if not gates:
        return "#### Merge rules\n\nmlci.yaml sets no merge rules."
    ordered = sorted(gates, key=lambda g: _SEVERITY[g.verdict])
    rows = [
        (
            cell(g.rule),
            cell(as_text(g.value)) if g.value is not None else "",
            cell(as_text(g.threshold)) if g.threshold is not None else "",
            RULE_MARKS[g.verdict],
            cell(g.reason),
        )
        for g in ordered
    ]
    header = ("Rule", "Value", "Threshold", "Result", "Why")
    return "\n".join(md_table("Merge rules", header, rows, cap)).rstrip()


def _param_rows(changes: Sequence[ParamChange]) -> list[tuple[str, ...]]:
    return [(cell_code(c.file), cell_code(c.key), c.change, cell(param_value(c))) for c in changes]


_PARAM_HEADER = ("File", "Key", "Change", "Value")


def _params(c: Comparison, cap: int | None) -> str:
    if not c.params:
        return ""
    table = md_table_body(_PARAM_HEADER, _param_rows(c.params), cap)
    count = len(c.params)
    return _details(f"Params: {count} changed", table)


def _output_rows(changes: Sequence[OutputChange]) -> list[tuple[str, ...]]:
    return [
        (cell_code(c.path), c.change, cell(output_text(c)), cell(output_owner(c))) for c in changes
    ]


def _outputs(c: Comparison, cap: int | None) -> str:
    """Every DVC-tracked path that changed, as `mlci diff` lists them: data tracked by a .dvc
    file and the outputs stages wrote, each with what tracks or writes it."""
    if not c.outputs:
        return ""
    data = sum(1 for o in c.outputs if output_owner(o).endswith(".dvc"))
    header = ("Path", "Change", "Size", "Written by")
    table = md_table_body(header, _output_rows(c.outputs), cap)
    count = len(c.outputs)
    summary = f"Data and outputs (DVC-tracked): {count} changed, {data} of them data files"
    return _details(summary, table)


def _stages(c: Comparison, cap: int | None) -> str:
    if not c.stages:
        return ""
    rows = [(cell_code(s.stage), s.change, cell("; ".join(s.reasons))) for s in c.stages]
    table = md_table_body(("Stage", "Change", "Why"), rows, cap)
    return _details(f"Stages that reran: {len(c.stages)}", table)


def _quiet_metrics(c: Comparison, cap: int | None) -> str:
    rows = [r for r in c.metrics if not _is_declared(r) and r.verdict == "unchanged"]
    rows = [r for r in rows if not is_context(r)]
    if not rows:
        return ""
    cells = [(cell(metric_name(r)), cell(as_text(r.new))) for r in rows]
    table = md_table_body(("Metric", "Value (unchanged)"), cells, cap)
    return _details(f"Unchanged metrics mlci.yaml does not declare ({len(rows)})", table)


def _notes(notes: Sequence[str], cap: int | None) -> str:
    shown, more = capped(notes, cap)
    if not shown:
        return ""
    items = [f"- {escape.text(short(note, MAX_NOTE))}" for note in shown]
    return "\n".join(["#### Notes", "", *items, "", *more]).rstrip()


def _sources(c: Comparison, plots: Plots) -> str:
    files = sorted({*c.base.files, *c.target.files})
    lines = []
    if files:
        header = ("Metrics file", cell(c.base.label), escape.text(PR_LABEL))
        rows = [
            (cell_code(f), _read(c.base.files.get(f)), _read(c.target.files.get(f))) for f in files
        ]
        lines += md_table_body(header, rows)
    lines += [
        f"- {escape.code(short(path))}: not shown: {cell(why)}" for path, why in plots.skipped
    ]
    return _details("Where the numbers came from", lines) if lines else ""


def _read(read: MetricsRead | None) -> str:
    if read is None:
        return "not read"
    if read.state == "found":
        return escape.text(read.source) + (f" (md5 {cell_code(read.md5[:8])})" if read.md5 else "")
    return cell(f"{read.state}: {read.message}")


def _details(summary: str, lines: Sequence[str]) -> str:
    body = "\n".join(lines).rstrip()
    return f"<details><summary>{escape.html_text(summary)}</summary>\n\n{body}\n\n</details>"


def _trends(found: Sequence[Trend]) -> str:
    if not found:
        return ""
    charts = [fence(trend_chart(trend)) for trend in found]
    # The branch's name is the repository's to choose: the charts' titles escape it.
    return _details("Trend of the key metrics along the main branch", ["\n\n".join(charts)])


def _confusions(found: Sequence[Confusion]) -> str:
    parts = []
    for matrix in found:
        since = " (change from the base in brackets)" if matrix.base_counts is not None else ""
        heading = f"From {escape.code(short(matrix.path))}{since}"
        parts.append("\n".join([heading, "", *confusion_table(matrix)]))
    return _details("Confusion matrix", ["\n\n".join(parts)]) if parts else ""


def _curves(found: Sequence[Curve]) -> str:
    parts = [f"{fence(curve_chart(c))}\n\n{escape.text(legend(c.series))}" for c in found]
    return _details("Curves", ["\n\n".join(parts)]) if parts else ""
