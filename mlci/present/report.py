"""`mlci report`: one report per pull request, as GitHub Markdown or JSON (pure: data in, text out).

The Markdown, top to bottom (sections with nothing to say are left out):

    <!-- mlci-report -->     hidden marker: how the sticky pull-request comment is found again
    verdict line             ✅ passed / ❌ failed / ⚪ no merge rules ran, and why, in one sentence
    sides                    `main (1a2b3c4d5e6f)` → `feature (…)`; a warning if main has no metrics
    notices                  what to know first: the change edits its own merge rules (it
                             is judged by the base's), a fork's run could not read the remote
    Metrics                  declared metrics and every changed one: base, PR, change, and an
                             arrow that says better or worse in the metric's direction
    Merge rules              each rule's value, threshold, pass / warn / fail and why (failures
                             first)
    Params                   the first PARAMS_SHOWN changed params
    Data, Stages that reran  data tracked by .dvc files whose content changed; stages whose
                             recorded inputs changed (what CI reran)
    Notes                    what belongs to no row: a dvc.lock older than its params, ...
    Trend                    a Mermaid chart per key metric: commits along main, then this PR
    Confusion matrix         a Markdown table per confusion plot, with the change from the base
    Curves                   ROC, precision-recall and line plots: Mermaid charts, base and PR
    <details> sections       rarely needed: more changed params, every changed output,
                             unchanged metrics mlci.yaml does not declare, where each metrics
                             file was read from and which plot files are not shown
    trim note                what was left out to stay under GitHub's comment limit

Every string a pull request controls (metric and param names and values, paths, stage names,
plot labels, rule text and the errors that quote them) goes through mlci.present.markdown_escape,
by the context it lands in: table cell, code span, HTML, Mermaid string. No such string can
add Markdown, HTML, a link, a mention, a line of its own or a second marker.

Trimming: a comment holds at most COMMENT_LIMIT characters (counted as UTF-16 code units,
which is never fewer than GitHub's count). Parts go whole, least important first: the curves,
the trend charts, where the numbers came from, the list of changed outputs, params beyond the
first PARAMS_SHOWN, unchanged undeclared metrics, the confusion matrices, the notes. When one
table is so long that even that is not enough, every table keeps only its first ROW_CAPS rows
(failed rules and declared metrics come first) and the parts that then fit come back, most
important first. As a last resort the text is cut. The note at the end names what went.

JSON (`--format json`) holds the same content, never trimmed; keys are stable and sorted:

    version        1
    verdict        {status: passed | failed | no-rules, sentence: the verdict line's reason}
    comparison     `mlci diff --format json`'s document (see mlci.present.diff_format)
    gates          null when `mlci gate` did not run ([] when mlci.yaml sets no merge rules),
                   else a list of {rule, verdict: pass | warn | fail, value, threshold, reason}
    trends         list of {metric, direction (higher | lower | null), branch,
                   points: [{label (short SHA, or "PR"), sha (null for the PR), value}]}
    confusion      list of {path, labels, counts (counts[actual][predicted], in labels' order),
                   base_counts (same shape, or null when the base lacks the file)}
    curves         list of {path, kind: roc | precision-recall | line, x_label, y_label,
                   x (the evenly spaced values every series is resampled at),
                   series: [{label, side: base | target, y}]}
    skipped_plots  list of {path, reason}
    rules_source   whose merge rules judged the change: the base's, e.g. "main (1a2b…)"
    notices        list of text: what a reviewer must know before the numbers

`from_json` reads that document back: a later CI job can render the comment from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, Literal, Protocol, TypeVar

from mlci.compare.diff import (
    Baseline,
    Comparison,
    MetricRow,
    OutputChange,
    ParamChange,
    SideInfo,
    StageChange,
)
from mlci.dvc.metrics_file import Value, as_text
from mlci.markers import REPORT_MARKER
from mlci.present import diff_format
from mlci.present import markdown_escape as escape
from mlci.present.charts import (
    Confusion,
    Curve,
    PlotInput,
    Plots,
    Series,
    Side,
    Trend,
    TrendPoint,
    confusion_table,
    curve_chart,
    fence,
    legend,
    read_plots,
    trend_chart,
    trends,
)
from mlci.present.diff_format import (
    _MARKS,
    _md_row,
    _md_table,
    change_text,
    json_safe,
    metric_name,
    numbered_notes,
    output_owner,
    output_text,
    param_text,
    side_title,
    value_cell,
)
from mlci.revision.history import History
from mlci.revision.snapshot import MetricsRead, OutputInfo

MARKER = REPORT_MARKER
COMMENT_LIMIT = 65_536
JSON_VERSION = 1
PARAMS_SHOWN = 10
ROW_CAPS = (100, 20, 5)
MAX_CELL = 200
MAX_NOTE = 1000
MAX_REASONS = 3
PR_LABEL = "this PR"

GateVerdict = Literal["pass", "warn", "fail"]
Status = Literal["passed", "failed", "no-rules"]
_GATE_MARKS: dict[str, str] = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail"}
_SEVERITY = {"fail": 0, "warn": 1, "pass": 2}
_GATE_VERDICTS: dict[str, GateVerdict] = {"pass": "pass", "warn": "warn", "fail": "fail"}
_ONE_OF = "pass, warn or fail"
T = TypeVar("T")


# --- input: merge-rule results -----------------------------------------------------------------


class GateResultLike(Protocol):
    """What the report needs of one evaluated merge rule (compare.gates hands its own)."""

    @property
    def rule(self) -> str:
        """The rule as the spec writes it: `accuracy: min 0.9, max_regression 0.01`."""

    @property
    def verdict(self) -> str:
        """pass, warn or fail."""

    @property
    def value(self) -> object:
        """The value the rule looked at (None when there is none)."""

    @property
    def threshold(self) -> object:
        """The limit it was held to, e.g. `>= 0.94 (main 0.95 - 0.01)`; None if none."""

    @property
    def reason(self) -> str:
        """Why, in one clause: `accuracy 0.85 is below the floor 0.9`."""


@dataclass(frozen=True)
class GateResult:
    rule: str
    verdict: GateVerdict
    value: Value | None = None
    threshold: Value | None = None
    reason: str = ""


def gate_result(result: GateResultLike) -> GateResult:
    verdict = _GATE_VERDICTS.get(result.verdict)
    if verdict is None:
        raise ValueError(f"merge rule {result.rule!r}: verdict {result.verdict!r} is not {_ONE_OF}")
    return GateResult(
        result.rule, verdict, _plain(result.value), _plain(result.threshold), result.reason
    )


def _plain(value: object) -> Value | None:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportVerdict:
    status: Status
    sentence: str
    """Why, in one sentence, without the status word."""


@dataclass(frozen=True)
class Report:
    verdict: ReportVerdict
    comparison: Comparison
    gates: tuple[GateResult, ...] | None
    """None when no merge rules ran."""
    trends: tuple[Trend, ...] = ()
    plots: Plots = field(default_factory=Plots)
    rules_source: str = ""
    """Whose merge rules judged the change: the base's (`main (1a2b3c4d5e6f)`)."""
    notices: tuple[str, ...] = ()
    """What a reviewer must know before the numbers: the change edits its own rules, a fork
    whose run could not read the DVC remote, ..."""


def build_report(
    comparison: Comparison,
    gates: Iterable[GateResultLike] | None = None,
    history: History | None = None,
    plots: Iterable[PlotInput] = (),
    branch: str = "main",
    rules_source: str = "",
    notices: Sequence[str] = (),
) -> Report:
    """The report's content: `history` is main's (for the trend), `plots` the plot files."""
    results = None if gates is None else tuple(gate_result(g) for g in gates)
    labels: dict[Side, str] = {"base": comparison.base.label, "target": PR_LABEL}
    return Report(
        verdict=decide(comparison, results),
        comparison=comparison,
        gates=results,
        trends=trends(history, comparison.metrics, branch) if history is not None else (),
        plots=read_plots(plots, labels),
        rules_source=rules_source,
        notices=tuple(notices),
    )


def decide(comparison: Comparison, gates: Sequence[GateResult] | None) -> ReportVerdict:
    moved = _movement(comparison.metrics)
    if gates is None:
        return ReportVerdict("no-rules", f"no merge rules were evaluated; {moved}")
    if not gates:
        return ReportVerdict("no-rules", f"mlci.yaml sets no merge rules; {moved}")
    failed = [g for g in gates if g.verdict == "fail"]
    warned = [g for g in gates if g.verdict == "warn"]
    if failed:
        return ReportVerdict(
            "failed", f"{len(failed)} of {_rules(len(gates))} failed: {_reasons(failed)}."
        )
    if warned:
        passing = len(gates) - len(warned)
        return ReportVerdict(
            "passed",
            f"{passing} of {_rules(len(gates))} pass and {len(warned)} "
            f"warn{'s' * (len(warned) == 1)}: {_reasons(warned)}.",
        )
    every = "the merge rule passes" if len(gates) == 1 else f"all {len(gates)} merge rules pass"
    return ReportVerdict("passed", f"{every}; {moved}")


def _rules(count: int) -> str:
    return f"{count} merge rule{'s' * (count != 1)}"


def _reasons(gates: Sequence[GateResult]) -> str:
    shown = [_short(g.reason or g.rule).rstrip(". ") for g in gates[:MAX_REASONS]]
    more = len(gates) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more else "")


def _movement(rows: Sequence[MetricRow]) -> str:
    """Which declared metrics got better or worse, in words."""
    declared = [row for row in rows if row.name is not None]
    parts = [
        f"{_names(moved)} {verdict}"
        for verdict in ("regressed", "improved")
        if (moved := [_short(metric_name(r)) for r in declared if r.verdict == verdict])
    ]
    if parts:
        return ", ".join(parts) + "."
    if not declared:
        return "mlci.yaml declares no metrics."
    return "no declared metric moved beyond its tolerance."


def _names(names: Sequence[str]) -> str:
    if len(names) > MAX_REASONS:
        return ", ".join(names[:MAX_REASONS]) + f" and {len(names) - MAX_REASONS} more"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


# --- Markdown, trimmed to fit ------------------------------------------------------------------


@dataclass(frozen=True)
class Markdown:
    text: str
    trimmed: tuple[str, ...]
    """What was left out to fit, least important first; empty when nothing was."""


@dataclass(frozen=True)
class _Block:
    text: str
    name: str = ""
    """What the trim note calls it; "" for a part that is never dropped whole."""
    rank: int = 0
    """Order of dropping: 1 goes first."""

    @cached_property
    def length(self) -> int:
        return size(self.text)


def size(text: str) -> int:
    """Length as UTF-16 code units: an emoji counts 2, never less than GitHub's count."""
    return len(text.encode("utf-16-le")) // 2


def render_markdown(report: Report, limit: int = COMMENT_LIMIT) -> str:
    return markdown(report, limit).text


def markdown(report: Report, limit: int = COMMENT_LIMIT) -> Markdown:
    """The report as GitHub Markdown of at most `limit` characters, and what was trimmed."""
    blocks = _blocks(report, None)
    trimmed = _least_important(blocks, limit, ())
    if trimmed is not None:
        return _fitted(blocks, trimmed, limit)
    # Every part that can go has gone, and a table is still too long: tables keep their first
    # rows, then the parts that fit come back, most important first.
    for cap in ROW_CAPS:
        capped = _blocks(report, cap)
        trimmed = _least_important(capped, limit, (f"table rows beyond the first {cap}",))
        if trimmed is not None:
            return _fitted(capped, trimmed, limit)
    return _cut(_blocks(report, 0), limit, [b.name for b in _droppable(blocks)])


def _droppable(blocks: Sequence[_Block]) -> list[_Block]:
    return sorted((b for b in blocks if b.name), key=lambda b: b.rank)


def _least_important(
    blocks: Sequence[_Block], limit: int, also: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The fewest parts, least important first, whose leaving makes the rest fit; else None."""
    droppable = _droppable(blocks)
    for count in range(len(droppable) + 1):
        gone = droppable[:count]
        trimmed = (*(b.name for b in gone), *also)
        if _length([b for b in blocks if b not in gone], trimmed, limit) <= limit:
            return trimmed
    return None


def _fitted(blocks: Sequence[_Block], trimmed: tuple[str, ...], limit: int) -> Markdown:
    kept = [block for block in blocks if block.name not in trimmed]
    return Markdown(_join(kept, trimmed, limit), trimmed)


def _join(blocks: Sequence[_Block], trimmed: Sequence[str], limit: int) -> str:
    parts = [block.text for block in blocks]
    if trimmed:
        parts.append(_trim_note(trimmed, limit))
    return "\n\n".join(parts) + "\n"


def _length(blocks: Sequence[_Block], trimmed: Sequence[str], limit: int) -> int:
    """size(_join(...)) without joining: a huge report is measured many times."""
    sizes = [block.length for block in blocks]
    if trimmed:
        sizes.append(size(_trim_note(trimmed, limit)))
    return sum(sizes) + 2 * (len(sizes) - 1) + 1


def _trim_note(trimmed: Sequence[str], limit: int) -> str:
    where = f"GitHub's {limit:,}-character limit for a comment"
    if limit != COMMENT_LIMIT:
        where = f"{limit:,} characters"
    return (
        f"> [!NOTE]\n> Trimmed to stay under {where}: left out {', '.join(trimmed)}. "
        "`mlci report --format json` has everything."
    )


def _cut(blocks: Sequence[_Block], limit: int, dropped: Sequence[str]) -> Markdown:
    """The last resort: whole lines up to the limit (only a limit of a few hundred gets here).

    The marker line and the note always stay, even past a limit too small to hold them.
    """
    trimmed = (*dropped, "the end of the report")
    note = "\n\n" + _trim_note(trimmed, limit) + "\n"
    lines = "\n\n".join(b.text for b in blocks if not b.name).split("\n")
    while len(lines) > 1 and size("\n".join(lines)) + size(note) > limit:
        lines.pop()
    return Markdown("\n".join(lines) + note, trimmed)


def _blocks(report: Report, cap: int | None) -> list[_Block]:
    c = report.comparison
    blocks = [
        _Block(f"{MARKER}\n{verdict_line(report.verdict)}"),
        _Block(_sides(c)),
        _Block(_notices(report.notices)),
        _Block(_metrics(c, cap)),
        _Block(_gates(report.gates, cap)),
        _Block(_params(c, cap)),
        _Block(_data_and_stages(c, cap)),
        _Block(_notes(c.notes, cap), "the notes", 8),
        _Block(_trends(report.trends), "the trend charts", 2),
        _Block(_confusions(report.plots.confusions), "the confusion matrices", 7),
        _Block(_curves(report.plots.curves), "the evaluation curves", 1),
        _Block(_more_params(c, cap), f"changed params beyond the first {PARAMS_SHOWN}", 5),
        _Block(_all_outputs(c, cap), "the list of changed outputs", 4),
        _Block(_quiet_metrics(c, cap), "unchanged metrics mlci.yaml does not declare", 6),
        _Block(_sources(c, report.plots), "where the numbers came from", 3),
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
    return "\n\n".join(f"> [!IMPORTANT]\n> {escape.text(_short(note, MAX_NOTE))}" for note in notes)


def _short(text: str, most: int = MAX_CELL) -> str:
    """At most `most` characters: one huge value must not crowd out the report."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _cell(value: str) -> str:
    """Text for a table cell: shortened, then escaped (escaping must never be cut in two)."""
    return escape.text(_short(value))


def _cell_code(value: str) -> str:
    """A code span for a table cell: shortened, then escaped."""
    return escape.cell_code(_short(value))


def _cap(rows: Sequence[T], cap: int | None) -> tuple[Sequence[T], list[str]]:
    """The rows a table shows, and a line saying how many it leaves out."""
    if cap is None or len(rows) <= cap:
        return rows, []
    hidden = len(rows) - cap
    return rows[:cap], [f"_…and {hidden} more, left out to fit (see `--format json`)._", ""]


def _table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], cap: int | None
) -> list[str]:
    shown, more = _cap(rows, cap)
    return [*_md_table(title, header, shown), *more]


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
    return _MARKS[row.verdict]


def _in_main_table(row: MetricRow) -> bool:
    return row.name is not None or row.verdict != "unchanged"


def _metrics(c: Comparison, cap: int | None) -> str:
    if not c.metrics:
        return "#### Metrics\n\nNo metrics declared or found on either side."
    rows, more = _cap([r for r in c.metrics if _in_main_table(r)], cap)
    if not rows:
        return "#### Metrics\n\nNo metric changed, and mlci.yaml declares none."
    notes, refs = numbered_notes(rows)
    header = ("Metric", _cell(c.base.label), escape.text(PR_LABEL), "Change", "")
    lines = ["#### Metrics", "", _md_row(header), "|:--|--:|--:|--:|:--|"]
    for row, ref in zip(rows, refs, strict=True):
        cells = (
            _cell(metric_name(row)),
            _cell(value_cell(row.old, row.old_missing)),
            _cell(value_cell(row.new, row.new_missing)),
            escape.text(change_text(row)),
            arrow(row) + "".join(f" [{n}]" for n in ref),
        )
        lines.append(_md_row(cells))
    lines += [
        "",
        *more,
        *(f"{n}. {escape.text(_short(note, MAX_NOTE))}" for n, note in enumerate(notes, 1)),
    ]
    return "\n".join(lines).rstrip()


def _gates(gates: Sequence[GateResult] | None, cap: int | None) -> str:
    if gates is None:
        return "#### Merge rules\n\nNo merge rules were evaluated (`mlci gate` did not run)."
    if not gates:
        return "#### Merge rules\n\nmlci.yaml sets no merge rules."
    ordered = sorted(gates, key=lambda g: _SEVERITY[g.verdict])
    rows = [
        (
            _cell(g.rule),
            _cell(as_text(g.value)) if g.value is not None else "",
            _cell(as_text(g.threshold)) if g.threshold is not None else "",
            _GATE_MARKS[g.verdict],
            _cell(g.reason),
        )
        for g in ordered
    ]
    header = ("Rule", "Value", "Threshold", "Result", "Why")
    return "\n".join(_table("Merge rules", header, rows, cap)).rstrip()


def _param_rows(changes: Sequence[ParamChange]) -> list[tuple[str, ...]]:
    return [
        (_cell_code(c.file), _cell_code(c.key), c.change, _cell(param_text(c))) for c in changes
    ]


_PARAM_HEADER = ("File", "Key", "Change", "Value")


def _params(c: Comparison, cap: int | None) -> str:
    shown = c.params[:PARAMS_SHOWN]
    lines = _table("Params", _PARAM_HEADER, _param_rows(shown), cap)
    if len(c.params) > len(shown):
        lines.append(f"_…and {len(c.params) - len(shown)} more under “More changed params”._")
    return "\n".join(lines).rstrip()


def _more_params(c: Comparison, cap: int | None) -> str:
    rest = c.params[PARAMS_SHOWN:]
    if not rest:
        return ""
    table = _table("", _PARAM_HEADER, _param_rows(rest), cap)[2:]  # without the heading
    return _details(f"More changed params ({len(rest)})", table)


def _output_rows(changes: Sequence[OutputChange]) -> list[tuple[str, ...]]:
    return [
        (_cell_code(c.path), c.change, _cell(output_text(c)), _cell(output_owner(c)))
        for c in changes
    ]


def _data_and_stages(c: Comparison, cap: int | None) -> str:
    data = [o for o in c.outputs if output_owner(o).endswith(".dvc")]
    lines = _table("Data", ("Path", "Change", "Size", "Tracked by"), _output_rows(data), cap)
    stages = [(_cell_code(s.stage), s.change, _cell("; ".join(s.reasons))) for s in c.stages]
    lines += _table("Stages that reran", ("Stage", "Change", "Why"), stages, cap)
    return "\n".join(lines).rstrip()


def _all_outputs(c: Comparison, cap: int | None) -> str:
    if not c.outputs:
        return ""
    header = ("Path", "Change", "Size", "Written by")
    table = _table("", header, _output_rows(c.outputs), cap)[2:]
    return _details(f"Changed outputs, DVC-tracked ({len(c.outputs)})", table)


def _quiet_metrics(c: Comparison, cap: int | None) -> str:
    rows = [r for r in c.metrics if not _in_main_table(r)]
    if not rows:
        return ""
    cells = [(_cell(metric_name(r)), _cell(as_text(r.new))) for r in rows]
    table = _table("", ("Metric", "Value (unchanged)"), cells, cap)[2:]
    return _details(f"Unchanged metrics mlci.yaml does not declare ({len(rows)})", table)


def _notes(notes: Sequence[str], cap: int | None) -> str:
    shown, more = _cap(notes, cap)
    if not shown:
        return ""
    items = [f"- {escape.text(_short(note, MAX_NOTE))}" for note in shown]
    return "\n".join(["#### Notes", "", *items, "", *more]).rstrip()


def _sources(c: Comparison, plots: Plots) -> str:
    files = sorted({*c.base.files, *c.target.files})
    lines = []
    if files:
        header = ("Metrics file", _cell(c.base.label), escape.text(PR_LABEL))
        rows = [
            (_cell_code(f), _read(c.base.files.get(f)), _read(c.target.files.get(f))) for f in files
        ]
        lines += _md_table("", header, rows)[2:]
    lines += [
        f"- {escape.code(_short(path))}: not shown: {_cell(why)}" for path, why in plots.skipped
    ]
    return _details("Where the numbers came from", lines) if lines else ""


def _read(read: MetricsRead | None) -> str:
    if read is None:
        return "not read"
    if read.state == "found":
        return escape.text(read.source) + (f" (md5 {_cell_code(read.md5[:8])})" if read.md5 else "")
    return _cell(f"{read.state}: {read.message}")


def _details(summary: str, lines: Sequence[str]) -> str:
    body = "\n".join(lines).rstrip()
    return f"<details><summary>{escape.html_text(summary)}</summary>\n\n{body}\n\n</details>"


def _trends(found: Sequence[Trend]) -> str:
    if not found:
        return ""
    charts = [fence(trend_chart(trend)) for trend in found]
    return "\n\n".join(["#### Trend", *charts])


def _confusions(found: Sequence[Confusion]) -> str:
    parts = []
    for matrix in found:
        since = " (change from the base in brackets)" if matrix.base_counts is not None else ""
        heading = f"From {escape.code(_short(matrix.path))}{since}"
        parts.append("\n".join([heading, "", *confusion_table(matrix)]))
    return "\n\n".join(["#### Confusion matrix", *parts]) if parts else ""


def _curves(found: Sequence[Curve]) -> str:
    parts = [f"{fence(curve_chart(c))}\n\n{escape.text(legend(c.series))}" for c in found]
    return "\n\n".join(["#### Curves", *parts]) if parts else ""


# --- JSON --------------------------------------------------------------------------------------


def to_json_data(report: Report) -> dict[str, Any]:
    """The documented JSON document as plain data (see the module docstring)."""
    gates = report.gates
    return {
        "version": JSON_VERSION,
        "verdict": {"status": report.verdict.status, "sentence": report.verdict.sentence},
        "comparison": diff_format.to_json_data(report.comparison),
        "gates": None if gates is None else [_fields(g) for g in gates],
        "trends": [
            {**_fields(t, skip="points"), "points": [_fields(p) for p in t.points]}
            for t in report.trends
        ],
        "confusion": [_fields(c) for c in report.plots.confusions],
        "curves": [
            {**_fields(c, skip="series"), "series": [_fields(s) for s in c.series]}
            for c in report.plots.curves
        ],
        "skipped_plots": [{"path": p, "reason": r} for p, r in report.plots.skipped],
        "rules_source": report.rules_source,
        "notices": list(report.notices),
    }


def render_json(report: Report) -> str:
    data = json_safe(to_json_data(report))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _fields(obj: Any, skip: str = "") -> dict[str, Any]:
    """A flat dataclass as JSON data: tuples (of tuples) become lists."""
    return {f.name: _lists(getattr(obj, f.name)) for f in fields(obj) if f.name != skip}


def _lists(value: Any) -> Any:
    return [_lists(item) for item in value] if isinstance(value, tuple) else value


def from_json(text: str) -> Report:
    """A report from `render_json`'s text (NaN and infinities come back as their names)."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != JSON_VERSION:
        raise ValueError(f"not an mlci report document of version {JSON_VERSION}")
    try:
        return _report(data)
    except (KeyError, TypeError) as error:
        raise ValueError(f"not an mlci report document: {error!r}") from None


def _report(data: dict[str, Any]) -> Report:
    gates = data["gates"]
    return Report(
        verdict=ReportVerdict(data["verdict"]["status"], data["verdict"]["sentence"]),
        comparison=_comparison(data["comparison"]),
        gates=None if gates is None else tuple(_make(GateResult, g) for g in gates),
        trends=tuple(
            _make(Trend, {**t, "points": tuple(_make(TrendPoint, p) for p in t["points"])})
            for t in data["trends"]
        ),
        plots=Plots(
            tuple(_make(Confusion, c) for c in data["confusion"]),
            tuple(
                _make(Curve, {**c, "series": tuple(_make(Series, s) for s in c["series"])})
                for c in data["curves"]
            ),
            tuple((s["path"], s["reason"]) for s in data["skipped_plots"]),
        ),
        rules_source=data["rules_source"],
        notices=tuple(data["notices"]),
    )


def _make(kind: Callable[..., T], data: Mapping[str, Any]) -> T:
    """A dataclass from its JSON fields (lists back to tuples); keys it lacks are ignored."""
    names = [f.name for f in fields(kind)]  # type: ignore[arg-type]
    return kind(**{name: _tuples(data[name]) for name in names})


def _tuples(value: Any) -> Any:
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def _comparison(data: dict[str, Any]) -> Comparison:
    return Comparison(
        base=_side(data["base"]),
        target=_side(data["target"]),
        baseline=_make(Baseline, data["baseline"]),
        metrics=tuple(_make(MetricRow, row) for row in data["metrics"]),
        params=tuple(
            ParamChange(p["file"], p["key"], p["change"], p["old"], p["new"])
            for p in data["params"]
        ),
        outputs=tuple(
            OutputChange(o["path"], o["change"], _output(o["old"]), _output(o["new"]))
            for o in data["outputs"]
        ),
        stages=tuple(_make(StageChange, s) for s in data["stages"]),
        notes=tuple(data["notes"]),
    )


def _side(data: dict[str, Any]) -> SideInfo:
    files = {
        path: MetricsRead(
            path, read["state"], {}, read["message"], read["source"], read["md5"], read["declared"]
        )
        for path, read in data["files"].items()
    }
    return SideInfo(data["label"], data["revision"], data["has_pipeline"], data["has_lock"], files)


def _output(data: dict[str, Any] | None) -> OutputInfo | None:
    return None if data is None else _make(OutputInfo, data)
